//! Purposes: why a cookie exists, and the two built-in ones.

use std::fmt;

use arrayvec::ArrayString;

use crate::consent_mode::Signals;
use crate::error::{Error, ErrorKind, Result};
use crate::text::Text;

/// The id of the built-in purpose whose cookies need no consent.
pub const NECESSARY: &str = "necessary";
/// The id of the built-in purpose whose anonymous cookies may be exempt.
pub const STATISTICS: &str = "statistics";

/// The longest purpose id, in bytes.
const MAX_ID_BYTES: usize = 32;

/// A purpose id: `[a-z][a-z0-9_-]{0,31}`.
///
/// Held inline rather than on the heap: reading a consent cookie, which makes one per purpose on
/// every request, allocates nothing for them.
///
/// # Examples
///
/// ```
/// use cookie_charter::{ErrorKind, PurposeId};
///
/// let id = PurposeId::new("marketing")?;
/// assert_eq!(id.as_str(), "marketing");
/// assert_eq!(id.to_string(), "marketing");
/// assert!(PurposeId::new("statistics")? > id); // ordered as text
/// assert_eq!(PurposeId::new("Marketing").unwrap_err().kind(), ErrorKind::InvalidPurposeId);
/// assert!(PurposeId::new("rev").is_err()); // reserved by the consent cookie
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PurposeId(ArrayString<MAX_ID_BYTES>);

impl PurposeId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<Self> {
        if RESERVED_IDS.contains(&id) {
            Err(Error::new(
                ErrorKind::InvalidPurposeId,
                format!("purpose id `{id}` is reserved by the consent cookie format"),
            ))
        } else if let Some(id) = Self::checked(id) {
            Ok(id)
        } else {
            Err(Error::new(
                ErrorKind::InvalidPurposeId,
                format!(
                    "purpose id `{}` must match [a-z][a-z0-9_-]{{0,31}}",
                    id.escape_debug()
                ),
            ))
        }
    }

    /// `id` when it is valid ([`is_purpose_id`]): the consent parser's check, without the
    /// error message it does not need.
    pub(crate) fn checked(id: &str) -> Option<Self> {
        if !is_purpose_id(id) {
            return None;
        }
        // Always fits: `is_purpose_id` allows at most `MAX_ID_BYTES` bytes.
        ArrayString::from(id).ok().map(Self)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for PurposeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PurposeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The highest IAB TCF purpose id a policy may map (the TC string has 24 purpose bits).
pub const MAX_TCF_PURPOSE: u8 = 24;

/// Keys of the consent cookie that no purpose may take: `v`, `rev` and `at`.
pub const RESERVED_IDS: [&str; 3] = ["v", "rev", "at"];

/// Whether `id` matches `[a-z][a-z0-9_-]{0,31}` and is not one of [`RESERVED_IDS`].
///
/// # Examples
///
/// ```
/// use cookie_charter::is_purpose_id;
///
/// assert!(is_purpose_id("ads_2-eu"));
/// assert!(!is_purpose_id("2ads"));
/// assert!(!is_purpose_id("at"));
/// assert!(!is_purpose_id(&"a".repeat(33)));
/// ```
pub fn is_purpose_id(id: &str) -> bool {
    // `RESERVED_IDS`, as one match (compared by length first).
    if matches!(id, "v" | "rev" | "at") {
        return false;
    }
    let bytes = id.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            first.is_ascii_lowercase()
                && rest.len() < MAX_ID_BYTES
                && rest.iter().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-'
                })
        }
        None => false,
    }
}

/// A purpose declared by a policy (or built in).
///
/// # Examples
///
/// ```
/// use cookie_charter::{NECESSARY, STATISTICS, Signal};
///
/// # let policy = cookie_charter::Policy::from_toml(r#"
/// # [site]
/// # name = "Example"
/// # url = "https://www.example.com"
/// # consent_cookie = "consent"
/// # [purposes.marketing]
/// # label = "Marketing"
/// # [purposes.preferences]
/// # label = "Preferences"
/// # [[cookies]]
/// # name = "consent"
/// # provider = "Example"
/// # service = "Consent banner"
/// # purpose = "necessary"
/// # description = "Remembers your choice"
/// # lifetime = "6 months"
/// # [[cookies]]
/// # name = "_pk_id"
/// # provider = "Example"
/// # service = "Matomo"
/// # purpose = "statistics"
/// # description = "Counts visits"
/// # lifetime = "13 months"
/// # anonymous = true
/// # [[cookies]]
/// # name = "theme"
/// # provider = "Example"
/// # service = "Site"
/// # purpose = "preferences"
/// # description = "Remembers the theme"
/// # lifetime = "1 year"
/// # [[cookies]]
/// # name = "_ad_*"
/// # provider = "Ads Inc."
/// # service = "Advertising"
/// # purpose = "marketing"
/// # description = "Tracks you"
/// # lifetime = "13 months"
/// # domain = "ads.example.net"
/// # "#)?;
/// let necessary = policy.purpose(NECESSARY).unwrap();
/// assert!(necessary.is_necessary());
/// assert!(necessary.consent_mode.contains(Signal::SecurityStorage));
/// let statistics = policy.purpose(STATISTICS).unwrap();
/// assert!(!statistics.is_necessary());
/// assert_eq!(statistics.label.exact("en"), Some("Statistics cookies")); // built in
/// let marketing = policy.purpose("marketing").unwrap();
/// assert!(marketing.gpc); // it maps an advertising signal
/// assert_eq!(marketing.revision, 1);
/// assert!(marketing.tcf_purposes.is_empty());
/// assert!(marketing.description.is_none());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Purpose {
    /// Its id.
    pub id: PurposeId,
    /// Its title in each language.
    pub label: Text,
    /// An optional longer explanation.
    pub description: Option<Text>,
    /// The site revision at which its cookies last changed; older consents are `stale` for it.
    pub revision: u64,
    /// The Google Consent Mode signals it grants when granted (`consent_mode`).
    pub consent_mode: Signals,
    /// Whether Global Privacy Control refuses it when the visitor has not chosen (`gpc`).
    pub gpc: bool,
    /// The IAB TCF purposes (1–24) whose consent a TC string must hold to grant it
    /// (`tcf_purposes`); empty: a TC string says nothing of it.
    pub tcf_purposes: Vec<u8>,
}

impl Purpose {
    /// Whether this is the built-in `necessary` purpose.
    pub fn is_necessary(&self) -> bool {
        self.id.as_str() == NECESSARY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ids_are_not_purpose_ids() {
        // `is_purpose_id` spells the list out as one match: it must agree with the list.
        for id in RESERVED_IDS {
            assert!(!is_purpose_id(id), "{id}");
            assert!(PurposeId::checked(id).is_none(), "{id}");
            assert!(PurposeId::new(id).is_err(), "{id}");
        }
        assert!(is_purpose_id("va") && is_purpose_id("re") && is_purpose_id("att"));
    }

    #[test]
    fn ids_follow_the_grammar() {
        for ok in [
            "a",
            "necessary",
            "ads-2",
            "x_y",
            &format!("a{}", "b".repeat(31)),
        ] {
            assert!(is_purpose_id(ok), "{ok}");
        }
        for bad in [
            "",
            "A",
            "1a",
            "-a",
            "a b",
            "é",
            &format!("a{}", "b".repeat(32)),
        ] {
            assert!(!is_purpose_id(bad), "{bad}");
        }
        assert_eq!(
            PurposeId::new("Ads").unwrap_err().code(),
            "invalid_purpose_id"
        );
    }

    #[test]
    fn the_longest_id_is_held_whole() {
        let longest = format!("a{}", "b".repeat(MAX_ID_BYTES - 1));
        assert_eq!(PurposeId::new(&longest).unwrap().as_str(), longest);
        assert_eq!(PurposeId::checked(&longest).unwrap().as_str(), longest);
        let past = format!("{longest}b");
        assert!(PurposeId::new(&past).is_err());
        assert!(PurposeId::checked(&past).is_none());
    }

    proptest::proptest! {
        /// Ids compare and print as their text, and are equal when their texts are: a consent
        /// keeps its choices sorted by id.
        #[test]
        fn ids_behave_as_their_text(a in "[a-z][a-z0-9_-]{0,31}", b in "[a-z][a-z0-9_-]{0,31}") {
            proptest::prop_assume!(is_purpose_id(&a) && is_purpose_id(&b));
            let (x, y) = (PurposeId::new(&a).unwrap(), PurposeId::new(&b).unwrap());
            proptest::prop_assert_eq!(x.as_str(), a.as_str());
            proptest::prop_assert_eq!(x.to_string(), a.clone());
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x == y, a == b);
        }
    }
}
