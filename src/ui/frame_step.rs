//! Framing: the photo with a 2:3 frame the shopper drags (pointer) or moves and
//! resizes with the keyboard; the default is the largest centred frame.

use leptos::prelude::*;

use super::state::{Flow, Widget};
use crate::dom::decimal;
use crate::i18n::Key;

/// The framing step.
#[component]
pub fn FrameStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let stage: NodeRef<leptos::html::Div> = NodeRef::new();
    // Where a drag started: pointer position and the frame's origin then.
    let drag = RwSignal::new(None::<(f64, f64, f64, f64)>);
    // The photo and its warning change only with a new photo, not with the frame.
    let source = Memo::new(move |_| {
        w.flow(|f| match f {
            Flow::Frame(framing) => framing.source.as_str().to_owned(),
            _ => String::new(),
        })
    });
    let warning = Memo::new(move |_| {
        w.flow(|f| match f {
            Flow::Frame(framing) => framing.small.map(|(width, height)| {
                w.tf(
                    Key::SmallPhoto,
                    &[
                        ("width", &width.to_string()),
                        ("height", &height.to_string()),
                    ],
                )
            }),
            _ => None,
        })
    });

    // Set through the CSSOM (not a `style` attribute), which a strict
    // Content-Security-Policy allows. `side` picks left, top, width or height.
    let edge = move |side: fn((f64, f64, f64, f64)) -> f64| {
        move || {
            w.frame()
                .map(|f| format!("{}%", decimal(side(f.as_fractions()) * 100.0)))
                .unwrap_or_default()
        }
    };
    // The stage takes the photo's own shape, as wide as it fits and no taller than
    // 70vh, so the frame (placed in % of the stage) is drawn on the picture itself,
    // never on bars beside it.
    let stage_ratio = move || {
        w.frame()
            .map(|f| format!("{} / {}", decimal(f.photo_width), decimal(f.photo_height)))
            .unwrap_or_default()
    };
    let stage_width = move || {
        w.frame()
            .map(|f| {
                format!(
                    "min(100%, {}vh)",
                    decimal(70.0 * f.photo_width / f.photo_height.max(1.0))
                )
            })
            .unwrap_or_default()
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(next) = w
            .frame_untracked()
            .and_then(|f| f.after_key(&ev.key(), ev.shift_key()))
        {
            ev.prevent_default();
            w.set_frame(next);
        } else if ev.key() == "Enter" {
            ev.prevent_default();
            w.confirm_frame();
        }
    };
    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some(f) = w.frame_untracked() {
            ev.prevent_default();
            let _ = web_sys::Element::set_pointer_capture(
                &event_target::<web_sys::Element>(&ev),
                ev.pointer_id(),
            );
            drag.set(Some((ev.client_x() as f64, ev.client_y() as f64, f.x, f.y)));
        }
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some((x0, y0, fx, fy)), Some(f), Some(el)) = (
            drag.get_untracked(),
            w.frame_untracked(),
            stage.get_untracked(),
        ) else {
            return;
        };
        // Screen pixels to photo pixels.
        let rect = el.get_bounding_client_rect();
        let scale = f.photo_width / rect.width().max(1.0);
        let moved = ev.client_x() as f64 - x0;
        let moved_y = ev.client_y() as f64 - y0;
        let origin = crate::photo::CropFrame { x: fx, y: fy, ..f };
        w.set_frame(origin.moved(moved * scale, moved_y * scale));
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        if let Some(f) = w.frame_untracked() {
            ev.prevent_default();
            w.set_frame(f.scaled(if ev.delta_y() > 0.0 { 1.0 / 1.05 } else { 1.05 }));
        }
    };

    view! {
        <div class="tryon__step tryon__step--frame" data-testid="tryon-frame-step">
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::CropTitle)}</h2>
            <p class="tryon__hint" id="tryon-crop-hint">{w.t(Key::CropHint)}</p>
            <div class="tryon__stage" node_ref=stage style:aspect-ratio=stage_ratio style:width=stage_width>
                <img class="tryon__source" alt=w.t(Key::YourPhoto) src=move || source.get() draggable="false" />
                <div
                    class="tryon__frame"
                    style:left=edge(|f| f.0)
                    style:top=edge(|f| f.1)
                    style:width=edge(|f| f.2)
                    style:height=edge(|f| f.3)
                    tabindex="0"
                    role="group"
                    aria-label=w.t(Key::CropFrameLabel)
                    aria-describedby="tryon-crop-hint"
                    data-testid="tryon-frame"
                    on:keydown=on_key
                    on:pointerdown=on_down
                    on:pointermove=on_move
                    on:pointerup=move |_| drag.set(None)
                    on:pointercancel=move |_| drag.set(None)
                    on:wheel=on_wheel
                ></div>
            </div>
            {move || warning.get().map(|text| view! { <p class="tryon__warning" role="status" data-testid="tryon-small-warning">{text}</p> })}
            <div class="tryon__actions">
                <button class="tryon__primary" part="primary-button" data-testid="tryon-use-photo" on:click=move |_| w.confirm_frame()>{w.t(Key::UsePhoto)}</button>
                <button class="tryon__link" on:click=move |_| w.start_over()>{w.t(Key::Back)}</button>
            </div>
        </div>
    }
}
