//! The photo check: a look at the shopper's photo with the pose models of
//! `tryon-vision`, before a job costs anything.
//!
//! `POST /v1/precheck` answers the widget's question (is this photo good for this
//! garment?) in about a tenth of a second; with `TRYON_PHOTO_CHECK=on` a submitted
//! job whose photo has nobody in it fails at once with `PoseError`, before the
//! hosted API is called. The sandbox uses the same [`Eyes`] for its previews.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};
use tryon_protocol::{
    decode_base64, ApiError, Category, ErrorName, ImageInput, ImageKind, PhotoProblem,
    PrecheckResponse, TryOnRequest,
};
use tryon_vision::{Sighting, Vision};

use crate::config::PhotoCheckMode;
use crate::error::GatewayError;
use crate::images::{decode_image, PendingImage, Role};
use crate::metrics::Metrics;

/// Sightings are remembered this long, by the photo's SHA-256: a shopper's photo
/// is looked at for the widget's check, again when it is submitted and again by the
/// sandbox's render; one look serves all three.
const SIGHTING_TTL: Duration = Duration::from_secs(600);
/// Memory for remembered sightings (about 70 KB each, the person mask's share).
const SIGHTING_BYTES: u64 = 16 << 20;

/// The pose models, loaded once (at start-up, or when first needed) and shared by
/// the check and the sandbox. Looks run on the blocking pool, as many at once as
/// half the cores, so a burst of checks cannot starve the HTTP answers.
#[derive(Clone)]
pub struct Eyes {
    vision: Arc<OnceCell<Vision>>,
    looks: Arc<Semaphore>,
    seen: Cache<[u8; 32], Arc<Sighting>>,
    /// Looks under way, by photo: a second request for the same photo (the widget's
    /// check and its submit, the submit and the sandbox's render, or many shoppers
    /// sending one sample photo) waits for the first look instead of queueing its own.
    looking: Arc<Mutex<Looking>>,
    metrics: Arc<Metrics>,
}

/// Looks under way, by the photo's SHA-256; each cell is filled by one of its waiters.
type Looking = HashMap<[u8; 32], Arc<OnceCell<Arc<Sighting>>>>;

/// A request's share in a look under way; the last one to leave forgets the look
/// (whether it succeeded, failed or was abandoned), so the map only holds live looks.
struct Share<'a> {
    looking: &'a Mutex<Looking>,
    digest: [u8; 32],
    cell: Arc<OnceCell<Arc<Sighting>>>,
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut looking = self.looking.lock().unwrap_or_else(|e| e.into_inner());
        // The map's reference and ours: nobody else waits on this look.
        if Arc::strong_count(&self.cell) == 2
            && looking
                .get(&self.digest)
                .is_some_and(|c| Arc::ptr_eq(c, &self.cell))
        {
            looking.remove(&self.digest);
        }
    }
}

impl Eyes {
    /// Eyes that count their looks in `metrics`; the models load on first need.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Eyes {
            vision: Arc::default(),
            // Half the cores: the rest answer HTTP and render (the sandbox).
            looks: Arc::new(Semaphore::new((cores / 2).max(1))),
            seen: Cache::builder()
                .time_to_live(SIGHTING_TTL)
                .max_capacity(SIGHTING_BYTES)
                .weigher(|_, s: &Arc<Sighting>| u32::try_from(s.weight()).unwrap_or(u32::MAX))
                .build(),
            looking: Arc::default(),
            metrics,
        }
    }

    /// The models, loading them the first time.
    pub async fn vision(&self) -> Result<Vision, GatewayError> {
        self.vision
            .get_or_try_init(|| async {
                let started = std::time::Instant::now();
                match tokio::task::spawn_blocking(Vision::load).await {
                    Ok(Ok(vision)) => {
                        let ms = started.elapsed().as_millis() as u64;
                        // Loading parsed and optimised the models in ~20 MB of scratch
                        // memory that the allocator would otherwise keep.
                        crate::memory::give_back();
                        tracing::info!(ms, "pose models loaded");
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

    /// Looks at a photo file (JPEG, PNG or WebP bytes), or remembers having seen it.
    pub async fn look(&self, photo: Arc<[u8]>) -> Result<Arc<Sighting>, GatewayError> {
        let digest: [u8; 32] = Sha256::digest(&photo).into();
        if let Some(seen) = self.seen.get(&digest) {
            return Ok(seen);
        }
        let share = Share {
            looking: &self.looking,
            digest,
            cell: {
                let mut looking = self.looking.lock().unwrap_or_else(|e| e.into_inner());
                looking.entry(digest).or_default().clone()
            },
        };
        // One of the waiters looks; if it fails or is dropped, the next one tries.
        let sighting = share
            .cell
            .get_or_try_init(|| async {
                let sighting = self.look_now(photo).await?;
                self.seen.insert(digest, sighting.clone());
                Ok::<_, GatewayError>(sighting)
            })
            .await?
            .clone();
        Ok(sighting)
    }

    /// Looks at a photo, waiting for a turn on the models.
    async fn look_now(&self, photo: Arc<[u8]>) -> Result<Arc<Sighting>, GatewayError> {
        let vision = self.vision().await?;
        let _turn = self
            .looks
            .acquire()
            .await
            .map_err(|_| GatewayError::internal())?;
        let sighting = tokio::task::spawn_blocking(move || {
            let decoded = decode_image(Role::Model, &photo).map_err(|message| {
                GatewayError::new(StatusCode::BAD_REQUEST, ErrorName::ImageLoadError, message)
            })?;
            vision.look(&decoded.to_rgb8()).map_err(|e| {
                tracing::error!(error = %e, "a pose model failed");
                GatewayError::internal()
            })
        })
        .await
        .map_err(|_| GatewayError::internal())??;
        self.metrics.pose_models_ran();
        Ok(Arc::new(sighting))
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
        let sighting = self.eyes.look(photo_bytes(model_image)?.into()).await?;
        Ok(PrecheckResponse {
            checked: true,
            people: sighting.people() as u32,
            problems: tryon_vision::check(&sighting, category),
        })
    }

    /// With the check `on`: the error a job gets at once when its photo (a data
    /// URL) shows nobody. URLs are left to the engine (fetching them here would
    /// fetch twice); a photo that cannot be read is the engine's to report too.
    ///
    /// While the job waits for its look, it holds the photo's bytes, not its base64
    /// text (a third more): a burst of submits queues for the models, and each
    /// waiting one is the photo's size. The data URL is written again after.
    pub async fn refusal(&self, request: &mut TryOnRequest) -> Option<ApiError> {
        if self.mode != PhotoCheckMode::On {
            return None;
        }
        let input = ImageInput::parse(Role::Model.field(), &request.model_image).ok()?;
        if input.kind != ImageKind::DataUrl {
            return None;
        }
        let prefix =
            request.model_image[..request.model_image.len() - input.payload.len()].to_owned();
        let photo: Arc<[u8]> = decode_base64(input.payload).ok()?.into();
        request.model_image = String::new();
        let seen = self.eyes.look(photo.clone()).await;
        request.model_image = prefix + &base64::engine::general_purpose::STANDARD.encode(&photo);
        drop(photo);
        let problems = tryon_vision::check(&*seen.ok()?, Category::Auto);
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
