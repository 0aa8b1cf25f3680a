//! The Linux Kconfig language, with the kernel's own semantics.
//!
//! Data flows one way: a tree's Kconfig files are read ([`kbuild`] supplies the environment kbuild
//! exports), expanded by the [`preprocess`]or (whose `$(shell,...)` results come from [`shell`]),
//! tokenised by the [`lexer`], parsed by the [`parser`] into a [`model::Model`], finalised
//! ([`finalize`], mirroring `menu_finalize`) and turned into a dependency [`graph`].
//! [`loader::load_tree`] wires all of it.

pub mod expr;
pub mod model;
