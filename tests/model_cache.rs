//! On the real 6.1 and 6.12 trees, a command served by the model cache writes and prints exactly
//! what it writes and prints after parsing the Kconfig files (`--no-model-cache`): olddefconfig
//! of Debian's cloud-amd64 config, savedefconfig of the result, and allmodconfig, for x86_64
//! and arm64. (The parsed side is held to the tree's own conf by the conformance tests.)

mod support;

use std::path::Path;
use std::process::Command;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    written: Vec<u8>,
}

fn ktailor(args: &[&str], output: &Path) -> Run {
    let _ = std::fs::remove_file(output);
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(args)
        .arg("--output")
        .arg(output)
        .output()
        .expect("run ktailor");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        written: std::fs::read(output).unwrap_or_default(),
    }
}

/// What `ktailor parse --json` says the load did with the model cache.
fn model_cache_use(tree: &Path, arch: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(["parse", "--json", "--arch", arch, "--tree"])
        .arg(tree)
        .output()
        .expect("run ktailor parse");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("parse --json output");
    v["load"]["model_cache"]
        .as_str()
        .expect("load.model_cache")
        .to_string()
}

#[test]
fn model_cache_hits_write_what_a_parse_writes() {
    let scratch = std::env::temp_dir().join(format!("ktailor-model-cache-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let debian = scratch.join("cloud-amd64.config");
    std::fs::write(&debian, support::debian_config("cloud-amd64")).unwrap();
    let mut compared = 0;
    for version in ["6.1", "6.12"] {
        let tree = support::tree(version);
        let tree_s = tree.to_string_lossy().into_owned();
        for arch in ["x86_64", "arm64"] {
            // The first load writes the entry (or finds it); the second must be served by it.
            model_cache_use(&tree, arch);
            assert_eq!(model_cache_use(&tree, arch), "hit", "{version} {arch}");
            let old = scratch.join(format!("{version}-{arch}-old.config"));
            let debian_s = debian.to_string_lossy().into_owned();
            let old_s = old.to_string_lossy().into_owned();
            let cases: [(&str, Vec<&str>); 3] = [
                ("olddefconfig", vec!["olddefconfig", "--input", &debian_s]),
                ("savedefconfig", vec!["savedefconfig", "--input", &old_s]),
                ("allmodconfig", vec!["allmodconfig"]),
            ];
            for (name, target_args) in cases {
                let mut args = vec!["config"];
                args.extend(target_args.iter().copied());
                args.extend(["--tree", &tree_s, "--arch", arch]);
                // One output path for both: conf's warnings name the file.
                let out = scratch.join(format!("{version}-{arch}-{name}.config"));
                let cached = ktailor(&args, &out);
                args.push("--no-model-cache");
                let parsed = ktailor(&args, &out);
                let what = format!("{version} {arch} {name}");
                assert_eq!(parsed.status, 0, "{what}: {}", parsed.stderr);
                assert!(
                    parsed.written.len() > 1000,
                    "{what}: wrote {} bytes",
                    parsed.written.len()
                );
                assert_eq!(cached.status, parsed.status, "{what}");
                assert!(
                    cached.written == parsed.written,
                    "{what}: the outputs differ"
                );
                assert_eq!(cached.stdout, parsed.stdout, "{what}");
                assert_eq!(cached.stderr, parsed.stderr, "{what}");
                if name == "olddefconfig" {
                    std::fs::copy(&out, &old).unwrap();
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 12);
    let _ = std::fs::remove_dir_all(&scratch);
}
