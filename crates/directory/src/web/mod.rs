//! Directory pages: here the directory (list and facets beside a live map, shareable filters,
//! a text search, the embed); an actor's page in `page`, the form anyone confirmed proposes an
//! actor with and its owners' edits in `form`, the moderators' queue in `moderation`, the open
//! data in `opendata`, owners' settings in `owners`, offers in `offers`, the taxonomy in
//! `terms`.

mod offers;
mod owners;
mod terms;

use crate::actor::{ActorFields, ActorInput};
use crate::error::StoreError;
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
use kernel::review::{self, Decided, Decisions, FieldChange, Moderation};
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{Form, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldErrors};
use std::sync::Arc;

mod page;
use page::*;
mod form;
pub use form::*;

mod moderation;
pub use moderation::workplace;
use moderation::*;
mod map;
mod opendata;
pub use opendata::*;

/// An actor on a map: `[lat, lon, name]`, and its page when given.
fn point(a: &Actor, url: Option<String>) -> serde_json::Value {
    let p = a.data.position();
    match url {
        Some(url) => serde_json::json!([p.lat, p.lon, a.data.name(), url]),
        None => serde_json::json!([p.lat, p.lon, a.data.name()]),
    }
}

/// The directory's routes.
pub fn routes() -> Routes {
    Routes::new()
        .merge(owners::routes())
        .merge(offers::routes())
        .merge(terms::routes())
        .route("/directory", get(home))
        .route("/directory/map.json", get(map::map))
        .route("/directory/themes/{code}", get(theme_page))
        .route("/directory/territories/{kind}/{code}", get(territory_page))
        .route("/embed/directory", get(embed))
        .route("/directory/propose", get(propose_form).post(propose))
        .route("/directory/actors/{slug}", get(show))
        .route("/directory/actors/{slug}/edit", get(edit_form).post(edit))
        .route("/directory/actors/{slug}/verify", post(verify))
        .route("/directory/moderation", get(review::queue::<Actors>))
        .route(
            "/directory/moderation/actors/{id}",
            post(review::decide_item::<Actors>),
        )
        .route(
            "/directory/moderation/revisions/{id}",
            post(review::decide_revision::<Actors>),
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
    places: &PlaceNames,
) -> String {
    match vocabulary {
        "region" | "departement" => places.name(vocabulary, code).unwrap_or(code).to_string(),
        v => tax.name(lang, v, code),
    }
}

/// The names of the régions and départements by (vocabulary, code), sorted: read again when
/// the referential changes. A région and a département may share a code ("53").
struct PlaceNames(Vec<((String, String), String)>);

impl PlaceNames {
    fn name(&self, vocabulary: &str, code: &str) -> Option<&str> {
        let at = self
            .0
            .binary_search_by(|((v, c), _)| (v.as_str(), c.as_str()).cmp(&(vocabulary, code)))
            .ok()?;
        Some(&self.0[at].1)
    }
}

/// The names of the régions and départements.
async fn place_names(state: &AppState) -> Result<Arc<PlaceNames>, Error> {
    use kernel::territories::TerritoryKind;
    crate::facets::kept(state, kernel::territories::TERRITORY, |db| async move {
        let mut all = Vec::new();
        for (vocabulary, kind) in [
            ("region", TerritoryKind::Region),
            ("departement", TerritoryKind::Departement),
        ] {
            for (code, name) in kernel::territories::store::names(&db, kind).await? {
                all.push(((vocabulary.to_string(), code), name));
            }
        }
        all.sort();
        Ok(PlaceNames(all))
    })
    .await
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
    /// The instance's area, where the map opens when no actor frames it.
    area: String,
    moderate: bool,
    tax: Arc<Taxonomy>,
    /// What the markers' colours mean.
    legend: kernel::geo::Legend,
}

impl HomePage {
    fn is_chosen(&self, vocabulary: &str, code: &str) -> bool {
        self.chosen
            .iter()
            .any(|(v, c)| v == vocabulary && c == code)
    }
    fn kind_name(&self, a: &Actor) -> String {
        self.tax.name(self.page.tr.0, "kind", a.data.kind())
    }
    fn points(&self) -> String {
        let cards: Vec<kernel::geo::MapCard> = self.actors.iter().map(map::card).collect();
        kernel::geo::cards_attribute(&cards)
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
    let places = place_names(state).await?;
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
        legend: map::legend(&page.tr, &l.tax),
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Component,
        ),
        tiles: state.config().tile_url.clone(),
        area: kernel::spaces::instance_map_area(state.db()).await?,
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
    /// The instance's area, where the map opens when no actor frames it.
    area: String,
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
        area: kernel::spaces::instance_map_area(state.db()).await?,
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
                .map(|a| point(a, Some(a.url())))
                .collect::<Vec<_>>(),
        )
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::PlaceNames;

    #[test]
    fn a_region_and_a_departement_sharing_a_code_keep_their_own_names() {
        let entry = |v: &str, c: &str, n: &str| ((v.to_string(), c.to_string()), n.to_string());
        let names = PlaceNames(vec![
            entry("departement", "22", "Côtes-d'Armor"),
            entry("departement", "53", "Mayenne"),
            entry("region", "53", "Bretagne"),
        ]);
        assert_eq!(names.name("region", "53"), Some("Bretagne"));
        assert_eq!(names.name("departement", "53"), Some("Mayenne"));
        assert_eq!(names.name("region", "22"), None);
    }
}
