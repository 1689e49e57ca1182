//! The geo read index: points per map layer, answered per viewport with server-side clustering,
//! so that a map never receives more than what fits on screen.
//!
//! Points are kept in the order of their Morton code (the interleaved bits of their Web Mercator
//! tile coordinates at zoom 24). Every square cell of the grid at any zoom is then one contiguous
//! run of that order, found by two binary searches; prefix sums give the count and the centroid of
//! a cell in constant time. A viewport at zoom `z` is cut into cells of a quarter tile (zoom
//! `z + 2`): a cell holding one point answers that point, a cell holding more answers a cluster.

mod area;
mod card;
mod place;

pub use area::{Area, area_attribute};
pub use card::{
    Legend, LegendCategory, LegendStatus, MapCard, PALETTE, answer_with_cards, cards_attribute,
    cluster, palette_colour, point_ids,
};
pub use place::{place_label, readable_position};
use std::collections::HashMap;
use std::sync::RwLock;

const ZMAX: u32 = 24;
/// The most cells one viewport is cut into (a large screen holds about 600).
const MAX_CELLS: u64 = 4096;

/// A position in WGS84 degrees, inside the valid ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
}

impl Position {
    /// Parses a latitude and a longitude as typed (a decimal comma is accepted).
    pub fn parse(lat: &str, lon: &str) -> Result<Self, crate::error::FieldError> {
        let num = |s: &str| {
            s.trim()
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
        };
        let (Some(lat), Some(lon)) = (num(lat), num(lon)) else {
            return Err(crate::error::FieldError::new("position", "position.format"));
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(crate::error::FieldError::new("position", "position.range"));
        }
        Ok(Position { lat, lon })
    }

    /// Distance to another position in metres (haversine).
    pub fn distance_m(&self, other: &Position) -> f64 {
        let r = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * r * a.sqrt().asin()
    }
}

/// A located item of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoPoint {
    /// The item's id within the layer.
    pub id: String,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
}

/// What a viewport shows.
#[derive(Debug, Clone, PartialEq)]
pub enum GeoItem {
    /// A single item.
    Point(GeoPoint),
    /// Several items close together at this zoom.
    Cluster {
        /// Centroid latitude.
        lat: f64,
        /// Centroid longitude.
        lon: f64,
        /// How many items.
        count: usize,
    },
}

/// A viewport: a bounding box (west, south, east, north) in degrees and a zoom level 0 to 20.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// West longitude.
    pub west: f64,
    /// South latitude.
    pub south: f64,
    /// East longitude.
    pub east: f64,
    /// North latitude.
    pub north: f64,
    /// Map zoom level.
    pub zoom: u8,
}

/// The interface of every geo index; the change applier is its only writer.
pub trait GeoIndex: Send + Sync {
    /// Replaces every point of a layer.
    fn load(&self, layer: &str, points: Vec<GeoPoint>);
    /// Adds or moves a point.
    fn upsert(&self, layer: &str, point: GeoPoint);
    /// Removes a point.
    fn remove(&self, layer: &str, id: &str);
    /// What the viewport shows of a layer.
    fn query(&self, layer: &str, view: &Viewport) -> Vec<GeoItem>;
    /// Number of points of a layer.
    fn len(&self, layer: &str) -> usize;
}

/// Web Mercator tile coordinates at zoom 24, clamped to the square world.
fn project(lat: f64, lon: f64) -> (u32, u32) {
    let n = f64::from(1u32 << ZMAX);
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let x = ((lon.clamp(-180.0, 180.0) + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x.clamp(0.0, n - 1.0) as u32, y.clamp(0.0, n - 1.0) as u32)
}

fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

fn morton(x: u32, y: u32) -> u64 {
    spread(x) | (spread(y) << 1)
}

/// Points sorted by Morton code, with prefix sums of their coordinates, so that any run of
/// codes gives its count and centroid in constant time.
#[derive(Clone)]
struct Sorted {
    codes: Vec<u64>,
    points: Vec<GeoPoint>,
    /// Prefix sums of latitude and longitude, one longer than `points`.
    sum_lat: Vec<f64>,
    sum_lon: Vec<f64>,
}

impl Default for Sorted {
    fn default() -> Self {
        Sorted::build(Vec::new())
    }
}

impl Sorted {
    fn build(mut items: Vec<(u64, GeoPoint)>) -> Sorted {
        items.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let mut s = Sorted {
            codes: Vec::with_capacity(items.len()),
            points: Vec::with_capacity(items.len()),
            sum_lat: Vec::with_capacity(items.len() + 1),
            sum_lon: Vec::with_capacity(items.len() + 1),
        };
        s.sum_lat.push(0.0);
        s.sum_lon.push(0.0);
        for (code, p) in items {
            s.sum_lat.push(s.sum_lat[s.sum_lat.len() - 1] + p.lat);
            s.sum_lon.push(s.sum_lon[s.sum_lon.len() - 1] + p.lon);
            s.codes.push(code);
            s.points.push(p);
        }
        s
    }

    fn range(&self, lo: u64, hi: u64) -> (usize, usize) {
        (
            self.codes.partition_point(|c| *c < lo),
            self.codes.partition_point(|c| *c < hi),
        )
    }

    /// Count and coordinate sums of the points with codes in `lo..hi`.
    fn cell(&self, lo: u64, hi: u64) -> (usize, f64, f64) {
        let (a, b) = self.range(lo, hi);
        (
            b - a,
            self.sum_lat[b] - self.sum_lat[a],
            self.sum_lon[b] - self.sum_lon[a],
        )
    }
}

/// A layer: a large sorted base, rebuilt rarely, and a small delta of the changes since, so that
/// a change costs a rebuild of the delta only. Points of the base that were moved or removed
/// since are listed in `removed` (and subtracted from the counts); new positions are in `added`.
#[derive(Default)]
struct Layer {
    base: Sorted,
    /// Index of each base point by id.
    base_ids: HashMap<String, usize>,
    added: Sorted,
    removed: Sorted,
    /// Ids of the base hidden by the delta.
    removed_ids: std::collections::HashSet<String>,
}

/// The delta is merged into the base once it holds this many changes, or a sixty-fourth of the
/// base when that is more: a merge costs a sort of the layer, paid once per that many changes.
const DELTA_MIN: usize = if cfg!(test) { 64 } else { 4096 };

impl Layer {
    fn build(items: Vec<(u64, GeoPoint)>) -> Layer {
        let base = Sorted::build(items);
        let base_ids = base
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Layer {
            base,
            base_ids,
            ..Layer::default()
        }
    }

    fn len(&self) -> usize {
        self.base.points.len() - self.removed.points.len() + self.added.points.len()
    }

    /// The points of the layer as it stands.
    fn items(&self) -> Vec<(u64, GeoPoint)> {
        let mut out: Vec<(u64, GeoPoint)> = self
            .base
            .codes
            .iter()
            .zip(&self.base.points)
            .filter(|(_, p)| !self.removed_ids.contains(&p.id))
            .map(|(c, p)| (*c, p.clone()))
            .collect();
        out.extend(
            self.added
                .codes
                .iter()
                .zip(&self.added.points)
                .map(|(c, p)| (*c, p.clone())),
        );
        out
    }

    /// Applies a change (`Some` point to add or move, `None` to remove `id`) to the delta.
    fn change(&mut self, id: &str, point: Option<GeoPoint>) {
        let mut added: Vec<(u64, GeoPoint)> = self
            .added
            .codes
            .iter()
            .zip(&self.added.points)
            .filter(|(_, p)| p.id != id)
            .map(|(c, p)| (*c, p.clone()))
            .collect();
        if let Some(&i) = self.base_ids.get(id)
            && self.removed_ids.insert(id.to_string())
        {
            let mut removed: Vec<(u64, GeoPoint)> = self
                .removed
                .codes
                .iter()
                .zip(&self.removed.points)
                .map(|(c, p)| (*c, p.clone()))
                .collect();
            removed.push((self.base.codes[i], self.base.points[i].clone()));
            self.removed = Sorted::build(removed);
        }
        if let Some(p) = point {
            added.push((morton_of(&p), p));
        }
        self.added = Sorted::build(added);
    }

    fn delta_is_large(&self) -> bool {
        self.added.points.len() + self.removed.points.len()
            > DELTA_MIN.max(self.base.points.len() / 64)
    }

    /// Count and coordinate sums of the layer's points with codes in `lo..hi`.
    fn cell(&self, lo: u64, hi: u64) -> (usize, f64, f64) {
        let (n, lat, lon) = self.base.cell(lo, hi);
        let (rn, rlat, rlon) = self.removed.cell(lo, hi);
        let (an, alat, alon) = self.added.cell(lo, hi);
        (n - rn + an, lat - rlat + alat, lon - rlon + alon)
    }

    /// The one point with a code in `lo..hi`, when there is exactly one.
    fn single(&self, lo: u64, hi: u64) -> Option<&GeoPoint> {
        let (a, b) = self.added.range(lo, hi);
        if b > a {
            return self.added.points.get(a);
        }
        let (a, b) = self.base.range(lo, hi);
        self.base.points[a..b]
            .iter()
            .find(|p| !self.removed_ids.contains(&p.id))
    }
}

/// The in-memory geo index.
#[derive(Default)]
pub struct MemoryGeo {
    layers: RwLock<HashMap<String, Layer>>,
}

impl MemoryGeo {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    fn change(&self, layer: &str, id: &str, point: Option<GeoPoint>) {
        let Ok(mut layers) = self.layers.write() else {
            return;
        };
        let l = layers.entry(layer.to_string()).or_default();
        l.change(id, point);
        if !l.delta_is_large() {
            return;
        }
        // The merge sorts the whole layer: done without holding the lock, so that readers
        // keep being answered from the base and its delta meanwhile. The applier is the only
        // writer, so nothing changes the layer in between.
        let items = l.items();
        drop(layers);
        let merged = Layer::build(items);
        if let Ok(mut layers) = self.layers.write() {
            layers.insert(layer.to_string(), merged);
        }
    }
}

impl GeoIndex for MemoryGeo {
    fn load(&self, layer: &str, points: Vec<GeoPoint>) {
        let items = points.into_iter().map(|p| (morton_of(&p), p)).collect();
        let built = Layer::build(items);
        if let Ok(mut layers) = self.layers.write() {
            layers.insert(layer.to_string(), built);
        }
    }

    fn upsert(&self, layer: &str, point: GeoPoint) {
        let id = point.id.clone();
        self.change(layer, &id, Some(point));
    }

    fn remove(&self, layer: &str, id: &str) {
        self.change(layer, id, None);
    }

    fn query(&self, layer: &str, view: &Viewport) -> Vec<GeoItem> {
        let finite = [view.west, view.south, view.east, view.north]
            .iter()
            .all(|v| v.is_finite());
        if !finite || view.south > view.north {
            return Vec::new();
        }
        let Ok(layers) = self.layers.read() else {
            return Vec::new();
        };
        let Some(l) = layers.get(layer) else {
            return Vec::new();
        };
        if view.west > view.east {
            // A view across the antimeridian: its two sides.
            let mut out = query_layer(
                l,
                &Viewport {
                    east: 180.0,
                    ..*view
                },
            );
            out.extend(query_layer(
                l,
                &Viewport {
                    west: -180.0,
                    ..*view
                },
            ));
            return out;
        }
        query_layer(l, view)
    }

    fn len(&self, layer: &str) -> usize {
        self.layers
            .read()
            .map(|l| l.get(layer).map(Layer::len).unwrap_or(0))
            .unwrap_or(0)
    }
}

fn query_layer(l: &Layer, view: &Viewport) -> Vec<GeoItem> {
    let (x0, y0) = project(view.north, view.west);
    let (x1, y1) = project(view.south, view.east);
    // A viewport far larger than a screen at its zoom is answered with coarser cells, so
    // that no request walks more than MAX_CELLS cells.
    let mut grid = u32::from(view.zoom).min(ZMAX - 2) + 2;
    let cells = |g: u32| {
        let s = ZMAX - g;
        u64::from((x1 >> s) - (x0 >> s) + 1) * u64::from((y1 >> s) - (y0 >> s) + 1)
    };
    while grid > 0 && cells(grid) > MAX_CELLS {
        grid -= 1;
    }
    let shift = ZMAX - grid;
    let (cx0, cy0, cx1, cy1) = (x0 >> shift, y0 >> shift, x1 >> shift, y1 >> shift);
    let mut out = Vec::new();
    for cy in cy0..=cy1 {
        for cx in cx0..=cx1 {
            let lo = morton(cx << shift, cy << shift);
            let hi = lo + (1u64 << (2 * shift));
            match l.cell(lo, hi) {
                (0, _, _) => {}
                (1, _, _) => {
                    if let Some(p) = l.single(lo, hi)
                        && p.lat >= view.south
                        && p.lat <= view.north
                        && p.lon >= view.west
                        && p.lon <= view.east
                    {
                        out.push(GeoItem::Point(p.clone()));
                    }
                }
                (n, lat, lon) => out.push(GeoItem::Cluster {
                    lat: lat / n as f64,
                    lon: lon / n as f64,
                    count: n,
                }),
            }
        }
    }
    out
}

fn morton_of(p: &GeoPoint) -> u64 {
    let (x, y) = project(p.lat, p.lon);
    morton(x, y)
}

/// A viewport as the pages' maps ask for it: `?west&south&east&north&zoom`.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct ViewportQuery {
    /// West longitude.
    pub west: f64,
    /// South latitude.
    pub south: f64,
    /// East longitude.
    pub east: f64,
    /// North latitude.
    pub north: f64,
    /// Zoom, 0 to 20.
    pub zoom: u8,
}

impl ViewportQuery {
    /// What a layer shows in this viewport, as `map.js` reads it: `{"items": [{id, lat, lon,
    /// url?} or {lat, lon, count}]}`; `url` gives a point's link, when it has one. A zoom over 20
    /// is a 400.
    pub fn answer(
        &self,
        geo: &dyn GeoIndex,
        layer: &str,
        url: impl Fn(&str) -> Option<String>,
    ) -> Result<serde_json::Value, crate::Error> {
        if self.zoom > 20 {
            return Err(crate::Error::BadRequest("query.invalid"));
        }
        let view = Viewport {
            west: self.west,
            south: self.south,
            east: self.east,
            north: self.north,
            zoom: self.zoom,
        };
        let items: Vec<serde_json::Value> = geo
            .query(layer, &view)
            .into_iter()
            .map(|item| match item {
                GeoItem::Point(p) => {
                    let mut v = serde_json::json!({"id": p.id, "lat": p.lat, "lon": p.lon});
                    if let Some(u) = url(&p.id) {
                        v["url"] = u.into();
                    }
                    v
                }
                GeoItem::Cluster { lat, lon, count } => {
                    serde_json::json!({"lat": lat, "lon": lon, "count": count})
                }
            })
            .collect();
        Ok(serde_json::json!({ "items": items }))
    }
}

#[cfg(test)]
mod tests;
