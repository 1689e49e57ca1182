//! What the library's store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged.

use kernel::review::ReviewError;

/// What the library's store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The experience changed since the form was opened (`experience.stale`).
    Stale,
    /// Already decided by a moderator, or no longer waiting (`experience.decided`).
    Decided,
    /// The territory named is not in the referential (`experience.territory`).
    UnknownTerritory,
    /// No such experience.
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
            StoreError::Stale => "experience.stale",
            StoreError::Decided => "experience.decided",
            StoreError::UnknownTerritory => "experience.territory",
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
            StoreError::Stale | StoreError::Decided => kernel::Error::Conflict(e.code()),
            StoreError::UnknownTerritory => kernel::Error::BadRequest(e.code()),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
            StoreError::Platform(e) => e,
        }
    }
}
