//! `ktailor livepatch diff` on object pairs compiled at test time from tests/livepatch-cases/
//! with the machine's gcc, as kbuild compiles a livepatchable kernel.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const CFLAGS: &[&str] = &[
    "-c",
    "-O2",
    "-ffunction-sections",
    "-fdata-sections",
    "-pg",
    "-mfentry",
    "-mrecord-mcount",
];

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("livepatch-cases");
    std::fs::create_dir_all(&d).expect("create test output dir");
    d
}

fn compile(case: &str, which: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/livepatch-cases")
        .join(case)
        .join(format!("{which}.c"));
    let obj = out_dir().join(format!("{case}-{which}.o"));
    let st = Command::new("gcc")
        .args(CFLAGS)
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
        .expect("run gcc");
    assert!(st.success(), "gcc failed on {}", src.display());
    obj
}

fn run(orig: &Path, patched: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(["livepatch", "diff", "--json"])
        .arg(orig)
        .arg(patched)
        .output()
        .expect("run ktailor");
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, json)
}

fn case(name: &str) -> (i32, Value) {
    run(&compile(name, "orig"), &compile(name, "patched"))
}

fn names(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .expect(field)
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn changed_function() {
    let (code, v) = case("changed");
    assert_eq!(code, 0);
    assert_eq!(names(&v, "changed_functions"), ["f"]);
    assert!(names(&v, "included_sections").contains(&".text.f".to_string()));
}

#[test]
fn new_function() {
    let (code, v) = case("new_function");
    assert_eq!(code, 0);
    assert_eq!(names(&v, "new_functions"), ["g"]);
    assert_eq!(names(&v, "changed_functions"), ["f"]);
}

#[test]
fn unchanged_pair_exits_3() {
    let (code, v) = case("unchanged");
    assert_eq!(code, 3);
    assert!(names(&v, "changed_functions").is_empty());
}

#[test]
fn moved_helper_is_no_change() {
    assert_eq!(case("helper_moved").0, 3);
}

#[test]
fn constprop_clone_is_correlated() {
    let (code, v) = case("clone");
    assert_eq!(code, 0);
    let changed = names(&v, "changed_functions");
    assert_eq!(changed.len(), 1, "{v}");
    assert!(
        changed[0].starts_with("scale.constprop") || changed[0].starts_with("scale.isra"),
        "{v}"
    );
    assert!(names(&v, "new_functions").is_empty(), "{v}");
}

#[test]
fn renumbered_static_local_pairs() {
    let (code, v) = case("static_local");
    assert_eq!(code, 0);
    assert_eq!(names(&v, "new_functions"), ["z"]);
    assert!(names(&v, "changed_functions").is_empty(), "{v}");
    assert!(
        v["refusals"].as_array().is_some_and(|r| r.is_empty()),
        "{v}"
    );
}

fn refusal(v: &Value) -> (String, String, String) {
    let r = &v["refusals"][0];
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    (s("symbol"), s("section"), s("reason"))
}

#[test]
fn changed_data_is_refused() {
    let (code, v) = case("data");
    assert_eq!(code, 2);
    let (sym, sec, why) = refusal(&v);
    assert_eq!((sym.as_str(), sec.as_str()), ("table", ".data.table"));
    assert!(why.contains("changed data"), "{why}");
}

#[test]
fn changed_init_code_is_refused() {
    let (code, v) = case("init");
    assert_eq!(code, 2);
    let (sym, sec, why) = refusal(&v);
    assert_eq!((sym.as_str(), sec.as_str()), ("setup", ".init.text"));
    assert!(why.contains("__init"), "{why}");
}

#[test]
fn function_without_fentry_is_refused() {
    let (code, v) = case("no_fentry");
    assert_eq!(code, 2);
    let (sym, _, why) = refusal(&v);
    assert_eq!(sym, "raw");
    assert!(why.contains("__fentry__"), "{why}");
}

#[test]
fn moved_string_literal_is_no_change_to_its_user() {
    let (code, v) = case("string_moved");
    assert_eq!(code, 0);
    assert_eq!(names(&v, "new_functions"), ["early"]);
    assert!(names(&v, "changed_functions").is_empty(), "{v}");
}

fn expect_error(orig: &Path, fragment: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(["livepatch", "diff"])
        .arg(orig)
        .arg(orig)
        .output()
        .expect("run ktailor");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(fragment), "{err}");
}

#[test]
fn bad_inputs_exit_1() {
    let good = compile("changed", "orig");
    let bytes = std::fs::read(&good).expect("read object");
    let truncated = out_dir().join("truncated.o");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    expect_error(&truncated, "truncated");
    let text = out_dir().join("not-elf.o");
    std::fs::write(&text, "int main;\n").expect("write");
    expect_error(&text, "not an ELF file");
    let exe = out_dir().join("a.out");
    let src = out_dir().join("main.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").expect("write");
    let st = Command::new("gcc")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("gcc");
    assert!(st.success());
    expect_error(&exe, "not a relocatable object");
}

#[test]
fn line_number_only_changes_are_not_changes() {
    // f moved down two lines: only the __LINE__ arguments of might_sleep() and WARN changed.
    let (code, v) = case("line_only");
    assert_eq!(code, 3, "{v}");
    // The same move with a real change in f is still a change.
    let (code, v) = case("line_and_code");
    assert_eq!(code, 0, "{v}");
    assert_eq!(names(&v, "changed_functions"), ["f"]);
}

#[test]
fn changed_section_group_is_refused() {
    let (code, v) = case("group");
    assert_eq!(code, 2, "{v}");
    let refusals = v["refusals"].as_array().expect("refusals");
    assert!(
        refusals.iter().any(|r| r["symbol"] == "shared_table"
            && r["reason"]
                .as_str()
                .unwrap_or("")
                .contains("changed section group")),
        "{v}"
    );
}

#[test]
fn livepatch_object_carries_only_the_changed_functions_special_entries() {
    use livepatch::extract::{extract, Target};
    use livepatch::symbols::{Exports, SymbolMap};
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _, RelocationTarget};

    let orig = livepatch::Object::read(&compile("special", "orig")).expect("orig");
    let patched = livepatch::Object::read(&compile("special", "patched")).expect("patched");
    let report = livepatch::diff(&orig, &patched);
    assert_eq!(report.changed_functions, ["f"]);
    let symbols = SymbolMap::parse(
        Path::new("System.map"),
        "ffffffff81000000 T g\nffffffff81000100 T f\n",
    )
    .expect("map");
    let exports = Exports::from_names(["__fentry__".to_string()]);
    let target = Target {
        objname: "vmlinux",
        symbols: &symbols,
        exports: &exports,
    };
    let out = extract(&orig, &patched, &report, target, 0).expect("extract");
    assert_eq!(out.funcs.len(), 1);
    assert_eq!(out.funcs[0].old_name, "f");
    let file = object::File::parse(&*out.bytes).expect("parse the livepatch object");
    let ex = file
        .section_by_name("__ex_table")
        .expect("__ex_table carried");
    assert_eq!(ex.size(), 12, "one 12-byte entry: f's");
    let mut targets = Vec::new();
    for (_, r) in ex.relocations() {
        let RelocationTarget::Symbol(i) = r.target() else {
            panic!("relocation without a symbol")
        };
        let sym = file.symbol_by_index(i).expect("symbol");
        let sec = sym
            .section_index()
            .and_then(|s| file.section_by_index(s).ok());
        targets.push(sec.and_then(|s| s.name().ok().map(str::to_string)));
    }
    assert_eq!(targets, [Some(".text.f".into()), Some(".text.f".into())]);
    assert!(
        file.section_by_name(".text.g").is_none(),
        "g is not carried"
    );
}

#[test]
fn removed_reference_to_a_static_local_is_refused() {
    let (code, v) = case("static_local_removed");
    assert_eq!(code, 2, "{v}");
    let refusals = v["refusals"].as_array().expect("refusals");
    assert!(
        refusals
            .iter()
            .any(|r| r["symbol"].as_str().unwrap_or("").starts_with("calls.")
                && r["reason"]
                    .as_str()
                    .unwrap_or("")
                    .contains("removed reference to static local calls")),
        "{v}"
    );
}

/// The same cases built for arm64 as its kernel builds livepatchable code: gcc's
/// -fpatchable-function-entry=2 (ftrace's entry NOPs) instead of -pg -mfentry.
fn case_arm64(name: &str) -> (i32, Value) {
    let build = |which: &str| -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/livepatch-cases")
            .join(name)
            .join(format!("{which}.c"));
        let obj = out_dir().join(format!("{name}-{which}.arm64.o"));
        let st = Command::new("aarch64-linux-gnu-gcc")
            .args([
                "-c",
                "-O2",
                "-ffunction-sections",
                "-fdata-sections",
                "-fpatchable-function-entry=2",
            ])
            .arg(&src)
            .arg("-o")
            .arg(&obj)
            .status()
            .expect("run aarch64-linux-gnu-gcc (Debian's gcc-aarch64-linux-gnu)");
        assert!(
            st.success(),
            "aarch64-linux-gnu-gcc failed on {}",
            src.display()
        );
        obj
    };
    run(&build("orig"), &build("patched"))
}

#[test]
fn arm64_objects_are_diffed_by_the_same_rules() {
    let (code, v) = case_arm64("changed");
    assert_eq!(code, 0, "{v}");
    assert_eq!(names(&v, "changed_functions"), ["f"]);

    let (code, v) = case_arm64("new_function");
    assert_eq!(code, 0, "{v}");
    assert_eq!(names(&v, "new_functions"), ["g"]);
    assert_eq!(names(&v, "changed_functions"), ["f"]);

    // arm64 addressing (adrp + add/ldr pairs against section symbols) must still pair the
    // renumbered static local and the moved string literal.
    let (code, v) = case_arm64("static_local");
    assert_eq!(code, 0, "{v}");
    assert!(names(&v, "changed_functions").is_empty(), "{v}");
    let (code, v) = case_arm64("string_moved");
    assert_eq!(code, 0, "{v}");
    assert!(names(&v, "changed_functions").is_empty(), "{v}");

    let (code, v) = case_arm64("unchanged");
    assert_eq!(code, 3, "{v}");

    let (code, v) = case_arm64("no_fentry");
    assert_eq!(code, 2, "{v}");
    let (sym, _, why) = refusal(&v);
    assert_eq!(sym, "raw");
    assert!(why.contains("__patchable_function_entries"), "{why}");

    let (code, v) = case_arm64("data");
    assert_eq!(code, 2, "{v}");
    assert!(refusal(&v).2.contains("changed data"), "{v}");
}
