//! The votes in the JSON API: a vote's definition, casting a ballot, and the results once
//! closed. Casting goes through the same checks and the same writer as the pages.

use crate::model::{BasketLimit, Eligibility, Method, Phase, Rule, Votation};
use crate::store;
use crate::web::{cast_ballot, public_vote, results_body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::api::ErrorBody;
use kernel::web::routes::Routes;
use kernel::web::{ApiJson, ApiUser, ClientIp};
use kernel::{AppState, Error};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};

/// The API routes of votes.
pub fn routes() -> Routes {
    Routes::new()
        .route("/api/v1/votes/{id}", get(get_vote))
        .route("/api/v1/votes/{id}/ballots", post(cast))
        .route("/api/v1/votes/{id}/results", get(get_results))
}

/// The votes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(get_vote, cast, get_results),
    components(schemas(
        VoteOut,
        QuestionOut,
        OptionOut,
        BudgetOut,
        BallotIn,
        AnswerIn,
        ReceiptOut
    ))
)]
pub struct VotesApi;

/// A vote: a votation (questions) or a participatory budget (one question whose options are
/// projects).
#[derive(Serialize, ToSchema)]
pub struct VoteOut {
    /// Opaque id.
    id: String,
    /// `votation` or `budget`.
    kind: &'static str,
    title: String,
    description: String,
    /// Opening, RFC 3339.
    opens_at: String,
    /// Closing (early closing included), RFC 3339.
    closes_at: String,
    /// `upcoming`, `open` or `closed`.
    phase: &'static str,
    /// `accounts` (a bearer token of a confirmed account), `census` (`identifier` and
    /// `birth_date`) or `codes` (`code`).
    eligibility: &'static str,
    /// Minimum age on the closing day (census only).
    min_age: Option<i32>,
    budget: Option<BudgetOut>,
    questions: Vec<QuestionOut>,
}

/// The settings of a participatory budget.
#[derive(Serialize, ToSchema)]
pub struct BudgetOut {
    /// Total budget in euros.
    total: i64,
    /// Most projects per basket; absent when the basket must fit the total.
    max_projects: Option<usize>,
    /// `greedy` or `equal_shares`.
    rule: &'static str,
    /// `cost` or `cardinality`.
    satisfaction: &'static str,
}

/// A question.
#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    title: String,
    /// `single`, `approval`, `judgment` or `basket`.
    method: &'static str,
    /// Fewest options (approval).
    min_choices: Option<usize>,
    /// Most options (approval).
    max_choices: Option<usize>,
    /// The grades, best first (judgment): a grade is given as its position in this list.
    grades: Vec<String>,
    options: Vec<OptionOut>,
}

/// An option or a project.
#[derive(Serialize, ToSchema)]
pub struct OptionOut {
    id: String,
    title: String,
    description: String,
    /// Cost in euros (projects).
    cost: i64,
    /// Area (projects).
    area: String,
    /// Its picture's address.
    image: Option<String>,
    /// Latitude (projects), WGS84.
    lat: Option<f64>,
    /// Longitude (projects), WGS84.
    lon: Option<f64>,
}

/// A ballot: one answer per question, in order, and the proof of eligibility the vote asks for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotIn {
    /// One answer per question.
    answers: Vec<AnswerIn>,
    /// Invitation code (`codes` eligibility).
    #[serde(default)]
    code: String,
    /// Census identifier (`census` eligibility).
    #[serde(default)]
    identifier: String,
    /// Birth date `YYYY-MM-DD` (`census` eligibility).
    #[serde(default)]
    birth_date: String,
}

/// An answer: the chosen option ids (single, approval, basket), or a grade position per option
/// id (judgment, 0 = the best grade).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    #[serde(default)]
    choices: Vec<String>,
    #[serde(default)]
    grades: BTreeMap<String, u32>,
}

/// The receipt of a ballot.
#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    /// Published after closing among the counted trackers; it does not reveal the ballot.
    tracker: String,
}

fn vote_out(v: Votation) -> VoteOut {
    let phase = match v.phase(kernel::ids::now_ms()) {
        Phase::Upcoming => "upcoming",
        Phase::Open => "open",
        Phase::Closed => "closed",
    };
    VoteOut {
        opens_at: kernel::ids::iso_datetime(v.opens_at),
        closes_at: kernel::ids::iso_datetime(v.closing()),
        phase,
        kind: v.kind.as_str(),
        eligibility: match v.eligibility {
            Eligibility::Accounts => "accounts",
            Eligibility::Census => "census",
            Eligibility::Codes => "codes",
        },
        min_age: v.min_age,
        budget: v.budget.map(|b| BudgetOut {
            total: b.total,
            max_projects: match b.limit {
                BasketLimit::AtMost(k) => Some(k),
                BasketLimit::Fits => None,
            },
            rule: match b.rule {
                Rule::Greedy => "greedy",
                Rule::EqualShares => "equal_shares",
            },
            satisfaction: if b.by_cost { "cost" } else { "cardinality" },
        }),
        questions: v
            .questions
            .into_iter()
            .map(|q| {
                let (min_choices, max_choices) = match q.method {
                    Method::Approval { min, max } => (Some(min), Some(max)),
                    _ => (None, None),
                };
                QuestionOut {
                    method: q.method.as_str(),
                    grades: match &q.method {
                        Method::Judgment { grades } => grades.clone(),
                        _ => Vec::new(),
                    },
                    min_choices,
                    max_choices,
                    title: q.title,
                    options: q
                        .options
                        .into_iter()
                        .map(|o| OptionOut {
                            id: o.id,
                            title: o.title,
                            description: o.description,
                            cost: o.cost,
                            area: o.area,
                            image: o.image.map(|i| format!("/uploads/{i}")),
                            lat: o.position.map(|p| p.lat),
                            lon: o.position.map(|p| p.lon),
                        })
                        .collect(),
                }
            })
            .collect(),
        id: v.id,
        title: v.title,
        description: v.description,
    }
}

async fn vote_or_404(state: &AppState, id: &str) -> Result<Votation, Error> {
    store::get_public(state.db(), id)
        .await?
        .ok_or(Error::NotFound)
}

#[utoipa::path(get, path = "/api/v1/votes/{id}", params(("id" = String, Path, description = "The vote's id")),
    responses((status = 200, body = VoteOut), (status = 404, body = ErrorBody)))]
async fn get_vote(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<VoteOut>, Error> {
    Ok(Json(vote_out(vote_or_404(&state, &id).await?)))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", params(("id" = String, Path, description = "The vote's id")),
    request_body = BallotIn, security((), ("token" = [])),
    responses((status = 201, body = ReceiptOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Not open, closed, or already cast"),
        (status = 422, body = ErrorBody, description = "A field error per problem: q1… for the answers, code, identifier, birth_date")))]
async fn cast(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(ballot): ApiJson<BallotIn>,
) -> Result<Response, Error> {
    let v = vote_or_404(&state, &id).await?;
    if ballot.answers.len() > v.questions.len() {
        return Err(Error::BadRequest("ballot.answers"));
    }
    // The same form fields the ballot page sends, so that both are checked by the same code.
    let mut pairs = vec![
        ("code".to_string(), ballot.code),
        ("identifier".to_string(), ballot.identifier),
        ("birth_date".to_string(), ballot.birth_date),
    ];
    for (i, answer) in ballot.answers.into_iter().enumerate() {
        let name = crate::ballot::field(i);
        pairs.extend(answer.choices.into_iter().map(|c| (name.to_string(), c)));
        pairs.extend(
            answer
                .grades
                .into_iter()
                .map(|(option, grade)| (format!("{name}-{option}"), grade.to_string())),
        );
    }
    let tracker = cast_ballot(&state, &v, user.as_ref(), &pairs, ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(ReceiptOut {
            tracker: crate::ballot::grouped(&tracker),
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/votes/{id}/results", params(("id" = String, Path, description = "The vote's id")),
    responses((status = 200, description = "The results, as published under /data/votes/{id}/results.json", body = Object),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Not closed yet")))]
async fn get_results(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let v = public_vote(&state, &id).await?;
    Ok(Json(results_body(&state, &v).await?).into_response())
}
