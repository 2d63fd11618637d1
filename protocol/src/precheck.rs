//! Gateway extension: the photo check, asked before a job (`POST /v1/precheck`).
//!
//! The widget sends the prepared photo and the garment's category; the gateway
//! answers, in well under a second, whether the photo can show that garment and,
//! if not, each problem with the shopper's way out. The verdict is advice: the
//! shopper may go on anyway. Only a photo with nobody in it is refused as a job.

use serde::{Deserialize, Serialize};

use crate::options::Category;

/// Where a browser asks for the photo check (`POST`, session token).
pub const PRECHECK_PATH: &str = "/v1/precheck";

/// The photo check's request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckRequest {
    /// The prepared photo, as the job's `model_image` (a base64 data URL or URL).
    pub model_image: String,
    /// The garment's category: which part of the body must be in the photo.
    #[serde(default)]
    pub category: Category,
}

/// A part of the body a garment needs to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyPart {
    /// Both shoulders.
    Shoulders,
    /// Both hips.
    Hips,
    /// Both knees.
    Knees,
}

impl BodyPart {
    /// The part with this wire name (its English noun), if this version knows it.
    pub fn named(name: &str) -> Option<BodyPart> {
        [BodyPart::Shoulders, BodyPart::Hips, BodyPart::Knees]
            .into_iter()
            .find(|p| p.noun() == name)
    }

    /// Its name in an English sentence (also its name on the wire).
    pub fn noun(self) -> &'static str {
        match self {
            BodyPart::Shoulders => "shoulders",
            BodyPart::Hips => "hips",
            BodyPart::Knees => "knees",
        }
    }
}

/// Something in the photo that keeps the garment from being shown well. On the wire
/// `{"reason": "not_in_frame", "parts": ["hips"]}`: read through a flat struct
/// rather than serde's internally tagged enums, whose buffering costs the widget's
/// wasm several kilobytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProblemOnTheWire", into = "ProblemOnTheWire")]
pub enum PhotoProblem {
    /// Nobody is in the photo.
    NoPerson,
    /// More than one person is in the photo.
    SeveralPeople {
        /// How many people were seen.
        count: u32,
    },
    /// The body parts the garment covers are not (all) in the photo.
    NotInFrame {
        /// The parts that are missing, from the top down.
        parts: Vec<BodyPart>,
    },
    /// The person has their back or side to the camera.
    NotFacing,
}

/// A [`PhotoProblem`] as it travels: its reason and the fields that reason has.
/// Parts travel as names, so that a part a newer gateway names does not make the
/// whole answer unreadable here.
#[derive(Serialize, Deserialize)]
struct ProblemOnTheWire {
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parts: Option<Vec<String>>,
}

impl TryFrom<ProblemOnTheWire> for PhotoProblem {
    type Error = String;
    fn try_from(wire: ProblemOnTheWire) -> Result<Self, String> {
        match (wire.reason.as_str(), wire.count, wire.parts) {
            ("no_person", ..) => Ok(PhotoProblem::NoPerson),
            ("several_people", Some(count), _) => Ok(PhotoProblem::SeveralPeople { count }),
            ("not_in_frame", _, Some(names)) => {
                // Parts this version does not know are left out; none known, no problem
                // it can describe.
                let parts: Vec<BodyPart> =
                    names.iter().filter_map(|n| BodyPart::named(n)).collect();
                if parts.is_empty() {
                    return Err("a photo problem with no body part this version knows".into());
                }
                Ok(PhotoProblem::NotInFrame { parts })
            }
            ("not_facing", ..) => Ok(PhotoProblem::NotFacing),
            (other, ..) => Err(format!("unknown or incomplete photo problem `{other}`")),
        }
    }
}

impl From<PhotoProblem> for ProblemOnTheWire {
    fn from(problem: PhotoProblem) -> Self {
        let (reason, count, parts) = match problem {
            PhotoProblem::NoPerson => ("no_person", None, None),
            PhotoProblem::SeveralPeople { count } => ("several_people", Some(count), None),
            PhotoProblem::NotInFrame { parts } => (
                "not_in_frame",
                None,
                Some(parts.iter().map(|p| p.noun().to_owned()).collect()),
            ),
            PhotoProblem::NotFacing => ("not_facing", None, None),
        };
        ProblemOnTheWire {
            reason: reason.into(),
            count,
            parts,
        }
    }
}

impl PhotoProblem {
    /// What is wrong and what to do, in English (the gateway's job error says this;
    /// the widget shows its own translation).
    pub fn advice(&self) -> String {
        match self {
            PhotoProblem::NoPerson => {
                "We can't see anybody in this photo: use a photo of yourself, facing the camera."
                    .into()
            }
            PhotoProblem::SeveralPeople { count } => {
                format!("We can see {count} people in this photo: use a photo with only you in it, or crop it to you.")
            }
            PhotoProblem::NotInFrame { parts } => {
                let names: Vec<&str> = parts.iter().map(|p| p.noun()).collect();
                let list = match names.as_slice() {
                    [] => String::new(),
                    [one] => (*one).to_owned(),
                    [init @ .., last] => format!("{} or {last}", init.join(", ")),
                };
                format!(
                    "We can't see your {list}: step back or use a photo that shows more of you."
                )
            }
            PhotoProblem::NotFacing => {
                "You seem to be turned away from the camera: use a photo where you face it.".into()
            }
        }
    }
}

/// The photo check's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckResponse {
    /// Whether the gateway looked at the photo at all (`false` when the merchant
    /// turned the check off: then `problems` is empty and means nothing).
    pub checked: bool,
    /// How many people were seen.
    pub people: u32,
    /// What keeps the photo from showing the garment well; empty when it is fine.
    /// Read leniently: a problem this version does not know (a newer gateway's) is
    /// left out, and the ones it knows still reach the shopper.
    #[serde(deserialize_with = "known_problems")]
    pub problems: Vec<PhotoProblem>,
}

/// The problems of a list that this version knows, in their order.
fn known_problems<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<PhotoProblem>, D::Error> {
    let listed = Vec::<ProblemOnTheWire>::deserialize(deserializer)?;
    Ok(listed
        .into_iter()
        .filter_map(|p| PhotoProblem::try_from(p).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_travel_with_their_reason_names() {
        let p = PhotoProblem::NotInFrame {
            parts: vec![BodyPart::Hips, BodyPart::Knees],
        };
        let wire = serde_json::to_string(&p).unwrap();
        assert_eq!(
            wire,
            r#"{"reason":"not_in_frame","parts":["hips","knees"]}"#
        );
        assert_eq!(serde_json::from_str::<PhotoProblem>(&wire).unwrap(), p);
        assert_eq!(
            serde_json::to_string(&PhotoProblem::NoPerson).unwrap(),
            r#"{"reason":"no_person"}"#
        );
    }

    #[test]
    fn every_problem_reads_back_and_a_wrong_one_is_refused() {
        for p in [
            PhotoProblem::NoPerson,
            PhotoProblem::SeveralPeople { count: 3 },
            PhotoProblem::NotInFrame {
                parts: vec![BodyPart::Shoulders],
            },
            PhotoProblem::NotFacing,
        ] {
            let wire = serde_json::to_string(&p).unwrap();
            assert_eq!(
                serde_json::from_str::<PhotoProblem>(&wire).unwrap(),
                p,
                "{wire}"
            );
        }
        for wrong in [
            r#"{"reason":"several_people"}"#,
            r#"{"reason":"too_blurry"}"#,
            r#"{"reason":"not_in_frame","parts":["feet"]}"#,
            r#"{"parts":[]}"#,
        ] {
            assert!(
                serde_json::from_str::<PhotoProblem>(wrong).is_err(),
                "{wrong}"
            );
        }
    }

    #[test]
    fn advice_names_every_missing_part() {
        let p = PhotoProblem::NotInFrame {
            parts: vec![BodyPart::Shoulders, BodyPart::Hips, BodyPart::Knees],
        };
        assert_eq!(p.advice(), "We can't see your shoulders, hips or knees: step back or use a photo that shows more of you.");
    }

    #[test]
    fn the_category_defaults_to_auto() {
        let r: PrecheckRequest = serde_json::from_str(r#"{"model_image":"data:"}"#).unwrap();
        assert_eq!(r.category, Category::Auto);
    }

    /// A newer gateway's answer: its new reason and new body part are left out, and
    /// what this version knows still reaches the shopper.
    #[test]
    fn an_answer_with_problems_from_a_newer_gateway_keeps_the_known_ones() {
        let answer: PrecheckResponse = serde_json::from_str(
            r#"{"checked":true,"people":1,"problems":[
                {"reason":"too_dark","brightness":0.1},
                {"reason":"not_in_frame","parts":["feet","knees"]},
                {"reason":"not_in_frame","parts":["feet"]},
                {"reason":"not_facing"}]}"#,
        )
        .unwrap();
        assert_eq!(
            answer.problems,
            [
                PhotoProblem::NotInFrame {
                    parts: vec![BodyPart::Knees]
                },
                PhotoProblem::NotFacing
            ]
        );
        // A list that is not a list is still refused.
        assert!(serde_json::from_str::<PrecheckResponse>(
            r#"{"checked":true,"people":1,"problems":"none"}"#
        )
        .is_err());
    }
}
