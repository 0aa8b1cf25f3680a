//! Finding the new name of a symbol the new tree no longer defines: a symbol the old tree
//! does not define, whose definition in the new tree has the same prompt or the same help
//! text. With the trees swapped, the old name of a new symbol.

use std::collections::HashMap;

use kconfig_parser::model::{Model, SymbolId};

/// Symbols new in the new tree, by prompt text and by help text.
pub(crate) struct Renames {
    by_prompt: HashMap<String, Vec<String>>,
    by_help: HashMap<String, Vec<String>>,
}

fn defined(m: &Model, name: &str) -> bool {
    m.find(name).is_some_and(|s| !m.sym(s).menus.is_empty())
}

/// The prompts of a symbol that say enough to identify it: one word (`lz4`, `deflate`, the
/// members of unrelated choices) does not.
fn prompts(m: &Model, s: SymbolId) -> impl Iterator<Item = &str> {
    m.prompts_of(s)
        .filter_map(move |p| m.prop(p).text.as_deref())
        .filter(|t| t.split_whitespace().count() >= 2)
}

fn helps(m: &Model, s: SymbolId) -> impl Iterator<Item = &str> {
    m.sym(s)
        .menus
        .iter()
        .filter_map(move |menu| m.menu(*menu).help.as_deref())
        .filter(|t| t.trim().len() > 20)
}

impl Renames {
    /// Indexes the symbols `new` defines and `old` does not.
    pub(crate) fn new(old: &Model, new: &Model) -> Self {
        let mut r = Renames {
            by_prompt: HashMap::new(),
            by_help: HashMap::new(),
        };
        for s in new.config_symbols() {
            let Some(name) = new.sym(s).name.as_deref() else {
                continue;
            };
            if defined(old, name) {
                continue;
            }
            for p in prompts(new, s) {
                r.by_prompt
                    .entry(p.to_string())
                    .or_default()
                    .push(name.to_string());
            }
            for h in helps(new, s) {
                r.by_help
                    .entry(h.to_string())
                    .or_default()
                    .push(name.to_string());
            }
        }
        r
    }

    /// The new name of `name` (defined in `old` only), and what the definitions share.
    pub(crate) fn find(&self, old: &Model, name: &str) -> Option<(String, String)> {
        let s = old.find(name)?;
        for p in prompts(old, s) {
            if let Some([to]) = self.by_prompt.get(p).map(Vec::as_slice) {
                return Some((to.clone(), format!("same prompt \"{p}\"")));
            }
        }
        for h in helps(old, s) {
            if let Some([to]) = self.by_help.get(h).map(Vec::as_slice) {
                return Some((to.clone(), "same help text".into()));
            }
        }
        None
    }
}
