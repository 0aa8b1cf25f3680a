//! Reading a tree's Kconfig files: in parallel, each lexed once, shared by every parse round.
//!
//! Before the (sequential) parse starts, [`TreeFiles::prefetch`] follows the `source`
//! statements it can resolve without running the preprocessor (literal paths, and paths that
//! only use environment variables such as `$(SRCARCH)`), reading and lexing those files on all
//! cores. Anything it could not predict is read on demand by the parser.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::lexer::{lex, FileTokens, Keyword, StrPiece, Tok};
use crate::parser::FileSource;
use crate::shell::Ident;

struct Entry {
    text: Arc<str>,
    tokens: Arc<FileTokens>,
    /// The file's identity when it was read (`fstat` of the open file), for the model cache.
    ident: Ident,
}

/// The Kconfig files of one source tree, read and lexed on first use.
pub struct TreeFiles {
    srctree: PathBuf,
    files: Mutex<FxHashMap<String, Result<Arc<Entry>, String>>>,
}

impl TreeFiles {
    /// Files under `srctree` (names are relative to it, as `source` statements give them).
    pub fn new(srctree: &Path) -> Self {
        TreeFiles {
            srctree: srctree.to_path_buf(),
            files: Mutex::new(FxHashMap::default()),
        }
    }

    fn path_of(&self, name: &str) -> PathBuf {
        if Path::new(name).is_absolute() {
            PathBuf::from(name)
        } else {
            self.srctree.join(name)
        }
    }

    fn load(&self, name: &str) -> Result<Arc<Entry>, String> {
        if let Some(e) = self
            .files
            .lock()
            .map_err(|_| "lock poisoned".to_string())?
            .get(name)
        {
            return e.clone();
        }
        let loaded = self.read_and_lex(name);
        let mut files = self.files.lock().map_err(|_| "lock poisoned".to_string())?;
        files.entry(name.to_string()).or_insert(loaded).clone()
    }

    fn read_and_lex(&self, name: &str) -> Result<Arc<Entry>, String> {
        use std::io::Read;
        let path = self.path_of(name);
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut file = std::fs::File::open(&path).map_err(fail)?;
        let meta = file.metadata().map_err(fail)?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).map_err(fail)?;
        let text: Arc<str> = match String::from_utf8(bytes) {
            Ok(s) => s.into(),
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned().into(),
        };
        let tokens = Arc::new(lex(text.clone()));
        Ok(Arc::new(Entry {
            text,
            tokens,
            ident: Ident::from_metadata(&meta),
        }))
    }

    /// Reads and lexes, in parallel, every file reachable from `top` through `source`
    /// statements whose path is a literal or uses only variables that `env` knows.
    pub fn prefetch(&self, top: &str, env: &(dyn Fn(&str) -> Option<String> + Sync)) {
        let seen = Mutex::new(FxHashSet::default());
        rayon::scope(|s| self.prefetch_one(s, top.to_string(), env, &seen));
    }

    fn prefetch_one<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        name: String,
        env: &'s (dyn Fn(&str) -> Option<String> + Sync),
        seen: &'s Mutex<FxHashSet<String>>,
    ) {
        match seen.lock() {
            Ok(mut set) => {
                if !set.insert(name.clone()) {
                    return;
                }
            }
            Err(_) => return,
        }
        let Ok(entry) = self.load(&name) else {
            return;
        };
        let toks = &entry.tokens.tokens;
        for w in toks.windows(2) {
            if w[0].tok != Tok::Kw(Keyword::Source) {
                continue;
            }
            let path = match &w[1].tok {
                Tok::Str(sp) => Some(entry.tokens.text(*sp).to_string()),
                Tok::StrPieces(pieces) => predict_path(pieces, env),
                _ => None,
            };
            if let Some(path) = path {
                scope.spawn(move |s| self.prefetch_one(s, path, env, seen));
            }
        }
    }

    /// Every file read so far, by path, with its identity when it was read (files that could
    /// not be read are left out: a load that needed one failed).
    pub(crate) fn stamps(&self) -> Vec<(PathBuf, Ident)> {
        let Ok(files) = self.files.lock() else {
            return Vec::new();
        };
        let mut out: Vec<(PathBuf, Ident)> = files
            .iter()
            .filter_map(|(name, e)| e.as_ref().ok().map(|e| (self.path_of(name), e.ident)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The number of files read so far.
    pub fn len(&self) -> usize {
        self.files.lock().map(|f| f.len()).unwrap_or(0)
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The path of a `source` statement, if it can be known without the preprocessor's variables.
fn predict_path(pieces: &[StrPiece], env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    for p in pieces {
        match p {
            StrPiece::Lit(l) => out.push_str(l),
            StrPiece::Dollar(d) => {
                let name = d.strip_prefix('(')?.strip_suffix(')')?;
                if name.contains(['$', ',', '(']) {
                    return None;
                }
                out.push_str(&env(name)?);
            }
        }
    }
    Some(out)
}

impl FileSource for TreeFiles {
    fn tokens(&self, name: &str) -> Result<Arc<FileTokens>, String> {
        self.load(name).map(|e| e.tokens.clone())
    }

    fn line_text(&self, name: &str, line: u32) -> Option<String> {
        let e = self.load(name).ok()?;
        e.text
            .lines()
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.to_string())
    }
}

/// Kconfig files held in memory (tests, fuzzing, and callers that generate Kconfig text).
#[derive(Default)]
pub struct MemoryFiles {
    files: FxHashMap<String, (Arc<str>, Arc<FileTokens>)>,
}

impl MemoryFiles {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, name: &str, text: &str) {
        let text: Arc<str> = text.into();
        let tokens = Arc::new(lex(text.clone()));
        self.files.insert(name.to_string(), (text, tokens));
    }
}

impl FileSource for MemoryFiles {
    fn tokens(&self, name: &str) -> Result<Arc<FileTokens>, String> {
        self.files
            .get(name)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| "No such file or directory".to_string())
    }

    fn line_text(&self, name: &str, line: u32) -> Option<String> {
        let (text, _) = self.files.get(name)?;
        text.lines()
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.to_string())
    }
}
