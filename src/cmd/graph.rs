//! `ktailor graph`: what a symbol depends on and what depends on it.

use std::process::ExitCode;

use kconfig_parser::graph::{to_dot, DepGraph, Step, Walk};
use kconfig_parser::model::Model;

use super::TreeArgs;

/// Output formats of `ktailor graph`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Dot,
    Json,
}

/// Arguments of `ktailor graph`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The symbol, with or without the CONFIG_ prefix.
    #[arg(long, value_name = "NAME")]
    pub symbol: String,
    /// How many edges away to follow.
    #[arg(long, default_value_t = 1)]
    pub depth: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct JsonEdge<'a> {
    depth: usize,
    from: &'a str,
    to: &'a str,
    kind: kconfig_parser::graph::EdgeKind,
}

fn json_edges<'a>(m: &'a Model, steps: &[Step]) -> Vec<JsonEdge<'a>> {
    steps
        .iter()
        .map(|s| JsonEdge {
            depth: s.depth,
            from: m.sym(s.from).display_name(),
            to: m.sym(s.to).display_name(),
            kind: s.kind,
        })
        .collect()
}

/// Runs `ktailor graph`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let tree = a.tree.load(false)?;
    let m = &tree.model;
    let name = a.symbol.strip_prefix("CONFIG_").unwrap_or(&a.symbol);
    let Some(sym) = m.find(name).filter(|s| !m.sym(*s).menus.is_empty()) else {
        return Err(format!(
            "symbol {name} is not defined in {} for ARCH={}",
            a.tree.tree.display(),
            tree.env.arch
        ));
    };
    let graph = DepGraph::build(m);
    let deps = graph.walk(sym, Walk::Dependencies, a.depth);
    let rdeps = graph.walk(sym, Walk::Dependents, a.depth);
    match a.format {
        Format::Json => {
            let v = serde_json::json!({
                "symbol": name,
                "type": m.sym(sym).ty,
                "dependencies": json_edges(m, &deps),
                "dependents": json_edges(m, &rdeps),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
            );
        }
        Format::Dot => {
            let mut all = deps.clone();
            all.extend(rdeps.iter().cloned());
            print!("{}", to_dot(m, sym, &all));
        }
        Format::Text => {
            let s = m.sym(sym);
            println!("{name} ({})", s.ty.name());
            for &menu in &s.menus {
                let mm = m.menu(menu);
                println!("  defined at {}:{}", m.file_name(mm.file), mm.line);
            }
            println!("depends on / reads:");
            for st in &deps {
                println!(
                    "  {}{} {} {}",
                    "  ".repeat(st.depth - 1),
                    m.sym(st.from).display_name(),
                    st.kind.forward(),
                    m.sym(st.to).display_name()
                );
            }
            println!("depended on by:");
            for st in &rdeps {
                println!(
                    "  {}{} {} {}",
                    "  ".repeat(st.depth - 1),
                    m.sym(st.to).display_name(),
                    st.kind.backward(),
                    m.sym(st.from).display_name()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
