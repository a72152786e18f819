//! End-to-end: the real binary on the bundled demo district.

use std::path::Path;
use std::process::Command;

mod common;
use common::{catchment, demo, text};

const OUTPUTS: [&str; 6] = [
    "assignments.csv",
    "assignments.geojson",
    "schools.csv",
    "lottery.csv",
    "summary.json",
    "manifest.json",
];

#[test]
fn demo_run_verify_and_tamper() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = catchment(["run", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in OUTPUTS {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No temporary folder is left beside the run.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    let o = catchment(["verify", demo().to_str().unwrap(), out.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));

    // A second run over the same folder gives the same bytes.
    let first: Vec<Vec<u8>> = OUTPUTS.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
    let o = catchment(["run", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let second: Vec<Vec<u8>> = OUTPUTS.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
    assert!(first == second, "outputs differ between two runs");

    // Change one row of assignments.csv: verify fails and names the file.
    let path = out.join("assignments.csv");
    let csv = text(&std::fs::read(&path).unwrap());
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let i = lines.iter().position(|l| l.contains(",zone,")).unwrap();
    lines[i] = lines[i].replacen(",zone,", ",fallback,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = catchment(["verify", demo().to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("assignments.csv: file on disk"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn demo_outputs_are_sane() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = catchment(["run", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for level in ["primary", "junior"] {
        let stages = &summary["levels"][level]["stages"];
        // The demo exercises every stage of a zone round.
        for stage in ["private_lottery", "zone", "fallback"] {
            assert!(stages[stage].as_u64().unwrap() > 0, "{level} {stage}: {stages}");
        }
        assert!(summary["levels"][level]["oversubscribed_schools"].as_u64().unwrap() > 0);
    }
    let assignments = text(&std::fs::read(out.join("assignments.csv")).unwrap());
    let rows = assignments.lines().count() - 1;
    assert_eq!(rows as u64, summary["totals"]["applicants"].as_u64().unwrap());
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["run", "check", "verify", "generate", "explain"] {
        let o = catchment([cmd, "--help"]);
        assert!(o.status.success());
        assert!(text(&o.stdout).contains("Example:"), "{cmd}");
    }
    assert_eq!(catchment(["frobnicate"]).status.code(), Some(2));
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("run{threads}"));
        let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
            .args(["run", demo().to_str().unwrap(), "--out", out.to_str().unwrap()])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        runs.push(OUTPUTS.map(|f| std::fs::read(out.join(f)).unwrap()));
    }
    assert!(runs[0] == runs[1], "outputs differ between 1 and 2 threads");
}

/// The line the README promises for its first command is what the demo
/// prints.
#[test]
fn readme_shows_the_demo_line_as_printed() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let promised = readme
        .lines()
        .find(|l| l.starts_with("wrote runs/demo: "))
        .expect("README shows the demo's line");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = catchment(["run", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let printed = text(&o.stdout).replace(out.to_str().unwrap(), "runs/demo");
    assert_eq!(printed.trim_end(), promised);
}
