//! Who may do what in the directory: anyone reads a published actor, its owners read and edit
//! their actor, its offers, its owners and its logo; the directory's moderators (the instance's
//! administrators) everything, and alone review, trust and keep the taxonomy.

use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do: read, edit, moderate.
pub use kernel::policy::Review as Action;

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

/// Deny by default: whether `user` may do `action` to `resource` (the rule of reviewed
/// entries, [`kernel::policy::reviewed`]).
pub fn can(user: Option<&User>, action: Action, resource: &Resource) -> bool {
    let entry = match *resource {
        Resource::Directory => None,
        Resource::Actor { published, owned } => Some((published, owned)),
    };
    kernel::policy::reviewed(user, action, entry)
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
