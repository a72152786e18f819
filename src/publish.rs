//! `catchment publish`: what a district can post on its website after the
//! draw, from a run folder alone.
//!
//! The public folder holds the lottery transcript (`lottery.csv`), each
//! applicant's outcome by registration id (`outcomes.csv`), the per-school
//! cut-offs (`schools.csv`), a `manifest.json` with the seed, its
//! commitment and the SHA-256 of every file read and written, and an
//! `index.html` where a parent types an id and sees, computed in the
//! browser with Web Crypto, its tickets, each choice's cut-off and its
//! outcome in the words of `catchment explain`.
//!
//! Nothing in it locates a home: no coordinates at all (the public page has
//! no map of homes), distances rounded to 100 m. With `mask`, every
//! applicant id is replaced by its masked id, the first 16 hex digits of
//! `SHA-256(seed + "\n" + "mask" + "\n" + id)` (recompute with
//! `printf '%s\nmask\n%s' "$SEED" "$ID" | sha256sum | cut -c1-16`); the
//! page computes it from the id the parent types. Group draws keep their
//! `group:<id>` (the ticket of a group is drawn for it). `SHA256SUMS`
//! lets anyone check the folder with `sha256sum -c SHA256SUMS`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::lottery::sha256_hex;
use crate::output::records::{self, AssignmentRow, LotteryRow, Manifest, SchoolRow, Summary};
use crate::output::OutputFile;
use crate::scenario::InputFile;

/// Hex digits kept of a masked id.
pub const MASK_DIGITS: usize = 16;

/// The files of the run folder `publish` reads, in this order.
const READS: [&str; 5] = [
    "manifest.json",
    "summary.json",
    "assignments.csv",
    "lottery.csv",
    "schools.csv",
];

/// The masked id of `id` under `seed`.
///
/// ```
/// use catchment::publish::masked_id;
/// let m = masked_id("seed", "p00042");
/// assert_eq!(m.len(), 16);
/// assert_eq!(m, catchment::lottery::ticket("seed", "mask", "p00042").to_hex()[..16]);
/// ```
pub fn masked_id(seed: &str, id: &str) -> String {
    let mut hex = crate::lottery::ticket(seed, "mask", id).to_hex();
    hex.truncate(MASK_DIGITS);
    hex
}

/// Metres rounded to the nearest 100 m, as published.
///
/// ```
/// assert_eq!(catchment::publish::round_100(1649.9), 1600);
/// assert_eq!(catchment::publish::round_100(1650.0), 1700);
/// ```
pub fn round_100(metres: f64) -> u64 {
    ((metres / 100.0).round().max(0.0) as u64) * 100
}

/// One school on the public page: name and cut-off.
#[derive(Debug, Clone, Serialize)]
pub struct PublicSchool {
    /// Name.
    pub name: String,
    /// The last admitted's priority, when the school turned someone away.
    pub cutoff_priority: Option<u32>,
    /// The last admitted's ticket.
    pub cutoff_ticket: Option<String>,
}

/// One draw an applicant took part in (a row of the transcript).
#[derive(Debug, Clone, Serialize)]
pub struct PublicDraw(
    /// Label.
    pub String,
    /// School (empty for the district order).
    pub String,
    /// Priority drawn with.
    pub u32,
    /// Published ticket.
    pub String,
    /// Rank.
    pub u32,
    /// Admitted (1) or not (0).
    pub u8,
    /// Seats at the start of the draw.
    pub u32,
    /// Place of the school on the applicant's list.
    pub Option<u32>,
);

/// One applicant on the public page, by its (masked) id.
#[derive(Debug, Clone, Serialize)]
pub struct PublicApplicant {
    /// Level.
    pub level: String,
    /// Its own priority tier.
    pub priority: u32,
    /// School placed at (empty when unplaced).
    pub school: String,
    /// Stage.
    pub stage: String,
    /// Zone.
    pub zone: Option<String>,
    /// `registry` or `home`.
    pub zone_source: Option<String>,
    /// Metres to its school, rounded to 100 m.
    pub distance: Option<u64>,
    /// Class.
    pub class_no: Option<u32>,
    /// Why unplaced.
    pub reason: Option<String>,
    /// The id its tickets were drawn for when not its own (`group:<id>`).
    pub draw: Option<String>,
    /// Other members of its group, by (masked) id.
    pub members: Vec<String>,
    /// Its draws, in the transcript's order.
    pub draws: Vec<PublicDraw>,
}

/// Everything the public page shows, also embedded in it as JSON for the
/// parent's look-up.
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// The commitment published before the draw, if the policy had one.
    pub published_seed_commitment: Option<String>,
    /// The public rule (`zone`, `nearest`, `optimal`).
    pub rule: String,
    /// Whether ids are masked.
    pub masked: bool,
    /// Applicants, placed, unplaced.
    pub totals: (u64, u64, u64),
    /// Schools by id.
    pub schools: BTreeMap<String, PublicSchool>,
    /// Applicants per draw (`label|school`).
    pub drawn: BTreeMap<String, u32>,
    /// Applicants by (masked) id.
    pub applicants: BTreeMap<String, PublicApplicant>,
}

/// Reads the run folder `run` and renders the public folder's files, the
/// manifest last. A senior run folder is refused (not supported yet).
pub fn publish(run: &Path, mask: bool) -> Result<Vec<OutputFile>, Error> {
    let manifest: Manifest = records::read_json(run, "manifest.json")?;
    if manifest.command.is_some() {
        return Err(Error::Usage(format!(
            "{} was written by `catchment {}`; publish takes a run folder of `catchment run` \
             (the senior round cannot be published yet)",
            run.display(),
            manifest.command.as_deref().unwrap_or_default()
        )));
    }
    let summary: Summary = records::read_json(run, "summary.json")?;
    let assignments: Vec<AssignmentRow> = records::read_csv(run, "assignments.csv")?;
    let lottery: Vec<LotteryRow> = records::read_csv(run, "lottery.csv")?;
    let schools: Vec<SchoolRow> = records::read_csv(run, "schools.csv")?;
    let seed = manifest.seed.clone();
    let id_of = |id: &str| if mask { masked_id(&seed, id) } else { id.to_string() };

    let mut ids: HashMap<&str, String> = HashMap::with_capacity(assignments.len());
    for a in &assignments {
        ids.insert(&a.applicant_id, id_of(&a.applicant_id));
    }
    let mut seen: HashMap<&str, &str> = HashMap::with_capacity(ids.len());
    for (id, public) in &ids {
        if let Some(other) = seen.insert(public, id) {
            return Err(Error::Usage(format!(
                "applicants {other} and {id} have the same masked id {public}; publish without --mask"
            )));
        }
    }
    let public = |id: &str| ids.get(id).cloned().unwrap_or_else(|| id_of(id));

    let mut drawn: BTreeMap<String, u32> = BTreeMap::new();
    let mut draws: HashMap<&str, Vec<PublicDraw>> = HashMap::new();
    let mut draw_of: HashMap<&str, &str> = HashMap::new();
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &lottery {
        *drawn.entry(format!("{}|{}", r.label, r.school_id)).or_default() += 1;
        draws.entry(&r.applicant_id).or_default().push(PublicDraw(
            r.label.to_string(),
            r.school_id.to_string(),
            r.priority,
            r.ticket.to_hex(),
            r.rank,
            u8::from(r.admitted),
            r.seats,
            r.choice,
        ));
        if draw_of.insert(&r.applicant_id, &r.draw_id).is_none() {
            members.entry(&r.draw_id).or_default().push(&r.applicant_id);
        }
    }
    let draw_id = |id: &str| -> String {
        match draw_of.get(id) {
            Some(&d) if d == id => public(id),
            Some(&d) => d.to_string(),
            None => public(id),
        }
    };
    let mut applicants = BTreeMap::new();
    for a in &assignments {
        let id: &str = &a.applicant_id;
        let own = draw_of.get(id).is_none_or(|&d| d == id);
        let mut group: Vec<String> = draw_of
            .get(id)
            .and_then(|d| members.get(d))
            .map(|m| m.iter().filter(|&&x| x != id).map(|&x| public(x)).collect())
            .unwrap_or_default();
        group.sort();
        applicants.insert(
            public(id),
            PublicApplicant {
                level: a.level.as_str().to_string(),
                priority: a.priority,
                school: a.school_id.as_deref().unwrap_or_default().to_string(),
                stage: a.stage.as_str().to_string(),
                zone: a.zone_id.as_deref().map(str::to_string),
                zone_source: a.zone_source.as_deref().map(str::to_string),
                distance: a.distance_m.map(round_100),
                class_no: a.class_no,
                reason: a.reason.map(|r| r.as_str().to_string()),
                draw: (!own).then(|| draw_id(id)),
                members: group,
                draws: draws.remove(id).unwrap_or_default(),
            },
        );
    }
    let publication = Publication {
        seed_commitment: crate::lottery::seed_commitment(&seed),
        published_seed_commitment: summary.published_seed_commitment.clone(),
        rule: summary.policy.rule.as_str().to_string(),
        masked: mask,
        totals: (
            summary.totals.applicants,
            summary.totals.placed,
            summary.totals.unplaced,
        ),
        schools: schools
            .iter()
            .map(|s| {
                (
                    s.school_id.to_string(),
                    PublicSchool {
                        name: s.name.to_string(),
                        cutoff_priority: s.cutoff_priority,
                        cutoff_ticket: s.cutoff_ticket.map(|t| t.to_hex()),
                    },
                )
            })
            .collect(),
        drawn,
        applicants,
        seed: seed.clone(),
    };

    let mut files = vec![
        OutputFile {
            name: "outcomes.csv",
            bytes: outcomes_csv(&publication),
        },
        OutputFile {
            name: "lottery.csv",
            bytes: lottery_csv(&lottery, &public, &draw_id),
        },
        OutputFile {
            name: "schools.csv",
            bytes: schools_csv(&schools),
        },
        OutputFile {
            name: "index.html",
            bytes: crate::html::publish::page(&publication, &schools),
        },
    ];
    let mut inputs = Vec::new();
    for name in READS {
        let bytes = records::read_file(run, name)?;
        inputs.push(InputFile {
            name: name.to_string(),
            sha256: sha256_hex(&bytes),
        });
    }
    let manifest = Manifest::new(Some("publish"), &publication.seed, &inputs, &files);
    files.push(OutputFile {
        name: "manifest.json",
        bytes: crate::output::pretty_json(&manifest),
    });
    // `sha256sum -c SHA256SUMS` checks the folder.
    let sums: String = files
        .iter()
        .map(|f| format!("{}  {}\n", sha256_hex(&f.bytes), f.name))
        .collect();
    files.push(OutputFile {
        name: "SHA256SUMS",
        bytes: sums.into_bytes(),
    });
    Ok(files)
}

/// A CSV text from a header and rows of cells.
fn csv_text<I, R>(header: &[&str], rows: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r.into_iter().collect::<Vec<_>>());
    }
    w.into_inner().unwrap_or_default()
}

fn cell<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

/// `outcomes.csv`: one row per applicant, by (masked) id.
fn outcomes_csv(p: &Publication) -> Vec<u8> {
    let header = [
        "id",
        "level",
        "school_id",
        "stage",
        "zone_id",
        "distance_m",
        "priority",
        "class_no",
        "reason",
        "draw_id",
    ];
    csv_text(
        &header,
        p.applicants.iter().map(|(id, a)| {
            [
                id.clone(),
                a.level.clone(),
                a.school.clone(),
                a.stage.clone(),
                cell(a.zone.as_ref()),
                cell(a.distance),
                a.priority.to_string(),
                cell(a.class_no),
                cell(a.reason.as_ref()),
                a.draw.clone().unwrap_or_else(|| id.clone()),
            ]
        }),
    )
}

/// `lottery.csv`: the transcript, every draw in the run's order, ids
/// (masked) as published.
fn lottery_csv(rows: &[LotteryRow], public: &dyn Fn(&str) -> String, draw_id: &dyn Fn(&str) -> String) -> Vec<u8> {
    let header = [
        "label",
        "school_id",
        "id",
        "priority",
        "ticket",
        "rank",
        "admitted",
        "seats",
        "choice",
        "draw_id",
    ];
    csv_text(
        &header,
        rows.iter().map(|r| {
            [
                r.label.to_string(),
                r.school_id.to_string(),
                public(&r.applicant_id),
                r.priority.to_string(),
                r.ticket.to_hex(),
                r.rank.to_string(),
                r.admitted.to_string(),
                r.seats.to_string(),
                cell(r.choice),
                draw_id(&r.applicant_id),
            ]
        }),
    )
}

/// `schools.csv`: per school its seats, admissions and cut-off.
fn schools_csv(rows: &[SchoolRow]) -> Vec<u8> {
    let header = [
        "school_id",
        "name",
        "level",
        "sector",
        "capacity",
        "applicants",
        "admitted",
        "vacancies",
        "oversubscribed",
        "cutoff_priority",
        "cutoff_ticket",
    ];
    csv_text(
        &header,
        rows.iter().map(|s| {
            [
                s.school_id.to_string(),
                s.name.to_string(),
                s.level.as_str().to_string(),
                s.sector.as_str().to_string(),
                s.capacity.to_string(),
                s.applicants.to_string(),
                s.admitted.to_string(),
                s.vacancies.to_string(),
                s.oversubscribed.to_string(),
                cell(s.cutoff_priority),
                cell(s.cutoff_ticket.map(|t| t.to_hex())),
            ]
        }),
    )
}
