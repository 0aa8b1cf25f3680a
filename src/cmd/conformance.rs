//! `ktailor conformance`: the tree's own conf and ktailor side by side, byte for byte.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use kconfig_parser::conformance::{
    cases, conf_objtree, run_case, run_ktailor_side, CaseResult, Defconfigs,
};
use kconfig_parser::eval::EvalPlan;
use kconfig_parser::kbuild::KbuildEnv;
use kconfig_parser::loader::{load_tree, LoadOptions, LoadedTree};
use rayon::prelude::*;

/// Arguments of `ktailor conformance`.
#[derive(clap::Args)]
pub struct Args {
    /// The top of a Linux source tree.
    #[arg(long, value_name = "DIR")]
    pub tree: PathBuf,
    /// Comma-separated ARCH values, or `all` (every arch/*/Kconfig; x86 as x86_64).
    #[arg(long, default_value = "x86_64")]
    pub arch: String,
    /// Comma-separated targets among allnoconfig, allyesconfig, allmodconfig, alldefconfig,
    /// tinyconfig (tinyconfig runs for x86 and arm64).
    #[arg(
        long,
        default_value = "allnoconfig,allyesconfig,allmodconfig,alldefconfig,tinyconfig"
    )]
    pub targets: String,
    /// Which defconfig files under arch/*/configs to compare (defconfig, then savedefconfig):
    /// `default` is the one `make defconfig` uses.
    #[arg(long, value_enum, default_value_t = DefconfigArg::All)]
    pub defconfigs: DefconfigArg,
    /// Also compare olddefconfig of this .config (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--defconfigs`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefconfigArg {
    None,
    Default,
    All,
}

/// Runs `ktailor conformance`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let arches: Vec<String> = if a.arch == "all" {
        KbuildEnv::arches(&a.tree)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|s| if s == "x86" { "x86_64".to_string() } else { s })
            .collect()
    } else {
        a.arch
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let targets: Vec<String> = a
        .targets
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let configs: Vec<PathBuf> = a
        .configs
        .iter()
        .map(|c| std::path::absolute(c).map_err(|e| format!("{}: {e}", c.display())))
        .collect::<Result<_, _>>()?;
    let cache = kconfig_parser::shell::default_cache_dir();
    let obj = conf_objtree(&a.tree, cache.parent().unwrap_or(&cache))?;
    let defconfigs = match a.defconfigs {
        DefconfigArg::None => Defconfigs::None,
        DefconfigArg::Default => Defconfigs::Default,
        DefconfigArg::All => Defconfigs::All,
    };
    let all = cases(&a.tree, &arches, &targets, defconfigs, &configs)?;
    let scratch = std::env::temp_dir().join(format!("ktailor-conformance-{}", std::process::id()));

    let bar = ProgressBar::new((arches.len() + all.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if a.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // Load each arch once (in parallel), then run every case (in parallel).
    type Prepared = (LoadedTree, Arc<EvalPlan>);
    let load_start = Instant::now();
    let loaded: Vec<(String, Result<Prepared, String>)> = arches
        .par_iter()
        .map(|arch| {
            let opts = LoadOptions {
                arch: Some(arch.clone()),
                ..Default::default()
            };
            let r = load_tree(&a.tree, &opts)
                .map_err(|e| e.to_string())
                .map(|t| {
                    let plan = Arc::new(EvalPlan::new(&t.model));
                    (t, plan)
                });
            bar.inc(1);
            (arch.clone(), r)
        })
        .collect();
    let load_ms = load_start.elapsed().as_secs_f64() * 1000.0;
    let results = Mutex::new(Vec::<CaseResult>::new());
    all.par_iter().for_each(|case| {
        bar.set_message(case.name());
        let Some((_, tree)) = loaded.iter().find(|(arch, _)| *arch == case.arch) else {
            return;
        };
        let r = match tree {
            Ok((t, plan)) => run_case(&a.tree, &obj, t, plan, case, &scratch),
            Err(e) => CaseResult {
                case: case.clone(),
                config_identical: false,
                stderr_identical: false,
                diff: Vec::new(),
                conf_ms: 0.0,
                ktailor_ms: 0.0,
                error: Some(format!("ktailor cannot load the tree: {e}")),
            },
        };
        bar.inc(1);
        if let Ok(mut v) = results.lock() {
            v.push(r);
        }
    });
    // ktailor's side again, alone on the machine: the wall time a user waits for it.
    let alone_start = Instant::now();
    all.par_iter().for_each(|case| {
        if let Some((_, Ok((t, plan)))) = loaded.iter().find(|(arch, _)| *arch == case.arch) {
            let dir = scratch.join(format!(
                "alone-{}",
                rayon::current_thread_index().unwrap_or(0)
            ));
            let _ = run_ktailor_side(t, plan, &obj, case, &dir);
        }
    });
    let alone_ms = alone_start.elapsed().as_secs_f64() * 1000.0;
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    let mut results = results
        .into_inner()
        .map_err(|_| "a worker panicked".to_string())?;
    results.sort_by_key(|r| r.case.name());
    let identical = results.iter().filter(|r| r.identical()).count();
    let conf_ms: f64 = results.iter().map(|r| r.conf_ms).sum();
    let ours_ms: f64 = results.iter().map(|r| r.ktailor_ms).sum();
    if a.json {
        let v = serde_json::json!({
            "tree": a.tree,
            "cases": results.len(),
            "identical": identical,
            "conf_ms_total": conf_ms,
            "ktailor_ms_total": ours_ms,
            "ktailor_alone": {
                "load_wall_ms": load_ms,
                "cases_wall_ms": alone_ms,
                "total_wall_ms": load_ms + alone_ms,
                "threads": rayon::current_num_threads(),
            },
            "results": results,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
    } else {
        let w = results
            .iter()
            .map(|r| r.case.name().len())
            .max()
            .unwrap_or(0)
            .max(4);
        println!(
            "{:<w$} {:>9} {:>7} {:>9} {:>9}",
            "case", ".config", "stderr", "conf ms", "ours ms"
        );
        for r in &results {
            let mark = |ok: bool| if ok { "same" } else { "DIFFERS" };
            match &r.error {
                Some(e) => println!("{:<w$} ERROR: {e}", r.case.name()),
                None => println!(
                    "{:<w$} {:>9} {:>7} {:>9.0} {:>9.0}",
                    r.case.name(),
                    mark(r.config_identical),
                    mark(r.stderr_identical),
                    r.conf_ms,
                    r.ktailor_ms
                ),
            }
        }
        for r in results.iter().filter(|r| !r.diff.is_empty()) {
            println!("\n{}:", r.case.name());
            for l in &r.diff {
                println!("  {l}");
            }
        }
        println!(
            "\n{identical}/{} identical; conf {:.1} s, ktailor {:.1} s (sum over cases)",
            results.len(),
            conf_ms / 1000.0,
            ours_ms / 1000.0
        );
        println!(
            "ktailor alone: {:.1} s wall on {} threads ({} loads {:.1} s, {} cases {:.1} s)",
            (load_ms + alone_ms) / 1000.0,
            rayon::current_num_threads(),
            loaded.len(),
            load_ms / 1000.0,
            results.len(),
            alone_ms / 1000.0
        );
    }
    Ok(if identical == results.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
