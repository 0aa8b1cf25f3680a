//! `ktailor generate`: a whole fleet's configurations from a matrix, in parallel.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use kconfig_parser::loader::{load_tree, LoadOptions, LoadedTree};
use minimizer::fleet::parse_matrix;
use rayon::prelude::*;

use super::write_atomic;

/// Arguments of `ktailor generate`.
#[derive(clap::Args)]
pub struct Args {
    /// The top of a Linux source tree.
    #[arg(long, value_name = "DIR")]
    pub tree: PathBuf,
    /// The matrix (TOML): `[product]` instance types × workload sets, and `[[config]]` entries.
    #[arg(long, value_name = "FILE")]
    pub matrix: PathBuf,
    /// Where to write NAME.config and NAME.report.json for each entry, and index.json.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Print the index as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ktailor generate`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let text =
        std::fs::read_to_string(&a.matrix).map_err(|e| format!("{}: {e}", a.matrix.display()))?;
    let jobs = parse_matrix(&text, &a.matrix.display().to_string()).map_err(|e| e.to_string())?;
    // Resolve every entry first: a bad one stops the run before any work.
    let selections = jobs
        .iter()
        .map(|j| {
            j.request
                .resolve()
                .map_err(|e| format!("{}: entry '{}': {e}", a.matrix.display(), j.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut arches: Vec<String> = selections.iter().map(|s| s.arch.clone()).collect();
    arches.sort();
    arches.dedup();
    let bar = ProgressBar::new((arches.len() + jobs.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if a.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let trees: BTreeMap<String, LoadedTree> = arches
        .par_iter()
        .map(|arch| {
            let t = load_tree(
                &a.tree,
                &LoadOptions {
                    arch: Some(arch.clone()),
                    ..Default::default()
                },
            )
            .map_err(|e| format!("{arch}: {e}"));
            bar.inc(1);
            t.map(|t| (arch.clone(), t))
        })
        .collect::<Result<_, String>>()?;
    let results: Vec<Result<serde_json::Value, String>> = jobs
        .par_iter()
        .zip(selections.par_iter())
        .map(|(job, sel)| {
            bar.set_message(job.name.clone());
            let tree = &trees[&sel.arch];
            let version = (tree.env.version.version, tree.env.version.patchlevel);
            let opts = minimizer::Options {
                policy: job.policy,
                base: None,
            };
            let r = minimizer::minimize(&tree.model, version, &sel.requirements, &opts)
                .map_err(|e| format!("{}: {e}", job.name))
                .and_then(|out| {
                    let cfg = a.out_dir.join(format!("{}.config", job.name));
                    let rep = a.out_dir.join(format!("{}.report.json", job.name));
                    write_atomic(&cfg, out.config.as_bytes())?;
                    let json =
                        serde_json::to_string_pretty(&out.report).map_err(|e| e.to_string())?;
                    write_atomic(&rep, json.as_bytes())?;
                    Ok(serde_json::json!({
                        "name": job.name, "arch": sel.arch, "profiles": sel.profiles,
                        "enabled": out.report.counts.enabled,
                        "builtin": out.report.counts.builtin,
                        "modules": out.report.counts.modules,
                        "config": cfg, "report": rep,
                    }))
                });
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut index = Vec::new();
    let mut failed = 0;
    for r in results {
        match r {
            Ok(v) => index.push(v),
            Err(e) => {
                failed += 1;
                eprintln!("ktailor: {e}");
            }
        }
    }
    let idx = serde_json::to_string_pretty(&index).map_err(|e| e.to_string())?;
    write_atomic(&a.out_dir.join("index.json"), idx.as_bytes())?;
    if a.json {
        println!("{idx}");
    } else {
        for v in &index {
            println!(
                "{:<45} {:<7} {:>5} enabled ({} y, {} m)",
                v["name"].as_str().unwrap_or(""),
                v["arch"].as_str().unwrap_or(""),
                v["enabled"],
                v["builtin"],
                v["modules"]
            );
        }
        println!(
            "{} configurations written to {}{}",
            index.len(),
            a.out_dir.display(),
            if failed > 0 {
                format!("; {failed} failed")
            } else {
                String::new()
            }
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
