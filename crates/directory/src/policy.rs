//! Who may do what in the directory: anyone reads a published actor, its owners read and edit
//! their actor, its offers, its owners and its logo; the directory's moderators (the instance's
//! administrators) everything, and alone review, trust and keep the taxonomy. The directory is
//! a reviewed component: its rule is the kernel's rule of reviewed entries, an actor an entry.

pub use kernel::policy::{
    Review as Action, Reviewed as Resource, can_reviewed as can, check_reviewed as check,
};
