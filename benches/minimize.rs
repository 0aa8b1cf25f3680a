//! Criterion benchmarks of the minimizer on the real x86 6.1 tree (tree loaded once): a whole
//! minimize run for m7i.large + container-host, the solver alone, and the incremental
//! local-minimality pass alone.

mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use kconfig_parser::loader::{load_tree, LoadOptions};
use minimizer::assignment::Evaluator;
use minimizer::minimality::{self, Influence};
use minimizer::planner::Uniform;
use minimizer::requirements::{self, Policy};
use minimizer::selection::Request;
use minimizer::solve;

fn bench_minimize(c: &mut Criterion) {
    let tree = support::tree("6.1");
    let sel = Request {
        instance_type: Some("m7i.large".into()),
        workloads: vec!["container-host".into()],
        ..Default::default()
    }
    .resolve()
    .expect("resolve profiles");
    let loaded = load_tree(
        &tree,
        &LoadOptions {
            arch: Some(sel.arch.clone()),
            ..Default::default()
        },
    )
    .expect("load the x86 6.1 tree");
    let version = (loaded.env.version.version, loaded.env.version.patchlevel);
    let model = &loaded.model;
    let opts = minimizer::Options::default();
    let mut g = c.benchmark_group("minimize");
    g.sample_size(20);
    g.bench_function(
        "m7i.large + container-host on x86_64 6.1 (solve, minimality, output)",
        |b| {
            b.iter(|| {
                minimizer::minimize(model, version, &sel.requirements, &opts).expect("minimize")
            })
        },
    );
    let ev = Evaluator::new(model, version);
    let reqs = requirements::resolve(model, &sel.requirements, Policy::default());
    g.bench_function("solver alone", |b| {
        b.iter(|| {
            solve::solve(&ev, &reqs, Policy::default(), &Uniform, Default::default())
                .expect("solve")
        })
    });
    let sol =
        solve::solve(&ev, &reqs, Policy::default(), &Uniform, Default::default()).expect("solve");
    let influence = Influence::new(model);
    let pinned = Default::default();
    g.bench_function("incremental local-minimality pass alone", |b| {
        b.iter(|| minimality::minimize(&ev, &influence, &reqs, sol.assign.clone(), true, &pinned))
    });
    g.finish();
}

criterion_group!(benches, bench_minimize);
criterion_main!(benches);
