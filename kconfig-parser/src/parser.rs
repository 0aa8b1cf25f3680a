//! The Kconfig parser: statements to the model, as scripts/kconfig/parser.y and the menu
//! building actions of menu.c (`menu_add_entry`, `menu_add_prop`, `menu_add_prompt`, ...) do.
//!
//! The parser walks the raw tokens of each file ([`crate::lexer`]) in source order, expands
//! macros as the C lexer would at that point ([`crate::preprocess`]), and follows `source`
//! statements into other files. It keeps the grammar's block structure (`menu`, `choice`, `if`)
//! on an explicit stack, so a block left open or closed in another file is reported as conf
//! reports it.

use std::borrow::Cow;
use std::sync::Arc;

use crate::expr::{CmpOp, Expr};
use crate::lexer::{FileTokens, Keyword, Op, StrPiece, Tok, Token};
use crate::model::{
    flags, FileId, Menu, MenuId, MenuKind, Model, PropId, PropKind, Property, SymbolId, SymbolType,
};
use crate::preprocess::{Flavor, Output, PreprocessError, Preprocessor};

/// Where the parser gets a file's tokens and text from.
pub trait FileSource {
    /// The tokens of the file named `name` (as a `source` statement names it), or why it
    /// cannot be read.
    fn tokens(&self, name: &str) -> Result<Arc<FileTokens>, String>;
    /// The text of one line of a file (1-based), for error messages.
    fn line_text(&self, name: &str, line: u32) -> Option<String>;
}

/// The language rules of the tree's release.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// 6.11 rewrote choices: they are bool only, anonymous, without `optional`, and config
    /// entries are no longer `SYMBOL_OPTIONAL`.
    pub new_choices: bool,
}

impl Dialect {
    /// The rules of release `major.minor`.
    pub fn for_version(major: u32, minor: u32) -> Self {
        Dialect {
            new_choices: (major, minor) >= (6, 11),
        }
    }
}

/// A located syntax or semantic error that stops the parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ParseError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// The text of the offending line, if known.
    pub source_line: Option<String>,
    /// What would have been valid, or what to do.
    pub hint: Option<String>,
}

impl ParseError {
    fn render(&self) -> String {
        let mut s = format!(
            "{}:{}:{}: error: {}",
            self.file, self.line, self.col, self.message
        );
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            s.push_str(&format!("\n {num} | {src}\n {} | ", " ".repeat(num.len())));
            let pad: String = src
                .chars()
                .take(self.col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            s.push_str(&pad);
            s.push('^');
        }
        if let Some(h) = &self.hint {
            s.push_str(&format!("\n  = help: {h}"));
        }
        s
    }
}

/// The result of a parse: the model (not yet finalised), conf's messages, and the shell
/// commands that still need answers.
pub struct ParseOutput {
    pub model: Model,
    /// What conf prints while parsing, in order.
    pub messages: Vec<Output>,
    /// Environment variables the Kconfig files referenced.
    pub env_used: Vec<(String, String)>,
}

/// A token after macro expansion (the tokens bison sees).
#[derive(Clone, Debug)]
enum CTok<'t> {
    Kw(Keyword),
    Word(Cow<'t, str>),
    Str(Cow<'t, str>),
    Op(Op),
    AssignVal(&'t str),
}

impl CTok<'_> {
    fn describe(&self) -> String {
        match self {
            CTok::Kw(k) => format!("keyword '{}'", k.as_str()),
            CTok::Word(w) => format!("'{w}'"),
            CTok::Str(s) => format!("string \"{s}\""),
            CTok::Op(o) => format!("'{}'", o.as_str()),
            CTok::AssignVal(v) => format!("'{v}'"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Pos {
    line: u32,
    col: u32,
}

/// What kind of entry is open: decides which option statements may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    None,
    Config,
    MenuConfig,
    Choice,
    Menu,
    Comment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
    Menu,
    Choice,
    If,
}

impl BlockKind {
    fn name(self) -> &'static str {
        match self {
            BlockKind::Menu => "menu",
            BlockKind::Choice => "choice",
            BlockKind::If => "if",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    kind: BlockKind,
    menu: MenuId,
}

#[derive(Clone, Copy, Debug)]
enum LastPtr {
    List(MenuId),
    Next(MenuId),
}

struct Frame {
    file: FileId,
    name: String,
    /// The line of the `source` statement in the including file.
    source_line: u32,
}

/// The parser state (the globals of parser.y and menu.c).
pub struct Parser<'a> {
    model: Model,
    pp: Preprocessor<'a>,
    src: &'a dyn FileSource,
    dialect: Dialect,
    messages: Vec<Output>,
    current_menu: MenuId,
    current_entry: MenuId,
    last_entry_ptr: LastPtr,
    entry: Entry,
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    file_ids: rustc_hash::FxHashMap<String, FileId>,
    /// Position of the current statement's first token (`zconf_lineno`).
    stmt_line: u32,
    seen_statement: bool,
    /// The open choice (6.11 and later: `current_choice`).
    current_choice: Option<MenuId>,
    modules_defined: bool,
}

type PResult<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    /// A parser for one tree.
    pub fn new(pp: Preprocessor<'a>, src: &'a dyn FileSource, dialect: Dialect) -> Self {
        let model = Model::new();
        let root = model.root;
        Parser {
            model,
            pp,
            src,
            dialect,
            messages: Vec::new(),
            current_menu: root,
            current_entry: root,
            last_entry_ptr: LastPtr::List(root),
            entry: Entry::None,
            blocks: Vec::new(),
            frames: Vec::new(),
            file_ids: Default::default(),
            stmt_line: 0,
            seen_statement: false,
            current_choice: None,
            modules_defined: false,
        }
    }

    /// `conf_parse` up to (not including) `menu_finalize`: parses the tree from its top
    /// file (`Kconfig`). Also returns the shell commands that had no answer: when there are
    /// any, the result (or the error) is provisional and the parse must be repeated.
    pub fn parse(mut self, top: &str) -> (Result<ParseOutput, ParseError>, Vec<String>) {
        let res = self.parse_all(top);
        let pending = std::mem::take(&mut self.pp.pending);
        match res {
            Ok(()) => {
                let out = ParseOutput {
                    model: self.model,
                    messages: self.messages,
                    env_used: self.pp.env_used,
                };
                (Ok(out), pending)
            }
            Err(e) => (Err(e), pending),
        }
    }

    fn parse_all(&mut self, top: &str) -> PResult<()> {
        self.parse_file(top, None)?;
        self.close_entry(None)?;
        if let Some(b) = self.blocks.first().copied() {
            let m = self.model.menu(b.menu);
            let file = self.model.file_name(m.file).to_string();
            return Err(ParseError {
                source_line: self.src.line_text(&file, m.line),
                file,
                line: m.line,
                col: 1,
                message: format!(
                    "missing end statement for this entry: '{}' is never closed",
                    b.kind.name()
                ),
                hint: Some(format!(
                    "add 'end{}' at the end of the block",
                    b.kind.name()
                )),
            });
        }
        if !self.modules_defined {
            self.model.modules_sym = crate::model::SYM_NO;
        }
        let root = self.model.root;
        if self.model.menu(root).prompt.is_none() {
            self.current_entry = root;
            self.add_prompt(PropKind::Menu, "Main menu".to_string(), None);
        }
        self.flush_pp_output();
        Ok(())
    }

    fn file_id(&mut self, name: &str) -> FileId {
        if let Some(id) = self.file_ids.get(name) {
            return *id;
        }
        let id = FileId(self.model.files.len() as u32);
        let included_from = self.frames.last().map(|f| (f.file, self.stmt_line));
        self.model.files.push(crate::model::File {
            name: name.to_string(),
            included_from,
        });
        self.file_ids.insert(name.to_string(), id);
        id
    }

    fn cur_file(&self) -> FileId {
        self.frames.last().map(|f| f.file).unwrap_or(FileId(0))
    }

    fn cur_name(&self) -> &str {
        self.frames
            .last()
            .map(|f| f.name.as_str())
            .unwrap_or("<none>")
    }

    fn err(&self, pos: Pos, message: impl Into<String>, hint: Option<String>) -> ParseError {
        let file = self.cur_name().to_string();
        ParseError {
            source_line: self.src.line_text(&file, pos.line),
            file,
            line: pos.line,
            col: pos.col,
            message: message.into(),
            hint,
        }
    }

    fn pp_err(&self, e: PreprocessError, pos: Pos) -> ParseError {
        ParseError {
            source_line: self.src.line_text(&e.file, e.line),
            file: e.file,
            line: e.line,
            col: pos.col,
            message: e.message,
            hint: None,
        }
    }

    fn flush_pp_output(&mut self) {
        if !self.pp.output.is_empty() {
            self.messages.append(&mut self.pp.output);
        }
    }

    fn warn(&mut self, text: String) {
        self.flush_pp_output();
        self.messages.push(Output::Stderr(text));
    }

    /// `zconfprint`: `file:line: message` at the current statement.
    fn zconfprint(&mut self, msg: &str) {
        let t = format!("{}:{}: {}\n", self.cur_name(), self.stmt_line, msg);
        self.warn(t);
    }

    fn parse_file(&mut self, name: &str, source_pos: Option<Pos>) -> PResult<()> {
        if self.frames.iter().any(|f| f.name == name) {
            let mut msg =
                format!("Recursive inclusion detected.\nInclusion path:\n  current file : {name}");
            let mut line = self.stmt_line;
            for f in self.frames.iter().rev() {
                msg.push_str(&format!("\n  included from: {}:{}", f.name, line));
                line = f.source_line;
                if f.name == name {
                    break;
                }
            }
            return Err(self.err(source_pos.unwrap_or(Pos { line: 0, col: 1 }), msg, None));
        }
        let tokens = match self.src.tokens(name) {
            Ok(t) => t,
            Err(why) => {
                let pos = source_pos.unwrap_or(Pos { line: 0, col: 1 });
                if self.frames.is_empty() {
                    return Err(ParseError {
                        file: name.to_string(),
                        line: 0,
                        col: 0,
                        message: format!("can't find file {name}: {why}"),
                        source_line: None,
                        hint: Some("pass the top of a Linux source tree (the directory with the top-level Kconfig)".into()),
                    });
                }
                return Err(self.err(
                    pos,
                    format!("can't open file \"{name}\": {why}"),
                    Some("check the path in the source statement; it is relative to the top of the tree".into()),
                ));
            }
        };
        let file = self.file_id(name);
        self.frames.push(Frame {
            file,
            name: name.to_string(),
            source_line: self.stmt_line,
        });
        let res = self.parse_tokens(&tokens);
        let frame = self.frames.pop();
        if let Some(f) = frame {
            self.stmt_line = f.source_line;
        }
        res
    }

    fn parse_tokens(&mut self, ft: &FileTokens) -> PResult<()> {
        let toks = &ft.tokens[..];
        let mut i = 0;
        while i < toks.len() {
            let start = i;
            while i < toks.len() && toks[i].tok != Tok::Eol {
                i += 1;
            }
            let stmt = &toks[start..i];
            i += 1; // the Eol
            self.raw_statement(ft, stmt)?;
        }
        Ok(())
    }

    /// Cooks a statement's raw tokens (expanding macros left to right) and runs it.
    fn raw_statement<'t>(&mut self, ft: &'t FileTokens, stmt: &'t [Token]) -> PResult<()> {
        let mut cooked: Vec<(CTok, Pos)> = Vec::with_capacity(stmt.len());
        let mut help: Option<(&str, u32)> = None;
        let mut first_line: Option<u32> = None;
        let mut vanished: Vec<&str> = Vec::new();
        for t in stmt {
            let pos = Pos {
                line: t.line,
                col: t.col,
            };
            match &t.tok {
                Tok::Warning(w) => {
                    let text = format!("{}:{}:warning: {}\n", self.cur_name(), t.line, w);
                    self.warn(text);
                    continue;
                }
                Tok::HelpText(h) => {
                    help = Some((&**h, t.line));
                    continue;
                }
                _ => {}
            }
            if first_line.is_none() {
                first_line = Some(t.line);
                self.stmt_line = t.line;
            }
            let c = match &t.tok {
                Tok::Kw(kw) => CTok::Kw(*kw),
                Tok::Word(w) => CTok::Word(Cow::Borrowed(ft.text(*w))),
                Tok::Op(o) => CTok::Op(*o),
                Tok::AssignVal(v) => CTok::AssignVal(ft.text(*v)),
                Tok::Str(sp) => CTok::Str(Cow::Borrowed(ft.text(*sp))),
                Tok::Macro(m) => {
                    let m = ft.text(*m);
                    let name = self.cur_name().to_string();
                    self.pp.set_location(&name, t.line);
                    let (out, _) = self.pp.expand_token(m).map_err(|e| self.pp_err(e, pos))?;
                    self.flush_pp_output();
                    if out.is_empty() {
                        if cooked.is_empty() {
                            first_line = None;
                        }
                        vanished.push(m);
                        continue;
                    }
                    CTok::Word(Cow::Owned(out))
                }
                Tok::StrPieces(pieces) => {
                    if let [StrPiece::Lit(s)] = &pieces[..] {
                        CTok::Str(Cow::Borrowed(s.as_str()))
                    } else {
                        let name = self.cur_name().to_string();
                        self.pp.set_location(&name, t.line);
                        let mut s = String::new();
                        for p in pieces {
                            match p {
                                StrPiece::Lit(l) => s.push_str(l),
                                StrPiece::Dollar(d) => s.push_str(
                                    &self.pp.expand_dollar(d).map_err(|e| self.pp_err(e, pos))?,
                                ),
                            }
                        }
                        self.flush_pp_output();
                        CTok::Str(Cow::Owned(s))
                    }
                }
                Tok::Eol | Tok::Warning(_) | Tok::HelpText(_) => continue,
            };
            cooked.push((c, pos));
        }
        if cooked.is_empty() {
            return Ok(());
        }
        self.statement(&cooked, help).map_err(|mut e| {
            if !vanished.is_empty() {
                // The C lexer drops a token that expands to nothing; say so, since that is
                // usually why the statement no longer parses (a failing $(shell,...)).
                let list: Vec<String> = vanished.iter().map(|m| format!("`{m}`")).collect();
                let note = format!("{} expanded to nothing on this line, and an empty expansion is no token at all", list.join(", "));
                e.hint = Some(match e.hint.take() {
                    Some(h) => format!("{h}\n  = note: {note}"),
                    None => note,
                });
            }
            e
        })
    }

    fn statement(&mut self, t: &[(CTok, Pos)], help: Option<(&str, u32)>) -> PResult<()> {
        let first_statement = !self.seen_statement;
        self.seen_statement = true;
        let pos0 = t[0].1;
        // Assignment: WORD op value (the lexer switched to ASSIGN_VAL).
        if t.len() >= 2 {
            if let (CTok::Word(name), CTok::Op(op @ (Op::Equal | Op::ColonEqual | Op::PlusEqual))) =
                (&t[0].0, &t[1].0)
            {
                self.close_entry(Some(pos0))?;
                if self.in_choice() {
                    return Err(self.err(
                        pos0,
                        "invalid statement: variable assignment inside a choice",
                        None,
                    ));
                }
                let value = match t.get(2) {
                    Some((CTok::AssignVal(v), _)) => *v,
                    _ => "",
                };
                let flavor = match op {
                    Op::Equal => Flavor::Recursive,
                    Op::ColonEqual => Flavor::Simple,
                    _ => Flavor::Append,
                };
                let file = self.cur_name().to_string();
                // variable_add runs after the newline was read: yylineno is the next line.
                self.pp.set_location(&file, pos0.line + 1);
                let name = name.to_string();
                self.pp
                    .assign(&name, value, flavor)
                    .map_err(|e| self.pp_err(e, pos0))?;
                self.flush_pp_output();
                return Ok(());
            }
        }
        let kw = match &t[0].0 {
            CTok::Kw(k) => *k,
            CTok::Word(w) => {
                return Err(self.err(
                    pos0,
                    format!("unknown statement \"{w}\""),
                    Some("a statement starts with config, menuconfig, choice, menu, comment, if, source, an option of the entry above, or VAR = value".into()),
                ))
            }
            other => {
                return Err(self.err(
                    pos0,
                    format!("invalid statement: unexpected {}", other.describe()),
                    Some("a statement starts with a keyword".into()),
                ))
            }
        };
        use Keyword as K;
        match kw {
            K::Mainmenu => {
                if !first_statement {
                    return Err(self.err(
                        pos0,
                        "invalid statement: 'mainmenu' must be the first statement of the tree",
                        None,
                    ));
                }
                let mut c = Cur::new(t, 1);
                let text = self.expect_str(&mut c)?;
                self.expect_end(&c)?;
                self.add_prompt(PropKind::Menu, text, None);
                Ok(())
            }
            K::Config | K::Menuconfig => {
                self.close_entry(Some(pos0))?;
                if kw == K::Menuconfig && self.in_choice() {
                    return Err(self.err(
                        pos0,
                        "invalid statement: 'menuconfig' inside a choice",
                        Some("only config, comment and if are allowed in a choice".into()),
                    ));
                }
                let mut c = Cur::new(t, 1);
                let name = self.expect_word(&mut c, "a symbol name")?;
                self.expect_end(&c)?;
                let sym = self.model.lookup(&name);
                if !self.dialect.new_choices {
                    self.model.sym_mut(sym).flags |= flags::OPTIONAL;
                }
                self.add_entry(
                    Some(sym),
                    if kw == K::Config {
                        MenuKind::Config
                    } else {
                        MenuKind::MenuConfig
                    },
                );
                self.entry = if kw == K::Config {
                    Entry::Config
                } else {
                    Entry::MenuConfig
                };
                Ok(())
            }
            K::Choice => {
                self.close_entry(Some(pos0))?;
                if self.in_choice() {
                    return Err(self.err(
                        pos0,
                        "invalid statement: a choice inside a choice",
                        None,
                    ));
                }
                let mut c = Cur::new(t, 1);
                let sym = if self.dialect.new_choices {
                    self.expect_end(&c)?;
                    self.model.lookup_choice(None)
                } else {
                    let name = match c.peek() {
                        Some(CTok::Word(w)) => {
                            let w = w.to_string();
                            c.i += 1;
                            Some(w)
                        }
                        _ => None,
                    };
                    self.expect_end(&c)?;
                    self.model.lookup_choice(name.as_deref())
                };
                self.add_entry(Some(sym), MenuKind::Choice);
                if self.dialect.new_choices {
                    self.set_type(SymbolType::Bool);
                } else {
                    self.model.sym_mut(sym).flags |= flags::NO_WRITE;
                    self.add_prop(PropKind::Choice, None, None);
                }
                self.entry = Entry::Choice;
                Ok(())
            }
            K::Endmenu | K::Endchoice | K::Endif => {
                self.close_entry(Some(pos0))?;
                let c = Cur::new(t, 1);
                self.expect_end(&c)?;
                let name = match kw {
                    K::Endmenu => "menu",
                    K::Endchoice => "choice",
                    _ => "if",
                };
                let Some(top) = self.blocks.last().copied() else {
                    return Err(self.err(
                        pos0,
                        format!("'end{name}' without a matching '{name}'"),
                        None,
                    ));
                };
                if top.kind.name() != name {
                    let m = self.model.menu(top.menu);
                    return Err(self.err(
                        pos0,
                        format!("unexpected 'end{name}' within {} block", top.kind.name()),
                        Some(format!(
                            "the open block is the '{}' at {}:{}",
                            top.kind.name(),
                            self.model.file_name(m.file),
                            m.line
                        )),
                    ));
                }
                let m = self.model.menu(top.menu);
                if m.file != self.cur_file() {
                    return Err(self.err(
                        pos0,
                        format!("'end{name}' in different file than '{name}'"),
                        Some(format!(
                            "the '{name}' is at {}:{}",
                            self.model.file_name(m.file),
                            m.line
                        )),
                    ));
                }
                self.blocks.pop();
                if top.kind == BlockKind::Choice {
                    self.current_choice = None;
                }
                self.end_menu();
                Ok(())
            }
            K::If => {
                self.close_entry(Some(pos0))?;
                let mut c = Cur::new(t, 1);
                let e = self.expr(&mut c)?;
                self.expect_end(&c)?;
                self.add_entry(None, MenuKind::If);
                self.add_dep(Some(e));
                self.add_menu();
                self.blocks.push(Block {
                    kind: BlockKind::If,
                    menu: self.current_menu,
                });
                self.entry = Entry::None;
                Ok(())
            }
            K::Menu => {
                self.close_entry(Some(pos0))?;
                if self.in_choice() {
                    return Err(self.err(
                        pos0,
                        "invalid statement: 'menu' inside a choice",
                        Some("only config, comment and if are allowed in a choice".into()),
                    ));
                }
                let mut c = Cur::new(t, 1);
                let text = self.expect_str(&mut c)?;
                self.expect_end(&c)?;
                self.add_entry(None, MenuKind::Menu);
                self.add_prompt(PropKind::Menu, text, None);
                self.entry = Entry::Menu;
                Ok(())
            }
            K::Comment => {
                self.close_entry(Some(pos0))?;
                let mut c = Cur::new(t, 1);
                let text = self.expect_str(&mut c)?;
                self.expect_end(&c)?;
                self.add_entry(None, MenuKind::Comment);
                self.add_prompt(PropKind::Comment, text, None);
                self.entry = Entry::Comment;
                Ok(())
            }
            K::Source => {
                self.close_entry(Some(pos0))?;
                if self.in_choice() {
                    return Err(self.err(
                        pos0,
                        "invalid statement: 'source' inside a choice",
                        None,
                    ));
                }
                let mut c = Cur::new(t, 1);
                let name = self.expect_str(&mut c)?;
                self.expect_end(&c)?;
                if name.contains(crate::preprocess::PENDING) {
                    // The path depends on a shell answer not known yet; this parse will be
                    // repeated once it is.
                    return Ok(());
                }
                self.parse_file(&name, Some(pos0))
            }
            _ => self.option(kw, t, help),
        }
    }

    /// An option statement of the open entry.
    fn option(&mut self, kw: Keyword, t: &[(CTok, Pos)], help: Option<(&str, u32)>) -> PResult<()> {
        use Keyword as K;
        let pos0 = t[0].1;
        let allowed = match self.entry {
            Entry::Config | Entry::MenuConfig => matches!(
                kw,
                K::Bool
                    | K::Tristate
                    | K::Int
                    | K::Hex
                    | K::String
                    | K::Prompt
                    | K::Default
                    | K::DefBool
                    | K::DefTristate
                    | K::Select
                    | K::Imply
                    | K::Range
                    | K::Modules
                    | K::Option
                    | K::Depends
                    | K::Help
                    | K::Transitional
            ),
            Entry::Choice => {
                matches!(kw, K::Prompt | K::Bool | K::Default | K::Depends | K::Help)
                    || (!self.dialect.new_choices && matches!(kw, K::Tristate | K::Optional))
            }
            Entry::Menu => matches!(kw, K::Visible | K::Depends),
            Entry::Comment => matches!(kw, K::Depends),
            Entry::None => false,
        };
        if !allowed {
            let what = match self.entry {
                Entry::None => "no entry is open here".to_string(),
                Entry::Config => "not an option of a config entry".to_string(),
                Entry::MenuConfig => "not an option of a menuconfig entry".to_string(),
                Entry::Choice => "not an option of a choice".to_string(),
                Entry::Menu => "a menu takes only 'visible if' and 'depends on'".to_string(),
                Entry::Comment => "a comment takes only 'depends on'".to_string(),
            };
            return Err(self.err(
                pos0,
                format!("invalid statement: '{}' ({what})", kw.as_str()),
                None,
            ));
        }
        let mut c = Cur::new(t, 1);
        match kw {
            K::Bool | K::Tristate | K::Int | K::Hex | K::String => {
                let ty = match kw {
                    K::Bool => SymbolType::Bool,
                    K::Tristate => SymbolType::Tristate,
                    K::Int => SymbolType::Int,
                    K::Hex => SymbolType::Hex,
                    _ => SymbolType::String,
                };
                if self.entry == Entry::Choice && self.dialect.new_choices {
                    // choice_option: T_BOOL T_WORD_QUOTE if_expr T_EOL
                    let text = self.expect_str(&mut c)?;
                    let cond = self.if_expr(&mut c)?;
                    self.expect_end(&c)?;
                    self.add_prompt(PropKind::Prompt, text, cond);
                    return Ok(());
                }
                // prompt_stmt_opt comes first in the grammar, menu_set_type runs at the end.
                if let Some(CTok::Str(_)) = c.peek() {
                    let text = self.expect_str(&mut c)?;
                    let cond = self.if_expr(&mut c)?;
                    self.expect_end(&c)?;
                    self.add_prompt(PropKind::Prompt, text, cond);
                } else {
                    self.expect_end(&c)?;
                }
                self.set_type(ty);
            }
            K::Prompt => {
                let text = self.expect_str(&mut c)?;
                let cond = self.if_expr(&mut c)?;
                self.expect_end(&c)?;
                self.add_prompt(PropKind::Prompt, text, cond);
            }
            K::Default | K::DefBool | K::DefTristate => {
                if self.entry == Entry::Choice {
                    let name = self.expect_word(&mut c, "the symbol of a choice member")?;
                    let cond = self.if_expr(&mut c)?;
                    self.expect_end(&c)?;
                    let s = self.model.lookup(&name);
                    self.add_prop(PropKind::Default, Some(Expr::Symbol(s)), cond);
                } else {
                    let e = self.expr(&mut c)?;
                    let cond = self.if_expr(&mut c)?;
                    self.expect_end(&c)?;
                    self.add_prop(PropKind::Default, Some(e), cond);
                    match kw {
                        K::DefBool => self.set_type(SymbolType::Bool),
                        K::DefTristate => self.set_type(SymbolType::Tristate),
                        _ => {}
                    }
                }
            }
            K::Select | K::Imply => {
                let name = self.expect_word(&mut c, "a symbol name")?;
                let cond = self.if_expr(&mut c)?;
                self.expect_end(&c)?;
                let s = self.model.lookup(&name);
                let kind = if kw == K::Select {
                    PropKind::Select
                } else {
                    PropKind::Imply
                };
                self.add_prop(kind, Some(Expr::Symbol(s)), cond);
            }
            K::Range => {
                let a = self.symbol(&mut c)?;
                let b = self.symbol(&mut c)?;
                let cond = self.if_expr(&mut c)?;
                self.expect_end(&c)?;
                self.add_prop(PropKind::Range, Some(Expr::Range(a, b)), cond);
            }
            K::Modules => {
                self.expect_end(&c)?;
                self.set_modules(pos0)?;
            }
            K::Transitional => {
                self.expect_end(&c)?;
                if let Some(s) = self.model.menu(self.current_entry).sym {
                    self.model.sym_mut(s).flags |= flags::TRANSITIONAL;
                }
            }
            K::Option => {
                // Before 5.15: option modules | defconfig_list | allnoconfig_y | env="NAME".
                let what = match c.next() {
                    Some((CTok::Kw(K::Modules), _)) => "modules".to_string(),
                    Some((CTok::Word(w), _)) => w.to_string(),
                    _ => String::new(),
                };
                match what.as_str() {
                    "modules" => {
                        self.expect_end(&c)?;
                        self.set_modules(pos0)?;
                    }
                    "defconfig_list" => {
                        self.expect_end(&c)?;
                        if let Some(s) = self.model.menu(self.current_entry).sym {
                            match self.model.defconfig_list {
                                None => self.model.defconfig_list = Some(s),
                                Some(d) if d != s => {
                                    return Err(self.err(
                                        pos0,
                                        "trying to redefine defconfig symbol",
                                        None,
                                    ))
                                }
                                _ => {}
                            }
                            self.model.sym_mut(s).flags |= flags::NO_WRITE;
                        }
                    }
                    "allnoconfig_y" => {
                        self.expect_end(&c)?;
                        if let Some(s) = self.model.menu(self.current_entry).sym {
                            self.model.sym_mut(s).flags |= flags::ALLNOCONFIG_Y;
                        }
                    }
                    "env" => {
                        // option env="NAME" (before 4.18): a default from the environment.
                        let name = match (c.next(), c.next()) {
                            (Some((CTok::Op(Op::Equal), _)), Some((CTok::Str(n), _))) => {
                                n.to_string()
                            }
                            _ => return Err(self.err(pos0, "expected option env=\"NAME\"", None)),
                        };
                        self.expect_end(&c)?;
                        let value = self
                            .pp
                            .expand_string(&format!("$({name})"))
                            .unwrap_or_default();
                        let s = self.model.lookup_const(&value);
                        self.add_prop(PropKind::Default, Some(Expr::Symbol(s)), None);
                    }
                    _ => return Err(self.err(
                        pos0,
                        format!("unknown option \"{what}\""),
                        Some(
                            "known options: modules, defconfig_list, allnoconfig_y, env=\"NAME\""
                                .into(),
                        ),
                    )),
                }
            }
            K::Depends => {
                match c.next() {
                    Some((CTok::Kw(K::On), _)) => {}
                    other => {
                        let p = other.map(|(_, p)| *p).unwrap_or(pos0);
                        return Err(self.err(p, "expected 'on' after 'depends'", None));
                    }
                }
                let e = self.expr(&mut c)?;
                // `depends on X if Y` (newer releases): X only matters when Y holds.
                let e = match self.if_expr(&mut c)? {
                    Some(cond) => Expr::Or(Box::new(e), Box::new(Expr::Not(Box::new(cond)))),
                    None => e,
                };
                self.expect_end(&c)?;
                self.add_dep(Some(e));
            }
            K::Visible => {
                let cond = self.if_expr(&mut c)?;
                self.expect_end(&c)?;
                let m = self.current_entry;
                let v = self.model.menu_mut(m).visibility.take();
                self.model.menu_mut(m).visibility = Expr::and(v, cond);
            }
            K::Optional => {
                self.expect_end(&c)?;
                if let Some(s) = self.model.menu(self.current_entry).sym {
                    self.model.sym_mut(s).flags |= flags::OPTIONAL;
                }
            }
            K::Help => {
                self.expect_end(&c)?;
                let (text, line) = help.unwrap_or(("", pos0.line));
                let name = self
                    .model
                    .menu(self.current_entry)
                    .sym
                    .map(|s| self.model.sym(s).display_name().to_string())
                    .unwrap_or_else(|| "<choice>".into());
                let saved = self.stmt_line;
                self.stmt_line = line;
                if self.model.menu(self.current_entry).help.is_some() {
                    self.zconfprint(&format!(
                        "warning: '{name}' defined with more than one help text -- only the last one will be used"
                    ));
                }
                if text
                    .trim_matches([' ', '\x0c', '\n', '\r', '\t', '\x0b'])
                    .is_empty()
                {
                    self.zconfprint(&format!("warning: '{name}' defined with blank help text"));
                }
                self.stmt_line = saved;
                let m = self.current_entry;
                self.model.menu_mut(m).help = Some(text.to_string());
            }
            _ => return Err(self.err(pos0, format!("invalid statement: '{}'", kw.as_str()), None)),
        }
        Ok(())
    }

    fn set_modules(&mut self, pos: Pos) -> PResult<()> {
        let Some(s) = self.model.menu(self.current_entry).sym else {
            return Ok(());
        };
        if self.modules_defined {
            let cur = self.model.sym(s).display_name().to_string();
            let old = self
                .model
                .sym(self.model.modules_sym)
                .display_name()
                .to_string();
            return Err(self.err(
                pos,
                format!(
                    "symbol '{cur}' redefines option 'modules' already defined by symbol '{old}'"
                ),
                None,
            ));
        }
        self.modules_defined = true;
        self.model.modules_sym = s;
        Ok(())
    }

    fn in_choice(&self) -> bool {
        self.blocks.iter().any(|b| b.kind == BlockKind::Choice)
    }

    /// Ends the open entry before the next statement: bison reduces `menu_entry` /
    /// `choice_entry` (which calls `menu_add_menu`) and `menuconfig_stmt` at this point.
    fn close_entry(&mut self, next: Option<Pos>) -> PResult<()> {
        let entry = std::mem::replace(&mut self.entry, Entry::None);
        match entry {
            Entry::MenuConfig | Entry::Config => {
                let m = self.current_entry;
                if entry == Entry::MenuConfig {
                    match self.model.menu(m).prompt {
                        Some(p) => self.model.prop_mut(p).kind = PropKind::Menu,
                        None => {
                            // zconfprint at the lookahead token: the next statement's line.
                            if let Some(p) = next {
                                self.stmt_line = p.line;
                            }
                            self.zconfprint("warning: menuconfig statement without prompt");
                        }
                    }
                }
                if self.dialect.new_choices {
                    if let Some(choice) = self.current_choice {
                        let menu = self.model.menu(m);
                        let sym = menu.sym.unwrap_or(crate::model::SYM_NO);
                        let file = self.model.file_name(menu.file).to_string();
                        let line = menu.line;
                        if menu.prompt.is_none() {
                            return Err(ParseError {
                                source_line: self.src.line_text(&file, line),
                                file,
                                line,
                                col: 1,
                                message: "choice member must have a prompt".into(),
                                hint: None,
                            });
                        }
                        if self.model.sym(sym).ty != SymbolType::Bool {
                            return Err(ParseError {
                                source_line: self.src.line_text(&file, line),
                                file,
                                line,
                                col: 1,
                                message: "choice member must be bool".into(),
                                hint: None,
                            });
                        }
                        if self.model.sym(sym).choice_link.is_none() {
                            self.model.sym_mut(sym).choice_link = Some(choice);
                            self.model.menu_mut(choice).choice_members.push(sym);
                        }
                    }
                }
            }
            Entry::Menu => {
                self.add_menu();
                self.blocks.push(Block {
                    kind: BlockKind::Menu,
                    menu: self.current_menu,
                });
            }
            Entry::Choice => {
                let m = self.current_entry;
                if self.dialect.new_choices && self.model.menu(m).prompt.is_none() {
                    let menu = self.model.menu(m);
                    let file = self.model.file_name(menu.file).to_string();
                    return Err(ParseError {
                        source_line: self.src.line_text(&file, menu.line),
                        file,
                        line: menu.line,
                        col: 1,
                        message: "choice must have a prompt".into(),
                        hint: None,
                    });
                }
                self.add_menu();
                self.blocks.push(Block {
                    kind: BlockKind::Choice,
                    menu: self.current_menu,
                });
                self.current_choice = Some(self.current_menu);
            }
            Entry::Comment | Entry::None => {}
        }
        Ok(())
    }

    // ---- menu.c actions -------------------------------------------------------------------

    /// `menu_add_entry`
    fn add_entry(&mut self, sym: Option<SymbolId>, kind: MenuKind) {
        let menu = self.model.push_menu(Menu {
            kind,
            next: None,
            parent: Some(self.current_menu),
            list: None,
            sym,
            prompt: None,
            visibility: None,
            dep: None,
            help: None,
            file: self.cur_file(),
            line: self.stmt_line,
            flags: 0,
            choice_members: Vec::new(),
        });
        match self.last_entry_ptr {
            LastPtr::List(m) => self.model.menu_mut(m).list = Some(menu),
            LastPtr::Next(m) => self.model.menu_mut(m).next = Some(menu),
        }
        self.last_entry_ptr = LastPtr::Next(menu);
        self.current_entry = menu;
        if let Some(s) = sym {
            self.model.sym_mut(s).menus.push(menu);
            self.add_prop(PropKind::Symbol, Some(Expr::Symbol(s)), None);
        }
    }

    /// `menu_add_menu`
    fn add_menu(&mut self) {
        self.last_entry_ptr = LastPtr::List(self.current_entry);
        self.current_menu = self.current_entry;
    }

    /// `menu_end_menu`
    fn end_menu(&mut self) {
        self.last_entry_ptr = LastPtr::Next(self.current_menu);
        self.current_menu = self
            .model
            .menu(self.current_menu)
            .parent
            .unwrap_or(self.model.root);
    }

    /// `menu_add_dep`
    fn add_dep(&mut self, dep: Option<Expr>) {
        let m = self.current_entry;
        let d = self.model.menu_mut(m).dep.take();
        self.model.menu_mut(m).dep = Expr::and(d, dep);
    }

    /// `menu_set_type`
    fn set_type(&mut self, ty: SymbolType) {
        let m = self.current_entry;
        let Some(s) = self.model.menu(m).sym else {
            return;
        };
        let cur = self.model.sym(s).ty;
        if cur == ty {
            return;
        }
        if cur == SymbolType::Unknown {
            self.model.sym_mut(s).ty = ty;
            return;
        }
        let menu = self.model.menu(m);
        let text = format!(
            "{}:{}:warning: ignoring type redefinition of '{}' from '{}' to '{}'\n",
            self.model.file_name(menu.file),
            menu.line,
            self.model.sym(s).display_name(),
            cur.name(),
            ty.name()
        );
        self.warn(text);
    }

    /// `menu_add_prop`
    fn add_prop(&mut self, kind: PropKind, expr: Option<Expr>, dep: Option<Expr>) -> PropId {
        self.model.push_prop(Property {
            kind,
            text: None,
            expr,
            visible: dep,
            menu: self.current_entry,
            file: self.cur_file(),
            line: self.stmt_line,
        })
    }

    /// `menu_add_prompt`
    fn add_prompt(&mut self, kind: PropKind, text: String, dep: Option<Expr>) -> PropId {
        let p = self.add_prop(kind, None, dep);
        let mut text = text;
        if text.starts_with(|c: char| c.is_ascii_whitespace() || c == '\x0b') {
            let w = format!(
                "{}:{}:warning: leading whitespace ignored\n",
                self.cur_name(),
                self.stmt_line
            );
            self.warn(w);
            text = text
                .trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
                .to_string();
        }
        let m = self.current_entry;
        if self.model.menu(m).prompt.is_some() {
            let w = format!(
                "{}:{}:warning: prompt redefined\n",
                self.cur_name(),
                self.stmt_line
            );
            self.warn(w);
        }
        if kind == PropKind::Prompt {
            // Apply all upper menus' visibilities to the prompt.
            let mut cur = self.model.menu(m).parent;
            while let Some(pm) = cur {
                if let Some(v) = self.model.menu(pm).visibility.clone() {
                    let vis = self.model.prop_mut(p).visible.take();
                    self.model.prop_mut(p).visible = Expr::and(vis, Some(v));
                }
                cur = self.model.menu(pm).parent;
            }
        }
        self.model.menu_mut(m).prompt = Some(p);
        self.model.prop_mut(p).text = Some(text);
        p
    }

    // ---- token helpers and expressions ------------------------------------------------------

    fn expect_end(&self, c: &Cur) -> PResult<()> {
        match c.peek_pos() {
            None => Ok(()),
            Some((tok, pos)) => Err(self.err(
                pos,
                format!(
                    "syntax error: unexpected {} at the end of the statement",
                    tok.describe()
                ),
                Some("expected the end of the line".into()),
            )),
        }
    }

    fn expect_str(&self, c: &mut Cur) -> PResult<String> {
        match c.next() {
            Some((CTok::Str(s), _)) => Ok(s.to_string()),
            Some((other, pos)) => Err(self.err(
                *pos,
                format!("syntax error: unexpected {}", other.describe()),
                Some("expected a quoted string".into()),
            )),
            None => Err(self.err(
                c.end_pos(),
                "syntax error: unexpected end of line",
                Some("expected a quoted string".into()),
            )),
        }
    }

    fn expect_word(&self, c: &mut Cur, what: &str) -> PResult<String> {
        match c.next() {
            Some((CTok::Word(w), _)) => Ok(w.to_string()),
            Some((other, pos)) => Err(self.err(
                *pos,
                format!("syntax error: unexpected {}", other.describe()),
                Some(format!("expected {what}")),
            )),
            None => Err(self.err(
                c.end_pos(),
                "syntax error: unexpected end of line",
                Some(format!("expected {what}")),
            )),
        }
    }

    fn if_expr(&mut self, c: &mut Cur) -> PResult<Option<Expr>> {
        if let Some(CTok::Kw(Keyword::If)) = c.peek() {
            c.i += 1;
            Ok(Some(self.expr(c)?))
        } else {
            Ok(None)
        }
    }

    /// `symbol`: a word (a symbol) or a quoted string (a constant).
    fn symbol(&mut self, c: &mut Cur) -> PResult<SymbolId> {
        match c.next() {
            Some((CTok::Word(w), _)) => Ok(self.model.lookup(w)),
            Some((CTok::Str(s), _)) => Ok(self.model.lookup_const(s)),
            Some((other, pos)) => Err(self.err(
                *pos,
                format!("syntax error: unexpected {}", other.describe()),
                Some("expected a symbol or a quoted string".into()),
            )),
            None => Err(self.err(
                c.end_pos(),
                "syntax error: unexpected end of line",
                Some("expected a symbol or a quoted string".into()),
            )),
        }
    }

    /// `expr`: `||` binds loosest, then `&&`, then `!`; comparisons join two symbols.
    fn expr(&mut self, c: &mut Cur) -> PResult<Expr> {
        let mut left = self.and_expr(c)?;
        while let Some(CTok::Op(Op::Or)) = c.peek() {
            c.i += 1;
            let right = self.and_expr(c)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, c: &mut Cur) -> PResult<Expr> {
        let mut left = self.unary(c)?;
        while let Some(CTok::Op(Op::And)) = c.peek() {
            c.i += 1;
            let right = self.unary(c)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, c: &mut Cur) -> PResult<Expr> {
        match c.peek() {
            Some(CTok::Op(Op::Not)) => {
                c.i += 1;
                Ok(Expr::Not(Box::new(self.unary(c)?)))
            }
            Some(CTok::Op(Op::OpenParen)) => {
                c.i += 1;
                let e = self.expr(c)?;
                match c.next() {
                    Some((CTok::Op(Op::CloseParen), _)) => Ok(e),
                    Some((other, pos)) => Err(self.err(
                        *pos,
                        format!("syntax error: unexpected {}", other.describe()),
                        Some("expected ')'".into()),
                    )),
                    None => Err(self.err(
                        c.end_pos(),
                        "syntax error: unexpected end of line",
                        Some("expected ')'".into()),
                    )),
                }
            }
            _ => {
                let a = self.symbol(c)?;
                let op = match c.peek() {
                    Some(CTok::Op(Op::Equal)) => CmpOp::Equal,
                    Some(CTok::Op(Op::Unequal)) => CmpOp::Unequal,
                    Some(CTok::Op(Op::Less)) => CmpOp::Less,
                    Some(CTok::Op(Op::LessEqual)) => CmpOp::LessEqual,
                    Some(CTok::Op(Op::Greater)) => CmpOp::Greater,
                    Some(CTok::Op(Op::GreaterEqual)) => CmpOp::GreaterEqual,
                    _ => return Ok(Expr::Symbol(a)),
                };
                c.i += 1;
                let b = self.symbol(c)?;
                Ok(Expr::Cmp(op, a, b))
            }
        }
    }
}

/// A cursor over a cooked statement.
struct Cur<'s, 't> {
    t: &'s [(CTok<'t>, Pos)],
    i: usize,
}

impl<'s, 't> Cur<'s, 't> {
    fn new(t: &'s [(CTok<'t>, Pos)], i: usize) -> Self {
        Cur { t, i }
    }
    fn peek(&self) -> Option<&'s CTok<'t>> {
        self.t.get(self.i).map(|(t, _)| t)
    }
    fn peek_pos(&self) -> Option<(&'s CTok<'t>, Pos)> {
        self.t.get(self.i).map(|(t, p)| (t, *p))
    }
    fn next(&mut self) -> Option<(&'s CTok<'t>, &'s Pos)> {
        let r = self.t.get(self.i).map(|(t, p)| (t, p));
        if r.is_some() {
            self.i += 1;
        }
        r
    }
    /// The position just after the statement's last token.
    fn end_pos(&self) -> Pos {
        self.t
            .last()
            .map(|(t, p)| {
                let len = match t {
                    CTok::Kw(k) => k.as_str().len(),
                    CTok::Word(w) => w.len(),
                    CTok::Str(s) => s.len() + 2,
                    CTok::Op(o) => o.as_str().len(),
                    CTok::AssignVal(v) => v.len(),
                };
                Pos {
                    line: p.line,
                    col: p.col + len as u32,
                }
            })
            .unwrap_or(Pos { line: 0, col: 1 })
    }
}
