//! The targets scripts/kconfig/Makefile builds from configuration fragments: `%.config`
//! (merge_config.sh, then olddefconfig) and tinyconfig (allnoconfig with tiny-base.config,
//! then `tiny.config`).

use super::{merge_config, run_target, Target, TargetError, TargetOptions, TargetRun};
use crate::confdata::ConfEnv;
use crate::expr_simplify::KernelVersion;
use crate::model::Model;
use crate::preprocess::Output;

/// tinyconfig as scripts/kconfig/Makefile runs it: `KCONFIG_ALLCONFIG=kernel/configs/
/// tiny-base.config make allnoconfig`, then `make tiny.config`.
pub(super) fn run_tinyconfig(
    model: &Model,
    version: KernelVersion,
    env: &mut ConfEnv,
    opts: &TargetOptions,
) -> Result<TargetRun, TargetError> {
    let mut step_env = env.clone();
    step_env.set("KCONFIG_ALLCONFIG", "kernel/configs/tiny-base.config");
    let first_opts = TargetOptions {
        parse_messages: opts.parse_messages.clone(),
        plan: opts.plan.clone(),
        ..TargetOptions::default()
    };
    let first = run_target(
        model,
        version,
        &mut step_env,
        &Target::AllNoConfig,
        &first_opts,
    )?;
    env.overlay = step_env.overlay;
    if first.exit_code != 0 {
        return Ok(first);
    }
    let mut run = run_fragment(model, version, env, "tiny.config", opts)?;
    let mut messages = first.messages;
    messages.append(&mut run.messages);
    run.messages = messages;
    Ok(run)
}

/// `make NAME.config`: merge_config.sh `-m` of kernel/configs/NAME and
/// arch/$SRCARCH/configs/NAME (those that exist) into the configuration — starting from
/// `.config` in 6.1's Makefile whatever KCONFIG_CONFIG says, from `$(KCONFIG_CONFIG)` in later
/// ones — then `make olddefconfig`.
pub(super) fn run_fragment(
    model: &Model,
    version: KernelVersion,
    env: &mut ConfEnv,
    name: &str,
    opts: &TargetOptions,
) -> Result<TargetRun, TargetError> {
    let srctree = env.get("srctree").unwrap_or(".").to_string();
    let srcarch = env.get("SRCARCH").unwrap_or("").to_string();
    let mut fragments = Vec::new();
    for f in [
        format!("{srctree}/kernel/configs/{name}"),
        format!("{srctree}/arch/{srcarch}/configs/{name}"),
    ] {
        if let Some(d) = env.read_file(&env.path(&f))? {
            fragments.push((f, String::from_utf8_lossy(&d).into_owned()));
        }
    }
    if fragments.is_empty() {
        return Err(TargetError::NoFragment(name.to_string(), srcarch));
    }
    let output_name = env.configname().to_string();
    let makefile = env
        .read_file(&env.path(&format!("{srctree}/scripts/kconfig/Makefile")))?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let base_name = if makefile.contains("merge_config.sh -m $(KCONFIG_CONFIG)") {
        output_name.clone()
    } else {
        ".config".to_string()
    };
    let mut run = TargetRun::default();
    let base = match env.read_file(&env.path(&base_name))? {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => {
            run.messages.push(Output::Stderr(format!(
                "The base file '{base_name}' does not exist. Creating one...\n"
            )));
            let p = env.path(&base_name);
            env.write_file(&p, b"")?;
            String::new()
        }
    };
    let prefix = env.get("CONFIG_").unwrap_or("CONFIG_").to_string();
    let merged = merge_config(&base_name, &base, &fragments, &output_name, &prefix);
    // Later Makefiles run the script through kbuild's `cmd`, which sinks stdout under -s.
    let sunk = env.silent && makefile.contains("$(call cmd,merge_fragments)");
    if !sunk {
        run.messages.push(Output::Stdout(merged.stdout));
    }
    let out_path = env.path(&output_name);
    env.write_file(&out_path, merged.config.as_bytes())?;
    let last = run_target(model, version, env, &Target::OldDefConfig, opts)?;
    run.messages.extend(last.messages);
    run.config = last.config;
    run.exit_code = last.exit_code;
    run.set_failures = last.set_failures;
    run.unknown_symbols = last.unknown_symbols;
    Ok(run)
}
