//! The members, the published resources and the anonymised requests for support as open data:
//! each as CSV (with its Table Schema) and JSON, the members also as GeoJSON, all in the
//! catalogue. One description of a data set's fields ([`Line`]) writes the CSV's lines, the
//! JSON's objects and the GeoJSON's features, through the kernel's shapes. A network holds
//! hundreds of members and resources: the lines are read at once rather than page by page. The
//! resources' files hold no personal data (not their authors). The requests for support are
//! anonymised: their methods, département, budget band, state and month, with neither their
//! texts nor who asked or answered.

use super::*;
use kernel::opendata::{Shape, csv_field, csv_text, round};

/// A value of a published field, typed as its Table Schema says.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// A code, a list of codes or an address (`string`).
    Code(String),
    /// Free text (`string`): in the CSV, an apostrophe before what starts like a formula.
    Text(String),
    /// A date `YYYY-MM-DD` (`date`).
    Date(String),
    /// A month `YYYY-MM` (`yearmonth`).
    Month(String),
    /// A count (`integer`).
    Integer(i64),
}

impl Value {
    fn csv(&self) -> String {
        match self {
            Value::Code(s) | Value::Date(s) | Value::Month(s) => csv_field(s),
            Value::Text(s) => csv_text(s),
            Value::Integer(n) => n.to_string(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Value::Code(s) | Value::Text(s) | Value::Date(s) | Value::Month(s) => s.as_str().into(),
            Value::Integer(n) => (*n).into(),
        }
    }

    /// Its Table Schema type.
    #[cfg(test)]
    fn schema_type(&self) -> &'static str {
        match self {
            Value::Code(_) | Value::Text(_) => "string",
            Value::Date(_) => "date",
            Value::Month(_) => "yearmonth",
            Value::Integer(_) => "integer",
        }
    }
}

/// One item of a data set: its fields in the order of the CSV's columns, and its position if it
/// has one (the CSV's last columns `lat` and `long`, the JSON's `lat` and `long`, the
/// GeoJSON's point), rounded to about ten metres.
#[derive(Debug, Clone)]
struct Line {
    fields: Vec<(&'static str, Value)>,
    position: Option<(f64, f64)>,
}

/// A line in a shape: a CSV line, or a JSON object or GeoJSON feature with its comma unless
/// `first` (a [`kernel::opendata::stream`] row function).
fn line(shape: Shape, l: &Line, first: bool) -> String {
    if shape == Shape::Csv {
        let mut cells: Vec<String> = l.fields.iter().map(|(_, v)| v.csv()).collect();
        if let Some((lat, lon)) = l.position {
            cells.push(round(lat).to_string());
            cells.push(round(lon).to_string());
        }
        return cells.join(",") + "\n";
    }
    let props: serde_json::Map<String, serde_json::Value> = l
        .fields
        .iter()
        .map(|(name, v)| (name.to_string(), v.json()))
        .collect();
    shape.json_item(props.into(), l.position, first)
}

/// A data set's lines in a shape, with the kernel's content type and CORS header.
fn serve(shape: Shape, csv_header: &'static str, lines: Vec<Line>) -> Response {
    // The lines are one page: the stream asks for the next one after it, and gets none.
    let page = std::sync::Mutex::new(Some(lines));
    kernel::opendata::stream(
        shape,
        csv_header,
        Box::new(move |_| {
            let lines = page
                .lock()
                .map(|mut p| p.take().unwrap_or_default())
                .unwrap_or_default();
            Box::pin(async move { Ok(lines) })
        }),
        line,
        |_| (0, String::new()),
    )
}

const CSV_HEADER: &str =
    "id,actor_id,name,directory_url,methods,departements,member_since,lat,long\n";

/// One member of the data set.
fn member_line(m: &Member, base: &str) -> Line {
    Line {
        fields: vec![
            ("id", Value::Code(m.id.clone())),
            ("actor_id", Value::Code(m.actor_id.clone())),
            ("name", Value::Text(m.actor_name.clone())),
            (
                "directory_url",
                Value::Code(format!("{base}{}", m.actor_url)),
            ),
            ("methods", Value::Code(m.methods.join(","))),
            ("departements", Value::Code(m.departements.join(","))),
            (
                "member_since",
                Value::Date(kernel::ids::iso_date(m.updated_at)),
            ),
        ],
        position: Some((m.lat, m.lon)),
    }
}

/// `/data/network/members.{csv,geojson,json}`.
pub(super) async fn members(
    State(state): State<AppState>,
    shape: Shape,
) -> Result<Response, Error> {
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let lines = store::all_listed(state.db(), &Filter::default())
        .await?
        .iter()
        .map(|m| member_line(m, &base))
        .collect();
    Ok(serve(shape, CSV_HEADER, lines))
}

/// The Table Schema of the CSV.
fn schema(methods: &[Method]) -> serde_json::Value {
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    let codes: Vec<String> = methods
        .iter()
        .map(|m| format!("{} ({})", m.code, m.label_fr))
        .collect();
    serde_json::json!({
        "title": "Membres du réseau Territoires en commun",
        "fields": [
            field("id", "string", "Identifiant du membre"),
            field("actor_id", "string", "Identifiant de l'acteur dans l'annuaire"),
            text("name", "Nom de l'acteur"),
            field("directory_url", "string", "Fiche de l'acteur dans l'annuaire"),
            field("methods", "string", &format!(
                "Méthodes pratiquées, codes séparés par des virgules : {}",
                codes.join(", ")
            )),
            field("departements", "string", "Départements où le membre intervient, codes INSEE séparés par des virgules"),
            field("member_since", "date", "Membre depuis (date d'acceptation)"),
            field("lat", "number", "Latitude WGS84 de l'acteur, arrondie à 4 décimales (environ 10 m)"),
            field("long", "number", "Longitude WGS84 de l'acteur, arrondie à 4 décimales (environ 10 m)"),
        ],
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

pub(super) async fn members_schema(State(state): State<AppState>) -> Result<Response, Error> {
    let methods = store::methods(state.db()).await?;
    Ok(axum::Json(schema(&methods)).into_response())
}

const RESOURCES_HEADER: &str = "id,title,kind,methods,licence,licence_other,member_id,member_name,\
     url,attachments,published\n";

/// One resource of the data set.
fn resource_line(r: &crate::store::resources::Resource, base: &str) -> Line {
    Line {
        fields: vec![
            ("id", Value::Code(r.id.clone())),
            ("title", Value::Text(r.data.title.clone())),
            ("kind", Value::Code(r.data.kind.clone())),
            ("methods", Value::Code(r.data.methods.join(","))),
            ("licence", Value::Code(r.data.licence.clone())),
            ("licence_other", Value::Text(r.data.licence_other.clone())),
            ("member_id", Value::Code(r.member_id.clone())),
            ("member_name", Value::Text(r.actor_name.clone())),
            ("url", Value::Code(format!("{base}{}", r.url()))),
            (
                "attachments",
                Value::Integer(r.data.attachments.len() as i64),
            ),
            (
                "published",
                Value::Date(kernel::ids::iso_date(r.updated_at)),
            ),
        ],
        position: None,
    }
}

/// `/data/network/resources.{csv,json}`.
pub(super) async fn resources(
    State(state): State<AppState>,
    shape: Shape,
) -> Result<Response, Error> {
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let lines = store::resources::all_listed(state.db())
        .await?
        .iter()
        .map(|r| resource_line(r, &base))
        .collect();
    Ok(serve(shape, RESOURCES_HEADER, lines))
}

/// The Table Schema of the resources' CSV.
fn resources_schema_of(methods: &[Method]) -> serde_json::Value {
    use crate::model::resources::{KINDS, LICENCES};
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    let codes: Vec<String> = methods
        .iter()
        .map(|m| format!("{} ({})", m.code, m.label_fr))
        .collect();
    serde_json::json!({
        "title": "Ressources du réseau Territoires en commun",
        "fields": [
            field("id", "string", "Identifiant de la ressource"),
            text("title", "Titre"),
            field("kind", "string", &format!("Type de ressource : {}", KINDS.join(", "))),
            field("methods", "string", &format!(
                "Méthodes concernées, codes séparés par des virgules : {}",
                codes.join(", ")
            )),
            field("licence", "string", &format!(
                "Licence : {} (cc_by_4 : CC BY 4.0, cc_by_sa_4 : CC BY-SA 4.0, etalab_2 : \
                 Licence Ouverte 2.0, other : autre licence nommée dans licence_other, \
                 all_rights_reserved : tous droits réservés)",
                LICENCES.join(", ")
            )),
            text("licence_other", "Nom de la licence quand licence vaut other, sinon vide"),
            field("member_id", "string", "Identifiant du membre du réseau qui publie la ressource"),
            text("member_name", "Nom du membre (l'acteur de l'annuaire)"),
            field("url", "string", "Page de la ressource, avec ses pièces jointes"),
            field("attachments", "integer", "Nombre de pièces jointes"),
            field("published", "date", "Date de publication"),
        ],
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

pub(super) async fn resources_schema(State(state): State<AppState>) -> Result<Response, Error> {
    let methods = store::methods(state.db()).await?;
    Ok(axum::Json(resources_schema_of(&methods)).into_response())
}

const REQUESTS_HEADER: &str = "methods,departement,budget_band,state,month\n";

/// One request for support of the data set: no id, no text, no name.
fn request_line(r: &crate::store::requests::SupportRequest) -> Line {
    let month: String = kernel::ids::iso_date(r.created_at)
        .chars()
        .take(7)
        .collect();
    Line {
        fields: vec![
            ("methods", Value::Code(r.methods.join(","))),
            ("departement", Value::Code(r.departement.clone())),
            ("budget_band", Value::Code(r.budget_band.clone())),
            ("state", Value::Code(r.state.as_str().to_string())),
            ("month", Value::Month(month)),
        ],
        position: None,
    }
}

/// `/data/network/requests.{csv,json}`.
pub(super) async fn requests(
    State(state): State<AppState>,
    shape: Shape,
) -> Result<Response, Error> {
    let lines = store::requests::all(state.db())
        .await?
        .iter()
        .map(request_line)
        .collect();
    Ok(serve(shape, REQUESTS_HEADER, lines))
}

/// The Table Schema of the requests' CSV.
fn requests_schema_of(methods: &[Method]) -> serde_json::Value {
    use crate::model::requests::BUDGET_BANDS;
    let field = kernel::opendata::schema_field;
    let codes: Vec<String> = methods
        .iter()
        .map(|m| format!("{} ({})", m.code, m.label_fr))
        .collect();
    serde_json::json!({
        "title": "Demandes d'accompagnement adressées au réseau Territoires en commun (anonymisées)",
        "fields": [
            field("methods", "string", &format!(
                "Méthodes demandées, codes séparés par des virgules : {}",
                codes.join(", ")
            )),
            field("departement", "string", "Département concerné, code INSEE"),
            field("budget_band", "string", &format!(
                "Tranche de budget : {} (under_5k : moins de 5 000 €, 5k_20k : de 5 000 à \
                 20 000 €, 20k_50k : de 20 000 à 50 000 €, over_50k : plus de 50 000 €)",
                BUDGET_BANDS.join(", ")
            )),
            field("state", "string", "État : open (ouverte), answered (pourvue : un membre a été choisi), closed (close)"),
            field("month", "yearmonth", "Mois de la demande"),
        ],
        "licenses": kernel::opendata::schema_licence(),
    })
}

pub(super) async fn requests_schema(State(state): State<AppState>) -> Result<Response, Error> {
    let methods = store::methods(state.db()).await?;
    Ok(axum::Json(requests_schema_of(&methods)).into_response())
}

/// The files of a data set without a position: its CSV (with its Table Schema) and its JSON.
fn csv_json(stem: &str) -> Vec<kernel::catalog::Distribution> {
    kernel::catalog::Distribution::csv_geojson_json(stem)
        .into_iter()
        .filter(|d| d.format != "GeoJSON")
        .collect()
}

/// The network's data sets, for the catalogue.
pub async fn datasets(state: AppState) -> Result<Vec<kernel::catalog::Dataset>, Error> {
    use kernel::catalog::{Dataset, Distribution};
    Ok(vec![
        Dataset {
            id: "network-members".into(),
            title: "Membres du réseau Territoires en commun".into(),
            description:
                "Les acteurs de l'ingénierie démocratique membres du réseau : les méthodes \
                      qu'ils pratiquent, les départements où ils interviennent, leur position."
                    .into(),
            publisher: "Territoires en commun".into(),
            keywords: vec![
                "participation citoyenne".into(),
                "ingénierie démocratique".into(),
                "réseau".into(),
            ],
            modified: store::last_change(state.db()).await?,
            distributions: Distribution::csv_geojson_json("/data/network/members"),
        },
        Dataset {
            id: "network-resources".into(),
            title: "Ressources du réseau Territoires en commun".into(),
            description:
                "Les ressources méthodologiques (guides, modèles, outils) publiées par les \
                      membres du réseau : leur type, les méthodes qu'elles concernent, leur \
                      licence, le membre qui les publie."
                    .into(),
            publisher: "Territoires en commun".into(),
            keywords: vec![
                "participation citoyenne".into(),
                "ingénierie démocratique".into(),
                "ressources méthodologiques".into(),
            ],
            modified: store::resources::last_change(state.db()).await?,
            distributions: csv_json("/data/network/resources"),
        },
        Dataset {
            id: "network-requests".into(),
            title: "Demandes d'accompagnement au réseau Territoires en commun".into(),
            description: "Les demandes d'accompagnement que les collectivités adressent aux \
                          membres du réseau, anonymisées : les méthodes demandées, le \
                          département, la tranche de budget, l'état et le mois de la demande."
                .into(),
            publisher: "Territoires en commun".into(),
            keywords: vec![
                "participation citoyenne".into(),
                "ingénierie démocratique".into(),
                "accompagnement".into(),
            ],
            modified: store::requests::last_change(state.db()).await?,
            distributions: csv_json("/data/network/requests"),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            id: "m1".into(),
            actor_id: "a1".into(),
            actor_name: "=HYPERLINK(\"x\")".into(),
            actor_url: "/directory/actors/x".into(),
            lat: 48.732_61,
            lon: -3.456_61,
            state: MemberState::Accepted,
            methods: vec!["conversation".into(), "ateliers".into()],
            departements: vec!["22".into()],
            references: String::new(),
            charter_accepted_at: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_name_a_spreadsheet_would_compute_is_written_as_text() {
        let m = member_line(&member(), "https://t.fr");
        assert_eq!(
            line(Shape::Csv, &m, true),
            "m1,a1,\"'=HYPERLINK(\"\"x\"\")\",https://t.fr/directory/actors/x,\
             \"conversation,ateliers\",22,1970-01-01,48.7326,-3.4566\n"
        );
    }

    #[test]
    fn the_json_and_the_geojson_hold_the_csv_fields_typed() {
        let m = member_line(&member(), "https://t.fr");
        let json: serde_json::Value = serde_json::from_str(&line(Shape::Json, &m, true)).unwrap();
        assert_eq!(
            json["name"], "=HYPERLINK(\"x\")",
            "the JSON is no spreadsheet"
        );
        assert_eq!(json["methods"], "conversation,ateliers");
        assert_eq!(json["member_since"], "1970-01-01");
        assert_eq!(json["lat"], 48.7326);
        assert_eq!(json["long"], -3.4566);
        let item = line(Shape::GeoJson, &m, false);
        let feature: serde_json::Value = serde_json::from_str(&item[1..]).unwrap();
        assert_eq!(
            feature["geometry"],
            serde_json::json!({"type": "Point", "coordinates": [-3.4566, 48.7326]})
        );
        assert_eq!(
            feature["properties"]["directory_url"],
            "https://t.fr/directory/actors/x"
        );
    }

    /// The names and types of a line's fields (its position as `lat` and `long`, numbers).
    fn typed(l: &Line) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = l
            .fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.schema_type().to_string()))
            .collect();
        if l.position.is_some() {
            out.push(("lat".into(), "number".into()));
            out.push(("long".into(), "number".into()));
        }
        out
    }

    fn check(l: &Line, header: &str, schema: serde_json::Value) {
        let fields = schema["fields"].as_array().unwrap();
        let described: Vec<(String, String)> = fields
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(typed(l), described);
        let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(header.trim_end(), names.join(","));
        // Free text is said to be free text in the schema, and only free text.
        for ((_, v), f) in l.fields.iter().zip(fields) {
            let noted = f["description"]
                .as_str()
                .unwrap()
                .contains(kernel::opendata::TEXT_NOTE);
            assert_eq!(noted, matches!(v, Value::Text(_)), "{f}");
        }
    }

    #[test]
    fn every_data_set_is_described_by_its_table_schema() {
        check(&member_line(&member(), ""), CSV_HEADER, schema(&[]));
        let resource = crate::store::resources::Resource {
            id: "r1".into(),
            member_id: "m1".into(),
            actor_id: "a1".into(),
            actor_name: "Concertation".into(),
            actor_url: "/directory/actors/c".into(),
            state: crate::store::resources::State::Published,
            data: crate::model::ResourceInput {
                title: "Un guide".into(),
                summary: "Pour qui ?".into(),
                body: String::new(),
                kind: "guide".into(),
                methods: vec!["conversation".into()],
                licence: "cc_by_4".into(),
                licence_other: String::new(),
                attachments: Vec::new(),
            },
            author: "u1".into(),
            revision: 1,
            created_at: 0,
            updated_at: 0,
        };
        let line_of = resource_line(&resource, "");
        check(&line_of, RESOURCES_HEADER, resources_schema_of(&[]));
        let json: serde_json::Value =
            serde_json::from_str(&line(Shape::Json, &line_of, true)).unwrap();
        assert_eq!(json["attachments"], 0, "a count is a number");
        let request = crate::store::requests::SupportRequest {
            id: "q1".into(),
            space_id: "s1".into(),
            title: "Une assemblée".into(),
            need: "Quarante personnes".into(),
            methods: vec!["assemblee-citoyenne".into()],
            departement: "22".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2026-02-01".into(),
            budget_band: "20k_50k".into(),
            state: RequestState::Answered,
            chosen_answer: None,
            created_by: "u1".into(),
            created_at: 0,
            updated_at: 0,
        };
        let line_of = request_line(&request);
        check(&line_of, REQUESTS_HEADER, requests_schema_of(&[]));
        let json: serde_json::Value =
            serde_json::from_str(&line(Shape::Json, &line_of, true)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"methods": "assemblee-citoyenne", "departement": "22",
                "budget_band": "20k_50k", "state": "answered", "month": "1970-01"}),
            "no id, no text, no name"
        );
    }
}
