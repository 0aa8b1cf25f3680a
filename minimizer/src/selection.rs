//! What a minimize run is asked for: an EC2 instance type or hardware profiles, workloads, and
//! user profile files, turned into an arch and one flat list of requirements.

use std::path::PathBuf;

use hw_profiles::{ProfileKind, ProfileSet, Requirement};

/// The request, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--instance-type m7i.large`: picks the hardware profile and the arch.
    pub instance_type: Option<String>,
    /// `--profile NAME` (hardware or workload).
    pub profiles: Vec<String>,
    /// `--workload NAME`.
    pub workloads: Vec<String>,
    /// `--profile-file FILE`: user profiles, usable by name like the built-in ones.
    pub profile_files: Vec<PathBuf>,
    /// `--arch`: must agree with the instance type's and the hardware profiles'.
    pub arch: Option<String>,
}

/// The request resolved.
#[derive(Clone, Debug)]
pub struct Selection {
    /// kbuild's ARCH for the tree.
    pub arch: String,
    /// The profiles named, hardware first.
    pub profiles: Vec<String>,
    /// Every requirement, includes flattened, filtered for the arch.
    pub requirements: Vec<Requirement>,
}

/// Why a request cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    #[error(transparent)]
    Profile(#[from] hw_profiles::ProfileError),
    #[error(transparent)]
    Instance(#[from] hw_profiles::instance::UnknownInstanceType),
    #[error("no hardware profile: give --instance-type TYPE or --profile NAME (see `ktailor profiles list`)")]
    NoHardware,
    #[error("--arch {given} does not match {what}, which is {arch}")]
    ArchMismatch {
        given: String,
        what: String,
        arch: String,
    },
    #[error("unknown profile '{0}': known profiles are {1}")]
    Unknown(String, String),
    #[error("'{0}' is a {1} profile; pass it with {2}")]
    WrongKind(String, &'static str, &'static str),
}

/// The arch a kbuild ARCH value means for profiles (`x86`/`x86_64` → `x86_64`).
fn canonical_arch(a: &str) -> &str {
    match a {
        "x86" | "x86_64" | "amd64" => "x86_64",
        "arm64" | "aarch64" => "arm64",
        other => other,
    }
}

impl Request {
    /// Resolves the request against the built-in profiles plus the user's files.
    pub fn resolve(&self) -> Result<Selection, SelectionError> {
        let mut set = ProfileSet::builtin()?;
        for f in &self.profile_files {
            set.add(hw_profiles::load_profile_file(f)?)?;
        }
        let mut hardware: Vec<String> = Vec::new();
        let mut arch = self.arch.as_deref().map(canonical_arch).map(str::to_string);
        if let Some(t) = &self.instance_type {
            let it = hw_profiles::instance::lookup(t)?;
            if let Some(a) = &arch {
                if a != it.arch {
                    return Err(SelectionError::ArchMismatch {
                        given: a.clone(),
                        what: format!("instance type {t}"),
                        arch: it.arch.to_string(),
                    });
                }
            }
            arch = Some(it.arch.to_string());
            hardware.push(it.hardware_profile.to_string());
        }
        let known = || set.names().join(", ");
        let mut workloads: Vec<String> = Vec::new();
        for p in &self.profiles {
            let prof = set
                .get(p)
                .ok_or_else(|| SelectionError::Unknown(p.clone(), known()))?;
            match prof.kind {
                ProfileKind::Hardware => hardware.push(p.clone()),
                ProfileKind::Workload => workloads.push(p.clone()),
            }
        }
        for w in &self.workloads {
            let prof = set
                .get(w)
                .ok_or_else(|| SelectionError::Unknown(w.clone(), known()))?;
            if prof.kind == ProfileKind::Hardware {
                return Err(SelectionError::WrongKind(
                    w.clone(),
                    "hardware",
                    "--profile or --instance-type",
                ));
            }
            workloads.push(w.clone());
        }
        if hardware.is_empty() {
            return Err(SelectionError::NoHardware);
        }
        for h in &hardware {
            let Some(prof) = set.get(h) else { continue };
            let Some(first) = prof.arches.first() else {
                continue;
            };
            match &arch {
                None => arch = Some(first.clone()),
                Some(a) if !prof.arches.iter().any(|x| x == a) => {
                    return Err(SelectionError::ArchMismatch {
                        given: a.clone(),
                        what: format!("hardware profile {h}"),
                        arch: prof.arches.join(" or "),
                    })
                }
                Some(_) => {}
            }
        }
        let arch = arch.unwrap_or_else(|| "x86_64".into());
        let mut names = hardware;
        names.extend(workloads);
        names.dedup();
        let requirements = set.resolve(&names, &arch)?;
        Ok(Selection {
            arch,
            profiles: names,
            requirements,
        })
    }
}
