//! The module's configuration of one `http`, `server` or `location` level: its directives'
//! values, how a level inherits from the one above, and the loading of a policy file.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use engine::limits::MAX_POLICY_BYTES;
use engine::{Error, ErrorKind, Policy, PolicyFormat};

/// nginx's `NGX_CONF_UNSET`: a flag no directive of the level set.
pub(crate) const UNSET: isize = -1;

/// The configuration of one level. `#[repr(C)]`: nginx's own `on|off` parser
/// (`ngx_conf_set_flag_slot`) writes [`enabled`](Self::enabled) at its offset.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct LocConf {
    /// `cookie_charter on|off`: `1`, `0`, or [`UNSET`] (inherited; `on` at the top).
    pub(crate) enabled: isize,
    /// The policy of `cookie_charter_policy`, shared with the levels below that inherit it.
    pub(crate) policy: Option<Arc<Policy>>,
}

impl Default for LocConf {
    fn default() -> Self {
        Self {
            enabled: UNSET,
            policy: None,
        }
    }
}

impl LocConf {
    /// Takes what this level leaves unset from the level above. An error when `cookie_charter
    /// on` applies here but no policy does.
    pub(crate) fn merge(&mut self, parent: &LocConf) -> Result<(), String> {
        if self.enabled == UNSET {
            self.enabled = parent.enabled;
        }
        if self.policy.is_none() {
            self.policy.clone_from(&parent.policy);
        }
        if self.enabled == 1 && self.policy.is_none() {
            return Err(
                "`cookie_charter on` needs a `cookie_charter_policy` at the same level or above"
                    .to_owned(),
            );
        }
        Ok(())
    }

    /// The policy that applies at this level, whether responses are filtered or not (the
    /// variables read it).
    pub(crate) fn policy(&self) -> Option<&Policy> {
        self.policy.as_deref()
    }

    /// The policy that filters this level's responses: none when `cookie_charter off` applies.
    pub(crate) fn enforced(&self) -> Option<&Policy> {
        if self.enabled == 0 {
            None
        } else {
            self.policy()
        }
    }
}

/// Loads the policy file at `path` (TOML, or JSON when its name ends in `.json`). The error
/// names the file and gives the engine's code, location and message, as the CLI does:
/// ``cannot load the policy `/etc/site.toml`: error[unknown_purpose]: line 10, column 11:
/// cookies[0].purpose: …``.
///
/// At most [`MAX_POLICY_BYTES`] are read: a larger file (or a device that never ends) is the
/// engine's `too_large` error, without being read whole.
pub(crate) fn load_policy(path: &Path) -> Result<Policy, String> {
    let shown = path.display();
    let read = |e: std::io::Error| format!("cannot read the policy `{shown}`: {e}");
    let file = File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_POLICY_BYTES).map_or(u64::MAX, |n| n.saturating_add(1));
    file.take(limit).read_to_end(&mut bytes).map_err(read)?;
    let loaded = if bytes.len() > MAX_POLICY_BYTES {
        Err(Error::new(
            ErrorKind::TooLarge,
            format!("the file is larger than the limit of {MAX_POLICY_BYTES} bytes"),
        ))
    } else {
        Policy::from_file_bytes(&bytes, PolicyFormat::of_path(path))
    };
    loaded.map_err(|e| format!("cannot load the policy `{shown}`: error[{}]: {e}", e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cookie-charter-nginx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const POLICY: &str =
        "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"cc\"\n";

    #[test]
    fn a_level_inherits_what_it_leaves_unset() {
        let policy = Arc::new(Policy::from_toml(POLICY).unwrap());
        let http = LocConf {
            enabled: UNSET,
            policy: Some(policy.clone()),
        };
        let mut location = LocConf::default();
        location.merge(&http).unwrap();
        assert!(
            location.enforced().is_some(),
            "on by default where a policy applies"
        );
        let mut off = LocConf {
            enabled: 0,
            policy: None,
        };
        off.merge(&http).unwrap();
        assert!(off.enforced().is_none() && off.policy().is_some());
        let mut below_off = LocConf::default();
        below_off.merge(&off).unwrap();
        assert!(below_off.enforced().is_none());
        let mut on_again = LocConf {
            enabled: 1,
            policy: None,
        };
        on_again.merge(&off).unwrap();
        assert!(on_again.enforced().is_some());
    }

    #[test]
    fn on_without_a_policy_is_an_error() {
        let mut on = LocConf {
            enabled: 1,
            policy: None,
        };
        let error = on.merge(&LocConf::default()).unwrap_err();
        assert!(error.contains("`cookie_charter_policy`"), "{error}");
        let mut nothing = LocConf::default();
        nothing.merge(&LocConf::default()).unwrap();
        assert!(nothing.enforced().is_none());
    }

    #[test]
    fn load_errors_name_the_file_and_the_engine_error() {
        let dir = dir();
        let missing = dir.join("missing.toml");
        let error = load_policy(&missing).unwrap_err();
        assert!(error.starts_with("cannot read the policy `"), "{error}");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, format!("{POLICY}[purposes.x]\nlabel = 3\n")).unwrap();
        let error = load_policy(&bad).unwrap_err();
        assert!(error.contains("bad.toml`: error["), "{error}");
        assert!(error.contains("line 6, column 9"), "{error}");
        let big = dir.join("big.toml");
        std::fs::write(&big, " ".repeat(MAX_POLICY_BYTES + 1)).unwrap();
        let error = load_policy(&big).unwrap_err();
        assert!(error.contains("error[too_large]"), "{error}");
        let json = dir.join("good.JSON");
        std::fs::write(
            &json,
            r#"{"site": {"name": "x", "url": "https://example.com", "consent_cookie": "cc"}}"#,
        )
        .unwrap();
        assert_eq!(load_policy(&json).unwrap().site().consent_cookie, "cc");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
