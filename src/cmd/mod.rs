//! One module per subcommand; shared argument groups and helpers live here.

pub mod config;
pub mod conformance;
pub mod drift;
pub mod env;
pub mod explain;
pub mod generate;
pub mod graph;
pub mod livepatch;
pub mod minimize;
pub mod parse;
pub mod profiles;

use std::path::PathBuf;

use kconfig_parser::loader::{load_tree, LoadOptions, LoadedTree};
use kconfig_parser::preprocess::Output;

/// The arguments every command that loads a tree takes.
#[derive(clap::Args, Clone, Debug)]
pub struct TreeArgs {
    /// The top of a Linux source tree (scripts/kernel-tree.sh VERSION prints one).
    #[arg(long, value_name = "DIR")]
    pub tree: PathBuf,
    /// The architecture, as kbuild's ARCH takes it (x86, x86_64, i386, arm64, riscv, um, ...);
    /// defaults to the host's, as kbuild does.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Run every $(shell,...) command instead of using the on-disk cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Parse the Kconfig files even when the model cache holds this tree's finished load (the
    /// $(shell,...) cache is still used)
    #[arg(long)]
    pub no_model_cache: bool,
}

impl TreeArgs {
    /// Loads the tree, replaying what conf prints while it parses.
    ///
    /// The tree is leaked: a command loads one tree and exits, and freeing its hundred
    /// thousand allocations (made on the loader's thread) at exit costs more than a whole
    /// evaluation.
    pub fn load(&self, echo_messages: bool) -> Result<&'static LoadedTree, String> {
        let opts = LoadOptions {
            arch: self.arch.clone(),
            no_cache: self.no_cache,
            cache_dir: None,
            no_model_cache: self.no_model_cache,
        };
        let tree = load_tree(&self.tree, &opts).map_err(|e| e.to_string())?;
        if echo_messages {
            print_messages(&tree.messages);
        }
        Ok(Box::leak(Box::new(tree)))
    }
}

/// Prints conf's messages to the streams conf uses.
pub fn print_messages(messages: &[Output]) {
    for m in messages {
        match m {
            Output::Stdout(s) => print!("{s}"),
            Output::Stderr(s) => eprint!("{s}"),
        }
    }
}

/// Writes a file through a temporary file in the same directory and a rename, so that a
/// failure never leaves a half-written file.
pub fn write_atomic(path: &std::path::Path, data: &[u8]) -> Result<(), String> {
    // A device or a pipe (/dev/stdout, /dev/null) is written in place: renaming over it would
    // replace the device with a regular file.
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            return std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()));
        }
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.ktailor-tmp{}", std::process::id()));
    std::fs::write(&tmp, data).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })
}
