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

kernel::store_error!(StoreError);

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
