//! Who may do what in the network: anyone reads the members; an owner of a directory actor of a
//! participation kind asks for it to join and makes it leave; the network's moderators decide
//! the requests. An owner of a member proposes resources for it, and their author revises them;
//! the network's moderators publish or reject them (and the revisions); anyone reads a published resource, its author and the moderators
//! the others. The network's moderators are, for now, the instance's administrators.
//!
//! A request for support comes from a space the requester administers (`ManageSpace` of
//! `kernel::policy`, which the instance's administrators hold for every space). It is read by
//! its space's administrators, the instance's administrators, the owners of accepted members
//! while it is open, and the owners of a member that answered it; an owner of an accepted member
//! answers an open one; an answer is read by the requester's space administrators and its
//! member's owners only; the space's administrators pick an answer and close the request.

use kernel::Error;
use kernel::accounts::User;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ask for an actor to join the network.
    Join,
    /// Make a member leave the network.
    Leave,
    /// Accept or refuse requests to join, publish or reject resources.
    Moderate,
    /// Propose a resource for a member.
    Propose,
    /// Read a resource.
    Read,
    /// Change a resource (a revision for a moderator once it is published).
    Revise,
    /// Ask the network for support, for a space.
    AskSupport,
    /// Answer a request for support on behalf of a member.
    Answer,
    /// Pick an answer of a request for support, or close it.
    Choose,
}

/// What it is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource {
    /// The network as a whole: its moderation queue.
    Network,
    /// The actors the reader owns that may join (or the members they own, to propose a
    /// resource for): how many.
    Candidates(usize),
    /// One actor (or its membership), and whether the reader owns it.
    Actor {
        /// Whether the reader is one of its owners.
        owned: bool,
    },
    /// A resource: whether it is published and whether the reader proposed it.
    Entry {
        /// Whether it is published.
        published: bool,
        /// Whether the reader proposed it.
        mine: bool,
    },
    /// The spaces the reader administers (to ask for support for): how many.
    Spaces(usize),
    /// A request for support.
    Request {
        /// Whether the reader administers the space it comes from.
        requester: bool,
        /// Whether it is open.
        open: bool,
        /// Whether the reader owns an accepted member.
        owns_member: bool,
        /// Whether the reader owns a member that answered it.
        answered: bool,
    },
    /// An answer to a request for support.
    Answer {
        /// Whether the reader administers the space the request comes from.
        requester: bool,
        /// Whether the reader owns the member that answered.
        mine: bool,
    },
}

/// Whether `user` administers the space `space_id` (and so may ask for support for it).
pub fn manages_space(user: Option<&User>, space_id: &str) -> bool {
    kernel::policy::can(user, kernel::policy::Action::ManageSpace(space_id))
}

/// Deny by default: whether `user` may do `action` to `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource) -> bool {
    use kernel::policy::Action as Kernel;
    if let (
        Action::Read,
        Resource::Entry {
            published: true, ..
        },
    ) = (action, resource)
    {
        return true;
    }
    let Some(user) = user else { return false };
    match (action, resource) {
        (Action::Moderate, Resource::Network) => {
            kernel::policy::can(Some(user), Kernel::AdministerInstance)
        }
        (Action::Read, Resource::Entry { mine, .. }) => {
            *mine || can(Some(user), Action::Moderate, &Resource::Network)
        }
        (Action::Revise, Resource::Entry { mine, .. }) => *mine,
        (Action::Join | Action::Propose, Resource::Candidates(n)) => *n > 0,
        (Action::Join | Action::Leave | Action::Propose, Resource::Actor { owned }) => *owned,
        (Action::AskSupport, Resource::Spaces(n)) => *n > 0,
        (
            Action::Read,
            Resource::Request {
                requester,
                open,
                owns_member,
                answered,
            },
        ) => {
            *requester
                || *answered
                || (*open && *owns_member)
                || kernel::policy::can(Some(user), Kernel::AdministerInstance)
        }
        (
            Action::Answer,
            Resource::Request {
                open, owns_member, ..
            },
        ) => *open && *owns_member,
        (Action::Choose, Resource::Request { requester, .. }) => *requester,
        (Action::Read, Resource::Answer { requester, mine }) => *requester || *mine,
        _ => false,
    }
}

/// [`can`], as the 403 when refused.
pub fn check(user: &User, action: Action, resource: &Resource) -> Result<(), Error> {
    kernel::policy::require(can(Some(user), action, resource))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::accounts::{Grant, Role};
    use kernel::testing::user_with as user;

    #[test]
    fn owners_join_and_leave_and_administrators_moderate() {
        let citizen = user(vec![]);
        let admin = user(vec![Grant {
            role: Role::Admin,
            space_id: None,
        }]);
        let space_admin = user(vec![Grant {
            role: Role::SpaceAdmin,
            space_id: Some("s".into()),
        }]);
        assert!(!can(None, Action::Join, &Resource::Candidates(1)));
        assert!(can(Some(&citizen), Action::Join, &Resource::Candidates(1)));
        assert!(!can(Some(&citizen), Action::Join, &Resource::Candidates(0)));
        assert!(!can(Some(&admin), Action::Join, &Resource::Candidates(0)));
        assert!(can(
            Some(&citizen),
            Action::Leave,
            &Resource::Actor { owned: true }
        ));
        assert!(!can(
            Some(&admin),
            Action::Leave,
            &Resource::Actor { owned: false }
        ));
        assert!(!can(Some(&citizen), Action::Moderate, &Resource::Network));
        assert!(!can(
            Some(&space_admin),
            Action::Moderate,
            &Resource::Network
        ));
        assert!(can(Some(&admin), Action::Moderate, &Resource::Network));
        assert!(!can(None, Action::Moderate, &Resource::Network));
    }

    #[test]
    fn requests_for_support_are_read_by_who_they_concern_and_answers_by_two_sides_only() {
        let citizen = user(vec![]);
        let admin = user(vec![Grant {
            role: Role::Admin,
            space_id: None,
        }]);
        let space_admin = user(vec![Grant {
            role: Role::SpaceAdmin,
            space_id: Some("s".into()),
        }]);
        assert!(manages_space(Some(&space_admin), "s"));
        assert!(!manages_space(Some(&space_admin), "t"));
        assert!(!manages_space(Some(&citizen), "s"));
        assert!(!manages_space(None, "s"));
        assert!(can(
            Some(&space_admin),
            Action::AskSupport,
            &Resource::Spaces(1)
        ));
        assert!(!can(
            Some(&citizen),
            Action::AskSupport,
            &Resource::Spaces(0)
        ));
        assert!(!can(None, Action::AskSupport, &Resource::Spaces(1)));
        let request = |requester, open, owns_member, answered| Resource::Request {
            requester,
            open,
            owns_member,
            answered,
        };
        assert!(can(
            Some(&citizen),
            Action::Read,
            &request(true, false, false, false)
        ));
        assert!(can(
            Some(&citizen),
            Action::Read,
            &request(false, true, true, false)
        ));
        assert!(!can(
            Some(&citizen),
            Action::Read,
            &request(false, false, true, false)
        ));
        assert!(can(
            Some(&citizen),
            Action::Read,
            &request(false, false, true, true)
        ));
        assert!(!can(
            Some(&citizen),
            Action::Read,
            &request(false, true, false, false)
        ));
        assert!(can(
            Some(&admin),
            Action::Read,
            &request(false, true, false, false)
        ));
        assert!(!can(
            None,
            Action::Read,
            &request(false, true, false, false)
        ));
        assert!(can(
            Some(&citizen),
            Action::Answer,
            &request(false, true, true, false)
        ));
        assert!(!can(
            Some(&citizen),
            Action::Answer,
            &request(false, false, true, false)
        ));
        assert!(!can(
            Some(&citizen),
            Action::Answer,
            &request(true, true, false, false)
        ));
        assert!(can(
            Some(&citizen),
            Action::Choose,
            &request(true, true, false, false)
        ));
        assert!(!can(
            Some(&citizen),
            Action::Choose,
            &request(false, true, true, true)
        ));
        let answer = |requester, mine| Resource::Answer { requester, mine };
        assert!(can(Some(&citizen), Action::Read, &answer(true, false)));
        assert!(can(Some(&citizen), Action::Read, &answer(false, true)));
        assert!(!can(Some(&citizen), Action::Read, &answer(false, false)));
        assert!(!can(Some(&admin), Action::Read, &answer(false, false)));
    }

    #[test]
    fn owners_of_members_propose_and_published_resources_are_read_by_anyone() {
        let citizen = user(vec![]);
        let admin = user(vec![Grant {
            role: Role::Admin,
            space_id: None,
        }]);
        assert!(can(
            Some(&citizen),
            Action::Propose,
            &Resource::Candidates(1)
        ));
        assert!(!can(
            Some(&admin),
            Action::Propose,
            &Resource::Candidates(0)
        ));
        assert!(!can(None, Action::Propose, &Resource::Candidates(1)));
        assert!(!can(
            Some(&admin),
            Action::Propose,
            &Resource::Actor { owned: false }
        ));
        let published = Resource::Entry {
            published: true,
            mine: false,
        };
        let waiting = |mine| Resource::Entry {
            published: false,
            mine,
        };
        assert!(can(None, Action::Read, &published));
        assert!(!can(None, Action::Read, &waiting(false)));
        assert!(!can(Some(&citizen), Action::Read, &waiting(false)));
        assert!(can(Some(&citizen), Action::Read, &waiting(true)));
        assert!(can(Some(&admin), Action::Read, &waiting(false)));
        assert!(can(Some(&citizen), Action::Revise, &waiting(true)));
        assert!(!can(Some(&admin), Action::Revise, &published));
        assert!(!can(None, Action::Revise, &waiting(true)));
    }
}
