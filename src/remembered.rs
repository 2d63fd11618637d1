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
