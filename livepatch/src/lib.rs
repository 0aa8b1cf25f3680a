//! Livepatch: ELF diff and klp module generation (issues 6 and 7; not built yet).
