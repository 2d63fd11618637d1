//! Decoding an image from its bytes: the format comes from the magic bytes, never
//! from a name or a declared type, and EXIF orientation is applied.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use tryon_protocol::{sniff, ImageFormat};

use super::Role;

/// The `image` crate's reader for a format the gateway decodes; `None` for the others.
fn readable(format: ImageFormat) -> Option<image::ImageFormat> {
    match format {
        ImageFormat::Jpeg => Some(image::ImageFormat::Jpeg),
        ImageFormat::Png => Some(image::ImageFormat::Png),
        ImageFormat::Webp => Some(image::ImageFormat::WebP),
        _ => None,
    }
}

/// Largest side accepted, in pixels: bigger is a decompression bomb, not a photo.
const MAX_SIDE: u32 = 12_000;

/// Decodes `bytes` as the `role` image, applying EXIF orientation, or says why not.
pub fn decode_image(role: Role, bytes: &[u8]) -> Result<DynamicImage, String> {
    let what = role.words();
    let sniffed = sniff(bytes);
    let Some(format) = readable(sniffed) else {
        return Err(unreadable(what, sniffed, bytes.is_empty()));
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
fn unreadable(what: &str, format: ImageFormat, empty: bool) -> String {
    match format {
        _ if empty => format!("The {what} is empty."),
        ImageFormat::Unknown => format!(
            "The {what} is not an image (its bytes match no image format): send JPEG, PNG or WebP."
        ),
        known => format!(
            "The {what} is {}, which cannot be read here: send JPEG, PNG or WebP.",
            known.name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_went_wrong() {
        assert!(decode_image(Role::Model, b"")
            .unwrap_err()
            .contains("empty"));
        assert!(decode_image(Role::Garment, b"<html></html>")
            .unwrap_err()
            .contains("not an image"));
        let heic = decode_image(Role::Model, b"\0\0\0\x18ftypheic\0\0\0\0").unwrap_err();
        assert!(
            heic.contains("is HEIC, which cannot be read here"),
            "{heic}"
        );
        let video = decode_image(Role::Model, b"\0\0\0\x18ftypisom\0\0\0\0").unwrap_err();
        assert!(video.contains("not an image"), "{video}");
        let truncated = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        assert!(decode_image(Role::Model, &truncated)
            .unwrap_err()
            .contains("could not be decoded"));
    }
}
