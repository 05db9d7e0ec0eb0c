//! The `tc_decode` cases of `tests/vectors/tcf/`: decoding a TC string gives, for every key
//! present in `expected`, the value of the canonical JSON (`TcString::to_json`), or fails with
//! the `error` code.

use cookie_charter::TcString;
use serde_json::Value;

/// Runs one `tc_decode` case; returns the differences found.
pub fn run_tc_decode(case: &Value) -> Result<Vec<String>, String> {
    let text = case
        .get("tc_string")
        .and_then(Value::as_str)
        .ok_or("`tc_string` must be a string")?;
    let mut differences = Vec::new();
    match (
        TcString::decode(text),
        case.get("expected"),
        case.get("error"),
    ) {
        (Ok(tc), Some(expected), None) => {
            let actual: Value = serde_json::from_str(&tc.to_json())
                .map_err(|e| format!("to_json is not JSON: {e}"))?;
            compare(expected, &actual, "$", &mut differences);
        }
        (Err(e), None, Some(code)) => {
            if code.as_str() != Some(e.code()) {
                differences.push(format!("expected the error {code}, got {e}"));
            }
        }
        (Ok(_), None, Some(code)) => {
            differences.push(format!("expected the error {code}, but the string decoded"));
        }
        (Err(e), Some(_), None) => differences.push(format!("expected a value, got {e}")),
        _ => return Err("a case needs exactly one of `expected` and `error`".to_owned()),
    }
    Ok(differences)
}

/// Records where `actual` differs from `expected` on the keys `expected` has, recursively.
fn compare(expected: &Value, actual: &Value, path: &str, differences: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want) in want {
                let at = format!("{path}.{key}");
                match got.get(key) {
                    Some(got) => compare(want, got, &at, differences),
                    None => differences.push(format!("{at}: missing")),
                }
            }
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            for (i, (want, got)) in want.iter().zip(got).enumerate() {
                compare(want, got, &format!("{path}[{i}]"), differences);
            }
        }
        _ if expected == actual => {}
        _ => {
            let shown = |v: &Value| {
                let text = v.to_string();
                if text.len() > 200 {
                    format!("{}...", text.get(..200).unwrap_or_default())
                } else {
                    text
                }
            };
            differences.push(format!(
                "{path}: expected {}, got {}",
                shown(expected),
                shown(actual)
            ));
        }
    }
}
