//! Kconfig's macro language, as scripts/kconfig/preprocess.c defines it.
//!
//! Variables (`=` recursive, `:=` simple, `+=` append), user functions with `$(1)`, `$(2)`...,
//! the built-in functions `shell`, `info`, `warning-if`, `error-if`, `filename` and `lineno`, and
//! the environment as the last resort for a name without arguments.
//!
//! `$(shell,...)` does not fork here: the answer comes from a [`ShellOracle`]. When the oracle
//! does not know a command yet, the command is recorded in [`Preprocessor::pending`] and its
//! expansion is a placeholder; the caller runs all pending commands in parallel and parses
//! again (see `loader`). A parse in which anything was pending is discarded, so every result the
//! final parse sees is the real output of the exact command string, in source order, as in C.

use std::collections::HashMap;

/// A marker no Kconfig text contains; it stands for a `$(shell,...)` result not known yet.
pub const PENDING: &str = "\u{1}pending-shell\u{1}";

/// The answers of `$(shell,CMD)`, already post-processed as `do_shell` does.
pub trait ShellOracle {
    /// The processed stdout of `cmd` and the bytes it wrote to stderr, if known.
    fn shell(&self, cmd: &str) -> Option<(String, Vec<u8>)>;
}

/// The flavor of a variable (`enum variable_flavor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `=`: expanded when referenced.
    Recursive,
    /// `:=`: expanded when assigned.
    Simple,
    /// `+=`: appends, keeping the existing flavor.
    Append,
}

/// Something the preprocessor printed, in order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Output {
    /// `$(info,...)`: printed to stdout.
    Stdout(String),
    /// `$(warning-if,...)` and the stderr of shell commands: printed to stderr.
    Stderr(String),
}

/// A fatal preprocessor error (`pperror`): `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct PreprocessError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

struct Variable {
    value: String,
    flavor: Flavor,
    exp_count: u32,
}

const FUNCTION_MAX_ARGS: usize = 16;

/// Bounds that C does not have, so that no input hangs or exhausts memory: the number of
/// references one parse may expand, and the length of one expansion. Real trees use a few
/// thousand expansions and strings of a few hundred bytes.
const MAX_EXPANSIONS: u64 = 2_000_000;
const MAX_EXPANSION_LEN: usize = 16 << 20;

/// The state of the macro language while a tree is parsed.
pub struct Preprocessor<'a> {
    vars: HashMap<String, Variable>,
    env: &'a dyn Fn(&str) -> Option<String>,
    shell: &'a dyn ShellOracle,
    /// Environment variables referenced, with their values, in order (`env_list`).
    pub env_used: Vec<(String, String)>,
    /// Shell commands whose answer was not known (to run, then parse again).
    pub pending: Vec<String>,
    /// What `info`, `warning-if` and shell commands printed.
    pub output: Vec<Output>,
    file: String,
    line: u32,
    expansions: u64,
}

impl<'a> Preprocessor<'a> {
    /// A preprocessor reading the environment through `env` and shell answers from `shell`.
    pub fn new(env: &'a dyn Fn(&str) -> Option<String>, shell: &'a dyn ShellOracle) -> Self {
        Preprocessor {
            vars: HashMap::new(),
            env,
            shell,
            env_used: Vec::new(),
            pending: Vec::new(),
            output: Vec::new(),
            file: String::new(),
            line: 0,
            expansions: 0,
        }
    }

    /// Sets the location that `$(filename)`, `$(lineno)` and messages report (`current_file`
    /// and `yylineno`).
    pub fn set_location(&mut self, file: &str, line: u32) {
        if self.file != file {
            self.file.clear();
            self.file.push_str(file);
        }
        self.line = line;
    }

    fn error(&self, message: String) -> PreprocessError {
        PreprocessError {
            file: self.file.clone(),
            line: self.line,
            message,
        }
    }

    /// `variable_add`: an assignment statement.
    pub fn assign(
        &mut self,
        name: &str,
        value: &str,
        flavor: Flavor,
    ) -> Result<(), PreprocessError> {
        let (flavor, append) = match self.vars.get(name) {
            Some(v) if flavor == Flavor::Append => (v.flavor, true),
            Some(_) => (flavor, false),
            None if flavor == Flavor::Append => (Flavor::Recursive, false),
            None => (flavor, false),
        };
        let new_value = if flavor == Flavor::Simple {
            self.expand_string(value)?
        } else {
            value.to_string()
        };
        match self.vars.get_mut(name) {
            Some(v) => {
                v.flavor = flavor;
                if append {
                    v.value.push(' ');
                    v.value.push_str(&new_value);
                } else {
                    v.value = new_value;
                }
            }
            None => {
                self.vars.insert(
                    name.to_string(),
                    Variable {
                        value: new_value,
                        flavor,
                        exp_count: 0,
                    },
                );
            }
        }
        Ok(())
    }

    /// `expand_string`: expands every reference in `s`.
    pub fn expand_string(&mut self, s: &str) -> Result<String, PreprocessError> {
        self.expand_with_args(s, &[], false).map(|(out, _)| out)
    }

    /// `expand_one_token`: expands a token that starts at `s`, stopping at the first character
    /// that is not `[A-Za-z0-9_-]` outside a reference. Returns the expansion and the number of
    /// bytes of `s` it consumed.
    pub fn expand_token(&mut self, s: &str) -> Result<(String, usize), PreprocessError> {
        self.expand_with_args(s, &[], true)
    }

    /// `expand_dollar`: expands the reference that follows a `$` (`s` starts after the `$`).
    pub fn expand_dollar(&mut self, s: &str) -> Result<String, PreprocessError> {
        self.expand_dollar_with_args(s, &[]).map(|(out, _)| out)
    }

    /// `__expand_string`
    fn expand_with_args(
        &mut self,
        s: &str,
        args: &[String],
        token: bool,
    ) -> Result<(String, usize), PreprocessError> {
        let bytes = s.as_bytes();
        let mut out = String::new();
        let mut start = 0;
        let mut p = 0;
        loop {
            if p < bytes.len() && bytes[p] == b'$' {
                out.push_str(&s[start..p]);
                p += 1;
                let (expansion, used) = self.expand_dollar_with_args(&s[p..], args)?;
                out.push_str(&expansion);
                if out.len() > MAX_EXPANSION_LEN {
                    return Err(self.error(format!(
                        "macro expansion is longer than {MAX_EXPANSION_LEN} bytes"
                    )));
                }
                p += used;
                start = p;
                continue;
            }
            let end = p >= bytes.len()
                || (token
                    && !(bytes[p].is_ascii_alphanumeric() || bytes[p] == b'_' || bytes[p] == b'-'));
            if end {
                break;
            }
            p += 1;
        }
        out.push_str(&s[start..p]);
        Ok((out, p))
    }

    /// `expand_dollar_with_args`: `s` starts right after a `$`.
    fn expand_dollar_with_args(
        &mut self,
        s: &str,
        args: &[String],
    ) -> Result<(String, usize), PreprocessError> {
        match crate::lexer::dollar_extent(s.as_bytes()) {
            Some(0) => Ok(("$".to_string(), 0)),
            Some(n) => {
                let res = self.eval_clause(&s[1..n - 1], args)?;
                Ok((res, n))
            }
            None => Err(self.error(format!(
                "unterminated reference to '{}': missing ')'",
                &s[1..]
            ))),
        }
    }

    /// `eval_clause`: a variable reference or a function call, `name,arg1,arg2...`.
    fn eval_clause(&mut self, s: &str, args: &[String]) -> Result<String, PreprocessError> {
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            return Err(self.error(format!(
                "macro expansion does not terminate: more than {MAX_EXPANSIONS} references expanded"
            )));
        }
        if let Some(n) = strtoul_whole(s) {
            if n > 0 && n <= args.len() {
                return Ok(args[n - 1].clone());
            }
        }
        let mut parts: Vec<&str> = Vec::new();
        let mut nest = 0i32;
        let mut prev = 0;
        for (i, c) in s.bytes().enumerate() {
            if nest == 0 && c == b',' {
                if parts.len() >= FUNCTION_MAX_ARGS {
                    return Err(self.error("too many function arguments".into()));
                }
                parts.push(&s[prev..i]);
                prev = i + 1;
            } else if c == b'(' {
                nest += 1;
            } else if c == b')' {
                nest -= 1;
            }
        }
        if parts.len() >= FUNCTION_MAX_ARGS {
            return Err(self.error("too many function arguments".into()));
        }
        parts.push(&s[prev..]);

        let name = self.expand_with_args(parts[0], args, false)?.0;
        let mut new_args = Vec::with_capacity(parts.len() - 1);
        for part in &parts[1..] {
            new_args.push(self.expand_with_args(part, args, false)?.0);
        }

        if let Some(res) = self.variable_expand(&name, &new_args)? {
            return Ok(res);
        }
        if let Some(res) = self.function_expand(&name, &new_args)? {
            return Ok(res);
        }
        if new_args.is_empty() {
            if let Some(res) = self.env_expand(&name) {
                return Ok(res);
            }
        }
        Ok(String::new())
    }

    /// `variable_expand`
    fn variable_expand(
        &mut self,
        name: &str,
        args: &[String],
    ) -> Result<Option<String>, PreprocessError> {
        let Some(v) = self.vars.get_mut(name) else {
            return Ok(None);
        };
        if args.is_empty() && v.exp_count > 0 {
            return Err(self.error(format!(
                "Recursive variable '{name}' references itself (eventually)"
            )));
        }
        if v.exp_count > 1000 {
            return Err(self.error("Too deep recursive expansion".into()));
        }
        v.exp_count += 1;
        let res = if v.flavor == Flavor::Recursive {
            let value = v.value.clone();
            self.expand_with_args(&value, args, false).map(|(s, _)| s)
        } else {
            Ok(v.value.clone())
        };
        if let Some(v) = self.vars.get_mut(name) {
            v.exp_count -= 1;
        }
        res.map(Some)
    }

    /// `function_expand`: the built-in functions.
    fn function_expand(
        &mut self,
        name: &str,
        args: &[String],
    ) -> Result<Option<String>, PreprocessError> {
        let (min, max) = match name {
            "error-if" | "warning-if" => (2, 2),
            "filename" | "lineno" => (0, 0),
            "info" | "shell" => (1, 1),
            _ => return Ok(None),
        };
        if args.len() < min {
            return Err(self.error(format!("too few function arguments passed to '{name}'")));
        }
        if args.len() > max {
            return Err(self.error(format!("too many function arguments passed to '{name}'")));
        }
        let res = match name {
            "error-if" => {
                if args[0] == "y" {
                    return Err(self.error(args[1].clone()));
                }
                String::new()
            }
            "warning-if" => {
                if args[0] == "y" {
                    self.output.push(Output::Stderr(format!(
                        "{}:{}: {}\n",
                        self.file, self.line, args[1]
                    )));
                }
                String::new()
            }
            "info" => {
                self.output.push(Output::Stdout(format!("{}\n", args[0])));
                String::new()
            }
            "filename" => self.file.clone(),
            "lineno" => self.line.to_string(),
            _ => self.do_shell(&args[0]),
        };
        Ok(Some(res))
    }

    /// `do_shell`, answered by the oracle.
    fn do_shell(&mut self, cmd: &str) -> String {
        if cmd.contains(PENDING) {
            // Depends on an answer not known yet; a later round runs it.
            return PENDING.to_string();
        }
        match self.shell.shell(cmd) {
            Some((stdout, stderr)) => {
                if !stderr.is_empty() {
                    self.output.push(Output::Stderr(
                        String::from_utf8_lossy(&stderr).into_owned(),
                    ));
                }
                stdout
            }
            None => {
                if !self.pending.iter().any(|c| c == cmd) {
                    self.pending.push(cmd.to_string());
                }
                PENDING.to_string()
            }
        }
    }

    /// `env_expand`
    fn env_expand(&mut self, name: &str) -> Option<String> {
        if name.is_empty() {
            return None;
        }
        if let Some((_, v)) = self.env_used.iter().find(|(n, _)| n == name) {
            return Some(v.clone());
        }
        let value = (self.env)(name)?;
        self.env_used.push((name.to_string(), value.clone()));
        Some(value)
    }

    /// Whether any shell answer was missing (the parse must be repeated).
    pub fn incomplete(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// `strtoul(s, &end, 10)` where the whole string must be consumed.
fn strtoul_whole(s: &str) -> Option<usize> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse::<usize>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl ShellOracle for Echo {
        fn shell(&self, cmd: &str) -> Option<(String, Vec<u8>)> {
            cmd.strip_prefix("echo ")
                .map(|s| (s.to_string(), Vec::new()))
        }
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "CC" => Some("gcc".into()),
            "SRCARCH" => Some("x86".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_functions_and_env() {
        let envf = env;
        let mut pp = Preprocessor::new(&envf, &Echo);
        pp.set_location("Kconfig", 3);
        pp.assign("success", "$(shell,echo $(1))", Flavor::Recursive)
            .unwrap();
        pp.assign("cc", "$(CC)", Flavor::Simple).unwrap();
        pp.assign("flags", "-a", Flavor::Recursive).unwrap();
        pp.assign("flags", "-b", Flavor::Append).unwrap();
        assert_eq!(pp.expand_string("$(success,y)").unwrap(), "y");
        assert_eq!(pp.expand_string("[$(cc)] $(flags)").unwrap(), "[gcc] -a -b");
        assert_eq!(
            pp.expand_string("arch/$(SRCARCH)/Kconfig").unwrap(),
            "arch/x86/Kconfig"
        );
        assert_eq!(pp.expand_string("$(UNDEFINED)x").unwrap(), "x");
        assert_eq!(
            pp.expand_string("$(filename):$(lineno)").unwrap(),
            "Kconfig:3"
        );
        assert_eq!(pp.expand_string("a$b").unwrap(), "a$b");
        assert_eq!(
            pp.env_used,
            vec![
                ("CC".into(), "gcc".into()),
                ("SRCARCH".into(), "x86".into())
            ]
        );
    }

    #[test]
    fn token_expansion_stops_at_token_end() {
        let envf = env;
        let mut pp = Preprocessor::new(&envf, &Echo);
        let (out, used) = pp.expand_token("$(shell,echo y) if X").unwrap();
        assert_eq!(out, "y");
        assert_eq!(used, "$(shell,echo y)".len());
    }

    #[test]
    fn recursion_is_an_error_not_a_hang() {
        let envf = env;
        let mut pp = Preprocessor::new(&envf, &Echo);
        pp.set_location("Kconfig", 1);
        pp.assign("a", "$(a)", Flavor::Recursive).unwrap();
        let e = pp.expand_string("$(a)").unwrap_err();
        assert_eq!(
            e.message,
            "Recursive variable 'a' references itself (eventually)"
        );
        let e = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                let envf = env;
                let mut pp = Preprocessor::new(&envf, &Echo);
                pp.assign("f", "$(f,x)", Flavor::Recursive).unwrap();
                pp.expand_string("$(f,x)").unwrap_err()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(e.message, "Too deep recursive expansion");
    }

    #[test]
    fn errors_warnings_and_pending_shell() {
        let envf = env;
        let mut pp = Preprocessor::new(&envf, &Echo);
        pp.set_location("init/Kconfig", 7);
        assert_eq!(pp.expand_string("$(warning-if,y,careful)").unwrap(), "");
        assert_eq!(
            pp.output,
            vec![Output::Stderr("init/Kconfig:7: careful\n".into())]
        );
        let e = pp.expand_string("$(error-if,y,stop)").unwrap_err();
        assert_eq!(e.to_string(), "init/Kconfig:7: stop");
        assert!(pp.expand_string("$(info)").is_err());
        assert!(pp
            .expand_string("$(shell,unknown-cmd)")
            .unwrap()
            .contains(PENDING));
        assert_eq!(pp.pending, vec!["unknown-cmd".to_string()]);
        let e = pp.expand_string("$(foo").unwrap_err();
        assert_eq!(e.message, "unterminated reference to 'foo': missing ')'");
    }
}
