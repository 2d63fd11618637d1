//! Mounts the widget on the demo page (`trunk serve`).

use leptos::prelude::*;
use tryon_widget::TryOnWidget;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(|| view! { <TryOnWidget product_name="Solidus T-shirt"/> });
}
