//! `cookie-charter`: check a policy, decide cookies, filter headers and render the charter.

#![forbid(unsafe_code)]
mod commands;
mod records;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `cookie-charter records …` (spec §13) parses its own arguments.
    if std::env::args_os().nth(1).is_some_and(|a| a == "records") {
        return records::main();
    }
    let cli = commands::Cli::parse();
    match commands::run(cli, &mut std::io::stdout().lock()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cookie-charter: {message}");
            ExitCode::from(2)
        }
    }
}
