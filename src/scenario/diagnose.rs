//! Near misses: a CSV column or a `policy.toml` key that is almost a name
//! the loader knows (`private_choice` for `private_choices`, `Classes` for
//! `classes`, `tie-breaking` for `tie_breaking`, `clases` for `classes`).
//!
//! A near miss is an error with a suggestion, because the column or key
//! the officer meant is then silently left at its default (a typo in
//! `private_choices` cancels the private lottery). A name that is near no
//! known one stays a warning (CSV) as the spec says.
//!
//! # Examples
//!
//! ```
//! use catchment::scenario::diagnose::near_miss;
//!
//! let known = ["household", "priority", "zone", "private_choices", "public_choices"];
//! assert_eq!(near_miss("private_choice", &known), Some("private_choices"));
//! assert_eq!(near_miss("Priority", &known), Some("priority"));
//! assert_eq!(near_miss("colour", &known), None);
//! ```

/// The known name that `name` most likely misspells: the same name up to
/// case, `-`/`_`/space and a plural `s`, or within a small edit distance
/// (1 for names under 8 characters, 2 from 8 on; a swap of two neighbours
/// counts as 1). `None` when no known name is that near, or when `name` is
/// itself known. Ties go to the first name in `known`.
pub fn near_miss<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    if known.contains(&name) {
        return None;
    }
    let wanted = normalise(name);
    if wanted.is_empty() {
        return None;
    }
    // Same name up to case, separators and a plural.
    for &k in known {
        let k_norm = normalise(k);
        if k_norm == wanted || singular(&k_norm) == singular(&wanted) {
            return Some(k);
        }
    }
    let mut best: Option<(usize, &'a str)> = None;
    for &k in known {
        let k_norm = normalise(k);
        let allowed = match k_norm.chars().count() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        if allowed == 0 {
            continue;
        }
        let d = edit_distance(&wanted, &k_norm);
        if d <= allowed && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Lower case, with `-` and spaces read as `_`.
fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c == '-' || c == ' ' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The name without a final plural `s` (or `es`).
fn singular(name: &str) -> &str {
    name.strip_suffix("es")
        .filter(|s| s.ends_with('s') || s.ends_with('x'))
        .or_else(|| name.strip_suffix('s'))
        .unwrap_or(name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and swaps of two neighbouring characters each cost 1.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The `policy.toml` key a command-line flag names, when the flag is not
/// a flag but a setting of the round (`--rule` → `rule`,
/// `--max-distance-m` → `fallback.max_distance_m`); `None` for anything
/// else. `flag` is given with or without its leading dashes and `=value`.
///
/// ```
/// use catchment::scenario::diagnose::policy_key_for_flag;
/// assert_eq!(policy_key_for_flag("--rule").as_deref(), Some("rule"));
/// assert_eq!(policy_key_for_flag("--max-distance-m=800").as_deref(), Some("fallback.max_distance_m"));
/// assert_eq!(policy_key_for_flag("--colour"), None);
/// ```
pub fn policy_key_for_flag(flag: &str) -> Option<String> {
    let name = flag.trim_start_matches('-');
    let name = name.split('=').next().unwrap_or(name);
    let wanted = normalise(name);
    if wanted.is_empty() {
        return None;
    }
    let keys = super::policy::keys();
    // A top-level key first (`--rule` is `rule`, not `fallback.rule`).
    keys.iter()
        .find(|k| !k.contains('.') && **k == wanted)
        .or_else(|| keys.iter().find(|k| k.rsplit('.').next() == Some(wanted.as_str())))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const APPLICANTS: &[&str] = &[
        "id",
        "level",
        "lon",
        "lat",
        "household",
        "priority",
        "zone",
        "private_choices",
        "public_choices",
        "group",
    ];

    #[test]
    fn case_plural_separators_and_typos_are_near_misses() {
        for (typo, meant) in [
            ("private_choice", "private_choices"),
            ("Private_Choices", "private_choices"),
            ("private-choices", "private_choices"),
            ("public choices", "public_choices"),
            ("prority", "priority"),
            ("priorty", "priority"),
            ("houshold", "household"),
            ("groups", "group"),
            ("Zone", "zone"),
            ("zones", "zone"),
            ("LAT", "lat"),
        ] {
            assert_eq!(near_miss(typo, APPLICANTS), Some(meant), "{typo}");
        }
        assert_eq!(near_miss("clases", &["classes", "class_cap"]), Some("classes"));
        assert_eq!(
            near_miss("tie-breaking", &["tie_breaking", "groups"]),
            Some("tie_breaking")
        );
    }

    #[test]
    fn unrelated_and_known_names_are_not_near_misses() {
        for name in ["colour", "notes", "address", "x", "", "school", "phone", "lng"] {
            assert_eq!(near_miss(name, APPLICANTS), None, "{name}");
        }
        assert_eq!(near_miss("zone", APPLICANTS), None);
    }

    #[test]
    fn edit_distance_hand_worked() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("clases", "classes"), 1);
        assert_eq!(edit_distance("priorty", "priority"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    /// Plain Levenshtein, by recursion: the second implementation.
    fn levenshtein(a: &[u8], b: &[u8]) -> usize {
        match (a.split_last(), b.split_last()) {
            (None, _) => b.len(),
            (_, None) => a.len(),
            (Some((x, ra)), Some((y, rb))) => (levenshtein(ra, b) + 1)
                .min(levenshtein(a, rb) + 1)
                .min(levenshtein(ra, rb) + usize::from(x != y)),
        }
    }

    proptest! {
        /// Swaps aside, the distance is Levenshtein's; with swaps it is
        /// never more, and never less than half of it.
        #[test]
        fn edit_distance_agrees_with_levenshtein(a in "[abc]{0,6}", b in "[abc]{0,6}") {
            let lev = levenshtein(a.as_bytes(), b.as_bytes());
            let osa = edit_distance(&a, &b);
            prop_assert!(osa <= lev);
            prop_assert!(2 * osa >= lev);
            prop_assert_eq!(osa, edit_distance(&b, &a));
            prop_assert_eq!(osa == 0, a == b);
        }

        /// One typo in a known name of 4 or more characters is found again.
        #[test]
        fn one_typo_is_found(k in 0usize..10, at in 0usize..20, c in "[a-z]") {
            let meant = APPLICANTS[k];
            prop_assume!(meant.len() >= 4);
            let at = at % meant.len();
            let mut typo: String = meant.to_string();
            typo.replace_range(at..=at, &c);
            prop_assume!(typo != meant);
            let found = near_miss(&typo, APPLICANTS);
            prop_assert!(found.is_some(), "{} gave nothing", typo);
            // Another known name may be as near (e.g. "zone" and "lone"), but
            // never farther than the one meant.
            let d = |n: &str| edit_distance(&normalise(&typo), &normalise(n));
            prop_assert!(d(found.unwrap_or_default()) <= d(meant));
        }
    }

    #[test]
    fn flags_that_are_policy_keys() {
        assert_eq!(policy_key_for_flag("--rule").as_deref(), Some("rule"));
        assert_eq!(policy_key_for_flag("--tie-breaking").as_deref(), Some("tie_breaking"));
        assert_eq!(policy_key_for_flag("--metric").as_deref(), Some("distance.metric"));
        assert_eq!(
            policy_key_for_flag("--max-class-size").as_deref(),
            Some("levels.primary.max_class_size")
        );
        assert_eq!(policy_key_for_flag("--out"), None);
    }
}
