//! Who may do what with votes: a space's administrators prepare, open and close the votes of its
//! processes. Who may vote is not a permission but an eligibility (accounts, census, codes),
//! checked when a ballot is cast.

use kernel::Error;
use kernel::accounts::User;
use participation::model::Process;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create a vote, prepare its questions and eligibility, open and close it.
    Prepare,
}

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A process (its votes).
    Process(&'a Process),
    /// A space, by id (the votes of all its processes).
    Space(&'a str),
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    match (action, *resource) {
        (Action::Prepare, Resource::Process(p)) => {
            kernel::policy::can(user, kernel::policy::Action::ManageSpace(&p.space_id))
        }
        (Action::Prepare, Resource::Space(space_id)) => {
            kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id))
        }
    }
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource<'_>) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
