//! The first step: what happens to the photo, how to take a good one, and every way
//! to give one (file picker, drag and drop, paste, camera, a remembered photo).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{Flow, Widget};
use crate::dom::focus_step_heading;
use crate::i18n::Key;

/// The first file of a `DataTransfer` (drop or paste), if any.
fn first_file(data: Option<web_sys::DataTransfer>) -> Option<web_sys::File> {
    data?.files()?.get(0)
}

/// Consent, guidelines and capture choices.
#[component]
pub fn StartStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let file_input: NodeRef<leptos::html::Input> = NodeRef::new();
    let dragging = RwSignal::new(false);
    let on_file = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            w.use_file(file.into());
        }
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = first_file(ev.data_transfer()) {
            w.use_file(file.into());
        }
    };
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        if let Some(file) = first_file(ev.clipboard_data()) {
            ev.prevent_default();
            w.use_file(file.into());
        }
    };
    let notice = move || {
        w.flow(|f| match f {
            Flow::Start { notice } => notice.map(|n| w.notice_text(n)),
            _ => None,
        })
    };
    let has_sample = w.options(|o| o.sample_photo.is_some());
    let camera_possible = web_sys::window()
        .and_then(|win| win.navigator().media_devices().ok())
        .is_some();
    view! {
        <div
            class="tryon__step tryon__step--start"
            class:tryon__step--dragging=move || dragging.get()
            data-testid="tryon-start"
            on:dragover=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
            on:paste=on_paste
        >
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::StartTitle)}</h2>
            <p class="tryon__privacy" data-testid="tryon-privacy">{w.t(Key::Privacy)}</p>
            // None left: when the shopper can go on, before they pick a photo for nothing.
            {match w.tries_left_note() {
                (false, Some(note)) => Some(view! { <p class="tryon__warning" role="status" data-testid="tryon-tries-left">{note}</p> }),
                _ => None,
            }}
            <h3 class="tryon__subheading">{w.t(Key::GuidelinesTitle)}</h3>
            <ul class="tryon__guidelines">
                <li>{w.t(Key::GuideOnePerson)}</li>
                <li>{w.t(Key::GuideFacing)}</li>
                <li>{w.t(Key::GuideLight)}</li>
                <li>{w.t(Key::GuideFramed)}</li>
            </ul>
            {move || notice().map(|n| view! { <p class="tryon__error" role="alert" data-testid="tryon-notice">{n}</p> })}
            <div class="tryon__actions">
                {move || w.has_remembered.get().then(|| view! {
                    <button class="tryon__primary" part="primary-button" data-testid="tryon-use-saved" on:click=move |_| w.use_remembered()>
                        {w.t(Key::UseSavedPhoto)}
                    </button>
                })}
                <button class="tryon__primary" part="primary-button" data-testid="tryon-choose" on:click=move |_| {
                    if let Some(input) = file_input.get_untracked() {
                        input.click();
                    }
                }>
                    {w.t(Key::ChoosePhoto)}
                </button>
                {(has_sample).then(|| view! {
                    <button class="tryon__secondary" part="secondary-button" data-testid="tryon-sample" on:click=move |_| w.use_sample()>
                        {w.t(Key::UseSamplePhoto)}
                    </button>
                })}
                {(camera_possible).then(|| view! {
                    <button class="tryon__secondary" part="secondary-button" data-testid="tryon-camera" on:click=move |_| w.show_camera()>
                        {w.t(Key::TakePhoto)}
                    </button>
                })}
            </div>
            <input
                class="tryon__file"
                type="file"
                accept="image/*"
                node_ref=file_input
                data-testid="tryon-file"
                aria-label=w.t(Key::ChoosePhoto)
                tabindex="-1"
                on:change=on_file
            />
            <p class="tryon__hint">{w.t(Key::DropHint)}</p>
            <label class="tryon__check">
                <input type="checkbox" data-testid="tryon-remember" prop:checked=move || w.remember.get()
                    on:change=move |ev| w.remember.set(event_target_checked(&ev)) />
                {w.t(Key::RememberPhoto)}
            </label>

            {move || (w.has_remembered.get() || !w.tryons_to_look_at().is_empty()).then(|| view! {
                <button class="tryon__link" data-testid="tryon-forget" on:click=move |ev: web_sys::MouseEvent| {
                    // The button goes with what it forgot: focus to the heading.
                    let panel = ev.target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .and_then(|b| b.closest(".tryon__panel").ok().flatten());
                    w.forget_remembered();
                    if let Some(panel) = panel {
                        request_animation_frame(move || focus_step_heading(&panel));
                    }
                }>
                    {w.t(Key::ForgetPhoto)}
                </button>
            })}
        </div>
    }
}
