//! `report.html`: the run as one page that officers and planners read
//! (spec §6). The page is the template [`crate::html::report`]; this is the
//! run folder's entry to it.

use crate::round::Outcome;
use crate::scenario::Scenario;

/// Renders `report.html` for a round: its balance indicators are computed
/// once ([`crate::balance::compute`]) and the page drawn by
/// [`crate::html::report::page`].
///
/// Same scenario and outcome, same bytes. At most 3,000 homes per level
/// are drawn (every k-th applicant by id above that, and the legend says
/// so), so the page stays a few megabytes even for a city of 300,000
/// applicants.
///
/// # Examples
/// ```no_run
/// use catchment::{output::report_html, round, scenario};
///
/// let dir = std::path::Path::new("fixtures/demo-district");
/// let scenario = scenario::load(dir, &scenario::LoadOptions::default())?;
/// let outcome = round::run(&scenario);
/// let html = report_html(&scenario, &outcome);
/// assert!(html.starts_with(b"<!DOCTYPE html>"));
/// # Ok::<(), catchment::error::Error>(())
/// ```
pub fn report_html(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let balance = crate::balance::compute(scenario, outcome);
    crate::html::report::page(scenario, outcome, &balance)
}
