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
        delimiter: cli.delimiter,
        repair: cli.repair,
        ..LoadOptions::default()
    };
    let ui = ui.strict(cli.strict);
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
    let hint = policy_key_hint(e);
    if let Some(hint) = &hint {
        eprintln!("{hint}");
    }
    if std::env::args_os().any(|a| a == "--json") {
        let _ = ui::print_usage_error(&e.to_string());
    }
    ExitCode::from(2)
}

/// `--rule` and the like are settings of the round in policy.toml, not
/// flags: say where they live.
fn policy_key_hint(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let key = catchment::scenario::diagnose::policy_key_for_flag(flag)?;
    let name = flag.split('=').next().unwrap_or(flag);
    let args: Vec<String> = std::env::args().collect();
    let joined = format!("{name}=");
    let value = flag
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .or_else(|| args.iter().find_map(|a| a.strip_prefix(&joined).map(str::to_string)))
        .or_else(|| {
            let at = args.iter().position(|a| a == name)?;
            args.get(at + 1).filter(|v| !v.starts_with('-')).cloned()
        });
    let example = match value {
        Some(v) if v.parse::<f64>().is_ok() => format!("{} = {v}", key.rsplit('.').next().unwrap_or(&key)),
        Some(v) => format!("{} = {v:?}", key.rsplit('.').next().unwrap_or(&key)),
        None => format!("{} = ...", key.rsplit('.').next().unwrap_or(&key)),
    };
    let table = key
        .rsplit_once('.')
        .map_or(String::new(), |(t, _)| format!(" under [{t}]"));
    Some(format!(
        "note: {name} is not a flag: `{key}` is a setting of the round, kept in the scenario's policy.toml \
         (write {example}{table} there), so that the run folder records it"
    ))
}
