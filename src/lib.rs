//! The virtual try-on widget: a Leptos (CSR) component compiled to WebAssembly.
//!
//! A shopper gives a photo (file, drop, paste or camera), frames it 2:3, and sees the
//! garment on themselves inline. The photo is prepared in the browser (orientation,
//! crop, 864×1296 JPEG); a short-lived session token from the merchant's gateway
//! authorises the try-on; results, progress and every failure are shown in place.

// `x.max(lo).min(hi)` rather than `f64::clamp`: clamp's assertion formats floats,
// which links Rust's float printing into the wasm (about 5 KB brotli, measured).
#![allow(clippy::manual_clamp)]

pub mod attempt;
pub mod camera;
pub mod crash;
pub mod dom;
pub mod events;
pub mod failure;
pub mod flow;
pub mod i18n;
pub mod job;
pub mod keep;
pub mod mount;
pub mod net;
pub mod options;
pub mod photo;
pub mod precheck;
pub mod remembered;
pub mod session;
pub mod tasks;
pub mod ui;

pub use options::WidgetOptions;
pub use ui::TryOnWidget;
