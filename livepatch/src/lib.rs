//! Livepatch: reading relocatable ELF objects, correlating an original and a patched build of
//! the same source file, finding what changed and whether a livepatch can carry it, and building
//! the livepatch module for a real kernel.
//!
//! Flow: [`elf::Object::read`] each file, then [`diff::diff`] the two, which correlates their
//! symbols ([`correlate`]) and yields a [`diff::Report`]. A build ([`build`]) compiles the
//! objects a source patch touches, diffs them, writes the livepatch object ([`extract`]), has
//! kbuild link the module and turns its livepatch references into the livepatch ELF ABI
//! ([`klp`]); [`check`] validates that ABI in any module.

pub mod build;
pub mod check;
pub mod correlate;
pub mod diff;
pub mod elf;
pub mod error;
pub mod extract;
pub mod klp;
mod reference;
pub mod special;
pub mod symbols;

pub use diff::{diff, Outcome, Refusal, Report};
pub use elf::Object;
pub use error::LivepatchError;
