//! The independent checker (`catchment::audit`) on real run folders: it
//! passes every rule and fallback on the demo and on generated cities, and
//! it names the applicant when a run folder is tampered with.

mod common;

use std::path::Path;

use catchment::audit::{check_run_folder, Audit};
use catchment::scenario::{self, LoadOptions};
use catchment::synth::{write_scenario, SynthParams};
use common::{catchment, demo, text};

/// Runs `catchment run` on `dir` into `out` and audits the result.
fn run_and_audit(dir: &Path, out: &Path) -> Audit {
    let o = catchment(["run", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let scenario = scenario::load(dir, &LoadOptions::default()).unwrap();
    check_run_folder(&scenario, out).unwrap()
}

fn assert_clean(audit: &Audit, what: &str) {
    let shown: Vec<String> = audit.findings.iter().take(10).map(|f| f.to_string()).collect();
    assert!(
        audit.findings.is_empty(),
        "{what}: {} finding(s):\n{}",
        audit.findings.len(),
        shown.join("\n")
    );
    assert!(
        audit.not_checked.is_empty(),
        "{what}: not checked: {:?}",
        audit.not_checked
    );
}

/// The demo with its policy changed by `edit` (a copy in a temporary folder).
fn demo_with(tmp: &Path, name: &str, edit: impl Fn(&str) -> String) -> std::path::PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(demo()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let policy = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    std::fs::write(dir.join("policy.toml"), edit(&policy)).unwrap();
    dir
}

#[test]
fn demo_passes_under_every_rule_and_fallback() {
    let tmp = tempfile::tempdir().unwrap();
    assert_clean(&run_and_audit(&demo(), &tmp.path().join("run")), "demo");
    let cases: [(&str, &str, &str); 6] = [
        ("nearest", "rule = \"zone\"", "rule = \"nearest\""),
        ("optimal", "rule = \"zone\"", "rule = \"optimal\""),
        ("multiple", "tie_breaking = \"single\"", "tie_breaking = \"multiple\""),
        ("separate", "groups = \"together\"", "groups = \"separate\""),
        ("fallback-none", "rule = \"nearest_vacancy\"", "rule = \"none\""),
        ("fallback-optimal", "rule = \"nearest_vacancy\"", "rule = \"optimal\""),
    ];
    for (name, from, to) in cases {
        let dir = demo_with(tmp.path(), name, |p| {
            assert!(p.contains(from), "{name}: the demo policy has no {from}");
            p.replacen(from, to, 1)
        });
        assert_clean(&run_and_audit(&dir, &tmp.path().join(format!("{name}-run"))), name);
    }
}

#[test]
fn generated_cities_pass() {
    let tmp = tempfile::tempdir().unwrap();
    for (seed, rule) in [(1, "zone"), (2, "nearest"), (3, "optimal")] {
        let dir = tmp.path().join(format!("city-{seed}"));
        let params = SynthParams {
            applicants: 4_000,
            schools: 40,
            private: 3,
            seed,
            rule: rule.to_string(),
            seat_ratio: Some(0.95),
            ..SynthParams::default()
        };
        write_scenario(&params, &dir).unwrap();
        assert_clean(&run_and_audit(&dir, &tmp.path().join(format!("run-{seed}"))), rule);
    }
}

/// An edit of one row's cells.
type Edit = Box<dyn Fn(Vec<String>) -> Vec<String>>;

/// Rewrites one applicant's row of `assignments.csv` with `edit`.
fn tamper(run: &Path, id: &str, edit: impl Fn(Vec<String>) -> Vec<String>) {
    let path = run.join("assignments.csv");
    let body = std::fs::read_to_string(&path).unwrap();
    let out: Vec<String> = body
        .lines()
        .map(|line| {
            let cells: Vec<String> = line.split(',').map(str::to_string).collect();
            if cells[0] == id {
                edit(cells).join(",")
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

#[test]
fn tampering_is_found_and_names_the_applicant() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    assert_clean(&run_and_audit(&demo(), &run), "demo");
    let scenario = scenario::load(&demo(), &LoadOptions::default()).unwrap();
    let rows = std::fs::read_to_string(run.join("assignments.csv")).unwrap();
    // A zone-stage pupil and an unplaced applicant, from the file.
    let zone_row: Vec<&str> = rows
        .lines()
        .find(|l| l.contains(",zone,"))
        .unwrap()
        .split(',')
        .collect();
    let unplaced: Vec<&str> = rows
        .lines()
        .find(|l| l.contains(",unplaced,"))
        .unwrap()
        .split(',')
        .collect();
    let (zid, uid) = (zone_row[0].to_string(), unplaced[0].to_string());

    let cases: Vec<(&str, String, Edit)> = vec![
        (
            "changed ticket",
            zid.clone(),
            Box::new(|mut c| {
                c[7] = "0".repeat(64);
                c
            }),
        ),
        (
            "wrong class",
            zid.clone(),
            Box::new(|mut c| {
                c[8] = "99".to_string();
                c
            }),
        ),
        // The unplaced applicant seated at the zone pupil's school: one
        // over capacity, and the fallback replay disagrees.
        ("moved pupil", uid.clone(), {
            let school = zone_row[2].to_string();
            Box::new(move |mut c| {
                c[2] = school.clone();
                c[3] = "fallback".to_string();
                c[5] = "100.0".to_string();
                c[8] = "1".to_string();
                c[9] = String::new();
                c
            })
        }),
    ];
    for (what, id, edit) in cases {
        let copy = tmp.path().join(what.replace(' ', "-"));
        std::fs::create_dir_all(&copy).unwrap();
        for f in ["assignments.csv", "schools.csv"] {
            std::fs::copy(run.join(f), copy.join(f)).unwrap();
        }
        tamper(&copy, &id, edit);
        let audit = check_run_folder(&scenario, &copy).unwrap();
        assert!(
            audit
                .findings
                .iter()
                .any(|f| f.applicant.as_deref() == Some(id.as_str())),
            "{what}: no finding names {id}: {:?}",
            audit.findings
        );
    }
    // A zone-stage pupil turned away: its seat is free, so the pupil now
    // blocks with its own school (stability by brute force). Groups drawn
    // separately, so that every school is checked.
    let separate = demo_with(tmp.path(), "separate", |p| {
        p.replacen("groups = \"together\"", "groups = \"separate\"", 1)
    });
    let copy = tmp.path().join("turned-away");
    assert_clean(&run_and_audit(&separate, &copy), "separate");
    let scenario_separate = scenario::load(&separate, &LoadOptions::default()).unwrap();
    tamper(&copy, &zid, |mut c| {
        c[2] = String::new();
        c[3] = "unplaced".to_string();
        c[5] = String::new();
        c[8] = String::new();
        c[9] = "no_capacity".to_string();
        c
    });
    let audit = check_run_folder(&scenario_separate, &copy).unwrap();
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.applicant.as_deref() == Some(zid.as_str()) && f.message.contains("blocking pair")),
        "{:?}",
        audit.findings
    );
    // A deleted row.
    let copy = tmp.path().join("deleted");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(run.join("schools.csv"), copy.join("schools.csv")).unwrap();
    let kept: Vec<&str> = rows.lines().filter(|l| !l.starts_with(&format!("{zid},"))).collect();
    std::fs::write(copy.join("assignments.csv"), kept.join("\n") + "\n").unwrap();
    let audit = check_run_folder(&scenario, &copy).unwrap();
    assert!(audit
        .findings
        .iter()
        .any(|f| f.applicant.as_deref() == Some(zid.as_str()) && f.message.contains("no row")));
}
