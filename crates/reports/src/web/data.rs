//! The reports as open data, without personal data: CSV (with its Table Schema), GeoJSON and
//! JSON under `/data/reports/`, streamed page by page; Atom feeds per space and per category;
//! statistics per category (counts by status, median time to resolution).

use super::citizen::status_key;
use super::space_or_404;
use crate::model::Report;
use crate::store;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::spaces::Space;
use kernel::web::{PageCtx, render};
use kernel::{AppState, Error};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/data/reports/{file}", get(data_set))
        .route("/s/{space}/reports/feed.atom", get(feed))
        .route("/s/{space}/reports/stats", get(stats))
}

/// Rows per page of a stream.
const PAGE: i64 = 2000;

/// Published positions are rounded to four decimals (about ten metres).
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Csv,
    GeoJson,
    Json,
}

fn row(shape: Shape, r: &Report, first: bool) -> String {
    let requested = kernel::ids::iso_datetime(r.created_at);
    let updated = kernel::ids::iso_datetime(r.updated_at);
    match shape {
        Shape::Csv => format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.id,
            csv_field(&r.service_code),
            csv_field(&r.service_name),
            r.status.as_str(),
            requested,
            updated,
            round(r.lat),
            round(r.lon),
            csv_field(&r.status_notes)
        ),
        Shape::Json | Shape::GeoJson => {
            let props = serde_json::json!({
                "id": r.id, "service_code": r.service_code, "service_name": r.service_name,
                "status": r.status.as_str(), "requested_datetime": requested, "updated_datetime": updated,
                "status_notes": r.status_notes,
            });
            let item = if shape == Shape::GeoJson {
                serde_json::json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r.lon), round(r.lat)]}, "properties": props})
            } else {
                let mut p = props;
                p["lat"] = round(r.lat).into();
                p["long"] = round(r.lon).into();
                p
            };
            format!("{}{item}", if first { "" } else { "," })
        }
    }
}

const CSV_HEADER: &str = "id,service_code,service_name,status,requested_datetime,updated_datetime,lat,long,status_notes\n";

/// The Table Schema of the CSV.
fn schema(space: &Space) -> serde_json::Value {
    let field = |name: &str, kind: &str, description: &str| serde_json::json!({"name": name, "type": kind, "description": description});
    serde_json::json!({
        "title": format!("Signalements — {}", space.name),
        "fields": [
            field("id", "string", "Identifiant du signalement (service_request_id Open311)"),
            field("service_code", "string", "Code de la catégorie"),
            field("service_name", "string", "Nom de la catégorie"),
            {"name": "status", "type": "string", "description": "État", "constraints": {"enum": ["new", "acknowledged", "in_progress", "resolved", "rejected"]}},
            field("requested_datetime", "datetime", "Reçu le (UTC)"),
            field("updated_datetime", "datetime", "Dernière mise à jour (UTC)"),
            field("lat", "number", "Latitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            field("long", "number", "Longitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            field("status_notes", "string", "Dernière note publique"),
        ],
        "primaryKey": "id",
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte 2.0", "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}],
    })
}

async fn data_set(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    let (slug, shape, content_type) = if let Some(s) = file.strip_suffix(".schema.json") {
        let space = space_or_404(&state, s).await?;
        return Ok(axum::Json(schema(&space)).into_response());
    } else if let Some(s) = file.strip_suffix(".csv") {
        (s, Shape::Csv, "text/csv; charset=utf-8")
    } else if let Some(s) = file.strip_suffix(".geojson") {
        (s, Shape::GeoJson, "application/geo+json")
    } else if let Some(s) = file.strip_suffix(".json") {
        (s, Shape::Json, "application/json")
    } else {
        return Err(Error::NotFound);
    };
    let space = space_or_404(&state, slug).await?;
    let (head, tail) = match shape {
        Shape::Csv => (CSV_HEADER.to_string(), String::new()),
        Shape::GeoJson => (
            r#"{"type":"FeatureCollection","features":["#.to_string(),
            "]}".to_string(),
        ),
        Shape::Json => ("[".to_string(), "]".to_string()),
    };
    let db = state.db().clone();
    // Streamed a page at a time: a million reports never sit in memory at once.
    let stream = futures_util::stream::unfold(
        (Some(head), None::<(i64, String)>, false, Some(tail)),
        move |(head, after, started, tail)| {
            let (db, space_id) = (db.clone(), space.id.clone());
            async move {
                if let Some(h) = head {
                    return Some((Ok::<_, std::io::Error>(h), (None, after, started, tail)));
                }
                let tail = tail?;
                let page = match store::published_after(&db, &space_id, after.as_ref(), PAGE).await
                {
                    Ok(p) => p,
                    Err(e) => {
                        return Some((
                            Err(std::io::Error::other(format!("{e:?}"))),
                            (None, None, started, None),
                        ));
                    }
                };
                if page.is_empty() {
                    return Some((Ok(tail), (None, None, started, None)));
                }
                let mut out = String::new();
                for (i, r) in page.iter().enumerate() {
                    out.push_str(&row(shape, r, !started && i == 0));
                }
                let last = page.last().map(|r| (r.created_at, r.id.clone()));
                Some((Ok(out), (None, last, true, Some(tail))))
            }
        },
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    category: String,
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &slug).await?;
    let categories = store::categories(state.db(), &space.id).await?;
    let ids = super::category_ids(&categories, &q.category);
    if ids.is_empty() {
        return Err(Error::NotFound);
    }
    let filter = store::DeskFilter {
        newest_first: true,
        ..Default::default()
    };
    let (reports, _) = store::queue(state.db(), &space.id, &ids, &filter, 0, 50).await?;
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let self_url = format!(
        "{base}/s/{}/reports/feed.atom{}",
        space.slug,
        if q.category.is_empty() {
            String::new()
        } else {
            format!("?category={}", kernel::web::percent_encode(&q.category))
        }
    );
    let updated = reports.iter().map(|r| r.updated_at).max().unwrap_or(0);
    let mut out = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{}</title><id>{}</id><link rel="self" href="{}"/><updated>{}</updated>"#,
        xml(&format!("Signalements — {}", space.name)),
        xml(&self_url),
        xml(&self_url),
        kernel::ids::iso_datetime(updated)
    );
    for r in &reports {
        let url = format!("{base}/s/{}/reports/{}", space.slug, r.id);
        let status = kernel::i18n::tr(kernel::i18n::Lang::Fr, status_key(r.status));
        out.push_str(&format!(
            r#"<entry><title>{}</title><id>{}</id><link href="{}"/><updated>{}</updated><published>{}</published><summary>{}</summary></entry>"#,
            xml(&format!("{} — {status}", r.service_name)),
            xml(&url),
            xml(&url),
            kernel::ids::iso_datetime(r.updated_at),
            kernel::ids::iso_datetime(r.created_at),
            xml(&if r.status_notes.is_empty() { r.description.clone() } else { format!("{} — {}", r.description, r.status_notes) })
        ));
    }
    out.push_str("</feed>");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        out,
    )
        .into_response())
}

/// One row of the statistics page.
struct StatsRow {
    name: String,
    total: i64,
    open: i64,
    resolved: i64,
    rejected: i64,
    median: String,
}

#[derive(Template)]
#[template(path = "reports/stats.html")]
struct StatsPage {
    page: PageCtx,
    space: Space,
    rows: Vec<StatsRow>,
}

/// A duration for reading: days and hours.
fn duration(ms: i64, tr: kernel::i18n::Tr) -> String {
    let hours = ms / 3_600_000;
    tr.f(
        "report.duration",
        &[
            ("days", &(hours / 24).to_string()),
            ("hours", &(hours % 24).to_string()),
        ],
    )
}

async fn stats(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let space = space_or_404(&state, &slug).await?;
    let rows = store::stats(state.db(), &space.id)
        .await?
        .into_iter()
        .map(|s| {
            let count = |names: &[&str]| {
                s.counts
                    .iter()
                    .filter(|(n, _)| names.contains(&n.as_str()))
                    .map(|(_, c)| c)
                    .sum()
            };
            let median = match s.resolution_ms.len() {
                0 => "—".to_string(),
                n => duration(s.resolution_ms[(n - 1) / 2], page.tr),
            };
            StatsRow {
                total: s.counts.iter().map(|(_, c)| c).sum(),
                open: count(&["new", "acknowledged", "in_progress"]),
                resolved: count(&["resolved"]),
                rejected: count(&["rejected"]),
                name: s.name,
                median,
            }
        })
        .collect();
    render(&StatsPage { page, space, rows })
}

/// The reports of every space that takes them, for the catalogue.
pub async fn datasets(state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    use kernel::catalog::{Dataset, Distribution};
    let mut out = Vec::new();
    for slug in store::jurisdictions(state.db()).await? {
        let Some(space) = kernel::spaces::store::get_by_slug(state.db(), &slug).await? else {
            continue;
        };
        let file = |ext: &str| format!("/data/reports/{slug}.{ext}");
        out.push(Dataset {
            id: format!("reports-{slug}"),
            title: format!("Signalements — {}", space.name),
            description: "Les signalements publiés (catégorie, état, dates, position arrondie à 10 m, notes publiques), sans données personnelles.".into(),
            publisher: space.name.clone(),
            keywords: vec!["signalements".into(), "voirie".into(), "Open311".into()],
            modified: None,
            distributions: vec![
                Distribution {
                    path: file("csv"),
                    media_type: "text/csv",
                    format: "CSV",
                    schema: Some(file("schema.json")),
                },
                Distribution {
                    path: file("geojson"),
                    media_type: "application/geo+json",
                    format: "GeoJSON",
                    schema: None,
                },
                Distribution {
                    path: file("json"),
                    media_type: "application/json",
                    format: "JSON",
                    schema: None,
                },
            ],
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("Nid-de-poule"), "Nid-de-poule");
        assert_eq!(csv_field("Trou, \"gros\""), "\"Trou, \"\"gros\"\"\"");
        assert_eq!(round(44.017_649), 44.0176);
    }
}
