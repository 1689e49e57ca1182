//! Addresses: search (a typed address → places) and reverse geocoding (a point → its address)
//! through an addok-compatible geocoder, such as the Base Adresse Nationale's API or a
//! self-hosted addok, set by `geocoder_url`. Without one, or when it is down, the maps work by
//! tap alone and pages show the commune or the coordinates instead of an address.
//!
//! The pages' map script calls `/geocoder/search` and `/geocoder/reverse`: the reader's browser
//! never talks to the geocoder, whose answers are checked and cut to what the maps need.

use crate::app::AppState;
use crate::error::Error;
use crate::geo::Position;
use crate::web::ClientIp;
use crate::web::ratelimit::Limit;
use crate::web::routes::Routes;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the geocoder may take to answer: a reader is waiting.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The longest address one may search for, in characters.
pub const MAX_QUERY: usize = 200;
/// The most places one search answers.
pub const MAX_PLACES: usize = 8;
/// Searches and reverse lookups without an account, per client address and hour (a search is
/// typed letter by letter).
pub const ANONYMOUS: Limit = Limit {
    action: "geocoder",
    max: 300,
    window: Duration::from_secs(3600),
};

/// A place the geocoder found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The whole address: "23 Rue de la République 22300 Lannion".
    pub label: String,
    /// The street part: "23 Rue de la République" (the commune's name for a commune).
    pub name: String,
    /// Postcode, when known.
    pub postcode: String,
    /// INSEE code of the commune, when known.
    pub citycode: String,
    /// Name of the commune, when known.
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Why the geocoder gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No `geocoder_url` is set.
    NotSet,
    /// It did not answer in time, answered an error, or something that is not addok's GeoJSON.
    Down,
}

impl Unavailable {
    /// The stable code of the API's answer.
    pub fn code(self) -> &'static str {
        match self {
            Unavailable::NotSet => "geocoder.not_set",
            Unavailable::Down => "geocoder.down",
        }
    }
}

/// The client of the configured geocoder (one per node).
#[derive(Debug, Clone)]
pub struct Geocoder {
    base: Option<String>,
    client: reqwest::Client,
}

impl Geocoder {
    /// A client of the geocoder at `base` (none: every lookup answers [`Unavailable::NotSet`]).
    pub fn new(base: Option<&str>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("territoires/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Geocoder {
            base: base.map(|b| b.trim_end_matches('/').to_string()),
            client,
        }
    }

    /// The node's geocoder, as configured.
    pub fn of(state: &AppState) -> std::sync::Arc<Geocoder> {
        state.extension(|s| Geocoder::new(s.config().geocoder_url.as_deref()))
    }

    /// Whether one is set.
    pub fn is_set(&self) -> bool {
        self.base.is_some()
    }

    /// The places matching a typed address, the closest to `near` first among equals.
    pub async fn search(
        &self,
        query: &str,
        near: Option<Position>,
        limit: usize,
    ) -> Result<Vec<Place>, Unavailable> {
        let mut params = vec![
            ("q", query.to_string()),
            ("limit", limit.clamp(1, MAX_PLACES).to_string()),
        ];
        if let Some(p) = near {
            params.push(("lat", format!("{:.5}", p.lat)));
            params.push(("lon", format!("{:.5}", p.lon)));
        }
        let mut places = self.get("/search/", &params).await?;
        places.truncate(limit.clamp(1, MAX_PLACES));
        Ok(places)
    }

    /// The address at a point, if the geocoder knows one nearby.
    pub async fn reverse(&self, at: Position) -> Result<Option<Place>, Unavailable> {
        let params = [
            ("lat", format!("{:.6}", at.lat)),
            ("lon", format!("{:.6}", at.lon)),
        ];
        Ok(self.get("/reverse/", &params).await?.into_iter().next())
    }

    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Vec<Place>, Unavailable> {
        let base = self.base.as_deref().ok_or(Unavailable::NotSet)?;
        let answer = self
            .client
            .get(format!("{base}{path}"))
            .query(params)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        let body = match answer {
            Ok(r) => r.bytes().await,
            Err(e) => Err(e),
        }
        .map_err(|e| {
            tracing::warn!(error = %e, "the geocoder did not answer");
            Unavailable::Down
        })?;
        parse_features(&body).ok_or_else(|| {
            tracing::warn!("the geocoder answered something that is not addok's GeoJSON");
            Unavailable::Down
        })
    }
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    geometry: Geometry,
    properties: Properties,
}

#[derive(Deserialize)]
struct Geometry {
    coordinates: Vec<f64>,
}

#[derive(Deserialize)]
struct Properties {
    label: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    postcode: Option<String>,
    #[serde(default)]
    citycode: Option<String>,
    #[serde(default)]
    city: Option<String>,
}

/// The places of an addok answer (a GeoJSON FeatureCollection of points with
/// `properties.label`); features without a valid point or label are left out. `None` when the
/// body is not such a collection.
pub fn parse_features(body: &[u8]) -> Option<Vec<Place>> {
    let c: Collection = serde_json::from_slice(body).ok()?;
    let clean = |s: Option<String>| s.map(|s| one_line(&s)).unwrap_or_default();
    Some(
        c.features
            .into_iter()
            .filter_map(|f| {
                let [lon, lat] = f.geometry.coordinates[..] else {
                    return None;
                };
                let at = Position::parse(&lat.to_string(), &lon.to_string()).ok()?;
                let label = one_line(&f.properties.label);
                if label.is_empty() {
                    return None;
                }
                Some(Place {
                    name: match clean(f.properties.name) {
                        n if n.is_empty() => label.clone(),
                        n => n,
                    },
                    label,
                    postcode: clean(f.properties.postcode),
                    citycode: clean(f.properties.citycode),
                    city: clean(f.properties.city),
                    lat: at.lat,
                    lon: at.lon,
                })
            })
            .collect(),
    )
}

/// An address as stored beside a point (a geocoder's label the form sent back): one line of at
/// most 200 characters, spaces collapsed. Pages escape it like any text.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

/// A typed address as it may be searched: trimmed, 3 to [`MAX_QUERY`] characters, one line.
pub fn parse_query(raw: &str) -> Result<String, Error> {
    let q = raw.trim();
    let n = q.chars().count();
    if !(3..=MAX_QUERY).contains(&n) || q.chars().any(char::is_control) {
        return Err(Error::BadRequest("geocoder.query"));
    }
    Ok(q.to_string())
}

/// The geocoder's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/geocoder/search", get(search))
        .route("/geocoder/reverse", get(reverse))
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

#[derive(Serialize)]
struct Places {
    places: Vec<Place>,
}

#[derive(Serialize)]
struct Found {
    place: Option<Place>,
}

/// Counts a lookup of a visitor without an account.
async fn limited(
    state: &AppState,
    ctx: &crate::web::RequestCtx,
    ip: std::net::IpAddr,
) -> Result<(), Error> {
    if ctx.user.is_none() {
        state.limiter().check(ANONYMOUS, ip).await?;
    }
    Ok(())
}

/// The answer when the geocoder is not set or down: 503 and a stable code; the map script then
/// says that the map works by tap alone.
fn unavailable(u: Unavailable) -> Response {
    let message = match u {
        Unavailable::NotSet => "No geocoder is set: place the point on the map.",
        Unavailable::Down => "The geocoder did not answer: place the point on the map.",
    };
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "error": { "code": u.code(), "message": message } })),
    )
        .into_response();
    res.extensions_mut()
        .insert(crate::error::ErrorCode(u.code()));
    res
}

async fn search(
    State(state): State<AppState>,
    ctx: crate::web::RequestCtx,
    ClientIp(ip): ClientIp,
    Query(q): Query<SearchQuery>,
) -> Result<Response, Error> {
    let query = parse_query(&q.q)?;
    let near = if q.lat.is_empty() && q.lon.is_empty() {
        None
    } else {
        Some(Position::parse(&q.lat, &q.lon).map_err(|_| Error::BadRequest("geocoder.position"))?)
    };
    limited(&state, &ctx, ip).await?;
    match Geocoder::of(&state).search(&query, near, 5).await {
        Ok(places) => Ok(Json(Places { places }).into_response()),
        Err(u) => Ok(unavailable(u)),
    }
}

async fn reverse(
    State(state): State<AppState>,
    ctx: crate::web::RequestCtx,
    ClientIp(ip): ClientIp,
    Query(q): Query<SearchQuery>,
) -> Result<Response, Error> {
    let at = Position::parse(&q.lat, &q.lon).map_err(|_| Error::BadRequest("geocoder.position"))?;
    limited(&state, &ctx, ip).await?;
    match Geocoder::of(&state).reverse(at).await {
        Ok(place) => Ok(Json(Found { place }).into_response()),
        Err(u) => Ok(unavailable(u)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_addok_answer_gives_its_places_and_leaves_out_bad_features() {
        let body = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[-3.456,48.733]},
           "properties":{"label":"23 Rue de la R\u00e9publique 22300 Lannion","name":"23 Rue de la R\u00e9publique",
             "postcode":"22300","citycode":"22113","city":"Lannion","type":"housenumber","score":0.9}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[200,48]},"properties":{"label":"Nowhere"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[1.355,44.0176]},"properties":{"label":"  "}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[1.355,44.0176]},"properties":{"label":"Montauban"}}
        ]}"#;
        let places = parse_features(body).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].label, "23 Rue de la République 22300 Lannion");
        assert_eq!(places[0].name, "23 Rue de la République");
        assert_eq!(places[0].citycode, "22113");
        assert_eq!((places[0].lat, places[0].lon), (48.733, -3.456));
        assert_eq!(places[1].name, "Montauban");
        assert!(parse_features(b"<html>").is_none());
        assert!(parse_features(br#"{"features":"x"}"#).is_none());
    }

    #[test]
    fn a_search_is_one_line_of_3_to_200_characters() {
        assert_eq!(
            parse_query("  rue de la république ").unwrap(),
            "rue de la république"
        );
        for bad in ["", "ab", "rue\nde", &"a".repeat(201)] {
            assert!(parse_query(bad).is_err(), "{bad:?}");
        }
    }
}
