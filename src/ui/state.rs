//! The widget's state as the views share it (through context): the flow's
//! [`Machine`] in a signal, and what carries out the actions its transitions start.
//!
//! The views send [`Event`]s (through the methods below); [`Widget::send`] runs the
//! transition ([`Machine::next`], pure, in `flow.rs`) and then its actions. Every piece
//! of async work runs in the widget's [`Tasks`]: it stops when the shopper moves on
//! and when the widget is removed, so nothing reads the state after it is gone.

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{Blob, EventTarget};

use crate::attempt::{self, Web};
use crate::crash::{self, WidgetId};
use crate::dom::{fetch_blob, garment_image};
use crate::events::{detail, emit, WidgetEvent};
pub use crate::flow::Step;
use crate::flow::{Action, Event, Kept, Machine, Note, Notice};
use crate::i18n::{Key, Strings};
use crate::keep;
use crate::net::now_ms;
use crate::options::WidgetOptions;
use crate::photo::{self, CropFrame, ObjectUrl, PhotoError, PreparedPhoto};
use crate::remembered;
use crate::session::Session;
use crate::tasks::Tasks;

thread_local! {
    /// Notified when what this tab keeps changes, by any widget of the page: every
    /// "Your try-ons" strip follows it ("Forget my photo" in one empties all).
    static KEPT: ArcTrigger = ArcTrigger::new();
}

/// The flow with the browser's photos.
pub type Flow = crate::flow::Flow<Web>;

/// What does not change while the widget lives.
pub struct Env {
    /// The merchant's options.
    pub options: WidgetOptions,
    /// The strings in the shopper's language.
    pub strings: Strings,
    /// Where events are dispatched.
    pub host: Option<EventTarget>,
    /// The session token source.
    pub session: Rc<Session>,
    /// Which widget this is, for the panic hook's message.
    pub id: Option<WidgetId>,
    /// Which product this widget tries on, for what this tab keeps: the garment
    /// picture's absolute URL, or the page's path for a picture given inline.
    pub product: String,
}

/// Everything the steps share (all `Copy` handles).
#[derive(Clone, Copy)]
pub struct Widget {
    /// What does not change.
    env: StoredValue<Env, LocalStorage>,
    /// The flow: where the shopper is, whether the panel is open, the try-ons.
    machine: RwSignal<Machine<Web>, LocalStorage>,
    /// Whether the panel is open (changes only when that does).
    pub open: Memo<bool>,
    /// The step shown (changes only when the step does, not with its data).
    pub step: Memo<Step>,
    /// "Remember my photo" is ticked.
    pub remember: RwSignal<bool>,
    /// A photo is remembered on this device.
    pub has_remembered: RwSignal<bool>,
    /// The work done for the shopper (opening, preparing, the job): it stops when the
    /// shopper moves on, and with the widget.
    pub tasks: Tasks,
}

impl Widget {
    /// State for a widget with these options, dispatching events on `host`. Its work
    /// stops when the current owner is cleaned up (the widget is removed).
    pub fn new(options: WidgetOptions, host: Option<EventTarget>) -> Self {
        let strings = Strings::new(options.locale, options.strings.clone())
            .with_number_tag(&options.locale_tag);
        let (low, high) = options.mode.typical_seconds();
        let machine = RwSignal::new_local(Machine::new((low + high) / 2.0 * 1000.0));
        Widget {
            env: StoredValue::new_local(Env {
                session: Rc::new(Session::new(
                    options.session_url.clone(),
                    options.persist_results,
                )),
                product: product_key(&options),
                options,
                strings,
                host,
                id: use_context::<WidgetId>(),
            }),
            machine,
            open: Memo::new(move |_| machine.with(|m| m.open)),
            step: Memo::new(move |_| machine.with(|m| m.flow.step())),
            remember: RwSignal::new(false),
            has_remembered: RwSignal::new(remembered::load().is_some()),
            tasks: Tasks::for_current_owner(),
        }
    }

    /// Reads the merchant's options.
    pub fn options<T>(&self, read: impl FnOnce(&WidgetOptions) -> T) -> T {
        self.env.with_value(|e| read(&e.options))
    }

    /// Reads the strings.
    pub fn strings<T>(&self, read: impl FnOnce(&Strings) -> T) -> T {
        self.env.with_value(|e| read(&e.strings))
    }

    /// A string.
    pub fn t(&self, key: Key) -> String {
        self.strings(|s| s.get(key))
    }

    /// A string with placeholders filled.
    pub fn tf(&self, key: Key, values: &[(&str, &str)]) -> String {
        self.strings(|s| s.fill(key, values))
    }

    /// Reads the flow (tracked).
    pub fn flow<T>(&self, read: impl FnOnce(&Flow) -> T) -> T {
        self.machine.with(|m| read(&m.flow))
    }

    /// Reads the flow without tracking it (for event handlers and a step's setup).
    pub fn flow_untracked<T>(&self, read: impl FnOnce(&Flow) -> T) -> T {
        self.machine.with_untracked(|m| read(&m.flow))
    }

    /// The mode's typical time for a try-on, in ms.
    pub fn typical_ms(&self) -> f64 {
        self.machine.with_untracked(|m| m.typical_ms)
    }

    /// What a notice on the start step says.
    pub fn notice_text(&self, notice: Notice) -> String {
        match notice {
            Notice::NotAPhoto => self.t(Key::NotAPhoto),
            Notice::Unsupported(format) => self.tf(Key::UnsupportedFormat, &[("format", format)]),
        }
    }

    /// Whether the shopper has try-ons left for another one now, and what to tell
    /// them: "N try-ons left" from a few down, at none when they can go on.
    pub fn tries_left_note(&self) -> (bool, Option<String>) {
        let per_try = u32::from(self.options(|o| o.num_samples));
        match self.machine.with_untracked(|m| m.tries_left) {
            Some(left) => self.strings(|s| left.note(per_try, now_ms(), s)),
            None => (true, None),
        }
    }

    /// Dispatches an analytics event.
    pub fn emit(&self, event: WidgetEvent, detail: JsValue) {
        self.env.with_value(|e| {
            if let Some(h) = &e.host {
                emit(h, event, detail);
            }
        });
    }

    /// The prepared photo, if the flow has one (tracked).
    pub fn prepared(&self) -> Option<Rc<PreparedPhoto>> {
        self.flow(Flow::prepared)
    }

    /// The frame being adjusted (tracked).
    pub fn frame(&self) -> Option<CropFrame> {
        self.flow(Flow::frame)
    }

    /// The frame being adjusted, without tracking it (for event handlers).
    pub fn frame_untracked(&self) -> Option<CropFrame> {
        self.flow_untracked(Flow::frame)
    }

    /// Runs what `event` does to the flow, then the actions it starts. Quietly
    /// nothing once the widget is gone.
    pub fn send(&self, event: Event<Web>) {
        let Some(actions) = self.machine.try_update(|m| m.next(event)) else {
            return;
        };
        for action in actions {
            self.act(action);
        }
    }

    fn act(&self, action: Action<Web>) {
        let w = *self;
        match action {
            // Stopped at their next await, requests in flight aborted (`net::call_with`).
            Action::StopWork => self.tasks.stop_all(),
            Action::Prepare {
                attempt,
                photo,
                frame,
            } => {
                self.tasks.spawn(async move {
                    attempt::prepare(attempt, photo, frame, &|e| w.send(e)).await;
                });
            }
            Action::Run {
                attempt,
                photo,
                check,
                variant,
            } => {
                let Some((options, session)) = self.job_work(attempt) else {
                    return;
                };
                let remember = self.remember.get_untracked();
                self.tasks.spawn(async move {
                    let run = attempt::Run {
                        job: attempt::Follow {
                            options: &options,
                            session: &session,
                        },
                        remember,
                        remembered: &|| w.has_remembered.set(true),
                    };
                    run.go(attempt, photo, check, variant, &|e| w.send(e)).await;
                });
            }
            Action::Follow {
                attempt,
                job_id,
                accepted_at,
            } => {
                let Some((options, session)) = self.job_work(attempt) else {
                    return;
                };
                self.tasks.spawn(async move {
                    let follow = attempt::Follow {
                        options: &options,
                        session: &session,
                    };
                    follow
                        .go(attempt, job_id, accepted_at, &|e| w.send(e))
                        .await;
                });
            }
            Action::Keep(kept) => self.keep(kept),
            Action::Tell(note) => self.tell(note),
        }
    }

    /// What the work of try-on `attempt` needs: the options and the session. None
    /// when it is no longer the one waited for: a listener of the event told just
    /// before may have closed the panel or removed the widget, and nothing may start
    /// after that.
    fn job_work(&self, attempt: u32) -> Option<(WidgetOptions, Rc<Session>)> {
        let current = self.machine.try_with_untracked(|m| m.is_waiting(attempt));
        if current != Some(true) {
            return None;
        }
        self.env
            .try_with_value(|e| (e.options.clone(), e.session.clone()))
    }

    /// This product and whether the merchant lets this tab keep its try-ons.
    fn kept_product(&self) -> Option<String> {
        self.env
            .with_value(|e| e.options.persist_results.then(|| e.product.clone()))
    }

    /// Keeps what this tab keeps up to date (unless the merchant turned it off).
    fn keep(&self, kept: Kept) {
        let Some(product) = self.kept_product() else {
            return;
        };
        match kept {
            Kept::Open(open) => keep::set_open(&product, open),
            Kept::Running {
                job_id,
                at,
                variant,
            } => {
                let name = self.name_in(variant);
                keep::change(|k| k.running(&job_id, &product, variant, &name, at as u64))
            }
            Kept::Done { job_id, output } => keep::change(|k| k.done(&job_id, &output)),
            Kept::Gone { job_id } => keep::change(|k| k.remove(&job_id)),
        }
        KEPT.with(ArcTrigger::notify);
    }

    /// Which of the merchant's colours `picked` is: itself, or when none was picked,
    /// the one whose picture is the product's own garment.
    fn colour(&self, picked: Option<usize>) -> Option<usize> {
        picked.or_else(|| {
            self.options(|o| {
                let own = garment_image(o, None);
                (0..o.variants.len()).find(|&i| garment_image(o, Some(i)) == own)
            })
        })
    }

    /// The colour of the results shown (none when the merchant names no colours).
    pub fn result_colour(&self) -> Option<usize> {
        let picked = self.flow_untracked(|f| match f {
            Flow::Results { variant, .. } => *variant,
            _ => None,
        });
        self.colour(picked)
    }

    /// The name of colour `variant` (or of the product's own).
    pub fn colour_name(&self, variant: Option<usize>) -> Option<String> {
        let variant = self.colour(variant)?;
        self.options(|o| o.variants.get(variant).map(|v| v.name.clone()))
    }

    /// The product's name with colour `variant`, as the strip shows it: "Linen shirt
    /// – Blue".
    fn name_in(&self, variant: Option<usize>) -> String {
        let product = self.options(|o| o.product_name.clone());
        match self.colour_name(variant) {
            Some(colour) if product.is_empty() => colour,
            Some(colour) => format!("{product} – {colour}"),
            None => product,
        }
    }

    /// This tab's done try-ons, newest first, but for the one on screen (tracked: the
    /// strip follows what any widget of the page keeps, and what is shown). None when
    /// the merchant keeps nothing.
    pub fn tryons_to_look_at(&self) -> Vec<keep::Tryon> {
        KEPT.with(|k| k.track());
        let shown = self.flow(|f| match f {
            Flow::Results { job_id, .. } => Some(job_id.clone()),
            _ => None,
        });
        if self.kept_product().is_none() {
            return Vec::new();
        }
        keep::tryons().to_look_at(shown.as_deref())
    }

    /// Shows kept try-on `t` again, from the strip: no request.
    pub fn look(&self, t: &keep::Tryon) {
        let own = self.env.with_value(|e| e.product == t.product);
        self.send(Event::Look {
            job_id: t.id.clone(),
            output: t.output.clone(),
            own,
            variant: t.variant,
        });
    }

    /// Removes kept try-on `job_id` (the strip's ×).
    pub fn forget_tryon(&self, job_id: &str) {
        keep::change(|k| k.remove(job_id));
        KEPT.with(ArcTrigger::notify);
    }

    /// Tries on colour `variant` with the photo of the results shown.
    pub fn pick_variant(&self, variant: usize) {
        self.send(Event::PickVariant {
            variant,
            now: now_ms(),
        });
    }

    /// Shows this product's latest kept try-on again, if the shopper is at the start:
    /// its pictures, or the job still running. No new job either way.
    fn restore(&self) {
        let Some(product) = self.kept_product() else {
            return;
        };
        if let Some(t) = keep::tryons().latest(&product).cloned() {
            self.send(Event::Restore {
                job_id: t.id,
                accepted_at: t.at as f64,
                output: t.output,
                variant: t.variant,
            });
        }
    }

    /// At mount: opens the panel again if it was open when this tab left the page
    /// (a reload, the back button).
    pub fn reopen(&self) {
        if self.kept_product().is_some_and(|p| keep::was_open(&p)) {
            self.open_panel();
        }
    }

    /// Tells the merchant, with the event's detail.
    fn tell(&self, note: Note) {
        let (event, detail) = match note {
            Note::Open => {
                if let Some(id) = self.env.with_value(|e| e.id) {
                    crash::clear(id);
                }
                (WidgetEvent::Open, JsValue::UNDEFINED)
            }
            Note::Close => (WidgetEvent::Close, JsValue::UNDEFINED),
            Note::Restore { job_id, running } => (
                WidgetEvent::Restore,
                detail(&[
                    ("jobId", job_id.into()),
                    (
                        "status",
                        if running { "running" } else { "completed" }.into(),
                    ),
                ]),
            ),
            Note::PhotoReady { width, height } => (
                WidgetEvent::PhotoReady,
                detail(&[("width", width.into()), ("height", height.into())]),
            ),
            Note::Advice(problems) => {
                // The problems as the gateway named them (`{reason, count}`, `{reason, parts}`).
                let named = serde_json::to_string(&problems)
                    .ok()
                    .and_then(|json| js_sys::JSON::parse(&json).ok())
                    .unwrap_or(JsValue::NULL);
                (WidgetEvent::Advice, detail(&[("problems", named)]))
            }
            Note::Submit { job_id } => (WidgetEvent::Submit, detail(&[("jobId", job_id.into())])),
            Note::Variant(variant) => (
                WidgetEvent::Variant,
                detail(&[
                    ("product", self.options(|o| o.product_name.clone()).into()),
                    ("variant", self.colour_name(Some(variant)).into()),
                ]),
            ),
            Note::Complete { job_id, output } => {
                let urls: js_sys::Array = output.iter().map(|u| JsValue::from_str(u)).collect();
                (
                    WidgetEvent::Complete,
                    detail(&[("jobId", job_id.into()), ("output", urls.into())]),
                )
            }
            Note::Error(failure) => {
                // The message the shopper sees, in their language (for the merchant's
                // logs), without the invisible marks that isolate values in
                // right-to-left text.
                let message = self
                    .strings(|s| failure.message(s))
                    .replace(['\u{2068}', '\u{2069}'], "");
                let job_id = failure.job_id.map(JsValue::from).unwrap_or(JsValue::NULL);
                (
                    WidgetEvent::Error,
                    detail(&[
                        ("name", failure.name.as_str().into()),
                        ("message", message.into()),
                        ("jobId", job_id),
                    ]),
                )
            }
        };
        self.emit(event, detail);
    }

    /// Opens the panel, with this product's kept try-on if there is one.
    pub fn open_panel(&self) {
        if !self.open.get_untracked() {
            self.send(Event::Open);
            self.restore();
        }
    }

    /// Closes the panel, stopping any job and forgetting the photo.
    pub fn close_panel(&self) {
        self.send(Event::Close);
    }

    /// Back to the start, ready for another photo; also how a job being waited for is
    /// cancelled (it stops, and the tab forgets it).
    pub fn start_over(&self) {
        self.send(Event::StartOver);
    }

    /// To the camera.
    pub fn show_camera(&self) {
        self.send(Event::Camera);
    }

    /// Moves or resizes the frame (only while framing).
    pub fn set_frame(&self, frame: CropFrame) {
        self.send(Event::FrameMoved(frame));
    }

    /// The framed photo is confirmed: prepare it and start the try-on.
    pub fn confirm_frame(&self) {
        self.send(Event::ConfirmFrame { now: now_ms() });
    }

    /// Tries the same photo again (after results or a failure). It was checked the
    /// first time: not again.
    pub fn submit(&self) {
        self.send(Event::TryAgain { now: now_ms() });
    }

    /// Tries on the photo the check advised against, as the shopper asked; the
    /// progress goes on from where it was when the advice came.
    pub fn try_anyway(&self) {
        self.send(Event::TryAnyway { now: now_ms() });
    }

    /// The shopper gave a file (picker, drop, paste or camera).
    pub fn use_file(&self, file: Blob) {
        self.send(Event::Opening);
        let w = *self;
        self.tasks.spawn(async move {
            let opened = match photo::open_photo(&file).await {
                Ok(decoded) => match ObjectUrl::new(&file) {
                    Ok(source) => {
                        let (width, height) = (decoded.width, decoded.height);
                        Ok((Rc::new(decoded), Rc::new(source), width, height))
                    }
                    Err(_) => Err(Notice::NotAPhoto),
                },
                Err(PhotoError::Unsupported(format)) => Err(Notice::Unsupported(format.name())),
                Err(_) => Err(Notice::NotAPhoto),
            };
            w.send(Event::Opened(opened));
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
        let Some(url) = self.options(|o| o.sample_photo.clone()) else {
            return;
        };
        self.send(Event::Opening);
        let w = *self;
        self.tasks.spawn(async move {
            match fetch_blob(&url).await {
                Some(blob) => w.use_file(blob),
                None => w.send(Event::Opened(Err(Notice::NotAPhoto))),
            }
        });
    }

    /// The pictures of kept try-on `job_id` are gone from the service.
    pub fn expired(&self, job_id: &str) {
        self.send(Event::Expired {
            job_id: job_id.to_owned(),
        });
    }

    /// Forgets the remembered photo, and everything this tab kept of the try-ons.
    pub fn forget_remembered(&self) {
        remembered::forget();
        keep::forget_all();
        KEPT.with(ArcTrigger::notify);
        self.has_remembered.set(false);
        self.remember.set(false);
    }
}

/// The product a widget tries on, for what this tab keeps.
fn product_key(options: &WidgetOptions) -> String {
    let garment = garment_image(options, None);
    if garment.is_empty() || garment.starts_with("data:") {
        web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default()
    } else {
        garment
    }
}
