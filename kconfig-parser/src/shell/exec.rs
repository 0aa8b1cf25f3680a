//! Running one command the way `do_shell` in `scripts/kconfig/preprocess.c` does.
//!
//! `do_shell` (identical in 6.1 and 6.12) calls `popen(cmd, "r")`, so `/bin/sh -c CMD` with
//! `argv[0] = "sh"` in conf's cwd and environment; one `fread` of at most 4096 bytes, of which
//! 4095 are kept when the buffer fills; trailing newlines are dropped, the remaining newlines
//! become spaces; `xstrdup` stops at the first NUL; `pclose` closes the pipe (a command still
//! writing gets SIGPIPE) and waits; the exit status is ignored. stderr is conf's own stderr: here
//! it is captured so that a cached answer can replay it.
//!
//! kbuild's own `$(shell ...)` in the Makefiles (`CC_VERSION_TEXT`, ...) is GNU make's
//! `func_shell_base`: the same `/bin/sh -c`, but all of stdout is read and folded by
//! `fold_newlines` ([`Flavor::Make`]).

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};

use super::{ShellError, ShellOutput};

/// Size of `do_shell`'s buffer.
const DO_SHELL_BUF: usize = 4096;

/// Whose `$(shell ...)` a command is run for: how much of its output is read, and how it is
/// post-processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Kconfig's `$(shell,...)`: `do_shell` in `scripts/kconfig/preprocess.c`.
    Kconfig,
    /// GNU make's `$(shell ...)` in the kbuild Makefiles (stderr goes to make's stderr; here it
    /// is captured and not shown).
    Make,
}

/// Runs `cmd` with `/bin/sh -c` in `cwd` with exactly `env`, as `do_shell` would.
#[cfg(test)]
pub(crate) fn run_command(
    cmd: &str,
    cwd: &Path,
    env: &[(OsString, OsString)],
) -> Result<ShellOutput, ShellError> {
    run_flavored(cmd, cwd, env, Flavor::Kconfig)
}

/// Runs `cmd` with `/bin/sh -c` in `cwd` with exactly `env`, as `flavor` says.
pub(crate) fn run_flavored(
    cmd: &str,
    cwd: &Path,
    env: &[(OsString, OsString)],
    flavor: Flavor,
) -> Result<ShellOutput, ShellError> {
    let mut child = Command::new("/bin/sh")
        .arg0("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        // conf's stdin is whatever make had; nothing in Kconfig reads it, and a cache must not
        // depend on it.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ShellError::Spawn {
            cmd: cmd.to_string(),
            hint: spawn_hint(cwd),
            source,
        })?;
    let io_err = |source| ShellError::Io {
        cmd: cmd.to_string(),
        source,
    };
    let mut stderr_pipe = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(pipe) = stderr_pipe.as_mut() {
            // A read error only loses diagnostics, never the answer.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    });
    let mut buf = Vec::with_capacity(256);
    let read_result = match (child.stdout.take(), flavor) {
        // `fread(buf, 1, 4096, p)`, then `pclose`: the pipe is closed after at most 4096 bytes.
        (Some(stdout), Flavor::Kconfig) => stdout.take(DO_SHELL_BUF as u64).read_to_end(&mut buf),
        (Some(mut stdout), Flavor::Make) => stdout.read_to_end(&mut buf),
        (None, _) => Ok(0),
    };
    let status = child.wait();
    let stderr = stderr_reader.join().unwrap_or_default();
    read_result.map_err(io_err)?;
    let status = status.map_err(io_err)?;
    let status = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let stdout = match flavor {
        Flavor::Kconfig => do_shell_text(&buf),
        Flavor::Make => make_shell_text(&buf),
    };
    Ok(ShellOutput {
        stdout,
        stderr,
        status,
    })
}

/// Why starting `/bin/sh` failed, when the cause is not the shell itself: `spawn` reports a
/// missing working directory or `/dev/null` (opened for stdin) as "No such file or directory".
fn spawn_hint(cwd: &Path) -> String {
    let mut hints = Vec::new();
    if !cwd.is_dir() {
        hints.push(format!(
            "the working directory {} is missing",
            cwd.display()
        ));
    }
    if !Path::new(super::devnull::DEV_NULL).exists() {
        hints.push("/dev/null is missing".to_string());
    }
    if !Path::new("/bin/sh").exists() {
        hints.push("/bin/sh is missing".to_string());
    }
    if hints.is_empty() {
        String::new()
    } else {
        format!(" ({})", hints.join("; "))
    }
}

/// The value make's `$(shell ...)` gives for a command's whole stdout: `fold_newlines` (GNU
/// make 4.3, `function.c`) stops at a NUL, drops the `\r` of `\r\n`, turns newlines into
/// spaces and removes the trailing ones.
pub(crate) fn make_shell_text(raw: &[u8]) -> String {
    let raw = match raw.iter().position(|&b| b == 0) {
        Some(nul) => &raw[..nul],
        None => raw,
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut kept = 0;
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            continue;
        }
        if b == b'\n' {
            out.push(b' ');
        } else {
            out.push(b);
            kept = out.len();
        }
    }
    out.truncate(kept);
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The string `do_shell` returns for what `fread` got.
pub(crate) fn do_shell_text(raw: &[u8]) -> String {
    let mut n = raw.len().min(DO_SHELL_BUF);
    if n == DO_SHELL_BUF {
        n -= 1;
    }
    while n > 0 && raw[n - 1] == b'\n' {
        n -= 1;
    }
    let kept = &raw[..n];
    // xstrdup(buf) ends at the first NUL.
    let kept = match kept.iter().position(|&b| b == 0) {
        Some(nul) => &kept[..nul],
        None => kept,
    };
    let bytes: Vec<u8> = kept
        .iter()
        .map(|&b| if b == b'\n' { b' ' } else { b })
        .collect();
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
