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

/// A TOML table with the spans of its keys and values, for line numbers.
pub(crate) type SpannedMap = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The known tables, read a second time with the spans of their keys.
#[derive(Deserialize)]
struct Tables {
    distance: Option<SpannedMap>,
    fallback: Option<SpannedMap>,
    levels: Option<BTreeMap<Spanned<String>, SpannedMap>>,
}

const TOP_KEYS: &[&str] = &[
    "seed",
    "seed_commitment",
    "rule",
    "tie_breaking",
    "groups",
    "max_private_choices",
    "distance",
    "fallback",
    "levels",
    "class_cost_m",
    "crs",
    "encoding",
];

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// Where a TOML syntax error is, and its message with the text it points
/// at, for `policy.toml` of either round.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> (Location, String) {
    let loc = e
        .span()
        .map_or(Location::File, |s| Location::Line(line_of(text, s.start)));
    let mut message = e.message().trim().to_string();
    if let Some(span) = e.span().filter(|s| s.end <= text.len() && s.start < s.end) {
        message = format!("{message} ({:?})", text[span].trim());
    }
    (loc, message)
}

/// Reads and validates `policy.toml`; `None` when it cannot be used.
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Option<Policy> {
    let src = super::table::Source {
        dir,
        encoding: super::table::Encoding::Utf8,
    };
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

/// The TOML type of a value, for messages.
fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number with a decimal point",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// Reads typed values out of a spanned TOML table, reporting each problem
/// with its line and key.
struct Reader<'a> {
    text: &'a str,
    diags: &'a mut Diagnostics,
}

impl Reader<'_> {
    fn at(&self, span: std::ops::Range<usize>) -> Location {
        Location::Line(line_of(self.text, span.start))
    }

    fn error(&mut self, span: std::ops::Range<usize>, message: String) {
        let loc = self.at(span);
        self.diags.error(FILE, loc, message);
    }

    /// Reports keys of `table` not in `known`, named `prefix.key`.
    fn unknown_keys(&mut self, prefix: &str, table: &SpannedMap, known: &[&str]) {
        for key in table.keys() {
            if !known.contains(&key.get_ref().as_str()) {
                let message = format!(
                    "unknown key {prefix}{}; expected one of {}",
                    key.get_ref(),
                    known
                        .iter()
                        .map(|k| format!("{prefix}{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.error(key.span(), message);
            }
        }
    }

    fn string(&mut self, table: &SpannedMap, key: &str, name: &str) -> Option<Spanned<String>> {
        let v = table.get(key)?;
        match v.get_ref() {
            toml::Value::String(s) => Some(Spanned::new(v.span(), s.clone())),
            other => {
                let message = format!("{name} must be a string in quotes, not {}", type_name(other));
                self.error(v.span(), message);
                None
            }
        }
    }

    /// One of `allowed` (default when absent).
    fn choice(&mut self, table: &SpannedMap, key: &str, name: &str, allowed: &[&str], default: &str) -> String {
        let Some(v) = self.string(table, key, name) else {
            return default.to_string();
        };
        if allowed.contains(&v.get_ref().as_str()) {
            return v.into_inner();
        }
        let message = format!("{name} {:?} is not one of {}", v.get_ref(), allowed.join(", "));
        self.error(v.span(), message);
        default.to_string()
    }

    fn integer(
        &mut self,
        table: &SpannedMap,
        key: &str,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let v = table.get(key)?;
        match v.get_ref() {
            toml::Value::Integer(i) if range.contains(i) => Some(*i),
            toml::Value::Integer(i) => {
                let message = format!("{name} {i} must be between {} and {}", range.start(), range.end());
                self.error(v.span(), message);
                None
            }
            other => {
                let message = format!("{name} must be a whole number, not {}", type_name(other));
                self.error(v.span(), message);
                None
            }
        }
    }

    fn metres(&mut self, table: &SpannedMap, key: &str, name: &str) -> Option<f64> {
        let v = table.get(key)?;
        let value = match v.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => {
                let message = format!("{name} must be a number of metres, not {}", type_name(other));
                self.error(v.span(), message);
                return None;
            }
        };
        if value.is_finite() && value >= 0.0 {
            Some(value)
        } else {
            self.error(v.span(), format!("{name} {value} must be a number ≥ 0"));
            None
        }
    }
}

/// Parses the text of a `policy.toml`, reporting every problem found.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<Policy> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let top: SpannedMap = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let (loc, message) = toml_error(text, &e);
            diags.error(FILE, loc, message);
            return None;
        }
    };
    let errors_before = diags.error_count();
    let mut r = Reader { text, diags };
    r.unknown_keys("", &top, TOP_KEYS);
    let tables: Tables = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            r.diags.error(
                FILE,
                toml_error(text, &e).0,
                format!(
                    "[distance], [fallback] and [levels.*] must be tables: {}",
                    e.message().trim()
                ),
            );
            Tables {
                distance: None,
                fallback: None,
                levels: None,
            }
        }
    };

    let seed = match r.string(&top, "seed", "seed") {
        Some(s) if !s.get_ref().is_empty() => s.into_inner(),
        Some(s) => {
            r.error(
                s.span(),
                "seed is empty; the published lottery seed is required".to_string(),
            );
            String::new()
        }
        None => {
            if !top.contains_key("seed") {
                r.diags.error(
                    FILE,
                    Location::File,
                    "seed is missing; the published lottery seed is required",
                );
            }
            String::new()
        }
    };
    let seed_commitment = r.string(&top, "seed_commitment", "seed_commitment").and_then(|c| {
        let published = c.get_ref().trim().to_ascii_lowercase();
        let actual = crate::lottery::seed_commitment(&seed);
        if published.len() != 64 || !published.bytes().all(|b| b.is_ascii_hexdigit()) {
            r.error(c.span(), "seed_commitment must be 64 hex digits (the SHA-256 printed by `catchment seed commit`)".to_string());
            None
        } else if !seed.is_empty() && published != actual {
            r.error(
                c.span(),
                format!(
                    "seed does not match the published seed_commitment {published}: SHA-256 of this seed is {actual}; the round is refused"
                ),
            );
            None
        } else {
            Some(published)
        }
    });
    let rule = match r
        .choice(&top, "rule", "rule", &["zone", "nearest", "optimal"], "zone")
        .as_str()
    {
        "nearest" => Rule::Nearest,
        "optimal" => Rule::Optimal,
        _ => Rule::Zone,
    };
    let tie_breaking = match r
        .choice(&top, "tie_breaking", "tie_breaking", &["single", "multiple"], "single")
        .as_str()
    {
        "multiple" => TieBreaking::Multiple,
        _ => TieBreaking::Single,
    };
    let groups = match r
        .choice(&top, "groups", "groups", &["together", "separate"], "together")
        .as_str()
    {
        "separate" => GroupPolicy::Separate,
        _ => GroupPolicy::Together,
    };
    let max_private_choices = r
        .integer(&top, "max_private_choices", "max_private_choices", 0..=100)
        .map_or(2, |m| m as u32);

    let distance = tables.distance.unwrap_or_default();
    r.unknown_keys("distance.", &distance, &["metric", "matrix"]);
    let metric = match r
        .choice(
            &distance,
            "metric",
            "distance.metric",
            &["haversine", "matrix"],
            "haversine",
        )
        .as_str()
    {
        "matrix" => DistanceMetric::Matrix,
        _ => DistanceMetric::Haversine,
    };
    let matrix_file = match r.string(&distance, "matrix", "distance.matrix") {
        Some(m) if m.get_ref().is_empty() || m.get_ref().contains(['/', '\\']) || m.get_ref().starts_with('.') => {
            let message = format!(
                "distance.matrix {:?} must be a file name inside the scenario folder",
                m.get_ref()
            );
            r.error(m.span(), message);
            String::new()
        }
        Some(m) => m.into_inner(),
        None => "distances.csv".to_string(),
    };

    let fallback = tables.fallback.unwrap_or_default();
    r.unknown_keys("fallback.", &fallback, &["rule", "max_distance_m"]);
    let fallback_rule = match r
        .choice(
            &fallback,
            "rule",
            "fallback.rule",
            &["nearest_vacancy", "optimal", "none"],
            "nearest_vacancy",
        )
        .as_str()
    {
        "none" => FallbackRule::None,
        "optimal" => FallbackRule::Optimal,
        _ => FallbackRule::NearestVacancy,
    };
    let max_distance_m = r.metres(&fallback, "max_distance_m", "fallback.max_distance_m");

    let class_cost_m = r.metres(&top, "class_cost_m", "class_cost_m").unwrap_or(2_000.0);
    let crs = top
        .contains_key("crs")
        .then(|| r.choice(&top, "crs", "crs", &["wgs84", "gcj02", "bd09"], "wgs84"))
        .and_then(|c| crate::crs::Crs::parse(&c));
    let encoding = top
        .contains_key("encoding")
        .then(|| r.choice(&top, "encoding", "encoding", &["utf-8", "gbk"], "utf-8"))
        .and_then(|e| super::table::Encoding::parse(&e));
    let mut max_class_size = BTreeMap::from([(Level::Primary, 45), (Level::Junior, 50)]);
    for (name, table) in tables.levels.unwrap_or_default() {
        let Some(level) = Level::parse(name.get_ref()) else {
            let message = format!(
                "levels.{} is not a level; expected levels.primary or levels.junior",
                name.get_ref()
            );
            r.error(name.span(), message);
            continue;
        };
        let prefix = format!("levels.{}.", level.as_str());
        r.unknown_keys(&prefix, &table, &["max_class_size"]);
        if let Some(m) = r.integer(&table, "max_class_size", &format!("{prefix}max_class_size"), 1..=1000) {
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
