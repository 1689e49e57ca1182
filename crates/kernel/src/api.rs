//! The JSON API shell (`/api/v1`), its OpenAPI document and docs page, and the operations
//! endpoints (`/healthz`, `/readyz`, `/metrics`).

use crate::accounts::Action;
use crate::app::AppState;
use crate::error::Error;
use crate::search::SearchQuery;
use crate::spaces::model::SpaceFields;
use crate::spaces::{Space, store as spaces};
use crate::territories::{Territory, TerritoryKind, store as territories};
use crate::web::routes::Routes;
use crate::web::{ApiJson, ApiSignedIn, ApiUser, PageCtx, render};
use askama::Template;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The API and operations routes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs))
        .route("/api/v1/territories", get(list_territories))
        .route("/api/v1/territories/{kind}/{code}", get(get_territory))
        .route("/api/v1/spaces", get(list_spaces).post(create_space))
        .route("/api/v1/spaces/{slug}", get(get_space))
        .route("/api/v1/search", get(search))
        .route("/api/v1/me", get(me))
}

/// The kernel's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Territoires API", description = "Citizen participation and innovation ecosystem of French territories. Errors are `{\"error\": {\"code\", \"message\"}}` with stable codes.", license(name = "AGPL-3.0-or-later")),
    paths(list_territories, get_territory, list_spaces, create_space, get_space, search, me),
    components(schemas(TerritoryOut, SpaceOut, SpaceFields, Page<TerritoryOut>, Page<SpaceOut>, SearchOut, SearchItem, FacetCount, MeOut, ErrorBody, ErrorInner)),
    modifiers(&BearerAuth),
)]
pub struct KernelApi;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The error format of every API error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorInner,
}

/// The content of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorInner {
    /// Stable code, such as `not_found` or `json.malformed`.
    code: String,
    /// A sentence in English; the UI translates the code.
    message: String,
}

/// Query parameters of the API; a malformed query is a 400 `query.invalid`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, s)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|_| Error::BadRequest("query.invalid"))
    }
}

/// A page of a list; `next_cursor` is given while there is more.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items.
    items: Vec<T>,
    /// Pass it as `cursor` to get the next page.
    next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// The page of `items` found at `offset` with `limit`, out of `total`.
    pub fn new(items: Vec<T>, offset: i64, limit: i64, total: i64) -> Self {
        Page {
            items,
            next_cursor: next_cursor(offset, limit, total),
        }
    }
}

/// Paging parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// From a previous page's `next_cursor`.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub cursor: Option<String>,
}

impl Paging {
    /// The limit and offset asked for (400 `limit.range` or `cursor.invalid` otherwise).
    pub fn parse(&self) -> Result<(i64, i64), Error> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(Error::BadRequest("limit.range"));
        }
        let offset = match &self.cursor {
            None => 0,
            Some(c) => c
                .parse::<u32>()
                .map_err(|_| Error::BadRequest("cursor.invalid"))? as i64,
        };
        Ok((limit, offset))
    }
}

fn next_cursor(offset: i64, limit: i64, total: i64) -> Option<String> {
    (offset + limit < total).then(|| (offset + limit).to_string())
}

/// A territory.
#[derive(Serialize, ToSchema)]
pub struct TerritoryOut {
    /// `region`, `departement`, `epci` or `commune`.
    kind: String,
    /// INSEE code (SIREN for an EPCI).
    code: String,
    /// Official name.
    name: String,
    /// Municipal population.
    population: Option<i64>,
    /// Postcodes of a commune.
    postcodes: Vec<String>,
    /// Code of its région.
    region: Option<String>,
    /// Code of its département.
    departement: Option<String>,
    /// SIREN of its EPCI.
    epci: Option<String>,
}

impl From<Territory> for TerritoryOut {
    fn from(t: Territory) -> Self {
        TerritoryOut {
            kind: t.kind.as_str().into(),
            code: t.code,
            name: t.name,
            population: t.population,
            postcodes: t.postcodes,
            region: t.region,
            departement: t.departement,
            epci: t.epci,
        }
    }
}

/// Territory search parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerritoryQuery {
    /// Words of the name, a code or a postcode; accents and case do not matter.
    q: String,
}

/// Search the territory referential.
#[utoipa::path(get, path = "/api/v1/territories", params(TerritoryQuery, Paging),
    responses((status = 200, body = Page<TerritoryOut>), (status = 400, body = ErrorBody)))]
async fn list_territories(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TerritoryQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<TerritoryOut>>, Error> {
    let (limit, offset) = paging.parse()?;
    let results = state.search().search(&SearchQuery {
        text: q.q,
        kinds: vec!["territory"],
        offset: offset as usize,
        limit: limit as usize,
        region: None,
    });
    let mut items = Vec::new();
    for hit in &results.hits {
        if let Some((kind, code)) = hit.doc.id.split_once('/')
            && let Ok(kind) = TerritoryKind::parse(kind)
            && let Some(t) = territories::get(state.db(), kind, code).await?
        {
            items.push(t.into());
        }
    }
    Ok(Json(Page {
        items,
        next_cursor: next_cursor(offset, limit, results.total as i64),
    }))
}

/// One territory.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}",
    params(("kind" = String, Path, description = "region, departement, epci or commune", example = "commune"),
        ("code" = String, Path, description = "INSEE code, SIREN for an EPCI", example = "22113")),
    responses((status = 200, body = TerritoryOut), (status = 404, body = ErrorBody)))]
async fn get_territory(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
) -> Result<Json<TerritoryOut>, Error> {
    let kind = TerritoryKind::parse(&kind).map_err(|_| Error::NotFound)?;
    let t = territories::get(state.db(), kind, &code)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(t.into()))
}

/// A space.
#[derive(Serialize, ToSchema)]
pub struct SpaceOut {
    /// Opaque id.
    id: String,
    /// Address: `/s/{slug}`.
    slug: String,
    /// Name.
    name: String,
    /// Description.
    description: String,
    /// Territory as `kind/code`.
    territory: String,
    /// Name of the territory.
    territory_name: String,
    /// Accent colour.
    accent_color: String,
    /// Logo URL.
    logo_url: Option<String>,
    /// Page URL.
    url: String,
}

impl From<Space> for SpaceOut {
    fn from(s: Space) -> Self {
        SpaceOut {
            url: s.url(),
            territory: s.territory.as_string(),
            logo_url: s.logo.map(|l| format!("/uploads/{l}")),
            id: s.id,
            slug: s.slug,
            name: s.name,
            description: s.description,
            territory_name: s.territory_name,
            accent_color: s.accent_color,
        }
    }
}

/// List spaces by name.
#[utoipa::path(get, path = "/api/v1/spaces", params(Paging),
    responses((status = 200, body = Page<SpaceOut>), (status = 400, body = ErrorBody)))]
async fn list_spaces(
    State(state): State<AppState>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<SpaceOut>>, Error> {
    let (limit, offset) = paging.parse()?;
    let (items, total) = spaces::list(state.db(), offset, limit).await?;
    Ok(Json(Page {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor: next_cursor(offset, limit, total),
    }))
}

/// Create a space (instance administrators).
#[utoipa::path(post, path = "/api/v1/spaces", request_body = SpaceFields, security(("token" = [])),
    responses((status = 201, body = SpaceOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_space(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    ApiJson(fields): ApiJson<SpaceFields>,
) -> Result<Response, Error> {
    crate::policy::check(&user, Action::AdministerInstance)?;
    let input = fields.parse()?;
    let space = spaces::create(state.db(), &input, None, Some(&user.id)).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/spaces/{}", space.slug))],
        Json(SpaceOut::from(space)),
    )
        .into_response())
}

/// One space.
#[utoipa::path(get, path = "/api/v1/spaces/{slug}", params(("slug" = String, Path, example = "lannion")),
    responses((status = 200, body = SpaceOut), (status = 404, body = ErrorBody)))]
async fn get_space(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<SpaceOut>, Error> {
    let s = spaces::get_by_slug(state.db(), &slug)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(s.into()))
}

/// Search parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words.
    q: String,
    /// Only this kind: `territory`, `space`, `process`, `contribution`, `report`, `actor`,
    /// `offer`, `experience`, `challenge`.
    #[param(pattern = "^[a-z_]*$")]
    kind: Option<String>,
    /// Only this région, by its INSEE code (`53`).
    #[param(pattern = "^[0-9A-Z]{0,3}$")]
    region: Option<String>,
}

/// One search result.
#[derive(Serialize, ToSchema)]
pub struct SearchItem {
    /// What it is.
    kind: String,
    /// Its id within the kind.
    id: String,
    /// Title.
    title: String,
    /// Secondary line.
    subtitle: String,
    /// Page URL.
    url: String,
    /// INSEE code of its région, or empty.
    region: String,
    /// A few words around the first match, the matches in `<mark>` (HTML-escaped text).
    excerpt_html: String,
}

/// A value of a facet and its count.
#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    /// The value: a kind, or a région's INSEE code.
    value: String,
    /// Matches with it.
    count: i64,
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// Matches in all.
    total: i64,
    /// This page.
    items: Vec<SearchItem>,
    /// Matches per kind (before the kind filter).
    by_kind: Vec<FacetCount>,
    /// Matches per région (before the région filter).
    by_region: Vec<FacetCount>,
    /// Pass it as `cursor` to get the next page.
    next_cursor: Option<String>,
}

/// Search everything public.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams, Paging),
    responses((status = 200, body = SearchOut), (status = 400, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<SearchOut>, Error> {
    let (limit, offset) = paging.parse()?;
    let kinds: Vec<&'static str> =
        crate::pages::search_kind(&state, p.kind.as_deref().unwrap_or(""))?
            .into_iter()
            .collect();
    let region = crate::pages::search_region(p.region.as_deref().unwrap_or(""))?;
    let r = state.search().search(&SearchQuery {
        text: p.q,
        kinds,
        offset: offset as usize,
        limit: limit as usize,
        region,
    });
    let facet = |value: String, count: usize| FacetCount {
        value,
        count: count as i64,
    };
    Ok(Json(SearchOut {
        by_kind: r
            .by_kind
            .iter()
            .map(|(k, n)| facet(k.to_string(), *n))
            .collect(),
        by_region: r
            .by_region
            .iter()
            .map(|(k, n)| facet(k.clone(), *n))
            .collect(),
        total: r.total as i64,
        next_cursor: next_cursor(offset, limit, r.total as i64),
        items: r
            .hits
            .into_iter()
            .map(|h| SearchItem {
                excerpt_html: h.excerpt_html(),
                region: h.doc.region.clone(),
                kind: h.doc.kind.into(),
                id: h.doc.id,
                title: h.doc.title,
                subtitle: h.doc.subtitle,
                url: h.doc.url,
            })
            .collect(),
    }))
}

/// The owner of the API token.
#[derive(Serialize, ToSchema)]
pub struct MeOut {
    /// User id.
    id: String,
    /// Shown name.
    display_name: String,
    /// Roles: `admin`, or `space_admin:{space_id}`…
    roles: Vec<String>,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", security(("token" = [])),
    responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(user): ApiUser) -> Result<Json<MeOut>, Error> {
    let u = user.ok_or(Error::Unauthorized)?;
    Ok(Json(MeOut {
        roles: u
            .grants
            .iter()
            .map(|g| match &g.space_id {
                Some(s) => format!("{}:{s}", g.role.as_str()),
                None => g.role.as_str().to_string(),
            })
            .collect(),
        id: u.id,
        display_name: u.display_name,
    }))
}

/// The process lives: nothing else is looked at.
async fn healthz() -> &'static str {
    "ok"
}

/// How long the database has to answer a readiness probe.
const READY_PROBE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a node may take requests, as `/readyz` says it to a load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// The indexes were built at start and the database answers; `applied` is the last change
    /// of the feed applied (other nodes' latest writes may still be on their way: a node that
    /// follows the feed a moment behind is ready).
    Ready {
        /// The last change applied.
        applied: i64,
    },
    /// The start-up build of the read indexes has not finished.
    IndexesNotBuilt,
    /// The database did not answer a trivial query, or not in time.
    DatabaseDown,
}

impl Readiness {
    /// This node's readiness now: its indexes' build, and one trivial query.
    pub async fn of(state: &AppState) -> Readiness {
        if !state.applier().built() {
            return Readiness::IndexesNotBuilt;
        }
        let probe = sqlx::query("SELECT 1").execute(state.db().pool());
        match tokio::time::timeout(READY_PROBE, probe).await {
            Ok(Ok(_)) => Readiness::Ready {
                applied: state.applier().applied(),
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "not ready: the database does not answer");
                Readiness::DatabaseDown
            }
            Err(_) => {
                tracing::warn!("not ready: the database did not answer in time");
                Readiness::DatabaseDown
            }
        }
    }
}

impl IntoResponse for Readiness {
    fn into_response(self) -> Response {
        let message = match self {
            Readiness::Ready { applied } => {
                return Json(serde_json::json!({"status": "ready", "applied": applied}))
                    .into_response();
            }
            Readiness::IndexesNotBuilt => "the read indexes are not built yet",
            Readiness::DatabaseDown => "the database does not answer",
        };
        let mut res = (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"error": {"code": "not_ready", "message": message}})),
        )
            .into_response();
        // The error pages keep an answer whose code is known.
        res.extensions_mut()
            .insert(crate::error::ErrorCode("not_ready"));
        res
    }
}

async fn readyz(State(state): State<AppState>) -> Readiness {
    Readiness::of(&state).await
}

/// Whether a request may read `/metrics`: with the configured bearer token, or, without one,
/// from a loopback client of a node that is not behind a proxy (behind one, every request would
/// seem to come from the proxy).
fn may_read_metrics(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::IpAddr>,
) -> bool {
    let config = state.config();
    if let Some(token) = &config.metrics_token {
        let given = crate::web::bearer_token(headers).unwrap_or("");
        return crate::ids::constant_time_eq(given, token);
    }
    !config.behind_proxy && peer.is_some_and(|ip| ip.is_loopback())
}

async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
) -> Response {
    if !may_read_metrics(&state, &headers, peer.map(|c| c.0.0.ip())) {
        return Error::NotFound.into_response();
    }
    let rss = resident_memory_bytes().unwrap_or(0) as f64;
    let applier = state.applier();
    // Read now, so that a scrape sees how far behind the feed this node is at this moment.
    let head = state.db().last_change().await;
    let applied = applier.applied();
    let mut feed = vec![
        (
            "territoires_changes_applied",
            "Last change of the feed applied by this node.",
            applied as f64,
        ),
        (
            "territoires_change_feed_holes",
            "Numbers missing from the change feed that this node still waits for.",
            applier.open_holes() as f64,
        ),
        (
            "territoires_change_feed_rebuilds",
            "Times this node built its indexes again because the changes it had not applied were pruned from the feed.",
            applier.rebuilt_behind() as f64,
        ),
    ];
    match head {
        Ok(head) => feed.push((
            "territoires_change_feed_lag",
            "Changes of the feed not yet applied by this node (the last change in the database minus the last applied).",
            (head - applied).max(0) as f64,
        )),
        Err(e) => tracing::warn!(error = %e, "the change feed's lag could not be read"),
    }
    let mut gauges = vec![
        (
            "territoires_search_documents",
            "Documents in the search index.",
            state.search().len() as f64,
        ),
        (
            "territoires_uptime_seconds",
            "Seconds since this node started.",
            state.started().elapsed().as_secs_f64(),
        ),
        (
            "process_resident_memory_bytes",
            "Resident memory of the process.",
            rss,
        ),
    ];
    gauges.extend(feed);
    let body = state.metrics().render(&gauges);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The resident memory of this process, from `/proc` (Linux).
pub fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn openapi_json(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.openapi().clone())
}

struct Operation {
    method: String,
    path: String,
    summary: String,
    params: Vec<String>,
    responses: String,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    page: PageCtx,
    operations: Vec<Operation>,
}

async fn docs(State(state): State<AppState>, page: PageCtx) -> Result<Response, Error> {
    let mut operations = Vec::new();
    if let Some(paths) = state.openapi()["paths"].as_object() {
        for (path, item) in paths {
            let Some(methods) = item.as_object() else {
                continue;
            };
            for (method, op) in methods {
                let params = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                format!(
                                    "{} ({}){}",
                                    p["name"].as_str().unwrap_or(""),
                                    p["in"].as_str().unwrap_or(""),
                                    p["description"]
                                        .as_str()
                                        .map(|d| format!(": {d}"))
                                        .unwrap_or_default()
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|r| r.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: op["summary"]
                        .as_str()
                        .or(op["description"].as_str())
                        .unwrap_or("")
                        .to_string(),
                    params,
                    responses,
                });
            }
        }
    }
    render(&DocsPage { page, operations })
}

#[cfg(test)]
mod tests {
    use super::Readiness;
    use axum::response::IntoResponse;

    async fn answer(r: Readiness) -> (u16, Option<&'static str>, serde_json::Value) {
        let res = r.into_response();
        let status = res.status().as_u16();
        let code = res
            .extensions()
            .get::<crate::error::ErrorCode>()
            .map(|c| c.0);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, code, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_node_not_ready_says_not_ready_and_why() {
        let (status, code, body) = answer(Readiness::IndexesNotBuilt).await;
        assert_eq!((status, code), (503, Some("not_ready")));
        assert_eq!(body["error"]["code"], "not_ready");
        assert_eq!(
            body["error"]["message"],
            "the read indexes are not built yet"
        );
        let (status, code, body) = answer(Readiness::DatabaseDown).await;
        assert_eq!((status, code), (503, Some("not_ready")));
        assert_eq!(body["error"]["message"], "the database does not answer");
        let (status, code, body) = answer(Readiness::Ready { applied: 42 }).await;
        assert_eq!((status, code), (200, None));
        assert_eq!(body["status"], "ready");
        assert_eq!(body["applied"], 42);
    }
}
