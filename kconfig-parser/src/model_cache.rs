//! A finished load kept on disk: the finalised model of one tree and architecture, with what
//! conf printed while parsing it, reused for as long as every input of the parse is unchanged.
//!
//! A load is a function of (1) the Kconfig files, (2) the environment variables they read,
//! (3) the answers of the `$(shell,...)` commands they ran and (4) the code that parsed them.
//! An entry records each, and is used only if all still hold:
//! - (1) the identity (`fstat` when read: dev, inode, size, mtime, ctime, mode) of every file
//!   read, which must equal a fresh `stat` of its path;
//! - (2) the name and value of every variable read, which must equal kbuild's environment now;
//! - (3) a blake3 of every shell answer used, which must equal the shell cache's validated
//!   answer now (the shell cache notices a changed compiler: see [`crate::shell`]);
//! - (4) the identity of the running executable, in the entry's key with the tree, the
//!   environment fingerprint of the shell runner and the tree's version.
//!
//! ```text
//! magic "KTMODEL\0" | u32 format | [32] key | u32 inputs length | inputs
//!                   | [32] blake3(body) | body           (inputs and body: postcard)
//! ```
//! Anything unexpected (another format, a damaged file) is a miss: the tree is parsed again and
//! the entry replaced. Entries are written through a temporary file and a rename.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::loader::on_big_stack;
use crate::model::Model;
use crate::preprocess::Output;
use crate::shell::Ident;

const MAGIC: &[u8; 8] = b"KTMODEL\0";
/// Bumped whenever the layout or the meaning of the cached data changes.
const FORMAT_VERSION: u32 = 1;
/// Entries kept per cache directory; the least recently written beyond this are removed.
const MAX_ENTRIES: usize = 64;

/// What a parse read, to decide whether its result still holds.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Inputs {
    /// Every Kconfig file read, with its identity when it was read.
    pub files: Vec<(PathBuf, Ident)>,
    /// Every environment variable read, with its value.
    pub env: Vec<(String, String)>,
    /// Every `$(shell,...)` command whose answer was used, with [`answer_hash`] of the answer.
    pub shell: Vec<(String, [u8; 32])>,
}

/// The result of a load that the cache keeps, as read back.
#[derive(serde::Deserialize)]
pub(crate) struct Body {
    pub model: Model,
    pub messages: Vec<Output>,
    pub env_used: Vec<(String, String)>,
}

/// The same, borrowed from the load being stored (it encodes exactly as [`Body`]).
#[derive(serde::Serialize)]
pub(crate) struct BodyRef<'a> {
    pub model: &'a Model,
    pub messages: &'a [Output],
    pub env_used: &'a [(String, String)],
}

/// The hash [`Inputs::shell`] records of an answer.
pub(crate) fn answer_hash(stdout: &str, stderr: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&(stdout.len() as u64).to_le_bytes());
    h.update(stdout.as_bytes());
    h.update(stderr);
    *h.finalize().as_bytes()
}

/// The key of a load: the running executable, the tree, its version and the shell runner's
/// environment fingerprint (which covers ARCH, SRCARCH and the toolchain variables).
pub(crate) fn key(tree: &Path, version: (u32, u32), env_fingerprint: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"ktailor model\0");
    h.update(&FORMAT_VERSION.to_le_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    let exe = std::env::current_exe()
        .map(|p| Ident::of(&p))
        .unwrap_or_else(|_| Ident::of(Path::new("")));
    h.update(&postcard::to_stdvec(&exe).unwrap_or_default());
    let tree = std::fs::canonicalize(tree).unwrap_or_else(|_| tree.to_path_buf());
    h.update(tree.as_os_str().as_encoded_bytes());
    h.update(&[0]);
    h.update(&version.0.to_le_bytes());
    h.update(&version.1.to_le_bytes());
    h.update(env_fingerprint);
    *h.finalize().as_bytes()
}

/// The file of a key in `dir`, named after the architecture for people looking at the cache.
pub(crate) fn entry_path(dir: &Path, arch: &str, key: &[u8; 32]) -> PathBuf {
    dir.join(crate::shell::cache_file_name(arch, key, "model"))
}

/// Whether every recorded input still holds: files by identity (`stat`ed in parallel, so not
/// to be called from a thread outside rayon's pool while its workers wait for this one), the
/// environment through `getenv`, shell answers through `answer` (the hash of today's answer).
pub(crate) fn inputs_hold(
    inputs: &Inputs,
    getenv: &dyn Fn(&str) -> Option<String>,
    answer: &dyn Fn(&str) -> Option<[u8; 32]>,
) -> bool {
    inputs
        .env
        .iter()
        .all(|(k, v)| getenv(k).as_deref() == Some(v.as_str()))
        && inputs
            .shell
            .iter()
            .all(|(cmd, hash)| answer(cmd).as_ref() == Some(hash))
        && inputs
            .files
            .par_iter()
            .all(|(path, ident)| Ident::of(path) == *ident)
}

/// Reads the entry at `path` if it is for `key` and `valid` accepts its inputs. `None` on a
/// miss of any kind (no entry, another key or format, stale inputs, damage).
pub(crate) fn load(path: &Path, key: &[u8; 32], valid: impl Fn(&Inputs) -> bool) -> Option<Body> {
    let data = std::fs::read(path).ok()?;
    let header = 8 + 4 + 32 + 4;
    if data.len() < header || &data[..8] != MAGIC {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    if word(8) != FORMAT_VERSION || &data[12..44] != key {
        return None;
    }
    let inputs_end = header.checked_add(word(44) as usize)?;
    let body_start = inputs_end.checked_add(32)?;
    if data.len() < body_start {
        return None;
    }
    let inputs: Inputs = postcard::from_bytes(&data[header..inputs_end]).ok()?;
    if !valid(&inputs) {
        return None;
    }
    let body = &data[body_start..];
    if blake3::hash(body).as_bytes() != &data[inputs_end..body_start] {
        return None;
    }
    on_big_stack(|| postcard::from_bytes(body).ok())
        .ok()
        .flatten()
}

/// Writes an entry (temporary file and rename), then trims the directory to [`MAX_ENTRIES`].
pub(crate) fn store(
    path: &Path,
    key: &[u8; 32],
    inputs: &Inputs,
    body: &BodyRef<'_>,
) -> Result<(), String> {
    let inputs = postcard::to_stdvec(inputs).map_err(|e| e.to_string())?;
    let body = on_big_stack(|| postcard::to_stdvec(body))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(body.len() + inputs.len() + 96);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&(inputs.len() as u32).to_le_bytes());
    out.extend_from_slice(&inputs);
    out.extend_from_slice(blake3::hash(&body).as_bytes());
    out.extend_from_slice(&body);
    crate::confdata::write_atomic(path, &out).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        trim(dir);
    }
    Ok(())
}

/// Removes the oldest entries beyond [`MAX_ENTRIES`].
fn trim(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "model"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() <= MAX_ENTRIES {
        return;
    }
    entries.sort();
    for (_, p) in &entries[..entries.len() - MAX_ENTRIES] {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
#[path = "model_cache_tests.rs"]
mod tests;
