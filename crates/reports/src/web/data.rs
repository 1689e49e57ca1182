//! The reports as open data, without personal data: CSV (with its Table Schema), GeoJSON and
//! JSON under `/data/reports/`, streamed page by page; Atom feeds per space and per category;
//! statistics per category (counts by status, median time to resolution).

use super::citizen::status_key;
use super::space_or_404;
use crate::model::Report;
use crate::store;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::opendata::{AtomEntry, PAGE, Shape, csv_field, csv_text, round};
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::web::{PageCtx, render};
use kernel::{AppState, Error};
use serde::Deserialize;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/data/reports/{file}", get(data_set))
        .route("/s/{space}/reports/feed.atom", get(feed))
        .route("/s/{space}/reports/stats", get(stats))
}

fn row(shape: Shape, r: &Report, first: bool) -> String {
    let requested = kernel::ids::iso_datetime(r.created_at);
    let updated = kernel::ids::iso_datetime(r.updated_at);
    match shape {
        Shape::Csv => format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.id,
            csv_field(&r.service_code),
            csv_text(&r.service_name),
            r.status.as_str(),
            requested,
            updated,
            round(r.lat),
            round(r.lon),
            csv_text(&r.status_notes)
        ),
        Shape::Json | Shape::GeoJson => shape.json_item(
            serde_json::json!({
                "id": r.id, "service_code": r.service_code, "service_name": r.service_name,
                "status": r.status.as_str(), "requested_datetime": requested, "updated_datetime": updated,
                "status_notes": r.status_notes,
            }),
            Some((r.lat, r.lon)),
            first,
        ),
    }
}

const CSV_HEADER: &str = "id,service_code,service_name,status,requested_datetime,updated_datetime,lat,long,status_notes\n";

/// The Table Schema of the CSV.
fn schema(space: &Space) -> serde_json::Value {
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    serde_json::json!({
        "title": format!("Signalements — {}", space.name),
        "fields": [
            field("id", "string", "Identifiant du signalement (service_request_id Open311)"),
            field("service_code", "string", "Code de la catégorie"),
            text("service_name", "Nom de la catégorie"),
            {"name": "status", "type": "string", "description": "État", "constraints": {"enum": ["new", "acknowledged", "in_progress", "resolved", "rejected"]}},
            field("requested_datetime", "datetime", "Reçu le (UTC)"),
            field("updated_datetime", "datetime", "Dernière mise à jour (UTC)"),
            field("lat", "number", "Latitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            field("long", "number", "Longitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            text("status_notes", "Dernière note publique"),
        ],
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

async fn data_set(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    if let Some(s) = file.strip_suffix(".schema.json") {
        let space = space_or_404(&state, s).await?;
        return Ok(axum::Json(schema(&space)).into_response());
    }
    let (slug, shape) = Shape::of_file(&file).ok_or(Error::NotFound)?;
    let space = space_or_404(&state, slug).await?;
    let db = state.db().clone();
    Ok(kernel::opendata::stream(
        shape,
        CSV_HEADER,
        Box::new(move |after| {
            let (db, space_id) = (db.clone(), space.id.clone());
            Box::pin(async move {
                Ok(store::published_after(&db, &space_id, after.as_ref(), PAGE).await?)
            })
        }),
        row,
        |r| (r.created_at, r.id.clone()),
    ))
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    category: String,
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
    let entries: Vec<AtomEntry> = reports
        .iter()
        .map(|r| {
            let status = kernel::i18n::tr(kernel::i18n::Lang::Fr, status_key(r.status));
            AtomEntry {
                title: format!("{} — {status}", r.service_name),
                url: format!("{base}{}", crate::model::report_url(&space.slug, &r.id)),
                updated: r.updated_at,
                published: r.created_at,
                summary: if r.status_notes.is_empty() {
                    r.description.clone()
                } else {
                    format!("{} — {}", r.description, r.status_notes)
                },
            }
        })
        .collect();
    Ok(kernel::opendata::atom(
        &format!("Signalements — {}", space.name),
        &self_url,
        &entries,
    ))
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
        out.push(Dataset {
            id: format!("reports-{slug}"),
            title: format!("Signalements — {}", space.name),
            description: "Les signalements publiés (catégorie, état, dates, position arrondie à 10 m, notes publiques), sans données personnelles.".into(),
            publisher: space.name.clone(),
            keywords: vec!["signalements".into(), "voirie".into(), "Open311".into()],
            modified: None,
            distributions: Distribution::csv_geojson_json(&format!("/data/reports/{slug}")),
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
