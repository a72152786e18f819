//! `forecast.html` (学位预警): per level, a chart of spare seats or
//! shortage per zone and school year, and the zones short of seats.
//! [`crate::forecast`] computes the rows.

use maud::{html, Markup};

use super::chart::{forecast_chart, ZoneSeries};
use super::table::{head, num};
use crate::forecast::{by_zone, years_of, ForecastRow, Population};
use crate::scenario::{Level, Scenario};

/// Renders `forecast.html` for the forecast rows of a population.
pub fn page(scenario: &Scenario, population: &Population, rows: &[ForecastRow]) -> Vec<u8> {
    let years = years_of(rows);
    let (first, last) = (years.first().copied().unwrap_or(0), years.last().copied().unwrap_or(0));
    let body = html! {
        header {
            h1 { "Seat forecast (学位预警)" }
            p.lead {
                "Census year " (population.census_year) " (" (population.file) "); school years " (first) "–" (last) "."
            }
            p.hint {
                "Children born in year Y enter grade 1 in September of Y + 6; pupils in grade k at the census enter \
                 grade 7 in September of " (population.census_year) " + 7 − k. Seats are the sum of the capacities of \
                 the zone's schools. In each cell a green bar up is spare seats, a red bar down a shortage; zones \
                 marked ⚠ are short of seats in some year (most classes short shown)."
            }
        }
        @for level in Level::ALL {
            (level_section(scenario, rows, level, &years))
        }
    };
    super::page(
        "Seat forecast (学位预警)",
        body,
        "Counts per community only; no personal data.",
    )
}

fn level_section(scenario: &Scenario, rows: &[ForecastRow], level: Level, years: &[i32]) -> Markup {
    let groups: Vec<_> = by_zone(rows).into_iter().filter(|g| g.0 == level).collect();
    if groups.is_empty() {
        return html! {};
    }
    let series: Vec<ZoneSeries> = groups
        .iter()
        .map(|(_, z, v)| ZoneSeries {
            label: scenario.zone(*z).id.as_str(),
            rows: v.clone(),
        })
        .collect();
    let short: Vec<&ForecastRow> = groups
        .iter()
        .flat_map(|g| g.2.iter().copied())
        .filter(|r| r.classes_short > 0)
        .collect();
    html! {
        section id={"forecast-" (level.as_str())} {
            h2 { (if level == Level::Primary { "Primary (grade 1)" } else { "Junior (grade 7)" }) }
            figure.chart { (forecast_chart(&series, years)) }
            @if short.is_empty() {
                p { "No zone is forecast to be short of seats." }
            } @else {
                p { strong { "Shortage warning:" } " forecast entrants exceed seats in these zones." }
                div.tablewrap { table {
                    (head(&[("zone", false), ("year", true), ("entrants", true), ("seats", true), ("shortage", true), ("classes short", true)]))
                    tbody { @for r in short {
                        tr.short {
                            td { (scenario.zone(r.zone).id) } (num(r.year)) (num(r.entrants)) (num(r.seats))
                            (num(-r.surplus)) (num(r.classes_short))
                        }
                    } }
                } }
            }
        }
    }
}
