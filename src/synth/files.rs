//! The scenario files of a synthetic city as text: `schools.csv`,
//! `applicants.csv`, `zones.geojson` and `policy.toml`.

use super::*;

/// Splits `n` into two thirds (rounded) and the rest.
pub(super) fn split_two_thirds(n: usize) -> (usize, usize) {
    let first = (2 * n + 1) / 3;
    (first, n - first)
}

/// Digits of the numeric part of ids: at least 4, enough for `count`, so
/// that ids sort by bytes in numeric order.
pub(super) fn id_width(count: usize) -> usize {
    count.max(1).to_string().len().max(4)
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// `schools.csv`: public schools level by level, then private schools.
pub(super) fn schools_csv(levels: &[LevelData]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("id,name,level,sector,lon,lat,classes,class_cap,reserved\n");
    for data in levels {
        for school in &data.public.schools {
            school_row(&mut out, school, data.level, "public");
        }
    }
    for data in levels {
        for school in &data.private {
            school_row(&mut out, school, data.level, "private");
        }
    }
    out
}

/// One `schools.csv` row (no field needs quoting).
pub(super) fn school_row(out: &mut String, school: &School, level: Level, sector: &str) {
    let _ = write!(
        out,
        "{},{},{},{sector},{:.7},{:.7},{},",
        school.id,
        school.name,
        level.name(),
        school.at.lon,
        school.at.lat,
        school.classes
    );
    if let Some(cap) = school.class_cap {
        let _ = write!(out, "{cap}");
    }
    out.push(',');
    if let Some(reserved) = school.reserved {
        let _ = write!(out, "{reserved}");
    }
    out.push('\n');
}

/// `applicants.csv`: applicants `a0000001`… level by level; households
/// `h0000001`…; twins share a group `g000001`…, home, household, priority
/// and choices.
pub(super) fn applicants_csv(levels: &[LevelData]) -> String {
    let rows: usize = levels.iter().map(|d| d.households.len()).sum();
    let mut out = String::with_capacity(96 * rows + 128);
    out.push_str("id,level,lon,lat,household,priority,zone,private_choices,public_choices,group\n");
    let (mut applicant, mut household_no, mut group_no) = (0usize, 0usize, 0usize);
    for data in levels {
        for household in &data.households {
            household_no += 1;
            if household.children > 1 {
                group_no += 1;
            }
            for _ in 0..household.children {
                applicant += 1;
                let _ = write!(
                    out,
                    "a{applicant:07},{},{:.7},{:.7},h{household_no:07},{},,",
                    data.level.name(),
                    household.home.lon,
                    household.home.lat,
                    household.priority
                );
                push_ids(&mut out, household.private.iter().map(|&i| &data.private[i]));
                out.push(',');
                push_ids(&mut out, household.public.iter().map(|&i| &data.public.schools[i]));
                out.push(',');
                if household.children > 1 {
                    let _ = write!(out, "g{group_no:06}");
                }
                out.push('\n');
            }
        }
    }
    out
}

/// School ids joined by `;`.
pub(super) fn push_ids<'a>(out: &mut String, schools: impl Iterator<Item = &'a School>) {
    for (i, school) in schools.enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&school.id);
    }
}

/// `zones.geojson`: one feature per line, each a counter-clockwise closed
/// rectangle; neighbours share edges written with identical digits.
pub(super) fn zones_geojson(levels: &[LevelData]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut first = true;
    for data in levels {
        let Some(grid) = &data.public.grid else {
            continue;
        };
        let width = id_width(data.public.zones.len());
        for (i, members) in data.public.zones.iter().enumerate() {
            out.push_str(if first { "\n" } else { ",\n" });
            first = false;
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"Z{}{:0width$}\",\"level\":\"{}\",\"schools\":[",
                data.level.letter(),
                i + 1,
                data.level.name()
            );
            for (k, &s) in members.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{}\"", data.public.schools[s].id);
            }
            let r = grid.rect(i);
            let _ = write!(
                out,
                "]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{w:.7},{s:.7}],[{e:.7},{s:.7}],[{e:.7},{n:.7}],[{w:.7},{n:.7}],[{w:.7},{s:.7}]]]}}}}",
                w = r.west,
                s = r.south,
                e = r.east,
                n = r.north
            );
        }
    }
    out.push_str("\n]}\n");
    out
}

/// `policy.toml` of the synthetic round.
pub(super) fn policy_toml(params: &SynthParams) -> String {
    format!(
        "seed = \"synthetic city {}\"\n\
         rule = \"{}\"\n\
         tie_breaking = \"single\"\n\
         groups = \"together\"\n\
         max_private_choices = 2\n\
         \n\
         [distance]\n\
         metric = \"haversine\"\n\
         \n\
         [fallback]\n\
         rule = \"nearest_vacancy\"\n\
         {}\
         \n\
         [levels.primary]\n\
         max_class_size = 45\n\
         [levels.junior]\n\
         max_class_size = 50\n",
        params.seed,
        toml_escape(&params.rule),
        params
            .max_distance_m
            .map_or(String::new(), |m| format!("max_distance_m = {m}\n"))
    )
}

/// Escapes `\` and `"` for a TOML basic string.
pub(super) fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
