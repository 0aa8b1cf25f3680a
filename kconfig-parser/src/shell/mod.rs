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
//!   and `/bin/sh`, and the rustup/pyenv files that pick what their shims run (rustup's
//!   settings, its toolchain list and each toolchain's `rustc`).
//!
//! A loaded entry is used only if all its recorded identities still hold; each distinct path is
//! `stat`ed at most once per run, so a warm [`ShellRunner::lookup`] costs a hash lookup.
//! Commands are not traced: a command whose answer depends on a file none of its words names
//! (a Python module, a header found through a search path) is only re-run when one of the
//! recorded tools changes; [`CacheMode::MemoryOnly`] (`--no-cache`) sidesteps the cache.
//!
//! The same machinery runs the few `$(shell ...)` of kbuild's Makefiles that the kbuild
//! derivation needs (`$(CC) --version` for `CC_VERSION_TEXT`, ...), post-processed as make does
//! and cached in a file of their own, so that a warm load starts no process at all.
//!
//! # The null device
//!
//! Every batch checks `/dev/null` before and after it runs (see `devnull.rs`): a batch during
//! which it stopped being the null device is run again once it is put back (as root), or fails
//! with [`ShellError::DevNull`].
//!
//! [`KbuildEnv::child_env`]: crate::kbuild::KbuildEnv::child_env

mod batch;
#[cfg(test)]
mod concurrency_tests;
mod deps;
mod devnull;
mod exec;
mod persist;
mod store;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::kbuild::KbuildEnv;
pub(crate) use deps::Ident;
pub use deps::{is_volatile, VOLATILE_ENV, VOLATILE_ENV_PREFIXES};
use deps::{DepContext, PathTable};
use devnull::{NullState, DEV_NULL};
use exec::Flavor;
use store::CACHE_EXT;

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
    #[error("cannot run /bin/sh for $(shell,{cmd}): {source}{hint}")]
    Spawn {
        /// The command.
        cmd: String,
        /// What is missing, when it is not the shell (` (the working directory ... is missing)`),
        /// or empty.
        hint: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `/dev/null` is not the null device and could not be put back: commands would read
    /// garbage from it or fail to start.
    #[error(
        "{path} is not the null device ({found}); Kconfig's commands read and write it, so \
their answers would be wrong: {why}"
    )]
    DevNull {
        /// The device's path (`/dev/null`).
        path: PathBuf,
        /// What is there instead.
        found: String,
        /// Why it was not repaired.
        why: String,
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

/// ktailor's cache root, shared by everything it caches (shell results, livepatch build
/// directories): `$KTAILOR_CACHE`, defaulting to `$XDG_CACHE_HOME/ktailor`, then
/// `~/.cache/ktailor`.
pub fn cache_root() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("KTAILOR_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|x| x.join("ktailor")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("ktailor")))
        .unwrap_or_else(|| std::env::temp_dir().join("ktailor-cache"))
}

/// The cache directory when none is given: `shell` under [`cache_root`].
pub fn default_cache_dir() -> PathBuf {
    cache_root().join("shell")
}

/// The name of a cache file: `LABEL-HASH.EXT`, the label made safe for a file name (an arch,
/// `make`), the hash shortened to 16 hex digits.
pub(crate) fn cache_file_name(label: &str, hash: &[u8; 32], ext: &str) -> String {
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
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{label}-{hex}.{ext}")
}

/// An answer with the ids of the paths it depends on, or why there is none.
type RunResult = Result<(ShellOutput, Vec<u32>), ShellError>;

/// Runs `$(shell,...)` commands for one tree and architecture. `Send + Sync`: the preprocessor
/// may call it from several threads.
///
/// Several runners, in one process or many, may share a cache directory: they run commands in
/// the same scratch directory (commands name their temporaries after their shell's pid, as
/// `.tmp_$$`), which is created again before every batch should someone remove it; and saves
/// are serialised by a lock file and merge what other runners saved meanwhile.
pub struct ShellRunner {
    cwd: PathBuf,
    /// Removed on drop (MemoryOnly).
    owned_cwd: bool,
    /// Whose `$(shell ...)` this runner imitates.
    flavor: Flavor,
    /// The null device the commands use (only tests watch another path).
    null_device: PathBuf,
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
        env: Vec<(OsString, OsString)>,
        tools: &[String],
        mode: CacheMode,
    ) -> Result<Self, ShellError> {
        Self::build(srctree, label, env, tools, mode, Flavor::Kconfig)
    }

    /// A runner for the `$(shell ...)` of kbuild's Makefiles (`CC_VERSION_TEXT`,
    /// `RUSTC_VERSION_TEXT`, ...), run in `env`, the environment make starts with. Its answers
    /// are post-processed as make does, and cached in a file of their own (`make-*`).
    pub(crate) fn for_make(
        srctree: &Path,
        env: Vec<(OsString, OsString)>,
        mode: CacheMode,
    ) -> Result<Self, ShellError> {
        Self::build(srctree, "make", env, &[], mode, Flavor::Make)
    }

    fn build(
        srctree: &Path,
        label: &str,
        mut env: Vec<(OsString, OsString)>,
        tools: &[String],
        mode: CacheMode,
        flavor: Flavor,
    ) -> Result<Self, ShellError> {
        // The scratch directory is only created when a command runs: a warm runner touches
        // nothing.
        let (cwd, owned_cwd, cache_dir) = match &mode {
            CacheMode::Disk(dir) => (dir.join("work"), false, Some(dir.clone())),
            CacheMode::MemoryOnly => (unique_temp_dir(), true, None),
        };
        // One value per name, the last one given (as `Command::envs` would apply them).
        let mut unique: std::collections::BTreeMap<OsString, OsString> = env.drain(..).collect();
        unique.insert("PWD".into(), cwd.clone().into_os_string());
        let env: Vec<(OsString, OsString)> = unique.into_iter().collect();
        let path_var = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let domain: &[u8] = match flavor {
            Flavor::Kconfig => b"",
            Flavor::Make => b"make",
        };
        let env_hash = deps::env_fingerprint(&env, store::FORMAT_VERSION, domain);
        let cache_file = cache_dir.map(|d| d.join(cache_file_name(label, &env_hash, CACHE_EXT)));
        let mut runner = ShellRunner {
            cwd,
            owned_cwd,
            flavor,
            null_device: PathBuf::from(DEV_NULL),
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
        if !NullState::of(&runner.null_device).ok {
            runner.warn(format!(
                "{} is not the null device ({}): cached answers are used, but a command that \
                 has to run will restore it (as root) or fail",
                runner.null_device.display(),
                devnull::describe(&runner.null_device)
            ));
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

    /// The blake3 fingerprint of the environment commands run in (the cache file's key).
    pub fn env_fingerprint(&self) -> [u8; 32] {
        self.env_hash
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

    /// Paths every answer depends on.
    fn global_dep_paths(&self, tools: &[String]) -> Vec<PathBuf> {
        let cross = self
            .env
            .iter()
            .find(|(k, _)| k == "CROSS_COMPILE")
            .map(|(_, v)| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut words: Vec<String> = tools.to_vec();
        if self.flavor == Flavor::Kconfig {
            // gcc runs `as` from PATH when CROSS_COMPILE is set (as-instr, as-version.sh).
            words.push(format!("{cross}as"));
        }
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
