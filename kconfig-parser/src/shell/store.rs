//! The on-disk form of a shell cache: one file per environment fingerprint (so per tree, arch
//! and toolchain setup), in a compact binary format that loads in well under a millisecond.
//!
//! ```text
//! magic "KTSHELL\0" | u32 format | [32] env fingerprint | [32] blake3(body) | body
//! body: u32 n_paths, n_paths × (bytes path, ident)
//!       u32 n_entries, n_entries × (bytes cmd, bytes stdout, bytes stderr, i32 status,
//!                                   u32 n_deps, n_deps × u32 path index)
//! bytes = u32 length + data; integers little-endian; ident = u8 kind, u64 dev, ino, size,
//!         i64 mtime_ns, ctime_ns, u32 mode
//! ```
//! Every path identity in a file is the one all its entries were validated against.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::deps::Ident;
use super::ShellError;

const MAGIC: &[u8; 8] = b"KTSHELL\0";
/// Bumped whenever the layout or the meaning of a field changes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// One cached command, as stored.
pub(crate) struct StoredEntry {
    pub cmd: String,
    pub stdout: String,
    pub stderr: Vec<u8>,
    pub status: i32,
    pub deps: Vec<u32>,
}

/// A whole cache file.
pub(crate) struct StoredCache {
    pub paths: Vec<(PathBuf, Ident)>,
    pub entries: Vec<StoredEntry>,
}

/// Why a file was not used.
pub(crate) enum LoadProblem {
    /// Written by another format version, or for another environment: silently replaced.
    Foreign,
    /// Damaged: replaced, with a warning.
    Corrupt(String),
}

pub(crate) fn encode(cache: &StoredCache, env_hash: &[u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(64 * 1024);
    put_u32(&mut body, cache.paths.len() as u32);
    for (path, id) in &cache.paths {
        put_bytes(&mut body, path.as_os_str().as_bytes());
        body.push(id.kind);
        body.extend_from_slice(&id.dev.to_le_bytes());
        body.extend_from_slice(&id.ino.to_le_bytes());
        body.extend_from_slice(&id.size.to_le_bytes());
        body.extend_from_slice(&id.mtime_ns.to_le_bytes());
        body.extend_from_slice(&id.ctime_ns.to_le_bytes());
        put_u32(&mut body, id.mode);
    }
    put_u32(&mut body, cache.entries.len() as u32);
    for e in &cache.entries {
        put_bytes(&mut body, e.cmd.as_bytes());
        put_bytes(&mut body, e.stdout.as_bytes());
        put_bytes(&mut body, &e.stderr);
        body.extend_from_slice(&e.status.to_le_bytes());
        put_u32(&mut body, e.deps.len() as u32);
        for d in &e.deps {
            put_u32(&mut body, *d);
        }
    }
    let mut out = Vec::with_capacity(body.len() + 76);
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, FORMAT_VERSION);
    out.extend_from_slice(env_hash);
    out.extend_from_slice(blake3::hash(&body).as_bytes());
    out.extend_from_slice(&body);
    out
}

pub(crate) fn decode(data: &[u8], env_hash: &[u8; 32]) -> Result<StoredCache, LoadProblem> {
    let corrupt = |what: &str| LoadProblem::Corrupt(what.to_string());
    if data.len() < 76 || &data[..8] != MAGIC {
        return Err(corrupt(
            "not a ktailor shell cache (bad magic or truncated header)",
        ));
    }
    let version = u32::from_le_bytes([data[8], data[9], data[10], data[11]]);
    if version != FORMAT_VERSION || &data[12..44] != env_hash {
        return Err(LoadProblem::Foreign);
    }
    let body = &data[76..];
    if blake3::hash(body).as_bytes() != &data[44..76] {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = Reader { data: body, pos: 0 };
    let parse = |r: &mut Reader<'_>| -> Option<StoredCache> {
        let n_paths = r.u32()? as usize;
        let mut paths = Vec::with_capacity(n_paths.min(1 << 20));
        for _ in 0..n_paths {
            let path = PathBuf::from(OsStr::from_bytes(r.bytes()?));
            let id = Ident {
                kind: r.u8()?,
                dev: r.u64()?,
                ino: r.u64()?,
                size: r.u64()?,
                mtime_ns: r.u64()? as i64,
                ctime_ns: r.u64()? as i64,
                mode: r.u32()?,
            };
            paths.push((path, id));
        }
        let n_entries = r.u32()? as usize;
        let mut entries = Vec::with_capacity(n_entries.min(1 << 20));
        for _ in 0..n_entries {
            let cmd = String::from_utf8(r.bytes()?.to_vec()).ok()?;
            let stdout = String::from_utf8(r.bytes()?.to_vec()).ok()?;
            let stderr = r.bytes()?.to_vec();
            let status = r.u32()? as i32;
            let n_deps = r.u32()? as usize;
            let mut deps = Vec::with_capacity(n_deps.min(1 << 16));
            for _ in 0..n_deps {
                let d = r.u32()?;
                if d as usize >= n_paths {
                    return None;
                }
                deps.push(d);
            }
            entries.push(StoredEntry {
                cmd,
                stdout,
                stderr,
                status,
                deps,
            });
        }
        (r.pos == r.data.len()).then_some(StoredCache { paths, entries })
    };
    parse(&mut r).ok_or_else(|| corrupt("malformed body"))
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// Cache files untouched for this long are removed when another one is saved.
pub(crate) const STALE_FILE_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
pub(crate) const CACHE_EXT: &str = "ktshell";

/// Writes `bytes` to a temporary sibling of `file`, then renames it over `file`.
pub(crate) fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), ShellError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = file.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let write = std::fs::write(&tmp, bytes).map_err(|source| ShellError::Write {
        path: tmp.clone(),
        source,
    });
    let result = write.and_then(|()| {
        std::fs::rename(&tmp, file).map_err(|source| ShellError::Write {
            path: file.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The lock every save in `dir` takes (`flock` on `dir/.lock`, released when the file is
/// dropped): runners of this process and of others save one at a time.
pub(crate) fn lock_dir(dir: &Path) -> Result<std::fs::File, ShellError> {
    let path = dir.join(".lock");
    let err = |source| ShellError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(err)?;
    file.lock().map_err(err)?;
    Ok(file)
}

/// Removes cache files (and leftover temporaries) nobody wrote for [`STALE_FILE_AGE`].
pub(crate) fn remove_old_cache_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.ends_with(&format!(".{CACHE_EXT}")) || (n.starts_with('.') && n.ends_with(".tmp"))
        });
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_FILE_AGE);
        if ours && old {
            let _ = std::fs::remove_file(&path);
        }
    }
}
