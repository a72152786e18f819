//! The command line's arguments: the global flags and one `Args` struct per
//! command, parsed by clap. The accepted spellings of enum values come from
//! the library's enums (`ValueEnum`, derived under the `cli` feature); their
//! variants carry `value(help = None)` so that `--help` keeps listing the
//! values on one line (`[possible values: ..]`) rather than the variants'
//! doc comments, and completions and the manual page stay as they were.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use catchment::bench::Size;
use catchment::crs::Crs;
use catchment::scenario::{Encoding, Level, Rule};
use catchment::zoning::Shape;

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
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Coordinate system of the scenario (default: policy.toml's `crs`).
    ///
    /// Coordinate system of the scenario's coordinates (schools, homes,
    /// zones, population points), converted to WGS84 on load; overrides
    /// `crs` in policy.toml (a shapefile's .prj names its own). Projected
    /// systems (EPSG:4513–4554 CGCS2000 Gauss-Kruger, EPSG:32601–32660 and
    /// 32701–32760 UTM, EPSG:3857 Web Mercator) take x, y metres in the lon,
    /// lat columns. Recorded in manifest.json; `verify` reads with it.
    #[arg(long, global = true, value_name = "CRS", value_parser = parse_crs)]
    pub crs: Option<Crs>,
    /// Sheet of schools.xlsx / applicants.xlsx to read (default: the first).
    #[arg(long, global = true, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Text encoding of the scenario's files (default: policy.toml's `encoding`).
    ///
    /// Text encoding of the scenario's CSV and GeoJSON files (utf-8, gbk);
    /// overrides `encoding` in policy.toml.
    #[arg(long, global = true, value_enum)]
    pub encoding: Option<Encoding>,
    /// Field separator of the scenario's CSV files (default: comma).
    ///
    /// Field separator of the scenario's CSV files: one character such as
    /// ';' or '|', or `tab`. Files saved by European Excel use ';'.
    /// Recorded in manifest.json; `verify` reads with it.
    #[arg(long, global = true, value_parser = catchment::scenario::table::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Repair invalid zone geometry instead of rejecting it.
    ///
    /// Repair invalid zone geometry: close unclosed rings, drop repeated
    /// consecutive positions, split self-intersecting rings (geo
    /// MakeValid), drop holes outside their shell, merge overlapping
    /// members of a MultiPolygon. Each change is printed as a warning.
    /// Works with every command that reads a scenario; recorded in
    /// manifest.json, and `verify` repairs as the run did.
    #[arg(long, global = true)]
    pub repair: bool,
    /// Treat every warning as an error (exit 1, nothing written).
    ///
    /// Treat every warning about the scenario as an error: the command
    /// lists them and exits 1 without writing anything.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Print only errors.
    ///
    /// Print only errors: no summary line on standard output, no warnings,
    /// notes or progress on standard error. Tables and JSON that are the
    /// command's result are still printed.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print extra detail on standard error.
    ///
    /// Print extra detail on standard error: rows loaded, phase timings,
    /// files written.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Print the result as one JSON object, for scripts.
    ///
    /// Print the result as one JSON object on standard output, for scripts
    /// (also on failure, with the error and any diagnostics; the exit code
    /// is unchanged). For `explain` and `balance`, their JSON document.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Run an allocation round and write a run folder.
    #[command(after_help = "Example:\n  catchment run fixtures/demo-district --out runs/demo")]
    Run(RunArgs),
    /// Compare a proposed catchment map (or changed inputs) with the current one.
    ///
    /// Test a new catchment map: run the round with the scenario's zones
    /// and with a proposed map (or another scenario folder), same seed, and
    /// write both run folders (DIR/before, DIR/after) and the comparison:
    /// changes.csv, schools_diff.csv, compare_summary.json, compare.html.
    #[command(
        after_help = "Example:\n  catchment compare fixtures/demo-district --zones fixtures/demo-district/proposed-zones.geojson --out runs/compare"
    )]
    Compare(CompareArgs),
    /// Draw a catchment map: contiguous single-school zones that fit the seats.
    ///
    /// Draw a catchment map (学区划分): grid cells (or blocks) clipped to
    /// the area are assigned to the public schools of the level so that
    /// every zone is connected and holds its school, each school's demand
    /// is at most seats × (1 + slack), and homes are near their school.
    /// Writes proposed-zones.geojson (ready for `compare --zones` and `run`),
    /// zones.csv, summary.json (with the lower bound and the gap) and
    /// proposed.html; with --pool also pools.csv (multi-school zones).
    #[command(
        name = "propose-zones",
        after_help = "Examples:\n  catchment propose-zones fixtures/demo-district --out runs/proposed\n  catchment compare fixtures/demo-district --zones runs/proposed/proposed-zones.geojson --out runs/compare-proposed"
    )]
    ProposeZones(ProposeZonesArgs),
    /// List every problem in a scenario; exit 1 if there is an error.
    #[command(after_help = "Example:\n  catchment check fixtures/demo-district")]
    Check(CheckArgs),
    /// Explain one applicant's outcome in plain words.
    ///
    /// Explain one applicant's outcome in plain words, from the run folder
    /// alone: zone, each school applied to, ticket and how to recompute it,
    /// cut-offs, and where it ended.
    #[command(after_help = "Example:\n  catchment explain runs/demo --applicant p00042")]
    Explain(ExplainArgs),
    /// Admission odds of each applicant and school over many lotteries.
    ///
    /// Admission odds: run many lotteries (seed of trial t = BASE + "#" + t)
    /// and report each applicant's chance of each school and stage, each
    /// school's cut-off and intake distribution, and the cost of multiple
    /// tie-breaking.
    #[command(after_help = "Example:\n  catchment odds fixtures/demo-district --trials 1000 --out runs/demo-odds")]
    Odds(OddsArgs),
    /// Time a round phase by phase, with peak memory.
    ///
    /// Time a whole round phase by phase (load, zone index, zone lookup,
    /// lottery, matching, fallback, classes, render and write) with peak memory,
    /// on generated districts and cities or on a scenario folder.
    #[command(
        after_help = "Examples:\n  catchment bench                       # district 20k/60 and city 300k/2,000\n  catchment bench --size district --rule nearest\n  catchment bench --scenario fixtures/demo-district"
    )]
    Bench(BenchArgs),
    /// Plan how many entry classes each public school opens.
    ///
    /// Plan how many entry classes each public school opens: a mixed-integer
    /// model (good_lp, microlp) minimising distance plus class_cost_m per
    /// class, with no class above the level's max_class_size (消除大班额).
    #[command(
        name = "plan-classes",
        after_help = "Example:\n  catchment plan-classes fixtures/demo-district --out runs/demo-plan"
    )]
    PlanClasses(PlanClassesArgs),
    /// Seat forecast and shortage warning (学位预警) per zone and year.
    ///
    /// Seat forecast and shortage warning (学位预警): entrants per zone and
    /// level for the coming school years, from children counted by birth
    /// year in population.csv, against the seats of each zone's schools.
    #[command(
        after_help = "Example:\n  catchment forecast fixtures/demo-district --population fixtures/demo-district/population.csv --years 5 --out runs/demo-forecast"
    )]
    Forecast(ForecastArgs),
    /// Balance between schools (均衡) of a run.
    ///
    /// Balance between schools (均衡) of a run: per school class size,
    /// utilisation, distance and resources per pupil; per level the
    /// coefficient of variation against the national thresholds.
    #[command(after_help = "Example:\n  catchment balance runs/demo")]
    Balance(BalanceArgs),
    /// Senior-high quota round (指标到校): quota stage, then open stage.
    ///
    /// Quality senior-high quota round (指标到校): apportion each senior
    /// school's quota places among junior schools by graduates, run the quota
    /// stage within each junior school, then the open stage, and write the
    /// run folder with the fairness table.
    #[command(after_help = "Example:\n  catchment senior fixtures/demo-district/senior --out runs/senior")]
    Senior(SeniorArgs),
    /// School siting: which candidate sites to open, which schools to close.
    ///
    /// School siting (布局调整: 新建 / 撤并): open exactly K candidate sites
    /// (and close exactly C schools marked closable = 1) so that the most
    /// public applicants are seated and the total distance is least, under
    /// the optimal assignment whatever the scenario's rule. Proven optimal
    /// unless --max-evaluations cuts the search short (then the gap is
    /// printed). Writes sites.csv, sites_summary.json, sites.html and
    /// scenario/ (the scenario with the new layout).
    #[command(
        after_help = "Example:\n  catchment sites fixtures/demo-district --candidates fixtures/demo-district/candidates.csv --open 2 --out runs/demo-sites\n  catchment run runs/demo-sites/scenario --out runs/demo-sites-run"
    )]
    Sites(SitesArgs),
    /// Seed commitments: publish SHA-256(seed) before the draw.
    #[command(
        subcommand,
        after_help = "Example:\n  catchment seed commit --seed \"2027 primary round, published 2027-04-30\""
    )]
    Seed(SeedCommand),
    /// Write a synthetic scenario for tests and benchmarks.
    ///
    /// Write a synthetic scenario (clustered city, tiled zones, tiers,
    /// twins, private choices) for tests and benchmarks.
    #[command(
        after_help = "Example:\n  catchment generate --applicants 20000 --schools 60 --private 4 --seed 1 --out /tmp/district"
    )]
    Generate(GenerateArgs),
    /// Re-run a scenario and check a run folder against it.
    ///
    /// Re-run a scenario and check a run folder against it: SHA-256 of every
    /// output against manifest.json, and the invariants of the round.
    #[command(after_help = "Example:\n  catchment verify fixtures/demo-district runs/demo")]
    Verify(VerifyArgs),
    /// Write the public folder a district can post after the draw.
    ///
    /// Write the public folder a district can post after the draw, from a
    /// run folder: the lottery transcript, each applicant's outcome by
    /// registration id (or masked id with --mask), the seed, its commitment
    /// and the sha256sum commands, the cut-offs per school, and an
    /// index.html where a parent types an id and sees the tickets computed
    /// in the browser. No home coordinates; distances rounded to 100 m.
    #[command(after_help = "Example:\n  catchment publish runs/demo --out public --mask")]
    Publish(PublishArgs),
    /// Print a shell completion script to standard output.
    #[command(
        after_help = "Examples:\n  catchment completions bash > ~/.local/share/bash-completion/completions/catchment\n  catchment completions zsh > ~/.zfunc/_catchment\n  catchment completions fish > ~/.config/fish/completions/catchment.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    #[command(after_help = "Example:\n  catchment man > ~/.local/share/man/man1/catchment.1")]
    Man,
}

/// Arguments of `catchment run`.
#[derive(Args)]
pub struct RunArgs {
    /// Scenario folder (schools.csv, applicants.csv, zones.geojson, policy.toml).
    pub scenario: PathBuf,
    /// Run folder to write (replaced atomically if it is an earlier run).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write assignments.xlsx and schools.xlsx (one sheet per level).
    #[arg(long)]
    pub xlsx: bool,
    /// Start the CSV files with a UTF-8 byte-order mark, so Excel shows
    /// Chinese names.
    #[arg(long)]
    pub csv_bom: bool,
    /// Also write assignment_lines.geojson: a line from each placed
    /// applicant's home to its school, for QGIS.
    #[arg(long)]
    pub lines: bool,
}

/// Arguments of `catchment compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// Scenario folder of the current situation (before).
    pub scenario: PathBuf,
    /// Proposed zones (GeoJSON, same format as zones.geojson) for the after round.
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// Scenario folder for the after round (other changed inputs); its
    /// round is run with the seed of SCENARIO. Default: SCENARIO.
    #[arg(long = "scenario")]
    pub other: Option<PathBuf>,
    /// Folder to write (replaced atomically if it is an earlier comparison).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `catchment propose-zones`.
#[derive(Args)]
pub struct ProposeZonesArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// Folder to write (replaced atomically if it is an earlier proposal).
    #[arg(long)]
    pub out: PathBuf,
    /// Level to draw (default: every level with public schools and applicants;
    /// with a level, the other levels' zones are carried over unchanged).
    #[arg(long, value_enum)]
    pub level: Option<Level>,
    /// Grid cell size in metres (20 to 5,000); a hexagon has the area of this square.
    #[arg(long = "unit-m", default_value_t = 200.0)]
    pub unit_m: f64,
    /// Grid cell shape.
    #[arg(long, value_enum, default_value_t = Shape::Square)]
    pub grid: Shape,
    /// Blocks (GeoJSON Polygon/MultiPolygon features, optional `population`
    /// property) to use as units instead of a grid.
    #[arg(long)]
    pub units: Option<PathBuf>,
    /// Allowed demand above seats: each school takes at most seats × (1 + slack).
    #[arg(long, default_value_t = 0.05)]
    pub slack: f64,
    /// Metres added to the objective for each pupil sent to a school other
    /// than today's zone school (trade distance for families moved).
    #[arg(long = "move-cost", default_value_t = 0.0)]
    pub move_cost: f64,
    /// Tabulate distance against pupils and households moved for these move
    /// costs (comma-separated metres; bare flag: 0,250,500,1000,2000,5000).
    #[arg(long = "move-cost-sweep", num_args = 0..=1, value_delimiter = ',')]
    pub move_cost_sweep: Option<Vec<f64>>,
    /// Merge a zone whose school turns children away with neighbouring
    /// zones that have spare seats into a multi-school zone (多校划片),
    /// where the round on the map then sends fewer children to district
    /// placement or leaves fewer unplaced (measured by running the whole
    /// round with and without each pool). Writes pools.csv: each pool, why it was made and its
    /// distance cost.
    #[arg(long)]
    pub pool: bool,
}

/// Arguments of `catchment check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// With --repair: write the repaired zones.geojson into this folder
    /// (created if needed; written atomically).
    #[arg(long, value_name = "DIR")]
    pub write_repaired: Option<PathBuf>,
}

/// Arguments of `catchment explain`.
#[derive(Args)]
pub struct ExplainArgs {
    /// Run folder written by `catchment run` or `catchment senior`.
    pub run: PathBuf,
    /// Applicant id (a candidate id in a senior run folder).
    #[arg(long)]
    pub applicant: String,
}

/// Arguments of `catchment odds`.
#[derive(Args)]
pub struct OddsArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// Number of simulated rounds.
    #[arg(long, default_value_t = 1000)]
    pub trials: u32,
    /// Base seed (default: the policy's seed).
    #[arg(long)]
    pub seed: Option<String>,
    /// Folder for odds_*.csv and odds_summary.json (written atomically);
    /// without it, only the summary is printed.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `catchment bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Benchmark this scenario instead of generated ones.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Generated sizes: district (20,000 applicants / 60 schools), city
    /// (300,000 / 2,000), or both.
    #[arg(long, value_enum, default_value_t = Size::Both)]
    pub size: Size,
    /// Public allocation rule of the generated scenarios.
    #[arg(long, value_enum, default_value_t = Rule::Zone)]
    pub rule: Rule,
    /// Public seats per applicant of each level in the generated
    /// scenarios (e.g. 0.95 for a tight round; default: drawn in [1.00, 1.05)).
    #[arg(long, value_parser = seat_ratio)]
    pub seats: Option<f64>,
    /// σ of log-normal noise on each generated public school's seats
    /// around its demand (e.g. 0.6 for fast-growing suburbs; 0: none).
    #[arg(long, value_name = "SIGMA", value_parser = seat_noise, default_value_t = 0.0)]
    pub seat_noise: f64,
    /// `fallback.max_distance_m` of the generated scenarios, metres, or
    /// `none` for no limit (it also bounds rule optimal).
    #[arg(long, value_name = "M", value_parser = max_distance, default_value = "10000")]
    pub max_distance: MaxDistance,
    /// Run the standard suite instead: the city (300,000 applicants /
    /// 2,000 schools) under rule optimal with seats 1.05×, 0.95×, and
    /// 0.95× with seat noise σ 0.6 and a 10 km limit, then the district
    /// (rule zone); one table of whole run, flow, peak memory and whether
    /// every flow was certified optimal. --size, --rule, --seats,
    /// --seat-noise and --max-distance are ignored.
    #[arg(long, conflicts_with = "scenario")]
    pub suite: bool,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Work folder for generated scenarios and run folders (default: a
    /// temporary folder, removed afterwards).
    #[arg(long)]
    pub work: Option<PathBuf>,
}

/// Arguments of `catchment plan-classes`.
#[derive(Args)]
pub struct PlanClassesArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// Folder for plan.csv (written atomically); without it the table
    /// is printed only.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `catchment forecast`.
#[derive(Args)]
pub struct ForecastArgs {
    /// Scenario folder (schools, zones, policy).
    pub scenario: PathBuf,
    /// Children by community (default: population.csv in the scenario folder).
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// School years to forecast after the census year.
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    /// Folder for forecast.csv and forecast.html (written atomically);
    /// without it the table is printed only.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `catchment balance`.
#[derive(Args)]
pub struct BalanceArgs {
    /// Run folder written by `catchment run`.
    pub run: PathBuf,
}

/// Arguments of `catchment senior`.
#[derive(Args)]
pub struct SeniorArgs {
    /// Senior folder (policy.toml, senior_schools.csv, junior_schools.csv, candidates.csv).
    pub scenario: PathBuf,
    /// Run folder to write (replaced atomically if it is an earlier run).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `catchment sites`.
#[derive(Args)]
pub struct SitesArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// Candidate sites: id,name,level,lon,lat,classes (+ optional class_cap).
    #[arg(long)]
    pub candidates: PathBuf,
    /// Candidate sites to open (per level planned).
    #[arg(long)]
    pub open: usize,
    /// Closable schools (closable = 1 in schools.csv) to close (per level planned).
    #[arg(long, default_value_t = 0)]
    pub close: usize,
    /// Plan one level only (default: every level with candidate sites).
    #[arg(long, value_enum)]
    pub level: Option<Level>,
    /// Layouts evaluated at most (each one exact flow); past it the best
    /// layout found is written with its gap, not as optimal.
    #[arg(long, default_value_t = 200_000)]
    pub max_evaluations: usize,
    /// Folder to write (replaced atomically if it is an earlier sites folder).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `catchment generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Applicants, both levels together.
    #[arg(long, default_value_t = 20_000)]
    pub applicants: usize,
    /// Public schools, both levels together.
    #[arg(long, default_value_t = 60)]
    pub schools: usize,
    /// Private schools.
    #[arg(long, default_value_t = 4)]
    pub private: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Public allocation rule written to policy.toml.
    #[arg(long, value_enum, default_value_t = Rule::Zone)]
    pub rule: Rule,
    /// Public seats per applicant of each level (e.g. 0.95 for a tight
    /// round; default: drawn in [1.00, 1.05) with the seed).
    #[arg(long, value_parser = seat_ratio)]
    pub seats: Option<f64>,
    /// σ of log-normal noise on each public school's seats around its
    /// demand (e.g. 0.6 for fast-growing suburbs; 0: none). Drawn from its
    /// own stream of the seed: nothing else in the scenario changes.
    #[arg(long, value_name = "SIGMA", value_parser = seat_noise, default_value_t = 0.0)]
    pub seat_noise: f64,
    /// `fallback.max_distance_m` written to policy.toml, metres, or `none`
    /// to leave it out (it also bounds rule optimal).
    #[arg(long, value_name = "M", value_parser = max_distance, default_value = "10000")]
    pub max_distance: MaxDistance,
    /// Also write candidates.csv with this many candidate sites (for
    /// `catchment sites`), two thirds primary, at homes drawn with the seed.
    #[arg(long, default_value_t = 0)]
    pub candidates: usize,
    /// Scenario folder to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `catchment verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Scenario folder (the senior folder for a senior run folder).
    pub scenario: PathBuf,
    /// Run folder written by `catchment run` or `catchment senior`.
    pub run: PathBuf,
}

/// Arguments of `catchment publish`.
#[derive(Args)]
pub struct PublishArgs {
    /// Run folder written by `catchment run`.
    pub run: PathBuf,
    /// Public folder to write (replaced atomically if it is an earlier publication).
    #[arg(long)]
    pub out: PathBuf,
    /// Publish masked ids instead of registration ids.
    ///
    /// Publish masked ids instead of registration ids: the first 16 hex
    /// digits of SHA-256(seed + "\n" + "mask" + "\n" + id). The page
    /// computes the masked id from the id a parent types.
    #[arg(long)]
    pub mask: bool,
}

/// Arguments of `catchment completions`.
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The `seed` commands.
#[derive(Subcommand)]
pub enum SeedCommand {
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
    pub fn name(&self) -> &'static str {
        match self {
            Command::Run(_) => "run",
            Command::Compare(_) => "compare",
            Command::ProposeZones(_) => "propose-zones",
            Command::Check(_) => "check",
            Command::Explain(_) => "explain",
            Command::Odds(_) => "odds",
            Command::Bench(_) => "bench",
            Command::PlanClasses(_) => "plan-classes",
            Command::Forecast(_) => "forecast",
            Command::Balance(_) => "balance",
            Command::Senior(_) => "senior",
            Command::Sites(_) => "sites",
            Command::Seed(SeedCommand::Commit { .. }) => "seed commit",
            Command::Generate(_) => "generate",
            Command::Verify(_) => "verify",
            Command::Publish(_) => "publish",
            Command::Completions(_) => "completions",
            Command::Man => "man",
        }
    }
}

/// `--max-distance`: metres, or `None` for `none` (no limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaxDistance(pub Option<f64>);

/// Parses `--max-distance`: positive metres (at most 10⁹), or `none`.
fn max_distance(text: &str) -> Result<MaxDistance, String> {
    if text == "none" {
        return Ok(MaxDistance(None));
    }
    match text.parse::<f64>() {
        Ok(m) if m > 0.0 && m <= 1e9 => Ok(MaxDistance(Some(m))),
        _ => Err(format!(
            "expected a distance in metres in (0, 1e9], e.g. 10000, or none; got {text:?}"
        )),
    }
}

/// Parses `--seat-noise`: σ of the log-normal seat noise, in [0, 3].
fn seat_noise(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=3.0).contains(&s) => Ok(s),
        _ => Err(format!("expected a σ in [0, 3], e.g. 0.6; got {text:?}")),
    }
}

/// Parses `--crs`: wgs84, gcj02, bd09 or EPSG:NNNN.
fn parse_crs(text: &str) -> Result<Crs, String> {
    Crs::parse_or_explain(text)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    /// The library's enums give the spellings; `--help` lists them on one
    /// line as the strings did before (no per-value help).
    #[test]
    fn enum_values_keep_their_spellings_and_one_line_help() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("--crs <CRS>"), "{help}");
        assert!(help.contains("[possible values: utf-8, gbk]"), "{help}");
        let mut cli = Cli::command();
        let bench = cli
            .find_subcommand_mut("bench")
            .map(|c| c.render_long_help().to_string());
        let bench = bench.unwrap_or_default();
        assert!(
            bench.contains("[default: both]\n          [possible values: district, city, both]"),
            "{bench}"
        );
        assert!(
            bench.contains("[default: zone]\n          [possible values: zone, nearest, optimal]"),
            "{bench}"
        );
        let parsed = Cli::try_parse_from(["catchment", "--crs", "gcj02", "--encoding", "utf-8", "check", "x"]);
        let parsed = parsed.map(|c| (c.crs, c.encoding)).ok();
        assert_eq!(parsed, Some((Some(Crs::Gcj02), Some(Encoding::Utf8))));
        assert!(Cli::try_parse_from(["catchment", "--encoding", "utf8", "check", "x"]).is_err());
    }
}
