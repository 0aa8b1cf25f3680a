//! Targets on small Kconfig files: `--set` and its explanations, target names.

use super::*;
use crate::eval::testkit::model;

const KCONFIG: &str = "
config MODULES
\tbool \"modules\"
\tmodules
\tdefault y

config D
\tbool \"D\"

config X
\ttristate \"X\"
\tdepends on D

config SEL
\tbool \"sel\"
\tselect Y

config Y
\ttristate \"Y\"

config I
\tint \"I\"
\trange 1 10
\tdefault 3

choice
\tprompt \"choice\"

config CA
\tbool \"ca\"

config CB
\tbool \"cb\"

endchoice
";

fn run_with(v: KernelVersion, settings: &[&str]) -> TargetRun {
    let m = model(KCONFIG, v);
    let mut env = ConfEnv::new(
        "/nonexistent",
        [("KCONFIG_CONFIG".to_string(), "out".to_string())],
    );
    env.in_memory = true;
    let opts = TargetOptions {
        settings: settings.iter().map(|s| s.parse().unwrap()).collect(),
        ..TargetOptions::default()
    };
    run_target(&m, v, &mut env, &Target::AllNoConfig, &opts).unwrap()
}

#[test]
fn settings_take_effect_or_say_why() {
    for v in [(6, 1), (6, 12)] {
        let run = run_with(v, &["CONFIG_D=y", "I=7", "CB=y", "SEL=y"]);
        assert!(run.set_failures.is_empty(), "{v:?}: {:?}", run.set_failures);
        let config = run.config.unwrap();
        for line in [
            "CONFIG_D=y\n",
            "CONFIG_I=7\n",
            "CONFIG_CB=y\n",
            "# CONFIG_CA is not set\n",
            "CONFIG_Y=y\n",
        ] {
            assert!(config.contains(line), "{v:?}: no {line:?} in\n{config}");
        }

        let run = run_with(v, &["X=y", "I=11", "NOPE=y", "SEL=y", "Y=n"]);
        let reasons: Vec<String> = run.set_failures.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            reasons,
            [
                "cannot set X=y: its prompt is not visible: depends on D [=n]",
                "cannot set I=11: '11' is outside the range [1 10]",
                "cannot set NOPE=y: the tree has no such symbol",
                "cannot set Y=n: it is selected (at least y) by: SEL [=y]",
            ],
            "{v:?}"
        );
    }
}

#[test]
fn make_target_names() {
    let tree = std::path::Path::new("/nonexistent");
    assert_eq!(
        Target::from_make("defconfig", tree, "x86", "x86_64_defconfig").unwrap(),
        Target::DefConfig("arch/x86/configs/x86_64_defconfig".into())
    );
    assert_eq!(
        Target::from_make("i386_defconfig", tree, "x86", "x86_64_defconfig").unwrap(),
        Target::DefConfig("arch/x86/configs/i386_defconfig".into())
    );
    assert_eq!(
        Target::from_make("allnoconfig", tree, "x86", "").unwrap(),
        Target::AllNoConfig
    );
    let err = Target::from_make("menuconfig", tree, "x86", "")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("unknown target 'menuconfig': expected one of olddefconfig"),
        "{err}"
    );
}
