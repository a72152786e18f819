//! `verify` speaks in ids, and the senior round is a first-class run
//! (issue 20): a tampered run folder is reported by the applicant, school
//! and column concerned, never by an internal index or a debug print, at
//! most 20 differences and then their count; `verify` and `explain` work on
//! a senior run folder, and the senior policy takes a `seed_commitment`.

use std::path::{Path, PathBuf};

mod common;
use common::{catchment, demo, text};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh run of the demo district.
fn demo_run(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    let o = catchment(["run", path(&demo()), "--out", path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    run
}

/// A fresh run of the demo's senior round.
fn senior_run(tmp: &Path) -> PathBuf {
    let run = tmp.join("senior-run");
    let o = catchment(["senior", path(&demo().join("senior")), "--out", path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    run
}

/// The lines of a CSV file, header first.
fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(file: &Path, lines: &[String]) {
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// The cells of a CSV line (the run's ids and tickets hold no commas).
fn cells(line: &str) -> Vec<String> {
    line.split(',').map(str::to_string).collect()
}

/// The differences `verify` listed (its stderr lines after the first).
fn differences(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .skip_while(|l| !l.contains("verification failed"))
        .skip(1)
        .collect()
}

/// No internal index, no debug print of a round's types.
fn no_internals(stderr: &str) {
    for internal in [
        "Placement {",
        "Some(",
        "None",
        "AppIdx",
        "SchoolIdx",
        "UnitIdx",
        "stage: ",
    ] {
        assert!(!stderr.contains(internal), "debug print {internal:?} in:\n{stderr}");
    }
}

/// A tampering of `assignments.csv`: returns the applicant it concerns and
/// a column (or phrase) the difference must name.
type Tamper = fn(&mut Vec<String>) -> (String, &'static str);

/// Moves the first pupil placed by its zone to another school of its
/// level that placed someone by zone.
// One signature for every tampering (others add or remove rows).
#[allow(clippy::ptr_arg)]
fn move_pupil(rows: &mut Vec<String>) -> (String, &'static str) {
    let i = rows.iter().position(|l| cells(l)[3] == "zone").unwrap();
    let mut me = cells(&rows[i]);
    let other = rows[1..]
        .iter()
        .map(|l| cells(l))
        .find(|c| c[3] == "zone" && c[1] == me[1] && c[2] != me[2])
        .unwrap();
    me[2] = other[2].clone();
    rows[i] = me.join(",");
    (me[0].clone(), "school_id")
}

/// Changes one applicant's ticket (the 8th column) to another valid one.
// One signature for every tampering (others add or remove rows).
#[allow(clippy::ptr_arg)]
fn change_ticket(rows: &mut Vec<String>) -> (String, &'static str) {
    let mut me = cells(&rows[7]);
    let other = cells(&rows[8])[7].clone();
    assert_ne!(me[7], other);
    me[7] = other;
    rows[7] = me.join(",");
    (me[0].clone(), "ticket")
}

/// Deletes one applicant's row.
fn delete_row(rows: &mut Vec<String>) -> (String, &'static str) {
    let gone = rows.remove(11);
    (cells(&gone)[0].clone(), "row missing")
}

/// Adds a row for an applicant the scenario does not have.
fn add_row(rows: &mut Vec<String>) -> (String, &'static str) {
    let mut extra = cells(&rows[1]);
    extra[0] = "zz-added".to_string();
    rows.push(extra.join(","));
    ("zz-added".to_string(), "added row")
}

#[test]
fn verify_names_the_tampered_applicant() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    let original = lines(&run.join("assignments.csv"));
    let cases: [(&str, Tamper); 4] = [
        ("one moved pupil", move_pupil),
        ("one changed ticket", change_ticket),
        ("one deleted row", delete_row),
        ("one added row", add_row),
    ];
    for (name, tamper) in cases {
        let mut rows = original.clone();
        let (applicant, column) = tamper(&mut rows);
        write_lines(&run.join("assignments.csv"), &rows);
        let o = catchment(["verify", path(&demo()), path(&run)]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        let found = differences(&err);
        // The first difference is the row itself, by its applicant id.
        let first = found.first().copied().unwrap_or_default();
        assert!(
            first.starts_with("assignments.csv") && first.contains(&format!("applicant {applicant}")),
            "{name}: the first difference does not name applicant {applicant}:\n{err}"
        );
        assert!(first.contains(column), "{name}: {column:?} not named:\n{err}");
        assert!(found.len() <= 21, "{name}: {} lines:\n{err}", found.len());
        no_internals(&err);
    }
    // Untampered again: verify passes.
    write_lines(&run.join("assignments.csv"), &original);
    let o = catchment(["verify", path(&demo()), path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn a_moved_pupil_names_both_schools() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    let mut rows = lines(&run.join("assignments.csv"));
    let i = rows.iter().position(|l| cells(l)[3] == "zone").unwrap();
    let before = cells(&rows[i]);
    move_pupil(&mut rows);
    let after = cells(&rows[i]);
    write_lines(&run.join("assignments.csv"), &rows);
    let o = catchment(["verify", path(&demo()), path(&run)]);
    let err = text(&o.stderr);
    let want = format!(
        "assignments.csv:{}: applicant {} (school {}): school_id is \"{}\", the re-run gives \"{}\"",
        i + 1,
        before[0],
        before[2],
        after[2],
        before[2]
    );
    assert_eq!(differences(&err).first().copied(), Some(want.as_str()), "{err}");
}

#[test]
fn at_most_twenty_differences_then_their_count() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    let mut rows = lines(&run.join("assignments.csv"));
    // 30 tickets swapped between neighbours: 30 rows differ, and more
    // findings follow from them.
    for i in (1..=60).step_by(2) {
        let (mut a, mut b) = (cells(&rows[i]), cells(&rows[i + 1]));
        std::mem::swap(&mut a[7], &mut b[7]);
        rows[i] = a.join(",");
        rows[i + 1] = b.join(",");
    }
    write_lines(&run.join("assignments.csv"), &rows);
    let o = catchment(["verify", path(&demo()), path(&run)]);
    let err = text(&o.stderr);
    let found = differences(&err);
    assert_eq!(found.len(), 21, "{err}");
    for (k, d) in found[..20].iter().enumerate() {
        let applicant = &cells(&rows[k + 1])[0];
        assert!(
            d.starts_with(&format!("assignments.csv:{}: applicant {applicant}", k + 2)) && d.contains("ticket is"),
            "{d}"
        );
    }
    let last = found[20];
    let total: usize = last
        .rsplit_once(", ")
        .and_then(|(_, t)| t.strip_suffix(" in all"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no count in {last:?}"));
    assert!(total >= 60, "{last}");
    assert_eq!(last, format!("… and {} more difference(s), {total} in all", total - 20));
}

#[test]
fn verify_and_explain_work_on_a_senior_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = senior_run(tmp.path());
    let senior = demo().join("senior");
    let o = catchment(["verify", path(&senior), path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("ok: "), "{}", text(&o.stdout));

    // The district folder is not the senior folder: said, with the command.
    let o = catchment(["verify", path(&demo()), path(&run)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is a run folder of the senior round"), "{err}");
    assert!(err.contains(&format!("catchment verify {}", senior.display())), "{err}");

    // explain on the candidate of line 2, admitted or not: its ticket is
    // SHA-256 of the seed, its label and its id.
    let rows = lines(&run.join("assignments.csv"));
    let placed = rows.iter().find(|l| cells(l)[5] == "quota").unwrap();
    for row in [&rows[1], placed] {
        let c = cells(row);
        let o = catchment(["--json", "explain", path(&run), "--applicant", &c[0]]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["candidate_id"], c[0].as_str());
        assert_eq!(json["stage"], c[5].as_str());
        assert_eq!(json["ticket"], c[7].as_str());
        let seed = json["seed"].as_str().unwrap();
        let label = json["label"].as_str().unwrap();
        if c[5] == "quota" {
            assert_eq!(label, format!("quota:{}", c[4]));
        }
        let ticket = catchment::lottery::ticket(seed, label, &c[0]).to_hex();
        assert_eq!(ticket, c[7], "{json}");
        let o = catchment(["explain", path(&run), "--applicant", &c[0]]);
        let words = text(&o.stdout);
        assert!(words.starts_with(&format!("Candidate {} ", c[0])), "{words}");
        assert!(words.contains(&format!("ticket {}", c[7])), "{words}");
    }

    // A moved candidate is named.
    let mut tampered = rows.clone();
    let i = rows.iter().position(|l| cells(l)[5] == "open").unwrap();
    let mut c = cells(&rows[i]);
    let other = rows[1..]
        .iter()
        .map(|l| cells(l))
        .find(|o| o[4] != c[4] && !o[4].is_empty())
        .unwrap();
    c[4] = other[4].clone();
    tampered[i] = c.join(",");
    write_lines(&run.join("assignments.csv"), &tampered);
    let o = catchment(["verify", path(&senior), path(&run)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let first = differences(&err).first().copied().unwrap_or_default().to_string();
    assert!(
        first.starts_with(&format!("assignments.csv:{}: candidate {} ", i + 1, c[0]))
            && first.contains("senior_school"),
        "{err}"
    );
    assert!(
        err.contains(&format!("candidate {}, senior school {}", c[0], c[4])),
        "{err}"
    );
    no_internals(&err);
}

/// Copies the demo's senior folder with `extra` appended to its policy.
fn senior_folder_with(tmp: &Path, extra: &str) -> PathBuf {
    let dir = tmp.join("senior");
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "candidates.csv",
        "junior_schools.csv",
        "senior_schools.csv",
        "policy.toml",
    ] {
        std::fs::copy(demo().join("senior").join(f), dir.join(f)).unwrap();
    }
    let policy = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    std::fs::write(dir.join("policy.toml"), format!("{extra}\n{policy}")).unwrap();
    dir
}

#[test]
fn the_senior_policy_takes_a_seed_commitment() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(demo().join("senior/policy.toml")).unwrap();
    let seed: String = policy
        .lines()
        .find_map(|l| l.strip_prefix("seed = "))
        .map(|s| serde_json::from_str(s).unwrap())
        .unwrap();
    let good = catchment::lottery::seed_commitment(&seed);

    let dir = senior_folder_with(&tmp.path().join("good"), &format!("seed_commitment = \"{good}\""));
    let run = tmp.path().join("good-run");
    let o = catchment(["senior", path(&dir), "--out", path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["published_seed_commitment"], good.as_str());
    assert_eq!(manifest["seed_commitment"], good.as_str());
    let o = catchment(["verify", path(&dir), path(&run)]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // Another seed's commitment: refused, nothing written.
    let other = catchment::lottery::seed_commitment("another seed");
    let dir = senior_folder_with(&tmp.path().join("bad"), &format!("seed_commitment = \"{other}\""));
    let run = tmp.path().join("bad-run");
    let o = catchment(["senior", path(&dir), "--out", path(&run)]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "policy.toml:1: error: seed does not match the published seed_commitment {other}"
        )),
        "{err}"
    );
    assert!(!run.exists());

    // Without a commitment the manifest keeps the bytes it had: no field.
    let run = senior_run(tmp.path());
    let text_manifest = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    assert!(!text_manifest.contains("published_seed_commitment"), "{text_manifest}");
}
