//! Applicant-proposing deferred acceptance (Gale–Shapley), with groups.
//!
//! Units (applicants, or groups drawn together) propose to schools in their
//! order of preference; each school holds the best proposals by
//! (priority, ticket) that fit its seats and rejects the rest, who propose
//! to their next school. With units of one seat each the result is the
//! applicant-optimal stable matching, whatever the order of proposals.
//!
//! A group needs a seat for every member: a school holding proposals walks
//! them in (priority, ticket) order and admits each unit that still fits,
//! skipping a group that does not (the next applicant in line gets the
//! seat). With such units a stable matching need not exist (the "couples"
//! problem), so proposals are made in a fixed order (units by index) to keep
//! the result deterministic.

use std::collections::BTreeSet;

use crate::lottery::Key;
use crate::scenario::SchoolIdx;

pub use crate::scenario::index::UnitIdx;

/// One proposal made during the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    /// The school proposed to.
    pub school: SchoolIdx,
    /// The proposing unit.
    pub unit: UnitIdx,
    /// The unit's order at the school.
    pub key: Key,
}

/// The result of deferred acceptance.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// The school holding each unit at the end, if any.
    pub assigned: Vec<Option<SchoolIdx>>,
    /// Every proposal made, in the order made.
    pub proposals: Vec<Proposal>,
}

#[derive(Default)]
struct Held {
    units: BTreeSet<(Key, UnitIdx)>,
    seats_used: u64,
    groups: usize,
}

/// Runs deferred acceptance.
///
/// * `sizes[u]`: seats unit `u` needs (1 for a single applicant);
/// * `capacity[s]`: seats of school `s` in this stage (indexed by school);
/// * `next_choice(u)`: the next school on `u`'s list, `None` when exhausted;
///   called once per proposal, so lists can be produced lazily;
/// * `key(u, s)`: `u`'s (priority, ticket) at `s`.
///
/// ```
/// use catchment::lottery::{Key, Ticket};
/// use catchment::matching::{deferred_acceptance, UnitIdx};
/// use catchment::scenario::SchoolIdx;
/// // Two applicants, one school with one seat; unit 1 has the better ticket.
/// let prefs = vec![vec![SchoolIdx(0)], vec![SchoolIdx(0)]];
/// let mut pos = vec![0usize; 2];
/// let m = deferred_acceptance(&[1, 1], &[1], |u| {
///     let s = prefs[u.index()].get(pos[u.index()]).copied();
///     pos[u.index()] += 1;
///     s
/// }, |u, _| Key { priority: 1, ticket: Ticket([if u == UnitIdx(1) { 0 } else { 9 }; 32]) });
/// assert_eq!(m.assigned, vec![None, Some(SchoolIdx(0))]);
/// ```
pub fn deferred_acceptance(
    sizes: &[u32],
    capacity: &[u32],
    mut next_choice: impl FnMut(UnitIdx) -> Option<SchoolIdx>,
    mut key: impl FnMut(UnitIdx, SchoolIdx) -> Key,
) -> Matching {
    let mut held: Vec<Held> = (0..capacity.len()).map(|_| Held::default()).collect();
    let mut proposals = Vec::new();
    // Lowest index proposes first.
    let mut free: Vec<UnitIdx> = (0..sizes.len() as u32).map(UnitIdx).rev().collect();
    let mut rejected = Vec::new();
    while let Some(u) = free.pop() {
        let Some(s) = next_choice(u) else {
            continue;
        };
        let k = key(u, s);
        proposals.push(Proposal {
            school: s,
            unit: u,
            key: k,
        });
        let h = &mut held[s.index()];
        let size = sizes[u.index()];
        h.units.insert((k, u));
        h.seats_used += u64::from(size);
        if size > 1 {
            h.groups += 1;
        }
        choose(h, (k, u), u64::from(capacity[s.index()]), sizes, &mut rejected);
        // Rejected units propose again, best-placed first.
        free.extend(rejected.drain(..).rev());
    }
    let mut assigned = vec![None; sizes.len()];
    for (s, h) in held.iter().enumerate() {
        for &(_, u) in &h.units {
            assigned[u.index()] = Some(SchoolIdx(s as u32));
        }
    }
    Matching { assigned, proposals }
}

/// Keeps the units that fit, in key order; moves the others to `rejected`.
/// `new` was just inserted into a set that fitted before.
fn choose(h: &mut Held, new: (Key, UnitIdx), capacity: u64, sizes: &[u32], rejected: &mut Vec<UnitIdx>) {
    if h.seats_used <= capacity {
        return;
    }
    // The units held before all fitted, so when the newcomer is last in
    // order the walk would keep them all and turn only the newcomer away.
    if h.units.last() == Some(&new) {
        let size = sizes[new.1.index()];
        h.units.pop_last();
        h.seats_used -= u64::from(size);
        if size > 1 {
            h.groups -= 1;
        }
        rejected.push(new.1);
        return;
    }
    if h.groups == 0 {
        while h.seats_used > capacity {
            // Seats used imply units held; the `else` is never taken.
            let Some((_, u)) = h.units.pop_last() else { break };
            h.seats_used -= 1;
            rejected.push(u);
        }
        return;
    }
    let mut remaining = capacity;
    let mut out = Vec::new();
    for &(k, u) in &h.units {
        let size = u64::from(sizes[u.index()]);
        if size <= remaining {
            remaining -= size;
        } else {
            out.push((k, u));
        }
    }
    for entry in out {
        h.units.remove(&entry);
        let size = sizes[entry.1.index()];
        h.seats_used -= u64::from(size);
        if size > 1 {
            h.groups -= 1;
        }
        rejected.push(entry.1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lottery::Ticket;

    fn run(prefs: &[Vec<u32>], sizes: &[u32], capacity: &[u32], keys: &[u8]) -> Matching {
        let mut pos = vec![0usize; prefs.len()];
        deferred_acceptance(
            sizes,
            capacity,
            |u| {
                let s = prefs[u.index()].get(pos[u.index()]).copied().map(SchoolIdx);
                pos[u.index()] += 1;
                s
            },
            |u, _| Key {
                priority: 1,
                ticket: Ticket([keys[u.index()]; 32]),
            },
        )
    }

    #[test]
    fn textbook_instance() {
        // Three applicants, schools A (1 seat) and B (1 seat); everyone likes
        // A best; tickets order 2 < 0 < 1. Worked by hand: 2 gets A, 0 gets
        // B, 1 is left out.
        let m = run(&[vec![0, 1], vec![0, 1], vec![0, 1]], &[1, 1, 1], &[1, 1], &[5, 7, 1]);
        assert_eq!(m.assigned, vec![Some(SchoolIdx(1)), None, Some(SchoolIdx(0))]);
    }

    #[test]
    fn group_is_skipped_when_it_does_not_fit_and_the_next_gets_the_seat() {
        // School 0 has 2 seats: single 0 (best), twins 1 (2 seats), single 2.
        // 0 takes a seat, the twins do not fit in the one left, 2 takes it;
        // the twins go together to school 1.
        let m = run(&[vec![0], vec![0, 1], vec![0]], &[1, 2, 1], &[2, 2], &[1, 2, 3]);
        assert_eq!(
            m.assigned,
            vec![Some(SchoolIdx(0)), Some(SchoolIdx(1)), Some(SchoolIdx(0))]
        );
    }
}
