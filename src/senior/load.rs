//! Loading a senior scenario folder: `policy.toml`, `senior_schools.csv`,
//! `junior_schools.csv`, `candidates.csv` (spec §9.1). Every problem is
//! collected with its file, line and column before failing.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Diagnostics, Error, Location};
use crate::lottery::sha256_file;
use serde::Deserialize;
use toml::Spanned;

use crate::scenario::policy::fields::{self, Checker, Field};
use crate::scenario::table;
use crate::scenario::InputFile;

use super::{
    Candidate, JuniorIdx, JuniorSchool, Method, Score, SeniorIdx, SeniorPolicy, SeniorScenario, SeniorSchool, Share,
    MAX_PRIORITY,
};

const POLICY: &str = "policy.toml";
const SENIORS: &str = "senior_schools.csv";
const JUNIORS: &str = "junior_schools.csv";
const CANDIDATES: &str = "candidates.csv";
const FILES: [&str; 4] = [CANDIDATES, JUNIORS, POLICY, SENIORS];

const SCORE_EXPECTED: &str = "a number from 0 to 10000 with at most two decimals";

/// Reads and validates a senior scenario folder.
pub fn load(dir: &Path) -> Result<SeniorScenario, Error> {
    if !dir.is_dir() {
        return Err(Error::io(
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "is not a folder"),
        ));
    }
    let mut diags = Diagnostics::default();
    // The senior round's files are UTF-8.
    let src = &table::Source::new(dir, table::Encoding::Utf8);
    let policy = load_policy(src, &mut diags);
    let default_share = policy.as_ref().map_or(Share { num: 1, den: 2 }, |p| p.quota_share);
    let mut seniors = load_seniors(src, default_share, &mut diags);
    let mut juniors = load_juniors(src, &mut diags);
    seniors.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    juniors.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    let candidates = load_candidates(src, &seniors, &juniors, &mut diags);
    check_graduates(&juniors, &candidates, &mut diags);
    let mut inputs = Vec::new();
    for name in FILES {
        if let Ok(sha256) = sha256_file(&dir.join(name)) {
            inputs.push(InputFile {
                name: name.to_string(),
                sha256,
            });
        }
    }
    match policy {
        Some(policy) if !diags.has_errors() => Ok(SeniorScenario {
            policy,
            seniors,
            juniors,
            candidates,
            inputs,
            warnings: diags,
        }),
        _ => Err(Error::Input(diags)),
    }
}

fn load_seniors(src: &table::Source, default_share: Share, diags: &mut Diagnostics) -> Vec<SeniorSchool> {
    let mut out = Vec::new();
    table::read(
        src,
        SENIORS,
        &["id", "name", "places"],
        &["quota_share", "min_score"],
        diags,
        |row, diags| {
            let errors = diags.error_count();
            let id = row.required("id", diags);
            let places = row.parse::<u32>("places", "a whole number ≥ 0", diags);
            let share = match row.get("quota_share") {
                None => Some(default_share),
                Some(raw) => {
                    let s = Share::from_decimal(raw);
                    if s.is_none() {
                        diags.error(
                            SENIORS,
                            Location::Line(row.line),
                            format!("quota_share {raw:?} is not a decimal from 0 to 1 (at most 6 decimals)"),
                        );
                    }
                    s
                }
            };
            let min_score = score_opt(row, SENIORS, "min_score", diags);
            if diags.error_count() > errors {
                return;
            }
            if let (Some(id), Some(places), Some(quota_share), Ok(min_score)) = (id, places, share, min_score) {
                out.push(SeniorSchool {
                    id: id.to_string(),
                    name: row.get("name").unwrap_or_default().to_string(),
                    places,
                    quota_share,
                    min_score,
                    line: row.line,
                });
            }
        },
    );
    crate::scenario::check_unique(SENIORS, out.iter().map(|s| (s.id.as_str(), s.line)), diags);
    out
}

fn score_opt(row: &table::Row, file: &str, column: &str, diags: &mut Diagnostics) -> Result<Option<Score>, ()> {
    match row.get(column) {
        None => Ok(None),
        Some(raw) => match Score::parse(raw) {
            Some(s) => Ok(Some(s)),
            None => {
                diags.error(
                    file,
                    Location::Line(row.line),
                    format!("{column} {raw:?} is not {SCORE_EXPECTED}"),
                );
                Err(())
            }
        },
    }
}

fn load_juniors(src: &table::Source, diags: &mut Diagnostics) -> Vec<JuniorSchool> {
    let mut out = Vec::new();
    table::read(src, JUNIORS, &["id", "graduates"], &["name"], diags, |row, diags| {
        let id = row.required("id", diags);
        let graduates = row.parse::<u32>("graduates", "a whole number ≥ 0", diags);
        if let (Some(id), Some(graduates)) = (id, graduates) {
            out.push(JuniorSchool {
                id: id.to_string(),
                name: row.get("name").unwrap_or_default().to_string(),
                graduates,
                line: row.line,
            });
        }
    });
    crate::scenario::check_unique(JUNIORS, out.iter().map(|s| (s.id.as_str(), s.line)), diags);
    out
}

fn load_candidates(
    src: &table::Source,
    seniors: &[SeniorSchool],
    juniors: &[JuniorSchool],
    diags: &mut Diagnostics,
) -> Vec<Candidate> {
    let senior_idx: HashMap<&str, SeniorIdx> = seniors
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), SeniorIdx(i as u32)))
        .collect();
    let junior_idx: HashMap<&str, JuniorIdx> = juniors
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), JuniorIdx(i as u32)))
        .collect();
    let mut out = Vec::new();
    table::read(
        src,
        CANDIDATES,
        &["id", "junior_school", "score", "choices"],
        &["priority"],
        diags,
        |row, diags| {
            let errors = diags.error_count();
            let loc = Location::Line(row.line);
            let id = row.required("id", diags);
            let junior = row.required("junior_school", diags).and_then(|j| {
                let idx = junior_idx.get(j).copied();
                if idx.is_none() {
                    diags.error(
                        CANDIDATES,
                        loc.clone(),
                        format!("junior_school {j:?} is not a school in {JUNIORS}"),
                    );
                }
                idx
            });
            let score = row.required("score", diags).and_then(|raw| {
                let s = Score::parse(raw);
                if s.is_none() {
                    diags.error(
                        CANDIDATES,
                        loc.clone(),
                        format!("score {raw:?} is not {SCORE_EXPECTED}"),
                    );
                }
                s
            });
            let priority = row.parse_opt::<u32>("priority", "a whole number ≥ 1", diags);
            if let Ok(Some(p)) = priority {
                if p == 0 || p > MAX_PRIORITY {
                    diags.error(
                        CANDIDATES,
                        loc.clone(),
                        format!("priority {p} must be between 1 and {MAX_PRIORITY} (1 is served first)"),
                    );
                }
            }
            let mut choices = Vec::new();
            for c in row.list("choices") {
                match senior_idx.get(c) {
                    Some(&s) if choices.contains(&s) => {
                        diags.warning(
                            CANDIDATES,
                            loc.clone(),
                            format!("choices names senior school {c:?} twice; the later one is ignored"),
                        );
                    }
                    Some(&s) => choices.push(s),
                    None => diags.error(
                        CANDIDATES,
                        loc.clone(),
                        format!("choices names senior school {c:?}, which is not in {SENIORS}"),
                    ),
                }
            }
            if diags.error_count() > errors {
                return;
            }
            if let (Some(id), Some(junior), Some(score), Ok(priority)) = (id, junior, score, priority) {
                out.push(Candidate {
                    id: id.to_string(),
                    junior,
                    score,
                    choices,
                    priority: priority.unwrap_or(1),
                    line: row.line,
                });
            }
        },
    );
    crate::scenario::check_unique(CANDIDATES, out.iter().map(|c| (c.id.as_str(), c.line)), diags);
    out.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()).then(a.line.cmp(&b.line)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// A junior school cannot have more candidates than graduates: shares of
/// graduates admitted would exceed 100 %.
fn check_graduates(juniors: &[JuniorSchool], candidates: &[Candidate], diags: &mut Diagnostics) {
    let mut count = vec![0u32; juniors.len()];
    for c in candidates {
        count[c.junior.index()] += 1;
    }
    for (j, n) in juniors.iter().zip(count) {
        if n > j.graduates {
            diags.error(
                JUNIORS,
                Location::Line(j.line),
                format!(
                    "graduates {} is less than the {n} candidates of {:?} in {CANDIDATES}",
                    j.graduates, j.id
                ),
            );
        }
    }
}

/// The senior round's `policy.toml` as written: every key typed, with its
/// span.
#[derive(Deserialize)]
struct RawSeniorPolicy {
    seed: Option<Field<String>>,
    seed_commitment: Option<Field<String>>,
    quota_share: Option<Field<f64>>,
    apportionment: Option<Field<String>>,
    min_score: Option<Field<f64>>,
}

fn load_policy(src: &table::Source, diags: &mut Diagnostics) -> Option<SeniorPolicy> {
    let bytes = table::read_input(src, POLICY, "", diags)?;
    let Ok(text) = String::from_utf8(bytes) else {
        diags.error(POLICY, Location::File, "file is not valid UTF-8");
        return None;
    };
    parse_policy(&text, diags)
}

/// A TOML number as a decimal text, for [`Share`] and [`Score`], which
/// parse decimals exactly; `None` when it is not a finite number.
fn decimal(field: &Field<f64>) -> Option<String> {
    field.value.as_ref().ok().filter(|v| v.is_finite()).map(f64::to_string)
}

/// Parses the senior round's `policy.toml`, reporting every problem found.
fn parse_policy(text: &str, diags: &mut Diagnostics) -> Option<SeniorPolicy> {
    let table = fields::parse_toml::<RawSeniorPolicy>(POLICY, text, diags)?;
    let errors = diags.error_count();
    let mut c = Checker::new(POLICY, text, diags);
    let raw = c.known("", table).ok()?;
    if raw.seed.is_none() {
        c.diags.error(
            POLICY,
            Location::File,
            "seed is missing; the lottery needs a published seed",
        );
    }
    let seed = c.string(raw.seed, "seed").map(Spanned::into_inner);
    // As in the round's policy: a published commitment refuses any other
    // seed.
    let seed_commitment = match (c.string(raw.seed_commitment, "seed_commitment"), &seed) {
        (Some(published), Some(seed)) => match crate::lottery::check_commitment(seed, published.get_ref()) {
            Ok(c) => Some(c),
            Err(message) => {
                c.error(published.span(), message);
                None
            }
        },
        _ => None,
    };
    let quota_share = match raw.quota_share {
        None => Some(Share { num: 1, den: 2 }),
        Some(field) => {
            let share = decimal(&field).and_then(|d| Share::from_decimal(&d));
            if share.is_none() {
                c.error(
                    field.span,
                    "quota_share must be a number from 0 to 1 (at most 6 decimals), e.g. 0.5".to_string(),
                );
            }
            share
        }
    };
    let apportionment = match raw.apportionment {
        None => Some(Method::LargestRemainder),
        Some(field) => {
            let m = field.value.as_deref().ok().and_then(Method::parse);
            if m.is_none() {
                let written = field.value.map_or_else(|raw| raw, toml::Value::String);
                c.error(
                    field.span,
                    format!("apportionment {written} is not one of \"largest_remainder\", \"sainte_lague\""),
                );
            }
            m
        }
    };
    let min_score = match raw.min_score {
        None => Some(None),
        Some(field) => {
            let s = decimal(&field).and_then(|d| Score::parse(&d));
            if s.is_none() {
                c.error(field.span, format!("min_score must be {SCORE_EXPECTED}"));
            }
            s.map(Some)
        }
    };
    if diags.error_count() > errors {
        return None;
    }
    Some(SeniorPolicy {
        seed: seed?,
        seed_commitment,
        quota_share: quota_share?,
        apportionment: apportionment?,
        min_score: min_score?,
    })
}
