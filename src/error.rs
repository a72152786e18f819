//! Errors and diagnostics.
//!
//! Input problems are collected as [`Diagnostic`]s (file, line or feature,
//! column, what was expected) so that `check` can list every problem at
//! once; the library never prints or exits. [`Error`] is what a command
//! returns, and [`Error::exit_code`] maps it to the exit codes of spec §7.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scenario cannot be run.
    Error,
    /// The scenario runs, but something looks wrong or was ignored.
    Warning,
}

/// Where in an input file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// The file as a whole.
    File,
    /// A physical line (the header is line 1).
    Line(u64),
    /// A GeoJSON feature by 0-based index, with its `id` when it has one.
    Feature(usize, Option<String>),
}

/// One problem in the input, with enough context to find and fix it.
///
/// Displayed as `file:line: message`, e.g.
/// `applicants.csv:118: lat 91.2 is out of range [-90, 90]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// File name inside the scenario folder, e.g. `applicants.csv`.
    pub file: String,
    /// Line or feature.
    pub location: Location,
    /// What is wrong and what was expected; starts with the column name
    /// when the problem is in one column.
    pub message: String,
}

impl Diagnostic {
    /// An error at a line of a file.
    pub fn error(file: &str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            location,
            message: message.into(),
        }
    }

    /// A warning at a line of a file.
    pub fn warning(file: &str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, location, message)
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.location {
            Location::File => write!(f, "{}: {kind}: {}", self.file, self.message),
            Location::Line(line) => write!(f, "{}:{line}: {kind}: {}", self.file, self.message),
            Location::Feature(index, Some(id)) => write!(
                f,
                "{}: feature {index} (id \"{id}\"): {kind}: {}",
                self.file, self.message
            ),
            Location::Feature(index, None) => {
                write!(f, "{}: feature {index}: {kind}: {}", self.file, self.message)
            }
        }
    }
}

/// A list of diagnostics gathered while loading or checking a scenario.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// File names said under another name: `schools.csv` read from
    /// `schools.xlsx:Sheet1` (see [`Diagnostics::alias`]).
    aliases: Vec<(String, String)>,
}

impl Diagnostics {
    /// Adds one diagnostic.
    pub fn push(&mut self, mut d: Diagnostic) {
        if let Some((_, to)) = self.aliases.iter().find(|(from, _)| *from == d.file) {
            d.file.clone_from(to);
        }
        self.items.push(d);
    }

    /// From now on, diagnostics about `from` name `to` instead: a loader
    /// that knows its table as `applicants.csv` reports the workbook sheet
    /// it was read from, e.g. `applicants.xlsx:Sheet1`.
    pub fn alias(&mut self, from: &str, to: &str) {
        self.aliases.retain(|(f, _)| f != from);
        self.aliases.push((from.to_string(), to.to_string()));
    }

    /// Adds an error.
    pub fn error(&mut self, file: &str, location: Location, message: impl Into<String>) {
        self.push(Diagnostic::error(file, location, message));
    }

    /// Adds a warning.
    pub fn warning(&mut self, file: &str, location: Location, message: impl Into<String>) {
        self.push(Diagnostic::warning(file, location, message));
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when at least one error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics, errors first, then by file and position, so the
    /// listing does not depend on the order in which checks ran.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort();
        v.dedup();
        v
    }

    /// Moves all diagnostics of `other` into `self`, under `self`'s
    /// aliases (a later check's `applicants.csv` is the workbook sheet the
    /// scenario was read from).
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
    }
}

/// A failed command, with the exit code it maps to (spec §7).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario is invalid: every problem found, warnings included.
    #[error("{} error(s) in the scenario", .0.error_count())]
    Input(Diagnostics),
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A run folder does not match its manifest or breaks an invariant.
    #[error("verification failed:\n{}", .0.join("\n"))]
    Verify(Vec<String>),
    /// A file of a run folder is missing or not as `run` wrote it: the run
    /// folder, not the machine, is at fault, so this is invalid input.
    #[error("{}{}: {message}", .path.display(), .line.map_or(String::new(), |l| format!(":{l}")))]
    RunFile {
        /// The file.
        path: PathBuf,
        /// The line, where the parser says.
        line: Option<u64>,
        /// What is wrong, naming the column or field where known.
        message: String,
    },
    /// The command line or its arguments are wrong.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A run-folder file that is missing or cannot be read as written.
    pub fn run_file(path: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        Error::RunFile {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// Exit code: 1 input invalid (a scenario, a run folder, or failed
    /// verification), 2 usage, 3 I/O.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) | Error::Verify(_) | Error::RunFile { .. } => 1,
            Error::Usage(_) => 2,
            Error::Io { .. } => 3,
        }
    }
}
