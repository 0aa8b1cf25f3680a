//! Speed of `livepatch::diff` on a pair of objects compiled from tests/livepatch-cases/, and of
//! the diff and the livepatch object's extraction on a real pair of 6.1 kernel objects
//! (fs/proc/stat.o, Debian's cloud-amd64 config, built by `livepatch::build` for the
//! stat-static-call patch against the target of scripts/livepatch-target.sh).

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};

mod support;

fn compile(case: &str, which: &str, dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/livepatch-cases")
        .join(case)
        .join(format!("{which}.c"));
    let obj = dir.join(format!("bench-{case}-{which}.o"));
    let ok = Command::new("gcc")
        .args([
            "-c",
            "-O2",
            "-ffunction-sections",
            "-fdata-sections",
            "-pg",
            "-mfentry",
            "-mrecord-mcount",
        ])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
        .ok()?
        .success();
    ok.then_some(obj)
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir();
    let (Some(o), Some(p)) = (
        compile("static_local", "orig", &dir),
        compile("static_local", "patched", &dir),
    ) else {
        eprintln!("gcc unavailable: livepatch bench skipped");
        return;
    };
    let (Ok(orig), Ok(patched)) = (livepatch::Object::read(&o), livepatch::Object::read(&p)) else {
        eprintln!("objects unreadable: livepatch bench skipped");
        return;
    };
    c.bench_function("livepatch_diff_static_local", |b| {
        b.iter(|| livepatch::diff(&orig, &patched))
    });
}

/// Builds the stat-static-call livepatch and returns the kernel object pair and the target's
/// symbols.
fn kernel_pair() -> Option<(PathBuf, PathBuf, PathBuf, PathBuf)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(repo.join("scripts/livepatch-target.sh"))
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("scripts/livepatch-target.sh failed: kernel-object livepatch bench skipped");
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(PathBuf::from)
    };
    let headers = get("HEADERS")?;
    let kallsyms = get("KALLSYMS")?;
    let req = livepatch::build::BuildRequest {
        tree: support::tree("6.1"),
        config: get("CONFIG")?,
        patch: repo.join("tests/livepatch-patches/stat-static-call.patch"),
        headers: headers.clone(),
        system_map: kallsyms.clone(),
        name: "bench_stat".into(),
        output: std::env::temp_dir().join("ktailor-bench-stat.ko"),
        cache: kconfig_parser::shell::cache_root(),
    };
    let summary = match livepatch::build::build(&req, |_| {}) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("livepatch build failed ({e}): kernel-object livepatch bench skipped");
            return None;
        }
    };
    let (o, p) = summary.objects.into_iter().next()?;
    Some((o, p, kallsyms, headers.join("Module.symvers")))
}

fn bench_kernel(c: &mut Criterion) {
    let Some((o, p, kallsyms, symvers)) = kernel_pair() else {
        return;
    };
    let (Ok(orig), Ok(patched)) = (livepatch::Object::read(&o), livepatch::Object::read(&p)) else {
        return;
    };
    let (Ok(symbols), Ok(exports)) = (
        livepatch::symbols::SymbolMap::read(&kallsyms),
        livepatch::symbols::Exports::read(&symvers),
    ) else {
        return;
    };
    c.bench_function("livepatch_diff_kernel_fs_proc_stat_o", |b| {
        b.iter(|| livepatch::diff(&orig, &patched))
    });
    let report = livepatch::diff(&orig, &patched);
    let target = livepatch::extract::Target {
        objname: "vmlinux",
        symbols: &symbols,
        exports: &exports,
    };
    c.bench_function("livepatch_extract_kernel_fs_proc_stat_o", |b| {
        b.iter(|| livepatch::extract::extract(&orig, &patched, &report, target, 0))
    });
    c.bench_function("livepatch_read_kernel_fs_proc_stat_o_pair", |b| {
        b.iter(|| (livepatch::Object::read(&o), livepatch::Object::read(&p)))
    });
}

criterion_group!(benches, bench, bench_kernel);
criterion_main!(benches);
