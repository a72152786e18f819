//! `policy.toml`: the rules of the round (spec §1), deserialised with
//! serde into a `RawPolicy` (every key typed, with its line) and turned
//! into a [`Policy`] by one validation pass that reports every problem
//! (see [`fields`], which the senior round's policy shares).

pub(crate) mod fields;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Diagnostics, Location};

use super::Level;
use fields::{Checker, Field, Table};

const FILE: &str = "policy.toml";

/// Public allocation rule (spec §4 stage 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Rule {
    /// Catchment zones, deferred acceptance inside each zone.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Zone,
    /// Deferred acceptance over all public schools by distance.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Nearest,
    /// The minimum-total-distance assignment (exact min-cost flow).
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Optimal,
}

impl Rule {
    /// The spelling used in files and outputs (also the stage name).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Zone => "zone",
            Rule::Nearest => "nearest",
            Rule::Optimal => "optimal",
        }
    }
}

/// One lottery ticket per applicant, or one per applicant and school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreaking {
    /// One `public` ticket for all public schools.
    Single,
    /// A `public:<school>` ticket per school.
    Multiple,
}

/// Whether groups (twins, siblings) are drawn and placed as one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupPolicy {
    /// One ticket, admitted only if every member fits.
    Together,
    /// Every member drawn alone.
    Separate,
}

/// How distances are measured (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistanceMetric {
    /// Great-circle distance, R = 6,371,008.8 m.
    Haversine,
    /// Road or walking metres from `distances.csv`.
    Matrix,
}

/// District placement of applicants left after stage 2 (统筹安排).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackRule {
    /// In (priority, ticket) order, the nearest public school with a free seat.
    NearestVacancy,
    /// The minimum-total-distance assignment to the remaining seats.
    Optimal,
    /// Nobody is placed; the rest are unplaced.
    None,
}

impl FallbackRule {
    /// The spelling used in files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            FallbackRule::NearestVacancy => "nearest_vacancy",
            FallbackRule::Optimal => "optimal",
            FallbackRule::None => "none",
        }
    }
}

/// The validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lottery seed, published before the draw.
    pub seed: String,
    /// The commitment published before the draw (`seed_commitment`), when
    /// given: the round refuses to run unless SHA-256(seed) equals it.
    pub seed_commitment: Option<String>,
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
    /// Cost of opening one class in class planning, in metres-equivalent
    /// (`class_cost_m`, default 2,000).
    pub class_cost_m: f64,
    /// Coordinate system of the input (`crs`: wgs84, gcj02, bd09); `None`
    /// when absent (WGS84 unless `--crs` says otherwise).
    pub crs: Option<crate::crs::Crs>,
    /// Text encoding of the CSV/GeoJSON files (`encoding`: utf-8, gbk).
    pub encoding: Option<super::table::Encoding>,
}

impl Policy {
    /// The policy class-size limit of a level.
    pub fn max_class_size(&self, level: Level) -> u32 {
        self.max_class_size[&level]
    }
}

/// `policy.toml` as written: every key typed, with its span.
#[derive(Deserialize)]
struct RawPolicy {
    seed: Option<Field<String>>,
    seed_commitment: Option<Field<String>>,
    rule: Option<Field<Rule>>,
    tie_breaking: Option<Field<TieBreaking>>,
    groups: Option<Field<GroupPolicy>>,
    max_private_choices: Option<Field<i64>>,
    distance: Option<Spanned<Table<RawDistance>>>,
    fallback: Option<Spanned<Table<RawFallback>>>,
    levels: Option<Spanned<Table<RawLevels>>>,
    class_cost_m: Option<Field<f64>>,
    crs: Option<Field<String>>,
    encoding: Option<Field<String>>,
}

/// `[distance]`.
#[derive(Deserialize)]
struct RawDistance {
    metric: Option<Field<DistanceMetric>>,
    matrix: Option<Field<String>>,
}

/// `[fallback]`.
#[derive(Deserialize)]
struct RawFallback {
    rule: Option<Field<FallbackRule>>,
    max_distance_m: Option<Field<f64>>,
}

/// `[levels]`: each level's table by its name as written (an unknown
/// name is reported as not a level rather than as an unknown key).
type RawLevels = BTreeMap<Spanned<String>, Spanned<Table<RawLevel>>>;

/// `[levels.primary]`, `[levels.junior]`.
#[derive(Deserialize)]
struct RawLevel {
    max_class_size: Option<Field<i64>>,
}

/// Every key `policy.toml` accepts, spelled as in the file with its table
/// (`rule`, `fallback.rule`, `levels.primary.max_class_size`), for the hint
/// when one is given as a command-line flag.
pub fn keys() -> Vec<String> {
    let tables = ["distance", "fallback", "levels"];
    let mut keys: Vec<String> = fields::serde_names::<RawPolicy>()
        .iter()
        .filter(|k| !tables.contains(k))
        .map(|k| k.to_string())
        .collect();
    keys.extend(
        fields::serde_names::<RawDistance>()
            .iter()
            .map(|k| format!("distance.{k}")),
    );
    keys.extend(
        fields::serde_names::<RawFallback>()
            .iter()
            .map(|k| format!("fallback.{k}")),
    );
    for level in Level::ALL {
        keys.extend(
            fields::serde_names::<RawLevel>()
                .iter()
                .map(|k| format!("levels.{}.{k}", level.as_str())),
        );
    }
    keys
}

/// Reads and validates `policy.toml`; `None` when it cannot be used.
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Option<Policy> {
    let src = super::table::Source::new(dir, super::table::Encoding::Utf8);
    let bytes = super::table::read_input(&src, FILE, "", diags)?;
    if bytes.is_empty() {
        diags.error(
            FILE,
            Location::File,
            "file is empty; expected at least `seed` and `rule`",
        );
        return None;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        diags.error(FILE, Location::File, "file is not valid UTF-8");
        return None;
    };
    parse(&text, diags)
}

/// Parses the text of a `policy.toml`, reporting every problem found.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<Policy> {
    let table = fields::parse_toml::<RawPolicy>(FILE, text, diags)?;
    let errors_before = diags.error_count();
    let mut c = Checker::new(FILE, text, diags);
    let raw = c.known("", table).ok()?;

    let seed = match c.string(raw.seed.clone(), "seed") {
        Some(s) if !s.get_ref().is_empty() => s.into_inner(),
        Some(s) => {
            c.error(
                s.span(),
                "seed is empty; the published lottery seed is required".to_string(),
            );
            String::new()
        }
        None => {
            if raw.seed.is_none() {
                c.diags.error(
                    FILE,
                    Location::File,
                    "seed is missing; the published lottery seed is required",
                );
            }
            String::new()
        }
    };
    let seed_commitment = c.string(raw.seed_commitment, "seed_commitment").and_then(|s| {
        let published = s.get_ref().trim().to_ascii_lowercase();
        let actual = crate::lottery::seed_commitment(&seed);
        if published.len() != 64 || !published.bytes().all(|b| b.is_ascii_hexdigit()) {
            c.error(s.span(), "seed_commitment must be 64 hex digits (the SHA-256 printed by `catchment seed commit`)".to_string());
            None
        } else if !seed.is_empty() && published != actual {
            c.error(
                s.span(),
                format!(
                    "seed does not match the published seed_commitment {published}: SHA-256 of this seed is {actual}; the round is refused"
                ),
            );
            None
        } else {
            Some(published)
        }
    });
    let rule = c.choice(raw.rule, "rule").unwrap_or(Rule::Zone);
    let tie_breaking = c
        .choice(raw.tie_breaking, "tie_breaking")
        .unwrap_or(TieBreaking::Single);
    let groups = c.choice(raw.groups, "groups").unwrap_or(GroupPolicy::Together);
    let max_private_choices = c
        .integer(raw.max_private_choices, "max_private_choices", 0..=100)
        .map_or(2, |m| m as u32);

    let distance = c.table("distance", raw.distance);
    let (metric, matrix) = distance.map_or((None, None), |d| (d.metric, d.matrix));
    let metric = c.choice(metric, "distance.metric").unwrap_or(DistanceMetric::Haversine);
    let matrix_file = match c.string(matrix, "distance.matrix") {
        Some(m) if m.get_ref().is_empty() || m.get_ref().contains(['/', '\\']) || m.get_ref().starts_with('.') => {
            let message = format!(
                "distance.matrix {:?} must be a file name inside the scenario folder",
                m.get_ref()
            );
            c.error(m.span(), message);
            String::new()
        }
        Some(m) => m.into_inner(),
        None => "distances.csv".to_string(),
    };

    let fallback = c.table("fallback", raw.fallback);
    let (fallback_rule, max_distance_m) = fallback.map_or((None, None), |f| (f.rule, f.max_distance_m));
    let fallback_rule = c
        .choice(fallback_rule, "fallback.rule")
        .unwrap_or(FallbackRule::NearestVacancy);
    let max_distance_m = c.metres(max_distance_m, "fallback.max_distance_m");

    let class_cost_m = c.metres(raw.class_cost_m, "class_cost_m").unwrap_or(2_000.0);
    let crs = raw.crs.and_then(|field| match &field.value {
        Ok(text) => match crate::crs::Crs::parse_or_explain(text) {
            Ok(crs) => Some(crs),
            Err(why) => {
                c.error(field.span.clone(), format!("crs {why}"));
                None
            }
        },
        // Not a string: the usual message.
        Err(_) => {
            c.one_of(Some(field), "crs", &["wgs84", "gcj02", "bd09", "EPSG:NNNN"]);
            None
        }
    });
    let encoding = c
        .one_of(raw.encoding, "encoding", &["utf-8", "gbk"])
        .and_then(|e| super::table::Encoding::parse(&e));
    let mut max_class_size = BTreeMap::from([(Level::Primary, 45), (Level::Junior, 50)]);
    for (name, table) in c.table("levels", raw.levels).unwrap_or_default() {
        let Some(level) = Level::parse(name.get_ref()) else {
            let message = format!(
                "levels.{} is not a level; expected levels.primary or levels.junior",
                name.get_ref()
            );
            c.error(name.span(), message);
            continue;
        };
        let prefix = format!("levels.{}", level.as_str());
        let Some(table) = c.table(&prefix, Some(table)) else {
            continue;
        };
        if let Some(m) = c.integer(table.max_class_size, &format!("{prefix}.max_class_size"), 1..=1000) {
            max_class_size.insert(level, m as u32);
        }
    }
    (diags.error_count() == errors_before).then_some(Policy {
        seed,
        seed_commitment,
        rule,
        tie_breaking,
        groups,
        max_private_choices,
        metric,
        matrix_file,
        fallback: fallback_rule,
        max_distance_m,
        max_class_size,
        class_cost_m,
        crs,
        encoding,
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
    fn every_problem_is_listed_with_its_key() {
        let e = errors("seed = 2027\nrule = \"lottery\"\ncolour = 1\nmax_private_choices = \"two\"\n[levels.primary]\nmax_class_size = 0\n");
        assert_eq!(e.len(), 5, "{e:?}");
        for (line, key) in [
            (1, "seed"),
            (2, "rule"),
            (3, "colour"),
            (4, "max_private_choices"),
            (6, "levels.primary.max_class_size"),
        ] {
            assert!(
                e.iter()
                    .any(|m| m.starts_with(&format!("policy.toml:{line}:")) && m.contains(key)),
                "{line} {key}: {e:?}"
            );
        }
    }

    #[test]
    fn optimal_is_accepted_and_unknown_rules_are_named() {
        let mut d = Diagnostics::default();
        let p = parse(
            "seed = \"s\"\nrule = \"optimal\"\n[fallback]\nrule = \"optimal\"\n",
            &mut d,
        )
        .unwrap();
        assert_eq!((p.rule, p.fallback), (Rule::Optimal, FallbackRule::Optimal));
        let e = errors("seed = \"s\"\n[fallback]\nrule = \"best\"\n");
        assert!(
            e[0].starts_with("policy.toml:3:") && e[0].contains("nearest_vacancy, optimal, none"),
            "{e:?}"
        );
    }

    #[test]
    fn seed_commitment_must_match_the_seed() {
        let good = crate::lottery::seed_commitment("s");
        let mut d = Diagnostics::default();
        let p = parse(&format!("seed = \"s\"\nseed_commitment = \"{good}\"\n"), &mut d).unwrap();
        assert_eq!(p.seed_commitment.as_deref(), Some(good.as_str()));
        let e = errors(&format!("seed = \"t\"\nseed_commitment = \"{good}\"\n"));
        assert!(
            e[0].starts_with("policy.toml:2:") && e[0].contains("does not match"),
            "{e:?}"
        );
        let e = errors("seed = \"s\"\nseed_commitment = \"abc\"\n");
        assert!(e[0].contains("64 hex digits"), "{e:?}");
    }

    #[test]
    fn tables_of_the_wrong_shape_and_dates_are_named() {
        let e = errors("seed = 1979-05-27\ndistance = 3\n[levels]\nprimary = true\n");
        assert_eq!(
            e,
            [
                "policy.toml:1: error: seed must be a string in quotes, not a date",
                "policy.toml:2: error: distance must be a table ([distance]), not an integer",
                "policy.toml:4: error: levels.primary must be a table ([levels.primary]), not a boolean",
            ]
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
