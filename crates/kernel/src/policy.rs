//! Who may do what. The kernel decides what it knows — the instance, its spaces and their roles
//! ([`can`] with an [`Action`]); each component decides the rest in its own `policy.rs`
//! (`can(user, Action, &Resource)`, where a resource carries the facts only the component knows:
//! the owners of an actor, the teams of an agent). Handlers ask a policy; stores do not decide
//! permissions. A refusal becomes the 403 through [`require`] only: `Error::Forbidden` is built
//! by the kernel and the policies alone.
//!
//! The extractors [`SpaceManager`] and [`SpaceModerator`] answer before the handler reads a
//! body: a refused writer never has their form read.

use crate::accounts::User;
use crate::app::AppState;
use crate::error::Error;
use crate::spaces::Space;
use crate::web::SignedIn;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

pub use crate::accounts::{Action, can};

/// The answer to a refusal: `Ok` when allowed, the 403 otherwise.
pub fn require(allowed: bool) -> Result<(), Error> {
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether a signed-in user may do a kernel action, as a result.
pub fn check(user: &User, action: Action<'_>) -> Result<(), Error> {
    require(can(Some(user), action))
}

/// The space of a `/s/{space}/…` address, or 404.
async fn space_of(state: &AppState, parts: &Parts) -> Result<Space, Error> {
    let slug = parts
        .uri
        .path()
        .strip_prefix("/s/")
        .and_then(|rest| rest.split('/').next())
        .ok_or(Error::NotFound)?;
    crate::spaces::store::get_by_slug(state.db(), slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The signed-in reader of a `/s/{space}/…` address and its space, when they may manage it
/// (its administrators and the instance's); anonymous readers go to the sign-in page.
pub struct SpaceManager {
    /// The reader.
    pub user: User,
    /// The space of the address.
    pub space: Space,
}

impl FromRequestParts<AppState> for SpaceManager {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        let space = space_of(state, parts)
            .await
            .map_err(IntoResponse::into_response)?;
        check(&user, Action::ManageSpace(&space.id)).map_err(IntoResponse::into_response)?;
        Ok(SpaceManager { user, space })
    }
}

/// The signed-in reader of a `/s/{space}/…` address and its space, when they may moderate it
/// (its moderators and administrators, and the instance's).
pub struct SpaceModerator {
    /// The reader.
    pub user: User,
    /// The space of the address.
    pub space: Space,
}

impl FromRequestParts<AppState> for SpaceModerator {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        let space = space_of(state, parts)
            .await
            .map_err(IntoResponse::into_response)?;
        check(&user, Action::ModerateSpace(&space.id)).map_err(IntoResponse::into_response)?;
        Ok(SpaceModerator { user, space })
    }
}

/// The signed-in reader, when they administer the instance.
pub struct InstanceAdmin(pub User);

impl<S: Send + Sync> FromRequestParts<S> for InstanceAdmin {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        check(&user, Action::AdministerInstance).map_err(IntoResponse::into_response)?;
        Ok(InstanceAdmin(user))
    }
}
