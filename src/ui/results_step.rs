//! Results inline: the pictures, a before/after comparison with the shopper's photo,
//! downloads, and the ways to go on.

use leptos::prelude::*;

use super::state::Widget;
use crate::i18n::Key;

/// The results step.
#[component]
pub fn ResultsStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let results = w.results.get_untracked();
    let count = results.len();
    let selected = RwSignal::new(0usize);
    // The result first; the slider reveals the shopper's own photo from the left.
    let split = RwSignal::new(0u32);
    let product = w.options.with_value(|o| {
        if o.product_name.is_empty() {
            "this".to_owned()
        } else {
            o.product_name.clone()
        }
    });
    let before = move || {
        w.prepared
            .with(|p| p.as_ref().map(|p| p.object_url.clone()).unwrap_or_default())
    };
    let all = results.clone();
    let current = move || all.get(selected.get()).cloned().unwrap_or_default();
    let alt = {
        let product = product.clone();
        move |n: usize| {
            w.tf(
                Key::ResultAlt,
                &[
                    ("product", &product),
                    ("n", &n.to_string()),
                    ("count", &count.to_string()),
                ],
            )
        }
    };
    let alt_main = alt.clone();
    view! {
        <div class="tryon__step tryon__step--results" data-testid="tryon-results">
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::ResultsTitle)}</h2>
            <figure class="tryon__compare" style:--tryon-split=move || format!("{}%", split.get())>
                <img class="tryon__result" part="result" data-testid="tryon-result-image" src=current.clone() alt=move || alt_main(selected.get() + 1) />
                <img class="tryon__before" src=before alt=w.t(Key::YourPhoto) />
            </figure>
            <label class="tryon__slider">
                <span>{w.t(Key::Compare)}</span>
                <input type="range" min="0" max="100" data-testid="tryon-compare"
                    prop:value=move || split.get().to_string()
                    on:input=move |ev| split.set(event_target_value(&ev).parse().unwrap_or(0)) />
            </label>
            <Show when=move || { count > 1 }>
                <div class="tryon__thumbs" role="group" aria-label=w.t(Key::ResultsTitle)>
                    {results.iter().enumerate().map(|(i, url)| {
                        let alt = alt.clone();
                        view! {
                            <button class="tryon__thumb-button" aria-pressed=move || (selected.get() == i).to_string() on:click=move |_| selected.set(i)>
                                <img src=url.clone() alt=alt(i + 1) />
                            </button>
                        }
                    }).collect_view()}
                </div>
            </Show>
            <div class="tryon__actions">
                <a class="tryon__secondary" part="secondary-button" data-testid="tryon-download" href=current target="_blank" rel="noopener" download="try-on.png">
                    {w.t(Key::Download)}
                </a>
                <button class="tryon__secondary" part="secondary-button" data-testid="tryon-again" on:click=move |_| w.submit()>{w.t(Key::TryAgain)}</button>
                <button class="tryon__primary" part="primary-button" data-testid="tryon-another" on:click=move |_| w.start_over()>{w.t(Key::TryAnotherPhoto)}</button>
            </div>
        </div>
    }
}
