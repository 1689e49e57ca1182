//! What the votes' store and ballot writer refuse, or why they failed. Handlers turn it into the
//! platform's error at the web edge (`?`), where a failure's cause is logged.

use kernel::FieldErrors;

/// What the votes' store and ballot writer refuse, or why they failed.
#[derive(Debug)]
pub enum StoreError {
    /// The vote has opened: its questions, projects and census no longer change
    /// (`vote.locked`).
    Locked,
    /// Questions are added to votations only; this is a budget (`vote.not_a_votation`).
    NotAVotation,
    /// Projects are added to budgets only (`vote.not_a_budget`).
    NotABudget,
    /// The vote is closed: no more invitation codes (`vote.closed`).
    Closed,
    /// The vote cannot open before it has a question with two options, or a project
    /// (`vote.incomplete`).
    Incomplete,
    /// Only an open vote closes (`vote.not_open`).
    NotOpen,
    /// A draft is published before it opens or takes ballots (`vote.draft`).
    Draft,
    /// This voter is on the roll already: nothing of the ballot was written
    /// (`vote.already_cast`).
    AlreadyCast,
    /// A field does not fit what is stored (`invalid`): too many questions or projects.
    Invalid(FieldErrors),
    /// No such option in this vote (`not_found`).
    NotFound,
    /// The database failed.
    Database(sqlx::Error),
    /// A task the work was handed to stopped before answering (the ballot writer, the sealing
    /// task): which, and how.
    Stopped(String),
}

impl StoreError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Locked => "vote.locked",
            StoreError::NotAVotation => "vote.not_a_votation",
            StoreError::NotABudget => "vote.not_a_budget",
            StoreError::Closed => "vote.closed",
            StoreError::Incomplete => "vote.incomplete",
            StoreError::NotOpen => "vote.not_open",
            StoreError::Draft => "vote.draft",
            StoreError::AlreadyCast => "vote.already_cast",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound => "not_found",
            StoreError::Database(_) | StoreError::Stopped(_) => "internal",
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
            StoreError::Locked
            | StoreError::NotAVotation
            | StoreError::NotABudget
            | StoreError::Closed
            | StoreError::Incomplete
            | StoreError::NotOpen
            | StoreError::Draft
            | StoreError::AlreadyCast => kernel::Error::Conflict(e.code()),
            StoreError::Invalid(errors) => kernel::Error::Invalid(errors),
            StoreError::NotFound => kernel::Error::NotFound,
            StoreError::Database(e) => e.into(),
            StoreError::Stopped(_) => kernel::Error::internal(e),
        }
    }
}
