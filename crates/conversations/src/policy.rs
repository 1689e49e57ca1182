//! Who may do what with conversations: a space's administrators create, edit and close the
//! conversations of its processes; its moderators (and administrators) moderate statements.
//! In the network, the owners of an accepted member create conversations hosted by it; the
//! owners of the host and the network's moderators (the instance's administrators) edit, close
//! and moderate them and propose their report as a resource.
//! Taking part (voting, adding a statement) needs a confirmed account, or, where the
//! conversation allows it, no account at all (an anonymous participant kept by a cookie); in a
//! network conversation open to the members only, an account owning an accepted member.

use crate::model::Conversation;
use kernel::Error;
use kernel::accounts::User;
use participation::model::Process;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create a conversation, edit it, close or reopen it.
    Manage,
    /// Accept, reject or mark statements as meta.
    Moderate,
    /// Vote on statements.
    Vote,
    /// Add a statement.
    AddStatement,
}

/// What the reader is to the network, for its conversations (all `false` for a process's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// They own the member that hosts the conversation.
    pub hosts: bool,
    /// They own an accepted member of the network.
    pub member: bool,
}

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A process (its conversations).
    Process(&'a Process),
    /// The network's conversations (starting one): whether the reader owns an accepted member.
    Network {
        /// They own an accepted member.
        member: bool,
    },
    /// A conversation, and what the reader is to its network if it is held there.
    Conversation(&'a Conversation, Standing),
}

/// How someone takes part in a conversation.
#[derive(Debug, Clone)]
pub enum Participation<'a> {
    /// As the signed-in account.
    Account(&'a User),
    /// Without an account, kept by a cookie.
    Anonymous,
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    use kernel::policy::Action as Kernel;
    let network_moderator = || kernel::policy::can(user, Kernel::AdministerInstance);
    match (action, resource) {
        (Action::Manage, Resource::Process(p)) => {
            kernel::policy::can(user, Kernel::ManageSpace(&p.space_id))
        }
        (Action::Moderate, Resource::Process(p)) => {
            kernel::policy::can(user, Kernel::ModerateSpace(&p.space_id))
        }
        (Action::Manage, Resource::Network { member }) => {
            user.is_some_and(|u| u.confirmed) && *member
        }
        (Action::Manage | Action::Moderate, Resource::Conversation(c, standing)) => {
            match c.space_id() {
                Some(space) if action == Action::Manage => {
                    kernel::policy::can(user, Kernel::ManageSpace(space))
                }
                Some(space) => kernel::policy::can(user, Kernel::ModerateSpace(space)),
                None => (user.is_some() && standing.hosts) || network_moderator(),
            }
        }
        // Who takes part; whether the conversation still takes votes and statements is its
        // state, which the store answers (`conversation.closed`).
        (Action::Vote, Resource::Conversation(c, standing)) => {
            participation(user, c, *standing).is_some()
        }
        (Action::AddStatement, Resource::Conversation(c, standing)) => {
            participation(user, c, *standing).is_some()
                && (c.statements_allowed || can(user, Action::Moderate, resource))
        }
        (Action::Moderate | Action::Vote | Action::AddStatement, Resource::Network { .. })
        | (Action::Vote | Action::AddStatement, Resource::Process(_)) => false,
    }
}

/// How `user` (or a visitor) takes part in `c`, if they may: a confirmed account, or nobody
/// where the conversation takes anonymous participants. A signed-in account not confirmed yet
/// does not take part anonymously; where only the network's members take part, an account
/// owning none does not either.
pub fn participation<'a>(
    user: Option<&'a User>,
    c: &Conversation,
    standing: Standing,
) -> Option<Participation<'a>> {
    match user {
        Some(u) if u.confirmed && (standing.member || !c.members_only()) => {
            Some(Participation::Account(u))
        }
        Some(_) => None,
        None => (c.anonymous_allowed && !c.members_only()).then_some(Participation::Anonymous),
    }
}

/// [`can`], as the 403 when refused.
pub fn check(user: Option<&User>, action: Action, resource: &Resource<'_>) -> Result<(), Error> {
    kernel::policy::require(can(user, action, resource))
}
