//! "Remember my photo": off by default. When the shopper opts in, the prepared JPEG
//! (not the original) is kept in this browser's local storage for the next product,
//! until they press "Forget my photo".

const KEY: &str = "tryon.rememberedPhoto";

fn storage() -> Option<web_sys::Storage> {
    // Private modes and blocked storage throw: then there is simply nothing to remember.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The remembered photo, as a JPEG data URL.
pub fn load() -> Option<String> {
    storage()?
        .get_item(KEY)
        .ok()
        .flatten()
        .filter(|v| v.starts_with("data:image/jpeg;base64,"))
}

/// The remembered photo as a JPEG blob. Decoded here rather than fetched: a strict
/// Content-Security-Policy (`connect-src 'self'`) blocks `fetch("data:…")`.
pub fn load_blob() -> Option<web_sys::Blob> {
    use base64::Engine as _;
    let data = load()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.strip_prefix("data:image/jpeg;base64,")?)
        .ok()?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&bytes[..]));
    let kind = web_sys::BlobPropertyBag::new();
    kind.set_type("image/jpeg");
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &kind).ok()
}

/// Remembers the photo (a JPEG data URL); false if the browser refused.
pub fn save(data_url: &str) -> bool {
    storage().is_some_and(|s| s.set_item(KEY, data_url).is_ok())
}

/// Forgets it.
pub fn forget() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
