//! The evaluator on small Kconfig files. The expected values are what the 6.1 and 6.12
//! builds of conf wrote for the same files (`conf --alldefconfig Kconfig`); tests/
//! conf_edge_cases.rs compares many more cases with the real conf at test time.

use super::*;
use crate::confdata::{conf_read_text, config_text};

use super::testkit::model;

const NO_MODULES: &str = "
config A
\ttristate \"A\"
\tdefault m

config B
\ttristate \"B\"
\tdepends on m

config C
\tbool \"C\"
\tdefault m

config I
\tint \"I\"
\trange 10 20
\tdefault 5

config H
\thex \"H\"
\trange 0x10 0xff
\tdefault 0x100
";

#[test]
fn m_is_y_without_modules_and_ranges_clamp() {
    for v in [(6, 1), (6, 12)] {
        let m = model(NO_MODULES, v);
        let mut cfg = Config::new(&m, v);
        let text = config_text(&mut cfg);
        assert_eq!(
            text,
            "#\n# Automatically generated file; DO NOT EDIT.\n# Main menu\n#\n\
             CONFIG_A=y\nCONFIG_C=y\nCONFIG_I=10\nCONFIG_H=0xff\n",
            "{v:?}"
        );
        let b = m.find("B").unwrap();
        assert_eq!(cfg.state(b).visible, Tristate::No);
        assert_eq!(cfg.flags(b) & flags::WRITE, 0);
    }
}

#[test]
fn user_values_are_limited_by_visibility() {
    let text = "config MODULES\n\tbool \"m\"\n\tmodules\n\tdefault y\n\
                config D\n\ttristate \"D\"\n\
                config X\n\ttristate \"X\"\n\tdepends on D\n";
    for v in [(6, 1), (6, 12)] {
        let m = model(text, v);
        let mut cfg = Config::new(&m, v);
        conf_read_text(
            &mut cfg,
            ".config",
            b"CONFIG_D=m\nCONFIG_X=y\n",
            DefSlot::User,
            false,
        );
        // conf_read computes the modules symbol first: until then tristates read as bool.
        cfg.sym_calc_value(m.modules_sym);
        let x = m.find("X").unwrap();
        cfg.sym_calc_value(x);
        assert_eq!(cfg.sym_get_string_value(x), "m", "{v:?}");
        assert!(!cfg.sym_tristate_within_range(x, Tristate::Yes));
        assert!(cfg.sym_set_tristate_value(x, Tristate::No));
        cfg.sym_calc_value(x);
        assert_eq!(cfg.sym_get_tristate_value(x), Tristate::No);
    }
}

#[test]
fn string_values_set_and_hex_gets_its_prefix() {
    let text = "config H\n\thex \"H\"\n\trange 0x10 0xff\nconfig S\n\tstring \"S\"\n";
    let m = model(text, (6, 12));
    let mut cfg = Config::new(&m, (6, 12));
    let (h, s) = (m.find("H").unwrap(), m.find("S").unwrap());
    cfg.sym_calc_value(h);
    assert!(!cfg.sym_set_string_value(h, "0x100"), "outside the range");
    assert!(!cfg.sym_set_string_value(h, "xyz"), "not hex");
    assert!(cfg.sym_set_string_value(h, "20"));
    cfg.sym_calc_value(h);
    assert_eq!(cfg.sym_get_string_value(h), "0x20");
    assert!(cfg.sym_set_string_value(s, "a \"b\""));
    cfg.sym_calc_value(s);
    assert_eq!(cfg.sym_get_string_value(s), "a \"b\"");
}
