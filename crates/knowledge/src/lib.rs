//! The library of experience reports (retours d'expérience).
//!
//! The component is registered with the platform; its pages, tables and indexed documents arrive
//! with its own issue.

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("knowledge")
}
