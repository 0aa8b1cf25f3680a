//! Expressions printed as conf prints them: `expr_print` and its front ends in
//! scripts/kconfig/expr.c.
//!
//! [`expr_to_string`] is `expr_fprint` (the expressions in conf's messages); [`expr_gstr_print`]
//! adds each symbol's value, `FOO [=y]`, as in the "unmet direct dependencies" warning and in
//! menuconfig's help; [`expr_gstr_print_revdep`] writes the "Selected by \[y\]:" lists. The values
//! come from callbacks, so that printing does not depend on the evaluator.

use crate::expr::Expr;
use crate::expr_simplify::ExprType;
use crate::model::{Model, SymbolId, SymbolType};

/// `tristate`: the value of a bool or tristate expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tristate {
    No,
    Mod,
    Yes,
}

/// `expr_compare_type`: positive when an operand of type `t2` under an operator of type `t1`
/// needs parentheses. The 6.1 order (with E_LIST) is used for every release: 6.12 only dropped
/// E_LIST from it, and no 6.12 expression holds a list.
fn expr_compare_type(t1: ExprType, t2: ExprType) -> i32 {
    use ExprType::*;
    if t1 == t2 {
        return 0;
    }
    // The C switch falls through from each case to the next.
    let chain: &[(&[ExprType], &[ExprType])] = &[
        (&[Leq, Lth, Geq, Gth], &[Equal, Unequal]),
        (&[Equal, Unequal], &[Not]),
        (&[Not], &[And]),
        (&[And], &[Or]),
        (&[Or], &[List]),
        (&[List], &[None]),
    ];
    let Some(start) = chain.iter().position(|(cases, _)| cases.contains(&t1)) else {
        return -1;
    };
    if chain[start..].iter().any(|(_, needs)| needs.contains(&t2)) {
        1
    } else {
        -1
    }
}

/// The name `expr_print` passes for a symbol (`<choice>` for an anonymous choice).
fn sym_name(m: &Model, s: SymbolId) -> &str {
    m.sym(s).display_name()
}

/// `expr_print`: calls `out(sym, text)` for each piece of `e`, where `sym` is the symbol the
/// text names, if any. `prevtoken` is the type of the enclosing operator ([`ExprType::None`] at
/// the top). A missing expression prints as `y`.
pub fn expr_print(
    m: &Model,
    e: Option<&Expr>,
    out: &mut dyn FnMut(Option<SymbolId>, &str),
    prevtoken: ExprType,
) {
    let Some(e) = e else {
        out(None, "y");
        return;
    };
    let ty = ExprType::of(e);
    let paren = expr_compare_type(prevtoken, ty) > 0;
    if paren {
        out(None, "(");
    }
    let left =
        |out: &mut dyn FnMut(Option<SymbolId>, &str), s: SymbolId| match m.sym(s).name.as_deref() {
            Some(name) => out(Some(s), name),
            None => out(None, "<choice>"),
        };
    match e {
        Expr::Symbol(s) => left(out, *s),
        Expr::Not(c) => {
            out(None, "!");
            expr_print(m, Some(c), out, ExprType::Not);
        }
        Expr::Cmp(op, a, b) => {
            left(out, *a);
            out(None, op.as_str());
            out(Some(*b), sym_name(m, *b));
        }
        Expr::Or(l, r) => {
            expr_print(m, Some(l), out, ExprType::Or);
            out(None, " || ");
            expr_print(m, Some(r), out, ExprType::Or);
        }
        Expr::And(l, r) => {
            expr_print(m, Some(l), out, ExprType::And);
            out(None, " && ");
            expr_print(m, Some(r), out, ExprType::And);
        }
        Expr::List(members) => {
            // 6.1 prints each node's symbol, then " ^ " and the rest of the list.
            for (i, s) in members.iter().enumerate() {
                if i > 0 {
                    out(None, " ^ ");
                }
                out(Some(*s), sym_name(m, *s));
            }
        }
        Expr::Range(a, b) => {
            out(None, "[");
            out(Some(*a), sym_name(m, *a));
            out(None, " ");
            out(Some(*b), sym_name(m, *b));
            out(None, "]");
        }
    }
    if paren {
        out(None, ")");
    }
}

/// `expr_fprint`: the expression as conf prints it in its messages, e.g. `A && (B || !C)`.
pub fn expr_to_string(m: &Model, e: Option<&Expr>) -> String {
    let mut s = String::new();
    expr_print(m, e, &mut |_, text| s.push_str(text), ExprType::None);
    s
}

/// `struct gstr`: a growing string, wrapped at `max_width` columns when that is not 0
/// (menuconfig's help sets it to the window width minus 10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gstr {
    pub s: String,
    pub max_width: i32,
}

impl Gstr {
    /// `str_new`
    pub fn new() -> Self {
        Self::default()
    }
}

/// `expr_print_gstr_helper`: appends `text`, and ` [=value]` after a symbol that has a type.
fn gstr_helper(
    m: &Model,
    gs: &mut Gstr,
    value: &dyn Fn(SymbolId) -> String,
    sym: Option<SymbolId>,
    text: &str,
) {
    let sym_str = sym.map(value);
    if gs.max_width != 0 {
        let mut extra_length = text.len() as u32;
        if let Some(v) = &sym_str {
            extra_length = extra_length.wrapping_add(4 + v.len() as u32);
        }
        // From the last newline, itself included, or from the start.
        let last_cr = gs.s.rfind('\n').unwrap_or(0);
        let last_line_length = (gs.s.len() - last_cr) as u32;
        if last_line_length.wrapping_add(extra_length) > gs.max_width as u32 {
            gs.s.push_str("\\\n");
        }
    }
    gs.s.push_str(text);
    if let (Some(s), Some(v)) = (sym, &sym_str) {
        if m.sym(s).ty != SymbolType::Unknown {
            gs.s.push_str(" [=");
            gs.s.push_str(v);
            gs.s.push(']');
        }
    }
}

/// `expr_gstr_print`: the expression with each typed symbol's value, `A [=y] && B [=n]`.
/// `value` is `sym_get_string_value`.
pub fn expr_gstr_print(
    m: &Model,
    e: Option<&Expr>,
    gs: &mut Gstr,
    value: &dyn Fn(SymbolId) -> String,
) {
    expr_print(
        m,
        e,
        &mut |sym, text| gstr_helper(m, gs, value, sym, text),
        ExprType::None,
    );
}

/// `expr_print_revdep`: one `  - term` line for each top-level `||` operand whose value is
/// `pr_type`, the title before the first one.
fn expr_print_revdep(
    m: &Model,
    e: &Expr,
    gs: &mut Gstr,
    pr_type: Tristate,
    title: &mut Option<&str>,
    value: &dyn Fn(SymbolId) -> String,
    calc: &dyn Fn(&Expr) -> Tristate,
) {
    if let Expr::Or(l, r) = e {
        expr_print_revdep(m, l, gs, pr_type, title, value, calc);
        expr_print_revdep(m, r, gs, pr_type, title, value, calc);
    } else if calc(e) == pr_type {
        if let Some(t) = title.take() {
            gstr_helper(m, gs, value, None, t);
        }
        gstr_helper(m, gs, value, None, "  - ");
        expr_gstr_print(m, Some(e), gs, value);
        gstr_helper(m, gs, value, None, "\n");
    }
}

/// `expr_gstr_print_revdep`: the reverse dependencies (`select`/`imply` terms) of value
/// `pr_type` under `title`, e.g. `"  Selected by [y]:\n  - A [=y] && B [=y]\n"`; nothing when none
/// has that value. `calc` is `expr_calc_value`. (The C code dereferences a missing expression;
/// here it prints nothing.)
pub fn expr_gstr_print_revdep(
    m: &Model,
    e: Option<&Expr>,
    gs: &mut Gstr,
    pr_type: Tristate,
    title: &str,
    value: &dyn Fn(SymbolId) -> String,
    calc: &dyn Fn(&Expr) -> Tristate,
) {
    if let Some(e) = e {
        expr_print_revdep(m, e, gs, pr_type, &mut Some(title), value, calc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr_simplify::sexpr::{model, parse};

    /// `sym_get_string_value` of the C harness's symbols (see `expr_simplify::sexpr::model`).
    fn test_value(m: &Model, s: SymbolId) -> String {
        let name = m.sym(s).display_name();
        match name {
            "A" | "C" | "U" => "y",
            "B" | "D" | "V" => "n",
            "T" => "m",
            "S" => "hello",
            "I" => "3",
            "H" => "0x10",
            "X" => "",
            other => other,
        }
        .to_string()
    }

    /// `expr_calc_value` over the harness's bool and tristate symbols.
    fn test_calc(m: &Model, e: &Expr) -> Tristate {
        let tri = |s: SymbolId| match test_value(m, s).as_str() {
            "y" => Tristate::Yes,
            "m" => Tristate::Mod,
            _ => Tristate::No,
        };
        match e {
            Expr::Symbol(s) => tri(*s),
            Expr::And(l, r) => test_calc(m, l).min(test_calc(m, r)),
            Expr::Or(l, r) => test_calc(m, l).max(test_calc(m, r)),
            Expr::Not(c) => match test_calc(m, c) {
                Tristate::Yes => Tristate::No,
                Tristate::Mod => Tristate::Mod,
                Tristate::No => Tristate::Yes,
            },
            Expr::Cmp(op, a, b) => {
                let eq = test_value(m, *a) == test_value(m, *b);
                let t = match op {
                    crate::expr::CmpOp::Equal => eq,
                    crate::expr::CmpOp::Unequal => !eq,
                    _ => panic!("not in the harness's revdep cases"),
                };
                if t {
                    Tristate::Yes
                } else {
                    Tristate::No
                }
            }
            _ => Tristate::No,
        }
    }

    const SAME: &str = "";

    /// (command, 6.1 output, 6.12 output), printed by a harness compiled against each tree's
    /// scripts/kconfig/expr.c, with the values of `test_value`: `F e` expr_fprint; `G e`
    /// expr_gstr_print; `W width e` expr_gstr_print after "  Depends on: " with that max_width;
    /// `R e` expr_gstr_print_revdep for y, m and n. Newlines are shown as `|`.
    const CASES: &[(&str, &str, &str)] = &[
    ("F (! (|| A B))", "!(A || B)", SAME),
    ("F (&& (|| A B) C)", "(A || B) && C", SAME),
    ("F (|| (&& A B) C)", "A && B || C", SAME),
    ("F (! (= T m))", "!T=m", SAME),
    ("F (&& (! A) (!= T y))", "!A && T!=y", SAME),
    ("F (&& (|| A (! (&& B C))) (< I \"5\"))", "(A || !(B && C)) && I<5", SAME),
    ("F (range \"0\" I)", "[0 I]", SAME),
    ("F -", "y", SAME),
    ("F (<= I H)", "I<=H", SAME),
    ("G (&& A (|| B (= T m)))", "A [=y] && (B [=n] || T [=m]=m [=m])", SAME),
    ("G (|| (= S \"foo\") (! X))", "S [=hello]=foo || !X", SAME),
    ("G -", "y", SAME),
    ("W 20 (&& A (|| B (&& C (&& D (= T m)))))", "  Depends on: A [=y]\\| && (B [=n] || \\|C [=y] && D [=n]\\| && T [=m]=m [=m])", SAME),
    ("W 30 (|| (= S \"foo\") (&& I (|| H (&& U V))))", "  Depends on: S [=hello]=\\|foo || I [=3] && (H [=0x10]\\| || U [=y] && V [=n])", SAME),
    ("R (|| (&& A T) (|| B (&& U C)))", "  Selected by [y]:|  - U [=y] && C [=y]|  Selected by [m]:|  - A [=y] && T [=m]|  Selected by [n]:|  - B [=n]|", SAME),
    ("R (|| A (|| (&& T U) (! V)))", "  Selected by [y]:|  - A [=y]|  - !V [=n]|  Selected by [m]:|  - T [=m] && U [=y]|", SAME),
    ("R (&& A T)", "  Selected by [m]:|  - A [=y] && T [=m]|", SAME),
    ];

    fn run_case(line: &str) -> String {
        let mut m = model();
        let (cmd, rest) = line.split_once(' ').unwrap();
        let (width, rest) = match cmd {
            "W" => rest.split_once(' ').unwrap(),
            _ => ("0", rest),
        };
        let e = parse(&mut m, rest);
        let m = &m;
        let value = |s| test_value(m, s);
        let mut gs = Gstr::new();
        match cmd {
            "F" => return expr_to_string(m, e.as_ref()),
            "G" => expr_gstr_print(m, e.as_ref(), &mut gs, &value),
            "W" => {
                gs = Gstr {
                    s: "  Depends on: ".into(),
                    max_width: width.parse().unwrap(),
                };
                expr_gstr_print(m, e.as_ref(), &mut gs, &value);
            }
            "R" => {
                for (t, title) in [
                    (Tristate::Yes, "  Selected by [y]:\n"),
                    (Tristate::Mod, "  Selected by [m]:\n"),
                    (Tristate::No, "  Selected by [n]:\n"),
                ] {
                    let calc = |e: &Expr| test_calc(m, e);
                    expr_gstr_print_revdep(m, e.as_ref(), &mut gs, t, title, &value, &calc);
                }
            }
            _ => panic!("unknown command {cmd}"),
        }
        gs.s.replace('\n', "|")
    }

    #[test]
    fn output_matches_the_c_code() {
        for &(line, v61, v612) in CASES {
            assert!(v612 == SAME, "printing is the same in both versions");
            assert_eq!(run_case(line), v61, "{line}");
        }
    }

    #[test]
    fn choice_lists_print_as_in_6_1() {
        let mut m = model();
        let (a, b) = (m.find("A").unwrap(), m.find("B").unwrap());
        let c = m.lookup_choice(None);
        assert_eq!(expr_to_string(&m, Some(&Expr::List(vec![a, b]))), "A ^ B");
        assert_eq!(expr_to_string(&m, Some(&Expr::Symbol(c))), "<choice>");
    }

    #[test]
    fn parentheses_follow_expr_compare_type() {
        use ExprType::*;
        assert!(expr_compare_type(Not, And) > 0);
        assert!(expr_compare_type(Not, Or) > 0);
        assert!(expr_compare_type(And, Or) > 0);
        assert!(expr_compare_type(Or, And) < 0);
        assert!(expr_compare_type(Not, Equal) < 0);
        assert!(expr_compare_type(None, Or) < 0);
        assert_eq!(expr_compare_type(And, And), 0);
    }
}
