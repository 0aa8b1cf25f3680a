//! A fleet's matrix of configurations (`ktailor generate --matrix FILE`): which machines and
//! workloads to minimize for, as TOML.
//!
//! ```toml
//! modules = "allowed"          # default policy for every entry
//!
//! [product]                    # every instance type × every workload set
//! instance_types = ["m7i.large", "c7g.large"]
//! workloads = [["minimal-server"], ["container-host"], ["kubernetes-node"]]
//!
//! [[config]]                   # and single entries
//! name = "fc-microvm"
//! profiles = ["firecracker-x86_64"]
//! workloads = ["minimal-server"]
//! modules = "none"
//! ```

use serde::Deserialize;

use crate::requirements::{ModulesPolicy, Policy};
use crate::selection::Request;

/// One entry of the matrix as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file name of the result (default: from the machine and the workloads).
    pub name: Option<String>,
    pub instance_type: Option<String>,
    pub arch: Option<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub workloads: Vec<String>,
    pub modules: Option<String>,
    #[serde(default)]
    pub initramfs: bool,
}

/// Every instance type with every workload set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    #[serde(default)]
    pub instance_types: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub workloads: Vec<Vec<String>>,
}

/// The matrix file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub modules: Option<String>,
    pub product: Option<Product>,
    #[serde(default)]
    pub config: Vec<Entry>,
}

/// One configuration to generate.
#[derive(Clone, Debug)]
pub struct Job {
    /// A file-name-safe name, unique in the matrix.
    pub name: String,
    pub request: Request,
    pub policy: Policy,
}

/// Why a matrix cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("{file}: {message}")]
    Toml { file: String, message: String },
    #[error("{file}: entry '{name}': {message}")]
    Entry {
        file: String,
        name: String,
        message: String,
    },
    #[error("{file}: two entries are named '{name}': give one a `name`")]
    Duplicate { file: String, name: String },
    #[error("{file}: the matrix lists no configuration: add [product] or [[config]] entries")]
    Empty { file: String },
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn default_name(e: &Entry) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = &e.instance_type {
        parts.push(t.clone());
    }
    parts.extend(e.profiles.iter().cloned());
    parts.extend(e.workloads.iter().cloned());
    safe(&parts.join("+"))
}

/// Reads a matrix; `file` names it in errors.
pub fn parse_matrix(text: &str, file: &str) -> Result<Vec<Job>, MatrixError> {
    let m: Matrix = toml::from_str(text).map_err(|e| MatrixError::Toml {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let mut entries: Vec<Entry> = Vec::new();
    if let Some(p) = &m.product {
        let machines: Vec<(Option<String>, Vec<String>)> = p
            .instance_types
            .iter()
            .map(|t| (Some(t.clone()), Vec::new()))
            .chain(p.profiles.iter().map(|h| (None, vec![h.clone()])))
            .collect();
        let sets = if p.workloads.is_empty() {
            vec![Vec::new()]
        } else {
            p.workloads.clone()
        };
        for (it, profiles) in &machines {
            for w in &sets {
                entries.push(Entry {
                    instance_type: it.clone(),
                    profiles: profiles.clone(),
                    workloads: w.clone(),
                    ..Entry::default()
                });
            }
        }
    }
    entries.extend(m.config.iter().cloned());
    if entries.is_empty() {
        return Err(MatrixError::Empty {
            file: file.to_string(),
        });
    }
    let mut jobs: Vec<Job> = Vec::new();
    for e in entries {
        let name = e
            .name
            .clone()
            .map(|n| safe(&n))
            .unwrap_or_else(|| default_name(&e));
        if jobs.iter().any(|j| j.name == name) {
            return Err(MatrixError::Duplicate {
                file: file.to_string(),
                name,
            });
        }
        let modules = e
            .modules
            .as_deref()
            .or(m.modules.as_deref())
            .unwrap_or("allowed")
            .parse::<ModulesPolicy>()
            .map_err(|message| MatrixError::Entry {
                file: file.to_string(),
                name: name.clone(),
                message,
            })?;
        jobs.push(Job {
            name,
            request: Request {
                instance_type: e.instance_type.clone(),
                profiles: e.profiles.clone(),
                workloads: e.workloads.clone(),
                profile_files: Vec::new(),
                arch: e.arch.clone(),
            },
            policy: Policy {
                modules,
                initramfs: e.initramfs,
            },
        });
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_and_entries() {
        let jobs = parse_matrix(
            r#"
modules = "prefer"
[product]
instance_types = ["m7i.large", "c7g.large"]
workloads = [["minimal-server"], ["container-host", "hardened"]]
[[config]]
name = "fc"
profiles = ["firecracker-x86_64"]
modules = "none"
"#,
            "m.toml",
        )
        .expect("valid matrix");
        let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "m7i-large+minimal-server",
                "m7i-large+container-host+hardened",
                "c7g-large+minimal-server",
                "c7g-large+container-host+hardened",
                "fc"
            ]
        );
        assert_eq!(jobs[0].policy.modules, ModulesPolicy::Prefer);
        assert_eq!(jobs[4].policy.modules, ModulesPolicy::None);
    }

    #[test]
    fn bad_matrices_say_what_is_wrong() {
        let e = parse_matrix("[[config]]\nnmae = \"x\"\n", "m.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("m.toml: "), "{msg}");
        assert!(msg.contains("nmae"), "{msg}");
        let e = parse_matrix("", "m.toml").unwrap_err();
        assert!(e.to_string().contains("lists no configuration"));
        let e =
            parse_matrix("[[config]]\nname=\"a\"\n[[config]]\nname=\"a\"\n", "m.toml").unwrap_err();
        assert!(e.to_string().contains("two entries are named 'a'"));
        let e = parse_matrix("[[config]]\nname=\"a\"\nmodules=\"maybe\"\n", "m.toml").unwrap_err();
        assert!(e.to_string().contains("unknown modules policy 'maybe'"));
    }
}
