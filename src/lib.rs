//! The virtual try-on widget: a Leptos (CSR) component compiled to WebAssembly.
//!
//! At this stage the widget mounts a placeholder that shows the try-on contract it
//! speaks; capture, photo preparation and results come next (see the issues).

use leptos::prelude::*;
use tryon_protocol::{Mode, PROCESSING_HEIGHT, PROCESSING_WIDTH};

/// The try-on widget as it stands: a card that names the product and what it will do.
#[component]
pub fn TryOnWidget(
    /// The product's name, shown on the card.
    #[prop(into)]
    product_name: String,
) -> impl IntoView {
    let (open, set_open) = signal(false);
    let (typical, _) = Mode::default().typical_seconds();
    view! {
        <section class="tryon" data-testid="tryon-widget">
            <h2>{product_name}</h2>
            <button data-testid="tryon-open" on:click=move |_| set_open.update(|o| *o = !*o)>
                "Try it on"
            </button>
            <Show when=move || open.get()>
                <p data-testid="tryon-status">
                    {format!(
                        "Your photo is prepared at {PROCESSING_WIDTH}×{PROCESSING_HEIGHT}; a try-on takes about {typical:.0} s."
                    )}
                </p>
            </Show>
        </section>
    }
}
