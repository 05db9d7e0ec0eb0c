//! The module's configuration of one `http`, `server` or `location` level: its directives'
//! values, how a level inherits from the one above, and the loading of a policy file.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use engine::limits::MAX_POLICY_BYTES;
use engine::{ConsentKeys, Error, ErrorKind, Policy, PolicyFormat};

/// The largest consent key file read: 64 keys of a few dozen bytes each fit many times over.
pub(crate) const MAX_KEYS_FILE_BYTES: usize = 64 * 1024;

/// nginx's `NGX_CONF_UNSET`: a flag no directive of the level set.
pub(crate) const UNSET: isize = -1;

/// The configuration of one level. `#[repr(C)]`: nginx's own `on|off` parser
/// (`ngx_conf_set_flag_slot`) writes [`enabled`](Self::enabled) at its offset.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct LocConf {
    /// `cookie_charter on|off`: `1`, `0`, or [`UNSET`] (inherited; `on` at the top).
    pub(crate) enabled: isize,
    /// The policy of `cookie_charter_policy`, shared with the levels below that inherit it;
    /// once merged, with the keys of the level ([`keys`](Self::keys)).
    pub(crate) policy: Option<Arc<Policy>>,
    /// The keys of `cookie_charter_consent_keys`, which verify signed consent cookies, inherited
    /// like the policy.
    pub(crate) keys: Option<ConsentKeys>,
}

impl Default for LocConf {
    fn default() -> Self {
        Self {
            enabled: UNSET,
            policy: None,
            keys: None,
        }
    }
}

impl LocConf {
    /// Takes what this level leaves unset from the level above, and gives the level's policy
    /// its keys: the level's own policy takes the keys that apply here (its own or inherited),
    /// an inherited policy keeps the level above's keys unless this level names its own. An
    /// error when `cookie_charter on` applies here but no policy does.
    pub(crate) fn merge(&mut self, parent: &LocConf) -> Result<(), String> {
        if self.enabled == UNSET {
            self.enabled = parent.enabled;
        }
        let own_policy = self.policy.is_some();
        let own_keys = self.keys.is_some();
        if !own_keys {
            self.keys.clone_from(&parent.keys);
        }
        if !own_policy {
            // Already given the level above's keys when it was merged.
            self.policy.clone_from(&parent.policy);
        }
        if own_policy || own_keys {
            if let (Some(policy), Some(keys)) = (&self.policy, &self.keys) {
                let keyed = Policy::clone(policy).with_consent_keys(keys.clone());
                self.policy = Some(Arc::new(keyed));
            }
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

/// Loads the consent keys of the file at `path`: one `<key id>:<base64url secret>` per line, the
/// signing key first (`docs/records.md`). The error names the file and never quotes a secret:
/// ``cannot load the consent keys `/etc/keys`: error[invalid_argument]: the secret of key `k1`
/// has 5 bytes, fewer than 32``. At most [`MAX_KEYS_FILE_BYTES`] are read.
pub(crate) fn load_keys(path: &Path) -> Result<ConsentKeys, String> {
    let shown = path.display();
    let read = |e: std::io::Error| format!("cannot read the consent keys `{shown}`: {e}");
    let file = File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_KEYS_FILE_BYTES).map_or(u64::MAX, |n| n.saturating_add(1));
    file.take(limit).read_to_end(&mut bytes).map_err(read)?;
    if bytes.len() > MAX_KEYS_FILE_BYTES {
        return Err(format!(
            "cannot read the consent keys `{shown}`: the file is larger than {MAX_KEYS_FILE_BYTES} bytes"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        format!("cannot read the consent keys `{shown}`: the file is not valid utf-8")
    })?;
    ConsentKeys::parse(&text).map_err(|e| {
        format!(
            "cannot load the consent keys `{shown}`: error[{}]: {e}",
            e.code()
        )
    })
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
            keys: None,
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
            keys: None,
        };
        off.merge(&http).unwrap();
        assert!(off.enforced().is_none() && off.policy().is_some());
        let mut below_off = LocConf::default();
        below_off.merge(&off).unwrap();
        assert!(below_off.enforced().is_none());
        let mut on_again = LocConf {
            enabled: 1,
            policy: None,
            keys: None,
        };
        on_again.merge(&off).unwrap();
        assert!(on_again.enforced().is_some());
    }

    #[test]
    fn on_without_a_policy_is_an_error() {
        let mut on = LocConf {
            enabled: 1,
            policy: None,
            keys: None,
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

    const KEYS: &str = "new:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0";
    const SIGNED: &str = "v=1&rev=1&at=1700000000&_rid=0123456789abcdef0123456789abcdef\
                          &_kid=new&_sig=N1JmAnO6Xz0_bE-qL35KKTrjMSk0y3mVb7Nrub3JsKI";

    fn verifies(conf: &LocConf) -> bool {
        let consent = engine::Consent::from_cookie(SIGNED);
        conf.policy().unwrap().verify_consent(consent).is_verified()
    }

    #[test]
    fn keys_apply_to_the_policy_of_their_level_and_below() {
        let keys = ConsentKeys::parse(KEYS).unwrap();
        let policy = Arc::new(Policy::from_toml(POLICY).unwrap());
        // Keys and policy at the top level; a location below inherits both.
        let mut http = LocConf {
            enabled: UNSET,
            policy: Some(policy.clone()),
            keys: Some(keys.clone()),
        };
        http.merge(&LocConf::default()).unwrap();
        assert!(verifies(&http));
        let mut location = LocConf::default();
        location.merge(&http).unwrap();
        assert!(verifies(&location));
        assert!(Arc::ptr_eq(
            location.policy.as_ref().unwrap(),
            http.policy.as_ref().unwrap()
        ));
        // Keys at the top, a policy of its own below: the keys apply to it.
        let mut own_policy = LocConf {
            enabled: UNSET,
            policy: Some(policy.clone()),
            keys: None,
        };
        own_policy.merge(&http).unwrap();
        assert!(verifies(&own_policy));
        // A policy at the top without keys, keys below: only below.
        let mut plain = LocConf {
            enabled: UNSET,
            policy: Some(policy),
            keys: None,
        };
        plain.merge(&LocConf::default()).unwrap();
        assert!(!verifies(&plain));
        let mut keyed = LocConf {
            enabled: UNSET,
            policy: None,
            keys: Some(keys),
        };
        keyed.merge(&plain).unwrap();
        assert!(verifies(&keyed));
        assert!(!verifies(&plain));
    }

    #[test]
    fn key_file_errors_name_the_file_and_hide_secrets() {
        // Not under `dir()`, which another test removes.
        let dir =
            std::env::temp_dir().join(format!("cookie-charter-nginx-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        std::fs::write(&good, format!("# keys\n{KEYS}\n")).unwrap();
        assert_eq!(load_keys(&good).unwrap().signing_key_id().as_str(), "new");
        let error = load_keys(&dir.join("missing")).unwrap_err();
        assert!(
            error.starts_with("cannot read the consent keys `"),
            "{error}"
        );
        let short = dir.join("short");
        std::fs::write(&short, "k1:c2hvcnQ\n").unwrap();
        let error = load_keys(&short).unwrap_err();
        assert!(
            error.contains("short`: error[invalid_argument]: "),
            "{error}"
        );
        assert!(error.contains("fewer than 32"), "{error}");
        assert!(!error.contains("c2hvcnQ"), "{error}");
        let big = dir.join("big");
        std::fs::write(&big, "#".repeat(MAX_KEYS_FILE_BYTES + 1)).unwrap();
        assert!(load_keys(&big).unwrap_err().contains("larger than"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
