//! The widget in a real browser (headless Chromium through wasm-bindgen-test).

use leptos::prelude::*;
use tryon_widget::TryOnWidget;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let container = document
        .create_element("div")
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>();
    document.body().unwrap().append_child(&container).unwrap();
    container
}

async fn next_tick() {
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
async fn the_placeholder_mounts_and_opens() {
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(
        container.clone(),
        || view! { <TryOnWidget product_name="Dark tee"/> },
    );
    let heading = container.query_selector("h2").unwrap().expect("a heading");
    assert_eq!(heading.text_content().unwrap(), "Dark tee");
    assert!(container
        .query_selector("[data-testid=tryon-status]")
        .unwrap()
        .is_none());
    let button = container
        .query_selector("[data-testid=tryon-open]")
        .unwrap()
        .unwrap();
    button.unchecked_into::<web_sys::HtmlElement>().click();
    next_tick().await;
    let status = container
        .query_selector("[data-testid=tryon-status]")
        .unwrap()
        .expect("status shown after click");
    assert!(
        status.text_content().unwrap().contains("864×1296"),
        "{:?}",
        status.text_content()
    );
}
