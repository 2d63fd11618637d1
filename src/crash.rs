//! When the widget itself fails (a panic, which is a bug): the panic is logged with its
//! message, the shopper of the widget that failed is told so in its panel, and the
//! other widgets on the page carry on.
//!
//! The widget builds with `panic = "abort"` (size), so a panic ends in a WebAssembly
//! trap and nothing unwinds: the hook below is the one chance to say something. It
//! touches the DOM directly, not the widget's reactive state, which may be half-way
//! through an update. Widget tasks record which widget they run for (see
//! `tasks.rs`), so the message goes to that widget only; a panic outside any task
//! marks every open panel.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::events::{detail, emit, WidgetEvent};

/// Which mounted widget a piece of work belongs to (provided as context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidgetId(pub u32);

struct Entry {
    id: WidgetId,
    container: HtmlElement,
    message: String,
}

thread_local! {
    static WIDGETS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    static RUNNING: Cell<Option<WidgetId>> = const { Cell::new(None) };
    static HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// A new widget id.
pub fn next_id() -> WidgetId {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        WidgetId(id)
    })
}

/// Keeps a widget on the list the panic hook tells; dropping it takes it off.
pub struct Registration(WidgetId);

impl Drop for Registration {
    fn drop(&mut self) {
        WIDGETS.with(|w| {
            if let Ok(mut w) = w.try_borrow_mut() {
                w.retain(|e| e.id != self.0);
            }
        });
    }
}

/// Puts the widget drawn in `container` on the list, with the `message` (in its
/// shopper's language) to show if it fails.
pub fn register(id: WidgetId, container: HtmlElement, message: String) -> Registration {
    WIDGETS.with(|w| {
        w.borrow_mut().push(Entry {
            id,
            container,
            message,
        })
    });
    Registration(id)
}

/// Marks `id` as the widget whose work runs now; returns the one before.
pub fn enter(id: Option<WidgetId>) -> Option<WidgetId> {
    RUNNING.with(|r| r.replace(id))
}

/// Installs the panic hook (once per page).
pub fn install_hook() {
    if HOOKED.with(|h| h.replace(true)) {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        // The message and the Rust location in the console, for whoever debugs it.
        console_error_panic_hook::hook(info);
        // Read and cleared: the trap skips the code that would have reset it.
        let running = RUNNING.with(|r| r.take());
        WIDGETS.with(|w| {
            if let Ok(widgets) = w.try_borrow() {
                for e in widgets.iter() {
                    if running.is_none_or(|id| id == e.id) {
                        tell_shopper(e);
                    }
                }
            }
        });
    }));
}

/// Takes the message away again (the shopper closed the panel and opens it afresh).
pub fn clear(id: WidgetId) {
    WIDGETS.with(|w| {
        let Ok(widgets) = w.try_borrow() else { return };
        for e in widgets.iter().filter(|e| e.id == id) {
            let marked = e
                .container
                .query_selector_all("[data-testid=tryon-crashed], [data-crash-hidden]");
            if let Ok(marked) = marked {
                for i in 0..marked.length() {
                    let Some(node) = marked.item(i) else { continue };
                    let el: web_sys::Element = node.unchecked_into();
                    if el.has_attribute("data-crash-hidden") {
                        let _ = el.remove_attribute("data-crash-hidden");
                    } else {
                        el.remove();
                    }
                }
            }
        }
    });
}

/// Shows the message in the widget's open panel, in place of the step, and tells the
/// merchant's analytics. The × still closes the panel; opening it again starts afresh.
fn tell_shopper(entry: &Entry) {
    let Ok(Some(panel)) = entry.container.query_selector("[data-testid=tryon-panel]") else {
        return;
    };
    if let Ok(Some(_)) = panel.query_selector("[data-testid=tryon-crashed]") {
        return;
    }
    if let Ok(steps) = panel.query_selector_all(".tryon__step") {
        for i in 0..steps.length() {
            if let Some(step) = steps.item(i) {
                let _ = step
                    .unchecked_into::<web_sys::Element>()
                    .set_attribute("hidden", "");
            }
        }
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(note) = document.create_element("p") {
        note.set_class_name("tryon__error tryon__crashed");
        let _ = note.set_attribute("role", "alert");
        let _ = note.set_attribute("data-testid", "tryon-crashed");
        note.set_text_content(Some(&entry.message));
        let _ = panel.append_child(&note);
    }
    let host = entry
        .container
        .get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .map(|root| root.host());
    if let Some(host) = host {
        emit(
            &host,
            WidgetEvent::Error,
            detail(&[
                ("name", "WidgetError".into()),
                ("message", entry.message.as_str().into()),
                ("jobId", wasm_bindgen::JsValue::NULL),
            ]),
        );
    }
}
