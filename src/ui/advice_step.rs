//! Advice about the photo, before it is tried on: the photo check found something
//! that keeps the garment from showing well. The shopper sees their photo, what is
//! wrong and what to do, and chooses another photo or tries this one on anyway.

use leptos::prelude::*;
use tryon_protocol::{BodyPart, PhotoProblem};

use super::state::{Flow, Widget};
use crate::i18n::{Key, Strings};

/// The advice step.
#[component]
pub fn AdviceStep() -> impl IntoView {
    let w = expect_context::<Widget>();
    let Some((photo, problems)) = w.flow_untracked(|f| match f {
        Flow::Advice {
            photo, problems, ..
        } => Some((photo.clone(), problems.clone())),
        _ => None,
    }) else {
        return ().into_any();
    };
    let advice_lines: Vec<String> = w.strings(|s| problems.iter().map(|p| advice(p, s)).collect());
    // For tests and support: what was found, by the gateway's names.
    let reasons = problems
        .iter()
        .filter_map(reason)
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <div class="tryon__step tryon__step--advice" data-testid="tryon-advice" data-problems=reasons>
            <h2 class="tryon__heading" part="heading" tabindex="-1" data-step-heading data-testid="tryon-advice-heading">{w.t(Key::AdviceTitle)}</h2>
            <img class="tryon__thumb tryon__thumb--advice" alt=w.t(Key::YourPhoto) src=photo.object_url.as_str().to_owned() />
            // Read out as it appears, like a failure's message; focus is on the heading.
            <div class="tryon__advice" role="alert" data-testid="tryon-advice-message">
                <p class="tryon__lead">{w.t(Key::AdviceLead)}</p>
                <ul class="tryon__tips">
                    {advice_lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            </div>
            <div class="tryon__actions">
                <button class="tryon__primary" part="primary-button" data-testid="tryon-another" on:click=move |_| w.start_over()>
                    {w.t(Key::ChooseAnotherPhoto)}
                </button>
                <button class="tryon__secondary" part="secondary-button" data-testid="tryon-anyway" on:click=move |_| w.try_anyway()>
                    {w.t(Key::TryAnyway)}
                </button>
            </div>
        </div>
    }
    .into_any()
}

/// What the shopper reads about `problem`: what is wrong and what to do.
pub fn advice(problem: &PhotoProblem, strings: &Strings) -> String {
    match problem {
        PhotoProblem::NoPerson => strings.get(Key::AdviceNoPerson),
        PhotoProblem::SeveralPeople { count } => {
            strings.fill(Key::AdviceSeveralPeople, &[("count", &count.to_string())])
        }
        PhotoProblem::NotInFrame { parts } => strings.fill(
            Key::AdviceNotInFrame,
            &[("parts", &body_parts(parts, strings))],
        ),
        PhotoProblem::NotFacing => strings.get(Key::AdviceNotFacing),
    }
}

/// "shoulders", "shoulders and hips", "shoulders, hips and knees", in the shopper's
/// language.
fn body_parts(parts: &[BodyPart], strings: &Strings) -> String {
    let names: Vec<String> = parts
        .iter()
        .map(|part| {
            strings.get(match part {
                BodyPart::Shoulders => Key::BodyShoulders,
                BodyPart::Hips => Key::BodyHips,
                BodyPart::Knees => Key::BodyKnees,
            })
        })
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((only, [])) => only.clone(),
        Some((last, others)) => strings.fill(
            Key::ListAnd,
            &[
                ("first", &others.join(strings.locale().list_separator())),
                ("last", last),
            ],
        ),
    }
}

/// The problem's name on the wire (`no_person`…), taken from the contract's own
/// serialisation so it cannot drift from it.
fn reason(problem: &PhotoProblem) -> Option<String> {
    let wire = serde_json::to_value(problem).ok()?;
    Some(wire.get("reason")?.as_str()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use std::collections::BTreeMap;

    fn not_in_frame(parts: &[BodyPart]) -> PhotoProblem {
        PhotoProblem::NotInFrame {
            parts: parts.to_vec(),
        }
    }

    #[test]
    fn missing_body_parts_are_listed_in_the_shoppers_words() {
        use BodyPart::*;
        let en = Strings::new(Locale::En, BTreeMap::new());
        assert_eq!(
            advice(&not_in_frame(&[Hips]), &en),
            "We can't see your hips. Step back, or use a photo that shows more of you."
        );
        assert_eq!(
            body_parts(&[Shoulders, Hips, Knees], &en),
            "shoulders, hips and knees"
        );
        let de = Strings::new(Locale::De, BTreeMap::new());
        assert_eq!(body_parts(&[Shoulders, Hips], &de), "Schultern und Hüften");
        let fr = Strings::new(Locale::Fr, BTreeMap::new());
        assert_eq!(body_parts(&[Shoulders, Hips], &fr), "épaules et hanches");
        let es = Strings::new(Locale::Es, BTreeMap::new());
        assert!(advice(&not_in_frame(&[Hips, Knees]), &es).contains("tus caderas y rodillas"));
    }

    #[test]
    fn each_problem_has_its_advice_and_its_wire_name() {
        let en = Strings::new(Locale::En, BTreeMap::new());
        let three = PhotoProblem::SeveralPeople { count: 3 };
        assert!(advice(&three, &en).starts_with("We can see 3 people."));
        assert_eq!(reason(&three).as_deref(), Some("several_people"));
        assert_eq!(
            reason(&PhotoProblem::NoPerson).as_deref(),
            Some("no_person")
        );
        assert_eq!(
            advice(&PhotoProblem::NoPerson, &en),
            en.get(Key::AdviceNoPerson)
        );
        assert_eq!(
            advice(&PhotoProblem::NotFacing, &en),
            en.get(Key::AdviceNotFacing)
        );
    }
}
