//! Loading the images of a job: data URLs decoded and sniffed by their bytes, URLs
//! fetched under a time limit, a size cap, a content-type check and an address policy.
//! Every failure is an `ImageLoadError` message that says what to fix.

mod address_policy;
mod decode;
mod fetch;

pub use address_policy::{is_public, AddressPolicy};
pub use decode::decode_image;
pub use fetch::{ImageFetcher, PendingImage};

/// Which input of the request an image is, in words for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The shopper's photo (`model_image`).
    Model,
    /// The product (`garment_image`).
    Garment,
}

impl Role {
    /// "model image" or "garment image".
    pub fn words(self) -> &'static str {
        match self {
            Role::Model => "model image",
            Role::Garment => "garment image",
        }
    }

    /// The request field it comes in: `model_image` or `garment_image`.
    pub fn field(self) -> &'static str {
        match self {
            Role::Model => "model_image",
            Role::Garment => "garment_image",
        }
    }
}
