//! Criterion benchmarks of the Kconfig front end on the real x86 6.1 tree: a load from the model
//! cache (every load after the first), a parse with the shell answers cached (a load after the
//! Kconfig files changed), and the lexer alone.

mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use kconfig_parser::loader::{load_tree, LoadOptions};

fn bench_load(c: &mut Criterion) {
    let tree = support::tree("6.1");
    let opts = LoadOptions {
        arch: Some("x86_64".into()),
        ..Default::default()
    };
    // The first load fills the shell and model caches.
    load_tree(&tree, &opts).expect("load the x86 6.1 tree");
    let mut g = c.benchmark_group("kconfig");
    g.sample_size(30);
    g.bench_function(
        "load x86_64 6.1 from the model cache (stat, read, decode)",
        |b| b.iter(|| load_tree(&tree, &opts).expect("load")),
    );
    let reparse = LoadOptions {
        no_model_cache: true,
        ..opts.clone()
    };
    g.bench_function(
        "parse x86_64 6.1, shell cache warm (read, lex, parse, finalize)",
        |b| b.iter(|| load_tree(&tree, &reparse).expect("load")),
    );
    let texts: Vec<std::sync::Arc<str>> = walk_kconfig_files(&tree)
        .into_iter()
        .map(Into::into)
        .collect();
    g.bench_function("lex every Kconfig file of 6.1 (sequential)", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| kconfig_parser::lexer::lex(t.clone()).tokens.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn walk_kconfig_files(tree: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![tree.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with("Kconfig") {
                if let Ok(t) = std::fs::read_to_string(&p) {
                    out.push(t);
                }
            }
        }
    }
    out
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
