//! The model ktailor holds after loading a tree (parse, `menu_finalize`, recursive-dependency
//! check) is the model the tree's own conf holds after `conf_parse`: every symbol's type, flags,
//! dir_dep, rev_dep and implied, every property (location, expression, visibility) and the
//! whole menu tree, for every architecture of the 6.1 and 6.12 trees.
//!
//! The oracle is tests/support/kconfig_dump.c, compiled with gcc against the tree's own
//! scripts/kconfig sources (and the lexer and parser kbuild generated in the tree's O= dir) in
//! place of conf.c, and run as kbuild runs conf: in the O= dir, with kbuild's environment for
//! the architecture. tests/support/model_dump.rs writes ktailor's model in the same format.
//! A missing tree or gcc fails the test.

mod support;

#[path = "support/model_dump.rs"]
mod model_dump;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use kconfig_parser::kbuild::KbuildEnv;
use kconfig_parser::loader::{load_tree, LoadOptions};
use kconfig_parser::preprocess::Output;
use model_dump::Features;
use rayon::prelude::*;

/// The C harness, built from one tree's scripts/kconfig.
struct Harness {
    dir: PathBuf,
    bin: PathBuf,
    features: Features,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
}

/// Copies the tree's kconfig sources (all but conf.c), its generated lexer and parser and the
/// harness into a scratch directory, and compiles them as kbuild compiles conf (gcc -O2).
fn build_harness(tree: &Path, version: &str) -> Harness {
    let dir = std::env::temp_dir().join(format!(
        "ktailor-finalize-oracle-{}-{version}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("include")).expect("create the harness directory");
    let src = tree.join("scripts/kconfig");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&src).expect("read scripts/kconfig") {
        let path = entry.expect("read scripts/kconfig").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let keep = name.ends_with(".h")
            || matches!(
                name.as_str(),
                "confdata.c" | "expr.c" | "menu.c" | "preprocess.c" | "symbol.c" | "util.c"
            );
        if keep {
            copy(&path, &dir.join(&name));
            if name.ends_with(".c") {
                sources.push(name);
            }
        }
    }
    // 6.6 and later share headers with the other host programs.
    if let Ok(entries) = std::fs::read_dir(tree.join("scripts/include")) {
        for entry in entries {
            let path = entry.expect("read scripts/include").path();
            copy(&path, &dir.join("include").join(path.file_name().unwrap()));
        }
    }
    let generated = support::objtree(tree).join("scripts/kconfig");
    for name in ["lexer.lex.c", "parser.tab.c", "parser.tab.h"] {
        copy(&generated.join(name), &dir.join(name));
    }
    sources.extend(["lexer.lex.c".to_string(), "parser.tab.c".to_string()]);
    std::fs::write(
        dir.join("kconfig_dump.c"),
        include_str!("support/kconfig_dump.c"),
    )
    .expect("write the harness");
    sources.push("kconfig_dump.c".into());

    let expr_h = std::fs::read_to_string(src.join("expr.h")).expect("read scripts/kconfig/expr.h");
    let features = Features::from_expr_h(&expr_h);
    let bin = dir.join("kconfig_dump");
    let out = Command::new("gcc")
        .current_dir(&dir)
        .args(["-O2", "-std=gnu11", "-w", "-I.", "-Iinclude"])
        .args(features.cflags())
        .arg("-o")
        .arg(&bin)
        .args(&sources)
        .output()
        .unwrap_or_else(|e| panic!("gcc is needed to build the oracle: {e}"));
    assert!(
        out.status.success(),
        "compiling the oracle against {} failed:\n{}",
        tree.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Harness { dir, bin, features }
}

/// What conf holds after `conf_parse` for one architecture, and what it printed meanwhile.
struct CDump {
    dump: String,
    stdout: String,
    stderr: String,
}

fn c_dump(h: &Harness, tree: &Path, arch: &str) -> Result<CDump, String> {
    let env = KbuildEnv::new(tree, Some(arch)).map_err(|e| format!("kbuild environment: {e}"))?;
    let out_file = h.dir.join(format!("{arch}.dump"));
    let out = Command::new(&h.bin)
        .arg("Kconfig")
        .arg(&out_file)
        .env_clear()
        .envs(env.child_env())
        .current_dir(support::objtree(tree))
        .output()
        .map_err(|e| format!("run the oracle: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the oracle failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let dump = std::fs::read_to_string(&out_file).map_err(|e| format!("read the dump: {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    Ok(CDump {
        dump,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The first differences between two dumps: where they part, and the lines only one side has.
fn describe_diff(c: &str, rust: &str, limit: usize) -> String {
    let (cl, rl): (Vec<&str>, Vec<&str>) = (c.lines().collect(), rust.lines().collect());
    let first = cl
        .iter()
        .zip(&rl)
        .position(|(a, b)| a != b)
        .unwrap_or(cl.len().min(rl.len()));
    let mut s = format!(
        "{} lines from conf, {} from ktailor; first difference at line {}:\n",
        cl.len(),
        rl.len(),
        first + 1
    );
    let ctx = first.saturating_sub(3);
    for (i, l) in cl.iter().enumerate().skip(ctx).take(first - ctx + 4) {
        s += &format!("  conf    {:>7}: {l}\n", i + 1);
    }
    for (i, l) in rl.iter().enumerate().skip(ctx).take(first - ctx + 4) {
        s += &format!("  ktailor {:>7}: {l}\n", i + 1);
    }
    // Lines one side has more often than the other (a multiset difference).
    let mut counts: std::collections::HashMap<&str, i64> = Default::default();
    for l in &cl {
        *counts.entry(l).or_default() += 1;
    }
    for l in &rl {
        *counts.entry(l).or_default() -= 1;
    }
    let total = counts.values().map(|n| n.unsigned_abs()).sum::<u64>();
    s += &format!("{total} lines differ; the first of them:\n");
    let mut shown = 0;
    for (side, lines, sign) in [("conf only   ", &cl, 1), ("ktailor only", &rl, -1)] {
        for l in lines.iter() {
            if shown >= limit {
                break;
            }
            let n = counts.get_mut(l).unwrap();
            if *n * sign > 0 {
                *n -= sign;
                s += &format!("  {side}: {l}\n");
                shown += 1;
            }
        }
    }
    s
}

fn check_version(version: &str) {
    let tree = support::tree(version);
    let harness = build_harness(&tree, version);
    // Every arch/ directory, and the ARCH aliases of x86 kbuild knows.
    let mut arches = support::arches(&tree);
    arches.extend(["x86_64".to_string(), "i386".to_string()]);
    // For debugging: KTAILOR_ORACLE_ARCHES=x86,arm64 checks only those.
    if let Ok(only) = std::env::var("KTAILOR_ORACLE_ARCHES") {
        arches.retain(|a| only.split(',').any(|o| o == a));
    }
    assert!(
        arches.len() >= 20 || std::env::var_os("KTAILOR_ORACLE_ARCHES").is_some(),
        "{}: only {} arches",
        tree.display(),
        arches.len()
    );
    let failures = Mutex::new(Vec::<String>::new());
    arches.par_iter().for_each(|arch| {
        let fail = |msg: String| {
            failures
                .lock()
                .unwrap()
                .push(format!("{version} {arch}: {msg}"))
        };
        let c = match c_dump(&harness, &tree, arch) {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        let opts = LoadOptions {
            arch: Some(arch.clone()),
            ..Default::default()
        };
        let loaded = match load_tree(&tree, &opts) {
            Ok(t) => t,
            Err(e) => return fail(format!("ktailor cannot load the tree: {e}")),
        };
        let (mut stdout, mut stderr) = (String::new(), String::new());
        for msg in &loaded.messages {
            match msg {
                Output::Stdout(t) => stdout += t,
                Output::Stderr(t) => stderr += t,
            }
        }
        if stdout != c.stdout {
            fail(format!(
                "conf_parse printed on stdout:\n{}\nktailor:\n{stdout}",
                c.stdout
            ));
        }
        if stderr != c.stderr {
            fail(format!(
                "conf_parse printed on stderr:\n{}\nktailor:\n{stderr}",
                c.stderr
            ));
        }
        let c = c.dump;
        let rust = model_dump::dump(&loaded.model, harness.features);
        // For debugging: KTAILOR_ORACLE_DUMPS=DIR keeps both dumps.
        if let Some(dir) = std::env::var_os("KTAILOR_ORACLE_DUMPS") {
            let dir = PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{version}-{arch}.conf")), &c);
            let _ = std::fs::write(dir.join(format!("{version}-{arch}.ktailor")), &rust);
        }
        if c != rust {
            fail(describe_diff(&c, &rust, 20));
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} architectures differ from conf:\n{}",
        failures.len(),
        arches.len(),
        failures.join("\n")
    );
}

#[test]
fn finalized_model_is_confs_6_1() {
    check_version("6.1");
}

#[test]
fn finalized_model_is_confs_6_12() {
    check_version("6.12");
}
