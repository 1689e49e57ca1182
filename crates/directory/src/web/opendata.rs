//! The directory's open data: the actors as CSV and GeoJSON with their Table Schema.

use super::*;

// ----- Open data -----

pub(crate) const CSV_HEADER: &str = "id,name,kind,siret,rna,short_description,website,email,phone,address,postcode,commune,departement,region,lat,long,themes,activities,publics,opening_hours,source,social,logo,created_at,updated_at,verified_at\n";

/// The path of an actor's logo on the platform, or empty.
pub(crate) fn logo_path(a: &Actor) -> String {
    if a.logo.is_empty() {
        String::new()
    } else {
        format!("/uploads/{}", a.logo)
    }
}

/// An actor as an item of the JSON and GeoJSON exports (the CSV is written by the database:
/// `store::export_csv_page`).
fn row(shape: Shape, a: &Actor, first: bool) -> String {
    let d = &a.data;
    let dates = [a.created_at, a.updated_at, a.verified_at].map(kernel::ids::iso_date);
    match shape {
        Shape::Csv => unreachable!("the CSV export is written by the database"),
        Shape::Json | Shape::GeoJson => shape.json_item(
            serde_json::json!({
                "id": a.id, "name": d.name, "kind": d.kind, "siret": d.siret, "rna": d.rna,
                "short_description": d.short_description, "website": d.website, "email": d.email,
                "phone": d.phone, "address": d.address, "postcode": d.postcode, "commune": d.commune,
                "departement": a.departement, "region": a.region, "themes": d.themes,
                "activities": d.activities, "publics": d.publics, "opening_hours": d.opening_hours,
                "source": d.source, "social": d.social, "logo": logo_path(a), "created_at": dates[0], "updated_at": dates[1], "verified_at": dates[2],
            }),
            Some((d.lat, d.lon)),
            first,
        ),
    }
}

pub(crate) fn schema(tax: &Taxonomy) -> serde_json::Value {
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    serde_json::json!({
        "title": "Annuaire des acteurs de l'innovation territoriale",
        "fields": [
            field("id", "string", "Identifiant stable de l'acteur"),
            text("name", "Nom"),
            {"name": "kind", "type": "string", "description": "Type d'acteur", "constraints": {"enum": tax.codes("kind")}},
            field("siret", "string", "SIRET (14 chiffres)"),
            field("rna", "string", "Numéro RNA (associations)"),
            text("short_description", "Description courte (280 caractères au plus)"),
            field("website", "string", "Site web"),
            text("email", "Adresse électronique publique"),
            field("phone", "string", "Téléphone (format international)"),
            text("address", "Adresse"),
            field("postcode", "string", "Code postal"),
            field("commune", "string", "Code INSEE de la commune"),
            field("departement", "string", "Code du département"),
            field("region", "string", "Code de la région"),
            field("lat", "number", "Latitude WGS84 (4 décimales)"),
            field("long", "number", "Longitude WGS84 (4 décimales)"),
            field("themes", "string", "Thèmes, séparés par des points-virgules"),
            field("activities", "string", "Activités proposées, séparées par des points-virgules"),
            field("publics", "string", "Publics, séparés par des points-virgules"),
            text("opening_hours", "Horaires (syntaxe opening_hours d'OpenStreetMap)"),
            text("source", "Source de l'information"),
            text("social", "Liens vers les réseaux sociaux et autres pages publiques, séparés par des espaces"),
            field("logo", "string", "Chemin du logo sur la plateforme, à la suite de son adresse, ou vide"),
            field("created_at", "date", "Date d'inscription"),
            field("updated_at", "date", "Date de dernière mise à jour"),
            field("verified_at", "date", "Date de dernière vérification par l'acteur"),
        ],
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
            CSV_HEADER,
            Box::new(move |after| {
                let db = db.clone();
                Box::pin(async move { store::export_csv_page(&db, after, CSV_PAGE).await })
            }),
            kernel::opendata::TextPage::row,
            kernel::opendata::TextPage::cursor,
        ));
    }
    Ok(kernel::opendata::stream(
        shape,
        CSV_HEADER,
        Box::new(move |after| {
            let db = db.clone();
            Box::pin(async move { store::export_page(&db, after, PAGE).await })
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
