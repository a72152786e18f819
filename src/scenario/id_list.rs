//! A list of ids written as one string, as shapefile attribute tables and
//! ArcGIS exports store them: `"7405;1124;3869"`, `"7405,1124"` or
//! `"7405、1124"` (the Chinese enumeration comma).
//!
//! # Examples
//! ```
//! use catchment::scenario::id_list::split;
//! assert_eq!(split("7405; 1124、3869,"), vec!["7405", "1124", "3869"]);
//! assert!(split("  ").is_empty());
//! ```

/// The separators accepted between ids: `;`, `,`, `、` and the full-width
/// `；` and `，` that Chinese input methods type.
pub const SEPARATORS: [char; 5] = [';', ',', '、', '；', '，'];

/// Splits `text` at any of [`SEPARATORS`], trims each id and drops blank
/// ones, keeping the order written.
pub fn split(text: &str) -> Vec<&str> {
    text.split(&SEPARATORS[..])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_separator_and_blank_entries() {
        assert_eq!(split("A;B"), vec!["A", "B"]);
        assert_eq!(split("A,B"), vec!["A", "B"]);
        assert_eq!(split("A、B"), vec!["A", "B"]);
        assert_eq!(split("A；B，C"), vec!["A", "B", "C"]);
        assert_eq!(split(";; A ;"), vec!["A"]);
        assert_eq!(split("单校"), vec!["单校"]);
        assert!(split("").is_empty());
    }

    proptest! {
        /// Joining ids with any separators and spaces and splitting again
        /// gives the ids back.
        #[test]
        fn split_inverts_join(
            ids in proptest::collection::vec("[A-Za-z0-9_学校]{1,6}", 0..8),
            seps in proptest::collection::vec(0usize..5, 8),
        ) {
            let mut text = String::new();
            for (i, id) in ids.iter().enumerate() {
                text.push_str(id);
                text.push(SEPARATORS[seps[i]]);
                text.push(' ');
            }
            prop_assert_eq!(split(&text), ids.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
