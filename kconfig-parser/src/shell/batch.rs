//! Running a batch of commands: in parallel, in a scratch directory that exists, with the null
//! device checked around it.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::devnull::{self, NullState};
use super::{exec, Entry, RunResult, ShellError, ShellOutput, ShellRunner, Validity};

impl ShellRunner {
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
        let before = self.prepare()?;
        let mut results = self.run_all(&todo);
        let after = NullState::of(&self.null_device);
        if after != before {
            // The null device was replaced while the commands ran (and maybe put back): any of
            // them may have read or written a regular file. Repair it and run them all again.
            let what = if after.ok {
                "was replaced by another device node".to_string()
            } else {
                devnull::restore(&self.null_device)?
            };
            self.warn(format!(
                "{} stopped being the null device while Kconfig's commands ran ({what}); it was \
                 put back and the {} commands of that batch were run again",
                self.null_device.display(),
                todo.len()
            ));
            let again = self.prepare()?;
            results = self.run_all(&todo);
            let now = NullState::of(&self.null_device);
            if now != again {
                return Err(ShellError::DevNull {
                    path: self.null_device.clone(),
                    found: devnull::describe(&self.null_device),
                    why: "it was replaced again while the commands ran a second time; something \
                          on this machine keeps replacing it (a conf run as root with \
                          KCONFIG_CONFIG=/dev/null does)"
                        .to_string(),
                });
            }
        } else if results
            .iter()
            .any(|(_, r)| matches!(r, Err(ShellError::Spawn { .. })))
        {
            // A process could not start: a scratch directory someone removed, a momentarily
            // missing /dev/null, a full process table. Run those commands once more.
            self.prepare()?;
            for (cmd, r) in results.iter_mut() {
                if matches!(r, Err(ShellError::Spawn { .. })) {
                    *r = self.run_one(cmd);
                }
            }
        }
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

    /// Runs `todo` in parallel.
    fn run_all<'c>(&self, todo: &[&'c str]) -> Vec<(&'c str, RunResult)> {
        todo.par_iter()
            .map(|&cmd| (cmd, self.run_one(cmd)))
            .collect()
    }

    /// Runs one command, with the dependencies recorded before it starts: if it changes a file
    /// it names, the next run sees the change and runs it again.
    fn run_one(&self, cmd: &str) -> RunResult {
        let deps = self.deps_of(cmd);
        exec::run_flavored(cmd, &self.cwd, &self.env, self.flavor).map(|out| (out, deps))
    }

    /// Before commands run: the scratch directory exists (created now, or again if someone
    /// removed it), and the null device is one (restored if it is not, as root). Returns the
    /// state of the null device, to compare with after the commands.
    fn prepare(&self) -> Result<NullState, ShellError> {
        std::fs::create_dir_all(&self.cwd).map_err(|source| ShellError::CacheDir {
            path: self.cwd.clone(),
            source,
        })?;
        let state = NullState::of(&self.null_device);
        if state.ok {
            return Ok(state);
        }
        let found = devnull::restore(&self.null_device)?;
        self.warn(format!(
            "{} was not the null device ({found}); it was put back before running Kconfig's \
             commands",
            self.null_device.display()
        ));
        Ok(NullState::of(&self.null_device))
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
            None => self.run_one(cmd).map(|(out, _)| Arc::new(out)),
        }
    }
}
