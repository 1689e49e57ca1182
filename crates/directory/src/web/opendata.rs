//! The directory's open data: the actors as CSV and GeoJSON with their Table Schema.

use super::*;
use crate::columns::{self, Cell, Kind};
use std::sync::LazyLock;

// ----- Open data -----

/// The CSV header: the published columns' headers (`crate::columns::published`).
pub(crate) static CSV_HEADER: LazyLock<String> = LazyLock::new(|| {
    let headers: Vec<&str> = columns::published().map(|(_, o)| o.header).collect();
    format!("{}\n", headers.join(","))
});

/// The path of an actor's logo on the platform, or empty.
pub(crate) fn logo_path(a: &Actor) -> String {
    upload_path(&a.logo)
}

/// The path of a file of the uploads, or empty for none.
fn upload_path(file: &str) -> String {
    if file.is_empty() {
        String::new()
    } else {
        format!("/uploads/{file}")
    }
}

/// An actor as an item of the JSON and GeoJSON exports (the CSV is written by the database:
/// `store::export_csv_page`): the published columns but the position, which `json_item` adds
/// (rounded) or makes the geometry.
fn row(shape: Shape, a: &Actor, first: bool) -> String {
    if shape == Shape::Csv {
        unreachable!("the CSV export is written by the database");
    }
    let mut props = serde_json::Map::new();
    for (c, o) in columns::published() {
        let value = match c.of(a) {
            Cell::Text(t) => t.into(),
            Cell::List(items) => items.into(),
            Cell::Date(ms) => kernel::ids::iso_date(ms).into(),
            Cell::Upload(file) => upload_path(file).into(),
            Cell::Number(_) => continue,
        };
        props.insert(o.header.to_string(), value);
    }
    let position = a.data.position();
    shape.json_item(props.into(), Some((position.lat, position.lon)), first)
}

/// The Table Schema of the CSV: an entry per published column, typed as its kind says (free
/// text with the platform's note on formulas).
pub(crate) fn schema(tax: &Taxonomy) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = columns::published()
        .map(|(c, o)| {
            let kind = match c.kind {
                Kind::Text | Kind::Links => {
                    return kernel::opendata::schema_text(o.header, o.about);
                }
                Kind::Coordinate(_) => "number",
                Kind::Date => "date",
                Kind::Code | Kind::Term(_) | Kind::Link | Kind::Terms(_) | Kind::Upload => "string",
            };
            let mut field = kernel::opendata::schema_field(o.header, kind, o.about);
            if let Kind::Term(vocabulary) = c.kind {
                field["constraints"] = serde_json::json!({"enum": tax.codes(vocabulary)});
            }
            field
        })
        .collect();
    serde_json::json!({
        "title": "Annuaire des acteurs de l'innovation territoriale",
        "fields": fields,
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

/// Rows of a CSV page written by the database.
const CSV_PAGE: i64 = 2_000;

pub(crate) async fn data_set(
    State(state): State<AppState>,
    file: &'static str,
) -> Result<Response, Error> {
    let (_, shape) = Shape::of_file(file).ok_or(Error::NotFound)?;
    let db = state.db().clone();
    if shape == Shape::Csv {
        // The largest export: each page is one text the database writes.
        return Ok(kernel::opendata::stream(
            shape,
            CSV_HEADER.as_str(),
            Box::new(move |after| {
                let db = db.clone();
                Box::pin(async move { Ok(store::export_csv_page(&db, after, CSV_PAGE).await?) })
            }),
            kernel::opendata::TextPage::row,
            kernel::opendata::TextPage::cursor,
        ));
    }
    Ok(kernel::opendata::stream(
        shape,
        CSV_HEADER.as_str(),
        Box::new(move |after| {
            let db = db.clone();
            Box::pin(async move { Ok(store::export_page(&db, after, PAGE).await?) })
        }),
        row,
        |a| (0, a.id.clone()),
    ))
}

/// The directory as a data set of the catalogue.
pub async fn datasets(_state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    Ok(vec![actors_dataset(), offers::dataset()])
}

fn actors_dataset() -> kernel::catalog::Dataset {
    kernel::catalog::Dataset {
        id: "actors".into(),
        title: "Annuaire des acteurs de l'innovation territoriale".into(),
        description: "Entreprises de la ville intelligente, structures d'innovation, tiers-lieux et acteurs de la participation : type, thèmes, activités, publics, coordonnées publiques et position. Sans données personnelles des propriétaires des fiches.".into(),
        publisher: "Territoires".into(),
        keywords: vec!["annuaire".into(), "innovation".into(), "tiers-lieux".into(), "smart city".into()],
        modified: None,
        distributions: kernel::catalog::Distribution::csv_geojson_json("/data/actors"),
    }
}
