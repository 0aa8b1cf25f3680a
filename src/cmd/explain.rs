//! `ktailor explain SYMBOL`: why a symbol has its value in a configuration, and what it would
//! take to change it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::TreeArgs;

/// Arguments of `ktailor explain`.
#[derive(clap::Args)]
pub struct Args {
    /// The symbol (with or without CONFIG_).
    pub symbol: String,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The configuration to explain (a .config of this tree).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ktailor explain`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let config = std::fs::read(&a.config).map_err(|e| format!("{}: {e}", a.config.display()))?;
    let tree = a.tree.load(false)?;
    let version = (tree.env.version.version, tree.env.version.patchlevel);
    let ex = minimizer::explain::explain(&tree.model, version, &config, &a.symbol);
    if !ex.provenance.defined() {
        return Err(format!(
            "{}: no such symbol in {} (ARCH={})",
            a.symbol,
            a.tree.tree.display(),
            tree.env.arch
        ));
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&ex).map_err(|e| e.to_string())?
        );
    } else {
        print!("{ex}");
    }
    Ok(ExitCode::SUCCESS)
}
