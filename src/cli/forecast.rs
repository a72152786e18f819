//! `catchment forecast`: entrants against seats per zone and year.

use serde::Serialize;

use catchment::error::Error;
use catchment::forecast::{self, ForecastRow};
use catchment::scenario::{LoadOptions, Scenario};

use super::args::ForecastArgs;
use super::ui::Ui;

/// What `forecast` reports under `--json`.
#[derive(Serialize)]
struct Report<'a> {
    out: Option<String>,
    population: String,
    warnings: usize,
    rows: Vec<Row<'a>>,
}

/// One forecast row in `--json`: the zone by id, the level by name.
#[derive(Serialize)]
struct Row<'a> {
    zone: &'a str,
    level: &'static str,
    year: i32,
    entrants: u64,
    seats: u64,
    surplus: i64,
    classes_short: u64,
}

impl<'a> Row<'a> {
    fn new(scenario: &'a Scenario, r: &ForecastRow) -> Self {
        Row {
            zone: &scenario.zone(r.zone).id,
            level: r.level.as_str(),
            year: r.year,
            entrants: r.entrants,
            seats: r.seats,
            surplus: r.surplus,
            classes_short: r.classes_short,
        }
    }
}

/// Forecasts entrants from the population file, prints the table (or
/// JSON) and writes forecast.csv and forecast.html when `--out` is given.
pub fn run(args: &ForecastArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, options, ui)?;
    let population = args
        .population
        .clone()
        .unwrap_or_else(|| args.scenario.join("population.csv"));
    ui.step("forecasting");
    let (pop, rows, files) = forecast::run(&scenario, &population, args.years, options)?;
    ui.diagnostics(&pop.warnings);
    let out = args.out.as_deref();
    if let Some(out) = out {
        super::write(out, &files, ui)?;
    }
    let report = Report {
        out: out.map(|out| out.display().to_string()),
        population: population.display().to_string(),
        warnings: pop.warnings.warning_count(),
        rows: rows.iter().map(|r| Row::new(&scenario, r)).collect(),
    };
    ui.result("forecast", &forecast::forecast_table(&scenario, &rows), &report)?;
    super::wrote_after_table(out, ui)
}
