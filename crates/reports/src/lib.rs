//! Issue reporting (signalements) routed to service teams, and the Open311 GeoReport v2 API.
//!
//! The component is registered with the platform; its pages, tables and indexed documents arrive
//! with its own issue.

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("reports")
}
