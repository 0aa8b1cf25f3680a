//! `expr_eliminate_dups` of 6.1 and 6.12, the hot path of `menu_finalize`.
//!
//! 6.1's `expr_eliminate_dups1(type, &e, &e)` walks two pointers into the same tree: it recurses
//! down to the leaves of the top-level `&&` (or `||`) for `e1`, and for each of them down to the
//! leaves of the same tree for `e2`. Joining only ever replaces leaves by leaves (`y`/`n`, a
//! comparison, a symbol, or a copy of a leaf), so the skeleton of `type` nodes above the leaves
//! never changes during a pass: the pass is exactly "for each leaf i, for each leaf j != i, in
//! order: first `expr_eliminate_dups1` on leaf i itself if it is an `||`/`&&`, then join i with j",
//! and that is how it is written here, over a list of the leaves' slots.
//!
//! Two facts make it fast without changing a result:
//! - a call that joins nothing changes nothing, and calling it again on the same leaf gives the
//!   same answer: a leaf whose nested pass joined nothing is not walked again until it changes;
//! - `expr_eliminate_dups` returns an expression whose last pass joined nothing (6.1), or whose
//!   operands are their own results (6.12), so it returns its own results unchanged. The
//!   dependencies `menu_finalize` builds are `expr_eliminate_dups(A && B)` where `A` is such a
//!   result (the parent's dependency): [`expr_eliminate_dups_and`] takes that as known, and never
//!   compares two leaves of `A` that no join has touched (those comparisons all failed in the
//!   pass that produced `A`).

use super::{
    alloc_two, eliminate_yn_v61, eliminate_yn_v612, has_immutable_exprs, join, ExprType,
    KernelVersion,
};
use crate::expr::Expr;
use crate::model::Model;

/// `expr_eliminate_dups`: removes ("joins") duplicate and redundant operands, e.g.
/// `A || B || A -> A || B` and `A && B && A=y -> A=y && B`.
pub fn expr_eliminate_dups(m: &Model, v: KernelVersion, e: Option<Expr>) -> Option<Expr> {
    let e = e?;
    Some(if has_immutable_exprs(v) {
        eliminate_dups_v612(m, v, e)
    } else {
        eliminate_dups_v61(m, v, e, 0)
    })
}

/// `expr_eliminate_dups(expr_alloc_and(expr_copy(left), right))`, for a `left` that
/// `expr_eliminate_dups` returned (the caller's guarantee; `left` is then returned unchanged by
/// it, and so are any two of its leaves compared with each other).
pub fn expr_eliminate_dups_and(
    m: &Model,
    v: KernelVersion,
    left: Option<&Expr>,
    right: Option<Expr>,
) -> Option<Expr> {
    let (left, right) = match (left, right) {
        (None, right) => return expr_eliminate_dups(m, v, right),
        (Some(left), None) => return Some(left.clone()),
        (Some(left), Some(right)) => (left, right),
    };
    debug_assert_eq!(
        expr_eliminate_dups(m, v, Some(left.clone())).as_ref(),
        Some(left),
        "the left operand must be a result of expr_eliminate_dups"
    );
    Some(if has_immutable_exprs(v) {
        // The first round of the loop, with the left operand's own elimination known.
        let mut count = 0;
        let mut l = left.clone();
        let mut r = eliminate_dups_v612(m, v, right);
        expr_eliminate_dups1_v612(m, v, ExprType::And, &mut l, &mut r, &mut count);
        let e = alloc_two(ExprType::And, l, r);
        let e = eliminate_yn_v612(&e).unwrap_or(e);
        if count == 0 {
            e
        } else {
            eliminate_dups_v612(m, v, e)
        }
    } else {
        let known = leaf_count(left, ExprType::And);
        eliminate_dups_v61(m, v, alloc_two(ExprType::And, left.clone(), right), known)
    })
}

/// The number of leaves of `e` at the level of a `ty` node.
fn leaf_count(e: &Expr, ty: ExprType) -> usize {
    match e {
        Expr::And(l, r) if ty == ExprType::And => leaf_count(l, ty) + leaf_count(r, ty),
        Expr::Or(l, r) if ty == ExprType::Or => leaf_count(l, ty) + leaf_count(r, ty),
        _ => 1,
    }
}

/// The slots of the leaves of `e` at the level of a `ty` node, left to right: the nodes where the
/// C recursion "down to leaves" stops.
fn leaves<'a>(e: &'a mut Expr, ty: ExprType, out: &mut Vec<&'a mut Expr>) {
    if ExprType::of(e) == ty {
        if let Expr::And(l, r) | Expr::Or(l, r) = e {
            leaves(l, ty, out);
            leaves(r, ty, out);
        }
    } else {
        out.push(e);
    }
}

fn is_and_or(e: &Expr) -> bool {
    matches!(e, Expr::And(..) | Expr::Or(..))
}

/// The state of one leaf during a pass.
#[derive(Clone, Copy)]
struct Leaf {
    /// Written by a join, or changed by its own nested pass, in this pass.
    changed: bool,
    /// Its nested pass is known to join nothing (until it changes).
    settled: bool,
}

/// One pass of 6.1's `expr_eliminate_dups1(type, &e, &e)` over the leaves of a `type` node. The
/// first `known` leaves are those of an `expr_eliminate_dups` result: until a join touches them,
/// they do not join with each other and their nested passes join nothing.
fn pass_v61(
    m: &Model,
    v: KernelVersion,
    ty: ExprType,
    slots: &mut [&mut Expr],
    known: usize,
    count: &mut u32,
) {
    let k = slots.len();
    let mut state: Vec<Leaf> = (0..k)
        .map(|i| Leaf {
            changed: false,
            settled: i < known,
        })
        .collect();
    for i in 0..k {
        for j in 0..k {
            if i == j {
                // e1 == e2: the same node.
                continue;
            }
            let (si, sj) = (state[i], state[j]);
            if i < known && j < known && !si.changed && !sj.changed {
                continue;
            }
            if !si.settled && is_and_or(slots[i]) {
                let before = *count;
                expr_eliminate_dups1_self_v61(m, v, slots[i], count);
                if *count == before {
                    state[i].settled = true;
                } else {
                    state[i].changed = true;
                }
            }
            if let Some((yn, tmp)) = join(m, v, ty, slots[i], slots[j]) {
                *slots[i] = Expr::Symbol(yn);
                *slots[j] = tmp;
                *count += 1;
                for s in [i, j] {
                    state[s] = Leaf {
                        changed: true,
                        settled: false,
                    };
                }
            }
        }
    }
}

/// `expr_eliminate_dups1(e->type, &e, &e)` of 6.1 on an `&&`/`||` node.
fn expr_eliminate_dups1_self_v61(m: &Model, v: KernelVersion, e: &mut Expr, count: &mut u32) {
    let ty = ExprType::of(e);
    let mut slots = Vec::new();
    leaves(e, ty, &mut slots);
    pass_v61(m, v, ty, &mut slots, 0, count);
}

/// 6.1's `expr_eliminate_dups`; the first `known` leaves of the first pass are those of an
/// `expr_eliminate_dups` result (see [`pass_v61`]).
fn eliminate_dups_v61(m: &Model, v: KernelVersion, mut e: Expr, mut known: usize) -> Expr {
    loop {
        let mut count = 0;
        let ty = ExprType::of(&e);
        if is_and_or(&e) {
            let mut slots = Vec::new();
            leaves(&mut e, ty, &mut slots);
            pass_v61(m, v, ty, &mut slots, known, &mut count);
        }
        if count == 0 {
            return e;
        }
        e = eliminate_yn_v61(e);
        known = 0;
    }
}

/// `expr_eliminate_dups1` of 6.12: the leaves of `e1` against the leaves of `e2`, two separate
/// trees.
fn expr_eliminate_dups1_v612(
    m: &Model,
    v: KernelVersion,
    ty: ExprType,
    e1: &mut Expr,
    e2: &mut Expr,
    count: &mut u32,
) {
    if ExprType::of(e1) == ty {
        if let Expr::And(l, r) | Expr::Or(l, r) = e1 {
            expr_eliminate_dups1_v612(m, v, ty, l, e2, count);
            expr_eliminate_dups1_v612(m, v, ty, r, e2, count);
        }
        return;
    }
    if ExprType::of(e2) == ty {
        if let Expr::And(l, r) | Expr::Or(l, r) = e2 {
            expr_eliminate_dups1_v612(m, v, ty, e1, l, count);
            expr_eliminate_dups1_v612(m, v, ty, e1, r, count);
        }
        return;
    }
    if let Some((yn, tmp)) = join(m, v, ty, e1, e2) {
        *e1 = Expr::Symbol(yn);
        *e2 = tmp;
        *count += 1;
    }
}

fn eliminate_dups_v612(m: &Model, v: KernelVersion, mut e: Expr) -> Expr {
    loop {
        let mut count = 0;
        e = match e {
            Expr::And(l, r) => eliminate_dups_level_v612(m, v, ExprType::And, *l, *r, &mut count),
            Expr::Or(l, r) => eliminate_dups_level_v612(m, v, ExprType::Or, *l, *r, &mut count),
            other => other,
        };
        e = eliminate_yn_v612(&e).unwrap_or(e);
        if count == 0 {
            return e;
        }
    }
}

/// The E_OR/E_AND branch of 6.12's `expr_eliminate_dups`: each side on its own (the nested calls
/// keep their own `trans_count`), then the left leaves against the right leaves.
fn eliminate_dups_level_v612(
    m: &Model,
    v: KernelVersion,
    ty: ExprType,
    l: Expr,
    r: Expr,
    count: &mut u32,
) -> Expr {
    let mut l = eliminate_dups_v612(m, v, l);
    let mut r = eliminate_dups_v612(m, v, r);
    expr_eliminate_dups1_v612(m, v, ty, &mut l, &mut r, count);
    alloc_two(ty, l, r)
}

#[cfg(test)]
mod tests {
    //! The passes against the literal port of the C code they replace (pointers into the live
    //! tree addressed by path from the root), on random expressions.
    use super::*;
    use crate::expr::CmpOp;
    use crate::expr_simplify::sexpr::model;
    use crate::model::{SymbolId, SYM_MOD, SYM_NO, SYM_YES};

    fn node_at<'a>(root: &'a Expr, path: &[u8]) -> &'a Expr {
        path.iter().fold(root, |e, &d| match e {
            Expr::And(l, r) | Expr::Or(l, r) => {
                if d == 0 {
                    l
                } else {
                    r
                }
            }
            other => other,
        })
    }

    fn node_at_mut<'a>(root: &'a mut Expr, path: &[u8]) -> &'a mut Expr {
        let mut e = root;
        for &d in path {
            e = match e {
                Expr::And(l, r) | Expr::Or(l, r) => {
                    if d == 0 {
                        l
                    } else {
                        r
                    }
                }
                other => return other,
            };
        }
        e
    }

    /// `expr_eliminate_dups1(type, ep1, ep2)` of 6.1, line by line.
    fn reference_dups1(
        m: &Model,
        v: KernelVersion,
        root: &mut Expr,
        ty: ExprType,
        p1: &mut Vec<u8>,
        p2: &mut Vec<u8>,
        count: &mut u32,
    ) {
        if ExprType::of(node_at(root, p1)) == ty {
            for d in [0, 1] {
                p1.push(d);
                reference_dups1(m, v, root, ty, p1, p2, count);
                p1.pop();
            }
            return;
        }
        if ExprType::of(node_at(root, p2)) == ty {
            for d in [0, 1] {
                p2.push(d);
                reference_dups1(m, v, root, ty, p1, p2, count);
                p2.pop();
            }
            return;
        }
        if p1 == p2 {
            return;
        }
        let t1 = ExprType::of(node_at(root, p1));
        if matches!(t1, ExprType::Or | ExprType::And) {
            let (mut q1, mut q2) = (p1.clone(), p1.clone());
            reference_dups1(m, v, root, t1, &mut q1, &mut q2, count);
        }
        if let Some((yn, tmp)) = join(m, v, ty, node_at(root, p1), node_at(root, p2)) {
            *node_at_mut(root, p1) = Expr::Symbol(yn);
            *node_at_mut(root, p2) = tmp;
            *count += 1;
        }
    }

    fn reference_v61(m: &Model, v: KernelVersion, mut e: Expr) -> Expr {
        loop {
            let mut count = 0;
            let ty = ExprType::of(&e);
            if is_and_or(&e) {
                reference_dups1(
                    m,
                    v,
                    &mut e,
                    ty,
                    &mut Vec::new(),
                    &mut Vec::new(),
                    &mut count,
                );
            }
            if count == 0 {
                return e;
            }
            e = eliminate_yn_v61(e);
        }
    }

    /// A small deterministic generator (xorshift), so that failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Random expressions over few symbols, so that duplicates and joins are frequent.
    fn random_expr(m: &Model, rng: &mut Rng, depth: u32) -> Expr {
        let syms: Vec<SymbolId> = ["A", "B", "C", "T", "U"]
            .iter()
            .map(|n| m.find(n).unwrap())
            .chain([SYM_YES, SYM_MOD, SYM_NO])
            .collect();
        let pick = |rng: &mut Rng| syms[rng.below(syms.len() as u64) as usize];
        let leaf = depth == 0 || rng.below(3) == 0;
        if leaf {
            return match rng.below(4) {
                0 | 1 => Expr::Symbol(pick(rng)),
                2 => Expr::Not(Box::new(Expr::Symbol(pick(rng)))),
                _ => {
                    let op = [CmpOp::Equal, CmpOp::Unequal][rng.below(2) as usize];
                    let consts = [SYM_YES, SYM_MOD, SYM_NO];
                    Expr::Cmp(op, pick(rng), consts[rng.below(3) as usize])
                }
            };
        }
        let l = Box::new(random_expr(m, rng, depth - 1));
        let r = Box::new(random_expr(m, rng, depth - 1));
        if rng.below(2) == 0 {
            Expr::And(l, r)
        } else {
            Expr::Or(l, r)
        }
    }

    #[test]
    fn the_pass_over_leaf_slots_is_the_c_recursion() {
        let m = model();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..30_000 {
            let depth = 1 + rng.below(5) as u32;
            let e = random_expr(&m, &mut rng, depth);
            let expected = reference_v61(&m, (6, 1), e.clone());
            assert_eq!(
                eliminate_dups_v61(&m, (6, 1), e.clone(), 0),
                expected,
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_known_left_operand_changes_nothing() {
        let m = model();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for v in [(6, 1), (6, 12)] {
            for _ in 0..30_000 {
                let dl = 1 + rng.below(5) as u32;
                let dr = rng.below(4) as u32;
                let left = expr_eliminate_dups(&m, v, Some(random_expr(&m, &mut rng, dl)));
                let right = (rng.below(4) != 0).then(|| random_expr(&m, &mut rng, dr));
                let full = expr_eliminate_dups(&m, v, Expr::and(left.clone(), right.clone()));
                if v == (6, 1) {
                    let reference =
                        Expr::and(left.clone(), right.clone()).map(|e| reference_v61(&m, v, e));
                    assert_eq!(full, reference);
                }
                let fast = expr_eliminate_dups_and(&m, v, left.as_ref(), right.clone());
                assert_eq!(fast, full, "{v:?}: {left:?} && {right:?}");
            }
        }
    }
}
