//! Seeing the person in a shopper's photo.
//!
//! For a photo this crate answers three questions with MediaPipe's published pose
//! models, run by [tract](https://github.com/sonos/tract) on the CPU:
//!
//! * how many people are in it ([`detector`]: BlazePose's person detector);
//! * where the main person's body is: 33 keypoints with their visibility
//!   ([`landmarks`]: BlazePose landmarks, lite);
//! * which pixels are that person ([`Sighting::mask`], the landmark model's
//!   segmentation).
//!
//! [`check`] turns a sighting into a verdict for a garment category: whether the
//! photo can show the garment, and if not, why, in words a shopper can act on.
//!
//! The models are ONNX files in `models/`, converted from the `.tflite` files of the
//! npm packages `@mediapipe/pose` by `tools/convert-models.sh` (pinned versions,
//! checked by sha256; see `models/NOTICE`). They are compiled into the binary, so a
//! gateway is one file to deploy.

pub mod check;
pub mod detector;
mod geometry;
pub mod landmarks;
mod models;
mod sampling;

use std::sync::Arc;

use image::RgbImage;

pub use check::check;
pub use detector::Detection;
pub use geometry::{Point, Rotated};
pub use landmarks::{Keypoint, Landmark, Person};

/// Why the models could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// tract refused a model or failed running it (a bug or a corrupt model file).
    #[error("the pose model failed: {0}")]
    Model(String),
}

impl From<tract_onnx::prelude::TractError> for VisionError {
    fn from(e: tract_onnx::prelude::TractError) -> Self {
        VisionError::Model(format!("{e:#}"))
    }
}

/// What was seen in one photo.
#[derive(Debug, Clone)]
pub struct Sighting {
    /// Photo width in pixels.
    pub width: u32,
    /// Photo height in pixels.
    pub height: u32,
    /// Every person the detector found, most confident first.
    pub detections: Vec<Detection>,
    /// The main person's body, when the detector found someone and the landmark
    /// model agreed there is a body in its crop.
    pub person: Option<Person>,
}

impl Sighting {
    /// How many people are in the photo: detections at least a third the size of
    /// the main one (a passer-by far in the background is scenery, not a second
    /// model).
    pub fn people(&self) -> usize {
        detector::prominent(&self.detections).count()
    }

    /// The main person, when somebody is in the photo (the one rule for "somebody":
    /// the check, the sandbox's preview and its worn-garment cut all ask this).
    pub fn main_person(&self) -> Option<&Person> {
        self.person.as_ref().filter(|_| self.people() > 0)
    }

    /// Roughly how many bytes this sighting holds (for caches with a byte budget).
    pub fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.detections.len() * std::mem::size_of::<Detection>()
            + self.person.as_ref().map_or(0, Person::weight)
    }

    /// The main person's mask at photo size: 0 (not the person) to 255, or `None`
    /// when nobody was found.
    pub fn mask(&self) -> Option<image::GrayImage> {
        self.person
            .as_ref()
            .map(|p| p.mask(self.width, self.height))
    }
}

/// The long side photos are shrunk to before the models sample them.
const WORKING_SIDE: u32 = 640;

/// The loaded models, shareable between threads (each call runs its own state).
#[derive(Clone)]
pub struct Vision {
    models: Arc<models::Models>,
}

impl Vision {
    /// Load and optimise the embedded models (a few hundred milliseconds; do it once).
    pub fn load() -> Result<Self, VisionError> {
        Ok(Vision {
            models: Arc::new(models::Models::load()?),
        })
    }

    /// The raw outputs of one model for an NHWC input (for the test that holds
    /// tract to the TFLite runtime's answers; not part of the crate's use).
    #[doc(hidden)]
    pub fn raw(&self, model: &str, pixels: Vec<f32>) -> Result<Vec<Vec<f32>>, VisionError> {
        match model {
            "pose_detection" => models::run(&self.models.detector, 224, pixels),
            "pose_landmark_lite" => models::run(&self.models.landmarks, 256, pixels),
            other => Err(VisionError::Model(format!("no model {other}"))),
        }
    }

    /// Look at a photo: find the people and the main person's body.
    pub fn look(&self, photo: &RgbImage) -> Result<Sighting, VisionError> {
        // The models see 224 and 256 pixels: sampling those straight from a large
        // photo would alias, so a photo is first shrunk (area-averaged) to about
        // twice what the models see; every answer is scaled back to the photo.
        let long = photo.width().max(photo.height());
        let shrunk;
        let (work, f) = if long > WORKING_SIDE {
            let k = long as f32 / WORKING_SIDE as f32;
            let (w, h) = (
                (photo.width() as f32 / k).round() as u32,
                (photo.height() as f32 / k).round() as u32,
            );
            shrunk = image::imageops::thumbnail(photo, w.max(1), h.max(1));
            (&shrunk, photo.width() as f32 / w.max(1) as f32)
        } else {
            (photo, 1.0)
        };
        let detections = detector::detect(&self.models.detector, work)?;
        let person = match detections.first() {
            Some(main) if main.score >= detector::MIN_SCORE => {
                landmarks::find_body(&self.models.landmarks, work, main)?
            }
            _ => None,
        };
        Ok(Sighting {
            width: photo.width(),
            height: photo.height(),
            detections: detections.iter().map(|d| d.scaled(f)).collect(),
            person: person.map(|p| p.scaled(f)),
        })
    }
}
