//! "Did you mean": the known names nearest to a misspelt one.

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Up to `max` of `candidates` near `word`: those extending it first (`m7` → `m7a`, `m7g`, ...),
/// then those within a small edit distance, nearest first.
pub(crate) fn near<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<String> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(bool, usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance(word, c);
            let extends = !word.is_empty() && c.starts_with(word) && c != word;
            (d <= limit || extends).then_some((!extends, d, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(max)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("m7i", "m7i"), 0);
    }

    #[test]
    fn near_names_come_nearest_first() {
        let known = ["minimal-server", "container-host", "hardened"];
        assert_eq!(near("minimal-sever", known, 3), vec!["minimal-server"]);
        assert!(near("zzzzzz", known, 3).is_empty());
        let families = ["m7a", "m7g", "m7i", "m7i-flex", "c7g", "m5"];
        assert_eq!(near("m7", families, 3), vec!["m7a", "m7g", "m7i"]);
        assert_eq!(near("m5z", families, 3), vec!["m5"]);
    }
}
