//! Consent sources: reading the visitor's choice from the cookie of the banner (CMP) a site
//! already runs (spec §11, policy field `site.consent_sources`).
//!
//! A policy lists its sources in order; [`Policy::consent_from_cookie_header`] tries them and the
//! first one present in the request decides alone. Each format lives in its own module with its
//! grammar and the source of each fact (`research/cmp-cookie-formats.md` holds the details and
//! real captures); the decoders they share (raw checks, percent-decoding, form-decoding, base64,
//! JSON with a depth limit, ISO 8601 dates) are in [`decode`].
//!
//! The semantics are the same for every format:
//!
//! - a purpose is `granted` only when every key mapped to it is granted in the banner's value,
//!   `denied` when any mapped key is refused, and `unset` otherwise (a key without an answer, or
//!   a banner that says no decision was made yet);
//! - a value never grants a purpose it does not name through the mapping; `necessary` is granted
//!   by the policy whatever the value;
//! - the consent is dated by the banner's date where it records one, and is for the policy's
//!   current revision, or for none (`stale`) when the source maps a revision the banner's value
//!   does not hold;
//! - a value that cannot be decoded gives no consent and a [`Problem`], like the engine's own
//!   cookie; two copies of a source's cookie that disagree fail closed.

mod axeptio;
mod borlabs;
mod categories;
mod cookiebot;
mod cookieconsent;
mod cookieyes;
pub(crate) mod decode;
mod didomi;
mod iubenda;
mod json;
mod klaro;
mod onetrust;
mod tarteaucitron;
mod tcf;

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;

use crate::consent::{Choice, Consent, Problem};
use crate::cookie_header::parse_cookie_header;
use crate::policy::Policy;
use crate::purpose::PurposeId;

pub(crate) use axeptio::OWN_KEYS as AXEPTIO_OWN_KEYS;
pub(crate) use categories::POLICY_ID as COMPLIANZ_POLICY_ID;
pub(crate) use didomi::VENDOR as DIDOMI_VENDOR;
pub(crate) use iubenda::{PREFIX as IUBENDA_PREFIX, SIMPLE as IUBENDA_SIMPLE};
pub(crate) use onetrust::ALERT_BOX_CLOSED as ONETRUST_ALERT_BOX_CLOSED;

/// Whether `key` is one of the fields of a CookieYes value that are not categories.
pub(crate) fn cookieyes_meta(key: &str) -> bool {
    cookieyes::META_KEYS.contains(&key)
}

/// The banners (CMPs) whose cookie a consent source reads (policy field `format`).
///
/// # Examples
///
/// ```
/// use cookie_charter::SourceFormat;
///
/// let format = SourceFormat::parse("tarteaucitron").unwrap();
/// assert_eq!(format, SourceFormat::Tarteaucitron);
/// assert_eq!(format.as_str(), "tarteaucitron");
/// assert_eq!(format.default_cookie(), Some("tarteaucitron"));
/// assert!(!format.records_date()); // its consents never expire
/// assert!(!format.records_revision());
/// assert!(!format.reads_prefix());
/// assert_eq!(format.fixed_keys(), None);
/// assert!(SourceFormat::Complianz.reads_prefix());
/// assert!(SourceFormat::Cookiebot.fixed_keys().is_some_and(|keys| keys.contains(&"marketing")));
/// assert!(SourceFormat::Cookieyes.records_revision());
/// assert!(SourceFormat::Onetrust.records_date());
/// assert_eq!(SourceFormat::CookieCharter.default_cookie(), None);
/// assert_eq!(SourceFormat::ALL.len(), 14);
/// assert!(SourceFormat::unreadable("termly").is_some());
/// assert_eq!(SourceFormat::unreadable("klaro"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceFormat {
    /// The engine's own consent cookie (`site.consent_cookie`).
    CookieCharter,
    /// An IAB TCF v2 TC string (`euconsent-v2`; OneTrust writes `eupubconsent-v2`).
    Tcf,
    /// tarteaucitron.js (`tarteaucitron`).
    Tarteaucitron,
    /// Klaro (`klaro`).
    Klaro,
    /// vanilla-cookieconsent v2 and v3 (`cc_cookie`).
    Cookieconsent,
    /// Cookiebot (`CookieConsent`).
    Cookiebot,
    /// OneTrust (`OptanonConsent`, with `OptanonAlertBoxClosed`).
    Onetrust,
    /// Didomi (`didomi_token`).
    Didomi,
    /// CookieYes (`cookieyes-consent`).
    Cookieyes,
    /// Complianz for WordPress (`cmplz_<category>` cookies).
    Complianz,
    /// The WordPress Consent API (`wp_consent_<category>` cookies).
    WpConsent,
    /// Axeptio (`axeptio_cookies`).
    Axeptio,
    /// Borlabs Cookie for WordPress (`borlabs-cookie`).
    Borlabs,
    /// iubenda (`_iub_cs-<site id>`).
    Iubenda,
}

/// Banners whose consent a server cannot read, and what to do instead: `check` refuses them.
const UNREADABLE: [(&str, &str); 3] = [
    (
        "usercentrics",
        "Usercentrics keeps the consent in the browser's local storage, which a server never sees; read its TC string with `format = \"tcf\"` if the site enables TCF, or store the choice in the engine's own cookie",
    ),
    (
        "termly",
        "Termly keeps the consent in the browser, not in a cookie, so a server never sees it; store the choice in the engine's own cookie",
    ),
    (
        "osano",
        "Osano's cookie is encrypted and no public method decodes it; store the choice in the engine's own cookie",
    ),
];

impl SourceFormat {
    /// Every format, in a stable order.
    pub const ALL: [SourceFormat; 14] = [
        Self::CookieCharter,
        Self::Tcf,
        Self::Tarteaucitron,
        Self::Klaro,
        Self::Cookieconsent,
        Self::Cookiebot,
        Self::Onetrust,
        Self::Didomi,
        Self::Cookieyes,
        Self::Complianz,
        Self::WpConsent,
        Self::Axeptio,
        Self::Borlabs,
        Self::Iubenda,
    ];

    /// The stable id, as the policy writes it: `cookie-charter`, `tcf`, `onetrust`...
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert_eq!(SourceFormat::WpConsent.as_str(), "wp_consent");
    /// assert_eq!(SourceFormat::CookieCharter.to_string(), "cookie-charter");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CookieCharter => "cookie-charter",
            Self::Tcf => "tcf",
            Self::Tarteaucitron => "tarteaucitron",
            Self::Klaro => "klaro",
            Self::Cookieconsent => "cookieconsent",
            Self::Cookiebot => "cookiebot",
            Self::Onetrust => "onetrust",
            Self::Didomi => "didomi",
            Self::Cookieyes => "cookieyes",
            Self::Complianz => "complianz",
            Self::WpConsent => "wp_consent",
            Self::Axeptio => "axeptio",
            Self::Borlabs => "borlabs",
            Self::Iubenda => "iubenda",
        }
    }

    /// Reads a format id.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert_eq!(SourceFormat::parse("onetrust"), Some(SourceFormat::Onetrust));
    /// assert_eq!(SourceFormat::parse("OneTrust"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Why a server cannot read the consent of the banner `name` (`usercentrics`, `termly`,
    /// `osano`), and what to do instead; `None` for any other name.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// let why = SourceFormat::unreadable("osano").unwrap();
    /// assert!(why.contains("encrypted"));
    /// assert_eq!(SourceFormat::unreadable("didomi"), None);
    /// ```
    pub fn unreadable(name: &str) -> Option<&'static str> {
        UNREADABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, why)| *why)
    }

    /// The cookie it reads when the source names none: a name, or for the formats that read one
    /// cookie per category ([`reads_prefix`](Self::reads_prefix)) the prefix of their names.
    /// `None` for `cookie-charter` (the policy's `site.consent_cookie`) and `iubenda` (any
    /// cookie named `_iub_cs-` and digits).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert_eq!(SourceFormat::Tcf.default_cookie(), Some("euconsent-v2"));
    /// assert_eq!(SourceFormat::WpConsent.default_cookie(), Some("wp_consent_")); // a prefix
    /// assert_eq!(SourceFormat::Iubenda.default_cookie(), None);
    /// ```
    pub const fn default_cookie(self) -> Option<&'static str> {
        match self {
            Self::CookieCharter | Self::Iubenda => None,
            Self::Tcf => Some("euconsent-v2"),
            Self::Tarteaucitron => Some("tarteaucitron"),
            Self::Klaro => Some("klaro"),
            Self::Cookieconsent => Some("cc_cookie"),
            Self::Cookiebot => Some("CookieConsent"),
            Self::Onetrust => Some("OptanonConsent"),
            Self::Didomi => Some("didomi_token"),
            Self::Cookieyes => Some("cookieyes-consent"),
            Self::Complianz => Some("cmplz_"),
            Self::WpConsent => Some("wp_consent_"),
            Self::Axeptio => Some("axeptio_cookies"),
            Self::Borlabs => Some("borlabs-cookie"),
        }
    }

    /// Whether it reads one cookie per category, named by a prefix and the category
    /// (`complianz`, `wp_consent`): its `cookie` is that prefix.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert!(SourceFormat::WpConsent.reads_prefix());
    /// assert!(!SourceFormat::Didomi.reads_prefix());
    /// ```
    pub const fn reads_prefix(self) -> bool {
        matches!(self, Self::Complianz | Self::WpConsent)
    }

    /// Whether the banner records when the choice was made (so that consents expire under the
    /// `cnil` profile).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert!(SourceFormat::Didomi.records_date());
    /// assert!(!SourceFormat::Klaro.records_date());
    /// ```
    pub const fn records_date(self) -> bool {
        !matches!(
            self,
            Self::Tarteaucitron | Self::Klaro | Self::Complianz | Self::WpConsent | Self::Borlabs
        )
    }

    /// Whether the banner records a revision of its configuration that a source can map
    /// (`revision`): vanilla-cookieconsent's `revision`, Complianz's `cmplz_policy_id`,
    /// CookieYes's `tax`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert!(SourceFormat::Cookieconsent.records_revision());
    /// assert!(!SourceFormat::Tcf.records_revision());
    /// ```
    pub const fn records_revision(self) -> bool {
        matches!(
            self,
            Self::Cookieconsent | Self::Complianz | Self::Cookieyes
        )
    }

    /// The banner's fixed categories when it has a fixed set (Cookiebot, WP Consent API): the
    /// only keys a mapping may use; the policy's purposes of the same ids map to them by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SourceFormat;
    ///
    /// assert!(SourceFormat::Cookiebot.fixed_keys().is_some_and(|keys| keys.contains(&"statistics")));
    /// assert_eq!(SourceFormat::Tarteaucitron.fixed_keys(), None);
    /// ```
    pub const fn fixed_keys(self) -> Option<&'static [&'static str]> {
        match self {
            Self::Cookiebot => Some(&cookiebot::CATEGORIES),
            Self::WpConsent => Some(&categories::WP_CONSENT_CATEGORIES),
            _ => None,
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which consent source of a policy gave a consent ([`Consent::source`]).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Policy, SourceFormat, SourceRef};
///
/// let policy = Policy::from_toml(r#"
///     [site]
///     name = "Example"
///     url = "https://www.example.com"
///     consent_cookie = "consent"
///     [[site.consent_sources]]
///     format = "tarteaucitron"
///     purposes = { statistics = ["gtag"] }
///     [[site.consent_sources]]
///     format = "cookie-charter"
/// "#)?;
/// let consent = policy.consent_from_cookie_header("consent=v=1&rev=1&at=5&statistics=1");
/// let source = consent.source().unwrap();
/// assert_eq!(source, SourceRef { index: 1, format: SourceFormat::CookieCharter });
/// assert_eq!(source.to_string(), "site.consent_sources[1] (cookie-charter)");
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceRef {
    /// Its index in [`Policy::consent_sources`].
    pub index: usize,
    /// Its format.
    pub format: SourceFormat,
}

impl fmt::Display for SourceRef {
    /// `site.consent_sources[<index>] (<format>)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "site.consent_sources[{}] ({})", self.index, self.format)
    }
}

/// How a source names the cookies it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CookieName {
    /// One cookie of this name.
    Exact(String),
    /// One cookie per category: this prefix, then the category.
    Prefix(String),
    /// iubenda's default: any cookie named `_iub_cs-` and digits.
    Iubenda,
}

/// One `[[site.consent_sources]]` of a policy: where and how the visitor's consent is read.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Choice, Policy, SourceFormat};
///
/// let policy = Policy::from_toml(r#"
///     [site]
///     name = "Example"
///     url = "https://www.example.com"
///     consent_cookie = "consent"
///     [purposes.marketing]
///     label = "Marketing"
///     [[site.consent_sources]]
///     format = "tarteaucitron"
///     purposes = { statistics = ["gtag"], marketing = ["facebookpixel", "googleadwordsconversion"] }
///     [[site.consent_sources]]
///     format = "cookieyes"
///     purposes = { statistics = ["analytics"], marketing = ["advertisement"] }
///     revision = "7"
/// "#)?;
/// let [tarteaucitron, cookieyes] = policy.consent_sources() else { unreachable!() };
/// assert_eq!(tarteaucitron.format(), SourceFormat::Tarteaucitron);
/// assert_eq!(tarteaucitron.cookie(), "tarteaucitron");
/// assert_eq!(tarteaucitron.keys_of("marketing"), ["facebookpixel", "googleadwordsconversion"]);
/// assert!(tarteaucitron.keys_of("necessary").is_empty());
/// let mapped: Vec<_> = tarteaucitron.purposes().map(|(id, keys)| (id.as_str(), keys.len())).collect();
/// assert_eq!(mapped, [("statistics", 1), ("marketing", 2)]);
/// assert_eq!(tarteaucitron.revision(), None);
/// assert_eq!(cookieyes.revision(), Some("7"));
///
/// let consent = policy.consent_from_cookie_header(
///     "tarteaucitron=!gtag=true!facebookpixel=true!googleadwordsconversion=wait",
/// );
/// assert_eq!(consent.choice("statistics"), Some(Choice::Granted));
/// assert_eq!(consent.choice("marketing"), None); // one key not answered yet
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSource {
    pub(crate) format: SourceFormat,
    pub(crate) cookie: CookieName,
    /// Each purpose and the banner's keys that stand for it, in the policy's order.
    pub(crate) mapping: Vec<(PurposeId, Vec<String>)>,
    /// The banner's revision that counts as current (`revision`), as text.
    pub(crate) revision: Option<String>,
}

impl ConsentSource {
    /// Its format.
    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// The cookie it reads: its name, or for the formats that read one cookie per category its
    /// prefix; `_iub_cs-` for iubenda's default (any cookie named `_iub_cs-` and digits).
    pub fn cookie(&self) -> &str {
        match &self.cookie {
            CookieName::Exact(name) | CookieName::Prefix(name) => name,
            CookieName::Iubenda => iubenda::PREFIX,
        }
    }

    /// Each purpose it maps and the banner's keys (categories, groups, services, vendors or
    /// purpose ids) that stand for it, in the policy's order. Empty for `cookie-charter`, whose
    /// cookie names the purposes itself.
    pub fn purposes(&self) -> impl Iterator<Item = (&PurposeId, &[String])> {
        self.mapping.iter().map(|(p, keys)| (p, keys.as_slice()))
    }

    /// The keys mapped to `purpose` (empty when it maps none).
    pub fn keys_of(&self, purpose: &str) -> &[String] {
        self.mapping
            .iter()
            .find(|(p, _)| p.as_str() == purpose)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// The banner's revision that counts as current (`revision`), if the source maps one.
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }
}

/// What a banner's value says of one of its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Accepted.
    Granted,
    /// Refused.
    Denied,
    /// No answer: absent, not yet chosen, or not a value the format grants on.
    Unknown,
}

impl Answer {
    /// `true` → granted, `false` → denied.
    pub(crate) fn of_bool(granted: bool) -> Self {
        if granted { Self::Granted } else { Self::Denied }
    }
}

/// What a banner's value says besides its keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meta<'a> {
    /// Whether the visitor made a choice (false: "no decision yet", every purpose `unset`).
    pub decided: bool,
    /// When the choice was made, in unix seconds, if the value records it.
    pub at: Option<u64>,
    /// The banner's revision the choice was made for, if the value records one.
    pub revision: Option<Cow<'a, str>>,
}

impl Meta<'_> {
    /// A choice was made; no date, no revision.
    pub(crate) fn decided() -> Self {
        Self {
            decided: true,
            ..Self::default()
        }
    }
}

/// One source of one policy, reading one request.
pub(crate) struct Cx<'p> {
    pub policy: &'p Policy,
    pub source: &'p ConsentSource,
}

impl Cx<'_> {
    /// The consent a decoded value gives: `answer` says what the value holds for each mapped
    /// key; every purpose of the mapping is folded (all granted → granted, any refused →
    /// denied, else unset).
    pub(crate) fn consent(&self, meta: &Meta<'_>, answer: impl Fn(&str) -> Answer) -> Consent {
        let current = match (&self.source.revision, &meta.revision) {
            (None, _) => true,
            (Some(expected), Some(recorded)) => expected == recorded,
            (Some(_), None) => false,
        };
        // Revision 0 is older than every purpose (their revisions are 1 or more): `stale`.
        let revision = if current {
            self.policy.site.revision
        } else {
            0
        };
        let mut consent = match meta.at {
            Some(at) => Consent::new(revision, at),
            None => Consent::undated(revision),
        };
        if !meta.decided {
            return consent;
        }
        for (purpose, keys) in &self.source.mapping {
            let mut all_granted = !keys.is_empty();
            let mut refused = false;
            for key in keys {
                match answer(key) {
                    Answer::Granted => {}
                    Answer::Denied => refused = true,
                    Answer::Unknown => all_granted = false,
                }
            }
            if refused {
                consent.set(purpose.clone(), Choice::Denied);
            } else if all_granted {
                consent.set(purpose.clone(), Choice::Granted);
            }
        }
        consent
    }
}

/// The problem of two copies of a source's cookie that disagree (the same as for the engine's
/// own cookie).
pub(crate) const DISAGREE: Problem =
    Problem::Malformed("the request holds consent cookies that disagree");

/// The cookies of a prefix source: the rest of each name after the prefix, and its value.
pub(crate) type Prefixed<'h> = foldhash::HashMap<&'h str, &'h str>;

/// The value of the cookie `name` in `header`: `Ok(None)` when absent, an error when copies
/// disagree (copies with the same value count once).
pub(crate) fn cookie_value<'h>(header: &'h str, name: &str) -> Result<Option<&'h str>, Problem> {
    let [value] = cookie_values(header, [name])?;
    Ok(value)
}

/// The values of the cookies `names` in `header`, each as [`cookie_value`].
///
/// Each name is looked for with `memchr`'s substring search rather than by cutting the whole
/// header into pairs: a request holds a dozen other cookies, and cutting each of them (its `;`,
/// its `=`, the spaces around) cost as much as decoding the banner's value. A place where the
/// name occurs counts when it starts a pair (only spaces or tabs since the header's start or the
/// last `;`) and is followed by spaces or tabs and `=`: exactly the pairs
/// [`parse_cookie_header`] gives that name.
pub(crate) fn cookie_values<'h, const N: usize>(
    header: &'h str,
    names: [&str; N],
) -> Result<[Option<&'h str>; N], Problem> {
    let mut found: [Option<&str>; N] = [None; N];
    for (name, slot) in names.iter().zip(found.iter_mut()) {
        if name.is_empty() {
            // A nameless cookie's name: read by pairs.
            for pair in parse_cookie_header(header).filter(|p| p.name.is_empty()) {
                match slot {
                    Some(value) if *value != pair.value => return Err(DISAGREE),
                    _ => *slot = Some(pair.value),
                }
            }
            continue;
        }
        for value in values_named(header, name) {
            match slot {
                Some(known) if *known != value => return Err(DISAGREE),
                _ => *slot = Some(value),
            }
        }
    }
    Ok(found)
}

/// The values of the pairs of `header` named `name` (not empty), in order, trimmed as
/// [`parse_cookie_header`] trims them.
fn values_named<'h>(header: &'h str, name: &str) -> impl Iterator<Item = &'h str> {
    let bytes = header.as_bytes();
    let finder = memchr::memmem::Finder::new(name.as_bytes());
    let is_wsp = |b: &u8| *b == b' ' || *b == b'\t';
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let at = from + finder.find(bytes.get(from..)?)?;
            let after = at + finder.needle().len();
            // Where the next search starts if this place is not a pair of that name.
            from = at + 1;
            let before = bytes.get(..at).unwrap_or_default();
            let starts_pair = before
                .iter()
                .rev()
                .find(|b| !is_wsp(b))
                .is_none_or(|b| *b == b';');
            if !starts_pair {
                continue;
            }
            let rest = bytes.get(after..).unwrap_or_default();
            let Some(eq) = rest.iter().position(|b| !is_wsp(b)) else {
                continue;
            };
            if rest.get(eq) != Some(&b'=') {
                continue;
            }
            let value_start = after + eq + 1;
            let value_end = memchr::memchr(b';', bytes.get(value_start..).unwrap_or_default())
                .map_or(bytes.len(), |end| value_start + end);
            from = value_end;
            let value = header.get(value_start..value_end).unwrap_or_default();
            return Some(crate::set_cookie::trim_wsp(value));
        }
    })
}

/// The cookies of `header` whose name starts with `prefix`, by the rest of their name; an error
/// when two copies of one name disagree. A hash map: a header may hold 100,000 such names.
fn prefixed<'h>(header: &'h str, prefix: &str) -> Result<Prefixed<'h>, Problem> {
    let mut found = Prefixed::default();
    for pair in parse_cookie_header(header) {
        let Some(rest) = pair.name.strip_prefix(prefix) else {
            continue;
        };
        match found.entry(rest) {
            Entry::Occupied(value) if *value.get() != pair.value => return Err(DISAGREE),
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(pair.value);
            }
        }
    }
    Ok(found)
}

impl ConsentSource {
    /// The consent this source reads from `header`; `None` when its cookie is not in the
    /// request (the next source is tried).
    fn read(&self, policy: &Policy, header: &str) -> Option<Result<Consent, Problem>> {
        let cx = Cx {
            policy,
            source: self,
        };
        let value = match &self.cookie {
            CookieName::Prefix(prefix) => {
                let cookies = match prefixed(header, prefix) {
                    Ok(cookies) if cookies.is_empty() => return None,
                    Ok(cookies) => cookies,
                    Err(problem) => return Some(Err(problem)),
                };
                return Some(categories::read(&cx, &cookies));
            }
            CookieName::Iubenda => match iubenda::find(header) {
                Ok(Some(value)) => value,
                Ok(None) => return None,
                Err(problem) => return Some(Err(problem)),
            },
            CookieName::Exact(name) if self.format == SourceFormat::Onetrust => {
                // Both of OneTrust's cookies in one pass over the header.
                return match cookie_values(header, [name, onetrust::ALERT_BOX_CLOSED]) {
                    Ok([Some(value), closed]) => Some(
                        decode::check_raw(value).and_then(|()| onetrust::read(&cx, value, closed)),
                    ),
                    Ok([None, _]) => None,
                    Err(problem) => Some(Err(problem)),
                };
            }
            CookieName::Exact(name) => match cookie_value(header, name) {
                Ok(Some(value)) => value,
                Ok(None) => return None,
                Err(problem) => return Some(Err(problem)),
            },
        };
        if self.format == SourceFormat::CookieCharter {
            // Exactly what the engine's own cookie gives when no source is declared, its
            // signature checked the same way.
            return Some(Ok(policy.checked_own_consent(Consent::from_cookie(value))));
        }
        Some(decode::check_raw(value).and_then(|()| match self.format {
            SourceFormat::CookieCharter => Ok(Consent::from_cookie(value)),
            SourceFormat::Tcf => tcf::read(&cx, value),
            SourceFormat::Tarteaucitron => tarteaucitron::read(&cx, value),
            SourceFormat::Klaro => klaro::read(&cx, value),
            SourceFormat::Cookieconsent => cookieconsent::read(&cx, value),
            SourceFormat::Cookiebot => cookiebot::read(&cx, value),
            // Read above, with `OptanonAlertBoxClosed`.
            SourceFormat::Onetrust => onetrust::read(&cx, value, None),
            SourceFormat::Didomi => didomi::read(&cx, value),
            SourceFormat::Cookieyes => cookieyes::read(&cx, value),
            SourceFormat::Axeptio => axeptio::read(&cx, value),
            SourceFormat::Borlabs => borlabs::read(&cx, value),
            SourceFormat::Iubenda => iubenda::read(&cx, value),
            // Read above, by prefix.
            SourceFormat::Complianz | SourceFormat::WpConsent => Err(Problem::Malformed(
                "a format of one cookie per category read as one cookie",
            )),
        }))
    }
}

/// The consent of a `Cookie` header read through the policy's sources: the first source present
/// decides; no source present gives no consent (`absent`).
pub(crate) fn read(policy: &Policy, header: &str) -> Consent {
    for (index, source) in policy.consent_sources.iter().enumerate() {
        if let Some(result) = source.read(policy, header) {
            let consent = result.unwrap_or_else(Consent::unusable);
            return consent.with_source(Some(SourceRef {
                index,
                format: source.format,
            }));
        }
    }
    Consent::default()
}

#[cfg(test)]
mod tests;
