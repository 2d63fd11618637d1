//! The widget's plural rules, compiled in from CLDR, against the browser's own
//! `Intl.PluralRules`, for every language and every count a shopper meets (0–250,
//! and the millions).

use tryon_widget::i18n::{plural, Locale};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn plural_rules_agree_with_the_browsers() {
    let mut differ = Vec::new();
    for &locale in Locale::ALL {
        let rules = js_sys::Intl::PluralRules::new(
            &js_sys::Array::of1(&locale.tag().into()),
            &js_sys::Object::new(),
        );
        for n in (0..=250u64).chain([1_000, 1_000_000, 2_000_000]) {
            let browser = rules.select(n as f64).as_string().unwrap_or_default();
            if browser != plural(locale, n) {
                differ.push(format!(
                    "{} {n}: browser {browser}, ours {}",
                    locale.tag(),
                    plural(locale, n)
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    // The check can fail: Polish has a few/many the browser knows.
    let pl = js_sys::Intl::PluralRules::new(
        &js_sys::Array::of1(&JsValue::from("pl")),
        &js_sys::Object::new(),
    );
    assert_eq!(pl.select(5.0).as_string().as_deref(), Some("many"));
}
