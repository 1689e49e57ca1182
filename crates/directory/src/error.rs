//! What the directory's store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged.

use kernel::FieldErrors;
use kernel::review::ReviewError;

/// What the directory's store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The actor changed since the form was opened (`actor.stale`).
    Stale,
    /// Already decided by a moderator, or no longer waiting (`actor.decided`).
    Decided,
    /// The invitation was already answered or withdrawn (`owner.no_invitation`).
    NoInvitation,
    /// The last owner of an actor cannot be removed (`owner.last`).
    LastOwner,
    /// The offer is already withdrawn (`offer.removed`).
    OfferRemoved,
    /// The imported file has no line (`import.empty`).
    ImportEmpty,
    /// The imported file's first line does not name the column `name` (`import.header`).
    ImportHeader,
    /// Fields the store checks against what it holds (a term's code already taken).
    Invalid(FieldErrors),
    /// No such actor or owner of it, or a revision whose stored fields no longer read.
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
    /// Another part of the platform failed (the referential's store).
    Platform(kernel::Error),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Stale => "actor.stale",
            StoreError::Decided => "actor.decided",
            StoreError::NoInvitation => "owner.no_invitation",
            StoreError::LastOwner => "owner.last",
            StoreError::OfferRemoved => "offer.removed",
            StoreError::ImportEmpty => "import.empty",
            StoreError::ImportHeader => "import.header",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) | StoreError::Platform(_) => "internal",
        }
    }
}

kernel::store_error!(StoreError);

impl From<kernel::Error> for StoreError {
    fn from(e: kernel::Error) -> Self {
        StoreError::Platform(e)
    }
}

/// The directory reviews actors alone (`store::REVIEW`): a refusal's code is theirs.
impl From<ReviewError> for StoreError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Stale(_) => StoreError::Stale,
            ReviewError::Decided(_) => StoreError::Decided,
            ReviewError::Unreadable => StoreError::NotFound,
            ReviewError::Database(e) => StoreError::Database(e),
        }
    }
}

/// At the web edge.
impl From<StoreError> for kernel::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale
            | StoreError::Decided
            | StoreError::NoInvitation
            | StoreError::LastOwner
            | StoreError::OfferRemoved => kernel::Error::Conflict(e.code()),
            StoreError::ImportEmpty | StoreError::ImportHeader => {
                kernel::Error::BadRequest(e.code())
            }
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
            StoreError::Platform(e) => e,
        }
    }
}
