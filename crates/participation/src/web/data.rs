//! A process as open data, without personal data: its contributions with their answers and
//! support counts as CSV (with its Table Schema), GeoJSON and JSON under
//! `/data/processes/{space}/{process}/`, streamed; an Atom feed per process.

use super::contribution_url;
use super::processes::visible_process;
use crate::model::{Contribution, Process};
use crate::store;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::opendata::{AtomEntry, PAGE, Shape, csv_text, round};
use kernel::web::routes::Routes;
use kernel::{AppState, Error};

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/data/processes/{space}/{process}/{file}", get(data_set))
        .route("/s/{space}/processes/{process}/feed.atom", get(feed))
}

const CSV_HEADER: &str = "id,component_id,title,body,category,lat,long,supports,comments,answer_state,answer_progress,answer_text,answered_at,created_at\n";

/// Categories by id, for the rows.
type Names = std::sync::Arc<Vec<(String, String)>>;

fn category_name<'a>(names: &'a Names, c: &Contribution) -> &'a str {
    c.category_id
        .as_ref()
        .and_then(|id| names.iter().find(|(i, _)| i == id))
        .map(|(_, n)| n.as_str())
        .unwrap_or("")
}

/// One row: what is public of a contribution (never its author).
fn row(shape: Shape, r: &(Contribution, Names), first: bool) -> String {
    let (c, names) = r;
    let category = category_name(names, c);
    let (state, progress, text, at) = match &c.answer {
        Some(a) => (
            a.state.as_str(),
            a.progress.to_string(),
            a.text.clone(),
            kernel::ids::iso_datetime(a.at),
        ),
        None => ("", String::new(), String::new(), String::new()),
    };
    let created = kernel::ids::iso_datetime(c.created_at);
    match shape {
        Shape::Csv => {
            let (lat, lon) = c
                .position
                .map(|p| (round(p.lat).to_string(), round(p.lon).to_string()))
                .unwrap_or_default();
            format!(
                "{},{},{},{},{},{lat},{lon},{},{},{state},{progress},{},{at},{created}\n",
                c.id,
                c.component_id,
                csv_text(&c.title),
                csv_text(&c.body),
                csv_text(category),
                c.supports,
                c.comments,
                csv_text(&text),
            )
        }
        Shape::Json | Shape::GeoJson => shape.json_item(
            serde_json::json!({
                "id": c.id, "component_id": c.component_id, "title": c.title, "body": c.body,
                "category": category, "supports": c.supports, "comments": c.comments,
                "answer_state": state, "answer_progress": c.answer.as_ref().map(|a| a.progress),
                "answer_text": text, "answered_at": at, "created_at": created,
            }),
            c.position.map(|p| (p.lat, p.lon)),
            first,
        ),
    }
}

fn schema(process: &Process) -> serde_json::Value {
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    serde_json::json!({
        "title": format!("Contributions — {}", process.title),
        "fields": [
            field("id", "string", "Identifiant de la contribution"),
            field("component_id", "string", "Identifiant de la boîte à idées ou de la carte"),
            text("title", "Titre"),
            text("body", "Texte (Markdown simple)"),
            text("category", "Catégorie"),
            field("lat", "number", "Latitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            field("long", "number", "Longitude WGS84, arrondie à 4 décimales (environ 10 m)"),
            field("supports", "integer", "Nombre de soutiens"),
            field("comments", "integer", "Nombre de commentaires publiés"),
            {"name": "answer_state", "type": "string", "description": "Réponse de la collectivité",
             "constraints": {"enum": ["", "studying", "accepted", "rejected", "implemented"]}},
            field("answer_progress", "integer", "Avancement (%)"),
            text("answer_text", "Texte de la réponse"),
            field("answered_at", "datetime", "Date de la réponse (UTC)"),
            field("created_at", "datetime", "Date de dépôt (UTC)"),
        ],
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

async fn data_set(
    State(state): State<AppState>,
    Path((space, process, file)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    // Open data and feeds leave drafts out, for everyone.
    let process = visible_process(&state, &space, &process, None).await?;
    if file == "contributions.schema.json" {
        return Ok(axum::Json(schema(&process)).into_response());
    }
    let (stem, shape) = Shape::of_file(&file).ok_or(Error::NotFound)?;
    if stem != "contributions" {
        return Err(Error::NotFound);
    }
    let mut names = Vec::new();
    for c in store::components(state.db(), &process.id).await? {
        for cat in store::categories(state.db(), &c.id).await? {
            names.push((cat.id, cat.name));
        }
    }
    let names: Names = std::sync::Arc::new(names);
    let db = state.db().clone();
    Ok(kernel::opendata::stream(
        shape,
        CSV_HEADER,
        Box::new(move |after| {
            let (db, id, names) = (db.clone(), process.id.clone(), names.clone());
            Box::pin(async move {
                let page = store::contributions::export_page(&db, &id, after, PAGE).await?;
                Ok(page.into_iter().map(|c| (c, names.clone())).collect())
            })
        }),
        row,
        |(c, _)| (c.created_at, c.id.clone()),
    ))
}

async fn feed(
    State(state): State<AppState>,
    Path((space, process)): Path<(String, String)>,
) -> Result<Response, Error> {
    // Open data and feeds leave drafts out, for everyone.
    let process = visible_process(&state, &space, &process, None).await?;
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let entries: Vec<AtomEntry> =
        store::contributions::recent_of_process(state.db(), &process.id, 50)
            .await?
            .iter()
            .map(|c| AtomEntry {
                title: match &c.answer {
                    Some(a) => format!(
                        "{} — {}",
                        c.title,
                        kernel::i18n::tr(kernel::i18n::Lang::Fr, a.state.key())
                    ),
                    None => c.title.clone(),
                },
                url: format!("{base}{}", contribution_url(&process, &c.id)),
                updated: c
                    .answer
                    .as_ref()
                    .map(|a| a.at)
                    .unwrap_or(c.created_at)
                    .max(c.created_at),
                published: c.created_at,
                summary: c.excerpt(),
            })
            .collect();
    Ok(kernel::opendata::atom(
        &format!("{} — {}", process.title, process.space_name),
        &format!("{base}{}/feed.atom", process.url()),
        &entries,
    ))
}

/// Every process with contributions, as a data set of the catalogue.
pub async fn datasets(state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    use kernel::catalog::{Dataset, Distribution};
    let mut out = Vec::new();
    for p in store::with_contributions(state.db()).await? {
        out.push(Dataset {
            id: format!("contributions-{}-{}", p.space_slug, p.slug),
            title: format!("Contributions — {} ({})", p.title, p.space_name),
            description: "Les contributions publiées d'une démarche participative (titre, texte, catégorie, position arrondie à 10 m), leurs soutiens et la réponse de la collectivité, sans données personnelles.".into(),
            publisher: p.space_name.clone(),
            keywords: vec!["participation citoyenne".into(), "boîte à idées".into(), "carte participative".into()],
            modified: None,
            distributions: Distribution::csv_geojson_json(&format!(
                "/data/processes/{}/{}/contributions",
                p.space_slug, p.slug
            )),
        });
    }
    Ok(out)
}
