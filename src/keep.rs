//! What this tab keeps of the shopper's try-ons, so a reload, the back button or
//! coming back to the product shows the pictures the merchant paid for, or the job
//! still running, without a new job.
//!
//! In `sessionStorage` (this tab only, gone when it closes), never image bytes:
//! - `tryon.v1.tryons`: the job handles, with each one's product, when the service
//!   accepted it, and once done the result URLs (20 at most, the oldest go first);
//! - `tryon.v1.session`: the session token the handles belong to (a handle opens only
//!   for the session that made it) and when to renew it;
//! - `tryon.v1.open`: the products whose panels are open, so a reload or coming back
//!   opens them again.
//!
//! The `persistResults: false` option turns all of it off. The list's rules are pure
//! functions of [`Tryons`], tested natively; the storage calls are the thin rest.

use serde::{Deserialize, Serialize};

/// The most try-ons kept.
pub const MOST: usize = 20;

const TRYONS: &str = "tryon.v1.tryons";
const SESSION: &str = "tryon.v1.session";
const OPEN: &str = "tryon.v1.open";

/// One try-on of this tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tryon {
    /// The job handle.
    pub id: String,
    /// Which product it was (the garment picture's absolute URL).
    pub product: String,
    /// When the service accepted it (ms since the epoch, whole).
    pub at: u64,
    /// The result URLs, once done (empty while it runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
}

impl Tryon {
    /// Whether its pictures are in.
    pub fn done(&self) -> bool {
        !self.output.is_empty()
    }
}

/// This tab's try-ons, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tryons {
    /// The try-ons.
    pub items: Vec<Tryon>,
}

impl Tryons {
    /// Adds a running try-on (at most [`MOST`] are kept: the oldest go).
    pub fn running(&mut self, id: &str, product: &str, at: u64) {
        self.items.retain(|t| t.id != id);
        self.items.push(Tryon {
            id: id.to_owned(),
            product: product.to_owned(),
            at,
            output: Vec::new(),
        });
        let over = self.items.len().saturating_sub(MOST);
        self.items.drain(..over);
    }

    /// Try-on `id` is done with `output`. Pictures given inline (`data:` URLs) are
    /// image bytes, never kept: the try-on is dropped instead.
    pub fn done(&mut self, id: &str, output: &[String]) {
        if output.is_empty() || output.iter().any(|u| u.starts_with("data:")) {
            self.remove(id);
        } else if let Some(t) = self.items.iter_mut().find(|t| t.id == id) {
            t.output = output.to_vec();
        }
    }

    /// Drops try-on `id`.
    pub fn remove(&mut self, id: &str) {
        self.items.retain(|t| t.id != id);
    }

    /// The latest try-on of `product`.
    pub fn latest(&self, product: &str) -> Option<&Tryon> {
        self.items.iter().rev().find(|t| t.product == product)
    }
}

/// The session the kept handles belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptSession {
    /// The session endpoint it came from.
    pub url: String,
    /// The token.
    pub token: String,
    /// When to renew it (ms since the epoch, by this browser's clock).
    #[serde(rename = "renewAt")]
    pub renew_at: u64,
}

fn storage() -> Option<web_sys::Storage> {
    // Private modes and blocked storage throw: then nothing is kept.
    web_sys::window()?.session_storage().ok().flatten()
}

fn read<T: for<'a> Deserialize<'a>>(key: &str) -> Option<T> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

fn write(key: &str, value: &impl Serialize) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(value)) {
        // Full or refused: the try-on still works, it is only not kept.
        let _ = s.set_item(key, &json);
    }
}

/// This tab's try-ons.
pub fn tryons() -> Tryons {
    read(TRYONS).unwrap_or_default()
}

/// Changes this tab's try-ons and keeps the change.
pub fn change(edit: impl FnOnce(&mut Tryons)) {
    let mut kept = tryons();
    edit(&mut kept);
    write(TRYONS, &kept);
}

/// The session kept for the endpoint `url`.
pub fn session(url: &str) -> Option<KeptSession> {
    read::<KeptSession>(SESSION).filter(|s| s.url == url)
}

/// Keeps the session.
pub fn keep_session(session: &KeptSession) {
    write(SESSION, session);
}

/// Whether `product`'s panel was open when this tab left its page.
pub fn was_open(product: &str) -> bool {
    read::<Vec<String>>(OPEN).is_some_and(|open| open.iter().any(|p| p == product))
}

/// Notes that `product`'s panel is open, or closed.
pub fn set_open(product: &str, open: bool) {
    let mut products: Vec<String> = read(OPEN).unwrap_or_default();
    products.retain(|p| p != product);
    if open {
        products.push(product.to_owned());
    }
    // A few products at most: the latest are kept.
    let over = products.len().saturating_sub(MOST);
    products.drain(..over);
    write(OPEN, &products);
}

/// Forgets everything this tab kept ("Forget my photo").
pub fn forget_all() {
    if let Some(s) = storage() {
        for key in [TRYONS, SESSION, OPEN] {
            let _ = s.remove_item(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_try_on_is_kept_while_it_runs_and_with_its_pictures() {
        let mut kept = Tryons::default();
        kept.running("job-1", "https://shop/tee.png", 1_000);
        assert!(!kept.latest("https://shop/tee.png").unwrap().done());
        kept.done("job-1", &["https://gw/v1/results/a.png".to_owned()]);
        let t = kept.latest("https://shop/tee.png").unwrap();
        assert_eq!(t.output, ["https://gw/v1/results/a.png"]);
        assert!(kept.latest("https://shop/other.png").is_none());
        // The latest of a product wins.
        kept.running("job-2", "https://shop/tee.png", 2_000);
        assert_eq!(kept.latest("https://shop/tee.png").unwrap().id, "job-2");
        kept.remove("job-2");
        assert_eq!(kept.latest("https://shop/tee.png").unwrap().id, "job-1");
    }

    #[test]
    fn image_bytes_are_never_kept() {
        let mut kept = Tryons::default();
        kept.running("job-1", "p", 1);
        kept.done("job-1", &["data:image/png;base64,AAAA".to_owned()]);
        assert!(kept.items.is_empty());
    }

    #[test]
    fn at_most_twenty_are_kept_the_oldest_go() {
        let mut kept = Tryons::default();
        for i in 0..25 {
            kept.running(&format!("job-{i}"), "p", i);
        }
        assert_eq!(kept.items.len(), MOST);
        assert_eq!(kept.items[0].id, "job-5");
    }

    #[test]
    fn the_stored_form_is_plain_json_with_whole_times() {
        let mut kept = Tryons::default();
        kept.running("job-1", "p", 1_700_000_000_123);
        let json = serde_json::to_string(&kept).unwrap();
        assert_eq!(
            json,
            r#"{"items":[{"id":"job-1","product":"p","at":1700000000123}]}"#
        );
        assert_eq!(serde_json::from_str::<Tryons>(&json).unwrap(), kept);
        // Something else under the key reads as nothing kept.
        assert!(serde_json::from_str::<Tryons>(r#"{"items":3}"#).is_err());
    }
}
