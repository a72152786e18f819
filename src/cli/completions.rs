//! `catchment completions` and `catchment man`: the shell completion
//! scripts and the manual page, both generated from the arguments.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use catchment::error::Error;

use super::args::Cli;
use super::ui::print_bytes;

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "catchment", &mut script);
    print_bytes(&script)
}

/// Prints the manual page (roff).
pub fn man() -> Result<(), Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::io(Path::new("<manual page>"), e))?;
    print_bytes(&page)
}
