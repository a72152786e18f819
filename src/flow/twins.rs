//! The canonical tie rule among twins: applicants whose costs to every
//! school are identical (in the round, applicants sharing a home).
//!
//! Any optimum may be permuted within a group of twins and stay optimal
//! (same seats, same total), and which permutation a solver reaches depends
//! on its internal order. So after solving, each group's schools are handed
//! out again in one fixed order that no algorithm choice can change:
//! members in the model's order for the group (the round: by applicant
//! id), schools by increasing index, unseated last. See the module docs of
//! [`crate::flow`], `# Ties`.

use super::CostModel;

/// Re-hands the schools of each group of `twins` in canonical order, moving
/// the chosen pair's metres with the school, and returns how many applicants
/// changed school.
///
/// A group is used only if it is well formed (members in range, no
/// applicant in two groups) and every member has the same cost, to the
/// bit, as the member holding it at each school the group received; then
/// the exchange keeps the assignment feasible with the same seated count
/// and the same total, so an optimum stays an optimum. A group failing
/// this (a model that claims twins it does not have) is left as solved.
pub(super) fn hand_out(
    model: &dyn CostModel,
    twins: &[Vec<usize>],
    school: &mut [Option<usize>],
    metres: &mut [f64],
) -> usize {
    let n = school.len();
    let mut grouped = vec![false; n];
    let mut changed = 0;
    for group in twins {
        if group.len() < 2 || group.iter().any(|&i| i >= n || grouped[i]) {
            continue;
        }
        for &i in group {
            grouped[i] = true;
        }
        // (school, metres, holder), schools by increasing index, unseated last.
        let mut got: Vec<(Option<usize>, f64, usize)> = group.iter().map(|&i| (school[i], metres[i], i)).collect();
        got.sort_by_key(|&(s, _, holder)| (s.is_none(), s, holder));
        if group.iter().zip(&got).all(|(&i, g)| school[i] == g.0) {
            continue;
        }
        let same_costs = got.iter().all(|&(s, _, holder)| {
            s.is_none_or(|s| {
                let theirs = model.cost(holder, s).map(f64::to_bits);
                theirs.is_some() && group.iter().all(|&i| model.cost(i, s).map(f64::to_bits) == theirs)
            })
        });
        if !same_costs {
            continue;
        }
        for (&i, &(s, m, _)) in group.iter().zip(&got) {
            if school[i] != s {
                changed += 1;
            }
            school[i] = s;
            metres[i] = if s.is_some() { m } else { 0.0 };
        }
    }
    changed
}
