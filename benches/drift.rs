//! Criterion benchmarks of `ktailor drift` given loaded trees (the 6.1 and 6.12 x86 trees and
//! Debian's 6.1 configurations): two full configurations of one tree, two full configurations
//! of two trees, and an upgrade where NEW is computed by olddefconfig. Each run evaluates
//! the configurations, diffs them and explains every change.

use std::process::Command;

mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use minimizer::drift::{drift, load_tree, ConfigFile, Tree};

/// A Debian configuration of linux-config-6.1 (`xz -dc`).
fn debian(flavour: &str) -> ConfigFile {
    let path = format!("/usr/src/linux-config-6.1/config.amd64_none_{flavour}.xz");
    let out = Command::new("xz")
        .arg("-dc")
        .arg(&path)
        .output()
        .expect("run xz");
    assert!(
        out.status.success(),
        "xz -dc {path} failed (install linux-config-6.1)"
    );
    ConfigFile::parse(flavour, out.stdout)
}

fn bench_drift(c: &mut Criterion) {
    let (t61, t612) = (support::tree("6.1"), support::tree("6.12"));
    let a = load_tree(&t61, Some("x86_64"), false).expect("load 6.1");
    let b = load_tree(&t612, Some("x86_64"), false).expect("load 6.12");
    let (ta, tb) = (Tree::new(&a), Tree::new(&b));
    let (cloud, amd64) = (debian("cloud-amd64"), debian("amd64"));
    let carried = ConfigFile::parse(
        "cloud-amd64 on 6.12",
        tb.olddefconfig(&cloud).expect("olddefconfig").into_bytes(),
    );
    let mut g = c.benchmark_group("drift");
    g.sample_size(20);
    g.bench_function(
        "two full configs, two trees (cloud-amd64 6.1 vs 6.12)",
        |bch| bch.iter(|| drift(&ta, &tb, &cloud, Some(&carried)).expect("drift")),
    );
    g.bench_function(
        "upgrade, NEW computed by olddefconfig (cloud-amd64 6.1 -> 6.12)",
        |bch| bch.iter(|| drift(&ta, &tb, &cloud, None).expect("drift")),
    );
    g.bench_function(
        "two full configs, one tree (cloud-amd64 vs amd64 on 6.1)",
        |bch| bch.iter(|| drift(&ta, &ta, &cloud, Some(&amd64)).expect("drift")),
    );
    g.finish();
}

criterion_group!(benches, bench_drift);
criterion_main!(benches);
