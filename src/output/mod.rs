//! The run folder (spec §6): rendering each output file to bytes, and
//! writing them atomically.
//!
//! Rendering is pure ([`render`] returns the bytes of every file), so
//! `verify` can re-run a round and compare hashes without touching disk.
//! Rows are sorted by id and numbers formatted explicitly, so the bytes
//! depend only on the inputs, the seed and the version. Every file but the
//! pages and the GeoJSON is written from a type of [`records`], the same
//! type `verify` and `explain` read it back with.

mod geojson;
pub mod records;
pub(crate) mod report;
pub(crate) mod summary;
mod tables;
mod xlsx;
mod zones_file;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::lottery::sha256_hex;
use crate::round::Outcome;
use crate::scenario::Scenario;

pub use geojson::{assignments_geojson, lines_geojson, schools_geojson};
pub use records::{Manifest, ReadAs, RoundProvenance, WrittenAs};
pub use report::report_html;
pub use summary::{summary, summary_json};
pub use tables::{assignments_csv, lottery_csv, schools_csv};
pub(crate) use tables::{write_records, Table};
pub use xlsx::workbook as xlsx_workbook;
pub use zones_file::zones_geojson;

/// One output file: its name in the run folder and its bytes.
pub struct OutputFile {
    /// File name.
    pub name: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Renders every output file of a run, the manifest last.
pub fn render(scenario: &Scenario, outcome: &Outcome) -> Vec<OutputFile> {
    render_with(scenario, outcome, WrittenAs::default())
}

/// Like [`render`], with the optional outputs of `extras`: a UTF-8
/// byte-order mark on the CSV files (`--csv-bom`), `assignments.xlsx` and
/// `schools.xlsx` (`--xlsx`), `assignment_lines.geojson` (`--lines`). The
/// manifest records which, so `verify` renders the same files.
pub fn render_with(scenario: &Scenario, outcome: &Outcome, extras: WrittenAs) -> Vec<OutputFile> {
    // The summary (with its balance indicators) is computed once, for
    // `summary.json` and for the report's balance section.
    let summary = summary(scenario, outcome);
    let mut files = vec![
        OutputFile {
            name: "assignments.csv",
            bytes: assignments_csv(scenario, outcome),
        },
        OutputFile {
            name: "schools.csv",
            bytes: schools_csv(scenario, outcome),
        },
        OutputFile {
            name: "lottery.csv",
            bytes: lottery_csv(scenario, outcome),
        },
        OutputFile {
            name: "summary.json",
            bytes: pretty_json(&summary),
        },
        OutputFile {
            name: "assignments.geojson",
            bytes: assignments_geojson(scenario, outcome),
        },
        OutputFile {
            name: "schools.geojson",
            bytes: schools_geojson(scenario, outcome),
        },
    ];
    if extras.lines {
        files.push(OutputFile {
            name: "assignment_lines.geojson",
            bytes: lines_geojson(scenario, outcome),
        });
    }
    if extras.xlsx {
        for (book, table) in [("assignments.xlsx", "assignments.csv"), ("schools.xlsx", "schools.csv")] {
            let csv = files.iter().find(|f| f.name == table).map_or(&[][..], |f| &f.bytes[..]);
            files.push(OutputFile {
                name: book,
                bytes: xlsx::workbook(csv),
            });
        }
    }
    if extras.csv_bom {
        for f in files.iter_mut().filter(|f| f.name.ends_with(".csv")) {
            let mut marked = b"\xEF\xBB\xBF".to_vec();
            marked.extend_from_slice(&f.bytes);
            f.bytes = marked;
        }
    }
    files.push(OutputFile {
        name: "report.html",
        bytes: crate::html::report::page(scenario, outcome, &summary.balance),
    });
    let manifest = manifest_json(scenario, &files, extras);
    files.push(OutputFile {
        name: "manifest.json",
        bytes: manifest,
    });
    files
}

/// `manifest.json`: tool version, seed, and the SHA-256 of every input and
/// output file.
pub fn manifest_json(scenario: &Scenario, outputs: &[OutputFile], extras: WrittenAs) -> Vec<u8> {
    let manifest = Manifest {
        round: Some(RoundProvenance {
            published_seed_commitment: scenario.policy.seed_commitment.clone(),
            read_as: Some(read_as(scenario)),
            written_as: (extras != WrittenAs::default()).then_some(extras),
        }),
        ..Manifest::new(None, &scenario.policy.seed, &scenario.inputs, outputs)
    };
    pretty_json(&manifest)
}

/// How the inputs were read: their coordinate system and text encoding, so
/// `verify` can say which flags a run was made with.
pub fn read_as(scenario: &Scenario) -> ReadAs {
    ReadAs {
        crs: scenario.crs.name(),
        encoding: scenario.encoding.as_str().to_string(),
        delimiter: scenario.delimiter.map(crate::scenario::table::delimiter_name),
        repair: scenario.repair,
    }
}

impl Manifest {
    /// The manifest of a run folder written by `command` (`None` for
    /// `run`) with this seed, inputs and outputs, without the round's
    /// provenance.
    pub fn new(
        command: Option<&str>,
        seed: &str,
        inputs: &[crate::scenario::InputFile],
        outputs: &[OutputFile],
    ) -> Manifest {
        Manifest {
            tool: "catchment".to_string(),
            command: command.map(str::to_string),
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: seed.to_string(),
            seed_commitment: crate::lottery::seed_commitment(seed),
            round: None,
            inputs: inputs.iter().map(|f| (f.name.clone(), f.sha256.clone())).collect(),
            outputs: outputs
                .iter()
                .map(|f| (f.name.to_string(), sha256_hex(&f.bytes)))
                .collect(),
        }
    }
}

/// A record pretty-printed with two-space indents, and a final newline.
///
/// Serialising the run folder's records cannot fail: their maps have only
/// string keys, and the sink is a `Vec<u8>`.
#[allow(clippy::expect_used)]
pub(crate) fn pretty_json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records have string keys");
    bytes.push(b'\n');
    bytes
}

/// Writes files into `out` atomically: into a temporary folder beside it,
/// then renamed into place, so a failed run never leaves half a result. An
/// existing run folder (one with a `manifest.json`) is replaced; any other
/// non-empty folder is left alone and reported.
pub fn write_atomically(out: &Path, files: &[OutputFile]) -> Result<(), Error> {
    write_tree_atomically(out, files, &[])
}

/// Like [`write_atomically`], with sub-folders (`name`, files) written
/// inside `out` in the same temporary folder, so the whole tree appears at
/// once. A folder holding a `compare_summary.json` is replaced like a run
/// folder.
pub fn write_tree_atomically(
    out: &Path,
    files: &[OutputFile],
    subfolders: &[(&str, &[OutputFile])],
) -> Result<(), Error> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = out
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{} is not a folder name", out.display())))?
        .to_string_lossy()
        .to_string();
    if out.exists() {
        let is_run = out.join("manifest.json").is_file()
            || out.join("compare_summary.json").is_file()
            || out.join("proposed-zones.geojson").is_file();
        let is_empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !out.is_dir() || !(is_run || is_empty) {
            return Err(Error::io(
                out,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "exists and is not a run folder; choose another --out",
                ),
            ));
        }
    }
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let pause = test_write_pause();
    let written = (|| {
        for f in files {
            let path = tmp.join(f.name);
            std::fs::write(&path, &f.bytes).map_err(|e| Error::io(&path, e))?;
            if let Some(pause) = pause {
                std::thread::sleep(pause);
            }
        }
        for (name, files) in subfolders {
            let dir = tmp.join(name);
            std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            for f in *files {
                let path = dir.join(f.name);
                std::fs::write(&path, &f.bytes).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(())
}

/// The pause after each file written that the environment variable
/// `CATCHMENT_TEST_WRITE_PAUSE_MS` asks for: a test aid, so that a test can
/// kill a run while it writes (tests/trust_input.rs). Unset: no pause.
fn test_write_pause() -> Option<std::time::Duration> {
    let ms: u64 = std::env::var("CATCHMENT_TEST_WRITE_PAUSE_MS").ok()?.parse().ok()?;
    Some(std::time::Duration::from_millis(ms.min(60_000)))
}

/// Removes the temporary folders beside `out` that an interrupted write
/// into `out` left behind (`.NAME.tmp-PID` and `.NAME.old-PID`, written by
/// [`write_tree_atomically`]) when their process is gone; returns them.
///
/// A folder whose process still runs (another write into the same place)
/// is left alone, and so is every folder where it cannot be told whether
/// its process runs (outside Linux, which has no `/proc`).
pub fn remove_stale_temporaries(out: &Path) -> Vec<PathBuf> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = stale_pid(&file_name, &name) else {
            continue;
        };
        if pid == std::process::id() || process_may_run(pid) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() && std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// The process id in `.NAME.tmp-PID` or `.NAME.old-PID`.
fn stale_pid(file_name: &str, name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?;
    let pid = rest.strip_prefix(".tmp-").or_else(|| rest.strip_prefix(".old-"))?;
    pid.parse().ok()
}

/// False only when the process is known to be gone.
fn process_may_run(pid: u32) -> bool {
    let proc_root = Path::new("/proc/self");
    if !proc_root.exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Writes one file into `dir` atomically (a temporary file beside it,
/// renamed into place), creating `dir` if needed; an existing file of that
/// name is replaced.
pub fn write_file_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let path = dir.join(name);
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&path, e)
    })
}

#[cfg(test)]
mod stale_tests {
    use super::*;

    #[test]
    fn stale_names_are_recognised() {
        assert_eq!(stale_pid(".run.tmp-123", "run"), Some(123));
        assert_eq!(stale_pid(".run.old-7", "run"), Some(7));
        assert_eq!(stale_pid(".run2.tmp-123", "run"), None);
        assert_eq!(stale_pid(".run.tmp-x", "run"), None);
        assert_eq!(stale_pid("run.tmp-1", "run"), None);
    }

    #[test]
    fn only_folders_of_gone_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        // A pid above the kernel's pid_max (4194304) never runs.
        let gone = tmp.path().join(".run.tmp-4999999");
        let mine = tmp.path().join(format!(".run.tmp-{}", std::process::id()));
        let other = tmp.path().join(".other.tmp-4999999");
        for d in [&gone, &mine, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("assignments.csv"), "x").unwrap();
        }
        let removed = remove_stale_temporaries(&out);
        if Path::new("/proc/self").exists() {
            assert_eq!(removed, vec![gone.clone()]);
            assert!(!gone.exists());
        } else {
            assert!(removed.is_empty());
        }
        assert!(mine.exists() && other.exists());
    }
}
