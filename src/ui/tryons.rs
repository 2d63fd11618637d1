//! "Your try-ons": this tab's earlier results across the shop's products, to look at
//! again (no request and nothing spent: the pictures are the service's, kept by URL)
//! or to remove. Shown under the start and results steps when there is one to show.
//!
//! The list is drawn with plain DOM calls and one click listener for all its buttons,
//! not as a Leptos view per item: the list is only ever redrawn whole, and each
//! Leptos view adds generic code to the widget's size (measured in BENCHMARKS.md).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use super::state::{Step, Widget};
use crate::dom::focus_step_heading;
use crate::events::detail;
use crate::i18n::Key;
use crate::keep::Tryon;

/// The strip.
#[component]
pub fn YourTryons() -> impl IntoView {
    let w = expect_context::<Widget>();
    let items = Memo::new(move |_| match w.step.get() {
        Step::Start | Step::Results => w.tryons_to_look_at(),
        _ => Vec::new(),
    });
    let list: NodeRef<leptos::html::Ul> = NodeRef::new();
    let (tag, separator) = w.options(|o| (o.locale_tag.clone(), o.locale.list_separator()));
    // Drawn from a child after the list (built after it, so the list is there).
    let redraw = move || {
        let items = items.get();
        if let Some(list) = list.get_untracked() {
            let remove = |label: &str| w.tf(Key::RemoveTryOn, &[("item", label)]);
            draw(&list, &items, &tag, separator, &remove);
        }
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button").ok().flatten())
        else {
            return;
        };
        let Some(id) = button.get_attribute("data-job") else {
            return;
        };
        let Some(t) = items.get_untracked().into_iter().find(|t| t.id == id) else {
            return;
        };
        if button.class_list().contains("tryon__tryon-remove") {
            let index = items.get_untracked().iter().position(|t| t.id == id);
            w.forget_tryon(&id);
            refocus(list, index.unwrap_or(0) as u32);
        } else {
            w.look(&t);
        }
    };
    view! {
        <section class="tryon__tryons" aria-label=w.t(Key::YourTryOns) data-testid="tryon-tryons" hidden=move || items.with(Vec::is_empty)>
            <h3 class="tryon__subheading">{w.t(Key::YourTryOns)}</h3>
            <ul class="tryon__tryon-list" node_ref=list on:click=on_click></ul>
            {redraw}
        </section>
    }
}

/// Draws the list again: for each try-on, a button with its first picture, name and
/// time, and its ×.
fn draw(
    list: &Element,
    items: &[Tryon],
    tag: &str,
    separator: &str,
    remove_label: &dyn Fn(&str) -> String,
) {
    list.set_text_content(None);
    let Some(doc) = list.owner_document() else {
        return;
    };
    for t in items {
        let time = clock_time(t.at, tag);
        let label = if t.name.is_empty() {
            time.clone()
        } else {
            format!("{}{separator}{time}", t.name)
        };
        let look = element(&doc, "button", "tryon__tryon-look", "");
        let picture = element(&doc, "img", "", "");
        let _ = picture.set_attribute("src", &t.output[0]);
        let _ = picture.set_attribute("alt", "");
        // The merchant's names in their own direction (a Latin name in Arabic text).
        let name = element(&doc, "span", "tryon__tryon-name", &t.name);
        let _ = name.set_attribute("dir", "auto");
        let _ = look.append_with_node_3(
            &picture,
            &name,
            &element(&doc, "span", "tryon__tryon-time", &time),
        );
        let remove = element(&doc, "button", "tryon__tryon-remove", "×");
        let _ = remove.set_attribute("aria-label", &remove_label(&label));
        for (button, testid) in [(&look, "tryon-tryon"), (&remove, "tryon-tryon-remove")] {
            let _ = button.set_attribute("data-job", &t.id);
            let _ = button.set_attribute("data-testid", testid);
        }
        let item = element(&doc, "li", "tryon__tryon", "");
        let _ = item.append_with_node_2(&look, &remove);
        let _ = list.append_child(&item);
    }
}

/// A new element of `class`, holding `text`.
fn element(doc: &Document, name: &str, class: &str, text: &str) -> Element {
    let e = doc.create_element(name).expect("a standard element name");
    e.set_class_name(class);
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    e
}

/// After a removal, the list is drawn again without the try-on: focus goes to the one
/// now in its place (or the one before), else to the step's heading.
fn refocus(list: NodeRef<leptos::html::Ul>, index: u32) {
    request_animation_frame(move || {
        let Some(list) = list.try_get_untracked().flatten() else {
            return;
        };
        let looks = list.query_selector_all(".tryon__tryon-look").ok();
        let count = looks.as_ref().map_or(0, |l| l.length());
        let next = looks
            .filter(|_| count > 0)
            .and_then(|l| l.item(index.min(count - 1)))
            .and_then(|n| n.dyn_into::<HtmlElement>().ok());
        match next {
            Some(el) => {
                let _ = el.focus();
            }
            None => focus_step_heading(&list),
        }
    });
}

/// The time of day `at` (ms since the epoch) as the shopper's language writes it.
fn clock_time(at: u64, tag: &str) -> String {
    let options = detail(&[("hour", "numeric".into()), ("minute", "2-digit".into())]);
    js_sys::Date::new(&(at as f64).into())
        .to_locale_time_string_with_options(tag, &options)
        .into()
}
