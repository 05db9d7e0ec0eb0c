//! The `filter`, `purge` and `respond` cases of the vector corpus (see `tests/vectors/README.md`), for the
//! Rust runner `vectors.rs`. Each function returns the differences it found.

use cookie_charter::{Consent, Dropped, Handled, Policy, Purge, Request};
use serde_json::{Value, json};

/// The strings of the array field `key` of a case.
fn strings<'v>(case: &'v Value, key: &str) -> Result<Vec<&'v str>, String> {
    case.get(key)
        .and_then(Value::as_array)
        .ok_or(format!("`{key}` must be an array"))?
        .iter()
        .map(|v| v.as_str().ok_or(format!("`{key}` must hold strings")))
        .collect()
}

/// A dropped header as the corpus writes it.
fn dropped_json(d: &Dropped<'_, '_>) -> Value {
    json!({
        "header": d.header,
        "cookie": d.cookie,
        "allowed": d.decision.allowed,
        "rule": d.decision.rule.as_str(),
        "purpose": d.decision.purpose,
        "consent_state": d.decision.consent_state.map(|s| s.as_str()),
    })
}

/// Runs a `filter` case: `kept` byte for byte and in order, `dropped` with their decisions.
pub fn run_filter(
    policy: &Policy,
    consent: &Consent,
    now: u64,
    case: &Value,
) -> Result<Vec<String>, String> {
    let set_cookies = strings(case, "set_cookies")?;
    let want_kept = strings(case, "kept")?;
    let want_dropped = case
        .get("dropped")
        .and_then(Value::as_array)
        .ok_or("`dropped` must be an array")?;
    let filtered = policy.filter_set_cookies(set_cookies.iter().copied(), consent, now);
    let mut differences = Vec::new();
    let got_kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();
    if got_kept != want_kept {
        differences.push(format!("kept: expected {want_kept:?}, got {got_kept:?}"));
    }
    let got_dropped: Vec<Value> = filtered.dropped.iter().map(dropped_json).collect();
    if got_dropped != *want_dropped {
        differences.push(format!(
            "dropped: expected {}, got {}",
            Value::from(want_dropped.clone()),
            Value::from(got_dropped)
        ));
    }
    Ok(differences)
}

/// Runs a `purge` case: the purged cookies in order, each with its deletion headers.
pub fn run_purge(
    policy: &Policy,
    consent: &Consent,
    now: u64,
    case: &Value,
) -> Result<Vec<String>, String> {
    let header = case
        .get("cookie_header")
        .and_then(Value::as_str)
        .ok_or("`cookie_header` must be a string")?;
    let want = case.get("purged").ok_or("`purged` is missing")?;
    let got: Value = policy
        .purge(header, consent, now)
        .iter()
        .map(|p| json!({"cookie": p.cookie, "headers": p.headers}))
        .collect();
    Ok(if got == *want {
        Vec::new()
    } else {
        vec![format!("purged: expected {want}, got {got}")]
    })
}

/// Runs a `respond` case: the request (`cookie` fields, `sec_gpc` values), what the handler did
/// (`handled`), `purge` and `now` through [`Policy::respond`]; the judging consent's problem and
/// GPC flag, the values to `send` in order, and the `dropped` ones with their decisions.
pub fn run_respond(policy: &Policy, case: &Value) -> Result<Vec<String>, String> {
    let mut request = Request::new();
    for field in strings(case, "cookie")? {
        request.add_cookie(field);
    }
    for value in strings(case, "sec_gpc")? {
        request.add_sec_gpc(value);
    }
    let now = case
        .get("now")
        .and_then(Value::as_u64)
        .ok_or("`now` must be an unsigned integer")?;
    let purge = match case.get("purge").and_then(Value::as_bool) {
        Some(true) => Purge::On,
        Some(false) => Purge::Off,
        None => return Err("`purge` must be a boolean".to_owned()),
    };
    let replaced;
    let handled = match case.get("handled") {
        Some(Value::String(s)) if s == "unchanged" => Handled::Unchanged,
        Some(Value::String(s)) if s == "not_a_consent" => Handled::NotAConsent,
        Some(Value::Object(o)) if o.len() == 1 => {
            let value = o
                .get("replaced")
                .and_then(Value::as_str)
                .ok_or("`handled.replaced` must be a string")?;
            replaced = Consent::from_cookie(value);
            Handled::Replaced(&replaced)
        }
        other => return Err(format!("`handled` is not a known value: {other:?}")),
    };
    let set_cookies = strings(case, "set_cookies")?;
    let response = policy.respond(&request, handled, set_cookies, purge, now);
    let mut differences = Vec::new();
    let problem = response.consent.problem_at(now).map(|p| p.code());
    let want_problem = case.get("consent_problem").and_then(Value::as_str);
    if problem != want_problem {
        differences.push(format!(
            "consent_problem: expected {want_problem:?}, got {problem:?}"
        ));
    }
    // `consent_source` (where present): which of the policy's sources gave the consent.
    if let Some(want_source) = case.get("consent_source") {
        let got_source = response.consent.source().map_or(
            Value::Null,
            |s| serde_json::json!({ "index": s.index, "format": s.format.as_str() }),
        );
        if got_source != *want_source {
            differences.push(format!(
                "consent_source: expected {want_source}, got {got_source}"
            ));
        }
    }
    let want_gpc = case.get("gpc").and_then(Value::as_bool);
    if Some(response.consent.gpc()) != want_gpc {
        differences.push(format!(
            "gpc: expected {want_gpc:?}, got {}",
            response.consent.gpc()
        ));
    }
    let want_send = strings(case, "send")?;
    let got_send: Vec<&str> = response.set_cookies().collect();
    if got_send != want_send {
        differences.push(format!("send: expected {want_send:?}, got {got_send:?}"));
    }
    let want_dropped = case.get("dropped").ok_or("`dropped` is missing")?;
    let got_dropped: Value = response.dropped().map(dropped_json).collect();
    if got_dropped != *want_dropped {
        differences.push(format!(
            "dropped: expected {want_dropped}, got {got_dropped}"
        ));
    }
    Ok(differences)
}
