//! Waiting: the stage (sending, queued, generating), an estimate from the mode's
//! typical time (after any wait for a free spot), announced politely to screen
//! readers, and a way to cancel.

use leptos::prelude::*;

use super::state::{Flow, Widget};
use crate::i18n::Key;
use crate::job::Stage;
use crate::net::now_ms;

/// The waiting step.
#[component]
pub fn WorkingStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let now = RwSignal::new(now_ms());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_ms()),
        std::time::Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let stage = Memo::new(move |_| {
        w.flow(|f| match f {
            Flow::Working(job) => job.stage,
            _ => Stage::Uploading,
        })
    });
    // Fixed for this try-on: set when the shopper confirmed the photo.
    let started_at = w.flow_untracked(|f| match f {
        Flow::Working(job) => job.started_at,
        _ => now_ms(),
    });
    let thumbnail = Memo::new(move |_| w.prepared().map(|p| p.object_url.as_str().to_owned()));
    let stage_text = move || match stage.get() {
        Stage::Uploading => w.t(Key::StageUploading),
        Stage::Queued => w.t(Key::StageQueued),
        Stage::Generating => w.t(Key::StageGenerating),
        Stage::Reconnecting => w.t(Key::Reconnecting),
    };
    let expected_end = Memo::new(move |_| {
        w.flow(|f| match f {
            Flow::Working(job) => job.expected_end,
            _ => started_at + w.typical_ms(),
        })
    });
    let left = move || ((expected_end.get() - now.get()) / 1000.0).ceil().max(1.0) as u32;
    // A wait for a free spot lengthens the whole: the bar then holds still until the
    // time catches up with it, never moving back (each value is at least the last).
    let fraction = Memo::new(move |shown: Option<&f64>| {
        let whole = (expected_end.get() - started_at).max(1.0);
        ((now.get() - started_at).max(0.0) / whole)
            .max(0.02)
            .min(0.95)
            .max(shown.copied().unwrap_or(0.0))
    });
    let estimate = move || w.tf(Key::Estimate, &[("seconds", &left().to_string())]);
    // Announce the stage, not every tick of the estimate.
    view! {
        <div class="tryon__step tryon__step--working" data-testid="tryon-working">
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::StartTitle)}</h2>
            {move || thumbnail.get().map(|src| view! { <img class="tryon__thumb" alt=w.t(Key::YourPhoto) src=src /> })}
            <p class="tryon__stage-text" id="tryon-stage-text" role="status" aria-live="polite" data-testid="tryon-stage">{stage_text}</p>
            // Named by the stage; the estimate (hidden from the live region so it is not
            // read every second) is its value text, there when the shopper asks.
            <div class="tryon__progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                aria-labelledby="tryon-stage-text"
                aria-valuenow=move || ((fraction.get() * 100.0) as u32).to_string()
                aria-valuetext=estimate>
                <div class="tryon__progress-bar" style:width=move || format!("{}%", (fraction.get() * 100.0 + 0.5) as u32)></div>
            </div>
            <p class="tryon__hint" aria-hidden="true">{estimate}</p>
            <div class="tryon__actions">
                <button class="tryon__secondary" part="secondary-button" data-testid="tryon-cancel" on:click=move |_| w.start_over()>{w.t(Key::Cancel)}</button>
            </div>
        </div>
    }
}
