//! What this tab keeps of the shopper's try-ons, so a reload, the back button or
//! coming back to the product shows the pictures the merchant paid for, or the job
//! still running, without a new job.
//!
//! In `sessionStorage` (this tab only, gone when it closes), never image bytes:
//! - `tryon.v2.tryons`: the job handles, with each one's product, the colour tried on
//!   and the name as the shopper saw it, when the service accepted it, and once done
//!   the result URLs (20 at most, the oldest go first: the "Your try-ons" strip shows
//!   the done ones). (`v1` lines had no colour and no name: they are not read.)
//! - `tryon.v1.session`: the session token the handles belong to (a handle opens only
//!   for the session that made it) and when to renew it;
//! - `tryon.v1.open`: the products whose panels are open, so a reload or coming back
//!   opens them again.
//!
//! The `persistResults: false` option turns all of it off. The list's rules are pure
//! functions of [`Tryons`], tested natively; the storage calls are the thin rest.
//!
//! Stored as lines of tab-separated fields (a try-on, the session or a product a
//! line), not JSON: handles, URLs and tokens hold neither tabs nor line breaks, and
//! the widget then needs no JSON reader for these types (serde's derives for them
//! cost about 3 KB of the widget's brotli size).

/// The most try-ons kept.
pub const MOST: usize = 20;

const TRYONS: &str = "tryon.v2.tryons";
/// The list as an earlier version wrote it: only removed ("Forget my photo").
const TRYONS_V1: &str = "tryon.v1.tryons";
const SESSION: &str = "tryon.v1.session";
const OPEN: &str = "tryon.v1.open";

/// One try-on of this tab.
#[derive(Debug, Clone, PartialEq)]
pub struct Tryon {
    /// The job handle.
    pub id: String,
    /// Which product it was (the garment picture's absolute URL).
    pub product: String,
    /// When the service accepted it (ms since the epoch, whole).
    pub at: u64,
    /// The colour tried on (of the merchant's `variants`), if one was picked.
    pub variant: Option<usize>,
    /// The product's name as the shopper saw it (with the colour), maybe empty.
    pub name: String,
    /// The result URLs, once done (empty while it runs).
    pub output: Vec<String>,
}

/// This tab's try-ons, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tryons {
    /// The try-ons.
    pub items: Vec<Tryon>,
}

/// Whether a field can be stored without breaking the line format.
fn clean(field: &str) -> bool {
    !field.is_empty() && !field.contains(['\t', '\n'])
}

impl Tryons {
    /// Adds a running try-on of `product` in colour `variant`, called `name` (at most
    /// [`MOST`] are kept: the oldest go).
    pub fn running(
        &mut self,
        id: &str,
        product: &str,
        variant: Option<usize>,
        name: &str,
        at: u64,
    ) {
        self.items.retain(|t| t.id != id);
        self.items.push(Tryon {
            id: id.to_owned(),
            product: product.to_owned(),
            at,
            variant,
            // Tabs and line breaks would break the stored line; a name reads the same
            // with spaces.
            name: name.replace(['\t', '\n'], " "),
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

    /// The done try-ons to look at again, newest first, but for `shown` (the one on
    /// screen).
    pub fn to_look_at(&self, shown: Option<&str>) -> Vec<Tryon> {
        self.items
            .iter()
            .rev()
            .filter(|t| !t.output.is_empty() && Some(t.id.as_str()) != shown)
            .cloned()
            .collect()
    }
}

impl Tryons {
    /// As stored: `id⇥product⇥at⇥colour⇥name[⇥output…]`, a line each (the colour's
    /// number, or nothing).
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for t in &self.items {
            let at = t.at.to_string();
            let mut fields = vec![t.id.as_str(), t.product.as_str(), at.as_str()];
            fields.extend(t.output.iter().map(String::as_str));
            let variant = t.variant.map(|v| v.to_string()).unwrap_or_default();
            if fields.iter().all(|f| clean(f)) {
                fields.insert(3, &variant);
                fields.insert(4, &t.name);
                text.push_str(&fields.join("\t"));
                text.push('\n');
            }
        }
        text
    }

    /// Read back from [`Tryons::to_text`]; lines it cannot read are left out.
    pub fn from_text(text: &str) -> Tryons {
        let items = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (id, product, at) = (fields.next()?, fields.next()?, fields.next()?);
                let tryon = Tryon {
                    id: id.to_owned(),
                    product: product.to_owned(),
                    at: at.parse().ok()?,
                    variant: match fields.next()? {
                        "" => None,
                        number => Some(number.parse().ok()?),
                    },
                    name: fields.next()?.to_owned(),
                    output: fields.map(str::to_owned).collect(),
                };
                (clean(id) && clean(product)).then_some(tryon)
            })
            .collect();
        Tryons { items }
    }
}

/// The session the kept handles belong to.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptSession {
    /// The session endpoint it came from.
    pub url: String,
    /// The token.
    pub token: String,
    /// When to renew it (ms since the epoch, by this browser's clock).
    pub renew_at: u64,
}

impl KeptSession {
    /// As stored: `url⇥token⇥renewAt`.
    pub fn to_text(&self) -> String {
        format!("{}\t{}\t{}", self.url, self.token, self.renew_at)
    }

    /// Read back from [`KeptSession::to_text`].
    pub fn from_text(text: &str) -> Option<KeptSession> {
        let mut fields = text.split('\t');
        let (url, token, renew_at) = (fields.next()?, fields.next()?, fields.next()?);
        let session = KeptSession {
            url: url.to_owned(),
            token: token.to_owned(),
            renew_at: renew_at.parse().ok()?,
        };
        (clean(url) && clean(token) && fields.next().is_none()).then_some(session)
    }
}

fn storage() -> Option<web_sys::Storage> {
    // Private modes and blocked storage throw: then nothing is kept.
    web_sys::window()?.session_storage().ok().flatten()
}

fn read(key: &str) -> String {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .unwrap_or_default()
}

fn write(key: &str, value: &str) {
    if let Some(s) = storage() {
        // Full or refused: the try-on still works, it is only not kept.
        let _ = s.set_item(key, value);
    }
}

/// This tab's try-ons.
pub fn tryons() -> Tryons {
    Tryons::from_text(&read(TRYONS))
}

/// Changes this tab's try-ons and keeps the change.
pub fn change(edit: impl FnOnce(&mut Tryons)) {
    let mut kept = tryons();
    edit(&mut kept);
    write(TRYONS, &kept.to_text());
}

/// The session kept for the endpoint `url`.
pub fn session(url: &str) -> Option<KeptSession> {
    KeptSession::from_text(&read(SESSION)).filter(|s| s.url == url)
}

/// Keeps the session.
pub fn keep_session(session: &KeptSession) {
    if clean(&session.url) && clean(&session.token) {
        write(SESSION, &session.to_text());
    }
}

/// Whether `product`'s panel was open when this tab left its page.
pub fn was_open(product: &str) -> bool {
    read(OPEN).lines().any(|p| p == product)
}

/// Notes that `product`'s panel is open, or closed.
pub fn set_open(product: &str, open: bool) {
    let text = read(OPEN);
    let mut products: Vec<&str> = text.lines().filter(|p| *p != product).collect();
    if open && clean(product) {
        products.push(product);
    }
    // A few products at most: the latest are kept.
    let over = products.len().saturating_sub(MOST);
    products.drain(..over);
    write(OPEN, &products.join("\n"));
}

/// Forgets everything this tab kept ("Forget my photo").
pub fn forget_all() {
    if let Some(s) = storage() {
        for key in [TRYONS, TRYONS_V1, SESSION, OPEN] {
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
        kept.running("job-1", "https://shop/tee.png", None, "Tee", 1_000);
        assert!(kept
            .latest("https://shop/tee.png")
            .unwrap()
            .output
            .is_empty());
        kept.done("job-1", &["https://gw/v1/results/a.png".to_owned()]);
        let t = kept.latest("https://shop/tee.png").unwrap();
        assert_eq!(t.output, ["https://gw/v1/results/a.png"]);
        assert!(kept.latest("https://shop/other.png").is_none());
        // The latest of a product wins.
        kept.running("job-2", "https://shop/tee.png", None, "Tee", 2_000);
        assert_eq!(kept.latest("https://shop/tee.png").unwrap().id, "job-2");
        kept.remove("job-2");
        assert_eq!(kept.latest("https://shop/tee.png").unwrap().id, "job-1");
    }

    #[test]
    fn the_strip_shows_the_done_ones_newest_first_but_the_one_on_screen() {
        let mut kept = Tryons::default();
        for (id, product) in [("a", "tee"), ("b", "dress"), ("c", "tee")] {
            kept.running(id, product, None, "", 1);
            kept.done(id, &[format!("https://gw/{id}.png")]);
        }
        kept.running("d", "coat", None, "", 2);
        let ids = |list: Vec<Tryon>| list.into_iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(ids(kept.to_look_at(None)), ["c", "b", "a"]);
        assert_eq!(ids(kept.to_look_at(Some("b"))), ["c", "a"]);
    }

    #[test]
    fn image_bytes_are_never_kept() {
        let mut kept = Tryons::default();
        kept.running("job-1", "p", None, "", 1);
        kept.done("job-1", &["data:image/png;base64,AAAA".to_owned()]);
        assert!(kept.items.is_empty());
    }

    #[test]
    fn at_most_twenty_are_kept_the_oldest_go() {
        let mut kept = Tryons::default();
        for i in 0..25 {
            kept.running(&format!("job-{i}"), "p", None, "", i);
        }
        assert_eq!(kept.items.len(), MOST);
        assert_eq!(kept.items[0].id, "job-5");
    }

    #[test]
    fn the_stored_form_is_a_line_each_with_whole_times() {
        let mut kept = Tryons::default();
        kept.running(
            "job-1",
            "https://shop/tee.png",
            Some(2),
            "Linen\tshirt – Blue",
            1_700_000_000_123,
        );
        kept.running("job-2", "/p", None, "", 5);
        kept.done(
            "job-2",
            &["https://gw/a.png".to_owned(), "https://gw/b.png".to_owned()],
        );
        let text = kept.to_text();
        assert_eq!(
            text,
            "job-1\thttps://shop/tee.png\t1700000000123\t2\tLinen shirt – Blue\njob-2\t/p\t5\t\t\thttps://gw/a.png\thttps://gw/b.png\n"
        );
        assert_eq!(Tryons::from_text(&text), kept);
        // Lines it cannot read are left out; nothing at all is nothing kept.
        assert_eq!(Tryons::from_text("job-3\tp\tsoon\n{\"items\":3}").items, []);
        // A colour that is not a number: the line is left out.
        assert_eq!(Tryons::from_text("job-3\tp\t5\tred\tTee").items, []);
        assert_eq!(Tryons::from_text("").items, []);
        // A field that would break a line is never written.
        let mut odd = Tryons::default();
        odd.running("job\t4", "p", None, "", 1);
        assert_eq!(odd.to_text(), "");

        let session = KeptSession {
            url: "/v1/sessions".into(),
            token: "a.b.c".into(),
            renew_at: 42,
        };
        assert_eq!(KeptSession::from_text(&session.to_text()), Some(session));
        assert_eq!(KeptSession::from_text("/v1/sessions\ta.b.c"), None);
    }
}
