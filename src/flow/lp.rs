//! The same question as a linear programme for `good_lp`/`microlp`, so
//! that tests can compare it with the flow on small instances.

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};

use super::*;

/// The same question as [`assign`], as a linear programme solved by
/// `good_lp` with `microlp`: every allowed pair is a variable in `[0, 1]`,
/// each applicant takes at most one seat, each school at most its capacity.
/// It is solved in two stages, seats first (maximise the number seated `S`),
/// then distance (minimise the total in the same rounded millimetres as
/// [`assign`] subject to seating `S`); the constraint matrix is a network
/// matrix, so the simplex optimum is integral. Meant for small instances
/// (all pairs are enumerated): it is the cross-check, not the solver.
///
/// ```
/// use catchment::flow::{assign, assign_lp, DenseCosts};
///
/// let costs = DenseCosts::new(vec![1], vec![vec![Some(3.0)], vec![Some(4.0)]]);
/// let lp = assign_lp(&costs).unwrap();
/// assert_eq!(lp.seated, 1);
/// assert_eq!(lp.total_mm, assign(&costs).total_mm);
/// ```
///
/// # Errors
/// A message when the solver fails or returns a fractional solution.
pub fn assign_lp(model: &dyn CostModel) -> Result<Assignment, String> {
    let (n, m) = (model.applicants(), model.schools());
    // All allowed, usable pairs, as (applicant, school, mm, metres).
    let mut pairs: Vec<(usize, usize, i64, f64)> = Vec::new();
    for i in 0..n {
        let first = pairs.len();
        for (j, metres) in model.nearest(i) {
            let Some(mm) = to_mm(metres) else { continue };
            if j >= m || model.capacity(j) == 0 || pairs[first..].iter().any(|p| p.1 == j) {
                continue;
            }
            pairs.push((i, j, mm, metres));
        }
    }
    let stats = FlowStats {
        candidate_edges: pairs.len(),
        ..FlowStats::default()
    };
    let mut school = vec![None; n];
    if pairs.is_empty() {
        return Ok(Assignment {
            school,
            seated: 0,
            total_m: 0.0,
            total_mm: 0,
            stats,
        });
    }
    let seated_max = solve_lp_stage(model, &pairs, None)?
        .iter()
        .filter(|&&x| x > 0.5)
        .count();
    let x = solve_lp_stage(model, &pairs, Some(seated_max))?;
    let (mut seated, mut total_m, mut total_mm) = (0, 0.0, 0i128);
    for (p, &v) in pairs.iter().zip(&x) {
        if v > 1e-6 && v < 1.0 - 1e-6 {
            return Err(format!(
                "fractional LP solution {v} for applicant {} at school {}",
                p.0, p.1
            ));
        }
        if v > 0.5 {
            if school[p.0].is_some() {
                return Err(format!("applicant {} seated twice", p.0));
            }
            school[p.0] = Some(p.1);
            seated += 1;
            total_m += p.3;
            total_mm += p.2 as i128;
        }
    }
    Ok(Assignment {
        school,
        seated,
        total_m,
        total_mm,
        stats,
    })
}

/// Stage 1 (`seats = None`): maximise the pairs used. Stage 2: minimise the
/// millimetres subject to using `seats` pairs. Returns the pair values.
fn solve_lp_stage(
    model: &dyn CostModel,
    pairs: &[(usize, usize, i64, f64)],
    seats: Option<usize>,
) -> Result<Vec<f64>, String> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = pairs.iter().map(|_| vars.add(variable().min(0).max(1))).collect();
    let used: Expression = x.iter().sum();
    let mut per_applicant: Vec<Expression> = vec![Expression::from(0.0); model.applicants()];
    let mut per_school: Vec<Expression> = vec![Expression::from(0.0); model.schools()];
    let mut distance = Expression::from(0.0);
    for (p, &v) in pairs.iter().zip(&x) {
        per_applicant[p.0] += v;
        per_school[p.1] += v;
        distance.add_mul(p.2 as f64, v);
    }
    let mut problem = match seats {
        None => vars.maximise(used.clone()).using(microlp),
        Some(_) => vars.minimise(distance).using(microlp),
    };
    for (i, e) in per_applicant.into_iter().enumerate() {
        if pairs.iter().any(|p| p.0 == i) {
            problem = problem.with(constraint!(e <= 1.0));
        }
    }
    for (j, e) in per_school.into_iter().enumerate() {
        if pairs.iter().any(|p| p.1 == j) {
            problem = problem.with(constraint!(e <= model.capacity(j) as f64));
        }
    }
    if let Some(s) = seats {
        problem = problem.with(constraint!(used >= s as f64));
    }
    let solution = problem.solve().map_err(|e| e.to_string())?;
    Ok(x.iter().map(|&v| solution.value(v)).collect())
}
