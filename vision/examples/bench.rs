//! The photo check's figures: its verdict for every fixture photo and category, its
//! latency at the widget's 864×1296, the models' load time and memory.
//! Run with `scripts/bench-vision.sh` (release build).

#[path = "../tests/common/prepare.rs"]
mod prepare;
#[path = "../tests/common/table.rs"]
mod table;

use std::time::{Duration, Instant};

use tryon_protocol::PhotoProblem;
use tryon_vision::{check, Vision};

/// This process's resident memory and its peak, in MB (Linux; 0 elsewhere).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn verdict(problems: &[PhotoProblem]) -> String {
    if problems.is_empty() {
        return "fine".into();
    }
    problems
        .iter()
        .map(|p| match p {
            PhotoProblem::NoPerson => "no person".into(),
            PhotoProblem::SeveralPeople { count } => format!("{count} people"),
            PhotoProblem::NotInFrame { parts } => {
                format!(
                    "no {}",
                    parts.iter().map(|p| p.noun()).collect::<Vec<_>>().join("+")
                )
            }
            PhotoProblem::NotFacing => "not facing".into(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

fn main() {
    let (rss_before, _) = memory_mb();
    let started = Instant::now();
    let vision = Vision::load().expect("the models load");
    let load = started.elapsed();
    let (rss_loaded, _) = memory_mb();

    println!("## Verdicts (whole photo, upright; bold: differs from what a person would say, see vision/tests/common/table.rs)");
    println!("| photo | people | tops | bottoms | one-pieces | auto |\n|---|---|---|---|---|---|");
    let mut agree = (0, 0);
    for (photo, expected) in table::expected() {
        let sighting = vision.look(&prepare::upright(photo)).expect("looked");
        let mut cells = Vec::new();
        for (category, want) in &expected {
            let got = check(&sighting, *category);
            agree.1 += 1;
            if &got == want {
                agree.0 += 1;
                cells.push(verdict(&got));
            } else {
                cells.push(format!("**{}** (want {})", verdict(&got), verdict(want)));
            }
        }
        println!(
            "| {photo} | {} | {} |",
            sighting.people(),
            cells.join(" | ")
        );
    }
    println!("\nagreement: {}/{} verdicts\n", agree.0, agree.1);

    // What the gateway does per check: decode the widget's JPEG, look.
    let photo = prepare::prepared("people/model.webp");
    let mut jpeg = Vec::new();
    jpeg_encoder_free(&photo, &mut jpeg);
    let runs = std::env::var("TRYON_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let (mut look_only, mut with_decode) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        vision.look(&photo).expect("looked");
        look_only.push(t.elapsed());
        let t = Instant::now();
        let decoded = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
        vision.look(&decoded).expect("looked");
        with_decode.push(t.elapsed());
    }
    look_only.sort();
    with_decode.sort();
    let (rss_after, peak) = memory_mb();
    println!("## Speed and memory (864×1296, {runs} runs, one thread)");
    println!("| figure | value |\n|---|---|");
    println!(
        "| look p50 / p99 | {:.1} / {:.1} ms |",
        percentile(&look_only, 0.5),
        percentile(&look_only, 0.99)
    );
    println!(
        "| JPEG decode + look p50 / p99 (a precheck's work) | {:.1} / {:.1} ms |",
        percentile(&with_decode, 0.5),
        percentile(&with_decode, 0.99)
    );
    println!(
        "| models load (both, optimised) | {:.0} ms |",
        load.as_secs_f64() * 1000.0
    );
    println!("| resident memory: before / models loaded / after the runs / peak | {rss_before:.0} / {rss_loaded:.0} / {rss_after:.0} / {peak:.0} MB |");
}

/// The prepared photo as the widget's JPEG (quality 90), with the image crate.
fn jpeg_encoder_free(photo: &image::RgbImage, out: &mut Vec<u8>) {
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(out, 90);
    encoder.encode_image(photo).expect("encodes");
}
