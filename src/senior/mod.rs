//! The quality senior-high quota round (指标到校).
//!
//! District plans require quality senior high schools (示范高中) to share at
//! least half of their places out among all the district's junior schools,
//! so a child in a weak junior school has a fair chance. This round does it
//! in the two stages districts use (see `docs/spec.md` §9):
//!
//! 1. each senior school's quota places (`floor(places × quota_share)`) are
//!    apportioned among junior schools by graduates ([`apportion`]);
//! 2. **quota stage**: within each junior school, its candidates compete for
//!    that school's quota at every senior school by deferred acceptance
//!    ([`crate::matching`]), ordered by (priority, score descending, ticket
//!    `quota:<senior>`); candidates below the minimum score are not eligible;
//! 3. **open stage**: quota places left unused return to the open pool, and
//!    every candidate not yet admitted competes for the remaining places by
//!    deferred acceptance on (priority, score, ticket `open:<senior>`).
//!
//! For the fairness table the same candidates are also run through an
//! open-only round with every place open (same seed, same `open:` tickets).
//!
//! [`load`] reads a senior scenario folder, [`round::run`] runs the round
//! top-down, [`output::render`] gives the run folder's files.

pub mod apportion;
mod load;
pub mod output;
pub mod round;

use crate::error::Diagnostics;
use crate::scenario::InputFile;

pub use apportion::Method;
pub use load::load;

pub use crate::scenario::index::{CandIdx, JuniorIdx, SeniorIdx};

/// Highest score accepted (10,000.00); scores are held in hundredths.
pub const MAX_SCORE: u32 = 1_000_000;
/// Highest priority tier accepted.
pub const MAX_PRIORITY: u32 = 4095;

/// An exam score in hundredths of a point (612.5 is `Score(61250)`), so
/// comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(pub u32);

impl Score {
    /// Parses a decimal number ≥ 0 with at most two decimals, at most
    /// 10000, e.g. `612.5`.
    ///
    /// ```
    /// use catchment::senior::Score;
    /// assert_eq!(Score::parse("612.5"), Some(Score(61250)));
    /// assert_eq!(Score::parse("612.555"), None);
    /// assert_eq!(Score(61250).to_string(), "612.5");
    /// ```
    pub fn parse(s: &str) -> Option<Score> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || int.len() > 5 || frac.len() > 2 {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if s.contains('.') && frac.is_empty() {
            return None;
        }
        let whole: u32 = int.parse().ok()?;
        let mut hundredths: u32 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
        if frac.len() == 1 {
            hundredths *= 10;
        }
        let v = whole.checked_mul(100)?.checked_add(hundredths)?;
        (v <= MAX_SCORE).then_some(Score(v))
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (w, h) = (self.0 / 100, self.0 % 100);
        match h {
            0 => write!(f, "{w}"),
            h if h % 10 == 0 => write!(f, "{w}.{}", h / 10),
            h => write!(f, "{w}.{h:02}"),
        }
    }
}

/// A share of places as an exact fraction `num / den` (e.g. 0.5 = 5/10), so
/// `floor(places × share)` has no rounding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// Numerator.
    pub num: u64,
    /// Denominator (a power of ten).
    pub den: u64,
}

impl Share {
    /// The decimal as written, e.g. from TOML `0.5`; `None` outside [0, 1]
    /// or with more than 6 decimals.
    ///
    /// ```
    /// use catchment::senior::Share;
    /// let s = Share::from_decimal("0.29").unwrap();
    /// assert_eq!(s.of(100), 29); // 0.29 × 100 in f64 is 28.999…
    /// ```
    pub fn from_decimal(s: &str) -> Option<Share> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || frac.len() > 6 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let den = 10u64.pow(frac.len() as u32);
        let num =
            int.parse::<u64>().ok()?.checked_mul(den)? + if frac.is_empty() { 0 } else { frac.parse::<u64>().ok()? };
        (num <= den).then_some(Share { num, den })
    }

    /// `floor(places × share)`.
    pub fn of(&self, places: u32) -> u32 {
        (u64::from(places) * self.num / self.den) as u32
    }

    /// As a number, for display.
    pub fn as_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

/// A quality senior high school (a row of `senior_schools.csv`).
#[derive(Debug, Clone)]
pub struct SeniorSchool {
    /// School id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Entry places this year.
    pub places: u32,
    /// Share of places given to quota allocation (default: the policy's).
    pub quota_share: Share,
    /// Minimum score for its quota places (default: the policy's).
    pub min_score: Option<Score>,
    /// Line in the file.
    pub line: u64,
}

impl SeniorSchool {
    /// Quota places: `floor(places × quota_share)`.
    pub fn quota_places(&self) -> u32 {
        self.quota_share.of(self.places)
    }
}

/// A junior school whose graduates take part (a row of `junior_schools.csv`).
#[derive(Debug, Clone)]
pub struct JuniorSchool {
    /// School id (the junior school's id in the district's schools.csv).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Graduates this year: the weight of apportionment and the denominator
    /// of the fairness shares.
    pub graduates: u32,
    /// Line in the file.
    pub line: u64,
}

/// A grade-9 candidate (a row of `candidates.csv`).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Candidate id (pseudonymous).
    pub id: String,
    /// The junior school it graduates from.
    pub junior: JuniorIdx,
    /// Exam score.
    pub score: Score,
    /// Senior schools applied to, most wanted first (duplicates dropped).
    pub choices: Vec<SeniorIdx>,
    /// Priority tier, 1 served first (default 1).
    pub priority: u32,
    /// Line in the file.
    pub line: u64,
}

/// The rules of the senior round (`policy.toml` in the senior folder).
#[derive(Debug, Clone)]
pub struct SeniorPolicy {
    /// Lottery seed (tickets break score ties).
    pub seed: String,
    /// The commitment published before the draw (`seed_commitment`), when
    /// given: the round refuses to run unless SHA-256(seed) equals it.
    pub seed_commitment: Option<String>,
    /// Default share of each senior school's places given to quotas.
    pub quota_share: Share,
    /// How quota places are shared among junior schools.
    pub apportionment: Method,
    /// Minimum score for quota places (none: every candidate is eligible).
    pub min_score: Option<Score>,
}

/// A senior scenario folder, typed and validated.
#[derive(Debug, Clone)]
pub struct SeniorScenario {
    /// The rules.
    pub policy: SeniorPolicy,
    /// Senior schools sorted by id.
    pub seniors: Vec<SeniorSchool>,
    /// Junior schools sorted by id.
    pub juniors: Vec<JuniorSchool>,
    /// Candidates sorted by id.
    pub candidates: Vec<Candidate>,
    /// Hashes of the input files, for the manifest.
    pub inputs: Vec<InputFile>,
    /// Warnings found while loading.
    pub warnings: Diagnostics,
}

impl SeniorScenario {
    /// The minimum quota score at a senior school.
    pub fn min_score(&self, s: SeniorIdx) -> Option<Score> {
        self.seniors[s.index()].min_score.or(self.policy.min_score)
    }
}
