//! What the reports' store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged; the Open311 handlers answer
//! with the specification's error document instead.

use kernel::FieldErrors;

/// What the reports' store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The confirmation link is unknown, already followed or expired (`link.invalid`).
    InvalidLink,
    /// A submission with the same idempotency key is being stored by a concurrent attempt
    /// whose report cannot be read yet (`report.retry`).
    Retry,
    /// Fields the store checks against what it holds (a category's code already taken).
    Invalid(FieldErrors),
    /// No such report.
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidLink => "link.invalid",
            StoreError::Retry => "report.retry",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) => "internal",
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "database: {e}"),
            StoreError::Invalid(errors) => write!(f, "{errors:?}"),
            other => f.write_str(other.code()),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Database(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

/// At the web edge.
impl From<StoreError> for kernel::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidLink => kernel::Error::Gone(e.code()),
            StoreError::Retry => kernel::Error::Conflict(e.code()),
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
        }
    }
}
