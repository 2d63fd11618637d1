//! The try-on API wire contract, in one place.
//!
//! Everything the widget sends and the gateway answers is a type here, so the two
//! cannot drift apart. So are the few rules both sides apply to what travels between
//! them: telling an image's format by its bytes ([`sniff`]) and when to call again
//! after a failure ([`retry_after`], [`Backoff`]). The contract itself is described in `docs/api.md`; this
//! crate adds the gateway's own extensions (session tokens, the `?wait=` long-poll and
//! the JSON error shape of every 4xx), marked as such.
//!
//! The crate has no async runtime and no I/O: it compiles for `wasm32-unknown-unknown`
//! and the host alike.

mod error;
mod image_format;
mod image_input;
mod options;
mod precheck;
mod quota;
mod request;
mod retry;
mod session;
mod status;

pub use error::{ApiError, ErrorBody, ErrorName};
pub use image_format::{sniff, ImageFormat};
pub use image_input::{decode_base64, ImageInput, ImageKind};
pub use options::{Category, GarmentPhotoType, Mode, ModerationLevel, OutputFormat, UnknownValue};
pub use precheck::{BodyPart, PhotoProblem, PrecheckRequest, PrecheckResponse, PRECHECK_PATH};
pub use quota::{QuotaLeft, IDEMPOTENCY_KEY, RATE_LIMIT, RATE_LIMIT_POLICY};
pub use request::{TryOnRequest, ValidationError, MAX_NUM_SAMPLES, REQUEST_FIELDS};
pub use retry::{retry_after, Backoff};
pub use session::{
    SessionResponse, LONG_POLL_MAX_SECONDS, SESSIONS_PATH, STATUS_PATH, SUBMIT_PATH,
};
pub use status::{JobStatus, StatusResponse, SubmitResponse};

/// Width of the images the model works on, in pixels (portrait 2:3).
pub const PROCESSING_WIDTH: u32 = 864;
/// Height of the images the model works on, in pixels (portrait 2:3).
pub const PROCESSING_HEIGHT: u32 = 1296;
