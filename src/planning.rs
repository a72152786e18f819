//! Warnings about planning mistakes in a scenario that loads: more
//! applicants than seats in a level or a zone, public schools that no zone
//! lists, a level with applicants but no zone, homes far outside the
//! district (often latitude and longitude swapped), and many households
//! geocoded to one point. None of these stops a round; each is one warning
//! with counts, so that a planner sees it before the round is published.

use rayon::prelude::*;

use crate::distance::haversine;
use crate::error::{Diagnostics, Location};
use crate::scenario::{Level, Rule, Scenario, Sector, ZoneIdx};

/// How many zones, schools or points a warning names before "and N more".
const NAMED: usize = 3;

/// Homes farther than this beyond the district's extent (the box around
/// its schools and zones) are reported, or farther than the extent's own
/// diagonal when that is larger.
pub const FAR_OUTSIDE_M: f64 = 20_000.0;

/// One point shared by this many households or more is reported: a building
/// may hold a dozen families with a child of one age, but not this many.
pub const SHARED_HOME_HOUSEHOLDS: usize = 25;

/// All planning warnings for a scenario; `zone_of` is each applicant's zone
/// under rule `zone` (all `None` under the other rules).
pub fn warnings(scenario: &Scenario, zone_of: &[Option<ZoneIdx>]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    level_demand(scenario, &mut diags);
    if scenario.policy.rule == Rule::Zone {
        zone_demand(scenario, zone_of, &mut diags);
        unzoned_schools(scenario, &mut diags);
        levels_without_zones(scenario, &mut diags);
    }
    far_homes(scenario, &mut diags);
    shared_homes(scenario, &mut diags);
    diags
}

/// "A, B, C and 2 more".
fn named(items: &[String]) -> String {
    let mut text = items.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > NAMED {
        text.push_str(&format!(" and {} more", items.len() - NAMED));
    }
    text
}

fn first_line(lines: impl Iterator<Item = u64>) -> Location {
    lines.min().map_or(Location::File, Location::Line)
}

/// Applicants of a level against all seats of the level, public and
/// private together: more applicants than seats means some cannot be
/// placed whatever the rules.
fn level_demand(scenario: &Scenario, diags: &mut Diagnostics) {
    for level in [Level::Primary, Level::Junior] {
        let lines: Vec<u64> = scenario
            .applicants
            .iter()
            .filter(|a| a.level == level)
            .map(|a| a.line)
            .collect();
        let n = lines.len() as u64;
        if n == 0 {
            continue;
        }
        let seats = |sector: Sector| -> u64 {
            scenario
                .schools
                .iter()
                .filter(|s| s.level == level && s.sector == sector)
                .map(|s| u64::from(s.capacity))
                .sum()
        };
        let (public, private) = (seats(Sector::Public), seats(Sector::Private));
        if n > public + private {
            diags.warning(
                "applicants.csv",
                first_line(lines.into_iter()),
                format!(
                    "{n} {} applicant(s) but {} seat(s) in its schools ({public} public, {private} private); \
                     at least {} will be unplaced (first applicant on this line)",
                    level.as_str(),
                    public + private,
                    n - public - private
                ),
            );
        }
    }
}

/// Applicants living in (or registered to) a zone against the seats of the
/// zone's schools. Oversubscription is what the lottery is for, so this is
/// one warning per level naming the largest shortfalls.
fn zone_demand(scenario: &Scenario, zone_of: &[Option<ZoneIdx>], diags: &mut Diagnostics) {
    let mut demand = vec![0u64; scenario.zones.len()];
    for z in zone_of.iter().flatten() {
        demand[z.index()] += 1;
    }
    for level in [Level::Primary, Level::Junior] {
        // (shortfall, zone index): largest shortfall first, then zone id.
        let mut short: Vec<(u64, usize)> = Vec::new();
        let mut applicants = 0;
        for (z, zone) in scenario.zones.iter().enumerate().filter(|(_, z)| z.level == level) {
            let seats: u64 = zone
                .schools
                .iter()
                .map(|&s| u64::from(scenario.school(s).capacity))
                .sum();
            if demand[z] > seats {
                short.push((demand[z] - seats, z));
                applicants += demand[z];
            }
        }
        if short.is_empty() {
            continue;
        }
        short.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let total: u64 = short.iter().map(|s| s.0).sum();
        let list: Vec<String> = short
            .iter()
            .map(|&(gap, z)| {
                format!(
                    "{:?} ({} for {} seats)",
                    scenario.zones[z].id,
                    demand[z],
                    demand[z] - gap
                )
            })
            .collect();
        let worst = &scenario.zones[short[0].1];
        diags.warning(
            "zones.geojson",
            Location::Feature(worst.feature, Some(worst.id.clone())),
            format!(
                "{} {} zone(s) have more applicants than seats in their schools ({applicants} applicants, \
                 {total} more than the seats); the lottery decides and the rest go to the fallback: {}",
                short.len(),
                level.as_str(),
                named(&list)
            ),
        );
    }
}

/// Public schools that no zone of their level lists: under rule `zone`
/// they take applicants only in the fallback.
fn unzoned_schools(scenario: &Scenario, diags: &mut Diagnostics) {
    let mut listed = vec![false; scenario.schools.len()];
    for zone in &scenario.zones {
        for &s in &zone.schools {
            listed[s.index()] = true;
        }
    }
    for level in [Level::Primary, Level::Junior] {
        if !scenario.zones.iter().any(|z| z.level == level) {
            continue; // reported by levels_without_zones when it matters
        }
        let unlisted: Vec<_> = scenario
            .schools
            .iter()
            .zip(&listed)
            .filter(|(s, &l)| !l && s.level == level && s.sector == Sector::Public)
            .map(|(s, _)| s)
            .collect();
        if unlisted.is_empty() {
            continue;
        }
        let ids: Vec<String> = unlisted.iter().map(|s| format!("{:?}", s.id)).collect();
        let seats: u64 = unlisted.iter().map(|s| u64::from(s.capacity)).sum();
        diags.warning(
            "schools.csv",
            first_line(unlisted.iter().map(|s| s.line)),
            format!(
                "{} public {} school(s) are in no zone of zones.geojson ({seats} seats); they are filled only by \
                 the fallback: {} (first on this line)",
                unlisted.len(),
                level.as_str(),
                named(&ids)
            ),
        );
    }
}

/// A level with applicants but no zone under rule `zone`: every one of
/// them goes to the fallback.
fn levels_without_zones(scenario: &Scenario, diags: &mut Diagnostics) {
    for level in [Level::Primary, Level::Junior] {
        if scenario.zones.iter().any(|z| z.level == level) {
            continue;
        }
        let lines: Vec<u64> = scenario
            .applicants
            .iter()
            .filter(|a| a.level == level)
            .map(|a| a.line)
            .collect();
        if lines.is_empty() {
            continue;
        }
        diags.warning(
            "zones.geojson",
            Location::File,
            format!(
                "no {} zone, but {} {} applicant(s) (first on applicants.csv line {}); under rule \"zone\" \
                 they all go to the fallback",
                level.as_str(),
                lines.len(),
                level.as_str(),
                lines.iter().min().copied().unwrap_or_default()
            ),
        );
    }
}

/// The district's extent: the box around its schools and zones, as
/// (min lon, min lat, max lon, max lat).
fn extent(scenario: &Scenario) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let mut points: Vec<(f64, f64)> = scenario.schools.iter().map(|s| (s.lon, s.lat)).collect();
    for zone in &scenario.zones {
        if let Some(r) = zone.area.bounding_rect() {
            points.push((r.min().x, r.min().y));
            points.push((r.max().x, r.max().y));
        }
    }
    let first = points.first()?;
    Some(points.iter().fold([first.0, first.1, first.0, first.1], |b, &(x, y)| {
        [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
    }))
}

/// Metres from a point to the nearest point of the box.
fn beyond(b: &[f64; 4], lon: f64, lat: f64) -> f64 {
    haversine((lon, lat), (lon.clamp(b[0], b[2]), lat.clamp(b[1], b[3])))
}

/// Homes far outside the district's extent, and how many of them would be
/// inside with latitude and longitude swapped.
fn far_homes(scenario: &Scenario, diags: &mut Diagnostics) {
    let Some(b) = extent(scenario) else {
        return;
    };
    let limit = FAR_OUTSIDE_M.max(haversine((b[0], b[1]), (b[2], b[3])));
    let inside = |lon: f64, lat: f64| (b[0]..=b[2]).contains(&lon) && (b[1]..=b[3]).contains(&lat);
    let far: Vec<_> = scenario
        .applicants
        .par_iter()
        .filter(|a| !inside(a.lon, a.lat) && beyond(&b, a.lon, a.lat) > limit)
        .collect();
    if far.is_empty() {
        return;
    }
    let swapped = far.iter().filter(|a| beyond(&b, a.lat, a.lon) <= limit).count();
    let hint = if swapped > 0 {
        format!("; {swapped} of them would be inside with lat and lon swapped: check the column order")
    } else {
        String::new()
    };
    diags.warning(
        "applicants.csv",
        first_line(far.iter().map(|a| a.line)),
        format!(
            "{} home(s) are more than {:.0} km outside the district (the box around its schools and zones, \
             {:.4},{:.4} to {:.4},{:.4}){hint} (first on this line)",
            far.len(),
            limit / 1000.0,
            b[0],
            b[1],
            b[2],
            b[3]
        ),
    );
}

/// Points shared by many households: homes geocoded to a street, village
/// or district centroid instead of the address, which makes distances and
/// zone lookups meaningless for them.
fn shared_homes(scenario: &Scenario, diags: &mut Diagnostics) {
    // (lon bits, lat bits, household, line), sorted so that each point's
    // applicants are together and its households in order. Coordinates
    // are compared exactly, as they were written.
    let mut homes: Vec<(u64, u64, &str, u64)> = scenario
        .applicants
        .iter()
        .map(|a| (a.lon.to_bits(), a.lat.to_bits(), a.household.as_str(), a.line))
        .collect();
    homes.par_sort_unstable();
    // (households, applicants, first line, lon, lat), most households first.
    let mut crowded: Vec<(usize, usize, u64, f64, f64)> = homes
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|point| point.len() >= SHARED_HOME_HOUSEHOLDS)
        .filter_map(|point| {
            let households = point.chunk_by(|a, b| a.2 == b.2).count();
            let line = point.iter().map(|h| h.3).min().unwrap_or_default();
            (households >= SHARED_HOME_HOUSEHOLDS).then(|| {
                (
                    households,
                    point.len(),
                    line,
                    f64::from_bits(point[0].0),
                    f64::from_bits(point[0].1),
                )
            })
        })
        .collect();
    if crowded.is_empty() {
        return;
    }
    crowded.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    let applicants: usize = crowded.iter().map(|c| c.1).sum();
    let list: Vec<String> = crowded
        .iter()
        .map(|c| format!("{} households at {:.6},{:.6}", c.0, c.3, c.4))
        .collect();
    diags.warning(
        "applicants.csv",
        first_line(crowded.iter().map(|c| c.2)),
        format!(
            "{} point(s) are the home of {SHARED_HOME_HOUSEHOLDS} or more households ({applicants} applicants in \
             all); homes geocoded to a centroid make distances and zones wrong: {} (first on this line)",
            crowded.len(),
            named(&list)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, LoadOptions};

    fn demo() -> Scenario {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        scenario::load(&dir, &LoadOptions::default()).unwrap()
    }

    fn messages(scenario: &Scenario) -> Vec<String> {
        let mut diags = Diagnostics::default();
        shared_homes(scenario, &mut diags);
        diags.sorted().into_iter().map(|d| d.message).collect()
    }

    /// 30 applicants at one point: 26 households (four pairs share one) is
    /// reported, 20 households is not.
    #[test]
    fn a_point_of_many_households_is_reported_once() {
        let mut s = demo();
        assert!(messages(&s).is_empty());
        let (lon, lat) = (s.applicants[0].lon, s.applicants[0].lat);
        for (i, a) in s.applicants.iter_mut().take(30).enumerate() {
            a.lon = lon;
            a.lat = lat;
            a.household = format!("H{}", if i < 8 { i / 2 } else { i });
        }
        let found = messages(&s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("1 point(s) are the home of 25 or more households (30 applicants in all)"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains(&format!("26 households at {lon:.6},{lat:.6}")),
            "{}",
            found[0]
        );
        for a in s.applicants.iter_mut().take(30).skip(24) {
            a.household = "H0".to_string();
        }
        assert!(messages(&s).is_empty());
    }
}
