//! Decoding an image from its bytes: the format comes from the magic bytes, never
//! from a name or a declared type, and EXIF orientation is applied.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::Role;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormatGuess {
    /// A format the gateway decodes.
    Supported(ImageFormat),
    /// A known image format the gateway does not decode (its name).
    Unsupported(&'static str),
    /// Not a known image format.
    Unknown,
}

/// Identifies a file by its magic bytes.
pub fn sniff(bytes: &[u8]) -> ImageFormatGuess {
    use ImageFormatGuess::*;
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Supported(ImageFormat::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Supported(ImageFormat::Png),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => {
            Supported(ImageFormat::WebP)
        }
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] if brand.len() >= 4 => match &brand[..4] {
            b"avif" | b"avis" => Unsupported("AVIF"),
            _ => Unsupported("HEIC"),
        },
        [b'G', b'I', b'F', b'8', ..] => Unsupported("GIF"),
        [b'B', b'M', ..] => Unsupported("BMP"),
        [b'I', b'I', 0x2A, 0, ..] | [b'M', b'M', 0, 0x2A, ..] => Unsupported("TIFF"),
        _ => Unknown,
    }
}

/// Largest side accepted, in pixels: bigger is a decompression bomb, not a photo.
const MAX_SIDE: u32 = 12_000;

/// Decodes `bytes` as the `role` image, applying EXIF orientation, or says why not.
pub fn decode_image(role: Role, bytes: &[u8]) -> Result<DynamicImage, String> {
    let what = role.words();
    let format = match sniff(bytes) {
        ImageFormatGuess::Supported(f) => f,
        guess => return Err(unreadable(what, guess, bytes.is_empty())),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(1 << 30);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let broken = |e: image::ImageError| {
        format!("The {what} could not be decoded ({e}): the file may be truncated or damaged.")
    };
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(broken)?;
    decoded.apply_orientation(orientation);
    Ok(decoded)
}

/// Why bytes that are not a supported image cannot be read, in words.
fn unreadable(what: &str, guess: ImageFormatGuess, empty: bool) -> String {
    match guess {
        _ if empty => format!("The {what} is empty."),
        ImageFormatGuess::Unsupported(name) => {
            format!("The {what} is {name}, which cannot be read here: send JPEG, PNG or WebP.")
        }
        _ => format!(
            "The {what} is not an image (its bytes match no image format): send JPEG, PNG or WebP."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_bytes() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            ImageFormatGuess::Supported(ImageFormat::Jpeg)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n...."),
            ImageFormatGuess::Supported(ImageFormat::Png)
        );
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            ImageFormatGuess::Supported(ImageFormat::WebP)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0"),
            ImageFormatGuess::Unsupported("HEIC")
        );
        assert_eq!(sniff(b"<html>"), ImageFormatGuess::Unknown);
    }

    #[test]
    fn says_what_went_wrong() {
        assert!(decode_image(Role::Model, b"")
            .unwrap_err()
            .contains("empty"));
        assert!(decode_image(Role::Garment, b"<html></html>")
            .unwrap_err()
            .contains("not an image"));
        let truncated = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        assert!(decode_image(Role::Model, &truncated)
            .unwrap_err()
            .contains("could not be decoded"));
    }
}
