//! The two accepted forms of an image input: a public URL or a base64 data URL.

/// Which form an image input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// An `http://` or `https://` URL the engine fetches.
    Url,
    /// A `data:image/<type>;base64,` URL carrying the bytes.
    DataUrl,
}

/// An image input that has passed the contract's form checks (not yet decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInput<'a> {
    /// URL or data URL.
    pub kind: ImageKind,
    /// For a data URL, the declared subtype (`jpeg`, `png`, …); empty for a URL.
    pub declared_type: &'a str,
    /// For a data URL, the base64 payload; for a URL, the whole URL.
    pub payload: &'a str,
}

const DATA_PREFIX_HINT: &str = "data:image/<type>;base64,";

impl<'a> ImageInput<'a> {
    /// Checks the form of `value` given for `field`, with a message that says how to
    /// fix it. The bytes themselves are checked by whoever decodes them.
    pub fn parse(field: &'static str, value: &'a str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err(format!(
                "`{field}` is empty: give an http(s) URL or a {DATA_PREFIX_HINT}… data URL"
            ));
        }
        if let Some(rest) = strip_prefix_ignore_case(value, "data:") {
            let Some((header, payload)) = rest.split_once(',') else {
                return Err(format!(
                    "`{field}` is a data URL without a comma: use {DATA_PREFIX_HINT}<BASE64>"
                ));
            };
            let Some(mime) = header.strip_suffix(";base64") else {
                return Err(format!(
                    "`{field}` must be base64-encoded: use {DATA_PREFIX_HINT}<BASE64>"
                ));
            };
            let Some(subtype) = strip_prefix_ignore_case(mime, "image/") else {
                return Err(format!(
                    "`{field}` declares `{mime}`, which is not an image type: use {DATA_PREFIX_HINT}<BASE64>"
                ));
            };
            if subtype.is_empty() {
                return Err(format!(
                    "`{field}` names no image type: use e.g. data:image/jpeg;base64,<BASE64>"
                ));
            }
            if payload.is_empty() {
                return Err(format!("`{field}` has an empty base64 payload"));
            }
            if let Some(bad) = payload.bytes().find(|b| !is_base64_byte(*b)) {
                return Err(format!(
                    "`{field}` has a character that is not base64 in its payload ({:?})",
                    bad as char
                ));
            }
            return Ok(ImageInput {
                kind: ImageKind::DataUrl,
                declared_type: subtype,
                payload,
            });
        }
        if let Some(rest) = strip_prefix_ignore_case(value, "https://")
            .or_else(|| strip_prefix_ignore_case(value, "http://"))
        {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            if host.is_empty() {
                return Err(format!("`{field}` is a URL without a host"));
            }
            if value.chars().any(char::is_whitespace) {
                return Err(format!(
                    "`{field}` is a URL with spaces in it: percent-encode them"
                ));
            }
            return Ok(ImageInput {
                kind: ImageKind::Url,
                declared_type: "",
                payload: value,
            });
        }
        if value.len() >= 16 && value.bytes().all(is_base64_byte) {
            return Err(format!(
                "`{field}` looks like bare base64: add the data-URL prefix, e.g. data:image/jpeg;base64,{}…",
                &value[..8]
            ));
        }
        let scheme = value
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| s.len() < 12);
        match scheme {
            Some(s) => Err(format!(
                "`{field}` uses the `{s}:` scheme: give an http(s) URL or a {DATA_PREFIX_HINT}… data URL"
            )),
            None => Err(format!("`{field}` is neither an http(s) URL nor a {DATA_PREFIX_HINT}… data URL")),
        }
    }
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

fn is_base64_byte(b: u8) -> bool {
    // Standard and URL-safe alphabets, padding, and the line breaks some encoders add.
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'\n' | b'\r')
}
