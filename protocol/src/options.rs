//! The optional parameters of a try-on request whose values are a closed set of names.

use std::fmt;
use std::str::FromStr;

/// A value that is not one of an option's accepted names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {option}: use one of {}", accepted.join(", "))]
pub struct UnknownValue {
    /// The option's name on the wire, e.g. `category`.
    pub option: &'static str,
    /// What was given.
    pub value: String,
    /// Every accepted name, in the contract's order.
    pub accepted: &'static [&'static str],
}

/// Declares an option whose wire form is one of a fixed list of names, with its
/// default, `FromStr`, `Display` and serde that all use exactly those names.
macro_rules! wire_names {
    (
        $(#[$doc:meta])* $name:ident, option = $option:literal, default = $default:ident,
        { $( $(#[$vdoc:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vdoc])* $variant ),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in the contract's order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];
            /// The option's name on the wire.
            pub const OPTION: &'static str = $option;

            /// The name this value has on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl Default for $name {
            fn default() -> Self { $name::$default }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue { option: $option, value: s.to_owned(), accepted: Self::NAMES }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_names! {
    /// What kind of garment is tried on, which decides the body region it covers.
    Category, option = "category", default = Auto, {
        /// Classified from the garment photo.
        Auto = "auto",
        /// Upper body.
        Tops = "tops",
        /// Lower body.
        Bottoms = "bottoms",
        /// Dresses, jumpsuits and full outfits.
        OnePieces = "one-pieces",
    }
}

wire_names! {
    /// How strictly the garment image is screened for revealing content.
    ModerationLevel, option = "moderation_level", default = Permissive, {
        /// Blocks underwear, swimwear and revealing outfits.
        Conservative = "conservative",
        /// Blocks explicit nudity only.
        Permissive = "permissive",
        /// No moderation: the caller stays responsible for lawful use.
        None = "none",
    }
}

wire_names! {
    /// How the garment was photographed.
    GarmentPhotoType, option = "garment_photo_type", default = Auto, {
        /// Detected from the photo.
        Auto = "auto",
        /// Flat-lay or ghost-mannequin photo.
        FlatLay = "flat-lay",
        /// Worn by a person.
        Model = "model",
    }
}

wire_names! {
    /// The speed/quality trade-off of a run.
    Mode, option = "mode", default = Balanced, {
        /// About 6 s.
        Performance = "performance",
        /// About 9 s.
        Balanced = "balanced",
        /// 12–18 s, depending on the input resolution.
        Quality = "quality",
    }
}

impl Mode {
    /// The contract's typical processing time for this mode, in seconds, as a range
    /// (`quality` depends on the input resolution).
    pub fn typical_seconds(self) -> (f64, f64) {
        match self {
            Mode::Performance => (6.0, 6.0),
            Mode::Balanced => (9.0, 9.0),
            Mode::Quality => (12.0, 18.0),
        }
    }
}

wire_names! {
    /// The image format of the results.
    OutputFormat, option = "output_format", default = Png, {
        /// Best quality.
        Png = "png",
        /// Smaller and faster.
        Jpeg = "jpeg",
    }
}

impl OutputFormat {
    /// The media type of results in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Png => "image/png",
            OutputFormat::Jpeg => "image/jpeg",
        }
    }

    /// The file extension of results in this format.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpg",
        }
    }

    /// The format whose results carry this extension.
    pub fn from_extension(extension: &str) -> Option<OutputFormat> {
        [OutputFormat::Png, OutputFormat::Jpeg]
            .into_iter()
            .find(|f| f.extension() == extension)
    }
}
