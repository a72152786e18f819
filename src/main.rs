//! The `catchment` command line: parses arguments, calls the library,
//! prints, and maps errors to exit codes (0 ok, 1 input invalid or
//! verification failed, 2 usage, 3 I/O).
//!
//! Standard output carries the result (a summary line, a table, or with
//! `--json` one JSON object); standard error carries diagnostics, notes,
//! `--verbose` detail and progress, the last only on a terminal. The
//! arguments are in `cli/args.rs`, each command in its own file in `cli/`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use catchment::scenario::LoadOptions;

mod cli;

use cli::args::Cli;
use cli::ui::{self, Ui};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let ui = Ui::new(cli.quiet, cli.verbose, cli.json, std::io::stderr().is_terminal());
    let options = LoadOptions {
        crs: cli.crs,
        encoding: cli.encoding,
        sheet: cli.sheet,
        ..LoadOptions::default()
    };
    let name = cli.command.name();
    let result = cli::dispatch(cli.command, &options, &ui);
    ui.clear();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ui.failure(name, &e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Prints what the parser said; `--help` and `--version` exit 0, anything
/// else is a usage error (2).
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    if matches!(
        e.kind(),
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
    ) {
        return ExitCode::SUCCESS;
    }
    // A script that asked for JSON gets its one object even when the
    // arguments themselves are wrong.
    if std::env::args_os().any(|a| a == "--json") {
        let _ = ui::print_usage_error(&e.to_string());
    }
    ExitCode::from(2)
}
