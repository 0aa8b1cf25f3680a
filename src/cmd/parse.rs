//! `ktailor parse`: load a tree and summarise it.

use std::process::ExitCode;
use std::time::Instant;

use kconfig_parser::preprocess::Output;
use kconfig_parser::summary::TreeSummary;

use super::TreeArgs;

/// Arguments of `ktailor parse`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    tree: String,
    arch: &'a str,
    srcarch: &'a str,
    kernelversion: String,
    #[serde(flatten)]
    summary: TreeSummary,
    warnings: Vec<&'a str>,
    load: &'a kconfig_parser::loader::LoadStats,
    load_ms: f64,
}

/// Runs `ktailor parse`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let t0 = Instant::now();
    let tree = a.tree.load(!a.json)?;
    let elapsed = t0.elapsed();
    let warnings: Vec<&str> = tree
        .messages
        .iter()
        .filter_map(|m| match m {
            Output::Stderr(s) => Some(s.trim_end()),
            Output::Stdout(_) => None,
        })
        .collect();
    let report = Report {
        tree: a.tree.tree.display().to_string(),
        arch: &tree.env.arch,
        srcarch: &tree.env.srcarch,
        kernelversion: tree.env.version.kernelversion(),
        summary: TreeSummary::of(&tree.model),
        warnings,
        load: &tree.stats,
        load_ms: elapsed.as_secs_f64() * 1000.0,
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let s = &report.summary;
    println!(
        "tree:      {} (Linux {}, ARCH={} SRCARCH={})",
        report.tree, report.kernelversion, report.arch, report.srcarch
    );
    println!("files:     {}", s.files);
    let types: Vec<String> = s.by_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
    println!("symbols:   {} ({})", s.symbols, types.join(", "));
    println!(
        "           {} defined more than once, {} referenced but never defined",
        s.multiply_defined, s.undefined_references
    );
    println!(
        "menus:     {} menus, {} choices, {} comments, {} if blocks",
        s.menus, s.choices, s.comments, s.if_blocks
    );
    println!("props:     {}", s.properties);
    println!("modules:   {}", s.modules_symbol);
    println!("warnings:  {}", report.warnings.len());
    println!(
        "loaded in  {:.1} ms ({} parse round(s), {} shell command(s) run)",
        report.load_ms, report.load.rounds, report.load.commands_run
    );
    Ok(ExitCode::SUCCESS)
}
