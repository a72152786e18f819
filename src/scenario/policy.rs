//! `policy.toml`: the rules of the round (spec §1).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Diagnostics, Location};

use super::Level;

const FILE: &str = "policy.toml";

/// Public allocation rule (spec §4 stage 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Catchment zones, deferred acceptance inside each zone.
    Zone,
    /// Deferred acceptance over all public schools by distance.
    Nearest,
}

impl Rule {
    /// The spelling used in files and outputs (also the stage name).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Zone => "zone",
            Rule::Nearest => "nearest",
        }
    }
}

/// One lottery ticket per applicant, or one per applicant and school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreaking {
    /// One `public` ticket for all public schools.
    Single,
    /// A `public:<school>` ticket per school.
    Multiple,
}

/// Whether groups (twins, siblings) are drawn and placed as one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupPolicy {
    /// One ticket, admitted only if every member fits.
    Together,
    /// Every member drawn alone.
    Separate,
}

/// How distances are measured (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceMetric {
    /// Great-circle distance, R = 6,371,008.8 m.
    Haversine,
    /// Road or walking metres from `distances.csv`.
    Matrix,
}

/// District placement of applicants left after stage 2 (统筹安排).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackRule {
    /// In (priority, ticket) order, the nearest public school with a free seat.
    NearestVacancy,
    /// Nobody is placed; the rest are unplaced.
    None,
}

/// The validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lottery seed, published before the draw.
    pub seed: String,
    /// Public allocation rule.
    pub rule: Rule,
    /// Single or multiple tie-breaking.
    pub tie_breaking: TieBreaking,
    /// Group policy.
    pub groups: GroupPolicy,
    /// Private choices beyond this many are ignored (with a warning).
    pub max_private_choices: u32,
    /// Distance metric.
    pub metric: DistanceMetric,
    /// Distance matrix file name (metric = matrix).
    pub matrix_file: String,
    /// Fallback rule.
    pub fallback: FallbackRule,
    /// Farthest a fallback placement may be, metres (inclusive).
    pub max_distance_m: Option<f64>,
    /// Class size limit per level.
    pub max_class_size: BTreeMap<Level, u32>,
}

impl Policy {
    /// The policy class-size limit of a level.
    pub fn max_class_size(&self, level: Level) -> u32 {
        self.max_class_size[&level]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    seed: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
    tie_breaking: Option<Spanned<String>>,
    groups: Option<Spanned<String>>,
    max_private_choices: Option<Spanned<i64>>,
    distance: Option<RawDistance>,
    fallback: Option<RawFallback>,
    levels: Option<BTreeMap<Spanned<String>, RawLevel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistance {
    metric: Option<Spanned<String>>,
    matrix: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    rule: Option<Spanned<String>>,
    max_distance_m: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    max_class_size: Option<Spanned<i64>>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// Reads and validates `policy.toml`; `None` when it cannot be used.
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Option<Policy> {
    let path = dir.join(FILE);
    let text = match std::fs::read(&path) {
        Ok(bytes) if bytes.is_empty() => {
            diags.error(
                FILE,
                Location::File,
                "file is empty; expected at least `seed` and `rule`",
            );
            return None;
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                diags.error(FILE, Location::File, "file is not valid UTF-8");
                return None;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.error(FILE, Location::File, "file is missing");
            return None;
        }
        Err(e) => {
            diags.error(FILE, Location::File, format!("cannot be read: {e}"));
            return None;
        }
    };
    parse(&text, diags)
}

/// Parses the text of a `policy.toml`.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<Policy> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: RawPolicy = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let loc = e
                .span()
                .map_or(Location::File, |s| Location::Line(line_of(text, s.start)));
            diags.error(FILE, loc, e.message().trim().to_string());
            return None;
        }
    };
    let errors_before = diags.error_count();
    let at = |s: &std::ops::Range<usize>| Location::Line(line_of(text, s.start));

    let seed = match raw.seed {
        Some(s) if !s.get_ref().is_empty() => s.into_inner(),
        Some(s) => {
            diags.error(
                FILE,
                at(&s.span()),
                "seed is empty; the published lottery seed is required",
            );
            String::new()
        }
        None => {
            diags.error(
                FILE,
                Location::File,
                "seed is missing; the published lottery seed is required",
            );
            String::new()
        }
    };
    let choice = |diags: &mut Diagnostics,
                  key: &str,
                  value: Option<Spanned<String>>,
                  allowed: &[&str],
                  default: &str|
     -> String {
        match value {
            None => default.to_string(),
            Some(v) if allowed.contains(&v.get_ref().as_str()) => v.into_inner(),
            Some(v) if v.get_ref() == "optimal" => {
                diags.error(
                    FILE,
                    at(&v.span()),
                    format!(
                        "{key} = \"optimal\" (minimum-distance assignment) is not available in this version; use one of {}",
                        allowed.join(", ")
                    ),
                );
                default.to_string()
            }
            Some(v) => {
                diags.error(
                    FILE,
                    at(&v.span()),
                    format!("{key} {:?} is not one of {}", v.get_ref(), allowed.join(", ")),
                );
                default.to_string()
            }
        }
    };
    let rule = match choice(diags, "rule", raw.rule, &["zone", "nearest"], "zone").as_str() {
        "nearest" => Rule::Nearest,
        _ => Rule::Zone,
    };
    let tie_breaking = match choice(
        diags,
        "tie_breaking",
        raw.tie_breaking,
        &["single", "multiple"],
        "single",
    )
    .as_str()
    {
        "multiple" => TieBreaking::Multiple,
        _ => TieBreaking::Single,
    };
    let groups = match choice(diags, "groups", raw.groups, &["together", "separate"], "together").as_str() {
        "separate" => GroupPolicy::Separate,
        _ => GroupPolicy::Together,
    };
    let distance = raw.distance.unwrap_or(RawDistance {
        metric: None,
        matrix: None,
    });
    let metric = match choice(
        diags,
        "distance.metric",
        distance.metric,
        &["haversine", "matrix"],
        "haversine",
    )
    .as_str()
    {
        "matrix" => DistanceMetric::Matrix,
        _ => DistanceMetric::Haversine,
    };
    let matrix_file = distance.matrix.map_or("distances.csv".to_string(), Spanned::into_inner);
    if matrix_file.contains('/') || matrix_file.contains('\\') || matrix_file.is_empty() {
        diags.error(
            FILE,
            Location::File,
            format!("distance.matrix {matrix_file:?} must be a file name inside the scenario folder"),
        );
    }
    let fallback = raw.fallback.unwrap_or(RawFallback {
        rule: None,
        max_distance_m: None,
    });
    let fallback_rule = match choice(
        diags,
        "fallback.rule",
        fallback.rule,
        &["nearest_vacancy", "none"],
        "nearest_vacancy",
    )
    .as_str()
    {
        "none" => FallbackRule::None,
        _ => FallbackRule::NearestVacancy,
    };
    let max_distance_m = fallback.max_distance_m.and_then(|m| {
        let v = *m.get_ref();
        if v.is_finite() && v >= 0.0 {
            Some(v)
        } else {
            diags.error(
                FILE,
                at(&m.span()),
                format!("fallback.max_distance_m {v} must be a number ≥ 0"),
            );
            None
        }
    });
    let max_private_choices = match raw.max_private_choices {
        None => 2,
        Some(m) if (0..=100).contains(m.get_ref()) => *m.get_ref() as u32,
        Some(m) => {
            diags.error(
                FILE,
                at(&m.span()),
                format!("max_private_choices {} must be between 0 and 100", m.get_ref()),
            );
            2
        }
    };
    let mut max_class_size = BTreeMap::from([(Level::Primary, 45), (Level::Junior, 50)]);
    for (name, level) in raw.levels.unwrap_or_default() {
        let Some(lvl) = Level::parse(name.get_ref()) else {
            diags.error(
                FILE,
                at(&name.span()),
                format!("levels.{} is not a level; expected primary or junior", name.get_ref()),
            );
            continue;
        };
        if let Some(m) = level.max_class_size {
            if (1..=1000).contains(m.get_ref()) {
                max_class_size.insert(lvl, *m.get_ref() as u32);
            } else {
                diags.error(
                    FILE,
                    at(&m.span()),
                    format!(
                        "levels.{}.max_class_size {} must be between 1 and 1000",
                        lvl.as_str(),
                        m.get_ref()
                    ),
                );
            }
        }
    }
    (diags.error_count() == errors_before).then_some(Policy {
        seed,
        rule,
        tie_breaking,
        groups,
        max_private_choices,
        metric,
        matrix_file,
        fallback: fallback_rule,
        max_distance_m,
        max_class_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let mut d = Diagnostics::default();
        let p = parse(text, &mut d);
        assert_eq!(p.is_none(), d.has_errors());
        d.sorted().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let e = errors("seed = \"s\"\nrule = \"zone\"\ncolour = \"red\"\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("policy.toml:3:"), "{e:?}");
        assert!(e[0].contains("colour"), "{e:?}");
    }

    #[test]
    fn optimal_is_rejected_by_name() {
        let e = errors("seed = \"s\"\n[fallback]\nrule = \"optimal\"\n");
        assert!(
            e[0].starts_with("policy.toml:3:") && e[0].contains("fallback.rule = \"optimal\""),
            "{e:?}"
        );
    }

    #[test]
    fn defaults() {
        let mut d = Diagnostics::default();
        let p = parse("seed = \"s\"\n", &mut d).unwrap();
        assert_eq!(p.rule, Rule::Zone);
        assert_eq!(p.max_class_size(Level::Primary), 45);
        assert_eq!(p.max_class_size(Level::Junior), 50);
        assert_eq!(p.fallback, FallbackRule::NearestVacancy);
        assert_eq!(p.max_distance_m, None);
    }
}
