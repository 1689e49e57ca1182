//! Who may do what in the library: anyone reads a published report, its author reads and edits
//! their own, the library's moderators (the instance's administrators) everything.

use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read a report.
    Read,
    /// Propose a change to a report.
    Edit,
    /// Review proposals and revisions.
    Moderate,
}

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

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource) -> bool {
    let moderator = kernel::policy::can(user, kernel::policy::Action::AdministerInstance);
    match (action, *resource) {
        (Action::Read, Resource::Report { published, mine }) => published || mine || moderator,
        (Action::Edit, Resource::Report { mine, .. }) => user.is_some() && (mine || moderator),
        (Action::Moderate, Resource::Library) => moderator,
        _ => false,
    }
}

/// [`can`] for a signed-in reader, as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}
