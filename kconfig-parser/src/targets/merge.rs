//! `scripts/kconfig/merge_config.sh -m BASE FRAGMENT...`: the textual merge of configuration
//! fragments that tinyconfig (and the `%.config` targets) run before olddefconfig, with the
//! messages the script prints.

/// Whether `c` is a word character for `grep -w`.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `grep -w CFG`: whether `line` holds `cfg` as a whole word.
fn has_word(line: &str, cfg: &str) -> bool {
    let (l, w) = (line.as_bytes(), cfg.as_bytes());
    if w.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(i) = line[from..].find(cfg).map(|i| i + from) {
        let before = i == 0 || !is_word(l[i - 1]);
        let after = l.get(i + w.len()).is_none_or(|c| !is_word(*c));
        if before && after {
            return true;
        }
        from = i + 1;
    }
    false
}

/// `$(grep -w CFG FILE)`, as the unquoted `echo $VAL` prints it: the matching lines joined by
/// single spaces (word splitting).
fn grep_words(text: &str, cfg: &str) -> (String, String) {
    let lines: Vec<&str> = text.lines().filter(|l| has_word(l, cfg)).collect();
    let raw = lines.join("\n");
    let echoed = raw.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    (raw, echoed)
}

/// The names `sed -n -e 's/^\(CONFIG_[a-zA-Z0-9_]*\)=.*/\1/p' -e 's/^# \(CONFIG_...\) is not
/// set$/\1/p'` prints for a fragment.
fn fragment_symbols(text: &str, prefix: &str) -> Vec<String> {
    let name_len = |s: &str| {
        s.bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count()
    };
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(prefix) {
            let n = name_len(rest);
            if rest.as_bytes().get(n) == Some(&b'=') {
                out.push(format!("{prefix}{}", &rest[..n]));
                continue;
            }
        }
        if let Some(rest) = line.strip_prefix("# ").and_then(|r| r.strip_prefix(prefix)) {
            let n = name_len(rest);
            if &rest[n..] == " is not set" {
                out.push(format!("{prefix}{}", &rest[..n]));
            }
        }
    }
    out
}

/// `sed -i "/CFG[ =]/d"`: drops the lines where `cfg` is followed by a space or `=`.
fn delete_assignments(text: &str, cfg: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let hit = body
            .match_indices(cfg)
            .any(|(i, _)| matches!(body.as_bytes().get(i + cfg.len()), Some(b' ' | b'=')));
        if !hit {
            out.push_str(line);
        }
    }
    out
}

/// The result of a merge: the merged text (copied to `KCONFIG_CONFIG`) and the script's stdout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub config: String,
    pub stdout: String,
}

/// `merge_config.sh -m`: `base_name`/`base` is the initial file, `fragments` the fragments as
/// (name as given, text); `output_name` is `$KCONFIG_CONFIG` for the final message.
pub fn merge_config(
    base_name: &str,
    base: &str,
    fragments: &[(String, String)],
    output_name: &str,
    prefix: &str,
) -> Merged {
    let mut stdout = format!("Using {base_name} as base\n");
    let mut tmp = base.to_string();
    for (name, frag) in fragments {
        stdout.push_str(&format!("Merging {name}\n"));
        for cfg in fragment_symbols(frag, prefix) {
            if !tmp.lines().any(|l| has_word(l, &cfg)) {
                continue;
            }
            let (prev_raw, prev) = grep_words(&tmp, &cfg);
            let (new_raw, new) = grep_words(frag, &cfg);
            if prev_raw != new_raw {
                stdout.push_str(&format!(
                    "Value of {cfg} is redefined by fragment {name}:\n"
                ));
                stdout.push_str(&format!("Previous value: {prev}\n"));
                stdout.push_str(&format!("New value: {new}\n\n"));
            }
            tmp = delete_assignments(&tmp, &cfg);
        }
        // In case the previous file lacks a new line at the end.
        tmp.push('\n');
        tmp.push_str(frag);
    }
    stdout.push_str(&format!(
        "#\n# merged configuration written to {output_name} (needs make)\n#\n"
    ));
    Merged {
        config: tmp,
        stdout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_like_the_script() {
        let base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_AB=y\n";
        let frag = "CONFIG_A=y\nCONFIG_B=y\n".to_string();
        let m = merge_config(
            ".config",
            base,
            &[("f.config".into(), frag)],
            "out",
            "CONFIG_",
        );
        assert_eq!(m.config, "CONFIG_AB=y\n\nCONFIG_A=y\nCONFIG_B=y\n");
        assert_eq!(
            m.stdout,
            "Using .config as base\nMerging f.config\nValue of CONFIG_B is redefined by fragment f.config:\n\
             Previous value: # CONFIG_B is not set\nNew value: CONFIG_B=y\n\n#\n# merged configuration written to out (needs make)\n#\n"
        );
    }
}
