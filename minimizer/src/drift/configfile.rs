//! A .config file as scripts/diffconfig reads it, and what its header says about the
//! architecture and release it was written for.
//!
//! diffconfig's `readconfig` keeps `CONFIG_NAME=value` lines (the value as written, quotes and
//! all) and reads every line ending in ` is not set` as `n`; a later line for a name replaces an
//! earlier one. The drift's set of changes is the set diffconfig prints, so the same rules are
//! kept here.

use std::collections::HashMap;

/// One configuration file, read.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// How messages name the file (its path).
    pub label: String,
    /// The file's bytes, as read (handed to conf's reader unchanged).
    pub bytes: Vec<u8>,
    /// The assignments, as diffconfig reads them: name (without `CONFIG_`) to value.
    pub values: HashMap<String, String>,
    /// The header's `# Linux/SRCARCH VERSION Kernel Configuration`, when present.
    pub header: Option<Header>,
}

/// The release and architecture a .config's header names (the main menu's title,
/// `Linux/$(ARCH) $(KERNELVERSION) Kernel Configuration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// kbuild's `ARCH` as make was given it (`x86`, `x86_64`, `arm64`, ...).
    pub arch: String,
    /// The kernel release (`6.1.192`).
    pub version: String,
}

impl Header {
    /// `(major, minor)` of the release, when it parses.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let mut it = self.version.split(['.', '-']);
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some((major, minor))
    }
}

impl ConfigFile {
    /// Reads the bytes of a configuration named `label`.
    pub fn parse(label: impl Into<String>, bytes: Vec<u8>) -> Self {
        let text = String::from_utf8_lossy(&bytes);
        let mut values = HashMap::new();
        let mut header = None;
        for raw in text.split_inclusive('\n') {
            let line = raw
                .strip_suffix('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .unwrap_or(raw);
            if header.is_none() {
                header = parse_header(line);
            }
            if let Some(rest) = line.strip_prefix("CONFIG_") {
                // diffconfig stops on a CONFIG_ line without `=`; such a line assigns nothing.
                if let Some((name, val)) = rest.split_once('=') {
                    values.insert(name.to_string(), val.to_string());
                }
            }
            // `line[9:-11]`: diffconfig assumes the `# CONFIG_` prefix.
            if line.len() >= 20 && line.ends_with(" is not set") && line.is_char_boundary(9) {
                let name = &line[9..line.len() - 11];
                values.insert(name.to_string(), "n".to_string());
            }
        }
        ConfigFile {
            label: label.into(),
            bytes,
            values,
            header,
        }
    }

    /// What `CONFIG_64BIT` says (`None` when the file does not set it).
    pub fn is_64bit(&self) -> Option<bool> {
        self.values.get("64BIT").map(|v| v == "y")
    }

    /// The architecture as kbuild's `ARCH` names it, from the header and `CONFIG_64BIT`: a
    /// header's `x86` (Debian builds with `ARCH=x86`) is `x86_64` or `i386` by `CONFIG_64BIT`,
    /// `sparc` is `sparc64` or `sparc32`.
    pub fn arch(&self) -> Option<String> {
        let h = self.header.as_ref()?;
        Some(match (h.arch.as_str(), self.is_64bit()) {
            ("x86", Some(true)) => "x86_64".into(),
            ("x86", Some(false)) => "i386".into(),
            ("sparc", Some(true)) => "sparc64".into(),
            ("sparc", Some(false)) => "sparc32".into(),
            (s, _) => s.to_string(),
        })
    }
}

/// `SRCARCH` for an `ARCH`, as the top Makefile maps it.
pub fn srcarch_of(arch: &str) -> &str {
    match arch {
        "i386" | "x86_64" => "x86",
        "sparc32" | "sparc64" => "sparc",
        "parisc64" => "parisc",
        "sh64" => "sh",
        other => other,
    }
}

/// `# Linux/x86 6.1.192 Kernel Configuration` (conf_write_heading).
fn parse_header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("# Linux/")?;
    let rest = rest.strip_suffix(" Kernel Configuration")?;
    let (arch, version) = rest.split_once(' ')?;
    Some(Header {
        arch: arch.to_string(),
        version: version.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_diffconfig_does() {
        let text = "#\n# Linux/x86 6.1.192 Kernel Configuration\n#\nCONFIG_A=y\n\
                    # CONFIG_B is not set\nCONFIG_S=\"a b\"\r\nCONFIG_A=m\nCONFIG_BROKEN\n\
                    # comment\n";
        let c = ConfigFile::parse("x", text.as_bytes().to_vec());
        assert_eq!(c.values.get("A").map(String::as_str), Some("m"));
        assert_eq!(c.values.get("B").map(String::as_str), Some("n"));
        assert_eq!(c.values.get("S").map(String::as_str), Some("\"a b\""));
        assert_eq!(c.values.len(), 3);
        let h = c.header.clone().expect("header");
        assert_eq!(h.arch, "x86");
        assert_eq!(h.major_minor(), Some((6, 1)));
        assert_eq!(c.arch().as_deref(), Some("x86"));
    }

    #[test]
    fn arch_follows_64bit() {
        let c = ConfigFile::parse(
            "x",
            b"# Linux/x86 6.12.1 Kernel Configuration\nCONFIG_64BIT=y\n".to_vec(),
        );
        assert_eq!(c.arch().as_deref(), Some("x86_64"));
        let c = ConfigFile::parse(
            "x",
            b"# Linux/x86 6.12.1 Kernel Configuration\n# CONFIG_64BIT is not set\n".to_vec(),
        );
        assert_eq!(c.arch().as_deref(), Some("i386"));
        let c = ConfigFile::parse(
            "x",
            b"# Linux/x86_64 6.12.1 Kernel Configuration\nCONFIG_64BIT=y\n".to_vec(),
        );
        assert_eq!(c.arch().as_deref(), Some("x86_64"));
        assert_eq!(srcarch_of("x86_64"), "x86");
        let c = ConfigFile::parse("x", b"CONFIG_64BIT=y\n".to_vec());
        assert_eq!(c.arch(), None);
    }
}
