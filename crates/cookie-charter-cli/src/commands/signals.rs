//! `ask`, `consent-mode` and `tcf`: what a banner asks, Google Consent Mode, TC strings.

use std::io::Write;
use std::process::ExitCode;

use cookie_charter::{GtagCommand, TcString};

use super::{Common, load, unix_now};

/// Reads `default` or `update`.
pub fn parse_command(text: &str) -> Result<GtagCommand, String> {
    GtagCommand::parse(text)
        .ok_or_else(|| format!("`{text}` is not a gtag command: use `default` or `update`"))
}

/// Prints the purposes to ask, one per line.
pub fn ask(common: &Common, out: &mut impl Write) -> Result<ExitCode, String> {
    let policy = load(&common.policy)?;
    let consent = common.consent(&policy)?;
    let now = common.now.unwrap_or_else(unix_now);
    common.report_problem(&consent, now);
    for purpose in policy.purposes_to_ask(&consent, now) {
        writeln!(out, "{purpose}").map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the Consent Mode state as one JSON object, or the gtag snippet.
pub fn consent_mode(
    common: &Common,
    gtag: Option<GtagCommand>,
    out: &mut impl Write,
) -> Result<ExitCode, String> {
    let policy = load(&common.policy)?;
    let consent = common.consent(&policy)?;
    let now = common.now.unwrap_or_else(unix_now);
    common.report_problem(&consent, now);
    let mode = policy.consent_mode(&consent, now);
    let text = match gtag {
        Some(command) => mode.gtag(command),
        None => format!("{}\n", mode.to_json()),
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a decoded TC string as JSON, or its error (exit 1).
pub fn tcf(text: &str, out: &mut impl Write) -> Result<ExitCode, String> {
    match TcString::decode(text) {
        Ok(tc) => {
            writeln!(out, "{}", tc.to_json()).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(out, "error[invalid_tc_string]: {e}").map_err(|e| e.to_string())?;
            Ok(ExitCode::FAILURE)
        }
    }
}
