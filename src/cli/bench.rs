//! `catchment bench`: phase timings of whole rounds.

use std::path::Path;

use serde::Serialize;

use catchment::bench::{self, Report};
use catchment::error::Error;
use catchment::synth::SynthParams;

use super::args::BenchArgs;
use super::ui::{print_out, Ui};

/// What `bench` reports under `--json`.
#[derive(Serialize)]
struct Machine<'a> {
    cores: usize,
    threads: usize,
    reports: Vec<ReportJson<'a>>,
}

/// A phase in `--json`.
#[derive(Serialize)]
struct PhaseJson<'a> {
    name: &'a str,
    seconds: f64,
    peak_bytes: Option<u64>,
}

/// A bench report in `--json`: title, total seconds, and each phase.
#[derive(Serialize)]
struct ReportJson<'a> {
    title: &'a str,
    total_seconds: f64,
    phases: Vec<PhaseJson<'a>>,
}

impl<'a> ReportJson<'a> {
    fn new(report: &'a Report) -> Self {
        ReportJson {
            title: &report.title,
            total_seconds: report.total.as_secs_f64(),
            phases: report
                .phases
                .iter()
                .map(|p| PhaseJson {
                    name: &p.name,
                    seconds: p.time.as_secs_f64(),
                    peak_bytes: p.peak_bytes,
                })
                .collect(),
        }
    }
}

/// Benchmarks the scenario folder, or the generated sizes asked for, in a
/// work folder (a temporary one, removed afterwards, unless `--work`).
pub fn run(args: &BenchArgs, ui: &Ui) -> Result<(), Error> {
    let temp = std::env::temp_dir().join(format!("catchment-bench-{}", std::process::id()));
    let work_dir = args.work.clone().unwrap_or_else(|| temp.clone());
    std::fs::create_dir_all(&work_dir).map_err(|e| Error::io(&work_dir, e))?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let threads = rayon::current_num_threads();
    if !ui.json {
        print_out(&format!("machine: {cores} cores, {threads} thread(s)\n"))?;
    }
    let result = reports(args, &work_dir, ui);
    if args.work.is_none() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    let reports = result?;
    if !ui.json {
        return Ok(());
    }
    let machine = Machine {
        cores,
        threads,
        reports: reports.iter().map(ReportJson::new).collect(),
    };
    ui.result("bench", "", &machine)
}

/// Runs the benches, printing each table as its bench ends (a city round
/// takes a while).
fn reports(args: &BenchArgs, work_dir: &Path, ui: &Ui) -> Result<Vec<Report>, Error> {
    let show = |report: &Report| if ui.json { Ok(()) } else { print_out(&report.to_table()) };
    if let Some(dir) = &args.scenario {
        let report = bench::run(dir, &work_dir.join("run"), &dir.display().to_string())?;
        show(&report)?;
        return Ok(vec![report]);
    }
    let mut reports = Vec::new();
    for (name, params) in args.size.presets() {
        let params = SynthParams {
            rule: args.rule.as_str().to_string(),
            seed: args.seed,
            seat_ratio: args.seats,
            ..params
        };
        let report = bench::generated(&params, work_dir, name)?;
        show(&report)?;
        reports.push(report);
    }
    Ok(reports)
}
