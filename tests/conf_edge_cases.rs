//! The corners of conf's semantics, on small Kconfig files: choices (6.1's tristate and
//! optional choices, 6.12's member priorities), ranges and clamping, hex and string values,
//! `select` past unmet dependencies, `imply`, `m` without modules, and .config inputs with
//! invalid values, reassignments, unknown symbols, garbage lines and CRLF endings.
//!
//! Each case runs the 6.1 and 6.12 trees' own conf binaries (`conf -s --TARGET Kconfig` in a
//! scratch directory) and ktailor on the same files, and compares what they write and print.

mod support;

use std::path::Path;
use std::process::Command;

use kconfig_parser::confdata::ConfEnv;
use kconfig_parser::depcheck::check_recursive_deps;
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::files::MemoryFiles;
use kconfig_parser::finalize::menu_finalize;
use kconfig_parser::parser::{Dialect, Parser};
use kconfig_parser::preprocess::{Output, Preprocessor, ShellOracle};
use kconfig_parser::targets::{run_target, Target, TargetOptions};
use rayon::prelude::*;

/// Kconfig files of these tests run no commands.
struct NoShell;

impl ShellOracle for NoShell {
    fn shell(&self, _cmd: &str) -> Option<(String, Vec<u8>)> {
        Some((String::new(), Vec::new()))
    }
}

/// What one side wrote and printed.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    config: Option<String>,
    defconfig: Option<String>,
    stdout: String,
    stderr: String,
    status: i32,
}

/// The tree's own conf binary on `dir/Kconfig`.
fn theirs(conf: &Path, dir: &Path, target: &str, env: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::new(conf);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let arg = match target {
        "savedefconfig" => "--savedefconfig=defconfig".to_string(),
        t if t.starts_with("defconfig=") => format!("--{t}"),
        t => format!("--{t}"),
    };
    let out = cmd
        .arg("-s")
        .arg(arg)
        .arg("Kconfig")
        .output()
        .expect("run conf");
    Outcome {
        config: std::fs::read_to_string(dir.join(".config")).ok(),
        defconfig: std::fs::read_to_string(dir.join("defconfig")).ok(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    }
}

/// ktailor on the same files: parse, finalize, check, then the target.
fn ours(
    kconfig: &str,
    v: KernelVersion,
    dir: &Path,
    target: &str,
    env: &[(&str, &str)],
) -> Outcome {
    let mut files = MemoryFiles::new();
    files.insert("Kconfig", kconfig);
    let getenv = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let (res, pending) = Parser::new(
        Preprocessor::new(&getenv, &NoShell),
        &files,
        Dialect::for_version(v.0, v.1),
    )
    .parse("Kconfig");
    assert!(pending.is_empty());
    let out = res.unwrap_or_else(|e| panic!("parse: {e}"));
    let mut model = out.model;
    let mut messages = out.messages;
    messages.extend(menu_finalize(&mut model, v));
    let errors = check_recursive_deps(&mut model, v);
    assert!(errors.is_empty(), "{}", errors.concat());
    let mut cenv = ConfEnv::new(dir, env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    cenv.in_memory = true;
    let t: Target = match target {
        "savedefconfig" => Target::SaveDefConfig("defconfig".into()),
        t => match t.strip_prefix("defconfig=") {
            Some(f) => Target::DefConfig(f.into()),
            None => t.parse().expect("a target"),
        },
    };
    let run =
        run_target(&model, v, &mut cenv, &t, &TargetOptions::default()).expect("run the target");
    let text = |m: &[Output], err: bool| -> String {
        m.iter()
            .filter_map(|o| match (o, err) {
                (Output::Stderr(s), true) | (Output::Stdout(s), false) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    };
    let read = |name: &str| {
        cenv.read_file(&dir.join(name))
            .ok()
            .flatten()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    Outcome {
        config: read(".config"),
        defconfig: read("defconfig"),
        stdout: text(&messages, false) + &run.stdout(),
        stderr: text(&messages, true) + &run.stderr(),
        status: run.exit_code,
    }
}

/// One scenario: a Kconfig file, an optional input .config, targets to run on it, and the
/// releases whose Kconfig language it is written in.
struct Case {
    name: &'static str,
    kconfig: &'static str,
    input: Option<&'static str>,
    targets: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    versions: &'static [&'static str],
}

const BOTH: &[&str] = &["6.1", "6.12"];
const ALL: &[&str] = &[
    "allnoconfig",
    "allyesconfig",
    "allmodconfig",
    "alldefconfig",
    "olddefconfig",
    "savedefconfig",
    "listnewconfig",
];

const BASICS: &str = r#"
mainmenu "Edge cases"

config MODULES
	bool "Modules"
	modules
	default y

config A
	tristate "A"

config B
	bool "B"
	depends on A
	select C

config C
	bool
	depends on D

config D
	bool "D"
	default n

config T
	tristate "T"
	default m
	select E

config E
	tristate
	depends on D || A

config I
	int "I"
	range 10 20
	default 5

config I2
	int "I2"
	range 10 20 if D
	range -5 5
	default 7

config H
	hex "H"
	range 0x10 0xff
	default 0x100

config H2
	hex "H2 no default"

config S
	string "S"
	default "a \"quoted\" \\ value"

config IMP
	tristate "imp"
	imply A

config NUM
	int
	default I

menu "Menu one"
	depends on A

config M1
	bool "m1"
	default y

comment "a comment in a menu"

config M2
	string "m2"
	default "x"

endmenu

menu "Visible if"
	visible if D

config V1
	bool "v1"
	default y

endmenu

if B
config IB
	tristate "ib"
	default y
endif

config CMP
	bool "cmp"
	default y if I > 12 && H < 0x80 && S != "x"

choice
	prompt "Choice"
	default CB

config CA
	bool "ca"

config CB
	bool "cb"
	depends on A

config CC
	bool "cc"

endchoice
"#;

const INPUT: &str = "# comment\n\
CONFIG_A=m\n\
CONFIG_B=y\n\
CONFIG_A=y\n\
CONFIG_I=30\n\
CONFIG_I2=x\n\
CONFIG_H=ff\n\
CONFIG_S=\"new \\\"v\\\" \\\\ end\"\n\
CONFIG_M2=\"unterminated\n\
CONFIG_T=q\n\
CONFIG_UNKNOWN=y\n\
garbage line\n\
CONFIG_NOEQUALS\n\
# CONFIG_D is not set\n\
# CONFIG_CC is not set trailing\n\
CONFIG_CC=y\r\n\
CONFIG_CA=y\n\
\n";

const ODD_VALUES: &str = "CONFIG_I=012\n\
CONFIG_I2=-3\n\
CONFIG_NUM=15\n\
CONFIG_H=0XFE\n\
CONFIG_H2=0x\n\
CONFIG_S=\"tail\\\\\"\n\
CONFIG_M2=unquoted\n\
CONFIG_A=y\n\
CONFIG_CB=y\n\
CONFIG_CA=n\n\
CONFIG_CMP=y\n";

const TRISTATE_CHOICE_61: &str = r#"
config MODULES
	bool "Modules"
	modules
	default y

choice
	tristate "Tristate choice"

config TA
	tristate "ta"

config TB
	tristate "tb"

config TC
	bool "tc"

endchoice

choice
	prompt "Optional choice"
	optional

config OA
	bool "oa"

config OB
	bool "ob"

endchoice

choice CNAMED
	bool "Named"
	default NB

config NA
	bool "na"

config NB
	bool "nb"

endchoice
"#;

const CHOICES_612: &str = r#"
config MODULES
	bool "Modules"
	modules
	default y

config DEP
	bool "dep"

choice
	prompt "Choice"
	default CB

config CA
	bool "ca"

config CB
	bool "cb"
	depends on DEP

config CC
	bool "cc"

endchoice
"#;

const NO_MODULES: &str = r#"
config A
	tristate "A"
	default m

config B
	tristate "B"
	depends on m

config C
	bool "C"
	default m
"#;

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "basics",
            kconfig: BASICS,
            input: None,
            targets: ALL,
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "basics+input",
            kconfig: BASICS,
            input: Some(INPUT),
            targets: ALL,
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "basics+input, unknown-symbol warnings",
            kconfig: BASICS,
            input: Some(INPUT),
            targets: &["olddefconfig"],
            env: &[("KCONFIG_WARN_UNKNOWN_SYMBOLS", "1")],
            versions: BOTH,
        },
        Case {
            name: "basics, randconfig",
            kconfig: BASICS,
            input: None,
            targets: &["randconfig"],
            env: &[("KCONFIG_SEED", "0x2a")],
            versions: BOTH,
        },
        Case {
            name: "basics, KCONFIG_ALLCONFIG",
            kconfig: BASICS,
            input: None,
            targets: &["allnoconfig", "allyesconfig", "allmodconfig"],
            env: &[("KCONFIG_ALLCONFIG", "all.in")],
            versions: BOTH,
        },
        Case {
            name: "basics, defconfig",
            kconfig: BASICS,
            input: None,
            targets: &["defconfig=all.in"],
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "tristate and optional choices",
            kconfig: TRISTATE_CHOICE_61,
            input: None,
            targets: ALL,
            env: &[],
            versions: &["6.1"],
        },
        Case {
            name: "tristate choice input",
            kconfig: TRISTATE_CHOICE_61,
            input: Some(
                "CONFIG_TA=m\nCONFIG_TB=y\nCONFIG_TC=y\nCONFIG_TA=y\nCONFIG_OB=y\nCONFIG_NA=y\n",
            ),
            targets: &["olddefconfig", "savedefconfig", "listnewconfig"],
            env: &[],
            versions: &["6.1"],
        },
        Case {
            name: "6.12 choices",
            kconfig: CHOICES_612,
            input: Some("CONFIG_DEP=y\nCONFIG_CC=y\nCONFIG_CB=y\n# CONFIG_CA is not set\n"),
            targets: ALL,
            env: &[],
            versions: &["6.12"],
        },
        Case {
            name: "no modules",
            kconfig: NO_MODULES,
            input: None,
            targets: ALL,
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "tristate rewrites",
            kconfig: BASICS,
            input: Some("CONFIG_A=y\nCONFIG_T=m\nCONFIG_IMP=m\nCONFIG_D=y\n"),
            targets: &["yes2modconfig", "mod2yesconfig", "mod2noconfig"],
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "odd numbers and strings",
            kconfig: BASICS,
            input: Some(ODD_VALUES),
            targets: &["olddefconfig", "savedefconfig"],
            env: &[],
            versions: BOTH,
        },
        Case {
            name: "named choice in the input",
            kconfig: TRISTATE_CHOICE_61,
            input: Some("CONFIG_CNAMED=y\nCONFIG_NA=n\nCONFIG_TA=y\nCONFIG_TB=m\n"),
            targets: &["olddefconfig", "savedefconfig"],
            env: &[],
            versions: &["6.1"],
        },
        Case {
            name: "KCONFIG_ALLCONFIG=1 and missing files",
            kconfig: BASICS,
            input: None,
            targets: &["allnoconfig", "randconfig", "defconfig=missing"],
            env: &[("KCONFIG_ALLCONFIG", "1"), ("KCONFIG_SEED", "7")],
            versions: BOTH,
        },
        Case {
            name: "KCONFIG_ALLCONFIG missing",
            kconfig: BASICS,
            input: None,
            targets: &["allyesconfig"],
            env: &[("KCONFIG_ALLCONFIG", "nothere")],
            versions: BOTH,
        },
        Case {
            name: "KCONFIG_WERROR",
            kconfig: BASICS,
            input: Some(INPUT),
            targets: &["olddefconfig", "allnoconfig"],
            env: &[("KCONFIG_WERROR", "1")],
            versions: BOTH,
        },
        Case {
            name: "randconfig probabilities",
            kconfig: BASICS,
            input: None,
            targets: &["randconfig"],
            env: &[("KCONFIG_SEED", "12345"), ("KCONFIG_PROBABILITY", "80:10")],
            versions: BOTH,
        },
        Case {
            name: "another CONFIG_ prefix",
            kconfig: BASICS,
            input: Some("XX_A=y\nXX_B=y\n# XX_D is not set\nCONFIG_T=y\n"),
            targets: &["olddefconfig", "savedefconfig"],
            env: &[("CONFIG_", "XX_")],
            versions: BOTH,
        },
    ]
}

#[test]
fn edge_cases_match_conf() {
    let trees: Vec<(String, std::path::PathBuf)> = BOTH
        .iter()
        .map(|v| (v.to_string(), support::tree(v)))
        .collect();
    let mut jobs = Vec::new();
    for case in cases() {
        for (ver, tree) in &trees {
            if !case.versions.contains(&ver.as_str()) {
                continue;
            }
            for target in case.targets {
                jobs.push((
                    ver.clone(),
                    tree.clone(),
                    case.name,
                    case.kconfig,
                    case.input,
                    *target,
                    case.env,
                ));
            }
        }
    }
    let warned = std::sync::atomic::AtomicUsize::new(0);
    let failures: Vec<String> = jobs
        .par_iter()
        .filter_map(|(ver, tree, name, kconfig, input, target, env)| {
            let conf = support::objtree(tree).join("scripts/kconfig/conf");
            let v: KernelVersion = if ver == "6.1" { (6, 1) } else { (6, 12) };
            let run = |side: &str| {
                let dir = support::scratch_dir(&format!("edge-{side}"));
                std::fs::write(dir.0.join("Kconfig"), kconfig).unwrap();
                std::fs::write(dir.0.join("all.in"), INPUT).unwrap();
                if let Some(i) = input {
                    std::fs::write(dir.0.join(".config"), i).unwrap();
                }
                let out = if side == "conf" {
                    theirs(&conf, &dir.0, target, env)
                } else {
                    ours(kconfig, v, &dir.0, target, env)
                };
                (out, dir)
            };
            let (expected, _d1) = run("conf");
            let (actual, _d2) = run("ktailor");
            if expected
                .stderr
                .contains("WARNING: unmet direct dependencies")
                && expected.stderr.contains("warning: override")
            {
                warned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            (expected != actual).then(|| {
                format!("{ver} {name} {target}:\n  conf:    {expected:?}\n  ktailor: {actual:?}")
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} runs differ:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
    // The inputs do exercise conf's warnings.
    assert!(
        warned.into_inner() >= 4,
        "conf printed fewer warnings than the cases are written for"
    );
}
