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

use std::collections::BinaryHeap;

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

/// What a school holds. While it holds single applicants only, its units
/// are in a max-heap by (key, unit), so the last in order is turned away
/// without ordering the rest; once it holds a group, in a sorted vector,
/// walked in order on every proposal that overfills it.
#[derive(Default)]
struct Held {
    heap: BinaryHeap<(Key, UnitIdx)>,
    /// The units in order, once `ordered`.
    sorted: Vec<(Key, UnitIdx)>,
    ordered: bool,
    seats_used: u64,
    groups: usize,
}

impl Held {
    /// Holds one more unit.
    fn push(&mut self, entry: (Key, UnitIdx), size: u32) {
        if size > 1 && !self.ordered {
            self.sorted = std::mem::take(&mut self.heap).into_sorted_vec();
            self.ordered = true;
        }
        if self.ordered {
            let at = self.sorted.partition_point(|e| *e < entry);
            self.sorted.insert(at, entry);
        } else {
            self.heap.push(entry);
        }
        self.seats_used += u64::from(size);
        if size > 1 {
            self.groups += 1;
        }
    }

    /// The last unit in order.
    fn last(&self) -> Option<&(Key, UnitIdx)> {
        if self.ordered {
            self.sorted.last()
        } else {
            self.heap.peek()
        }
    }

    /// Lets the last unit in order go.
    fn pop_last(&mut self) -> Option<(Key, UnitIdx)> {
        if self.ordered {
            self.sorted.pop()
        } else {
            self.heap.pop()
        }
    }

    /// Every unit held, in no particular order.
    fn units(&self) -> impl Iterator<Item = &(Key, UnitIdx)> {
        self.heap.iter().chain(&self.sorted)
    }
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
        h.push((k, u), sizes[u.index()]);
        choose(h, (k, u), u64::from(capacity[s.index()]), sizes, &mut rejected);
        // Rejected units propose again, best-placed first.
        free.extend(rejected.drain(..).rev());
    }
    let mut assigned = vec![None; sizes.len()];
    for (s, h) in held.iter().enumerate() {
        for &(_, u) in h.units() {
            assigned[u.index()] = Some(SchoolIdx(s as u32));
        }
    }
    drop(held);
    // The vector grew by doubling: give back the slack (up to half of it)
    // before the caller turns the proposals into draws beside them.
    proposals.shrink_to_fit();
    Matching { assigned, proposals }
}

/// Keeps the units that fit, in key order; moves the others to `rejected`.
/// `new` was just added to units that fitted before.
fn choose(h: &mut Held, new: (Key, UnitIdx), capacity: u64, sizes: &[u32], rejected: &mut Vec<UnitIdx>) {
    if h.seats_used <= capacity {
        return;
    }
    // The units held before all fitted, so when the newcomer is last in
    // order the walk would keep them all and turn only the newcomer away.
    if h.last() == Some(&new) {
        let size = sizes[new.1.index()];
        h.pop_last();
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
            let Some((_, u)) = h.pop_last() else { break };
            h.seats_used -= 1;
            rejected.push(u);
        }
        return;
    }
    // A group is held, so the units are in order: walk them.
    let mut remaining = capacity;
    let mut out = Vec::new();
    h.sorted.retain(|&(k, u)| {
        let size = u64::from(sizes[u.index()]);
        if size <= remaining {
            remaining -= size;
            true
        } else {
            out.push((k, u));
            false
        }
    });
    for entry in out {
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

    /// The algorithm as first written, each school's units in a `BTreeSet`:
    /// the reference the heap must match, proposal by proposal.
    fn reference(prefs: &[Vec<u32>], sizes: &[u32], capacity: &[u32], keys: &[Key]) -> Matching {
        use std::collections::BTreeSet;
        let mut held: Vec<BTreeSet<(Key, UnitIdx)>> = vec![BTreeSet::new(); capacity.len()];
        let mut pos = vec![0usize; prefs.len()];
        let mut proposals = Vec::new();
        let mut free: Vec<UnitIdx> = (0..sizes.len() as u32).map(UnitIdx).rev().collect();
        while let Some(u) = free.pop() {
            let Some(&s) = prefs[u.index()].get(pos[u.index()]) else {
                continue;
            };
            pos[u.index()] += 1;
            let k = keys[u.index()];
            proposals.push(Proposal {
                school: SchoolIdx(s),
                unit: u,
                key: k,
            });
            let h = &mut held[s as usize];
            h.insert((k, u));
            let mut remaining = u64::from(capacity[s as usize]);
            let mut out = Vec::new();
            for &(k, u) in h.iter() {
                let size = u64::from(sizes[u.index()]);
                if size <= remaining {
                    remaining -= size;
                } else {
                    out.push((k, u));
                }
            }
            // Units turned away by one proposal propose again best first;
            // with singles only they leave from the last in order.
            let groups = h.iter().any(|&(_, u)| sizes[u.index()] > 1);
            if !groups {
                out.reverse();
            }
            for e in &out {
                h.remove(e);
            }
            free.extend(out.iter().map(|e| e.1).rev());
        }
        let mut assigned = vec![None; sizes.len()];
        for (s, h) in held.iter().enumerate() {
            for &(_, u) in h {
                assigned[u.index()] = Some(SchoolIdx(s as u32));
            }
        }
        Matching { assigned, proposals }
    }

    proptest::proptest! {
        /// Random rounds with groups, few seats and shared priorities: the
        /// heap makes the same proposals and the same matching.
        #[test]
        fn heap_matches_the_ordered_set(
            units in proptest::collection::vec(
                (1u32..=3, 1u32..=3, 0u8..=255, proptest::collection::vec(0u32..4, 0..4)),
                0..40,
            ),
            capacity in proptest::collection::vec(0u32..6, 4),
        ) {
            let sizes: Vec<u32> = units.iter().map(|u| if u.0 == 3 { 2 } else { 1 }).collect();
            let keys: Vec<Key> = units
                .iter()
                .enumerate()
                .map(|(i, u)| Key { priority: u.1, ticket: Ticket([u.2, i as u8, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]) })
                .collect();
            let prefs: Vec<Vec<u32>> = units.iter().map(|u| {
                let mut l = Vec::new();
                for &s in &u.3 {
                    if !l.contains(&s) { l.push(s); }
                }
                l
            }).collect();
            let mut pos = vec![0usize; prefs.len()];
            let m = deferred_acceptance(
                &sizes,
                &capacity,
                |u| {
                    let s = prefs[u.index()].get(pos[u.index()]).copied().map(SchoolIdx);
                    pos[u.index()] += 1;
                    s
                },
                |u, _| keys[u.index()],
            );
            let r = reference(&prefs, &sizes, &capacity, &keys);
            proptest::prop_assert_eq!(&m.assigned, &r.assigned);
            proptest::prop_assert_eq!(&m.proposals, &r.proposals);
        }
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
