//! BlazePose landmarks (lite): the main person's body, keypoint by keypoint.
//!
//! The model must see an aligned crop around one person, not the whole photo (on
//! the whole photo it puts shoulders on the face). The crop follows MediaPipe's
//! `pose_detection_to_roi`: centred on the detector's hip centre, side 2.5 × the
//! distance to the full-body circle point, turned so the body points up. The model
//! answers 39 points × (x, y, z, visibility, presence) in crop pixels (the first 33
//! are the body), a body-present score, and 256×256 segmentation logits.

use image::{GrayImage, Luma, RgbImage};

use crate::detector::Detection;
use crate::geometry::{Point, Rotated};
use crate::models::{run, Plan};
use crate::sampling::{sample, Border};
use crate::VisionError;

/// The landmark model's input side in pixels.
const SIDE: usize = 256;
/// Body keypoints (the model's other 6 serve MediaPipe's tracking).
pub const KEYPOINTS: usize = 33;
/// Below this body-present score the crop holds no body.
const MIN_PRESENCE: f32 = 0.5;

/// The body keypoints, in BlazePose's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
#[repr(usize)]
pub enum Landmark {
    Nose = 0,
    LeftEye = 2,
    RightEye = 5,
    LeftEar = 7,
    RightEar = 8,
    LeftShoulder = 11,
    RightShoulder = 12,
    LeftElbow = 13,
    RightElbow = 14,
    LeftWrist = 15,
    RightWrist = 16,
    LeftHip = 23,
    RightHip = 24,
    LeftKnee = 25,
    RightKnee = 26,
    LeftAnkle = 27,
    RightAnkle = 28,
}

/// One keypoint in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Keypoint {
    /// Where it is (it may lie outside the photo: the model guesses hidden parts).
    pub at: Point,
    /// How likely it is visible (in the photo and not hidden), 0..1.
    pub visibility: f32,
    /// How likely it is inside the photo at all, 0..1.
    pub presence: f32,
}

/// The main person's body.
#[derive(Debug, Clone)]
pub struct Person {
    /// The 33 body keypoints, indexed by [`Landmark`] (and the points between).
    pub keypoints: Vec<Keypoint>,
    /// The model's confidence that its crop holds a body, 0..1.
    pub presence: f32,
    /// The crop the model looked through, for the mask.
    crop: Rotated,
    /// Person probability over the crop, `SIDE`×`SIDE`, 0..255 (a byte each: a
    /// sighting is kept while its job runs, and the mask needs no finer steps).
    segmentation: Vec<u8>,
}

impl Person {
    /// The keypoint `which`.
    pub fn at(&self, which: Landmark) -> Keypoint {
        self.keypoints[which as usize]
    }

    /// The point halfway between two keypoints (the shoulders' or hips' centre).
    pub fn between(&self, a: Landmark, b: Landmark) -> Point {
        self.at(a).at.midpoint(self.at(b).at)
    }

    /// The person mask at `width`×`height` (0..255): the segmentation carried from
    /// the crop back to the photo; outside the crop, nobody.
    pub fn mask(&self, width: u32, height: u32) -> GrayImage {
        let mut mask = GrayImage::new(width, height);
        // Only the crop's bounding box can be anybody (a pixel whose centre is outside
        // the square samples nothing): the rest stays 0.
        let corners =
            [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map(|(u, v)| self.crop.to_photo(u, v));
        let bound = |pick: fn(&Point) -> f32, limit: u32| {
            let values = corners.iter().map(pick);
            let lo = values.clone().fold(f32::MAX, f32::min).max(0.0) as u32;
            let hi = values.fold(f32::MIN, f32::max).max(0.0) as u32 + 1;
            (lo.min(limit), hi.min(limit))
        };
        let (x_from, x_to) = bound(|p| p.x, width);
        let (y_from, y_to) = bound(|p| p.y, height);
        for y in y_from..y_to {
            for x in x_from..x_to {
                mask.put_pixel(x, y, Luma([self.mask_at(x, y)]));
            }
        }
        mask
    }

    /// The person mask at the photo pixel (x, y), 0..255: what [`Person::mask`] holds
    /// there, for callers that need only some pixels of it.
    pub fn mask_at(&self, x: u32, y: u32) -> u8 {
        let (u, v) = self.crop.from_photo(Point {
            x: x as f32 + 0.5,
            y: y as f32 + 0.5,
        });
        let (fx, fy) = (u * SIDE as f32 - 0.5, v * SIDE as f32 - 0.5);
        if fx < -0.5 || fy < -0.5 || fx > SIDE as f32 - 0.5 || fy > SIDE as f32 - 0.5 {
            return 0;
        }
        // Casts, not floor() and round(): both are ≥ 0 here, and the library calls
        // were a tenth of a sandbox render.
        let (x0, y0) = (fx.max(0.0) as usize, fy.max(0.0) as usize);
        let (x1, y1) = ((x0 + 1).min(SIDE - 1), (y0 + 1).min(SIDE - 1));
        let (ax, ay) = (
            (fx - x0 as f32).clamp(0.0, 1.0),
            (fy - y0 as f32).clamp(0.0, 1.0),
        );
        let s = |x: usize, y: usize| self.segmentation[y * SIDE + x] as f32;
        let top = s(x0, y0) * (1.0 - ax) + s(x1, y0) * ax;
        let bottom = s(x0, y1) * (1.0 - ax) + s(x1, y1) * ax;
        (top * (1.0 - ay) + bottom * ay + 0.5) as u8
    }

    /// A body with these keypoints and no mask (for tests of what follows from them).
    #[cfg(test)]
    pub(crate) fn from_keypoints(keypoints: Vec<Keypoint>) -> Person {
        let crop = Rotated::toward(Point { x: 0.0, y: 0.0 }, Point { x: 0.0, y: -1.0 }, 1.0);
        Person {
            keypoints,
            presence: 1.0,
            crop,
            segmentation: vec![0; SIDE * SIDE],
        }
    }

    /// Roughly how many bytes this body holds (for caches with a byte budget).
    pub fn weight(&self) -> usize {
        self.segmentation.len() + self.keypoints.len() * std::mem::size_of::<Keypoint>()
    }

    /// The same body with every coordinate multiplied by `f`.
    pub(crate) fn scaled(&self, f: f32) -> Person {
        let mut p = self.clone();
        for k in &mut p.keypoints {
            k.at = Point {
                x: k.at.x * f,
                y: k.at.y * f,
            };
        }
        p.crop = self.crop.scaled(f);
        p
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The body of the person `detection` found, or `None` when the model sees none.
pub(crate) fn find_body(
    plan: &Plan,
    photo: &RgbImage,
    detection: &Detection,
) -> Result<Option<Person>, VisionError> {
    let side = 2.5 * detection.hips.distance(detection.body_edge);
    if side < 4.0 {
        return Ok(None);
    }
    let crop = Rotated::toward(detection.hips, detection.body_edge, side);
    let input = sample(photo, &crop, SIDE, Border::Replicate, (0.0, 1.0));
    let outputs = run(plan, SIDE, input)?;
    let presence = outputs[1][0];
    if presence < MIN_PRESENCE {
        return Ok(None);
    }
    let keypoints = outputs[0]
        .chunks_exact(5)
        .take(KEYPOINTS)
        .map(|k| Keypoint {
            at: crop.to_photo(k[0] / SIDE as f32, k[1] / SIDE as f32),
            visibility: sigmoid(k[3]),
            presence: sigmoid(k[4]),
        })
        .collect();
    let segmentation = outputs[2]
        .iter()
        .map(|&l| (sigmoid(l) * 255.0).round() as u8)
        .collect();
    Ok(Some(Person {
        keypoints,
        presence,
        crop,
        segmentation,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mask as first written: every photo pixel sampled, with `floor` and `round`.
    fn mask_sampled_everywhere(person: &Person, width: u32, height: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| {
            let (u, v) = person.crop.from_photo(Point {
                x: x as f32 + 0.5,
                y: y as f32 + 0.5,
            });
            let (fx, fy) = (u * SIDE as f32 - 0.5, v * SIDE as f32 - 0.5);
            if fx < -0.5 || fy < -0.5 || fx > SIDE as f32 - 0.5 || fy > SIDE as f32 - 0.5 {
                return Luma([0]);
            }
            let (x0, y0) = (fx.floor().max(0.0) as usize, fy.floor().max(0.0) as usize);
            let (x1, y1) = ((x0 + 1).min(SIDE - 1), (y0 + 1).min(SIDE - 1));
            let (ax, ay) = (
                (fx - x0 as f32).clamp(0.0, 1.0),
                (fy - y0 as f32).clamp(0.0, 1.0),
            );
            let s = |x: usize, y: usize| person.segmentation[y * SIDE + x] as f32;
            let top = s(x0, y0) * (1.0 - ax) + s(x1, y0) * ax;
            let bottom = s(x0, y1) * (1.0 - ax) + s(x1, y1) * ax;
            Luma([(top * (1.0 - ay) + bottom * ay).round() as u8])
        })
    }

    #[test]
    fn the_mask_within_the_crops_bounds_is_the_mask_sampled_everywhere() {
        // A segmentation with no flat parts, up to its very edge texels.
        let segmentation = (0..SIDE * SIDE)
            .map(|i| ((i % SIDE) * 7 + (i / SIDE) * 13 + 1) as u8)
            .collect();
        let mut person = Person::from_keypoints(Vec::new());
        person.segmentation = segmentation;
        // Upright, turned, and hanging over every edge of the photo.
        for (center, toward, side) in [
            ((120.0, 150.0), (120.0, 0.0), 181.6),
            ((100.0, 160.0), (180.0, 40.0), 150.0),
            ((10.0, 290.0), (-60.0, 200.0), 260.0),
        ] {
            person.crop = Rotated::toward(
                Point {
                    x: center.0,
                    y: center.1,
                },
                Point {
                    x: toward.0,
                    y: toward.1,
                },
                side,
            );
            let fast = person.mask(240, 300);
            assert_eq!(fast, mask_sampled_everywhere(&person, 240, 300));
            assert!(fast.pixels().any(|p| p[0] > 0), "the crop is in the photo");
        }
    }
}
