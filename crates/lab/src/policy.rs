//! Who may do what with challenges: a space's administrators run its challenges, the evaluators
//! they name grade the responses, the owners of the actor that responded read their response.

use crate::store::Challenge;
use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Publish, edit and decide challenges, set a response's state, see suggestions.
    Run,
    /// Read every response of a challenge.
    ReadResponses,
    /// Read one response.
    ReadResponse,
    /// Grade the responses of a challenge.
    Grade,
}

/// What it is done to, with what only this component knows about it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A space, by id.
    Space(&'a str),
    /// A challenge.
    Challenge(&'a Challenge),
    /// A response to a challenge; `owned` when the reader owns the actor that gave it.
    Response {
        /// Its challenge.
        challenge: &'a Challenge,
        /// Whether the reader owns the responding actor.
        owned: bool,
    },
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    let Some(u) = user else { return false };
    let manages =
        |space_id: &str| kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id));
    let evaluates = |c: &Challenge| c.data.evaluators.contains(&u.id);
    match (action, *resource) {
        (Action::Run, Resource::Space(space_id)) => manages(space_id),
        (Action::Run, Resource::Challenge(c)) => manages(&c.space_id),
        (Action::ReadResponses, Resource::Challenge(c)) => manages(&c.space_id) || evaluates(c),
        (Action::ReadResponse, Resource::Response { challenge, owned }) => {
            owned || manages(&challenge.space_id) || evaluates(challenge)
        }
        (Action::Grade, Resource::Challenge(c)) => evaluates(c),
        _ => false,
    }
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource<'_>) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
