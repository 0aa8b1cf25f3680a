//! Explaining why a symbol's value differs between two evaluated configurations, by comparing
//! its provenance ([`crate::why`]) on each side: the user's value, the prompts, the direct
//! dependencies, selects and implies, the default that applies, the choice, the range.

use kconfig_parser::eval::{tri_str, Config, Tristate};

use super::cause::{Cause, ValueChange};
use crate::why::{choice_text, default_text, reverse_text, Condition, Provenance, Reverse, Source};

/// The two configurations compared, and how to name their trees.
pub(crate) struct Sides<'x, 'a, 'b> {
    /// The configuration before (OLD, or what olddefconfig makes of OLD).
    pub before: &'x mut Config<'a>,
    /// The configuration after.
    pub after: &'x mut Config<'b>,
    /// The release of the tree after (`6.12.57`).
    pub after_tree: &'x str,
}

/// A symbol's value by name in a configuration, `None` when the tree does not define it.
pub(crate) fn value_of(cfg: &mut Config<'_>, name: &str) -> Option<String> {
    let s = cfg.model().find(name)?;
    if cfg.model().sym(s).menus.is_empty() {
        return None;
    }
    cfg.sym_calc_value(s);
    Some(cfg.sym_get_string_value(s).to_string())
}

/// The symbols two conditions name whose values differ between the sides.
fn value_changes(sides: &mut Sides<'_, '_, '_>, lists: &[&[(String, String)]]) -> Vec<ValueChange> {
    let mut names: Vec<&str> = Vec::new();
    for l in lists {
        for (n, _) in l.iter() {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let mut out = Vec::new();
    for n in names {
        let old = value_of(sides.before, n);
        let new = value_of(sides.after, n);
        if old != new {
            out.push(ValueChange {
                symbol: n.to_string(),
                old,
                new,
            });
        }
    }
    out
}

/// One line on how a provenance's value comes about ("set by the user", "selected by ...").
pub fn describe(p: &Provenance) -> String {
    match p.source {
        Source::Undefined => "not defined".into(),
        Source::User => match &p.user {
            Some(u) => format!("set by the user to {u}"),
            None => "set by the user".into(),
        },
        Source::Choice => match &p.choice {
            Some(c) => choice_text(c),
            None => "decided by its choice".into(),
        },
        Source::Selected => format!("selected by {}", reverse_list(&p.selected_by)),
        Source::Implied => format!("implied by {}", reverse_list(&p.implied_by)),
        Source::Default => match &p.default {
            Some(d) => default_text(d),
            None => "its default".into(),
        },
        Source::NoValue => {
            let dep = p.depends.as_ref().filter(|d| d.value == Tristate::No);
            match (dep, p.written) {
                (Some(d), _) => format!("unmet dependency: depends on {d}"),
                (None, false) if p.prompts.is_empty() => {
                    "no prompt and no default applies: not written".into()
                }
                (None, false) => "prompt hidden and no default applies: not written".into(),
                (None, true) => "no default applies".into(),
            }
        }
    }
}

fn reverse_list(r: &[Reverse]) -> String {
    r.iter().map(reverse_text).collect::<Vec<_>>().join(", ")
}

/// The symbols a condition names, with their values.
fn syms(c: Option<&Condition>) -> &[(String, String)] {
    c.map_or(&[], |c| c.symbols.as_slice())
}

fn tri(c: Option<&Condition>) -> Tristate {
    c.map_or(Tristate::Yes, |c| c.value)
}

/// Each prompt with its condition and values.
fn prompt_conditions(p: &Provenance) -> Vec<String> {
    p.prompts
        .iter()
        .map(|pr| match &pr.condition {
            Some(c) => format!("\"{}\" if {c}", pr.text),
            None => format!("\"{}\"", pr.text),
        })
        .collect()
}

/// Whether the default is what decides the value on that side.
fn default_decides(p: &Provenance) -> bool {
    matches!(
        p.source,
        Source::Default | Source::NoValue | Source::Implied
    )
}

/// The top-level `&&` terms of an expression as conf prints it (`A && (B || C)` gives `A`
/// and `B || C`); the whole expression when its top is not `&&`.
fn conjuncts(e: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let b = e.as_bytes();
    let mut i = 0;
    let mut top_or = false;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'|' if depth == 0 && b.get(i + 1) == Some(&b'|') => top_or = true,
            b'&' if depth == 0 && b.get(i + 1) == Some(&b'&') => {
                out.push(e[start..i].trim().to_string());
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if top_or {
        return vec![e.trim().to_string()];
    }
    out.push(e[start..].trim().to_string());
    out.retain(|t| !t.is_empty());
    out
}

/// The direct dependencies changed value: which symbols changed, which terms came and went.
fn dependency_cause(sides: &mut Sides<'_, '_, '_>, b: &Provenance, a: &Provenance) -> Cause {
    let (bd, ad) = (tri(b.depends.as_ref()), tri(a.depends.as_ref()));
    let changes = value_changes(sides, &[syms(b.depends.as_ref()), syms(a.depends.as_ref())]);
    let old = b.depends.as_ref().map(|c| c.expr.clone());
    let new = a.depends.as_ref().map(|c| c.expr.clone());
    let (bt, at) = (
        old.as_deref().map(conjuncts).unwrap_or_default(),
        new.as_deref().map(conjuncts).unwrap_or_default(),
    );
    let added_terms = at.iter().filter(|t| !bt.contains(t)).cloned().collect();
    let removed_terms = bt.iter().filter(|t| !at.contains(t)).cloned().collect();
    Cause::DependencyChanged {
        old,
        new,
        now: a.depends.as_ref().map(|c| c.with_values.clone()),
        added_terms,
        removed_terms,
        old_value: tri_str(bd).into(),
        new_value: tri_str(ad).into(),
        changes,
    }
}

/// The causes of the difference between `b` (before) and `a` (after); empty when both sides
/// compute the same value and write it alike.
pub(crate) fn explain(sides: &mut Sides<'_, '_, '_>, b: &Provenance, a: &Provenance) -> Vec<Cause> {
    let tree = sides.after_tree.to_string();
    match (b.defined(), a.defined()) {
        (false, false) => return vec![Cause::NotDefined { tree }],
        (true, false) => return vec![Cause::RemovedFromTree { tree }],
        (false, true) => {
            return vec![Cause::NewSymbol {
                tree,
                how: describe(a),
            }]
        }
        (true, true) => {}
    }
    if b.value == a.value && b.written == a.written {
        return Vec::new();
    }
    let mut out = Vec::new();
    if b.ty != a.ty {
        out.push(Cause::TypeChanged {
            old: b.ty.keyword().into(),
            new: a.ty.keyword().into(),
        });
    }
    let (bd, ad) = (tri(b.depends.as_ref()), tri(a.depends.as_ref()));
    let dep_changed = bd != ad;
    if dep_changed {
        out.push(dependency_cause(sides, b, a));
    }
    choice_membership(b, a, &mut out);
    let shown = !dep_changed && visibility_causes(b, a, &mut out);
    if !(shown && b.user.is_none()) {
        user_causes(b, a, &mut out);
    }
    if a.source == Source::Selected || b.source == Source::Selected {
        reverse_causes(b, a, true, &mut out);
    }
    if a.source == Source::Implied || b.source == Source::Implied {
        reverse_causes(b, a, false, &mut out);
    }
    if let (Some(bc), Some(ac)) = (&b.choice, &a.choice) {
        if bc.chosen != ac.chosen {
            out.push(Cause::ChoiceSwitched {
                choice: ac.prompt.clone(),
                old: bc.chosen.clone(),
                new: ac.chosen.clone(),
                by_user: ac.by_user,
            });
        }
    }
    // A dependency that became (or stopped being) n also switches the defaults off (or on):
    // their conditions include it.
    let dep_explains = dep_changed && (bd == Tristate::No || ad == Tristate::No);
    // A prompt that came or went says how the value is computed now.
    if default_decides(a) && !dep_explains && !shown {
        default_causes(sides, b, a, &mut out);
    }
    if let Some(r) = &a.clamped_by {
        if b.clamped_by.as_ref() != Some(r) {
            out.push(Cause::Clamped { range: r.clone() });
        }
    }
    if out.is_empty() {
        out.push(Cause::Computed {
            old: describe(b),
            new: describe(a),
        });
    }
    out
}

/// The symbol joined or left a choice.
fn choice_membership(b: &Provenance, a: &Provenance, out: &mut Vec<Cause>) {
    match (&b.choice, &a.choice) {
        (Some(bc), None) => out.push(Cause::ChoiceLeft {
            choice: bc.prompt.clone(),
            now: describe(a),
        }),
        (None, Some(ac)) => out.push(Cause::ChoiceJoined {
            choice: ac.prompt.clone(),
            now: describe(a),
        }),
        _ => {}
    }
}

/// A prompt that appeared, went, or changed visibility (when the dependencies did not).
/// Returns whether one did.
fn visibility_causes(b: &Provenance, a: &Provenance, out: &mut Vec<Cause>) -> bool {
    let now = describe(a);
    let n = out.len();
    if b.prompts.is_empty() && !a.prompts.is_empty() {
        out.push(Cause::PromptAdded { now });
    } else if !b.prompts.is_empty() && a.prompts.is_empty() {
        out.push(Cause::PromptRemoved { now });
    } else if b.visible == Tristate::No && a.visible != Tristate::No {
        out.push(Cause::PromptShown {
            prompts: prompt_conditions(a),
            now,
        });
    } else if b.visible != Tristate::No && a.visible == Tristate::No {
        out.push(Cause::PromptHidden {
            prompts: prompt_conditions(a),
            now,
        });
    }
    out.len() > n
}

/// The user's value changed and decides.
fn user_causes(b: &Provenance, a: &Provenance, out: &mut Vec<Cause>) {
    // A value the new type does not take (m for a bool) is dropped by conf_read; the type
    // change says so.
    let changed = b.user != a.user && !(a.user.is_none() && b.ty != a.ty);
    let user_choice = |p: &Provenance| p.choice.as_ref().is_some_and(|c| c.by_user);
    if changed && (a.source.is_user() || b.source.is_user() || user_choice(a)) {
        out.push(Cause::SetByUser {
            old: b.user.clone(),
            new: a.user.clone(),
        });
    }
}

/// Selects (or implies) that started or stopped deciding the value, or decide another value.
fn reverse_causes(b: &Provenance, a: &Provenance, select: bool, out: &mut Vec<Cause>) {
    let (br, ar) = if select {
        (&b.selected_by, &a.selected_by)
    } else {
        (&b.implied_by, &a.implied_by)
    };
    // Only the strongest terms decide; of a selector's several terms, the first is shown.
    let strongest = |r: &[Reverse]| r.iter().map(|x| x.value).max();
    let mut seen: Vec<&str> = Vec::new();
    if let Some(top) = strongest(ar) {
        for r in ar.iter().filter(|x| x.value == top) {
            if seen.contains(&r.by.as_str()) {
                continue;
            }
            seen.push(&r.by);
            let before = br.iter().filter(|x| x.by == r.by).map(|x| x.value).max();
            if before != Some(r.value) {
                let (by, term) = (r.by.clone(), reverse_text(r));
                let before = before.map(|v| tri_str(v).to_string());
                out.push(if select {
                    Cause::NewlySelected { by, before, term }
                } else {
                    Cause::NewlyImplied { by, before, term }
                });
            }
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    if let Some(top) = strongest(br) {
        for r in br.iter().filter(|x| x.value == top) {
            if seen.contains(&r.by.as_str()) || ar.iter().any(|x| x.by == r.by) {
                continue;
            }
            seen.push(&r.by);
            let (by, was) = (r.by.clone(), reverse_text(r));
            out.push(if select {
                Cause::NoLongerSelected { by, was }
            } else {
                Cause::NoLongerImplied { by, was }
            });
        }
    }
}

/// A default that changed, or reads symbols that changed.
fn default_causes(
    sides: &mut Sides<'_, '_, '_>,
    b: &Provenance,
    a: &Provenance,
    out: &mut Vec<Cause>,
) {
    let key = |d: &crate::why::DefaultUsed| {
        (d.expr.clone(), d.condition.as_ref().map(|c| c.expr.clone()))
    };
    match (&b.default, &a.default) {
        (Some(bd), Some(ad)) if key(bd) != key(ad) => out.push(Cause::DefaultChanged {
            old: default_text(bd),
            new: default_text(ad),
        }),
        (Some(bd), Some(ad)) if bd.value != ad.value => {
            let changes = value_changes(
                sides,
                &[
                    &bd.reads,
                    &ad.reads,
                    syms(bd.condition.as_ref()),
                    syms(ad.condition.as_ref()),
                ],
            );
            let mut default = format!("default {}", ad.expr);
            if let Some(c) = &ad.condition {
                default.push_str(&format!(" if {}", c.expr));
            }
            out.push(Cause::DefaultInputChanged {
                default,
                old: bd.value.clone(),
                new: ad.value.clone(),
                changes,
            });
        }
        (Some(bd), None) => out.push(Cause::DefaultChanged {
            old: default_text(bd),
            new: "no default applies".into(),
        }),
        (None, Some(ad)) => out.push(Cause::DefaultChanged {
            old: "no default applied".into(),
            new: default_text(ad),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::testkit::{config, model, sym};
    use crate::why::provenance;

    const HEAD: &str =
        "config MODULES\n\tbool \"m\"\n\tmodules\nconfig A\n\tbool \"A\"\nconfig B\n\tbool \"B\"\n";

    /// The causes of X's change from (tree a, config ca) to (tree b, config cb).
    fn causes(a: &str, ca: &str, b: &str, cb: &str) -> Vec<Cause> {
        let (va, vb) = ((6, 1), (6, 12));
        let (ma, mb) = (
            model(&format!("{HEAD}{a}"), va),
            model(&format!("{HEAD}{b}"), vb),
        );
        let mut before = config(&ma, va, ca);
        let mut after = config(&mb, vb, cb);
        let pb = provenance(&mut before, sym(&ma, "X"));
        let pa = provenance(&mut after, sym(&mb, "X"));
        let mut sides = Sides {
            before: &mut before,
            after: &mut after,
            after_tree: "6.12.0",
        };
        explain(&mut sides, &pb, &pa)
    }

    #[test]
    fn splits_top_level_conjunctions_only() {
        assert_eq!(conjuncts("A && (B || C) && !D"), ["A", "(B || C)", "!D"]);
        assert_eq!(conjuncts("A && B || C"), ["A && B || C"]);
        assert_eq!(conjuncts("A"), ["A"]);
    }

    #[test]
    fn a_changed_default() {
        let c = causes(
            "config X\n\tbool\n\tdefault y\n",
            "CONFIG_A=y\n",
            "config X\n\tbool\n\tdefault A && B\n",
            "CONFIG_A=y\n",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            c[0].to_string(),
            "default changed: was default y at Kconfig:10; now default A && B (= n) at Kconfig:10"
        );
    }

    #[test]
    fn a_dependency_that_gained_a_term() {
        let c = causes(
            "config X\n\tbool \"X\"\n\tdepends on A\n",
            "CONFIG_A=y\nCONFIG_X=y\n",
            "config X\n\tbool \"X\"\n\tdepends on A && B\n",
            "CONFIG_A=y\nCONFIG_X=y\n",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            c[0].to_string(),
            "dependency changed (y -> n); now also depends on B; depends on A [=y] && B [=n]"
        );
    }

    #[test]
    fn a_dependency_whose_symbol_changed() {
        let c = causes(
            "config X\n\tbool \"X\"\n\tdepends on B\n",
            "CONFIG_B=y\nCONFIG_X=y\n",
            "config X\n\tbool \"X\"\n\tdepends on B\n",
            "CONFIG_X=y\n",
        );
        assert!(
            matches!(&c[0], Cause::DependencyChanged { changes, .. }
                if changes.len() == 1 && changes[0].to_string() == "B y -> n"),
            "{c:?}"
        );
    }

    #[test]
    fn a_new_select_and_a_new_symbol() {
        let c = causes(
            "config X\n\tbool\n",
            "CONFIG_A=y\n",
            "config X\n\tbool\nconfig S\n\tdef_bool A\n\tselect X\n",
            "CONFIG_A=y\n",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].to_string(), "newly selected by S (= y) at Kconfig:12");
        let (ma, mb) = (
            model(HEAD, (6, 1)),
            model(&format!("{HEAD}config X\n\tdef_bool y\n"), (6, 12)),
        );
        let (mut before, mut after) = (config(&ma, (6, 1), ""), config(&mb, (6, 12), ""));
        let pb = crate::why::Provenance::undefined("X");
        let pa = provenance(&mut after, sym(&mb, "X"));
        let mut sides = Sides {
            before: &mut before,
            after: &mut after,
            after_tree: "6.12.0",
        };
        let c = explain(&mut sides, &pb, &pa);
        assert_eq!(
            c[0].to_string(),
            "new symbol in 6.12.0: default y at Kconfig:9"
        );
    }

    #[test]
    fn a_hidden_prompt_and_a_choice_switch() {
        let c = causes(
            "config X\n\tbool \"X\"\n\tdefault y\n",
            "# CONFIG_X is not set\n",
            "config X\n\tbool \"X\" if B\n\tdefault y\n",
            "# CONFIG_X is not set\n",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(matches!(c[0], Cause::PromptHidden { .. }), "{c:?}");
        assert!(
            c[0].to_string().ends_with("now default y at Kconfig:10"),
            "{}",
            c[0]
        );

        let ch = "choice\n\tprompt \"Pick\"\n\tdefault X\nconfig X\n\tbool \"x\"\nconfig Y\n\tbool \"y\"\nendchoice\n";
        let c = causes(ch, "CONFIG_X=y\n", ch, "CONFIG_Y=y\n");
        assert!(
            c.iter()
                .any(|c| c.to_string() == "choice \"Pick\" switched from X to Y (the user's pick)"),
            "{c:?}"
        );
    }
}
