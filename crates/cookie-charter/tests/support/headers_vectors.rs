//! The `filter` and `purge` cases of the vector corpus (see `tests/vectors/README.md`), for the
//! Rust runner `vectors.rs`. Each function returns the differences it found.

use cookie_charter::{Consent, Dropped, Policy};
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
