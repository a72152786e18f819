//! `catchment explain`: one applicant's path through the round, in plain
//! words, from the run folder alone (no re-run, no scenario needed).
//!
//! It reads `manifest.json` (the seed), `assignments.csv` (the outcome and
//! zone), `lottery.csv` (every draw the applicant, or its group, took part
//! in) and `schools.csv` (names and cut-offs), and tells for each school on
//! the applicant's lists: the ticket and the shell command that recomputes
//! it with `sha256sum`, the seats, the rank, the school's cut-off, and
//! whether the applicant was admitted or why not.
//!
//! A run folder of the senior quota round (its manifest says `"command":
//! "senior"`) is explained by [`senior`]; [`explain_run`] picks the round
//! from the manifest.

pub mod senior;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::lottery::Key;
use crate::output::records::{self, AssignmentRow, LotteryRow, Manifest, SchoolRow, Summary};
use crate::stages::Reason;

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

/// The explanation of an applicant of either round.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Explained {
    /// An applicant of a round of `catchment run`.
    Round(Explanation),
    /// A candidate of the senior quota round.
    Senior(senior::SeniorExplanation),
}

impl Explained {
    /// The explanation in plain words.
    pub fn to_text(&self) -> String {
        match self {
            Explained::Round(e) => e.to_text(),
            Explained::Senior(e) => e.to_text(),
        }
    }
}

/// Explains `id` from the run folder `run`, whichever round wrote it (its
/// `manifest.json` says).
pub fn explain_run(run: &Path, id: &str) -> Result<Explained, Error> {
    let manifest: Manifest = records::read_json(run, "manifest.json")?;
    if manifest.command.as_deref() == Some("senior") {
        return senior::explain(run, &manifest, id).map(Explained::Senior);
    }
    explain(run, id).map(Explained::Round)
}

/// Quotes a string for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Builds the explanation of `applicant` from the run folder `run`.
pub fn explain(run: &Path, applicant: &str) -> Result<Explanation, Error> {
    let manifest: Manifest = records::read_json(run, "manifest.json")?;
    let seed = manifest.seed;
    let summary: Summary = records::read_json(run, "summary.json")?;
    let rule = summary.policy.rule.as_str();

    let assignments: Vec<AssignmentRow> = records::read_csv(run, "assignments.csv")?;
    let Some(me) = assignments.into_iter().find(|r| r.applicant_id == applicant) else {
        return Err(Error::Usage(format!(
            "applicant {applicant:?} is not in {}",
            run.join("assignments.csv").display()
        )));
    };
    let schools: HashMap<String, SchoolRow> = records::read_csv::<SchoolRow>(run, "schools.csv")?
        .into_iter()
        .map(|r| (r.school_id.to_string(), r))
        .collect();
    let name_of = |id: &str| schools.get(id).map_or(String::new(), |r| r.name.to_string());

    // The applicant's draw id, then every row of that draw id, and the size
    // of each draw it appears in.
    let lottery: Vec<LotteryRow> = records::read_csv(run, "lottery.csv")?;
    let draw_id = lottery
        .iter()
        .find(|r| r.applicant_id == applicant)
        .map_or(applicant.to_string(), |r| r.draw_id.to_string());
    let mut drawn: HashMap<(&str, &str), u32> = HashMap::new();
    for r in &lottery {
        *drawn.entry((&r.label, &r.school_id)).or_default() += 1;
    }
    let mut group_members: Vec<String> = lottery
        .iter()
        .filter(|r| r.draw_id == draw_id && r.applicant_id != applicant)
        .map(|r| r.applicant_id.to_string())
        .collect();
    group_members.sort();
    group_members.dedup();

    let mut steps = Vec::new();
    for r in lottery.iter().filter(|r| r.applicant_id == applicant) {
        let stage = if r.label.starts_with("private:") {
            "private_lottery"
        } else if r.school_id.is_empty() {
            "fallback"
        } else {
            rule
        };
        let cutoff = schools.get(r.school_id.as_ref()).and_then(|s| {
            Some(Key {
                priority: s.cutoff_priority?,
                ticket: s.cutoff_ticket?,
            })
        });
        let why = verdict(stage, r, cutoff, group_members.len() + 1, me.reason);
        steps.push(Step {
            recompute: format!(
                "printf '%s\\n%s\\n%s' {} {} {} | sha256sum",
                shell_quote(&seed),
                shell_quote(&r.label),
                shell_quote(&draw_id)
            ),
            drawn: drawn.get(&(&r.label, &r.school_id)).copied().unwrap_or(0),
            school_name: name_of(&r.school_id),
            choice: r.choice,
            rank: r.rank,
            seats: r.seats,
            stage: stage.to_string(),
            label: r.label.to_string(),
            school_id: r.school_id.to_string(),
            priority: r.priority,
            ticket: r.ticket.to_hex(),
            admitted: r.admitted,
            cutoff: cutoff.map(|k| (k.priority, k.ticket.to_hex())),
            why,
        });
    }
    let school_id = me.school_id.as_deref().unwrap_or_default().to_string();
    Ok(Explanation {
        applicant_id: applicant.to_string(),
        level: me.level.as_str().to_string(),
        priority: me.priority,
        draw_id,
        group_members,
        zone: me.zone_id.map(Cow::into_owned),
        zone_source: me.zone_source.map(Cow::into_owned),
        seed_commitment: crate::lottery::seed_commitment(&seed),
        seed,
        steps,
        outcome: Outcome {
            school_name: name_of(&school_id),
            school_id,
            stage: me.stage.as_str().to_string(),
            distance_m: me.distance_m,
            class_no: me.class_no,
            reason: me.reason.map(|r| r.as_str().to_string()),
        },
    })
}

/// Why an applicant was admitted at a step (its row `r` of `lottery.csv`)
/// or not; `reason` is why it ended unplaced, if it did.
fn verdict(stage: &str, r: &LotteryRow, cutoff: Option<Key>, group_size: usize, reason: Option<Reason>) -> String {
    if stage == "fallback" {
        return if r.admitted {
            "placed by the district at the nearest public school with a free seat within the distance limit".to_string()
        } else {
            match reason {
                Some(Reason::NoCapacity) => {
                    "no public school of its level had a free seat left when its turn came".to_string()
                }
                Some(Reason::FallbackNone) => {
                    "the policy places nobody in the fallback (fallback.rule = \"none\")".to_string()
                }
                _ => "no school with a free seat within the distance limit when its turn came".to_string(),
            }
        };
    }
    if r.admitted {
        return "admitted: it holds a seat here at the end of the stage".to_string();
    }
    let priority = r.priority;
    match cutoff {
        Some(Key { priority: cp, ticket: ct }) if (priority, r.ticket) > (cp, ct) => {
            if priority > cp {
                format!("not admitted: the last applicant admitted was in priority tier {cp}, ahead of its tier {priority}")
            } else {
                format!(
                    "not admitted: same tier {priority} as the last applicant admitted, whose ticket {} is smaller",
                    short(&ct.to_hex())
                )
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
