//! `ktailor minimize`: the smallest valid configuration of a tree for a machine and its
//! workloads, with a report of why every enabled option is on.

use std::path::PathBuf;
use std::process::ExitCode;

use kconfig_parser::loader::{load_tree, LoadOptions};
use minimizer::requirements::{ModulesPolicy, Policy};
use minimizer::selection::Request;

use super::write_atomic;

/// Arguments of `ktailor minimize`.
#[derive(clap::Args)]
pub struct Args {
    /// The top of a Linux source tree (scripts/kernel-tree.sh VERSION prints one).
    #[arg(long, value_name = "DIR")]
    pub tree: PathBuf,
    /// kbuild's ARCH; by default the instance type's or the hardware profile's.
    #[arg(long)]
    pub arch: Option<String>,
    /// An EC2 instance type (m7i.large, c7g.large, m5.metal, m4.xlarge, ...): picks the
    /// hardware profile and the arch.
    #[arg(long, value_name = "TYPE")]
    pub instance_type: Option<String>,
    /// A hardware or workload profile (repeatable; `ktailor profiles list`).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// A workload profile (repeatable): minimal-server, container-host, kubernetes-node, ...
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// A profile of your own (TOML, as the built-in ones), usable by name (repeatable).
    #[arg(long = "profile-file", value_name = "FILE")]
    pub profile_files: Vec<PathBuf>,
    /// Prune mode: start from this configuration (a distribution's, say) and keep only what
    /// the requirements need.
    #[arg(long, value_name = "FILE")]
    pub base: Option<PathBuf>,
    /// Loadable modules: none, allowed (requirements are built in) or prefer.
    #[arg(long, default_value = "allowed", value_name = "POLICY")]
    pub modules: String,
    /// The root filesystem's drivers may be modules (an initramfs loads them).
    #[arg(long)]
    pub initramfs: bool,
    /// Where to write the .config.
    #[arg(long, value_name = "FILE", default_value = ".config")]
    pub output: PathBuf,
    /// Also write the values the solver set, as a fragment for
    /// `KCONFIG_ALLCONFIG=FILE make allnoconfig`.
    #[arg(long, value_name = "FILE")]
    pub fragment: Option<PathBuf>,
    /// Write the report: JSON, or Markdown when FILE ends in .md.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Run every $(shell,...) command instead of using the on-disk cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Runs `ktailor minimize`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let modules: ModulesPolicy = a.modules.parse()?;
    let request = Request {
        instance_type: a.instance_type.clone(),
        profiles: a.profiles.clone(),
        workloads: a.workloads.clone(),
        profile_files: a.profile_files.clone(),
        arch: a.arch.clone(),
    };
    let sel = request.resolve().map_err(|e| e.to_string())?;
    let base = match &a.base {
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => None,
    };
    let t = std::time::Instant::now();
    let loaded = load_tree(
        &a.tree,
        &LoadOptions {
            arch: Some(sel.arch.clone()),
            no_cache: a.no_cache,
            cache_dir: None,
            no_model_cache: false,
        },
    )
    .map_err(|e| e.to_string())?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let version = (loaded.env.version.version, loaded.env.version.patchlevel);
    let opts = minimizer::Options {
        policy: Policy {
            modules,
            initramfs: a.initramfs,
        },
        base,
    };
    let out = minimizer::minimize(&loaded.model, version, &sel.requirements, &opts)
        .map_err(|e| e.to_string())?;
    write_atomic(&a.output, out.config.as_bytes())?;
    if let Some(f) = &a.fragment {
        write_atomic(f, out.fragment.as_bytes())?;
    }
    let r = &out.report;
    if let Some(p) = &a.report {
        let text = if p.extension().is_some_and(|e| e == "md") {
            r.markdown(&format!(
                "ktailor minimize: {} on {} ({})",
                sel.profiles.join(" + "),
                loaded.env.version.kernelversion(),
                sel.arch
            ))
        } else {
            serde_json::to_string_pretty(r).map_err(|e| e.to_string())?
        };
        write_atomic(p, text.as_bytes())?;
    }
    let unmet: Vec<_> = r
        .requirements
        .iter()
        .filter(|q| q.status != "met")
        .collect();
    if a.json {
        let v = serde_json::json!({
            "arch": sel.arch,
            "kernel": loaded.env.version.kernelversion(),
            "profiles": sel.profiles,
            "counts": r.counts,
            "requirements": r.requirements.len(),
            "not_met": unmet,
            "minimality": r.minimality,
            "timings": { "load_ms": load_ms, "minimize": r.timings },
            "output": a.output,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let c = &r.counts;
    println!(
        "{} for {} on Linux {} ({}):",
        a.output.display(),
        sel.profiles.join(" + "),
        loaded.env.version.kernelversion(),
        sel.arch
    );
    println!(
        "  {} options enabled ({} built in, {} modules), {} set by the solver",
        c.enabled, c.builtin, c.modules, c.solver_set
    );
    if let Some(b) = c.base_enabled {
        println!(
            "  base {}: {b} enabled",
            a.base
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    println!(
        "  {} requirements, {} met; locally minimal: {} lowerings tested, {} applied",
        r.requirements.len(),
        r.requirements.len() - unmet.len(),
        r.minimality.tested,
        r.minimality.lowered
    );
    for q in &unmet {
        println!(
            "  {}: {} {} ({}){}",
            q.status,
            q.symbols.join("|"),
            q.level,
            q.profile,
            q.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    let tm = &r.timings;
    println!(
        "  time: load {:.0} ms, solve {:.0} ms, minimality {:.0} ms, output {:.0} ms",
        load_ms,
        tm.solve_ms + tm.setup_ms,
        tm.minimality_ms,
        tm.output_ms
    );
    Ok(ExitCode::SUCCESS)
}
