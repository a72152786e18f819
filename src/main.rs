//! The `catchment` command line: parses arguments, calls the library,
//! prints, and maps errors to exit codes (0 ok, 1 input invalid or
//! verification failed, 2 usage, 3 I/O).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use catchment::error::{Diagnostics, Error};
use catchment::scenario::{self, LoadOptions};
use catchment::{output, round, verify};

/// School admission rounds and school zoning.
#[derive(Parser)]
#[command(name = "catchment", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Coordinate system of the scenario's coordinates (schools, homes,
    /// zones, population points), converted to WGS84 on load; overrides
    /// `crs` in policy.toml. Give `verify` the same flag as `run`.
    #[arg(long, global = true, value_parser = ["wgs84", "gcj02", "bd09"])]
    crs: Option<String>,
    /// Text encoding of the scenario's CSV and GeoJSON files (utf-8, gbk);
    /// overrides `encoding` in policy.toml.
    #[arg(long, global = true, value_parser = ["utf-8", "gbk"])]
    encoding: Option<String>,
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
        /// Repair invalid zone geometry: close unclosed rings, drop repeated
        /// consecutive positions, split self-intersecting rings (geo
        /// MakeValid), drop holes outside their shell, merge overlapping
        /// members of a MultiPolygon. Each change is printed as a warning.
        #[arg(long)]
        repair: bool,
    },
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
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
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
    /// Balance between schools (均衡) of a run: per school class size,
    /// utilisation, distance and resources per pupil; per level the
    /// coefficient of variation against the national thresholds.
    #[command(after_help = "Example:\n  catchment balance runs/demo")]
    Balance {
        /// Run folder written by `catchment run`.
        run: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
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
}

#[derive(Subcommand)]
enum SeedCommand {
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    let options = LoadOptions {
        crs: cli.crs.as_deref().and_then(catchment::crs::Crs::parse),
        encoding: cli.encoding.as_deref().and_then(scenario::Encoding::parse),
        ..LoadOptions::default()
    };
    match run(cli.command, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
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

fn report(e: &Error) {
    match e {
        Error::Input(diags) => {
            print_diagnostics(diags);
            eprintln!("error: {e}");
        }
        _ => eprintln!("error: {e}"),
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    for d in diags.sorted() {
        eprintln!("{d}");
    }
}

fn run(command: Command, options: &LoadOptions) -> Result<(), Error> {
    match command {
        Command::Run { scenario, out, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            let scenario = scenario::load(&scenario, &options)?;
            let outcome = round::run(&scenario);
            let warnings = scenario.warnings.warning_count() + outcome.warnings.warning_count();
            let files = output::render(&scenario, &outcome);
            output::write_atomically(&out, &files)?;
            let unplaced = outcome.placements.iter().filter(|p| p.school.is_none()).count();
            println!(
                "wrote {}: {} applicants, {} placed, {} unplaced; {} warning(s){}",
                out.display(),
                outcome.placements.len(),
                outcome.placements.len() - unplaced,
                unplaced,
                warnings,
                if warnings > 0 { " (see `catchment check`)" } else { "" }
            );
            Ok(())
        }
        Command::Compare {
            scenario,
            zones,
            other,
            out,
        } => {
            if zones.is_none() && other.is_none() {
                return Err(Error::Usage(
                    "compare needs --zones PROPOSED.geojson or --scenario OTHER_DIR (or both)".to_string(),
                ));
            }
            let before = scenario::load(&scenario, options)?;
            let mut after_options = options.clone();
            after_options.zones = zones.clone();
            let mut after =
                scenario::load(other.as_deref().unwrap_or(&scenario), &after_options).inspect_err(|_| {
                    if let Some(z) = &zones {
                        eprintln!(
                            "note: problems reported in zones.geojson are in the proposed map {}",
                            z.display()
                        );
                    }
                })?;
            if after.policy.seed != before.policy.seed {
                eprintln!("note: the after round uses the seed of {}", scenario.display());
                after.policy.seed = before.policy.seed.clone();
            }
            let before_outcome = round::run(&before);
            let after_outcome = round::run(&after);
            let b = catchment::compare::Side {
                scenario: &before,
                outcome: &before_outcome,
            };
            let a = catchment::compare::Side {
                scenario: &after,
                outcome: &after_outcome,
            };
            let files = catchment::compare::compare(b, a);
            let before_files = output::render(&before, &before_outcome);
            let after_files = output::render(&after, &after_outcome);
            output::write_tree_atomically(&out, &files, &[("before", &before_files), ("after", &after_files)])?;
            let pairs = catchment::compare::pairs(&before, &after);
            let (apps, households, _) = catchment::compare::change_counts(b, a, &pairs, None);
            let (fb, fa) = (
                catchment::compare::figures(b, None),
                catchment::compare::figures(a, None),
            );
            let mean = |f: &catchment::compare::Figures| {
                f.distance
                    .get("mean")
                    .and_then(serde_json::Value::as_f64)
                    .map_or("-".to_string(), |m| format!("{m:.0}"))
            };
            println!(
                "wrote {}: {apps} applicants in {households} households change school; mean distance {} -> {} m; \
                 unplaced {} -> {}; oversubscribed schools {} -> {}",
                out.display(),
                mean(&fb),
                mean(&fa),
                fb.applicants_unplaced,
                fa.applicants_unplaced,
                fb.schools_oversubscribed,
                fa.schools_oversubscribed
            );
            Ok(())
        }
        Command::Check { scenario, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            let scenario = scenario::load(&scenario, &options)?;
            let mut diags = scenario.warnings.clone();
            diags.extend(round::prepare_warnings(&scenario));
            print_diagnostics(&diags);
            println!(
                "ok: {} schools, {} applicants, {} zones; {} warning(s)",
                scenario.schools.len(),
                scenario.applicants.len(),
                scenario.zones.len(),
                diags.warning_count()
            );
            Ok(())
        }
        Command::Explain { run, applicant, json } => {
            let explanation = catchment::explain::explain(&run, &applicant)?;
            if json {
                let text = serde_json::to_string_pretty(&explanation).map_err(|e| Error::Usage(e.to_string()))?;
                println!("{text}");
            } else {
                print!("{}", explanation.to_text());
            }
            Ok(())
        }
        Command::Odds {
            scenario,
            trials,
            seed,
            out,
        } => {
            let scenario = scenario::load(&scenario, options)?;
            let base = seed.unwrap_or_else(|| scenario.policy.seed.clone());
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(u64::from(trials))
            } else {
                indicatif::ProgressBar::hidden()
            };
            let started = std::time::Instant::now();
            let odds = catchment::odds::simulate(&scenario, &base, trials, &|done| bar.set_position(done));
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            let files = odds.render(&scenario);
            eprintln!(
                "{trials} trials in {seconds:.2} s ({:.0} trials/s, {} thread(s))",
                f64::from(trials) / seconds.max(1e-9),
                rayon::current_num_threads()
            );
            match out {
                Some(out) => {
                    output::write_atomically(&out, &files)?;
                    println!("wrote {}", out.display());
                }
                None => {
                    let summary = files
                        .iter()
                        .find(|f| f.name == "odds_summary.json")
                        .map(|f| f.bytes.clone())
                        .unwrap_or_default();
                    print!("{}", String::from_utf8_lossy(&summary));
                }
            }
            Ok(())
        }
        Command::Bench {
            scenario,
            size,
            rule,
            seed,
            seats,
            work,
        } => {
            let temp = std::env::temp_dir().join(format!("catchment-bench-{}", std::process::id()));
            let work_dir = work.clone().unwrap_or_else(|| temp.clone());
            std::fs::create_dir_all(&work_dir).map_err(|e| Error::io(&work_dir, e))?;
            println!(
                "machine: {} cores, {} thread(s)",
                std::thread::available_parallelism().map_or(0, |n| n.get()),
                rayon::current_num_threads()
            );
            let result = (|| -> Result<(), Error> {
                if let Some(dir) = scenario {
                    let report = catchment::bench::run(&dir, &work_dir.join("run"), &dir.display().to_string())?;
                    print!("{}", report.to_table());
                    return Ok(());
                }
                let sizes: Vec<(&str, catchment::synth::SynthParams)> = [
                    ("district", catchment::synth::SynthParams::district()),
                    ("city", catchment::synth::SynthParams::city()),
                ]
                .into_iter()
                .filter(|(name, _)| size == "both" || size == *name)
                .collect();
                for (name, params) in sizes {
                    let params = catchment::synth::SynthParams {
                        rule: rule.clone(),
                        seed,
                        seat_ratio: seats,
                        ..params
                    };
                    let report = catchment::bench::generated(&params, &work_dir, name)?;
                    print!("{}", report.to_table());
                }
                Ok(())
            })();
            if work.is_none() {
                let _ = std::fs::remove_dir_all(&temp);
            }
            result
        }
        Command::PlanClasses { scenario, out } => {
            let scenario = scenario::load(&scenario, options)?;
            let outcome = round::run(&scenario);
            let started = std::time::Instant::now();
            let plans = catchment::classes::plan::plan(&scenario, &outcome, scenario.policy.class_cost_m)?;
            let seconds = started.elapsed().as_secs_f64();
            for plan in &plans {
                let now: u32 = plan.schools.iter().map(|p| p.large_now.0 + p.large_now.1).sum();
                let planned: u32 = plan.schools.iter().map(|p| p.large_planned.0 + p.large_planned.1).sum();
                println!(
                    "{}: {} pupils in {} cells of {} m; {} unseated; {:.0} km total distance; large classes (56+) {now} now -> {planned} planned",
                    plan.level.as_str(),
                    plan.demand,
                    plan.cells,
                    plan.cell_m,
                    plan.unseated,
                    plan.distance_m / 1000.0
                );
                println!(
                    "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  name",
                    "school", "classes", "planned", "pupils now", "planned", "largest now", "planned"
                );
                for p in &plan.schools {
                    let school = scenario.school(p.school);
                    println!(
                        "  {:<8} {:>7} {:>7} {:>10} {:>10} {:>11} {:>11}  {}",
                        school.id,
                        p.classes_now,
                        p.classes_planned,
                        p.pupils_now,
                        p.pupils,
                        p.largest_class_now,
                        p.largest_class_planned,
                        school.name
                    );
                }
            }
            eprintln!("solved in {seconds:.2} s");
            if let Some(out) = out {
                let bytes = catchment::classes::plan::plan_csv(&scenario, &plans);
                output::write_atomically(
                    &out,
                    &[output::OutputFile {
                        name: "plan.csv",
                        bytes,
                    }],
                )?;
                println!("wrote {}", out.display());
            }
            Ok(())
        }
        Command::Forecast {
            scenario: dir,
            population,
            years,
            out,
        } => {
            let scenario = scenario::load(&dir, options)?;
            let population = population.unwrap_or_else(|| dir.join("population.csv"));
            let (pop, rows, files) = catchment::forecast::run(&scenario, &population, years, options)?;
            print_diagnostics(&pop.warnings);
            print!("{}", catchment::forecast::forecast_table(&scenario, &rows));
            if let Some(out) = out {
                output::write_atomically(&out, &files)?;
                println!("wrote {}", out.display());
            }
            Ok(())
        }
        Command::Balance { run, json } => {
            let path = run.join("summary.json");
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let summary: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
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
            if json {
                let text = serde_json::to_string_pretty(&balance).map_err(|e| Error::Usage(e.to_string()))?;
                println!("{text}");
            } else {
                print!("{}", catchment::balance::to_table(&balance));
            }
            Ok(())
        }
        Command::Senior { scenario, out } => {
            let sc = catchment::senior::load(&scenario)?;
            let outcome = catchment::senior::round::run(&sc);
            let files = catchment::senior::output::render(&sc, &outcome);
            output::write_atomically(&out, &files)?;
            let count = |stage| outcome.placements.iter().filter(|p| p.stage == stage).count();
            let warnings = sc.warnings.warning_count();
            print_diagnostics(&sc.warnings);
            println!(
                "wrote {}: {} candidates, {} quota, {} open, {} unplaced; {} warning(s)",
                out.display(),
                sc.candidates.len(),
                count(catchment::senior::round::SeniorStage::Quota),
                count(catchment::senior::round::SeniorStage::Open),
                count(catchment::senior::round::SeniorStage::Unplaced),
                warnings
            );
            Ok(())
        }
        Command::Seed(SeedCommand::Commit { seed }) => {
            println!("{}", catchment::lottery::seed_commitment(&seed));
            Ok(())
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
                rule,
                seat_ratio: seats,
            };
            catchment::synth::write_scenario(&params, &out).map_err(|e| Error::io(&out, e))?;
            println!(
                "wrote {}: {applicants} applicants, {schools} public and {private} private schools",
                out.display()
            );
            Ok(())
        }
        Command::Verify { scenario, run, repair } => {
            let options = LoadOptions {
                repair,
                ..options.clone()
            };
            let n = verify::verify(&scenario, &run, &options)?;
            println!(
                "ok: {} matches its manifest and the scenario ({n} files); invariants hold",
                run.display()
            );
            Ok(())
        }
    }
}
