//! `schools.csv`: one row per school and level (spec §1).
//!
//! Returns the valid schools and the ids of rows with errors.

use std::collections::HashSet;

use crate::error::{Diagnostics, Location};

use super::{table, Policy, Resources, School, Sector};

const FILE: &str = "schools.csv";
/// More entry-grade classes than any school opens: almost surely a seat
/// count in the wrong column.
const MAX_CLASSES: u32 = 200;
/// The same bound as `max_class_size` in policy.toml.
const MAX_CLASS_CAP: u32 = 1000;

const REQUIRED: &[&str] = &["id", "name", "level", "sector", "lon", "lat", "classes"];
const OPTIONAL: &[&str] = &[
    "class_cap",
    "reserved",
    "min_classes",
    "closable",
    "teachers",
    "floor_area_m2",
    "equipment_value",
];

/// Reads `schools.csv`, sorted by id. Rows with errors are left out (and
/// reported), so later checks see only well-formed schools. The flag is
/// false when the file could not be read at all (missing, empty, or a
/// header without its required columns).
pub fn load(
    src: &super::table::Source,
    policy: Option<&Policy>,
    diags: &mut Diagnostics,
) -> (Vec<School>, HashSet<String>, bool) {
    let mut schools = Vec::new();
    let mut broken = HashSet::new();
    let readable = table::read(src, FILE, REQUIRED, OPTIONAL, diags, |row, diags| {
        let errors = diags.error_count();
        let id = row.required("id", diags);
        let name = row.get("name").unwrap_or_default();
        let level = row.level(diags);
        let sector = row.required("sector", diags).and_then(|s| match s {
            "public" => Some(Sector::Public),
            "private" => Some(Sector::Private),
            _ => {
                diags.error(
                    FILE,
                    Location::Line(row.line),
                    format!("sector {s:?} is not public or private"),
                );
                None
            }
        });
        let lon = row.coordinate("lon", 180.0, diags);
        let lat = row.coordinate("lat", 90.0, diags);
        let classes = row.parse::<u32>("classes", "a whole number ≥ 0", diags);
        let class_cap = row.parse_opt::<u32>("class_cap", "a whole number ≥ 1", diags);
        match class_cap {
            Ok(Some(0)) => diags.error(FILE, Location::Line(row.line), "class_cap 0 must be at least 1"),
            Ok(Some(c)) if c > MAX_CLASS_CAP => diags.error(
                FILE,
                Location::Line(row.line),
                format!("class_cap {c} is more than {MAX_CLASS_CAP} pupils in one class"),
            ),
            _ => {}
        }
        if let Some(c) = classes.filter(|&c| c > MAX_CLASSES) {
            diags.error(
                FILE,
                Location::Line(row.line),
                format!(
                    "classes {c} is more than {MAX_CLASSES} entry-grade classes; is it a seat count? \
                     (seats are classes × class_cap − reserved)"
                ),
            );
        }
        let reserved = row.parse_opt::<u32>("reserved", "a whole number ≥ 0", diags);
        let min_classes = row.parse_opt::<u32>("min_classes", "a whole number ≥ 0", diags);
        let closable = match row.get("closable").map(str::trim).unwrap_or("") {
            "" | "0" => false,
            "1" => true,
            other => {
                diags.error(
                    FILE,
                    Location::Line(row.line),
                    format!("closable {other:?} is not 0 or 1 (1 = the school may be merged away by `catchment sites --close`)"),
                );
                false
            }
        };
        if closable && sector == Some(Sector::Private) {
            diags.error(
                FILE,
                Location::Line(row.line),
                "closable 1 on a private school: only public schools can be merged away",
            );
        }
        let mut resource = |column: &str| match row.parse_opt::<f64>(column, "a number ≥ 0", diags) {
            Ok(Some(v)) if !(v.is_finite() && v >= 0.0) => {
                diags.error(
                    FILE,
                    Location::Line(row.line),
                    format!("{column} {v} must be a number ≥ 0"),
                );
                None
            }
            Ok(v) => v,
            Err(table::Invalid) => None,
        };
        let resources = Resources {
            teachers: resource("teachers"),
            floor_area_m2: resource("floor_area_m2"),
            equipment_value: resource("equipment_value"),
        };
        if diags.error_count() > errors {
            broken.extend(id.map(str::to_string));
            return;
        }
        let (Some(id), Some(level), Some(sector), Some(lon), Some(lat), Some(classes), Ok(class_cap), Ok(reserved)) =
            (id, level, sector, lon, lat, classes, class_cap, reserved)
        else {
            return;
        };
        let policy_cap = policy.map_or(u32::MAX, |p| p.max_class_size(level));
        let cap = class_cap.unwrap_or(policy_cap).min(policy_cap);
        let reserved = reserved.unwrap_or(0);
        let capacity = (u64::from(classes) * u64::from(cap))
            .saturating_sub(u64::from(reserved))
            .min(u64::from(u32::MAX)) as u32;
        schools.push(School {
            id: id.to_string(),
            name: name.to_string(),
            level,
            sector,
            lon,
            lat,
            classes,
            cap,
            reserved,
            capacity,
            closable,
            class_cap_declared: class_cap,
            min_classes: min_classes.ok().flatten().unwrap_or(0),
            resources,
            line: row.line,
        });
    });
    super::check_unique(FILE, schools.iter().map(|s| (s.id.as_str(), s.line)), diags);
    schools.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()).then(a.line.cmp(&b.line)));
    schools.dedup_by(|a, b| a.id == b.id);
    (schools, broken, readable)
}
