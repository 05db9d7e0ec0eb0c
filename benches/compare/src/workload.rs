//! The one workload every engine runs: the 62-declaration inventory of the core's `decide`
//! benchmark, its 74 query names, one consent, one `now`; and the same charter written as Cedar
//! policies and as Rego.

use std::fmt::Write;

#[path = "../../../crates/cookie-charter/benches/support/inventory.rs"]
mod inventory;

pub use inventory::{declarations, policy_toml, queries};

#[path = "../../../crates/cookie-charter/benches/support/stream.rs"]
mod stream;

pub use stream::{Stream, stream};

/// The visitor's consent cookie value: statistics and preferences granted, marketing denied.
pub const CONSENT: &str = "v=1&rev=1&at=1700000000&statistics=1&marketing=0&preferences=1";

/// The time of every decision, unix seconds.
pub const NOW: u64 = 1_700_000_100;

/// The purposes [`CONSENT`] grants.
pub const GRANTED: [&str; 2] = ["statistics", "preferences"];

/// A response's `Set-Cookie` headers (those of the core's headers benchmark): necessary,
/// statistics, marketing and undeclared cookies, with the attributes real sites send.
pub const SET_COOKIES: [&str; 10] = [
    "sessionid=8f14e45fceea167a5a36dedd4bea2543; Path=/; HttpOnly; Secure; SameSite=Lax",
    "csrftoken=Zx3vQf9T2kLmN8pR4sW6yB1cD5eG7hJ0; Max-Age=31449600; Path=/; SameSite=Lax",
    "_ga=GA1.2.1234567890.1700000000; Max-Age=63072000; Path=/; Domain=example.com",
    "_ga_ABC123XYZ=GS1.1.1700000000.1.0.1700000000.0.0.0; Max-Age=63072000; Path=/",
    "_fbp=fb.1.1700000000000.1234567890; Max-Age=7776000; Path=/; Domain=.example.com",
    "IDE=AHWqTUm8s2; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/; Secure; SameSite=None",
    "theme=dark; Max-Age=31536000; Path=/",
    "cart=3x-sku-1234; Path=/; HttpOnly",
    "tracker_uid=abc123; Max-Age=31536000; Path=/",
    "_pk_id.1.a1b2=0123456789abcdef.1700000000.; Max-Age=33696000; Path=/",
];

/// The `Cookie` header of a visitor holding 10 cookies.
pub const COOKIE_HEADER: &str = "sessionid=8f14e45fceea167a5a36dedd4bea2543; csrftoken=Zx3vQf9T2kLmN8pR4sW6yB1cD5eG7hJ0; _ga=GA1.2.1234567890.1700000000; _ga_ABC123XYZ=GS1.1.1700000000.1.0; _fbp=fb.1.1700000000000.1234567890; IDE=AHWqTUm8s2; theme=dark; cart=3x-sku-1234; tracker_uid=abc123; cookies_preferences=v%3D1";

/// One declaration: `(name, purpose, third party, anonymous)`.
pub type Decl = (String, &'static str, bool, bool);

/// Splits a pattern at its `*`.
fn split(name: &str) -> Option<(&str, &str)> {
    name.split_once('*')
}

/// Whether `name` matches the one-`*` pattern `prefix*suffix`.
fn matches(name: &str, prefix: &str, suffix: &str) -> bool {
    name.len() >= prefix.len() + suffix.len() && name.starts_with(prefix) && name.ends_with(suffix)
}

/// Whether some name matches both patterns.
fn overlap(a: (&str, &str), b: (&str, &str)) -> bool {
    (a.0.starts_with(b.0) || b.0.starts_with(a.0)) && (a.1.ends_with(b.1) || b.1.ends_with(a.1))
}

/// A Cedar string literal.
fn cedar_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The charter as Cedar policies: one `permit` per declaration. The name is in the request's
/// context; a pattern is a `like` with the exact names and the more specific patterns it must
/// yield to excluded, so that exactly the declaration the charter picks can permit.
pub fn cedar_policies(decls: &[Decl]) -> String {
    let mut out = String::new();
    for (i, (name, purpose, third, anonymous)) in decls.iter().enumerate() {
        let mut cond = match split(name) {
            None => format!("context.name == {}", cedar_str(name)),
            Some((prefix, suffix)) => {
                let mut c = format!("context.name like {}", cedar_str(name));
                for (other, ..) in decls {
                    match split(other) {
                        None if matches(other, prefix, suffix) => {
                            let _ = write!(c, " && context.name != {}", cedar_str(other));
                        }
                        Some(o)
                            if o.0.len() + o.1.len() > prefix.len() + suffix.len()
                                && overlap((prefix, suffix), o) =>
                        {
                            let _ = write!(c, " && !(context.name like {})", cedar_str(other));
                        }
                        _ => {}
                    }
                }
                c
            }
        };
        let exempt = *purpose == "necessary" || (!third && *purpose == "statistics" && *anonymous);
        if !exempt {
            let _ = write!(cond, " && context.granted.contains({})", cedar_str(purpose));
        }
        let _ = writeln!(
            out,
            "@id(\"d{i}\")\npermit (principal, action == Action::\"set\", resource)\nwhen {{ {cond} }};\n"
        );
    }
    out
}

/// The charter as Rego: the declarations as data, the longest matching pattern when no exact
/// name matches, and one `allowed` rule per rule of the charter.
pub fn rego_policy(decls: &[Decl]) -> String {
    let mut exact = serde_json::Map::new();
    let mut patterns = Vec::new();
    for (name, purpose, third, anonymous) in decls {
        let decl = serde_json::json!({"purpose": purpose, "third": third, "anonymous": anonymous});
        match split(name) {
            None => {
                exact.insert(name.clone(), decl);
            }
            Some((prefix, suffix)) => patterns.push(serde_json::json!({
                "prefix": prefix, "suffix": suffix, "len": prefix.len() + suffix.len(),
                "purpose": purpose, "third": third, "anonymous": anonymous,
            })),
        }
    }
    format!(
        r#"package charter

import rego.v1

exact := {exact}

patterns := {patterns}

matching contains p if {{
	some p in patterns
	count(input.name) >= p.len
	startswith(input.name, p.prefix)
	endswith(input.name, p.suffix)
}}

decl := exact[input.name]

decl := p if {{
	not exact[input.name]
	count(matching) > 0
	best := max({{q.len | some q in matching}})
	some p in matching
	p.len == best
}}

default allowed := false

allowed if decl.purpose == "necessary"

allowed if {{
	decl.third
	input.granted[decl.purpose]
}}

allowed if {{
	not decl.third
	decl.purpose == "statistics"
	decl.anonymous
}}

allowed if {{
	not decl.third
	input.granted[decl.purpose]
}}
"#,
        // Pretty-printed: Rego limits the width of a line.
        exact = serde_json::to_string_pretty(&serde_json::Value::Object(exact)).unwrap_or_default(),
        patterns =
            serde_json::to_string_pretty(&serde_json::Value::Array(patterns)).unwrap_or_default(),
    )
}
