//! The widget's state, shared by its steps through context, and the actions that
//! move the shopper from one step to the next.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tryon_protocol::ErrorName;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, EventTarget};

use crate::events::{detail, emit, WidgetEvent};
use crate::i18n::{Key, Strings};
use crate::job::{self, Cancel, JobError, Stage};
use crate::net::{now_ms, NetError};
use crate::options::WidgetOptions;
use crate::photo::{self, CropFrame, DecodedPhoto, PhotoError, PreparedPhoto, SMALL_PHOTO_SIDE};
use crate::remembered;
use crate::session::Session;

/// The steps of the flow.
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
    /// The current step.
    pub step: RwSignal<Step>,
    /// The decoded photo being framed.
    pub photo: RwSignal<Option<Rc<DecodedPhoto>>, LocalStorage>,
    /// An object URL of the shopper's original file, for the framing view.
    pub source_url: RwSignal<Option<String>>,
    /// The frame.
    pub frame: RwSignal<Option<CropFrame>>,
    /// The prepared upload.
    pub prepared: RwSignal<Option<PreparedPhoto>, LocalStorage>,
    /// A problem with the photo given (shown at the start step).
    pub notice: RwSignal<Option<String>>,
    /// A warning about the photo (shown while framing).
    pub warning: RwSignal<Option<String>>,
    /// Where the job stands.
    pub stage: RwSignal<Stage>,
    /// When the job was submitted (ms).
    pub started_at: RwSignal<f64>,
    /// The result URLs.
    pub results: RwSignal<Vec<String>>,
    /// The job id.
    pub job_id: RwSignal<Option<String>>,
    /// The failure shown.
    pub failure: RwSignal<Option<Failure>>,
    /// "Remember my photo" is ticked.
    pub remember: RwSignal<bool>,
    /// A photo is remembered on this device.
    pub has_remembered: RwSignal<bool>,
    /// Where events are dispatched.
    pub host: StoredValue<Option<EventTarget>, LocalStorage>,
    /// The session token source.
    pub session: StoredValue<Rc<Session>, LocalStorage>,
    /// Stops the running job.
    pub cancel: StoredValue<Cancel, LocalStorage>,
}

impl Widget {
    /// State for a widget with these options, dispatching events on `host`.
    pub fn new(options: WidgetOptions, host: Option<EventTarget>) -> Self {
        let strings = Strings::new(options.locale, options.strings.clone());
        let session = Rc::new(Session::new(options.session_url.clone()));
        Widget {
            strings: StoredValue::new(strings),
            options: StoredValue::new(options),
            open: RwSignal::new(false),
            step: RwSignal::new(Step::Start),
            photo: RwSignal::new_local(None),
            source_url: RwSignal::new(None),
            frame: RwSignal::new(None),
            prepared: RwSignal::new_local(None),
            notice: RwSignal::new(None),
            warning: RwSignal::new(None),
            stage: RwSignal::new(Stage::Uploading),
            started_at: RwSignal::new(0.0),
            results: RwSignal::new(vec![]),
            job_id: RwSignal::new(None),
            failure: RwSignal::new(None),
            remember: RwSignal::new(false),
            has_remembered: RwSignal::new(remembered::load().is_some()),
            host: StoredValue::new_local(host),
            session: StoredValue::new_local(session),
            cancel: StoredValue::new_local(Cancel::default()),
        }
    }

    /// A string.
    pub fn t(&self, key: Key) -> String {
        self.strings.with_value(|s| s.get(key))
    }

    /// A string with placeholders filled.
    pub fn tf(&self, key: Key, values: &[(&str, &str)]) -> String {
        self.strings.with_value(|s| s.fill(key, values))
    }

    /// Dispatches an analytics event.
    pub fn emit(&self, event: WidgetEvent, detail: JsValue) {
        self.host.with_value(|h| {
            if let Some(h) = h {
                emit(h, event, detail);
            }
        });
    }

    /// Opens the panel.
    pub fn open_panel(&self) {
        if !self.open.get_untracked() {
            self.open.set(true);
            self.emit(WidgetEvent::Open, JsValue::UNDEFINED);
        }
    }

    /// Closes the panel, stopping any job and forgetting the photo.
    pub fn close_panel(&self) {
        if self.open.get_untracked() {
            self.cancel.with_value(Cancel::cancel);
            self.reset_photo();
            self.step.set(Step::Start);
            self.open.set(false);
            self.emit(WidgetEvent::Close, JsValue::UNDEFINED);
        }
    }

    fn reset_photo(&self) {
        self.photo.set(None);
        if let Some(url) = self.source_url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        self.source_url.set(None);
        if let Some(p) = self.prepared.get_untracked() {
            p.release();
        }
        self.prepared.set(None);
        self.frame.set(None);
        self.warning.set(None);
        self.results.set(vec![]);
        self.failure.set(None);
    }

    /// Back to the start, ready for another photo.
    pub fn start_over(&self) {
        self.reset_photo();
        self.notice.set(None);
        self.step.set(Step::Start);
    }

    /// The shopper gave a file (picker, drop, paste or camera).
    pub fn use_file(&self, file: Blob) {
        let w = *self;
        spawn_local(async move {
            w.notice.set(None);
            match photo::open_photo(&file).await {
                Ok(decoded) => {
                    w.reset_photo();
                    let small = decoded.width.min(decoded.height) < SMALL_PHOTO_SIDE;
                    w.warning.set(small.then(|| {
                        w.tf(
                            Key::SmallPhoto,
                            &[
                                ("width", &decoded.width.to_string()),
                                ("height", &decoded.height.to_string()),
                            ],
                        )
                    }));
                    w.frame.set(Some(CropFrame::largest_centred(
                        decoded.width,
                        decoded.height,
                    )));
                    w.source_url
                        .set(web_sys::Url::create_object_url_with_blob(&file).ok());
                    w.photo.set(Some(Rc::new(decoded)));
                    w.step.set(Step::Frame);
                }
                Err(PhotoError::Unsupported(format)) => {
                    w.notice.set(Some(
                        w.tf(Key::UnsupportedFormat, &[("format", format.name())]),
                    ));
                    w.step.set(Step::Start);
                }
                Err(_) => {
                    w.notice.set(Some(w.t(Key::NotAPhoto)));
                    w.step.set(Step::Start);
                }
            }
        });
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
        let w = *self;
        let Some(url) = self.options.with_value(|o| o.sample_photo.clone()) else {
            return;
        };
        spawn_local(async move {
            match fetch_blob(&url).await {
                Some(blob) => w.use_file(blob),
                None => w.notice.set(Some(w.t(Key::NotAPhoto))),
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
        let w = *self;
        let (Some(decoded), Some(frame)) = (self.photo.get_untracked(), self.frame.get_untracked())
        else {
            return;
        };
        self.step.set(Step::Working);
        self.stage.set(Stage::Uploading);
        spawn_local(async move {
            match photo::prepare(&decoded, frame).await {
                // The shopper went back (or closed) while the photo was being prepared.
                Ok(prepared) if w.step.get_untracked() != Step::Working => prepared.release(),
                Ok(prepared) => {
                    // The full-size decode is no longer needed: free it now.
                    w.photo.set(None);
                    drop(decoded);
                    w.emit(
                        WidgetEvent::PhotoReady,
                        detail(&[
                            ("width", prepared.width.into()),
                            ("height", prepared.height.into()),
                        ]),
                    );
                    w.prepared.set(Some(prepared));
                    w.submit();
                }
                Err(_) => {
                    w.notice.set(Some(w.t(Key::NotAPhoto)));
                    w.step.set(Step::Start);
                }
            }
        });
    }

    /// Submits the prepared photo and waits for the result.
    pub fn submit(&self) {
        let w = *self;
        let Some(prepared) = self.prepared.get_untracked() else {
            return;
        };
        let cancel = Cancel::default();
        self.cancel.set_value(cancel.clone());
        self.failure.set(None);
        self.results.set(vec![]);
        self.job_id.set(None);
        self.step.set(Step::Working);
        self.stage.set(Stage::Uploading);
        self.started_at.set(now_ms());
        spawn_local(async move {
            let Ok(photo_url) = photo::data_url(&prepared.blob).await else {
                w.fail(Failure {
                    kind: FailureKind::Generic,
                    name: "PhotoUnreadable".into(),
                    job_id: None,
                });
                return;
            };
            if w.remember.get_untracked() && remembered::save(&photo_url) {
                w.has_remembered.set(true);
            }
            let options = w.options.get_value();
            let garment = garment_image(&options);
            let request = options.request(photo_url, garment);
            let session = w.session.get_value();
            let on_stage = |s: Stage| w.stage.set(s);
            let on_submitted = |id: &str| {
                w.job_id.set(Some(id.to_owned()));
                w.emit(WidgetEvent::Submit, detail(&[("jobId", id.into())]));
            };
            let outcome = job::run(
                &options.api_base,
                &session,
                &request,
                options.max_wait_seconds,
                &cancel,
                &on_stage,
                &on_submitted,
            )
            .await;
            drop(request);
            // A job the shopper cancelled (or closed) stays silent, however it ended.
            if cancel.is_cancelled() {
                return;
            }
            match outcome {
                Ok(output) => {
                    let urls: js_sys::Array = output.iter().map(|u| JsValue::from_str(u)).collect();
                    w.results.set(output);
                    w.step.set(Step::Results);
                    let id = w.job_id.get_untracked().unwrap_or_default();
                    w.emit(
                        WidgetEvent::Complete,
                        detail(&[("jobId", id.into()), ("output", urls.into())]),
                    );
                }
                Err(JobError::Cancelled) => {}
                Err(JobError::Failed { error, job_id }) => w.fail(Failure {
                    kind: FailureKind::of(&error.name),
                    name: error.name.to_string(),
                    job_id,
                }),
                Err(JobError::TimedOut { job_id }) => w.fail(Failure {
                    kind: FailureKind::Timeout,
                    name: "TimedOut".into(),
                    job_id,
                }),
                Err(JobError::Service(e)) => {
                    let name = match &e {
                        NetError::Http { error, .. } => error.name.to_string(),
                        NetError::Unreachable => "Unreachable".into(),
                        NetError::Aborted => "Aborted".into(),
                    };
                    w.fail(Failure {
                        kind: FailureKind::Service,
                        name,
                        job_id: w.job_id.get_untracked(),
                    })
                }
            }
        });
    }

    fn fail(&self, failure: Failure) {
        // The message the shopper sees, in their language (for the merchant's logs).
        let id = failure.job_id.clone().unwrap_or_else(|| "—".into());
        let message = self.tf(failure.kind.key(), &[("id", &id)]);
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
        self.failure.set(Some(failure));
        self.step.set(Step::Failed);
    }

    /// Stops waiting and goes back to the start (a new photo or the same again).
    pub fn cancel_job(&self) {
        self.cancel.with_value(Cancel::cancel);
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
