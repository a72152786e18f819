//! `catchment publish`: the public folder of a run.

use serde::Serialize;

use catchment::error::Error;
use catchment::output::records::{self, Manifest};

use super::args::PublishArgs;
use super::ui::Ui;

/// What `publish` reports: the line for people, the fields under `--json`.
#[derive(Serialize)]
struct Summary {
    out: String,
    files: usize,
    masked: bool,
}

/// Renders the public folder of `args.run` and writes it atomically into
/// `args.out`; a folder written by another command is never replaced.
pub fn run(args: &PublishArgs, ui: &Ui) -> Result<(), Error> {
    if args.out.join("manifest.json").is_file() {
        let theirs: Result<Manifest, Error> = records::read_json(&args.out, "manifest.json");
        if theirs.map_or(true, |m| m.command.as_deref() != Some("publish")) {
            return Err(Error::Usage(format!(
                "{} is a run folder, not an earlier publication; choose another --out",
                args.out.display()
            )));
        }
    }
    ui.step("reading the run folder");
    let files = catchment::publish::publish(&args.run, args.mask)?;
    ui.step("writing the public folder");
    super::write(&args.out, &files, ui)?;
    let s = Summary {
        out: args.out.display().to_string(),
        files: files.len(),
        masked: args.mask,
    };
    let ids = if s.masked { "masked ids" } else { "registration ids" };
    let line = format!(
        "wrote {}: {} files (outcomes and lottery transcript by {ids}, no home locations)",
        s.out, s.files
    );
    ui.summary("publish", &line, &s)
}
