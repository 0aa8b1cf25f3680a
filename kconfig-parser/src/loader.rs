//! Loading a tree: read its files, parse them (repeating while `$(shell,...)` answers are
//! missing, running those commands in parallel between rounds), and finalise the model.

use crate::files::TreeFiles;
use crate::parser::{Dialect, ParseError, ParseOutput, Parser};
use crate::preprocess::{Preprocessor, ShellOracle};

/// Why a tree could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("running $(shell,...) commands: {0}")]
    Shell(String),
    #[error("the preprocessor kept finding new $(shell,...) commands after {0} rounds")]
    TooManyRounds(usize),
    #[error("{0}")]
    Other(String),
}

/// Statistics of a load, for `--verbose` output and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LoadStats {
    /// Parse rounds (1 when every shell answer was cached).
    pub rounds: usize,
    /// Shell commands run in this load.
    pub commands_run: usize,
    /// Files read.
    pub files: usize,
}

/// Parses the tree whose files `files` reads, starting at `top`, repeating the parse until
/// the preprocessor has every shell answer it needs; `run_batch` runs missing commands (in
/// parallel) so that `shell` knows them afterwards.
pub fn parse_rounds(
    files: &TreeFiles,
    top: &str,
    dialect: Dialect,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    shell: &(dyn ShellOracle + Sync),
    run_batch: &mut dyn FnMut(&[String]) -> Result<(), String>,
    stats: &mut LoadStats,
) -> Result<ParseOutput, LoadError> {
    files.prefetch(top, env);
    const MAX_ROUNDS: usize = 32;
    for round in 1..=MAX_ROUNDS {
        stats.rounds = round;
        // Deeply recursive user functions need a large stack (the C limit is 1000 levels).
        let (res, pending) = std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, || {
                    let pp = Preprocessor::new(env, shell);
                    Parser::new(pp, files, dialect).parse(top)
                })
                .map_err(|e| LoadError::Other(format!("cannot start the parser thread: {e}")))?
                .join()
                .map_err(|_| LoadError::Other("the parser thread panicked".into()))
        })?;
        if pending.is_empty() {
            stats.files = files.len();
            return Ok(res?);
        }
        stats.commands_run += pending.len();
        run_batch(&pending).map_err(LoadError::Shell)?;
    }
    Err(LoadError::TooManyRounds(MAX_ROUNDS))
}
