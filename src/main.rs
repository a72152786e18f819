//! The `catchment` command line: parses arguments, calls the library,
//! prints, and maps errors to exit codes (0 ok, 1 input invalid or
//! verification failed, 2 usage, 3 I/O).
//!
//! Standard output carries the result (a summary line, a table, or with
//! `--json` one JSON object); standard error carries diagnostics, notes,
//! `--verbose` detail and progress, the last only on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::{json, Value};

use catchment::error::Error;
use catchment::scenario::{self, LoadOptions, Scenario};
use catchment::{output, round, verify};

mod cli_output;

use cli_output::{print_bytes, print_out, Ui};

/// What `catchment --help` says before the list of commands.
const LONG_ABOUT: &str = "\
School admission rounds and school zoning: zones, lotteries, deferred
acceptance, class formation.

A scenario folder holds schools.csv, applicants.csv, zones.geojson and
policy.toml. The usual workflow:

  catchment check SCENARIO                 list every problem in the inputs
  catchment run SCENARIO --out RUN         run the round, write the run folder
  catchment verify SCENARIO RUN            re-run it; check hashes and invariants
  catchment explain RUN --applicant ID     one applicant's outcome in plain words

Results go to standard output: one summary line, or with --json one JSON
object for scripts. Diagnostics, notes and errors go to standard error;
--quiet keeps only the errors, --verbose adds detail (counts, phase
timings, files written). A progress spinner shows on a terminal only.

Exit codes:
  0  success
  1  the input is invalid (every problem is listed) or verification failed
  2  usage: unknown command, bad or missing arguments
  3  I/O: a file or folder could not be read or written";

/// School admission rounds and school zoning.
#[derive(Parser)]
#[command(name = "catchment", version = env!("CATCHMENT_VERSION"), about, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Coordinate system of the scenario (default: policy.toml's `crs`).
    ///
    /// Coordinate system of the scenario's coordinates (schools, homes,
    /// zones, population points), converted to WGS84 on load; overrides
    /// `crs` in policy.toml. Give `verify` the same flag as `run`.
    #[arg(long, global = true, value_parser = ["wgs84", "gcj02", "bd09"])]
    crs: Option<String>,
    /// Text encoding of the scenario's files (default: policy.toml's `encoding`).
    ///
    /// Text encoding of the scenario's CSV and GeoJSON files (utf-8, gbk);
    /// overrides `encoding` in policy.toml.
    #[arg(long, global = true, value_parser = ["utf-8", "gbk"])]
    encoding: Option<String>,
    /// Print only errors.
    ///
    /// Print only errors: no summary line on standard output, no warnings,
    /// notes or progress on standard error. Tables and JSON that are the
    /// command's result are still printed.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print extra detail on standard error.
    ///
    /// Print extra detail on standard error: rows loaded, phase timings,
    /// files written.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Print the result as one JSON object, for scripts.
    ///
    /// Print the result as one JSON object on standard output, for scripts
    /// (also on failure, with the error and any diagnostics; the exit code
    /// is unchanged). For `explain` and `balance`, their JSON document.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run an allocation round and write a run folder.
    #[command(after_help = "Example:\n  catchment run fixtures/demo-district --out runs/demo")]
    Run {
        /// Scenario folder (schools.csv, applicants.csv, zones.geojson, policy.toml).
        scenario: PathBuf,
        /// Run folder to write (replaced atomically if it is an earlier run).
        #[arg(long)]
        out: PathBuf,
        /// Repair invalid zone geometry instead of rejecting it (see `check --repair`).
        #[arg(long)]
        repair: bool,
    },
    /// Compare a proposed catchment map (or changed inputs) with the current one.
    ///
    /// Test a new catchment map: run the round with the scenario's zones
    /// and with a proposed map (or another scenario folder), same seed, and
    /// write both run folders (DIR/before, DIR/after) and the comparison:
    /// changes.csv, schools_diff.csv, compare_summary.json, compare.html.
    #[command(
        after_help = "Example:\n  catchment compare fixtures/demo-district --zones fixtures/demo-district/proposed-zones.geojson --out runs/compare"
    )]
    Compare {
        /// Scenario folder of the current situation (before).
        scenario: PathBuf,
        /// Proposed zones (GeoJSON, same format as zones.geojson) for the after round.
        #[arg(long)]
        zones: Option<PathBuf>,
        /// Scenario folder for the after round (other changed inputs); its
        /// round is run with the seed of SCENARIO. Default: SCENARIO.
        #[arg(long = "scenario")]
        other: Option<PathBuf>,
        /// Folder to write (replaced atomically if it is an earlier comparison).
        #[arg(long)]
        out: PathBuf,
    },
    /// List every problem in a scenario; exit 1 if there is an error.
    #[command(after_help = "Example:\n  catchment check fixtures/demo-district")]
    Check {
        /// Scenario folder.
        scenario: PathBuf,
        /// Repair invalid zone geometry, with a warning for each change.
        ///
        /// Repair invalid zone geometry: close unclosed rings, drop repeated
        /// consecutive positions, split self-intersecting rings (geo
        /// MakeValid), drop holes outside their shell, merge overlapping
        /// members of a MultiPolygon. Each change is printed as a warning.
        #[arg(long)]
        repair: bool,
    },
    /// Explain one applicant's outcome in plain words.
    ///
    /// Explain one applicant's outcome in plain words, from the run folder
    /// alone: zone, each school applied to, ticket and how to recompute it,
    /// cut-offs, and where it ended.
    #[command(after_help = "Example:\n  catchment explain runs/demo --applicant p00042")]
    Explain {
        /// Run folder written by `catchment run`.
        run: PathBuf,
        /// Applicant id.
        #[arg(long)]
        applicant: String,
    },
    /// Admission odds of each applicant and school over many lotteries.
    ///
    /// Admission odds: run many lotteries (seed of trial t = BASE + "#" + t)
    /// and report each applicant's chance of each school and stage, each
    /// school's cut-off and intake distribution, and the cost of multiple
    /// tie-breaking.
    #[command(after_help = "Example:\n  catchment odds fixtures/demo-district --trials 1000 --out runs/demo-odds")]
    Odds {
        /// Scenario folder.
        scenario: PathBuf,
        /// Number of simulated rounds.
        #[arg(long, default_value_t = 1000)]
        trials: u32,
        /// Base seed (default: the policy's seed).
        #[arg(long)]
        seed: Option<String>,
        /// Folder for odds_*.csv and odds_summary.json (written atomically);
        /// without it, only the summary is printed.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Time a round phase by phase, with peak memory.
    ///
    /// Time a whole round phase by phase (load, zone index, zone lookup,
    /// lottery, matching, fallback, classes, render, write) with peak memory,
    /// on generated districts and cities or on a scenario folder.
    #[command(
        after_help = "Examples:\n  catchment bench                       # district 20k/60 and city 300k/2,000\n  catchment bench --size district --rule nearest\n  catchment bench --scenario fixtures/demo-district"
    )]
    Bench {
        /// Benchmark this scenario instead of generated ones.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Generated sizes: district (20,000 applicants / 60 schools), city
        /// (300,000 / 2,000), or both.
        #[arg(long, default_value = "both", value_parser = ["district", "city", "both"])]
        size: String,
        /// Public allocation rule of the generated scenarios.
        #[arg(long, default_value = "zone", value_parser = ["zone", "nearest", "optimal"])]
        rule: String,
        /// Public seats per applicant of each level in the generated
        /// scenarios (e.g. 0.95 for a tight round; default: drawn in [1.00, 1.05)).
        #[arg(long, value_parser = seat_ratio)]
        seats: Option<f64>,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Work folder for generated scenarios and run folders (default: a
        /// temporary folder, removed afterwards).
        #[arg(long)]
        work: Option<PathBuf>,
    },
    /// Plan how many entry classes each public school opens.
    ///
    /// Plan how many entry classes each public school opens: a mixed-integer
    /// model (good_lp, microlp) minimising distance plus class_cost_m per
    /// class, with no class above the level's max_class_size (消除大班额).
    #[command(
        name = "plan-classes",
        after_help = "Example:\n  catchment plan-classes fixtures/demo-district --out runs/demo-plan"
    )]
    PlanClasses {
        /// Scenario folder.
        scenario: PathBuf,
        /// Folder for plan.csv (written atomically); without it the table
        /// is printed only.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Seat forecast and shortage warning (学位预警) per zone and year.
    ///
    /// Seat forecast and shortage warning (学位预警): entrants per zone and
    /// level for the coming school years, from children counted by birth
    /// year in population.csv, against the seats of each zone's schools.
    #[command(
        after_help = "Example:\n  catchment forecast fixtures/demo-district --population fixtures/demo-district/population.csv --years 5 --out runs/demo-forecast"
    )]
    Forecast {
        /// Scenario folder (schools, zones, policy).
        scenario: PathBuf,
        /// Children by community (default: population.csv in the scenario folder).
        #[arg(long)]
        population: Option<PathBuf>,
        /// School years to forecast after the census year.
        #[arg(long, default_value_t = 5)]
        years: u32,
        /// Folder for forecast.csv and forecast.html (written atomically);
        /// without it the table is printed only.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Balance between schools (均衡) of a run.
    ///
    /// Balance between schools (均衡) of a run: per school class size,
    /// utilisation, distance and resources per pupil; per level the
    /// coefficient of variation against the national thresholds.
    #[command(after_help = "Example:\n  catchment balance runs/demo")]
    Balance {
        /// Run folder written by `catchment run`.
        run: PathBuf,
    },
    /// Senior-high quota round (指标到校): quota stage, then open stage.
    ///
    /// Quality senior-high quota round (指标到校): apportion each senior
    /// school's quota places among junior schools by graduates, run the quota
    /// stage within each junior school, then the open stage, and write the
    /// run folder with the fairness table.
    #[command(after_help = "Example:\n  catchment senior fixtures/demo-district/senior --out runs/senior")]
    Senior {
        /// Senior folder (policy.toml, senior_schools.csv, junior_schools.csv, candidates.csv).
        scenario: PathBuf,
        /// Run folder to write (replaced atomically if it is an earlier run).
        #[arg(long)]
        out: PathBuf,
    },
    /// Seed commitments: publish SHA-256(seed) before the draw.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Write a synthetic scenario for tests and benchmarks.
    ///
    /// Write a synthetic scenario (clustered city, tiled zones, tiers,
    /// twins, private choices) for tests and benchmarks.
    #[command(
        after_help = "Example:\n  catchment generate --applicants 20000 --schools 60 --private 4 --seed 1 --out /tmp/district"
    )]
    Generate {
        /// Applicants, both levels together.
        #[arg(long, default_value_t = 20_000)]
        applicants: usize,
        /// Public schools, both levels together.
        #[arg(long, default_value_t = 60)]
        schools: usize,
        /// Private schools.
        #[arg(long, default_value_t = 4)]
        private: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Public allocation rule written to policy.toml.
        #[arg(long, default_value = "zone", value_parser = ["zone", "nearest", "optimal"])]
        rule: String,
        /// Public seats per applicant of each level (e.g. 0.95 for a tight
        /// round; default: drawn in [1.00, 1.05) with the seed).
        #[arg(long, value_parser = seat_ratio)]
        seats: Option<f64>,
        /// Scenario folder to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-run a scenario and check a run folder against it.
    ///
    /// Re-run a scenario and check a run folder against it: SHA-256 of every
    /// output against manifest.json, and the invariants of the round.
    #[command(after_help = "Example:\n  catchment verify fixtures/demo-district runs/demo")]
    Verify {
        /// Scenario folder.
        scenario: PathBuf,
        /// Run folder written by `catchment run`.
        run: PathBuf,
        /// Repair zone geometry as `run --repair` did.
        #[arg(long)]
        repair: bool,
    },
    /// Print a shell completion script to standard output.
    #[command(
        after_help = "Examples:\n  catchment completions bash > ~/.local/share/bash-completion/completions/catchment\n  catchment completions zsh > ~/.zfunc/_catchment\n  catchment completions fish > ~/.config/fish/completions/catchment.fish"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output.
    #[command(after_help = "Example:\n  catchment man > ~/.local/share/man/man1/catchment.1")]
    Man,
}

#[derive(Subcommand)]
enum SeedCommand {
    /// Print the commitment of a seed, to publish before the draw.
    ///
    /// Print the commitment (SHA-256 of the seed's UTF-8 bytes) to publish
    /// before the draw; put it in policy.toml as `seed_commitment` and `run`
    /// refuses any other seed.
    #[command(after_help = "Example:\n  catchment seed commit --seed \"2027 primary round, published 2027-04-30\"")]
    Commit {
        /// The seed, exactly as it will appear in policy.toml.
        #[arg(long)]
        seed: String,
    },
}

impl Command {
    /// The command's name, as in the `"command"` field of `--json` output.
    fn name(&self) -> &'static str {
        match self {
            Command::Run { .. } => "run",
            Command::Compare { .. } => "compare",
            Command::Check { .. } => "check",
            Command::Explain { .. } => "explain",
            Command::Odds { .. } => "odds",
            Command::Bench { .. } => "bench",
            Command::PlanClasses { .. } => "plan-classes",
            Command::Forecast { .. } => "forecast",
            Command::Balance { .. } => "balance",
            Command::Senior { .. } => "senior",
            Command::Seed(SeedCommand::Commit { .. }) => "seed commit",
            Command::Generate { .. } => "generate",
            Command::Verify { .. } => "verify",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) {
                return ExitCode::SUCCESS;
            }
            // A script that asked for JSON gets its one object even when
            // the arguments themselves are wrong.
            if std::env::args_os().any(|a| a == "--json") {
                let _ = cli_output::print_out(&format!("{}\n", cli_output::usage_error_json(&e.to_string())));
            }
            return ExitCode::from(2);
        }
    };
    let ui = Ui::new(cli.quiet, cli.verbose, cli.json, std::io::stderr().is_terminal());
    let options = LoadOptions {
        crs: cli.crs.as_deref().and_then(catchment::crs::Crs::parse),
        encoding: cli.encoding.as_deref().and_then(scenario::Encoding::parse),
        ..LoadOptions::default()
    };
    let name = cli.command.name();
    let result = run(cli.command, &options, &ui);
    ui.clear();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ui.failure(name, &e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Parses `--seats`: a ratio of seats to applicants in (0, 10].
fn seat_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 10.0 => Ok(r),
        _ => Err(format!(
            "expected a ratio of seats to applicants in (0, 10], e.g. 0.95; got {text:?}"
        )),
    }
}

/// Loads a scenario, naming the phase on the spinner and, under
/// `--verbose`, what was loaded.
fn load(dir: &Path, options: &LoadOptions, ui: &Ui) -> Result<Scenario, Error> {
    ui.step("loading the scenario");
    let started = Instant::now();
    let scenario = scenario::load(dir, options)?;
    ui.detail(&cli_output::loaded(&scenario, started.elapsed()));
    Ok(scenario)
}

/// A path as a JSON string.
fn path_json(path: &Path) -> Value {
    json!(path.display().to_string())
}

fn run(command: Command, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    match command {
        Command::Run { scenario, out, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            run_round(&scenario, &out, &options, ui)
        }
        Command::Compare {
            scenario,
            zones,
            other,
            out,
        } => compare(&scenario, zones, other.as_deref(), &out, options, ui),
        Command::Check { scenario, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            let scenario = load(&scenario, &options, ui)?;
            ui.step("locating homes in zones, checking groups");
            let mut diags = scenario.warnings.clone();
            diags.extend(round::prepare_warnings(&scenario));
            ui.diagnostics(&diags);
            ui.summary(
                "check",
                &format!(
                    "ok: {} schools, {} applicants, {} zones; {} warning(s)",
                    scenario.schools.len(),
                    scenario.applicants.len(),
                    scenario.zones.len(),
                    diags.warning_count()
                ),
                json!({
                    "schools": scenario.schools.len(),
                    "applicants": scenario.applicants.len(),
                    "zones": scenario.zones.len(),
                    "errors": diags.error_count(),
                    "warnings": diags.warning_count(),
                    "diagnostics": cli_output::diagnostics_json(&diags),
                }),
            )
        }
        Command::Explain { run, applicant } => {
            let explanation = catchment::explain::explain(&run, &applicant)?;
            if ui.json {
                let text = serde_json::to_string_pretty(&explanation).map_err(|e| Error::Usage(e.to_string()))?;
                print_out(&format!("{text}\n"))
            } else {
                print_out(&explanation.to_text())
            }
        }
        Command::Odds {
            scenario,
            trials,
            seed,
            out,
        } => odds(&scenario, trials, seed, out.as_deref(), options, ui),
        Command::Bench {
            scenario,
            size,
            rule,
            seed,
            seats,
            work,
        } => bench(scenario.as_deref(), &size, &rule, seed, seats, work.as_deref(), ui),
        Command::PlanClasses { scenario, out } => plan_classes(&scenario, out.as_deref(), options, ui),
        Command::Forecast {
            scenario,
            population,
            years,
            out,
        } => forecast(&scenario, population, years, out.as_deref(), options, ui),
        Command::Balance { run } => {
            let path = run.join("summary.json");
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let summary: Value = serde_json::from_slice(&bytes).map_err(|e| {
                Error::io(
                    &path,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
                )
            })?;
            let balance: catchment::balance::Balance = summary
                .get("balance")
                .cloned()
                .and_then(|b| serde_json::from_value(b).ok())
                .ok_or_else(|| {
                    Error::io(
                        &path,
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "has no \"balance\" section; re-run the round with this version",
                        ),
                    )
                })?;
            if ui.json {
                let text = serde_json::to_string_pretty(&balance).map_err(|e| Error::Usage(e.to_string()))?;
                print_out(&format!("{text}\n"))
            } else {
                print_out(&catchment::balance::to_table(&balance))
            }
        }
        Command::Senior { scenario, out } => {
            ui.step("loading the senior scenario");
            let sc = catchment::senior::load(&scenario)?;
            ui.step("running the quota and open stages");
            let outcome = catchment::senior::round::run(&sc);
            ui.step("writing the run folder");
            let files = catchment::senior::output::render(&sc, &outcome);
            output::write_atomically(&out, &files)?;
            ui.detail(&cli_output::written(&out, &files));
            let count = |stage| outcome.placements.iter().filter(|p| p.stage == stage).count();
            let (quota, open, unplaced) = (
                count(catchment::senior::round::SeniorStage::Quota),
                count(catchment::senior::round::SeniorStage::Open),
                count(catchment::senior::round::SeniorStage::Unplaced),
            );
            let warnings = sc.warnings.warning_count();
            ui.diagnostics(&sc.warnings);
            ui.summary(
                "senior",
                &format!(
                    "wrote {}: {} candidates, {quota} quota, {open} open, {unplaced} unplaced; {warnings} warning(s)",
                    out.display(),
                    sc.candidates.len(),
                ),
                json!({
                    "out": path_json(&out),
                    "candidates": sc.candidates.len(),
                    "quota": quota,
                    "open": open,
                    "unplaced": unplaced,
                    "warnings": warnings,
                }),
            )
        }
        Command::Seed(SeedCommand::Commit { seed }) => {
            let commitment = catchment::lottery::seed_commitment(&seed);
            ui.result(
                "seed commit",
                &format!("{commitment}\n"),
                json!({ "seed_commitment": commitment }),
            )
        }
        Command::Generate {
            applicants,
            schools,
            private,
            seed,
            rule,
            seats,
            out,
        } => {
            let params = catchment::synth::SynthParams {
                applicants,
                schools,
                private,
                seed,
                rule: rule.clone(),
                seat_ratio: seats,
            };
            ui.step("generating the scenario");
            catchment::synth::write_scenario(&params, &out).map_err(|e| Error::io(&out, e))?;
            ui.summary(
                "generate",
                &format!(
                    "wrote {}: {applicants} applicants, {schools} public and {private} private schools",
                    out.display()
                ),
                json!({
                    "out": path_json(&out),
                    "applicants": applicants,
                    "schools": schools,
                    "private": private,
                    "seed": seed,
                    "rule": rule,
                }),
            )
        }
        Command::Verify { scenario, run, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            ui.step("re-running the round and checking the run folder");
            let started = Instant::now();
            let n = verify::verify(&scenario, &run, &options)?;
            ui.detail(&format!(
                "verified {} against {} in {:.3} s",
                run.display(),
                scenario.display(),
                started.elapsed().as_secs_f64()
            ));
            ui.summary(
                "verify",
                &format!(
                    "ok: {} matches its manifest and the scenario ({n} files); invariants hold",
                    run.display()
                ),
                json!({
                    "scenario": path_json(&scenario),
                    "run": path_json(&run),
                    "files": n,
                    "invariants_hold": true,
                }),
            )
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "catchment", &mut script);
            print_bytes(&script)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| Error::io(Path::new("<manual page>"), e))?;
            print_bytes(&page)
        }
    }
}

/// `catchment run`: load, run the round, write the run folder.
fn run_round(dir: &Path, out: &Path, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = load(dir, options, ui)?;
    ui.step("running the round: zone lookup, lottery, matching, classes");
    let mut phases = catchment::bench::Phases::default();
    let outcome = round::run_timed(&scenario, &mut phases);
    ui.detail(&cli_output::phase_lines("round", &phases));
    ui.step("rendering the run folder");
    let started = Instant::now();
    let files = output::render(&scenario, &outcome);
    ui.detail(&format!("rendered in {:.3} s", started.elapsed().as_secs_f64()));
    ui.step("writing the run folder");
    output::write_atomically(out, &files)?;
    ui.detail(&cli_output::written(out, &files));
    let warnings = scenario.warnings.warning_count() + outcome.warnings.warning_count();
    let applicants = outcome.placements.len();
    let unplaced = outcome.placements.iter().filter(|p| p.school.is_none()).count();
    ui.summary(
        "run",
        &format!(
            "wrote {}: {applicants} applicants, {} placed, {unplaced} unplaced; {warnings} warning(s){}",
            out.display(),
            applicants - unplaced,
            if warnings > 0 { " (see `catchment check`)" } else { "" }
        ),
        json!({
            "out": path_json(out),
            "schools": scenario.schools.len(),
            "applicants": applicants,
            "placed": applicants - unplaced,
            "unplaced": unplaced,
            "warnings": warnings,
        }),
    )
}

/// `catchment compare`: the before and after rounds and their comparison.
fn compare(
    dir: &Path,
    zones: Option<PathBuf>,
    other: Option<&Path>,
    out: &Path,
    options: &LoadOptions,
    ui: &Ui,
) -> Result<(), Error> {
    if zones.is_none() && other.is_none() {
        return Err(Error::Usage(
            "compare needs --zones PROPOSED.geojson or --scenario OTHER_DIR (or both)".to_string(),
        ));
    }
    let before = load(dir, options, ui)?;
    let mut after_options = options.clone();
    after_options.zones = zones.clone();
    let mut after = load(other.unwrap_or(dir), &after_options, ui).inspect_err(|_| {
        if let Some(z) = &zones {
            ui.note(&format!(
                "note: problems reported in zones.geojson are in the proposed map {}",
                z.display()
            ));
        }
    })?;
    if after.policy.seed != before.policy.seed {
        ui.note(&format!("note: the after round uses the seed of {}", dir.display()));
        after.policy.seed = before.policy.seed.clone();
    }
    ui.step("running the before round");
    let mut phases = catchment::bench::Phases::default();
    let before_outcome = round::run_timed(&before, &mut phases);
    ui.detail(&cli_output::phase_lines("before round", &phases));
    ui.step("running the after round");
    let mut phases = catchment::bench::Phases::default();
    let after_outcome = round::run_timed(&after, &mut phases);
    ui.detail(&cli_output::phase_lines("after round", &phases));
    ui.step("comparing and rendering");
    let b = catchment::compare::Side {
        scenario: &before,
        outcome: &before_outcome,
    };
    let a = catchment::compare::Side {
        scenario: &after,
        outcome: &after_outcome,
    };
    let files = catchment::compare::compare(b, a, &catchment::compare::proposed_name(zones.as_deref(), other));
    let before_files = output::render(&before, &before_outcome);
    let after_files = output::render(&after, &after_outcome);
    ui.step("writing the comparison");
    output::write_tree_atomically(out, &files, &[("before", &before_files), ("after", &after_files)])?;
    ui.detail(&cli_output::written(out, &files));
    ui.detail(&cli_output::written(&out.join("before"), &before_files));
    ui.detail(&cli_output::written(&out.join("after"), &after_files));
    let pairs = catchment::compare::pairs(&before, &after);
    let (apps, households, _) = catchment::compare::change_counts(b, a, &pairs, None);
    let (fb, fa) = (
        catchment::compare::figures(b, None),
        catchment::compare::figures(a, None),
    );
    let mean = |f: &catchment::compare::Figures| f.distance.get("mean").and_then(Value::as_f64);
    let text = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.0}"));
    ui.summary(
        "compare",
        &format!(
            "wrote {}: {apps} applicants in {households} households change school; mean distance {} -> {} m; \
             unplaced {} -> {}; oversubscribed schools {} -> {}",
            out.display(),
            text(mean(&fb)),
            text(mean(&fa)),
            fb.applicants_unplaced,
            fa.applicants_unplaced,
            fb.schools_oversubscribed,
            fa.schools_oversubscribed
        ),
        json!({
            "out": path_json(out),
            "applicants_changed": apps,
            "households_changed": households,
            "mean_distance_m": {"before": mean(&fb), "after": mean(&fa)},
            "unplaced": {"before": fb.applicants_unplaced, "after": fa.applicants_unplaced},
            "oversubscribed_schools": {"before": fb.schools_oversubscribed, "after": fa.schools_oversubscribed},
        }),
    )
}

/// `catchment odds`: many lotteries, with a progress bar on a terminal.
fn odds(
    dir: &Path,
    trials: u32,
    seed: Option<String>,
    out: Option<&Path>,
    options: &LoadOptions,
    ui: &Ui,
) -> Result<(), Error> {
    let scenario = load(dir, options, ui)?;
    ui.clear();
    let base = seed.unwrap_or_else(|| scenario.policy.seed.clone());
    let bar = ui.bar(
        u64::from(trials),
        "{spinner} trials {pos}/{len} [{bar:30}] {elapsed} elapsed, {eta} left",
    );
    let started = Instant::now();
    let odds = catchment::odds::simulate(&scenario, &base, trials, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    let files = odds.render(&scenario);
    ui.note(&format!(
        "{trials} trials in {seconds:.2} s ({:.0} trials/s, {threads} thread(s))",
        f64::from(trials) / seconds.max(1e-9),
    ));
    let summary = files
        .iter()
        .find(|f| f.name == "odds_summary.json")
        .map(|f| f.bytes.clone())
        .unwrap_or_default();
    let fields = |out: Option<&Path>| {
        json!({
            "out": out.map(path_json),
            "trials": trials,
            "seed": base,
            "seconds": seconds,
            "threads": threads,
            "summary": serde_json::from_slice::<Value>(&summary).unwrap_or(Value::Null),
        })
    };
    match out {
        Some(out) => {
            output::write_atomically(out, &files)?;
            ui.detail(&cli_output::written(out, &files));
            ui.summary("odds", &format!("wrote {}", out.display()), fields(Some(out)))
        }
        None => ui.result("odds", &String::from_utf8_lossy(&summary), fields(None)),
    }
}

/// `catchment bench`: phase timings of whole rounds.
fn bench(
    scenario: Option<&Path>,
    size: &str,
    rule: &str,
    seed: u64,
    seats: Option<f64>,
    work: Option<&Path>,
    ui: &Ui,
) -> Result<(), Error> {
    let temp = std::env::temp_dir().join(format!("catchment-bench-{}", std::process::id()));
    let work_dir = work.map_or_else(|| temp.clone(), Path::to_path_buf);
    std::fs::create_dir_all(&work_dir).map_err(|e| Error::io(&work_dir, e))?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let threads = rayon::current_num_threads();
    if !ui.json {
        print_out(&format!("machine: {cores} cores, {threads} thread(s)\n"))?;
    }
    // Tables are printed as each bench ends (a city round takes a while).
    let show = |report: &catchment::bench::Report| if ui.json { Ok(()) } else { print_out(&report.to_table()) };
    let result = (|| -> Result<Vec<catchment::bench::Report>, Error> {
        if let Some(dir) = scenario {
            let report = catchment::bench::run(dir, &work_dir.join("run"), &dir.display().to_string())?;
            show(&report)?;
            return Ok(vec![report]);
        }
        let mut reports = Vec::new();
        let sizes = [
            ("district", catchment::synth::SynthParams::district()),
            ("city", catchment::synth::SynthParams::city()),
        ];
        for (name, params) in sizes.into_iter().filter(|(name, _)| size == "both" || size == *name) {
            let params = catchment::synth::SynthParams {
                rule: rule.to_string(),
                seed,
                seat_ratio: seats,
                ..params
            };
            let report = catchment::bench::generated(&params, &work_dir, name)?;
            show(&report)?;
            reports.push(report);
        }
        Ok(reports)
    })();
    if work.is_none() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    let reports = result?;
    if !ui.json {
        return Ok(());
    }
    ui.result(
        "bench",
        "",
        json!({
            "cores": cores,
            "threads": threads,
            "reports": reports.iter().map(cli_output::report_json).collect::<Vec<_>>(),
        }),
    )
}

/// `catchment plan-classes`: the class planning model per level.
fn plan_classes(dir: &Path, out: Option<&Path>, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = load(dir, options, ui)?;
    ui.step("running the round");
    let outcome = round::run(&scenario);
    ui.step("solving the class planning model");
    let started = Instant::now();
    let plans = catchment::classes::plan::plan(&scenario, &outcome, scenario.policy.class_cost_m)?;
    let seconds = started.elapsed().as_secs_f64();
    ui.note(&format!("solved in {seconds:.2} s"));
    let mut table = String::new();
    let mut levels = Vec::new();
    for plan in &plans {
        let now: u32 = plan.schools.iter().map(|p| p.large_now.0 + p.large_now.1).sum();
        let planned: u32 = plan.schools.iter().map(|p| p.large_planned.0 + p.large_planned.1).sum();
        table.push_str(&format!(
            "{}: {} pupils in {} cells of {} m; {} unseated; {:.0} km total distance; large classes (56+) {now} now -> {planned} planned\n",
            plan.level.as_str(),
            plan.demand,
            plan.cells,
            plan.cell_m,
            plan.unseated,
            plan.distance_m / 1000.0
        ));
        table.push_str(&format!(
            "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  name\n",
            "school", "classes", "planned", "pupils now", "planned", "largest now", "planned"
        ));
        let mut schools = Vec::new();
        for p in &plan.schools {
            let school = scenario.school(p.school);
            table.push_str(&format!(
                "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  {}\n",
                school.id,
                p.classes_now,
                p.classes_planned,
                p.pupils_now,
                p.pupils,
                p.largest_class_now,
                p.largest_class_planned,
                school.name
            ));
            schools.push(json!({
                "school": school.id,
                "name": school.name,
                "classes_now": p.classes_now,
                "classes_planned": p.classes_planned,
                "pupils_now": p.pupils_now,
                "pupils_planned": p.pupils,
                "largest_class_now": p.largest_class_now,
                "largest_class_planned": p.largest_class_planned,
            }));
        }
        levels.push(json!({
            "level": plan.level.as_str(),
            "pupils": plan.demand,
            "cells": plan.cells,
            "cell_m": plan.cell_m,
            "unseated": plan.unseated,
            "distance_m": plan.distance_m,
            "large_classes_now": now,
            "large_classes_planned": planned,
            "schools": schools,
        }));
    }
    if let Some(out) = out {
        let file = output::OutputFile {
            name: "plan.csv",
            bytes: catchment::classes::plan::plan_csv(&scenario, &plans),
        };
        output::write_atomically(out, std::slice::from_ref(&file))?;
        ui.detail(&cli_output::written(out, std::slice::from_ref(&file)));
    }
    ui.result(
        "plan-classes",
        &table,
        json!({"out": out.map(path_json), "seconds": seconds, "levels": levels}),
    )?;
    match out {
        Some(out) if !ui.json && !ui.quiet => print_out(&format!("wrote {}\n", out.display())),
        _ => Ok(()),
    }
}

/// `catchment forecast`: entrants against seats per zone and year.
fn forecast(
    dir: &Path,
    population: Option<PathBuf>,
    years: u32,
    out: Option<&Path>,
    options: &LoadOptions,
    ui: &Ui,
) -> Result<(), Error> {
    let scenario = load(dir, options, ui)?;
    let population = population.unwrap_or_else(|| dir.join("population.csv"));
    ui.step("forecasting");
    let (pop, rows, files) = catchment::forecast::run(&scenario, &population, years, options)?;
    ui.diagnostics(&pop.warnings);
    if let Some(out) = out {
        output::write_atomically(out, &files)?;
        ui.detail(&cli_output::written(out, &files));
    }
    let json_rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "zone": scenario.zones[r.zone as usize].id,
                "level": r.level.as_str(),
                "year": r.year,
                "entrants": r.entrants,
                "seats": r.seats,
                "surplus": r.surplus,
                "classes_short": r.classes_short,
            })
        })
        .collect();
    ui.result(
        "forecast",
        &catchment::forecast::forecast_table(&scenario, &rows),
        json!({
            "out": out.map(path_json),
            "population": path_json(&population),
            "warnings": pop.warnings.warning_count(),
            "rows": json_rows,
        }),
    )?;
    match out {
        Some(out) if !ui.json && !ui.quiet => print_out(&format!("wrote {}\n", out.display())),
        _ => Ok(()),
    }
}
