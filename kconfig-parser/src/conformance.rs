//! Conformance as a feature: run the tree's own `conf` and ktailor side by side on the same
//! inputs and compare what they write (byte for byte) and what they print on stderr.
//!
//! The oracle is the tree's `scripts/kconfig/conf`, run directly with the environment kbuild
//! gives it ([`crate::kbuild::KbuildEnv::child_env`]) in the O= directory it was built in, exactly
//! as `make O=DIR ARCH=... TARGET` runs it; tinyconfig, which make runs in several steps, goes
//! through make itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::confdata::ConfEnv;
use crate::eval::EvalPlan;
use crate::kbuild::KbuildEnv;
use crate::loader::LoadedTree;
use crate::targets::{run_target, Target, TargetOptions};
use std::sync::Arc;

/// One comparison.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Case {
    /// kbuild's ARCH.
    pub arch: String,
    pub kind: CaseKind,
}

/// What a case runs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "input", rename_all = "kebab-case")]
pub enum CaseKind {
    /// allnoconfig, allyesconfig, allmodconfig, alldefconfig (no input).
    All(String),
    /// `defconfig` of a file under arch/*/configs (relative to the tree), then `savedefconfig`
    /// of the result.
    Defconfig(String),
    /// tinyconfig.
    Tiny,
    /// olddefconfig of a given .config.
    OldDefconfig(PathBuf),
}

impl Case {
    /// A short name: `x86_64 allnoconfig`, `arm64 defconfig:arch/arm64/configs/defconfig`.
    pub fn name(&self) -> String {
        match &self.kind {
            CaseKind::All(t) => format!("{} {t}", self.arch),
            CaseKind::Defconfig(f) => format!("{} defconfig:{f}", self.arch),
            CaseKind::Tiny => format!("{} tinyconfig", self.arch),
            CaseKind::OldDefconfig(p) => format!("{} olddefconfig:{}", self.arch, p.display()),
        }
    }
}

/// The outcome of a case.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseResult {
    pub case: Case,
    /// The written configuration is byte-identical (for defconfig cases: the .config and the
    /// savedefconfig output both).
    pub config_identical: bool,
    /// conf's stderr equals ktailor's.
    pub stderr_identical: bool,
    /// The first lines of a unified diff (conf first), when something differs.
    pub diff: Vec<String>,
    pub conf_ms: f64,
    pub ktailor_ms: f64,
    /// Why the case could not run at all.
    pub error: Option<String>,
}

impl CaseResult {
    /// Whether conf and ktailor agree completely.
    pub fn identical(&self) -> bool {
        self.error.is_none() && self.config_identical && self.stderr_identical
    }
}

/// Which defconfig files to compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defconfigs {
    /// None.
    None,
    /// The one `make ARCH=... defconfig` uses (`KBUILD_DEFCONFIG`).
    Default,
    /// Every `*defconfig` file under `arch/$SRCARCH/configs`.
    All,
}

/// The cases for some arches: all*config of each, defconfig files of each arch's
/// `arch/$SRCARCH/configs`, tinyconfig for x86 and arm64, and olddefconfig of each given config.
pub fn cases(
    tree: &Path,
    arches: &[String],
    targets: &[String],
    defconfigs: Defconfigs,
    configs: &[PathBuf],
) -> Result<Vec<Case>, String> {
    let mut out = Vec::new();
    for arch in arches {
        for t in targets {
            if t == "tinyconfig" {
                if matches!(arch.as_str(), "x86" | "x86_64" | "arm64") {
                    out.push(Case {
                        arch: arch.clone(),
                        kind: CaseKind::Tiny,
                    });
                }
            } else {
                out.push(Case {
                    arch: arch.clone(),
                    kind: CaseKind::All(t.clone()),
                });
            }
        }
        if defconfigs != Defconfigs::None {
            let env = KbuildEnv::new(tree, Some(arch)).map_err(|e| e.to_string())?;
            let default = env
                .get("KBUILD_DEFCONFIG")
                .unwrap_or_else(|| "defconfig".into());
            let dir = tree.join("arch").join(&env.srcarch).join("configs");
            let mut files: Vec<String> = match std::fs::read_dir(&dir) {
                Ok(rd) => rd
                    .flatten()
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with("defconfig"))
                    .filter(|n| defconfigs == Defconfigs::All || *n == default)
                    .map(|n| format!("arch/{}/configs/{n}", env.srcarch))
                    .collect(),
                Err(_) => Vec::new(),
            };
            files.sort();
            for f in files {
                out.push(Case {
                    arch: arch.clone(),
                    kind: CaseKind::Defconfig(f),
                });
            }
        }
        for c in configs {
            out.push(Case {
                arch: arch.clone(),
                kind: CaseKind::OldDefconfig(c.clone()),
            });
        }
    }
    Ok(out)
}

/// The O= directory where the tree's own conf is (built if needed).
pub fn conf_objtree(tree: &Path, cache: &Path) -> Result<PathBuf, String> {
    let beside = PathBuf::from(format!("{}.obj", tree.display()));
    if beside.join("scripts/kconfig/conf").is_file() {
        return Ok(beside);
    }
    let name: String = tree
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let obj = cache.join("objtrees").join(name);
    if !obj.join("scripts/kconfig/conf").is_file() {
        std::fs::create_dir_all(&obj).map_err(|e| format!("{}: {e}", obj.display()))?;
        let out = Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(tree)
            .arg(format!("O={}", obj.display()))
            .arg(format!(
                "KCONFIG_CONFIG={}",
                obj.join(".config-build").display()
            ))
            .arg("allnoconfig")
            .output()
            .map_err(|e| format!("cannot run make to build the tree's conf: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building {}/scripts/kconfig/conf failed (is make, gcc, flex and bison installed?):\n{}",
                obj.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(obj)
}

struct ConfOut {
    config: Vec<u8>,
    defconfig: Vec<u8>,
    stderr: String,
}

/// Runs the oracle for a case in a scratch directory.
fn run_conf(
    tree: &Path,
    obj: &Path,
    env: &KbuildEnv,
    case: &Case,
    scratch: &Path,
) -> Result<ConfOut, String> {
    let config = scratch.join(".config");
    let conf = obj.join("scripts/kconfig/conf");
    let run = |args: &[String]| -> Result<String, String> {
        let mut cmd = Command::new(&conf);
        cmd.current_dir(obj)
            .env_clear()
            .envs(env.child_env())
            .env("KCONFIG_CONFIG", &config);
        cmd.arg("-s").args(args).arg("Kconfig");
        let out = cmd
            .output()
            .map_err(|e| format!("{}: {e}", conf.display()))?;
        if !out.status.success() {
            return Err(format!(
                "conf {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let mut stderr = String::new();
    let mut defconfig = Vec::new();
    match &case.kind {
        CaseKind::All(t) => stderr += &run(&[format!("--{t}")])?,
        CaseKind::Defconfig(f) => {
            stderr += &run(&[format!("--defconfig={f}")])?;
            let out = scratch.join("defconfig");
            stderr += &run(&[format!("--savedefconfig={}", out.display())])?;
            defconfig = std::fs::read(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        CaseKind::OldDefconfig(p) => {
            std::fs::copy(p, &config).map_err(|e| format!("{}: {e}", p.display()))?;
            stderr += &run(&["--olddefconfig".to_string()])?;
        }
        CaseKind::Tiny => {
            let out = Command::new("make")
                .arg("-s")
                .arg("-C")
                .arg(tree)
                .arg(format!("O={}", obj.display()))
                .arg(format!("ARCH={}", case.arch))
                .arg(format!("KCONFIG_CONFIG={}", config.display()))
                .arg("tinyconfig")
                .output()
                .map_err(|e| format!("make tinyconfig: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "make tinyconfig failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        }
    }
    let config = std::fs::read(&config).map_err(|e| format!("{}: {e}", config.display()))?;
    Ok(ConfOut {
        config,
        defconfig,
        stderr,
    })
}

/// Runs ktailor for a case, in memory.
fn run_ours(
    loaded: &LoadedTree,
    plan: &Arc<EvalPlan>,
    obj: &Path,
    case: &Case,
    scratch: &Path,
) -> Result<ConfOut, String> {
    let version = (loaded.env.version.version, loaded.env.version.patchlevel);
    let mut env = ConfEnv::from_kbuild(&loaded.env, obj);
    env.in_memory = true;
    let config_path = scratch.join(".config");
    env.set("KCONFIG_CONFIG", &config_path.to_string_lossy());
    // conf prints the warnings of conf_parse (and menu_finalize) before the target's own.
    let load_stderr: String = loaded
        .messages
        .iter()
        .filter_map(|m| match m {
            crate::preprocess::Output::Stderr(s) => Some(s.as_str()),
            crate::preprocess::Output::Stdout(_) => None,
        })
        .collect();
    let mut stderr = load_stderr.clone();
    let mut defconfig = Vec::new();
    // One plan for every run on this tree, as the model does not change between them.
    let opts = TargetOptions {
        plan: Some(plan.clone()),
        ..TargetOptions::default()
    };
    let go = |env: &mut ConfEnv,
              target: Target,
              stderr: &mut String|
     -> Result<crate::targets::TargetRun, String> {
        let run =
            run_target(&loaded.model, version, env, &target, &opts).map_err(|e| e.to_string())?;
        *stderr += &run.stderr();
        Ok(run)
    };
    let run = match &case.kind {
        CaseKind::All(t) => go(
            &mut env,
            t.parse()
                .map_err(|e: crate::targets::TargetError| e.to_string())?,
            &mut stderr,
        )?,
        CaseKind::Tiny => go(&mut env, Target::TinyConfig, &mut stderr)?,
        CaseKind::OldDefconfig(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            env.overlay.insert(config_path.clone(), bytes);
            go(&mut env, Target::OldDefConfig, &mut stderr)?
        }
        CaseKind::Defconfig(f) => {
            let run = go(&mut env, Target::DefConfig(f.clone()), &mut stderr)?;
            // savedefconfig is a second conf run, which parses (and warns) again.
            stderr += &load_stderr;
            let out = scratch.join("defconfig");
            go(
                &mut env,
                Target::SaveDefConfig(out.to_string_lossy().into_owned()),
                &mut stderr,
            )?;
            defconfig = env.overlay.get(&out).cloned().unwrap_or_default();
            run
        }
    };
    let config = env
        .overlay
        .get(&config_path)
        .cloned()
        .or_else(|| run.config.map(String::into_bytes))
        .unwrap_or_default();
    Ok(ConfOut {
        config,
        defconfig,
        stderr,
    })
}

/// Runs only ktailor's side of a case (what [`run_case`] compares with conf), for timing
/// ktailor alone; returns the number of bytes it wrote.
pub fn run_ktailor_side(
    loaded: &LoadedTree,
    plan: &Arc<EvalPlan>,
    obj: &Path,
    case: &Case,
    scratch: &Path,
) -> Result<usize, String> {
    let out = run_ours(loaded, plan, obj, case, scratch)?;
    Ok(out.config.len() + out.defconfig.len())
}

fn first_diff(name: &str, a: &[u8], b: &[u8], max: usize) -> Vec<String> {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let diff = similar::TextDiff::from_lines(a.as_ref(), b.as_ref());
    diff.unified_diff()
        .context_radius(1)
        .header(&format!("conf/{name}"), &format!("ktailor/{name}"))
        .to_string()
        .lines()
        .take(max)
        .map(String::from)
        .collect()
}

/// Runs one case: the oracle and ktailor, and compares them.
pub fn run_case(
    tree: &Path,
    obj: &Path,
    loaded: &LoadedTree,
    plan: &Arc<EvalPlan>,
    case: &Case,
    scratch_root: &Path,
) -> CaseResult {
    let scratch = scratch_root.join(format!("case-{:x}", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        case.name().hash(&mut h);
        h.finish()
    }));
    let mut result = CaseResult {
        case: case.clone(),
        config_identical: false,
        stderr_identical: false,
        diff: Vec::new(),
        conf_ms: 0.0,
        ktailor_ms: 0.0,
        error: None,
    };
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        result.error = Some(format!("{}: {e}", scratch.display()));
        return result;
    }
    let t = Instant::now();
    let conf = run_conf(tree, obj, &loaded.env, case, &scratch);
    result.conf_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let ours = run_ours(loaded, plan, obj, case, &scratch);
    result.ktailor_ms = t.elapsed().as_secs_f64() * 1000.0;
    let _ = std::fs::remove_dir_all(&scratch);
    match (conf, ours) {
        (Err(e), _) => result.error = Some(format!("conf: {e}")),
        (_, Err(e)) => result.error = Some(format!("ktailor: {e}")),
        (Ok(c), Ok(o)) => {
            result.config_identical = c.config == o.config && c.defconfig == o.defconfig;
            result.stderr_identical = c.stderr == o.stderr;
            if c.config != o.config {
                result
                    .diff
                    .extend(first_diff(".config", &c.config, &o.config, 12));
            }
            if c.defconfig != o.defconfig {
                result
                    .diff
                    .extend(first_diff("defconfig", &c.defconfig, &o.defconfig, 12));
            }
            if c.stderr != o.stderr {
                result.diff.extend(first_diff(
                    "stderr",
                    c.stderr.as_bytes(),
                    o.stderr.as_bytes(),
                    12,
                ));
            }
        }
    }
    result
}
