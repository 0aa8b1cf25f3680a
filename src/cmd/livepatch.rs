//! `ktailor livepatch diff ORIG.o PATCHED.o`: what changed between an original and a patched
//! object, and whether a livepatch can carry it. The work is in the `livepatch` crate.
//!
//! Exit status: 0 patchable change, 1 bad input or error, 2 unsupported change (refusals),
//! 3 no change.

use std::path::PathBuf;
use std::process::ExitCode;

use livepatch::{diff, Object, Outcome, Report};

/// Arguments of `ktailor livepatch`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Compare an original and a patched object (gcc -ffunction-sections -fdata-sections -pg
    /// -mfentry); exits 0 on a patchable change, 1 on error, 2 on refusals, 3 on no change.
    Diff(DiffArgs),
}

/// Arguments of `ktailor livepatch diff`.
#[derive(clap::Args)]
struct DiffArgs {
    /// The object built from the unpatched source.
    orig: PathBuf,
    /// The object built from the patched source.
    patched: PathBuf,
    /// Print a JSON object (changed_functions, new_functions, included_sections, refusals).
    #[arg(long)]
    json: bool,
}

/// Runs `ktailor livepatch`; errors are printed here and exit 1, as documented.
pub fn run(args: Args) -> Result<ExitCode, String> {
    match args.command {
        Command::Diff(a) => Ok(match run_diff(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("ktailor: livepatch diff: {e}");
                ExitCode::from(1)
            }
        }),
    }
}

fn run_diff(a: &DiffArgs) -> Result<ExitCode, String> {
    let orig = Object::read(&a.orig).map_err(|e| e.to_string())?;
    let patched = Object::read(&a.patched).map_err(|e| e.to_string())?;
    let report = diff(&orig, &patched);
    if a.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print_text(&report);
    }
    Ok(match report.outcome() {
        Outcome::Patchable => ExitCode::from(0),
        Outcome::Refused => ExitCode::from(2),
        Outcome::NoChange => ExitCode::from(3),
    })
}

fn print_text(r: &Report) {
    if r.outcome() == Outcome::NoChange {
        println!("no change");
        return;
    }
    for f in &r.changed_functions {
        println!("changed function: {f}");
    }
    for f in &r.new_functions {
        println!("new function: {f}");
    }
    for s in &r.included_sections {
        println!("included section: {s}");
    }
    for x in &r.refusals {
        println!("refused: {} in {}: {}", x.symbol, x.section, x.reason);
    }
}
