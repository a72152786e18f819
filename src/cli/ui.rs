//! How the `catchment` binary talks: results on standard output (a line,
//! a table, or one JSON object under `--json`), and on standard error the
//! diagnostics, notes, `--verbose` detail and a progress spinner (on a
//! terminal only, never under `--quiet`).
//!
//! Part of the binary, not of the library: the library never prints.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{json, Value};

use catchment::bench::Phases;
use catchment::error::{Diagnostic, Diagnostics, Error, Location, Severity};
use catchment::output::{OutputFile, WrittenFile};
use catchment::scenario::Scenario;

/// The global output flags, and the spinner of the current command.
pub struct Ui {
    /// `--quiet`: only errors on standard error, no summary line.
    pub quiet: bool,
    /// `--verbose`: extra detail on standard error.
    pub verbose: bool,
    /// `--json`: the result as one JSON object on standard output.
    pub json: bool,
    /// `--strict`: every warning about the scenario is an error.
    pub strict: bool,
    /// Standard error is a terminal: progress may be drawn.
    terminal: bool,
    /// A spinner naming the current phase; hidden unless drawn.
    bar: ProgressBar,
}

impl Ui {
    /// Output settings from the flags; `terminal` is whether standard
    /// error is a terminal.
    pub fn new(quiet: bool, verbose: bool, json: bool, terminal: bool) -> Self {
        let show = terminal && !quiet;
        let bar = if show {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Ui {
            quiet,
            verbose,
            json,
            strict: false,
            terminal,
            bar,
        }
    }

    /// The same settings with `--strict` as given.
    pub fn strict(self, strict: bool) -> Self {
        Ui { strict, ..self }
    }

    /// Under `--strict`, the warnings as errors (the command then fails
    /// with them and writes nothing); `Ok` when not strict or no warning.
    pub fn strict_gate(&self, warnings: &Diagnostics) -> Result<(), Error> {
        if self.strict && warnings.warning_count() > 0 {
            return Err(Error::Input(warnings.strict()));
        }
        Ok(())
    }

    /// Prints the warnings of a run on standard error (not under
    /// `--quiet`): grouped by kind, seat shortages first, at most
    /// [`WARNINGS_PER_KIND`] of each kind, then how many more there are.
    pub fn warnings_digest(&self, warnings: &Diagnostics, scenario: &Path) {
        if self.quiet || warnings.warning_count() == 0 {
            return;
        }
        let lines = warnings_digest(warnings, scenario);
        self.bar.suspend(|| {
            for line in lines {
                eprintln!("{line}");
            }
        });
    }

    /// True when progress may be drawn on standard error.
    pub fn progress(&self) -> bool {
        self.terminal && !self.quiet
    }

    /// A progress bar of `len` steps, hidden unless progress may be drawn.
    pub fn bar(&self, len: u64, template: &str) -> ProgressBar {
        if !self.progress() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar
    }

    /// Names the phase that starts now on the spinner.
    pub fn step(&self, phase: &'static str) {
        if self.bar.is_hidden() {
            return;
        }
        self.bar.set_message(phase);
        self.bar.enable_steady_tick(Duration::from_millis(120));
    }

    /// Removes the spinner from the terminal.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }

    /// A note or warning for people on standard error; not under `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{text}"));
        }
    }

    /// Detail on standard error under `--verbose` only.
    pub fn detail(&self, text: &str) {
        if self.verbose {
            self.bar.suspend(|| eprintln!("{}", text.trim_end()));
        }
    }

    /// Lists diagnostics on standard error, errors first; warnings are
    /// left out under `--quiet`.
    pub fn diagnostics(&self, diags: &Diagnostics) {
        self.bar.suspend(|| {
            for d in diags.sorted() {
                if d.is_error() || !self.quiet {
                    eprintln!("{d}");
                }
            }
        });
    }

    /// Prints a command's summary: `line` for people (not under
    /// `--quiet`), or under `--json` the object `fields` with `command`
    /// and `"ok": true` in front.
    pub fn summary(&self, command: &str, line: &str, fields: &impl Serialize) -> Result<(), Error> {
        self.clear();
        if self.json {
            return print_object(command, true, fields);
        }
        if self.quiet {
            return Ok(());
        }
        print_out(&format!("{}\n", line.trim_end()))
    }

    /// Prints a command's result: `text` (a table, a hash; also under
    /// `--quiet`, since it is what was asked for), or the JSON object under
    /// `--json`.
    pub fn result(&self, command: &str, text: &str, fields: &impl Serialize) -> Result<(), Error> {
        self.clear();
        if self.json {
            return print_object(command, true, fields);
        }
        print_out(text)
    }

    /// Prints a command's own JSON document (`explain --json`, `balance
    /// --json`): pretty, with a final newline.
    pub fn document(&self, value: &impl Serialize) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(value).map_err(|e| Error::Usage(e.to_string()))?;
        print_out(&format!("{text}\n"))
    }

    /// Reports a failed command: diagnostics and the error on standard
    /// error, and under `--json` an object with the error on standard
    /// output.
    pub fn failure(&self, command: &str, e: &Error) {
        self.clear();
        if let Error::Input(diags) = e {
            self.diagnostics(diags);
        }
        eprintln!("error: {e}");
        if self.json {
            let _ = print_object(command, false, &Failure::new(e));
        }
    }
}

/// How many warnings of one kind `run` prints before a count.
pub const WARNINGS_PER_KIND: usize = 3;

/// The lines of [`Ui::warnings_digest`]: warnings grouped by kind (seat
/// shortages first, then in the order `check` lists them), at most
/// [`WARNINGS_PER_KIND`] each, with `… and N more like this` after a
/// longer group and a last line pointing at `catchment check`.
pub fn warnings_digest(warnings: &Diagnostics, scenario: &Path) -> Vec<String> {
    let sorted: Vec<Diagnostic> = warnings.sorted().into_iter().filter(|d| !d.is_error()).collect();
    let mut kinds: Vec<(String, bool, Vec<&Diagnostic>)> = Vec::new();
    for d in &sorted {
        let kind = d.kind();
        match kinds.iter_mut().find(|(k, ..)| *k == kind) {
            Some((_, _, members)) => members.push(d),
            None => kinds.push((kind, d.is_seat_shortage(), vec![d])),
        }
    }
    // Stable: seat shortages first, the rest in listing order.
    kinds.sort_by_key(|(_, seats, _)| !seats);
    let mut lines = Vec::new();
    let mut left_out = 0;
    for (_, _, members) in &kinds {
        for d in members.iter().take(WARNINGS_PER_KIND) {
            lines.push(d.to_string());
        }
        if members.len() > WARNINGS_PER_KIND {
            let more = members.len() - WARNINGS_PER_KIND;
            left_out += more;
            lines.push(format!("  … and {more} more like this"));
        }
    }
    if left_out > 0 {
        lines.push(format!(
            "{} warning(s) in all; `catchment check {}` lists every one",
            sorted.len(),
            scenario.display()
        ));
    }
    lines
}

/// Every JSON object the binary prints: `{"command": .., "ok": ..,
/// ..fields}` on one line.
#[derive(Serialize)]
struct Envelope<'a, T> {
    command: &'a str,
    ok: bool,
    #[serde(flatten)]
    fields: &'a T,
}

/// Prints `fields` as a one-line JSON object after `command` and `ok`.
fn print_object(command: &str, ok: bool, fields: &impl Serialize) -> Result<(), Error> {
    let envelope = Envelope { command, ok, fields };
    let text = serde_json::to_string(&envelope).map_err(|e| Error::Usage(e.to_string()))?;
    print_out(&format!("{text}\n"))
}

/// The fields of a failed command: the error, its exit code, and the
/// diagnostics (invalid input), problems (verification), path (I/O) or
/// usage text (arguments the parser rejected) behind it.
#[derive(Serialize, Default)]
struct Failure<'a> {
    exit_code: u8,
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostics: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<&'a str>,
}

impl<'a> Failure<'a> {
    fn new(e: &'a Error) -> Self {
        let failure = Failure {
            exit_code: e.exit_code(),
            error: e.to_string(),
            ..Failure::default()
        };
        match e {
            Error::Input(diags) => Failure {
                errors: Some(diags.error_count()),
                warnings: Some(diags.warning_count()),
                diagnostics: Some(diagnostics_json(diags)),
                ..failure
            },
            Error::Verify(problems) => Failure {
                problems: Some(problems),
                ..failure
            },
            Error::Io { path, .. } | Error::RunFile { path, .. } => Failure {
                path: Some(path.display().to_string()),
                ..failure
            },
            Error::Usage(_) => failure,
        }
    }
}

/// Prints the JSON object of arguments the parser rejected (exit code 2):
/// the first line of its message, without clap's `error: `, and the whole
/// message as `usage`.
pub fn print_usage_error(message: &str) -> Result<(), Error> {
    let first = message.lines().next().unwrap_or_default();
    let failure = Failure {
        exit_code: 2,
        error: first.strip_prefix("error: ").unwrap_or(first).to_string(),
        usage: Some(message.trim_end()),
        ..Failure::default()
    };
    print_object("", false, &failure)
}

/// Diagnostics as a JSON array, in the order `check` lists them.
pub fn diagnostics_json(diags: &Diagnostics) -> Value {
    let sorted = diags.sorted();
    json!(sorted.iter().map(DiagnosticJson::new).collect::<Vec<_>>())
}

/// One diagnostic in JSON: `severity`, `file`, `location`, `message`, and
/// `text` as printed on standard error.
#[derive(Serialize)]
struct DiagnosticJson<'a> {
    severity: &'static str,
    file: &'a str,
    location: LocationJson<'a>,
    message: &'a str,
    text: String,
}

/// Where a diagnostic is: `{"kind": "line", "line": 4}`, `{"kind":
/// "feature", "index": 0, "id": "Z1"}` or `{"kind": "file"}`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum LocationJson<'a> {
    File,
    Line { line: u64 },
    Feature { index: usize, id: Option<&'a str> },
}

impl<'a> DiagnosticJson<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        DiagnosticJson {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            file: &d.file,
            location: match &d.location {
                Location::File => LocationJson::File,
                Location::Line(line) => LocationJson::Line { line: *line },
                Location::Feature(index, id) => LocationJson::Feature {
                    index: *index,
                    id: id.as_deref(),
                },
            },
            message: &d.message,
            text: d.to_string(),
        }
    }
}

/// Writes to standard output; a closed pipe (`catchment man | head`) is
/// not an error.
pub fn print_out(text: &str) -> Result<(), Error> {
    print_bytes(text.as_bytes())
}

/// Writes bytes to standard output, as [`print_out`].
pub fn print_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(Path::new("<standard output>"), e)),
    }
}

/// `loaded DIR: N schools, N applicants, N zones from N input files in S s`.
pub fn loaded(scenario: &Scenario, time: Duration) -> String {
    format!(
        "loaded {}: {} schools, {} applicants, {} zones from {} input file(s) in {:.3} s",
        scenario.dir.display(),
        scenario.schools.len(),
        scenario.applicants.len(),
        scenario.zones.len(),
        scenario.inputs.len(),
        time.as_secs_f64()
    )
}

/// One line per phase of a round: name, seconds, peak memory.
pub fn phase_lines(title: &str, phases: &Phases) -> String {
    let mut text = format!("{title}:\n");
    for p in &phases.0 {
        let memory = p
            .peak_bytes
            .map_or(String::new(), |b| format!("  peak {:.1} MiB", b as f64 / 1_048_576.0));
        text.push_str(&format!("  {:<18} {:>8.3} s{memory}\n", p.name, p.time.as_secs_f64()));
    }
    text
}

/// One line per file written into `dir`.
pub fn written_files(dir: &Path, files: &[WrittenFile]) -> String {
    files
        .iter()
        .map(|f| format!("wrote {} ({} bytes)\n", dir.join(f.name).display(), f.bytes))
        .collect()
}

/// [`written_files`] for files rendered into memory.
pub fn written(dir: &Path, files: &[OutputFile]) -> String {
    files
        .iter()
        .map(|f| format!("wrote {} ({} bytes)\n", dir.join(f.name).display(), f.bytes.len()))
        .collect()
}
