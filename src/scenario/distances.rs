//! `distances.csv`: road or walking distances (spec §2, metric = matrix).

use std::collections::HashMap;

use crate::error::{Diagnostics, Location};

use super::{table, AppIdx, Applicant, School, SchoolIds, SchoolIdx};

/// Metres from each applicant to the schools it can reach. A missing pair
/// means "not reachable".
#[derive(Debug, Clone, Default)]
pub struct DistanceMatrix {
    /// Per applicant (by index), `(school, metres)` sorted by school index.
    rows: Vec<Vec<(SchoolIdx, f64)>>,
}

impl DistanceMatrix {
    /// Metres from applicant `a` to school `s`, if reachable.
    pub fn get(&self, a: AppIdx, s: SchoolIdx) -> Option<f64> {
        let row = &self.rows[a.index()];
        row.binary_search_by_key(&s, |&(si, _)| si).ok().map(|i| row[i].1)
    }

    /// All reachable schools of applicant `a`, by school index.
    pub fn row(&self, a: AppIdx) -> &[(SchoolIdx, f64)] {
        &self.rows[a.index()]
    }
}

/// Reads the matrix file named by the policy.
pub fn load(
    src: &super::table::Source,
    file: &str,
    schools: &[School],
    school_ids: &SchoolIds,
    applicants: &[Applicant],
    diags: &mut Diagnostics,
) -> Option<DistanceMatrix> {
    let applicant_ids: HashMap<&str, AppIdx> = applicants
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), AppIdx(i as u32)))
        .collect();
    let mut rows: Vec<Vec<(SchoolIdx, f64, u64)>> = vec![Vec::new(); applicants.len()];
    let ok = table::read(
        src,
        file,
        &["applicant_id", "school_id", "metres"],
        &[],
        diags,
        |row, diags| {
            let here = Location::Line(row.line);
            let a = row.required("applicant_id", diags).and_then(|id| {
                let a = applicant_ids.get(id).copied();
                if a.is_none() {
                    diags.error(
                        file,
                        here.clone(),
                        format!("applicant_id {id:?} is not in applicants.csv"),
                    );
                }
                a
            });
            let s = row.required("school_id", diags).and_then(|id| {
                let s = school_ids.get(id).copied();
                if s.is_none() && !school_ids.is_broken(id) {
                    diags.error(file, here.clone(), format!("school_id {id:?} is not in schools.csv"));
                }
                s
            });
            let m = row.parse::<f64>("metres", "a number", diags).and_then(|m| {
                if m.is_finite() && m >= 0.0 {
                    Some(m)
                } else {
                    diags.error(file, here.clone(), format!("metres {m} must be a finite number ≥ 0"));
                    None
                }
            });
            if let (Some(a), Some(s), Some(m)) = (a, s, m) {
                if applicants[a.index()].level != schools[s.index()].level {
                    diags.warning(
                        file,
                        here,
                        "pair of an applicant and a school of another level is ignored",
                    );
                    return;
                }
                rows[a.index()].push((s, m, row.line));
            }
        },
    );
    if !ok {
        return None;
    }
    let rows = rows
        .into_iter()
        .map(|mut row| {
            row.sort_by_key(|&(s, _, line)| (s, line));
            for pair in row.windows(2) {
                if pair[0].0 == pair[1].0 {
                    diags.error(
                        file,
                        Location::Line(pair[1].2),
                        format!("pair already given on line {}", pair[0].2),
                    );
                }
            }
            row.dedup_by_key(|x| x.0);
            row.into_iter().map(|(s, m, _)| (s, m)).collect()
        })
        .collect();
    Some(DistanceMatrix { rows })
}
