//! `filter` and `purge`: the header commands of spec §9.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use cookie_charter::{Consent, Decision, Dropped, Policy};

use super::{Common, load, unix_now};

/// The policy, consent and time every header command works with.
fn context(common: &Common) -> Result<(Policy, Consent, u64), String> {
    let policy = load(&common.policy)?;
    let consent = common.consent(&policy)?;
    Ok((policy, consent, common.now.unwrap_or_else(unix_now)))
}

/// A line of standard input without its line ending and an optional `Set-Cookie:` prefix.
fn set_cookie_value(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    const PREFIX: &[u8] = b"set-cookie:";
    match line.get(..PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(PREFIX) => {
            let rest = line.get(PREFIX.len()..).unwrap_or_default();
            let start = rest
                .iter()
                .position(|b| *b != b' ' && *b != b'\t')
                .unwrap_or(rest.len());
            rest.get(start..).unwrap_or_default()
        }
        _ => line,
    }
}

/// One dropped header as a JSON object: the decision fields of `decide --json`, plus the header
/// and the `problem` that made it unusable (`null` when the decision alone dropped it).
fn dropped_json(
    header: &str,
    cookie: Option<&str>,
    d: &Decision<'_>,
    problem: Option<&str>,
) -> String {
    serde_json::json!({
        "header": header,
        "cookie": cookie,
        "allowed": d.allowed,
        "rule": d.rule.as_str(),
        "purpose": d.purpose,
        "consent_state": d.consent_state.map(|s| s.as_str()),
        "problem": problem,
    })
    .to_string()
}

/// `filter`: Set-Cookie values on `input`, one per line; the kept ones on `out`, unchanged and
/// in order; with `json`, then one JSON object per dropped header, in order.
///
/// A line that is not UTF-8 cannot be read as a browser would and is dropped (`invalid_utf8`).
pub(super) fn filter(
    common: &Common,
    json: bool,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<ExitCode, String> {
    let (policy, consent, now) = context(common)?;
    let mut lines = Vec::new();
    let mut unreadable = Vec::new();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if read == 0 {
            break;
        }
        match std::str::from_utf8(set_cookie_value(&buffer)) {
            Ok(text) => lines.push(text.to_owned()),
            Err(_) => {
                unreadable.push(String::from_utf8_lossy(set_cookie_value(&buffer)).into_owned())
            }
        }
    }
    let filtered = policy.filter_set_cookies(lines.iter().map(String::as_str), &consent, now);
    let write_err = |e: std::io::Error| e.to_string();
    for header in &filtered.kept {
        writeln!(out, "{header}").map_err(write_err)?;
    }
    if json {
        for Dropped {
            header,
            cookie,
            decision,
            problem,
        } in &filtered.dropped
        {
            let line = dropped_json(header, *cookie, decision, problem.map(|p| p.as_str()));
            writeln!(out, "{line}").map_err(write_err)?;
        }
        for header in &unreadable {
            let line = dropped_json(header, None, &Decision::UNDECLARED, Some("invalid_utf8"));
            writeln!(out, "{line}").map_err(write_err)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `purge`: the deletion headers for the cookies of `cookie_header` the visitor does not allow.
pub(super) fn purge(
    common: &Common,
    cookie_header: &str,
    out: &mut impl Write,
) -> Result<ExitCode, String> {
    let (policy, consent, now) = context(common)?;
    for purged in policy.purge(cookie_header, &consent, now) {
        for header in &purged.headers {
            writeln!(out, "{header}").map_err(|e| e.to_string())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_prefix_and_line_ending() {
        assert_eq!(set_cookie_value(b"Set-Cookie: a=1\r\n"), b"a=1");
        assert_eq!(set_cookie_value(b"SET-COOKIE:\ta=1\n"), b"a=1");
        assert_eq!(set_cookie_value(b" a=1"), b" a=1");
        assert_eq!(set_cookie_value(b"set-cookie"), b"set-cookie");
    }
}
