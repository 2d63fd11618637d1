//! The widget's view: a "Try it on" button and, once opened, an inline panel that
//! walks the shopper through the steps. Each step is its own component.

mod advice_step;
mod camera_step;
mod frame_step;
mod results_step;
mod start_step;
pub mod state;
mod tryons;
mod working_step;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::failure::FailureKind;
use crate::i18n::Key;
use crate::options::{Theme, WidgetOptions};
use state::{Flow, Step, Widget};

/// The stylesheet, adopted by the widget's shadow root (see `mount`).
pub const STYLES: &str = include_str!("widget.css");

/// The try-on widget.
#[component]
pub fn TryOnWidget(
    /// The merchant's options (already checked).
    options: WidgetOptions,
    /// The element events are dispatched on (the host element when embedded).
    #[prop(optional)]
    host: Option<web_sys::EventTarget>,
    /// Open the panel at once (the loader does when the shopper clicked).
    #[prop(optional)]
    start_open: bool,
) -> impl IntoView {
    let theme = match options.theme {
        Theme::Auto => "tryon",
        Theme::Light => "tryon tryon--light",
        Theme::Dark => "tryon tryon--dark",
    };
    let lang = options.locale.tag();
    let dir = options.locale.dir();
    let w = Widget::new(options, host);
    provide_context(w);
    if start_open {
        w.open_panel();
    } else {
        // Open when it was open as this tab left the page (a reload, the back button).
        w.reopen();
    }
    // Which results are shown: looking again at a kept try-on from the results of
    // another is a new results view.
    let shown = Memo::new(move |_| {
        w.flow(|f| match f {
            Flow::Results { job_id, .. } => Some(job_id.clone()),
            _ => None,
        })
    });
    let open_button: NodeRef<leptos::html::Button> = NodeRef::new();
    let panel: NodeRef<leptos::html::Section> = NodeRef::new();

    // Focus follows the flow: the heading of each new step, and back to the
    // "Try it on" button when the panel closes.
    Effect::new(move |was_open: Option<bool>| {
        let is_open = w.open.get();
        let _ = w.step.get();
        shown.track();
        // After the step has rendered; by then the widget may also have been removed.
        request_animation_frame(move || {
            if is_open {
                let heading = panel
                    .try_get_untracked()
                    .flatten()
                    .and_then(|p| p.query_selector("[data-step-heading]").ok().flatten());
                if let Some(heading) = heading {
                    let _ = heading.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            } else if was_open == Some(true) {
                if let Some(b) = open_button.try_get_untracked().flatten() {
                    let _ = b.focus();
                }
            }
        });
        is_open
    });

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            w.close_panel();
        }
    };

    view! {
        <div class=theme lang=lang dir=dir part="root" data-testid="tryon-root">
            <button
                class="tryon__open"
                part="open-button"
                node_ref=open_button
                data-testid="tryon-open"
                aria-expanded=move || w.open.get().to_string()
                on:click=move |_| if w.open.get_untracked() { w.close_panel() } else { w.open_panel() }
            >
                {w.t(Key::OpenButton)}
            </button>
            {move || w.open.get().then(|| view! {
                <section
                    class="tryon__panel"
                    part="panel"
                    node_ref=panel
                    aria-label=w.t(Key::StartTitle)
                    data-testid="tryon-panel"
                    on:keydown=on_keydown
                >
                    <button class="tryon__close" data-testid="tryon-close" aria-label=w.t(Key::Close) on:click=move |_| w.close_panel()>
                        "×"
                    </button>
                    {move || match w.step.get() {
                        Step::Start => view! { <start_step::StartStep/> }.into_any(),
                        Step::Camera => view! { <camera_step::CameraStep/> }.into_any(),
                        Step::Frame => view! { <frame_step::FrameStep/> }.into_any(),
                        Step::Working => view! { <working_step::WorkingStep/> }.into_any(),
                        Step::Advice => view! { <advice_step::AdviceStep/> }.into_any(),
                        Step::Results => {
                            shown.track();
                            view! { <results_step::ResultsStep/> }.into_any()
                        }
                        Step::Failed => view! { <FailedStep/> }.into_any(),
                    }}
                    <tryons::YourTryons/>
                </section>
            })}
        </div>
    }
}

/// A failed try-on: what happened and what to do.
#[component]
fn FailedStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let Some(failure) = w.flow_untracked(|f| match f {
        Flow::Failed { failure, .. } => Some(failure.clone()),
        _ => None,
    }) else {
        return ().into_any();
    };
    let kind = failure.kind;
    let message = w.strings(|s| failure.message(s));
    let pose = kind == FailureKind::Pose;
    let can_retry = failure.can_retry();
    // At a quota or a paused shop no photo helps: the shopper is only told when.
    let can_go_on = !matches!(kind, FailureKind::Quota | FailureKind::Paused);
    view! {
        <div class="tryon__step tryon__step--failed" data-testid="tryon-failed" data-error=failure.name>
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::FailedTitle)}</h2>
            <p class="tryon__error" role="alert" data-testid="tryon-error-message">{message}</p>
            {(pose).then(|| view! {
                <ul class="tryon__tips" aria-label=w.t(Key::PhotoTips)>
                    <li>{w.t(Key::GuideOnePerson)}</li>
                    <li>{w.t(Key::GuideFacing)}</li>
                    <li>{w.t(Key::GuideLight)}</li>
                    <li>{w.t(Key::GuideFramed)}</li>
                </ul>
            })}
            <div class="tryon__actions">
                // The failure is fixed while the step shows: plain conditions, no `Show`.
                {(!pose && can_retry).then(|| view! {
                    <button class="tryon__primary" part="primary-button" data-testid="tryon-retry" on:click=move |_| w.submit()>{w.t(Key::TryAgain)}</button>
                })}
                {if can_go_on {
                    view! {
                        <button class=if pose { "tryon__primary" } else { "tryon__secondary" } part=if pose { "primary-button" } else { "secondary-button" } data-testid="tryon-another" on:click=move |_| w.start_over()>
                            {if pose { w.t(Key::Retake) } else { w.t(Key::TryAnotherPhoto) }}
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button class="tryon__secondary" part="secondary-button" data-testid="tryon-done" on:click=move |_| w.close_panel()>{w.t(Key::Close)}</button>
                    }.into_any()
                }}
            </div>
        </div>
    }
    .into_any()
}
