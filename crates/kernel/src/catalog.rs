//! The open data catalogue: every public data set the components publish, as a DCAT-AP
//! catalogue in JSON-LD at `/data/catalog.jsonld` and as a page at `/data/`.

use crate::app::AppState;
use crate::error::Error;
use crate::web::routes::Routes;
use crate::web::{PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The licence of the platform's open data.
pub const LICENCE: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

/// One file of a data set.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// Its address on this instance (a path from `/`).
    pub path: String,
    /// Its media type (`text/csv`, `application/geo+json`…).
    pub media_type: &'static str,
    /// Its short format name (`CSV`, `GeoJSON`…).
    pub format: &'static str,
    /// The address of the schema it conforms to, if any (a path from `/`).
    pub schema: Option<String>,
}

impl Distribution {
    /// The files every data set of the platform has at `{stem}.csv` (with its Table Schema at
    /// `{stem}.schema.json`), `{stem}.geojson` and `{stem}.json`.
    pub fn csv_geojson_json(stem: &str) -> Vec<Distribution> {
        let file = |ext: &str| format!("{stem}.{ext}");
        vec![
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
        ]
    }
}

/// A public data set.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Stable identifier, also the anchor of its entry.
    pub id: String,
    /// Title, in French.
    pub title: String,
    /// Description, in French.
    pub description: String,
    /// Who publishes it (a space's name).
    pub publisher: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Last change (UTC ms), when known.
    pub modified: Option<i64>,
    /// Its files.
    pub distributions: Vec<Distribution>,
}

/// How a component lists its data sets.
pub type DatasetsFn = fn(AppState) -> crate::changes::BoxFuture<Result<Vec<Dataset>, Error>>;

/// The catalogue routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/data/catalog.jsonld", get(jsonld))
        .route("/data/", get(page))
        .route("/data", get(page))
}

fn jsonld_of(base: &str, datasets: &[Dataset]) -> serde_json::Value {
    let url = |path: &str| format!("{base}{path}");
    serde_json::json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": url("/data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": "Données ouvertes de Territoires",
        "dct:description": "Les jeux de données publics des espaces de cette plateforme, sans données personnelles.",
        "dct:language": "fr",
        "dct:license": LICENCE,
        "dcat:dataset": datasets.iter().map(|d| {
            let mut out = serde_json::json!({
                "@id": url(&format!("/data/#{}", d.id)),
                "@type": "dcat:Dataset",
                "dct:identifier": d.id,
                "dct:title": d.title,
                "dct:description": d.description,
                "dct:publisher": {"@type": "foaf:Agent", "foaf:name": d.publisher},
                "dct:license": LICENCE,
                "dcat:keyword": d.keywords,
                "dcat:distribution": d.distributions.iter().map(|f| {
                    let mut dist = serde_json::json!({
                        "@type": "dcat:Distribution",
                        "dcat:accessURL": url(&f.path),
                        "dcat:downloadURL": url(&f.path),
                        "dcat:mediaType": f.media_type,
                        "dct:format": f.format,
                        "dct:license": LICENCE,
                    });
                    if let Some(schema) = &f.schema {
                        dist["dct:conformsTo"] = url(schema).into();
                    }
                    dist
                }).collect::<Vec<_>>(),
            });
            if let Some(ms) = d.modified {
                out["dct:modified"] = crate::ids::iso_datetime(ms).into();
            }
            out
        }).collect::<Vec<_>>(),
    })
}

async fn jsonld(State(state): State<AppState>) -> Result<Response, Error> {
    let datasets = state.datasets().await?;
    let base = state.config().base_url.trim_end_matches('/').to_string();
    Ok((
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        jsonld_of(&base, &datasets).to_string(),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    page: PageCtx,
    datasets: Vec<Dataset>,
}

async fn page(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    let datasets = state.datasets().await?;
    render(&DataPage { page, datasets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_dcat_in_json_ld() {
        let d = Dataset {
            id: "reports-montauban".into(),
            title: "Signalements".into(),
            description: "".into(),
            publisher: "Montauban".into(),
            keywords: vec!["signalements".into()],
            modified: Some(0),
            distributions: vec![Distribution {
                path: "/data/reports/montauban.csv".into(),
                media_type: "text/csv",
                format: "CSV",
                schema: Some("/data/reports/montauban.schema.json".into()),
            }],
        };
        let j = jsonld_of("https://t.example", &[d]);
        assert_eq!(j["@type"], "dcat:Catalog");
        let dist = &j["dcat:dataset"][0]["dcat:distribution"][0];
        assert_eq!(
            dist["dcat:downloadURL"],
            "https://t.example/data/reports/montauban.csv"
        );
        assert_eq!(
            dist["dct:conformsTo"],
            "https://t.example/data/reports/montauban.schema.json"
        );
        assert_eq!(j["dcat:dataset"][0]["dct:modified"], "1970-01-01T00:00:00Z");
    }
}
