//! The submit request (`POST /api/v1/tryon/clothes`) and its field-precise validation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::image_input::ImageInput;
use crate::options::{Category, GarmentPhotoType, Mode, ModerationLevel, OutputFormat};

/// The largest `num_samples` the contract allows.
pub const MAX_NUM_SAMPLES: u8 = 4;

/// Every field a submit request may carry, in the contract's order.
pub const REQUEST_FIELDS: &[&str] = &[
    "model_image",
    "garment_image",
    "category",
    "segmentation_free",
    "moderation_level",
    "garment_photo_type",
    "mode",
    "seed",
    "num_samples",
    "output_format",
];

/// A request that names the field at fault and says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The field at fault, as named on the wire (`None` for the body as a whole).
    pub field: Option<String>,
    /// What was wrong and what to do.
    pub message: String,
}

impl ValidationError {
    fn field(field: &str, message: impl Into<String>) -> Self {
        ValidationError {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    fn body(message: impl Into<String>) -> Self {
        ValidationError {
            field: None,
            message: message.into(),
        }
    }
}

/// A try-on job: the shopper's photo, the garment, and the eight options with the
/// contract's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryOnRequest {
    /// Photo of the person who tries the garment on (URL or data URL).
    pub model_image: String,
    /// The garment to put on `model_image` (URL or data URL).
    pub garment_image: String,
    /// Garment type; `auto` by default.
    #[serde(default)]
    pub category: Category,
    /// Fit without segmenting the old clothing; `true` by default.
    #[serde(default = "default_segmentation_free")]
    pub segmentation_free: bool,
    /// Content screening of the garment; `permissive` by default.
    #[serde(default)]
    pub moderation_level: ModerationLevel,
    /// How the garment was photographed; `auto` by default.
    #[serde(default)]
    pub garment_photo_type: GarmentPhotoType,
    /// Speed/quality trade-off; `balanced` by default.
    #[serde(default)]
    pub mode: Mode,
    /// Random seed, 0 … 2^32−1; `42` by default.
    #[serde(default = "default_seed")]
    pub seed: u32,
    /// Images to generate, 1 … 4; `1` by default.
    #[serde(default = "default_num_samples")]
    pub num_samples: u8,
    /// Format of the results; `png` by default.
    #[serde(default)]
    pub output_format: OutputFormat,
}

fn default_segmentation_free() -> bool {
    true
}
fn default_seed() -> u32 {
    42
}
fn default_num_samples() -> u8 {
    1
}

impl TryOnRequest {
    /// A request for these two images with every option at the contract's default.
    pub fn new(model_image: impl Into<String>, garment_image: impl Into<String>) -> Self {
        TryOnRequest {
            model_image: model_image.into(),
            garment_image: garment_image.into(),
            category: Category::default(),
            segmentation_free: default_segmentation_free(),
            moderation_level: ModerationLevel::default(),
            garment_photo_type: GarmentPhotoType::default(),
            mode: Mode::default(),
            seed: default_seed(),
            num_samples: default_num_samples(),
            output_format: OutputFormat::default(),
        }
    }

    /// Parses and validates a JSON body, reporting the first field at fault with a
    /// message that names it and the accepted values.
    pub fn from_json(body: &[u8]) -> Result<Self, ValidationError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ValidationError::body(format!("the body is not valid JSON: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(ValidationError::body(
                "the body must be a JSON object with `model_image` and `garment_image`",
            ));
        };
        Self::from_fields(fields)
    }

    /// Validates an already parsed JSON object. The images move out of it rather than
    /// being copied: a photo as a data URL weighs hundreds of kilobytes.
    pub fn from_fields(mut fields: Map<String, Value>) -> Result<Self, ValidationError> {
        if let Some(unknown) = fields
            .keys()
            .find(|k| !REQUEST_FIELDS.contains(&k.as_str()))
        {
            return Err(ValidationError::field(
                unknown,
                format!(
                    "`{unknown}` is not a field of this API: use {}",
                    REQUEST_FIELDS.join(", ")
                ),
            ));
        }
        let mut request = TryOnRequest::new(
            required_image(&mut fields, "model_image")?,
            required_image(&mut fields, "garment_image")?,
        );
        let fields = &fields;
        if let Some(v) = present(fields, "category") {
            request.category = named(v, "category")?;
        }
        if let Some(v) = present(fields, "segmentation_free") {
            request.segmentation_free = v.as_bool().ok_or_else(|| {
                ValidationError::field(
                    "segmentation_free",
                    format!("`segmentation_free` must be true or false, not {v}"),
                )
            })?;
        }
        if let Some(v) = present(fields, "moderation_level") {
            request.moderation_level = named(v, "moderation_level")?;
        }
        if let Some(v) = present(fields, "garment_photo_type") {
            request.garment_photo_type = named(v, "garment_photo_type")?;
        }
        if let Some(v) = present(fields, "mode") {
            request.mode = named(v, "mode")?;
        }
        if let Some(v) = present(fields, "seed") {
            request.seed = integer_in(v, "seed", 0, u32::MAX as u64)? as u32;
        }
        if let Some(v) = present(fields, "num_samples") {
            request.num_samples = integer_in(v, "num_samples", 1, MAX_NUM_SAMPLES as u64)? as u8;
        }
        if let Some(v) = present(fields, "output_format") {
            request.output_format = named(v, "output_format")?;
        }
        Ok(request)
    }

    /// Checks a request built in code (e.g. by the widget) against the same rules
    /// [`TryOnRequest::from_json`] applies to a body.
    pub fn validate(&self) -> Result<(), ValidationError> {
        ImageInput::parse("model_image", &self.model_image)
            .map_err(|m| ValidationError::field("model_image", m))?;
        ImageInput::parse("garment_image", &self.garment_image)
            .map_err(|m| ValidationError::field("garment_image", m))?;
        if !(1..=MAX_NUM_SAMPLES).contains(&self.num_samples) {
            return Err(ValidationError::field(
                "num_samples",
                format!(
                    "`num_samples` must be an integer from 1 to {MAX_NUM_SAMPLES}, not {}",
                    self.num_samples
                ),
            ));
        }
        Ok(())
    }
}

/// A field that is present and not JSON `null` (`null` means "use the default").
fn present<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).filter(|v| !v.is_null())
}

fn required_image(
    fields: &mut Map<String, Value>,
    name: &'static str,
) -> Result<String, ValidationError> {
    let value = fields.remove(name).filter(|v| !v.is_null()).ok_or_else(|| {
        ValidationError::field(name, format!("`{name}` is required: give an http(s) URL or a data:image/<type>;base64,… data URL"))
    })?;
    let Value::String(text) = value else {
        return Err(ValidationError::field(
            name,
            format!(
                "`{name}` must be a string (a URL or a data URL), not {}",
                kind_of(&value)
            ),
        ));
    };
    ImageInput::parse(name, &text).map_err(|m| ValidationError::field(name, m))?;
    Ok(if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_owned()
    })
}

fn named<T>(value: &Value, field: &'static str) -> Result<T, ValidationError>
where
    T: std::str::FromStr<Err = crate::options::UnknownValue>,
{
    match value.as_str() {
        Some(s) => s.parse().map_err(|e: crate::options::UnknownValue| {
            ValidationError::field(field, e.to_string())
        }),
        None => {
            // Ask the type for its accepted names by parsing a value that cannot match.
            let accepted = "\u{0}"
                .parse::<T>()
                .err()
                .map(|e| e.accepted.join(", "))
                .unwrap_or_default();
            Err(ValidationError::field(
                field,
                format!(
                    "`{field}` must be a string, one of {accepted}; got {}",
                    kind_of(value)
                ),
            ))
        }
    }
}

fn integer_in(
    value: &Value,
    field: &'static str,
    min: u64,
    max: u64,
) -> Result<u64, ValidationError> {
    let out_of_range = || {
        ValidationError::field(
            field,
            format!("`{field}` must be an integer from {min} to {max}, not {value}"),
        )
    };
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(out_of_range()),
        },
        _ => Err(ValidationError::field(
            field,
            format!(
                "`{field}` must be an integer from {min} to {max}, not {}",
                kind_of(value)
            ),
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
