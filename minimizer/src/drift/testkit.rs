//! Models and configurations from Kconfig and .config text, for the unit tests of `why` and
//! the drift's explanations.

use kconfig_parser::confdata::{conf_read, ConfEnv};
use kconfig_parser::eval::Config;
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::model::{Model, SymbolId};

pub(crate) use kconfig_parser::eval::testkit::model;

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
