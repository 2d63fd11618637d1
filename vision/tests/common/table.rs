//! The fixture photos and the verdict a person looking at each would give, per
//! category (tops, bottoms, one-pieces, auto): the check must give exactly these.

use tryon_protocol::{BodyPart, Category, PhotoProblem};

/// Shorthands for the table.
fn missing(parts: &[BodyPart]) -> Vec<PhotoProblem> {
    vec![PhotoProblem::NotInFrame {
        parts: parts.to_vec(),
    }]
}

/// A photo's expected verdicts: (category, the problems it must have).
pub type Verdicts = Vec<(Category, Vec<PhotoProblem>)>;

/// (photo, its verdicts), photos as in `fixtures/`.
pub fn expected() -> Vec<(&'static str, Verdicts)> {
    use BodyPart::*;
    use Category::*;
    let fine = || Vec::new();
    let upper_body = || {
        vec![
            (Tops, fine()),
            (Bottoms, missing(&[Knees])),
            (OnePieces, missing(&[Knees])),
            (Auto, fine()),
        ]
    };
    let full_body = || {
        vec![
            (Tops, fine()),
            (Bottoms, fine()),
            (OnePieces, fine()),
            (Auto, fine()),
        ]
    };
    let nobody = || {
        [Tops, Bottoms, OnePieces, Auto]
            .into_iter()
            .map(|c| (c, vec![PhotoProblem::NoPerson]))
            .collect()
    };
    let several = |count: u32, knees: bool| {
        [Tops, Bottoms, OnePieces, Auto]
            .into_iter()
            .map(|c| {
                let mut p = vec![PhotoProblem::SeveralPeople { count }];
                if knees && matches!(c, Bottoms | OnePieces) {
                    p.push(PhotoProblem::NotInFrame { parts: vec![Knees] });
                }
                (c, p)
            })
            .collect()
    };
    vec![
        ("people/astronaut.png", upper_body()),
        ("people/business-person.png", upper_body()),
        ("people/model.webp", full_body()),
        ("people/portrait.jpg", upper_body()),
        ("people/pose.jpg", full_body()),
        ("bad/three_people.jpg", several(3, true)),
        ("bad/portrait-orientation-6.jpg", several(2, false)),
        ("bad/coffee.png", nobody()),
        ("bad/plants-1.jpg", nobody()),
        ("bad/tanners_ridge.jpg", nobody()),
        ("bad/Xiaomi_Mi_9T_KeyError.jpg", nobody()),
    ]
}
