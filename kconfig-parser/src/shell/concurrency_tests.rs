//! Runners sharing a cache directory concurrently (threads of one process, as
//! `tests/every_arch.rs` loads every arch at once), and the null device breaking under them.

use super::devnull::{restore, NullState};
use super::testutil::{write_script, TempDir};
use super::*;
use std::sync::Barrier;

fn env_for(arch: &str, extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
        ("HOME".into(), "/nonexistent-home".into()),
        ("ARCH".into(), arch.into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    env
}

fn runner_for(tree: &Path, arch: &str, cache: &Path) -> ShellRunner {
    ShellRunner::with_env(
        tree,
        arch,
        env_for(arch, &[]),
        &["sh".to_string()],
        CacheMode::Disk(cache.to_path_buf()),
    )
    .expect("runner")
}

/// What runner `i` (for `arch`) asks: commands every runner has, in the shared scratch
/// directory as Kconfig's do (`.tmp_$$`), and one of its own.
fn commands(i: usize) -> Vec<String> {
    vec![
        "echo $ARCH".to_string(),
        "trap \"rm -rf .tmp_$$\" EXIT; mkdir .tmp_$$ && echo ok > .tmp_$$/f && cat .tmp_$$/f"
            .to_string(),
        "{ echo x >/dev/null; } >/dev/null 2>&1 && echo y || echo n".to_string(),
        format!("echo only-{i}"),
    ]
}

fn expected(arch: &str, cmd: &str, i: usize) -> String {
    match cmd {
        "echo $ARCH" => arch.to_string(),
        c if c.starts_with("trap") => "ok".to_string(),
        c if c.starts_with('{') => "y".to_string(),
        _ => format!("only-{i}"),
    }
}

/// Eight runners (two pairs with the same arch and environment, so the same cache file), cold
/// then warm, all at once: each succeeds, answers are right, and the warm ones run nothing,
/// including the commands only the other runner of a pair ran.
#[test]
fn parallel_runners_share_a_cache_dir() {
    let t = TempDir::new("shell-parallel");
    let cache = t.path().join("cache");
    let arches = [
        "x86", "arm64", "riscv", "s390", "x86", "arm64", "mips", "um",
    ];
    let barrier = Barrier::new(arches.len());
    let cold: Vec<Vec<(String, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = arches
            .iter()
            .enumerate()
            .map(|(i, arch)| {
                let (cache, barrier, tree) = (&cache, &barrier, t.path());
                s.spawn(move || {
                    let r = runner_for(tree, arch, cache);
                    let cmds = commands(i);
                    barrier.wait();
                    r.run_batch(&cmds).expect("cold batch");
                    barrier.wait();
                    r.save().expect("save");
                    cmds.iter()
                        .map(|c| (c.clone(), r.lookup(c).expect("answered").stdout.clone()))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, answers) in cold.iter().enumerate() {
        for (cmd, out) in answers {
            assert_eq!(out, &expected(arches[i], cmd, i), "{} {cmd}", arches[i]);
        }
    }
    let stats: Vec<(ShellStats, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = arches
            .iter()
            .enumerate()
            .map(|(i, arch)| {
                let (cache, barrier, tree) = (&cache, &barrier, t.path());
                s.spawn(move || {
                    let r = runner_for(tree, arch, cache);
                    barrier.wait();
                    // This runner's commands, and those of the other runner of its pair.
                    let twin = arches
                        .iter()
                        .enumerate()
                        .find(|&(j, a)| j != i && a == arch);
                    let mut cmds = commands(i);
                    if let Some((j, _)) = twin {
                        cmds.extend(commands(j));
                    }
                    for c in &cmds {
                        let j = match c.strip_prefix("echo only-") {
                            Some(n) => n.parse().unwrap(),
                            None => i,
                        };
                        let got = r
                            .lookup(c)
                            .unwrap_or_else(|| panic!("{arch}: {c} not cached"));
                        assert_eq!(got.stdout, expected(arch, c, j), "{arch} {c}");
                    }
                    r.run_batch(&cmds).expect("warm batch");
                    (r.stats(), r.warnings())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (s, w) in &stats {
        assert_eq!((s.commands_run, s.misses, s.stale_entries), (0, 0, 0));
        assert!(w.is_empty(), "{w:?}");
    }
    // No temporaries left behind, in the scratch directory or next to the cache files.
    let leftovers: Vec<String> = std::fs::read_dir(cache.join("work"))
        .unwrap()
        .chain(std::fs::read_dir(&cache).unwrap())
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp_") || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A save keeps what another runner of the same cache file saved since this one loaded it,
/// unless a file it depends on changed since.
#[test]
fn save_merges_what_others_saved() {
    let t = TempDir::new("shell-merge");
    let cache = t.path().join("cache");
    let data = t.path().join("data.txt");
    std::fs::write(&data, "v1").unwrap();
    let (a, b, c) = (
        "echo a".to_string(),
        "echo b".to_string(),
        format!("cat {}", data.display()),
    );
    let r1 = runner_for(t.path(), "x86", &cache);
    let r2 = runner_for(t.path(), "x86", &cache);
    r1.run_batch(&[a.clone(), c.clone()]).unwrap();
    r1.save().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&data, "v2").unwrap();
    r2.run_batch(std::slice::from_ref(&b)).unwrap();
    r2.save().unwrap();
    let r3 = runner_for(t.path(), "x86", &cache);
    assert_eq!(r3.lookup(&a).expect("r1's answer kept").stdout, "a");
    assert_eq!(r3.lookup(&b).expect("r2's answer").stdout, "b");
    assert!(r3.lookup(&c).is_none(), "an answer about the old file kept");
    assert_eq!(r3.stats().loaded_entries, 2);
}

/// Someone removes the cache directory (scratch directory included) under a live runner: the
/// next batch creates it again instead of failing with "No such file or directory".
#[test]
fn removed_scratch_directory_is_recreated() {
    let t = TempDir::new("shell-rmwork");
    let cache = t.path().join("cache");
    let r = runner_for(t.path(), "x86", &cache);
    r.run_batch(&["echo one".to_string()]).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();
    r.run_batch(&["pwd".to_string()]).unwrap();
    assert!(r.lookup("pwd").unwrap().stdout.ends_with("/work"));
    r.save().unwrap();
    assert!(r.cache_file().unwrap().is_file());
}

fn is_root() -> bool {
    // SAFETY: no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `restore` puts a character device 1:3, mode 0666, in place of a regular file (as root), and
/// refuses with a clear message otherwise. A stand-in path is used: the real /dev/null is
/// never touched by tests.
#[test]
fn restore_puts_the_null_device_back() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
    let t = TempDir::new("shell-devnull");
    let null = t.path().join("null");
    std::fs::write(&null, vec![b'x'; 1000]).unwrap();
    assert!(!NullState::of(&null).ok);
    match restore(&null) {
        Ok(found) => {
            assert!(is_root());
            assert_eq!(found, "it is a regular file of 1000 bytes");
            let m = std::fs::symlink_metadata(&null).unwrap();
            assert!(m.file_type().is_char_device());
            assert_eq!(m.rdev(), libc::makedev(1, 3));
            assert_eq!(m.permissions().mode() & 0o777, 0o666);
            assert!(NullState::of(&null).ok);
            // Nothing left next to it.
            assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
        }
        Err(e) => {
            assert!(!is_root(), "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains("not running as root") && msg.contains("mknod -m 666"),
                "{msg}"
            );
        }
    }
}

/// A command of a batch replaces the null device with a regular file (as conf does with
/// `KCONFIG_CONFIG=/dev/null`): the runner puts it back, runs the batch again and warns; when
/// not root, it fails instead.
#[test]
fn broken_null_device_reruns_the_batch() {
    let t = TempDir::new("shell-devnull-batch");
    let cache = t.path().join("cache");
    let null = t.path().join("null");
    let (flag, counter) = (t.path().join("broke-once"), t.path().join("counter"));
    if is_root() {
        restore(&null).expect("a stand-in null device");
    } else {
        std::fs::write(&null, "").unwrap();
    }
    let breaker = t.path().join("breaker.sh");
    write_script(
        &breaker,
        &format!(
            "echo ran >> '{c}'\nif [ ! -e '{f}' ]; then touch '{f}'; mv -f '{n}' '{n}.old'; \
             echo 'CONFIG_X=y' > '{n}'; fi\necho answer",
            c = counter.display(),
            f = flag.display(),
            n = null.display()
        ),
    );
    let mut r = runner_for(t.path(), "x86", &cache);
    r.null_device = null.clone();
    let cmds = vec![breaker.display().to_string(), "echo other".to_string()];
    let result = r.run_batch(&cmds);
    if !is_root() {
        let e = result.expect_err("not root: cannot repair");
        assert!(matches!(e, ShellError::DevNull { .. }), "{e}");
        return;
    }
    result.expect("repaired and run again");
    assert!(
        NullState::of(&null).ok,
        "the stand-in is a null device again"
    );
    let ran = std::fs::read_to_string(&counter).unwrap();
    assert_eq!(ran.lines().count(), 2, "the batch ran twice");
    assert_eq!(r.lookup(&cmds[0]).unwrap().stdout, "answer");
    let w = r.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("put back") && w[0].contains("run again") && w[0].contains("regular file"),
        "{}",
        w[0]
    );
}

#[test]
fn make_output_is_folded_like_make() {
    use super::exec::make_shell_text;
    assert_eq!(
        make_shell_text(b"gcc (Debian) 12.2.0\n"),
        "gcc (Debian) 12.2.0"
    );
    assert_eq!(make_shell_text(b"a\r\nb\r\n\r\n"), "a b");
    assert_eq!(make_shell_text(b"a\n\nb\n\n"), "a  b");
    assert_eq!(make_shell_text(b"a\r"), "a\r");
    assert_eq!(make_shell_text(b"a\0b\n"), "a");
    // No 4096-byte limit, unlike do_shell.
    assert_eq!(make_shell_text(&vec![b'x'; 10_000]).len(), 10_000);
}
