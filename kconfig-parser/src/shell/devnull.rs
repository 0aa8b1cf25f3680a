//! Keeping `/dev/null` the null device while Kconfig's commands run.
//!
//! Kconfig's commands read it (`-x c /dev/null`) and write it (`-o /dev/null`, `>/dev/null 2>&1`
//! in every `$(success,...)`). If it is a regular file, compilers read garbage and answers are
//! wrong; if it is missing, no process can be started with its stdin on it. On this project's
//! machines it was broken by the kernel's own conf: `conf_write` backs the configuration up
//! with `rename(name, "name.old")` and moves its temporary file over `name`, so running conf as
//! root with `KCONFIG_CONFIG=/dev/null` renames the device to `/dev/null.old` and leaves a
//! regular file in its place, which every later `>/dev/null` then writes into.
//!
//! [`ShellRunner::run_batch`](super::ShellRunner::run_batch) checks the device around every
//! batch: as root it puts a character device 1:3 back (`mknod` through the `libc` crate into a
//! temporary name in the same directory, then `rename` over the path, so that the path never
//! goes missing) and runs the batch again; otherwise it fails with [`ShellError::DevNull`].

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::ShellError;

/// The null device every command uses.
pub(crate) const DEV_NULL: &str = "/dev/null";

/// What is at the null device's path: enough to tell a healthy device, and whether it was
/// replaced between two looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NullState {
    /// Whether it is the null device: a character device 1:3.
    pub ok: bool,
    dev: u64,
    ino: u64,
    /// The ctime, which a rename onto the path or a `chmod` changes.
    ctime_ns: i64,
}

impl NullState {
    /// `stat(path)` (without following a symlink: a symlink to something else is not the
    /// device).
    pub(crate) fn of(path: &Path) -> NullState {
        match std::fs::symlink_metadata(path) {
            Ok(m) => NullState {
                ok: m.file_type().is_char_device() && m.rdev() == libc::makedev(1, 3),
                dev: m.dev(),
                ino: m.ino(),
                ctime_ns: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
            },
            Err(_) => NullState {
                ok: false,
                dev: 0,
                ino: 0,
                ctime_ns: 0,
            },
        }
    }
}

/// What is at `path` instead of the null device, for messages.
pub(crate) fn describe(path: &Path) -> String {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "it is missing".to_string(),
        Err(e) => format!("it cannot be inspected: {e}"),
        Ok(m) => {
            let t = m.file_type();
            if t.is_file() {
                format!("it is a regular file of {} bytes", m.len())
            } else if t.is_dir() {
                "it is a directory".to_string()
            } else if t.is_symlink() {
                "it is a symbolic link".to_string()
            } else if t.is_char_device() {
                let (major, minor) = (libc::major(m.rdev()), libc::minor(m.rdev()));
                format!("it is the character device {major}:{minor}, not 1:3")
            } else {
                "it is not a character device".to_string()
            }
        }
    }
}

/// Whether this process may recreate device nodes (it runs as root).
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Puts the null device back at `path`, atomically: `mknod` a character device 1:3, mode 0666,
/// under a temporary name in the same directory, then `rename` it over `path`.
/// Returns what was there, for the warning. Fails when not root or when the kernel refuses.
pub(crate) fn restore(path: &Path) -> Result<String, ShellError> {
    // One repair at a time in this process: a runner that finds the device broken after
    // another one put it back must not replace it again under commands already running.
    static REPAIR: Mutex<()> = Mutex::new(());
    let _one_at_a_time = REPAIR.lock().unwrap_or_else(|e| e.into_inner());
    if NullState::of(path).ok {
        return Ok("it was put back meanwhile by another runner".to_string());
    }
    let found = describe(path);
    let fail = |why: String| ShellError::DevNull {
        path: path.to_path_buf(),
        found: found.clone(),
        why,
    };
    if !is_root() {
        return Err(fail(format!(
            "not running as root, so it cannot be repaired here; as root, run: \
             rm -f {0} && mknod -m 666 {0} c 1 3",
            path.display()
        )));
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("/"));
    let tmp: PathBuf = dir.join(format!(
        ".ktailor-null-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let c_tmp = CString::new(tmp.as_os_str().as_bytes())
        .map_err(|_| fail("the path holds a NUL byte".to_string()))?;
    // SAFETY: c_tmp is a valid NUL-terminated path; mknod only reads it.
    let made = unsafe { libc::mknod(c_tmp.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        let e = std::io::Error::last_os_error();
        return Err(fail(format!("mknod {}: {e}", tmp.display())));
    }
    // mknod applied the umask.
    let finish = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o666))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = finish {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(format!(
            "putting a new device node at {}: {e}",
            path.display()
        )));
    }
    Ok(found)
}
