//! The allow-list: findings a site accepts, each with its reason. Accepted findings stay in the
//! report, marked with the reason, and never fail a run.
//!
//! ```toml
//! [[accept]]
//! code = "undeclared"        # a finding code
//! name = "_hj*"              # the cookie name or storage key; one `*` matches any run
//! scenario = "none"          # optional: only in this scenario
//! reason = "Hotjar is being removed (ticket 42)"
//! ```

use std::path::Path;

use cookie_charter::audit::{Code, Finding};
use serde::Deserialize;

use crate::error::{Error, Result};

/// An allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Accept>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    /// The finding code.
    pub code: String,
    /// The name or pattern (one `*`).
    pub name: String,
    /// Only in this scenario.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Why it is accepted.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accept: Vec<Accept>,
}

impl AllowList {
    /// Reads an allow-list file.
    pub fn read(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Reads allow-list text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        let fail = |why: String| Error::AllowList {
            path: path.to_owned(),
            why,
        };
        let file: File = toml::from_str(text).map_err(|e| fail(e.to_string().trim().to_owned()))?;
        for (i, entry) in file.accept.iter().enumerate() {
            if Code::parse(&entry.code).is_none() {
                return Err(fail(format!(
                    "accept[{i}].code: `{}` is not a finding code",
                    entry.code
                )));
            }
            if entry.name.matches('*').count() > 1 || entry.name.is_empty() {
                return Err(fail(format!(
                    "accept[{i}].name: `{}` must be a name or a pattern with one `*`",
                    entry.name
                )));
            }
            if entry.reason.trim().is_empty() {
                return Err(fail(format!("accept[{i}].reason: a reason is required")));
            }
        }
        Ok(Self {
            entries: file.accept,
        })
    }

    /// The reason of the first entry that accepts `finding`.
    pub fn accepts(&self, finding: &Finding) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| {
                e.code == finding.code.as_str()
                    && e.scenario.as_ref().is_none_or(|s| *s == finding.scenario)
                    && matches_name(&e.name, &finding.name)
            })
            .map(|e| e.reason.as_str())
    }

    /// The entries.
    pub fn entries(&self) -> &[Accept] {
        &self.entries
    }
}

fn matches_name(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_refuses() {
        let list = AllowList::parse(
            "[[accept]]\ncode = \"undeclared\"\nname = \"_hj*\"\nreason = \"going away\"\n",
            "allow.toml",
        )
        .unwrap();
        assert_eq!(list.entries().len(), 1);
        assert!(matches_name("_hj*", "_hjid"));
        assert!(!matches_name("_hj*", "_h"));
        for (bad, why) in [
            (
                "[[accept]]\ncode = \"nope\"\nname = \"a\"\nreason = \"r\"\n",
                "is not a finding code",
            ),
            (
                "[[accept]]\ncode = \"undeclared\"\nname = \"a\"\nreason = \" \"\n",
                "a reason is required",
            ),
            (
                "[[accept]]\ncode = \"undeclared\"\nname = \"a*b*\"\nreason = \"r\"\n",
                "one `*`",
            ),
            (
                "[[accept]]\ncode = \"undeclared\"\nname = \"a\"\n",
                "missing field `reason`",
            ),
        ] {
            let e = AllowList::parse(bad, "allow.toml").unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
    }
}
