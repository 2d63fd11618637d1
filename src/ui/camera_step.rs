//! The camera: mirrored live preview, a silhouette guide, a countdown, front/back
//! switch; the tracks stop whenever the step goes away.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::MediaStream;

use super::state::{Step, Widget};
use crate::camera::{self, Facing};
use crate::i18n::Key;
use crate::net::sleep;

/// The live camera step.
#[component]
pub fn CameraStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let video: NodeRef<leptos::html::Video> = NodeRef::new();
    let facing = RwSignal::new(Facing::User);
    let stream: RwSignal<Option<MediaStream>, LocalStorage> = RwSignal::new_local(None);
    let countdown = RwSignal::new(0u32);
    let problem = RwSignal::new(None::<String>);

    let start = move |f: Facing| {
        spawn_local(async move {
            if let Some(old) = stream.get_untracked() {
                camera::stop(&old);
            }
            match camera::open(f).await {
                Ok(s) => {
                    if let Some(v) = video.get_untracked() {
                        v.set_src_object(Some(&s));
                        let _ = v.play();
                    }
                    stream.set(Some(s));
                }
                Err(reason) => {
                    problem.set(Some(w.tf(Key::CameraUnavailable, &[("reason", &reason)])))
                }
            }
        });
    };
    request_animation_frame(move || start(Facing::User));
    on_cleanup(move || {
        if let Some(s) = stream.try_get_untracked().flatten() {
            camera::stop(&s);
        }
    });

    let take = move |_| {
        if countdown.get_untracked() > 0 {
            return;
        }
        spawn_local(async move {
            for n in (1..=3).rev() {
                countdown.set(n);
                sleep(1000.0).await;
            }
            countdown.set(0);
            let Some(v) = video.get_untracked() else {
                return;
            };
            if let Ok(blob) = camera::capture(&v).await {
                if let Some(s) = stream.get_untracked() {
                    camera::stop(&s);
                }
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
                        <button class="tryon__primary" part="primary-button" on:click=move |_| w.step.set(Step::Start)>{w.t(Key::ChoosePhoto)}</button>
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
                        {move || match countdown.get() { 0 => String::new(), n => n.to_string() }}
                    </div>
                </div>
                <div class="tryon__actions">
                    <button class="tryon__primary" part="primary-button" data-testid="tryon-capture" on:click=take>{w.t(Key::Capture)}</button>
                    <button class="tryon__secondary" part="secondary-button" data-testid="tryon-switch" on:click=move |_| {
                        let f = facing.get_untracked().flipped();
                        facing.set(f);
                        start(f);
                    }>{w.t(Key::SwitchCamera)}</button>
                    <button class="tryon__link" on:click=move |_| w.step.set(Step::Start)>{w.t(Key::Back)}</button>
                </div>
            </Show>
        </div>
    }
}
