//! The photo check: before a try-on, the gateway looks at the prepared photo and says
//! what would keep the garment from showing well (nobody in it, several people, the
//! body not in frame, turned away).
//!
//! The check is advice, never a gate: any way it can fail (an older gateway without
//! it, an error, an answer we cannot read, no answer in time) counts as "no problems",
//! so the try-on goes on exactly as it would have without it.

use tryon_protocol::{PhotoProblem, PrecheckRequest, PrecheckResponse, PRECHECK_PATH};

use crate::net::{call, within, NetError};
use crate::session::Session;

/// How long the check may take (ms): it answers in well under a second, and a
/// shopper waiting for a try-on is not kept waiting longer for advice.
pub const CHECK_PATIENCE_MS: f64 = 4000.0;

/// The problems the gateway sees in `request`'s photo; empty when it sees none,
/// did not look (the merchant turned the check off), or could not be asked in time.
///
/// The session token is fetched outside the time limit: the try-on needs it anyway,
/// so waiting for it here does not slow the try-on.
pub async fn photo_problems(
    api_base: &str,
    session: &Session,
    request: &PrecheckRequest,
) -> Vec<PhotoProblem> {
    let Ok(token) = session.token().await else {
        // The try-on asks for a token again and tells the shopper if it cannot get one.
        return Vec::new();
    };
    let url = format!("{api_base}{PRECHECK_PATH}");
    let body = serde_json::to_string(request).expect("a photo check always serialises");
    let answer = within(CHECK_PATIENCE_MS, async {
        match ask(&url, &token, &body).await {
            // As submit does: a token the gateway no longer takes is renewed once.
            Err(e) if e.name().is_some_and(|n| n.is_token_problem()) => {
                let token = session.renew().await?;
                ask(&url, &token, &body).await
            }
            answer => answer,
        }
    })
    .await;
    match answer {
        Some(Ok(text)) => problems_in(&text),
        _ => Vec::new(),
    }
}

/// The problems in the check's answer: none when the photo was not checked or the
/// answer cannot be read. A problem that cannot be put into words for the shopper
/// (no body part named, "several" people that are one) is left out.
pub fn problems_in(answer: &str) -> Vec<PhotoProblem> {
    match serde_json::from_str::<PrecheckResponse>(answer) {
        Ok(verdict) if verdict.checked => verdict
            .problems
            .into_iter()
            .filter(|p| match p {
                PhotoProblem::NotInFrame { parts } => !parts.is_empty(),
                PhotoProblem::SeveralPeople { count } => *count > 1,
                PhotoProblem::NoPerson | PhotoProblem::NotFacing => true,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One request to the check (aborted when it is dropped: when the time limit passes,
/// the shopper leaves the step or the widget is removed).
async fn ask(url: &str, token: &str, body: &str) -> Result<String, NetError> {
    call("POST", url, Some(token), Some(body)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tryon_protocol::BodyPart;

    #[test]
    fn problems_come_only_from_a_photo_that_was_checked() {
        let answer = r#"{"checked":true,"people":1,"problems":[
            {"reason":"not_in_frame","parts":["hips","knees"]},{"reason":"not_facing"}]}"#;
        assert_eq!(
            problems_in(answer),
            [
                PhotoProblem::NotInFrame {
                    parts: vec![BodyPart::Hips, BodyPart::Knees]
                },
                PhotoProblem::NotFacing
            ]
        );
        let off = r#"{"checked":false,"people":0,"problems":[{"reason":"no_person"}]}"#;
        assert_eq!(problems_in(off), []);
    }

    #[test]
    fn advice_that_says_nothing_is_left_out() {
        let answer = r#"{"checked":true,"people":1,"problems":[
            {"reason":"not_in_frame","parts":[]},{"reason":"several_people","count":1}]}"#;
        assert_eq!(problems_in(answer), []);
    }

    #[test]
    fn an_answer_that_cannot_be_read_is_no_advice() {
        for answer in [
            "",
            "not found",
            r#"{"error":{"name":"PipelineError","message":"x"}}"#,
            r#"{"checked":true,"people":1,"problems":[{"reason":"too_blurry"}]}"#,
        ] {
            assert_eq!(problems_in(answer), [], "{answer}");
        }
    }
}
