//! The run folder's rows as the checker reads them, and the checks that
//! need only the rows: one per applicant, seats, class formation, and the
//! per-school counts of `schools.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::rules::Facts;
use super::{class_cap, seats, Audit};
use crate::scenario::Scenario;

/// One row of `assignments.csv`, by column name (spec §6).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Row {
    /// The applicant.
    pub applicant_id: String,
    /// Its level.
    pub level: String,
    /// Its school; `None` when unplaced.
    pub school_id: Option<String>,
    /// The stage that placed it, or `unplaced`.
    pub stage: String,
    /// Its zone under rule `zone`.
    pub zone_id: Option<String>,
    /// Metres to its school, one decimal.
    pub distance_m: Option<f64>,
    /// Its own priority tier.
    pub priority: u32,
    /// The ticket it was admitted with (its `public` ticket when unplaced).
    pub ticket: String,
    /// Its class at its school.
    pub class_no: Option<u32>,
    /// Why it is unplaced.
    pub reason: Option<String>,
}

/// The columns of `schools.csv` the checker recomputes.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SchoolRow {
    school_id: String,
    capacity: u32,
    admitted: u32,
    classes_opened: u32,
    largest_class: u32,
    vacancies: u32,
}

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, String> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    // `run --csv-bom` starts the file with a UTF-8 byte-order mark.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(body);
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        rows.push(row.map_err(|e| format!("{name}:{}: {e}", i + 2))?);
    }
    Ok(rows)
}

/// Reads `assignments.csv`.
pub(super) fn read_assignments(path: &Path) -> Result<Vec<Row>, String> {
    read(path)
}

/// Reads `schools.csv`.
pub(super) fn read_schools(path: &Path) -> Result<Vec<SchoolRow>, String> {
    read(path)
}

/// Each applicant's row, in applicant order; `None` (with findings) when an
/// applicant has no row or several, or a row names no applicant.
pub(super) fn one_row_each<'a>(scenario: &Scenario, rows: &'a [Row], audit: &mut Audit) -> Option<Vec<&'a Row>> {
    let mut by_id: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_id.entry(r.applicant_id.as_str()).or_default().push(r);
    }
    let mut ok = true;
    let mut out = Vec::with_capacity(scenario.applicants.len());
    for a in &scenario.applicants {
        match by_id.remove(a.id.as_str()).as_deref() {
            Some([r]) => {
                if r.level != a.level.as_str() {
                    audit.add(
                        Some(&a.id),
                        None,
                        format!("level {:?}, expected {:?}", r.level, a.level.as_str()),
                    );
                }
                out.push(*r);
            }
            Some(many) => {
                audit.add(
                    Some(&a.id),
                    None,
                    format!("{} rows in assignments.csv, expected one", many.len()),
                );
                ok = false;
            }
            None => {
                audit.add(Some(&a.id), None, "no row in assignments.csv");
                ok = false;
            }
        }
    }
    for id in by_id.keys() {
        audit.add(
            Some(id),
            None,
            "row in assignments.csv for an applicant not in applicants.csv",
        );
        ok = false;
    }
    ok.then_some(out)
}

/// A pupil as class formation sees it: (priority, ticket, id, class).
type Pupil<'a> = (u32, &'a str, &'a str, Option<u32>);

/// Pupils of each school, in (priority, ticket, id) order.
fn pupils<'a>(facts: &Facts<'a>) -> Vec<Vec<Pupil<'a>>> {
    let mut by_school = vec![Vec::new(); facts.scenario.schools.len()];
    for (a, r) in facts.rows.iter().enumerate() {
        if let Some(s) = facts.school_of[a] {
            by_school[s].push((r.priority, r.ticket.as_str(), r.applicant_id.as_str(), r.class_no));
        }
    }
    for p in &mut by_school {
        p.sort();
    }
    by_school
}

/// Classes a school opens for `n` pupils (spec §5).
fn classes_for(facts: &Facts, school: usize, n: usize) -> u32 {
    let cap = class_cap(facts.scenario, school).max(1) as usize;
    (n.div_ceil(cap) as u32).min(facts.scenario.schools[school].classes)
}

/// No school over its seats; classes dealt round-robin in (priority,
/// ticket) order, twins by id (spec §5, README).
pub(super) fn check_capacity_and_classes(facts: &Facts, audit: &mut Audit) {
    for (s, list) in pupils(facts).iter().enumerate() {
        let school = &facts.scenario.schools[s];
        let cap = seats(facts.scenario, s) as usize;
        if list.len() > cap {
            let over = list.last().map(|p| p.2);
            audit.add(
                over,
                Some(&school.id),
                format!(
                    "{} pupils over its {cap} seats (the last in (priority, ticket) order named)",
                    list.len()
                ),
            );
        }
        let k = classes_for(facts, s, list.len()).max(1);
        for (j, (_, _, id, class)) in list.iter().enumerate() {
            let expected = (j as u32 % k) + 1;
            if *class != Some(expected) {
                audit.add(
                    Some(id),
                    Some(&school.id),
                    format!("class_no {}, expected {expected} by spec §5", super::shown(*class)),
                );
            }
        }
    }
    for (a, r) in facts.rows.iter().enumerate() {
        if facts.school_of[a].is_none() && r.class_no.is_some() {
            audit.add(Some(&r.applicant_id), None, "unplaced but has a class_no");
        }
    }
}

/// `schools.csv` agrees with the rows: seats, admitted, vacancies, classes
/// opened and the largest class.
pub(super) fn check_school_rows(scenario: &Scenario, rows: &[Row], school_rows: &[SchoolRow], audit: &mut Audit) {
    let mut admitted: BTreeMap<&str, Vec<Option<u32>>> = BTreeMap::new();
    for r in rows {
        if let Some(s) = &r.school_id {
            admitted.entry(s.as_str()).or_default().push(r.class_no);
        }
    }
    for row in school_rows {
        let Some(s) = scenario.school_index(&row.school_id) else {
            audit.add(None, Some(&row.school_id), "in schools.csv but not in the scenario");
            continue;
        };
        let s = s.index();
        let classes = admitted.get(row.school_id.as_str()).cloned().unwrap_or_default();
        let n = classes.len() as u32;
        let mut sizes: BTreeMap<u32, u32> = BTreeMap::new();
        for c in classes.iter().flatten() {
            *sizes.entry(*c).or_insert(0) += 1;
        }
        let expected = [
            ("capacity", row.capacity, seats(scenario, s)),
            ("admitted", row.admitted, n),
            ("vacancies", row.vacancies, seats(scenario, s).saturating_sub(n)),
            ("classes_opened", row.classes_opened, sizes.len() as u32),
            (
                "largest_class",
                row.largest_class,
                sizes.values().copied().max().unwrap_or(0),
            ),
        ];
        for (column, found, want) in expected {
            if found != want {
                audit.add(
                    None,
                    Some(&row.school_id),
                    format!("schools.csv {column} {found}, expected {want}"),
                );
            }
        }
    }
}
