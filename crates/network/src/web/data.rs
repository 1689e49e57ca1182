//! The members and the published resources as open data: CSVs with their Table Schemas, in the
//! catalogue. A network holds hundreds of members and resources: the files are written at once
//! rather than streamed page by page. The resources' file holds no personal data (not their
//! authors). The requests for support are anonymised: their methods, département, budget band,
//! state and month, with neither their texts nor who asked or answered.

use super::*;
use kernel::opendata::{Shape, csv_field, csv_text, round};

const CSV_HEADER: &str =
    "id,actor_id,name,directory_url,methods,departements,member_since,lat,long\n";

/// One member as a line of the CSV.
fn row(m: &Member, base: &str) -> String {
    [
        csv_field(&m.id),
        csv_field(&m.actor_id),
        csv_text(&m.actor_name),
        csv_field(&format!("{base}{}", m.actor_url)),
        csv_field(&m.methods.join(",")),
        csv_field(&m.departements.join(",")),
        kernel::ids::iso_date(m.updated_at),
        round(m.lat).to_string(),
        round(m.lon).to_string(),
    ]
    .join(",")
        + "\n"
}

pub(super) async fn members_csv(State(state): State<AppState>) -> Result<Response, Error> {
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let mut body = String::from(CSV_HEADER);
    for m in store::all_listed(state.db(), &Filter::default()).await? {
        body.push_str(&row(&m, &base));
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, Shape::Csv.content_type()),
            (axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
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

/// One resource as a line of the CSV.
fn resource_row(r: &crate::store::resources::Resource, base: &str) -> String {
    [
        csv_field(&r.id),
        csv_text(&r.data.title),
        csv_field(&r.data.kind),
        csv_field(&r.data.methods.join(",")),
        csv_field(&r.data.licence),
        csv_text(&r.data.licence_other),
        csv_field(&r.member_id),
        csv_text(&r.actor_name),
        csv_field(&format!("{base}{}", r.url())),
        r.data.attachments.len().to_string(),
        kernel::ids::iso_date(r.updated_at),
    ]
    .join(",")
        + "\n"
}

pub(super) async fn resources_csv(State(state): State<AppState>) -> Result<Response, Error> {
    let base = state.config().base_url.trim_end_matches('/').to_string();
    let mut body = String::from(RESOURCES_HEADER);
    for r in store::resources::all_listed(state.db()).await? {
        body.push_str(&resource_row(&r, &base));
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, Shape::Csv.content_type()),
            (axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
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

/// One request for support as a line of the CSV: no text, no name.
fn request_row(r: &crate::store::requests::SupportRequest) -> String {
    let month: String = kernel::ids::iso_date(r.created_at)
        .chars()
        .take(7)
        .collect();
    [
        csv_field(&r.methods.join(",")),
        csv_field(&r.departement),
        csv_field(&r.budget_band),
        csv_field(r.state.as_str()),
        month,
    ]
    .join(",")
        + "\n"
}

pub(super) async fn requests_csv(State(state): State<AppState>) -> Result<Response, Error> {
    let mut body = String::from(REQUESTS_HEADER);
    for r in store::requests::all(state.db()).await? {
        body.push_str(&request_row(&r));
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, Shape::Csv.content_type()),
            (axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
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
            distributions: vec![Distribution {
                path: "/data/network/members.csv".into(),
                media_type: "text/csv",
                format: "CSV",
                schema: Some("/data/network/members.schema.json".into()),
            }],
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
            distributions: vec![Distribution {
                path: "/data/network/resources.csv".into(),
                media_type: "text/csv",
                format: "CSV",
                schema: Some("/data/network/resources.schema.json".into()),
            }],
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
            distributions: vec![Distribution {
                path: "/data/network/requests.csv".into(),
                media_type: "text/csv",
                format: "CSV",
                schema: Some("/data/network/requests.schema.json".into()),
            }],
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_a_spreadsheet_would_compute_is_written_as_text() {
        let m = Member {
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
        };
        assert_eq!(
            row(&m, "https://t.fr"),
            "m1,a1,\"'=HYPERLINK(\"\"x\"\")\",https://t.fr/directory/actors/x,\
             \"conversation,ateliers\",22,1970-01-01,48.7326,-3.4566\n"
        );
    }
}
