//! The order of `for_all_symbols`: conf's symbol hash table, bucket by bucket.
//!
//! conf visits symbols in hash-table order in several places whose output is order-sensitive:
//! `conf_read` evaluates every symbol in that order (so the "unmet direct dependencies"
//! warnings come out in it), and `include/config/auto.conf` and `autoconf.h` list symbols in it.
//! The table hashes names with FNV-1a (`strhash`/`hash_str`) into 9973 buckets until 6.9
//! and 16384 since (scripts/include/hashtable.h), and pushes each new symbol onto the head of its bucket, so within a bucket
//! the newest symbol comes first. Symbols are created in parse order, which is the order of
//! [`SymbolId`]s in the model; `y`, `m`, `n` and the empty symbol are not in the table.

use crate::expr_simplify::KernelVersion;
use crate::model::{Model, SymbolId};

/// `strhash` (6.1) / `hash_str` (6.12): 32-bit FNV-1a over the name's bytes. `char` is signed on
/// the x86 hosts conf runs on, so bytes above 0x7f are sign-extended as the C code does.
pub fn strhash(name: &str) -> u32 {
    let mut hash: u32 = 2_166_136_261;
    for &b in name.as_bytes() {
        hash = (hash ^ (b as i8 as i32 as u32)).wrapping_mul(0x0100_0193);
    }
    hash
}

/// `SYMBOL_HASHSIZE` of a release: 9973 until the table became a `hashtable.h` table in 6.9
/// (verified on 6.1 and 6.12; the exact release of the switch is from the kernel's history).
pub fn symbol_hashsize(v: KernelVersion) -> u32 {
    if v >= (6, 9) {
        1 << 14
    } else {
        9973
    }
}

/// The first symbol id that lives in the hash table (after `y`, `m`, `n` and `""`).
pub const FIRST_TABLE_SYMBOL: u32 = 4;

/// Every symbol of the hash table in `for_all_symbols` order.
pub fn for_all_symbols_order(model: &Model, v: KernelVersion) -> Vec<SymbolId> {
    let size = symbol_hashsize(v);
    let mut keyed: Vec<(u32, u32)> = model
        .symbols
        .iter()
        .enumerate()
        .skip(FIRST_TABLE_SYMBOL as usize)
        .map(|(i, s)| {
            let bucket = match &s.name {
                Some(n) => strhash(n) % size,
                None => 0,
            };
            (bucket, i as u32)
        })
        .collect();
    // Bucket ascending; within a bucket the most recently created first.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    keyed.into_iter().map(|(_, i)| SymbolId(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_of_known_names() {
        // FNV-1a test vectors.
        assert_eq!(strhash(""), 0x811c_9dc5);
        assert_eq!(strhash("a"), 0xe40c_292c);
        assert_eq!(strhash("foobar"), 0xbf9c_f968);
    }
}
