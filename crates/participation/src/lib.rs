//! Citizen participation: processes with phases, idea boxes, participatory maps, comments, supports and follow-up.
//!
//! The component is registered with the platform; its pages, tables and indexed documents arrive
//! with its own issue.

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("participation")
}
