//! Who may do what with conversations: a space's administrators create, edit and close the
//! conversations of its processes; its moderators (and administrators) moderate statements.
//! Taking part (voting, adding a statement) needs a confirmed account, or, where the
//! conversation allows it, no account at all (an anonymous participant kept by a cookie).

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

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A process (its conversations).
    Process(&'a Process),
    /// A conversation of a space.
    Conversation(&'a Conversation),
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
    let space = match resource {
        Resource::Process(p) => p.space_id.as_str(),
        Resource::Conversation(c) => c.space_id.as_str(),
    };
    match (action, resource) {
        (Action::Manage, _) => kernel::policy::can(user, Kernel::ManageSpace(space)),
        (Action::Moderate, _) => kernel::policy::can(user, Kernel::ModerateSpace(space)),
        // Who takes part; whether the conversation still takes votes and statements is its
        // state, which the store answers (`conversation.closed`).
        (Action::Vote, Resource::Conversation(c)) => participation(user, c).is_some(),
        (Action::AddStatement, Resource::Conversation(c)) => {
            participation(user, c).is_some()
                && (c.statements_allowed || kernel::policy::can(user, Kernel::ModerateSpace(space)))
        }
        (Action::Vote | Action::AddStatement, Resource::Process(_)) => false,
    }
}

/// How `user` (or a visitor) takes part in `c`, if they may: a confirmed account, or nobody
/// where the conversation takes anonymous participants. A signed-in account not confirmed yet
/// does not take part anonymously.
pub fn participation<'a>(user: Option<&'a User>, c: &Conversation) -> Option<Participation<'a>> {
    match user {
        Some(u) if u.confirmed => Some(Participation::Account(u)),
        Some(_) => None,
        None => c.anonymous_allowed.then_some(Participation::Anonymous),
    }
}

/// [`can`], as the 403 when refused.
pub fn check(user: Option<&User>, action: Action, resource: &Resource<'_>) -> Result<(), Error> {
    kernel::policy::require(can(user, action, resource))
}
