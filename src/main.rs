//! ktailor: the command-line tool. It parses arguments, calls the libraries and prints; the
//! work is done in the workspace's library crates.

mod cmd;

/// mimalloc instead of glibc's malloc: loading a tree's Kconfig makes millions of small,
/// short-lived allocations (expressions, strings), and glibc's malloc and free were a third of
/// the instructions of `ktailor config olddefconfig` (callgrind).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tailors Linux kernels to the machines and workloads they run on.
#[derive(Parser)]
#[command(name = "ktailor", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a tree's Kconfig and print its files, symbols, menus, choices and warnings.
    Parse(cmd::parse::Args),
    /// Show what a symbol depends on and what depends on it.
    Graph(cmd::graph::Args),
    /// Run a conf target (olddefconfig, defconfig, savedefconfig, all*config, ...).
    Config(cmd::config::Args),
    /// Run the tree's own conf and ktailor side by side and compare their output byte for byte.
    Conformance(cmd::conformance::Args),
    /// Print the environment kbuild gives the tree's conf (NAME=VALUE lines).
    Env(cmd::env::Args),
    /// What changed between two configs (or a config carried to a new release), and why;
    /// exits 1 on unapproved drift.
    Drift(cmd::drift::Args),
    /// The smallest valid config for a machine and its workloads, with a reason for every
    /// option left on.
    Minimize(cmd::minimize::Args),
    /// List the hardware and workload profiles, or show one.
    Profiles(cmd::profiles::Args),
    /// Generate a fleet's configurations (machines × workloads) from a matrix, in parallel.
    Generate(cmd::generate::Args),
    /// Why a symbol has its value in a config, and what it would take to change it.
    Explain(cmd::explain::Args),
    /// Livepatch tools: `diff` compares an original and a patched object file.
    Livepatch(cmd::livepatch::Args),
}

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`ktailor parse --list symbols | head`), as Unix tools do,
    // instead of panicking in print!.
    // SAFETY: resetting a signal disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(a) => cmd::parse::run(a),
        Command::Graph(a) => cmd::graph::run(a),
        Command::Env(a) => cmd::env::run(a),
        Command::Drift(a) => cmd::drift::run(a),
        Command::Config(a) => cmd::config::run(a),
        Command::Conformance(a) => cmd::conformance::run(a),
        Command::Minimize(a) => cmd::minimize::run(a),
        Command::Profiles(a) => cmd::profiles::run(a),
        Command::Generate(a) => cmd::generate::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Livepatch(a) => cmd::livepatch::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ktailor: {e}");
            ExitCode::from(2)
        }
    }
}
