//! Reading a submit's fields as the providers do: required images, values from a
//! list, integers in a range, booleans and strings, each refused with its name.

use serde_json::Value;

/// Reads an image field: required, and a URL or a data URL (bare base64 is refused, as
/// both providers document the `data:` prefix).
pub(crate) fn image_field(body: &Value, name: &str) -> Result<String, String> {
    match body.get(name) {
        None | Some(Value::Null) => Err(format!("{name} is required.")),
        Some(Value::String(s))
            if s.starts_with("http://") || s.starts_with("https://") || s.starts_with("data:") =>
        {
            Ok(s.clone())
        }
        Some(_) => Err(format!(
            "{name} must be an image URL or a data URL with its prefix."
        )),
    }
}

/// Reads an optional field that takes one of `values`; returns the one given or `default`.
pub(crate) fn one_of<'a>(
    body: &'a Value,
    name: &str,
    values: &[&'a str],
    default: &'a str,
) -> Result<&'a str, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if values.contains(&s.as_str()) => Ok(s),
        Some(_) => Err(format!("{name} must be one of {}.", values.join(", "))),
    }
}

/// Reads an optional integer field within `range`.
pub(crate) fn integer(
    body: &Value,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
            format!(
                "{name} must be an integer from {} to {}.",
                range.start(),
                range.end()
            )
        }),
    }
}

/// Reads an optional boolean field.
pub(crate) fn boolean(body: &Value, name: &str, default: bool) -> Result<bool, String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{name} must be true or false.")),
    }
}

/// Reads an optional string field.
pub(crate) fn text(body: &Value, name: &str) -> Result<(), String> {
    match body.get(name) {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(format!("{name} must be a string.")),
    }
}
