//! Speed of `livepatch::diff` on a pair of objects compiled from tests/livepatch-cases/.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};

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

criterion_group!(benches, bench);
criterion_main!(benches);
