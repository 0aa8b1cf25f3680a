//! `ktailor drift OLD [NEW]`: what changed between two configurations and why, for people
//! (text, Markdown) and CI (JSON, exit status). The work is in `minimizer::drift`.
//!
//! Exit status: 0 when there is no unapproved drift, 1 when there is, 2 on error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use minimizer::drift::allow::Allowlist;
use minimizer::drift::render::{render, Format, RenderOptions};
use minimizer::drift::{drift, load_tree, ChangeKind, ConfigFile, Tree};

/// Arguments of `ktailor drift`.
#[derive(clap::Args)]
pub struct Args {
    /// The configuration before (a .config).
    pub old: PathBuf,
    /// The configuration after. Omitted with --old-tree/--new-tree: what olddefconfig makes
    /// of OLD on the new tree (a release upgrade).
    pub new: Option<PathBuf>,
    /// The tree both configurations belong to.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["old_tree", "new_tree"])]
    pub tree: Option<PathBuf>,
    /// The tree OLD belongs to (a release upgrade: with --new-tree).
    #[arg(long, value_name = "DIR", requires = "new_tree")]
    pub old_tree: Option<PathBuf>,
    /// The tree NEW belongs to (or OLD is carried to).
    #[arg(long, value_name = "DIR", requires = "old_tree")]
    pub new_tree: Option<PathBuf>,
    /// kbuild's ARCH for both trees; defaults to what OLD's header and CONFIG_64BIT say
    /// (x86_64 for a 64-bit x86 config), else the host's.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// text (grouped as scripts/diffconfig, coloured on a terminal), json (schema
    /// ktailor-drift/1, see README.md) or markdown (a pull-request comment).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// An allowlist (TOML) of reviewed changes that do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub allow: Option<PathBuf>,
    /// The kinds of unapproved change that fail the run (exit 1): a comma-separated list of
    /// added, removed, changed; `all` (the default) or `none`.
    #[arg(long, value_name = "KINDS", default_value = "all")]
    pub fail_on: String,
    /// Run every $(shell,...) command instead of using the on-disk cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// `--fail-on`: the kinds of change that count.
fn fail_on(s: &str) -> Result<Vec<ChangeKind>, String> {
    match s.trim() {
        "all" => Ok(vec![
            ChangeKind::Removed,
            ChangeKind::Changed,
            ChangeKind::Added,
        ]),
        "none" => Ok(Vec::new()),
        list => list
            .split(',')
            .map(|k| {
                k.trim()
                    .parse::<ChangeKind>()
                    .map_err(|e| format!("--fail-on: {e}"))
            })
            .collect(),
    }
}

/// Reads a configuration named by its path in messages.
fn read_config(path: &Path, what: &str) -> Result<ConfigFile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))?;
    Ok(ConfigFile::parse(path.display().to_string(), bytes))
}

/// Runs `ktailor drift`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let format: Format = if a.json {
        Format::Json
    } else {
        a.format.parse()?
    };
    let fail_on = fail_on(&a.fail_on)?;
    let (old_dir, new_dir) = match (&a.tree, &a.old_tree, &a.new_tree) {
        (Some(t), _, _) => (t.clone(), t.clone()),
        (None, Some(o), Some(n)) => (o.clone(), n.clone()),
        _ => {
            return Err(
                "no tree: give --tree DIR (two configurations of one tree) or \
                        --old-tree DIR --new-tree DIR (a release upgrade)"
                    .into(),
            )
        }
    };
    let one_tree = a.tree.is_some();
    if a.new.is_none() && one_tree {
        return Err(
            "NEW is missing: with one tree (--tree), give two configurations; to see \
                    what a release upgrade makes of OLD, give --old-tree and --new-tree instead"
                .into(),
        );
    }
    let old = read_config(&a.old, "OLD")?;
    let new = a
        .new
        .as_deref()
        .map(|p| read_config(p, "NEW"))
        .transpose()?;
    let allow = a
        .allow
        .as_deref()
        .map(Allowlist::read)
        .transpose()
        .map_err(|e| e.to_string())?;
    let arch = a.arch.clone().or_else(|| old.arch());
    let load = |dir: &Path| load_tree(dir, arch.as_deref(), a.no_cache).map_err(|e| e.to_string());
    let (old_loaded, new_loaded) = if one_tree {
        (load(&old_dir)?, None)
    } else {
        let (o, n) = rayon::join(|| load(&old_dir), || load(&new_dir));
        (o?, Some(n?))
    };
    let old_tree = Tree::new(&old_loaded);
    let new_tree = match &new_loaded {
        Some(n) => Tree::new(n),
        None => Tree {
            loaded: &old_loaded,
            plan: std::sync::Arc::clone(&old_tree.plan),
        },
    };
    let mut report = drift(&old_tree, &new_tree, &old, new.as_ref()).map_err(|e| e.to_string())?;
    if let Some(allow) = &allow {
        allow.apply(&mut report);
    }
    let opts = RenderOptions {
        colour: format == Format::Text
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
        fail_on,
    };
    print!("{}", render(&report, format, &opts));
    Ok(if report.summary(&opts.fail_on).unapproved > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
