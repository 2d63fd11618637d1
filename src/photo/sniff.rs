//! What a file is, from its first bytes: names and MIME types lie (a PNG called
//! `.jpg`, an iPhone HEIC sent as `application/octet-stream`).

/// The format of a photo file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// GIF.
    Gif,
    /// BMP.
    Bmp,
    /// AVIF (decoded by current browsers).
    Avif,
    /// HEIC/HEIF (only Safari decodes it).
    Heic,
    /// Not an image format we know.
    Unknown,
}

impl PhotoFormat {
    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "JPEG",
            PhotoFormat::Png => "PNG",
            PhotoFormat::Webp => "WebP",
            PhotoFormat::Gif => "GIF",
            PhotoFormat::Bmp => "BMP",
            PhotoFormat::Avif => "AVIF",
            PhotoFormat::Heic => "HEIC",
            PhotoFormat::Unknown => "unknown",
        }
    }
}

/// Identifies a photo by its magic bytes (the first 16 are enough).
pub fn sniff(bytes: &[u8]) -> PhotoFormat {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => PhotoFormat::Jpeg,
        [0x89, b'P', b'N', b'G', ..] => PhotoFormat::Png,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => PhotoFormat::Webp,
        [b'G', b'I', b'F', b'8', ..] => PhotoFormat::Gif,
        [b'B', b'M', ..] => PhotoFormat::Bmp,
        [_, _, _, _, b'f', b't', b'y', b'p', a, b, c, d, ..] => match &[*a, *b, *c, *d] {
            b"avif" | b"avis" => PhotoFormat::Avif,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                PhotoFormat::Heic
            }
            _ => PhotoFormat::Unknown,
        },
        _ => PhotoFormat::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), PhotoFormat::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), PhotoFormat::Png);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), PhotoFormat::Heic);
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), PhotoFormat::Avif);
        assert_eq!(sniff(b"hello"), PhotoFormat::Unknown);
    }
}
