//! `ktailor livepatch build` and `ktailor livepatch check` against the real target: the 6.1 tree
//! and Debian's cloud-amd64 kernel headers and symbols (scripts/livepatch-target.sh). Loading the
//! modules into that kernel is scripts/livepatch-e2e.sh's job; here the module's ELF is checked
//! against Documentation/livepatch/module-elf-format.rst, and modules corrupted on purpose must
//! be rejected with reasons.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use goblin::elf::Elf;

const SHF_RELA_LIVEPATCH: u64 = 0x0010_0000;
const SHN_LIVEPATCH: usize = 0xff20;

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("livepatch-build");
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn patch(name: &str) -> PathBuf {
    support::repo().join("tests/livepatch-patches").join(name)
}

/// What a test puts in place of the real target's inputs, and extra flags.
#[derive(Default)]
struct Overrides<'a> {
    config: Option<&'a Path>,
    system_map: Option<&'a Path>,
    json: bool,
}

/// Runs `ktailor livepatch build` for `patch` into `output` against the real target, with
/// `o`'s inputs in place of the target's.
fn build_with(patch: &Path, name: &str, output: &Path, o: Overrides) -> Output {
    let target = support::livepatch_target();
    let tree = support::tree("6.1");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ktailor"));
    cmd.args(["livepatch", "build", "--tree"])
        .arg(&tree)
        .arg("--config")
        .arg(o.config.unwrap_or(&target.config))
        .arg("--patch")
        .arg(patch)
        .arg("--kernel-headers")
        .arg(&target.headers)
        .arg("--system-map")
        .arg(o.system_map.unwrap_or(&target.kallsyms))
        .args(["--name", name, "--output"])
        .arg(output);
    if o.json {
        cmd.arg("--json");
    }
    cmd.output().expect("run ktailor livepatch build")
}

/// Runs `ktailor livepatch build` for `patch` into `output` (with another symbol table).
fn build(patch: &Path, system_map: Option<&Path>, name: &str, output: &Path) -> Output {
    build_with(
        patch,
        name,
        output,
        Overrides {
            system_map,
            ..Default::default()
        },
    )
}

/// The cmdline module, built once for all tests of this file.
fn cmdline_module() -> &'static [u8] {
    static MODULE: OnceLock<Vec<u8>> = OnceLock::new();
    MODULE.get_or_init(|| {
        let out = scratch().join("cmdline_marker.ko");
        let run = build(&patch("cmdline-marker.patch"), None, "cmdline_marker", &out);
        assert!(
            run.status.success(),
            "build failed:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        std::fs::read(&out).expect("read the module")
    })
}

fn check(bytes: &[u8], name: &str) -> (i32, String) {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("write module");
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(["livepatch", "check"])
        .arg(&path)
        .output()
        .expect("run ktailor livepatch check");
    (
        out.status.code().expect("exit code"),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn built_module_has_the_livepatch_elf_format() {
    let bytes = cmdline_module();
    let elf = Elf::parse(bytes).expect("parse module");
    let name_of = |i: usize| {
        elf.shdr_strtab
            .get_at(elf.section_headers[i].sh_name)
            .unwrap_or("")
    };
    // saved_command_line is not exported: the new cmdline_proc_show reaches it through a
    // livepatch relocation section for its text, as the kernel's documentation shows.
    let (rela_index, rela) = elf
        .section_headers
        .iter()
        .enumerate()
        .find(|(i, _)| name_of(*i).starts_with(".klp.rela.vmlinux."))
        .expect("a .klp.rela.vmlinux.* section");
    assert_eq!(rela.sh_type, goblin::elf::section_header::SHT_RELA);
    assert_ne!(rela.sh_flags & SHF_RELA_LIVEPATCH, 0);
    assert_ne!(
        rela.sh_flags & u64::from(goblin::elf::section_header::SHF_ALLOC),
        0
    );
    assert_eq!(name_of(rela.sh_info as usize), ".text.cmdline_proc_show");
    assert_eq!(
        elf.section_headers[rela.sh_link as usize].sh_type,
        goblin::elf::section_header::SHT_SYMTAB
    );
    let relocs = &elf
        .shdr_relocs
        .iter()
        .find(|(i, _)| *i == rela_index)
        .expect("relocations")
        .1;
    let targets: Vec<(&str, usize)> = relocs
        .iter()
        .map(|r| {
            let s = elf.syms.get(r.r_sym).expect("symbol");
            (elf.strtab.get_at(s.st_name).unwrap_or(""), s.st_shndx)
        })
        .collect();
    assert_eq!(
        targets,
        [(".klp.sym.vmlinux.saved_command_line,0", SHN_LIVEPATCH)]
    );
    // The exported functions it calls stay ordinary undefined symbols for the loader.
    let undefined: Vec<&str> = elf
        .syms
        .iter()
        .filter(|s| s.st_shndx == 0 && s.st_name != 0)
        .map(|s| elf.strtab.get_at(s.st_name).unwrap_or(""))
        .collect();
    for f in ["seq_puts", "seq_putc", "klp_enable_patch"] {
        assert!(
            undefined.contains(&f),
            "{f} not an undefined symbol: {undefined:?}"
        );
    }
    let (code, text) = check(bytes, "valid.ko");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("a valid livepatch module (1 .klp.rela sections, 1 livepatch symbols)"),
        "{text}"
    );
}

/// Where things are in the module, for editing its bytes in place (object's builder cannot read
/// allocated relocation sections that use the static symbol table, which is what a livepatch
/// relocation section is).
struct Layout {
    shoff: usize,
    klp_rela: usize,
    comment: usize,
    strtab: usize,
    rela_text: usize,
    klp_symbol: usize,
    symtab_offset: usize,
    klp_name_offset: usize,
}

fn layout(bytes: &[u8]) -> Layout {
    let elf = Elf::parse(bytes).expect("parse module");
    let name_of = |i: usize| {
        elf.shdr_strtab
            .get_at(elf.section_headers[i].sh_name)
            .unwrap_or("")
    };
    let find = |p: &dyn Fn(&str) -> bool| {
        (0..elf.section_headers.len())
            .find(|&i| p(name_of(i)))
            .expect("section")
    };
    let symtab = elf
        .section_headers
        .iter()
        .position(|s| s.sh_type == goblin::elf::section_header::SHT_SYMTAB)
        .expect("symtab");
    let klp_symbol = elf
        .syms
        .iter()
        .position(|s| {
            elf.strtab
                .get_at(s.st_name)
                .unwrap_or("")
                .starts_with(".klp.sym.")
        })
        .expect("klp symbol");
    let strtab = elf.section_headers[symtab].sh_link as usize;
    Layout {
        shoff: elf.header.e_shoff as usize,
        klp_rela: find(&|n| n.starts_with(".klp.rela.")),
        comment: find(&|n| n == ".comment"),
        strtab,
        rela_text: find(&|n| n == ".rela.text.cmdline_proc_show"),
        klp_symbol,
        symtab_offset: elf.section_headers[symtab].sh_offset as usize,
        klp_name_offset: elf.section_headers[strtab].sh_offset as usize
            + elf.syms.get(klp_symbol).expect("sym").st_name,
    }
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

fn get_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The module with `edit` applied to a copy of its bytes.
fn corrupt(edit: impl FnOnce(&mut Vec<u8>, &Layout)) -> Vec<u8> {
    let mut bytes = cmdline_module().to_vec();
    let l = layout(&bytes);
    edit(&mut bytes, &l);
    bytes
}

/// Offset of a field of section header `i`.
fn shdr(l: &Layout, i: usize, field: usize) -> usize {
    l.shoff + i * 64 + field
}

fn rejected(bytes: &[u8], name: &str, reason: &str) {
    let (code, text) = check(bytes, name);
    assert_eq!(code, 2, "{name}: expected problems, got:\n{text}");
    assert!(text.contains(reason), "{name}: no '{reason}' in:\n{text}");
}

#[test]
fn corrupted_modules_are_rejected_with_reasons() {
    let clear_flag = |flag: u64| {
        corrupt(move |b, l| {
            let at = shdr(l, l.klp_rela, 8);
            let flags = get_u64(b, at) & !flag;
            put(b, at, &flags.to_le_bytes());
        })
    };
    rejected(
        &clear_flag(SHF_RELA_LIVEPATCH),
        "no-livepatch-flag.ko",
        "missing the SHF_RELA_LIVEPATCH flag",
    );
    rejected(&clear_flag(2), "no-alloc.ko", "missing SHF_ALLOC");
    rejected(
        &corrupt(|b, l| {
            put(
                b,
                shdr(l, l.klp_rela, 44),
                &(l.comment as u32).to_le_bytes(),
            )
        }),
        "wrong-info.ko",
        "which is not SHF_ALLOC",
    );
    rejected(
        &corrupt(|b, l| put(b, shdr(l, l.klp_rela, 40), &(l.strtab as u32).to_le_bytes())),
        "wrong-link.ko",
        "but the symbol table is section",
    );
    rejected(
        &corrupt(|b, l| {
            put(
                b,
                l.symtab_offset + l.klp_symbol * 24 + 6,
                &0u16.to_le_bytes(),
            )
        }),
        "undef-symbol.ko",
        "not SHN_LIVEPATCH (0xff20)",
    );
    rejected(
        &corrupt(|b, l| {
            let name = &b[l.klp_name_offset..];
            let comma = name.iter().position(|&c| c == b',').expect("comma");
            b[l.klp_name_offset + comma] = 0;
        }),
        "no-sympos.ko",
        "has no ,<sympos>",
    );
    rejected(
        &corrupt(|b, l| {
            let name = b[shdr(l, l.rela_text, 0)..shdr(l, l.rela_text, 4)].to_vec();
            put(b, shdr(l, l.klp_rela, 0), &name);
            put(b, shdr(l, l.klp_rela, 8), &0x40u64.to_le_bytes());
        }),
        "ordinary-rela.ko",
        "an ordinary relocation section refers to livepatch symbol",
    );
    let mut not_livepatch = cmdline_module().to_vec();
    let at = not_livepatch
        .windows(11)
        .position(|w| w == b"livepatch=Y")
        .expect("modinfo livepatch=Y");
    not_livepatch[at + 10] = b'N';
    rejected(&not_livepatch, "not-livepatch.ko", "no livepatch=Y");

    let truncated = &cmdline_module()[..200];
    let (code, text) = check(truncated, "truncated.ko");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn bad_inputs_stop_the_build_with_clear_errors_and_no_output() {
    let dir = scratch();
    let stale = dir.join("stale.patch");
    std::fs::write(
        &stale,
        "--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n@@ -8,3 +8,3 @@\n {\n-\tthis line is not in the file;\n+\tneither is this one;\n \tseq_putc(m, '\\n');\n",
    )
    .expect("write patch");
    let out = dir.join("stale.ko");
    let run = build(&stale, None, "stale", &out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("stale.patch: does not apply"), "{err}");
    assert!(!out.exists());

    let header = dir.join("header.patch");
    std::fs::write(
        &header,
        "--- a/fs/proc/internal.h\n+++ b/fs/proc/internal.h\n@@ -1 +1 @@\n-x\n+y\n",
    )
    .expect("write patch");
    let run = build(&header, None, "header", &dir.join("header.ko"));
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("header.patch:2: fs/proc/internal.h is not a C source file"),
        "{err}"
    );

    let stub = dir.join("System.map");
    std::fs::write(
        &stub,
        "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n",
    )
    .expect("write map");
    let run = build(
        &patch("cmdline-marker.patch"),
        Some(&stub),
        "stub",
        &dir.join("stub.ko"),
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("placeholder System.map"), "{err}");
}

#[test]
fn a_patch_that_changes_no_code_exits_3() {
    let dir = scratch();
    let comment = dir.join("comment.patch");
    std::fs::write(
        &comment,
        "--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n@@ -6,6 +6,7 @@\n \n static int cmdline_proc_show(struct seq_file *m, void *v)\n {\n+\t/* only a comment */\n \tseq_puts(m, saved_command_line);\n \tseq_putc(m, '\\n');\n \treturn 0;\n",
    )
    .expect("write patch");
    let out = dir.join("comment.ko");
    let run = build(&comment, None, "comment", &out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{err}");
    assert!(
        err.contains("changes no function of fs/proc/cmdline.o"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The lines of a build's output that start with `prefix`, without it.
fn listed(stdout: &str, prefix: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// A patch, the functions it replaces, its new functions, and livepatch symbols it must use.
type Expected = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn real_kernel_objects_give_the_expected_changes() {
    let cases: &[Expected] = &[
        (
            "stat-static-call.patch",
            &["show_stat (sympos 0)"],
            &[],
            // get_iowait_time is static in fs/proc/stat.c: reached through the running kernel's copy.
            &[".klp.sym.vmlinux.get_iowait_time,0"],
        ),
        (
            "version-new-function.patch",
            &["version_proc_show (sympos 0)"],
            &["ktailor_version_note"],
            &[".klp.sym.vmlinux.linux_proc_banner,0"],
        ),
        (
            "loadavg-globals.patch",
            &["loadavg_proc_show (sympos 0)"],
            &[],
            &[
                ".klp.sym.vmlinux.nr_threads,0",
                ".klp.sym.vmlinux.total_forks,0",
            ],
        ),
    ];
    for (file, replaced, new, symbols) in cases {
        let name = file.trim_end_matches(".patch").replace('-', "_");
        let out = scratch().join(format!("{name}.ko"));
        let run = build(&patch(file), None, &name, &out);
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(listed(&stdout, "replaces: "), *replaced, "{file}");
        assert_eq!(listed(&stdout, "new function: "), *new, "{file}");
        let used = listed(&stdout, "livepatch symbol: ");
        for s in *symbols {
            assert!(
                used.iter().any(|u| u == s),
                "{file}: {s} not among {used:?}"
            );
        }
        let (code, text) = check(
            &std::fs::read(&out).expect("module"),
            &format!("{name}-check.ko"),
        );
        assert_eq!(code, 0, "{file}: {text}");
    }
}

#[test]
fn a_config_from_another_compiler_is_refused() {
    let target = support::livepatch_target();
    let text = std::fs::read_to_string(&target.config).expect("config");
    let other = text
        .lines()
        .map(|l| {
            if l.starts_with("CONFIG_CC_VERSION_TEXT=") {
                "CONFIG_CC_VERSION_TEXT=\"gcc-12 (Debian 12.2.0-1) 12.1.0\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config = scratch().join("other-compiler.config");
    std::fs::write(&config, other).expect("write config");
    let out = scratch().join("other-compiler.ko");
    let run = build_with(
        &patch("cmdline-marker.patch"),
        "other_compiler",
        &out,
        Overrides {
            config: Some(&config),
            ..Default::default()
        },
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("must be compiled by the kernel's own compiler"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn build_json_lists_what_the_module_replaces() {
    let out = scratch().join("version_json.ko");
    let run = build_with(
        &patch("version-new-function.patch"),
        "version_json",
        &out,
        Overrides {
            json: true,
            ..Default::default()
        },
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON on stdout");
    assert_eq!(v["funcs"][0]["old_name"], "version_proc_show");
    assert_eq!(v["funcs"][0]["old_sympos"], 0);
    assert_eq!(v["new_functions"][0], "ktailor_version_note");
    assert_eq!(v["output"], out.display().to_string());
    assert!(out.is_file());
}
