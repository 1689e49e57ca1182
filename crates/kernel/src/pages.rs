//! The platform's own pages: home, spaces list, search, territories, language switch, uploads.

use crate::app::AppState;
use crate::error::Error;
use crate::i18n::Lang;
use crate::search::{SearchHit, SearchQuery};
use crate::spaces::{Space, store as spaces};
use crate::territories::{Territory, TerritoryKind, store as territories};
use crate::web::pager::Pager;
use crate::web::{LANG_COOKIE, PageCtx, percent_encode, render, safe_next, set_cookie};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/spaces", get(spaces_list))
        .route("/search", get(search))
        .route("/territories/{kind}/{code}", get(territory))
        .route("/lang/{code}", get(switch_lang))
        .route("/uploads/{name}", get(upload))
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
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: PageCtx,
    q: String,
    q_enc: String,
    kind: String,
    by_kind: Vec<(&'static str, usize)>,
    hits: Vec<SearchHit>,
    pager: Pager,
}

impl SearchPage {
    fn kind_key(&self, kind: &str) -> String {
        format!("search.kind.{kind}")
    }
}

/// The kinds of documents the search knows, to accept a `kind` filter.
pub const SEARCH_KINDS: &[&str] = &["territory", "space"];

async fn search(
    State(state): State<AppState>,
    page: PageCtx,
    Query(p): Query<SearchParams>,
) -> Result<Response, Error> {
    let q = p.q.chars().take(200).collect::<String>();
    let kind = SEARCH_KINDS.iter().find(|k| **k == p.kind).copied();
    let q_enc = percent_encode(&q);
    let base = match kind {
        Some(k) => format!("/search?q={q_enc}&kind={k}&"),
        None => format!("/search?q={q_enc}&"),
    };
    let mut pager = Pager::new(p.page, 20, base);
    let results = state.search().search(&SearchQuery {
        text: q.clone(),
        kinds: kind.into_iter().collect(),
        offset: pager.offset() as usize,
        limit: pager.per_page as usize,
    });
    pager.total = results.total as i64;
    render(&SearchPage {
        page,
        q,
        q_enc,
        kind: kind.unwrap_or("").to_string(),
        by_kind: results.by_kind,
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
    let bytes = state.uploads().get(&name).await.ok_or(Error::NotFound)?;
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
