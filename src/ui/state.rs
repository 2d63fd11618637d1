//! The widget's state: one [`Flow`] (the step the shopper is on, carrying the data
//! that step needs), shared by the steps through context, and the actions that move
//! the shopper from one step to the next.
//!
//! Every piece of async work runs in the widget's [`Tasks`]: it stops when the shopper
//! moves on and when the widget is removed, so nothing reads the state after it is gone.

use std::rc::Rc;

use leptos::prelude::*;
use tryon_protocol::{ErrorName, PhotoProblem, PrecheckRequest};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, EventTarget};

use crate::crash::{self, WidgetId};
use crate::events::{detail, emit, WidgetEvent};
use crate::i18n::{Key, Strings};
use crate::job::{self, Cancel, JobError, Stage};
use crate::net::{now_ms, NetError};
use crate::options::WidgetOptions;
use crate::photo::{
    self, CropFrame, DecodedPhoto, ObjectUrl, PhotoError, PreparedPhoto, SMALL_PHOTO_SIDE,
};
use crate::precheck;
use crate::remembered;
use crate::session::Session;
use crate::tasks::Tasks;

/// The steps of the flow (which view is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Consent, guidelines, and the ways to give a photo.
    Start,
    /// The live camera.
    Camera,
    /// Framing the photo.
    Frame,
    /// Submitted, waiting.
    Working,
    /// Advice about the photo, before it is tried on.
    Advice,
    /// Results shown.
    Results,
    /// A try-on failed.
    Failed,
}

/// Which message a failure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No body found.
    Pose,
    /// An image could not be loaded.
    ImageLoad,
    /// The garment is not allowed.
    Moderation,
    /// The service failed; retry.
    Pipeline,
    /// A third party refused.
    ThirdParty,
    /// Waited too long.
    Timeout,
    /// The service is unreachable or refused us.
    Service,
    /// The shopper used their try-ons for now; they can go on later.
    Quota,
    /// The shop's try-on budget for the day is spent.
    Paused,
    /// Anything else: shown with the job id.
    Generic,
}

impl FailureKind {
    /// The message key.
    pub fn key(self) -> Key {
        match self {
            FailureKind::Pose => Key::ErrorPose,
            FailureKind::ImageLoad => Key::ErrorImageLoad,
            FailureKind::Moderation => Key::ErrorModeration,
            FailureKind::Pipeline => Key::ErrorPipeline,
            FailureKind::ThirdParty => Key::ErrorThirdParty,
            FailureKind::Timeout => Key::ErrorTimeout,
            FailureKind::Service => Key::ErrorService,
            FailureKind::Quota => Key::ErrorQuota,
            FailureKind::Paused => Key::ErrorPaused,
            FailureKind::Generic => Key::ErrorGeneric,
        }
    }

    /// The kind for an error name from the service.
    pub fn of(name: &ErrorName) -> Self {
        match name {
            ErrorName::PoseError => FailureKind::Pose,
            ErrorName::ImageLoadError => FailureKind::ImageLoad,
            ErrorName::ContentModerationError => FailureKind::Moderation,
            ErrorName::PipelineError => FailureKind::Pipeline,
            ErrorName::ThirdPartyError => FailureKind::ThirdParty,
            ErrorName::QuotaExceeded => FailureKind::Quota,
            ErrorName::SpendingLimitReached => FailureKind::Paused,
            _ => FailureKind::Generic,
        }
    }
}

/// A failed try-on, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Which message.
    pub kind: FailureKind,
    /// The error's name (for events and support).
    pub name: String,
    /// The job id, when there was one.
    pub job_id: Option<String>,
    /// When the shopper can go on, in seconds (a quota's `Retry-After`).
    pub wait_seconds: Option<f64>,
}

impl Failure {
    /// Whether trying again now can help (not at a quota or a paused shop).
    pub fn can_retry(&self) -> bool {
        !matches!(
            self.kind,
            FailureKind::Moderation | FailureKind::Quota | FailureKind::Paused
        )
    }

    /// The message the shopper reads, in their language.
    pub fn message(&self, strings: &Strings) -> String {
        if self.kind == FailureKind::Quota {
            let minutes = minutes(self.wait_seconds.unwrap_or(3600.0));
            return strings.fill(Key::ErrorQuota, &[("minutes", &minutes)]);
        }
        match (&self.job_id, self.kind) {
            (Some(id), kind) => strings.fill(kind.key(), &[("id", id)]),
            // Nothing to quote to the shop: the message without a reference.
            (None, FailureKind::Generic) => strings.get(Key::ErrorGenericNoReference),
            (None, kind) => strings.get(kind.key()),
        }
    }
}

/// Whole minutes, rounded up (never 0), for "in about N min".
pub fn minutes(seconds: f64) -> String {
    ((seconds / 60.0).ceil().max(1.0) as u64).to_string()
}

/// "N try-ons left" is said from this many down.
const FEW_TRIES: u32 = 5;

/// What the shopper has left of their try-ons, as the gateway last said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriesLeft {
    /// Images left.
    pub remaining: u32,
    /// When the whole quota is back (ms since the epoch).
    pub whole_at: f64,
}

/// A photo being framed.
pub struct Framing {
    /// The decoded photo.
    pub photo: Rc<DecodedPhoto>,
    /// An object URL of the shopper's file, for the framing view.
    pub source: Rc<ObjectUrl>,
    /// The frame.
    pub frame: CropFrame,
    /// A warning about the photo (too small).
    pub warning: Option<String>,
}

/// A try-on under way.
pub struct Waiting {
    /// The upload, once prepared (`None` while the photo is being prepared).
    pub photo: Option<Rc<PreparedPhoto>>,
    /// What the shopper is told.
    pub stage: Stage,
    /// When the shopper confirmed the photo (ms): the progress counts from here, so it
    /// only moves forward.
    pub started_at: f64,
    /// When the result is expected (ms): the mode's typical time after the confirm,
    /// pushed back while the shopper waits for a free spot (the gateway's Retry-After).
    pub expected_end: f64,
    /// The job id, once submitted.
    pub job_id: Option<String>,
    /// Which try-on this is: news of an older one is ignored.
    attempt: u32,
}

/// Where the shopper is, with exactly the data that step needs: no step can be
/// shown without its data, and no data outlives its step.
pub enum Flow {
    /// The start; `notice` says what was wrong with the photo given last.
    Start {
        /// A problem with the last photo.
        notice: Option<String>,
    },
    /// The live camera.
    Camera,
    /// Framing a photo.
    Frame(Framing),
    /// Preparing, submitting and waiting.
    Working(Waiting),
    /// The photo check found problems: the shopper reads what to do and chooses
    /// another photo or goes on anyway.
    Advice {
        /// The shopper's prepared photo (shown, and tried on if they go on anyway).
        photo: Rc<PreparedPhoto>,
        /// What the check found, never empty.
        problems: Vec<PhotoProblem>,
        /// How long the shopper had waited before the advice (ms): going on anyway,
        /// the progress picks up there instead of starting again.
        waited_ms: f64,
    },
    /// The pictures.
    Results {
        /// The shopper's prepared photo (for the comparison, and to try again).
        photo: Rc<PreparedPhoto>,
        /// The result URLs.
        output: Vec<String>,
        /// The job id.
        job_id: String,
    },
    /// A try-on that failed.
    Failed {
        /// The shopper's prepared photo (to try again).
        photo: Rc<PreparedPhoto>,
        /// What went wrong.
        failure: Failure,
    },
}

impl Flow {
    /// The view this flow shows.
    pub fn step(&self) -> Step {
        match self {
            Flow::Start { .. } => Step::Start,
            Flow::Camera => Step::Camera,
            Flow::Frame(_) => Step::Frame,
            Flow::Working(_) => Step::Working,
            Flow::Advice { .. } => Step::Advice,
            Flow::Results { .. } => Step::Results,
            Flow::Failed { .. } => Step::Failed,
        }
    }

    /// The prepared photo, in the steps that have one.
    pub fn prepared(&self) -> Option<Rc<PreparedPhoto>> {
        match self {
            Flow::Working(w) => w.photo.clone(),
            Flow::Advice { photo, .. }
            | Flow::Results { photo, .. }
            | Flow::Failed { photo, .. } => Some(photo.clone()),
            _ => None,
        }
    }
}

/// Whether a try-on asks the photo check first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhotoCheck {
    /// A new photo: ask, and advise if the check finds problems.
    Ask,
    /// A photo already checked, or one the shopper chose to try on anyway.
    Skip,
}

/// Everything the steps share (all `Copy` handles).
#[derive(Clone, Copy)]
pub struct Widget {
    /// The merchant's options.
    pub options: StoredValue<WidgetOptions>,
    /// The strings in the shopper's language.
    pub strings: StoredValue<Strings>,
    /// Whether the panel is open.
    pub open: RwSignal<bool>,
    /// Where the shopper is.
    pub flow: RwSignal<Flow, LocalStorage>,
    /// The step shown (changes only when the step does, not with its data).
    pub step: Memo<Step>,
    /// "Remember my photo" is ticked.
    pub remember: RwSignal<bool>,
    /// What the shopper has left of their try-ons (the gateway's `RateLimit`).
    pub tries_left: StoredValue<Option<TriesLeft>>,
    /// A photo is remembered on this device.
    pub has_remembered: RwSignal<bool>,
    /// Where events are dispatched.
    pub host: StoredValue<Option<EventTarget>, LocalStorage>,
    /// The session token source.
    pub session: StoredValue<Rc<Session>, LocalStorage>,
    /// Stops the running job and aborts its requests.
    pub cancel: StoredValue<Cancel, LocalStorage>,
    /// The work done for the shopper (opening, preparing, the job): it stops when the
    /// shopper moves on, and with the widget.
    pub tasks: Tasks,
    /// Counts try-ons.
    attempts: StoredValue<u32>,
    /// Which widget this is, for the panic hook's message.
    id: Option<WidgetId>,
}

impl Widget {
    /// State for a widget with these options, dispatching events on `host`. Its work
    /// stops when the current owner is cleaned up (the widget is removed).
    pub fn new(options: WidgetOptions, host: Option<EventTarget>) -> Self {
        let strings = Strings::new(options.locale, options.strings.clone())
            .with_number_tag(&options.locale_tag);
        let session = Rc::new(Session::new(options.session_url.clone()));
        let flow = RwSignal::new_local(Flow::Start { notice: None });
        let w = Widget {
            strings: StoredValue::new(strings),
            options: StoredValue::new(options),
            open: RwSignal::new(false),
            flow,
            step: Memo::new(move |_| flow.with(Flow::step)),
            remember: RwSignal::new(false),
            tries_left: StoredValue::new(None),
            has_remembered: RwSignal::new(remembered::load().is_some()),
            host: StoredValue::new_local(host),
            session: StoredValue::new_local(session),
            cancel: StoredValue::new_local(Cancel::default()),
            tasks: Tasks::for_current_owner(),
            attempts: StoredValue::new(0),
            id: use_context::<WidgetId>(),
        };
        // Removed in the middle of a job: abort its request in flight too.
        on_cleanup(move || {
            w.cancel.try_with_value(Cancel::cancel);
        });
        w
    }

    /// A string.
    pub fn t(&self, key: Key) -> String {
        self.strings.with_value(|s| s.get(key))
    }

    /// A string with placeholders filled.
    pub fn tf(&self, key: Key, values: &[(&str, &str)]) -> String {
        self.strings.with_value(|s| s.fill(key, values))
    }

    /// Whether the shopper has try-ons left for another one now, and what to tell
    /// them: "N try-ons left" from a few down, at none when they can go on.
    pub fn tries_left_note(&self) -> (bool, Option<String>) {
        let per_try = u32::from(self.options.with_value(|o| o.num_samples)).max(1);
        let Some(left) = self.tries_left.get_value() else {
            return (true, None);
        };
        let note = match left.remaining / per_try {
            0 => Some(self.tf(
                Key::TriesNone,
                &[("minutes", &minutes((left.whole_at - now_ms()) / 1000.0))],
            )),
            n if n <= FEW_TRIES => Some(self.tf(Key::TriesLeft, &[("n", &n.to_string())])),
            _ => None,
        };
        (left.remaining >= per_try, note)
    }

    /// Dispatches an analytics event.
    pub fn emit(&self, event: WidgetEvent, detail: JsValue) {
        self.host.with_value(|h| {
            if let Some(h) = h {
                emit(h, event, detail);
            }
        });
    }

    /// The prepared photo, if the flow has one (tracked).
    pub fn prepared(&self) -> Option<Rc<PreparedPhoto>> {
        self.flow.with(Flow::prepared)
    }

    /// The frame being adjusted (tracked).
    pub fn frame(&self) -> Option<CropFrame> {
        self.flow.with(|f| match f {
            Flow::Frame(framing) => Some(framing.frame),
            _ => None,
        })
    }

    /// The frame being adjusted, without tracking it (for event handlers).
    pub fn frame_untracked(&self) -> Option<CropFrame> {
        self.flow.with_untracked(|f| match f {
            Flow::Frame(framing) => Some(framing.frame),
            _ => None,
        })
    }

    /// Moves or resizes the frame (only while framing).
    pub fn set_frame(&self, frame: CropFrame) {
        self.flow.update(|f| {
            if let Flow::Frame(framing) = f {
                framing.frame = frame;
            }
        });
    }

    /// Stops whatever was under way for the shopper: the job and its requests, a
    /// photo being opened or prepared.
    fn stop_work(&self) {
        self.cancel.with_value(Cancel::cancel);
        self.tasks.stop_all();
    }

    /// Opens the panel.
    pub fn open_panel(&self) {
        if !self.open.get_untracked() {
            if let Some(id) = self.id {
                crash::clear(id);
            }
            self.open.set(true);
            self.emit(WidgetEvent::Open, JsValue::UNDEFINED);
        }
    }

    /// Closes the panel, stopping any job and forgetting the photo.
    pub fn close_panel(&self) {
        if self.open.get_untracked() {
            self.stop_work();
            self.flow.set(Flow::Start { notice: None });
            self.open.set(false);
            self.emit(WidgetEvent::Close, JsValue::UNDEFINED);
        }
    }

    /// Back to the start, ready for another photo (stops a job under way).
    pub fn start_over(&self) {
        self.stop_work();
        self.flow.set(Flow::Start { notice: None });
    }

    /// To the camera.
    pub fn show_camera(&self) {
        self.stop_work();
        self.flow.set(Flow::Camera);
    }

    /// The shopper gave a file (picker, drop, paste or camera).
    pub fn use_file(&self, file: Blob) {
        self.stop_work();
        let w = *self;
        self.tasks.spawn(async move {
            let opened = photo::open_photo(&file).await;
            w.flow.set(match opened {
                Ok(decoded) => w.framing(decoded, &file),
                Err(PhotoError::Unsupported(format)) => Flow::Start {
                    notice: Some(w.tf(Key::UnsupportedFormat, &[("format", format.name())])),
                },
                Err(_) => Flow::Start {
                    notice: Some(w.t(Key::NotAPhoto)),
                },
            });
        });
    }

    fn framing(&self, decoded: DecodedPhoto, file: &Blob) -> Flow {
        let Ok(source) = ObjectUrl::new(file) else {
            return Flow::Start {
                notice: Some(self.t(Key::NotAPhoto)),
            };
        };
        let small = decoded.width.min(decoded.height) < SMALL_PHOTO_SIDE;
        let warning = small.then(|| {
            self.tf(
                Key::SmallPhoto,
                &[
                    ("width", &decoded.width.to_string()),
                    ("height", &decoded.height.to_string()),
                ],
            )
        });
        Flow::Frame(Framing {
            frame: CropFrame::largest_centred(decoded.width, decoded.height),
            photo: Rc::new(decoded),
            source: Rc::new(source),
            warning,
        })
    }

    /// Uses the photo remembered on this device.
    pub fn use_remembered(&self) {
        match remembered::load_blob() {
            Some(blob) => self.use_file(blob),
            None => {
                remembered::forget();
                self.has_remembered.set(false);
            }
        }
    }

    /// Uses the merchant's sample photo (for visitors without one of their own).
    pub fn use_sample(&self) {
        let Some(url) = self.options.with_value(|o| o.sample_photo.clone()) else {
            return;
        };
        self.stop_work();
        let w = *self;
        self.tasks.spawn(async move {
            match fetch_blob(&url).await {
                Some(blob) => w.use_file(blob),
                None => w.flow.set(Flow::Start {
                    notice: Some(w.t(Key::NotAPhoto)),
                }),
            }
        });
    }

    /// Forgets the remembered photo.
    pub fn forget_remembered(&self) {
        remembered::forget();
        self.has_remembered.set(false);
        self.remember.set(false);
    }

    /// The framed photo is confirmed: prepare it and start the try-on.
    pub fn confirm_frame(&self) {
        let Some((decoded, frame)) = self.flow.with_untracked(|f| match f {
            Flow::Frame(framing) => Some((framing.photo.clone(), framing.frame)),
            _ => None,
        }) else {
            return;
        };
        let attempt = self.begin(None, now_ms());
        let w = *self;
        self.tasks.spawn(async move {
            let prepared = photo::prepare(&decoded, frame).await;
            // The full-size decode is no longer needed: free it now.
            drop(decoded);
            match prepared {
                Ok(prepared) => {
                    w.emit(
                        WidgetEvent::PhotoReady,
                        detail(&[
                            ("width", prepared.width.into()),
                            ("height", prepared.height.into()),
                        ]),
                    );
                    let prepared = Rc::new(prepared);
                    w.update_job(attempt, |job| job.photo = Some(prepared.clone()));
                    w.run_job(prepared, attempt, PhotoCheck::Ask).await;
                }
                Err(_) => w.flow.set(Flow::Start {
                    notice: Some(w.t(Key::NotAPhoto)),
                }),
            }
        });
    }

    /// Tries the same photo again (after results or a failure). It was checked the
    /// first time: not again.
    pub fn submit(&self) {
        let Some(prepared) = self.flow.with_untracked(Flow::prepared) else {
            return;
        };
        self.submit_unchecked(prepared, now_ms());
    }

    /// Tries on the photo the check advised against, as the shopper asked; the
    /// progress goes on from where it was when the advice came.
    pub fn try_anyway(&self) {
        let Some((prepared, waited_ms)) = self.flow.with_untracked(|f| match f {
            Flow::Advice {
                photo, waited_ms, ..
            } => Some((photo.clone(), *waited_ms)),
            _ => None,
        }) else {
            return;
        };
        self.submit_unchecked(prepared, now_ms() - waited_ms);
    }

    /// Starts a try-on of `prepared` without asking the photo check.
    fn submit_unchecked(&self, prepared: Rc<PreparedPhoto>, started_at: f64) {
        let attempt = self.begin(Some(prepared.clone()), started_at);
        let w = *self;
        self.tasks
            .spawn(async move { w.run_job(prepared, attempt, PhotoCheck::Skip).await });
    }

    /// Enters the waiting step for a new try-on; returns its number.
    fn begin(&self, photo: Option<Rc<PreparedPhoto>>, started_at: f64) -> u32 {
        self.stop_work();
        let attempt = self.attempts.get_value() + 1;
        self.attempts.set_value(attempt);
        self.flow.set(Flow::Working(Waiting {
            photo,
            stage: Stage::Uploading,
            started_at,
            expected_end: started_at + self.typical_ms(),
            job_id: None,
            attempt,
        }));
        attempt
    }

    /// The mode's typical time for a try-on, in ms.
    pub fn typical_ms(&self) -> f64 {
        let (low, high) = self.options.with_value(|o| o.mode.typical_seconds());
        (low + high) / 2.0 * 1000.0
    }

    /// Changes the waiting step of try-on `attempt`, if it is still the one shown.
    fn update_job(&self, attempt: u32, change: impl FnOnce(&mut Waiting)) {
        self.flow.update(|f| match f {
            Flow::Working(job) if job.attempt == attempt => change(job),
            _ => {}
        });
    }

    /// Submits the prepared photo and waits for the result; with `PhotoCheck::Ask`,
    /// first asks the photo check and stops at its advice if it has any.
    async fn run_job(self, prepared: Rc<PreparedPhoto>, attempt: u32, check: PhotoCheck) {
        let w = self;
        let cancel = Cancel::default();
        w.cancel.set_value(cancel.clone());
        let Ok(mut photo_url) = photo::data_url(&prepared.blob).await else {
            w.fail(
                prepared,
                Failure {
                    kind: FailureKind::Generic,
                    name: "PhotoUnreadable".into(),
                    job_id: None,
                    wait_seconds: None,
                },
            );
            return;
        };
        let options = w.options.get_value();
        let session = w.session.get_value();
        if check == PhotoCheck::Ask {
            // The check is sent exactly what the try-on would be: the same data URL.
            let asked = PrecheckRequest {
                model_image: photo_url,
                category: options.category,
            };
            let problems = precheck::photo_problems(&options.api_base, &session, &asked).await;
            photo_url = asked.model_image;
            if cancel.is_cancelled() {
                return;
            }
            if !problems.is_empty() {
                w.advise(prepared, problems, attempt);
                return;
            }
        }
        // Remembered only once it is tried on: not a photo the shopper replaces.
        if w.remember.get_untracked() && remembered::save(&photo_url) {
            w.has_remembered.set(true);
        }
        let garment = garment_image(&options);
        let request = options.request(photo_url, garment);
        let job_id = Rc::new(std::cell::RefCell::new(None::<String>));
        let progress = job::Progress {
            stage: &|s: Stage| w.update_job(attempt, |job| job.stage = s),
            // Queued for a free spot until `resume_at`: the try-on itself starts after it.
            free_spot_at: &|resume_at: f64| {
                let end = resume_at + w.typical_ms();
                w.update_job(attempt, |job| {
                    job.stage = Stage::Queued;
                    job.expected_end = job.expected_end.max(end);
                });
            },
            submitted: &|id: &str| {
                *job_id.borrow_mut() = Some(id.to_owned());
                w.update_job(attempt, |job| job.job_id = Some(id.to_owned()));
                w.emit(WidgetEvent::Submit, detail(&[("jobId", id.into())]));
            },
            quota: &|left| {
                w.tries_left.set_value(Some(TriesLeft {
                    remaining: left.remaining,
                    whole_at: now_ms() + left.reset_seconds as f64 * 1000.0,
                }))
            },
        };
        let outcome = job::run(
            &options.api_base,
            &session,
            &request,
            options.max_wait_seconds,
            &cancel,
            &progress,
        )
        .await;
        drop(request);
        // A job the shopper cancelled (or closed) stays silent, however it ended.
        if cancel.is_cancelled() {
            return;
        }
        let job_id = job_id.borrow().clone();
        match outcome {
            Ok(output) => {
                let urls: js_sys::Array = output.iter().map(|u| JsValue::from_str(u)).collect();
                let id = job_id.unwrap_or_default();
                w.flow.set(Flow::Results {
                    photo: prepared,
                    output,
                    job_id: id.clone(),
                });
                w.emit(
                    WidgetEvent::Complete,
                    detail(&[("jobId", id.into()), ("output", urls.into())]),
                );
            }
            Err(JobError::Cancelled) => {}
            Err(JobError::Failed { error, job_id }) => w.fail(
                prepared,
                Failure {
                    kind: FailureKind::of(&error.name),
                    name: error.name.to_string(),
                    job_id,
                    wait_seconds: None,
                },
            ),
            Err(JobError::TimedOut { job_id }) => w.fail(
                prepared,
                Failure {
                    kind: FailureKind::Timeout,
                    name: "TimedOut".into(),
                    job_id,
                    wait_seconds: None,
                },
            ),
            Err(JobError::Service(e)) => {
                let (name, kind) = match &e {
                    NetError::Http { error, .. } => (
                        error.name.to_string(),
                        // The shopper's quota and the shop's pause have words of
                        // their own; every other refusal is the service's.
                        match FailureKind::of(&error.name) {
                            kind @ (FailureKind::Quota | FailureKind::Paused) => kind,
                            _ => FailureKind::Service,
                        },
                    ),
                    NetError::Unreachable => ("Unreachable".into(), FailureKind::Service),
                    NetError::Aborted => ("Aborted".into(), FailureKind::Service),
                };
                if kind == FailureKind::Quota {
                    // None left: the results step says so instead of offering more.
                    w.tries_left.set_value(Some(TriesLeft {
                        remaining: 0,
                        whole_at: now_ms() + e.retry_after().unwrap_or(3600.0) * 1000.0,
                    }));
                }
                w.fail(
                    prepared,
                    Failure {
                        kind,
                        name,
                        job_id,
                        wait_seconds: e.retry_after(),
                    },
                )
            }
        }
    }

    /// Shows the check's advice about the photo of try-on `attempt`, if that try-on
    /// is still the one shown.
    fn advise(&self, photo: Rc<PreparedPhoto>, problems: Vec<PhotoProblem>, attempt: u32) {
        let Some(waited_ms) = self.flow.with_untracked(|f| match f {
            Flow::Working(job) if job.attempt == attempt => Some(now_ms() - job.started_at),
            _ => None,
        }) else {
            return;
        };
        // The problems as the gateway named them (`{reason, count}`, `{reason, parts}`).
        let named = serde_json::to_string(&problems)
            .ok()
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .unwrap_or(JsValue::NULL);
        self.flow.set(Flow::Advice {
            photo,
            problems,
            waited_ms,
        });
        self.emit(WidgetEvent::Advice, detail(&[("problems", named)]));
    }

    fn fail(&self, photo: Rc<PreparedPhoto>, failure: Failure) {
        // The message the shopper sees, in their language (for the merchant's logs),
        // without the invisible marks that isolate values in right-to-left text.
        let message = self
            .strings
            .with_value(|s| failure.message(s))
            .replace(['\u{2068}', '\u{2069}'], "");
        self.emit(
            WidgetEvent::Error,
            detail(&[
                ("name", failure.name.as_str().into()),
                ("message", message.into()),
                (
                    "jobId",
                    failure
                        .job_id
                        .clone()
                        .map(JsValue::from)
                        .unwrap_or(JsValue::NULL),
                ),
            ]),
        );
        self.flow.set(Flow::Failed { photo, failure });
    }

    /// Stops waiting and goes back to the start (a new photo or the same again).
    pub fn cancel_job(&self) {
        self.start_over();
    }
}

/// The garment to send: the configured URL, or the `<img>` the selector names,
/// made absolute so the service can fetch it.
fn garment_image(options: &WidgetOptions) -> String {
    let from_page = options.garment_selector.as_deref().and_then(|selector| {
        let img = web_sys::window()?
            .document()?
            .query_selector(selector)
            .ok()??;
        let img: web_sys::HtmlImageElement = img.dyn_into().ok()?;
        Some(img.current_src()).filter(|s| !s.is_empty())
    });
    let raw = from_page
        .or_else(|| options.garment_image.clone())
        .unwrap_or_default();
    if raw.starts_with("data:") {
        return raw;
    }
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    web_sys::Url::new_with_base(&raw, &base)
        .map(|u| u.href())
        .unwrap_or(raw)
}

/// The bytes at a URL (also a data URL) as a blob.
async fn fetch_blob(url: &str) -> Option<Blob> {
    let window = web_sys::window()?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let blob = wasm_bindgen_futures::JsFuture::from(response.blob().ok()?)
        .await
        .ok()?;
    blob.dyn_into().ok()
}
