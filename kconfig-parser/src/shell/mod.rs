//! Running Kconfig's `$(shell,CMD)` commands in parallel, with a disk cache that never changes
//! an answer.
//!
//! conf forks hundreds of shells on every run (`cc-option`, `ld-option`, `as-instr`, the
//! `*-version.sh` scripts, ...). A [`ShellRunner`] runs the commands the preprocessor has not
//! seen yet in parallel ([`ShellRunner::run_batch`]), keeps every answer post-processed exactly as
//! `do_shell` does, and remembers it on disk.
//!
//! # When a cached answer is reused
//!
//! An answer is a function of (1) the command string, (2) the environment the command sees and
//! (3) the files it runs and reads. The runner keys a cache file by a blake3 fingerprint of (2)
//! (every variable of [`KbuildEnv::child_env`] except the few in [`VOLATILE_ENV`]), looks
//! entries up by (1), and for (3) records the identity (`stat`: dev, inode, size, mtime, ctime,
//! mode) of:
//! - every word of the command that names a file (absolute, or relative to srctree), present
//!   or not, so that installing, removing or editing it is noticed;
//! - every bare word that could be a program, resolved through `PATH`: the `PATH` directories
//!   searched (their mtime changes when a program is installed in or removed from them) and the
//!   file found;
//! - the tools kbuild names (`CC`, `LD`, `HOSTCC`, `RUSTC`, `PAHOLE`, ...), `$(CROSS_COMPILE)as`
//!   and `/bin/sh`, and the rustup/pyenv files that pick what their shims run.
//!
//! A loaded entry is used only if all its recorded identities still hold; each distinct path is
//! `stat`ed at most once per run, so a warm [`ShellRunner::lookup`] costs a hash lookup.
//! Commands are not traced: a command whose answer depends on a file none of its words names
//! (a Python module, a header found through a search path) is only re-run when one of the
//! recorded tools changes; [`CacheMode::MemoryOnly`] (`--no-cache`) sidesteps the cache.
//!
//! [`KbuildEnv::child_env`]: crate::kbuild::KbuildEnv::child_env

mod deps;
mod exec;
mod store;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use rayon::prelude::*;

use crate::kbuild::KbuildEnv;
pub use deps::{is_volatile, VOLATILE_ENV, VOLATILE_ENV_PREFIXES};
use deps::{DepContext, Ident, PathTable};
use store::{LoadProblem, StoredCache, StoredEntry, CACHE_EXT};

/// What `$(shell,CMD)` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellOutput {
    /// The expansion, post-processed exactly as `do_shell`: at most 4095 bytes, trailing
    /// newlines removed, other newlines turned into spaces, cut at a NUL. (Bytes that are not
    /// UTF-8 are replaced by U+FFFD.)
    pub stdout: String,
    /// What the command wrote to stderr, which conf passes through to its own stderr.
    pub stderr: Vec<u8>,
    /// Exit status, or 128 + signal; `do_shell` ignores it (`$(success,...)` tests it in the
    /// shell itself).
    pub status: i32,
}

/// Where answers are remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheMode {
    /// A cache directory (see [`default_cache_dir`]); it also holds the scratch working
    /// directory commands run in.
    Disk(PathBuf),
    /// `--no-cache`: nothing is read from or written to disk, except a temporary working
    /// directory that is removed when the runner is dropped.
    MemoryOnly,
}

/// What a runner did, for `--verbose` and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellStats {
    /// [`ShellRunner::lookup`] calls answered.
    pub hits: u64,
    /// [`ShellRunner::lookup`] calls not answered.
    pub misses: u64,
    /// Commands actually run.
    pub commands_run: u64,
    /// Wall time spent in [`ShellRunner::run_batch`] running commands.
    pub run_wall: Duration,
    /// Entries found in the cache file.
    pub loaded_entries: u64,
    /// Time to read and decode the cache file.
    pub load_time: Duration,
    /// Loaded entries dropped because a file they depend on changed.
    pub stale_entries: u64,
}

/// Why commands could not be run or the cache not be written.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The cache or scratch directory could not be created.
    #[error("cannot create the shell cache directory {path}: {source}")]
    CacheDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `/bin/sh` could not be started (conf would `perror` and exit here).
    #[error("cannot run /bin/sh for $(shell,{cmd}): {source}")]
    Spawn {
        /// The command.
        cmd: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The command's output or status could not be collected.
    #[error("reading the output of $(shell,{cmd}): {source}")]
    Io {
        /// The command.
        cmd: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The cache file could not be written.
    #[error("cannot write the shell cache {path}: {source}")]
    Write {
        /// The file (or its temporary sibling).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The cache directory when none is given: `$KTAILOR_CACHE/shell`, with `KTAILOR_CACHE`
/// defaulting to `$XDG_CACHE_HOME/ktailor`, then `~/.cache/ktailor`.
pub fn default_cache_dir() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("KTAILOR_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|x| x.join("ktailor")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("ktailor")))
        .unwrap_or_else(|| std::env::temp_dir().join("ktailor-cache"));
    base.join("shell")
}

/// An answer with the ids of the paths it depends on, or why there is none.
type RunResult = Result<(ShellOutput, Vec<u32>), ShellError>;

/// Runs `$(shell,...)` commands for one tree and architecture. `Send + Sync`: the preprocessor
/// may call it from several threads.
pub struct ShellRunner {
    cwd: PathBuf,
    /// Removed on drop (MemoryOnly).
    owned_cwd: bool,
    env: Vec<(OsString, OsString)>,
    srctree: PathBuf,
    path_var: OsString,
    cache_file: Option<PathBuf>,
    env_hash: [u8; 32],
    state: Mutex<State>,
    warnings: Mutex<Vec<String>>,
    hits: AtomicU64,
    misses: AtomicU64,
    commands_run: AtomicU64,
    run_wall_ns: AtomicU64,
    stale: AtomicU64,
    loaded_entries: u64,
    load_time: Duration,
}

struct State {
    paths: PathTable,
    entries: HashMap<String, Entry>,
    /// Paths every entry depends on (tools, `/bin/sh`).
    global_deps: Vec<u32>,
    dirty: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Validity {
    /// Run during this run.
    Fresh,
    /// Loaded, not checked yet.
    Unchecked,
    /// Loaded, dependencies unchanged.
    Valid,
    /// Loaded, a dependency changed.
    Stale,
}

struct Entry {
    output: Arc<ShellOutput>,
    deps: Box<[u32]>,
    validity: Validity,
}

impl ShellRunner {
    /// A runner for the commands of one tree, run in `env.child_env()`.
    pub fn new(env: &KbuildEnv, mode: CacheMode) -> Result<Self, ShellError> {
        Self::with_env(
            &env.tree,
            &env.arch,
            env.child_env(),
            &env.tool_commands(),
            mode,
        )
    }

    /// A runner with an explicit child environment. `tools` are the commands of the toolchain
    /// (`gcc`, `ld`, ...) whose identity every answer depends on; `label` names the cache file.
    pub fn with_env(
        srctree: &Path,
        label: &str,
        mut env: Vec<(OsString, OsString)>,
        tools: &[String],
        mode: CacheMode,
    ) -> Result<Self, ShellError> {
        let (cwd, owned_cwd, cache_dir) = match &mode {
            CacheMode::Disk(dir) => (dir.join("work"), false, Some(dir.clone())),
            CacheMode::MemoryOnly => (unique_temp_dir(), true, None),
        };
        std::fs::create_dir_all(&cwd).map_err(|source| ShellError::CacheDir {
            path: cwd.clone(),
            source,
        })?;
        // One value per name, the last one given (as `Command::envs` would apply them).
        let mut unique: std::collections::BTreeMap<OsString, OsString> = env.drain(..).collect();
        unique.insert("PWD".into(), cwd.clone().into_os_string());
        let env: Vec<(OsString, OsString)> = unique.into_iter().collect();
        let path_var = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let env_hash = deps::env_fingerprint(&env, store::FORMAT_VERSION);
        let cache_file = cache_dir.map(|d| {
            let label: String = label
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let hex: String = env_hash[..8].iter().map(|b| format!("{b:02x}")).collect();
            d.join(format!("{label}-{hex}.{CACHE_EXT}"))
        });
        let mut runner = ShellRunner {
            cwd,
            owned_cwd,
            env,
            srctree: srctree.to_path_buf(),
            path_var,
            cache_file,
            env_hash,
            state: Mutex::new(State {
                paths: PathTable::default(),
                entries: HashMap::new(),
                global_deps: Vec::new(),
                dirty: false,
            }),
            warnings: Mutex::new(Vec::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            commands_run: AtomicU64::new(0),
            run_wall_ns: AtomicU64::new(0),
            stale: AtomicU64::new(0),
            loaded_entries: 0,
            load_time: Duration::ZERO,
        };
        if !dev_null_is_null() {
            runner.warn(DEV_NULL_WARNING.to_string());
        }
        runner.load();
        let global = runner.global_dep_paths(tools);
        let mut st = runner.lock();
        let mut ids: Vec<u32> = global.iter().map(|p| st.paths.intern(p)).collect();
        ids.sort_unstable();
        ids.dedup();
        st.global_deps = ids;
        drop(st);
        Ok(runner)
    }

    /// A cached (validated) answer, or `None`. No fork; a path is `stat`ed at most once per run.
    pub fn lookup(&self, cmd: &str) -> Option<Arc<ShellOutput>> {
        let found = self.lookup_quiet(cmd);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup_quiet(&self, cmd: &str) -> Option<Arc<ShellOutput>> {
        let mut st = self.lock();
        let State {
            paths,
            entries,
            dirty,
            ..
        } = &mut *st;
        let entry = entries.get_mut(cmd)?;
        if entry.validity == Validity::Unchecked {
            entry.validity = if entry.deps.iter().all(|&d| paths.unchanged(d)) {
                Validity::Valid
            } else {
                self.stale.fetch_add(1, Ordering::Relaxed);
                *dirty = true;
                Validity::Stale
            };
        }
        match entry.validity {
            Validity::Fresh | Validity::Valid => Some(entry.output.clone()),
            Validity::Unchecked | Validity::Stale => None,
        }
    }

    /// Runs the commands not yet known, in parallel, and records their answers (in memory, and on
    /// disk at [`ShellRunner::save`]). Answers of the commands that did run are kept even when
    /// another one fails.
    pub fn run_batch(&self, cmds: &[String]) -> Result<(), ShellError> {
        let mut seen = HashSet::new();
        let todo: Vec<&str> = cmds
            .iter()
            .map(String::as_str)
            .filter(|c| seen.insert(*c))
            .filter(|c| self.lookup_quiet(c).is_none())
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let start = Instant::now();
        let results: Vec<(&str, RunResult)> = todo
            .par_iter()
            .map(|&cmd| {
                // Identities are taken before the command runs: if it changes a file it names,
                // the next run sees the change and runs it again.
                let deps = self.deps_of(cmd);
                (
                    cmd,
                    exec::run_command(cmd, &self.cwd, &self.env).map(|out| (out, deps)),
                )
            })
            .collect();
        self.run_wall_ns
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let mut first_err = None;
        let mut st = self.lock();
        for (cmd, result) in results {
            match result {
                Ok((output, deps)) => {
                    self.commands_run.fetch_add(1, Ordering::Relaxed);
                    st.entries.insert(
                        cmd.to_string(),
                        Entry {
                            output: Arc::new(output),
                            deps: deps.into_boxed_slice(),
                            validity: Validity::Fresh,
                        },
                    );
                    st.dirty = true;
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// The answer for one command: cached, or run now.
    pub fn get_or_run(&self, cmd: &str) -> Result<Arc<ShellOutput>, ShellError> {
        if let Some(out) = self.lookup(cmd) {
            return Ok(out);
        }
        self.run_batch(&[cmd.to_string()])?;
        match self.lookup_quiet(cmd) {
            Some(out) => Ok(out),
            // Unreachable unless the entry vanished; run it without caching.
            None => exec::run_command(cmd, &self.cwd, &self.env).map(Arc::new),
        }
    }

    /// Writes the disk cache atomically (temporary file + rename) if anything changed. Entries
    /// whose files changed are dropped. A no-op for [`CacheMode::MemoryOnly`].
    pub fn save(&self) -> Result<(), ShellError> {
        let Some(file) = &self.cache_file else {
            return Ok(());
        };
        let mut st = self.lock();
        if !st.dirty {
            return Ok(());
        }
        if !dev_null_is_null() {
            // `-x c /dev/null`, `-o /dev/null`: answers got now may be wrong; keep them out of
            // the cache.
            drop(st);
            self.warn(DEV_NULL_WARNING.to_string());
            return Ok(());
        }
        let State { paths, entries, .. } = &mut *st;
        let mut keep: Vec<(&String, &Entry)> = Vec::with_capacity(entries.len());
        for e in entries.values_mut() {
            if e.validity == Validity::Unchecked {
                e.validity = if e.deps.iter().all(|&d| paths.unchanged(d)) {
                    Validity::Valid
                } else {
                    Validity::Stale
                };
            }
        }
        for (cmd, e) in entries.iter() {
            if matches!(e.validity, Validity::Fresh | Validity::Valid) {
                keep.push((cmd, e));
            }
        }
        keep.sort_by(|a, b| a.0.cmp(b.0));
        let mut remap: HashMap<u32, u32> = HashMap::new();
        let mut stored = StoredCache {
            paths: Vec::new(),
            entries: Vec::with_capacity(keep.len()),
        };
        for (cmd, e) in keep {
            let mut deps = Vec::with_capacity(e.deps.len());
            for &d in e.deps.iter() {
                let new = *remap.entry(d).or_insert_with(|| {
                    stored
                        .paths
                        .push((paths.slots[d as usize].path.clone(), paths.current(d)));
                    (stored.paths.len() - 1) as u32
                });
                deps.push(new);
            }
            stored.entries.push(StoredEntry {
                cmd: cmd.clone(),
                stdout: e.output.stdout.clone(),
                stderr: e.output.stderr.clone(),
                status: e.output.status,
                deps,
            });
        }
        let bytes = store::encode(&stored, &self.env_hash);
        store::write_atomically(file, &bytes)?;
        st.dirty = false;
        drop(st);
        if let Some(dir) = file.parent() {
            store::remove_old_cache_files(dir);
        }
        Ok(())
    }

    /// What this runner did so far.
    pub fn stats(&self) -> ShellStats {
        ShellStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            commands_run: self.commands_run.load(Ordering::Relaxed),
            run_wall: Duration::from_nanos(self.run_wall_ns.load(Ordering::Relaxed)),
            loaded_entries: self.loaded_entries,
            load_time: self.load_time,
            stale_entries: self.stale.load(Ordering::Relaxed),
        }
    }

    /// Problems that did not stop the runner (an unreadable or corrupt cache file, ignored and
    /// rebuilt), for the CLI to print.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The cache file ([`CacheMode::Disk`] only).
    pub fn cache_file(&self) -> Option<&Path> {
        self.cache_file.as_deref()
    }

    /// The directory commands run in.
    pub fn work_dir(&self) -> &Path {
        &self.cwd
    }

    /// The environment commands run with.
    pub fn env(&self) -> &[(OsString, OsString)] {
        &self.env
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn warn(&self, msg: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg);
    }

    /// Reads the cache file, if any, into the (still empty) state.
    fn load(&mut self) {
        let Some(file) = self.cache_file.clone() else {
            return;
        };
        let start = Instant::now();
        let data = match std::fs::read(&file) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                self.warn(format!(
                    "ignoring shell cache {}: {e}; it will be rebuilt",
                    file.display()
                ));
                self.lock().dirty = true;
                return;
            }
        };
        let decoded = store::decode(&data, &self.env_hash);
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        match decoded {
            Ok(cache) => {
                for (path, ident) in cache.paths {
                    let id = st.paths.intern(&path);
                    st.paths.slots[id as usize].disk = Some(ident);
                }
                self.loaded_entries = cache.entries.len() as u64;
                st.entries.reserve(cache.entries.len());
                for e in cache.entries {
                    let output = Arc::new(ShellOutput {
                        stdout: e.stdout,
                        stderr: e.stderr,
                        status: e.status,
                    });
                    st.entries.insert(
                        e.cmd,
                        Entry {
                            output,
                            deps: e.deps.into_boxed_slice(),
                            validity: Validity::Unchecked,
                        },
                    );
                }
            }
            Err(LoadProblem::Foreign) => st.dirty = true,
            Err(LoadProblem::Corrupt(why)) => {
                st.dirty = true;
                self.warn(format!(
                    "ignoring corrupt shell cache {}: {why}; it will be rebuilt",
                    file.display()
                ));
            }
        }
        self.load_time = start.elapsed();
    }

    /// Paths every answer depends on.
    fn global_dep_paths(&self, tools: &[String]) -> Vec<PathBuf> {
        let cross = self
            .env
            .iter()
            .find(|(k, _)| k == "CROSS_COMPILE")
            .map(|(_, v)| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut words: Vec<String> = tools.to_vec();
        words.push(format!("{cross}as"));
        let mut out = vec![PathBuf::from("/bin/sh")];
        for w in &words {
            out.extend(self.command_dep_paths(w));
        }
        out.extend(deps::tool_selector_files(&self.env));
        out
    }

    fn command_dep_paths(&self, cmd: &str) -> Vec<PathBuf> {
        let ctx = DepContext {
            srctree: &self.srctree,
            cwd: &self.cwd,
            path_var: OsStr::new(&self.path_var),
        };
        let mut stat_exec = |p: &Path| {
            let id = self.ident(p);
            (id.kind != Ident::MISSING).then(|| id.is_executable_file())
        };
        deps::command_deps(cmd, &ctx, &mut stat_exec)
    }

    /// The dependency ids of a command about to run: its own paths and the global ones.
    fn deps_of(&self, cmd: &str) -> Vec<u32> {
        let paths = self.command_dep_paths(cmd);
        let mut st = self.lock();
        let mut ids: Vec<u32> = st.global_deps.clone();
        for p in &paths {
            let id = st.paths.intern(p);
            st.paths.current(id);
            ids.push(id);
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The identity of `path` in this run (memoised; the `stat` runs outside the lock).
    fn ident(&self, path: &Path) -> Ident {
        {
            let st = self.lock();
            if let Some(&id) = st.paths.index.get(path) {
                if let Some(cur) = st.paths.slots[id as usize].current {
                    return cur;
                }
            }
        }
        let fresh = Ident::of(path);
        let mut st = self.lock();
        let id = st.paths.intern(path);
        *st.paths.slots[id as usize].current.get_or_insert(fresh)
    }
}

impl Drop for ShellRunner {
    fn drop(&mut self) {
        if self.owned_cwd {
            let _ = std::fs::remove_dir_all(&self.cwd);
        }
    }
}

const DEV_NULL_WARNING: &str = "/dev/null is not the null device (something replaced it with a \
regular file): Kconfig commands such as cc-option read and write it, so their answers are not \
saved to the shell cache";

/// Whether `/dev/null` is a character device. A process renaming a file over it (conf does that
/// to its output file) turns it into a regular file that commands then read garbage from.
fn dev_null_is_null() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/dev/null").is_ok_and(|m| m.file_type().is_char_device())
}

/// A new, empty directory under the system temporary directory.
fn unique_temp_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "ktailor-shell-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}
