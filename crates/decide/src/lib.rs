//! Pure decision algorithms, with no IO: vote tallies, participatory-budget rules, opinion maps.
//! Used by the votes component and by the `territoires decide` command.

pub mod mj;
pub mod pabulib;
pub mod pb;
pub mod polis;
