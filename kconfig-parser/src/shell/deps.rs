//! What a cached `$(shell,...)` answer depends on besides its command string: the environment it
//! sees, and the identity of the files it names or runs.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Environment variables left out of the cache key: each one describes the terminal or session
/// conf happens to run in, or where ktailor keeps its cache, and cannot change what a Kconfig
/// command prints on stdout.
///
/// - `PWD`, `OLDPWD`: the runner always runs commands in its own scratch directory.
/// - `SHLVL`, `_`: shell nesting depth and the last command of the parent shell.
/// - `TERM`, `COLORTERM`, `TERM_PROGRAM*`, `TERM_SESSION_ID`, `COLUMNS`, `LINES`, `WINDOWID`,
///   `TMUX*`, `STY`, `DISPLAY`, `WAYLAND_DISPLAY`: the terminal; commands write into pipes.
///   (gcc wraps *diagnostics* to `COLUMNS`; stderr is replayed for information only.)
/// - `SSH_*`, `XDG_SESSION_*`, `XDG_RUNTIME_DIR`, `XDG_SEAT`, `XDG_VTNR`, `XDG_CACHE_HOME`,
///   `INVOCATION_ID`, `JOURNAL_STREAM`: login session and service bookkeeping, different on
///   every login or run.
/// - `KTAILOR_CACHE`: where this cache lives.
/// - Variables that harnesses and runtimes set for themselves and no compiler, linker or shell
///   script of Kconfig reads: hyperfine's per-run `HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET`
///   (different on every run: keying on it made every benchmarked load cold), cargo's
///   per-crate `CARGO_PKG_*`, `CARGO_MANIFEST_*`, `CARGO_CRATE_*`, `CARGO_BIN_*`,
///   `CARGO_PRIMARY_PACKAGE` and `CARGO_TARGET_TMPDIR` (set when tests run), nextest's
///   `NEXTEST_*`, rayon's `RAYON_*`, and Rust's `RUST_BACKTRACE`, `RUST_LOG`, `RUST_MIN_STACK`,
///   `RUST_TEST_THREADS`. (`CARGO_HOME` and `RUSTUP_*` stay in the key: rustup's shims read them.)
///
/// Everything else, including `PATH`, `LANG`, `LC_*`, `HOME`, the compiler's own variables
/// (`GCC_EXEC_PREFIX`, `COMPILER_PATH`, ...) and all kbuild variables, is part of the key.
pub const VOLATILE_ENV: &[&str] = &[
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "TERM",
    "COLORTERM",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "TERM_SESSION_ID",
    "COLUMNS",
    "LINES",
    "WINDOWID",
    "TMUX",
    "TMUX_PANE",
    "STY",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XDG_RUNTIME_DIR",
    "XDG_SEAT",
    "XDG_VTNR",
    "XDG_CACHE_HOME",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "KTAILOR_CACHE",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "RUST_BACKTRACE",
    "RUST_LOG",
    "RUST_MIN_STACK",
    "RUST_TEST_THREADS",
];

/// Prefixes of volatile variable names (see [`VOLATILE_ENV`]).
pub const VOLATILE_ENV_PREFIXES: &[&str] = &[
    "SSH_",
    "XDG_SESSION_",
    "HYPERFINE_",
    "CARGO_PKG_",
    "CARGO_MANIFEST_",
    "CARGO_CRATE_",
    "CARGO_BIN_",
    "NEXTEST_",
    "RAYON_",
];

/// Whether `name` is left out of the cache key.
pub fn is_volatile(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    VOLATILE_ENV.contains(&name) || VOLATILE_ENV_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// blake3 of the environment a command sees, volatile variables excluded, in name order.
/// `domain` tells apart runners that post-process answers differently (empty for Kconfig's
/// `$(shell,...)`, so that its caches keep their keys).
pub(crate) fn env_fingerprint(
    env: &[(OsString, OsString)],
    format_version: u32,
    domain: &[u8],
) -> [u8; 32] {
    let mut sorted: Vec<&(OsString, OsString)> =
        env.iter().filter(|(k, _)| !is_volatile(k)).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = blake3::Hasher::new();
    h.update(b"ktailor shell env\0");
    h.update(&format_version.to_le_bytes());
    if !domain.is_empty() {
        h.update(&(domain.len() as u64).to_le_bytes());
        h.update(domain);
    }
    for (k, v) in sorted {
        for part in [k.as_bytes(), v.as_bytes()] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
    }
    *h.finalize().as_bytes()
}

/// What `stat` says about a path: enough to notice a file being replaced, rewritten, created or
/// removed. `(dev, ino)` pins the file a path resolves to (through symlinks) as a canonical
/// path would, in one system call; `ctime` catches rewrites that restore the mtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) struct Ident {
    pub kind: u8,
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub mode: u32,
}

impl Ident {
    pub const MISSING: u8 = 0;
    pub const FILE: u8 = 1;
    pub const DIR: u8 = 2;
    pub const OTHER: u8 = 3;
    pub const UNREADABLE: u8 = 4;

    /// `stat(path)` (following symlinks).
    pub fn of(path: &Path) -> Ident {
        match std::fs::metadata(path) {
            Ok(m) => Self::from_metadata(&m),
            Err(e) => Ident {
                kind: if e.kind() == std::io::ErrorKind::NotFound {
                    Self::MISSING
                } else {
                    Self::UNREADABLE
                },
                dev: 0,
                ino: 0,
                size: 0,
                mtime_ns: 0,
                ctime_ns: 0,
                mode: 0,
            },
        }
    }

    /// The identity `metadata` (a `stat` or an `fstat`) describes.
    pub fn from_metadata(m: &std::fs::Metadata) -> Ident {
        let kind = if m.is_file() {
            Self::FILE
        } else if m.is_dir() {
            Self::DIR
        } else {
            Self::OTHER
        };
        Ident {
            kind,
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: m
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(m.mtime_nsec()),
            ctime_ns: m
                .ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(m.ctime_nsec()),
            mode: m.mode(),
        }
    }

    /// Whether the path is a file `execve` would run (`command -v` finds it).
    pub fn is_executable_file(&self) -> bool {
        self.kind == Self::FILE && self.mode & 0o111 != 0
    }
}

/// Where the words of a command can point, and how to look names up.
pub(crate) struct DepContext<'a> {
    pub srctree: &'a Path,
    /// The runner's scratch directory: never a dependency (commands create `.tmp_$$` in it).
    pub cwd: &'a Path,
    /// `PATH` as the command sees it.
    pub path_var: &'a OsStr,
}

/// The paths whose identity a command's answer depends on, found from its words:
/// - a word with a `/` (absolute, or relative to srctree) names a file: its identity, or its
///   absence, is recorded, so installing or changing it invalidates the answer;
/// - a bare word that could be a command is looked up in `PATH`: the `PATH` directories up to the
///   one holding it (a directory's mtime changes when an entry is added, removed or renamed, so
///   a newly installed tool that would shadow it, or appear at all, is noticed) and the file
///   found.
///
/// `stat_exec` tells whether a candidate is an executable file (memoised by the caller).
pub(crate) fn command_deps(
    cmd: &str,
    ctx: &DepContext<'_>,
    stat_exec: &mut dyn FnMut(&Path) -> Option<bool>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for word in words(cmd) {
        let mut candidates = vec![word];
        if let Some((_, value)) = word.split_once('=') {
            candidates.push(value);
        }
        for c in candidates {
            if c.is_empty() || c.starts_with('-') || c.contains(['$', '*', '?', '[', '`', '\\']) {
                continue;
            }
            if c.contains('/') {
                // Devices and kernel interfaces (`2>/dev/null`) are not files a result depends on.
                if ["/dev/", "/proc/", "/sys/"]
                    .iter()
                    .any(|p| c.starts_with(p))
                {
                    continue;
                }
                let p = if c.starts_with('/') {
                    PathBuf::from(c)
                } else {
                    ctx.srctree.join(c)
                };
                out.push(p);
            } else if looks_like_command(c) {
                resolve_in_path(c, ctx, stat_exec, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The words of a shell command, split on blanks, `;|&()<>`, quotes and braces. Not a shell
/// parser: it only has to find every file name the command could mean.
fn words(cmd: &str) -> impl Iterator<Item = &str> {
    cmd.split(|c: char| c.is_whitespace() || ";|&()<>\"'{}!".contains(c))
        .filter(|w| !w.is_empty())
}

/// A word `command -v` could resolve: a plausible program name, not a number.
fn looks_like_command(w: &str) -> bool {
    w.len() <= 128
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
        && !w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `command -v name`, recording what its answer depends on.
fn resolve_in_path(
    name: &str,
    ctx: &DepContext<'_>,
    stat_exec: &mut dyn FnMut(&Path) -> Option<bool>,
    out: &mut Vec<PathBuf>,
) {
    for dir in std::env::split_paths(ctx.path_var) {
        let dir = if dir.as_os_str().is_empty() {
            ctx.cwd.to_path_buf()
        } else {
            ctx.cwd.join(dir)
        };
        if dir == ctx.cwd {
            // Only `.tmp_$$` directories appear there.
            continue;
        }
        let candidate = dir.join(name);
        out.push(dir);
        match stat_exec(&candidate) {
            Some(true) => {
                out.push(candidate);
                return;
            }
            // Present but not executable: a chmod would change the answer without touching the
            // directory.
            Some(false) => out.push(candidate),
            None => {}
        }
    }
}

/// Files that pick which real program a tool manager's shim runs (rustup, pyenv): the shim
/// itself never changes when the selection does.
pub(crate) fn tool_selector_files(env: &[(OsString, OsString)]) -> Vec<PathBuf> {
    let get = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| PathBuf::from(v))
    };
    let home = get("HOME");
    let mut out = Vec::new();
    if let Some(rustup) = get("RUSTUP_HOME").or_else(|| home.as_ref().map(|h| h.join(".rustup"))) {
        out.push(rustup.join("settings.toml"));
        let toolchains = rustup.join("toolchains");
        // `rustup update` rewrites a toolchain in place: its directory list stays the same, its
        // rustc does not.
        if let Ok(dir) = std::fs::read_dir(&toolchains) {
            let mut compilers: Vec<PathBuf> = dir
                .flatten()
                .map(|e| e.path().join("bin").join("rustc"))
                .collect();
            compilers.sort();
            out.extend(compilers);
        }
        out.push(toolchains);
    }
    if let Some(pyenv) = get("PYENV_ROOT").or_else(|| home.as_ref().map(|h| h.join(".pyenv"))) {
        out.push(pyenv.join("version"));
    }
    out
}

/// Paths interned to ids, with the identity recorded on disk and the one seen in this run.
#[derive(Default)]
pub(crate) struct PathTable {
    pub slots: Vec<PathSlot>,
    pub index: HashMap<PathBuf, u32>,
}

pub(crate) struct PathSlot {
    pub path: PathBuf,
    /// The identity the cache file recorded.
    pub disk: Option<Ident>,
    /// The identity seen in this run (memoised `stat`).
    pub current: Option<Ident>,
}

impl PathTable {
    pub fn intern(&mut self, path: &Path) -> u32 {
        if let Some(&id) = self.index.get(path) {
            return id;
        }
        let id = self.slots.len() as u32;
        self.slots.push(PathSlot {
            path: path.to_path_buf(),
            disk: None,
            current: None,
        });
        self.index.insert(path.to_path_buf(), id);
        id
    }

    /// The identity of `id` in this run: one `stat` per path per run.
    pub fn current(&mut self, id: u32) -> Ident {
        let slot = &mut self.slots[id as usize];
        *slot.current.get_or_insert_with(|| Ident::of(&slot.path))
    }

    pub fn unchanged(&mut self, id: u32) -> bool {
        let cur = self.current(id);
        self.slots[id as usize].disk == Some(cur)
    }
}
