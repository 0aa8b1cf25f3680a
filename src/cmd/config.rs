//! `ktailor config TARGET`: the conf targets (olddefconfig, defconfig, savedefconfig, all*config,
//! tinyconfig, listnewconfig, randconfig), writing what the tree's own conf writes.
//!
//! conf runs in memory: the input is placed where conf reads `KCONFIG_CONFIG`, and the result
//! is written to `--output` by a temporary file and a rename only when the run succeeded, so a
//! failed run leaves the old file untouched.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kconfig_parser::confdata::ConfEnv;
use kconfig_parser::targets::{run_target, Setting, Target, TargetOptions};

use super::{print_messages, write_atomic, TreeArgs};

/// Arguments of `ktailor config`.
#[derive(clap::Args)]
pub struct Args {
    /// olddefconfig, defconfig, savedefconfig, allnoconfig, allyesconfig, allmodconfig,
    /// alldefconfig, tinyconfig, listnewconfig, randconfig, yes2modconfig, mod2yesconfig,
    /// mod2noconfig, NAME_defconfig (arch/$SRCARCH/configs/NAME_defconfig) or NAME.config (a
    /// fragment of kernel/configs or arch/$SRCARCH/configs merged in, then olddefconfig).
    pub target: String,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The input: a .config (olddefconfig, savedefconfig, listnewconfig, ...) or a defconfig
    /// file (defconfig; default arch/$SRCARCH/configs/defconfig).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Where to write the result (.config; `defconfig` for savedefconfig).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Set SYMBOL=VALUE after the target computed the configuration (repeatable).
    #[arg(long = "set", value_name = "SYMBOL=VALUE")]
    pub settings: Vec<String>,
    /// Also write include/config/auto.conf, include/generated/autoconf.h and friends under DIR.
    #[arg(long, value_name = "DIR")]
    pub autoconf: Option<PathBuf>,
}

fn absolute(p: &Path) -> Result<PathBuf, String> {
    std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// Runs `ktailor config`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    // Fail before the (slower) load on a name that is no target at all.
    if !a.target.ends_with("_defconfig") && !a.target.ends_with(".config") {
        a.target
            .parse::<Target>()
            .map_err(|e: kconfig_parser::targets::TargetError| e.to_string())?;
    }
    let settings = a
        .settings
        .iter()
        .map(|s| s.parse::<Setting>())
        .collect::<Result<Vec<_>, _>>()?;
    let tree = a.tree.load(true)?;
    let kbuild_defconfig = tree
        .env
        .get("KBUILD_DEFCONFIG")
        .unwrap_or_else(|| "defconfig".into());
    // As `make TARGET` maps it: defconfig reads arch/$SRCARCH/configs/$KBUILD_DEFCONFIG,
    // NAME_defconfig its file, NAME.config merges the fragment.
    let mut target = Target::from_make(
        &a.target,
        &tree.env.tree,
        &tree.env.srcarch,
        &kbuild_defconfig,
    )
    .map_err(|e| e.to_string())?;
    let cwd = match &a.autoconf {
        Some(d) => absolute(d)?,
        None => std::env::current_dir().map_err(|e| e.to_string())?,
    };
    let is_savedefconfig = matches!(target, Target::SaveDefConfig(_));
    let output = absolute(
        a.output
            .as_deref()
            .unwrap_or(Path::new(if is_savedefconfig {
                "defconfig"
            } else {
                ".config"
            })),
    )?;
    let mut env = ConfEnv::from_kbuild(&tree.env, &cwd);
    env.in_memory = true;
    // Where conf reads and writes the configuration.
    let config_path = if is_savedefconfig {
        cwd.join(".ktailor-input.config")
    } else {
        output.clone()
    };
    env.set("KCONFIG_CONFIG", &config_path.to_string_lossy());
    match (&mut target, &a.input) {
        (Target::DefConfig(file), Some(input)) => {
            *file = absolute(input)?.to_string_lossy().into_owned()
        }
        (Target::DefConfig(_), None) => {}
        (_, Some(input)) => {
            let bytes = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
            env.overlay.insert(config_path.clone(), bytes);
        }
        (_, None) => {}
    }
    if let Target::SaveDefConfig(f) = &mut target {
        *f = output.to_string_lossy().into_owned();
    }
    let opts = TargetOptions {
        settings,
        autoconf: a.autoconf.as_ref().map(|_| true),
        ..Default::default()
    };
    let run = run_target(
        &tree.model,
        (tree.env.version.version, tree.env.version.patchlevel),
        &mut env,
        &target,
        &opts,
    )
    .map_err(|e| e.to_string())?;
    print_messages(&run.messages);
    if !run.set_failures.is_empty() {
        for f in &run.set_failures {
            eprintln!("ktailor: {f}");
        }
        eprintln!(
            "ktailor: nothing written: {} --set value(s) could not take effect",
            run.set_failures.len()
        );
        return Ok(ExitCode::from(1));
    }
    if run.exit_code != 0 {
        return Ok(ExitCode::from(run.exit_code.clamp(1, 255) as u8));
    }
    // Write what conf wrote, from the overlay, each file atomically.
    for (path, data) in &env.overlay {
        if *path == config_path && is_savedefconfig {
            continue; // the input, not an output
        }
        if a.input.is_some() && *path == config_path && run.config.is_none() {
            continue;
        }
        write_atomic(path, data)?;
    }
    Ok(ExitCode::SUCCESS)
}
