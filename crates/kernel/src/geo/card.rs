//! What a map says about its points: a card per point (title, category, status, thumbnail,
//! link) that `map.js` turns into a marker and its popup, and the legend beside the map that
//! gives each marker colour and fill its words.
//!
//! Colour is never the only cue: the legend names every category and status in words, and
//! every popup says its point's category and status in words too.

use super::{GeoIndex, GeoItem, GeoPoint, MemoryGeo, Viewport, ViewportQuery};
use std::collections::HashMap;

/// Colours for the categories that have none of their own, told apart also by readers with a
/// colour vision deficiency (Okabe and Ito's palette, without its yellow, too pale on tiles).
pub const PALETTE: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
];

/// The colour of the `i`-th category when it has none of its own.
pub fn palette_colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Whether a text is a colour `#rrggbb`, the only form a legend or a marker takes.
fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// One point of a map, as its marker and popup show it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MapCard {
    /// The item's id (the point's id in its layer).
    pub id: String,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Its title, the link's text.
    pub title: String,
    /// Its page.
    pub url: String,
    /// The key of its category in the map's legend (empty: none).
    pub category: String,
    /// The key of its status in the map's legend (empty: none).
    pub status: String,
    /// The address of a thumbnail, when the item has a photo or a logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// A category of a legend: the colour of its markers and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendCategory {
    /// The key the cards carry.
    pub key: String,
    /// Its name.
    pub label: String,
    /// `#rrggbb`.
    pub colour: String,
}

/// A status of a legend: its name, and whether its markers are hollow (a closed item).
#[derive(Debug, Clone, PartialEq)]
pub struct LegendStatus {
    /// The key the cards carry.
    pub key: String,
    /// Its name.
    pub label: String,
    /// Closed items (resolved, rejected…) are drawn hollow, open ones filled.
    pub closed: bool,
}

/// What the markers of a map mean, shown in words beside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Legend {
    /// Marker colours.
    pub categories: Vec<LegendCategory>,
    /// Marker fills.
    pub statuses: Vec<LegendStatus>,
}

impl Legend {
    /// Adds a category; a colour that is not `#rrggbb` is replaced by the palette's next one.
    pub fn category(mut self, key: &str, label: &str, colour: &str) -> Self {
        let colour = if is_colour(colour) {
            colour.to_ascii_lowercase()
        } else {
            palette_colour(self.categories.len()).to_string()
        };
        self.categories.push(LegendCategory {
            key: key.to_string(),
            label: label.to_string(),
            colour,
        });
        self
    }

    /// Adds a status.
    pub fn status(mut self, key: &str, label: &str, closed: bool) -> Self {
        self.statuses.push(LegendStatus {
            key: key.to_string(),
            label: label.to_string(),
            closed,
        });
        self
    }

    /// Whether there is nothing to explain.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.statuses.is_empty()
    }
}

/// Cards as `data-points` of a map.
pub fn cards_attribute(cards: &[MapCard]) -> String {
    serde_json::to_string(cards).unwrap_or_else(|_| "[]".to_string())
}

impl ViewportQuery {
    /// The viewport asked for; a zoom over 20 is a 400.
    pub fn viewport(&self) -> Result<Viewport, crate::Error> {
        if self.zoom > 20 {
            return Err(crate::Error::BadRequest("query.invalid"));
        }
        Ok(Viewport {
            west: self.west,
            south: self.south,
            east: self.east,
            north: self.north,
            zoom: self.zoom,
        })
    }

    /// The box asked for, as (west, south, east, north), widened by a quarter of its size on
    /// every side so that clusters at its edges count their neighbours outside.
    pub fn widened(&self) -> (f64, f64, f64, f64) {
        let (dx, dy) = (
            (self.east - self.west).abs() / 4.0,
            (self.north - self.south).abs() / 4.0,
        );
        (
            self.west - dx,
            self.south - dy,
            self.east + dx,
            self.north + dy,
        )
    }
}

/// What a viewport shows of some items only (those a list's filters keep): they are clustered
/// alone, as the geo index clusters a whole layer.
pub fn cluster(points: Vec<GeoPoint>, view: &Viewport) -> Vec<GeoItem> {
    let index = MemoryGeo::new();
    index.load("filtered", points);
    index.query("filtered", view)
}

/// The ids of the single points of a viewport's answer, whose cards are to be read.
pub fn point_ids(items: &[GeoItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            GeoItem::Point(p) => Some(p.id.clone()),
            GeoItem::Cluster { .. } => None,
        })
        .collect()
}

/// A viewport's answer as `map.js` reads it: `{"items": [card or {lat, lon, count}]}`. A point
/// without a card is not this map's (another space's item on a shared layer) and is left out.
pub fn answer_with_cards(
    items: Vec<GeoItem>,
    mut cards: HashMap<String, MapCard>,
) -> serde_json::Value {
    let items: Vec<serde_json::Value> = items
        .into_iter()
        .filter_map(|item| match item {
            GeoItem::Point(p) => cards
                .remove(&p.id)
                .and_then(|c| serde_json::to_value(c).ok()),
            GeoItem::Cluster { lat, lon, count } => {
                Some(serde_json::json!({"lat": lat, "lon": lon, "count": count}))
            }
        })
        .collect();
    serde_json::json!({ "items": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(id: &str, lat: f64, lon: f64) -> GeoPoint {
        GeoPoint {
            id: id.to_string(),
            lat,
            lon,
        }
    }

    #[test]
    fn a_category_without_a_valid_colour_takes_the_palettes_next() {
        let legend = Legend::default()
            .category("a", "Voirie", "#AA0000")
            .category("b", "Propreté", "red;background:url(x)")
            .category("c", "Éclairage", "");
        let colours: Vec<&str> = legend
            .categories
            .iter()
            .map(|c| c.colour.as_str())
            .collect();
        assert_eq!(colours, ["#aa0000", PALETTE[1], PALETTE[2]]);
    }

    #[test]
    fn points_without_a_card_are_left_out_and_clusters_kept() {
        let view = Viewport {
            west: -4.0,
            south: 48.0,
            east: -3.0,
            north: 49.0,
            zoom: 18,
        };
        let items = cluster(
            vec![point("mine", 48.73, -3.45), point("theirs", 48.5, -3.2)],
            &view,
        );
        assert_eq!(point_ids(&items).len(), 2);
        let mut cards = HashMap::new();
        cards.insert(
            "mine".to_string(),
            MapCard {
                id: "mine".into(),
                lat: 48.73,
                lon: -3.45,
                title: "Nid-de-poule".into(),
                url: "/r/mine".into(),
                category: "voirie".into(),
                status: "new".into(),
                photo: None,
            },
        );
        let answer = answer_with_cards(items, cards);
        let items = answer["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["title"], "Nid-de-poule");
        assert_eq!(items[0]["status"], "new");
        assert!(items[0].get("photo").is_none());

        let far = Viewport { zoom: 2, ..view };
        let clustered = cluster(
            vec![point("a", 48.73, -3.45), point("b", 48.7301, -3.4501)],
            &far,
        );
        assert!(point_ids(&clustered).is_empty());
        let answer = answer_with_cards(clustered, HashMap::new());
        assert_eq!(answer["items"][0]["count"], 2);
    }
}
