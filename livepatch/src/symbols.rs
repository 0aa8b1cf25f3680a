//! The target kernel's symbols: its symbol table in System.map / `/proc/kallsyms` form (for
//! livepatch symbol positions) and its `Module.symvers` (which symbols modules may link to).
//!
//! A livepatch symbol `.klp.sym.vmlinux.NAME,POS` is resolved by the kernel by walking kallsyms
//! in order and counting symbols called NAME: POS 0 means the name must be unique, POS N picks
//! the N-th. Same-named static symbols are common (`show_stat`, `proc_open`, ...), so POS is
//! found by looking at which of the candidates sits among the other symbols of the object the
//! patch was built from: the linker lays an object's functions and data out together.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// An error reading a symbol file, naming the file and line.
#[derive(Debug, thiserror::Error)]
pub enum SymbolsError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not in the expected format.
    #[error("{path}:{line}: {msg}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong and what to do.
        msg: String,
    },
}

/// One symbol of the target kernel.
#[derive(Debug, Clone)]
pub struct KernelSymbol {
    /// The symbol's name.
    pub name: String,
    /// The nm type letter (`t`, `T`, `d`, `b`, ...).
    pub kind: char,
    /// The module it belongs to, `None` for vmlinux.
    pub module: Option<String>,
}

/// The target kernel's symbol table, in kallsyms order.
#[derive(Debug, Clone)]
pub struct SymbolMap {
    symbols: Vec<KernelSymbol>,
    by_name: HashMap<String, Vec<usize>>,
}

/// How many symbols either side of a candidate are looked at when choosing a position.
const NEIGHBOURHOOD: usize = 300;

impl SymbolMap {
    /// Reads a System.map or a copy of `/proc/kallsyms` (`ADDRESS TYPE NAME [MODULE]`).
    pub fn read(path: &Path) -> Result<SymbolMap, SymbolsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SymbolsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SymbolMap::parse(path, &text)
    }

    /// Parses System.map text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<SymbolMap, SymbolsError> {
        let err = |line: usize, msg: String| SymbolsError::Format {
            path: path.to_path_buf(),
            line,
            msg,
        };
        if text.contains("The real System.map is in the linux-image-") {
            return Err(err(
                1,
                "this is Debian's placeholder System.map, not the kernel's symbol table; give \
                 the real one (from the linux-image-*-dbg package) or a copy of /proc/kallsyms \
                 read as root on the target kernel (scripts/livepatch-target.sh makes one)"
                    .into(),
            ));
        }
        let mut symbols = Vec::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(addr), Some(kind), Some(name)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(err(
                    i + 1,
                    format!("expected `ADDRESS TYPE NAME [MODULE]`, found {line:?}"),
                ));
            };
            if u64::from_str_radix(addr, 16).is_err() {
                return Err(err(i + 1, format!("{addr:?} is not a hexadecimal address")));
            }
            let mut chars = kind.chars();
            let (Some(kind), None) = (chars.next(), chars.next()) else {
                return Err(err(
                    i + 1,
                    format!("{kind:?} is not a one-letter symbol type"),
                ));
            };
            let module = fields
                .next()
                .map(|m| m.trim_start_matches('[').trim_end_matches(']').to_string());
            by_name
                .entry(name.to_string())
                .or_default()
                .push(symbols.len());
            symbols.push(KernelSymbol {
                name: name.to_string(),
                kind,
                module,
            });
        }
        if symbols.is_empty() {
            return Err(err(
                1,
                "no symbols; give the target kernel's System.map".into(),
            ));
        }
        Ok(SymbolMap { symbols, by_name })
    }

    /// The vmlinux symbols called `name`, as indices in kallsyms order.
    fn vmlinux_candidates(&self, name: &str) -> Vec<usize> {
        self.by_name
            .get(name)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| self.symbols[i].module.is_none())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether vmlinux has a symbol called `name`.
    pub fn contains(&self, name: &str) -> bool {
        !self.vmlinux_candidates(name).is_empty()
    }

    /// The kallsyms position of the vmlinux symbol `name` for a livepatch symbol: 0 when the
    /// name is unique, otherwise the 1-based index of the candidate whose neighbourhood holds
    /// most of `neighbours` (the names the same object defines).
    pub fn sympos(&self, name: &str, neighbours: &HashSet<&str>) -> Result<u64, String> {
        let candidates = self.vmlinux_candidates(name);
        match candidates.len() {
            0 => Err(format!(
                "`{name}` is not in the target kernel's symbol table; the object was not built \
                 from the target's source and config, or the compiler inlined it there"
            )),
            1 => Ok(0),
            _ => {
                // Each of the object's names near a candidate counts, the nearer the more.
                let score = |at: usize| -> f64 {
                    let lo = at.saturating_sub(NEIGHBOURHOOD);
                    let hi = (at + NEIGHBOURHOOD).min(self.symbols.len());
                    (lo..hi)
                        .filter(|&j| j != at)
                        .filter(|&j| {
                            let s = &self.symbols[j];
                            s.module.is_none() && neighbours.contains(s.name.as_str())
                        })
                        .map(|j| 1.0 / (j.abs_diff(at) as f64))
                        .sum()
                };
                let scores: Vec<f64> = candidates.iter().map(|&c| score(c)).collect();
                let mut order: Vec<usize> = (0..candidates.len()).collect();
                order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
                let (best, second) = (scores[order[0]], scores[order[1]]);
                // The winner must stand out clearly: 1.5 times the runner-up's closeness.
                if best == 0.0 || best < second * 1.5 {
                    let shown: Vec<String> = scores.iter().map(|s| format!("{s:.2}")).collect();
                    return Err(format!(
                        "`{name}` has {} definitions in the target kernel and the object's other \
                         symbols do not tell which one it is (closeness {})",
                        candidates.len(),
                        shown.join(", ")
                    ));
                }
                let winners = [order[0]];
                Ok(winners[0] as u64 + 1)
            }
        }
    }
}

/// The symbols exported to modules, from a `Module.symvers`.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    names: HashSet<String>,
}

impl Exports {
    /// Reads `Module.symvers` (`CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_TYPE<TAB>NAMESPACE`).
    pub fn read(path: &Path) -> Result<Exports, SymbolsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SymbolsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut names = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 4 || !fields[0].starts_with("0x") {
                return Err(SymbolsError::Format {
                    path: path.to_path_buf(),
                    line: i + 1,
                    msg: format!(
                        "expected `CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_TYPE`, found {line:?}"
                    ),
                });
            }
            if fields[2] == "vmlinux" {
                names.insert(fields[1].to_string());
            }
        }
        Ok(Exports { names })
    }

    /// Exports from a list of names (for tests and callers that know them).
    pub fn from_names<I: IntoIterator<Item = String>>(names: I) -> Exports {
        Exports {
            names: names.into_iter().collect(),
        }
    }

    /// Whether vmlinux exports `name`.
    pub fn exported(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "\
ffffffff81000000 T _text
ffffffff81001000 t show_stat
ffffffff81001100 t helper_a
ffffffff81001200 t get_iowait_time
ffffffff81002000 t other_file_fn
ffffffff81002100 t show_stat
ffffffff81002200 t other_helper
ffffffff81003000 T unique_fn
";

    fn map() -> SymbolMap {
        SymbolMap::parse(Path::new("System.map"), MAP).unwrap()
    }

    #[test]
    fn unique_names_have_position_zero() {
        assert_eq!(map().sympos("unique_fn", &HashSet::new()), Ok(0));
    }

    #[test]
    fn duplicate_names_are_told_apart_by_their_neighbours() {
        let m = map();
        let first: HashSet<&str> = ["helper_a", "get_iowait_time"].into();
        let second: HashSet<&str> = ["other_helper"].into();
        assert_eq!(m.sympos("show_stat", &first), Ok(1));
        assert_eq!(m.sympos("show_stat", &second), Ok(2));
        let neither: HashSet<&str> = ["nothing_here"].into();
        assert!(m.sympos("show_stat", &neither).is_err());
    }

    #[test]
    fn missing_names_and_bad_lines_are_errors() {
        assert!(map().sympos("absent", &HashSet::new()).is_err());
        let e = SymbolMap::parse(Path::new("m"), "ffff T a\nzz T b\n").unwrap_err();
        assert_eq!(e.to_string(), "m:2: \"zz\" is not a hexadecimal address");
        let stub =
            "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
        assert!(SymbolMap::parse(Path::new("m"), stub)
            .unwrap_err()
            .to_string()
            .contains("placeholder"));
    }
}
