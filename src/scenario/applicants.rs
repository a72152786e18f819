//! `applicants.csv`: one row per child applying for an entry grade (spec §1).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{Diagnostics, Location};

use super::{table, Applicant, School, SchoolIds, SchoolIdx, Sector, Zone, ZoneIdx};

const FILE: &str = "applicants.csv";
const REQUIRED: &[&str] = &["id", "level", "lon", "lat"];
const OPTIONAL: &[&str] = &[
    "household",
    "priority",
    "zone",
    "private_choices",
    "public_choices",
    "group",
];

/// Reads `applicants.csv`, resolving school and zone ids, sorted by id.
/// `zone_ids` is `None` when `zones.geojson` could not be read at all (its
/// error is reported): the `zone` column is then not checked, so that each
/// applicant naming a zone does not get a second, misleading error. With
/// `proposed_map` (the zones are a proposed map, `compare --zones`), a zone
/// id the map does not have is today's registry entry for a zone that the
/// proposal redraws: it is ignored, the home is located in the proposed
/// map, and one warning counts such rows.
#[allow(clippy::too_many_arguments)]
pub fn load(
    src: &super::table::Source,
    schools: &[School],
    school_ids: &SchoolIds,
    zones: &[Zone],
    zone_ids: Option<&HashMap<&str, ZoneIdx>>,
    max_private_choices: u32,
    proposed_map: bool,
    diags: &mut Diagnostics,
) -> Vec<Applicant> {
    let mut applicants = Vec::new();
    let mut stale_zone: (u64, u64) = (0, 0);
    let mut truncated = 0usize;
    let mut first_truncated = 0u64;
    table::read(src, FILE, REQUIRED, OPTIONAL, diags, |row, diags| {
        let errors = diags.error_count();
        let here = Location::Line(row.line);
        let id = row.required("id", diags);
        let level = row.level(diags);
        let lon = row.coordinate("lon", 180.0, diags);
        let lat = row.coordinate("lat", 90.0, diags);
        let priority = match row.parse_opt::<u32>("priority", "a whole number ≥ 1", diags) {
            Ok(Some(0)) => {
                diags.error(FILE, here.clone(), "priority 0 must be at least 1 (1 is served first)");
                None
            }
            Ok(p) => Some(p.unwrap_or(1)),
            Err(table::Invalid) => None,
        };
        let zone = row.get("zone").and_then(|z| match zone_ids?.get(z) {
            Some(&zi) => {
                if level.is_some_and(|l| l != zones[zi.index()].level) {
                    diags.error(
                        FILE,
                        here.clone(),
                        format!(
                            "zone {z:?} is a {} zone, not of the applicant's level",
                            zones[zi.index()].level.as_str()
                        ),
                    );
                }
                Some(zi)
            }
            None if proposed_map => {
                if stale_zone.0 == 0 {
                    stale_zone.1 = row.line;
                }
                stale_zone.0 += 1;
                None
            }
            None => {
                diags.error(FILE, here.clone(), format!("zone {z:?} is not a zone in zones.geojson"));
                None
            }
        });
        let mut resolve = |column: &str, want: Sector| -> Vec<SchoolIdx> {
            let mut out: Vec<SchoolIdx> = Vec::new();
            for sid in row.list(column) {
                match school_ids.get(sid) {
                    None if school_ids.is_broken(sid) => {}
                    None => diags.error(
                        FILE,
                        here.clone(),
                        format!("{column} names school {sid:?}, which is not in schools.csv"),
                    ),
                    Some(&si) => {
                        let s = &schools[si.index()];
                        if s.sector != want {
                            diags.error(
                                FILE,
                                here.clone(),
                                format!("{column} names school {sid:?}, which is not a {} school", want.as_str()),
                            );
                        } else if level.is_some_and(|l| l != s.level) {
                            diags.error(
                                FILE,
                                here.clone(),
                                format!("{column} names school {sid:?}, which is a {} school", s.level.as_str()),
                            );
                        } else if out.contains(&si) {
                            diags.warning(
                                FILE,
                                here.clone(),
                                format!("{column} lists school {sid:?} twice; the later entry is ignored"),
                            );
                        } else {
                            out.push(si);
                        }
                    }
                }
            }
            out
        };
        let mut private_choices = resolve("private_choices", Sector::Private);
        let public_choices = resolve("public_choices", Sector::Public);
        if private_choices.len() > max_private_choices as usize {
            if truncated == 0 {
                first_truncated = row.line;
            }
            truncated += 1;
            private_choices.truncate(max_private_choices as usize);
        }
        if diags.error_count() > errors {
            return;
        }
        let (Some(id), Some(level), Some(lon), Some(lat), Some(priority)) = (id, level, lon, lat, priority) else {
            return;
        };
        applicants.push(Applicant {
            id: id.to_string(),
            level,
            lon,
            lat,
            household: row.get("household").unwrap_or(id).to_string(),
            priority,
            zone,
            private_choices,
            public_choices,
            group: row.get("group").map(str::to_string),
            line: row.line,
        });
    });
    if truncated > 0 {
        diags.warning(
            FILE,
            Location::Line(first_truncated),
            format!("{truncated} applicant(s) list more than max_private_choices = {max_private_choices} private schools; only the first {max_private_choices} are used (first on this line)"),
        );
    }
    if stale_zone.0 > 0 {
        diags.warning(
            FILE,
            Location::Line(stale_zone.1),
            format!(
                "zone: {} applicant(s) name a zone that the proposed map does not have (first on this line); their homes are located in the proposed map instead",
                stale_zone.0
            ),
        );
    }
    super::check_unique(FILE, applicants.iter().map(|a| (a.id.as_str(), a.line)), diags);
    // Lines are unique, so the unstable sort gives the one order.
    applicants.par_sort_unstable_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()).then(a.line.cmp(&b.line)));
    applicants.dedup_by(|a, b| a.id == b.id);
    applicants
}
