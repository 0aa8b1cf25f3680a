//! Reading and writing configurations as scripts/kconfig/confdata.c does: `.config` files
//! (`conf_read`, `conf_write`), minimal defconfigs (`conf_write_defconfig`), and the files the
//! build reads (`conf_write_autoconf`: include/config/auto.conf, include/generated/autoconf.h,
//! include/generated/rustc_cfg).
//!
//! conf runs in the objtree and resolves relative names there first, then under `$srctree`
//! (`zconf_fopen`); it reads its settings from the environment (`KCONFIG_CONFIG`,
//! `KCONFIG_DEFCONFIG_LIST`, `KCONFIG_WARN_UNKNOWN_SYMBOLS`, ...). [`ConfEnv`] is that context.
//! Everything conf prints goes to the [`crate::eval::Config`]'s messages, in order.

mod autoconf;
mod defconfig;
mod read;
mod write;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use autoconf::{autoconf_text, conf_write_autoconf, AutoconfDeps, AutoconfFiles};
pub use defconfig::{conf_write_defconfig, defconfig_text};
pub use read::{conf_read, conf_read_simple, conf_read_text, ReadResult};
pub use write::{conf_write, config_text, escape_string_value, print_listconfig, WriteOutcome};

/// Why a configuration could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// conf refuses to write a configuration where a directory is (`%s: Is a directory`).
    #[error("{0}: Is a directory")]
    IsDirectory(String),
    /// `KCONFIG_CONFIG` is set to the empty string (`config name is empty`).
    #[error("config name is empty")]
    EmptyName,
}

impl ConfError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        ConfError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where and how conf runs: its working directory (kbuild runs it in the objtree), the
/// environment it sees, and `-s`. Files can be held in memory instead of on disk (for dry
/// runs and for the intermediate files of multi-step targets).
#[derive(Clone, Debug)]
pub struct ConfEnv {
    /// The working directory: relative file names are looked up here first.
    pub cwd: PathBuf,
    vars: HashMap<String, String>,
    /// `conf -s`: no `conf_message` output ("configuration written to ...").
    pub silent: bool,
    /// Write files into [`ConfEnv::overlay`] instead of the file system.
    pub in_memory: bool,
    /// Files that shadow the file system, by resolved path.
    pub overlay: HashMap<PathBuf, Vec<u8>>,
}

impl ConfEnv {
    /// A context with an explicit environment.
    pub fn new(cwd: impl Into<PathBuf>, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        ConfEnv {
            cwd: cwd.into(),
            vars: vars.into_iter().collect(),
            silent: true,
            in_memory: false,
            overlay: HashMap::new(),
        }
    }

    /// The context `make O=cwd ...config` gives conf: kbuild's environment, `-s` as with
    /// `make -s`.
    pub fn from_kbuild(env: &crate::kbuild::KbuildEnv, cwd: impl Into<PathBuf>) -> Self {
        let vars = env.child_env().into_iter().map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        });
        Self::new(cwd, vars)
    }

    /// `getenv`
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// `setenv`
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// `unsetenv`
    pub fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// A name as conf would open it, relative to the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.cwd.join(name)
    }

    /// Reads a file (the overlay first), `None` if it cannot be opened.
    pub fn read_file(&self, path: &Path) -> Result<Option<Vec<u8>>, ConfError> {
        if let Some(d) = self.overlay.get(path) {
            return Ok(Some(d.clone()));
        }
        read_if_exists(path)
    }

    /// Writes a file atomically, or into the overlay when [`ConfEnv::in_memory`].
    pub fn write_file(&mut self, path: &Path, data: &[u8]) -> Result<(), ConfError> {
        if self.in_memory {
            self.overlay.insert(path.to_path_buf(), data.to_vec());
            return Ok(());
        }
        write_atomic(path, data)
    }

    /// `zconf_fopen`: reads `name`, else (for a relative name) `$srctree/name`. `Ok(None)`
    /// when neither exists.
    pub fn zconf_fopen(&self, name: &str) -> Result<Option<Vec<u8>>, ConfError> {
        match self.read_file(&self.path(name))? {
            Some(b) => Ok(Some(b)),
            None if !name.starts_with('/') => match self.get("srctree") {
                Some(src) => self.read_file(&self.path(&format!("{src}/{name}"))),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// `conf_get_configname`: `KCONFIG_CONFIG`, else `.config`.
    pub fn configname(&self) -> &str {
        self.get("KCONFIG_CONFIG").unwrap_or(".config")
    }
}

/// Reads a file, `None` if it cannot be opened (as `fopen` failing): conf treats a missing and
/// an unreadable file alike. A directory opens, and reads as empty (`getline` fails at once).
fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, ConfError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::IsADirectory => Ok(Some(Vec::new())),
        Err(_) => Ok(None),
    }
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename, so
/// that a failure leaves the old file as it was.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), ConfError> {
    make_parent_dir(path)?;
    let tmp = tmp_name(path);
    fs::write(&tmp, data).map_err(|e| ConfError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ConfError::io(path, e)
    })
}

/// `name.PID.tmp`, as conf_write names its temporary file.
pub(crate) fn tmp_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(s)
}

/// `make_parent_dir`: creates the directories above a file.
pub(crate) fn make_parent_dir(path: &Path) -> Result<(), ConfError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => {
            fs::create_dir_all(p).map_err(|e| ConfError::io(p, e))
        }
        _ => Ok(()),
    }
}

/// `conf_message`'s default callback: `#\n# text\n#\n` on stdout (nothing with `-s`).
pub(crate) fn conf_message(cfg: &mut crate::eval::Config<'_>, env: &ConfEnv, text: &str) {
    if !env.silent {
        cfg.stdout(format!("#\n# {text}\n#\n"));
    }
}
