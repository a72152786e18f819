//! Class formation (分班, spec §5).
//!
//! A school admitting `n > 0` pupils opens `k = ceil(n / cap)` classes
//! (never more than `classes`); class sizes then differ by at most one.
//! Pupils are dealt to classes 1..k round-robin in (priority, ticket) order.

pub mod plan;

use crate::lottery::Ticket;

/// Classes a school opens for `n` pupils with class size limit `cap`,
/// capped at the `classes` it can open.
///
/// ```
/// assert_eq!(catchment::classes::classes_needed(91, 45, 4), 3);
/// assert_eq!(catchment::classes::classes_needed(0, 45, 4), 0);
/// ```
pub fn classes_needed(n: u32, cap: u32, classes: u32) -> u32 {
    if n == 0 || cap == 0 {
        return 0;
    }
    n.div_ceil(cap).min(classes)
}

/// Deals pupils to classes. `pupils` are `(priority, ticket, id)` of every
/// pupil of one school, in any order; returns the class number (1-based)
/// of each, in the same order.
pub fn deal(pupils: &[(u32, Ticket, &str)], cap: u32, classes: u32) -> Vec<u32> {
    let k = classes_needed(pupils.len() as u32, cap, classes).max(1);
    let mut order: Vec<usize> = (0..pupils.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, ta, ia) = pupils[a];
        let (pb, tb, ib) = pupils[b];
        (pa, ta, ia.as_bytes()).cmp(&(pb, tb, ib.as_bytes()))
    });
    let mut out = vec![0; pupils.len()];
    for (rank, &i) in order.iter().enumerate() {
        out[i] = rank as u32 % k + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_one_pupils_cap_45_make_classes_of_31_30_30() {
        let ids: Vec<String> = (0..91).map(|i| format!("a{i:03}")).collect();
        let pupils: Vec<(u32, Ticket, &str)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (1 + (i % 3) as u32, Ticket([(i * 7 % 256) as u8; 32]), id.as_str()))
            .collect();
        let class = deal(&pupils, 45, 3);
        let mut sizes = [0; 3];
        for c in &class {
            sizes[*c as usize - 1] += 1;
        }
        assert_eq!(sizes, [31, 30, 30]);
        // The first in (priority, ticket) order goes to class 1, the second to 2.
        let first = (0..91).min_by_key(|&i| (pupils[i].0, pupils[i].1)).unwrap();
        assert_eq!(class[first], 1);
    }

    #[test]
    fn never_more_classes_than_the_school_can_open() {
        assert_eq!(classes_needed(91, 45, 2), 2);
        assert_eq!(classes_needed(45, 45, 5), 1);
        assert_eq!(classes_needed(46, 45, 5), 2);
    }
}
