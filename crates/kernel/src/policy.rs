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
    crate::spaces::web::space_or_404(state, slug).await
}

/// The signed-in reader of a `/s/{space}/…` address and its space, when they may do `action` to
/// it; anonymous readers go to the sign-in page.
async fn space_reader(
    parts: &mut Parts,
    state: &AppState,
    action: fn(&str) -> Action<'_>,
) -> Result<(User, Space), Response> {
    let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
    let space = space_of(state, parts)
        .await
        .map_err(IntoResponse::into_response)?;
    check(&user, action(&space.id)).map_err(IntoResponse::into_response)?;
    Ok((user, space))
}

/// The reader of a `/s/{space}/…` address and its space, when they may manage it (its
/// administrators and the instance's).
pub struct SpaceManager {
    /// The reader.
    pub user: User,
    /// The space of the address.
    pub space: Space,
}

impl FromRequestParts<AppState> for SpaceManager {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (user, space) = space_reader(parts, state, |id| Action::ManageSpace(id)).await?;
        Ok(SpaceManager { user, space })
    }
}

/// The reader of a `/s/{space}/…` address and its space, when they may moderate it (its
/// moderators and administrators, and the instance's).
pub struct SpaceModerator {
    /// The reader.
    pub user: User,
    /// The space of the address.
    pub space: Space,
}

impl FromRequestParts<AppState> for SpaceModerator {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (user, space) = space_reader(parts, state, |id| Action::ModerateSpace(id)).await?;
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

/// What can be done to an entry that moderators review before it is public (an actor of the
/// directory, a report of the library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Read the entry.
    Read,
    /// Propose a change to it.
    Edit,
    /// Review proposals and revisions, and what else only moderators do.
    Moderate,
}

/// The rule of reviewed entries: anyone reads a published entry, its owners read and edit
/// theirs, the moderators (the instance's administrators) do everything. `entry` is
/// `(published, owned by the reader)`, or `None` for the collection as a whole.
pub fn reviewed(user: Option<&User>, action: Review, entry: Option<(bool, bool)>) -> bool {
    let moderator = can(user, Action::AdministerInstance);
    match (action, entry) {
        (Review::Read, Some((published, owned))) => published || owned || moderator,
        (Review::Edit, Some((_, owned))) => user.is_some() && (owned || moderator),
        (Review::Moderate, None) => moderator,
        _ => false,
    }
}

/// What the rule of reviewed entries is about, in a component whose entries moderators review
/// (the directory's actors, the library's experiences).
#[derive(Debug, Clone, Copy)]
pub enum Reviewed {
    /// The component as a whole: its moderation queue, its settings.
    Component,
    /// One of its entries.
    Entry {
        /// Published.
        published: bool,
        /// Owned (or written) by the reader.
        owned: bool,
    },
}

/// Deny by default: whether `user` may do `action` to a reviewed component or one of its
/// entries ([`reviewed`]).
pub fn can_reviewed(user: Option<&User>, action: Review, resource: &Reviewed) -> bool {
    let entry = match *resource {
        Reviewed::Component => None,
        Reviewed::Entry { published, owned } => Some((published, owned)),
    };
    reviewed(user, action, entry)
}

/// [`can_reviewed`] for a signed-in reader, as the 403 when refused.
pub fn check_reviewed(user: &User, action: Review, resource: &Reviewed) -> Result<(), Error> {
    require(can_reviewed(Some(user), action, resource))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Grant, Role};

    use crate::testing::user_with as user;

    #[test]
    fn reviewed_entries_are_read_when_published_and_edited_by_their_owners() {
        let citizen = user(vec![]);
        let admin = user(vec![Grant {
            role: Role::Admin,
            space_id: None,
        }]);
        let (published, pending) = (Some((true, false)), Some((false, false)));
        assert!(reviewed(None, Review::Read, published));
        assert!(!reviewed(None, Review::Read, pending));
        assert!(!reviewed(Some(&citizen), Review::Read, pending));
        assert!(reviewed(Some(&citizen), Review::Read, Some((false, true))));
        assert!(!reviewed(Some(&citizen), Review::Edit, published));
        assert!(reviewed(Some(&citizen), Review::Edit, Some((true, true))));
        assert!(!reviewed(None, Review::Edit, Some((true, true))));
        assert!(!reviewed(Some(&citizen), Review::Moderate, None));
        assert!(reviewed(Some(&admin), Review::Moderate, None));
        assert!(reviewed(Some(&admin), Review::Read, pending));
        assert!(reviewed(Some(&admin), Review::Edit, pending));
        // An entry is not the collection: moderating is asked of the whole.
        assert!(!reviewed(Some(&admin), Review::Moderate, published));
        assert!(require(false).is_err() && require(true).is_ok());
    }
}
