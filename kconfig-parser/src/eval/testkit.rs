//! Models from Kconfig text held in memory (no shell, no environment), for the unit tests of
//! the evaluator, the targets and the crates built on them.

use crate::expr_simplify::KernelVersion;
use crate::files::MemoryFiles;
use crate::model::Model;
use crate::parser::{Dialect, Parser};
use crate::preprocess::{Preprocessor, ShellOracle};

struct NoShell;

impl ShellOracle for NoShell {
    fn shell(&self, _cmd: &str) -> Option<(String, Vec<u8>)> {
        Some((String::new(), Vec::new()))
    }
}

/// Parses and finalises a Kconfig text as conf_parse does; panics on a syntax error (the
/// texts are the tests' own).
pub fn model(text: &str, v: KernelVersion) -> Model {
    let mut files = MemoryFiles::new();
    files.insert("Kconfig", text);
    let env = |_: &str| None;
    let (res, _) = Parser::new(
        Preprocessor::new(&env, &NoShell),
        &files,
        Dialect::for_version(v.0, v.1),
    )
    .parse("Kconfig");
    let mut m = res.expect("parse").model;
    crate::finalize::menu_finalize(&mut m, v);
    m
}
