//! The demo page's entry (`trunk serve`): mounts a widget on every `[data-tryon]`
//! element of the page, reading its options from the `data-*` attributes.

use wasm_bindgen::JsCast;

fn main() {
    console_error_panic_hook::set_once();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a page");
    let Ok(hosts) = document.query_selector_all("[data-tryon]") else {
        return;
    };
    for i in 0..hosts.length() {
        let Some(host) = hosts
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        match tryon_widget::mount::mount(host, wasm_bindgen::JsValue::UNDEFINED) {
            // The page lives as long as the widget: keep it mounted.
            Ok(widget) => std::mem::forget(widget),
            Err(e) => web_sys::console::error_1(&e),
        }
    }
}
