//! The run folder (spec §6): rendering each output file to bytes, and
//! writing them atomically.
//!
//! Rendering is pure ([`render`] returns the bytes of every file), so
//! `verify` can re-run a round and compare hashes without touching disk.
//! Rows are sorted by id and numbers formatted explicitly, so the bytes
//! depend only on the inputs, the seed and the version. Every file but the
//! pages and the GeoJSON is written from a type of [`records`], the same
//! type `verify` and `explain` read it back with.

mod csv_row;
mod geojson;
pub mod records;
pub(crate) mod report;
pub(crate) mod summary;
mod tables;
mod xlsx;
mod zones_file;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

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
///
/// The files are rendered in parallel and collected in the run folder's
/// order, so the bytes do not depend on the number of threads.
pub fn render_with(scenario: &Scenario, outcome: &Outcome, extras: WrittenAs) -> Vec<OutputFile> {
    let folder = RunFolder::new(scenario, outcome, extras);
    let mut files: Vec<OutputFile> = folder
        .names()
        .into_par_iter()
        .with_max_len(1)
        .map(|name| {
            let mut bytes = Vec::new();
            // Writing into a `Vec` cannot fail.
            #[allow(clippy::expect_used)]
            folder
                .render_into(name, &mut bytes)
                .expect("writing into a Vec cannot fail");
            OutputFile { name, bytes }
        })
        .collect();
    let hashes: Vec<(String, String)> = files
        .par_iter()
        .map(|f| (f.name.to_string(), sha256_hex(&f.bytes)))
        .collect();
    files.push(OutputFile {
        name: "manifest.json",
        bytes: manifest_from_hashes(scenario, hashes, extras),
    });
    files
}

/// A file written into the run folder: its name, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// File name.
    pub name: &'static str,
    /// Its size in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
}

/// Runs the round of `scenario` and writes its run folder into `out`:
/// what `catchment run` does after loading, and what `catchment bench`
/// times (one code path, so the bench's whole run is `run`'s).
///
/// `observer` is told each phase of the round, then "render and write"
/// (see [`write_run_folder`]). `before_write` sees the outcome and the
/// observer before anything is written; its error (e.g. `--strict` with
/// warnings) stops the run with nothing written. Temporary folders that an
/// interrupted write into `out` left behind are removed first and
/// returned, for the caller to mention.
pub fn run_into_folder<O: crate::round::PhaseObserver>(
    out: &Path,
    scenario: &Scenario,
    extras: WrittenAs,
    observer: &mut O,
    before_write: impl FnOnce(&Outcome, &O) -> Result<(), Error>,
) -> Result<RunWritten, Error> {
    let outcome = crate::round::run_timed(scenario, observer);
    before_write(&outcome, observer)?;
    let stale = remove_stale_temporaries(out);
    let started = std::time::Instant::now();
    let files = write_run_folder(out, scenario, &outcome, extras)?;
    observer.phase("render and write", started.elapsed());
    Ok(RunWritten { outcome, files, stale })
}

/// What [`run_into_folder`] did.
pub struct RunWritten {
    /// The round's outcome.
    pub outcome: Outcome,
    /// The files written, the manifest last.
    pub files: Vec<WrittenFile>,
    /// Temporary folders of interrupted writes that were removed first.
    pub stale: Vec<PathBuf>,
}

/// Renders the run folder of a round straight into `out`, atomically (see
/// [`write_tree_atomically`]), with the same bytes as [`render_with`].
///
/// Each file is rendered into its file on disk and hashed as it is
/// written, the files in parallel: so no output is held in memory whole
/// (a province's 900 MB of outputs would double the run's peak memory),
/// and rendering, hashing and the kernel's copying share both cores.
/// Returns the files written, the manifest last.
pub fn write_run_folder(
    out: &Path,
    scenario: &Scenario,
    outcome: &Outcome,
    extras: WrittenAs,
) -> Result<Vec<WrittenFile>, Error> {
    let folder = RunFolder::new(scenario, outcome, extras);
    let pause = test_write_pause();
    write_tree_with(out, |tmp| {
        let mut written: Vec<WrittenFile> = folder
            .names()
            .into_par_iter()
            .with_max_len(1)
            .map(|name| {
                let path = tmp.join(name);
                let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
                let mut sink = HashingWriter::new(file);
                let mut buffered = std::io::BufWriter::with_capacity(1 << 18, &mut sink);
                folder
                    .render_into(name, &mut buffered)
                    .and_then(|()| buffered.flush())
                    .map_err(|e| Error::io(&path, e))?;
                drop(buffered);
                if let Some(pause) = pause {
                    std::thread::sleep(pause);
                }
                Ok(sink.finish(name))
            })
            .collect::<Result<_, Error>>()?;
        let hashes = written.iter().map(|f| (f.name.to_string(), f.sha256.clone())).collect();
        let manifest = manifest_from_hashes(scenario, hashes, extras);
        let path = tmp.join("manifest.json");
        std::fs::write(&path, &manifest).map_err(|e| Error::io(&path, e))?;
        written.push(WrittenFile {
            name: "manifest.json",
            bytes: manifest.len() as u64,
            sha256: sha256_hex(&manifest),
        });
        Ok(written)
    })
}

/// A writer that hashes what it passes on and counts its bytes.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: std::io::Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self, name: &'static str) -> WrittenFile {
        WrittenFile {
            name,
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The files of one run folder and how each is rendered: the summary
/// (with its balance indicators) is computed once, for `summary.json` and
/// for the report's balance section.
struct RunFolder<'a> {
    scenario: &'a Scenario,
    outcome: &'a Outcome,
    extras: WrittenAs,
    summary: records::Summary,
}

impl<'a> RunFolder<'a> {
    fn new(scenario: &'a Scenario, outcome: &'a Outcome, extras: WrittenAs) -> Self {
        RunFolder {
            scenario,
            outcome,
            extras,
            summary: summary(scenario, outcome),
        }
    }

    /// The files in the run folder's (and the manifest's) order, the
    /// manifest itself not included.
    fn names(&self) -> Vec<&'static str> {
        let mut names = vec![
            "assignments.csv",
            "schools.csv",
            "lottery.csv",
            "summary.json",
            "assignments.geojson",
            "schools.geojson",
        ];
        if self.extras.lines {
            names.push("assignment_lines.geojson");
        }
        if self.extras.xlsx {
            names.extend(["assignments.xlsx", "schools.xlsx"]);
        }
        names.push("report.html");
        names
    }

    /// Writes file `name` of [`Self::names`] into `w`.
    fn render_into(&self, name: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let (scenario, outcome) = (self.scenario, self.outcome);
        if self.extras.csv_bom && name.ends_with(".csv") {
            w.write_all(b"\xEF\xBB\xBF")?;
        }
        match name {
            "assignments.csv" => tables::write_assignments_csv(scenario, outcome, w),
            "schools.csv" => w.write_all(&schools_csv(scenario, outcome)),
            "lottery.csv" => tables::write_lottery_csv(scenario, outcome, w),
            "summary.json" => w.write_all(&pretty_json(&self.summary)),
            "assignments.geojson" => geojson::write_assignments_geojson(scenario, outcome, w),
            "schools.geojson" => w.write_all(&schools_geojson(scenario, outcome)),
            "assignment_lines.geojson" => w.write_all(&lines_geojson(scenario, outcome)),
            // The workbooks are made from the CSV bytes (without a mark).
            "assignments.xlsx" => w.write_all(&xlsx::workbook(&assignments_csv(scenario, outcome))),
            "schools.xlsx" => w.write_all(&xlsx::workbook(&schools_csv(scenario, outcome))),
            "report.html" => w.write_all(&crate::html::report::page(scenario, outcome, &self.summary.balance)),
            _ => Err(std::io::Error::other(format!("{name} is not a file of a run folder"))),
        }
    }
}

/// Rows per block rendered by one task of [`write_rows_in_parallel`].
const ROWS_PER_BLOCK: usize = 8192;

/// Blocks rendered at once before they are written: enough to keep every
/// core busy, few enough that a province's blocks stay a few megabytes.
const BLOCKS_PER_BATCH: usize = 16;

/// Writes `rows` rows into `w`, rendered by `render(range, buffer)` in
/// parallel blocks and written in row order: the bytes are those of
/// rendering every row in order on one thread, whatever the number of
/// threads, and only one batch of blocks is in memory at a time.
pub(crate) fn write_rows_in_parallel(
    w: &mut dyn std::io::Write,
    rows: usize,
    render: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let blocks: Vec<std::ops::Range<usize>> = (0..rows)
        .step_by(ROWS_PER_BLOCK)
        .map(|start| start..(start + ROWS_PER_BLOCK).min(rows))
        .collect();
    write_blocks_in_parallel(w, &blocks, |range, buf| render(range.clone(), buf))
}

/// Writes `blocks` into `w` in their order, each rendered by
/// `render(block, buffer)`, a batch of blocks at a time in parallel.
pub(crate) fn write_blocks_in_parallel<T: Sync>(
    w: &mut dyn std::io::Write,
    blocks: &[T],
    render: impl Fn(&T, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    for batch in blocks.chunks(BLOCKS_PER_BATCH) {
        let rendered: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|block| {
                let mut buf = Vec::new();
                render(block, &mut buf);
                buf
            })
            .collect();
        for buf in rendered {
            w.write_all(&buf)?;
        }
    }
    Ok(())
}

/// `manifest.json`: tool version, seed, and the SHA-256 of every input and
/// output file.
pub fn manifest_json(scenario: &Scenario, outputs: &[OutputFile], extras: WrittenAs) -> Vec<u8> {
    let hashes = outputs
        .iter()
        .map(|f| (f.name.to_string(), sha256_hex(&f.bytes)))
        .collect();
    manifest_from_hashes(scenario, hashes, extras)
}

/// [`manifest_json`] from the outputs' (name, SHA-256) in the run folder's
/// order.
fn manifest_from_hashes(scenario: &Scenario, outputs: Vec<(String, String)>, extras: WrittenAs) -> Vec<u8> {
    let manifest = Manifest {
        round: Some(RoundProvenance {
            published_seed_commitment: scenario.policy.seed_commitment.clone(),
            read_as: Some(read_as(scenario)),
            written_as: (extras != WrittenAs::default()).then_some(extras),
        }),
        ..Manifest::new(None, &scenario.policy.seed, &scenario.inputs, &[])
    };
    let manifest = Manifest {
        outputs: outputs.into_iter().collect(),
        ..manifest
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
    let pause = test_write_pause();
    write_tree_with(out, |tmp| {
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
    })
}

/// The atomic part of [`write_tree_atomically`]: checks that `out` may be
/// replaced, lets `fill` write into a fresh temporary folder beside it,
/// then renames that folder into place; on any error the temporary folder
/// is removed and `out` is left as it was.
fn write_tree_with<T>(out: &Path, fill: impl FnOnce(&Path) -> Result<T, Error>) -> Result<T, Error> {
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
    let value = match fill(&tmp) {
        Ok(value) => value,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(value)
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
