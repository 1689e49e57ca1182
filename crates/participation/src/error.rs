//! What the participation store refuses, or why it failed. Handlers turn it into the platform's
//! error at the web edge (`?`), where a failure's cause is logged.

use kernel::FieldErrors;

/// What the participation store refuses, or why it failed.
#[derive(Debug)]
pub enum StoreError {
    /// The person supports this contribution already (`support.already`).
    SupportAlready,
    /// The person gave every support the component allows (`support.limit`).
    SupportLimit,
    /// The person does not support this contribution: nothing to withdraw (`support.none`).
    SupportNone,
    /// The person flagged this item already (`flag.already`).
    FlagAlready,
    /// A field does not fit what is stored (`invalid`): a process address taken in its
    /// space, an answer to a comment missing or too deep, a comment edited too late.
    Invalid(FieldErrors),
    /// No such item (`not_found`).
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::SupportAlready => "support.already",
            StoreError::SupportLimit => "support.limit",
            StoreError::SupportNone => "support.none",
            StoreError::FlagAlready => "flag.already",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) => "internal",
        }
    }
}

kernel::store_error!(StoreError);

impl From<kernel::FieldError> for StoreError {
    fn from(e: kernel::FieldError) -> Self {
        StoreError::Invalid(e.into())
    }
}

/// At the web edge.
impl From<StoreError> for kernel::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::SupportAlready
            | StoreError::SupportLimit
            | StoreError::SupportNone
            | StoreError::FlagAlready => kernel::Error::Conflict(e.code()),
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
        }
    }
}
