//! What the challenges' store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged.

/// What the challenges' store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The challenge no longer takes responses: its deadline passed or its outcome is
    /// published, checked in the same transaction as the response's write (`solution.closed`).
    Closed,
    /// The challenge's outcome was already published (`challenge.decided`).
    Decided,
    /// No such challenge.
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
    /// The directory's store failed, reading the responding actors.
    Directory(directory::error::StoreError),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Closed => "solution.closed",
            StoreError::Decided => "challenge.decided",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) | StoreError::Directory(_) => "internal",
        }
    }
}

kernel::store_error!(StoreError);

impl From<directory::error::StoreError> for StoreError {
    fn from(e: directory::error::StoreError) -> Self {
        StoreError::Directory(e)
    }
}

/// At the web edge.
impl From<StoreError> for kernel::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed | StoreError::Decided => kernel::Error::Conflict(e.code()),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
            StoreError::Directory(e) => e.into(),
        }
    }
}
