//! Results inline: the pictures, a before/after comparison with the shopper's photo,
//! downloads, and the ways to go on.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlImageElement;

use super::state::{Flow, Widget};
use crate::dom::{can_share_files, share_file, shareable_file, Shared};
use crate::events::{detail, WidgetEvent};
use crate::i18n::Key;
use crate::net::{back_online, sleep};
use crate::tasks::Tasks;
use tryon_protocol::OutputFormat;

/// The results step.
#[component]
pub fn ResultsStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let Some((results, photo, job_id, own)) = w.flow_untracked(|f| match f {
        Flow::Results {
            output,
            photo,
            job_id,
            own,
            ..
        } => Some((output.clone(), photo.clone(), job_id.clone(), *own)),
        _ => None,
    }) else {
        return ().into_any();
    };
    let count = results.len();
    // Said when few try-ons are left; at none, instead of buttons that would fail.
    let (can_go_on, left_note) = w.tries_left_note();
    let selected = RwSignal::new(0usize);
    // The result first; the slider reveals the shopper's own photo from the left.
    let split = RwSignal::new(0u32);
    let product = w.options(|o| o.product_name.clone());
    let format = w.options(|o| o.output_format);
    // Pictures kept from before a reload come without the shopper's photo: no
    // comparison then.
    let before = photo.map(|p| p.object_url.as_str().to_owned());
    let restored = before.is_none();
    // Copy, so the error handler below stays `Copy` for every picture.
    let job_id = StoredValue::new(job_id);
    let all = results.clone();
    let current = move || all.get(selected.get()).cloned().unwrap_or_default();
    let alt = move |n: usize| {
        let (n, count) = (n.to_string(), count.to_string());
        if product.is_empty() {
            w.tf(Key::ResultAltUnnamed, &[("n", &n), ("count", &count)])
        } else {
            w.tf(
                Key::ResultAlt,
                &[("product", &product), ("n", &n), ("count", &count)],
            )
        }
    };
    let download_name = {
        let all = results.clone();
        move || {
            let url = all.get(selected.get()).cloned().unwrap_or_default();
            format!("try-on.{}", extension_of(&url, format))
        }
    };
    let alt_main = alt.clone();
    // Share and add to cart: told to the merchant, with the job.
    let tell = move |event: WidgetEvent, pairs: &[(&str, wasm_bindgen::JsValue)]| {
        let mut pairs = pairs.to_vec();
        pairs.push(("jobId", job_id.get_value().into()));
        w.emit(event, detail(&pairs));
    };
    let download: NodeRef<leptos::html::A> = NodeRef::new();
    // The picture to share, fetched when it is shown: Safari shares only straight
    // from the tap, not after a fetch awaited in between.
    let can_share = can_share_files();
    let file = StoredValue::new_local(None::<wasm_bindgen::JsValue>);
    let prefetch = Tasks::for_current_owner();
    if can_share {
        let current = current.clone();
        let name = download_name.clone();
        Effect::new(move |_| {
            let (url, name) = (current(), name());
            file.set_value(None);
            prefetch.stop_all();
            prefetch.spawn(async move { file.set_value(shareable_file(&url, &name).await) });
        });
    }
    let download_instead = move || {
        if let Some(a) = download.get_untracked() {
            a.click();
        }
    };
    let share = move |_| {
        let Some(picture) = file.get_value() else {
            // Not fetched (yet, or the service does not allow it): the download.
            download_instead();
            return;
        };
        let title = w.options(|o| o.product_name.clone());
        prefetch.spawn(async move {
            match share_file(&picture, &title).await {
                Shared::Shared => tell(WidgetEvent::Share, &[("method", "share".into())]),
                Shared::Cancelled => {}
                Shared::CannotShare => download_instead(),
            }
        });
    };
    // Another product's pictures (from "Your try-ons"): not this one's cart or colours.
    let add_to_cart = own && w.options(|o| o.add_to_cart);
    let add = move |_| {
        let product = w.options(|o| o.product_name.clone());
        let variant = w.colour_name(w.result_colour());
        tell(
            WidgetEvent::AddToCart,
            &[
                ("product", product.into()),
                (
                    "variant",
                    variant.map_or(wasm_bindgen::JsValue::NULL, Into::into),
                ),
            ],
        )
    };
    // Other colours, with the same photo: only while the photo is here.
    let colours = w.options(|o| o.variants.clone());
    let shown_colour = w.result_colour();
    let colours = (own && !restored && can_go_on && !colours.is_empty()).then(|| view! {
        <div class="tryon__variants" role="group" aria-label=w.t(Key::OtherColours) data-testid="tryon-variants">
            <span class="tryon__variants-label">{w.t(Key::OtherColours)}</span>
            {colours.into_iter().enumerate().map(|(i, v)| view! {
                <button class="tryon__variant" data-testid="tryon-variant" dir="auto" aria-pressed=(shown_colour == Some(i)).to_string()
                    on:click=move |_| if shown_colour != Some(i) { w.pick_variant(i) }>
                    {v.name}
                </button>
            }).collect_view()}
        </div>
    });

    // A picture that failed to load (the connection dropped as the job finished) is
    // asked for again once the browser is online, with a growing pause, for as long as
    // the results are shown; the shopper reads that it is reconnecting meanwhile.
    let tasks = Tasks::for_current_owner();
    let reloading = RwSignal::new(false);
    let reload = move |ev: web_sys::ErrorEvent| {
        let Some(img) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlImageElement>().ok())
        else {
            return;
        };
        let tries: u32 = img
            .get_attribute("data-tries")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let _ = img.set_attribute("data-tries", &(tries + 1).to_string());
        if img.class_list().contains("tryon__result") {
            if restored && crate::net::online() {
                // Kept from before a reload, and not there while online: the
                // service let the pictures expire.
                job_id.with_value(|id| w.expired(id));
                return;
            }
            reloading.set(true);
        }
        tasks.spawn(async move {
            back_online().await;
            sleep(reload_pause_ms(tries)).await;
            // Setting the same address makes the browser fetch it again.
            img.set_src(&img.src());
        });
    };
    view! {
        <div class="tryon__step tryon__step--results" data-testid="tryon-results">
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading>{w.t(Key::ResultsTitle)}</h2>
            <figure class="tryon__compare" class:tryon__compare--waiting=move || reloading.get() style:--tryon-split=move || format!("{}%", split.get())>
                <img class="tryon__result" part="result" data-testid="tryon-result-image" src=current.clone() alt=move || alt_main(selected.get() + 1)
                    on:error=reload on:load=move |_| reloading.set(false) />
                {before.clone().map(|before| view! { <img class="tryon__before" src=before alt=w.t(Key::YourPhoto) /> })}
            </figure>
            <p class="tryon__warning" role="status" data-testid="tryon-result-reloading" hidden=move || !reloading.get()>{w.t(Key::Reconnecting)}</p>
            {(!restored).then(|| view! {
                <label class="tryon__slider">
                    <span>{w.t(Key::Compare)}</span>
                    <input type="range" min="0" max="100" data-testid="tryon-compare"
                        prop:value=move || split.get().to_string()
                        on:input=move |ev| split.set(event_target_value(&ev).parse().unwrap_or(0)) />
                </label>
            })}
            {(count > 1).then(|| view! {
                <div class="tryon__thumbs" role="group" aria-label=w.t(Key::ResultsTitle)>
                    {results.iter().enumerate().map(|(i, url)| {
                        let alt = alt.clone();
                        view! {
                            <button class="tryon__thumb-button" aria-pressed=move || (selected.get() == i).to_string() on:click=move |_| selected.set(i)>
                                <img src=url.clone() alt=alt(i + 1) on:error=reload />
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
            {colours}
            <div class="tryon__actions">
                <a class="tryon__secondary" part="secondary-button" data-testid="tryon-download" href=current target="_blank" rel="noopener" download=download_name
                    node_ref=download on:click=move |_| tell(WidgetEvent::Share, &[("method", "download".into())])>
                    {w.t(Key::Download)}
                </a>
                {can_share.then(|| view! {
                    <button class="tryon__secondary" part="secondary-button" data-testid="tryon-share" on:click=share>{w.t(Key::Share)}</button>
                })}
                {add_to_cart.then(|| view! {
                    <button class="tryon__primary" part="primary-button" data-testid="tryon-add-to-cart" on:click=add>
                        {w.t(Key::AddToCart)}
                    </button>
                })}
                {can_go_on.then(|| view! {
                    {(!restored).then(|| view! { <button class="tryon__secondary" part="secondary-button" data-testid="tryon-again" on:click=move |_| w.submit()>{w.t(Key::TryAgain)}</button> })}
                    // One primary action: adding to the cart when the shop offers it.
                    <button class=if add_to_cart { "tryon__secondary" } else { "tryon__primary" } part=if add_to_cart { "secondary-button" } else { "primary-button" }
                        data-testid="tryon-another" on:click=move |_| w.start_over()>{w.t(Key::TryAnotherPhoto)}</button>
                })}
            </div>
            {left_note.map(|note| view! { <p class="tryon__hint" role="status" data-testid="tryon-tries-left">{note}</p> })}
        </div>
    }
    .into_any()
}

/// The pause before loading a picture again after `tries` failures: 1, 2, 4, then 8 s.
fn reload_pause_ms(tries: u32) -> f64 {
    1000.0 * 2f64.powi(tries.min(3) as i32)
}

/// The file extension of a result: from a data URL's type or the URL's path, else the
/// format asked for (a JPEG result is never saved as `.png`).
fn extension_of(url: &str, asked: OutputFormat) -> &'static str {
    let lower = url.to_ascii_lowercase();
    let kind = match lower.strip_prefix("data:image/") {
        Some(rest) => rest.split([';', ',']).next().unwrap_or(""),
        None => lower
            .split(['?', '#'])
            .next()
            .and_then(|path| path.rsplit_once('.'))
            .map(|(_, ext)| ext)
            .unwrap_or(""),
    };
    match kind {
        "jpeg" | "jpg" => "jpg",
        "png" => "png",
        "webp" => "webp",
        _ => match asked {
            OutputFormat::Jpeg => "jpg",
            _ => "png",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_named_by_what_they_are() {
        assert_eq!(
            extension_of("https://cdn.example/a/0.JPEG?x=1", OutputFormat::Png),
            "jpg"
        );
        assert_eq!(
            extension_of("data:image/webp;base64,AAAA", OutputFormat::Png),
            "webp"
        );
        assert_eq!(extension_of("/v1/results/abc", OutputFormat::Jpeg), "jpg");
        assert_eq!(extension_of("/v1/results/abc", OutputFormat::Png), "png");
        assert_eq!(
            extension_of("https://x.example/out.png#frag", OutputFormat::Jpeg),
            "png"
        );
    }
}
