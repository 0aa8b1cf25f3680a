//! `ktailor livepatch diff|build|check`. The work is in the `livepatch` crate.
//!
//! - `diff ORIG.o PATCHED.o`: what changed between an original and a patched object, and
//!   whether a livepatch can carry it.
//! - `build`: from a source patch to a livepatch module for one kernel.
//! - `check MODULE.ko`: validates a module's livepatch ELF ABI.
//!
//! Exit status of diff and build: 0 patchable change (built), 1 bad input or error,
//! 2 unsupported change (refusals), 3 no change. check: 0 valid, 1 error, 2 problems found.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use livepatch::build::{build, module_name, BuildError, BuildRequest, STEPS};
use livepatch::check::check_file;
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
    /// Build a livepatch module for a kernel from a source patch: compile the touched objects
    /// original and patched in a cached out-of-tree build directory, diff them, write the
    /// changed functions with livepatch relocations, and link the module with kbuild.
    Build(BuildArgs),
    /// Validate the livepatch ELF ABI of a module (names, flags, sh_info/sh_link, symbol
    /// sections, modinfo) and explain every problem; exits 2 when there are problems.
    Check(CheckArgs),
}

/// Arguments of `ktailor livepatch build`.
#[derive(clap::Args)]
struct BuildArgs {
    /// The kernel source tree the target kernel was built from (never modified).
    #[arg(long)]
    tree: PathBuf,
    /// The target kernel's config (e.g. /boot/config-$(uname -r)).
    #[arg(long)]
    config: PathBuf,
    /// The fix, as a unified diff against the tree (.c files only).
    #[arg(long)]
    patch: PathBuf,
    /// The target's kernel headers (/usr/src/linux-headers-RELEASE or /lib/modules/RELEASE/build).
    #[arg(long)]
    kernel_headers: PathBuf,
    /// The target's symbol table: its System.map, or /proc/kallsyms read as root on it.
    #[arg(long)]
    system_map: PathBuf,
    /// The module's name (default: the patch file's name); also /sys/kernel/livepatch/NAME.
    #[arg(long)]
    name: Option<String>,
    /// Where to write the module.
    #[arg(long)]
    output: PathBuf,
    /// Where prepared build directories are kept (default: $KTAILOR_CACHE, else $XDG_CACHE_HOME/ktailor, else ~/.cache/ktailor).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Print a JSON object (output, cold, funcs, new_functions, klp_symbols, timings_ms,
    /// build_dir) instead of text, and no progress bar.
    #[arg(long)]
    json: bool,
}

/// Arguments of `ktailor livepatch check`.
#[derive(clap::Args)]
struct CheckArgs {
    /// The module (.ko).
    module: PathBuf,
    /// Print a JSON object (name, klp_rela_sections, klp_symbols, problems).
    #[arg(long)]
    json: bool,
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
        Command::Build(a) => Ok(run_build(&a)),
        Command::Check(a) => Ok(match run_check(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("ktailor: livepatch check: {e}");
                ExitCode::from(1)
            }
        }),
    }
}

fn run_build(a: &BuildArgs) -> ExitCode {
    let name = a.name.clone().unwrap_or_else(|| {
        let stem = a
            .patch
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("livepatch");
        module_name(stem)
    });
    let req = BuildRequest {
        tree: a.tree.clone(),
        config: a.config.clone(),
        patch: a.patch.clone(),
        headers: a.kernel_headers.clone(),
        system_map: a.system_map.clone(),
        name,
        output: a.output.clone(),
        cache: a
            .cache
            .clone()
            .unwrap_or_else(kconfig_parser::shell::cache_root),
    };
    let bar = ProgressBar::new(STEPS.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if a.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let result = build(&req, |step| {
        bar.set_position(step as u64);
        bar.set_message(STEPS[step]);
    });
    bar.finish_and_clear();
    match result {
        Ok(summary) if a.json => {
            let timings: serde_json::Map<String, serde_json::Value> = summary
                .timings
                .iter()
                .map(|(step, d)| (step.to_string(), serde_json::json!(d.as_millis() as u64)))
                .collect();
            let v = serde_json::json!({
                "output": req.output,
                "cold": summary.cold,
                "funcs": summary.funcs,
                "new_functions": summary.new_functions,
                "klp_symbols": summary.klp_symbols,
                "timings_ms": timings,
                "build_dir": summary.build_dir,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::from(0)
        }
        Ok(summary) => {
            println!(
                "wrote {} ({})",
                req.output.display(),
                if summary.cold {
                    "cold build: prepared the build directory"
                } else {
                    "warm build: reused the build directory"
                }
            );
            for f in &summary.funcs {
                println!("replaces: {} (sympos {})", f.old_name, f.old_sympos);
            }
            for f in &summary.new_functions {
                println!("new function: {f}");
            }
            for s in &summary.klp_symbols {
                println!("livepatch symbol: {s}");
            }
            let total: std::time::Duration = summary.timings.iter().map(|(_, d)| *d).sum();
            for (step, d) in &summary.timings {
                println!("time: {:>7.2} s  {step}", d.as_secs_f64());
            }
            println!("time: {:>7.2} s  total", total.as_secs_f64());
            ExitCode::from(0)
        }
        Err(e) => {
            eprintln!("ktailor: livepatch build: {e}");
            ExitCode::from(match e {
                BuildError::Refused { .. } => 2,
                BuildError::NoChange { .. } => 3,
                _ => 1,
            })
        }
    }
}

fn run_check(a: &CheckArgs) -> Result<ExitCode, String> {
    let report = check_file(&a.module).map_err(|e| e.to_string())?;
    if a.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        for p in &report.problems {
            println!("problem: {}: {}", p.place, p.reason);
        }
        if report.problems.is_empty() {
            println!(
                "{}: a valid livepatch module ({} .klp.rela sections, {} livepatch symbols)",
                a.module.display(),
                report.klp_rela_sections,
                report.klp_symbols
            );
        }
    }
    Ok(ExitCode::from(if report.problems.is_empty() {
        0
    } else {
        2
    }))
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
