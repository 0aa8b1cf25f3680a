//! glibc's `srand`/`rand` (the TYPE_3 additive feedback generator of `random_r.c`), so that
//! `randconfig` with a given `KCONFIG_SEED` makes the same choices as the tree's own conf.

/// The state of glibc's default `random()` generator: 31 words, separation 3.
#[derive(Clone, Debug)]
pub struct GlibcRand {
    state: [i32; 31],
    f: usize,
    r: usize,
}

impl GlibcRand {
    /// `srand(seed)` (`__srandom_r` with TYPE_3): seeds the table with the Park–Miller
    /// generator, then discards 310 outputs.
    pub fn new(seed: u32) -> Self {
        let mut state = [0i32; 31];
        let mut word: i32 = if seed == 0 { 1 } else { seed as i32 };
        state[0] = word;
        for slot in state.iter_mut().skip(1) {
            // Schrage's method for word = (16807 * word) % 2147483647 without overflow.
            let hi = word / 127_773;
            let lo = word % 127_773;
            word = 16_807i32
                .wrapping_mul(lo)
                .wrapping_sub(2_836i32.wrapping_mul(hi));
            if word < 0 {
                word = word.wrapping_add(2_147_483_647);
            }
            *slot = word;
        }
        let mut g = GlibcRand { state, f: 3, r: 0 };
        for _ in 0..310 {
            g.next_i31();
        }
        g
    }

    /// `rand()`: the next number in `0..=RAND_MAX` (2^31 - 1).
    pub fn next_i31(&mut self) -> i32 {
        let val = (self.state[self.f] as u32).wrapping_add(self.state[self.r] as u32);
        self.state[self.f] = val as i32;
        let result = (val >> 1) as i32;
        self.f += 1;
        if self.f >= 31 {
            self.f = 0;
            self.r += 1;
        } else {
            self.r += 1;
            if self.r >= 31 {
                self.r = 0;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_glibc_rand() {
        // printf("%d %d %d\n", rand(), rand(), rand()) after srand(1) and srand(0x1234) with
        // glibc.
        let mut g = GlibcRand::new(1);
        assert_eq!(
            [g.next_i31(), g.next_i31(), g.next_i31()],
            [1804289383, 846930886, 1681692777]
        );
        let mut g = GlibcRand::new(0);
        assert_eq!(g.next_i31(), 1804289383);
        let mut g = GlibcRand::new(0x1234);
        assert_eq!(
            [g.next_i31(), g.next_i31(), g.next_i31()],
            [70111374, 1963176396, 683810922]
        );
        let mut g = GlibcRand::new(0xdead_beef);
        assert_eq!(
            [g.next_i31(), g.next_i31(), g.next_i31()],
            [352217057, 918588210, 499345174]
        );
    }
}
