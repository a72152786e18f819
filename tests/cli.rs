//! The command line itself: --quiet, --verbose, --json, --version,
//! completions and the manual page, on the real binary.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{catchment, demo, text};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Stdout as exactly one line holding one JSON object.
fn json_line(o: &Output) -> Value {
    let stdout = text(&o.stdout);
    assert_eq!(stdout.lines().count(), 1, "not one line: {stdout}");
    let value: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(value.is_object(), "{stdout}");
    value
}

/// Data rows of the demo's applicants.csv (header left out).
fn demo_applicants() -> u64 {
    let csv = text(&std::fs::read(demo().join("applicants.csv")).unwrap());
    csv.lines().skip(1).filter(|l| !l.trim().is_empty()).count() as u64
}

#[test]
fn quiet_run_prints_nothing_on_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = catchment(["--quiet", "run", path(&demo()), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    assert!(out.join("manifest.json").is_file());
    // Without --quiet the same run prints its summary line.
    let o = catchment(["run", path(&demo()), "--out", path(&out)]);
    assert!(text(&o.stdout).starts_with("wrote "), "{}", text(&o.stdout));
}

#[test]
fn verbose_run_shows_counts_phases_and_files_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = catchment(["-v", "run", path(&demo()), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains(&format!("{} applicants", demo_applicants())),
        "{stderr}"
    );
    assert!(stderr.contains("matching"), "{stderr}");
    assert!(stderr.contains("assignments.csv"), "{stderr}");
    assert_eq!(text(&o.stdout).lines().count(), 1);
    // --quiet and --verbose together are a usage error.
    assert_eq!(catchment(["-q", "-v", "check", path(&demo())]).status.code(), Some(2));
}

#[test]
fn json_run_check_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let n = demo_applicants();

    let o = catchment(["--json", "run", path(&demo()), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = json_line(&o);
    assert_eq!(run["command"], "run");
    assert_eq!(run["ok"], true);
    assert_eq!(run["applicants"].as_u64(), Some(n));
    assert_eq!(run["placed"].as_u64().unwrap() + run["unplaced"].as_u64().unwrap(), n);
    assert_eq!(run["out"].as_str(), Some(path(&out)));

    let o = catchment(["check", path(&demo()), "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let check = json_line(&o);
    assert_eq!(check["command"], "check");
    assert_eq!(check["applicants"].as_u64(), Some(n));
    assert_eq!(check["errors"], 0);
    let diagnostics = check["diagnostics"].as_array().unwrap();
    assert_eq!(Some(diagnostics.len() as u64), check["warnings"].as_u64());
    assert!(diagnostics.iter().all(|d| d["severity"] == "warning"));

    let o = catchment(["verify", path(&demo()), path(&out), "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let verify = json_line(&o);
    assert_eq!(verify["command"], "verify");
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["invariants_hold"], true);
    assert!(verify["files"].as_u64().unwrap() >= 6);

    // A tampered run folder: exit 1, and the JSON lists the problem.
    let summary = out.join("summary.json");
    let mut bytes = std::fs::read(&summary).unwrap();
    bytes.push(b'\n');
    std::fs::write(&summary, bytes).unwrap();
    let o = catchment(["--json", "verify", path(&demo()), path(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let failed = json_line(&o);
    assert_eq!(failed["ok"], false);
    assert_eq!(failed["exit_code"], 1);
    let problems = failed["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p.as_str().unwrap().contains("summary.json")),
        "{failed}"
    );
}

#[test]
fn json_check_of_a_bad_scenario_lists_the_diagnostic() {
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs/ragged_row");
    let o = catchment(["--json", "check", path(&bad)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // Errors still go to stderr.
    assert!(
        text(&o.stderr).contains("applicants.csv:4: error"),
        "{}",
        text(&o.stderr)
    );
    let check = json_line(&o);
    assert_eq!(check["command"], "check");
    assert_eq!(check["ok"], false);
    assert_eq!(check["exit_code"], 1);
    assert_eq!(check["errors"], 1);
    let d = &check["diagnostics"][0];
    assert_eq!(d["file"], "applicants.csv");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["kind"], "line");
    assert_eq!(d["location"]["line"], 4);
    assert!(d["message"].as_str().unwrap().contains("11 fields"), "{d}");
}

#[test]
fn json_usage_and_io_errors_keep_their_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let o = catchment(["--json", "compare", path(&demo()), "--out", path(&tmp.path().join("c"))]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_line(&o)["exit_code"], 2);
    // Arguments the parser rejects still give one JSON object.
    let o = catchment(["--json", "run", path(&demo()), "--seedd", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let usage = json_line(&o);
    assert_eq!(
        (usage["ok"].clone(), usage["exit_code"].clone()),
        (Value::Bool(false), Value::from(2))
    );
    assert!(usage["error"].as_str().unwrap().contains("--seedd"), "{usage}");
    let o = catchment(["--json", "--crs", "wgs99", "check", path(&demo())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(json_line(&o)["error"].as_str().unwrap().contains("wgs99"));
    assert!(
        text(&o.stderr).contains("expected wgs84, gcj02, bd09 or EPSG:NNNN"),
        "{}",
        text(&o.stderr)
    );
    let o = catchment(["--json", "balance", path(&tmp.path().join("missing"))]);
    assert_eq!(o.status.code(), Some(3));
    assert!(!text(&o.stderr).is_empty());
}

#[test]
fn json_of_generate_and_seed_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gen");
    let o = catchment([
        "--json",
        "generate",
        "--applicants",
        "300",
        "--schools",
        "6",
        "--out",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let generate = json_line(&o);
    assert_eq!(generate["applicants"], 300);
    assert_eq!(generate["schools"], 6);

    let o = catchment(["seed", "commit", "--seed", "x", "--json"]);
    let hash = json_line(&o)["seed_commitment"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    // --quiet keeps a command's result: the hash is what was asked for.
    let o = catchment(["-q", "seed", "commit", "--seed", "x"]);
    assert_eq!(text(&o.stdout).trim(), hash);
}

#[test]
fn explain_takes_the_global_json_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert!(catchment(["-q", "run", path(&demo()), "--out", path(&out)])
        .status
        .success());
    for args in [
        vec!["explain", path(&out), "--applicant", "p00001", "--json"],
        vec!["--json", "explain", path(&out), "--applicant", "p00001"],
    ] {
        let o = catchment(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["applicant_id"], "p00001");
    }
}

#[test]
fn version_names_the_commit() {
    let o = catchment(["--version"]);
    assert!(o.status.success());
    let version = text(&o.stdout);
    assert!(
        version.starts_with(&format!("catchment {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let commit = version
        .split_once("(commit ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(c, _)| c)
        .unwrap_or_else(|| panic!("no commit in {version:?}"));
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    // Built from a git work tree, the hash is known; from a tarball, "unknown".
    let from_git = Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists();
    if from_git {
        assert!(
            hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{version:?}"
        );
    } else {
        assert_eq!(hash, "unknown");
    }
}

#[test]
fn completions_and_man_page() {
    let o = catchment(["completions", "bash"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let script = text(&o.stdout);
    assert!(script.contains("catchment"), "{script}");
    assert!(script.contains("plan-classes"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = catchment(["completions", shell]);
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}");
    }
    assert_eq!(catchment(["completions", "tcsh"]).status.code(), Some(2));

    let o = catchment(["man"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let page = text(&o.stdout);
    assert!(page.starts_with('.'), "{}", &page[..page.len().min(200)]);
    assert!(page.lines().any(|l| l.starts_with(".TH catchment 1")), "no .TH header");
    assert!(page.contains("verify"));
}

#[test]
fn help_explains_the_workflow_and_exit_codes() {
    let o = catchment(["--help"]);
    assert!(o.status.success());
    let help = text(&o.stdout);
    for word in [
        "check",
        "run",
        "verify",
        "explain",
        "Exit codes",
        "--quiet",
        "--verbose",
        "--json",
    ] {
        assert!(help.contains(word), "{word} missing from --help");
    }
}

#[test]
fn verify_names_the_crs_a_run_was_made_with() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = catchment(["--crs", "gcj02", "run", path(&demo()), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["read_as"]["crs"], "gcj02");
    assert_eq!(manifest["read_as"]["encoding"], "utf-8");

    // verify reads the scenario as the manifest says the run did; a flag
    // given to verify that differs is named.
    let o = catchment(["verify", "--crs", "wgs84", path(&demo()), path(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("this run was made with --crs gcj02, and the scenario is now read as wgs84"),
        "{}",
        text(&o.stderr)
    );
    let demo = demo();
    for args in [&["verify", "--crs", "gcj02"][..], &["verify"][..]] {
        let mut args = args.to_vec();
        args.extend([path(&demo), path(&out)]);
        let o = catchment(&args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }
}
