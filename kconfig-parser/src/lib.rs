//! The Linux Kconfig language, with the kernel's own semantics.
//!
//! Data flows one way: a tree's Kconfig files are read ([`files`]) and tokenised ([`lexer`]),
//! then parsed in source order ([`parser`]) while the [`preprocess`]or expands macros. The
//! result is a [`model::Model`] of symbols, properties and menus. [`loader`] wires it.

pub mod confdata;
pub mod conformance;
pub mod depcheck;
pub mod eval;
pub mod expr;
pub mod expr_print;
pub mod expr_simplify;
pub mod files;
pub mod finalize;
pub mod graph;
pub mod kbuild;
pub mod lexer;
pub mod loader;
pub mod model;
pub(crate) mod model_cache;
pub mod parser;
pub mod preprocess;
pub mod shell;
pub mod summary;
pub mod targets;
