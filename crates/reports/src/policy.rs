//! Who may do what with issue reports: a space's administrators handle every report of the
//! space, its agents the reports of the categories routed to their teams (what only this
//! component knows); citizens follow reports, which needs no permission.

use kernel::accounts::{Role, User};
use kernel::{AppState, Error};

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a space's desk (which reports it then handles is the [`Desk`]'s to say).
    OpenDesk,
}

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A space's desk.
    Desk {
        /// The space.
        space_id: &'a str,
    },
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    let Some(u) = user else { return false };
    match (action, *resource) {
        (Action::OpenDesk, Resource::Desk { space_id }) => {
            kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id))
                || u.has_space_role(Role::Agent, space_id)
        }
    }
}

/// What a reader may handle at a space's desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Desk {
    /// Every category (the space's administrators).
    All,
    /// The categories routed to these teams (an agent of the space and member of them).
    Teams(Vec<String>),
}

impl Desk {
    /// Whether a category routed to `team_id` is handled here.
    pub fn covers(&self, team_id: &str) -> bool {
        match self {
            Desk::All => true,
            Desk::Teams(teams) => teams.iter().any(|t| t == team_id),
        }
    }
}

/// The one decision of the component: what `user` may handle in a space, if anything. Space
/// administrators handle every category; agents of the space the categories of their teams.
pub async fn desk_access(
    state: &AppState,
    user: Option<&User>,
    space_id: &str,
) -> Result<Option<Desk>, Error> {
    let Some(u) = user else { return Ok(None) };
    let teams = if u.has_space_role(Role::Agent, space_id) {
        crate::store::teams_of(state.db(), space_id, &u.id).await?
    } else {
        Vec::new()
    };
    if !can(user, Action::OpenDesk, &Resource::Desk { space_id }) {
        return Ok(None);
    }
    if kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id)) {
        return Ok(Some(Desk::All));
    }
    Ok(Some(Desk::Teams(teams)))
}

/// The desk a signed-in reader may open in a space, or the 403.
pub async fn open_desk(state: &AppState, user: &User, space_id: &str) -> Result<Desk, Error> {
    desk_access(state, Some(user), space_id)
        .await?
        .ok_or(Error::Forbidden)
}

/// Handling a report routed to `team_id` at this desk, or the 403.
pub fn check_handles(desk: &Desk, team_id: &str) -> Result<(), Error> {
    kernel::policy::require(desk.covers(team_id))
}
