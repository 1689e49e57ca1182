//! Open311 GeoReport v2 at `/open311/v2/`: discovery, services, service definitions, requests
//! (read and submitted) and tokens, in JSON and XML, with the specification's error documents.
//! `jurisdiction_id` is a space's address; it may be left out on an instance with one space.

use crate::model::{Category, Report, Status};
use crate::open311::{self, Format, Problem, Submission, Value};
use crate::store::{self, RequestFilter};
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::spaces::Space;
use kernel::web::routes::Routes;
use kernel::{AppState, Error};

/// The Open311 routes.
pub(super) fn routes() -> Routes {
    Routes::new()
        .route(
            "/open311/v2/{file}",
            get(top)
                .post(submit)
                .layer(axum::extract::DefaultBodyLimit::max(OPEN311_BODY_LIMIT)),
        )
        .route("/open311/v2/services/{file}", get(service))
        .route("/open311/v2/requests/{file}", get(request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// The default window of `GET requests`, and its most results.
const WINDOW_MS: i64 = 90 * 86_400_000;
const MOST: i64 = 1000;
/// Largest body of a posted request: its key, its fields and a description of a few thousand
/// characters; no file travels in it (a photo is a `media_url`).
const OPEN311_BODY_LIMIT: usize = 64 * 1024;

/// An answer of the API: a document, or an error document, in the asked format.
struct Reply(Format, StatusCode, String);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        (
            self.1,
            [
                (header::CONTENT_TYPE, self.0.content_type()),
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            ],
            self.2,
        )
            .into_response()
    }
}

fn fail(format: Format, status: u16, description: impl Into<String>) -> Reply {
    let p = Problem {
        code: status,
        description: description.into(),
    };
    problems(format, vec![p])
}

fn problems(format: Format, problems: Vec<Problem>) -> Reply {
    let status = problems.first().map_or(400, |p| p.code);
    Reply(
        format,
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        open311::errors(format, &problems),
    )
}

/// A failure of a store (the platform's or this component's) as the specification's 500, its
/// cause logged. A submission refused as a concurrent retry (`report.retry`) answers the same.
fn internal(format: Format, e: impl Into<Error>) -> Reply {
    let e = e.into();
    tracing::error!(error = ?e, "open311");
    fail(format, 500, "internal error")
}

/// What a handler answers: a reply, or the refusal that stopped it (as a reply too).
type Replied = Result<Reply, Reply>;

fn ok(format: Format, status: StatusCode, root: &'static str, v: &Value) -> Reply {
    Reply(format, status, open311::render(format, root, v))
}

/// A list as the specification answers it: `root` holding one `item` per value.
fn listed(format: Format, root: &'static str, item: &'static str, values: Vec<Value>) -> Replied {
    Ok(ok(format, StatusCode::OK, root, &Value::List(item, values)))
}

/// The last segment of a path with its format; anything else is a 404 in JSON.
fn split(file: &str) -> Result<(&str, Format), Reply> {
    Format::split(file).ok_or_else(|| fail(Format::Json, 404, "not found: use .json or .xml"))
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The space a request is about.
async fn jurisdiction(
    state: &AppState,
    given: Option<&str>,
    format: Format,
) -> Result<Space, Reply> {
    let db = state.db();
    if let Some(slug) = given {
        return match kernel::spaces::store::get_by_slug(db, slug).await {
            Ok(Some(space)) => Ok(space),
            Ok(None) => {
                let valid = store::jurisdictions(db)
                    .await
                    .map_err(|e| internal(format, e))?;
                Err(fail(
                    format,
                    404,
                    format!("jurisdiction_id: unknown; valid ids: {}", valid.join(", ")),
                ))
            }
            Err(e) => Err(internal(format, e)),
        };
    }
    let (spaces, total) = kernel::spaces::store::list(db, 0, 2)
        .await
        .map_err(|e| internal(format, e))?;
    match (total, spaces.into_iter().next()) {
        (1, Some(only)) => Ok(only),
        _ => {
            let valid = store::jurisdictions(db)
                .await
                .map_err(|e| internal(format, e))?;
            Err(fail(
                format,
                400,
                format!(
                    "jurisdiction_id: required on this instance; valid ids: {}",
                    valid.join(", ")
                ),
            ))
        }
    }
}

fn service_value(c: &Category) -> Value {
    Value::Record(vec![
        ("service_code", c.code.as_str().into()),
        ("service_name", c.name.as_str().into()),
        ("description", c.description.as_str().into()),
        ("metadata", Value::Bool(!c.attributes.is_empty())),
        ("type", "realtime".into()),
        ("keywords", c.keywords.as_str().into()),
        ("group", c.group.as_str().into()),
    ])
}

fn request_value(r: &Report) -> Value {
    Value::Record(vec![
        ("service_request_id", r.id.as_str().into()),
        ("status", r.status.open311().into()),
        ("status_notes", r.status_notes.as_str().into()),
        ("service_name", r.service_name.as_str().into()),
        ("service_code", r.service_code.as_str().into()),
        ("description", r.description.as_str().into()),
        ("agency_responsible", r.agency.as_str().into()),
        ("service_notice", Value::Null),
        ("requested_datetime", open311::datetime(r.created_at).into()),
        ("updated_datetime", open311::datetime(r.updated_at).into()),
        ("expected_datetime", Value::Null),
        ("address", r.address.as_str().into()),
        ("address_id", Value::Null),
        ("zipcode", Value::Null),
        // Published positions are rounded to about ten metres.
        ("lat", Value::Number((r.lat * 10_000.0).round() / 10_000.0)),
        ("long", Value::Number((r.lon * 10_000.0).round() / 10_000.0)),
        ("media_url", Value::Null),
    ])
}

async fn top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Replied {
    let (stem, format) = split(&file)?;
    match stem {
        "discovery" => Ok(discovery(&state, format)),
        "services" => services(&state, format, &pairs).await,
        "requests" => requests(&state, format, &pairs).await,
        _ => Err(fail(format, 404, "not found")),
    }
}

fn discovery(state: &AppState, format: Format) -> Reply {
    let base = format!(
        "{}/open311/v2/",
        state.config().base_url.trim_end_matches('/')
    );
    let changeset = open311::datetime(kernel::ids::now_ms() - kernel::ids::now_ms() % 86_400_000);
    ok(
        format,
        StatusCode::OK,
        "discovery",
        &Value::Record(vec![
            ("changeset", changeset.as_str().into()),
            ("contact", "Les administrateurs de chaque espace / each space's administrators".into()),
            ("key_service", "Les clés d'API sont délivrées par les administrateurs d'espace / API keys are issued by space administrators".into()),
            (
                "endpoints",
                Value::List(
                    "endpoint",
                    vec![Value::Record(vec![
                        ("specification", "http://wiki.open311.org/GeoReport_v2".into()),
                        ("url", base.into()),
                        ("changeset", changeset.as_str().into()),
                        ("type", "production".into()),
                        (
                            "formats",
                            Value::List("format", vec!["text/xml".into(), "application/json".into()]),
                        ),
                    ])],
                ),
            ),
        ]),
    )
}

async fn services(state: &AppState, format: Format, pairs: &[(String, String)]) -> Replied {
    let space = jurisdiction(state, param(pairs, "jurisdiction_id"), format).await?;
    let list = store::categories(state.db(), &space.id)
        .await
        .map_err(|e| internal(format, e))?;
    listed(
        format,
        "services",
        "service",
        list.iter().map(service_value).collect(),
    )
}

async fn service(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Replied {
    let (code, format) = split(&file)?;
    let space = jurisdiction(&state, param(&pairs, "jurisdiction_id"), format).await?;
    let c = store::category_by_code(state.db(), &space.id, code)
        .await
        .map_err(|e| internal(format, e))?
        .ok_or_else(|| fail(format, 404, format!("service_code: unknown service {code}")))?;
    Ok(ok(
        format,
        StatusCode::OK,
        "service_definition",
        &Value::Record(vec![
            ("service_code", c.code.as_str().into()),
            (
                "attributes",
                Value::List(
                    "attribute",
                    c.attributes.iter().map(|a| a.value()).collect(),
                ),
            ),
        ]),
    ))
}

/// Reads the filters of `GET requests`: every problem is named.
fn filter(pairs: &[(String, String)], now: i64) -> Result<RequestFilter, Vec<Problem>> {
    let mut problems = Vec::new();
    let list = |name: &str| -> Vec<String> {
        param(pairs, name)
            .map(|v| {
                v.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut date = |name: &str| match param(pairs, name) {
        None => None,
        Some(v) => {
            let parsed = open311::parse_datetime(v);
            if parsed.is_none() {
                problems.push(Problem::bad(format!(
                    "{name}: not a W3C date-time with a zone"
                )));
            }
            parsed
        }
    };
    let end = date("end_date");
    let start = date("start_date");
    let mut statuses = Vec::new();
    for s in list("status") {
        match Status::of_open311(&s) {
            Some(names) => statuses.extend_from_slice(names),
            None => problems.push(Problem::bad("status: open or closed")),
        }
    }
    let end = end.unwrap_or(now);
    let start = start.unwrap_or(end - WINDOW_MS);
    if start > end {
        problems.push(Problem::bad("start_date: after end_date"));
    }
    for (name, most) in [("service_request_id", MOST as usize), ("service_code", 100)] {
        if list(name).len() > most {
            problems.push(Problem::bad(format!("{name}: at most {most} values")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(RequestFilter {
        ids: list("service_request_id"),
        codes: list("service_code"),
        // Asked for by id, a report is found whatever its age.
        start: if param(pairs, "service_request_id").is_some()
            && param(pairs, "start_date").is_none()
        {
            0
        } else {
            start
        },
        end,
        statuses,
        limit: MOST,
    })
}

async fn requests(state: &AppState, format: Format, pairs: &[(String, String)]) -> Replied {
    let space = jurisdiction(state, param(pairs, "jurisdiction_id"), format).await?;
    let f = filter(pairs, kernel::ids::now_ms()).map_err(|p| problems(format, p))?;
    let list = store::published(state.db(), &space.id, &f)
        .await
        .map_err(|e| internal(format, e))?;
    listed(
        format,
        "service_requests",
        "request",
        list.iter().map(request_value).collect(),
    )
}

async fn request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Replied {
    let (id, format) = split(&file)?;
    let space = jurisdiction(&state, param(&pairs, "jurisdiction_id"), format).await?;
    let r = store::published_one(state.db(), &space.id, id)
        .await
        .map_err(|e| internal(format, e))?
        .ok_or_else(|| {
            fail(
                format,
                404,
                format!("service_request_id: unknown request {id}"),
            )
        })?;
    // The specification answers with a list, even for one request.
    listed(
        format,
        "service_requests",
        "request",
        vec![request_value(&r)],
    )
}

async fn token(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Replied {
    let (token, format) = split(&file)?;
    let space = jurisdiction(&state, param(&pairs, "jurisdiction_id"), format).await?;
    // Requests are created at once, so a request's token is its id.
    let r = store::published_one(state.db(), &space.id, token)
        .await
        .map_err(|e| internal(format, e))?
        .ok_or_else(|| fail(format, 404, format!("token: unknown token {token}")))?;
    listed(
        format,
        "service_requests",
        "request",
        vec![Value::Record(vec![
            ("service_request_id", r.id.as_str().into()),
            ("token", r.id.as_str().into()),
        ])],
    )
}

async fn submit(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    form: Result<axum::Form<Vec<(String, String)>>, FormRejection>,
) -> Replied {
    let (stem, format) = split(&file)?;
    if stem != "requests" {
        return Err(fail(format, 404, "not found"));
    }
    if let Err(e) = &form
        && e.status() == StatusCode::PAYLOAD_TOO_LARGE
    {
        return Err(fail(format, 413, "body: at most 64 KiB"));
    }
    let Ok(axum::Form(mut pairs)) = form else {
        return Err(fail(
            format,
            400,
            "body: application/x-www-form-urlencoded expected",
        ));
    };
    // Older clients send the key and the jurisdiction in the query string.
    pairs.extend(query);
    // A bad key is told first, as the specification's 403.
    let submission = Submission::read(&pairs).map_err(|p| problems(format, p))?;
    let space = jurisdiction(&state, submission.jurisdiction_id.as_deref(), format).await?;
    if let (Ok(Some(area)), Some((lat, lon))) = (
        store::area(state.db(), &space.id).await,
        submission.position,
    ) && !area.contains(lat, lon)
    {
        return Err(fail(
            format,
            400,
            format!("lat, long: outside the territory of {}", space.slug),
        ));
    }
    let client = store::client_by_key(state.db(), &space.id, &submission.api_key)
        .await
        .map_err(|e| internal(format, e))?
        .filter(|_| !submission.api_key.is_empty())
        .ok_or_else(|| fail(format, 403, "api_key: missing or invalid"))?;
    let category = store::category_by_code(state.db(), &space.id, &submission.service_code)
        .await
        .map_err(|e| internal(format, e))?
        .ok_or_else(|| {
            fail(
                format,
                400,
                format!("service_code: unknown service {}", submission.service_code),
            )
        })?;
    let attribute_problems = submission.check_attributes(&category.attributes);
    if !attribute_problems.is_empty() {
        return Err(problems(format, attribute_problems));
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let id = store::create_from_client(state.db(), &category, &client, key, &submission)
        .await
        .map_err(|e| internal(format, e))?;
    Ok(ok(
        format,
        StatusCode::CREATED,
        "service_requests",
        &Value::List(
            "request",
            vec![Value::Record(vec![
                ("service_request_id", id.as_str().into()),
                ("service_notice", "".into()),
                ("account_id", Value::Null),
            ])],
        ),
    ))
}
