//! Drafts and publication. A process or a vote (and the meetings and surveys to come) starts as
//! a draft that only those who may prepare it see; everyone else gets a 404 and the search, the
//! lists, the feeds and the open data leave it out until it is published. The state is stored as
//! a nullable `published_at` column (UTC ms): `NULL` while a draft.

use crate::error::Error;

/// The SQL condition of a published row (`published_at` set), for a table without alias.
pub const PUBLISHED: &str = "published_at IS NOT NULL";

/// Where an item stands: a draft, or public since a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// Seen only by those who may prepare it.
    Draft,
    /// Public since this time (UTC ms).
    Published(i64),
}

impl Publication {
    /// The state of a stored `published_at` column.
    pub fn from_column(published_at: Option<i64>) -> Self {
        match published_at {
            Some(at) => Publication::Published(at),
            None => Publication::Draft,
        }
    }

    /// Whether it is still a draft.
    pub fn is_draft(self) -> bool {
        self == Publication::Draft
    }

    /// Whether a reader sees it: everyone once it is published, before that only those who may
    /// prepare it (`may_prepare`, as the component's policy answers).
    pub fn seen_by(self, may_prepare: bool) -> bool {
        may_prepare || !self.is_draft()
    }

    /// [`seen_by`](Self::seen_by) as the answer to a reader: a draft does not exist for those who
    /// may not prepare it (404, not 403, so that its address says nothing of it).
    pub fn require_seen(self, may_prepare: bool) -> Result<(), Error> {
        if self.seen_by(may_prepare) {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_seen_by_its_preparers_only_and_hidden_as_not_found() {
        let draft = Publication::from_column(None);
        assert!(draft.is_draft());
        assert!(draft.seen_by(true));
        assert!(!draft.seen_by(false));
        assert!(matches!(draft.require_seen(false), Err(Error::NotFound)));
        let public = Publication::from_column(Some(1_700_000_000_000));
        assert_eq!(public, Publication::Published(1_700_000_000_000));
        assert!(public.seen_by(false));
        assert!(public.require_seen(false).is_ok());
    }
}
