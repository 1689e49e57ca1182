//! Who may do what with challenges: a space's administrators run its challenges, the evaluators
//! they name grade the answers, the owners of the actor that answered read their answer.

use crate::store::Challenge;
use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Publish, edit and decide challenges, set an answer's state, see suggestions.
    Run,
    /// Read every answer of a challenge.
    ReadAnswers,
    /// Read one answer.
    ReadAnswer,
    /// Grade the answers of a challenge.
    Grade,
}

/// What it is done to, with what only this component knows about it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A space, by id.
    Space(&'a str),
    /// A challenge.
    Challenge(&'a Challenge),
    /// An answer to a challenge; `owned` when the reader owns the actor that gave it.
    Answer {
        /// Its challenge.
        challenge: &'a Challenge,
        /// Whether the reader owns the answering actor.
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
        (Action::ReadAnswers, Resource::Challenge(c)) => manages(&c.space_id) || evaluates(c),
        (Action::ReadAnswer, Resource::Answer { challenge, owned }) => {
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
