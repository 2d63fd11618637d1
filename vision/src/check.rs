//! The photo check: can this photo show a garment of this category, and if not, why.
//!
//! The contract allows focused shots (an upper-body photo for a top, hips to knees
//! for trousers), so what must be in the photo depends on the category: shoulders
//! to hips for tops, hips to knees for bottoms, shoulders to knees for one-pieces.
//! For `auto` (the garment decides) either of the first two is enough.

use tryon_protocol::{BodyPart, Category, PhotoProblem};

use crate::landmarks::{Landmark, Person};
use crate::Sighting;

/// A body part counts as seen when one of its two points is at least this
/// visible. Below MediaPipe's usual 0.5 on purpose: a hip on the photo's bottom
/// edge scores 0.45–0.5 (the astronaut in `fixtures/people`), and a person looking
/// at such a photo says the hips are in it.
const MIN_VISIBILITY: f32 = 0.4;
/// How far (as a share of the photo's side) a keypoint may lie outside it and
/// still count as in frame: a hip on the bottom edge is in the photo.
const EDGE_SLACK: f32 = 0.05;
/// Shoulders (or hips) closer than this share of the torso's length, left to
/// right, belong to somebody standing side-on.
const MIN_FRONTAL_WIDTH: f32 = 0.25;

/// The problems of `sighting` for a garment of `category`; empty when the photo is fine.
pub fn check(sighting: &Sighting, category: Category) -> Vec<PhotoProblem> {
    let people = sighting.people();
    let Some(person) = sighting.main_person() else {
        return vec![PhotoProblem::NoPerson];
    };
    let mut problems = Vec::new();
    if people > 1 {
        problems.push(PhotoProblem::SeveralPeople {
            count: people as u32,
        });
    }
    let seen = |part| part_in_frame(person, part, sighting.width as f32, sighting.height as f32);
    let missing = |parts: &[BodyPart]| -> Vec<BodyPart> {
        parts.iter().copied().filter(|&p| !seen(p)).collect()
    };
    let parts = match category {
        Category::Tops => missing(&[BodyPart::Shoulders, BodyPart::Hips]),
        Category::Bottoms => missing(&[BodyPart::Hips, BodyPart::Knees]),
        Category::OnePieces => missing(&[BodyPart::Shoulders, BodyPart::Hips, BodyPart::Knees]),
        Category::Auto => {
            let top = missing(&[BodyPart::Shoulders, BodyPart::Hips]);
            let bottom = missing(&[BodyPart::Hips, BodyPart::Knees]);
            if top.is_empty() || bottom.is_empty() {
                Vec::new()
            } else {
                top
            }
        }
    };
    if !parts.is_empty() {
        problems.push(PhotoProblem::NotInFrame { parts });
    }
    if !facing(person) {
        problems.push(PhotoProblem::NotFacing);
    }
    problems
}

fn pair(part: BodyPart) -> (Landmark, Landmark) {
    match part {
        BodyPart::Shoulders => (Landmark::LeftShoulder, Landmark::RightShoulder),
        BodyPart::Hips => (Landmark::LeftHip, Landmark::RightHip),
        BodyPart::Knees => (Landmark::LeftKnee, Landmark::RightKnee),
    }
}

/// Both points of `part` lie in the photo and at least one is clearly seen (the
/// other may be behind an arm or a bag).
fn part_in_frame(person: &Person, part: BodyPart, width: f32, height: f32) -> bool {
    let (l, r) = pair(part);
    let (l, r) = (person.at(l), person.at(r));
    let inside = |k: crate::Keypoint| {
        k.at.x >= -EDGE_SLACK * width
            && k.at.x <= (1.0 + EDGE_SLACK) * width
            && k.at.y >= -EDGE_SLACK * height
            && k.at.y <= (1.0 + EDGE_SLACK) * height
    };
    inside(l) && inside(r) && l.visibility.max(r.visibility) >= MIN_VISIBILITY
}

/// Whether the person faces the camera: their left shoulder (or hip) is on the
/// photo's right, by a good share of the torso's length. With the back to the
/// camera the order flips; side-on the two nearly meet.
fn facing(person: &Person) -> bool {
    let shoulders = (
        person.at(Landmark::LeftShoulder),
        person.at(Landmark::RightShoulder),
    );
    let hips = (person.at(Landmark::LeftHip), person.at(Landmark::RightHip));
    let torso = shoulders
        .0
        .at
        .midpoint(shoulders.1.at)
        .distance(hips.0.at.midpoint(hips.1.at));
    let seen = |(l, r): (crate::Keypoint, crate::Keypoint)| {
        l.visibility.max(r.visibility) >= MIN_VISIBILITY
    };
    let (l, r) = if seen(shoulders) { shoulders } else { hips };
    if torso <= f32::EPSILON {
        return true;
    }
    (l.at.x - r.at.x) / torso >= MIN_FRONTAL_WIDTH
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Detection, Keypoint, Point};

    /// A standing person in a 600×900 photo, seen from the front: their left side on
    /// the photo's right; `left_x` and `right_x` place the shoulders (back to the
    /// camera: they swap sides; side-on: they nearly meet).
    fn standing(left_x: f32, right_x: f32, knees_y: f32) -> Sighting {
        let mut keypoints = vec![
            Keypoint {
                at: Point { x: 300.0, y: 100.0 },
                visibility: 0.9,
                presence: 0.9
            };
            33
        ];
        let mut put = |l: Landmark, x: f32, y: f32| {
            keypoints[l as usize] = Keypoint {
                at: Point { x, y },
                visibility: 0.9,
                presence: 0.9,
            };
        };
        put(Landmark::LeftShoulder, left_x, 250.0);
        put(Landmark::RightShoulder, right_x, 250.0);
        put(Landmark::LeftHip, 300.0 + (left_x - 300.0) * 0.7, 520.0);
        put(Landmark::RightHip, 300.0 + (right_x - 300.0) * 0.7, 520.0);
        put(Landmark::LeftKnee, 330.0, knees_y);
        put(Landmark::RightKnee, 270.0, knees_y);
        let p = Point { x: 300.0, y: 300.0 };
        let detection = Detection {
            score: 0.9,
            bounds: [250.0, 50.0, 350.0, 150.0],
            hips: p,
            body_edge: p,
            shoulders: p,
        };
        Sighting {
            width: 600,
            height: 900,
            detections: vec![detection],
            person: Some(Person::from_keypoints(keypoints)),
        }
    }

    #[test]
    fn a_person_facing_the_camera_in_full_passes() {
        assert_eq!(
            check(&standing(400.0, 200.0, 720.0), Category::OnePieces),
            vec![]
        );
    }

    #[test]
    fn a_back_or_a_side_to_the_camera_is_not_facing() {
        assert_eq!(
            check(&standing(200.0, 400.0, 720.0), Category::Tops),
            vec![PhotoProblem::NotFacing]
        );
        assert_eq!(
            check(&standing(310.0, 290.0, 720.0), Category::Tops),
            vec![PhotoProblem::NotFacing]
        );
    }

    #[test]
    fn knees_below_the_photo_are_missing_for_trousers_only() {
        let cut_at_the_thighs = standing(400.0, 200.0, 1100.0);
        assert_eq!(check(&cut_at_the_thighs, Category::Tops), vec![]);
        assert_eq!(check(&cut_at_the_thighs, Category::Auto), vec![]);
        assert_eq!(
            check(&cut_at_the_thighs, Category::Bottoms),
            vec![PhotoProblem::NotInFrame {
                parts: vec![BodyPart::Knees]
            }]
        );
    }

    #[test]
    fn nobody_found_is_no_person() {
        let empty = Sighting {
            width: 600,
            height: 900,
            detections: vec![],
            person: None,
        };
        assert_eq!(check(&empty, Category::Tops), vec![PhotoProblem::NoPerson]);
    }
}
