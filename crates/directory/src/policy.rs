//! Who may do what in the directory: anyone reads a published actor, its owners read and edit
//! their actor, its offers, its owners and its logo; the directory's moderators (the instance's
//! administrators) everything, and alone review, trust and keep the taxonomy.

use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read an actor's entry.
    Read,
    /// Edit an actor, its offers, its owners or its logo.
    Edit,
    /// Review proposals, trust owners, keep the taxonomy.
    Moderate,
}

/// What it is done to, with what only this component knows about it.
#[derive(Debug, Clone, Copy)]
pub enum Resource {
    /// The directory as a whole.
    Directory,
    /// An actor: whether it is published, whether the reader owns it.
    Actor {
        /// Published.
        published: bool,
        /// Owned by the reader.
        owned: bool,
    },
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource) -> bool {
    let moderator = kernel::policy::can(user, kernel::policy::Action::AdministerInstance);
    match (action, *resource) {
        (Action::Read, Resource::Actor { published, owned }) => published || owned || moderator,
        (Action::Edit, Resource::Actor { owned, .. }) => user.is_some() && (owned || moderator),
        (Action::Moderate, Resource::Directory) => moderator,
        _ => false,
    }
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
