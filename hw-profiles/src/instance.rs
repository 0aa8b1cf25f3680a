//! The EC2 instance-type catalog: from a type such as `m7i.large` to its architecture, platform
//! (Nitro, Xen or bare metal) and the hardware profile that describes it. The families come from
//! profiles/ec2-instance-families.toml, which cites the AWS documentation it follows.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::Location;
use crate::suggest;

const ORIGIN: &str = "hw-profiles/profiles/ec2-instance-families.toml";
const TEXT: &str = include_str!("../profiles/ec2-instance-families.toml");

/// What an instance runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A virtualized instance on the Nitro System (KVM-based Nitro hypervisor).
    Nitro,
    /// A previous-generation instance on the Xen hypervisor.
    Xen,
    /// A bare-metal instance: Nitro cards, no hypervisor.
    Metal,
}

/// An instance family as the catalog lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Family {
    /// The family name, the part of a type before the dot (`m7i`, `u7i-12tb`).
    pub name: String,
    /// kbuild's ARCH: `"x86_64"` or `"arm64"`.
    pub arch: &'static str,
    /// Nitro or Xen: what the family's virtualized sizes run on.
    pub platform: Platform,
    /// Whether the family has bare-metal sizes (`.metal`, `.metal-24xl`, ...).
    pub metal: bool,
}

/// One instance type, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceType {
    /// The type as AWS writes it, lowercase (`m7i.large`).
    pub name: String,
    /// The family (`m7i`).
    pub family: String,
    /// The size (`large`, `metal-24xl`).
    pub size: String,
    /// kbuild's ARCH: `"x86_64"` or `"arm64"`.
    pub arch: &'static str,
    /// What the type runs on: bare-metal sizes are `Metal` whatever their family's platform.
    pub platform: Platform,
    /// The built-in hardware profile for it.
    pub hardware_profile: &'static str,
}

/// The embedded catalog does not parse or does not make sense (a bug in this crate's data).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct CatalogError {
    /// Where in the catalog.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// Why an instance type name could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnknownInstanceType {
    /// Not of the form FAMILY.SIZE.
    #[error("'{input}' is not an EC2 instance type: {reason}; write FAMILY.SIZE, such as m7i.large or c7g.metal")]
    Malformed {
        /// The name given, lowercased.
        input: String,
        /// What is missing.
        reason: String,
    },
    /// The family is not in the catalog.
    #[error("unknown EC2 instance family '{family}' in '{input}'{}; the catalog ({ORIGIN}) lists {count} families, see `ktailor profiles` or pass --profile", near_suffix(.near))]
    UnknownFamily {
        /// The name given, lowercased.
        input: String,
        /// Its family part.
        family: String,
        /// Catalog families close to it.
        near: Vec<String>,
        /// How many families the catalog has.
        count: usize,
    },
    /// The family exists but not in this size.
    #[error("'{input}': {reason}")]
    UnknownSize {
        /// The name given, lowercased.
        input: String,
        /// Why the size does not exist.
        reason: String,
    },
    /// The embedded catalog is broken.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

fn near_suffix(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!(" (near: {})", near.join(", "))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    family: Vec<RawFamily>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    name: Spanned<String>,
    arch: Spanned<String>,
    platform: Spanned<RawPlatform>,
    metal: Option<bool>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawPlatform {
    Nitro,
    Xen,
}

/// Every family in the catalog, in catalog order.
pub fn families() -> Result<&'static [Family], CatalogError> {
    static CATALOG: OnceLock<Vec<Family>> = OnceLock::new();
    if let Some(c) = CATALOG.get() {
        return Ok(c);
    }
    let parsed = parse_catalog(TEXT, ORIGIN)?;
    Ok(CATALOG.get_or_init(|| parsed))
}

fn parse_catalog(text: &str, origin: &str) -> Result<Vec<Family>, CatalogError> {
    let at = |offset: usize, message: String| CatalogError {
        location: Location::at(origin, text, offset),
        message,
    };
    let raw: RawCatalog = toml::from_str(text).map_err(|e| CatalogError {
        location: e.span().map_or_else(
            || Location::file(origin),
            |s| Location::at(origin, text, s.start),
        ),
        message: e.message().trim().to_string(),
    })?;
    let mut out: Vec<Family> = Vec::new();
    for f in raw.family {
        let name = f.name.get_ref();
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(at(
                f.name.span().start,
                format!("'{name}' is not a family name"),
            ));
        }
        if out.iter().any(|o| o.name == *name) {
            return Err(at(
                f.name.span().start,
                format!("family '{name}' is listed twice"),
            ));
        }
        let arch = match f.arch.get_ref().as_str() {
            "x86_64" => "x86_64",
            "arm64" => "arm64",
            other => {
                return Err(at(
                    f.arch.span().start,
                    format!("arch '{other}' is neither x86_64 nor arm64"),
                ))
            }
        };
        if arch == "arm64" && *f.platform.get_ref() == RawPlatform::Xen {
            return Err(at(
                f.platform.span().start,
                format!("'{name}' is arm64 on Xen, which EC2 never had"),
            ));
        }
        let platform = match f.platform.get_ref() {
            RawPlatform::Nitro => Platform::Nitro,
            RawPlatform::Xen => Platform::Xen,
        };
        out.push(Family {
            name: name.clone(),
            arch,
            platform,
            metal: f.metal.unwrap_or(platform == Platform::Nitro),
        });
    }
    Ok(out)
}

/// Resolves an instance type name (`m7i.large`, `c7g.metal`, `t2.micro`; case and surrounding
/// blanks do not matter).
pub fn lookup(name: &str) -> Result<InstanceType, UnknownInstanceType> {
    let input = name.trim().to_ascii_lowercase();
    let Some((family, size)) = input.split_once('.') else {
        return Err(UnknownInstanceType::Malformed {
            reason: if input.is_empty() {
                "it is empty".to_string()
            } else {
                "there is no '.' between family and size".to_string()
            },
            input,
        });
    };
    if family.is_empty() || size.is_empty() {
        return Err(UnknownInstanceType::Malformed {
            reason: format!(
                "the {} is missing",
                if family.is_empty() { "family" } else { "size" }
            ),
            input: input.clone(),
        });
    }
    let catalog = families()?;
    let Some(f) = catalog.iter().find(|f| f.name == family) else {
        return Err(UnknownInstanceType::UnknownFamily {
            near: suggest::near(family, catalog.iter().map(|f| f.name.as_str()), 6),
            family: family.to_string(),
            count: catalog.len(),
            input: input.clone(),
        });
    };
    let metal = match size_kind(size) {
        Some(SizeKind::Metal) => true,
        Some(SizeKind::Virtual) => false,
        None => {
            return Err(UnknownInstanceType::UnknownSize {
                reason: format!(
                    "'{size}' is not an instance size; sizes are nano, micro, small, medium, \
                     large, xlarge, NNxlarge, metal and metal-NNxl"
                ),
                input: input.clone(),
            })
        }
    };
    if metal && !f.metal {
        return Err(UnknownInstanceType::UnknownSize {
            reason: match f.platform {
                Platform::Xen => {
                    format!("{} is a Xen-based family without bare-metal sizes", f.name)
                }
                _ => format!("{} has no bare-metal sizes", f.name),
            },
            input: input.clone(),
        });
    }
    let platform = if metal { Platform::Metal } else { f.platform };
    Ok(InstanceType {
        name: input.clone(),
        family: f.name.clone(),
        size: size.to_string(),
        arch: f.arch,
        platform,
        hardware_profile: hardware_profile(platform, f.arch),
    })
}

/// The built-in hardware profile for a platform and architecture.
fn hardware_profile(platform: Platform, arch: &str) -> &'static str {
    match (platform, arch) {
        (Platform::Nitro, "arm64") => "ec2-graviton-arm64",
        (Platform::Metal, "arm64") => "ec2-metal-arm64",
        (Platform::Metal, _) => "ec2-metal-x86_64",
        (Platform::Xen, _) => "ec2-xen-x86_64",
        (Platform::Nitro, _) => "ec2-nitro-x86_64",
    }
}

enum SizeKind {
    Virtual,
    Metal,
}

/// What kind of size `size` is, if it is one.
fn size_kind(size: &str) -> Option<SizeKind> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if matches!(
        size,
        "nano" | "micro" | "small" | "medium" | "large" | "xlarge"
    ) {
        return Some(SizeKind::Virtual);
    }
    if size.strip_suffix("xlarge").is_some_and(digits) {
        return Some(SizeKind::Virtual);
    }
    if size == "metal" {
        return Some(SizeKind::Metal);
    }
    let metal_n = size
        .strip_prefix("metal-")
        .and_then(|s| s.strip_suffix("xl"))
        .is_some_and(digits);
    metal_n.then_some(SizeKind::Metal)
}

#[cfg(test)]
#[path = "instance_tests.rs"]
mod tests;
