//! The platform's own pages: home, spaces list, search, territories, language switch, uploads.

use crate::app::AppState;
use crate::error::Error;
use crate::i18n::Lang;
use crate::search::{SearchHit, SearchQuery};
use crate::spaces::{Space, store as spaces};
use crate::territories::{Territory, TerritoryKind, store as territories};
use crate::web::pager::Pager;
use crate::web::routes::Routes;
use crate::web::{LANG_COOKIE, PageCtx, percent_encode, render, safe_next, set_cookie};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

/// The routes of these pages.
pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(home))
        .route("/spaces", get(spaces_list))
        .route("/search", get(search))
        .route("/territories/{kind}/{code}", get(territory))
        .route("/lang/{code}", get(switch_lang))
        .route("/uploads/{name}", get(upload))
        .route("/terms", get(terms))
        .route("/privacy", get(privacy))
        .route("/accessibility", get(accessibility))
}

/// The platform's notices: its terms of use, privacy notice and accessibility statement,
/// written in Markdown beside the code, one file per language.
#[derive(Clone, Copy)]
enum Notice {
    Terms,
    Privacy,
    Accessibility,
}

impl Notice {
    fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Notice::Terms, Lang::Fr) => include_str!("../content/terms.fr.md"),
            (Notice::Terms, Lang::En) => include_str!("../content/terms.en.md"),
            (Notice::Privacy, Lang::Fr) => include_str!("../content/privacy.fr.md"),
            (Notice::Privacy, Lang::En) => include_str!("../content/privacy.en.md"),
            (Notice::Accessibility, Lang::Fr) => include_str!("../content/accessibility.fr.md"),
            (Notice::Accessibility, Lang::En) => include_str!("../content/accessibility.en.md"),
        }
    }
    fn title(self) -> &'static str {
        match self {
            Notice::Terms => "notice.terms",
            Notice::Privacy => "notice.privacy",
            Notice::Accessibility => "notice.accessibility",
        }
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    page: PageCtx,
    title: &'static str,
    body: String,
    /// The operator's address, for questions and requests.
    contact: String,
}

fn notice(state: &AppState, page: PageCtx, notice: Notice) -> Result<Response, Error> {
    render(&NoticePage {
        body: sections_html(notice.text(page.tr.0)),
        title: notice.title(),
        contact: state.config().mail_from.clone(),
        page,
    })
}

/// Text in sections, each after a `## ` heading line, each section's text in the Markdown subset.
fn sections_html(text: &str) -> String {
    let mut out = String::new();
    for (i, section) in text.split("\n## ").enumerate() {
        let body = if i == 0 {
            section
        } else {
            let (heading, body) = section.split_once('\n').unwrap_or((section, ""));
            out.push_str(&format!(
                "<h2>{}</h2>\n",
                crate::text::escape_html(heading.trim())
            ));
            body
        };
        out.push_str(&crate::markdown::to_html(body));
    }
    out
}

async fn terms(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    notice(&state, page, Notice::Terms)
}

async fn privacy(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    notice(&state, page, Notice::Privacy)
}

async fn accessibility(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    notice(&state, page, Notice::Accessibility)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: PageCtx,
    spaces: &'a [Space],
    total: i64,
}

async fn home(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    if !state.has_admin().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let home = state.home_spaces().await?;
    render(&HomePage {
        page,
        spaces: &home.0,
        total: home.1,
    })
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "spaces/list.html")]
struct SpacesPage {
    page: PageCtx,
    spaces: Vec<Space>,
    pager: Pager,
}

async fn spaces_list(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let mut pager = Pager::new(q.page, 30, "/spaces?".into());
    let (spaces, total) = spaces::list(state.db(), pager.offset(), pager.per_page).await?;
    pager.total = total;
    render(&SpacesPage {
        page,
        spaces,
        pager,
    })
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: PageCtx,
    q: String,
    q_enc: String,
    kind: String,
    region: String,
    by_kind: Vec<(&'static str, usize)>,
    /// (code, name, count) of the régions of the matches.
    by_region: Vec<(String, String, usize)>,
    hits: Vec<SearchHit>,
    pager: Pager,
}

impl SearchPage {
    fn kind_key(&self, kind: &str) -> String {
        format!("search.kind.{kind}")
    }
    fn kind_url(&self, kind: &str) -> String {
        let mut url = format!("/search?q={}", self.q_enc);
        if !kind.is_empty() {
            url.push_str(&format!("&kind={kind}"));
        }
        if !self.region.is_empty() {
            url.push_str(&format!("&region={}", self.region));
        }
        url
    }
    fn region_url(&self, region: &str) -> String {
        let mut url = format!("/search?q={}", self.q_enc);
        if !self.kind.is_empty() {
            url.push_str(&format!("&kind={}", self.kind));
        }
        if !region.is_empty() {
            url.push_str(&format!("&region={region}"));
        }
        url
    }
}

/// The kind a search asks for, among those the indexes hold: none for all, a 400 for another.
pub fn search_kind(state: &AppState, asked: &str) -> Result<Option<&'static str>, Error> {
    if asked.is_empty() {
        return Ok(None);
    }
    state
        .applier()
        .kinds()
        .into_iter()
        .find(|k| *k == asked)
        .map(Some)
        .ok_or(Error::BadRequest("kind.unknown"))
}

/// A région code a search asks for: none, or its INSEE code (a 400 for anything else).
pub fn search_region(asked: &str) -> Result<Option<String>, Error> {
    if asked.is_empty() {
        return Ok(None);
    }
    if asked.len() > 3 || !asked.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::BadRequest("query.invalid"));
    }
    Ok(Some(asked.to_string()))
}

async fn search(
    State(state): State<AppState>,
    page: PageCtx,
    Query(p): Query<SearchParams>,
) -> Result<Response, Error> {
    let q = p.q.chars().take(200).collect::<String>();
    let kind = search_kind(&state, &p.kind)?;
    let region = search_region(&p.region)?;
    let q_enc = percent_encode(&q);
    let mut base = format!("/search?q={q_enc}&");
    if let Some(k) = kind {
        base.push_str(&format!("kind={k}&"));
    }
    if let Some(r) = &region {
        base.push_str(&format!("region={r}&"));
    }
    let mut pager = Pager::new(p.page, 20, base);
    let results = state.search().search(&SearchQuery {
        text: q.clone(),
        kinds: kind.into_iter().collect(),
        offset: pager.offset() as usize,
        limit: pager.per_page as usize,
        region: region.clone(),
    });
    pager.total = results.total as i64;
    let mut by_region = Vec::new();
    for (code, n) in results.by_region.into_iter().take(20) {
        if let Some(t) =
            crate::territories::store::get(state.db(), TerritoryKind::Region, &code).await?
        {
            by_region.push((code, t.name, n));
        }
    }
    render(&SearchPage {
        page,
        q,
        q_enc,
        kind: kind.unwrap_or("").to_string(),
        region: region.unwrap_or_default(),
        by_kind: results.by_kind,
        by_region,
        hits: results.hits,
        pager,
    })
}

#[derive(Template)]
#[template(path = "territories/show.html")]
struct TerritoryPage {
    page: PageCtx,
    t: Territory,
    parents: Vec<(String, String)>,
    spaces: Vec<Space>,
    children: Vec<Territory>,
    children_title: &'static str,
    pager: Pager,
}

async fn territory(
    State(state): State<AppState>,
    page: PageCtx,
    Path((kind, code)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let kind = TerritoryKind::parse(&kind).map_err(|_| Error::NotFound)?;
    let t = territories::get(state.db(), kind, &code)
        .await?
        .ok_or(Error::NotFound)?;
    let mut parents = Vec::new();
    for (k, c) in [
        (TerritoryKind::Region, &t.region),
        (TerritoryKind::Departement, &t.departement),
        (TerritoryKind::Epci, &t.epci),
    ] {
        if let Some(c) = c
            && let Some(p) = territories::get(state.db(), k, c).await?
        {
            parents.push((p.name.clone(), p.url()));
        }
    }
    let (child_kind, children_title) = match kind {
        TerritoryKind::Region => (
            TerritoryKind::Departement,
            "territory.children.departements",
        ),
        TerritoryKind::Departement | TerritoryKind::Epci => {
            (TerritoryKind::Commune, "territory.children.communes")
        }
        TerritoryKind::Commune => (TerritoryKind::Commune, ""),
    };
    let mut pager = Pager::new(q.page, 60, format!("{}?", t.url()));
    let (children, total) =
        territories::children(state.db(), &t, child_kind, pager.offset(), pager.per_page).await?;
    pager.total = total;
    let spaces = spaces::of_territory(
        state.db(),
        &crate::territories::TerritoryRef {
            kind,
            code: t.code.clone(),
        },
    )
    .await?;
    render(&TerritoryPage {
        page,
        t,
        parents,
        spaces,
        children,
        children_title,
        pager,
    })
}

#[derive(Deserialize)]
struct BackQuery {
    back: Option<String>,
}

async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<BackQuery>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut res = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            86_400 * 365,
            state.config().secure_cookies,
        ),
    );
    res
}

async fn upload(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, Error> {
    let file = state.uploads().get(&name).await?.ok_or(Error::NotFound)?;
    let mut res = file.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
