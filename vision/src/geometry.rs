//! Points and the rotated squares the landmark model looks through.

/// A point in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    /// Pixels from the left edge.
    pub x: f32,
    /// Pixels from the top edge.
    pub y: f32,
}

impl Point {
    /// The distance to another point.
    pub fn distance(self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }

    /// The point halfway to another.
    pub fn midpoint(self, other: Point) -> Point {
        Point {
            x: (self.x + other.x) / 2.0,
            y: (self.y + other.y) / 2.0,
        }
    }
}

/// A square in the photo, turned so that its "up" points along a body: the crop
/// the landmark model sees. Maps the square's own coordinates (0..1 both ways,
/// y down) to photo pixels and back.
#[derive(Debug, Clone, Copy)]
pub struct Rotated {
    /// Centre in photo pixels.
    pub center: Point,
    /// Side in photo pixels.
    pub side: f32,
    /// sin and cos of the turn: the square's up (0, −1) lands on (sin, −cos).
    sin: f32,
    cos: f32,
}

impl Rotated {
    /// A square of `side` around `center` whose up points from `center` towards `toward`.
    pub fn toward(center: Point, toward: Point, side: f32) -> Self {
        let (dx, dy) = (toward.x - center.x, toward.y - center.y);
        let len = dx.hypot(dy).max(f32::EPSILON);
        Rotated {
            center,
            side,
            sin: dx / len,
            cos: -dy / len,
        }
    }

    /// The photo point at square coordinates (u, v).
    pub fn to_photo(&self, u: f32, v: f32) -> Point {
        let (x, y) = ((u - 0.5) * self.side, (v - 0.5) * self.side);
        Point {
            x: self.center.x + self.cos * x - self.sin * y,
            y: self.center.y + self.sin * x + self.cos * y,
        }
    }

    /// The same square with its centre and side multiplied by `f`.
    pub(crate) fn scaled(&self, f: f32) -> Rotated {
        Rotated {
            center: Point {
                x: self.center.x * f,
                y: self.center.y * f,
            },
            side: self.side * f,
            ..*self
        }
    }

    /// The square coordinates (u, v) of a photo point.
    pub fn from_photo(&self, p: Point) -> (f32, f32) {
        let (x, y) = (p.x - self.center.x, p.y - self.center.y);
        let (rx, ry) = (self.cos * x + self.sin * y, -self.sin * x + self.cos * y);
        (rx / self.side + 0.5, ry / self.side + 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upright_square_is_not_turned() {
        let r = Rotated::toward(
            Point { x: 100.0, y: 100.0 },
            Point { x: 100.0, y: 50.0 },
            40.0,
        );
        let top_left = r.to_photo(0.0, 0.0);
        assert!(
            (top_left.x - 80.0).abs() < 1e-4 && (top_left.y - 80.0).abs() < 1e-4,
            "{top_left:?}"
        );
    }

    #[test]
    fn a_square_turned_right_has_its_up_pointing_right() {
        let r = Rotated::toward(Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 }, 2.0);
        let top_middle = r.to_photo(0.5, 0.0);
        assert!(
            (top_middle.x - 1.0).abs() < 1e-5 && top_middle.y.abs() < 1e-5,
            "{top_middle:?}"
        );
        let (u, v) = r.from_photo(top_middle);
        assert!((u - 0.5).abs() < 1e-5 && v.abs() < 1e-5);
    }
}
