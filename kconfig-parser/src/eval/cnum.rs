//! C's number parsing (`strtoll`, `strtoull`, `isxdigit`) as glibc does it.
//!
//! conf compares and clamps values with these functions, and their corner cases (octal with
//! base 0, a `0x` without digits, saturation on overflow, the end pointer) decide results, so
//! they are reproduced exactly rather than approximated with Rust's parsers.

/// What `strtoll`/`strtoull` report besides the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The value, saturated on overflow as C does.
    pub value: T,
    /// How many bytes were consumed (`*endptr - str`); 0 when no number was found.
    pub end: usize,
    /// `errno == ERANGE`.
    pub overflow: bool,
}

/// `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `isxdigit` in the C locale.
pub fn is_xdigit(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn digit_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 10),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// The common part of glibc's `strtol` family: the magnitude as an unsigned 64-bit number,
/// whether it overflowed, whether a minus sign was seen, and the end.
fn parse_magnitude(s: &[u8], base: u32) -> (u64, bool, bool, usize) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base;
    let has_hex_prefix = |i: usize| {
        s.get(i) == Some(&b'0')
            && matches!(s.get(i + 1), Some(b'x' | b'X'))
            && s.get(i + 2).is_some_and(|c| is_xdigit(*c))
    };
    if (base == 0 || base == 16) && has_hex_prefix(i) {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|c| digit_value(*c)) {
        if d >= base {
            break;
        }
        match value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        // No digits: the end pointer is the start of the string.
        return (0, false, false, 0);
    }
    (value, overflow, neg, i)
}

/// `strtoll(s, &end, base)`.
pub fn strtoll(s: &[u8], base: u32) -> Parsed<i64> {
    let (mag, overflow, neg, end) = parse_magnitude(s, base);
    let limit = if neg { 1u64 << 63 } else { i64::MAX as u64 };
    if overflow || mag > limit {
        return Parsed {
            value: if neg { i64::MIN } else { i64::MAX },
            end,
            overflow: true,
        };
    }
    let value = if neg {
        (mag as i64).wrapping_neg()
    } else {
        mag as i64
    };
    Parsed {
        value,
        end,
        overflow: false,
    }
}

/// `strtoull(s, &end, base)`: a minus sign negates in unsigned arithmetic.
pub fn strtoull(s: &[u8], base: u32) -> Parsed<u64> {
    let (mag, overflow, neg, end) = parse_magnitude(s, base);
    if overflow {
        return Parsed {
            value: u64::MAX,
            end,
            overflow: true,
        };
    }
    Parsed {
        value: if neg { mag.wrapping_neg() } else { mag },
        end,
        overflow: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoll_matches_glibc() {
        let p = |s: &str, b| {
            let r = strtoll(s.as_bytes(), b);
            (r.value, r.end, r.overflow)
        };
        assert_eq!(p("123", 10), (123, 3, false));
        assert_eq!(p("  -42x", 10), (-42, 5, false));
        assert_eq!(p("0x1f", 16), (31, 4, false));
        assert_eq!(p("1f", 16), (31, 2, false));
        assert_eq!(p("0x", 16), (0, 1, false));
        assert_eq!(p("0xg", 0), (0, 1, false));
        assert_eq!(p("010", 0), (8, 3, false));
        assert_eq!(p("09", 0), (0, 1, false));
        assert_eq!(p("", 10), (0, 0, false));
        assert_eq!(p("-", 10), (0, 0, false));
        assert_eq!(p("9223372036854775808", 10), (i64::MAX, 19, true));
        assert_eq!(p("-9223372036854775808", 10), (i64::MIN, 20, false));
        assert_eq!(p("-9223372036854775809", 10), (i64::MIN, 20, true));
        assert_eq!(p("ffffffffffffffff", 16), (i64::MAX, 16, true));
    }

    #[test]
    fn strtoull_matches_glibc() {
        let p = |s: &str, b| {
            let r = strtoull(s.as_bytes(), b);
            (r.value, r.end, r.overflow)
        };
        assert_eq!(p("ffffffffffffffff", 16), (u64::MAX, 16, false));
        assert_eq!(p("10000000000000000", 16), (u64::MAX, 17, true));
        assert_eq!(p("-1", 16), (u64::MAX, 2, false));
        assert_eq!(p("0X10", 16), (16, 4, false));
    }
}
