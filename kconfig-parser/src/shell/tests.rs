use super::exec::{do_shell_text, run_command};
use super::testutil::{write_script, TempDir};
use super::*;
use std::time::Duration;

/// The environment of the test runners: this process's `PATH`, plus `extra`.
fn env_with(extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
        ("HOME".into(), "/nonexistent-home".into()),
        ("LC_ALL".into(), "C".into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    env
}

fn runner(srctree: &Path, env: Vec<(OsString, OsString)>, mode: CacheMode) -> ShellRunner {
    ShellRunner::with_env(srctree, "test", env, &["sh".to_string()], mode).expect("runner")
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn output_is_post_processed_like_do_shell() {
    assert_eq!(do_shell_text(b"hello\nworld\n\n4\n\n\n"), "hello world  4");
    assert_eq!(do_shell_text(b"\n\n"), "");
    assert_eq!(do_shell_text(b"a\r\n"), "a\r", "only \\n is special");
    assert_eq!(do_shell_text(b"a\0b\n"), "a", "xstrdup stops at NUL");
    // fread fills the 4096-byte buffer; the last byte is dropped, then trailing newlines.
    let long = vec![b'x'; 5000];
    assert_eq!(do_shell_text(&long[..4096]).len(), 4095);
    let mut nl = vec![b'y'; 4094];
    nl.extend_from_slice(b"\n\nz");
    assert_eq!(
        do_shell_text(&nl),
        "y".repeat(4094),
        "byte 4095 cut, then the newline stripped"
    );
    let exact = vec![b'z'; 4095];
    assert_eq!(do_shell_text(&exact).len(), 4095, "4095 bytes fit whole");
}

#[test]
fn commands_run_like_popen() {
    let t = TempDir::new("shell-exec");
    let env = env_with(&[("KT_VAR", "from-env")]);
    // The kernel's own golden: scripts/kconfig/tests/preprocess/builtin_func (Kconfig:22).
    let out = run_command("printf 'hello\\nworld\\n\\n4\\n\\n\\n'", t.path(), &env).unwrap();
    assert_eq!(out.stdout, "hello world  4");
    let out = run_command("echo out; echo err >&2; exit 3", t.path(), &env).unwrap();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_slice(), out.status),
        ("out", &b"err\n"[..], 3)
    );
    let out = run_command("echo $0 $KT_VAR; pwd", t.path(), &env).unwrap();
    let cwd = std::fs::canonicalize(t.path()).unwrap();
    assert_eq!(out.stdout, format!("sh from-env {}", cwd.display()));
    // More than the buffer: 4095 bytes kept; the writer is cut off by SIGPIPE, like under pclose.
    let out = run_command(
        "i=0; while [ $i -lt 3000 ]; do printf 'ab'; i=$((i+1)); done; echo done >&2",
        t.path(),
        &env,
    )
    .unwrap();
    assert_eq!(out.stdout.len(), 4095);
    assert!(out.stdout.bytes().all(|b| b == b'a' || b == b'b'));
    let out = run_command("readlink /proc/self/fd/0", t.path(), &env).unwrap();
    assert_eq!(
        out.stdout, "/dev/null",
        "stdin is /dev/null, not the caller's"
    );
}

#[test]
fn parallel_batch_equals_sequential() {
    let t = TempDir::new("shell-par");
    let data = t.path().join("data.txt");
    std::fs::write(&data, "line1\nline2\n").unwrap();
    let cmds: Vec<String> = (0..24)
        .map(|i| match i % 4 {
            0 => format!("echo {i} $(({i} * 7))"),
            1 => format!("printf 'a\\nb{i}\\n\\n'"),
            2 => format!("cat {}; echo {i} >&2", data.display()),
            _ => format!(
                "sleep 0.0{}; test {i} -gt 10 && echo big || echo small",
                i % 10
            ),
        })
        .collect();
    let r = runner(t.path(), env_with(&[]), CacheMode::MemoryOnly);
    r.run_batch(&cmds).unwrap();
    assert_eq!(r.stats().commands_run, cmds.len() as u64);
    for c in &cmds {
        let batch = r.lookup(c).expect("answered");
        let seq = run_command(c, r.work_dir(), r.env()).unwrap();
        assert_eq!(*batch, seq, "{c}");
    }
    // Known commands are not run again.
    r.run_batch(&cmds).unwrap();
    assert_eq!(r.stats().commands_run, cmds.len() as u64);
}

#[test]
fn warm_runner_answers_without_forking() {
    let t = TempDir::new("shell-warm");
    let cache = t.path().join("cache");
    let counter = t.path().join("counter");
    // The counter is reached through a variable: a command that writes a file it names is
    // (rightly) run again, since its answer may depend on that file.
    let cmd = "echo ran >> \"$KT_COUNTER\"; echo hi; echo note >&2".to_string();
    let counter_s = counter.display().to_string();
    let env_with = |extra: &[(&str, &str)]| {
        let mut e = env_with(extra);
        e.push(("KT_COUNTER".into(), counter_s.clone().into()));
        e
    };

    let r1 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    assert!(r1.lookup(&cmd).is_none());
    r1.run_batch(std::slice::from_ref(&cmd)).unwrap();
    assert_eq!(r1.lookup(&cmd).unwrap().stdout, "hi");
    r1.save().unwrap();
    let file = r1.cache_file().unwrap().to_path_buf();
    assert!(file.is_file());
    drop(r1);

    let r2 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    assert_eq!(r2.stats().loaded_entries, 1);
    let out = r2.lookup(&cmd).expect("cached");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_slice()),
        ("hi", &b"note\n"[..])
    );
    r2.run_batch(std::slice::from_ref(&cmd)).unwrap();
    let s = r2.stats();
    assert_eq!((s.hits, s.misses, s.commands_run), (1, 0, 0));
    assert_eq!(
        lines(&counter),
        1,
        "the command ran once across two runners"
    );
    // Nothing changed: save leaves the file alone.
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    r2.save().unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
    assert!(r2.warnings().is_empty());
}

/// Coarse filesystem timestamps (one jiffy) need a pause between two writes to differ.
fn tick() {
    std::thread::sleep(Duration::from_millis(30));
}

#[test]
fn changed_executable_invalidates() {
    let t = TempDir::new("shell-exe");
    let cache = t.path().join("cache");
    let counter = t.path().join("counter");
    let tool = t.path().join("tool.sh");
    write_script(
        &tool,
        &format!("echo ran >> {}; echo v1", counter.display()),
    );
    let cmd = format!("{} --flag", tool.display());

    let r1 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    assert_eq!(r1.get_or_run(&cmd).unwrap().stdout, "v1");
    r1.save().unwrap();

    // Same size, mtime put back: the ctime still tells.
    tick();
    let mtime = std::fs::metadata(&tool).unwrap().modified().unwrap();
    write_script(
        &tool,
        &format!("echo ran >> {}; echo v2", counter.display()),
    );
    std::fs::File::options()
        .write(true)
        .open(&tool)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let r2 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    assert!(r2.lookup(&cmd).is_none(), "stale answer served");
    assert_eq!(r2.get_or_run(&cmd).unwrap().stdout, "v2");
    assert_eq!(r2.stats().stale_entries, 1);
    r2.save().unwrap();

    let r3 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache));
    assert_eq!(r3.lookup(&cmd).unwrap().stdout, "v2");
    assert_eq!(lines(&counter), 2);
}

#[test]
fn tool_installed_earlier_in_path_invalidates() {
    let t = TempDir::new("shell-path");
    let cache = t.path().join("cache");
    let (first, second) = (t.path().join("bin1"), t.path().join("bin2"));
    std::fs::create_dir_all(&first).unwrap();
    std::fs::create_dir_all(&second).unwrap();
    write_script(&second.join("kt-tool"), "echo second");
    let path = format!(
        "{}:{}:{}",
        first.display(),
        second.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = || env_with(&[("PATH", &path)]);
    let (cmd, absent) = (
        "kt-tool".to_string(),
        "kt-absent 2>/dev/null || echo none".to_string(),
    );

    let r1 = runner(t.path(), env(), CacheMode::Disk(cache.clone()));
    r1.run_batch(&[cmd.clone(), absent.clone()]).unwrap();
    assert_eq!(r1.lookup(&cmd).unwrap().stdout, "second");
    assert_eq!(r1.lookup(&absent).unwrap().stdout, "none");
    r1.save().unwrap();

    // Unchanged PATH directories: both answers are reused.
    let r2 = runner(t.path(), env(), CacheMode::Disk(cache.clone()));
    assert!(r2.lookup(&cmd).is_some() && r2.lookup(&absent).is_some());
    drop(r2);

    tick();
    write_script(&first.join("kt-tool"), "echo first");
    write_script(&second.join("kt-absent"), "echo installed");
    let r3 = runner(t.path(), env(), CacheMode::Disk(cache));
    assert!(r3.lookup(&cmd).is_none() && r3.lookup(&absent).is_none());
    r3.run_batch(&[cmd.clone(), absent.clone()]).unwrap();
    assert_eq!(r3.lookup(&cmd).unwrap().stdout, "first");
    assert_eq!(r3.lookup(&absent).unwrap().stdout, "installed");
}

#[test]
fn file_appearing_invalidates() {
    let t = TempDir::new("shell-file");
    let cache = t.path().join("cache");
    let flag = t.path().join("plugin-version.h");
    let cmd = format!("test -e {} && echo y || echo n", flag.display());
    let r1 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    assert_eq!(r1.get_or_run(&cmd).unwrap().stdout, "n");
    r1.save().unwrap();
    std::fs::write(&flag, "").unwrap();
    let r2 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache));
    assert!(r2.lookup(&cmd).is_none());
    assert_eq!(r2.get_or_run(&cmd).unwrap().stdout, "y");
}

#[test]
fn environment_is_part_of_the_key() {
    let t = TempDir::new("shell-env");
    let cache = t.path().join("cache");
    let counter = t.path().join("counter");
    let cmd = "echo x >> \"$KT_COUNTER\"; echo $KT_FLAVOUR".to_string();
    let run = |mut env: Vec<(OsString, OsString)>| {
        env.push(("KT_COUNTER".into(), counter.clone().into_os_string()));
        let r = runner(t.path(), env, CacheMode::Disk(cache.clone()));
        let out = r.get_or_run(&cmd).unwrap().stdout.clone();
        r.save().unwrap();
        (out, r.stats().commands_run)
    };
    assert_eq!(run(env_with(&[("KT_FLAVOUR", "one")])), ("one".into(), 1));
    assert_eq!(run(env_with(&[("KT_FLAVOUR", "two")])), ("two".into(), 1));
    // Back to the first environment, with only volatile variables changed: cached.
    let volatile = env_with(&[
        ("KT_FLAVOUR", "one"),
        ("TERM", "dumb"),
        ("SSH_TTY", "/dev/pts/9"),
        ("OLDPWD", "/x"),
    ]);
    assert_eq!(run(volatile), ("one".into(), 0));
    assert_eq!(lines(&counter), 2);
    assert!(is_volatile(OsStr::new("XDG_SESSION_ID")) && !is_volatile(OsStr::new("PATH")));
}

#[test]
fn memory_only_never_touches_the_disk() {
    let t = TempDir::new("shell-mem");
    let counter = t.path().join("counter");
    let cmd = format!("echo x >> {}; echo ok", counter.display());
    let r1 = runner(t.path(), env_with(&[]), CacheMode::MemoryOnly);
    let work = r1.work_dir().to_path_buf();
    assert!(r1.cache_file().is_none());
    assert!(!work.starts_with(t.path()));
    assert_eq!(r1.get_or_run(&cmd).unwrap().stdout, "ok");
    assert!(r1.lookup(&cmd).is_some(), "remembered in memory");
    r1.save().unwrap();
    assert_eq!(
        std::fs::read_dir(&work).unwrap().count(),
        0,
        "nothing written to the work dir"
    );
    drop(r1);
    assert!(!work.exists(), "temporary work dir removed");
    let r2 = runner(t.path(), env_with(&[]), CacheMode::MemoryOnly);
    assert!(r2.lookup(&cmd).is_none(), "no answer survives the runner");
    r2.get_or_run(&cmd).unwrap();
    assert_eq!(lines(&counter), 2);
    // Only the counter the commands wrote is in the test directory.
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
}

#[test]
fn corrupt_cache_is_ignored_and_rebuilt() {
    let t = TempDir::new("shell-corrupt");
    let cache = t.path().join("cache");
    let cmd = "echo fine".to_string();
    let r1 = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
    r1.get_or_run(&cmd).unwrap();
    r1.save().unwrap();
    let file = r1.cache_file().unwrap().to_path_buf();
    drop(r1);

    for damage in [0usize, 1] {
        let mut bytes = std::fs::read(&file).unwrap();
        if damage == 0 {
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff; // checksum mismatch
        } else {
            bytes = b"garbage".to_vec(); // truncated header
        }
        std::fs::write(&file, &bytes).unwrap();
        let r = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
        let w = r.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("corrupt") && w[0].contains(&file.display().to_string()),
            "{}",
            w[0]
        );
        assert!(r.lookup(&cmd).is_none());
        assert_eq!(r.get_or_run(&cmd).unwrap().stdout, "fine");
        r.save().unwrap();
        let healthy = runner(t.path(), env_with(&[]), CacheMode::Disk(cache.clone()));
        assert!(healthy.warnings().is_empty());
        assert_eq!(healthy.lookup(&cmd).unwrap().stdout, "fine");
    }
}

#[test]
fn runner_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ShellRunner>();
}

/// Loads a cache of 600 entries with realistic dependencies, as a warm `make allnoconfig` would.
#[test]
fn warm_load_of_600_entries() {
    let t = TempDir::new("shell-600");
    let cache = t.path().join("cache");
    let tools = ["gcc".to_string(), "ld".to_string(), "sh".to_string()];
    let env = env_with(&[("CC", "gcc"), ("srctree", "/nonexistent-tree")]);
    let r = ShellRunner::with_env(
        Path::new("/nonexistent-tree"),
        "x86_64",
        env.clone(),
        &tools,
        CacheMode::Disk(cache.clone()),
    )
    .unwrap();
    let cmds: Vec<String> = (0..600)
        .map(|i| format!("gcc -Werror -fkt-option-{i} -c -x c /dev/null -o .tmp_$$/tmp.o 2>/dev/null && echo y || echo n"))
        .collect();
    // Record the answers without running 600 compilers: fill the table the way run_batch does.
    {
        let mut st = r.lock();
        for c in &cmds {
            let deps: Vec<u32> = st.global_deps.clone();
            st.entries.insert(
                c.clone(),
                Entry {
                    output: Arc::new(ShellOutput {
                        stdout: "n".into(),
                        stderr: Vec::new(),
                        status: 0,
                    }),
                    deps: deps.into_boxed_slice(),
                    validity: Validity::Fresh,
                },
            );
        }
        st.dirty = true;
    }
    let globals = r.lock().global_deps.clone();
    for id in globals {
        r.lock().paths.current(id);
    }
    r.save().unwrap();
    drop(r);

    let start = std::time::Instant::now();
    let warm = ShellRunner::with_env(
        Path::new("/nonexistent-tree"),
        "x86_64",
        env,
        &tools,
        CacheMode::Disk(cache),
    )
    .unwrap();
    let ready = start.elapsed();
    for c in &cmds {
        assert_eq!(warm.lookup(c).unwrap().stdout, "n");
    }
    let all = start.elapsed();
    let s = warm.stats();
    assert_eq!((s.loaded_entries, s.hits, s.commands_run), (600, 600, 0));
    eprintln!(
        "600 entries: file load+decode {:?}, runner ready {:?}, 600 validated lookups done {:?}",
        s.load_time, ready, all
    );
}
