//! Review by moderators, shared by the components whose items wait for one before they are
//! shown (directory actors, experience reports): where an item stands, and a moderator's
//! decision with its reason.

use crate::error::{FieldError, FieldErrors};

/// Where a reviewed item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Submitted, waiting for a moderator.
    Pending,
    /// Shown.
    Published,
    /// Refused by a moderator.
    Rejected,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Published => "published",
            State::Rejected => "rejected",
        }
    }

    /// The state of a stored name (anything unknown waits).
    pub fn parse(s: &str) -> Self {
        match s {
            "published" => State::Published,
            "rejected" => State::Rejected,
            _ => State::Pending,
        }
    }
}

/// A moderator's decision as posted: `approve`, or `reject` with its reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DecisionForm {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    /// Why, required to refuse (it is mailed to the authors).
    #[serde(default)]
    pub reason: String,
}

impl DecisionForm {
    /// Whether the decision approves; a refusal without a reason, or no decision, is a field
    /// error.
    pub fn approves(&self) -> Result<bool, FieldErrors> {
        match self.decision.as_str() {
            "approve" => Ok(true),
            "reject" if self.reason.trim().chars().count() >= 3 => Ok(false),
            "reject" => Err(FieldError::new("reason", "review.reason").into()),
            _ => Err(FieldError::new("decision", "review.decision").into()),
        }
    }

    /// The reason, trimmed.
    pub fn reason(&self) -> &str {
        self.reason.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_needs_its_reason() {
        let form = |d: &str, r: &str| DecisionForm {
            decision: d.into(),
            reason: r.into(),
        };
        assert_eq!(form("approve", "").approves(), Ok(true));
        assert_eq!(form("reject", "Doublon").approves(), Ok(false));
        assert_eq!(
            form("reject", " ").approves().unwrap_err().on("reason"),
            Some("review.reason")
        );
        assert!(
            form("", "")
                .approves()
                .unwrap_err()
                .on("decision")
                .is_some()
        );
        assert_eq!(State::parse(State::Published.as_str()), State::Published);
    }
}
