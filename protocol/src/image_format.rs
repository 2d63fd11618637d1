//! What an image file is, from its first bytes. Names, extensions and declared types
//! lie (a PNG called `.jpg`, an iPhone HEIC sent as `application/octet-stream`, a data
//! URL that says `image/png` over JPEG bytes); the widget and the gateway both look at
//! the bytes, with this one table.

/// The format of an image file, as its magic bytes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
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
    /// TIFF.
    Tiff,
    /// AVIF (current browsers decode it).
    Avif,
    /// HEIC/HEIF (only Safari decodes it).
    Heic,
    /// Not an image format we know.
    Unknown,
}

impl ImageFormat {
    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Webp => "WebP",
            ImageFormat::Gif => "GIF",
            ImageFormat::Bmp => "BMP",
            ImageFormat::Tiff => "TIFF",
            ImageFormat::Avif => "AVIF",
            ImageFormat::Heic => "HEIC",
            ImageFormat::Unknown => "unknown",
        }
    }
}

/// Identifies an image by its magic bytes (the first 16 are enough).
pub fn sniff(bytes: &[u8]) -> ImageFormat {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat::Jpeg,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => ImageFormat::Png,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => ImageFormat::Webp,
        [b'G', b'I', b'F', b'8', ..] => ImageFormat::Gif,
        [b'B', b'M', ..] => ImageFormat::Bmp,
        [b'I', b'I', 0x2A, 0, ..] | [b'M', b'M', 0, 0x2A, ..] => ImageFormat::Tiff,
        // ISO base media files: the brand says which. Other brands (MP4 video, say)
        // are not images.
        [_, _, _, _, b'f', b't', b'y', b'p', a, b, c, d, ..] => match &[*a, *b, *c, *d] {
            b"avif" | b"avis" => ImageFormat::Avif,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                ImageFormat::Heic
            }
            _ => ImageFormat::Unknown,
        },
        _ => ImageFormat::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), ImageFormat::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), ImageFormat::Png);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), ImageFormat::Webp);
        assert_eq!(sniff(b"GIF89a"), ImageFormat::Gif);
        assert_eq!(sniff(b"BM\0\0"), ImageFormat::Bmp);
        assert_eq!(sniff(b"II\x2a\0\x08\0\0\0"), ImageFormat::Tiff);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), ImageFormat::Heic);
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"), ImageFormat::Heic);
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), ImageFormat::Avif);
    }

    #[test]
    fn what_is_not_an_image_is_unknown() {
        assert_eq!(sniff(b""), ImageFormat::Unknown);
        assert_eq!(sniff(b"<html>"), ImageFormat::Unknown);
        // An MP4 video is an ISO media file too, but not an image.
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), ImageFormat::Unknown);
        // A PNG signature cut short is not trusted.
        assert_eq!(sniff(b"\x89PNG"), ImageFormat::Unknown);
        assert_eq!(sniff(b"\xFF\xD8"), ImageFormat::Unknown);
    }
}
