//! An area of a map: a box of WGS84 degrees (a space's area, the area a space takes reports in,
//! the part of a map a reader chose).

use crate::error::FieldError;

/// A box of WGS84 degrees, west of east and south of north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// West longitude.
    pub west: f64,
    /// South latitude.
    pub south: f64,
    /// East longitude.
    pub east: f64,
    /// North latitude.
    pub north: f64,
}

impl Area {
    /// Parses the four sides as typed (a decimal comma is accepted); west of east, south of
    /// north, within the ranges of WGS84. The error is on the field `area`.
    pub fn parse(west: &str, south: &str, east: &str, north: &str) -> Result<Area, FieldError> {
        let bad = |_| FieldError::new("area", "area.format");
        let sw = super::Position::parse(south, west).map_err(bad)?;
        let ne = super::Position::parse(north, east).map_err(bad)?;
        if sw.lon >= ne.lon || sw.lat >= ne.lat {
            return Err(FieldError::new("area", "area.format"));
        }
        Ok(Area {
            west: sw.lon,
            south: sw.lat,
            east: ne.lon,
            north: ne.lat,
        })
    }

    /// Whether a position is inside.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.south..=self.north).contains(&lat) && (self.west..=self.east).contains(&lon)
    }

    /// The smallest area holding both.
    pub fn union(&self, other: &Area) -> Area {
        Area {
            west: self.west.min(other.west),
            south: self.south.min(other.south),
            east: self.east.max(other.east),
            north: self.north.max(other.north),
        }
    }

    /// The smallest area holding every position, if there is one.
    pub fn around(positions: impl IntoIterator<Item = super::Position>) -> Option<Area> {
        positions.into_iter().fold(None, |acc, p| {
            let here = Area {
                west: p.lon,
                south: p.lat,
                east: p.lon,
                north: p.lat,
            };
            Some(acc.map_or(here, |a: Area| a.union(&here)))
        })
    }

    /// Its centre.
    pub fn centre(&self) -> super::Position {
        super::Position {
            lat: (self.south + self.north) / 2.0,
            lon: (self.west + self.east) / 2.0,
        }
    }

    /// `west,south,east,north`, the form of the maps' `data-area` attribute.
    pub fn as_attribute(&self) -> String {
        format!("{},{},{},{}", self.west, self.south, self.east, self.north)
    }
}

/// The `data-area` attribute of a map that may have an area to open on (empty without one).
pub fn area_attribute(area: Option<&Area>) -> String {
    area.map(Area::as_attribute).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_has_west_of_east_and_south_of_north() {
        let a = Area::parse("-3,5", "48.7", "-3.4", "48.8").unwrap();
        assert_eq!(a.as_attribute(), "-3.5,48.7,-3.4,48.8");
        assert!(a.contains(48.75, -3.45));
        assert!(!a.contains(44.0, 1.35));
        for (w, s, e, n) in [
            ("-3.4", "48.7", "-3.5", "48.8"),
            ("-3.5", "48.8", "-3.4", "48.7"),
            ("x", "48.7", "-3.4", "48.8"),
            ("-3.5", "48.7", "-3.4", "91"),
        ] {
            assert_eq!(Area::parse(w, s, e, n).unwrap_err().code, "area.format");
        }
    }

    #[test]
    fn the_area_around_positions_holds_them_all() {
        use crate::geo::Position;
        assert_eq!(Area::around([]), None);
        let a = Area::around([
            Position {
                lat: 48.73,
                lon: -3.46,
            },
            Position {
                lat: 44.02,
                lon: 1.35,
            },
        ])
        .unwrap();
        assert_eq!(
            (a.west, a.south, a.east, a.north),
            (-3.46, 44.02, 1.35, 48.73)
        );
        let c = a.centre();
        assert!((c.lat - 46.375).abs() < 1e-9 && (c.lon + 1.055).abs() < 1e-9);
    }
}
