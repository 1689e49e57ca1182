//! Conversations in the JSON API: the conversations of a process, the statements a participant
//! may see, adding a statement and voting with an API token, and the opinion map. Adding and
//! voting go through the same actions (`crate::act`) and the same policy as the pages.

use crate::act;
use crate::error::StoreError;
use crate::model::{Conversation, ParticipantKey, Statement, VoteValue};
use crate::policy::{self, Action, Resource};
use crate::store;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::api::{ApiQuery, ErrorBody, Page, Paging};
use kernel::web::routes::Routes;
use kernel::web::{ApiJson, ApiSignedIn, ApiUser};
use kernel::{AppState, Error};
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The API routes of conversations.
pub fn routes() -> Routes {
    Routes::new()
        .route("/api/v1/conversations", get(list_conversations))
        .route("/api/v1/conversations/{id}", get(get_conversation))
        .route(
            "/api/v1/conversations/{id}/statements",
            get(list_statements).post(add_statement),
        )
        .route("/api/v1/conversations/{id}/votes", post(cast_vote))
        .route("/api/v1/conversations/{id}/map", get(get_map))
}

/// The conversations' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_conversations,
        get_conversation,
        list_statements,
        add_statement,
        cast_vote,
        get_map
    ),
    components(schemas(ConversationOut, StatementOut, StatementIn, VoteIn, VoteOut))
)]
pub struct ConversationsApi;

/// A conversation of a process or of the network: a question people answer with short
/// statements and vote on.
#[derive(Serialize, ToSchema)]
pub struct ConversationOut {
    /// Opaque id.
    id: String,
    /// Its process's id; `null` for a conversation of the network.
    process_id: Option<String>,
    /// For a conversation of the network, the id of the member that hosts it; else `null`.
    network_member_id: Option<String>,
    /// Whether only the network's members take part (everyone reads it).
    members_only: bool,
    /// What it asks.
    question: String,
    /// Its context, paragraphs separated by blank lines.
    description: String,
    /// Its page.
    url: String,
    /// Whether it takes votes and statements (`false` once closed).
    open: bool,
    /// Whether a statement waits for a moderator before anyone votes on it.
    strict_moderation: bool,
    /// Whether participants may add statements (otherwise only its moderators).
    statements_allowed: bool,
    /// Whether people without an account may vote on its page (the API always needs a token).
    anonymous_allowed: bool,
    /// Votes cast (a vote replacing another counts again).
    votes: i64,
    /// Creation, RFC 3339.
    created_at: String,
}

impl From<Conversation> for ConversationOut {
    fn from(c: Conversation) -> Self {
        ConversationOut {
            open: c.is_open(),
            created_at: kernel::ids::iso_datetime(c.created_at),
            process_id: c.process_id().map(str::to_string),
            network_member_id: match &c.home {
                crate::model::Home::Network { member_id, .. } => Some(member_id.clone()),
                crate::model::Home::Process { .. } => None,
            },
            members_only: c.members_only(),
            id: c.id,
            question: c.question,
            description: c.description,
            url: c.url,
            strict_moderation: c.strict_moderation,
            statements_allowed: c.statements_allowed,
            anonymous_allowed: c.anonymous_allowed,
            votes: c.votes,
        }
    }
}

/// A statement of a conversation.
#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    /// Opaque id: what a vote names.
    id: String,
    /// Its number in the conversation, 0, 1, …: the `tid` of the opinion map.
    tid: u32,
    /// Its text: one line of at most 280 characters.
    body: String,
    /// `accepted`, `pending` (not looked at yet) or, for the space's moderators only,
    /// `rejected`.
    moderation: &'static str,
    /// A remark on the conversation itself rather than an opinion: kept out of the map.
    is_meta: bool,
    /// When it was written, RFC 3339.
    created_at: String,
}

impl From<Statement> for StatementOut {
    fn from(s: Statement) -> Self {
        StatementOut {
            moderation: s.moderation.as_str(),
            created_at: kernel::ids::iso_datetime(s.created_at),
            id: s.id,
            tid: s.tid,
            body: s.body,
            is_meta: s.is_meta,
        }
    }
}

/// A new statement.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementIn {
    /// One line of 1 to 280 characters (inner spaces are collapsed); the same statement twice
    /// in a conversation is refused (`conversation.duplicate`).
    body: String,
}

/// A vote on a statement; a second vote on the same statement replaces the first.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteIn {
    /// The statement's `id`.
    statement: String,
    /// The vote; any other value is the field error `conversation.vote_value`.
    #[schema(schema_with = vote_value_schema)]
    vote: serde_json::Value,
}

/// `agree`, `disagree`, `pass`, or `1`, `-1`, `0`.
fn vote_value_schema() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["agree", "disagree", "pass"])),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([1, -1, 0])),
        )
        .description(Some(
            "`agree`, `disagree` or `pass`, or the same as `1`, `-1`, `0`.",
        ))
        .into()
}

/// A vote, once recorded.
#[derive(Serialize, ToSchema)]
pub struct VoteOut {
    /// The voter's number in the conversation, 0, 1, …: the `pid` of the opinion map.
    participant: u32,
    /// The statement's id.
    statement: String,
    /// The statement's number.
    tid: u32,
    /// `agree`, `disagree` or `pass`.
    vote: &'static str,
}

/// Conversation list parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// Only the conversations of this process (its id).
    process: Option<String>,
    /// `true`: only the network's conversations (newest first).
    network: Option<bool>,
}

/// A conversation anyone may read (none of a draft process), or 404.
async fn conversation_or_404(state: &AppState, id: &str) -> Result<Conversation, Error> {
    store::get(state.db(), id)
        .await?
        .filter(|c| c.public)
        .ok_or(Error::NotFound)
}

/// List conversations, oldest first, of one process or of all.
#[utoipa::path(get, path = "/api/v1/conversations", params(ConversationQuery, Paging),
    responses((status = 200, body = Page<ConversationOut>), (status = 400, body = ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConversationQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<ConversationOut>>, Error> {
    let (limit, offset) = paging.parse()?;
    let all = match (&q.process, q.network) {
        (Some(process), _) => store::of_process(state.db(), process)
            .await?
            .into_iter()
            .filter(|c| c.public)
            .collect(),
        (None, Some(true)) => store::of_network(state.db()).await?,
        (None, _) => store::all(state.db()).await?,
    };
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(Into::into)
        .collect();
    Ok(Json(Page::new(items, offset, limit, total)))
}

/// One conversation.
#[utoipa::path(get, path = "/api/v1/conversations/{id}",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, body = ConversationOut), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConversationOut>, Error> {
    Ok(Json(conversation_or_404(&state, &id).await?.into()))
}

/// The statements of a conversation that participants see, by number: accepted ones, and
/// pending ones unless moderation is strict. The space's moderators see every statement,
/// rejected ones included.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/statements",
    params(("id" = String, Path, description = "The conversation's id")),
    security((), ("token" = [])),
    responses((status = 200, body = Vec<StatementOut>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_statements(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<StatementOut>>, Error> {
    let c = conversation_or_404(&state, &id).await?;
    let standing = act::standing(&state, user.as_ref(), &c).await?;
    let moderator = policy::can(
        user.as_ref(),
        Action::Moderate,
        &Resource::Conversation(&c, standing),
    );
    let statements = store::statements(state.db(), &c.id).await?;
    Ok(Json(
        statements
            .into_iter()
            .filter(|s| moderator || s.is_votable(c.strict_moderation))
            .map(Into::into)
            .collect(),
    ))
}

/// Add a statement (a confirmed account, where the conversation lets participants add
/// statements, or one of the space's moderators). A moderator's is accepted at once; others
/// wait for moderation. Its author agrees with it.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/statements",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = StatementIn, security(("token" = [])),
    responses((status = 201, body = StatementOut), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not confirmed, or statements are left to moderators"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`conversation.closed`"),
        (status = 422, body = ErrorBody, description = "The field error of `body`: `text.required`, `text.too_long`, `conversation.duplicate`")))]
async fn add_statement(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatementIn>,
) -> Result<Response, Error> {
    let c = conversation_or_404(&state, &id).await?;
    let key = ParticipantKey::account(&user.id);
    let standing = act::standing(&state, Some(&user), &c).await?;
    let statement =
        act::add_statement(&state, (&c, standing), Some(&user), Some(&key), &input.body).await?;
    Ok((StatusCode::CREATED, Json(StatementOut::from(statement))).into_response())
}

/// Vote on a statement (a confirmed account): one that is accepted, or pending while
/// moderation is not strict. A second vote on the same statement replaces the first.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/votes",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = VoteIn, security(("token" = [])),
    responses((status = 201, body = VoteOut), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The account is not confirmed, or the conversation is for the network's members only"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`conversation.closed`, or `conversation.no_statement`: no such statement to vote on (rejected, pending under strict moderation, or unknown)"),
        (status = 422, body = ErrorBody, description = "The field error of `vote`: `conversation.vote_value`")))]
async fn cast_vote(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VoteIn>,
) -> Result<Response, Error> {
    let kept = act::votable(&state, &id).await?;
    // A draft process's conversation is not in the API, for votes either.
    let c = &kept
        .as_ref()
        .as_ref()
        .filter(|v| v.conversation.public)
        .ok_or(Error::NotFound)?
        .conversation;
    if !c.is_open() {
        return Err(StoreError::Closed.into());
    }
    let standing = act::standing(&state, Some(&user), c).await?;
    policy::check(
        Some(&user),
        Action::Vote,
        &Resource::Conversation(c, standing),
    )?;
    // A vote is read as the form's field: a string as it is, anything else as its JSON text,
    // so that `1`, `-1` and `0` are votes and `2`, `1.0` or `true` are refused as `"2"` is.
    let value = match input.vote {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    let vote = VoteValue::parse(&value)?;
    let key = ParticipantKey::account(&user.id);
    let (pid, statement) = act::vote(&state, c, &key, &input.statement, vote.as_str()).await?;
    Ok((
        StatusCode::CREATED,
        Json(VoteOut {
            participant: pid,
            statement: statement.id,
            tid: statement.tid,
            vote: vote.as_str(),
        }),
    )
        .into_response())
}

/// The opinion map of a conversation: the groups of participants who vote alike, what each
/// group thinks, what all share. The same bytes as `territoires decide polis` prints for the
/// conversation's Polis export. Drawn again at most once a second: it may miss the latest votes.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/map",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, description = "The map, schema `polis-opinion-map/1`: `schema`, `participants`, `statements`, `moderated_out`, `in_conv`, `group_count`, `groups`, `consensus`, `group_aware_consensus`, `pca`, `projection`", body = Object),
        (status = 404, body = ErrorBody)))]
async fn get_map(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let c = conversation_or_404(&state, &id).await?;
    let view = act::map_of(&state, &c).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        view.map.to_json(),
    )
        .into_response())
}
