//! The check on every fixture photo agrees with a person looking at it: one person
//! facing the camera passes for what the photo shows, the photos of several people
//! and of nobody (`fixtures/bad`) are flagged with exactly those reasons.

#[path = "common/prepare.rs"]
#[allow(dead_code)]
mod prepare;
#[path = "common/table.rs"]
mod table;

use tryon_vision::{check, Vision};

#[test]
fn every_fixture_gets_the_verdict_a_person_would_give() {
    let vision = Vision::load().expect("the models load");
    let mut wrong = Vec::new();
    for (photo, verdicts) in table::expected() {
        let sighting = vision.look(&prepare::upright(photo)).expect("looked");
        for (category, want) in verdicts {
            let got = check(&sighting, category);
            if got != want {
                wrong.push(format!("{photo} as {category}: got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_mask_covers_the_person_and_not_the_backdrop() {
    let vision = Vision::load().expect("the models load");
    let photo = prepare::upright("people/business-person.png");
    let sighting = vision.look(&photo).expect("looked");
    let mask = sighting.mask().expect("a person");
    let person = sighting.person.as_ref().unwrap();
    // Between the shoulders, on the jacket: the person. The top corners: white backdrop.
    let chest = person
        .at(tryon_vision::Landmark::LeftShoulder)
        .at
        .midpoint(person.at(tryon_vision::Landmark::RightShoulder).at);
    assert!(mask.get_pixel(chest.x as u32, chest.y as u32 + 60)[0] > 200);
    assert!(mask.get_pixel(20, 20)[0] < 30);
    assert!(mask.get_pixel(photo.width() - 20, 20)[0] < 30);
}
