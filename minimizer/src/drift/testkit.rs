//! Models and configurations from Kconfig and .config text, for the unit tests of `why` and
//! the drift's explanations.

use kconfig_parser::confdata::{conf_read, ConfEnv};
use kconfig_parser::eval::Config;
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::files::MemoryFiles;
use kconfig_parser::model::{Model, SymbolId};
use kconfig_parser::parser::{Dialect, Parser};
use kconfig_parser::preprocess::{Preprocessor, ShellOracle};

struct NoShell;

impl ShellOracle for NoShell {
    fn shell(&self, _cmd: &str) -> Option<(String, Vec<u8>)> {
        Some((String::new(), Vec::new()))
    }
}

/// Parses and finalises a Kconfig text as conf_parse does.
pub(crate) fn model(text: &str, v: KernelVersion) -> Model {
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
    kconfig_parser::finalize::menu_finalize(&mut m, v);
    m
}

/// A configuration of `m` read from `.config` text as conf_read reads it.
pub(crate) fn config<'m>(m: &'m Model, v: KernelVersion, text: &str) -> Config<'m> {
    let mut env = ConfEnv::new("/nonexistent-ktailor-test", Vec::new());
    env.in_memory = true;
    let path = env.path(".config");
    env.overlay.insert(path, text.as_bytes().to_vec());
    let mut cfg = Config::new(m, v);
    conf_read(&mut cfg, &env, Some(".config")).expect("read");
    cfg
}

/// The symbol of a name.
pub(crate) fn sym(m: &Model, name: &str) -> SymbolId {
    m.find(name).expect("symbol")
}
