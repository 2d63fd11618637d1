//! Events for the merchant's analytics, dispatched on the host element as
//! `CustomEvent`s named `tryon:<name>` that bubble and cross the shadow boundary.

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

/// The events, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetEvent {
    /// The panel opened.
    Open,
    /// A photo is framed and prepared (detail: `{width, height}`).
    PhotoReady,
    /// The photo check found problems and the shopper is advised (detail:
    /// `{problems: [{reason, …}]}`, as the gateway named them).
    Advice,
    /// A job was submitted (detail: `{jobId}`).
    Submit,
    /// Results are shown (detail: `{jobId, output: [urls]}`).
    Complete,
    /// A try-on failed (detail: `{name, message, jobId}`).
    Error,
    /// The panel closed.
    Close,
    /// A try-on this tab kept is shown again after a reload or on coming back
    /// (detail: `{jobId, status}`, `"running"` or `"completed"`).
    Restore,
    /// The shopper shared or downloaded a result (detail: `{jobId, method}`,
    /// `"share"` or `"download"`).
    Share,
    /// The shopper asked to add the product to the cart (detail: `{product, variant,
    /// jobId}`, `variant` the colour's name or `null`): the shop adds it; the widget
    /// never touches the cart.
    AddToCart,
    /// The shopper picked another colour to try on (detail: `{product, variant}`).
    Variant,
}

impl WidgetEvent {
    /// The DOM event's name.
    pub fn dom_name(self) -> &'static str {
        match self {
            WidgetEvent::Open => "tryon:open",
            WidgetEvent::PhotoReady => "tryon:photo-ready",
            WidgetEvent::Advice => "tryon:advice",
            WidgetEvent::Submit => "tryon:submit",
            WidgetEvent::Complete => "tryon:complete",
            WidgetEvent::Error => "tryon:error",
            WidgetEvent::Close => "tryon:close",
            WidgetEvent::Restore => "tryon:restore",
            WidgetEvent::Share => "tryon:share",
            WidgetEvent::AddToCart => "tryon:add-to-cart",
            WidgetEvent::Variant => "tryon:variant",
        }
    }
}

/// Builds a plain JS object from pairs.
pub fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// Dispatches `event` with `detail` on `target`.
pub fn emit(target: &EventTarget, event: WidgetEvent, detail: JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(e) = CustomEvent::new_with_event_init_dict(event.dom_name(), &init) {
        let _ = target.dispatch_event(&e);
    }
}
