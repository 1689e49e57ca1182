//! Directory pages: the directory (list and facets beside a live map, shareable filters, a
//! text search), an actor's page, the form anyone confirmed proposes an actor with, its owners'
//! edit form, the moderators' queue (proposals with their likely duplicates, revisions as a
//! field-by-field diff), and the open data. Owners' settings are in `owners`, offers in
//! `offers`.

mod offers;
mod owners;
mod terms;

use crate::actor::{ActorFields, ActorInput, LISTS};
use crate::policy::{self, Resource};
use crate::store::{self, Actor, Revision};
use crate::terms::Taxonomy;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::accounts::User;
use kernel::i18n::Lang;
use kernel::opendata::{PAGE, Shape};
use kernel::review::{Decided, DecisionForm, Decisions, FieldChange};
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldErrors};
use std::sync::Arc;

/// The directory's routes.
pub fn routes() -> Routes {
    Routes::new()
        .merge(owners::routes())
        .merge(offers::routes())
        .merge(terms::routes())
        .route("/directory", get(home))
        .route("/directory/map.json", get(map))
        .route("/directory/themes/{code}", get(theme_page))
        .route("/directory/territories/{kind}/{code}", get(territory_page))
        .route("/embed/directory", get(embed))
        .route("/directory/propose", get(propose_form).post(propose))
        .route("/directory/actors/{slug}", get(show))
        .route("/directory/actors/{slug}/edit", get(edit_form).post(edit))
        .route("/directory/actors/{slug}/verify", post(verify))
        .route("/directory/moderation", get(queue))
        .route("/directory/moderation/actors/{id}", post(decide_actor))
        .route(
            "/directory/moderation/revisions/{id}",
            post(decide_revision),
        )
        .route("/data/actors.csv", get(|s| data_set(s, "actors.csv")))
        .route(
            "/data/actors.geojson",
            get(|s| data_set(s, "actors.geojson")),
        )
        .route("/data/actors.json", get(|s| data_set(s, "actors.json")))
        .route(
            "/data/actors.schema.json",
            get(|State(state): State<AppState>| async move {
                let tax = crate::terms::current(&state).await?;
                Ok::<_, Error>(axum::Json(schema(&tax)).into_response())
            }),
        )
}

/// The facets of the directory, in the order of the page.
const FACETS: &[&str] = &[
    "kind",
    "theme",
    "activity",
    "public",
    "region",
    "departement",
];

/// Actors per page of the list.
const PER_PAGE: i64 = 30;

/// The name of a facet value in the reader's language: a taxonomy text, or a territory name.
fn term_name(
    tax: &Taxonomy,
    lang: Lang,
    vocabulary: &str,
    code: &str,
    places: &[(String, String)],
) -> String {
    match vocabulary {
        "region" | "departement" => places
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string()),
        v => tax.name(lang, v, code),
    }
}

/// The names of the régions and départements among some codes.
async fn place_names(
    state: &AppState,
    facets: &[(String, String, i64)],
) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for (v, code, _) in facets {
        let kind = match v.as_str() {
            "region" => kernel::territories::TerritoryKind::Region,
            "departement" => kernel::territories::TerritoryKind::Departement,
            _ => continue,
        };
        if let Some(t) = kernel::territories::store::get(state.db(), kind, code).await? {
            out.push((code.clone(), t.name));
        }
    }
    Ok(out)
}

/// A facet of the list: its vocabulary and its values (code, name, count), most frequent first.
type Facet = (&'static str, Vec<(String, String, i64)>);

/// What a directory address asks: the text, the facet values chosen, the page.
struct Filters {
    q: String,
    chosen: Vec<(String, String)>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "directory/home.html")]
struct HomePage {
    page: PageCtx,
    heading: Option<String>,
    q: String,
    chosen: Vec<(String, String)>,
    actors: Vec<Actor>,
    facets: Vec<Facet>,
    pager: Pager,
    tiles: String,
    moderate: bool,
    tax: Arc<Taxonomy>,
}

impl HomePage {
    fn is_chosen(&self, vocabulary: &str, code: &str) -> bool {
        self.chosen
            .iter()
            .any(|(v, c)| v == vocabulary && c == code)
    }
    fn kind_name(&self, a: &Actor) -> String {
        self.tax.name(self.page.tr.0, "kind", &a.data.kind)
    }
    fn points(&self) -> String {
        serde_json::Value::from(
            self.actors
                .iter()
                .map(|a| serde_json::json!([a.data.lat, a.data.lon, a.data.name, a.url()]))
                .collect::<Vec<_>>(),
        )
        .to_string()
    }
    fn map_source(&self) -> String {
        map_source(&self.q, &self.chosen)
    }
}

/// The filters of a directory address: `q`, `page`, and each facet by its vocabulary.
fn read_filters(tax: &Taxonomy, pairs: &[(String, String)]) -> Result<Filters, Error> {
    let mut q = String::new();
    let mut chosen = Vec::new();
    let mut page = None;
    for (k, v) in pairs {
        match k.as_str() {
            "q" => q = v.trim().chars().take(200).collect(),
            "page" => page = Some(v.parse().map_err(|_| Error::BadRequest("query.invalid"))?),
            f if FACETS.contains(&f) && !v.is_empty() => {
                let known = match f {
                    "region" | "departement" => {
                        v.len() <= 3 && v.bytes().all(|b| b.is_ascii_alphanumeric())
                    }
                    _ => tax.knows(f, v),
                };
                if !known {
                    return Err(Error::BadRequest("query.invalid"));
                }
                chosen.push((f.to_string(), v.clone()));
            }
            _ => {}
        }
    }
    Ok(Filters { q, chosen, page })
}

/// The live map's address for a directory's filters.
fn map_source(q: &str, chosen: &[(String, String)]) -> String {
    let mut url = String::from("/directory/map.json");
    let mut sep = '?';
    if !q.is_empty() {
        url.push_str(&format!("?q={}", kernel::web::percent_encode(q)));
        sep = '&';
    }
    for (v, c) in chosen {
        url.push_str(&format!("{sep}{v}={}", kernel::web::percent_encode(c)));
        sep = '&';
    }
    url
}

/// The actors a text search finds (none asked: every actor).
fn text_matches(state: &AppState, q: &str) -> Option<std::collections::HashSet<String>> {
    (!q.is_empty()).then(|| {
        let found = state.search().search(&kernel::search::SearchQuery {
            text: q.to_string(),
            kinds: vec!["actor"],
            offset: 0,
            limit: 10_000,
            region: None,
        });
        found.hits.into_iter().map(|h| h.doc.id).collect()
    })
}

/// What a directory address shows: the page of actors, the pager and the facets.
struct Listing {
    q: String,
    chosen: Vec<(String, String)>,
    actors: Vec<Actor>,
    facets: Vec<Facet>,
    pager: Pager,
    tax: Arc<Taxonomy>,
}

/// The listing of a directory address; `path` is the page's own address (the directory, the
/// embed).
async fn listing(
    state: &AppState,
    lang: Lang,
    pairs: &[(String, String)],
    path: &str,
) -> Result<Listing, Error> {
    let tax = crate::terms::current(state).await?;
    let Filters {
        q,
        chosen,
        page: page_no,
    } = read_filters(&tax, pairs)?;
    let only = text_matches(state, &q);
    let mut base = format!("{path}?");
    if !q.is_empty() {
        base.push_str(&format!("q={}&", kernel::web::percent_encode(&q)));
    }
    for (v, c) in &chosen {
        base.push_str(&format!("{v}={}&", kernel::web::percent_encode(c)));
    }
    let mut pager = Pager::new(page_no, PER_PAGE, base);
    let selection = crate::facets::current(state).await?.select(
        &chosen,
        only.as_ref(),
        pager.offset().max(0) as usize,
        PER_PAGE as usize,
    );
    let actors = store::by_ids(state.db(), &selection.ids).await?;
    pager.total = selection.total as i64;
    let counts = selection.counts;
    let places = place_names(state, &counts).await?;
    let facets = FACETS
        .iter()
        .map(|f| {
            let mut values: Vec<(String, String, i64)> = counts
                .iter()
                .filter(|(v, _, _)| v == f)
                .map(|(v, c, n)| (c.clone(), term_name(&tax, lang, v, c, &places), *n))
                .collect();
            values.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
            (*f, values)
        })
        .collect();
    Ok(Listing {
        q,
        chosen,
        actors,
        facets,
        pager,
        tax,
    })
}

/// The directory page for these filters, under `heading` when it is a page of its own (a
/// theme, a territory).
async fn directory_page(
    state: &AppState,
    page: PageCtx,
    pairs: &[(String, String)],
    heading: Option<String>,
) -> Result<Response, Error> {
    let l = listing(state, page.tr.0, pairs, "/directory").await?;
    render(&HomePage {
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Directory,
        ),
        tiles: state.config().tile_url.clone(),
        heading,
        page,
        q: l.q,
        chosen: l.chosen,
        actors: l.actors,
        facets: l.facets,
        pager: l.pager,
        tax: l.tax,
    })
}

async fn home(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    directory_page(&state, page, &pairs, None).await
}

/// The page of one theme: the directory filtered by it, under its name.
async fn theme_page(
    State(state): State<AppState>,
    page: PageCtx,
    Path(code): Path<String>,
    Query(mut pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let tax = crate::terms::current(&state).await?;
    if !tax.knows("theme", &code) {
        return Err(Error::NotFound);
    }
    let heading = tax.name(page.tr.0, "theme", &code);
    pairs.retain(|(k, _)| k != "theme");
    pairs.push(("theme".into(), code));
    directory_page(&state, page, &pairs, Some(heading)).await
}

/// The page of a région or a département: the directory filtered by it, under its name.
async fn territory_page(
    State(state): State<AppState>,
    page: PageCtx,
    Path((kind, code)): Path<(String, String)>,
    Query(mut pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let territory = kernel::territories::TerritoryKind::parse(&kind)
        .ok()
        .filter(|k| {
            matches!(
                k,
                kernel::territories::TerritoryKind::Region
                    | kernel::territories::TerritoryKind::Departement
            )
        })
        .ok_or(Error::NotFound)?;
    let t = kernel::territories::store::get(state.db(), territory, &code)
        .await?
        .ok_or(Error::NotFound)?;
    pairs.retain(|(k, _)| *k != kind);
    pairs.push((kind, code));
    directory_page(&state, page, &pairs, Some(t.name)).await
}

#[derive(Template)]
#[template(path = "directory/embed.html")]
struct EmbedPage {
    page: PageCtx,
    actors: Vec<Actor>,
    pager: Pager,
    tiles: String,
    source: String,
}

/// The map and list for partners' sites: no navigation, links open in the top window.
async fn embed(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let l = listing(&state, page.tr.0, &pairs, "/embed/directory").await?;
    render(&EmbedPage {
        tiles: state.config().tile_url.clone(),
        source: map_source(&l.q, &l.chosen),
        page,
        actors: l.actors,
        pager: l.pager,
    })
}

impl EmbedPage {
    fn points(&self) -> String {
        serde_json::Value::from(
            self.actors
                .iter()
                .map(|a| serde_json::json!([a.data.lat, a.data.lon, a.data.name, a.url()]))
                .collect::<Vec<_>>(),
        )
        .to_string()
    }
}

async fn map(
    State(state): State<AppState>,
    q: Result<Query<kernel::geo::ViewportQuery>, axum::extract::rejection::QueryRejection>,
    pairs: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let pairs = pairs.unwrap_or(Query(Vec::new()));
    let (Ok(Query(q)), Query(pairs)) = (q, pairs) else {
        return Err(Error::BadRequest("query.invalid"));
    };
    let url = |id: &str| Some(format!("/directory/actors/{id}"));
    let filters = read_filters(&*crate::terms::current(&state).await?, &pairs)?;
    if filters.chosen.is_empty() && filters.q.is_empty() {
        return Ok(axum::Json(q.answer(state.geo(), store::MAP_LAYER, url)?).into_response());
    }
    // A filtered directory: its actors' positions, clustered for this viewport (the layer of
    // these filters is kept until actors change).
    let facets = crate::facets::current(&state).await?;
    let key = map_source(&filters.q, &filters.chosen);
    let layer = match facets.cached_layer(&key) {
        Some(layer) => layer,
        None => {
            let only = text_matches(&state, &filters.q);
            facets.layer(&key, &filters.chosen, only.as_ref())
        }
    };
    Ok(axum::Json(q.answer(&*layer, crate::facets::FILTERED, url)?).into_response())
}

#[derive(Template)]
#[template(path = "directory/actor.html")]
pub(crate) struct ActorPage {
    page: PageCtx,
    actor: Actor,
    owner: bool,
    moderate: bool,
    tiles: String,
    commune: String,
    offers: Vec<crate::offers::Offer>,
    /// The owners and the open invitations, for the owners and the moderators.
    owners: Vec<crate::owners::Owner>,
    invitations: Vec<String>,
    /// Whether the reader's address is invited to co-own the actor.
    invited: bool,
    /// Errors of the owners' forms on the page (an invitation, a logo).
    errors: FieldErrors,
    /// The address typed in the invitation form.
    invite_email: String,
    tax: Arc<Taxonomy>,
}

impl ActorPage {
    fn to_check(&self) -> bool {
        to_check(&self.actor)
    }
    fn term(&self, vocabulary: &str, code: &str) -> String {
        self.tax.name(self.page.tr.0, vocabulary, code)
    }
    fn description_html(&self) -> String {
        kernel::markdown::to_html(&self.actor.data.description)
    }
    fn phone(&self) -> String {
        crate::model::Phone::parse(&self.actor.data.phone)
            .map(|p| p.display())
            .unwrap_or_else(|_| self.actor.data.phone.clone())
    }
    fn points(&self) -> String {
        serde_json::json!([[
            self.actor.data.lat,
            self.actor.data.lon,
            self.actor.data.name
        ]])
        .to_string()
    }
    fn date(&self, ms: &i64) -> String {
        kernel::ids::iso_date(*ms)
    }
    fn host(&self, url: &str) -> String {
        url.split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_string()
    }
    fn logo_url(&self) -> String {
        logo_path(&self.actor)
    }
    fn status_name(&self, o: &crate::offers::Offer) -> &'static str {
        self.page.tr.t(format!("offer.status.{}", o.data.status))
    }
}

/// The page of an actor, with the forms' errors when one of them was refused.
pub(crate) async fn actor_page(
    state: &AppState,
    page: PageCtx,
    slug: &str,
    errors: FieldErrors,
    invite_email: String,
) -> Result<ActorPage, Error> {
    let (actor, owner) = visible(state, page.user.as_ref(), slug).await?;
    let commune = kernel::territories::store::get(
        state.db(),
        kernel::territories::TerritoryKind::Commune,
        &actor.data.commune,
    )
    .await?
    .map(|t| t.name)
    .unwrap_or_default();
    let moderate = policy::can(
        page.user.as_ref(),
        policy::Action::Moderate,
        &Resource::Directory,
    );
    let (owners, invitations) = if owner || moderate {
        (
            crate::owners::owners(state.db(), &actor.id).await?,
            crate::owners::invitations(state.db(), &actor.id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let invited = match &page.user {
        Some(u) if !owner && u.confirmed => {
            crate::owners::is_invited(state.db(), &actor.id, &u.email.to_lowercase()).await?
        }
        _ => false,
    };
    Ok(ActorPage {
        tax: crate::terms::current(state).await?,
        offers: crate::offers::of_actor(state.db(), &actor.id).await?,
        moderate,
        tiles: state.config().tile_url.clone(),
        page,
        actor,
        owner,
        commune,
        owners,
        invitations,
        invited,
        errors,
        invite_email,
    })
}

/// The actor at this address: published ones for everyone, the others for their owners and
/// the moderators.
pub(crate) async fn visible(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
) -> Result<(Actor, bool), Error> {
    // An actor is found by its address, or by its id (the links of the map's points).
    let actor = match store::by_slug(state.db(), slug).await? {
        Some(a) => a,
        None => store::get(state.db(), slug).await?.ok_or(Error::NotFound)?,
    };
    let owner = match user {
        Some(u) => store::owns(state.db(), &actor.id, &u.id).await?,
        None => false,
    };
    let resource = Resource::Actor {
        published: actor.state == store::State::Published,
        owned: owner,
    };
    if !policy::can(user, policy::Action::Read, &resource) {
        return Err(Error::NotFound);
    }
    Ok((actor, owner))
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    render(&actor_page(&state, page, &slug, FieldErrors::new(), String::new()).await?)
}

#[derive(Template)]
#[template(path = "directory/form.html")]
struct FormPage {
    page: PageCtx,
    /// The actor edited, or none for a proposal.
    actor: Option<Actor>,
    fields: ActorFields,
    base: i64,
    errors: FieldErrors,
    tiles: String,
    /// The kinds offered: (code, name).
    kinds: Vec<(String, String)>,
    /// The lists of checkboxes: (field, vocabulary, terms).
    lists: Vec<(&'static str, &'static str, Choices)>,
}

/// Terms offered by a form: (code, name).
type Choices = Vec<(String, String)>;

/// The terms a form offers: the active ones, and the retired ones it already holds.
fn offered(
    tax: &Taxonomy,
    lang: Lang,
    vocabulary: &str,
    held: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    tax.terms(vocabulary)
        .iter()
        .filter(|t| !t.retired || held(&t.code))
        .map(|t| (t.code.clone(), t.name(lang).to_string()))
        .collect()
}

impl FormPage {
    async fn new(
        state: &AppState,
        page: PageCtx,
        actor: Option<Actor>,
        fields: ActorFields,
    ) -> Result<Self, Error> {
        let tax = crate::terms::current(state).await?;
        let lang = page.tr.0;
        Ok(FormPage {
            base: actor.as_ref().map(|a| a.revision).unwrap_or(0),
            kinds: offered(&tax, lang, "kind", |c| fields.get("kind") == c),
            lists: LISTS
                .iter()
                .map(|(l, v)| (*l, *v, offered(&tax, lang, v, |c| fields.has(l, c))))
                .collect(),
            page,
            actor,
            fields,
            errors: FieldErrors::new(),
            tiles: state.config().tile_url.clone(),
        })
    }
    fn action(&self) -> String {
        match &self.actor {
            Some(a) => format!("{}/edit", a.url()),
            None => "/directory/propose".into(),
        }
    }
    fn map_center(&self) -> String {
        match (
            self.fields.get("lat").parse::<f64>(),
            self.fields.get("lon").parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => format!("{lat},{lon}"),
            _ => String::new(),
        }
    }
}

/// A confirmed account, or a refusal the page explains.
fn confirmed(user: &User) -> Result<(), Error> {
    if user.confirmed {
        Ok(())
    } else {
        Err(Error::Conflict("directory.unconfirmed"))
    }
}

async fn propose_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    if confirmed(&user).is_err() {
        return Ok(redirect_with_flash(
            "/directory",
            "flash.directory_unconfirmed",
        ));
    }
    render(&FormPage::new(&state, page, None, ActorFields::default()).await?)
}

/// Parses a posted actor form against the referential.
async fn parse(
    state: &AppState,
    fields: &ActorFields,
) -> Result<Result<ActorInput, FieldErrors>, Error> {
    let tax = crate::terms::current(state).await?;
    store::parse_actor(state.db(), &tax, fields).await
}

async fn propose(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    if confirmed(&user).is_err() {
        return Ok(redirect_with_flash(
            "/directory",
            "flash.directory_unconfirmed",
        ));
    }
    let fields = ActorFields::from_pairs(&pairs);
    match parse(&state, &fields).await? {
        Ok(input) => {
            let actor = store::propose(state.db(), &input, &user.id).await?;
            Ok(redirect_with_flash(&actor.url(), "flash.actor_proposed"))
        }
        Err(errors) => {
            let mut p = FormPage::new(&state, page, None, fields).await?;
            p.errors = errors;
            render_invalid(&p)
        }
    }
}

/// The actor at this address that the reader owns (or moderates).
pub(crate) async fn owned(state: &AppState, user: &User, slug: &str) -> Result<Actor, Error> {
    let (actor, owner) = visible(state, Some(user), slug).await?;
    let resource = Resource::Actor {
        published: actor.state == store::State::Published,
        owned: owner,
    };
    policy::check(user, policy::Action::Edit, &resource)?;
    if actor.state == store::State::Rejected {
        return Err(Error::Conflict("actor.rejected"));
    }
    Ok(actor)
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let fields = ActorFields::of(&actor.data);
    render(&FormPage::new(&state, page, Some(actor), fields).await?)
}

async fn edit(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    let base: i64 = pairs
        .iter()
        .find(|(k, _)| k == "base")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(Error::BadRequest("form.malformed"))?;
    let fields = ActorFields::from_pairs(&pairs);
    let url = actor.url();
    let input = match parse(&state, &fields).await? {
        Ok(input) => input,
        Err(errors) => {
            let mut p = FormPage::new(&state, page, Some(actor), fields).await?;
            p.base = base;
            p.errors = errors;
            return render_invalid(&p);
        }
    };
    match store::edit(state.db(), &actor, base, &input, &user.id).await {
        Ok(true) => Ok(redirect_with_flash(&url, "flash.saved")),
        Ok(false) => Ok(redirect_with_flash(&url, "flash.actor_revision_pending")),
        Err(Error::Conflict("actor.stale")) => {
            let mut p = FormPage::new(&state, page, Some(actor), fields).await?;
            p.base = base;
            p.errors = kernel::FieldError::new("form", "actor.stale").into();
            render_invalid(&p)
        }
        Err(e) => Err(e),
    }
}

/// An entry not verified by its owners for this long is marked as to be checked (ms).
pub const VERIFY_EVERY_MS: i64 = 365 * 24 * 3600 * 1000;

/// Whether an actor is to be checked: not verified by its owners for a year.
fn to_check(a: &Actor) -> bool {
    kernel::ids::now_ms() - a.verified_at > VERIFY_EVERY_MS
}

async fn verify(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let actor = owned(&state, &user, &slug).await?;
    store::verify(state.db(), &actor.id, &user.id).await?;
    Ok(redirect_with_flash(&actor.url(), "flash.actor_verified"))
}

/// Reminds the owners of the entries not verified for a year, once (until they verify).
/// Returns how many entries.
pub async fn send_reminders(state: &AppState) -> Result<usize, Error> {
    let due = store::due_reminders(state.db(), kernel::ids::now_ms() - VERIFY_EVERY_MS).await?;
    for actor in &due {
        tell_owners(state, actor, "mail.actor_reminder", "").await?;
        store::reminded(state.db(), &actor.id).await?;
    }
    Ok(due.len())
}

/// The yearly reminders, looked for every day from 9:00 (Paris).
pub async fn reminder_task(state: AppState) {
    // The facet index is read once the indexes are built, so that the first reader of the
    // directory does not wait for it.
    let warm = state.clone();
    tokio::spawn(async move {
        while warm.applier().version_of(crate::ACTOR) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if let Err(e) = crate::facets::current(&warm).await {
            tracing::warn!(error = ?e, "the directory's facet index could not be read");
        }
    });
    kernel::jobs::daily(state, "directory_reminders", "09:00", |state| {
        Box::pin(async move { send_reminders(&state).await })
    })
    .await
}

/// A proposal in the queue, with its likely duplicates.
struct Proposal {
    actor: Actor,
    duplicates: Vec<Actor>,
}

/// A revision in the queue, with its diff against the actor as it stands.
struct Change {
    revision: Revision,
    actor: Actor,
    diff: Vec<FieldChange>,
    stale: bool,
}

#[derive(Template)]
#[template(path = "directory/moderation.html")]
struct QueuePage {
    page: PageCtx,
    proposals: Vec<Proposal>,
    changes: Vec<Change>,
    decisions: Decisions,
}

async fn queue_page(
    state: &AppState,
    page: PageCtx,
    decisions: Decisions,
) -> Result<QueuePage, Error> {
    let mut proposals = Vec::new();
    for actor in store::pending(state.db()).await? {
        let duplicates = store::duplicates(state.db(), &actor).await?;
        proposals.push(Proposal { actor, duplicates });
    }
    let mut changes = Vec::new();
    for revision in store::pending_revisions(state.db()).await? {
        let Some(actor) = store::get(state.db(), &revision.item).await? else {
            continue;
        };
        changes.push(Change {
            diff: actor.data.diff(&revision.data),
            stale: actor.revision != revision.base,
            revision,
            actor,
        });
    }
    Ok(QueuePage {
        page,
        proposals,
        changes,
        decisions,
    })
}

async fn queue(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Directory)?;
    render(&queue_page(&state, page, Decisions::default()).await?)
}

/// The queue again, with why a decision on `failed` was refused.
async fn refused_decision(
    state: &AppState,
    page: PageCtx,
    errors: FieldErrors,
    failed: &str,
) -> Result<Response, Error> {
    render_invalid(&queue_page(state, page, Decisions::refused(errors, failed)).await?)
}

/// Tells an actor's owners of a decision.
pub(crate) async fn tell_owners(
    state: &AppState,
    actor: &Actor,
    key: &str,
    reason: &str,
) -> Result<(), Error> {
    let to = store::owner_emails(state.db(), &actor.id).await?;
    state.mail_about(&to, key, (&actor.data.name, &actor.url()), reason);
    Ok(())
}

async fn decide_actor(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Directory)?;
    let actor = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    let publish = match f.approves() {
        Ok(p) => p,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    store::decide(state.db(), &id, publish, f.reason(), &user.id).await?;
    let key = store::REVIEW.mail(Decided::Item, publish);
    tell_owners(&state, &actor, key, f.reason()).await?;
    Ok(redirect_with_flash(
        "/directory/moderation",
        "flash.directory_decided",
    ))
}

async fn decide_revision(
    State(state): State<AppState>,
    page: PageCtx,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    policy::check(&user, policy::Action::Moderate, &Resource::Directory)?;
    let approve = match f.approves() {
        Ok(a) => a,
        Err(errors) => return refused_decision(&state, page, errors, &id).await,
    };
    let rev = match store::decide_revision(state.db(), &id, approve, f.reason(), &user.id).await {
        Ok(rev) => rev,
        Err(Error::Conflict(code)) if code == store::REVIEW.stale => {
            let errors = kernel::FieldError::new("reason", code).into();
            return refused_decision(&state, page, errors, &id).await;
        }
        Err(e) => return Err(e),
    };
    if let Some(actor) = store::get(state.db(), &rev.item).await? {
        let key = store::REVIEW.mail(Decided::Revision, approve);
        tell_owners(&state, &actor, key, f.reason()).await?;
    }
    Ok(redirect_with_flash(
        "/directory/moderation",
        "flash.directory_decided",
    ))
}

// ----- Open data -----

pub(crate) const CSV_HEADER: &str = "id,name,kind,siret,rna,short_description,website,email,phone,address,postcode,commune,departement,region,lat,long,themes,activities,publics,opening_hours,source,social,logo,created_at,updated_at,verified_at\n";

/// The path of an actor's logo on the platform, or empty.
fn logo_path(a: &Actor) -> String {
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

fn schema(tax: &Taxonomy) -> serde_json::Value {
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

async fn data_set(State(state): State<AppState>, file: &'static str) -> Result<Response, Error> {
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
