//! Livepatch: reading relocatable ELF objects, correlating an original and a patched build of
//! the same source file, and finding what changed and whether a livepatch can carry it.
//!
//! Flow: [`elf::Object::read`] each file, then [`diff::diff`] the two, which correlates their
//! symbols ([`correlate`]) and yields a [`diff::Report`].

pub mod correlate;
pub mod diff;
pub mod elf;
pub mod error;
mod reference;

pub use diff::{diff, Outcome, Refusal, Report};
pub use elf::Object;
pub use error::LivepatchError;
