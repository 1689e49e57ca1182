//! Citizen votes (votations) and participatory budgets: eligibility, secret ballots, receipts and results.
//!
//! The component is registered with the platform; its pages, tables and indexed documents arrive
//! with its own issue.

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("votes")
}
