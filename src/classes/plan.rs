//! Class planning (`catchment plan-classes`): how many entry classes each
//! public school should open, as a mixed-integer model solved with
//! `good_lp` (pure-Rust `microlp`).
//!
//! For each level separately:
//! - `k_s` (integer, between the school's `min_classes` and `classes`) is
//!   the number of classes school `s` opens;
//! - demand is aggregated to grid cells of homes (`cell_m` metres square, at
//!   the cell's mean home): `x_cs ≥ 0` pupils of cell `c` go to school `s`,
//!   and `u_c ≥ 0` of them find no seat;
//! - every pupil is counted once, `Σ_s x_cs + u_c = n_c`, and no class
//!   exceeds the school's class size limit (`min(class_cap,
//!   max_class_size)`, so the standard, or a smaller room),
//!   `Σ_c x_cs ≤ cap_s · k_s`;
//! - the objective is total home–school distance plus `class_cost_m` metres
//!   per class opened plus [`UNSEATED_M`] per pupil without a seat, so
//!   seating everyone comes first.
//!
//! The demand is every applicant of the level who did not take a private
//! school in the round.
//!
//! "Now" is today's arrangement for comparison: each school takes the
//! applicants who put it first in stage 2 (up to `classes × class_cap` as
//! declared, which may exceed the standard), in its `classes` classes; the
//! large classes (大班额, 56–65) and super-large classes (超大班额, 66+) of
//! that arrangement are what the plan eliminates. The model grows with cells × schools; cells are made
//! coarser (250 m, then doubled) until the model has at most
//! [`MAX_PAIRS`] cell–school pairs, and the cell size used is reported. A
//! level whose schools alone exceed the limit at 8 km cells is refused with
//! a message, never truncated.

use std::collections::BTreeMap;

use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use serde::Serialize;

use crate::distance::haversine;
use crate::error::Error;
use crate::round::{Outcome, Stage};
use crate::scenario::{Level, Scenario, SchoolIdx, Sector};

/// Cost of one pupil left without a seat, metres-equivalent: larger than
/// any home–school distance, so the plan seats as many as it can first.
pub const UNSEATED_M: f64 = 1.0e7;

/// Largest number of cell–school pairs given to the solver per level.
pub const MAX_PAIRS: usize = 20_000;

/// A school's line in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolPlan {
    /// The school.
    pub school: SchoolIdx,
    /// Classes it can open now (`classes`).
    pub classes_now: u32,
    /// Classes the plan opens.
    pub classes_planned: u32,
    /// Pupils the plan sends there.
    pub pupils: u32,
    /// Pupils today: those who put the school first, up to its declared
    /// seats (`classes × class_cap` as declared).
    pub pupils_now: u32,
    /// Largest class today.
    pub largest_class_now: u32,
    /// Largest class under the plan.
    pub largest_class_planned: u32,
    /// Large classes (大班额, 56–65) and super-large classes (超大班额, 66+)
    /// with today's number of classes.
    pub large_now: (u32, u32),
    /// The same under the plan.
    pub large_planned: (u32, u32),
}

/// The plan of one level.
#[derive(Debug, Clone)]
pub struct LevelPlan {
    /// The level.
    pub level: Level,
    /// Cell size used, metres.
    pub cell_m: f64,
    /// Cells of demand.
    pub cells: usize,
    /// Pupils planned for (applicants not placed in a private school).
    pub demand: u32,
    /// Pupils the plan cannot seat.
    pub unseated: u32,
    /// Total distance, metres (cell centre to school).
    pub distance_m: f64,
    /// Per school, sorted by id.
    pub schools: Vec<SchoolPlan>,
}

/// Sizes of `k` classes for `n` pupils differ by at most one; how many are
/// large (56–65) and super-large (66+).
pub fn large_classes(n: u32, k: u32) -> (u32, u32) {
    if k == 0 {
        return (0, 0);
    }
    let (q, r) = (n / k, n % k);
    let count = |lo: u32, hi: u32| {
        let big = if (lo..=hi).contains(&(q + 1)) { r } else { 0 };
        let small = if (lo..=hi).contains(&q) { k - r } else { 0 };
        big + small
    };
    (count(56, 65), count(66, u32::MAX))
}

/// Plans classes for every level with public schools.
pub fn plan(scenario: &Scenario, outcome: &Outcome, class_cost_m: f64) -> Result<Vec<LevelPlan>, Error> {
    let mut plans = Vec::new();
    for level in Level::ALL {
        let schools: Vec<SchoolIdx> = (0..scenario.schools.len() as u32)
            .map(SchoolIdx)
            .filter(|&s| {
                let school = scenario.school(s);
                school.level == level && school.sector == Sector::Public
            })
            .collect();
        let homes: Vec<(f64, f64)> = scenario
            .applicants
            .iter()
            .zip(&outcome.placements)
            .filter(|(a, p)| a.level == level && p.stage != Stage::PrivateLottery)
            .map(|(a, _)| (a.lon, a.lat))
            .collect();
        if schools.is_empty() && homes.is_empty() {
            continue;
        }
        plans.push(plan_level(scenario, outcome, level, &schools, &homes, class_cost_m)?);
    }
    Ok(plans)
}

/// Homes aggregated to square cells of `cell_m` metres: (lon, lat, count),
/// at the mean home of each cell, in cell order.
fn cells(homes: &[(f64, f64)], cell_m: f64) -> Vec<(f64, f64, u32)> {
    let lat0 = homes.iter().map(|h| h.1).sum::<f64>() / homes.len().max(1) as f64;
    let dlat = cell_m / 111_195.0;
    let dlon = dlat / lat0.to_radians().cos().max(0.01);
    let mut grid: BTreeMap<(i64, i64), (f64, f64, u32)> = BTreeMap::new();
    for &(lon, lat) in homes {
        let key = ((lon / dlon).floor() as i64, (lat / dlat).floor() as i64);
        let e = grid.entry(key).or_default();
        e.0 += lon;
        e.1 += lat;
        e.2 += 1;
    }
    grid.into_values()
        .map(|(x, y, n)| (x / f64::from(n), y / f64::from(n), n))
        .collect()
}

/// Applicants who put each school first in stage 2 (members of groups
/// counted one by one).
fn first_choice_demand(outcome: &Outcome, school: SchoolIdx) -> u32 {
    outcome
        .draws
        .iter()
        .filter(|d| matches!(d.stage, Stage::Zone | Stage::Nearest) && d.draw.school == Some(school))
        .flat_map(|d| &d.draw.entries)
        .filter(|e| e.choice == Some(1))
        .map(|e| outcome.units[e.unit.index()].members.len() as u32)
        .sum()
}

fn plan_level(
    scenario: &Scenario,
    outcome: &Outcome,
    level: Level,
    schools: &[SchoolIdx],
    homes: &[(f64, f64)],
    class_cost_m: f64,
) -> Result<LevelPlan, Error> {
    let mut cell_m = 250.0;
    let mut demand_cells = cells(homes, cell_m);
    while demand_cells.len() * schools.len().max(1) > MAX_PAIRS {
        if cell_m >= 8_000.0 {
            return Err(Error::Usage(format!(
                "plan-classes: the {} level has {} public schools and {} demand cells at 8 km; the model would exceed {MAX_PAIRS} cell–school pairs. Plan one district at a time.",
                level.as_str(),
                schools.len(),
                demand_cells.len()
            )));
        }
        cell_m *= 2.0;
        demand_cells = cells(homes, cell_m);
    }
    let cap = f64::from(scenario.policy.max_class_size(level));
    let mut vars = ProblemVariables::new();
    let k: Vec<Variable> = schools
        .iter()
        .map(|&s| {
            let school = scenario.school(s);
            let min = school.min_classes.min(school.classes);
            vars.add(variable().integer().min(min).max(school.classes))
        })
        .collect();
    let x: Vec<Vec<Variable>> = demand_cells
        .iter()
        .map(|_| schools.iter().map(|_| vars.add(variable().min(0))).collect())
        .collect();
    let u: Vec<Variable> = demand_cells.iter().map(|_| vars.add(variable().min(0))).collect();
    let distance: Vec<Vec<f64>> = demand_cells
        .iter()
        .map(|&(lon, lat, _)| {
            schools
                .iter()
                .map(|&s| {
                    let school = scenario.school(s);
                    haversine((lon, lat), (school.lon, school.lat))
                })
                .collect()
        })
        .collect();
    let mut objective = Expression::from(0.0);
    for (c, row) in x.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            objective += distance[c][j] * v;
        }
        objective += UNSEATED_M * u[c];
    }
    for &kv in &k {
        objective += class_cost_m * kv;
    }
    let mut model = vars.minimise(objective).using(microlp);
    for (c, row) in x.iter().enumerate() {
        let seated: Expression = row.iter().map(|&v| Expression::from(v)).sum();
        model = model.with((seated + u[c]).eq(f64::from(demand_cells[c].2)));
    }
    for (j, &kv) in k.iter().enumerate() {
        let pupils: Expression = x.iter().map(|row| Expression::from(row[j])).sum();
        model = model.with(pupils.leq(f64::from(scenario.school(schools[j]).cap) * kv));
    }
    let solution = model.solve().map_err(|e| {
        Error::Usage(format!(
            "plan-classes: the {} model could not be solved: {e}",
            level.as_str()
        ))
    })?;
    let mut plans = Vec::new();
    let mut distance_m = 0.0;
    for (j, &s) in schools.iter().enumerate() {
        let school = scenario.school(s);
        let mut pupils = 0.0;
        for (c, row) in x.iter().enumerate() {
            let v = solution.value(row[j]);
            pupils += v;
            distance_m += v * distance[c][j];
        }
        let pupils = pupils.round().max(0.0) as u32;
        let planned = solution.value(k[j]).round().max(0.0) as u32;
        let now = school.classes;
        let declared_cap = school.class_cap_declared.unwrap_or(cap as u32);
        let pupils_now = first_choice_demand(outcome, s).min(now.saturating_mul(declared_cap));
        plans.push(SchoolPlan {
            school: s,
            classes_now: now,
            classes_planned: planned,
            pupils,
            pupils_now,
            largest_class_now: if now == 0 { 0 } else { pupils_now.div_ceil(now) },
            largest_class_planned: if planned == 0 { 0 } else { pupils.div_ceil(planned) },
            large_now: large_classes(pupils_now, now),
            large_planned: large_classes(pupils, planned),
        });
    }
    let unseated: f64 = u.iter().map(|&v| solution.value(v)).sum();
    Ok(LevelPlan {
        level,
        cell_m,
        cells: demand_cells.len(),
        demand: homes.len() as u32,
        unseated: unseated.round() as u32,
        distance_m,
        schools: plans,
    })
}

/// A school's line of the plan with its id and name: a row of the
/// `plan-classes` table, of `plan.csv`, and of its `--json` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolRow<'a> {
    /// School id.
    pub school: &'a str,
    /// School name.
    pub name: &'a str,
    /// Classes it can open now.
    pub classes_now: u32,
    /// Classes the plan opens.
    pub classes_planned: u32,
    /// Pupils today.
    pub pupils_now: u32,
    /// Pupils the plan sends there.
    pub pupils_planned: u32,
    /// Largest class today.
    pub largest_class_now: u32,
    /// Largest class under the plan.
    pub largest_class_planned: u32,
    /// Large and super-large classes today (in `plan.csv` only).
    #[serde(skip)]
    pub large_now: (u32, u32),
    /// The same under the plan (in `plan.csv` only).
    #[serde(skip)]
    pub large_planned: (u32, u32),
}

/// The plan of one level with school ids and names, ready to print,
/// write or serialise (`catchment plan-classes --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelReport<'a> {
    /// The level's spelling (`primary`, `junior`).
    pub level: &'static str,
    /// Pupils planned for.
    pub pupils: u32,
    /// Cells of demand.
    pub cells: usize,
    /// Cell size used, metres.
    pub cell_m: f64,
    /// Pupils the plan cannot seat.
    pub unseated: u32,
    /// Total distance, metres.
    pub distance_m: f64,
    /// Large and super-large classes today, all schools together.
    pub large_classes_now: u32,
    /// The same under the plan.
    pub large_classes_planned: u32,
    /// Per school, sorted by id.
    pub schools: Vec<SchoolRow<'a>>,
}

/// The plans with school ids and names, one report per level.
pub fn report<'a>(scenario: &'a Scenario, plans: &[LevelPlan]) -> Vec<LevelReport<'a>> {
    plans
        .iter()
        .map(|plan| LevelReport {
            level: plan.level.as_str(),
            pupils: plan.demand,
            cells: plan.cells,
            cell_m: plan.cell_m,
            unseated: plan.unseated,
            distance_m: plan.distance_m,
            large_classes_now: plan.schools.iter().map(|p| p.large_now.0 + p.large_now.1).sum(),
            large_classes_planned: plan.schools.iter().map(|p| p.large_planned.0 + p.large_planned.1).sum(),
            schools: plan
                .schools
                .iter()
                .map(|p| {
                    let school = scenario.school(p.school);
                    SchoolRow {
                        school: &school.id,
                        name: &school.name,
                        classes_now: p.classes_now,
                        classes_planned: p.classes_planned,
                        pupils_now: p.pupils_now,
                        pupils_planned: p.pupils,
                        largest_class_now: p.largest_class_now,
                        largest_class_planned: p.largest_class_planned,
                        large_now: p.large_now,
                        large_planned: p.large_planned,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The plan as the table `catchment plan-classes` prints: per level a
/// line of totals, then one line per school.
pub fn plan_table(levels: &[LevelReport]) -> String {
    let mut table = String::new();
    for level in levels {
        table.push_str(&format!(
            "{}: {} pupils in {} cells of {} m; {} unseated; {:.0} km total distance; large classes (56+) {} now -> {} planned\n",
            level.level,
            level.pupils,
            level.cells,
            level.cell_m,
            level.unseated,
            level.distance_m / 1000.0,
            level.large_classes_now,
            level.large_classes_planned
        ));
        table.push_str(&format!(
            "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  name\n",
            "school", "classes", "planned", "pupils now", "planned", "largest now", "planned"
        ));
        for p in &level.schools {
            table.push_str(&format!(
                "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  {}\n",
                p.school,
                p.classes_now,
                p.classes_planned,
                p.pupils_now,
                p.pupils_planned,
                p.largest_class_now,
                p.largest_class_planned,
                p.name
            ));
        }
    }
    table
}

/// The plan as CSV (`plan.csv`): one row per school.
pub fn plan_csv(levels: &[LevelReport]) -> Vec<u8> {
    let mut w = crate::output::Table::new([
        "school_id",
        "name",
        "level",
        "classes_now",
        "classes_recommended",
        "pupils_now",
        "pupils_recommended",
        "largest_class_now",
        "largest_class_recommended",
        "large_classes_now",
        "super_large_classes_now",
        "large_classes_recommended",
        "super_large_classes_recommended",
    ]);
    for level in levels {
        for p in &level.schools {
            w.row([
                p.school,
                p.name,
                level.level,
                &p.classes_now.to_string(),
                &p.classes_planned.to_string(),
                &p.pupils_now.to_string(),
                &p.pupils_planned.to_string(),
                &p.largest_class_now.to_string(),
                &p.largest_class_planned.to_string(),
                &p.large_now.0.to_string(),
                &p.large_now.1.to_string(),
                &p.large_planned.0.to_string(),
                &p.large_planned.1.to_string(),
            ]);
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_super_large_classes_by_hand() {
        // 130 pupils in 2 classes: 65 + 65, both large.
        assert_eq!(large_classes(130, 2), (2, 0));
        // 131 in 2: 66 + 65: one super-large, one large.
        assert_eq!(large_classes(131, 2), (1, 1));
        // 90 in 2: 45 + 45: none.
        assert_eq!(large_classes(90, 2), (0, 0));
        assert_eq!(large_classes(10, 0), (0, 0));
    }

    #[test]
    fn cells_aggregate_homes_at_their_mean() {
        let homes = [(116.4000, 39.9000), (116.4001, 39.9001), (116.45, 39.95)];
        let c = cells(&homes, 250.0);
        assert_eq!(c.len(), 2);
        assert_eq!(c.iter().map(|x| x.2).sum::<u32>(), 3);
    }

    #[test]
    fn table_csv_and_json_of_a_report_by_hand() {
        let level = LevelReport {
            level: "primary",
            pupils: 130,
            cells: 2,
            cell_m: 250.0,
            unseated: 0,
            distance_m: 1500.0,
            large_classes_now: 2,
            large_classes_planned: 0,
            schools: vec![SchoolRow {
                school: "S1",
                name: "North",
                classes_now: 2,
                classes_planned: 3,
                pupils_now: 130,
                pupils_planned: 130,
                largest_class_now: 65,
                largest_class_planned: 44,
                large_now: (2, 0),
                large_planned: (0, 0),
            }],
        };
        let levels = [level];
        assert_eq!(
            plan_table(&levels),
            "primary: 130 pupils in 2 cells of 250 m; 0 unseated; 2 km total distance; large classes (56+) 2 now -> 0 planned\n\
             \x20 school   classes planned pupils now    planned largest now     planned  name\n\
             \x20 S1             2       3        130        130          65          44  North\n"
        );
        let csv = String::from_utf8(plan_csv(&levels)).unwrap();
        assert_eq!(csv.lines().nth(1), Some("S1,North,primary,2,3,130,130,65,44,2,0,0,0"));
        let json = serde_json::to_string(&levels[0].schools[0]).unwrap();
        assert_eq!(
            json,
            r#"{"school":"S1","name":"North","classes_now":2,"classes_planned":3,"pupils_now":130,"pupils_planned":130,"largest_class_now":65,"largest_class_planned":44}"#
        );
    }
}
