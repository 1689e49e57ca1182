//! Who may do what in processes: a space's administrators run its processes and answer
//! contributions, its moderators moderate, authors withdraw their contributions and edit their
//! comments.

use crate::model::{Comment, Contribution};
use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create and edit processes, their phases and components; answer contributions.
    Manage,
    /// Withdraw a contribution.
    Withdraw,
    /// Change a comment's text.
    EditComment,
}

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A space (its processes), by id.
    Space(&'a str),
    /// A contribution.
    Contribution(&'a Contribution),
    /// A comment.
    Comment(&'a Comment),
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    let Some(u) = user else { return false };
    let manages =
        |space_id: &str| kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id));
    match (action, *resource) {
        (Action::Manage, Resource::Space(space_id)) => manages(space_id),
        (Action::Manage, Resource::Contribution(c)) => manages(&c.space_id),
        (Action::Withdraw, Resource::Contribution(c)) => c.author_id == u.id,
        (Action::EditComment, Resource::Comment(m)) => m.author_id == u.id,
        _ => false,
    }
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource<'_>) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
