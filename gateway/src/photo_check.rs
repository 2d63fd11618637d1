//! The photo check: a look at the shopper's photo with the pose models of
//! `tryon-vision`, before a job costs anything.
//!
//! `POST /v1/precheck` answers the widget's question (is this photo good for this
//! garment?) in about a tenth of a second; with `TRYON_PHOTO_CHECK=on` a submitted
//! job whose photo has nobody in it fails at once with `PoseError`, before the
//! hosted API is called. The sandbox uses the same [`Eyes`] for its previews.

use std::sync::Arc;

use axum::http::StatusCode;
use tokio::sync::{OnceCell, Semaphore};
use tryon_protocol::{
    ApiError, Category, ErrorName, ImageInput, ImageKind, PhotoProblem, PrecheckResponse,
};
use tryon_vision::{Sighting, Vision};

use crate::config::PhotoCheckMode;
use crate::error::GatewayError;
use crate::images::{decode_image, PendingImage, Role};

/// The pose models, loaded once (at start-up, or when first needed) and shared by
/// the check and the sandbox. Looks run on the blocking pool, as many at once as
/// there are cores, so a burst of checks cannot starve the HTTP answers.
#[derive(Clone)]
pub struct Eyes {
    vision: Arc<OnceCell<Vision>>,
    looks: Arc<Semaphore>,
}

impl Default for Eyes {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Eyes {
            vision: Arc::default(),
            looks: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Eyes {
    /// The models, loading them the first time.
    pub async fn vision(&self) -> Result<Vision, GatewayError> {
        self.vision
            .get_or_try_init(|| async {
                let started = std::time::Instant::now();
                let loaded = tokio::task::spawn_blocking(Vision::load).await;
                match loaded {
                    Ok(Ok(vision)) => {
                        tracing::info!(
                            ms = started.elapsed().as_millis() as u64,
                            "pose models loaded"
                        );
                        Ok(vision)
                    }
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "the pose models could not be loaded");
                        Err(GatewayError::internal())
                    }
                    Err(_) => Err(GatewayError::internal()),
                }
            })
            .await
            .cloned()
    }

    /// Looks at a photo file (JPEG, PNG or WebP bytes).
    pub async fn look(&self, photo: Vec<u8>) -> Result<Sighting, GatewayError> {
        let vision = self.vision().await?;
        let _turn = self
            .looks
            .acquire()
            .await
            .map_err(|_| GatewayError::internal())?;
        tokio::task::spawn_blocking(move || {
            let decoded = decode_image(Role::Model, &photo).map_err(|message| {
                GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::ImageLoadError, message)
            })?;
            vision.look(&decoded.to_rgb8()).map_err(|e| {
                tracing::error!(error = %e, "a pose model failed");
                GatewayError::internal()
            })
        })
        .await
        .map_err(|_| GatewayError::internal())?
    }
}

/// The check as the merchant configured it.
#[derive(Clone)]
pub struct PhotoCheck {
    mode: PhotoCheckMode,
    eyes: Eyes,
}

impl PhotoCheck {
    /// A check in `mode`, looking through `eyes`.
    pub fn new(mode: PhotoCheckMode, eyes: Eyes) -> Self {
        PhotoCheck { mode, eyes }
    }

    /// Whether the models will be needed: load them before the first shopper waits.
    pub fn wants_models(&self) -> bool {
        self.mode != PhotoCheckMode::Off
    }

    /// The eyes, to load them ahead of need.
    pub fn eyes(&self) -> &Eyes {
        &self.eyes
    }

    /// The answer to `POST /v1/precheck` for this photo (a data URL) and category.
    pub async fn precheck(
        &self,
        model_image: String,
        category: Category,
    ) -> Result<PrecheckResponse, GatewayError> {
        if self.mode == PhotoCheckMode::Off {
            return Ok(PrecheckResponse {
                checked: false,
                people: 0,
                problems: Vec::new(),
            });
        }
        let photo = photo_bytes(model_image)?;
        let sighting = self.eyes.look(photo).await?;
        Ok(PrecheckResponse {
            checked: true,
            people: sighting.people() as u32,
            problems: tryon_vision::check(&sighting, category),
        })
    }

    /// With the check `on`: the error a job gets at once when its photo (a data
    /// URL) shows nobody. URLs are left to the engine (fetching them here would
    /// fetch twice); a photo that cannot be read is the engine's to report too.
    pub async fn refusal(&self, model_image: &str) -> Option<ApiError> {
        if self.mode != PhotoCheckMode::On {
            return None;
        }
        let input = ImageInput::parse(Role::Model.field(), model_image).ok()?;
        if input.kind != ImageKind::DataUrl {
            return None;
        }
        let photo = photo_bytes(model_image.to_owned()).ok()?;
        let sighting = self.eyes.look(photo).await.ok()?;
        let problems = tryon_vision::check(&sighting, Category::Auto);
        problems
            .contains(&PhotoProblem::NoPerson)
            .then(|| ApiError::new(ErrorName::PoseError, PhotoProblem::NoPerson.advice()))
    }
}

/// The bytes of a photo sent as a data URL; a URL or a damaged data URL is a 400
/// that says what to send instead.
fn photo_bytes(model_image: String) -> Result<Vec<u8>, GatewayError> {
    let invalid = |message: String| {
        let mut e = GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::InvalidRequest, message);
        e.error.field = Some(Role::Model.field().into());
        e
    };
    match PendingImage::take(Role::Model, model_image) {
        PendingImage::Bytes(bytes) => Ok(bytes),
        PendingImage::Url(_) => Err(invalid(
            "The photo check takes the prepared photo itself: send `model_image` as a base64 data URL, not a URL.".into(),
        )),
        PendingImage::Unreadable(message) => Err(invalid(message)),
    }
}
