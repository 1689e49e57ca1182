//! Offer pages: the list of offers (by theme, size of territory, status), an offer's page with
//! the territories where it is deployed, the owners' form, withdrawal, and the open data.

use super::{owned, owners_told};
use crate::offers::{self, Offer, OfferFields, OfferFilter, SIZES, STATUSES};
use crate::policy::{self, Resource};
use crate::store::{self, Actor};
use crate::terms::Taxonomy;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::accounts::User;
use kernel::opendata::{PAGE, Shape, csv_field, csv_text, round};
use kernel::territories::Territory;
use kernel::web::FormPairs;
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use serde::Deserialize;
use std::sync::Arc;

/// The offers' routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/directory/offers", get(list))
        .route("/directory/offers/{id}", get(show))
        .route("/directory/offers/{id}/edit", get(edit_form).post(edit))
        .route("/directory/offers/{id}/remove", post(remove))
        .route(
            "/directory/actors/{slug}/offers/new",
            get(new_form).post(create),
        )
        .route("/data/offers.csv", get(|s| data_set(s, "offers.csv")))
        .route(
            "/data/offers.geojson",
            get(|s| data_set(s, "offers.geojson")),
        )
        .route("/data/offers.json", get(|s| data_set(s, "offers.json")))
        .route(
            "/data/offers.schema.json",
            get(|| async { axum::Json(schema()).into_response() }),
        )
}

/// Offers per page of the list.
const PER_PAGE: i64 = 30;

#[derive(Deserialize)]
struct ListQuery {
    theme: Option<String>,
    size: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "directory/offers.html")]
struct ListPage {
    page: PageCtx,
    offers: Vec<Offer>,
    filter: OfferFilter,
    pager: Pager,
    themes: Vec<(String, String)>,
    sizes: &'static [&'static str],
    statuses: &'static [&'static str],
    tax: Arc<Taxonomy>,
}

impl ListPage {
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn term(&self, key: &str) -> &'static str {
        self.page.tr.t(key)
    }
    fn chosen(&self, which: &str, code: &str) -> bool {
        let v = match which {
            "theme" => &self.filter.theme,
            "size" => &self.filter.size,
            _ => &self.filter.status,
        };
        v.as_deref() == Some(code)
    }
}

/// A filter value: empty is none; one outside its list is a bad address.
fn known(v: Option<String>, list: &[&str]) -> Result<Option<String>, Error> {
    match v.filter(|v| !v.is_empty()) {
        Some(v) if list.contains(&v.as_str()) => Ok(Some(v)),
        Some(_) => Err(Error::BadRequest("query.invalid")),
        None => Ok(None),
    }
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let tax = crate::terms::current(&state).await?;
    let theme = match q.theme.filter(|t| !t.is_empty()) {
        Some(t) if tax.knows("theme", &t) => Some(t),
        Some(_) => return Err(Error::BadRequest("query.invalid")),
        None => None,
    };
    let filter = OfferFilter {
        theme,
        size: known(q.size, SIZES)?,
        status: known(q.status, STATUSES)?,
    };
    let mut base = String::from("/directory/offers?");
    for (k, v) in [
        ("theme", &filter.theme),
        ("size", &filter.size),
        ("status", &filter.status),
    ] {
        if let Some(v) = v {
            base.push_str(&format!("{k}={v}&"));
        }
    }
    let mut pager = Pager::new(q.page, PER_PAGE, base);
    let (found, total) = offers::list(state.db(), &filter, pager.offset(), PER_PAGE).await?;
    pager.total = total;
    render(&ListPage {
        themes: themes_offered(&tax, page.tr.0, |_| false),
        page,
        offers: found,
        filter,
        pager,
        sizes: SIZES,
        statuses: STATUSES,
        tax,
    })
}

#[derive(Template)]
#[template(path = "directory/offer.html")]
struct OfferPage {
    page: PageCtx,
    offer: Offer,
    references: Vec<Territory>,
    manage: bool,
    moderate: bool,
    errors: FieldErrors,
    tax: Arc<Taxonomy>,
}

impl OfferPage {
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn term(&self, key: String) -> &'static str {
        self.page.tr.t(key)
    }
    fn description_html(&self) -> String {
        kernel::markdown::to_html(&self.offer.data.description)
    }
    fn date(&self, ms: &i64) -> kernel::i18n::TimeTag {
        self.page.tr.date_tag(ms)
    }
}

/// Whether the reader may edit the offer: its actor's owners and the directory's moderators.
async fn manages(state: &AppState, user: Option<&User>, o: &Offer) -> Result<bool, Error> {
    let owned = match user {
        Some(u) => store::owns(state.db(), &o.actor_id, &u.id).await?,
        None => false,
    };
    let resource = Resource::Entry {
        published: true,
        owned,
    };
    Ok(policy::can(user, policy::Action::Edit, &resource))
}

/// The offer at this address: shown ones for everyone, withdrawn ones for those who manage it.
async fn offer_page(
    state: &AppState,
    page: PageCtx,
    id: &str,
    errors: FieldErrors,
) -> Result<OfferPage, Error> {
    let offer = offers::get(state.db(), id).await?.ok_or(Error::NotFound)?;
    let manage = manages(state, page.user.as_ref(), &offer).await?;
    if !offer.visible && !manage {
        return Err(Error::NotFound);
    }
    let mut references = Vec::new();
    for r in offers::references(&offer.data) {
        if let Some(t) = kernel::territories::store::get(state.db(), r.kind, &r.code).await? {
            references.push(t);
        }
    }
    Ok(OfferPage {
        tax: crate::terms::current(state).await?,
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Component,
        ),
        page,
        offer,
        references,
        manage,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    render(&offer_page(&state, page, &id, FieldErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "directory/offer_form.html")]
struct FormPage {
    page: PageCtx,
    actor: Actor,
    offer: Option<Offer>,
    fields: Vec<(String, String)>,
    errors: FieldErrors,
    themes: Vec<(String, String)>,
    sizes: &'static [&'static str],
    statuses: &'static [&'static str],
}

/// The themes a form or a filter offers: the active ones, and the retired ones it holds.
fn themes_offered(
    tax: &Taxonomy,
    lang: kernel::i18n::Lang,
    held: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    tax.terms("theme")
        .iter()
        .filter(|t| !t.retired || held(&t.code))
        .map(|t| (t.code.clone(), t.name(lang).to_string()))
        .collect()
}

impl FormPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        actor: Actor,
        offer: Option<Offer>,
        fields: Vec<(String, String)>,
    ) -> Result<Self, Error> {
        let tax = crate::terms::current(state).await?;
        let themes = themes_offered(&tax, page.tr.0, |c| {
            fields.iter().any(|(k, v)| k == "themes" && v == c)
        });
        Ok(FormPage {
            page,
            actor,
            offer,
            fields,
            errors: FieldErrors::new(),
            themes,
            sizes: SIZES,
            statuses: STATUSES,
        })
    }
    fn get(&self, name: &str) -> &str {
        OfferFields(&self.fields).get(name)
    }
    fn has(&self, name: &str, code: &str) -> bool {
        self.fields.iter().any(|(k, v)| k == name && v == code)
    }
    fn term(&self, key: String) -> &'static str {
        self.page.tr.t(key)
    }
    fn action(&self) -> String {
        match &self.offer {
            Some(o) => format!("{}/edit", o.url()),
            None => format!("{}/offers/new", self.actor.url()),
        }
    }
}

/// Parses a posted offer, its references resolved against the referential: `kind/code`, an
/// INSEE code of a commune, or the exact name of a territory.
async fn parse(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<Result<offers::OfferInput, FieldErrors>, Error> {
    let fields = OfferFields(pairs);
    let mut resolved: Vec<(String, Option<String>)> = Vec::new();
    for line in fields.get("references").lines().map(str::trim) {
        if line.is_empty() || resolved.iter().any(|(l, _)| l == line) {
            continue;
        }
        let found = kernel::spaces::web::known_territory(state, line).await?;
        resolved.push((line.to_string(), found));
        if resolved.len() > offers::MAX_REFERENCES {
            break;
        }
    }
    let tax = crate::terms::current(state).await?;
    Ok(fields.parse(&tax, |line| {
        resolved
            .iter()
            .find(|(l, _)| l == line)
            .and_then(|(_, r)| r.clone())
    }))
}

/// The published actor at this address that the reader owns or moderates.
async fn offering_actor(state: &AppState, user: &User, slug: &str) -> Result<Actor, Error> {
    let actor = owned(state, user, slug).await?;
    if actor.state != store::State::Published {
        return Err(Error::Conflict("offer.actor_unpublished"));
    }
    Ok(actor)
}

async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let actor = offering_actor(&state, &user, &slug).await?;
    let fields = vec![("status".to_string(), "available".to_string())];
    render(&FormPage::new(&state, page, actor, None, fields).await?)
}

async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let actor = offering_actor(&state, &user, &slug).await?;
    match parse(&state, &pairs).await? {
        Ok(input) => {
            let id = offers::create(state.db(), &actor.id, &input, &user.id).await?;
            Ok(redirect_with_flash(
                &offers::offer_url(&id),
                "flash.offer_saved",
            ))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, actor, None, pairs).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The offer at this address, with its actor, for one who manages it.
async fn managed(state: &AppState, user: &User, id: &str) -> Result<(Offer, Actor), Error> {
    let offer = offers::get(state.db(), id).await?.ok_or(Error::NotFound)?;
    kernel::policy::require(manages(state, Some(user), &offer).await?)?;
    if !offer.visible {
        return Err(Error::Conflict("offer.removed"));
    }
    let actor = store::get(state.db(), &offer.actor_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((offer, actor))
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (offer, actor) = managed(&state, &user, &id).await?;
    let fields = offer.data.fields();
    render(&FormPage::new(&state, page, actor, Some(offer), fields).await?)
}

async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let (offer, actor) = managed(&state, &user, &id).await?;
    match parse(&state, &pairs).await? {
        Ok(input) => {
            offers::update(state.db(), &offer.id, &input, &user.id).await?;
            Ok(redirect_with_flash(&offer.url(), "flash.offer_saved"))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, actor, Some(offer), pairs).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    reason: String,
}

async fn remove(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, Error> {
    let (offer, actor) = managed(&state, &user, &id).await?;
    let owner = store::owns(state.db(), &actor.id, &user.id).await?;
    let reason = f.reason.trim();
    // A moderator who withdraws another's offer says why; the owners are told.
    if !owner && reason.is_empty() {
        let errors = FieldError::new("reason", "review.reason").into();
        return render_invalid(&offer_page(&state, page, &id, errors).await?);
    }
    let mails = if owner {
        Vec::new()
    } else {
        owners_told(&state, &actor, "mail.offer_removed", reason).await?
    };
    offers::withdraw(state.db(), &offer.id, reason, &user.id, &mails).await?;
    Ok(redirect_with_flash(&actor.url(), "flash.offer_removed"))
}

// ----- Open data -----

const CSV_HEADER: &str = "id,actor_id,actor_name,title,themes,sizes,references,status,description,lat,long,created_at,updated_at\n";

fn row(shape: Shape, o: &Offer, first: bool) -> String {
    let d = &o.data;
    let dates = [o.created_at, o.updated_at].map(kernel::ids::iso_date);
    match shape {
        Shape::Csv => {
            let cells = [
                csv_field(&o.id),
                csv_field(&o.actor_id),
                csv_text(&o.actor_name),
                csv_text(&d.title),
                csv_field(&d.themes.join(";")),
                csv_field(&d.sizes.join(";")),
                csv_field(&d.references.join(";")),
                csv_field(&d.status),
                csv_text(&d.description),
                round(o.lat).to_string(),
                round(o.lon).to_string(),
                csv_field(&dates[0]),
                csv_field(&dates[1]),
            ];
            let mut line = cells.join(",");
            line.push('\n');
            line
        }
        Shape::Json | Shape::GeoJson => shape.json_item(
            serde_json::json!({
                "id": o.id, "actor_id": o.actor_id, "actor_name": o.actor_name, "title": d.title,
                "themes": d.themes, "sizes": d.sizes, "references": d.references, "status": d.status,
                "description": d.description, "created_at": dates[0], "updated_at": dates[1],
            }),
            Some((o.lat, o.lon)),
            first,
        ),
    }
}

fn schema() -> serde_json::Value {
    let field = kernel::opendata::schema_field;
    let text = kernel::opendata::schema_text;
    serde_json::json!({
        "title": "Offres des entreprises de l'annuaire de l'innovation territoriale",
        "fields": [
            field("id", "string", "Identifiant stable de l'offre"),
            field("actor_id", "string", "Identifiant de l'acteur qui la propose (jeu de données des acteurs)"),
            text("actor_name", "Nom de l'acteur"),
            text("title", "Titre de l'offre"),
            field("themes", "string", "Thèmes, séparés par des points-virgules"),
            {"name": "sizes", "type": "string", "description": "Tailles de territoire visées (population), séparées par des points-virgules", "constraints": {"pattern": format!("^(({0})(;({0}))*)?$", SIZES.join("|"))}},
            field("references", "string", "Territoires où l'offre est déployée (type/code INSEE ou SIREN), séparés par des points-virgules"),
            {"name": "status", "type": "string", "description": "État de l'offre", "constraints": {"enum": STATUSES}},
            text("description", "Description (Markdown simple)"),
            field("lat", "number", "Latitude WGS84 de l'acteur (4 décimales)"),
            field("long", "number", "Longitude WGS84 de l'acteur (4 décimales)"),
            field("created_at", "date", "Date de création"),
            field("updated_at", "date", "Date de dernière mise à jour"),
        ],
        "primaryKey": "id",
        "licenses": kernel::opendata::schema_licence(),
    })
}

async fn data_set(State(state): State<AppState>, file: &'static str) -> Result<Response, Error> {
    let (_, shape) = Shape::of_file(file).ok_or(Error::NotFound)?;
    let db = state.db().clone();
    Ok(kernel::opendata::stream(
        shape,
        CSV_HEADER,
        Box::new(move |after| {
            let db = db.clone();
            Box::pin(async move { Ok(offers::export_page(&db, after, PAGE).await?) })
        }),
        row,
        |o| (0, o.id.clone()),
    ))
}

/// The offers as a data set of the catalogue.
pub fn dataset() -> kernel::catalog::Dataset {
    kernel::catalog::Dataset {
        id: "offers".into(),
        title: "Offres des entreprises de l'innovation territoriale".into(),
        description: "Les offres des entreprises de l'annuaire : thèmes, tailles de territoire visées, territoires où elles sont déployées, état ; avec la position de l'entreprise.".into(),
        publisher: "Territoires".into(),
        keywords: vec!["annuaire".into(), "offres".into(), "smart city".into()],
        modified: None,
        distributions: kernel::catalog::Distribution::csv_geojson_json("/data/offers"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_names_every_csv_column() {
        let schema = super::schema();
        let names: Vec<&str> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.join(","), super::CSV_HEADER.trim_end());
    }
}
