//! A set of profiles by name (the built-in ones plus the user's), and resolving a selection of
//! them into one ordered list of requirements for an architecture.

use std::collections::{BTreeMap, HashSet};

use crate::error::ProfileError;
use crate::model::{Profile, Requirement};
use crate::{arch, suggest};

/// Profiles by name: the built-in ones and those the user adds.
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
    /// Where each profile came from, for duplicate messages.
    origins: BTreeMap<String, &'static str>,
}

impl ProfileSet {
    /// An empty set, for tests and for callers that want no built-in profiles.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in profiles.
    pub fn builtin() -> Result<Self, ProfileError> {
        let mut set = Self::new();
        for p in crate::builtin()? {
            set.insert(p, "built in")?;
        }
        Ok(set)
    }

    /// Adds a profile (a user's `--profile-file`). A name that is already taken is an error,
    /// never a silent override.
    pub fn add(&mut self, p: Profile) -> Result<(), ProfileError> {
        self.insert(p, "added earlier")
    }

    fn insert(&mut self, p: Profile, origin: &'static str) -> Result<(), ProfileError> {
        if let Some(existing) = self.origins.get(&p.name) {
            return Err(ProfileError::Duplicate {
                name: p.name,
                existing: existing.to_string(),
            });
        }
        self.origins.insert(p.name.clone(), origin);
        self.profiles.insert(p.name.clone(), p);
        Ok(())
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// Every profile name, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }

    /// Every profile, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }

    /// Flattens the includes of the profiles `names` and returns their requirements for kbuild
    /// architecture `arch`, in order.
    ///
    /// A profile's includes come first, in the order listed, then its own requirements, so a
    /// more specific statement comes after the general one it refines; the named profiles follow
    /// one another in the order given. A profile reached twice (two names sharing an include) is
    /// flattened once, where it is first reached. Each requirement's `profile` is the profile
    /// that states it. Requirements restricted to other architectures are left out.
    ///
    /// Errors: an unknown name or include (listing the known ones), profiles including each
    /// other (naming the cycle), a profile that is not for `arch`, an `arch` kbuild does not know.
    pub fn resolve(&self, names: &[String], arch: &str) -> Result<Vec<Requirement>, ProfileError> {
        if !arch::is_known(arch) {
            return Err(ProfileError::UnknownArch {
                arch: arch.to_string(),
                hint: arch::hint(arch),
            });
        }
        let mut walk = Walk {
            set: self,
            arch,
            stack: Vec::new(),
            done: HashSet::new(),
            out: Vec::new(),
        };
        for name in names {
            if self.get(name).is_none() {
                return Err(ProfileError::UnknownProfile {
                    name: name.clone(),
                    near: self.near(name),
                    known: self.known(),
                });
            }
            walk.visit(name)?;
        }
        Ok(walk.out)
    }

    fn known(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    fn near(&self, name: &str) -> Vec<String> {
        suggest::near(name, self.profiles.keys().map(String::as_str), 3)
    }
}

/// A depth-first walk over includes.
struct Walk<'a> {
    set: &'a ProfileSet,
    arch: &'a str,
    /// The profiles being flattened, outermost first: a profile met again here is a cycle.
    stack: Vec<String>,
    /// The profiles already flattened.
    done: HashSet<String>,
    out: Vec<Requirement>,
}

impl Walk<'_> {
    fn visit(&mut self, name: &str) -> Result<(), ProfileError> {
        if let Some(start) = self.stack.iter().position(|n| n == name) {
            let mut cycle = self.stack[start..].to_vec();
            cycle.push(name.to_string());
            return Err(ProfileError::IncludeCycle { cycle });
        }
        if self.done.contains(name) {
            return Ok(());
        }
        let Some(p) = self.set.get(name) else {
            // Callers check names before visiting; an include is checked below.
            return Ok(());
        };
        if !p.supports(self.arch) {
            return Err(ProfileError::ArchMismatch {
                profile: p.name.clone(),
                via: self.stack.clone(),
                arch: self.arch.to_string(),
                arches: p.arches.clone(),
            });
        }
        self.stack.push(p.name.clone());
        for inc in &p.include {
            if self.set.get(inc).is_none() {
                return Err(ProfileError::UnknownInclude {
                    profile: p.name.clone(),
                    include: inc.clone(),
                    near: self.set.near(inc),
                    known: self.set.known(),
                });
            }
            self.visit(inc)?;
        }
        self.stack.pop();
        self.out.extend(
            p.requires
                .iter()
                .filter(|r| r.applies_to(self.arch))
                .cloned(),
        );
        self.done.insert(p.name.clone());
        Ok(())
    }
}

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
