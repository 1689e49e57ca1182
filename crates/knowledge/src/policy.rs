//! Who may do what in the library: anyone reads a published report, its author reads and edits
//! their own, the library's moderators (the instance's administrators) everything.

use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do: read, edit, moderate.
pub use kernel::policy::Review as Action;

/// What it is done to, with what only this component knows about it.
#[derive(Debug, Clone, Copy)]
pub enum Resource {
    /// The library as a whole.
    Library,
    /// A report: whether it is published, whether the reader wrote it.
    Report {
        /// Published.
        published: bool,
        /// Written by the reader.
        mine: bool,
    },
}

/// Deny by default: whether `user` may do `action` to `resource` (the rule of reviewed
/// entries, [`kernel::policy::reviewed`]).
pub fn can(user: Option<&User>, action: Action, resource: &Resource) -> bool {
    let entry = match *resource {
        Resource::Library => None,
        Resource::Report { published, mine } => Some((published, mine)),
    };
    kernel::policy::reviewed(user, action, entry)
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
