//! The folder `catchment sites` writes: `sites.csv`, `sites_summary.json`,
//! `sites.html`, `manifest.json`, and `scenario/`, a copy of the scenario
//! with the opened sites added to `schools.csv` and the closed schools
//! removed (and removed from their zones), ready for `catchment run` and
//! `catchment compare`.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::{Diagnostics, Error, Location};
use crate::output::{pretty_json, Manifest, OutputFile};
use crate::scenario::{InputFile, Scenario};

use super::{Candidates, Decision, Kind, SitesPlan};

/// The note every summary and page carries: the layout is chosen for the
/// optimal assignment whatever the scenario's rule.
pub const RULE_NOTE: &str = "layouts are compared by the optimal assignment (rule \"optimal\": seat the most public \
applicants, then minimise total distance), whatever the scenario's rule; draw the catchment map for the chosen layout \
afterwards";

/// The files of the folder and the files of its `scenario/` sub-folder.
pub struct Rendered {
    /// `sites.csv`, `sites_summary.json`, `sites.html`, `manifest.json`.
    pub files: Vec<OutputFile>,
    /// The scenario with the new layout.
    pub scenario: Vec<OutputFile>,
    /// Warnings about the copy (zones that lost their school).
    pub warnings: Diagnostics,
}

/// Renders every output of a plan; `candidates_bytes` are the candidates
/// file as read (for the manifest).
///
/// # Errors
/// An [`Error::Io`] when a scenario file cannot be read again, and an
/// [`Error::Usage`] for a GBK scenario (the copy is written in UTF-8).
pub fn render(
    scenario: &Scenario,
    candidates: &Candidates,
    candidates_bytes: &[u8],
    plan: &SitesPlan,
) -> Result<Rendered, Error> {
    let (copy, warnings) = scenario_copy(scenario, candidates, plan)?;
    let mut files = vec![
        OutputFile {
            name: "sites.csv",
            bytes: sites_csv(plan),
        },
        OutputFile {
            name: "sites_summary.json",
            bytes: summary_json(plan),
        },
        OutputFile {
            name: "sites.html",
            bytes: crate::html::sites::page(scenario, plan),
        },
    ];
    let mut inputs = scenario.inputs.clone();
    inputs.push(InputFile {
        name: candidates.file.clone(),
        sha256: crate::lottery::sha256_hex(candidates_bytes),
    });
    let mut outputs: Vec<OutputFile> = files
        .iter()
        .map(|f| OutputFile {
            name: f.name,
            bytes: f.bytes.clone(),
        })
        .collect();
    outputs.extend(copy.iter().map(|f| OutputFile {
        name: scenario_name(f.name),
        bytes: f.bytes.clone(),
    }));
    let manifest = Manifest::new(Some("sites"), &scenario.policy.seed, &inputs, &outputs);
    files.push(OutputFile {
        name: "manifest.json",
        bytes: pretty_json(&manifest),
    });
    Ok(Rendered {
        files,
        scenario: copy,
        warnings,
    })
}

/// The manifest's name of a file of `scenario/`.
fn scenario_name(name: &str) -> &'static str {
    match name {
        "schools.csv" => "scenario/schools.csv",
        "applicants.csv" => "scenario/applicants.csv",
        "policy.toml" => "scenario/policy.toml",
        "zones.geojson" => "scenario/zones.geojson",
        _ => "scenario/distances.csv",
    }
}

/// `sites.csv`: `level,site_id,name,kind,decision,seats,pupils,mean_distance_m`,
/// by level then site id; the mean distance with one decimal, empty without
/// pupils.
pub fn sites_csv(plan: &SitesPlan) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 8]> = Vec::new();
    for level in &plan.levels {
        for s in &level.sites {
            rows.push([
                level.level.as_str().to_string(),
                s.id.clone(),
                s.name.clone(),
                s.kind.as_str().to_string(),
                s.decision.as_str().to_string(),
                s.seats.to_string(),
                s.pupils.to_string(),
                s.mean_distance_m.map(|d| format!("{d:.1}")).unwrap_or_default(),
            ]);
        }
    }
    let header = [
        "level",
        "site_id",
        "name",
        "kind",
        "decision",
        "seats",
        "pupils",
        "mean_distance_m",
    ];
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    for r in &rows {
        let _ = w.write_record(r);
    }
    w.into_inner().unwrap_or_default()
}

/// A layout's seated and distance, as written.
#[derive(Serialize)]
struct Figures {
    seated: usize,
    total_distance_m: f64,
}

/// Work the search did.
#[derive(Serialize)]
struct Search {
    evaluations: usize,
    nodes: usize,
    pruned: usize,
}

/// One level of `sites_summary.json`.
#[derive(Serialize)]
struct LevelSummary {
    level: &'static str,
    applicants: usize,
    open: Vec<String>,
    closed: Vec<String>,
    seated: usize,
    total_distance_m: f64,
    lower_bound_m: f64,
    gap: f64,
    proven_optimal: bool,
    seated_upper_bound: usize,
    baseline: Figures,
    search: Search,
}

/// `sites_summary.json`.
#[derive(Serialize)]
struct Summary {
    assignment_rule: &'static str,
    note: &'static str,
    levels: Vec<LevelSummary>,
}

/// Metres rounded to 0.1 m.
fn tenth(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}

/// `sites_summary.json`: per level the layout chosen, its figures, bound,
/// gap and today's layout.
pub fn summary_json(plan: &SitesPlan) -> Vec<u8> {
    let levels = plan
        .levels
        .iter()
        .map(|l| {
            let ids = |d: Decision| {
                l.sites
                    .iter()
                    .filter(|s| s.decision == d)
                    .map(|s| s.id.clone())
                    .collect()
            };
            LevelSummary {
                level: l.level.as_str(),
                applicants: l.applicants,
                open: ids(Decision::Open),
                closed: ids(Decision::Closed),
                seated: l.chosen.seated,
                total_distance_m: tenth(l.chosen.total_distance_m),
                lower_bound_m: tenth(l.lower_bound_m),
                gap: (l.gap * 1e6).round() / 1e6,
                proven_optimal: l.proven_optimal,
                seated_upper_bound: l.seated_upper_bound,
                baseline: Figures {
                    seated: l.baseline.seated,
                    total_distance_m: tenth(l.baseline.total_distance_m),
                },
                search: Search {
                    evaluations: l.stats.evaluations,
                    nodes: l.stats.nodes,
                    pruned: l.stats.pruned,
                },
            }
        })
        .collect();
    pretty_json(&Summary {
        assignment_rule: "optimal",
        note: RULE_NOTE,
        levels,
    })
}

/// Reads a file of the scenario folder again.
fn read(scenario: &Scenario, name: &str) -> Result<Vec<u8>, Error> {
    let path = scenario.dir.join(name);
    std::fs::read(&path).map_err(|e| Error::io(&path, e))
}

/// The scenario with the new layout: `schools.csv` without the closed
/// schools and with the opened candidates (sector public, their
/// coordinates as written), `zones.geojson` without the closed schools
/// (a zone left with none is dropped, with a warning), the other files as
/// they are.
fn scenario_copy(
    scenario: &Scenario,
    candidates: &Candidates,
    plan: &SitesPlan,
) -> Result<(Vec<OutputFile>, Diagnostics), Error> {
    if scenario.encoding == crate::scenario::Encoding::Gbk {
        return Err(Error::Usage(
            "sites writes its scenario/ copy in UTF-8: convert the scenario's files from GBK to UTF-8 first".into(),
        ));
    }
    let closed: BTreeSet<&str> = plan
        .levels
        .iter()
        .flat_map(|l| l.sites.iter())
        .filter(|s| s.decision == Decision::Closed)
        .map(|s| s.id.as_str())
        .collect();
    let opened: BTreeSet<&str> = plan
        .levels
        .iter()
        .flat_map(|l| l.sites.iter())
        .filter(|s| s.kind == Kind::Candidate && s.decision == Decision::Open)
        .map(|s| s.id.as_str())
        .collect();
    let mut warnings = Diagnostics::default();
    let schools = schools_copy(&read(scenario, "schools.csv")?, candidates, &closed, &opened)
        .map_err(|e| Error::io(&scenario.dir.join("schools.csv"), std::io::Error::other(e)))?;
    let mut files = vec![
        OutputFile {
            name: "schools.csv",
            bytes: schools,
        },
        OutputFile {
            name: "policy.toml",
            bytes: read(scenario, "policy.toml")?,
        },
    ];
    let mut dropped = BTreeSet::new();
    if scenario.dir.join("zones.geojson").is_file() {
        let bytes = read(scenario, "zones.geojson")?;
        let zones = zones_copy(&bytes, &closed, &mut dropped, &mut warnings)
            .map_err(|e| Error::io(&scenario.dir.join("zones.geojson"), std::io::Error::other(e)))?;
        files.push(OutputFile {
            name: "zones.geojson",
            bytes: zones,
        });
    }
    let applicants = applicants_copy(&read(scenario, "applicants.csv")?, &closed, &dropped)
        .map_err(|e| Error::io(&scenario.dir.join("applicants.csv"), std::io::Error::other(e)))?;
    files.insert(
        1,
        OutputFile {
            name: "applicants.csv",
            bytes: applicants,
        },
    );
    if scenario.dir.join("distances.csv").is_file() {
        files.push(OutputFile {
            name: "distances.csv",
            bytes: read(scenario, "distances.csv")?,
        });
    }
    if !opened.is_empty() && !scenario.zones.is_empty() {
        warnings.warning(
            "scenario/zones.geojson",
            Location::File,
            format!(
                "the opened site(s) {} belong to no zone yet: draw their catchments before a zone-rule round",
                opened.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    Ok((files, warnings))
}

/// `schools.csv` rewritten: closed rows dropped, opened candidates appended.
fn schools_copy(
    bytes: &[u8],
    candidates: &Candidates,
    closed: &BTreeSet<&str>,
    opened: &BTreeSet<&str>,
) -> Result<Vec<u8>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let mut header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let new: Vec<&super::Candidate> = candidates
        .sites
        .iter()
        .filter(|c| opened.contains(c.id.as_str()))
        .collect();
    let widen = new.iter().any(|c| c.class_cap.is_some()) && !header.iter().any(|h| h.trim() == "class_cap");
    let original = header.len();
    if widen {
        header.push("class_cap".into());
    }
    let id_col = header.iter().position(|h| h.trim() == "id");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(|e| e.to_string())?;
    for record in r.records() {
        let record = record.map_err(|e| e.to_string())?;
        let id = id_col.and_then(|c| record.get(c)).unwrap_or("").trim();
        if closed.contains(id) {
            continue;
        }
        let mut row: Vec<&str> = record.iter().collect();
        row.resize(original.max(row.len()), "");
        if widen {
            row.push("");
        }
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    for c in new {
        let row: Vec<String> = header
            .iter()
            .map(|h| match h.trim() {
                "id" => c.id.clone(),
                "name" => c.name.clone(),
                "level" => c.level.as_str().to_string(),
                "sector" => "public".to_string(),
                "lon" => c.lon_text.clone(),
                "lat" => c.lat_text.clone(),
                "classes" => c.classes.to_string(),
                "class_cap" => c.class_cap.map(|v| v.to_string()).unwrap_or_default(),
                _ => String::new(),
            })
            .collect();
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// `zones.geojson` with the closed schools taken out of every zone; a zone
/// left without schools is dropped (its homes go to district placement
/// until the planner redraws it) and named in a warning.
fn zones_copy(
    bytes: &[u8],
    closed: &BTreeSet<&str>,
    dropped: &mut BTreeSet<String>,
    warnings: &mut Diagnostics,
) -> Result<Vec<u8>, String> {
    if closed.is_empty() {
        return Ok(bytes.to_vec());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_array_mut()) else {
        return Ok(bytes.to_vec());
    };
    let mut kept = Vec::new();
    for (i, mut feature) in std::mem::take(features).into_iter().enumerate() {
        let id = feature
            .pointer("/properties/id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        if let Some(list) = feature
            .pointer_mut("/properties/schools")
            .and_then(|v| v.as_array_mut())
        {
            let before: Vec<String> = list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
            list.retain(|v| !v.as_str().is_some_and(|s| closed.contains(s)));
            let lost: Vec<&String> = before.iter().filter(|s| closed.contains(s.as_str())).collect();
            if !lost.is_empty() {
                let left = list.len();
                warnings.warning(
                    "scenario/zones.geojson",
                    Location::Feature(i, Some(id.clone())),
                    if left == 0 {
                        format!(
                            "zone {id} lost its school(s) {} and is left out: its homes go to district placement until the zone is redrawn",
                            lost.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    } else {
                        format!(
                            "zone {id} lost the closed school(s) {}; redraw it",
                            lost.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    },
                );
                if left == 0 {
                    dropped.insert(id);
                    continue;
                }
            }
        }
        kept.push(feature);
    }
    *features = kept;
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

/// `applicants.csv` with the closed schools taken out of every
/// `public_choices` list and the `zone` cells naming a dropped zone
/// blanked (those homes are placed by the point-in-zone lookup). Unchanged
/// when nothing closes.
fn applicants_copy(bytes: &[u8], closed: &BTreeSet<&str>, dropped: &BTreeSet<String>) -> Result<Vec<u8>, String> {
    if closed.is_empty() {
        return Ok(bytes.to_vec());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (choices, zone) = (column("public_choices"), column("zone"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(|e| e.to_string())?;
    for record in r.records() {
        let record = record.map_err(|e| e.to_string())?;
        let row: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if Some(c) == choices {
                    cell.split(';')
                        .filter(|id| !closed.contains(id.trim()))
                        .collect::<Vec<_>>()
                        .join(";")
                } else if Some(c) == zone && dropped.contains(cell.trim()) {
                    String::new()
                } else {
                    cell.to_string()
                }
            })
            .collect();
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}
