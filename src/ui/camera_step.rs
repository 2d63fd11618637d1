//! The camera: mirrored live preview, a silhouette guide, a countdown, front/back
//! switch; the tracks stop whenever the step goes away.

use leptos::prelude::*;
use web_sys::MediaStream;

use super::state::Widget;
use crate::camera::{self, Facing};
use crate::i18n::Key;
use crate::net::sleep;
use crate::tasks::Tasks;

/// The live camera step.
#[component]
pub fn CameraStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let video: NodeRef<leptos::html::Video> = NodeRef::new();
    let facing = RwSignal::new(Facing::User);
    let stream: StoredValue<Option<MediaStream>, LocalStorage> = StoredValue::new_local(None);
    let countdown = RwSignal::new(0u32);
    let problem = RwSignal::new(None::<String>);
    // Opening the camera and the countdown end with the step (Back, ×, the widget
    // removed); a camera still opening then is stopped when it arrives.
    let tasks = Tasks::for_current_owner();
    let opening: StoredValue<Option<futures::future::AbortHandle>, LocalStorage> =
        StoredValue::new_local(None);
    let stop_stream = move || {
        if let Some(s) = stream.try_update_value(Option::take).flatten() {
            camera::stop(&s);
        }
    };

    let start = move |f: Facing| {
        // Switching again before the last camera opened: that one is abandoned (and
        // stopped when it arrives), so exactly one camera is ever live.
        if let Some(previous) = opening.get_value() {
            previous.abort();
        }
        stop_stream();
        let handle = tasks.spawn(async move {
            match camera::open(f).await {
                Ok(s) => {
                    if let Some(v) = video.get_untracked() {
                        v.set_src_object(Some(&s));
                        let _ = v.play();
                    }
                    stream.set_value(Some(s));
                }
                Err(problem_kind) => {
                    let reason = w.t(problem_kind.key());
                    problem.set(Some(w.tf(Key::CameraUnavailable, &[("reason", &reason)])))
                }
            }
        });
        opening.set_value(Some(handle));
    };
    request_animation_frame(move || {
        // The step may already be gone by the next frame.
        if opening.try_get_value().is_some() {
            start(Facing::User);
        }
    });
    on_cleanup(stop_stream);

    let take = move |_| {
        if countdown.get_untracked() > 0 {
            return;
        }
        tasks.spawn(async move {
            for n in (1..=3).rev() {
                countdown.set(n);
                sleep(1000.0).await;
            }
            countdown.set(0);
            let Some(v) = video.get_untracked() else {
                return;
            };
            if let Ok(blob) = camera::capture(&v).await {
                stop_stream();
                w.use_file(blob);
            }
        });
    };

    view! {
        <div class="tryon__step tryon__step--camera" data-testid="tryon-camera-step">
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::CameraTitle)}</h2>
            <Show
                when=move || problem.get().is_none()
                fallback=move || view! {
                    <p class="tryon__error" role="alert" data-testid="tryon-camera-problem">{move || problem.get().unwrap_or_default()}</p>
                    <div class="tryon__actions">
                        <button class="tryon__primary" part="primary-button" on:click=move |_| w.start_over()>{w.t(Key::ChoosePhoto)}</button>
                    </div>
                }
            >
                <div class="tryon__viewfinder">
                    <video
                        node_ref=video
                        class="tryon__video"
                        class:tryon__video--mirrored=move || facing.get() == Facing::User
                        data-testid="tryon-video"
                        aria-label=w.t(Key::CameraLabel)
                        autoplay=true
                        muted=true
                        playsinline=true
                    ></video>
                    <svg class="tryon__silhouette" viewBox="0 0 200 300" aria-hidden="true" preserveAspectRatio="xMidYMid meet">
                        <path d="M100 38c15 0 26 12 26 27s-11 29-26 29-26-14-26-29 11-27 26-27zM58 104c10-6 27-9 42-9s32 3 42 9c12 7 17 19 19 34l7 72h-20l-6-60-4 148h-24l-6-90-6 90h-24l-4-148-6 60h-20l7-72c2-15 7-27 19-34z" />
                    </svg>
                    // Always there (empty when idle): a live region created together with
                    // its first number is not announced by every screen reader.
                    <div class="tryon__countdown" aria-live="assertive" data-testid="tryon-countdown">
                        {move || match countdown.get() { 0 => String::new(), n => w.strings(|s| s.number(n.into())) }}
                    </div>
                </div>
                <div class="tryon__actions">
                    <button class="tryon__primary" part="primary-button" data-testid="tryon-capture" on:click=take>{w.t(Key::Capture)}</button>
                    <button class="tryon__secondary" part="secondary-button" data-testid="tryon-switch" on:click=move |_| {
                        let f = facing.get_untracked().flipped();
                        facing.set(f);
                        start(f);
                    }>{w.t(Key::SwitchCamera)}</button>
                    <button class="tryon__link" data-testid="tryon-camera-back" on:click=move |_| w.start_over()>{w.t(Key::Back)}</button>
                </div>
            </Show>
        </div>
    }
}
