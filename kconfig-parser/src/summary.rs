//! A summary of a loaded tree: what `ktailor parse` prints.

use std::collections::BTreeMap;

use crate::model::{MenuKind, Model, SymbolType};

/// Counts that describe a model.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TreeSummary {
    /// Kconfig files read.
    pub files: usize,
    /// Non-constant symbols with at least one definition (choices excluded).
    pub symbols: usize,
    /// Those symbols by type (`bool`, `tristate`, `int`, `hex`, `string`, `unknown`).
    pub by_type: BTreeMap<String, usize>,
    /// Symbols defined in more than one place.
    pub multiply_defined: usize,
    /// Symbols that are referenced but never defined.
    pub undefined_references: usize,
    /// Menu nodes by kind.
    pub menus: usize,
    pub choices: usize,
    pub comments: usize,
    pub if_blocks: usize,
    /// Properties (prompts, defaults, selects, ...).
    pub properties: usize,
    /// The symbol marked `modules`.
    pub modules_symbol: String,
}

impl TreeSummary {
    /// Counts the model's contents.
    pub fn of(m: &Model) -> Self {
        let mut s = TreeSummary {
            files: m.files.len(),
            properties: m.props.len(),
            modules_symbol: m.sym(m.modules_sym).display_name().to_string(),
            ..Default::default()
        };
        for sym in &m.symbols {
            if sym.is_const() || sym.is_choice() {
                continue;
            }
            if sym.menus.is_empty() {
                s.undefined_references += 1;
                continue;
            }
            s.symbols += 1;
            if sym.menus.len() > 1 {
                s.multiply_defined += 1;
            }
            let ty = match sym.ty {
                SymbolType::Int => "int",
                t => t.name(),
            };
            *s.by_type.entry(ty.to_string()).or_default() += 1;
        }
        for menu in &m.menus {
            match menu.kind {
                MenuKind::Menu => s.menus += 1,
                MenuKind::Choice => s.choices += 1,
                MenuKind::Comment => s.comments += 1,
                MenuKind::If => s.if_blocks += 1,
                _ => {}
            }
        }
        s
    }
}
