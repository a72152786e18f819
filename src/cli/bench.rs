//! `catchment bench`: phase timings of whole rounds.

use std::path::Path;

use serde::Serialize;

use catchment::bench::{self, Report, SuiteRow};
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
    /// Under `--suite`: one row per case, in the order of `reports`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suite: Vec<SuiteJson>,
}

/// A `--suite` row in `--json`.
#[derive(Serialize)]
struct SuiteJson {
    case: &'static str,
    total_seconds: f64,
    target_total_seconds: f64,
    stage_seconds: Option<f64>,
    target_stage_seconds: Option<f64>,
    peak_bytes: Option<u64>,
    flows: usize,
    flows_certified: usize,
    within_target: bool,
}

impl SuiteJson {
    fn new(row: &SuiteRow) -> Self {
        SuiteJson {
            case: row.case.name,
            total_seconds: row.report.total.as_secs_f64(),
            target_total_seconds: row.case.target_total,
            stage_seconds: row.stage().map(|d| d.as_secs_f64()),
            target_stage_seconds: row.case.target_stage,
            peak_bytes: row.peak_bytes(),
            flows: row.certificates.solves,
            flows_certified: row.certificates.certified,
            within_target: row.within_target(),
        }
    }
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
    let (reports, suite) = result?;
    if !ui.json {
        return Ok(());
    }
    let machine = Machine {
        cores,
        threads,
        reports: reports.iter().map(ReportJson::new).collect(),
        suite: suite.iter().map(SuiteJson::new).collect(),
    };
    ui.result("bench", "", &machine)
}

/// Runs the benches, printing each table as its bench ends (a city round
/// takes a while); under `--suite`, also the suite's rows.
fn reports(args: &BenchArgs, work_dir: &Path, ui: &Ui) -> Result<(Vec<Report>, Vec<SuiteRow>), Error> {
    let show = |report: &Report| if ui.json { Ok(()) } else { print_out(&report.to_table()) };
    if let Some(dir) = &args.scenario {
        let report = bench::run(dir, &work_dir.join("run"), &dir.display().to_string())?;
        show(&report)?;
        return Ok((vec![report], Vec::new()));
    }
    let mut reports = Vec::new();
    if args.suite {
        let mut rows = Vec::new();
        for case in bench::suite(args.seed) {
            let row = bench::run_case(&case, work_dir)?;
            show(&row.report)?;
            rows.push(row);
        }
        if !ui.json {
            print_out(&format!(
                "\nsuite (stage = flow under rule optimal, matching under zone; peak = process high-water mark)\n{}",
                bench::suite_table(&rows)
            ))?;
        }
        return Ok((rows.iter().map(|r| r.report.clone()).collect(), rows));
    }
    for (name, params) in args.size.presets() {
        let params = SynthParams {
            rule: args.rule.as_str().to_string(),
            seed: args.seed,
            seat_ratio: args.seats,
            seat_noise: args.seat_noise,
            max_distance_m: args.max_distance.0,
            ..params
        };
        let report = bench::generated(&params, work_dir, name)?;
        show(&report)?;
        reports.push(report);
    }
    Ok((reports, Vec::new()))
}
