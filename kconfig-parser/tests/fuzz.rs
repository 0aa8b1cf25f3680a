//! Fuzzing the front end with proptest: whatever the input, the lexer, preprocessor, parser,
//! `menu_finalize` and the recursive-dependency check return (a model or a located error);
//! they never panic and never hang. The inputs in tests/fuzz-corpus/ (tricky cases found by
//! hand and by the fuzzer) run every time; proptest keeps the cases it shrinks in
//! tests/fuzz.proptest-regressions.

use std::path::PathBuf;

use kconfig_parser::files::MemoryFiles;
use kconfig_parser::loader::{parse_rounds, LoadError, LoadStats};
use kconfig_parser::parser::Dialect;
use kconfig_parser::preprocess::ShellOracle;
use proptest::prelude::*;

/// Answers every shell command without forking: `y` for tests, the command text otherwise.
struct FakeShell;

impl ShellOracle for FakeShell {
    fn shell(&self, cmd: &str) -> Option<(String, Vec<u8>)> {
        Some((
            if cmd.contains("&&") {
                "y".into()
            } else {
                cmd.chars().take(20).collect()
            },
            Vec::new(),
        ))
    }
}

fn env(name: &str) -> Option<String> {
    match name {
        "SRCARCH" => Some("x86".into()),
        "CC" => Some("gcc".into()),
        _ => None,
    }
}

/// Loads `text` as a one-file tree for both language dialects, as far as it goes.
fn load(text: &str) -> Vec<Result<usize, String>> {
    let text = text.to_string();
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let mut files = MemoryFiles::new();
            files.insert("Kconfig", &text);
            files.insert("other/Kconfig", "config OTHER\n\tbool \"other\"\n");
            let mut out = Vec::new();
            for v in [(6, 1), (6, 12)] {
                let mut stats = LoadStats::default();
                let mut run = |_: &[String]| -> Result<(), String> { Ok(()) };
                let res = parse_rounds(
                    &files,
                    "Kconfig",
                    Dialect::for_version(v.0, v.1),
                    &env,
                    &FakeShell,
                    &mut run,
                    &mut stats,
                );
                out.push(match res {
                    Ok(mut parsed) => {
                        kconfig_parser::finalize::menu_finalize(&mut parsed.model, v);
                        let errs =
                            kconfig_parser::depcheck::check_recursive_deps(&mut parsed.model, v);
                        let _graph = kconfig_parser::graph::DepGraph::build(&parsed.model);
                        Ok(errs.len())
                    }
                    Err(LoadError::Parse(e)) => {
                        // A located error: file, line and a message.
                        assert!(
                            !e.file.is_empty() && !e.message.is_empty(),
                            "unlocated error: {e:?}"
                        );
                        Err(e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                });
            }
            out
        })
        .expect("spawn")
        .join()
        .expect("the front end panicked")
}

const VOCABULARY: &[&str] = &[
    "config",
    "menuconfig",
    "choice",
    "endchoice",
    "menu",
    "endmenu",
    "if",
    "endif",
    "source",
    "comment",
    "mainmenu",
    "bool",
    "tristate",
    "int",
    "hex",
    "string",
    "prompt",
    "default",
    "def_bool",
    "def_tristate",
    "depends",
    "on",
    "select",
    "imply",
    "range",
    "help",
    "visible",
    "optional",
    "modules",
    "option",
    "transitional",
    "A",
    "B",
    "FOO_BAR",
    "MODULES",
    "y",
    "m",
    "n",
    "0x10",
    "42",
    "-1",
    "\"text\"",
    "'q'",
    "\"other/Kconfig\"",
    "\"Kconfig\"",
    "&&",
    "||",
    "!",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    ":=",
    "+=",
    "$(",
    "$(shell,true && echo)",
    "$(SRCARCH)",
    "$(info,hi)",
    "$(warning-if,y,w)",
    "$(error-if,y,e)",
    "$(1)",
    "$(f,x)",
    "f",
    "#",
    "\\\n",
    "\n",
    "\n",
    "\n",
    "\t",
    "  ",
    " ",
    "\"",
    "@",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCABULARY), 0..120).prop_map(|v| v.join(" "))
}

fn entry() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["A", "B", "C", "D", "MODULES"]);
    let ty = prop::sample::select(vec![
        "bool \"p\"",
        "tristate \"p\"",
        "int \"p\"",
        "hex \"p\"",
        "string \"p\"",
        "def_bool y\n\tprompt \"p\"",
        "def_tristate m\n\tprompt \"p\"",
    ]);
    let opt = prop::sample::select(vec![
        "\tdepends on A\n",
        "\tdepends on B || !C\n",
        "\tselect D if A\n",
        "\timply C\n",
        "\tdefault y if B\n",
        "\tdefault m\n",
        "\tprompt \"p\" if A = B\n",
        "\trange 1 10\n",
        "\thelp\n\t  text\n\n\t  more\n",
        "",
    ]);
    (name, ty, prop::collection::vec(opt, 0..4))
        .prop_map(|(n, t, o)| format!("config {n}\n\t{t}\n{}", o.concat()))
}

fn structured() -> impl Strategy<Value = String> {
    let leaf = entry().boxed();
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..5)
                .prop_map(|v| format!("menu \"m\"\n{}endmenu\n", v.concat())),
            prop::collection::vec(inner.clone(), 1..5)
                .prop_map(|v| format!("if A && !B\n{}endif\n", v.concat())),
            // A choice holds config entries only.
            prop::collection::vec(entry(), 1..4)
                .prop_map(|v| format!("choice\n\tprompt \"c\"\n{}endchoice\n", v.concat())),
            prop::collection::vec(inner, 1..5).prop_map(|v| v.concat()),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        load(&s);
    }

    #[test]
    fn token_soup_never_panics(s in token_soup()) {
        load(&s);
    }

    #[test]
    fn structured_trees_load(s in structured()) {
        // Well-formed blocks of well-formed entries always parse in the 6.1 dialect
        // (6.12 rejects tristate and promptless choice members, by design).
        let res = load(&s);
        prop_assert!(res[0].is_ok(), "{s}\n=> {:?}", res[0]);
    }
}

#[test]
fn corpus_never_panics_or_hangs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("read the corpus") {
        let path = e.expect("corpus entry").path();
        let bytes = std::fs::read(&path).expect("read corpus file");
        load(&String::from_utf8_lossy(&bytes));
        n += 1;
    }
    assert!(n >= 10, "the corpus has only {n} inputs");
}

#[test]
fn corpus_errors_are_the_expected_ones() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read");
    let err = |name: &str| load(&read(name))[0].clone().expect_err(name);
    assert!(err("exponential-macro.kconfig").contains("Too deep recursive expansion"));
    assert!(err("doubling-variable.kconfig").contains("macro expansion is longer than"));
    assert!(err("unterminated-blocks.kconfig").contains("missing end statement"));
    assert!(err("unterminated-reference.kconfig").contains("unterminated reference"));
    assert!(err("self-source.kconfig").contains("Recursive inclusion detected"));
    assert!(err("nested-choice.kconfig").contains("a choice inside a choice"));
    assert_eq!(load(&read("recursive-dependency.kconfig"))[0], Ok(1));
}
