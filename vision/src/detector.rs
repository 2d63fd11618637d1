//! BlazePose's person detector: is anybody in the photo, and how many.
//!
//! The model sees the photo letterboxed into 224×224 (RGB in −1..1) and scores
//! 2254 fixed anchors; each anchor also regresses a box and four keypoints (hip
//! centre, a point on the full-body circle, shoulder centre, a point on the
//! upper-body circle). Anchors, decoding and the weighted non-maximum suppression
//! follow MediaPipe's pose detection graph (`pose_detection_cpu.pbtxt`:
//! SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppression).

use image::RgbImage;

use crate::geometry::{Point, Rotated};
use crate::models::{run, Plan};
use crate::sampling::{sample, Border};
use crate::VisionError;

/// The detector's input side in pixels.
const SIDE: usize = 224;
/// Anchors per feature map: strides 8, 16 and three layers at 32 merged.
const LAYERS: [(usize, usize); 3] = [(8, 2), (16, 2), (32, 6)];
/// MediaPipe's score threshold for a person: somebody is in the photo when the
/// best candidate reaches it.
pub const MIN_SCORE: f32 = 0.5;
/// Once somebody is, others count from this lower score: in an old, grainy or
/// dim photo a second face often scores 0.4 (the Curies in `fixtures/bad`), and
/// only the prominent ones count (see [`prominent`]).
const OTHERS_MIN_SCORE: f32 = 0.35;
/// Boxes overlapping more than this are one person.
const MIN_SUPPRESSION_IOU: f32 = 0.3;
/// MediaPipe clips raw scores to ±100 before the sigmoid.
const SCORE_CLIP: f32 = 100.0;

/// One person found, in photo pixels.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Confidence 0..1.
    pub score: f32,
    /// Box: left, top, right, bottom.
    pub bounds: [f32; 4],
    /// Hip centre.
    pub hips: Point,
    /// A point on the circle around the whole body, seen from the hip centre.
    pub body_edge: Point,
    /// Shoulder centre.
    pub shoulders: Point,
}

impl Detection {
    fn size(&self) -> f32 {
        (self.bounds[2] - self.bounds[0]).max(self.bounds[3] - self.bounds[1])
    }

    fn iou(&self, other: &Detection) -> f32 {
        let [a0, a1, a2, a3] = self.bounds;
        let [b0, b1, b2, b3] = other.bounds;
        let w = (a2.min(b2) - a0.max(b0)).max(0.0);
        let h = (a3.min(b3) - a1.max(b1)).max(0.0);
        let inter = w * h;
        let union = (a2 - a0) * (a3 - a1) + (b2 - b0) * (b3 - b1) - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    /// The same detection with every coordinate multiplied by `f`.
    pub(crate) fn scaled(&self, f: f32) -> Detection {
        let s = |p: Point| Point {
            x: p.x * f,
            y: p.y * f,
        };
        Detection {
            score: self.score,
            bounds: self.bounds.map(|v| v * f),
            hips: s(self.hips),
            body_edge: s(self.body_edge),
            shoulders: s(self.shoulders),
        }
    }
}

/// The people in the photo: none unless the best detection reaches [`MIN_SCORE`];
/// then every detection at least a third the size of that one.
pub fn prominent(detections: &[Detection]) -> impl Iterator<Item = &Detection> {
    let main = detections.first().filter(|d| d.score >= MIN_SCORE);
    let size = main.map_or(f32::MAX, Detection::size);
    detections
        .iter()
        .take(if main.is_some() { usize::MAX } else { 0 })
        .filter(move |d| d.size() * 3.0 >= size)
}

/// The anchor centres, in the 0..1 coordinates of the model's input.
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(2254);
    for (stride, per_cell) in LAYERS {
        let cells = SIDE.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let centre = (
                    (x as f32 + 0.5) / cells as f32,
                    (y as f32 + 0.5) / cells as f32,
                );
                out.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
    }
    out
}

/// Find the people in `photo`, most confident first.
pub(crate) fn detect(plan: &Plan, photo: &RgbImage) -> Result<Vec<Detection>, VisionError> {
    // Letterbox: the whole photo, centred in a square of its long side.
    let long = photo.width().max(photo.height()) as f32;
    let centre = Point {
        x: photo.width() as f32 / 2.0,
        y: photo.height() as f32 / 2.0,
    };
    let square = Rotated::toward(
        centre,
        Point {
            x: centre.x,
            y: centre.y - 1.0,
        },
        long,
    );
    let input = sample(photo, &square, SIDE, Border::Zero, (-1.0, 1.0));
    let outputs = run(plan, SIDE, input)?;
    let (boxes, scores) = (&outputs[0], &outputs[1]);
    let to_photo = |ax: f32, ay: f32, dx: f32, dy: f32| {
        square.to_photo(ax + dx / SIDE as f32, ay + dy / SIDE as f32)
    };
    let mut found: Vec<Detection> = anchors()
        .iter()
        .enumerate()
        .filter_map(|(i, &(ax, ay))| {
            let score = 1.0 / (1.0 + (-scores[i].clamp(-SCORE_CLIP, SCORE_CLIP)).exp());
            if score < OTHERS_MIN_SCORE {
                return None;
            }
            let r = &boxes[i * 12..i * 12 + 12];
            let c = to_photo(ax, ay, r[0], r[1]);
            let (w, h) = (r[2] / SIDE as f32 * long, r[3] / SIDE as f32 * long);
            Some(Detection {
                score,
                bounds: [c.x - w / 2.0, c.y - h / 2.0, c.x + w / 2.0, c.y + h / 2.0],
                hips: to_photo(ax, ay, r[4], r[5]),
                body_edge: to_photo(ax, ay, r[6], r[7]),
                shoulders: to_photo(ax, ay, r[8], r[9]),
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(weighted_suppression(found))
}

/// MediaPipe's WEIGHTED non-maximum suppression: each cluster of overlapping
/// candidates becomes one detection, its geometry the score-weighted mean.
fn weighted_suppression(mut candidates: Vec<Detection>) -> Vec<Detection> {
    let mut out = Vec::new();
    while let Some(top) = candidates.first().cloned() {
        let (cluster, rest): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|d| top.iou(d) > MIN_SUPPRESSION_IOU);
        candidates = rest;
        // Only candidates MediaPipe itself would keep shape a detection that reaches
        // its threshold: the extra low-score ones (kept to count people) must not
        // move the main person's crop.
        let floor = MIN_SCORE.min(top.score);
        let cluster: Vec<Detection> = cluster.into_iter().filter(|d| d.score >= floor).collect();
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let mean = |f: &dyn Fn(&Detection) -> f32| {
            cluster.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        let point = |f: &dyn Fn(&Detection) -> Point| Point {
            x: mean(&|d| f(d).x),
            y: mean(&|d| f(d).y),
        };
        out.push(Detection {
            score: top.score,
            bounds: [
                mean(&|d| d.bounds[0]),
                mean(&|d| d.bounds[1]),
                mean(&|d| d.bounds[2]),
                mean(&|d| d.bounds[3]),
            ],
            hips: point(&|d| d.hips),
            body_edge: point(&|d| d.body_edge),
            shoulders: point(&|d| d.shoulders),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_as_many_anchors_as_model_outputs() {
        assert_eq!(anchors().len(), 2254);
    }

    fn at(score: f32, x: f32) -> Detection {
        let p = Point { x, y: 0.0 };
        Detection {
            score,
            bounds: [x, 0.0, x + 10.0, 10.0],
            hips: p,
            body_edge: p,
            shoulders: p,
        }
    }

    #[test]
    fn overlapping_candidates_become_one_weighted_detection() {
        let merged = weighted_suppression(vec![at(0.9, 0.0), at(0.6, 1.0), at(0.8, 50.0)]);
        assert_eq!(merged.len(), 2);
        // 0.9 at 0 and 0.6 at 1: the score-weighted mean is 0.4.
        assert!(
            (merged[0].bounds[0] - 0.4).abs() < 1e-5,
            "{:?}",
            merged[0].bounds
        );
        assert_eq!(merged[0].score, 0.9);
    }

    #[test]
    fn a_low_score_candidate_is_merged_away_without_moving_the_detection() {
        // Kept to count people, a 0.4 candidate must not shift a 0.9 detection's crop.
        let merged = weighted_suppression(vec![at(0.9, 0.0), at(0.4, 2.0)]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].bounds[0], 0.0);
        // Below the threshold, a detection (only counted) keeps its best candidate's geometry.
        let alone = weighted_suppression(vec![at(0.4, 2.0), at(0.35, 3.0)]);
        assert_eq!((alone.len(), alone[0].bounds[0]), (1, 2.0));
    }
}
