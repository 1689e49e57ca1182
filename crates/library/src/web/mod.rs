//! Library pages: the library (facets, text search, sort by date or relevance), an experience's
//! page (printable, with similar experiences), the form anyone confirmed submits an experience
//! with, its author's edit (a revision for a moderator once published), and the moderators'
//! queue.

use crate::error::StoreError;
use crate::model::{BUDGETS, ExperienceFields, ExperienceInput, Resolved, TOOLS};
use crate::policy::{self, Resource};
use crate::store::{self, Card, Experience, Revision, State as ExperienceState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use directory::terms::Taxonomy;
use kernel::accounts::User;
use kernel::i18n::Lang;
use kernel::review::{self, Decided, Decisions, FieldChange, Moderation};
use kernel::territories::{POPULATION_BANDS, TerritoryKind};
use kernel::web::FormPairs;
use kernel::web::pager::Pager;
use kernel::web::routes::Routes;
use kernel::web::{AttachedForm, PageCtx, SignedIn, redirect_with_flash, render, render_invalid};
use kernel::{AppState, Error, FieldError, FieldErrors};
use std::sync::Arc;

mod form;
use form::*;
mod moderation;
pub use moderation::workplace;
use moderation::*;

/// The library's routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/library", get(list))
        .route(
            "/library/propose",
            get(propose_form)
                .post(propose)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/library/moderation", get(review::queue::<Experiences>))
        .route(
            "/library/moderation/experiences/{id}",
            post(review::decide_item::<Experiences>),
        )
        .route(
            "/library/moderation/revisions/{id}",
            post(review::decide_revision::<Experiences>),
        )
        .route("/library/{slug}", get(show))
        .route(
            "/library/{slug}/edit",
            get(edit_form)
                .post(edit)
                .layer(kernel::uploads::attached_form_limit()),
        )
        .route("/library/{slug}/attachments/{file}", get(attachment))
        .route(
            "/library/moderation/revisions/{id}/attachments/{file}",
            get(revision_attachment),
        )
}

/// The facets of the library, in the order of the page.
const FACETS: &[&str] = &["theme", "tool", "kind", "band", "region"];

/// Experiences per page.
const PER_PAGE: usize = 20;

/// The name of a facet value in a language.
fn value_name(
    tax: &Taxonomy,
    lang: Lang,
    facet: &str,
    code: &str,
    regions: &[(String, String)],
) -> String {
    match facet {
        "theme" => tax.name(lang, "theme", code),
        "tool" => kernel::i18n::tr(lang, &format!("tool.{code}")).to_string(),
        "kind" => kernel::i18n::tr(lang, &format!("territory.kind.{code}")).to_string(),
        "band" => kernel::i18n::tr(lang, &format!("territory.band.{code}")).to_string(),
        _ => regions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string()),
    }
}

/// The values of one facet of a card.
fn values<'a>(card: &'a Card, facet: &str) -> Vec<&'a str> {
    match facet {
        "theme" => card.themes.iter().map(String::as_str).collect(),
        "tool" => card.tools.iter().map(String::as_str).collect(),
        "kind" => vec![card.kind.as_str()],
        "band" => vec![card.band.as_str()],
        _ => vec![card.region.as_str()],
    }
}

/// A facet: its name and its values (code, name, count), most frequent first.
type Facet = (&'static str, Vec<(String, String, usize)>);

#[derive(Template)]
#[template(path = "library/library.html")]
struct LibraryPage {
    page: PageCtx,
    q: String,
    sort: String,
    chosen: Vec<(String, String)>,
    experiences: Vec<Experience>,
    facets: Vec<Facet>,
    pager: Pager,
    moderate: bool,
    tax: Arc<Taxonomy>,
}

impl LibraryPage {
    fn is_chosen(&self, facet: &str, code: &str) -> bool {
        self.chosen.iter().any(|(f, c)| f == facet && c == code)
    }
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn toggle(&self, facet: &str, code: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .chosen
            .iter()
            .filter(|(f, c)| !(f == facet && c == code))
            .cloned()
            .collect();
        if !self.is_chosen(facet, code) {
            pairs.push((facet.to_string(), code.to_string()));
        }
        if !self.q.is_empty() {
            pairs.push(("q".into(), self.q.clone()));
        }
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", kernel::web::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("/library?{query}")
    }
}

async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let tax = directory::terms::current(&state).await?;
    let (mut q, mut sort, mut chosen, mut page_no) =
        (String::new(), String::new(), Vec::new(), None);
    for (k, v) in &pairs {
        match k.as_str() {
            "q" => q = v.trim().chars().take(200).collect(),
            "sort" if v == "date" || v == "relevance" => sort = v.clone(),
            "page" => page_no = Some(v.parse().map_err(|_| Error::BadRequest("query.invalid"))?),
            f if FACETS.contains(&f) && !v.is_empty() => {
                let ok = match f {
                    "theme" => tax.knows("theme", v),
                    "tool" => TOOLS.contains(&v.as_str()),
                    "kind" => TerritoryKind::parse(v).is_ok(),
                    "band" => POPULATION_BANDS.contains(&v.as_str()),
                    _ => v.len() <= 3 && v.bytes().all(|b| b.is_ascii_alphanumeric()),
                };
                if !ok {
                    return Err(Error::BadRequest("query.invalid"));
                }
                chosen.push((f.to_string(), v.clone()));
            }
            _ => {}
        }
    }
    let mut cards = store::cards(state.db()).await?;
    // A text search keeps its hits, best first when sorted by relevance.
    if !q.is_empty() {
        let hits = state.search().search(&kernel::search::SearchQuery {
            text: q.clone(),
            kinds: vec!["experience"],
            offset: 0,
            limit: 10_000,
            region: None,
        });
        let rank: Vec<String> = hits.hits.into_iter().map(|h| h.doc.id).collect();
        cards.retain(|c| rank.contains(&c.id));
        if sort != "date" {
            cards.sort_by_key(|c| rank.iter().position(|r| *r == c.id));
        }
    }
    if sort.is_empty() {
        sort = if q.is_empty() { "date" } else { "relevance" }.into();
    }
    let matches: Vec<&Card> = cards
        .iter()
        .filter(|c| {
            chosen
                .iter()
                .all(|(f, code)| values(c, f).contains(&code.as_str()))
        })
        .collect();
    let mut base = String::from("/library?");
    if !q.is_empty() {
        base.push_str(&format!("q={}&", kernel::web::percent_encode(&q)));
    }
    base.push_str(&format!("sort={sort}&"));
    for (f, c) in &chosen {
        base.push_str(&format!("{f}={}&", kernel::web::percent_encode(c)));
    }
    let mut pager = Pager::new(page_no, PER_PAGE as i64, base);
    pager.total = matches.len() as i64;
    let ids: Vec<String> = matches
        .iter()
        .skip(pager.offset().max(0) as usize)
        .take(PER_PAGE)
        .map(|c| c.id.clone())
        .collect();
    let experiences = store::by_ids(state.db(), &ids).await?;
    let mut regions = Vec::new();
    for c in &matches {
        if !c.region.is_empty()
            && !regions
                .iter()
                .any(|(r, _): &(String, String)| *r == c.region)
            && let Some(t) =
                kernel::territories::store::get(state.db(), TerritoryKind::Region, &c.region)
                    .await?
        {
            regions.push((c.region.clone(), t.name));
        }
    }
    let lang = page.tr.0;
    let facets = FACETS
        .iter()
        .map(|f| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for c in &matches {
                for v in values(c, f) {
                    if v.is_empty() {
                        continue;
                    }
                    match counts.iter_mut().find(|(x, _)| x == v) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((v.to_string(), 1)),
                    }
                }
            }
            let mut named: Vec<(String, String, usize)> = counts
                .into_iter()
                .map(|(code, n)| {
                    let name = value_name(&tax, lang, f, &code, &regions);
                    (code, name, n)
                })
                .collect();
            named.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
            (*f, named)
        })
        .collect();
    render(&LibraryPage {
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Component,
        ),
        page,
        q,
        sort,
        chosen,
        experiences,
        facets,
        pager,
        tax,
    })
}

#[derive(Template)]
#[template(path = "library/experience.html")]
struct ExperiencePage {
    page: PageCtx,
    experience: Experience,
    mine: bool,
    moderate: bool,
    actors: Vec<directory::store::Actor>,
    processes: Vec<(String, String)>,
    similar: Vec<Experience>,
    tax: Arc<Taxonomy>,
}

impl ExperiencePage {
    fn theme(&self, code: &str) -> String {
        self.tax.name(self.page.tr.0, "theme", code)
    }
    fn html(&self, text: &str) -> String {
        kernel::markdown::to_html(text)
    }
    fn date(&self, ms: &i64) -> kernel::i18n::TimeTag {
        self.page.tr.date_tag(ms)
    }
    fn territory_url(&self) -> String {
        format!("/territories/{}", self.experience.data.territory)
    }
}

/// The experience at this address: published ones for everyone, the others for their author
/// and the moderators. Returns it and whether the reader wrote it.
async fn visible(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
) -> Result<(Experience, bool), Error> {
    let experience = store::by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)?;
    let mine = user.is_some_and(|u| u.id == experience.author);
    let resource = Resource::Entry {
        published: experience.state == ExperienceState::Published,
        owned: mine,
    };
    if !policy::can(user, policy::Action::Read, &resource) {
        return Err(Error::NotFound);
    }
    Ok((experience, mine))
}

/// The published experiences most like this one: the same tools count twice, the same themes once,
/// the same population band once.
fn similar_ids(experience: &Experience, cards: &[Card]) -> Vec<String> {
    let mut scored: Vec<(usize, &Card)> = cards
        .iter()
        .filter(|c| c.id != experience.id)
        .map(|c| {
            let tools = c
                .tools
                .iter()
                .filter(|t| experience.data.tools.contains(t))
                .count();
            let themes = c
                .themes
                .iter()
                .filter(|t| experience.data.themes.contains(t))
                .count();
            let band = usize::from(c.band == experience.band);
            (tools * 2 + themes + band, c)
        })
        .filter(|(score, _)| *score > 1)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.updated_at.cmp(&a.1.updated_at)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.id.clone())
        .collect()
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (experience, mine) = visible(&state, page.user.as_ref(), &slug).await?;
    let actors: Vec<directory::store::Actor> =
        directory::store::by_ids(state.db(), &experience.data.actors)
            .await?
            .into_iter()
            .filter(|a| a.state == directory::store::State::Published)
            .collect();
    let mut processes = Vec::new();
    for path in &experience.data.processes {
        // The path shown is the one the process has now, never the stored text itself.
        if let Some(found) = process_of(&state, path).await? {
            processes.push(found);
        }
    }
    let cards = store::cards(state.db()).await?;
    let similar = store::by_ids(state.db(), &similar_ids(&experience, &cards)).await?;
    render(&ExperiencePage {
        tax: directory::terms::current(&state).await?,
        moderate: policy::can(
            page.user.as_ref(),
            policy::Action::Moderate,
            &Resource::Component,
        ),
        page,
        experience,
        mine,
        actors,
        processes,
        similar,
    })
}
