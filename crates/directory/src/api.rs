//! The directory in the JSON API: the published actors with the directory's filters and cursor
//! paging, one actor, and for confirmed accounts with an API token: proposing an actor and
//! editing one they own (the same checks and moderation as the pages).

use crate::actor::{ActorFields, ActorInput};
use crate::columns::{self, COLUMNS, Cell, Column, Kind};
use crate::policy::{self, Resource};
use crate::store::{self, Actor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::api::{ApiQuery, ErrorBody, Page, Paging};
use kernel::web::routes::Routes;
use kernel::web::{ApiJson, ApiSignedIn, ApiUser};
use kernel::{AppState, Error};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The API routes of the directory.
pub fn routes() -> Routes {
    Routes::new()
        .route("/api/v1/actors", get(list).post(create))
        .route("/api/v1/actors/{id}", get(one).put(update))
}

/// The directory's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list, one, create, update),
    components(schemas(ActorOut, ActorIn, UpdateIn, UpdateOut))
)]
pub struct DirectoryApi;

/// An actor of the directory: its `id`, then `url`, `state` and `revision`, then its other
/// columns (`crate::columns::COLUMNS`), each written as its kind says.
pub struct ActorOut(Actor);

impl From<Actor> for ActorOut {
    fn from(a: Actor) -> Self {
        ActorOut(a)
    }
}

/// The members of an answer that are not columns, written after the id: (name, description).
const ANSWER_ONLY: [(&str, &str); 3] = [
    ("url", "Its page."),
    ("state", "`pending`, `published` or `rejected`."),
    (
        "revision",
        "Incremented by every published change; an update names the one it starts from.",
    ),
];

impl Serialize for ActorOut {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &self.0;
        let mut map = s.serialize_map(Some(COLUMNS.len() + ANSWER_ONLY.len()))?;
        for c in COLUMNS {
            match c.of(a) {
                Cell::Text(t) => map.serialize_entry(c.name, t)?,
                Cell::Number(n) => map.serialize_entry(c.name, &n)?,
                Cell::List(items) => map.serialize_entry(c.name, &items)?,
                Cell::Date(ms) => map.serialize_entry(c.name, &kernel::ids::iso_datetime(ms))?,
                Cell::Upload(file) => map.serialize_entry(
                    c.name,
                    &(!file.is_empty()).then(|| format!("/uploads/{file}")),
                )?,
            }
            if c.name == "id" {
                map.serialize_entry("url", &store::actor_url(&a.slug))?;
                map.serialize_entry("state", a.state.as_str())?;
                map.serialize_entry("revision", &a.revision)?;
            }
        }
        map.end()
    }
}

/// The OpenAPI schema of a column's value: in request bodies (`asked`) with its example and
/// range, in the answers without.
fn value_schema(c: &Column, asked: bool) -> RefOr<Schema> {
    let doc = if asked { c.api.ask } else { c.api.about };
    let doc = (!doc.is_empty()).then_some(doc);
    let example = asked
        .then(|| serde_json::from_str::<serde_json::Value>(c.api.example).ok())
        .flatten();
    let string = || ObjectBuilder::new().schema_type(Type::String);
    #[allow(deprecated)] // the derived schemas of the other components write `example` too
    match c.kind {
        Kind::Terms(_) | Kind::Links => ArrayBuilder::new()
            .items(string())
            .description(doc)
            .example(example)
            .into(),
        Kind::Coordinate(bound) => {
            let bound = (asked).then_some(isize::from(bound));
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
                .description(doc)
                .example(example)
                .maximum(bound)
                .minimum(bound.map(|b| -b))
                .into()
        }
        Kind::Upload => ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .description(doc)
            .into(),
        Kind::Text | Kind::Code | Kind::Term(_) | Kind::Link | Kind::Date => {
            string().description(doc).example(example).into()
        }
    }
}

impl utoipa::PartialSchema for ActorOut {
    fn schema() -> RefOr<Schema> {
        let mut o = ObjectBuilder::new().description(Some("An actor of the directory."));
        for c in COLUMNS {
            o = o.property(c.name, value_schema(c, false));
            if c.kind != Kind::Upload {
                o = o.required(c.name);
            }
            if c.name == "id" {
                for (name, doc) in ANSWER_ONLY {
                    let kind = if name == "revision" {
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    } else {
                        ObjectBuilder::new().schema_type(Type::String)
                    };
                    o = o.property(name, kind.description(Some(doc))).required(name);
                }
            }
        }
        o.into()
    }
}

impl ToSchema for ActorOut {}

/// The fields of an actor in a request body, as the form has them (the input columns:
/// `crate::columns::inputs`); each is checked as on the pages, and every problem is a field
/// error of the 422 answer. A member the input does not know, given twice, missing while
/// required or of the wrong type is a 400 (`json.invalid`).
pub struct ActorIn {
    /// The form's pairs.
    pairs: Vec<(String, String)>,
}

impl<'de> Deserialize<'de> for ActorIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ActorInVisitor)
    }
}

struct ActorInVisitor;

impl<'de> serde::de::Visitor<'de> for ActorInVisitor {
    type Value = ActorIn;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fields of an actor")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<ActorIn, M::Error> {
        use serde::de::Error as _;
        let mut given: Vec<&str> = Vec::new();
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Some(c) = columns::field(&key) else {
                return Err(M::Error::unknown_field(&key, &[]));
            };
            if given.contains(&c.name) {
                return Err(M::Error::duplicate_field(c.name));
            }
            given.push(c.name);
            let name = || c.name.to_string();
            match c.kind {
                Kind::Coordinate(_) => pairs.push((name(), map.next_value::<f64>()?.to_string())),
                // A list item is one code: a comma in it is a wrong code, not two.
                Kind::Terms(_) => {
                    pairs.extend(map.next_value::<Vec<String>>()?.into_iter().map(|v| {
                        let v = if v.contains(',') { "?".to_string() } else { v };
                        (name(), v)
                    }))
                }
                // One address per item: a space in it makes it a wrong address, not two.
                Kind::Links => {
                    let items = map.next_value::<Vec<String>>()?;
                    let lines: Vec<&str> = items
                        .iter()
                        .map(|u| {
                            if u.trim().contains(char::is_whitespace) {
                                "?"
                            } else {
                                u.trim()
                            }
                        })
                        .collect();
                    pairs.push((name(), lines.join("\n")));
                }
                _ => pairs.push((name(), map.next_value::<String>()?)),
            }
        }
        if let Some(c) = columns::inputs().find(|c| c.api.required && !given.contains(&c.name)) {
            return Err(M::Error::missing_field(c.name));
        }
        Ok(ActorIn { pairs })
    }
}

impl utoipa::PartialSchema for ActorIn {
    fn schema() -> RefOr<Schema> {
        let mut o = ObjectBuilder::new()
            .description(Some(
                "The fields of an actor, as the form has them; each is checked as on the pages, \
                 and every\nproblem is a field error of the 422 answer.",
            ))
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        for c in columns::inputs() {
            o = o.property(c.name, value_schema(c, true));
            if c.api.required {
                o = o.required(c.name);
            }
        }
        o.into()
    }
}

impl ToSchema for ActorIn {}

impl ActorIn {
    /// Checks the fields as the form does.
    async fn parse(self, state: &AppState) -> Result<ActorInput, Error> {
        let fields = ActorFields::from_pairs(&self.pairs);
        let tax = crate::terms::current(state).await?;
        Ok(store::parse_actor(state.db(), &tax, &fields).await??)
    }
}

/// The directory's filters, as on its page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActorQuery {
    /// Words to search for (accents and case ignored).
    q: Option<String>,
    /// A kind of actor.
    kind: Option<String>,
    /// A theme.
    theme: Option<String>,
    /// An activity offered.
    activity: Option<String>,
    /// A public.
    public: Option<String>,
    /// A région code, such as `53`.
    region: Option<String>,
    /// A département code, such as `22`.
    departement: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// From a previous page's `next_cursor`.
    #[param(pattern = "^[0-9]{1,9}$")]
    cursor: Option<String>,
}

/// List the published actors by name, with the directory's filters.
#[utoipa::path(get, path = "/api/v1/actors", params(ActorQuery),
    responses((status = 200, body = Page<ActorOut>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ActorQuery>,
) -> Result<Json<Page<ActorOut>>, Error> {
    let (limit, offset) = Paging {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let tax = crate::terms::current(&state).await?;
    let mut chosen = Vec::new();
    for (vocabulary, value) in [
        ("kind", q.kind),
        ("theme", q.theme),
        ("activity", q.activity),
        ("public", q.public),
        ("region", q.region),
        ("departement", q.departement),
    ] {
        let Some(value) = value else { continue };
        let known = match vocabulary {
            "region" | "departement" => {
                !value.is_empty()
                    && value.len() <= 3
                    && value.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            v => tax.knows(v, &value),
        };
        if !known {
            return Err(Error::BadRequest("query.invalid"));
        }
        chosen.push((vocabulary.to_string(), value));
    }
    let only = q.q.filter(|t| !t.trim().is_empty()).map(|text| {
        state
            .search()
            .search(&kernel::search::SearchQuery {
                text,
                kinds: vec!["actor"],
                offset: 0,
                limit: 10_000,
                region: None,
            })
            .hits
            .into_iter()
            .map(|h| h.doc.id)
            .collect::<std::collections::HashSet<String>>()
    });
    let selection = crate::facets::current(&state).await?.select(
        &chosen,
        only.as_ref(),
        offset as usize,
        limit as usize,
    );
    let actors = store::by_ids(state.db(), &selection.ids).await?;
    Ok(Json(Page::new(
        actors.into_iter().map(Into::into).collect(),
        offset,
        limit,
        selection.total as i64,
    )))
}

/// The actor with this id when the reader may see it: published, or theirs, or moderated by
/// them.
async fn visible(
    state: &AppState,
    user: Option<&kernel::accounts::User>,
    id: &str,
) -> Result<(Actor, bool), Error> {
    let actor = store::get(state.db(), id).await?.ok_or(Error::NotFound)?;
    let owner = match user {
        Some(u) => store::owns(state.db(), &actor.id, &u.id).await?,
        None => false,
    };
    let resource = Resource::Entry {
        published: actor.state == store::State::Published,
        owned: owner,
    };
    if !policy::can(user, policy::Action::Read, &resource) {
        return Err(Error::NotFound);
    }
    Ok((actor, policy::can(user, policy::Action::Edit, &resource)))
}

/// One actor (published ones for everyone; pending ones for their owners).
#[utoipa::path(get, path = "/api/v1/actors/{id}", params(("id" = String, Path, description = "The actor's id")),
    security((), ("token" = [])),
    responses((status = 200, body = ActorOut), (status = 404, body = ErrorBody)))]
async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ActorOut>, Error> {
    Ok(Json(visible(&state, user.as_ref(), &id).await?.0.into()))
}

/// Propose an actor (a confirmed account): it is published once a moderator approves it, and
/// the account becomes its owner.
#[utoipa::path(post, path = "/api/v1/actors", request_body = ActorIn, security(("token" = [])),
    responses((status = 201, body = ActorOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The account is not confirmed"),
        (status = 422, body = ErrorBody, description = "A field error per problem")))]
async fn create(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    ApiJson(body): ApiJson<ActorIn>,
) -> Result<Response, Error> {
    if !user.confirmed {
        return Err(Error::Conflict("directory.unconfirmed"));
    }
    let input = body.parse(&state).await?;
    let actor = store::propose(state.db(), &input, &user.id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/actors/{}", actor.id))],
        Json(ActorOut::from(actor)),
    )
        .into_response())
}

/// An owner's change of an actor, from the revision it was read at.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    /// The `revision` of the actor the change starts from.
    base_revision: i64,
    /// The actor's fields, all of them.
    actor: ActorIn,
}

/// What an update did.
#[derive(Serialize, ToSchema)]
pub struct UpdateOut {
    /// `true` when the change is published; `false` when it waits for a moderator.
    published: bool,
    /// The actor as it now stands.
    actor: ActorOut,
}

/// Change an actor one owns (moderated, as on the pages, unless the actor is trusted).
#[utoipa::path(put, path = "/api/v1/actors/{id}", params(("id" = String, Path, description = "The actor's id")),
    request_body = UpdateIn, security(("token" = [])),
    responses((status = 200, body = UpdateOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The actor changed since `base_revision`, or was rejected"),
        (status = 422, body = ErrorBody, description = "A field error per problem")))]
async fn update(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateIn>,
) -> Result<Json<UpdateOut>, Error> {
    let (actor, may_edit) = visible(&state, Some(&user), &id).await?;
    kernel::policy::require(may_edit)?;
    if actor.state == store::State::Rejected {
        return Err(Error::Conflict("actor.rejected"));
    }
    let input = body.actor.parse(&state).await?;
    let published = store::edit(state.db(), &actor, body.base_revision, &input, &user.id).await?;
    let actor = store::get(state.db(), &id).await?.ok_or(Error::NotFound)?;
    Ok(Json(UpdateOut {
        published,
        actor: actor.into(),
    }))
}
