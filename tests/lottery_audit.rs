//! The published-seed walkthrough of the README's "Running a verifiable
//! lottery": commit to a seed, run, explain one applicant, and recompute its
//! tickets with the system's `sha256sum`, as a parent would.

use std::path::Path;
use std::process::Command;

mod common;
use common::{catchment, demo, text, tool_available};

/// A copy of the demo with a new seed and its commitment.
fn scenario_with_seed(dir: &Path, seed: &str, commitment: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for f in ["schools.csv", "applicants.csv", "zones.geojson"] {
        std::fs::copy(demo().join(f), dir.join(f)).unwrap();
    }
    let policy = std::fs::read_to_string(demo().join("policy.toml")).unwrap();
    let policy: String = policy
        .lines()
        .map(|l| {
            if l.starts_with("seed = ") {
                format!("seed = \"{seed}\"")
            } else if l.starts_with("seed_commitment = ") {
                format!("seed_commitment = \"{commitment}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("policy.toml"), policy + "\n").unwrap();
}

#[test]
fn commit_run_explain_and_recompute_with_sha256sum() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = "Bankstown 2027 round, drawn 2027-05-10 before the notary, it's public";
    let o = catchment(["seed", "commit", "--seed", seed]);
    assert!(o.status.success());
    let commitment = text(&o.stdout).trim().to_string();
    assert_eq!(commitment.len(), 64);

    let scenario = tmp.path().join("scenario");
    scenario_with_seed(&scenario, seed, &commitment);
    let run = tmp.path().join("run");
    let o = catchment(["run", scenario.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // A twin who applied to the private school: group tickets, two stages.
    let lottery = std::fs::read_to_string(run.join("lottery.csv")).unwrap();
    let chosen = lottery
        .lines()
        .find(|l| l.starts_with("private:") && l.contains(",group:"))
        .and_then(|l| l.split(',').nth(2))
        .expect("a group in the private lottery")
        .to_string();
    let o = catchment(["explain", run.to_str().unwrap(), "--applicant", &chosen, "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let explanation: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(explanation["seed_commitment"], commitment.as_str());
    assert!(!explanation["group_members"].as_array().unwrap().is_empty());
    let steps = explanation["steps"].as_array().unwrap();
    assert!(!steps.is_empty());

    // The plain-words version names the stages and the Chinese terms.
    let o = catchment(["explain", run.to_str().unwrap(), "--applicant", &chosen]);
    let words = text(&o.stdout);
    assert!(words.contains("公民同招") && words.contains("Outcome:"), "{words}");

    let have_sha256sum = Command::new("sh")
        .args(["-c", "command -v sha256sum"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !tool_available(
        "lottery_audit",
        have_sha256sum,
        "install sha256sum (Debian package coreutils)",
    ) {
        return;
    }
    for step in steps {
        let command = step["recompute"].as_str().unwrap();
        let o = Command::new("sh").args(["-c", command]).output().unwrap();
        assert!(o.status.success(), "{command}");
        let digest = text(&o.stdout).split_whitespace().next().unwrap().to_string();
        assert_eq!(digest, step["ticket"].as_str().unwrap(), "{command}");
    }
}

#[test]
fn a_seed_that_does_not_match_the_commitment_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let committed = text(&catchment(["seed", "commit", "--seed", "the published seed"]).stdout)
        .trim()
        .to_string();
    let scenario = tmp.path().join("scenario");
    scenario_with_seed(&scenario, "a different seed", &committed);
    let run = tmp.path().join("run");
    let o = catchment(["run", scenario.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("seed does not match the published seed_commitment"),
        "{}",
        text(&o.stderr)
    );
    assert!(!run.exists());
}

#[test]
fn explain_unknown_applicant_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    assert!(
        catchment(["run", demo().to_str().unwrap(), "--out", run.to_str().unwrap()])
            .status
            .success()
    );
    let o = catchment(["explain", run.to_str().unwrap(), "--applicant", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("\"nobody\" is not in"), "{}", text(&o.stderr));
}
