//! A run folder whose files are missing or not as `run` wrote them is
//! invalid input (exit 1) with a message naming the file, the line and the
//! column, not an I/O error (exit 3): `explain` and `verify` read the
//! folder through the same typed records `run` writes.

use std::path::{Path, PathBuf};

mod common;
use common::{catchment, demo, text};

/// A fresh run of the demo district in a temporary folder.
fn demo_run(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    let o = catchment(["run", demo().to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    run
}

fn explain(run: &Path) -> std::process::Output {
    catchment(["explain", run.to_str().unwrap(), "--applicant", "p00001"])
}

fn verify(run: &Path) -> std::process::Output {
    catchment(["verify", demo().to_str().unwrap(), run.to_str().unwrap()])
}

#[test]
fn a_truncated_manifest_is_invalid_input_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    let manifest = run.join("manifest.json");
    let bytes = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &bytes[..bytes.len() / 2]).unwrap();
    for o in [explain(&run), verify(&run)] {
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("manifest.json:"), "{err}");
        assert!(
            err.contains("not as `catchment run` writes it: EOF while parsing"),
            "{err}"
        );
    }
}

#[test]
fn a_broken_assignments_row_names_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    let path = run.join("assignments.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    // Line 3: the priority column (the 7th) is not a number; line 5: the
    // stage column (the 4th) is no stage.
    for (line, column, value) in [(3, 6, "first"), (5, 3, "lottery")] {
        let mut fields: Vec<&str> = lines[line - 1].split(',').collect();
        fields[column] = value;
        lines[line - 1] = fields.join(",");
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let o = explain(&run);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("assignments.csv:3: not as `catchment run` writes it: column priority:"),
        "{err}"
    );

    // verify lists both among the differences it found.
    let o = verify(&run);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("assignments.csv:3: column priority:"), "{err}");
    assert!(err.contains("assignments.csv:5: \"lottery\" is not a stage"), "{err}");
}

#[test]
fn a_missing_run_file_is_named_and_is_invalid_input() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path());
    std::fs::remove_file(run.join("lottery.csv")).unwrap();
    let o = explain(&run);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("lottery.csv: file is missing"), "{err}");
    let o = catchment(["--json", "explain", run.to_str().unwrap(), "--applicant", "p00001"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["exit_code"], 1);
    assert!(json["path"].as_str().unwrap().ends_with("lottery.csv"), "{json}");
}

#[test]
fn a_folder_that_is_no_run_folder_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let o = catchment(["explain", tmp.path().to_str().unwrap(), "--applicant", "p00001"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("manifest.json: file is missing; is this a run folder"),
        "{err}"
    );
}
