//! Small helpers over the page: what the widget reads from it (the garment picture)
//! and fetches for the shopper (the sample photo).

use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use crate::net::AbortOnDrop;
use crate::options::WidgetOptions;

/// The garment to send: colour `variant`'s picture, else the configured URL or the
/// `<img>` the selector names, made absolute so the service can fetch it.
pub fn garment_image(options: &WidgetOptions, variant: Option<usize>) -> String {
    let chosen = variant.and_then(|i| options.variants.get(i));
    if let Some(v) = chosen {
        return absolute(&v.garment_image);
    }
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
    absolute(&raw)
}

/// `raw` as an absolute URL (data URLs as they are).
fn absolute(raw: &str) -> String {
    if raw.starts_with("data:") {
        return raw.to_owned();
    }
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    web_sys::Url::new_with_base(raw, &base)
        .map(|u| u.href())
        .unwrap_or_else(|_| raw.to_owned())
}

/// Focuses the heading of the step of the panel `inside` is in: where focus goes when
/// the control that had it is gone (a removed try-on, "Forget my photo").
pub fn focus_step_heading(inside: &web_sys::Element) {
    let heading = inside
        .closest(".tryon__panel")
        .ok()
        .flatten()
        .and_then(|p| p.query_selector("[data-step-heading]").ok().flatten());
    if let Some(h) = heading.and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = h.focus();
    }
}

/// The bytes at a URL (also a data URL) as a blob.
pub async fn fetch_blob(url: &str) -> Option<Blob> {
    let window = web_sys::window()?;
    // Ends with the task that asked (the shopper left the step or the widget).
    let abort = AbortOnDrop::default();
    let init = web_sys::RequestInit::new();
    abort.watch(&init);
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(url, &init))
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

/// `x` written with at most three decimals, for CSS (`12.5%`, `46.667vh`). Not with
/// `format!("{:.3}")`: Rust's float formatting is about 5 KB of the widget's brotli
/// size, and these are the only floats it would write.
pub fn decimal(x: f64) -> String {
    let thousandths = (x.abs() * 1000.0 + 0.5) as u64;
    let sign = if x < 0.0 && thousandths > 0 { "-" } else { "" };
    let (whole, part) = (thousandths / 1000, thousandths % 1000);
    if part == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{part:03}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_are_written_as_css_reads_them() {
        assert_eq!(decimal(12.5), "12.5");
        assert_eq!(decimal(46.666_666), "46.667");
        assert_eq!(decimal(100.0), "100");
        assert_eq!(decimal(0.0004), "0");
        assert_eq!(decimal(-3.25), "-3.25");
        assert_eq!(decimal(0.0999), "0.1");
        assert_eq!(decimal(1e-9 - 0.0), "0");
    }
}

/// How a shopper's "Share" ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// The system's share sheet took the picture.
    Shared,
    /// The shopper closed the share sheet.
    Cancelled,
    /// This browser cannot share the picture as a file: download it instead.
    CannotShare,
}

/// A picture to share, fetched ahead of the tap: Safari lets `navigator.share` run
/// only straight from the tap, not after a fetch awaited in between.
pub async fn shareable_file(url: &str, name: &str) -> Option<JsValue> {
    let blob = fetch_blob(url).await?;
    let window = web_sys::window()?;
    let file_class: js_sys::Function = js_sys::Reflect::get(&window, &"File".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &blob.type_().into()).ok()?;
    let args = js_sys::Array::of3(&js_sys::Array::of1(&blob), &name.into(), &options);
    js_sys::Reflect::construct(&file_class, &args).ok()
}

/// Whether this browser has the Web Share API for files at all (`navigator.canShare`).
pub fn can_share_files() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::get(&w.navigator(), &"canShare".into()).is_ok_and(|f| f.is_function())
    })
}

/// Shares `file` (from [`shareable_file`]) with the system's share sheet (Web Share
/// API level 2), titled `title`. Call it straight from the shopper's tap.
pub async fn share_file(file: &JsValue, title: &str) -> Shared {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Shared::CannotShare;
    };
    let call = |name: &str, data: &JsValue| -> Option<JsValue> {
        let f: js_sys::Function = js_sys::Reflect::get(&navigator, &name.into())
            .ok()?
            .dyn_into()
            .ok()?;
        f.call1(&navigator, data).ok()
    };
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"files".into(), &js_sys::Array::of1(file));
    let _ = js_sys::Reflect::set(&data, &"title".into(), &title.into());
    if call("canShare", &data).and_then(|v| v.as_bool()) != Some(true) {
        return Shared::CannotShare;
    }
    let Some(promise) = call("share", &data).and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return Shared::CannotShare;
    };
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(_) => Shared::Shared,
        Err(e) => {
            let name = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string());
            if name.as_deref() == Some("AbortError") {
                Shared::Cancelled
            } else {
                // Not allowed here (a policy, no user activation): the download instead.
                Shared::CannotShare
            }
        }
    }
}
