//! Loading a tree: read its files, parse them (repeating while `$(shell,...)` answers are
//! missing, running those commands in parallel between rounds), and finalise the model.

use crate::files::TreeFiles;
use crate::model_cache::{self, answer_hash, Inputs};
use crate::parser::FileSource;
use crate::parser::{Dialect, ParseError, ParseOutput, Parser};
use crate::preprocess::{Preprocessor, ShellOracle};

/// Why a tree could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("running $(shell,...) commands: {0}")]
    Shell(String),
    #[error("the preprocessor kept finding new $(shell,...) commands after {0} rounds")]
    TooManyRounds(usize),
    /// Recursive dependencies, as conf reports them.
    #[error("{0}")]
    Recursive(String),
    #[error("{0}")]
    Other(String),
}

/// Statistics of a load, for `--verbose` output and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LoadStats {
    /// Parse rounds (1 when every shell answer was cached).
    pub rounds: usize,
    /// Shell commands run in this load.
    pub commands_run: usize,
    /// Files read.
    pub files: usize,
    /// Wall time of each phase, in milliseconds.
    pub setup_ms: f64,
    pub prefetch_ms: f64,
    pub parse_ms: f64,
    pub finalize_ms: f64,
    pub depcheck_ms: f64,
    /// Whether the model came from the model cache ([`crate::model_cache`]).
    pub model_cache: ModelCacheUse,
    /// Wall time spent looking up (and, on a hit, reading) the model cache, in milliseconds.
    pub model_cache_ms: f64,
}

/// What a load did with the model cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelCacheUse {
    /// `--no-cache`: neither read nor written.
    #[default]
    Off,
    /// The cached model was valid and used: nothing was parsed.
    Hit,
    /// No valid entry: the tree was parsed and the entry written.
    Miss,
}

/// Runs `f` on a thread with a stack large enough for the deepest recursion over Kconfig
/// expressions and `source` nesting (the C limit on user functions is 1000 levels). The caller
/// blocks: `f` must not wait for rayon's pool, whose workers may be the ones blocked.
pub(crate) fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, LoadError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(s, f)
            .map_err(|e| LoadError::Other(format!("cannot start a loader thread: {e}")))?
            .join()
            .map_err(|_| LoadError::Other("a loader thread panicked".into()))
    })
}

/// Parses the tree whose files `files` reads (call [`TreeFiles::prefetch`] first to read them
/// in parallel), starting at `top`, repeating the parse until
/// the preprocessor has every shell answer it needs; `run_batch` runs missing commands (in
/// parallel) so that `shell` knows them afterwards.
pub fn parse_rounds(
    files: &(dyn FileSource + Sync),
    top: &str,
    dialect: Dialect,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    shell: &(dyn ShellOracle + Sync),
    run_batch: &mut dyn FnMut(&[String]) -> Result<(), String>,
    stats: &mut LoadStats,
) -> Result<ParseOutput, LoadError> {
    const MAX_ROUNDS: usize = 32;
    for round in 1..=MAX_ROUNDS {
        stats.rounds = round;
        let (res, pending) = on_big_stack(|| {
            let pp = Preprocessor::new(env, shell);
            Parser::new(pp, files, dialect).parse(top)
        })?;
        if pending.is_empty() {
            return Ok(res?);
        }
        stats.commands_run += pending.len();
        run_batch(&pending).map_err(LoadError::Shell)?;
    }
    Err(LoadError::TooManyRounds(MAX_ROUNDS))
}

/// How to load a tree.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// kbuild's ARCH (None: the host's, as kbuild defaults it).
    pub arch: Option<String>,
    /// Run every `$(shell,...)` command, reading and writing no cache.
    pub no_cache: bool,
    /// Where the shell cache lives (None: [`crate::shell::default_cache_dir`]).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Parse the tree even when the model cache holds it, and write no entry (the shell cache
    /// is still used): what a load costs without the model cache.
    pub no_model_cache: bool,
}

/// A loaded, finalised tree.
pub struct LoadedTree {
    pub model: crate::model::Model,
    /// The environment kbuild would give conf.
    pub env: crate::kbuild::KbuildEnv,
    /// What conf prints while it parses (macro output and warnings), in order.
    pub messages: Vec<crate::preprocess::Output>,
    /// Environment variables the Kconfig files referenced (for auto.conf.cmd).
    pub env_used: Vec<(String, String)>,
    pub stats: LoadStats,
}

/// The shell runner as the preprocessor asks it, noting every answer used (for the model
/// cache's record of inputs).
struct RunnerOracle<'r> {
    runner: &'r crate::shell::ShellRunner,
    used: std::sync::Mutex<rustc_hash::FxHashMap<String, [u8; 32]>>,
}

impl ShellOracle for RunnerOracle<'_> {
    fn shell(&self, cmd: &str) -> Option<(String, Vec<u8>)> {
        let o = self.runner.lookup(cmd)?;
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if !used.contains_key(cmd) {
            used.insert(cmd.to_string(), answer_hash(&o.stdout, &o.stderr));
        }
        Some((o.stdout.clone(), o.stderr.clone()))
    }
}

/// Loads the tree at `tree` for one architecture: `conf_parse` (parse, `menu_finalize`, and the
/// recursive-dependency check) with kbuild's environment.
pub fn load_tree(tree: &std::path::Path, opts: &LoadOptions) -> Result<LoadedTree, LoadError> {
    use crate::shell::{CacheMode, ShellRunner};
    let ms = |t: std::time::Instant| t.elapsed().as_secs_f64() * 1000.0;
    let t = std::time::Instant::now();
    let mode = if opts.no_cache {
        CacheMode::MemoryOnly
    } else {
        CacheMode::Disk(
            opts.cache_dir
                .clone()
                .unwrap_or_else(crate::shell::default_cache_dir),
        )
    };
    // The Makefiles' own commands ($(CC) --version, ...) share the cache: a warm load forks
    // nothing.
    let kbuild_opts = crate::kbuild::KbuildOptions {
        arch: opts.arch.clone(),
        cache: Some(mode.clone()),
        ..Default::default()
    };
    let mut env = crate::kbuild::KbuildEnv::with_options(tree, &kbuild_opts)
        .map_err(|e| LoadError::Other(e.to_string()))?;
    let runner =
        ShellRunner::new(&env, mode.clone()).map_err(|e| LoadError::Shell(e.to_string()))?;
    let files = TreeFiles::new(&env.tree);
    let getenv = |name: &str| env.get(name);
    let setup_ms = ms(t);
    let v = (env.version.version, env.version.patchlevel);
    let t = std::time::Instant::now();
    let cache_entry = match &mode {
        CacheMode::Disk(_) if opts.no_model_cache => None,
        CacheMode::Disk(dir) => {
            let key = model_cache::key(&env.tree, v, &runner.env_fingerprint());
            Some((
                model_cache::entry_path(&dir.join("models"), &env.arch, &key),
                key,
            ))
        }
        CacheMode::MemoryOnly => None,
    };
    if let Some((path, key)) = &cache_entry {
        let answer = |cmd: &str| {
            runner
                .lookup(cmd)
                .map(|o| answer_hash(&o.stdout, &o.stderr))
        };
        let hit = model_cache::load(path, key, |inputs| {
            model_cache::inputs_hold(inputs, &getenv, &answer)
        });
        if let Some(body) = hit {
            env.warnings.extend(runner.warnings());
            let stats = LoadStats {
                files: body.model.files.len(),
                setup_ms,
                model_cache: ModelCacheUse::Hit,
                model_cache_ms: ms(t),
                ..Default::default()
            };
            return Ok(LoadedTree {
                model: body.model,
                env,
                messages: body.messages,
                env_used: body.env_used,
                stats,
            });
        }
    }
    let model_cache_ms = ms(t);
    let t = std::time::Instant::now();
    files.prefetch("Kconfig", &getenv);
    let prefetch_ms = ms(t);
    let t = std::time::Instant::now();
    let dialect = Dialect::for_version(v.0, v.1);
    let oracle = RunnerOracle {
        runner: &runner,
        used: Default::default(),
    };
    let mut stats = LoadStats::default();
    let mut run = |cmds: &[String]| runner.run_batch(cmds).map_err(|e| e.to_string());
    let out = parse_rounds(
        &files, "Kconfig", dialect, &getenv, &oracle, &mut run, &mut stats,
    )?;
    if stats.commands_run > 0 {
        runner.save().map_err(|e| LoadError::Shell(e.to_string()))?;
    }
    env.warnings.extend(runner.warnings());
    stats.files = files.len();
    stats.setup_ms = setup_ms;
    stats.prefetch_ms = prefetch_ms;
    stats.parse_ms = ms(t);
    let ParseOutput {
        mut model,
        mut messages,
        env_used,
    } = out;
    let t = std::time::Instant::now();
    messages.extend(crate::finalize::menu_finalize(&mut model, v));
    stats.finalize_ms = ms(t);
    let t = std::time::Instant::now();
    let errors = crate::depcheck::check_recursive_deps(&mut model, v);
    stats.depcheck_ms = ms(t);
    if !errors.is_empty() {
        return Err(LoadError::Recursive(errors.concat()));
    }
    stats.model_cache_ms = model_cache_ms;
    if let Some((path, key)) = cache_entry {
        stats.model_cache = ModelCacheUse::Miss;
        let t = std::time::Instant::now();
        let mut shell: Vec<(String, [u8; 32])> = oracle
            .used
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .collect();
        shell.sort();
        let inputs = Inputs {
            files: files.stamps(),
            env: env_used.clone(),
            shell,
        };
        let body = model_cache::BodyRef {
            model: &model,
            messages: &messages,
            env_used: &env_used,
        };
        // A cache that cannot be written costs the next run a parse, nothing more.
        if let Err(e) = model_cache::store(&path, &key, &inputs, &body) {
            env.warnings
                .push(format!("model cache {}: {e} (not written)", path.display()));
        }
        stats.model_cache_ms += ms(t);
    }
    Ok(LoadedTree {
        model,
        env,
        messages,
        env_used,
        stats,
    })
}
