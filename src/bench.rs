//! `catchment bench`: a whole round on a scenario, phase by phase, with
//! wall times and peak memory, on generated districts and cities or on a
//! scenario folder.
//!
//! Peak memory is the process's resident high-water mark (`VmHWM` in
//! `/proc/self/status`, Linux) read after each phase, so each figure is the
//! peak so far; it is blank where the platform does not report it. The
//! round only reports phase times ([`round::PhaseObserver`]); the memory
//! probe runs here, once per phase of a measured round, never in the
//! rounds of `odds`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::round::PhaseObserver;
use crate::scenario::{self, LoadOptions};
use crate::synth::{write_scenario, SynthParams};
use crate::{output, round};

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
/// from run to run). Pass it to [`round::run_timed`] to measure a round.
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

/// Runs a round on the scenario in `dir`, writing its run folder to `out`.
pub fn run(dir: &Path, out: &Path, title: &str) -> Result<Report, Error> {
    let started = Instant::now();
    let mut phases = Phases::default();
    let scenario = phases.time("load", || scenario::load(dir, &LoadOptions::default()))?;
    let outcome = round::run_timed(&scenario, &mut phases);
    let files = phases.time("render", || output::render(&scenario, &outcome));
    phases.time("write", || output::write_atomically(out, &files))?;
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
    let title = format!(
        "{name}: {} applicants / {} public + {} private schools, rule {}, seats per applicant {seats}, seed {}",
        params.applicants, params.schools, params.private, params.rule, params.seed
    );
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
