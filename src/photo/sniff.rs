//! What a file is, from its first bytes: names and MIME types lie (a PNG called
//! `.jpg`, an iPhone HEIC sent as `application/octet-stream`). The table is the
//! contract crate's, the one the gateway reads uploads with too.

pub use tryon_protocol::{sniff, ImageFormat as PhotoFormat};
