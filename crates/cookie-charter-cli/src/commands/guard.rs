//! `guard`: the browser guard's answer for one visitor (spec §15), as JSON or as the `<script>`
//! tags that put the guard in a page.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::Args;
use cookie_charter::Consent;

use super::{Common, load, unix_now};

/// The arguments of `guard`.
#[derive(Debug, Args)]
pub struct GuardArgs {
    #[command(flatten)]
    common: Common,
    /// Read the consent cookie value from standard input, every byte of it (no line ending is
    /// removed): for values a command line cannot hold, such as one with a NUL byte.
    #[arg(long, conflicts_with_all = ["consent", "tc_string", "request_cookie_header"])]
    consent_stdin: bool,
    /// Print the `<script>` tags for a page's `<head>` instead of the JSON: the answer, then the
    /// guard loaded from this URL.
    #[arg(long, value_name = "URL")]
    script_src: Option<String>,
    /// The page's Content-Security-Policy nonce, written on both tags.
    #[arg(long, requires = "script_src")]
    nonce: Option<String>,
}

/// Prints the guard's answer for the consent of `args` (read from `input` with
/// `--consent-stdin`): one line of JSON, or the `<script>` tags.
pub(super) fn guard(
    args: &GuardArgs,
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<ExitCode, String> {
    let common = &args.common;
    let policy = load(&common.policy)?;
    let consent = if args.consent_stdin {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the consent from standard input: {e}"))?;
        let value = String::from_utf8(bytes)
            .map_err(|_| "the consent on standard input is not UTF-8".to_owned())?;
        Consent::from_cookie(&value).with_gpc(common.gpc)
    } else {
        common.consent(&policy)?
    };
    let now = common.now.unwrap_or_else(unix_now);
    common.report_problem(&consent, now);
    let answer = policy.guard(&consent, now);
    let text = match &args.script_src {
        Some(src) => answer.script_tags(src, args.nonce.as_deref()),
        None => format!("{}\n", answer.to_json()),
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "test code: a failed unwrap is a failed test"
    )]

    use clap::Parser;
    use serde_json::Value;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: GuardArgs,
    }

    const POLICY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/epn-agglo-plus/policy.toml"
    );

    fn run(args: &[&str], stdin: &str) -> Result<String, String> {
        let cli =
            Cli::try_parse_from(["guard", POLICY].iter().chain(args)).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        guard(&cli.args, &mut stdin.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn states(json: &str) -> Value {
        serde_json::from_str::<Value>(json).unwrap()["purposes"].clone()
    }

    #[test]
    fn prints_the_answer_for_the_consent_given() {
        let granted = "v=1&rev=2&at=1800000000&statistics=1&marketing=0";
        let json = run(&["--now", "1800000100", "--consent", granted], "").unwrap();
        assert!(json.ends_with("}\n") && json.lines().count() == 1, "{json}");
        assert_eq!(states(&json)["statistics"], "granted");
        assert_eq!(states(&json)["marketing"], "denied");
        let read = run(&["--now", "1800000100", "--consent-stdin"], granted).unwrap();
        assert_eq!(read, json);
        // A value no command line can hold: a NUL byte makes it malformed, so no consent.
        let nul = run(&["--now", "1800000100", "--consent-stdin"], "v=1\0").unwrap();
        assert_eq!(states(&nul)["statistics"], "unset");
        let gpc = run(&["--now", "1800000100", "--gpc"], "").unwrap();
        assert_eq!(states(&gpc)["marketing"], "gpc_denied");
    }

    #[test]
    fn prints_the_script_tags() {
        let tags = run(
            &["--now", "0", "--script-src", "/g.js", "--nonce", "abc"],
            "",
        )
        .unwrap();
        assert!(
            tags.starts_with(
                "<script type=\"application/json\" id=\"cookie-charter-answer\" nonce=\"abc\">{"
            ),
            "{tags}"
        );
        assert!(tags.ends_with("<script src=\"/g.js\" nonce=\"abc\"></script>\n"));
        let error = run(&["--nonce", "abc"], "").unwrap_err();
        assert!(error.contains("--script-src"), "{error}");
        let error = run(&["--consent", "x", "--consent-stdin"], "").unwrap_err();
        assert!(error.contains("cannot be used with"), "{error}");
    }
}
