//! An independent check of a run folder, written from spec §4 alone.
//!
//! [`crate::invariants`] checks an [`crate::round::Outcome`] with the
//! round's own zone lookup, units and preference lists, so a mistake shared
//! by the round and its checker goes unseen. This module trusts none of
//! that: it reads `assignments.csv` and `schools.csv` from the run folder
//! and checks them against the scenario's typed inputs (schools, applicants,
//! zone polygons, policy) with its own code for every rule:
//! - one row per applicant, each with its applicant's level;
//! - seats (`classes × min(class_cap, max_class_size) − reserved`), the
//!   per-school counts of `schools.csv`, and class formation (spec §5);
//! - every ticket recomputed from the seed (spec §3);
//! - every zone by its own point-in-polygon test on the zone polygons
//!   (ray casting, boundary included, first id on an overlap);
//! - stability of the private and the zone or nearest stage by brute force
//!   over every applicant and every school it preferred;
//! - the fallback replayed (`nearest_vacancy`, `none`) with its reasons;
//! - for `optimal` (rule or fallback), optimality by a certificate
//!   recomputed from the files: no negative cycle in the residual graph
//!   over schools (Bellman–Ford), i.e. no way to seat more or to seat the
//!   same number closer.
//!
//! Only parsing is shared with the round ([`crate::scenario::load`], tested
//! on its own by the bad-input corpus); the checker never calls the stages,
//! the lottery, the matching, the zone index or the distance module.
//!
//! Where the spec leaves groups drawn together without a stable matching
//! (README, "Decisions"), stability is checked for applicants drawn alone at
//! schools no group applied to, as in [`crate::invariants`].

mod optimal;
mod rows;
mod rules;
mod stages;

use std::path::Path;

use crate::scenario::{Level, Rule, Scenario, Sector};

pub use rows::Row;

/// One way the run folder breaks the spec, named by ids (never by an
/// internal index).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The applicant concerned, if one is.
    pub applicant: Option<String>,
    /// The school concerned, if one is.
    pub school: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.applicant, &self.school) {
            (Some(a), Some(s)) => write!(f, "applicant {a}, school {s}: {}", self.message),
            (Some(a), None) => write!(f, "applicant {a}: {}", self.message),
            (None, Some(s)) => write!(f, "school {s}: {}", self.message),
            (None, None) => write!(f, "{}", self.message),
        }
    }
}

/// What the check found, and what it could not check (said, never skipped
/// silently).
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// Every problem found, sorted.
    pub findings: Vec<Finding>,
    /// Checks not made, with the reason (e.g. an `optimal` stage too large
    /// for the certificate's Bellman–Ford).
    pub not_checked: Vec<String>,
}

impl Audit {
    fn add(&mut self, applicant: Option<&str>, school: Option<&str>, message: impl Into<String>) {
        self.findings.push(Finding {
            applicant: applicant.map(str::to_string),
            school: school.map(str::to_string),
            message: message.into(),
        });
    }
}

/// Checks the run folder `run` against `scenario` (loaded from its folder
/// with the options the run was made with).
///
/// # Errors
/// A message naming the file when `assignments.csv` or `schools.csv` is
/// missing or malformed.
pub fn check_run_folder(scenario: &Scenario, run: &Path) -> Result<Audit, String> {
    let rows = rows::read_assignments(&run.join("assignments.csv"))?;
    let school_rows = rows::read_schools(&run.join("schools.csv"))?;
    let mut audit = check_rows(scenario, &rows);
    rows::check_school_rows(scenario, &rows, &school_rows, &mut audit);
    audit.findings.sort();
    audit.findings.dedup();
    Ok(audit)
}

/// Checks assignment rows (as read from `assignments.csv`) against the
/// scenario: every rule of spec §4 and §5 that the rows show.
pub fn check_rows(scenario: &Scenario, rows: &[Row]) -> Audit {
    let mut audit = Audit::default();
    let Some(by_applicant) = rows::one_row_each(scenario, rows, &mut audit) else {
        return audit;
    };
    let facts = rules::Facts::new(scenario, &by_applicant);
    rows::check_capacity_and_classes(&facts, &mut audit);
    rules::check_tickets_and_zones(&facts, &mut audit);
    stages::check_private(&facts, &mut audit);
    match scenario.policy.rule {
        Rule::Zone | Rule::Nearest => stages::check_public_da(&facts, &mut audit),
        Rule::Optimal => optimal::check_rule_optimal(&facts, &mut audit),
    }
    stages::check_fallback(&facts, &mut audit);
    audit
}

/// Seats of a public or private school by spec §1, from the declared
/// columns: `classes × min(class_cap, max_class_size) − reserved`, never
/// below 0.
pub fn seats(scenario: &Scenario, school: usize) -> u32 {
    let s = &scenario.schools[school];
    let cap = class_cap(scenario, school);
    (u64::from(s.classes) * u64::from(cap))
        .saturating_sub(u64::from(s.reserved))
        .min(u64::from(u32::MAX)) as u32
}

/// The effective class size limit of a school: its `class_cap` (default
/// the policy's) capped by the level's `max_class_size`.
pub fn class_cap(scenario: &Scenario, school: usize) -> u32 {
    let s = &scenario.schools[school];
    let max = scenario
        .policy
        .max_class_size
        .get(&s.level)
        .copied()
        .unwrap_or(u32::MAX);
    s.class_cap_declared.map_or(max, |c| c.min(max))
}

/// Public schools of a level, by index.
fn public_schools(scenario: &Scenario, level: Level) -> Vec<usize> {
    (0..scenario.schools.len())
        .filter(|&s| scenario.schools[s].level == level && scenario.schools[s].sector == Sector::Public)
        .collect()
}

/// A cell as messages show it: its text, or `(empty)`.
fn shown<T: std::fmt::Display>(cell: Option<T>) -> String {
    cell.map_or_else(|| "(empty)".to_string(), |c| c.to_string())
}
