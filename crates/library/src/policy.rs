//! Who may do what in the library: anyone reads a published experience, its author reads and
//! edits their own, the library's moderators (the instance's administrators) everything. The
//! library is a reviewed component: its rule is the kernel's rule of reviewed entries, an
//! experience an entry.

pub use kernel::policy::{
    Review as Action, Reviewed as Resource, can_reviewed as can, check_reviewed as check,
};
