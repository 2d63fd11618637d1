//! The two accepted forms of an image input: a public URL or a base64 data URL.

use data_url::{forgiving_base64, DataUrl};

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
    /// For a data URL, the base64 payload ([`decode_base64`] reads it); for a URL,
    /// the whole URL.
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
            // The header is read as browsers read it (the Fetch Standard's data: URL
            // processor: MIME type parsing, case, parameters); the contract is stricter
            // than browsers about the rest (base64 only, nothing but base64 after it).
            let Ok(url) = DataUrl::process(value) else {
                return Err(format!(
                    "`{field}` is a data URL without a comma: use {DATA_PREFIX_HINT}<BASE64>"
                ));
            };
            let (header, payload) = rest
                .split_once(',')
                .expect("the data URL processor found the comma");
            let Some(mime) = strip_suffix_ignore_case(header.trim_end(), ";base64") else {
                return Err(format!(
                    "`{field}` must be base64-encoded: use {DATA_PREFIX_HINT}<BASE64>"
                ));
            };
            if url.mime_type().type_ != "image" {
                // The processor reads a type it cannot parse as text/plain.
                return Err(
                    if strip_prefix_ignore_case(mime.trim(), "image").is_some() {
                        format!(
                        "`{field}` names no image type: use e.g. data:image/jpeg;base64,<BASE64>"
                    )
                    } else {
                        format!(
                        "`{field}` declares `{mime}`, which is not an image type: use {DATA_PREFIX_HINT}<BASE64>"
                    )
                    },
                );
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

/// The bytes of a data URL's base64 payload (as [`ImageInput::payload`] gives it),
/// decoded as browsers decode them (forgiving base64: line breaks and spaces are
/// skipped, padding may be left out), and the URL-safe alphabet read as well, since it
/// shows up in the wild. `Err` says what is damaged.
pub fn decode_base64(payload: &str) -> Result<Vec<u8>, String> {
    // Sized for the bytes up front: a doubling buffer would keep up to twice them
    // while the job waits.
    let mut bytes = Vec::with_capacity(payload.len() / 4 * 3 + 3);
    let mut decoder = forgiving_base64::Decoder::new(|decoded: &[u8]| {
        bytes.extend_from_slice(decoded);
        Ok::<(), std::convert::Infallible>(())
    });
    // The URL-safe alphabet is mapped to the standard one a slice at a time, not
    // in a copy of the whole payload.
    let mut standard = [0u8; 1024];
    for part in payload.as_bytes().chunks(standard.len()) {
        let standard = &mut standard[..part.len()];
        for (to, from) in standard.iter_mut().zip(part) {
            *to = match from {
                b'-' => b'+',
                b'_' => b'/',
                other => *other,
            };
        }
        decoder.feed(standard).map_err(|e| e.to_string())?;
    }
    decoder.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}

fn strip_suffix_ignore_case<'a>(value: &'a str, suffix: &str) -> Option<&'a str> {
    let start = value.len().checked_sub(suffix.len())?;
    let tail = value.get(start..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &value[..start])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_as_browsers_do_and_url_safe_too() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        // No padding, line breaks: what encoders in the wild send.
        assert_eq!(decode_base64("aGVs\r\nbG8").unwrap(), b"hello");
        // 0xFB 0xFF: `+/` in the standard alphabet, `-_` in the URL-safe one.
        assert_eq!(decode_base64("-_8").unwrap(), [0xFB, 0xFF]);
        assert_eq!(decode_base64("+/8").unwrap(), [0xFB, 0xFF]);
        // Read in slices: a payload longer than one still decodes whole.
        let long = "aGVsbG8g".repeat(1000);
        assert_eq!(decode_base64(&long).unwrap(), b"hello ".repeat(1000));
    }

    #[test]
    fn damaged_base64_says_so() {
        // One symbol left over: the payload was cut.
        assert!(decode_base64("aGVsbG8gd").unwrap_err().contains("lone"));
        assert!(decode_base64("aG=Vs")
            .unwrap_err()
            .contains("after padding"));
    }

    #[test]
    fn data_url_headers_are_read_like_browsers_read_them() {
        for ok in [
            "data:image/jpeg;base64,/9j/",
            "DATA:Image/JPEG;BASE64,/9j/",
            "data:image/jpeg;name=photo.jpg;base64,/9j/",
        ] {
            let input =
                ImageInput::parse("model_image", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!((input.kind, input.payload), (ImageKind::DataUrl, "/9j/"));
        }
        let bad = [
            ("data:image/jpeg;base64", "without a comma"),
            ("data:image/;base64,/9j/", "names no image type"),
            ("data:image;base64,/9j/", "names no image type"),
            ("data:;base64,/9j/", "not an image type"),
            ("data:image/jpeg;base64,/9j/#x", "not base64"),
        ];
        for (value, needle) in bad {
            let e = ImageInput::parse("model_image", value).unwrap_err();
            assert!(e.contains(needle), "{value}: {e}");
        }
    }
}
