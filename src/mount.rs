//! The JS-facing entry: mount the widget on an element, isolated in a shadow root,
//! with options from a JS object or the element's `data-*` attributes.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::options::{OptionError, WidgetOptions};
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
        .or_else(|| v.as_f64().map(|n| n.to_string()))
        .or_else(|| v.as_bool().map(|b| b.to_string()))
        .unwrap_or_default()
}

/// Options from the element's `data-*` attributes (`data-garment-image`, …).
pub fn options_from_element(element: &HtmlElement) -> Result<WidgetOptions, OptionError> {
    let mut pairs = vec![];
    let attributes = element.attributes();
    for i in 0..attributes.length() {
        if let Some(a) = attributes.item(i) {
            if let Some(name) = a.name().strip_prefix("data-") {
                pairs.push((name.to_owned(), a.value()));
            }
        }
    }
    WidgetOptions::from_pairs(pairs)
}

/// A mounted widget; dropping it (or `destroy()`) removes it.
#[wasm_bindgen]
pub struct MountedWidget {
    handle: Option<leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>>,
    open: RwSignal<u32>,
    close: RwSignal<u32>,
}

#[wasm_bindgen]
impl MountedWidget {
    /// Opens the panel.
    pub fn open(&self) {
        self.open.update(|n| *n += 1);
    }

    /// Closes the panel.
    pub fn close(&self) {
        self.close.update(|n| *n += 1);
    }

    /// Removes the widget.
    pub fn destroy(&mut self) {
        self.handle.take();
    }
}

/// Mounts the widget on `host` (in an open shadow root). `options` may be
/// `undefined`, then the `data-*` attributes are read. Throws a message naming the
/// option and the accepted values when an option is wrong.
#[wasm_bindgen(js_name = mount)]
pub fn mount(host: HtmlElement, options: JsValue) -> Result<MountedWidget, JsValue> {
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
    let target: web_sys::EventTarget = host.clone().into();
    // Calls from JS arrive as counters the widget reacts to.
    let open = RwSignal::new(0u32);
    let close = RwSignal::new(0u32);
    let handle = leptos::mount::mount_to(container, move || {
        let view = view! { <TryOnWidget options=options host=target/> };
        let w = expect_context::<crate::ui::state::Widget>();
        Effect::new(move |_| {
            if open.get() > 0 {
                w.open_panel();
            }
        });
        Effect::new(move |_| {
            if close.get() > 0 {
                w.close_panel();
            }
        });
        view.into_any()
    });
    Ok(MountedWidget {
        handle: Some(handle),
        open,
        close,
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
    let url = photo::data_url(&prepared.blob).await.map_err(explain);
    prepared.release();
    url
}
