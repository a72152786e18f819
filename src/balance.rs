//! Balance between schools (均衡): per-school indicators and, across the
//! public schools of a level, their coefficient of variation (资源配置校际
//! 差异系数).
//!
//! Per school: pupils admitted in the round, mean and largest class,
//! utilisation (admitted / seats), mean home-to-school distance, and, where
//! `schools.csv` has the optional columns `teachers`, `floor_area_m2`,
//! `equipment_value`: pupils per teacher, teachers per 100 pupils, floor
//! area per pupil and equipment value per pupil. "Pupils" are the
//! entry-grade pupils admitted in this round, so give the resources of the
//! entry grade (or read the ratios as relative between schools: the
//! coefficient of variation does not change when every school's resources
//! are scaled alike).
//!
//! **Coefficient of variation.** As in the Ministry of Education's county
//! balance assessment (县域义务教育均衡发展督导评估, 2012 interim measures,
//! carried into the 2017 优质均衡 measures), the pupil-weighted population
//! form: with X_i the indicator of school i and P_i its pupils,
//! P = Σ P_i, X̄ = Σ P_i X_i / P, S = √(Σ P_i (X_i − X̄)² / P), CV = S / X̄.
//! Only public schools with pupils (and the indicator) count. We could not
//! check the official text offline; this is the formula we use. The
//! national thresholds (CV ≤ 0.50 primary, ≤ 0.45 junior) are marked
//! pass/fail for the three resource indicators the assessment uses
//! (teachers per 100 pupils, floor area and equipment per pupil); class
//! size, utilisation and distance are shown for information only.
//!
//! The report shows the CV tables ([`crate::html::balance`]);
//! `summary.json` holds [`Balance`] whole.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::round::Outcome;
use crate::scenario::{Level, Scenario, Sector};

/// One school's indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolBalance {
    /// School id.
    pub school_id: String,
    /// Level.
    pub level: String,
    /// `public` or `private`.
    pub sector: String,
    /// Pupils admitted in the round.
    pub pupils: u32,
    /// Classes opened.
    pub classes: u32,
    /// Mean class size (pupils / classes opened).
    pub class_size_mean: Option<f64>,
    /// Largest class.
    pub class_size_max: u32,
    /// Pupils admitted / seats.
    pub utilisation: Option<f64>,
    /// Mean home-to-school distance of its pupils, metres.
    pub distance_mean_m: Option<f64>,
    /// Pupils per teacher.
    pub pupils_per_teacher: Option<f64>,
    /// Teachers per 100 pupils.
    pub teachers_per_100: Option<f64>,
    /// Floor area per pupil, m².
    pub area_per_pupil_m2: Option<f64>,
    /// Equipment value per pupil.
    pub equipment_per_pupil: Option<f64>,
}

/// The coefficient of variation of one indicator across a level's public
/// schools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Indicator name (a field of [`SchoolBalance`]).
    pub indicator: String,
    /// Schools counted.
    pub schools: usize,
    /// Pupil-weighted mean.
    pub mean: f64,
    /// CV = S / mean (pupil-weighted population form).
    pub cv: f64,
    /// The national threshold, for assessed indicators.
    pub threshold: Option<f64>,
    /// cv ≤ threshold, for assessed indicators.
    pub pass: Option<bool>,
}

/// Balance of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelBalance {
    /// Level.
    pub level: String,
    /// One entry per indicator with at least two schools.
    pub cv: Vec<Spread>,
}

/// The balance section of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// Per school, sorted by id.
    pub schools: Vec<SchoolBalance>,
    /// Per level.
    pub levels: Vec<LevelBalance>,
}

/// An indicator: its name, whether the national standard assesses it, and
/// how to read it from a school.
type Indicator = (&'static str, bool, fn(&SchoolBalance) -> Option<f64>);

/// National threshold of the resource indicators' CV.
pub fn threshold(level: Level) -> f64 {
    match level {
        Level::Primary => 0.50,
        Level::Junior => 0.45,
    }
}

/// The pupil-weighted population coefficient of variation of `(x, weight)`
/// pairs: `None` with no weight or a zero mean.
pub fn weighted_cv(values: &[(f64, f64)]) -> Option<(f64, f64)> {
    let p: f64 = values.iter().map(|v| v.1).sum();
    if p <= 0.0 {
        return None;
    }
    let mean = values.iter().map(|(x, w)| x * w).sum::<f64>() / p;
    if mean == 0.0 {
        return None;
    }
    let var = values.iter().map(|(x, w)| w * (x - mean) * (x - mean)).sum::<f64>() / p;
    Some((mean, var.sqrt() / mean))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Computes the balance indicators of a round.
pub fn compute(scenario: &Scenario, outcome: &Outcome) -> Balance {
    let n = scenario.schools.len();
    let mut dist = vec![(0.0f64, 0u32); n];
    for p in &outcome.placements {
        if let (Some(s), Some(d)) = (p.school, p.distance_m) {
            dist[s.index()].0 += d;
            dist[s.index()].1 += 1;
        }
    }
    let per_pupil = |v: Option<f64>, pupils: u32, scale: f64| {
        v.filter(|_| pupils > 0).map(|v| round4(v * scale / f64::from(pupils)))
    };
    let schools: Vec<SchoolBalance> = scenario
        .schools
        .iter()
        .zip(&outcome.schools)
        .zip(&dist)
        .map(|((s, r), &(sum, count))| {
            let pupils = r.admitted;
            let res = s.resources;
            SchoolBalance {
                school_id: s.id.clone(),
                level: s.level.as_str().to_string(),
                sector: s.sector.as_str().to_string(),
                pupils,
                classes: r.classes_opened,
                class_size_mean: (r.classes_opened > 0)
                    .then(|| round4(f64::from(pupils) / f64::from(r.classes_opened))),
                class_size_max: r.largest_class,
                utilisation: (s.capacity > 0).then(|| round4(f64::from(pupils) / f64::from(s.capacity))),
                distance_mean_m: (count > 0).then(|| (sum / f64::from(count) * 10.0).round() / 10.0),
                pupils_per_teacher: res.teachers.filter(|&t| t > 0.0).map(|t| round4(f64::from(pupils) / t)),
                teachers_per_100: per_pupil(res.teachers, pupils, 100.0),
                area_per_pupil_m2: per_pupil(res.floor_area_m2, pupils, 1.0),
                equipment_per_pupil: per_pupil(res.equipment_value, pupils, 1.0),
            }
        })
        .collect();
    let indicators: [Indicator; 7] = [
        ("teachers_per_100", true, |s| s.teachers_per_100),
        ("area_per_pupil_m2", true, |s| s.area_per_pupil_m2),
        ("equipment_per_pupil", true, |s| s.equipment_per_pupil),
        ("pupils_per_teacher", false, |s| s.pupils_per_teacher),
        ("class_size_mean", false, |s| s.class_size_mean),
        ("utilisation", false, |s| s.utilisation),
        ("distance_mean_m", false, |s| s.distance_mean_m),
    ];
    let mut levels = Vec::new();
    for level in Level::ALL {
        let public: Vec<&SchoolBalance> = scenario
            .schools
            .iter()
            .zip(&schools)
            .filter(|(s, b)| s.level == level && s.sector == Sector::Public && b.pupils > 0)
            .map(|(_, b)| b)
            .collect();
        if public.is_empty() {
            continue;
        }
        let mut cv = Vec::new();
        for (name, assessed, get) in indicators {
            let values: Vec<(f64, f64)> = public
                .iter()
                .filter_map(|b| get(b).map(|x| (x, f64::from(b.pupils))))
                .collect();
            if values.len() < 2 {
                continue;
            }
            let Some((mean, c)) = weighted_cv(&values) else {
                continue;
            };
            let limit = assessed.then(|| threshold(level));
            cv.push(Spread {
                indicator: name.to_string(),
                schools: values.len(),
                mean: round4(mean),
                cv: round4(c),
                threshold: limit,
                pass: limit.map(|t| round4(c) <= t),
            });
        }
        levels.push(LevelBalance {
            level: level.as_str().to_string(),
            cv,
        });
    }
    Balance { schools, levels }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
}

/// The plain-text tables printed by `catchment balance`.
pub fn to_table(b: &Balance) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<7} {:<7} {:>6} {:>7} {:>9} {:>9} {:>6} {:>8} {:>10} {:>12} {:>13} {:>13}",
        "school",
        "level",
        "sector",
        "pupils",
        "classes",
        "mean cls",
        "max cls",
        "util",
        "dist m",
        "pupils/tch",
        "tch/100 pup",
        "area m2/pup",
        "equip/pup"
    );
    for s in &b.schools {
        let _ = writeln!(
            out,
            "{:<10} {:<7} {:<7} {:>6} {:>7} {:>9} {:>9} {:>6} {:>8} {:>10} {:>12} {:>13} {:>13}",
            s.school_id,
            s.level,
            s.sector,
            s.pupils,
            s.classes,
            opt(s.class_size_mean, 1),
            s.class_size_max,
            opt(s.utilisation, 2),
            opt(s.distance_mean_m, 0),
            opt(s.pupils_per_teacher, 1),
            opt(s.teachers_per_100, 2),
            opt(s.area_per_pupil_m2, 2),
            opt(s.equipment_per_pupil, 0)
        );
    }
    for l in &b.levels {
        let _ = writeln!(
            out,
            "\n{} public schools: coefficient of variation (pupil-weighted, CV = S / mean)",
            l.level
        );
        let _ = writeln!(
            out,
            "  {:<22} {:>7} {:>12} {:>7}  national standard",
            "indicator", "schools", "mean", "CV"
        );
        for c in &l.cv {
            let verdict = match (c.threshold, c.pass) {
                (Some(t), Some(true)) => format!("pass (≤ {t:.2})"),
                (Some(t), _) => format!("FAIL (> {t:.2})"),
                _ => "not assessed".to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<22} {:>7} {:>12.2} {:>7.3}  {verdict}",
                c.indicator, c.schools, c.mean, c.cv
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_cv_by_hand() {
        // Schools with 2, 4 and 2 m² per pupil and 100, 200, 100 pupils:
        // P = 400, mean = (200 + 800 + 200) / 400 = 3,
        // S² = (100·1 + 200·1 + 100·1) / 400 = 1, so CV = 1/3.
        let (mean, cv) = weighted_cv(&[(2.0, 100.0), (4.0, 200.0), (2.0, 100.0)]).unwrap();
        assert!((mean - 3.0).abs() < 1e-12);
        assert!((cv - 1.0 / 3.0).abs() < 1e-12);
        // Equal weights reduce to the population form σ/μ: values 1, 3 ->
        // mean 2, σ = 1, CV = 0.5.
        let (_, cv) = weighted_cv(&[(1.0, 5.0), (3.0, 5.0)]).unwrap();
        assert!((cv - 0.5).abs() < 1e-12);
        assert_eq!(weighted_cv(&[(1.0, 0.0)]), None);
        assert_eq!(weighted_cv(&[(0.0, 3.0), (0.0, 1.0)]), None);
    }
}
