//! The result pictures: tiny valid images of the kind asked for, served by the fake's
//! own CDN path (`/cdn/{id}/{n}.{ext}`) or inlined as data URLs.

use base64::Engine as _;

/// A picture format a fake hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    /// From an `output_format` value the fakes accept.
    pub(crate) fn from_format(format: &str) -> Option<Self> {
        match format {
            "png" => Some(ImageKind::Png),
            "jpeg" => Some(ImageKind::Jpeg),
            _ => None,
        }
    }

    /// The file extension in CDN URLs.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }

    /// The kind a CDN file extension names.
    pub(crate) fn from_extension(extension: &str) -> Option<Self> {
        [ImageKind::Png, ImageKind::Jpeg, ImageKind::Webp]
            .into_iter()
            .find(|kind| kind.extension() == extension)
    }

    /// Its `Content-Type`.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    /// An 8×12 (2:3, as the model's pictures) single-colour picture of this kind.
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            ImageKind::Png => include_bytes!("../assets/result.png"),
            ImageKind::Jpeg => include_bytes!("../assets/result.jpg"),
            ImageKind::Webp => include_bytes!("../assets/result.webp"),
        }
    }

    /// The picture as a data URL (FASHN's `return_base64`).
    pub(crate) fn data_url(self) -> String {
        format!(
            "data:{};base64,{}",
            self.mime(),
            base64::engine::general_purpose::STANDARD.encode(self.bytes())
        )
    }
}
