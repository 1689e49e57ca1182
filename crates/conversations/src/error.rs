//! What the conversations' store and vote writer refuse, or why they failed. Handlers turn it
//! into the platform's error at the web edge (`?`), where a failure's cause is logged.

use kernel::FieldErrors;

/// What the conversations' store and vote writer refuse, or why they failed.
#[derive(Debug)]
pub enum StoreError {
    /// The conversation is closed: no more votes nor statements (`conversation.closed`).
    Closed,
    /// The same statement is in the conversation already (`conversation.duplicate`).
    Duplicate,
    /// No such statement among those a participant may vote on: rejected, pending in a strictly
    /// moderated conversation, or absent (`conversation.no_statement`).
    NoStatement,
    /// The conversation's report was proposed as a resource already
    /// (`conversation.resource_exists`).
    ResourceExists,
    /// A field is refused (`invalid`).
    Invalid(FieldErrors),
    /// No such conversation or statement (`not_found`).
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
    /// The vote writer stopped before answering.
    Stopped(String),
    /// What the node keeps of a conversation could not be read (the platform's error).
    Kept(kernel::Error),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Closed => "conversation.closed",
            StoreError::Duplicate => "conversation.duplicate",
            StoreError::NoStatement => "conversation.no_statement",
            StoreError::ResourceExists => "conversation.resource_exists",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) | StoreError::Stopped(_) => "internal",
            StoreError::Kept(e) => e.code(),
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
            StoreError::Closed | StoreError::NoStatement | StoreError::ResourceExists => {
                kernel::Error::Conflict(e.code())
            }
            StoreError::Duplicate => {
                kernel::Error::Invalid(kernel::FieldError::new("body", e.code()).into())
            }
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
            StoreError::Stopped(_) => kernel::Error::internal(e),
            StoreError::Kept(e) => e,
        }
    }
}
