//! Comparing two reports: the cookies and storage keys added, removed or changed in each
//! scenario (`cookie-charter diff OLD NEW`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::report::{Report, SubjectEntry};

/// What is compared of one cookie or key: its party, lifetime, host-only flag and partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Traits {
    /// `first` or `third`.
    pub party: String,
    /// The lifetime as written, else as stored (`?` when unknown).
    pub lifetime: String,
    /// Host-only (cookies).
    pub host_only: Option<bool>,
    /// The partition (cookies).
    pub partition_key: Option<String>,
}

/// A difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The scenario.
    pub scenario: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// `cookie` or `storage`.
    pub kind: String,
    /// The name or key.
    pub name: String,
    /// Domain and path, or area and origin.
    pub place: String,
    /// Before (absent when added).
    pub old: Option<Traits>,
    /// After (absent when removed).
    pub new: Option<Traits>,
}

type Inventory = BTreeMap<(String, String, String, String), Traits>;

fn inventory(report: &Report) -> Inventory {
    let mut out = Inventory::new();
    for o in &report.observations {
        let traits = match &o.subject {
            SubjectEntry::Cookie {
                party,
                host_only,
                partition_key,
                write,
                stored_lifetime,
                ..
            } => {
                let lifetime = write
                    .as_ref()
                    .map(|w| w.lifetime.to_string())
                    .or_else(|| stored_lifetime.map(|l| l.to_string()));
                Traits {
                    party: party.clone(),
                    lifetime: lifetime.unwrap_or_else(|| "?".to_owned()),
                    host_only: Some(*host_only),
                    partition_key: partition_key.clone(),
                }
            }
            SubjectEntry::Storage { party, .. } => Traits {
                party: party.clone(),
                lifetime: "?".to_owned(),
                host_only: None,
                partition_key: None,
            },
            SubjectEntry::Request { .. } => continue,
        };
        let scenario = if o.after_withdrawal {
            format!("{} (after withdrawal)", o.scenario)
        } else {
            o.scenario.clone()
        };
        let key = (
            scenario,
            o.subject.kind().to_owned(),
            o.subject.name().to_owned(),
            o.subject.place(),
        );
        // A known lifetime wins over `?` (a cookie seen written and later only sent).
        match out.get_mut(&key) {
            Some(t) if t.lifetime == "?" => *t = traits,
            Some(_) => {}
            None => {
                out.insert(key, traits);
            }
        }
    }
    out
}

/// The differences between two reports, by scenario, then kind, name and place.
pub fn diff(old: &Report, new: &Report) -> Vec<Change> {
    let (a, b) = (inventory(old), inventory(new));
    let mut out = Vec::new();
    let change = |key: &(String, String, String, String),
                  what: &str,
                  o: Option<&Traits>,
                  n: Option<&Traits>| Change {
        scenario: key.0.clone(),
        change: what.to_owned(),
        kind: key.1.clone(),
        name: key.2.clone(),
        place: key.3.clone(),
        old: o.cloned(),
        new: n.cloned(),
    };
    let mut keys: Vec<_> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (None, Some(n)) => out.push(change(key, "added", None, Some(n))),
            (Some(o), None) => out.push(change(key, "removed", Some(o), None)),
            (Some(o), Some(n)) if o != n => out.push(change(key, "changed", Some(o), Some(n))),
            _ => {}
        }
    }
    out
}

fn traits_text(t: &Traits) -> String {
    let mut s = format!("{} party, {}", t.party, t.lifetime);
    if t.host_only == Some(true) {
        s.push_str(", host-only");
    }
    if let Some(p) = &t.partition_key {
        let _ = write!(s, ", partitioned for {p}");
    }
    s
}

/// The differences as text, one per line.
pub fn text(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        let sign = match c.change.as_str() {
            "added" => "+",
            "removed" => "-",
            _ => "~",
        };
        let detail = match (&c.old, &c.new) {
            (Some(o), Some(n)) => format!("{} -> {}", traits_text(o), traits_text(n)),
            (Some(t), None) | (None, Some(t)) => traits_text(t),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "{sign} [{}] {} `{}` {}: {}",
            c.scenario, c.kind, c.name, c.place, detail
        );
    }
    out
}
