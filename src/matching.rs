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

use rayon::prelude::*;

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
    sorted: Vec<Place>,
    ordered: bool,
    seats_used: u64,
    groups: usize,
}

/// A unit's place in a school's sorted vector: its priority and the first
/// four bytes of its ticket as one word, which almost always decide, then
/// its whole key and the unit (see [`Keys::cmp`]); and the seats it needs,
/// which the walk of [`choose`] reads. Every insertion moves the places
/// after it, so they are small: 16 bytes, not 40.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    head: u64,
    unit: UnitIdx,
    size: u32,
}

impl Place {
    fn of(key: &Key, unit: UnitIdx, size: u32) -> Place {
        let t = &key.ticket.0;
        let lead = u32::from_be_bytes([t[0], t[1], t[2], t[3]]);
        Place {
            head: (u64::from(key.priority) << 32) | u64::from(lead),
            unit,
            size,
        }
    }
}

/// The key of every unit held: that of its latest proposal.
struct Keys<'a> {
    proposals: &'a [Proposal],
    /// Each unit's latest proposal.
    latest: &'a [u32],
}

impl Keys<'_> {
    fn key(&self, unit: UnitIdx) -> &Key {
        &self.proposals[self.latest[unit.index()] as usize].key
    }

    /// The order of (key, unit): the heads are that order's leading part.
    fn cmp(&self, a: &Place, b: &Place) -> std::cmp::Ordering {
        a.head
            .cmp(&b.head)
            .then_with(|| (self.key(a.unit), a.unit).cmp(&(self.key(b.unit), b.unit)))
    }
}

impl Held {
    /// Holds one more unit, whose key `keys` already has. (The heap holds
    /// single applicants only: the first group orders the units.)
    fn push(&mut self, entry: (Key, UnitIdx), size: u32, keys: &Keys) {
        if size > 1 && !self.ordered {
            let heap = std::mem::take(&mut self.heap).into_sorted_vec();
            self.sorted = heap.iter().map(|(k, u)| Place::of(k, *u, 1)).collect();
            self.ordered = true;
        }
        if self.ordered {
            let place = Place::of(&entry.0, entry.1, size);
            let at = self.sorted.partition_point(|p| keys.cmp(p, &place).is_lt());
            self.sorted.insert(at, place);
        } else {
            self.heap.push(entry);
        }
        self.seats_used += u64::from(size);
        if size > 1 {
            self.groups += 1;
        }
    }

    /// The last unit in order.
    fn last(&self) -> Option<UnitIdx> {
        if self.ordered {
            self.sorted.last().map(|p| p.unit)
        } else {
            self.heap.peek().map(|e| e.1)
        }
    }

    /// Lets the last unit in order go.
    fn pop_last(&mut self) -> Option<UnitIdx> {
        if self.ordered {
            self.sorted.pop().map(|p| p.unit)
        } else {
            self.heap.pop().map(|e| e.1)
        }
    }

    /// Every unit held, in no particular order.
    fn units(&self) -> impl Iterator<Item = UnitIdx> + '_ {
        self.heap.iter().map(|e| e.1).chain(self.sorted.iter().map(|p| p.unit))
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
    let mut latest = vec![0u32; sizes.len()];
    // Lowest index proposes first.
    let mut free: Vec<UnitIdx> = (0..sizes.len() as u32).map(UnitIdx).rev().collect();
    let mut rejected = Vec::new();
    while let Some(u) = free.pop() {
        let Some(s) = next_choice(u) else {
            continue;
        };
        let k = key(u, s);
        latest[u.index()] = proposals.len() as u32;
        proposals.push(Proposal {
            school: s,
            unit: u,
            key: k,
        });
        let keys = Keys {
            proposals: &proposals,
            latest: &latest,
        };
        let h = &mut held[s.index()];
        h.push((k, u), sizes[u.index()], &keys);
        choose(h, u, u64::from(capacity[s.index()]), sizes, &mut rejected);
        // Rejected units propose again, best-placed first.
        free.extend(rejected.drain(..).rev());
    }
    let mut assigned = vec![None; sizes.len()];
    for (s, h) in held.iter().enumerate() {
        for u in h.units() {
            assigned[u.index()] = Some(SchoolIdx(s as u32));
        }
    }
    drop(held);
    drop(latest);
    // The vector grew by doubling: give back the slack (up to half of it)
    // before the caller turns the proposals into draws beside them.
    proposals.shrink_to_fit();
    Matching { assigned, proposals }
}

/// [`deferred_acceptance`] with fixed lists (`prefs[u]` for unit `u`),
/// run on each component apart, the components in parallel: units whose
/// lists share no school, directly or through other units (the zones of
/// rule `zone`), never meet.
///
/// The result is that of one run over all units: a rejected unit proposes
/// next to a school of its own list, so each proposal and the rejections
/// it sets off stay in one component, and each component sees its units
/// propose in the same order (by index, each rejection followed up at
/// once) as in one run. Only the interleaving of the components'
/// proposals differs: each unit's proposals keep their order, and the
/// proposals of different components are concatenated in the order of
/// the components' first units.
///
/// ```
/// use catchment::lottery::{Key, Ticket};
/// use catchment::matching::{deferred_acceptance_by_component, UnitIdx};
/// use catchment::scenario::SchoolIdx;
/// // Two zones, one school each with one seat.
/// let prefs = vec![vec![SchoolIdx(0)], vec![SchoolIdx(1)], vec![SchoolIdx(0)]];
/// let key = |u: UnitIdx, _| Key { priority: 1, ticket: Ticket([u.0 as u8; 32]) };
/// let m = deferred_acceptance_by_component(&[1, 1, 1], &[1, 1], &prefs, key);
/// assert_eq!(m.assigned, vec![Some(SchoolIdx(0)), Some(SchoolIdx(1)), None]);
/// ```
pub fn deferred_acceptance_by_component(
    sizes: &[u32],
    capacity: &[u32],
    prefs: &[impl AsRef<[SchoolIdx]> + Sync],
    key: impl Fn(UnitIdx, SchoolIdx) -> Key + Sync,
) -> Matching {
    let (components, local) = Component::split(prefs, capacity.len());
    let matchings: Vec<Matching> = components
        .par_iter()
        .map(|c| {
            let sizes: Vec<u32> = c.members.iter().map(|&u| sizes[u as usize]).collect();
            let capacity: Vec<u32> = c.schools.iter().map(|s| capacity[s.index()]).collect();
            let mut pos = vec![0usize; c.members.len()];
            deferred_acceptance(
                &sizes,
                &capacity,
                |u| {
                    let list = prefs[c.members[u.index()] as usize].as_ref();
                    let s = list.get(pos[u.index()]).map(|&s| SchoolIdx(local[s.index()]));
                    pos[u.index()] += 1;
                    s
                },
                |u, s| key(UnitIdx(c.members[u.index()]), c.schools[s.index()]),
            )
        })
        .collect();
    let mut assigned = vec![None; sizes.len()];
    let mut proposals = Vec::with_capacity(matchings.iter().map(|m| m.proposals.len()).sum());
    for (c, m) in components.iter().zip(matchings) {
        for (&u, school) in c.members.iter().zip(m.assigned) {
            assigned[u as usize] = school.map(|s| c.schools[s.index()]);
        }
        proposals.extend(m.proposals.into_iter().map(|p| Proposal {
            school: c.schools[p.school.index()],
            unit: UnitIdx(c.members[p.unit.index()]),
            key: p.key,
        }));
    }
    Matching { assigned, proposals }
}

/// Units whose lists are linked by shared schools, and those schools,
/// numbered apart from the rest (see [`deferred_acceptance_by_component`]).
struct Component {
    /// Its units, increasing.
    members: Vec<u32>,
    /// Its schools; a school's place here is its index in the component.
    schools: Vec<SchoolIdx>,
}

impl Component {
    /// The components of lists `prefs` over `schools` schools, in the
    /// order of their first unit, and each school's index in its
    /// component (a school is in one at most). Units with an empty list
    /// propose nowhere and are in none.
    fn split(prefs: &[impl AsRef<[SchoolIdx]>], schools: usize) -> (Vec<Component>, Vec<u32>) {
        let mut parent: Vec<u32> = (0..schools as u32).collect();
        fn root(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        for list in prefs {
            for pair in list.as_ref().windows(2) {
                let (a, b) = (root(&mut parent, pair[0].0), root(&mut parent, pair[1].0));
                // The smaller index becomes the root: the result does not
                // depend on the order of the unions.
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        let mut component_of_root = vec![u32::MAX; schools];
        let mut local = vec![u32::MAX; schools];
        let mut parts: Vec<(Vec<u32>, Vec<SchoolIdx>)> = Vec::new();
        for (l, list) in prefs.iter().enumerate() {
            let list = list.as_ref();
            let Some(first) = list.first() else { continue };
            let r = root(&mut parent, first.0) as usize;
            if component_of_root[r] == u32::MAX {
                component_of_root[r] = parts.len() as u32;
                parts.push((Vec::new(), Vec::new()));
            }
            let (members, its_schools) = &mut parts[component_of_root[r] as usize];
            members.push(l as u32);
            for &s in list {
                if local[s.index()] == u32::MAX {
                    local[s.index()] = its_schools.len() as u32;
                    its_schools.push(s);
                }
            }
        }
        let components = parts
            .into_iter()
            .map(|(members, schools)| Component { members, schools })
            .collect();
        (components, local)
    }
}

/// Keeps the units that fit, in key order; moves the others to `rejected`.
/// `new` was just added to units that fitted before.
fn choose(h: &mut Held, new: UnitIdx, capacity: u64, sizes: &[u32], rejected: &mut Vec<UnitIdx>) {
    if h.seats_used <= capacity {
        return;
    }
    // The units held before all fitted, so when the newcomer is last in
    // order the walk would keep them all and turn only the newcomer away.
    if h.last() == Some(new) {
        let size = sizes[new.index()];
        h.pop_last();
        h.seats_used -= u64::from(size);
        if size > 1 {
            h.groups -= 1;
        }
        rejected.push(new);
        return;
    }
    if h.groups == 0 {
        while h.seats_used > capacity {
            // Seats used imply units held; the `else` is never taken.
            let Some(u) = h.pop_last() else { break };
            h.seats_used -= 1;
            rejected.push(u);
        }
        return;
    }
    // A group is held, so the units are in order: walk them.
    let mut remaining = capacity;
    let mut out = Vec::new();
    h.sorted.retain(|p| {
        let size = u64::from(p.size);
        if size <= remaining {
            remaining -= size;
            true
        } else {
            out.push(p.unit);
            false
        }
    });
    for u in out {
        let size = sizes[u.index()];
        h.seats_used -= u64::from(size);
        if size > 1 {
            h.groups -= 1;
        }
        rejected.push(u);
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

    /// A unit's key in the random rounds: its drawn priority, and a ticket
    /// led by a drawn byte (ties between units are common) and, past the
    /// four bytes a school's order compares first, the unit's number.
    fn drawn_key(unit: usize, priority: u32, byte: u8) -> Key {
        let mut ticket = [0u8; 32];
        ticket[0] = byte;
        ticket[4] = unit as u8;
        for (k, t) in ticket[8..].iter_mut().enumerate() {
            *t = k as u8 + 1;
        }
        Key {
            priority,
            ticket: Ticket(ticket),
        }
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
        /// Random rounds over schools in a few zones (lists mostly within
        /// a zone, some crossing, so components merge), with groups and
        /// shared priorities: the run by component gives the same
        /// matching as one run, and each unit the same proposals in the
        /// same order.
        #[test]
        fn components_match_one_run(
            units in proptest::collection::vec(
                (1u32..=3, 1u32..=3, 0u8..=255, 0u32..4, proptest::collection::vec(0u32..3, 0..4), 0u8..10),
                0..60,
            ),
            capacity in proptest::collection::vec(0u32..5, 12),
        ) {
            let sizes: Vec<u32> = units.iter().map(|u| if u.0 == 3 { 2 } else { 1 }).collect();
            let keys: Vec<Key> = units
                .iter()
                .enumerate()
                .map(|(i, u)| drawn_key(i, u.1, u.2))
                .collect();
            // Zone z has schools 3z..3z+3; one unit in ten also lists the
            // next zone's first school.
            let prefs: Vec<Vec<SchoolIdx>> = units.iter().map(|u| {
                let mut l = Vec::new();
                for &s in &u.4 {
                    let s = SchoolIdx(3 * u.3 + s);
                    if !l.contains(&s) { l.push(s); }
                }
                if u.5 == 0 {
                    l.push(SchoolIdx(3 * ((u.3 + 1) % 4)));
                }
                l
            }).collect();
            let key = |u: UnitIdx, _| keys[u.index()];
            let mut pos = vec![0usize; prefs.len()];
            let one = deferred_acceptance(
                &sizes,
                &capacity,
                |u| {
                    let s = prefs[u.index()].get(pos[u.index()]).copied();
                    pos[u.index()] += 1;
                    s
                },
                key,
            );
            let split = deferred_acceptance_by_component(&sizes, &capacity, &prefs, key);
            proptest::prop_assert_eq!(&split.assigned, &one.assigned);
            let by_unit = |m: &Matching| {
                let mut made = vec![Vec::new(); sizes.len()];
                for p in &m.proposals {
                    made[p.unit.index()].push((p.school, p.key));
                }
                made
            };
            proptest::prop_assert_eq!(by_unit(&split), by_unit(&one));
        }
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
                .map(|(i, u)| drawn_key(i, u.1, u.2))
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
