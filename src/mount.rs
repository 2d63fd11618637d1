//! The JS-facing entry: mount the widget on an element, isolated in a shadow root,
//! with options from a JS object or the element's `data-*` attributes.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::crash;
use crate::options::{OptionError, WidgetOptions};
use crate::ui::state::Widget;
use crate::ui::TryOnWidget;

/// Options from a JS object (`{garmentImage: "…", mode: "quality"}`); nested
/// `strings: {key: "text"}` overrides strings.
pub fn options_from_js(value: &JsValue) -> Result<WidgetOptions, OptionError> {
    let mut pairs = vec![];
    if value.is_object() {
        let object: &js_sys::Object = value.unchecked_ref();
        for entry in js_sys::Object::entries(object).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            let key = entry.get(0).as_string().unwrap_or_default();
            let v = entry.get(1);
            if key == "onAddToCart" {
                // The function itself is called by `AddToCartHook`; the options only
                // learn that there is one.
                let said = if v.is_function() {
                    "function".to_owned()
                } else {
                    js_text(&v)
                };
                pairs.push((key, said));
                continue;
            }
            if key == "variants" {
                // Left out like any option (`variants: product.colours` of a product
                // with none).
                if !v.is_undefined() && !v.is_null() {
                    pairs.push((key, variant_lines(&v)));
                }
                continue;
            }
            if key == "strings" && v.is_object() {
                for inner in js_sys::Object::entries(v.unchecked_ref()).iter() {
                    let inner: js_sys::Array = inner.unchecked_into();
                    pairs.push((
                        format!("strings.{}", inner.get(0).as_string().unwrap_or_default()),
                        js_text(&inner.get(1)),
                    ));
                }
            } else if !v.is_undefined() && !v.is_null() {
                pairs.push((key, js_text(&v)));
            }
        }
    }
    WidgetOptions::from_pairs(pairs)
}

fn js_text(v: &JsValue) -> String {
    v.as_string()
        // Written by JS (`String(n)`): Rust's float formatting is about 5 KB of wasm.
        .or_else(|| {
            v.as_f64()?;
            js_sys::Number::from(v.clone())
                .to_string_with_radix(10)
                .ok()
                .map(String::from)
        })
        .or_else(|| v.as_bool().map(|b| b.to_string()))
        .unwrap_or_default()
}

/// The `variants` option (`[{name, garmentImage}]`, or its JSON text) as the lines
/// `WidgetOptions::from_pairs` reads: `name⇥garmentImage` each. Anything else becomes
/// `?`, which it refuses with the option's name and the form it takes.
fn variant_lines(v: &JsValue) -> String {
    let list = match v.as_string() {
        // An empty attribute (a template with no colours) is no colours.
        Some(text) if text.trim().is_empty() => return String::new(),
        Some(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
        None => v.clone(),
    };
    if !js_sys::Array::is_array(&list) {
        return "?".into();
    }
    let mut lines = String::new();
    for item in js_sys::Array::from(&list).iter() {
        let field = |name: &str| {
            js_sys::Reflect::get(&item, &name.into())
                .ok()
                .and_then(|f| f.as_string())
                .map(|f| f.replace(['\t', '\n'], " "))
        };
        let (Some(name), Some(garment)) = (field("name"), field("garmentImage")) else {
            return "?".into();
        };
        lines.push_str(&format!("{name}\t{garment}\n"));
    }
    lines
}

/// Options from the element's `data-*` attributes (`data-garment-image`, …).
pub fn options_from_element(element: &HtmlElement) -> Result<WidgetOptions, OptionError> {
    let mut pairs = vec![];
    let attributes = element.attributes();
    for i in 0..attributes.length() {
        if let Some(a) = attributes.item(i) {
            if let Some(name) = a.name().strip_prefix("data-") {
                let value = if name == "variants" {
                    variant_lines(&a.value().into())
                } else {
                    a.value()
                };
                pairs.push((name.to_owned(), value));
            }
        }
    }
    WidgetOptions::from_pairs(pairs)
}

/// A mounted widget; dropping it (or `destroy()`) removes it.
#[wasm_bindgen]
pub struct MountedWidget {
    live: Option<LiveWidget>,
}

/// What a mounted widget holds until it is destroyed.
struct LiveWidget {
    state: Widget,
    /// Owns everything the widget created; cleaned up on destroy, which stops its
    /// tasks, aborts its requests and stops its camera.
    owner: Owner,
    view: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
    /// Keeps it on the panic hook's list.
    _crash_note: crash::Registration,
    /// The merchant's `onAddToCart`, while the widget lives.
    _add_to_cart: Option<AddToCartHook>,
}

/// The merchant's `onAddToCart` function, called with each `tryon:add-to-cart`
/// event's detail; the listener goes with the widget.
struct AddToCartHook {
    host: HtmlElement,
    listener: Closure<dyn Fn(web_sys::CustomEvent)>,
}

impl AddToCartHook {
    /// Listens on `host` for `onAddToCart` in `options`, if it is a function.
    fn new(host: &HtmlElement, options: &JsValue) -> Option<Self> {
        let hook: js_sys::Function = js_sys::Reflect::get(options, &"onAddToCart".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let listener =
            Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                // The merchant's code: whatever it throws stays out of the widget.
                let _ = hook.call1(&JsValue::NULL, &e.detail());
            });
        host.add_event_listener_with_callback(
            crate::events::WidgetEvent::AddToCart.dom_name(),
            listener.as_ref().unchecked_ref(),
        )
        .ok()?;
        Some(AddToCartHook {
            host: host.clone(),
            listener,
        })
    }
}

impl Drop for AddToCartHook {
    fn drop(&mut self) {
        let _ = self.host.remove_event_listener_with_callback(
            crate::events::WidgetEvent::AddToCart.dom_name(),
            self.listener.as_ref().unchecked_ref(),
        );
    }
}

#[wasm_bindgen]
impl MountedWidget {
    /// Opens the panel. Acts at once: `open(); close(); open()` ends open.
    pub fn open(&self) {
        if let Some(live) = &self.live {
            live.state.open_panel();
        }
    }

    /// Closes the panel (stopping a job under way).
    pub fn close(&self) {
        if let Some(live) = &self.live {
            live.state.close_panel();
        }
    }

    /// Removes the widget: its job is cancelled, its requests aborted, its camera
    /// stopped. Calls after this do nothing.
    pub fn destroy(&mut self) {
        if let Some(live) = self.live.take() {
            drop(live._crash_note);
            drop(live.view);
            live.owner.cleanup();
        }
    }

    /// For the end-to-end tests only: panics inside the widget's own async work, as a
    /// bug would, to show that the shopper gets a message and the other widgets on the
    /// page keep working.
    #[wasm_bindgen(js_name = __panicForTests)]
    pub fn panic_for_tests(&self) {
        if let Some(live) = &self.live {
            live.state.tasks.spawn(async {
                crate::net::sleep(0.0).await;
                panic!("a deliberate test panic");
            });
        }
    }
}

/// Adds a language pack (`tryon-locale-<tag>.json`: every string's key → its text)
/// for the widgets mounted after it. The loader and the npm package call it; throws
/// on a language or a key this widget does not know.
#[wasm_bindgen(js_name = addLanguage)]
pub fn add_language(tag: &str, texts: JsValue) -> Result<(), JsValue> {
    let locale = crate::i18n::Locale::parse(tag).ok_or_else(|| {
        JsValue::from_str(&format!(
            "addLanguage: `{tag}` is not a language of this widget"
        ))
    })?;
    let mut pack = std::collections::BTreeMap::new();
    for entry in js_sys::Object::entries(texts.unchecked_ref()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        if let (Some(key), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            pack.insert(key, text);
        }
    }
    crate::i18n::add_language(locale, pack).map_err(|e| JsValue::from_str(&e))
}

/// Mounts the widget on `host` (in an open shadow root). `options` may be
/// `undefined`, then the `data-*` attributes are read. Throws a message naming the
/// option and the accepted values when an option is wrong.
#[wasm_bindgen(js_name = mount)]
pub fn mount(host: HtmlElement, options: JsValue) -> Result<MountedWidget, JsValue> {
    crash::install_hook();
    let hook = options
        .is_object()
        .then(|| AddToCartHook::new(&host, &options))
        .flatten();
    let options = if options.is_undefined() || options.is_null() {
        options_from_element(&host)
    } else {
        options_from_js(&options)
    }
    // Thrown, not logged: the loader logs it, an npm caller catches it.
    .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let root = match host.shadow_root() {
        Some(r) => r,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    // The loader's placeholder button goes; the widget draws its own in its place.
    root.set_inner_html("");
    adopt_styles(&root)?;
    let container: HtmlElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("div")?
        .unchecked_into();
    root.append_child(&container)?;
    if !crate::i18n::has_language(options.locale) {
        // The pack did not arrive (or an npm caller skipped it): English rather than nothing.
        web_sys::console::warn_1(
            &format!(
                "TryOn: the {} strings are not loaded (tryon-locale-{}.json beside the widget, or the npm package's dist/locales/); showing English",
                options.locale.tag(),
                options.locale.pack_name()
            )
            .into(),
        );
    }
    let target: web_sys::EventTarget = host.clone().into();
    let message = crate::i18n::Strings::new(options.locale, options.strings.clone())
        .with_number_tag(&options.locale_tag)
        .get(crate::i18n::Key::ErrorWidget);
    // The view's own owner is a child of this one: cleaning this up disposes all.
    let owner = Owner::new();
    let state = std::rc::Rc::new(std::cell::Cell::new(None));
    let id = crash::next_id();
    let view = owner.with(|| {
        let state = state.clone();
        leptos::mount::mount_to(container.clone(), move || {
            provide_context(id);
            let view = view! { <TryOnWidget options=options host=target/> };
            state.set(use_context::<Widget>());
            view.into_any()
        })
    });
    let state = state
        .take()
        .ok_or_else(|| JsValue::from_str("the widget did not start"))?;
    Ok(MountedWidget {
        live: Some(LiveWidget {
            state,
            owner,
            view,
            _crash_note: crash::register(id, container, message),
            _add_to_cart: hook,
        }),
    })
}

thread_local! {
    /// One constructed stylesheet, shared by every widget on the page.
    static SHEET: std::cell::OnceCell<Option<JsValue>> = const { std::cell::OnceCell::new() };
}

/// Gives the shadow root the widget's stylesheet. A constructed stylesheet
/// (`adoptedStyleSheets`) needs no `'unsafe-inline'` in a Content-Security-Policy's
/// `style-src`; browsers without them get a `<style>` element.
fn adopt_styles(root: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    use js_sys::{Array, Function, Reflect};
    let sheet = SHEET.with(|cell| {
        cell.get_or_init(|| {
            let ctor = Reflect::get(&js_sys::global(), &"CSSStyleSheet".into()).ok()?;
            let sheet = Reflect::construct(ctor.dyn_ref::<Function>()?, &Array::new()).ok()?;
            let replace: Function = Reflect::get(&sheet, &"replaceSync".into())
                .ok()?
                .dyn_into()
                .ok()?;
            replace.call1(&sheet, &crate::ui::STYLES.into()).ok()?;
            Some(sheet)
        })
        .clone()
    });
    let adoptable = Reflect::has(root, &"adoptedStyleSheets".into()).unwrap_or(false);
    match sheet {
        Some(sheet) if adoptable => {
            Reflect::set(root, &"adoptedStyleSheets".into(), &Array::of1(&sheet))?;
        }
        _ => {
            let style = web_sys::window()
                .unwrap()
                .document()
                .unwrap()
                .create_element("style")?;
            style.set_text_content(Some(crate::ui::STYLES));
            root.append_child(&style)?;
        }
    }
    Ok(())
}

/// Prepares a photo for the try-on API without the widget's UI: orientation, the
/// largest centred 2:3 frame, 864×1296 (never upscaled), JPEG. Resolves to the
/// `data:image/jpeg;base64,…` URL. For merchants with their own capture UI, and
/// for the benchmark.
#[wasm_bindgen(js_name = preparePhoto)]
pub async fn prepare_photo(file: web_sys::Blob) -> Result<String, JsValue> {
    use crate::photo::{self, CropFrame, PhotoError};
    let explain = |e: PhotoError| JsValue::from_str(&format!("{e:?}"));
    let decoded = photo::open_photo(&file).await.map_err(explain)?;
    let frame = CropFrame::largest_centred(decoded.width, decoded.height);
    let prepared = photo::prepare(&decoded, frame).await.map_err(explain)?;
    drop(decoded);
    photo::data_url(&prepared.blob).await.map_err(explain)
}
