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
    /// A root cause (a header, delimiter, encoding or column-order problem)
    /// that other problems follow from: listed before everything else.
    pub root: bool,
}

impl Diagnostic {
    /// An error at a line of a file.
    pub fn error(file: &str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            location,
            message: message.into(),
            root: false,
        }
    }

    /// An error that other problems follow from (a header, a delimiter, an
    /// encoding, swapped columns): listed first.
    pub fn root_error(file: &str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            root: true,
            ..Diagnostic::error(file, location, message)
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

    /// What kind of problem this is: the file and the message with its
    /// numbers, quoted ids and coordinates left out, so that "overlaps
    /// zone "A" by 12 m²" and "overlaps zone "B" by 40 m²" are one kind.
    ///
    /// ```
    /// use catchment::error::{Diagnostic, Location};
    /// let a = Diagnostic::warning("z", Location::File, "overlaps zone \"A\" by 12 m² around (1.5, 2.5)");
    /// let b = Diagnostic::warning("z", Location::File, "overlaps zone \"B\" by 40 m² around (3.0, 4.0)");
    /// assert_eq!(a.kind(), b.kind());
    /// ```
    pub fn kind(&self) -> String {
        let mut kind = format!("{}|", self.file);
        let mut in_quote = false;
        let mut last_digit = false;
        for c in self.message.chars() {
            if c == '"' {
                if !in_quote {
                    kind.push('"');
                }
                in_quote = !in_quote;
                continue;
            }
            if in_quote {
                continue;
            }
            let digit = c.is_ascii_digit() || (last_digit && matches!(c, '.' | ','));
            if digit || (c == '-' && !last_digit) {
                if !last_digit {
                    kind.push('#');
                }
                last_digit = digit;
                continue;
            }
            last_digit = false;
            kind.push(c);
        }
        kind
    }

    /// True for a warning that says seats run short (a level or a zone
    /// with more applicants than seats): the warnings an officer must see
    /// first.
    pub fn is_seat_shortage(&self) -> bool {
        self.message.contains("more applicants than seats") || self.message.contains("seat(s) in its schools")
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

    /// Adds a root-cause error (see [`Diagnostic::root_error`]).
    pub fn root_error(&mut self, file: &str, location: Location, message: impl Into<String>) {
        self.push(Diagnostic::root_error(file, location, message));
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

    /// Number of diagnostics, errors and warnings.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is no diagnostic at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// All diagnostics, errors first, root causes first among them, then
    /// by file and position, so the listing does not depend on the order
    /// in which checks ran.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort_by(|a, b| a.severity.cmp(&b.severity).then(b.root.cmp(&a.root)).then(a.cmp(b)));
        v.dedup();
        v
    }

    /// Every warning turned into an error (`--strict`), each saying so.
    pub fn strict(&self) -> Diagnostics {
        let items = self
            .items
            .iter()
            .map(|d| match d.severity {
                Severity::Error => d.clone(),
                Severity::Warning => Diagnostic {
                    severity: Severity::Error,
                    message: format!("{} (a warning; --strict makes it an error)", d.message),
                    ..d.clone()
                },
            })
            .collect();
        Diagnostics {
            items,
            aliases: self.aliases.clone(),
        }
    }

    /// Folds the diagnostics pushed since `from` that `same` picks into the
    /// first of them, made a root cause: the others are dropped and counted
    /// in `more(count, lines)`, appended to its message. One mistake (a
    /// wrong encoding, swapped columns) then reads as one error, not one per
    /// row.
    pub fn fold_repeats(
        &mut self,
        from: usize,
        same: impl Fn(&Diagnostic) -> bool,
        more: impl Fn(usize, &[u64]) -> String,
    ) {
        let from = from.min(self.items.len());
        let picked: Vec<usize> = (from..self.items.len()).filter(|&i| same(&self.items[i])).collect();
        let Some(&first) = picked.first() else {
            return;
        };
        let first_line = |d: &Diagnostic| match d.location {
            Location::Line(l) => Some(l),
            _ => None,
        };
        // The first by line, not by the order rows were read in.
        let first = picked
            .iter()
            .copied()
            .min_by_key(|&i| (first_line(&self.items[i]).unwrap_or(u64::MAX), i))
            .unwrap_or(first);
        let mut lines: Vec<u64> = picked
            .iter()
            .filter(|&&i| i != first)
            .filter_map(|&i| first_line(&self.items[i]))
            .collect();
        lines.sort_unstable();
        let count = picked.len() - 1;
        self.items[first].root = true;
        if count > 0 {
            let suffix = more(count, &lines);
            self.items[first].message.push_str(&suffix);
        }
        let drop: std::collections::HashSet<usize> = picked.into_iter().filter(|&i| i != first).collect();
        let mut i = 0;
        self.items.retain(|_| {
            let keep = !drop.contains(&i);
            i += 1;
            keep
        });
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
