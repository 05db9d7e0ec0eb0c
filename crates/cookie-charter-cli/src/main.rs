//! `cookie-charter`: check a policy, decide cookies, filter headers and render the charter.

mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli, &mut std::io::stdout().lock()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cookie-charter: {message}");
            ExitCode::from(2)
        }
    }
}
