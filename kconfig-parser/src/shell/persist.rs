//! Loading a runner's answers from its cache file, and saving them, merged with what other
//! runners of the same file saved meanwhile.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::deps::PathTable;
use super::store::{self, LoadProblem, StoredCache, StoredEntry};
use super::{Entry, ShellError, ShellOutput, ShellRunner, State, Validity};

impl ShellRunner {
    /// Writes the disk cache atomically (temporary file + rename) if anything changed. Entries
    /// whose files changed are dropped. A no-op for [`CacheMode::MemoryOnly`].
    ///
    /// Runners sharing the cache file (the same tree, arch and environment, in this process or
    /// another) save one at a time, under a lock on `.lock` in the cache directory, and each
    /// keeps what the others saved meanwhile if its files are still as they were then: no answer
    /// is lost to a race, and none is kept that a changed file made stale.
    pub fn save(&self) -> Result<(), ShellError> {
        let Some(file) = &self.cache_file else {
            return Ok(());
        };
        let mut st = self.lock();
        if !st.dirty {
            return Ok(());
        }
        let State { paths, entries, .. } = &mut *st;
        for e in entries.values_mut() {
            if e.validity == Validity::Unchecked {
                e.validity = if e.deps.iter().all(|&d| paths.unchanged(d)) {
                    Validity::Valid
                } else {
                    Validity::Stale
                };
            }
        }
        // (command, output, dependency ids in `paths`)
        let mut keep: Vec<(String, Arc<ShellOutput>, Vec<u32>)> = entries
            .iter()
            .filter(|(_, e)| matches!(e.validity, Validity::Fresh | Validity::Valid))
            .map(|(cmd, e)| (cmd.clone(), e.output.clone(), e.deps.to_vec()))
            .collect();
        let dir = file.parent().unwrap_or(Path::new("."));
        let _lock = store::lock_dir(dir)?;
        self.merge_saved_meanwhile(file, paths, &mut keep);
        keep.sort_by(|a, b| a.0.cmp(&b.0));
        let mut remap: HashMap<u32, u32> = HashMap::new();
        let mut stored = StoredCache {
            paths: Vec::new(),
            entries: Vec::with_capacity(keep.len()),
        };
        for (cmd, output, our_deps) in keep {
            let mut deps = Vec::with_capacity(our_deps.len());
            for d in our_deps {
                let new = *remap.entry(d).or_insert_with(|| {
                    stored
                        .paths
                        .push((paths.slots[d as usize].path.clone(), paths.current(d)));
                    (stored.paths.len() - 1) as u32
                });
                deps.push(new);
            }
            stored.entries.push(StoredEntry {
                cmd,
                stdout: output.stdout.clone(),
                stderr: output.stderr.clone(),
                status: output.status,
                deps,
            });
        }
        let bytes = store::encode(&stored, &self.env_hash);
        store::write_atomically(file, &bytes)?;
        st.dirty = false;
        drop(st);
        store::remove_old_cache_files(dir);
        Ok(())
    }

    /// Adds to `keep` the entries of the cache file on disk that `keep` lacks and whose files
    /// are all as the file recorded them (so as this runner sees them now).
    fn merge_saved_meanwhile(
        &self,
        file: &Path,
        paths: &mut PathTable,
        keep: &mut Vec<(String, Arc<ShellOutput>, Vec<u32>)>,
    ) {
        let Ok(data) = std::fs::read(file) else {
            return;
        };
        let Ok(disk) = store::decode(&data, &self.env_hash) else {
            return;
        };
        let known: HashSet<String> = keep.iter().map(|(c, _, _)| c.clone()).collect();
        let mut ids: Vec<Option<u32>> = vec![None; disk.paths.len()];
        for e in disk.entries {
            if known.contains(&e.cmd) {
                continue;
            }
            let mut deps = Vec::with_capacity(e.deps.len());
            let mut valid = true;
            for &d in &e.deps {
                let (path, ident) = &disk.paths[d as usize];
                let id = *ids[d as usize].get_or_insert_with(|| paths.intern(path));
                if paths.current(id) != *ident {
                    valid = false;
                    break;
                }
                deps.push(id);
            }
            if valid {
                let output = Arc::new(ShellOutput {
                    stdout: e.stdout,
                    stderr: e.stderr,
                    status: e.status,
                });
                keep.push((e.cmd, output, deps));
            }
        }
    }

    /// Reads the cache file, if any, into the (still empty) state.
    pub(super) fn load(&mut self) {
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
}
