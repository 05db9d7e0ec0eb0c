//! The report as pages a person reads (Markdown, HTML: the findings first, the evidence one
//! click away in `<details>`) and as JUnit XML for CI.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::{FindingEntry, ObservationEntry, Report, SubjectEntry};

/// Escapes text for HTML and XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a finding's message for HTML, its `quoted` words shown as code.
fn message_html(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Escapes text for a Markdown table cell (HTML-escaped, `|` and newlines neutralised).
fn cell(text: &str) -> String {
    escape(text).replace('|', "&#124;").replace('\n', "<br>")
}

fn phase(after_withdrawal: bool) -> &'static str {
    if after_withdrawal {
        " (after withdrawal)"
    } else {
        ""
    }
}

/// The evidence of an observation as lines `key: value`.
fn evidence_lines(o: &ObservationEntry) -> Vec<(String, String)> {
    let mut lines = vec![
        ("page".to_owned(), o.page.clone()),
        ("time".to_owned(), o.time.clone()),
    ];
    match &o.subject {
        SubjectEntry::Cookie {
            domain,
            host_only,
            path,
            partition_key,
            party,
            write,
            stored_lifetime,
            value_len,
            ..
        } => {
            let host = if *host_only { " (host-only)" } else { "" };
            lines.push(("domain".to_owned(), format!("{domain}{host}")));
            lines.push(("path".to_owned(), path.clone()));
            lines.push(("party".to_owned(), party.clone()));
            lines.push(("value length".to_owned(), value_len.to_string()));
            if let Some(key) = partition_key {
                lines.push(("partition".to_owned(), key.clone()));
            }
            if let Some(stored) = stored_lifetime {
                lines.push(("lifetime as stored".to_owned(), stored.to_string()));
            }
            match write {
                Some(w) => {
                    let by = match (w.by.as_str(), &w.url) {
                        ("http", Some(url)) => format!("HTTP response {url}"),
                        ("script", Some(url)) => format!("script {url}"),
                        (by, _) => by.to_owned(),
                    };
                    lines.push(("set by".to_owned(), by));
                    lines.push(("written".to_owned(), w.line.clone()));
                    lines.push(("lifetime as written".to_owned(), w.lifetime.to_string()));
                    if let Some(stack) = &w.stack {
                        lines.push(("stack".to_owned(), stack.clone()));
                    }
                }
                None => lines.push(("set by".to_owned(), "not seen (present only)".to_owned())),
            }
        }
        SubjectEntry::Storage {
            area,
            origin,
            frame,
            party,
            value_len,
            ..
        } => {
            lines.push(("storage".to_owned(), format!("{area}Storage of {origin}")));
            lines.push(("frame".to_owned(), frame.clone()));
            lines.push(("party".to_owned(), party.clone()));
            lines.push(("value length".to_owned(), value_len.to_string()));
        }
        SubjectEntry::Request {
            url, resource_type, ..
        } => {
            lines.push(("url".to_owned(), url.clone()));
            if let Some(t) = resource_type {
                lines.push(("type".to_owned(), t.clone()));
            }
        }
    }
    lines
}

fn details_html(f: &FindingEntry) -> String {
    let mut out = String::from("<details><summary>evidence</summary><dl>");
    for (k, v) in evidence_lines(&f.evidence) {
        let _ = write!(
            out,
            "<dt>{}</dt><dd><code>{}</code></dd>",
            escape(&k),
            escape(&v).replace('\n', "<br>")
        );
    }
    if f.occurrences > 1 {
        let _ = write!(out, "<dt>occurrences</dt><dd>{}</dd>", f.occurrences);
    }
    for hint in &f.hints {
        let _ = write!(
            out,
            "<dt>hint (never a decision)</dt><dd>{} — {} ({}), probably <b>{}</b>, retention {} — {} id <code>{}</code><pre>{}</pre></dd>",
            escape(&hint.platform),
            escape(&hint.controller),
            escape(&hint.category),
            escape(&hint.suggested_purpose),
            escape(&hint.retention),
            escape(crate::hints::SOURCE),
            escape(&hint.id),
            escape(&hint.policy_entry)
        );
    }
    out.push_str("</dl></details>");
    out
}

fn by_scenario(report: &Report) -> Vec<(String, Vec<&FindingEntry>)> {
    report
        .scenarios
        .iter()
        .map(|s| {
            let findings = report
                .findings
                .iter()
                .filter(|f| f.scenario == s.id)
                .collect();
            (s.id.clone(), findings)
        })
        .collect()
}

/// The stored things of one scenario: cookies and keys, once each.
fn inventory(report: &Report, scenario: &str) -> Vec<(String, String, String, String)> {
    let mut seen: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for o in report
        .observations
        .iter()
        .filter(|o| o.scenario == scenario)
    {
        let extra = match &o.subject {
            SubjectEntry::Cookie {
                party,
                write,
                stored_lifetime,
                ..
            } => {
                let lifetime = write
                    .as_ref()
                    .map(|w| w.lifetime.to_string())
                    .or_else(|| stored_lifetime.map(|l| l.to_string()))
                    .unwrap_or_else(|| "?".to_owned());
                format!("{party}, {lifetime}")
            }
            SubjectEntry::Storage { party, .. } => party.clone(),
            SubjectEntry::Request { .. } => String::new(),
        };
        seen.entry((
            o.subject.kind().to_owned(),
            o.subject.name().to_owned(),
            o.subject.place(),
        ))
        .or_insert(extra);
    }
    seen.into_iter()
        .map(|((k, n, p), e)| (k, n, p, e))
        .collect()
}

fn header_lines(report: &Report) -> Vec<String> {
    let c = &report.collector;
    let mut lines = vec![
        format!(
            "Site: {} ({}), policy revision {}, profile {}",
            report.policy.site, report.policy.url, report.policy.revision, report.policy.profile
        ),
        format!("Collected by: {} from {}", c.kind, c.sources.join(", ")),
    ];
    if let Some(b) = &c.browser {
        lines.push(format!("Browser: {b}"));
    }
    if let Some(t) = &c.third_party_cookies {
        lines.push(format!("Third-party cookies: {t}"));
    }
    for b in &c.blind_spots {
        lines.push(format!("Not seen by this collector: {b}"));
    }
    let s = &report.summary;
    lines.push(format!(
        "Findings: {} ({} high, {} medium, {} low), {} accepted; fails on: {}; result: {}",
        s.findings,
        s.high,
        s.medium,
        s.low,
        s.accepted,
        report.fail_on,
        if s.failed { "FAILED" } else { "passed" }
    ));
    lines.push(format!(
        "Written {} by {} (report format version {})",
        report.created, report.generator, report.version
    ));
    lines
}

/// The report as Markdown (GitHub renders its `<details>`).
pub fn markdown(report: &Report) -> String {
    let mut out = format!("# Cookie audit: {}\n\n", escape(&report.policy.site));
    for line in header_lines(report) {
        let _ = writeln!(out, "- {}", cell(&line));
    }
    for (scenario, findings) in by_scenario(report) {
        let info = report.scenarios.iter().find(|s| s.id == scenario);
        let _ = write!(out, "\n## Scenario `{scenario}`\n\n");
        if let Some(info) = info {
            let _ = writeln!(
                out,
                "Consent: `{}`{}",
                info.consent.as_deref().unwrap_or("(none)"),
                info.withdrawn_consent
                    .as_ref()
                    .map(|w| format!(", then `{w}`"))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "Pages: {}\n", info.pages.join(", "));
        }
        if findings.is_empty() {
            out.push_str("No finding.\n");
        } else {
            out.push_str(
                "| severity | finding | name | what | evidence |\n|---|---|---|---|---|\n",
            );
            for f in findings {
                let accepted = f
                    .accepted
                    .as_ref()
                    .map(|r| format!(" (accepted: {})", cell(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| {} | `{}`{} | `{}` | {}{} | {} |",
                    f.severity,
                    f.code,
                    phase(f.after_withdrawal),
                    cell(&f.name),
                    cell(&f.message),
                    accepted,
                    details_html(f).replace('\n', " ")
                );
            }
        }
        let items = inventory(report, &scenario);
        if !items.is_empty() {
            out.push_str("\n<details><summary>everything seen</summary>\n\n| kind | name | where | party, lifetime |\n|---|---|---|---|\n");
            for (k, n, p, e) in items {
                let _ = writeln!(
                    out,
                    "| {k} | `{}` | {} | {} |",
                    cell(&n),
                    cell(&p),
                    cell(&e)
                );
            }
            out.push_str("\n</details>\n");
        }
    }
    out
}

/// The report as a standalone HTML page.
pub fn html(report: &Report) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cookie audit: {0}</title>\n<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:.3em;vertical-align:top;text-align:left}}.high{{background:#fdd}}.medium{{background:#ffe9c7}}.low{{background:#eef}}.accepted{{opacity:.6}}code,pre{{white-space:pre-wrap;word-break:break-all}}</style></head><body>\n<h1>Cookie audit: {0}</h1>\n<ul>",
        escape(&report.policy.site)
    );
    for line in header_lines(report) {
        let _ = write!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n");
    for (scenario, findings) in by_scenario(report) {
        let _ = writeln!(out, "<h2>Scenario <code>{}</code></h2>", escape(&scenario));
        if let Some(info) = report.scenarios.iter().find(|s| s.id == scenario) {
            let _ = writeln!(
                out,
                "<p>Consent: <code>{}</code>{}<br>Pages: {}</p>",
                escape(info.consent.as_deref().unwrap_or("(none)")),
                info.withdrawn_consent
                    .as_ref()
                    .map(|w| format!(", then <code>{}</code>", escape(w)))
                    .unwrap_or_default(),
                escape(&info.pages.join(", "))
            );
        }
        if findings.is_empty() {
            out.push_str("<p>No finding.</p>\n");
        } else {
            out.push_str("<table><tr><th>severity</th><th>finding</th><th>name</th><th>what</th><th>evidence</th></tr>\n");
            for f in findings {
                let class = if f.accepted.is_some() {
                    format!("{} accepted", f.severity)
                } else {
                    f.severity.clone()
                };
                let accepted = f
                    .accepted
                    .as_ref()
                    .map(|r| format!("<br><i>accepted: {}</i>", escape(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<tr class=\"{}\"><td>{}</td><td><code>{}</code>{}</td><td><code>{}</code></td><td>{}{}</td><td>{}</td></tr>",
                    escape(&class),
                    escape(&f.severity),
                    escape(&f.code),
                    phase(f.after_withdrawal),
                    escape(&f.name),
                    message_html(&f.message),
                    accepted,
                    details_html(f)
                );
            }
            out.push_str("</table>\n");
        }
        let items = inventory(report, &scenario);
        if !items.is_empty() {
            out.push_str("<details><summary>everything seen</summary><table><tr><th>kind</th><th>name</th><th>where</th><th>party, lifetime</th></tr>\n");
            for (k, n, p, e) in items {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    escape(&k),
                    escape(&n),
                    escape(&p),
                    escape(&e)
                );
            }
            out.push_str("</table></details>\n");
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// The report as JUnit XML: a test suite per scenario, a test case per cookie or key seen,
/// failing with the findings at or above `fail_on` that the allow-list does not accept.
pub fn junit(report: &Report) -> String {
    let fail_on =
        crate::report::FailOn::parse(&report.fail_on).unwrap_or(crate::report::FailOn::Never);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut suites = String::new();
    let (mut total_tests, mut total_failures) = (0usize, 0usize);
    for (scenario, findings) in by_scenario(report) {
        let mut cases: BTreeMap<(String, String), Vec<&FindingEntry>> = BTreeMap::new();
        for (kind, name, _, _) in inventory(report, &scenario) {
            if kind != "request" {
                cases.entry((kind, name)).or_default();
            }
        }
        for f in &findings {
            cases
                .entry((f.kind.clone(), f.name.clone()))
                .or_default()
                .push(f);
        }
        let mut body = String::new();
        let mut failures = 0;
        for ((kind, name), fs) in &cases {
            let _ = write!(
                body,
                "    <testcase classname=\"{}.{}\" name=\"{}\">",
                escape(&scenario),
                escape(kind),
                escape(name)
            );
            let failing: Vec<&&FindingEntry> = fs
                .iter()
                .filter(|f| f.accepted.is_none() && f.severity().is_some_and(|s| fail_on.fails(s)))
                .collect();
            if let Some(first) = failing.first() {
                failures += 1;
                let text: Vec<String> = failing
                    .iter()
                    .map(|f| {
                        let lines: Vec<String> = evidence_lines(&f.evidence)
                            .into_iter()
                            .map(|(k, v)| format!("  {k}: {v}"))
                            .collect();
                        format!(
                            "[{}] {}{}: {}\n{}",
                            f.severity,
                            f.code,
                            phase(f.after_withdrawal),
                            f.message,
                            lines.join("\n")
                        )
                    })
                    .collect();
                let _ = write!(
                    body,
                    "<failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(&first.code),
                    escape(&first.message),
                    escape(&text.join("\n\n"))
                );
            } else if let Some(f) = fs.iter().find(|f| f.accepted.is_some()) {
                let _ = write!(
                    body,
                    "<skipped message=\"accepted: {}\"/>",
                    escape(f.accepted.as_deref().unwrap_or(""))
                );
            }
            body.push_str("</testcase>\n");
        }
        total_tests += cases.len();
        total_failures += failures;
        let _ = write!(
            suites,
            "  <testsuite name=\"cookie-charter audit: {}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n{}  </testsuite>\n",
            escape(&scenario),
            cases.len(),
            failures,
            body
        );
    }
    let _ = write!(
        out,
        "<testsuites name=\"cookie-charter audit\" tests=\"{total_tests}\" failures=\"{total_failures}\">\n{suites}</testsuites>\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_site_controls() {
        assert_eq!(
            escape("<script>\"a\"&'b'</script>"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(
            message_html("cookie `<b>` is `x`"),
            "cookie <code>&lt;b&gt;</code> is <code>x</code>"
        );
        assert_eq!(cell("a|b\nc"), "a&#124;b<br>c");
    }
}
