//! Every string the shopper reads, in fourteen languages: English, German, French,
//! Spanish, Italian, Dutch, Portuguese (Brazil's and Portugal's), Polish, Swedish,
//! Turkish, Japanese, and Arabic and Hebrew, written right to left. Each language is one file in
//! `i18n/` filling in [`Texts`]: a string left out does not compile.
//!
//! Merchants override any string by key (`strings: { startTitle: "…" }`). `{name}`
//! marks a value filled in at run time; `{n, plural, one {# try-on} other {# try-ons}}`
//! (ICU's plural syntax) picks a form by the language's plural rules (CLDR, compiled
//! in: [`plural`]), `#` being the number, written as the language writes numbers.
//!
//! The widget's WebAssembly carries English only: each other language is a small
//! pack (`tryon-locale-<name>.json`, [`Locale::pack_name`], written from these files by
//! `examples/languages.rs`) that the loader or the npm package fetches with the widget
//! and hands over ([`add_language`]) before mounting. Thirteen languages compiled in
//! would add 17 KB brotli to every shopper's download; a pack costs its own shoppers
//! about 2 KB.

use std::cell::RefCell;

use std::collections::BTreeMap;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsCast;

mod en;

/// Declares the other languages' files, compiled only in native builds (the tests,
/// the pack writer): the WebAssembly gets them as packs.
macro_rules! packed_languages {
    ($($language:ident),+) => { $( #[cfg(not(target_arch = "wasm32"))] mod $language; )+ };
}
packed_languages!(ar, de, es, fr, he, it, ja, nl, pl, pt, pt_pt, sv, tr);

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English (the fallback).
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Portuguese, as written in Brazil.
    Pt,
    /// Polish.
    Pl,
    /// Swedish.
    Sv,
    /// Turkish.
    Tr,
    /// Japanese.
    Ja,
    /// Arabic (right to left).
    Ar,
    /// Hebrew (right to left).
    He,
    /// Portuguese, as written in Portugal (and in Angola, Mozambique and the other
    /// countries that follow its norm).
    PtPt,
}

impl Locale {
    /// Every locale, in the order of [`Locale::ALL_TAGS`].
    pub const ALL: &'static [Locale] = &[
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::Es,
        Locale::It,
        Locale::Nl,
        Locale::Pt,
        Locale::Pl,
        Locale::Sv,
        Locale::Tr,
        Locale::Ja,
        Locale::Ar,
        Locale::He,
        Locale::PtPt,
    ];

    /// The language tags accepted, in order.
    pub const ALL_TAGS: &'static [&'static str] = &[
        "en", "de", "fr", "es", "it", "nl", "pt-BR", "pl", "sv", "tr", "ja", "ar", "he", "pt-PT",
    ];

    /// `de`, `de-AT`, `fr_CA`, `pt-PT`… → the locale; `None` for a language not translated.
    pub fn parse(tag: &str) -> Option<Locale> {
        let lang = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some(match lang.as_str() {
            "en" => Locale::En,
            "de" => Locale::De,
            "fr" => Locale::Fr,
            "es" => Locale::Es,
            "it" => Locale::It,
            "nl" => Locale::Nl,
            // Brazil's Portuguese, unless the region follows Portugal's norm.
            "pt" => match tag.get(3..5).map(str::to_ascii_uppercase).as_deref() {
                // CLDR's parent locales: these regions inherit pt-PT.
                Some(
                    "PT" | "AO" | "MZ" | "CV" | "GW" | "ST" | "TL" | "MO" | "CH" | "LU" | "GQ",
                ) => Locale::PtPt,
                _ => Locale::Pt,
            },
            "pl" => Locale::Pl,
            "sv" => Locale::Sv,
            "tr" => Locale::Tr,
            "ja" => Locale::Ja,
            "ar" => Locale::Ar,
            // `iw` is Hebrew's old code, still sent by some Android browsers.
            "he" | "iw" => Locale::He,
            _ => return None,
        })
    }

    /// The BCP 47 tag, for `lang` attributes and `Intl`.
    pub fn tag(self) -> &'static str {
        Self::ALL_TAGS[self as usize]
    }

    /// The name of the language's pack (`tryon-locale-<name>.json`): its language, or
    /// its whole tag where a language has two packs (`pt` is Brazil's, `pt-PT` Portugal's).
    pub fn pack_name(self) -> &'static str {
        match self {
            Locale::PtPt => "pt-PT",
            other => &other.tag()[..2],
        }
    }

    /// Whether the language is written right to left.
    pub fn is_rtl(self) -> bool {
        matches!(self, Locale::Ar | Locale::He)
    }

    /// The `dir` attribute for the widget's root.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// What separates the items of a list before its last one ("shoulders, hips and
    /// knees"): the language's own comma.
    pub fn list_separator(self) -> &'static str {
        match self {
            Locale::Ja => "、",
            Locale::Ar => "، ",
            _ => ", ",
        }
    }

    /// The built-in strings (in the WebAssembly build, English for every language:
    /// the others come as packs).
    #[cfg(target_arch = "wasm32")]
    fn texts(self) -> &'static Texts {
        &en::TEXTS
    }

    /// The built-in strings.
    #[cfg(not(target_arch = "wasm32"))]
    fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &en::TEXTS,
            Locale::De => &de::TEXTS,
            Locale::Fr => &fr::TEXTS,
            Locale::Es => &es::TEXTS,
            Locale::It => &it::TEXTS,
            Locale::Nl => &nl::TEXTS,
            Locale::Pt => &pt::TEXTS,
            Locale::Pl => &pl::TEXTS,
            Locale::Sv => &sv::TEXTS,
            Locale::Tr => &tr::TEXTS,
            Locale::Ja => &ja::TEXTS,
            Locale::Ar => &ar::TEXTS,
            Locale::He => &he::TEXTS,
            Locale::PtPt => &pt_pt::TEXTS,
        }
    }
}

thread_local! {
    /// The language packs handed over so far, by locale.
    static PACKS: RefCell<Vec<(Locale, BTreeMap<String, String>)>> = const { RefCell::new(Vec::new()) };
}

/// Adds the strings of one language (a pack: every key's name → its text) for the
/// widgets mounted from now on. Refuses a key that does not exist.
pub fn add_language(locale: Locale, texts: BTreeMap<String, String>) -> Result<(), String> {
    if let Some(wrong) = texts.keys().find(|k| Key::from_name(k).is_none()) {
        return Err(format!(
            "the {} language pack has a string `{wrong}` this widget does not know: is the pack from another version?",
            locale.tag()
        ));
    }
    PACKS.with(|packs| {
        let mut packs = packs.borrow_mut();
        packs.retain(|(l, _)| *l != locale);
        packs.push((locale, texts));
    });
    Ok(())
}

/// Whether `locale`'s strings are here: English, or a pack added.
pub fn has_language(locale: Locale) -> bool {
    cfg!(not(target_arch = "wasm32"))
        || locale == Locale::En
        || PACKS.with(|packs| packs.borrow().iter().any(|(l, _)| *l == locale))
}

/// The pack of `locale`: every key's name → its built-in text (what
/// `examples/languages.rs` writes).
pub fn pack(locale: Locale) -> BTreeMap<&'static str, &'static str> {
    Key::ALL
        .iter()
        .map(|k| (k.name(), k.text(locale)))
        .collect()
}

/// The CLDR cardinal plural category of the whole number `n` in `locale`: `zero`,
/// `one`, `two`, `few`, `many` or `other` (CLDR 46's rules for integers).
pub fn plural(locale: Locale, n: u64) -> &'static str {
    let millions = n != 0 && n.is_multiple_of(1_000_000);
    match locale {
        Locale::En | Locale::De | Locale::Nl | Locale::Sv | Locale::Tr => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
        Locale::Es | Locale::It | Locale::PtPt => match n {
            1 => "one",
            _ if millions => "many",
            _ => "other",
        },
        Locale::Fr | Locale::Pt => match n {
            0 | 1 => "one",
            _ if millions => "many",
            _ => "other",
        },
        Locale::Pl => match (n % 10, n % 100) {
            _ if n == 1 => "one",
            (2..=4, m) if !(12..=14).contains(&m) => "few",
            _ => "many",
        },
        Locale::Ja => "other",
        Locale::Ar => match (n, n % 100) {
            (0, _) => "zero",
            (1, _) => "one",
            (2, _) => "two",
            (_, 3..=10) => "few",
            (_, 11..=99) => "many",
            _ => "other",
        },
        Locale::He => match n {
            1 => "one",
            2 => "two",
            _ => "other",
        },
    }
}

macro_rules! strings {
    ($( $(#[$doc:meta])* $key:ident = $name:literal )+) => {
        /// The key of a string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $( $(#[$doc])* $key ),+ }

        /// Every string of one language, one field per [`Key`] (its name): a language
        /// file that leaves one out does not compile.
        #[allow(non_snake_case)]
        pub struct Texts { $( $(#[$doc])* pub $key: &'static str ),+ }

        impl Key {
            /// Every key, in order.
            pub const ALL: &'static [Key] = &[$(Key::$key),+];

            /// The key's name, as merchants write it.
            pub fn name(self) -> &'static str {
                match self { $(Key::$key => $name),+ }
            }

            /// The key named `name`.
            pub fn from_name(name: &str) -> Option<Key> {
                match name { $($name => Some(Key::$key),)+ _ => None }
            }

            /// Every key's name.
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|k| k.name()).collect()
            }

            /// The built-in text in `locale`.
            pub fn text(self, locale: Locale) -> &'static str {
                let texts = locale.texts();
                match self { $(Key::$key => texts.$key),+ }
            }
        }
    };
}

strings! {
    /// The button on the product page that opens the try-on (short: it sits beside
    /// "Add to cart" on phones).
    OpenButton = "openButton"
    /// Closes the widget.
    Close = "close"
    /// Heading of the first step, inviting the shopper to see the garment on
    /// themselves.
    StartTitle = "startTitle"
    /// What happens to the photo: sent only to make the picture, not kept; nothing is
    /// stored on the device unless the shopper opts in (`rememberPhoto`).
    Privacy = "privacy"
    /// Heading of the photo guidelines.
    GuidelinesTitle = "guidelinesTitle"
    /// Photo tip, an item of a bulleted list: nobody else in the photo.
    GuideOnePerson = "guideOnePerson"
    /// Photo tip, an item of a bulleted list: the shopper faces the camera.
    GuideFacing = "guideFacing"
    /// Photo tip, an item of a bulleted list: bright, even lighting.
    GuideLight = "guideLight"
    /// Photo tip, an item of a bulleted list: the body visible at least from the head
    /// to the hips.
    GuideFramed = "guideFramed"
    /// Opens the file picker.
    ChoosePhoto = "choosePhoto"
    /// Opens the camera.
    TakePhoto = "takePhoto"
    /// Below the photo buttons: a photo can also be dragged onto the panel or pasted
    /// (lowercase start: it continues the buttons).
    DropHint = "dropHint"
    /// Uses the merchant's sample photo.
    UseSamplePhoto = "useSamplePhoto"
    /// Uses the remembered photo.
    UseSavedPhoto = "useSavedPhoto"
    /// Deletes the remembered photo.
    ForgetPhoto = "forgetPhoto"
    /// Opt-in to remember the photo.
    RememberPhoto = "rememberPhoto"
    /// Camera step heading.
    CameraTitle = "cameraTitle"
    /// The loader's message when the widget's files could not be loaded (copied into
    /// embed/tryon.js at build time: the widget itself is what failed to arrive).
    LoadFailed = "loadFailed"
    /// Camera video label.
    CameraLabel = "cameraLabel"
    /// Front/back switch.
    SwitchCamera = "switchCamera"
    /// The camera's shutter button: the photo is taken 3 seconds after the press.
    Capture = "capture"
    /// Back to the previous step.
    Back = "back"
    /// The camera cannot be used; `{reason}` is one of the `camera…` reasons below, a
    /// lowercase clause shown in parentheses.
    CameraUnavailable = "cameraUnavailable"
    /// Camera reason: the page cannot use a camera (not a secure page).
    CameraNoAccess = "cameraNoAccess"
    /// Camera reason: permission refused.
    CameraRefused = "cameraRefused"
    /// Camera reason: no camera found.
    CameraNotFound = "cameraNotFound"
    /// Camera reason: another app holds it.
    CameraBusy = "cameraBusy"
    /// Camera reason: anything else.
    CameraFailed = "cameraFailed"
    /// Crop step heading.
    CropTitle = "cropTitle"
    /// How to move and resize the 2:3 frame over the photo: by dragging, or the arrow
    /// keys and the + and − keys.
    CropHint = "cropHint"
    /// Accessible name of the crop frame.
    CropFrameLabel = "cropFrameLabel"
    /// Confirms the crop.
    UsePhoto = "usePhoto"
    /// The photo has few pixels (`{width}`×`{height}`); the result may look blurry.
    /// Right to left, keep `{width}×{height}` inside U+2066 … U+2069 (left-to-right
    /// isolate), so it reads 640×960 and not 960×640.
    SmallPhoto = "smallPhoto"
    /// The photo's format (`{format}`: HEIC, AVIF) cannot be read by this browser; the
    /// iPhone settings path must use the menu names of iOS in this language.
    UnsupportedFormat = "unsupportedFormat"
    /// Not an image at all.
    NotAPhoto = "notAPhoto"
    /// Progress: upload.
    StageUploading = "stageUploading"
    /// While the try-on waits for the service to take it (others are being served).
    StageQueued = "stageQueued"
    /// While the picture of the shopper wearing the garment is being made.
    StageGenerating = "stageGenerating"
    /// The time left, counted down each second (`{seconds}`; a plural). Keep it short:
    /// it sits under a progress bar.
    Estimate = "estimate"
    /// Progress: connection lost.
    Reconnecting = "reconnecting"
    /// Stops waiting.
    Cancel = "cancel"
    /// Results heading.
    ResultsTitle = "resultsTitle"
    /// Result picture description when the merchant gave no product name.
    ResultAltUnnamed = "resultAltUnnamed"
    /// Result picture description when the merchant gave the product's name.
    ResultAlt = "resultAlt"
    /// The shopper's own photo.
    YourPhoto = "yourPhoto"
    /// Label of the slider that reveals the shopper's own photo over the result.
    Compare = "compare"
    /// Download button.
    Download = "download"
    /// Shares the result picture through the device's share sheet (a verb, on a
    /// button).
    Share = "share"
    /// Puts the product tried on in the shop's cart (a button; the shop's own words
    /// for "cart" may differ, and the merchant can override it).
    AddToCart = "addToCart"
    /// Label of the row of the product's other colours (or sizes, patterns: the
    /// merchant's `variants`), shown with a result; a tap tries the same photo on in
    /// that one.
    OtherColours = "otherColours"
    /// Heading of the shopper's earlier try-ons in this browser tab, across the
    /// shop's products.
    YourTryOns = "yourTryOns"
    /// Removes one earlier try-on from that list (an icon button's label); `{item}`
    /// is the product's name and the time, as the list shows them.
    RemoveTryOn = "removeTryOn"
    /// Start over with a new photo.
    TryAnotherPhoto = "tryAnotherPhoto"
    /// Tries the same photo again after a failure.
    TryAgain = "tryAgain"
    /// Heading of a failed try-on.
    FailedTitle = "failedTitle"
    /// PoseError.
    ErrorPose = "errorPose"
    /// ImageLoadError.
    ErrorImageLoad = "errorImageLoad"
    /// ContentModerationError.
    ErrorModeration = "errorModeration"
    /// PipelineError.
    ErrorPipeline = "errorPipeline"
    /// ThirdPartyError.
    ErrorThirdParty = "errorThirdParty"
    /// Any other failure; `{id}` is a reference to give the shop (kept as it is).
    ErrorGeneric = "errorGeneric"
    /// Waited too long.
    ErrorTimeout = "errorTimeout"
    /// A try-on kept from before a reload can no longer be shown (its job or its
    /// pictures expired on the service); the shopper tries again with a photo.
    ErrorExpired = "errorExpired"
    /// The shopper has used their try-ons for now (the gateway's `QuotaExceeded`).
    ErrorQuota = "errorQuota"
    /// The shop's try-on budget for the day is spent (`SpendingLimitReached`).
    ErrorPaused = "errorPaused"
    /// How many try-ons the shopper has left for now (`{n}`, 1 or more; a plural).
    TriesLeft = "triesLeft"
    /// No try-ons left for now; `{minutes}` until more (a plural).
    TriesNone = "triesNone"
    /// Service unreachable or refusing.
    ErrorService = "errorService"
    /// A failure before the job had an id (nothing to quote to the shop).
    ErrorGenericNoReference = "errorGenericNoReference"
    /// The widget itself failed (a bug): shown instead of the step.
    ErrorWidget = "errorWidget"
    /// Photo tips link after a PoseError.
    PhotoTips = "photoTips"
    /// Retake after a PoseError.
    Retake = "retake"
    /// Heading of the photo advice: the photo check, before the try-on, found something
    /// that keeps the garment from showing well.
    AdviceTitle = "adviceTitle"
    /// Above the advice: why it is given.
    AdviceLead = "adviceLead"
    /// Advice: nobody is in the photo.
    AdviceNoPerson = "adviceNoPerson"
    /// Advice: several people are in the photo (`{count}` of them, always 2 or more).
    AdviceSeveralPeople = "adviceSeveralPeople"
    /// Advice: parts of the body the garment covers are not in the photo (`{parts}` is
    /// a list of the body parts below, e.g. "shoulders and hips").
    AdviceNotInFrame = "adviceNotInFrame"
    /// Advice: the shopper has their back or side to the camera.
    AdviceNotFacing = "adviceNotFacing"
    /// Body part, in the list of `adviceNotInFrame`.
    BodyShoulders = "bodyShoulders"
    /// Body part, in the list of `adviceNotInFrame`.
    BodyHips = "bodyHips"
    /// Body part, in the list of `adviceNotInFrame`.
    BodyKnees = "bodyKnees"
    /// Joins the last body part to the others (`{first}`: the others, separated by ", ").
    ListAnd = "listAnd"
    /// Leaves the advice for the start, to give another photo.
    ChooseAnotherPhoto = "chooseAnotherPhoto"
    /// Goes on with the try-on despite the advice.
    TryAnyway = "tryAnyway"
}

/// The strings of one widget: its locale plus the merchant's overrides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Strings {
    locale: Option<Locale>,
    overrides: BTreeMap<String, String>,
    /// The tag numbers are written for (`ar-SA`); the locale's own when empty.
    number_tag: String,
}

impl Strings {
    /// Strings in `locale` (its pack, where one was added), with the merchant's
    /// `overrides` by key name over them.
    pub fn new(locale: Locale, overrides: BTreeMap<String, String>) -> Self {
        let mut texts = PACKS.with(|packs| {
            packs
                .borrow()
                .iter()
                .find(|(l, _)| *l == locale)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        });
        texts.extend(overrides);
        Strings {
            locale: Some(locale),
            overrides: texts,
            number_tag: String::new(),
        }
    }

    /// The same, writing numbers as `tag` (the merchant's `ar-SA`, say) does.
    pub fn with_number_tag(mut self, tag: &str) -> Self {
        self.number_tag = tag.to_owned();
        self
    }

    /// The text for `key`.
    pub fn get(&self, key: Key) -> String {
        match self.overrides.get(key.name()) {
            Some(text) => text.clone(),
            None => key.text(self.locale.unwrap_or(Locale::En)).to_owned(),
        }
    }

    /// The text for `key` with `{name}` placeholders filled in. A value that is a
    /// whole number picks the branch of a `{name, plural, …}` (or `=N`) and is
    /// written as the language writes numbers; in right-to-left languages each value
    /// but `{id}` is isolated (U+2068…U+2069), so a Latin product name keeps its own
    /// order. One pass over the text: a value is never read again as text (a product
    /// named "Tee #5" or "{count}" stays as it is).
    pub fn fill(&self, key: Key, values: &[(&str, &str)]) -> String {
        self.render(&self.get(key), values, None)
    }

    /// `template` with its placeholders and plurals filled in; `hash` is what `#`
    /// stands for (inside a plural's branch).
    fn render(&self, template: &str, values: &[(&str, &str)], hash: Option<&str>) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(at) = rest.find(|c| c == '{' || (c == '#' && hash.is_some())) {
            out.push_str(&rest[..at]);
            if rest[at..].starts_with('#') {
                out.push_str(hash.unwrap_or("#"));
                rest = &rest[at + 1..];
                continue;
            }
            let Some(end) = closing_brace(&rest[at..]) else {
                // An unmatched brace: the rest is shown as written.
                out.push_str(&rest[at..]);
                return out;
            };
            let inner = &rest[at + 1..at + end];
            rest = &rest[at + end + 1..];
            let (name, tail) = inner
                .split_once(',')
                .map_or((inner.trim(), None), |(n, t)| (n.trim(), Some(t)));
            let value = values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            match (value, tail.and_then(plural_body)) {
                (Some(value), Some(body)) => {
                    let number = value.parse::<u64>().ok();
                    let branches = plural_branches(body).map(|(b, _)| b).unwrap_or_default();
                    let exact = number.map(|n| format!("={n}"));
                    let category = number.map_or("other", |n| plural(self.locale(), n));
                    let chosen = branches
                        .iter()
                        .find(|(c, _)| Some(*c) == exact.as_deref())
                        .or_else(|| branches.iter().find(|(c, _)| *c == category))
                        .or_else(|| branches.iter().find(|(c, _)| *c == "other"))
                        .or(branches.first())
                        .map_or("", |(_, b)| *b);
                    let shown = self.shown(name, value);
                    out.push_str(&self.render(chosen, values, Some(&shown)));
                }
                (Some(value), None) if tail.is_none() => out.push_str(&self.shown(name, value)),
                // Not one of this string's values (or not a plural): as written.
                _ => {
                    out.push('{');
                    out.push_str(inner);
                    out.push('}');
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// `n` as this widget's language writes it (the countdown's digits).
    pub fn number(&self, n: u64) -> String {
        let locale = self.locale();
        format_number(
            if self.number_tag.is_empty() {
                locale.tag()
            } else {
                &self.number_tag
            },
            n,
        )
    }

    /// A value as shown: numbers as the language writes them, isolated right to left.
    fn shown(&self, name: &str, value: &str) -> String {
        let locale = self.locale();
        let text = match value.parse::<u64>() {
            Ok(n) if NUMBERS.contains(&name) => self.number(n),
            _ => value.to_owned(),
        };
        // `{id}` is a reference to copy and quote: no invisible marks in it.
        if locale.is_rtl() && name != "id" {
            format!("\u{2068}{text}\u{2069}")
        } else {
            text
        }
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.locale.unwrap_or(Locale::En)
    }
}

/// The placeholders that hold a count or a size: written as the language writes
/// numbers. (`{id}`, a job's reference, stays as it is even when it is all digits.)
const NUMBERS: &[&str] = &["n", "count", "seconds", "minutes", "width", "height"];

/// `n` as the language tagged `tag` writes it (Arabic-Indic digits for `ar-SA`, say),
/// by the browser's `Intl.NumberFormat`; plain digits outside a browser, or for a tag
/// the browser refuses.
fn format_number(tag: &str, n: u64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Array, Function, Object, Reflect};
        // Through Reflect, which returns the RangeError of a tag the browser refuses
        // (`de_DE.UTF-8`) instead of throwing it out of the render.
        let written = (|| {
            let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
            let constructor: Function = Reflect::get(&intl, &"NumberFormat".into())
                .ok()?
                .dyn_into()
                .ok()?;
            let options = Object::new();
            Reflect::set(&options, &"useGrouping".into(), &false.into()).ok()?;
            let args = Array::of2(&tag.into(), &options);
            let format = Reflect::construct(&constructor, &args).ok()?;
            let format: Function = Reflect::get(&format, &"format".into())
                .ok()?
                .dyn_into()
                .ok()?;
            format
                .call1(&wasm_bindgen::JsValue::NULL, &(n as f64).into())
                .ok()?
                .as_string()
        })();
        if let Some(text) = written {
            return text;
        }
    }
    let _ = tag;
    n.to_string()
}

/// Where the brace opening `text` closes (nested braces counted).
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// After `{name,`: the branches of a ` plural, one {…} other {…}` (any spacing).
fn plural_body(tail: &str) -> Option<&str> {
    let (kind, body) = tail.split_once(',')?;
    (kind.trim() == "plural").then_some(body)
}

/// The `category {body}` pairs of a plural's body, up to its end or its closing
/// brace, and the text after that brace.
fn plural_branches(mut s: &str) -> Option<(Vec<(&str, &str)>, &str)> {
    let mut branches = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Some((branches, s));
        }
        if let Some(after) = s.strip_prefix('}') {
            return Some((branches, after));
        }
        let open = s.find('{')?;
        let category = s[..open].trim();
        let mut depth = 0;
        let mut end = None;
        for (i, c) in s[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end?;
        branches.push((category, &s[open + 1..end]));
        s = &s[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholder names in `text`, plural ones included (`{n, plural, …}` → n).
    fn placeholders(text: &str) -> Vec<String> {
        let mut names: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|part| {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let after = &part[name.len()..];
                (!name.is_empty() && (after.starts_with('}') || after.starts_with(", plural")))
                    .then_some(name)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn every_language_has_every_placeholder_of_english_and_well_formed_plurals() {
        for key in Key::ALL {
            let en = placeholders(key.text(Locale::En));
            for &locale in Locale::ALL {
                let text = key.text(locale);
                assert!(!text.trim().is_empty(), "{key:?} {locale:?}");
                assert_eq!(placeholders(text), en, "{key:?} {locale:?}: {text}");
                // Every plural block parses, has `other`, and only the language's categories.
                let mut rest = text;
                while let Some(at) = rest.find(", plural,") {
                    let (branches, after) = plural_branches(&rest[at + ", plural,".len()..])
                        .unwrap_or_else(|| {
                            panic!("{key:?} {locale:?}: a plural that does not parse")
                        });
                    assert!(
                        branches.iter().any(|(c, _)| *c == "other"),
                        "{key:?} {locale:?}: no `other`"
                    );
                    // `other` is always allowed (ICU requires it; in Polish it is for fractions).
                    for (category, _) in branches.iter().filter(|(c, _)| *c != "other") {
                        let reachable = (0..1200u64)
                            .chain([1_000_000])
                            .any(|n| plural(locale, n) == *category);
                        assert!(
                            reachable,
                            "{key:?} {locale:?}: `{category}` is not a category of this language"
                        );
                    }
                    rest = after;
                }
            }
        }
    }

    #[test]
    fn plural_rules_follow_cldr() {
        let pl: Vec<_> = [1, 2, 4, 5, 12, 14, 21, 22, 25, 112, 122]
            .iter()
            .map(|&n| plural(Locale::Pl, n))
            .collect();
        assert_eq!(
            pl,
            ["one", "few", "few", "many", "many", "many", "many", "few", "many", "many", "few"]
        );
        let ar: Vec<_> = [0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111]
            .iter()
            .map(|&n| plural(Locale::Ar, n))
            .collect();
        assert_eq!(
            ar,
            ["zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"]
        );
        assert_eq!(
            [0, 1, 2].map(|n| plural(Locale::Fr, n)),
            ["one", "one", "other"]
        );
        assert_eq!(
            [0, 1, 2].map(|n| plural(Locale::En, n)),
            ["other", "one", "other"]
        );
        assert_eq!(
            [1, 2, 3, 10].map(|n| plural(Locale::He, n)),
            ["one", "two", "other", "other"]
        );
        assert_eq!(plural(Locale::Ja, 1), "other");
        // Zero is `one` in Brazil's Portuguese, `other` in Portugal's.
        assert_eq!(
            [0, 1, 2].map(|n| plural(Locale::Pt, n)),
            ["one", "one", "other"]
        );
        assert_eq!(
            [0, 1, 2, 1_000_000].map(|n| plural(Locale::PtPt, n)),
            ["other", "one", "other", "many"]
        );
    }

    #[test]
    fn portuguese_has_two_packs_picked_by_region() {
        for tag in ["pt", "pt-BR", "pt_br", "pt-US", "pt-Latn"] {
            assert_eq!(Locale::parse(tag), Some(Locale::Pt), "{tag}");
        }
        for tag in [
            "pt-PT", "pt_pt", "pt-AO", "pt-MZ", "pt-CV", "pt-GW", "pt-ST", "pt-TL", "pt-MO",
            "pt-CH", "pt-LU", "pt-GQ",
        ] {
            assert_eq!(Locale::parse(tag), Some(Locale::PtPt), "{tag}");
        }
        assert_eq!(Locale::Pt.pack_name(), "pt");
        assert_eq!(Locale::PtPt.pack_name(), "pt-PT");
        assert_eq!(Locale::De.pack_name(), "de");
        // The two differ where Portugal and Brazil write differently.
        assert_eq!(Locale::Pt.texts().ChoosePhoto, "Escolher uma foto");
        assert_eq!(Locale::PtPt.texts().ChoosePhoto, "Escolher uma fotografia");
    }

    #[test]
    fn plurals_pick_the_language_form() {
        let pl = Strings::new(Locale::Pl, BTreeMap::new());
        assert!(pl
            .fill(Key::TriesLeft, &[("n", "1")])
            .contains("1 przymiarka"));
        assert!(pl
            .fill(Key::TriesLeft, &[("n", "3")])
            .contains("3 przymiarki"));
        assert!(pl
            .fill(Key::TriesLeft, &[("n", "5")])
            .contains("5 przymiarek"));
        let en = Strings::new(Locale::En, BTreeMap::new());
        assert_eq!(
            en.fill(Key::TriesLeft, &[("n", "1")]),
            "1 try-on left for now"
        );
        assert_eq!(
            en.fill(Key::TriesLeft, &[("n", "3")]),
            "3 try-ons left for now"
        );
        assert_eq!(
            en.fill(Key::Estimate, &[("seconds", "7")]),
            "About 7 s left"
        );
        // A merchant's override may use the syntax too.
        let mut o = BTreeMap::new();
        o.insert(
            "triesLeft".to_owned(),
            "{n, plural, one {Last one!} other {# more}}".to_owned(),
        );
        let s = Strings::new(Locale::En, o);
        assert_eq!(s.fill(Key::TriesLeft, &[("n", "1")]), "Last one!");
        assert_eq!(s.fill(Key::TriesLeft, &[("n", "4")]), "4 more");
    }

    #[test]
    fn a_pack_stands_in_for_the_built_in_texts_and_overrides_win() {
        let mut pack: BTreeMap<String, String> = super::pack(Locale::It)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        pack.insert("close".to_owned(), "Chiudi ora".to_owned());
        add_language(Locale::It, pack).unwrap();
        let mut o = BTreeMap::new();
        o.insert("openButton".to_owned(), "Provalo adesso".to_owned());
        let s = Strings::new(Locale::It, o);
        assert_eq!(s.get(Key::Close), "Chiudi ora");
        assert_eq!(s.get(Key::OpenButton), "Provalo adesso");
        let mut wrong = BTreeMap::new();
        wrong.insert("noSuchKey".to_owned(), "x".to_owned());
        let e = add_language(Locale::Sv, wrong).unwrap_err();
        assert!(e.contains("noSuchKey"), "{e}");
    }

    #[test]
    fn values_are_filled_once_and_plurals_parse_loosely() {
        let mut o = BTreeMap::new();
        o.insert(
            "resultAlt".to_owned(),
            "{product}: {n,plural,=1{first}other{# of {count}}}".to_owned(),
        );
        o.insert(
            "triesLeft".to_owned(),
            "{ n , plural , one {# left} }".to_owned(),
        );
        let s = Strings::new(Locale::En, o);
        // A value is not read again: "#5" and "{count}" in a product name stay.
        assert_eq!(
            s.fill(
                Key::ResultAlt,
                &[("product", "Tee #5 {count}"), ("n", "1"), ("count", "2")]
            ),
            "Tee #5 {count}: first"
        );
        assert_eq!(
            s.fill(
                Key::ResultAlt,
                &[("product", "Tee"), ("n", "2"), ("count", "3")]
            ),
            "Tee: 2 of 3"
        );
        // No `other`: the first branch rather than nothing.
        assert_eq!(s.fill(Key::TriesLeft, &[("n", "4")]), "4 left");
        // A malformed plural is shown as written, not lost.
        let mut o = BTreeMap::new();
        o.insert(
            "triesLeft".to_owned(),
            "{n, plural, one {# left}".to_owned(),
        );
        let s = Strings::new(Locale::En, o);
        assert_eq!(
            s.fill(Key::TriesLeft, &[("n", "1")]),
            "{n, plural, one {# left}"
        );
        // The reference is never isolated (it is copied and quoted).
        let he = Strings::new(Locale::He, BTreeMap::new());
        assert!(!he
            .fill(Key::ErrorGeneric, &[("id", "job-123")])
            .contains('\u{2068}'));
    }

    #[test]
    fn right_to_left_values_are_isolated() {
        let he = Strings::new(Locale::He, BTreeMap::new());
        let text = he.fill(
            Key::ResultAlt,
            &[("product", "Solidus T-shirt"), ("n", "1"), ("count", "2")],
        );
        assert!(text.contains("\u{2068}Solidus T-shirt\u{2069}"), "{text}");
        // A size reads left to right as a whole: each number isolated on its own would
        // be laid out right to left, 960×640.
        for locale in [Locale::He, Locale::Ar] {
            let text = Strings::new(locale, BTreeMap::new())
                .fill(Key::SmallPhoto, &[("width", "640"), ("height", "960")]);
            assert!(
                text.contains("\u{2066}\u{2068}640\u{2069}×\u{2068}960\u{2069}\u{2069}"),
                "{locale:?}: {text:?}"
            );
        }
        assert_eq!(Locale::He.dir(), "rtl");
        assert_eq!(Locale::Ja.dir(), "ltr");
    }

    #[test]
    fn overrides_win_and_placeholders_fill() {
        let mut o = BTreeMap::new();
        o.insert("openButton".to_owned(), "Virtuell anprobieren".to_owned());
        let s = Strings::new(Locale::De, o);
        assert_eq!(s.get(Key::OpenButton), "Virtuell anprobieren");
        assert_eq!(s.get(Key::Close), "Schließen");
        assert_eq!(s.fill(Key::Estimate, &[("seconds", "7")]), "Noch etwa 7 s");
        assert_eq!(Locale::parse("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::parse("pt-BR"), Some(Locale::Pt));
        assert_eq!(Locale::parse("iw"), Some(Locale::He));
        assert_eq!(Locale::parse("ko"), None);
        for &locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.tag()), Some(locale));
        }
    }
}
