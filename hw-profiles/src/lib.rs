#![warn(missing_docs)]
//! Hardware and workload profiles: what a machine or a workload needs from the kernel
//! configuration, each requirement with the reason and the source it comes from.
//!
//! Profiles are TOML files (profiles/*.toml, embedded at build time; users add their own with
//! [`load_profile_file`]). A hardware profile describes a machine (an EC2 platform, a
//! Firecracker microVM, a QEMU test VM) and names the architectures it exists for; a workload
//! profile describes what runs on it (a systemd server, a container host, a Kubernetes node, a
//! livepatchable or a hardened kernel). Profiles include other profiles; [`ProfileSet::resolve`]
//! flattens a selection into one ordered list of [`Requirement`]s for an architecture, which is
//! what the minimizer solves for.
//!
//! Alongside: the EC2 instance-type catalog ([`instance`]), which maps `m7i.large` to its
//! architecture and hardware profile, and the table of renamed Kconfig symbols ([`names_for`]).
//!
//! A profile file:
//!
//! ```toml
//! name = "my-workload"
//! kind = "workload"                  # or "hardware" (then arches is required)
//! description = "What it is for, in one line"
//! arches = []                        # kbuild ARCH names; empty = any
//! include = ["minimal-server"]       # profiles whose requirements come first
//!
//! [[require]]
//! symbol = "OVERLAY_FS"              # without CONFIG_; or one_of = ["A", "B"]
//! level = "ym"                       # "y", "ym" (y or m) or "n" (off)
//! recommended = false                # true: enable when possible, never fail
//! root = false                       # true: needed to mount / or reach the console
//! reason = "Why, in one sentence."
//! source = "https://... or Documentation/..."
//! arches = ["x86_64"]                # optional: only for these arches
//! ```

mod arch;
mod error;
pub mod instance;
mod model;
mod parse;
mod renames;
mod set;
mod suggest;

pub use error::{Location, ProfileError};
pub use model::{Level, Profile, ProfileKind, Requirement};
pub use parse::{load_profile_file, parse_profile};
pub use renames::{names_for, renames, Rename};
pub use set::ProfileSet;

/// The built-in profile files: (name, text). The name is the file's stem and must be the
/// profile's name.
const BUILTIN: &[(&str, &str)] = &[
    (
        "ec2-nitro-x86_64",
        include_str!("../profiles/ec2-nitro-x86_64.toml"),
    ),
    (
        "ec2-graviton-arm64",
        include_str!("../profiles/ec2-graviton-arm64.toml"),
    ),
    (
        "ec2-metal-x86_64",
        include_str!("../profiles/ec2-metal-x86_64.toml"),
    ),
    (
        "ec2-metal-arm64",
        include_str!("../profiles/ec2-metal-arm64.toml"),
    ),
    (
        "ec2-xen-x86_64",
        include_str!("../profiles/ec2-xen-x86_64.toml"),
    ),
    (
        "firecracker-x86_64",
        include_str!("../profiles/firecracker-x86_64.toml"),
    ),
    (
        "firecracker-arm64",
        include_str!("../profiles/firecracker-arm64.toml"),
    ),
    ("qemu-x86_64", include_str!("../profiles/qemu-x86_64.toml")),
    (
        "minimal-server",
        include_str!("../profiles/minimal-server.toml"),
    ),
    (
        "container-host",
        include_str!("../profiles/container-host.toml"),
    ),
    (
        "kubernetes-node",
        include_str!("../profiles/kubernetes-node.toml"),
    ),
    (
        "livepatchable",
        include_str!("../profiles/livepatchable.toml"),
    ),
    ("hardened", include_str!("../profiles/hardened.toml")),
];

/// Every built-in profile, parsed and checked, in the order above (hardware, then workloads).
pub fn builtin() -> Result<Vec<Profile>, ProfileError> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            parse::parse_named(
                text,
                &format!("hw-profiles/profiles/{name}.toml"),
                Some(name),
            )
        })
        .collect()
}
