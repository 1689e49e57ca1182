//! What the network's store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged.

use kernel::FieldErrors;
use kernel::review::ReviewError;

/// What the network's store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The actor is a member already, or its request waits for a moderator
    /// (`network.already_asked`).
    AlreadyAsked,
    /// The actor is not a member (any more): nothing to leave (`network.not_member`).
    NotMember,
    /// The request (or the resource, or its revision) was decided already (`network.decided`).
    Decided,
    /// The resource changed since its form was opened (`network.resource_stale`).
    Stale,
    /// The request for support is answered or closed: it takes no answer nor choice any more
    /// (`network.request_not_open`).
    RequestNotOpen,
    /// The member answered this request already (`network.already_answered`).
    AlreadyAnswered,
    /// A field is refused (`invalid`).
    Invalid(FieldErrors),
    /// No such member (`not_found`).
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::AlreadyAsked => "network.already_asked",
            StoreError::NotMember => "network.not_member",
            StoreError::Decided => "network.decided",
            StoreError::Stale => "network.resource_stale",
            StoreError::RequestNotOpen => "network.request_not_open",
            StoreError::AlreadyAnswered => "network.already_answered",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) => "internal",
        }
    }
}

kernel::store_error!(StoreError);

impl From<ReviewError> for StoreError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Database(e) => StoreError::Database(e),
            ReviewError::Stale(_) => StoreError::Stale,
            // An unreadable revision: the queue's answer is the same, it no longer waits.
            ReviewError::Decided(_) | ReviewError::Unreadable => StoreError::Decided,
        }
    }
}

/// At the web edge.
impl From<StoreError> for kernel::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyAsked => {
                kernel::Error::Invalid(kernel::FieldError::new("actor", e.code()).into())
            }
            StoreError::NotMember
            | StoreError::Decided
            | StoreError::Stale
            | StoreError::RequestNotOpen
            | StoreError::AlreadyAnswered => kernel::Error::Conflict(e.code()),
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
        }
    }
}
