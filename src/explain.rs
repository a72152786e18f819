//! `catchment explain`: one applicant's path through the round, in plain
//! words, from the run folder alone (no re-run, no scenario needed).
//!
//! It reads `manifest.json` (the seed), `assignments.csv` (the outcome and
//! zone), `lottery.csv` (every draw the applicant, or its group, took part
//! in) and `schools.csv` (names and cut-offs), and tells for each school on
//! the applicant's lists: the ticket and the shell command that recomputes
//! it with `sha256sum`, the seats, the rank, the school's cut-off, and
//! whether the applicant was admitted or why not.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::Error;

/// The explanation of one applicant's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Applicant id.
    pub applicant_id: String,
    /// `primary` or `junior`.
    pub level: String,
    /// Its own priority tier.
    pub priority: u32,
    /// The id its tickets were drawn for: its own id, or `group:<id>`.
    pub draw_id: String,
    /// The other members of its group drawn together (empty when alone).
    pub group_members: Vec<String>,
    /// Its zone, if any.
    pub zone: Option<String>,
    /// How the zone was found: `registry` (zone column) or `home`
    /// (point in zone).
    pub zone_source: Option<String>,
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// Every draw the applicant took part in, in the order of the round.
    pub steps: Vec<Step>,
    /// Where it ended.
    pub outcome: Outcome,
}

/// One school (or the district fallback) the applicant was drawn at.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `private_lottery`, `zone`, `nearest` or `fallback`.
    pub stage: String,
    /// Ticket label.
    pub label: String,
    /// School id (empty for the district-wide fallback order).
    pub school_id: String,
    /// School name.
    pub school_name: String,
    /// Place of the school on the applicant's list (1 = first choice).
    pub choice: Option<u32>,
    /// Priority it was drawn with (a group's best).
    pub priority: u32,
    /// Ticket (lowercase hex SHA-256).
    pub ticket: String,
    /// Shell command that recomputes the ticket.
    pub recompute: String,
    /// Rank in the draw, in (priority, ticket) order.
    pub rank: u32,
    /// Applicants in the draw.
    pub drawn: u32,
    /// Seats at the start of the draw.
    pub seats: u32,
    /// Whether it held a seat at the end of the stage.
    pub admitted: bool,
    /// The school's cut-off (priority, ticket), when it turned someone away.
    pub cutoff: Option<(u32, String)>,
    /// Why, in plain words.
    pub why: String,
}

/// The final outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// School id, empty when unplaced.
    pub school_id: String,
    /// School name.
    pub school_name: String,
    /// The stage that placed it, or `unplaced`.
    pub stage: String,
    /// Metres from home.
    pub distance_m: Option<f64>,
    /// Class number.
    pub class_no: Option<u32>,
    /// Reason when unplaced.
    pub reason: Option<String>,
}

type Row = HashMap<String, String>;

fn read_rows(run: &Path, file: &str, mut keep: impl FnMut(&Row) -> bool) -> Result<Vec<Row>, Error> {
    let path = run.join(file);
    let mut reader = csv::Reader::from_path(&path).map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        let row: Row = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        if keep(&row) {
            rows.push(row);
        }
    }
    Ok(rows)
}

fn field<'a>(row: &'a Row, name: &str) -> &'a str {
    row.get(name).map_or("", String::as_str)
}

/// Quotes a string for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Builds the explanation of `applicant` from the run folder `run`.
pub fn explain(run: &Path, applicant: &str) -> Result<Explanation, Error> {
    let manifest_path = run.join("manifest.json");
    let manifest: serde_json::Value = std::fs::read(&manifest_path)
        .map_err(|e| Error::io(&manifest_path, e))
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| Error::io(&manifest_path, std::io::Error::other(e))))?;
    let seed = manifest["seed"].as_str().unwrap_or_default().to_string();
    let summary_path = run.join("summary.json");
    let summary: serde_json::Value = std::fs::read(&summary_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let rule = summary["policy"]["rule"].as_str().unwrap_or("zone").to_string();

    let mine = read_rows(run, "assignments.csv", |r| field(r, "applicant_id") == applicant)?;
    let Some(me) = mine.first() else {
        return Err(Error::Usage(format!(
            "applicant {applicant:?} is not in {}",
            run.join("assignments.csv").display()
        )));
    };
    let schools: HashMap<String, Row> = read_rows(run, "schools.csv", |_| true)?
        .into_iter()
        .map(|r| (field(&r, "school_id").to_string(), r))
        .collect();
    let name_of = |id: &str| schools.get(id).map_or(String::new(), |r| field(r, "name").to_string());

    // The applicant's draw id, then every row of that draw id, and the size
    // of each draw it appears in.
    let lottery = read_rows(run, "lottery.csv", |_| true)?;
    let draw_id = lottery
        .iter()
        .find(|r| field(r, "applicant_id") == applicant)
        .map_or(applicant.to_string(), |r| field(r, "draw_id").to_string());
    let mut drawn: HashMap<(String, String), u32> = HashMap::new();
    for r in &lottery {
        *drawn
            .entry((field(r, "label").to_string(), field(r, "school_id").to_string()))
            .or_default() += 1;
    }
    let mut group_members: Vec<String> = lottery
        .iter()
        .filter(|r| field(r, "draw_id") == draw_id && field(r, "applicant_id") != applicant)
        .map(|r| field(r, "applicant_id").to_string())
        .collect();
    group_members.sort();
    group_members.dedup();

    let mut steps = Vec::new();
    for r in lottery.iter().filter(|r| field(r, "applicant_id") == applicant) {
        let label = field(r, "label").to_string();
        let school_id = field(r, "school_id").to_string();
        let stage = if label.starts_with("private:") {
            "private_lottery".to_string()
        } else if school_id.is_empty() {
            "fallback".to_string()
        } else {
            rule.clone()
        };
        let priority: u32 = field(r, "priority").parse().unwrap_or(0);
        let ticket = field(r, "ticket").to_string();
        let admitted = field(r, "admitted") == "true";
        let cutoff = schools.get(&school_id).and_then(|s| {
            let p = field(s, "cutoff_priority").parse().ok()?;
            Some((p, field(s, "cutoff_ticket").to_string()))
        });
        let why = verdict(
            &stage,
            admitted,
            priority,
            &ticket,
            cutoff.as_ref(),
            group_members.len() + 1,
            me,
        );
        steps.push(Step {
            recompute: format!(
                "printf '%s\\n%s\\n%s' {} {} {} | sha256sum",
                shell_quote(&seed),
                shell_quote(&label),
                shell_quote(&draw_id)
            ),
            drawn: drawn.get(&(label.clone(), school_id.clone())).copied().unwrap_or(0),
            school_name: name_of(&school_id),
            choice: field(r, "choice").parse().ok(),
            rank: field(r, "rank").parse().unwrap_or(0),
            seats: field(r, "seats").parse().unwrap_or(0),
            stage,
            label,
            school_id,
            priority,
            ticket,
            admitted,
            cutoff,
            why,
        });
    }
    let school_id = field(me, "school_id").to_string();
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(Explanation {
        applicant_id: applicant.to_string(),
        level: field(me, "level").to_string(),
        priority: field(me, "priority").parse().unwrap_or(0),
        draw_id,
        group_members,
        zone: non_empty(field(me, "zone_id")),
        zone_source: non_empty(field(me, "zone_source")),
        seed_commitment: crate::lottery::seed_commitment(&seed),
        seed,
        steps,
        outcome: Outcome {
            school_name: name_of(&school_id),
            school_id,
            stage: field(me, "stage").to_string(),
            distance_m: field(me, "distance_m").parse().ok(),
            class_no: field(me, "class_no").parse().ok(),
            reason: non_empty(field(me, "reason")),
        },
    })
}

/// Why an applicant was admitted at a step or not.
fn verdict(
    stage: &str,
    admitted: bool,
    priority: u32,
    ticket: &str,
    cutoff: Option<&(u32, String)>,
    group_size: usize,
    me: &Row,
) -> String {
    if stage == "fallback" {
        return if admitted {
            "placed by the district at the nearest public school with a free seat within the distance limit".to_string()
        } else {
            match field(me, "reason") {
                "no_capacity" => "no public school of its level had a free seat left when its turn came".to_string(),
                "fallback_none" => "the policy places nobody in the fallback (fallback.rule = \"none\")".to_string(),
                _ => "no school with a free seat within the distance limit when its turn came".to_string(),
            }
        };
    }
    if admitted {
        return "admitted: it holds a seat here at the end of the stage".to_string();
    }
    match cutoff {
        Some((cp, ct)) if (priority, ticket) > (*cp, ct.as_str()) => {
            if priority > *cp {
                format!("not admitted: the last applicant admitted was in priority tier {cp}, ahead of its tier {priority}")
            } else {
                format!("not admitted: same tier {priority} as the last applicant admitted, whose ticket {} is smaller", short(ct))
            }
        }
        _ if group_size > 1 => format!(
            "not admitted: its group needed {group_size} seats together and fewer were left when its turn came; the group moved on as a unit"
        ),
        _ => "not admitted: the seats went to applicants ahead of it".to_string(),
    }
}

fn short(ticket: &str) -> &str {
    &ticket[..ticket.len().min(12)]
}

fn stage_title(stage: &str) -> &'static str {
    match stage {
        "private_lottery" => "Private schools' lottery (公民同招)",
        "zone" => "Zone allocation (划片入学, computer lottery 电脑随机派位)",
        "nearest" => "Nearest-school allocation (就近入学)",
        "fallback" => "District placement (统筹安排)",
        _ => "Stage",
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

impl Explanation {
    /// The explanation in plain words.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let grade = if self.level == "junior" { "grade 7" } else { "grade 1" };
        out.push_str(&format!(
            "Applicant {} — {} ({grade}), priority tier {}\n",
            self.applicant_id, self.level, self.priority
        ));
        if !self.group_members.is_empty() {
            out.push_str(&format!(
                "Drawn and placed together with {} as one unit, ticket id {:?} (twins or siblings)\n",
                self.group_members.join(", "),
                self.draw_id
            ));
        }
        match (&self.zone, self.zone_source.as_deref()) {
            (Some(z), Some("registry")) => out.push_str(&format!(
                "Zone (学区): {z}, as recorded by the registry (zone column)\n"
            )),
            (Some(z), _) => out.push_str(&format!(
                "Zone (学区): {z}, found from the home location (the zone covering it)\n"
            )),
            (None, _) => out.push_str("Zone (学区): none\n"),
        }
        out.push_str(&format!(
            "Lottery seed: {:?}\n  its SHA-256 commitment: {}\n",
            self.seed, self.seed_commitment
        ));
        let mut last_stage = "";
        for s in &self.steps {
            if s.stage != last_stage {
                out.push_str(&format!("\n{}\n", stage_title(&s.stage)));
                last_stage = &s.stage;
            }
            if s.school_id.is_empty() {
                out.push_str(&format!(
                    "  District order: {} of {} waiting ({} seats free at the start)\n",
                    ordinal(s.rank),
                    s.drawn,
                    s.seats
                ));
            } else {
                let choice = s.choice.map_or(String::new(), |c| format!(" — {} choice", ordinal(c)));
                out.push_str(&format!("  {} {}{choice}\n", s.school_id, s.school_name));
                out.push_str(&format!(
                    "    {} seats; ranked {} of {} applicants in (priority, ticket) order\n",
                    s.seats, s.rank, s.drawn
                ));
                if let Some((cp, ct)) = &s.cutoff {
                    out.push_str(&format!("    cut-off: priority tier {cp}, ticket {}…\n", short(ct)));
                }
            }
            out.push_str(&format!(
                "    ticket {} (priority tier {}, label {:?}, id {:?})\n",
                s.ticket, s.priority, s.label, self.draw_id
            ));
            out.push_str(&format!("    recompute: {}\n", s.recompute));
            out.push_str(&format!("    {}\n", s.why));
        }
        let o = &self.outcome;
        out.push('\n');
        if o.school_id.is_empty() {
            out.push_str(&format!(
                "Outcome: no seat (unplaced, reason {}); the district must place this child by hand.\n",
                o.reason.as_deref().unwrap_or("")
            ));
        } else {
            out.push_str(&format!(
                "Outcome: {} {}, placed in the {} stage, {} m from home, class {} (分班)\n",
                o.school_id,
                o.school_name,
                o.stage.replace('_', " "),
                o.distance_m.map_or("?".to_string(), |d| format!("{d:.1}")),
                o.class_no.map_or("?".to_string(), |c| c.to_string())
            ));
        }
        out
    }
}
