//! The directory in the JSON API: the published actors with the directory's filters and cursor
//! paging, one actor, and for confirmed accounts with an API token: proposing an actor and
//! editing one they own (the same checks and moderation as the pages).

use crate::actor::{ActorFields, ActorInput};
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
use serde::{Deserialize, Serialize};
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

/// An actor of the directory.
#[derive(Serialize, ToSchema)]
pub struct ActorOut {
    /// Stable id.
    id: String,
    /// Its page.
    url: String,
    /// `pending`, `published` or `rejected`.
    state: &'static str,
    /// Incremented by every published change; an update names the one it starts from.
    revision: i64,
    name: String,
    /// A kind of the directory's taxonomy, such as `fablab`.
    kind: String,
    siret: String,
    rna: String,
    short_description: String,
    /// Markdown subset.
    description: String,
    website: String,
    email: String,
    /// International format, `+33…`.
    phone: String,
    address: String,
    postcode: String,
    /// INSEE code of the commune.
    commune: String,
    departement: String,
    region: String,
    lat: f64,
    lon: f64,
    themes: Vec<String>,
    activities: Vec<String>,
    publics: Vec<String>,
    /// OpenStreetMap `opening_hours` syntax.
    opening_hours: String,
    source: String,
    /// Social network pages and other public links.
    social: Vec<String>,
    /// Address of its logo, if any.
    logo: Option<String>,
    /// RFC 3339.
    created_at: String,
    updated_at: String,
    verified_at: String,
}

impl From<Actor> for ActorOut {
    fn from(a: Actor) -> Self {
        let d = a.data;
        ActorOut {
            url: crate::store::actor_url(&a.slug),
            state: a.state.as_str(),
            revision: a.revision,
            created_at: kernel::ids::iso_datetime(a.created_at),
            updated_at: kernel::ids::iso_datetime(a.updated_at),
            verified_at: kernel::ids::iso_datetime(a.verified_at),
            departement: a.departement,
            region: a.region,
            logo: (!a.logo.is_empty()).then(|| format!("/uploads/{}", a.logo)),
            id: a.id,
            name: d.name,
            kind: d.kind,
            siret: d.siret,
            rna: d.rna,
            short_description: d.short_description,
            description: d.description,
            website: d.website,
            email: d.email,
            phone: d.phone,
            address: d.address,
            postcode: d.postcode,
            commune: d.commune,
            lat: d.lat,
            lon: d.lon,
            themes: d.themes,
            activities: d.activities,
            publics: d.publics,
            opening_hours: d.opening_hours,
            source: d.source,
            social: d.social,
        }
    }
}

/// The fields of an actor, as the form has them; each is checked as on the pages, and every
/// problem is a field error of the 422 answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorIn {
    name: String,
    /// A kind of the directory's taxonomy.
    #[schema(example = "fablab")]
    kind: String,
    #[serde(default)]
    siret: String,
    #[serde(default)]
    rna: String,
    /// One sentence, 280 characters at most.
    short_description: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
    /// A public address.
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postcode: String,
    /// INSEE code of the commune, such as `22113`.
    #[schema(example = "22113")]
    commune: String,
    #[schema(minimum = -90.0, maximum = 90.0, example = 48.7326)]
    lat: f64,
    #[schema(minimum = -180.0, maximum = 180.0, example = -3.4566)]
    lon: f64,
    /// At least one theme of the taxonomy.
    #[schema(example = json!(["education"]))]
    themes: Vec<String>,
    #[serde(default)]
    activities: Vec<String>,
    #[serde(default)]
    publics: Vec<String>,
    #[serde(default)]
    opening_hours: String,
    #[serde(default)]
    source: String,
    /// Web addresses, six at most.
    #[serde(default)]
    social: Vec<String>,
}

impl ActorIn {
    /// Checks the fields as the form does.
    async fn parse(self, state: &AppState) -> Result<ActorInput, Error> {
        let mut pairs: Vec<(String, String)> = [
            ("name", self.name),
            ("kind", self.kind),
            ("siret", self.siret),
            ("rna", self.rna),
            ("short_description", self.short_description),
            ("description", self.description),
            ("website", self.website),
            ("email", self.email),
            ("phone", self.phone),
            ("address", self.address),
            ("postcode", self.postcode),
            ("commune", self.commune),
            ("lat", self.lat.to_string()),
            ("lon", self.lon.to_string()),
            ("opening_hours", self.opening_hours),
            ("source", self.source),
            // One address per item: a space in it makes it a wrong address, not two.
            (
                "social",
                self.social
                    .iter()
                    .map(|u| {
                        if u.trim().contains(char::is_whitespace) {
                            "?"
                        } else {
                            u.trim()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (list, items) in [
            ("themes", self.themes),
            ("activities", self.activities),
            ("publics", self.publics),
        ] {
            // A list item is one code: a comma in it is a wrong code, not two.
            pairs.extend(items.into_iter().map(|v| {
                let v = if v.contains(',') {
                    String::from("?")
                } else {
                    v
                };
                (list.to_string(), v)
            }));
        }
        let fields = ActorFields::from_pairs(&pairs);
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
