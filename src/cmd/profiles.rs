//! `ktailor profiles list|show NAME`: the hardware and workload profiles the minimizer knows.

use std::path::PathBuf;
use std::process::ExitCode;

use hw_profiles::{Level, ProfileKind, ProfileSet};

/// Arguments of `ktailor profiles`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
    /// A profile of your own to include in the list (repeatable).
    #[arg(long = "profile-file", value_name = "FILE", global = true)]
    pub profile_files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// What to show.
#[derive(clap::Subcommand)]
pub enum What {
    /// Every profile, a line each.
    List,
    /// One profile: its includes and requirements, with reasons and sources.
    Show {
        name: String,
        /// Resolve includes for this arch and list every requirement.
        #[arg(long)]
        arch: Option<String>,
    },
}

fn kind(k: ProfileKind) -> &'static str {
    match k {
        ProfileKind::Hardware => "hardware",
        ProfileKind::Workload => "workload",
    }
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Y => "y",
        Level::YOrM => "y|m",
        Level::Off => "n",
    }
}

/// Runs `ktailor profiles`.
pub fn run(a: Args) -> Result<ExitCode, String> {
    let mut set = ProfileSet::builtin().map_err(|e| e.to_string())?;
    for f in &a.profile_files {
        let p = hw_profiles::load_profile_file(f).map_err(|e| e.to_string())?;
        set.add(p).map_err(|e| e.to_string())?;
    }
    match a.what {
        What::List => {
            if a.json {
                let v: Vec<_> = set
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name, "kind": kind(p.kind), "arches": p.arches,
                            "include": p.include, "requirements": p.requires.len(),
                            "description": p.description,
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
                );
                return Ok(ExitCode::SUCCESS);
            }
            for p in set.iter() {
                println!(
                    "{:<22} {:<9} {:<14} {:>3} requirements  {}",
                    p.name,
                    kind(p.kind),
                    if p.arches.is_empty() {
                        "any arch".to_string()
                    } else {
                        p.arches.join(",")
                    },
                    p.requires.len(),
                    p.description
                );
            }
        }
        What::Show { name, arch } => {
            let p = set.get(&name).ok_or_else(|| {
                format!(
                    "unknown profile '{name}': known profiles are {}",
                    set.names().join(", ")
                )
            })?;
            let arch = arch
                .or_else(|| p.arches.first().cloned())
                .unwrap_or_else(|| "x86_64".into());
            let reqs = set
                .resolve(std::slice::from_ref(&name), &arch)
                .map_err(|e| e.to_string())?;
            if a.json {
                let v: Vec<_> = reqs
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "symbols": r.symbols, "level": level(r.level),
                            "recommended": r.recommended, "root": r.root,
                            "reason": r.reason, "source": r.source, "profile": r.profile,
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!("{} ({}): {}", p.name, kind(p.kind), p.description);
            if !p.include.is_empty() {
                println!("includes: {}", p.include.join(", "));
            }
            println!("requirements for {arch}, includes flattened:");
            for r in &reqs {
                println!(
                    "  {:<40} {:<4}{}{}  [{}] {}\n      {}",
                    r.symbols.join(" | "),
                    level(r.level),
                    if r.recommended { " recommended" } else { "" },
                    if r.root { " root" } else { "" },
                    r.profile,
                    r.reason,
                    r.source
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
