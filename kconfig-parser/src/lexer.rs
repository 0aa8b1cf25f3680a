//! The Kconfig lexer: one file's text to raw tokens, as scripts/kconfig/lexer.l tokenises it.
//!
//! Unlike the C lexer, this one does not expand macros: a token that contains `$` is kept as raw
//! text ([`Tok::Macro`]), and so are `$(...)` references inside strings ([`StrPiece::Dollar`]) and
//! the right-hand side of variable assignments ([`Tok::AssignVal`]). The parser expands them in
//! source order. That makes each file's tokens independent of every other file, so files are
//! lexed in parallel, while the result stays what the C lexer produces: the extent of a macro
//! token is computed exactly as `expand_token` / `expand_one_token` compute it (to the end of the
//! token, with `$(...)` spanning any characters up to its matching parenthesis on that line), and
//! an expanded token is never re-lexed, as in C.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::value;
use nom::IResult;

/// A keyword of the language (the fixed-string rules of lexer.l).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    Bool,
    Choice,
    Comment,
    Config,
    DefBool,
    DefTristate,
    Default,
    Depends,
    Endchoice,
    Endif,
    Endmenu,
    Help,
    Hex,
    If,
    Imply,
    Int,
    Mainmenu,
    Menu,
    Menuconfig,
    Modules,
    On,
    Optional,
    Prompt,
    Range,
    Select,
    Source,
    String,
    Tristate,
    Visible,
    /// `option` (before 5.15: `option modules`, `option defconfig_list`, `option env=`, ...).
    Option,
    /// `transitional` (7.0 and later).
    Transitional,
}

impl Keyword {
    /// The keyword for a word, if it is one.
    pub fn from_word(w: &str) -> Option<Keyword> {
        use Keyword::*;
        Some(match w {
            "bool" => Bool,
            "choice" => Choice,
            "comment" => Comment,
            "config" => Config,
            "def_bool" => DefBool,
            "def_tristate" => DefTristate,
            "default" => Default,
            "depends" => Depends,
            "endchoice" => Endchoice,
            "endif" => Endif,
            "endmenu" => Endmenu,
            "help" | "---help---" => Help,
            "hex" => Hex,
            "if" => If,
            "imply" => Imply,
            "int" => Int,
            "mainmenu" => Mainmenu,
            "menu" => Menu,
            "menuconfig" => Menuconfig,
            "modules" => Modules,
            "on" => On,
            "optional" => Optional,
            "prompt" => Prompt,
            "range" => Range,
            "select" => Select,
            "source" => Source,
            "string" => String,
            "tristate" => Tristate,
            "visible" => Visible,
            "option" => Option,
            "transitional" => Transitional,
            _ => return None,
        })
    }

    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        use Keyword::*;
        match self {
            Bool => "bool",
            Choice => "choice",
            Comment => "comment",
            Config => "config",
            DefBool => "def_bool",
            DefTristate => "def_tristate",
            Default => "default",
            Depends => "depends",
            Endchoice => "endchoice",
            Endif => "endif",
            Endmenu => "endmenu",
            Help => "help",
            Hex => "hex",
            If => "if",
            Imply => "imply",
            Int => "int",
            Mainmenu => "mainmenu",
            Menu => "menu",
            Menuconfig => "menuconfig",
            Modules => "modules",
            On => "on",
            Optional => "optional",
            Prompt => "prompt",
            Range => "range",
            Select => "select",
            Source => "source",
            String => "string",
            Tristate => "tristate",
            Visible => "visible",
            Option => "option",
            Transitional => "transitional",
        }
    }
}

/// Operators and punctuation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Equal,
    Unequal,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Not,
    OpenParen,
    CloseParen,
    ColonEqual,
    PlusEqual,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Or => "||",
            Op::And => "&&",
            Op::Equal => "=",
            Op::Unequal => "!=",
            Op::Less => "<",
            Op::LessEqual => "<=",
            Op::Greater => ">",
            Op::GreaterEqual => ">=",
            Op::Not => "!",
            Op::OpenParen => "(",
            Op::CloseParen => ")",
            Op::ColonEqual => ":=",
            Op::PlusEqual => "+=",
        }
    }
}

/// A byte range of a file's text (tokens point into the text instead of copying it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// A piece of a quoted string: literal text, or a `$` reference to expand (the raw text that
/// follows the `$`, up to and including the matching `)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrPiece {
    Lit(String),
    Dollar(String),
}

/// A raw token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// End of a statement (a newline, or the end of the file).
    Eol,
    Kw(Keyword),
    /// `[A-Za-z0-9_-]+` that is not a keyword.
    Word(Span),
    /// A token with at least one `$`, to be expanded as `expand_one_token` does; empty after
    /// expansion means no token at all.
    Macro(Span),
    /// A quoted string (T_WORD_QUOTE) without escapes or references: its text.
    Str(Span),
    /// A quoted string with escapes or `$` references.
    StrPieces(Box<[StrPiece]>),
    Op(Op),
    /// The raw right-hand side of `VAR = value` (T_ASSIGN_VAL).
    AssignVal(Span),
    /// Help text, already de-indented as lexer.l's HELP state does.
    HelpText(Box<str>),
    /// A warning the C lexer prints at this point (the message after `file:line:`).
    Warning(Box<str>),
}

/// A token with its position: 1-based line and column (in bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
}

/// The tokens of one file and its text. The last token is always [`Tok::Eol`].
#[derive(Clone, Debug)]
pub struct FileTokens {
    pub text: std::sync::Arc<str>,
    pub tokens: Vec<Token>,
}

impl FileTokens {
    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn op(input: &str) -> IResult<&str, Op> {
    alt((
        value(Op::Or, tag("||")),
        value(Op::And, tag("&&")),
        value(Op::Unequal, tag("!=")),
        value(Op::LessEqual, tag("<=")),
        value(Op::GreaterEqual, tag(">=")),
        value(Op::ColonEqual, tag(":=")),
        value(Op::PlusEqual, tag("+=")),
        value(Op::Equal, tag("=")),
        value(Op::Less, tag("<")),
        value(Op::Greater, tag(">")),
        value(Op::Not, tag("!")),
        value(Op::OpenParen, tag("(")),
        value(Op::CloseParen, tag(")")),
    ))(input)
}

fn word(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')(input)
}

/// The length of the `$(...)` reference at the start of `s` (which starts right after a `$`),
/// as `expand_dollar_with_args` scans it: `(` with its matching `)`. `Some(0)` when `$` is not
/// followed by `(` (it then stands for itself); `None` when the `)` is missing.
pub fn dollar_extent(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'(') {
        return Some(0);
    }
    let mut nest = 0i32;
    for (i, &c) in s.iter().enumerate().skip(1) {
        if c == b'(' {
            nest += 1;
        } else if c == b')' {
            if nest == 0 {
                return Some(i + 1);
            }
            nest -= 1;
        }
    }
    None
}

/// The extent of a macro token starting at `s` (`expand_one_token`): word characters and
/// `$(...)` references. An unterminated reference extends to the end of the line; expansion
/// reports it.
fn macro_extent(s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'$' {
            match dollar_extent(&s[i + 1..]) {
                Some(n) => i += 1 + n,
                None => return s.len(),
            }
        } else if is_word_char(s[i]) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Lexer state between lines.
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    out: Vec<Token>,
    /// Tokens emitted since the last Eol (to detect statement starts, as `prev_token` does).
    stmt_tokens: usize,
}

/// Tokenises one Kconfig file.
pub fn lex(text: std::sync::Arc<str>) -> FileTokens {
    let mut lx = Lexer {
        text: &text,
        pos: 0,
        line: 1,
        line_start: 0,
        out: Vec::with_capacity(text.len() / 16),
        stmt_tokens: 0,
    };
    lx.run();
    let tokens = lx.out;
    FileTokens { text, tokens }
}

impl<'a> Lexer<'a> {
    fn col(&self, pos: usize) -> u32 {
        (pos - self.line_start + 1) as u32
    }

    fn push(&mut self, tok: Tok, pos: usize) {
        let is_eol = tok == Tok::Eol;
        let t = Token {
            tok,
            line: self.line,
            col: self.col(pos),
        };
        self.out.push(t);
        if is_eol {
            self.stmt_tokens = 0;
        } else {
            self.stmt_tokens += 1;
        }
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    fn rest_of_line(&self) -> &'a str {
        let bytes = &self.text.as_bytes()[self.pos..];
        let end = bytes
            .iter()
            .position(|&c| c == b'\n')
            .unwrap_or(bytes.len());
        &self.text[self.pos..self.pos + end]
    }

    fn run(&mut self) {
        let bytes = self.text.as_bytes();
        loop {
            if self.pos >= bytes.len() {
                // <<EOF>>: the C lexer warns when the last token was not a newline.
                if self.stmt_tokens > 0 {
                    self.push(Tok::Warning("no new line at end of file".into()), self.pos);
                }
                self.push(Tok::Eol, self.pos);
                return;
            }
            let c = bytes[self.pos];
            match c {
                b'#' => {
                    self.pos += self.rest_of_line().len();
                }
                b' ' | b'\t' => self.pos += 1,
                b'\\' if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 1;
                    self.newline();
                }
                b'\n' => {
                    if self.stmt_is_help() {
                        // The help text belongs to the `help` statement: [help, text, Eol].
                        let pos = self.pos;
                        self.newline();
                        self.help();
                        self.out.push(Token {
                            tok: Tok::Eol,
                            line: self.line,
                            col: self.col(pos.max(self.line_start)),
                        });
                        self.stmt_tokens = 0;
                    } else {
                        self.push(Tok::Eol, self.pos);
                        self.newline();
                    }
                }
                b'"' | b'\'' => self.string(c),
                _ if is_word_char(c) || c == b'$' => self.word(),
                _ => {
                    let rest = &self.text[self.pos..];
                    if let Ok((remaining, o)) = op(rest) {
                        let start = self.pos;
                        self.pos += rest.len() - remaining.len();
                        self.push(Tok::Op(o), start);
                        if matches!(o, Op::Equal | Op::ColonEqual | Op::PlusEqual)
                            && self.stmt_tokens == 2
                            && matches!(
                                self.out[self.out.len() - 2].tok,
                                Tok::Word(_) | Tok::Macro(_)
                            )
                        {
                            self.assign_val();
                        }
                    } else {
                        let ch = self.text[self.pos..].chars().next().unwrap_or('?');
                        self.push(
                            Tok::Warning(format!("ignoring unsupported character '{ch}'").into()),
                            self.pos,
                        );
                        self.pos += ch.len_utf8();
                    }
                }
            }
        }
    }

    /// Whether the statement just ended is `help` alone (the parser then switches the lexer to
    /// its HELP state, `zconf_starthelp`).
    fn stmt_is_help(&self) -> bool {
        self.stmt_tokens == 1
            && matches!(
                self.out.last(),
                Some(Token {
                    tok: Tok::Kw(Keyword::Help),
                    ..
                })
            )
    }

    fn word(&mut self) {
        let start = self.pos;
        let rest = &self.text[self.pos..];
        let Ok((_, w)) = word(rest) else {
            return;
        };
        if w.contains('$') {
            let n = macro_extent(rest.as_bytes());
            self.pos += n;
            self.push(Tok::Macro(Span::new(start, start + n)), start);
        } else {
            self.pos += w.len();
            match Keyword::from_word(w) {
                Some(k) => self.push(Tok::Kw(k), start),
                None => self.push(Tok::Word(Span::new(start, start + w.len())), start),
            }
        }
    }

    /// The ASSIGN_VAL state: the rest of the line, without leading blanks, is the raw value.
    fn assign_val(&mut self) {
        let line = self.rest_of_line();
        let value = line.trim_start_matches([' ', '\t']);
        let start = self.pos + (line.len() - value.len());
        self.pos += line.len();
        if !value.is_empty() {
            self.push(Tok::AssignVal(Span::new(start, start + value.len())), start);
        }
    }

    /// The STRING state.
    fn string(&mut self, quote: u8) {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        self.pos += 1;
        // Fast path: no escape, no reference, closed on this line.
        let body = &bytes[self.pos..];
        if let Some(n) = body
            .iter()
            .position(|&b| matches!(b, b'$' | b'\\' | b'\n') || b == quote)
        {
            if body[n] == quote {
                let span = Span::new(self.pos, self.pos + n);
                self.pos += n + 1;
                self.push(Tok::Str(span), start);
                return;
            }
        }
        let mut pieces: Vec<StrPiece> = Vec::new();
        let mut lit = String::new();
        // At the end of the file (<<EOF>>) the string ends with it.
        while let Some(&c) = bytes.get(self.pos) {
            match c {
                b'$' => {
                    let after = &bytes[self.pos + 1..];
                    let line_len = after
                        .iter()
                        .position(|&c| c == b'\n')
                        .unwrap_or(after.len());
                    match dollar_extent(&after[..line_len]) {
                        Some(0) => {
                            lit.push('$');
                            self.pos += 1;
                        }
                        Some(n) => {
                            if !lit.is_empty() {
                                pieces.push(StrPiece::Lit(std::mem::take(&mut lit)));
                            }
                            let raw = &self.text[self.pos + 1..self.pos + 1 + n];
                            pieces.push(StrPiece::Dollar(raw.to_string()));
                            self.pos += 1 + n;
                        }
                        None => {
                            // Unterminated: expansion reports it with the raw text.
                            if !lit.is_empty() {
                                pieces.push(StrPiece::Lit(std::mem::take(&mut lit)));
                            }
                            let raw = &self.text[self.pos + 1..self.pos + 1 + line_len];
                            pieces.push(StrPiece::Dollar(raw.to_string()));
                            self.pos += 1 + line_len;
                        }
                    }
                }
                b'\\' => {
                    // `\\.?`: the next character (not a newline) stands for itself.
                    self.pos += 1;
                    if let Some(&n) = bytes.get(self.pos) {
                        if n != b'\n' {
                            let ch = self.text[self.pos..].chars().next().unwrap_or('\\');
                            lit.push(ch);
                            self.pos += ch.len_utf8();
                        }
                    }
                }
                b'\n' => {
                    self.push(
                        Tok::Warning("multi-line strings not supported".into()),
                        start,
                    );
                    break;
                }
                _ if c == quote => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    // A run of ordinary characters (including the other quote).
                    let run = bytes[self.pos..]
                        .iter()
                        .position(|&b| matches!(b, b'$' | b'\\' | b'\n') || b == quote)
                        .unwrap_or(bytes.len() - self.pos);
                    lit.push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
        if !lit.is_empty() || pieces.is_empty() {
            pieces.push(StrPiece::Lit(lit));
        }
        self.push(Tok::StrPieces(pieces.into_boxed_slice()), start);
    }

    /// The HELP state (lexer.l): the help text is every following line that is blank or
    /// indented at least as much as its first non-blank line, de-indented, trailing blanks
    /// removed. Tabs count to the next multiple of 8.
    fn help(&mut self) {
        let bytes = self.text.as_bytes();
        let mut text = String::new();
        // The line the C lexer is on when it returns T_HELPTEXT (used by help warnings).
        let mut end_line;
        let mut first_ts = 0usize;
        loop {
            end_line = self.line;
            if self.pos >= bytes.len() {
                break;
            }
            let line = self.rest_of_line();
            let lb = line.as_bytes();
            let ws = lb
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(lb.len());
            if ws == lb.len() {
                // `[ \t]*\n`: a blank line; it ends the help when the next line starts at
                // column 0 with a non-blank character.
                let next = self.pos + line.len() + 1;
                if next < bytes.len() && !matches!(bytes[next], b' ' | b'\t' | b'\n') {
                    self.pos += line.len();
                    end_line = self.line + 1;
                    break;
                }
                text.push('\n');
                self.pos += line.len();
                if self.pos < bytes.len() {
                    self.newline();
                }
                continue;
            }
            if ws == 0 && (first_ts != 0 || !text.is_empty()) {
                // A non-blank character at column 0 ends the help text (only the very first
                // line of a help text can start at column 0).
                break;
            }
            let mut ts = 0usize;
            for &c in &lb[..ws] {
                if c == b'\t' {
                    ts = (ts & !7) + 8;
                } else {
                    ts += 1;
                }
            }
            if first_ts != 0 {
                if ts < first_ts {
                    break;
                }
                let mut extra = ts - first_ts;
                while extra > 8 {
                    text.push_str("        ");
                    extra -= 8;
                }
                for _ in 0..extra {
                    text.push(' ');
                }
            } else {
                first_ts = ts;
            }
            text.push_str(line[ws..].trim_end_matches([' ', '\t']));
            self.pos += line.len();
            // The newline after a text line: `[ \t]*\n/[^ \t\n]` ends the help without adding
            // it; `[ \t]*\n` adds it.
            if self.pos < bytes.len() {
                let next = self.pos + 1;
                if next < bytes.len() && !matches!(bytes[next], b' ' | b'\t' | b'\n') {
                    end_line = self.line + 1;
                    break;
                }
                text.push('\n');
                self.newline();
            }
        }
        self.out.push(Token {
            tok: Tok::HelpText(text.into_boxed_str()),
            line: end_line,
            col: 1,
        });
        // The help text acts like an end of statement (prev_token == T_HELPTEXT).
        self.stmt_tokens = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens rendered as text: `kw:config`, `w:FOO`, `$:...`, `s:...`, `op:&&`, `=:...`,
    /// `help:...`, `warn:...`, `EOL`.
    fn toks(s: &str) -> Vec<String> {
        let ft = lex(s.into());
        ft.tokens
            .iter()
            .map(|t| match &t.tok {
                Tok::Eol => "EOL".to_string(),
                Tok::Kw(k) => format!("kw:{}", k.as_str()),
                Tok::Word(sp) => format!("w:{}", ft.text(*sp)),
                Tok::Macro(sp) => format!("$:{}", ft.text(*sp)),
                Tok::Str(sp) => format!("s:{}", ft.text(*sp)),
                Tok::StrPieces(p) => format!("s:{p:?}"),
                Tok::Op(o) => format!("op:{}", o.as_str()),
                Tok::AssignVal(sp) => format!("=:{}", ft.text(*sp)),
                Tok::HelpText(h) => format!("help:{h}"),
                Tok::Warning(w) => format!("warn:{w}"),
            })
            .collect()
    }

    #[test]
    fn config_entry() {
        let t = toks("config FOO\n\tbool \"Foo\" if BAR && !BAZ\n");
        assert_eq!(
            t,
            [
                "kw:config",
                "w:FOO",
                "EOL",
                "kw:bool",
                "s:Foo",
                "kw:if",
                "w:BAR",
                "op:&&",
                "op:!",
                "w:BAZ",
                "EOL",
                "EOL"
            ]
        );
    }

    #[test]
    fn macro_token_spans_parentheses_and_spaces() {
        let t = toks("\tdef_bool $(cc-option,-m64 -mfoo) # c\n");
        assert_eq!(t[1], "$:$(cc-option,-m64 -mfoo)");
        assert_eq!(t[2], "EOL");
    }

    #[test]
    fn assignment_value_is_raw_rest_of_line() {
        let t = toks("cc-option = $(success,foo $(1)) # not a comment\n");
        assert_eq!(
            t[..3],
            [
                "w:cc-option",
                "op:=",
                "=:$(success,foo $(1)) # not a comment"
            ]
        );
        assert_eq!(toks("x :=\n"), ["w:x", "op::=", "EOL", "EOL"]);
    }

    #[test]
    fn help_text_deindents_and_ends_on_outdent() {
        let src =
            "config A\n\tbool\n\thelp\n\t  Line one.\n\n\t    indented\n\t  last\n\nconfig B\n";
        let t = toks(src);
        assert!(
            t.contains(&"help:Line one.\n\n  indented\nlast\n".to_string()),
            "{t:?}"
        );
        assert!(t.contains(&"w:B".to_string()));
    }

    #[test]
    fn strings_with_escapes_and_other_quotes() {
        let ft = lex("prompt \"a \\\"b\\\" 'c' $(X)d\"\n".into());
        assert_eq!(
            ft.tokens[1].tok,
            Tok::StrPieces(
                vec![
                    StrPiece::Lit("a \"b\" 'c' ".into()),
                    StrPiece::Dollar("(X)".into()),
                    StrPiece::Lit("d".into()),
                ]
                .into_boxed_slice()
            )
        );
        assert_eq!(toks("prompt 'x \"y\"'\n")[1], "s:x \"y\"");
    }

    #[test]
    fn warnings_for_odd_characters_and_missing_newline() {
        let t = toks("config A\n\tbool @\nconfig B");
        assert!(t.contains(&"warn:ignoring unsupported character '@'".to_string()));
        assert!(t.contains(&"warn:no new line at end of file".to_string()));
    }

    #[test]
    fn line_continuation_and_columns() {
        let ft = lex("config A\n\tdepends on B && \\\n\t\tC\n".into());
        let c = ft
            .tokens
            .iter()
            .find(|t| matches!(t.tok, Tok::Word(sp) if ft.text(sp) == "C"))
            .unwrap();
        assert_eq!((c.line, c.col), (3, 3));
    }
}
