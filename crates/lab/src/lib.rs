//! Open-innovation challenges (appels à solutions) and their responses.
//!
//! The component is registered with the platform; its pages, tables and indexed documents arrive
//! with its own issue.

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("lab")
}
