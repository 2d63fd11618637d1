//! The sandbox engine: runs try-on jobs in process, with no key and no network
//! beyond fetching image URLs. A product feature for development, demos and tests:
//! jobs move `starting → in_queue → processing → completed | failed` with the mode's
//! latency (scaled), results are real composites marked as previews, and every
//! runtime error is reachable through a documented seed (see [`triggers`]).

mod compose;
mod font;
pub mod results;
pub mod shared_runs;
pub mod spill;
pub mod triggers;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{GenericImageView, ImageEncoder};
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Semaphore};
use tryon_protocol::{
    ApiError, Category, ErrorName, GarmentPhotoType, JobStatus, Mode, OutputFormat, TryOnRequest,
    PROCESSING_HEIGHT, PROCESSING_WIDTH,
};

use self::compose::{compose, cut_out_garment, cut_out_worn, fit_model, Dice, Refusal};
use self::results::ResultStore;
use self::shared_runs::SharedRuns;
use self::spill::{Spill, WaitingImage};
use crate::cluster::fanout::Seen;
use crate::error::GatewayError;
use crate::images::{decode_image, ImageFetcher, PendingImage, Role};
use crate::job_status::{EngineStatus, Wait};
use crate::metrics::Metrics;
use crate::photo_check::Eyes;
use crate::token::random_hex;

/// Where sandbox results are served, followed by `/{name}`.
pub const RESULTS_PATH: &str = "/v1/results";

/// Sandbox settings.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    /// The contract's latency times this; 0 runs as fast as the machine allows.
    pub latency_scale: f64,
    /// How long jobs and results are kept.
    pub result_ttl: Duration,
    /// Jobs rendered at once; the others wait `in_queue`.
    pub workers: usize,
    /// Budget for stored results, in bytes.
    pub result_memory: usize,
    /// Where queued photos and results are kept on disk (`None`: in memory).
    pub spill_dir: Option<PathBuf>,
    /// Files that may be open for them at once; more stay in memory.
    pub spill_files: usize,
}

struct Job {
    id: String,
    state: watch::Sender<EngineStatus>,
    created: Instant,
}

/// Cut-out garments are kept up to this many bytes of pixels (a few products' worth).
const GARMENT_CACHE_BYTES: u64 = 64 << 20;

/// The engine.
pub struct Sandbox {
    settings: SandboxSettings,
    /// Jobs by id, forgotten `result_ttl` after they were submitted.
    jobs: Cache<String, Arc<Job>>,
    workers: Semaphore,
    fetcher: ImageFetcher,
    /// The result images, served at [`RESULTS_PATH`].
    pub results: ResultStore,
    metrics: Arc<Metrics>,
    garments: GarmentCache,
    /// What replicas share (jobs, statuses and results, so any replica answers for
    /// them), or nothing alone.
    shared: Arc<dyn SharedRuns>,
    /// The pose models: previews follow the body, and a photo of nobody fails.
    eyes: Eyes,
    /// Disk for queued photos and results.
    spill: Arc<Spill>,
}

impl Sandbox {
    /// A sandbox that loads image URLs with `fetcher`.
    pub fn new(
        settings: SandboxSettings,
        fetcher: ImageFetcher,
        metrics: Arc<Metrics>,
        shared: Arc<dyn SharedRuns>,
        eyes: Eyes,
    ) -> Self {
        let spill = Arc::new(Spill::new(settings.spill_dir.clone(), settings.spill_files));
        Sandbox {
            workers: Semaphore::new(settings.workers.max(1)),
            results: ResultStore::new(settings.result_ttl, settings.result_memory, spill.clone()),
            jobs: Cache::builder().time_to_live(settings.result_ttl).build(),
            fetcher,
            settings,
            metrics,
            garments: GarmentCache::new(GARMENT_CACHE_BYTES),
            shared,
            eyes,
            spill,
        }
    }

    /// Accepts a job and starts it; returns its id at once (once other replicas can
    /// see it too, and run it again should this replica die).
    pub async fn submit(self: &Arc<Self>, request: TryOnRequest) -> String {
        let id = random_hex(12);
        let ttl = self.settings.result_ttl;
        if let Err(down) = self.shared.note_runner(&id, &request, ttl).await {
            tracing::warn!(error = %down.0, "a sandbox job could not be shared");
        }
        self.start(id.clone(), request).await;
        id
    }

    /// Runs job `id` here from the start.
    async fn start(self: &Arc<Self>, id: String, mut request: TryOnRequest) {
        // The images move out of the request (the options travel on without them), a
        // data URL's bytes decoded now rather than held as base64 while the job waits.
        let model = PendingImage::take(Role::Model, std::mem::take(&mut request.model_image));
        let garment = PendingImage::take(Role::Garment, std::mem::take(&mut request.garment_image));
        let (state, _) = watch::channel(EngineStatus::running(JobStatus::Starting));
        let job = Arc::new(Job {
            id: id.clone(),
            state,
            created: Instant::now(),
        });
        self.jobs.insert(id, job.clone());
        self.set(&job, EngineStatus::running(JobStatus::Starting))
            .await;
        let engine = Arc::clone(self);
        tokio::spawn(async move { engine.run(job, request, model, garment).await });
    }

    /// The job's status, waiting for a change first when asked to. A job another
    /// replica runs is answered from the shared store.
    pub async fn status(
        self: &Arc<Self>,
        id: &str,
        wait: Option<Wait>,
    ) -> Result<Option<EngineStatus>, GatewayError> {
        if self.jobs.get(id).is_none() {
            match self.shared.seen(id, wait.clone()).await? {
                None => return Ok(None),
                Some(Seen::Status(status)) => return Ok(Some(status)),
                // Its replica died: this one renders it again, and answers for it.
                Some(Seen::TakenOver(request)) => {
                    tracing::warn!(job = id, "a sandbox job's replica is gone: running it here");
                    // Started whether or not this request stays to see it: a takeover
                    // dropped halfway would leave the job with no replica at all.
                    let (engine, id) = (Arc::clone(self), id.to_owned());
                    let _ = tokio::spawn(async move { engine.start(id, *request).await }).await;
                }
            }
        }
        match self.jobs.get(id) {
            Some(job) => Ok(Some(Self::local_status(&job, wait).await)),
            None => Ok(None),
        }
    }

    async fn local_status(job: &Job, wait: Option<Wait>) -> EngineStatus {
        let mut rx = job.state.subscribe();
        let now = rx.borrow_and_update().clone();
        let Some(wait) = wait else { return now };
        let baseline = wait.since.unwrap_or_else(|| now.status.clone());
        if now.status.is_terminal() || now.status != baseline {
            return now;
        }
        let changed =
            tokio::time::timeout_at(wait.until.into(), rx.wait_for(|s| s.status != baseline)).await;
        match changed {
            Ok(Ok(s)) => s.clone(),
            _ => job.state.borrow().clone(),
        }
    }

    /// Sets a job's status here and, with replicas, in the shared store (where a
    /// store that is down costs other replicas the job, not this one).
    async fn set(&self, job: &Job, status: EngineStatus) {
        job.state.send_replace(status.clone());
        let ttl = self.settings.result_ttl;
        if status.status.is_terminal() {
            // Ended: its request (the photo, in Redis's memory) is no longer needed.
            let _ = self.shared.forget_request(&job.id).await;
        }
        if let Err(down) = self.shared.store_status(&job.id, &status, ttl).await {
            tracing::warn!(error = %down.0, "a sandbox job's status could not be shared");
            if status.status.is_terminal() {
                // Its end must reach the other replicas, or they say "processing"
                // until the widget gives up.
                let (shared, id) = (self.shared.clone(), job.id.clone());
                keep_trying(move || {
                    let (shared, id, status) = (shared.clone(), id.clone(), status.clone());
                    async move { shared.store_status(&id, &status, ttl).await }
                });
            }
        }
    }

    /// Stores a result image here and, with replicas, in the shared store; its path.
    async fn keep_result(&self, bytes: Vec<u8>, format: OutputFormat) -> String {
        let (name, bytes) = self.results.put(bytes, format).await;
        let ttl = self.settings.result_ttl;
        if let Err(down) = self.shared.keep_result(&name, &bytes, ttl).await {
            tracing::warn!(error = %down.0, "a sandbox result could not be shared");
            // Without it, another replica answers 404 for the picture of a job it
            // reports as completed.
            let (shared, name) = (self.shared.clone(), name.clone());
            keep_trying(move || {
                let (shared, name, bytes) = (shared.clone(), name.clone(), bytes.clone());
                async move { shared.keep_result(&name, &bytes, ttl).await }
            });
        }
        format!("{RESULTS_PATH}/{name}")
    }

    async fn run(
        self: Arc<Self>,
        job: Arc<Job>,
        request: TryOnRequest,
        model_input: PendingImage,
        garment_input: PendingImage,
    ) {
        let started = job.created;
        let outcome: Result<Vec<String>, Refusal> = async {
            // The contract's time for the mode; quality mode grows with the photo's size,
            // which is known once it is loaded, so the last stage stretches then.
            let mut total = self.latency(request.mode, None);
            self.sleep_until(started, total.mul_f64(0.1)).await;
            self.set(&job, EngineStatus::running(JobStatus::InQueue))
                .await;
            // Only jobs holding a worker fetch URLs and decode pixels: that memory
            // stays bounded by the worker count, not by the queue length. A job that
            // has to wait keeps its photos on disk meanwhile.
            let (_permit, model_input, garment_input) = match self.workers.try_acquire() {
                Ok(permit) => (
                    permit,
                    WaitingImage::Ready(model_input),
                    WaitingImage::Ready(garment_input),
                ),
                Err(_) => {
                    // Written off the runtime's threads: a disk under pressure blocks.
                    let spill = self.spill.clone();
                    let (model_input, garment_input) = tokio::task::spawn_blocking(move || {
                        (
                            WaitingImage::keep(model_input, &spill),
                            WaitingImage::keep(garment_input, &spill),
                        )
                    })
                    .await
                    .expect("spilling never panics");
                    let permit = self
                        .workers
                        .acquire()
                        .await
                        .expect("the worker pool is never closed");
                    (permit, model_input, garment_input)
                }
            };
            self.sleep_until(started, total.mul_f64(0.3)).await;
            self.set(&job, EngineStatus::running(JobStatus::Processing))
                .await;
            let fetcher = &self.fetcher;
            let load = |role, input: WaitingImage| async move {
                fetcher.load(role, input.back(role).await?).await
            };
            let (model, garment) = tokio::join!(
                load(Role::Model, model_input),
                load(Role::Garment, garment_input)
            );
            let model = model.map_err(|m| (ErrorName::ImageLoadError, m))?;
            let garment = garment.map_err(|m| (ErrorName::ImageLoadError, m))?;
            total = self.latency(request.mode, Some(&model));
            let vision = self.eyes.vision().await.map_err(|_| {
                (
                    ErrorName::PipelineError,
                    "The sandbox could not load its pose models; retry.".to_owned(),
                )
            })?;
            // Most often the photo check has seen this photo already; an unreadable one
            // is the render's to report.
            let seen = self.eyes.look(model.as_slice().into()).await.ok();
            let (render_request, engine) = (request.clone(), self.clone());
            let images = tokio::task::spawn_blocking(move || {
                render(
                    &model,
                    &garment,
                    &render_request,
                    &engine.garments,
                    &vision,
                    seen,
                )
            })
            .await
            .unwrap_or_else(|_| {
                Err((
                    ErrorName::PipelineError,
                    "The sandbox renderer crashed; retry.".into(),
                ))
            })?;
            drop(_permit);
            self.sleep_until(started, total).await;
            if let Some((name, message)) = triggers::triggered_error(request.seed) {
                return Err((name, message.to_owned()));
            }
            let mut paths = Vec::with_capacity(images.len());
            for bytes in images {
                paths.push(self.keep_result(bytes, request.output_format).await);
            }
            Ok(paths)
        }
        .await;
        let engine_ms = started.elapsed().as_millis() as u64;
        let finished = match outcome {
            Ok(output) => EngineStatus {
                status: JobStatus::Completed,
                output: Some(output),
                error: None,
                engine_ms: Some(engine_ms),
                credits: Some(0.0),
            },
            Err((name, message)) => EngineStatus {
                status: JobStatus::Failed,
                output: None,
                error: Some(ApiError::new(name, message)),
                engine_ms: Some(engine_ms),
                credits: Some(0.0),
            },
        };
        self.metrics.job_finished(
            "sandbox",
            &finished.status,
            finished.error.as_ref(),
            started.elapsed(),
        );
        self.set(&job, finished).await;
    }

    /// The contract's time for this mode (quality grows with the photo's size), scaled.
    fn latency(&self, mode: Mode, model_bytes: Option<&[u8]>) -> Duration {
        let (low, high) = mode.typical_seconds();
        let seconds = if let (true, Some(model_bytes)) = (high > low, model_bytes) {
            // Quality mode: 12 s at the processing size, up to 18 s at 4× its pixels.
            let pixels = image::ImageReader::new(std::io::Cursor::new(model_bytes))
                .with_guessed_format()
                .ok()
                .and_then(|r| r.into_dimensions().ok())
                .map(|(w, h)| (w * h) as f64)
                .unwrap_or(0.0);
            let base = (PROCESSING_WIDTH * PROCESSING_HEIGHT) as f64;
            low + (high - low) * ((pixels / base - 1.0) / 3.0).clamp(0.0, 1.0)
        } else {
            low
        };
        Duration::from_secs_f64((seconds * self.settings.latency_scale).max(0.0))
    }

    async fn sleep_until(&self, started: Instant, offset: Duration) {
        tokio::time::sleep_until((started + offset).into()).await;
    }
}

/// Tries `write` again each second for a minute, in the background, until the shared
/// store takes it (what a replica could not share while Redis was away).
fn keep_trying<F, Fut>(write: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), crate::cluster::Down>> + Send,
{
    tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write().await.is_ok() {
                return;
            }
        }
    });
}

/// Garments already cut out, by the SHA-256 of their file: a shop sends the same
/// product image again and again.
pub struct GarmentCache(Cache<[u8; 32], Arc<image::RgbaImage>>);

impl GarmentCache {
    /// Cut-outs up to `max_bytes` of pixels; the ones used least often make room
    /// (moka's TinyLFU: a garment seen once does not push out a shop's best seller).
    pub fn new(max_bytes: u64) -> Self {
        GarmentCache(
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, cut: &Arc<image::RgbaImage>| {
                    u32::try_from(cut.as_raw().len()).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }

    /// The garment cut out, from the cache or made now. Jobs with the same garment
    /// arriving together make it once: the others wait for it. A garment photo that
    /// may show it worn (`model`, or `auto`) is looked at: worn, it is cut out of the
    /// person wearing it; a `model` photo with nobody in it is a `PoseError`.
    fn cut_out(
        &self,
        digest: [u8; 32],
        garment: &[u8],
        request: &TryOnRequest,
        vision: &tryon_vision::Vision,
    ) -> Result<Arc<image::RgbaImage>, Refusal> {
        let photo_type = request.garment_photo_type;
        // The cut depends on how the garment was photographed and, worn, on the category.
        let mut key = Sha256::new();
        key.update(digest);
        key.update(photo_type.as_str());
        key.update(request.category.as_str());
        self.0
            .try_get_with(key.finalize().into(), || {
                let decoded = decode_image(Role::Garment, garment)
                    .map_err(|m| (ErrorName::ImageLoadError, m))?;
                if photo_type == GarmentPhotoType::FlatLay {
                    return cut_out_garment(&decoded).map(Arc::new);
                }
                let seen = look(vision, &decoded)?;
                match (seen.main_person(), photo_type) {
                    (Some(person), _) => {
                        let mask = seen.mask().unwrap_or_default();
                        let kind = match request.category {
                            Category::Auto => Category::Tops,
                            other => other,
                        };
                        cut_out_worn(&decoded, person, &mask, kind).map(Arc::new)
                    }
                    (None, GarmentPhotoType::Model) => Err((
                        ErrorName::PoseError,
                        "No body was found in the garment photo: with garment_photo_type `model`, send a photo of the garment worn by one person (or say `flat-lay`).".into(),
                    )),
                    (None, _) => cut_out_garment(&decoded).map(Arc::new),
                }
            })
            .map_err(|refusal| (*refusal).clone())
    }
}

/// The pose model's look at a picture, its failure told as a sandbox failure.
fn look(
    vision: &tryon_vision::Vision,
    picture: &image::DynamicImage,
) -> Result<tryon_vision::Sighting, Refusal> {
    vision.look(&picture.to_rgb8()).map_err(|e| {
        (
            ErrorName::PipelineError,
            format!("The sandbox's pose model failed ({e}); retry."),
        )
    })
}

/// Decodes both images and renders `num_samples` distinct composites, encoded.
fn render(
    model: &[u8],
    garment: &[u8],
    request: &TryOnRequest,
    garments: &GarmentCache,
    vision: &tryon_vision::Vision,
    seen: Option<Arc<tryon_vision::Sighting>>,
) -> Result<Vec<Vec<u8>>, Refusal> {
    let photo = decode_image(Role::Model, model).map_err(|m| (ErrorName::ImageLoadError, m))?;
    let prepared = photo.dimensions() == (PROCESSING_WIDTH, PROCESSING_HEIGHT);
    let body = fit_model(&photo)?;
    drop(photo);
    // The sighting of the photo as sent holds for the body when nothing was cropped
    // (the widget's prepared photo); otherwise the fitted body is looked at.
    let sighting = match seen {
        Some(seen) if prepared => seen,
        _ => Arc::new(look(
            vision,
            &image::DynamicImage::ImageRgba8(body.clone()),
        )?),
    };
    let Some(person) = sighting.main_person() else {
        return Err((
            ErrorName::PoseError,
            tryon_protocol::PhotoProblem::NoPerson.advice(),
        ));
    };
    let garment_digest: [u8; 32] = Sha256::digest(garment).into();
    let cut = garments.cut_out(garment_digest, garment, request, vision)?;
    // Same inputs and options, same pictures: the dice are seeded from all of them.
    let mut hasher = Sha256::new();
    hasher.update(model);
    hasher.update(garment_digest);
    hasher.update(
        serde_json::to_vec(&(request.category, request.garment_photo_type, request.seed))
            .unwrap_or_default(),
    );
    let digest = hasher.finalize();
    let mut dice = Dice::new(u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")));
    (1..=request.num_samples)
        .map(|sample| {
            let picture = compose(&body, person, &cut, request, sample, &mut dice);
            encode(picture, request.output_format)
        })
        .collect()
}

fn encode(picture: image::RgbaImage, format: OutputFormat) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let (width, height) = picture.dimensions();
    match format {
        OutputFormat::Png => image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(&picture, width, height, image::ExtendedColorType::Rgba8)
        .map_err(|e| e.to_string()),
        OutputFormat::Jpeg => {
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, 88);
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
            encoder
                .encode(
                    &picture,
                    width as u16,
                    height as u16,
                    jpeg_encoder::ColorType::Rgba,
                )
                .map_err(|e| e.to_string())
        }
    }
    .map_err(|e| {
        (
            ErrorName::PipelineError,
            format!("The sandbox could not encode the result ({e}); retry."),
        )
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! The sandbox's races on tokio's paused clock: a job whose replica died run here to
    //! its end, a long-poll ended by the job's end rather than its deadline, and an end
    //! the shared store refused stored again until it lands.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::cluster::Down;
    use crate::error::Shared;
    use crate::images::AddressPolicy;

    /// What other replicas would share, in memory: what a status request for an
    /// unknown job sees, and the statuses stored; the first `refusals` stores of a
    /// job's end fail (Redis away just then).
    #[derive(Default)]
    struct Board {
        seen: Mutex<Option<Seen>>,
        stored: Mutex<Vec<EngineStatus>>,
        refusals: AtomicUsize,
    }

    impl SharedRuns for Board {
        fn note_runner<'a>(
            &'a self,
            _: &'a str,
            _: &'a TryOnRequest,
            _: Duration,
        ) -> Shared<'a, ()> {
            Box::pin(async { Ok(()) })
        }

        fn seen<'a>(&'a self, _: &'a str, _: Option<Wait>) -> Shared<'a, Option<Seen>> {
            Box::pin(async { Ok(self.seen.lock().unwrap().take()) })
        }

        fn forget_request<'a>(&'a self, _: &'a str) -> Shared<'a, ()> {
            Box::pin(async { Ok(()) })
        }

        fn store_status<'a>(
            &'a self,
            _: &'a str,
            status: &'a EngineStatus,
            _: Duration,
        ) -> Shared<'a, ()> {
            Box::pin(async move {
                let refuse = status.status.is_terminal()
                    && self
                        .refusals
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if refuse {
                    return Err(Down("Redis is away".into()));
                }
                self.stored.lock().unwrap().push(status.clone());
                Ok(())
            })
        }

        fn keep_result<'a>(&'a self, _: &'a str, _: &'a [u8], _: Duration) -> Shared<'a, ()> {
            Box::pin(async { Ok(()) })
        }
    }

    fn sandbox(shared: Arc<dyn SharedRuns>) -> Arc<Sandbox> {
        let metrics = Arc::new(Metrics::default());
        let settings = SandboxSettings {
            latency_scale: 1.0,
            result_ttl: Duration::from_secs(600),
            workers: 1,
            result_memory: 1 << 20,
            spill_dir: None,
            spill_files: 16,
        };
        let fetcher = ImageFetcher::new(
            AddressPolicy {
                allow_private: false,
            },
            Duration::from_secs(5),
            1 << 20,
        );
        Arc::new(Sandbox::new(
            settings,
            fetcher,
            metrics.clone(),
            shared,
            Eyes::new(metrics),
        ))
    }

    /// A job whose photo cannot be read: it runs its stages, then fails with
    /// `ImageLoadError` (no pose model is needed to get there).
    fn unreadable() -> TryOnRequest {
        TryOnRequest::new(
            "data:image/png;base64,bm90IGFuIGltYWdl",
            "data:image/png;base64,bm90IGFuIGltYWdl",
        )
    }

    /// Long-polls `id` to its end; the statuses seen.
    async fn to_the_end(sandbox: &Arc<Sandbox>, id: &str) -> Vec<JobStatus> {
        let mut seen = Vec::new();
        let mut since = None;
        for _ in 0..10 {
            let wait = Wait {
                until: std::time::Instant::now() + Duration::from_secs(600),
                since,
            };
            let now = sandbox.status(id, Some(wait)).await.unwrap().unwrap();
            seen.push(now.status.clone());
            if now.status.is_terminal() {
                return seen;
            }
            since = Some(now.status);
        }
        panic!("no end: {seen:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_whose_replica_died_is_run_here_to_its_end() {
        let board = Arc::new(Board::default());
        *board.seen.lock().unwrap() = Some(Seen::TakenOver(Box::new(unreadable())));
        let sandbox = sandbox(board.clone());
        let seen = to_the_end(&sandbox, "from-a-dead-replica").await;
        assert_eq!(seen.last(), Some(&JobStatus::Failed), "{seen:?}");
        let stored = board.stored.lock().unwrap().clone();
        let end = stored.last().expect("its statuses are shared");
        assert_eq!(end.status, JobStatus::Failed);
        assert_eq!(end.error.as_ref().unwrap().name, ErrorName::ImageLoadError);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_poll_is_answered_at_the_change_not_at_its_deadline() {
        let sandbox = sandbox(Arc::new(shared_runs::Alone));
        let id = sandbox.submit(unreadable()).await;
        let started = tokio::time::Instant::now();
        let seen = to_the_end(&sandbox, &id).await;
        // Each change answered: the stages in order, no status twice.
        for pair in seen.windows(2) {
            assert_ne!(pair[0], pair[1], "{seen:?}");
        }
        assert_eq!(seen.last(), Some(&JobStatus::Failed));
        // The job's own time (balanced: seconds), far from the 600 s deadline.
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_end_the_shared_store_refused_is_stored_again_until_it_lands() {
        let board = Arc::new(Board::default());
        let sandbox = sandbox(board.clone());
        // Redis is away when the job ends: its end's first three writes fail.
        board.refusals.store(3, Ordering::SeqCst);
        let id = sandbox.submit(unreadable()).await;
        let seen = to_the_end(&sandbox, &id).await;
        assert_eq!(seen.last(), Some(&JobStatus::Failed));
        let ended = |board: &Board| {
            board
                .stored
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.status == JobStatus::Failed)
        };
        assert!(!ended(&board), "the end's first write was refused");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(ended(&board), "written again once the store took it");
    }
}
