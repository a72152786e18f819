//! Which kind of folder a command was given: a scenario folder (the inputs
//! of a round), a senior-round folder, or a run folder (what `run` or
//! `senior` wrote). Each command checks its folders first, so a mix-up gets
//! one message saying what to do instead of a raw "No such file" or a
//! list of missing columns.
//!
//! # Examples
//!
//! ```
//! use std::path::Path;
//! use catchment::folder::{kind, Folder};
//!
//! let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
//! assert_eq!(kind(&demo), Folder::Scenario);
//! assert_eq!(kind(&demo.join("senior")), Folder::Senior);
//! ```

use std::path::Path;

use crate::error::Error;

/// What a folder holds, told from the files in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// A scenario folder: `policy.toml` with `schools.csv` or
    /// `applicants.csv`.
    Scenario,
    /// A senior-round folder: `policy.toml` with `senior_schools.csv` or
    /// `junior_schools.csv`, and no `schools.csv`.
    Senior,
    /// A run folder: it has a `manifest.json`.
    Run,
    /// No such folder.
    Missing,
    /// Anything else (the loaders say what is missing).
    Other,
}

/// The kind of `dir`.
pub fn kind(dir: &Path) -> Folder {
    if !dir.is_dir() {
        return Folder::Missing;
    }
    let has = |name: &str| dir.join(name).is_file();
    // A scenario folder may hold a candidates.csv of sites (`sites`), so
    // the senior round is told by its own school files.
    if has("manifest.json") {
        Folder::Run
    } else if has("policy.toml") && (has("schools.csv") || has("applicants.csv")) {
        Folder::Scenario
    } else if has("policy.toml") && (has("senior_schools.csv") || has("junior_schools.csv")) {
        Folder::Senior
    } else {
        Folder::Other
    }
}

/// `Ok` unless `dir` is clearly not a scenario folder of the compulsory
/// round (a run folder, a senior folder); `command` names the command in
/// the message.
pub fn expect_scenario(dir: &Path, command: &str) -> Result<(), Error> {
    let shown = dir.display();
    match kind(dir) {
        Folder::Run => Err(Error::Usage(format!(
            "{shown} is a run folder; {command} needs a scenario folder (the folder with schools.csv, \
             applicants.csv and policy.toml that the run was made from)"
        ))),
        Folder::Senior => Err(Error::Usage(format!(
            "{shown} is a senior-round folder; {command} needs a scenario folder of the compulsory round \
             (senior folders run with catchment senior {shown} --out RUN)"
        ))),
        _ => Ok(()),
    }
}

/// `Ok` unless `dir` is clearly not a senior-round folder.
pub fn expect_senior(dir: &Path, command: &str) -> Result<(), Error> {
    let shown = dir.display();
    match kind(dir) {
        Folder::Run => Err(Error::Usage(format!(
            "{shown} is a run folder; {command} needs a senior-round folder (policy.toml, senior_schools.csv, \
             junior_schools.csv, candidates.csv)"
        ))),
        Folder::Scenario => {
            let hint = if kind(&dir.join("senior")) == Folder::Senior {
                format!(", such as {}", dir.join("senior").display())
            } else {
                String::new()
            };
            Err(Error::Usage(format!(
                "{shown} is a scenario folder of the compulsory round; {command} needs a senior-round folder \
                 (policy.toml, senior_schools.csv, junior_schools.csv, candidates.csv){hint}"
            )))
        }
        _ => Ok(()),
    }
}

/// `Ok` unless `dir` is clearly not a run folder (a scenario or senior
/// folder).
pub fn expect_run(dir: &Path, command: &str) -> Result<(), Error> {
    let shown = dir.display();
    match kind(dir) {
        Folder::Scenario => Err(Error::Usage(format!(
            "{shown} is a scenario folder; {command} needs a run folder (catchment run {shown} --out RUN)"
        ))),
        Folder::Senior => Err(Error::Usage(format!(
            "{shown} is a senior-round folder; {command} needs a run folder (catchment senior {shown} --out RUN)"
        ))),
        _ => Ok(()),
    }
}

/// `verify SCENARIO RUN`: both folders checked, and the two given the
/// other way round named as such.
pub fn expect_scenario_and_run(scenario: &Path, run: &Path, command: &str) -> Result<(), Error> {
    if kind(scenario) == Folder::Run && matches!(kind(run), Folder::Scenario | Folder::Senior) {
        return Err(Error::Usage(format!(
            "the folders are the other way round: catchment {command} {} {} (the scenario first, then the run)",
            run.display(),
            scenario.display()
        )));
    }
    if kind(scenario) == Folder::Senior {
        // A senior run is verified against its senior folder.
        return expect_run(run, command);
    }
    if kind(scenario) == Folder::Scenario && written_by(run).as_deref() == Some("senior") {
        let nested = scenario.join("senior");
        let folder = if kind(&nested) == Folder::Senior {
            nested.display().to_string()
        } else {
            "SENIOR_FOLDER".to_string()
        };
        return Err(Error::Usage(format!(
            "{} is a run folder of the senior round (its manifest.json says \"command\": \"senior\"), and {} is \
             a scenario folder of the compulsory round; verify it against the senior folder it was made from: \
             catchment {command} {folder} {}",
            run.display(),
            scenario.display(),
            run.display()
        )));
    }
    expect_scenario(scenario, command)?;
    expect_run(run, command)
}

/// The command that wrote a run folder, as its `manifest.json` says
/// (`senior`), or `None` for `run` or when it cannot be read.
fn written_by(run: &Path) -> Option<String> {
    let bytes = std::fs::read(run.join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    manifest.get("command")?.as_str().map(str::to_string)
}
