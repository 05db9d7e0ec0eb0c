//! Hints for undeclared cookies from the Open Cookie Database snapshot (`data/`, Apache-2.0, see
//! `data/NOTICE`): a probable provider, purpose and retention, with the data set's id, and a
//! policy entry ready to paste. A hint is never a decision: the data set's "Functional" also
//! covers strictly necessary cookies, and a name can mean different things on different sites.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The data set, embedded.
const CSV: &str = include_str!("../data/open-cookie-database.csv");

/// Where hints come from, as printed beside them.
pub const SOURCE: &str =
    "Open Cookie Database (jkwakman/Open-Cookie-Database, commit 0ee5a17, Apache-2.0)";

/// What the data set suggests about a cookie name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// The data set's id of the entry.
    pub id: String,
    /// `exact` or `prefix` (the entry's name is a prefix of the cookie's).
    pub matched: String,
    /// The entry's name.
    pub entry_name: String,
    /// The platform (provider's product), such as `Google Analytics`.
    pub platform: String,
    /// Who controls the data.
    pub controller: String,
    /// The data set's category: `Functional`, `Analytics`, `Marketing`...
    pub category: String,
    /// The purpose it suggests: `statistics`, `marketing`, `necessary`, `preferences`, or
    /// `necessary or preferences` for `Functional`.
    pub suggested_purpose: String,
    /// The retention period, as the data set writes it.
    pub retention: String,
    /// The data set's description.
    pub description: String,
    /// A `[[cookies]]` entry to paste into the policy, to be checked by a person.
    pub policy_entry: String,
}

#[derive(Debug, Deserialize)]
struct Row {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Platform")]
    platform: String,
    #[serde(rename = "Category")]
    category: String,
    #[serde(rename = "Cookie / Data Key name")]
    name: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Retention period")]
    retention: String,
    #[serde(rename = "Data Controller")]
    controller: String,
    #[serde(rename = "Wildcard match")]
    wildcard: String,
}

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        csv::Reader::from_reader(CSV.as_bytes())
            .deserialize()
            .filter_map(std::result::Result::ok)
            .collect()
    })
}

/// The number of entries in the embedded data set.
pub fn entries() -> usize {
    rows().len()
}

fn suggested(category: &str) -> &'static str {
    match category {
        "Analytics" => "statistics",
        "Marketing" => "marketing",
        "Security" | "Necessary" => "necessary",
        "Personalization" => "preferences",
        _ => "necessary or preferences",
    }
}

/// A lifetime the policy accepts, from the data set's retention text (`2 years`, `session`...);
/// `None` when it is not of that form.
fn lifetime(retention: &str) -> Option<String> {
    let text = retention.trim().to_ascii_lowercase();
    cookie_charter::Lifetime::parse(&text).ok().map(|_| text)
}

fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The hints for a cookie name: the entries with exactly that name, else the entry whose
/// name is the longest prefix of it among the wildcard entries.
pub fn for_name(name: &str) -> Vec<Hint> {
    let rows = rows();
    let exact: Vec<&Row> = rows.iter().filter(|r| r.name == name).collect();
    let (matched, chosen) = if exact.is_empty() {
        let best = rows
            .iter()
            .filter(|r| r.wildcard.trim() == "1" && !r.name.is_empty() && name.starts_with(&r.name))
            .max_by_key(|r| r.name.len());
        ("prefix", best.into_iter().collect::<Vec<_>>())
    } else {
        ("exact", exact)
    };
    chosen
        .into_iter()
        .map(|r| {
            let purpose = suggested(&r.category);
            let pattern = if matched == "prefix" {
                format!("{}*", r.name)
            } else {
                name.to_owned()
            };
            let policy_entry = format!(
                "[[cookies]]\nname = {}\nprovider = {}\nservice = {}\npurpose = {}  # check: the data set says {}\ndescription = {}\nlifetime = {}\n",
                toml_string(&pattern),
                toml_string(&r.controller),
                toml_string(&r.platform),
                toml_string(purpose.split(' ').next().unwrap_or("necessary")),
                toml_string(&r.category),
                toml_string(&r.description),
                toml_string(&lifetime(&r.retention).unwrap_or_else(|| "session".to_owned())),
            );
            Hint {
                id: r.id.clone(),
                matched: matched.to_owned(),
                entry_name: r.name.clone(),
                platform: r.platform.clone(),
                controller: r.controller.clone(),
                category: r.category.clone(),
                suggested_purpose: purpose.to_owned(),
                retention: r.retention.clone(),
                description: r.description.clone(),
                policy_entry,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exact_and_prefix_entries() {
        assert_eq!(entries(), 2264);
        let ga = for_name("_ga");
        assert!(!ga.is_empty());
        assert!(
            ga.iter()
                .all(|h| h.matched == "exact" && h.entry_name == "_ga")
        );
        assert!(ga.iter().any(|h| h.suggested_purpose == "statistics"));
        let prefixed = for_name("_ga_ABC123");
        assert_eq!(prefixed.len(), 1);
        assert_eq!(prefixed[0].matched, "prefix");
        assert!(
            prefixed[0]
                .policy_entry
                .starts_with("[[cookies]]\nname = \"_ga_*\"")
        );
        assert!(for_name("certainly-not-a-known-cookie").is_empty());
        // The entry pastes into a policy that loads.
        let policy = format!(
            "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\n{}",
            ga[0].policy_entry
        );
        assert!(
            cookie_charter::Policy::from_toml(&policy).is_ok(),
            "{policy}"
        );
    }
}
