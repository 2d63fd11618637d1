//! The shopper's photo: recognised by its bytes, decoded by the browser (which
//! applies EXIF orientation), framed 2:3, and prepared as the upload.

mod crop;
mod planes;
mod prepare;
mod sniff;

pub use crop::CropFrame;
pub use prepare::{
    data_url, open_bitmap, open_photo, prepare, to_jpeg, upload_pixels, DecodedPhoto, ObjectUrl,
    PhotoError, Pixels, PreparedPhoto,
};
pub use sniff::{sniff, PhotoFormat};

/// A photo whose short side is under this many pixels gets a warning.
pub const SMALL_PHOTO_SIDE: u32 = 512;
