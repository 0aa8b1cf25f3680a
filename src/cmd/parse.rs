//! `ktailor parse`: load a tree and summarise it.

use std::process::ExitCode;
use std::time::Instant;

use kconfig_parser::loader::ModelCacheUse;
use kconfig_parser::preprocess::Output;
use kconfig_parser::summary::TreeSummary;

use super::TreeArgs;

/// Arguments of `ktailor parse`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list the tree's files, symbols, menus or choices (repeatable).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub list: Vec<List>,
}

/// What `--list` lists.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Files,
    Symbols,
    Menus,
    Choices,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    tree: String,
    arch: &'a str,
    srcarch: &'a str,
    kernelversion: String,
    #[serde(flatten)]
    summary: TreeSummary,
    warnings: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lists: Option<Listing>,
    load: &'a kconfig_parser::loader::LoadStats,
    load_ms: f64,
}

/// Runs `ktailor parse`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let t0 = Instant::now();
    let tree = a.tree.load(!a.json)?;
    let elapsed = t0.elapsed();
    let warnings: Vec<&str> = tree
        .messages
        .iter()
        .filter_map(|m| match m {
            Output::Stderr(s) => Some(s.trim_end()),
            Output::Stdout(_) => None,
        })
        .collect();
    let lists = (!a.list.is_empty()).then(|| Listing::of(&tree.model, &a.list));
    let report = Report {
        tree: a.tree.tree.display().to_string(),
        arch: &tree.env.arch,
        srcarch: &tree.env.srcarch,
        kernelversion: tree.env.version.kernelversion(),
        summary: TreeSummary::of(&tree.model),
        warnings,
        lists,
        load: &tree.stats,
        load_ms: elapsed.as_secs_f64() * 1000.0,
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(l) = &report.lists {
        l.print();
    }
    let s = &report.summary;
    println!(
        "tree:      {} (Linux {}, ARCH={} SRCARCH={})",
        report.tree, report.kernelversion, report.arch, report.srcarch
    );
    println!("files:     {}", s.files);
    let types: Vec<String> = s.by_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
    println!("symbols:   {} ({})", s.symbols, types.join(", "));
    println!(
        "           {} defined more than once, {} referenced but never defined",
        s.multiply_defined, s.undefined_references
    );
    println!(
        "menus:     {} menus, {} choices, {} comments, {} if blocks",
        s.menus, s.choices, s.comments, s.if_blocks
    );
    println!("props:     {}", s.properties);
    println!("modules:   {}", s.modules_symbol);
    println!("warnings:  {}", report.warnings.len());
    let how = match report.load.model_cache {
        ModelCacheUse::Hit => "the model cache's entry, nothing parsed".to_string(),
        use_ => format!(
            "{} parse round(s), {} shell command(s) run, model cache {}",
            report.load.rounds,
            report.load.commands_run,
            if use_ == ModelCacheUse::Miss {
                "written"
            } else {
                "off"
            }
        ),
    };
    println!("loaded in  {:.1} ms ({how})", report.load_ms);
    Ok(ExitCode::SUCCESS)
}

/// The entries `--list` asked for.
#[derive(serde::Serialize, Default)]
struct Listing {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    symbols: Vec<SymbolEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    menus: Vec<MenuEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<MenuEntry>,
}

#[derive(serde::Serialize)]
struct SymbolEntry {
    name: String,
    #[serde(rename = "type")]
    ty: &'static str,
    defined_at: Vec<String>,
}

#[derive(serde::Serialize)]
struct MenuEntry {
    prompt: String,
    at: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
}

impl Listing {
    fn of(m: &kconfig_parser::model::Model, what: &[List]) -> Self {
        use kconfig_parser::model::MenuKind;
        let at = |menu: &kconfig_parser::model::Menu| {
            format!("{}:{}", m.file_name(menu.file), menu.line)
        };
        let prompt = |menu: &kconfig_parser::model::Menu| {
            menu.prompt
                .and_then(|p| m.prop(p).text.clone())
                .unwrap_or_default()
        };
        let mut l = Listing::default();
        for w in what {
            match w {
                List::Files => l.files = m.files.iter().map(|f| f.name.clone()).collect(),
                List::Symbols => {
                    l.symbols = m
                        .config_symbols()
                        .map(|s| {
                            let sym = m.sym(s);
                            SymbolEntry {
                                name: sym.display_name().to_string(),
                                ty: sym.ty.name(),
                                defined_at: sym.menus.iter().map(|&mm| at(m.menu(mm))).collect(),
                            }
                        })
                        .collect()
                }
                List::Menus | List::Choices => {
                    let kind = if *w == List::Menus {
                        MenuKind::Menu
                    } else {
                        MenuKind::Choice
                    };
                    let entries = m
                        .menus
                        .iter()
                        .filter(|menu| menu.kind == kind)
                        .map(|menu| MenuEntry {
                            prompt: prompt(menu),
                            at: at(menu),
                            members: m
                                .children_of(menu)
                                .filter_map(|c| m.menu(c).sym)
                                .map(|s| m.sym(s).display_name().to_string())
                                .collect(),
                        })
                        .collect();
                    if *w == List::Menus {
                        l.menus = entries;
                    } else {
                        l.choices = entries;
                    }
                }
            }
        }
        l
    }

    fn print(&self) {
        for f in &self.files {
            println!("file    {f}");
        }
        for s in &self.symbols {
            println!("symbol  {} {} {}", s.name, s.ty, s.defined_at.join(" "));
        }
        for (kind, list) in [("menu", &self.menus), ("choice", &self.choices)] {
            for e in list {
                println!(
                    "{kind:<7} \"{}\" {} {}",
                    e.prompt,
                    e.at,
                    e.members.join(" ")
                );
            }
        }
    }
}
