//! The widget's options: one object from JS (`TryOn.mount(el, {...})`) or the
//! `data-*` attributes of the host element, checked at mount time so that a wrong
//! option fails loudly with the option's name and the accepted values.

use std::collections::BTreeMap;

use tryon_protocol::{
    Category, GarmentPhotoType, Mode, ModerationLevel, OutputFormat, TryOnRequest, MAX_NUM_SAMPLES,
};

use crate::i18n::Locale;

/// Colour scheme of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follows the shopper's system setting.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// One colour (or other variant) of the product, from the `variants` option.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Its name, on its button ("Blue").
    pub name: String,
    /// Its garment picture's URL.
    pub garment_image: String,
}

/// The most variants offered: more would not fit on a phone as buttons.
pub const MOST_VARIANTS: usize = 12;

/// Everything a merchant can set.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetOptions {
    /// Where session tokens are minted (`POST`), e.g. `/v1/sessions`.
    pub session_url: String,
    /// Base URL of the try-on API (the gateway), e.g. `""` for the page's own origin.
    pub api_base: String,
    /// The garment: an image URL or data URL.
    pub garment_image: Option<String>,
    /// A CSS selector of an `<img>` on the page to take the garment from.
    pub garment_selector: Option<String>,
    /// The product's name, for labels.
    pub product_name: String,
    /// The product's other colours: with a result shown, the shopper picks one and the
    /// same photo is tried on with its garment.
    pub variants: Vec<Variant>,
    /// A sample photo URL for visitors without a photo of their own ("Use a sample photo").
    pub sample_photo: Option<String>,
    /// Garment category.
    pub category: Category,
    /// Speed/quality trade-off.
    pub mode: Mode,
    /// Results per run.
    pub num_samples: u8,
    /// Result format.
    pub output_format: OutputFormat,
    /// How the garment was photographed.
    pub garment_photo_type: GarmentPhotoType,
    /// Fit without segmenting the old clothing.
    pub segmentation_free: bool,
    /// Show "Add to cart" with the results (`addToCart`; the npm package and
    /// `TryOn.mount` also turn an `onAddToCart` function into it).
    pub add_to_cart: bool,
    /// Keep this tab's job handles and result URLs in `sessionStorage`, so a reload
    /// shows them again (`persistResults`, on by default).
    pub persist_results: bool,
    /// Content screening.
    pub moderation_level: ModerationLevel,
    /// Random seed.
    pub seed: u32,
    /// Language of the widget.
    pub locale: Locale,
    /// The merchant's own tag for it (`ar-SA`), for writing numbers as that region
    /// does (Arabic-Indic digits in Saudi Arabia, Latin ones in plain `ar`).
    pub locale_tag: String,
    /// Colour scheme.
    pub theme: Theme,
    /// Give up waiting for a result after this many seconds.
    pub max_wait_seconds: u32,
    /// Merchant overrides of any string, by key (see `i18n::Key`).
    pub strings: BTreeMap<String, String>,
}

/// A rejected option: which one, what was given, what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// The option's name as the merchant wrote it (camelCase or data-attribute form).
    pub option: String,
    /// What was wrong and what is accepted.
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "try-on widget: option `{}`: {}",
            self.option, self.message
        )
    }
}

impl Default for WidgetOptions {
    fn default() -> Self {
        let defaults = TryOnRequest::new("", "");
        WidgetOptions {
            session_url: "/v1/sessions".into(),
            api_base: String::new(),
            garment_image: None,
            garment_selector: None,
            product_name: String::new(),
            variants: Vec::new(),
            sample_photo: None,
            category: defaults.category,
            mode: defaults.mode,
            num_samples: defaults.num_samples,
            output_format: defaults.output_format,
            garment_photo_type: defaults.garment_photo_type,
            segmentation_free: defaults.segmentation_free,
            persist_results: true,
            add_to_cart: false,
            moderation_level: defaults.moderation_level,
            seed: defaults.seed,
            locale: Locale::En,
            locale_tag: "en".to_owned(),
            theme: Theme::Auto,
            max_wait_seconds: 180,
            strings: BTreeMap::new(),
        }
    }
}

/// Every option name, in camelCase (JS) form; `data-*` attributes use kebab-case.
pub const OPTION_NAMES: &[&str] = &[
    "sessionUrl",
    "apiBase",
    "garmentImage",
    "garmentSelector",
    "productName",
    "variants",
    "samplePhoto",
    "category",
    "mode",
    "numSamples",
    "outputFormat",
    "garmentPhotoType",
    "segmentationFree",
    "persistResults",
    "addToCart",
    "onAddToCart",
    "moderationLevel",
    "seed",
    "locale",
    "theme",
    "maxWaitSeconds",
];

/// `garment-image` → `garmentImage`.
pub fn camel_case(kebab: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in kebab.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl WidgetOptions {
    /// Options from name/value pairs (camelCase or kebab-case names). Strings
    /// overrides come as `strings.<key>` or `string-<key>`. Unknown names are refused.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, OptionError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut o = WidgetOptions::default();
        for (raw_name, value) in pairs {
            let (raw_name, value) = (raw_name.as_ref(), value.as_ref().trim());
            let err = |message: String| OptionError {
                option: raw_name.to_owned(),
                message,
            };
            if let Some(key) = raw_name
                .strip_prefix("strings.")
                .or_else(|| raw_name.strip_prefix("string-"))
            {
                o.strings.insert(camel_case(key), value.to_owned());
                continue;
            }
            let name = camel_case(raw_name);
            let named = |e: tryon_protocol::UnknownValue| {
                err(format!(
                    "`{}` is not accepted: use one of {}",
                    e.value,
                    e.accepted.join(", ")
                ))
            };
            match name.as_str() {
                // The marker attribute `data-tryon` itself.
                "tryon" | "" => {}
                "sessionUrl" => o.session_url = non_empty(value).ok_or_else(|| err("must be a URL, e.g. /v1/sessions".into()))?,
                "apiBase" => o.api_base = value.trim_end_matches('/').to_owned(),
                "garmentImage" => o.garment_image = non_empty(value),
                "garmentSelector" => o.garment_selector = non_empty(value),
                "productName" => o.product_name = value.to_owned(),
                "variants" => o.variants = variants(value).ok_or_else(|| err(format!("is not accepted: give at most {MOST_VARIANTS} as [{{\"name\":\"Blue\",\"garmentImage\":\"https://…/blue.jpg\"}}, …], each with a name and a picture")))?,
                "samplePhoto" => o.sample_photo = non_empty(value),
                "category" => o.category = value.parse().map_err(named)?,
                "mode" => o.mode = value.parse().map_err(named)?,
                "outputFormat" => o.output_format = value.parse().map_err(named)?,
                "garmentPhotoType" => o.garment_photo_type = value.parse().map_err(named)?,
                "moderationLevel" => o.moderation_level = value.parse().map_err(named)?,
                "numSamples" => {
                    o.num_samples = value
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=MAX_NUM_SAMPLES).contains(n))
                        .ok_or_else(|| err(format!("`{value}` is not accepted: use a whole number from 1 to {MAX_NUM_SAMPLES}")))?
                }
                "seed" => {
                    o.seed = value
                        .parse::<u32>()
                        .map_err(|_| err(format!("`{value}` is not accepted: use a whole number from 0 to 4294967295")))?
                }
                "segmentationFree" => o.segmentation_free = boolean(value).ok_or_else(|| err(format!("`{value}` is not accepted: use true or false")))?,
                "persistResults" => o.persist_results = boolean(value).ok_or_else(|| err(format!("`{value}` is not accepted: use true or false")))?,
                "addToCart" => o.add_to_cart = boolean(value).ok_or_else(|| err(format!("`{value}` is not accepted: use true or false")))?,
                "onAddToCart" if value == "function" => o.add_to_cart = true,
                "onAddToCart" => return Err(err(format!("`{value}` is not accepted: give a function, called with {{product, jobId}}"))),
                "locale" => {
                    o.locale = Locale::parse(value).ok_or_else(|| err(format!("`{value}` is not accepted: use one of {}", Locale::ALL_TAGS.join(", "))))?;
                    // Only a well-formed tag reaches Intl (`de_DE.UTF-8` would not): else the language's own.
                    let tag = value.replace('_', "-");
                    let well_formed = tag.split('-').enumerate().all(|(i, part)| {
                        let len = part.len();
                        part.chars().all(|c| c.is_ascii_alphanumeric())
                            && if i == 0 { (2..=3).contains(&len) } else { (1..=8).contains(&len) }
                    });
                    o.locale_tag = if well_formed { tag } else { o.locale.tag().to_owned() };
                }
                "theme" => {
                    o.theme = match value {
                        "auto" => Theme::Auto,
                        "light" => Theme::Light,
                        "dark" => Theme::Dark,
                        _ => return Err(err(format!("`{value}` is not accepted: use one of auto, light, dark"))),
                    }
                }
                "maxWaitSeconds" => {
                    o.max_wait_seconds = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (10..=900).contains(n))
                        .ok_or_else(|| err(format!("`{value}` is not accepted: use a whole number of seconds from 10 to 900")))?
                }
                _ => return Err(err(format!("unknown option: the options are {}, and strings", OPTION_NAMES.join(", ")))),
            }
        }
        if o.garment_image.is_none() && o.garment_selector.is_none() {
            return Err(OptionError {
                option: "garmentImage".into(),
                message: "is required: give the garment's image URL (or garmentSelector, a CSS selector of an <img> on the page)".into(),
            });
        }
        for key in o.strings.keys() {
            if crate::i18n::Key::from_name(key).is_none() {
                return Err(OptionError {
                    option: format!("strings.{key}"),
                    message: format!(
                        "unknown string: the keys are {}",
                        crate::i18n::Key::names().join(", ")
                    ),
                });
            }
        }
        Ok(o)
    }

    /// The try-on request for a prepared photo (a data URL) and the garment (URL or data URL).
    pub fn request(&self, photo_data_url: String, garment: String) -> TryOnRequest {
        let mut r = TryOnRequest::new(photo_data_url, garment);
        r.category = self.category;
        r.mode = self.mode;
        r.num_samples = self.num_samples;
        r.output_format = self.output_format;
        r.garment_photo_type = self.garment_photo_type;
        r.segmentation_free = self.segmentation_free;
        r.moderation_level = self.moderation_level;
        r.seed = self.seed;
        r
    }
}

/// The `variants` option, as `mount` hands it over: a line per variant, its name and
/// picture apart by a tab. (The merchant gives a JS array, or its JSON in
/// `data-variants`; `mount` reads either with the browser's own JSON, so the widget
/// carries no JSON reader for it.)
fn variants(value: &str) -> Option<Vec<Variant>> {
    let list = value
        .lines()
        .map(|line| {
            let (name, garment) = line.split_once('\t')?;
            let (name, garment) = (name.trim(), garment.trim());
            (!name.is_empty() && !garment.is_empty()).then(|| Variant {
                name: name.to_owned(),
                garment_image: garment.to_owned(),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    (list.len() <= MOST_VARIANTS).then_some(list)
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn boolean(value: &str) -> Option<bool> {
    match value {
        "true" | "" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<WidgetOptions, OptionError> {
        WidgetOptions::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let o = parse(&[("garmentImage", "https://shop.example/tee.png")]).unwrap();
        assert_eq!(o.mode, Mode::Balanced);
        assert_eq!(o.num_samples, 1);
        assert_eq!(o.seed, 42);
        assert!(o.segmentation_free);
        assert_eq!(o.session_url, "/v1/sessions");
    }

    #[test]
    fn data_attribute_names_and_every_option() {
        let o = parse(&[
            ("garment-image", "https://shop.example/tee.png"),
            ("session-url", "https://shop.example/tryon/v1/sessions"),
            ("api-base", "https://shop.example/tryon/"),
            ("category", "one-pieces"),
            ("mode", "quality"),
            ("num-samples", "4"),
            ("output-format", "jpeg"),
            ("garment-photo-type", "flat-lay"),
            ("segmentation-free", "false"),
            ("moderation-level", "conservative"),
            ("seed", "4000000001"),
            ("locale", "de-DE"),
            ("theme", "dark"),
            ("string-start-title", "Anprobieren!"),
        ])
        .unwrap();
        assert_eq!(o.api_base, "https://shop.example/tryon");
        assert_eq!(o.category, Category::OnePieces);
        assert_eq!(o.num_samples, 4);
        assert_eq!(o.locale, Locale::De);
        assert_eq!(o.locale_tag, "de-DE");
        assert_eq!(o.theme, Theme::Dark);
        assert_eq!(o.strings["startTitle"], "Anprobieren!");
        let coloured = parse(&[
            ("garment-image", "tee.png"),
            ("variants", "Blue\tblue.jpg\nRed\tred.jpg\n"),
        ])
        .unwrap();
        assert_eq!(
            (
                coloured.variants.len(),
                coloured.variants[1].name.as_str(),
                coloured.variants[1].garment_image.as_str()
            ),
            (2, "Red", "red.jpg")
        );
        let r = o.request(
            "data:image/jpeg;base64,AAAA".into(),
            "https://shop.example/tee.png".into(),
        );
        assert_eq!(
            (r.seed, r.segmentation_free, r.output_format),
            (4000000001, false, OutputFormat::Jpeg)
        );
    }

    #[test]
    fn wrong_options_name_the_option_and_the_accepted_values() {
        let e = parse(&[("garmentImage", "x"), ("mode", "fast")]).unwrap_err();
        assert_eq!(e.option, "mode");
        assert!(
            e.message.contains("performance, balanced, quality"),
            "{}",
            e.message
        );
        let e = parse(&[("garmentImage", "x"), ("numSamples", "9")]).unwrap_err();
        assert!(e.message.contains("1 to 4"));
        let e = parse(&[("garmentImage", "x"), ("colour", "red")]).unwrap_err();
        assert!(e.message.contains("unknown option"));
        let e = parse(&[("mode", "quality")]).unwrap_err();
        assert_eq!(e.option, "garmentImage");
        let o = parse(&[("garmentImage", "x"), ("locale", "de_DE.UTF-8")]).unwrap();
        assert_eq!(
            (o.locale, o.locale_tag.as_str()),
            (Locale::De, "de"),
            "a tag Intl would refuse"
        );
        let o = parse(&[("garmentImage", "x"), ("locale", "ar_SA")]).unwrap();
        assert_eq!(o.locale_tag, "ar-SA");
        let e = parse(&[("garmentImage", "x"), ("locale", "xx")]).unwrap_err();
        assert!(e.message.contains("en, de, fr, es"), "{}", e.message);
        // What `mount` hands over for a list it could not read, or a variant without a
        // picture or a name.
        for wrong in ["?", "Blue", "Blue\t ", " \tb.jpg"] {
            let e = parse(&[("garmentImage", "x"), ("variants", wrong)]).unwrap_err();
            assert_eq!(e.option, "variants");
            assert!(e.message.contains("garmentImage"), "{}", e.message);
        }
        let thirteen = "C\tc.jpg\n".repeat(13);
        assert!(parse(&[("garmentImage", "x"), ("variants", &thirteen)]).is_err());
        assert!(
            parse(&[("garmentImage", "x"), ("variants", "")]).is_ok_and(|o| o.variants.is_empty())
        );
        let e = parse(&[("garmentImage", "x"), ("strings.nope", "y")]).unwrap_err();
        assert!(e.message.contains("unknown string"));
    }
}
