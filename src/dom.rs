//! Small helpers over the page: what the widget reads from it (the garment picture)
//! and fetches for the shopper (the sample photo).

use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::options::WidgetOptions;

/// The garment to send: the configured URL, or the `<img>` the selector names,
/// made absolute so the service can fetch it.
pub fn garment_image(options: &WidgetOptions) -> String {
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
    if raw.starts_with("data:") {
        return raw;
    }
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    web_sys::Url::new_with_base(&raw, &base)
        .map(|u| u.href())
        .unwrap_or(raw)
}

/// The bytes at a URL (also a data URL) as a blob.
pub async fn fetch_blob(url: &str) -> Option<Blob> {
    let window = web_sys::window()?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
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
