//! The model cache on a small tree (kbuild's warm-load fake tree, which runs real commands):
//! a hit gives the model a parse gives, and every kind of changed input is a miss.

use std::path::{Path, PathBuf};

use super::{inputs_hold, Inputs};
use crate::kbuild::warm_load_tests::fake_tree;
use crate::loader::{load_tree, LoadOptions, LoadedTree, ModelCacheUse};
use crate::shell::testutil::TempDir;

fn load(dir: &Path, no_cache: bool) -> LoadedTree {
    load_tree(
        &dir.join("tree"),
        &LoadOptions {
            arch: Some("x86_64".into()),
            no_cache,
            cache_dir: Some(dir.join("cache")),
            no_model_cache: false,
        },
    )
    .expect("load the fake tree")
}

/// Everything a load produces that later stages read, in a comparable form.
fn fingerprint(t: &LoadedTree) -> String {
    let m = &t.model;
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?} {:?} {:?}\n{:?}\n{:?}",
        m.symbols,
        m.props,
        m.menus,
        m.files,
        m.root,
        m.modules_sym,
        m.defconfig_list,
        t.messages,
        t.env_used
    )
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("cache").join("models"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

#[test]
fn a_hit_gives_the_parsed_model() {
    let t = TempDir::new("model-cache-hit");
    fake_tree(&t.path().join("tree"));
    let parsed = load(t.path(), true);
    assert_eq!(parsed.stats.model_cache, ModelCacheUse::Off);
    assert!(entries(t.path()).is_empty(), "--no-cache wrote a model");

    let first = load(t.path(), false);
    assert_eq!(first.stats.model_cache, ModelCacheUse::Miss);
    assert_eq!(entries(t.path()).len(), 1);
    let second = load(t.path(), false);
    assert_eq!(second.stats.model_cache, ModelCacheUse::Hit);
    assert_eq!(second.stats.rounds, 0);
    assert_eq!(fingerprint(&first), fingerprint(&parsed));
    assert_eq!(fingerprint(&second), fingerprint(&parsed));
    // Name lookups are rebuilt too.
    for name in ["X86", "CC_VERSION_TEXT", "RUSTC_VERSION_TEXT"] {
        assert_eq!(second.model.find(name), parsed.model.find(name), "{name}");
        assert!(second.model.find(name).is_some(), "{name}");
    }
}

#[test]
fn an_edited_file_is_noticed_even_with_its_old_size_and_mtime() {
    let t = TempDir::new("model-cache-edit");
    fake_tree(&t.path().join("tree"));
    load(t.path(), false);
    assert_eq!(load(t.path(), false).stats.model_cache, ModelCacheUse::Hit);

    let file = t.path().join("tree/arch/x86/Kconfig");
    let before = std::fs::metadata(&file).unwrap();
    std::fs::write(&file, "config X87\n\tdef_bool y\n").unwrap();
    // Put the old mtime back, as `cp -p`, `git checkout` of an old file or an unlucky clock
    // would: the size and mtime match, the ctime does not.
    let times = [
        libc::timespec {
            tv_sec: std::os::unix::fs::MetadataExt::atime(&before),
            tv_nsec: std::os::unix::fs::MetadataExt::atime_nsec(&before),
        },
        libc::timespec {
            tv_sec: std::os::unix::fs::MetadataExt::mtime(&before),
            tv_nsec: std::os::unix::fs::MetadataExt::mtime_nsec(&before),
        },
    ];
    let c = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path and two timespecs.
    assert_eq!(
        unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) },
        0
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), before.len());

    let edited = load(t.path(), false);
    assert_eq!(edited.stats.model_cache, ModelCacheUse::Miss);
    assert!(edited.model.find("X87").is_some());
    assert!(edited.model.find("X86").is_none());
    let again = load(t.path(), false);
    assert_eq!(again.stats.model_cache, ModelCacheUse::Hit);
    assert!(again.model.find("X87").is_some());
}

#[test]
fn a_damaged_entry_is_parsed_again_and_replaced() {
    let t = TempDir::new("model-cache-damage");
    fake_tree(&t.path().join("tree"));
    let good = fingerprint(&load(t.path(), false));
    let entry = entries(t.path()).pop().expect("a model entry");
    let bytes = std::fs::read(&entry).unwrap();

    // A flipped byte in the body: the checksum fails.
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 0x40;
    std::fs::write(&entry, &flipped).unwrap();
    let reloaded = load(t.path(), false);
    assert_eq!(reloaded.stats.model_cache, ModelCacheUse::Miss);
    assert_eq!(fingerprint(&reloaded), good);
    assert_eq!(
        std::fs::read(&entry).unwrap(),
        bytes,
        "the entry was not rewritten"
    );

    // Truncated anywhere, including inside the header.
    for len in [bytes.len() / 2, 50, 3] {
        std::fs::write(&entry, &bytes[..len]).unwrap();
        let reloaded = load(t.path(), false);
        assert_eq!(
            reloaded.stats.model_cache,
            ModelCacheUse::Miss,
            "cut at {len}"
        );
        assert_eq!(fingerprint(&reloaded), good, "cut at {len}");
    }
    assert_eq!(load(t.path(), false).stats.model_cache, ModelCacheUse::Hit);
}

#[test]
fn changed_environment_or_shell_answers_invalidate() {
    let inputs = Inputs {
        files: Vec::new(),
        env: vec![("SRCARCH".into(), "x86".into())],
        shell: vec![("uname -s".into(), super::answer_hash("Linux", b""))],
    };
    let env_x86 = |name: &str| (name == "SRCARCH").then(|| "x86".to_string());
    let env_arm = |name: &str| (name == "SRCARCH").then(|| "arm64".to_string());
    let linux = |cmd: &str| (cmd == "uname -s").then(|| super::answer_hash("Linux", b""));
    let other = |cmd: &str| (cmd == "uname -s").then(|| super::answer_hash("Darwin", b""));
    let warned = |cmd: &str| (cmd == "uname -s").then(|| super::answer_hash("Linux", b"warning"));
    let gone = |_: &str| None;
    assert!(inputs_hold(&inputs, &env_x86, &linux));
    assert!(!inputs_hold(&inputs, &env_arm, &linux));
    assert!(!inputs_hold(&inputs, &|_| None, &linux));
    assert!(!inputs_hold(&inputs, &env_x86, &other));
    assert!(!inputs_hold(&inputs, &env_x86, &warned));
    assert!(!inputs_hold(&inputs, &env_x86, &gone));
}

/// Loads run from rayon's workers (as `conformance` loads every arch) while the cache is read:
/// every worker busy in a load must not starve the cache's own parallel work.
#[test]
fn parallel_loads_from_rayon_workers_hit() {
    use rayon::prelude::*;
    let t = TempDir::new("model-cache-parallel");
    fake_tree(&t.path().join("tree"));
    let parsed = fingerprint(&load(t.path(), false));
    let n = 4 * rayon::current_num_threads();
    let uses: Vec<(ModelCacheUse, bool)> = (0..n)
        .into_par_iter()
        .map(|_| {
            let l = load(t.path(), false);
            (l.stats.model_cache, fingerprint(&l) == parsed)
        })
        .collect();
    assert_eq!(uses, vec![(ModelCacheUse::Hit, true); n]);
}
