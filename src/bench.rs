//! `catchment bench`: a whole round on a scenario, phase by phase, with
//! wall times and peak memory, on generated districts and cities or on a
//! scenario folder.
//!
//! Peak memory is the process's resident high-water mark (`VmHWM` in
//! `/proc/self/status`, Linux) read after each phase, so each figure is the
//! peak so far; it is blank where the platform does not report it. The
//! round only reports phase times ([`crate::round::PhaseObserver`]); the memory
//! probe runs here, once per phase of a measured round, never in the
//! rounds of `odds`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::round::PhaseObserver;
use crate::scenario::{self, LoadOptions};
use crate::synth::{write_scenario, SynthParams, DEFAULT_MAX_DISTANCE_M};
use crate::{flow, output};

/// One measured phase.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Phase name.
    pub name: String,
    /// Wall time.
    pub time: Duration,
    /// Peak resident memory so far, bytes.
    pub peak_bytes: Option<u64>,
}

/// The phases of one benchmarked round.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was run, e.g. "city 300000 applicants / 2000 schools, rule zone".
    pub title: String,
    /// The phases in order.
    pub phases: Vec<Phase>,
    /// Wall time of the whole round, load to written run folder.
    pub total: Duration,
}

/// Wall time and peak memory after each phase of a round, for `catchment
/// bench` and `run --verbose`; never written to a run folder (times differ
/// from run to run). Pass it to [`crate::round::run_timed`] to measure a round.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<Phase>);

impl Phases {
    /// Runs `f` and records its wall time under `name`.
    pub fn time<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        self.phase(name, started.elapsed());
        value
    }
}

impl PhaseObserver for Phases {
    /// Records the phase with the peak memory so far.
    fn phase(&mut self, name: &str, elapsed: Duration) {
        self.0.push(Phase {
            name: name.to_string(),
            time: elapsed,
            peak_bytes: peak_memory(),
        });
    }
}

/// The process's peak resident memory so far, in bytes (Linux only).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs a round on the scenario in `dir`, writing its run folder to `out`
/// exactly as `catchment run` does ([`output::run_into_folder`]).
pub fn run(dir: &Path, out: &Path, title: &str) -> Result<Report, Error> {
    let started = Instant::now();
    let mut phases = Phases::default();
    let scenario = phases.time("load", || scenario::load(dir, &LoadOptions::default()))?;
    output::run_into_folder(out, &scenario, output::WrittenAs::default(), &mut phases, |_, _| Ok(()))?;
    Ok(Report {
        title: title.to_string(),
        phases: phases.0,
        total: started.elapsed(),
    })
}

/// Generates the scenario of `params` into `work/<name>` and benchmarks it.
pub fn generated(params: &SynthParams, work: &Path, name: &str) -> Result<Report, Error> {
    let dir = work.join(name);
    write_scenario(params, &dir).map_err(|e| Error::io(&dir, e))?;
    let seats = params
        .seat_ratio
        .map_or("drawn in [1.00, 1.05)".to_string(), |r| format!("{r:.2}"));
    let mut title = format!(
        "{name}: {} applicants / {} public + {} private schools, rule {}, seats per applicant {seats}, seed {}",
        params.applicants, params.schools, params.private, params.rule, params.seed
    );
    if params.seat_noise > 0.0 {
        title.push_str(&format!(", seat noise σ {}", params.seat_noise));
    }
    match params.max_distance_m {
        Some(m) if m != DEFAULT_MAX_DISTANCE_M => title.push_str(&format!(", max distance {m} m")),
        Some(_) => {}
        None => title.push_str(", no distance limit"),
    }
    run(&dir, &work.join(format!("{name}-run")), &title)
}

impl Report {
    /// The phase table as text.
    pub fn to_table(&self) -> String {
        let mut out = format!("{}\n", self.title);
        out.push_str(&format!("  {:<18} {:>10} {:>12}\n", "phase", "wall ms", "peak MiB"));
        let mib = |b: Option<u64>| b.map_or("-".to_string(), |b| format!("{:.0}", b as f64 / 1048576.0));
        for p in &self.phases {
            out.push_str(&format!(
                "  {:<18} {:>10.1} {:>12}\n",
                p.name,
                p.time.as_secs_f64() * 1000.0,
                mib(p.peak_bytes)
            ));
        }
        out.push_str(&format!(
            "  {:<18} {:>10.1} {:>12}\n",
            "total",
            self.total.as_secs_f64() * 1000.0,
            mib(self.phases.last().and_then(|p| p.peak_bytes))
        ));
        out
    }
}

/// Which generated scenarios `catchment bench` runs (`--size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Size {
    /// The district: 20,000 applicants, 60 public schools.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    District,
    /// The city: 300,000 applicants, 2,000 public schools.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    City,
    /// The district, then the city.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Both,
}

impl Size {
    /// The generated scenarios of this choice, named, in the order they run.
    ///
    /// ```
    /// use catchment::bench::Size;
    /// let names: Vec<_> = Size::Both.presets().into_iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["district", "city"]);
    /// ```
    pub fn presets(self) -> Vec<(&'static str, SynthParams)> {
        let district = ("district", SynthParams::district());
        let city = ("city", SynthParams::city());
        match self {
            Size::District => vec![district],
            Size::City => vec![city],
            Size::Both => vec![district, city],
        }
    }
}

/// One case of `catchment bench --suite`: a generated scenario and the
/// issue's targets for it (seconds, on 2 cores).
#[derive(Debug, Clone)]
pub struct SuiteCase {
    /// Short name, e.g. "city 0.95× σ0.6 10 km".
    pub name: &'static str,
    /// The scenario generated.
    pub params: SynthParams,
    /// Target for the whole run (load to written run folder), seconds.
    pub target_total: f64,
    /// Target for the public stage ("flow" or "matching"), seconds.
    pub target_stage: Option<f64>,
}

/// The standard suite: the city (300,000 applicants / 2,000 public
/// schools) under rule `optimal` with seats 1.05× and 0.95× demand, and
/// 0.95× with log-normal seat noise σ = 0.6 and a 10 km limit; then the
/// district (20,000 / 60, rule `zone`).
///
/// ```
/// let names: Vec<_> = catchment::bench::suite(1).iter().map(|c| c.name).collect();
/// assert_eq!(names, ["city 1.05×", "city 0.95×", "city 0.95× σ0.6 10 km", "district"]);
/// ```
pub fn suite(seed: u64) -> Vec<SuiteCase> {
    let city = |seats: f64, noise: f64| SynthParams {
        rule: "optimal".to_string(),
        seed,
        seat_ratio: Some(seats),
        seat_noise: noise,
        max_distance_m: Some(10_000.0),
        ..SynthParams::city()
    };
    vec![
        SuiteCase {
            name: "city 1.05×",
            params: city(1.05, 0.0),
            target_total: 1.3,
            target_stage: Some(0.4),
        },
        SuiteCase {
            name: "city 0.95×",
            params: city(0.95, 0.0),
            target_total: 1.5,
            target_stage: Some(0.6),
        },
        SuiteCase {
            name: "city 0.95× σ0.6 10 km",
            params: city(0.95, 0.6),
            target_total: 2.5,
            target_stage: Some(1.5),
        },
        SuiteCase {
            name: "district",
            params: SynthParams {
                seed,
                ..SynthParams::district()
            },
            target_total: 0.2,
            target_stage: None,
        },
    ]
}

/// A measured suite case.
#[derive(Debug, Clone)]
pub struct SuiteRow {
    /// The case.
    pub case: SuiteCase,
    /// Its phase report.
    pub report: Report,
    /// Flows solved in the round, and how many were certified optimal
    /// ([`flow::certificates`]).
    pub certificates: flow::Certificates,
}

impl SuiteRow {
    /// Wall time of the public stage: the flow under rule `optimal`, the
    /// matching otherwise.
    pub fn stage(&self) -> Option<Duration> {
        self.report
            .phases
            .iter()
            .find(|p| p.name == "flow" || p.name == "matching")
            .map(|p| p.time)
    }

    /// Peak resident memory of the process at the end of the case, bytes
    /// (the high-water mark never falls: earlier, larger cases show through).
    pub fn peak_bytes(&self) -> Option<u64> {
        self.report.phases.last().and_then(|p| p.peak_bytes)
    }

    /// "yes" when every flow of the round was certified, "NO" when one was
    /// not, "-" when the round ran none.
    pub fn certified(&self) -> &'static str {
        match self.certificates {
            flow::Certificates { solves: 0, .. } => "-",
            c if c.certified == c.solves => "yes",
            _ => "NO",
        }
    }

    /// Whether the whole run and the stage are within their targets.
    pub fn within_target(&self) -> bool {
        self.report.total.as_secs_f64() <= self.case.target_total
            && self
                .case
                .target_stage
                .is_none_or(|t| self.stage().is_some_and(|s| s.as_secs_f64() <= t))
    }
}

/// Runs one suite case in `work` (see [`generated`]), counting its flows'
/// certificates.
pub fn run_case(case: &SuiteCase, work: &Path) -> Result<SuiteRow, Error> {
    let before = flow::certificates();
    let name = case.name.replace(['×', ' ', 'σ'], "_");
    let report = generated(&case.params, work, &name)?;
    let after = flow::certificates();
    Ok(SuiteRow {
        case: case.clone(),
        report,
        certificates: flow::Certificates {
            solves: after.solves - before.solves,
            certified: after.certified - before.certified,
        },
    })
}

/// The suite's table: per case, whole run and stage against their
/// targets, peak memory, and whether every flow was certified.
pub fn suite_table(rows: &[SuiteRow]) -> String {
    let mut out = format!(
        "{:<24} {:>9} {:>8} {:>9} {:>8} {:>9} {:>10} {:>7}\n",
        "case", "whole s", "target", "stage s", "target", "peak MiB", "certified", "within"
    );
    for row in rows {
        let stage = row
            .stage()
            .map_or("-".to_string(), |d| format!("{:.2}", d.as_secs_f64()));
        let target_stage = row.case.target_stage.map_or("-".to_string(), |t| format!("≤ {t}"));
        let peak = row
            .peak_bytes()
            .map_or("-".to_string(), |b| format!("{:.0}", b as f64 / 1048576.0));
        out.push_str(&format!(
            "{:<24} {:>9.2} {:>8} {:>9} {:>8} {:>9} {:>10} {:>7}\n",
            row.case.name,
            row.report.total.as_secs_f64(),
            format!("≤ {}", row.case.target_total),
            stage,
            target_stage,
            peak,
            row.certified(),
            if row.within_target() { "yes" } else { "no" }
        ));
    }
    out
}
