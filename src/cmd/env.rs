//! `ktailor env`: the environment kbuild gives the tree's conf, as `NAME=VALUE` lines that a
//! shell can use (`env $(ktailor env ...) conf ...`); scripts use it to run conf directly.

use std::process::ExitCode;

use kconfig_parser::kbuild::KbuildEnv;

/// Arguments of `ktailor env`.
#[derive(clap::Args)]
pub struct Args {
    /// The top of a Linux source tree.
    #[arg(long, value_name = "DIR")]
    pub tree: std::path::PathBuf,
    /// kbuild's ARCH (defaults to the host's, as kbuild does).
    #[arg(long)]
    pub arch: Option<String>,
}

/// Runs `ktailor env`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let env = KbuildEnv::new(&a.tree, a.arch.as_deref()).map_err(|e| e.to_string())?;
    for (name, value) in &env.vars {
        println!("{name}={value}");
    }
    Ok(ExitCode::SUCCESS)
}
