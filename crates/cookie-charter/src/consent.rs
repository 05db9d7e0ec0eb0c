//! The visitor's consent and its cookie: `v=1&rev=<revision>&at=<unix seconds>&<purpose>=<1|0>&…`.
//!
//! Reading a consent cookie never fails: a value that is absent, oversized, malformed, has a
//! duplicated key or an unknown version gives "no consent" (every purpose `unset`) and a
//! [`Problem`] the caller can log.

use std::fmt;

use crate::choices::{Choices, PurposeKey};
use crate::error::{Error, ErrorKind, Result};
use crate::lifetime::DAY;
use crate::limits::MAX_CONSENT_BYTES;
use crate::purpose::PurposeId;
use crate::signature::{KEY_ID_KEY, KeyId, RECORD_ID_KEY, RecordId, SIGNATURE_KEY, Signature};
use crate::sources::SourceRef;
use crate::split;
use crate::state_table::Standing;

/// The only consent cookie format version.
pub const CONSENT_VERSION: u64 = 1;

/// A visitor's answer for one purpose.
///
/// # Examples
///
/// ```
/// use cookie_charter::Choice;
///
/// assert_eq!(Choice::parse("granted")?, Choice::Granted);
/// assert_eq!(Choice::Denied.as_str(), "denied");
/// assert!(Choice::parse("yes").is_err());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    /// The visitor accepted.
    Granted,
    /// The visitor refused.
    Denied,
}

impl Choice {
    /// The stable id: `granted` or `denied`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
        }
    }

    /// Reads `granted` or `denied`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "granted" => Ok(Self::Granted),
            "denied" => Ok(Self::Denied),
            other => Err(Error::new(
                ErrorKind::InvalidConsent,
                format!(
                    "choice `{}` is not `granted` or `denied`",
                    other.escape_debug()
                ),
            )),
        }
    }
}

/// The state of one purpose for one visitor, as a decision reports it.
///
/// # Examples
///
/// ```
/// use cookie_charter::ConsentState;
///
/// assert_eq!(ConsentState::parse("gpc_denied"), Some(ConsentState::GpcDenied));
/// assert_eq!(ConsentState::Stale.as_str(), "stale");
/// assert_eq!(ConsentState::Expired.to_string(), "expired");
/// assert_eq!(ConsentState::parse("maybe"), None);
/// assert!(ConsentState::ALL.iter().all(|s| ConsentState::parse(s.as_str()) == Some(*s)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentState {
    /// Accepted, for the current revision, not expired.
    Granted,
    /// Refused.
    Denied,
    /// Never asked (or the consent cookie was unusable).
    Unset,
    /// Older than the policy's `consent_max_age` (profile `cnil`).
    Expired,
    /// Given for an older revision of the purpose.
    Stale,
    /// Never validly chosen, and refused by the visitor's Global Privacy Control signal.
    GpcDenied,
}

impl ConsentState {
    /// The stable id: `granted`, `denied`, `unset`, `expired`, `stale` or `gpc_denied`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::Unset => "unset",
            Self::Expired => "expired",
            Self::Stale => "stale",
            Self::GpcDenied => "gpc_denied",
        }
    }

    /// Reads a state id.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "granted" => Self::Granted,
            "denied" => Self::Denied,
            "unset" => Self::Unset,
            "expired" => Self::Expired,
            "stale" => Self::Stale,
            "gpc_denied" => Self::GpcDenied,
            _ => return None,
        })
    }

    /// Every state.
    pub const ALL: [ConsentState; 6] = [
        Self::Granted,
        Self::Denied,
        Self::Unset,
        Self::Expired,
        Self::Stale,
        Self::GpcDenied,
    ];
}

impl fmt::Display for ConsentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a consent cookie value gave no consent.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, Problem};
///
/// assert_eq!(Consent::from_cookie("").problem(), Some(Problem::Absent));
/// assert_eq!(Consent::from_cookie("v=2&rev=1&at=0").problem(), Some(Problem::UnknownVersion));
/// let repeated = Consent::from_cookie("v=1&rev=1&at=0&ads=1&ads=0").problem().unwrap();
/// assert_eq!(repeated.code(), "duplicate_key");
/// assert_eq!(repeated.to_string(), "consent cookie repeats a key");
/// assert_eq!(Consent::from_cookie("v=1&ads=yes").problem().map(Problem::code), Some("malformed"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// No value (no consent cookie).
    Absent,
    /// More than [`MAX_CONSENT_BYTES`] bytes.
    Oversized,
    /// Not `v=1&rev=…&at=…&purpose=0|1…`; the text says what.
    Malformed(&'static str),
    /// A key appears twice.
    DuplicateKey,
    /// `v` is a number other than 1.
    UnknownVersion,
}

impl Problem {
    /// The stable reason: `absent`, `oversized`, `malformed`, `duplicate_key`, `unknown_version`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Oversized => "oversized",
            Self::Malformed(_) => "malformed",
            Self::DuplicateKey => "duplicate_key",
            Self::UnknownVersion => "unknown_version",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absent => f.write_str("no consent cookie"),
            Self::Oversized => write!(f, "consent cookie larger than {MAX_CONSENT_BYTES} bytes"),
            Self::Malformed(why) => write!(f, "malformed consent cookie: {why}"),
            Self::DuplicateKey => f.write_str("consent cookie repeats a key"),
            Self::UnknownVersion => f.write_str("consent cookie of an unknown version"),
        }
    }
}

/// A visitor's consent: the policy revision and time it was given, and a choice per purpose.
///
/// It also carries the request's Global Privacy Control signal ([`gpc`](Self::gpc)), which is
/// not part of the cookie: set it for each request with [`with_gpc`](Self::with_gpc).
///
/// Read through a policy's consent sources (see
/// [`Policy::consent_from_cookie_header`](crate::Policy::consent_from_cookie_header)), it also
/// says which source decided ([`source`](Self::source)) and whether the source recorded when the
/// choice was made ([`is_dated`](Self::is_dated)).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Choice, Consent};
///
/// // Read from the cookie the banner wrote.
/// let consent = Consent::from_cookie("v=1&rev=2&at=1700000000&marketing=0&statistics=1");
/// assert_eq!(consent.problem(), None);
/// assert_eq!((consent.revision(), consent.at()), (2, 1_700_000_000));
/// assert_eq!(consent.choice("statistics"), Some(Choice::Granted));
/// assert_eq!(consent.choice("marketing"), Some(Choice::Denied));
/// assert_eq!(consent.choice("preferences"), None);
/// let ids: Vec<_> = consent.choices().map(|(id, _)| id.as_str()).collect();
/// assert_eq!(ids, ["marketing", "statistics"]);
///
/// // Built by the server when the visitor answers the banner, then written back.
/// let mine = Consent::new(2, 1_700_000_000)
///     .with("statistics", Choice::Granted)?
///     .with("marketing", Choice::Denied)?;
/// assert_eq!(mine.to_cookie(), "v=1&rev=2&at=1700000000&marketing=0&statistics=1");
/// assert_eq!(mine, consent);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
// In declaration order (`repr(C)`): what a decision reads comes first, so that it shares a few
// cache lines (the choices' codes lead their struct), and the rest follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Consent {
    /// When it was given, for the standing's two tests, read without a test of `undated`.
    dates: Dates,
    revision: u64,
    problem: Option<Problem>,
    /// Its signature was checked against the policy's keys, or it was signed here.
    verified: bool,
    gpc: bool,
    /// The source recorded no date: `at` is 0 and the consent never expires.
    undated: bool,
    /// Sorted by purpose id, each id once.
    choices: Choices,
    at: u64,
    /// The consent source of the policy that gave this consent, if one did.
    source: Option<SourceRef>,
    /// The consent record's id (`_rid`, spec §13).
    record_id: Option<RecordId>,
    /// The key id and HMAC of a signed value (`_kid`, `_sig`).
    signature: Option<Signature>,
}

/// A consent's date as its standing reads it (docs/spec.md §5), derived from `at` and
/// `undated` whenever either changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Dates {
    /// The date compared with `now` to tell a consent from the future: 0 when undated (never).
    given: u64,
    /// The date its age counts from: the end of time when undated (it never expires).
    aged_from: u64,
}

impl Dates {
    fn of(at: u64, undated: bool) -> Self {
        match undated {
            true => Self {
                given: 0,
                aged_from: u64::MAX,
            },
            false => Self {
                given: at,
                aged_from: at,
            },
        }
    }
}

impl Default for Consent {
    /// No consent at all (as when the visitor has no consent cookie).
    fn default() -> Self {
        Self::unusable(Problem::Absent)
    }
}

impl Consent {
    /// A consent given at `at` (unix seconds) for policy `revision`, with no choice yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// let consent = Consent::new(3, 1_700_000_000);
    /// assert_eq!(consent.to_cookie(), "v=1&rev=3&at=1700000000");
    /// assert_eq!(consent.choices().count(), 0);
    /// assert!(consent.is_dated());
    /// ```
    pub fn new(revision: u64, at: u64) -> Self {
        Self {
            revision,
            at,
            choices: Choices::default(),
            problem: None,
            gpc: false,
            source: None,
            undated: false,
            record_id: None,
            signature: None,
            verified: false,
            dates: Dates::of(at, false),
        }
    }

    /// No consent, for the given reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, Problem};
    ///
    /// let none = Consent::unusable(Problem::Oversized);
    /// assert_eq!(none.problem(), Some(Problem::Oversized));
    /// assert!(!none.is_usable(0));
    /// assert_eq!(none.to_cookie(), "");
    /// ```
    pub fn unusable(problem: Problem) -> Self {
        Self {
            revision: 0,
            at: 0,
            choices: Choices::default(),
            problem: Some(problem),
            gpc: false,
            source: None,
            undated: false,
            record_id: None,
            signature: None,
            verified: false,
            dates: Dates::of(0, false),
        }
    }

    /// A consent for policy `revision` whose source recorded no date: `at` is 0, it never
    /// expires (profile `cnil`) and is never from the future ([`is_dated`](Self::is_dated) is
    /// false).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// let consent = Consent::undated(1);
    /// assert!(!consent.is_dated());
    /// assert_eq!(consent.at(), 0);
    /// assert!(consent.is_usable(u64::MAX));
    /// assert!(Consent::new(1, 0).is_dated());
    /// ```
    pub fn undated(revision: u64) -> Self {
        Self {
            undated: true,
            dates: Dates::of(0, true),
            ..Self::new(revision, 0)
        }
    }

    /// Whether the consent records when it was given. A consent read from a banner that records
    /// no date (such as tarteaucitron or Klaro) is not: it counts as current, whatever its age.
    #[inline]
    pub fn is_dated(&self) -> bool {
        !self.undated
    }

    /// The consent source of the policy that gave this consent: its index in
    /// [`Policy::consent_sources`](crate::Policy::consent_sources) and its format. `None` when
    /// the policy declares no source (the engine's own cookie is then read alone), when no
    /// source was present in the request, and for a consent built or read directly.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, SourceFormat, SourceRef};
    ///
    /// let read = Consent::from_cookie("v=1&rev=1&at=5");
    /// assert_eq!(read.source(), None);
    /// let from_banner = read.with_source(Some(SourceRef { index: 0, format: SourceFormat::Didomi }));
    /// assert_eq!(from_banner.source().map(|s| s.format), Some(SourceFormat::Didomi));
    /// ```
    #[inline]
    pub fn source(&self) -> Option<SourceRef> {
        self.source
    }

    /// The same consent, said to come from `source`.
    #[must_use]
    pub fn with_source(mut self, source: Option<SourceRef>) -> Self {
        self.source = source;
        self
    }

    /// The same consent with `purpose` set to `choice`; fails on an invalid purpose id.
    pub fn with(mut self, purpose: &str, choice: Choice) -> Result<Self> {
        self.set(PurposeId::new(purpose)?, choice);
        Ok(self)
    }

    /// Sets the choice for `purpose`, replacing an earlier one. A changed consent is no longer
    /// the record it was: its record id and signature are removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent, PurposeId};
    ///
    /// let mut consent = Consent::new(1, 5);
    /// consent.set(PurposeId::new("marketing")?, Choice::Granted);
    /// consent.set(PurposeId::new("marketing")?, Choice::Denied);
    /// assert_eq!(consent.choice("marketing"), Some(Choice::Denied));
    /// assert!(Consent::new(1, 5).with("Not An Id", Choice::Granted).is_err());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn set(&mut self, purpose: PurposeId, choice: Choice) {
        self.unseal();
        self.choices.set(purpose, choice);
    }

    /// The same consent for another policy revision.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// let consent = Consent::new(1, 5).with_revision(4).with_at(1_700_000_000);
    /// assert_eq!((consent.revision(), consent.at()), (4, 1_700_000_000));
    /// ```
    #[must_use]
    pub fn with_revision(mut self, revision: u64) -> Self {
        self.unseal();
        self.revision = revision;
        self
    }

    /// The same consent given at another time.
    #[must_use]
    pub fn with_at(mut self, at: u64) -> Self {
        self.unseal();
        self.at = at;
        self.dates = Dates::of(at, self.undated);
        self
    }

    /// The same consent with the request's Global Privacy Control signal (`Sec-GPC: 1`, see
    /// [`gpc_enabled`](crate::gpc_enabled)). It never grants anything: where the visitor has
    /// not validly chosen, it refuses the purposes the policy marks `gpc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// let mut consent = Consent::from_cookie("").with_gpc(true);
    /// assert!(consent.gpc());
    /// consent.set_gpc(false);
    /// assert!(!consent.gpc());
    /// // The signal is never written to the cookie.
    /// assert_eq!(Consent::new(1, 5).with_gpc(true).to_cookie(), "v=1&rev=1&at=5");
    /// ```
    #[must_use]
    pub fn with_gpc(mut self, gpc: bool) -> Self {
        self.gpc = gpc;
        self
    }

    /// Sets the request's Global Privacy Control signal (see [`with_gpc`](Self::with_gpc)).
    pub fn set_gpc(&mut self, gpc: bool) {
        self.gpc = gpc;
    }

    /// Whether the request carried the Global Privacy Control signal.
    #[inline]
    pub fn gpc(&self) -> bool {
        self.gpc
    }

    /// The id of the consent record this value was issued for (`_rid`, spec §13), if it
    /// carries one.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, RecordId};
    ///
    /// let id = RecordId::from_bytes([0xab; 16]);
    /// let consent = Consent::new(1, 5).with_record_id(Some(id));
    /// assert_eq!(consent.record_id(), Some(id));
    /// assert_eq!(consent.to_cookie(), format!("v=1&rev=1&at=5&_rid={id}"));
    /// assert_eq!(Consent::from_cookie(&consent.to_cookie()).record_id(), Some(id));
    /// assert_eq!(consent.with_record_id(None).record_id(), None);
    /// ```
    #[inline]
    pub fn record_id(&self) -> Option<RecordId> {
        self.record_id
    }

    /// The same consent with another record id (none: without one). Its signature, which
    /// covered the record id, is removed.
    #[must_use]
    pub fn with_record_id(mut self, record_id: Option<RecordId>) -> Self {
        self.signature = None;
        self.verified = false;
        self.record_id = record_id;
        self
    }

    /// The key id and signature of a signed value (`_kid`, `_sig`), if it carries them.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, ConsentKeys, RecordId};
    ///
    /// let keys = ConsentKeys::parse("k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA")?;
    /// let signed = keys.sign(Consent::new(1, 5), RecordId::from_bytes([1; 16]));
    /// assert!(signed.is_verified());
    /// assert_eq!(signed.signature().map(|s| s.key_id().as_str()), Some("k1"));
    /// // Reading a value never verifies it.
    /// let read = Consent::from_cookie(&signed.to_cookie());
    /// assert!(read.signature().is_some() && !read.is_verified());
    /// assert!(Consent::new(1, 5).signature().is_none());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    #[inline]
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// Whether the signature was verified with the policy's keys
    /// ([`Policy::verify_consent`](crate::Policy::verify_consent)), or the consent was signed
    /// here ([`ConsentKeys::sign`](crate::ConsentKeys::sign)). Reading a value never verifies it.
    /// Not written to the cookie: `from_cookie(to_cookie(c))` is unverified.
    #[inline]
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    pub(crate) fn with_signature(mut self, signature: Option<Signature>) -> Self {
        self.signature = signature;
        self.verified = false;
        self
    }

    pub(crate) fn verified(mut self, verified: bool) -> Self {
        self.verified = verified;
        self
    }

    /// Removes the record id and signature of a consent that changes.
    fn unseal(&mut self) {
        self.record_id = None;
        self.signature = None;
        self.verified = false;
    }

    /// The text a signature under `key_id` covers: the value without its `&_sig=` field.
    pub(crate) fn signed_payload(&self, key_id: &KeyId) -> String {
        let mut out = self.content();
        out.push('&');
        out.push_str(KEY_ID_KEY);
        out.push('=');
        out.push_str(key_id.as_str());
        out
    }

    /// `v`, `rev`, `at`, the choices and the record id, as written.
    fn content(&self) -> String {
        let mut out = format!("v={CONSENT_VERSION}&rev={}&at={}", self.revision, self.at);
        for (purpose, choice) in self.choices.iter() {
            out.push('&');
            out.push_str(purpose.as_str());
            out.push_str(match choice {
                Choice::Granted => "=1",
                Choice::Denied => "=0",
            });
        }
        if let Some(record_id) = self.record_id {
            out.push('&');
            out.push_str(RECORD_ID_KEY);
            out.push('=');
            out.push_str(&record_id.to_string());
        }
        out
    }

    /// The policy revision the consent was given for.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// assert_eq!(Consent::from_cookie("v=1&rev=7&at=5").revision(), 7);
    /// ```
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// When the consent was given, in unix seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Consent;
    ///
    /// assert_eq!(Consent::from_cookie("v=1&rev=7&at=1700000000").at(), 1_700_000_000);
    /// ```
    pub fn at(&self) -> u64 {
        self.at
    }

    /// The visitor's choice for `purpose`, if they made one.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent};
    ///
    /// let consent = Consent::from_cookie("v=1&rev=1&at=5&ads=1");
    /// assert_eq!(consent.choice("ads"), Some(Choice::Granted));
    /// assert_eq!(consent.choice("stats"), None);
    /// ```
    #[inline]
    pub fn choice(&self, purpose: &str) -> Option<Choice> {
        self.choices.get(purpose)
    }

    /// The choice for the purpose whose key (made when the policy loaded) is `key`, as a code;
    /// `id` gives the purpose's id, read only when the index cannot answer.
    #[inline]
    pub(crate) fn choice_keyed<'i>(&self, key: &PurposeKey, id: impl FnOnce() -> &'i str) -> u8 {
        self.choices.code_keyed(key, id)
    }

    /// Every choice, sorted by purpose id.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent};
    ///
    /// let consent = Consent::from_cookie("v=1&rev=1&at=5&stats=0&ads=1");
    /// let choices: Vec<_> = consent.choices().map(|(id, c)| (id.as_str(), c)).collect();
    /// assert_eq!(choices, [("ads", Choice::Granted), ("stats", Choice::Denied)]);
    /// ```
    pub fn choices(&self) -> impl Iterator<Item = (&PurposeId, Choice)> {
        self.choices.iter()
    }

    /// Why the cookie value gave no consent; `None` when it was valid.
    ///
    /// A consent dated more than a day after `now` is also treated as malformed: see
    /// [`problem_at`](Self::problem_at).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, Problem};
    ///
    /// assert_eq!(Consent::from_cookie("v=1&rev=1&at=5").problem(), None);
    /// assert_eq!(Consent::from_cookie("").problem(), Some(Problem::Absent));
    /// ```
    pub fn problem(&self) -> Option<Problem> {
        self.problem
    }

    /// [`problem`](Self::problem), counting a consent dated more than one day after `now` as
    /// malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, DAY};
    ///
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000");
    /// assert_eq!(consent.problem_at(1_700_000_000), None);
    /// // Dated more than a day in the future: malformed.
    /// let early = 1_700_000_000 - DAY - 1;
    /// assert_eq!(consent.problem_at(early).map(|p| p.code()), Some("malformed"));
    /// assert!(!consent.is_usable(early));
    /// assert!(consent.is_usable(1_700_000_000));
    /// ```
    pub fn problem_at(&self, now: u64) -> Option<Problem> {
        self.problem.or_else(|| {
            self.is_from_future(now).then_some(Problem::Malformed(
                "`at` is more than one day in the future",
            ))
        })
    }

    /// How the consent stands at `now` for a policy that requires signed consents or not and
    /// lets a consent last `max_age` seconds (`u64::MAX`: for ever). Its conditions are
    /// combined, not short-circuited: they are all cheap, and all read.
    #[inline]
    pub(crate) fn standing(&self, now: u64, require_signed: bool, max_age: u64) -> Standing {
        let unusable = self.problem.is_some()
            | (self.dates.given > now.saturating_add(DAY))
            | (require_signed & !self.verified);
        let expired = now.saturating_sub(self.dates.aged_from) > max_age;
        match (unusable, expired) {
            (true, _) => Standing::Unusable,
            (false, true) => Standing::Expired,
            (false, false) => Standing::Usable,
        }
    }

    /// Whether the consent can be used at `now`: no problem, not from the future.
    #[inline]
    pub fn is_usable(&self, now: u64) -> bool {
        self.problem.is_none() && !self.is_from_future(now)
    }

    fn is_from_future(&self, now: u64) -> bool {
        self.dates.given > now.saturating_add(DAY)
    }

    /// Reads a consent cookie value; never fails (see [`Problem`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent};
    ///
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1");
    /// assert_eq!(consent.choice("marketing"), Some(Choice::Granted));
    /// // Never fails: a bad value gives no consent, and says why.
    /// assert_eq!(Consent::from_cookie("garbage").problem().map(|p| p.code()), Some("malformed"));
    /// ```
    pub fn from_cookie(value: &str) -> Self {
        match parse(value) {
            Ok(consent) => consent,
            Err(problem) => Self::unusable(problem),
        }
    }

    /// The consent cookie value: only RFC 6265 cookie-octets. A consent with a problem gives the
    /// empty string, which reads back as `absent`. The GPC signal is not stored: it comes with
    /// each request. A record id and a signature (spec §13) come last: `&_rid=…&_kid=…&_sig=…`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent};
    ///
    /// let consent = Consent::new(1, 1_700_000_000).with("ads", Choice::Denied)?;
    /// assert_eq!(consent.to_cookie(), "v=1&rev=1&at=1700000000&ads=0");
    /// assert_eq!(Consent::from_cookie(&consent.to_cookie()), consent);
    /// assert_eq!(Consent::from_cookie("bad").to_cookie(), "");
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn to_cookie(&self) -> String {
        if self.problem.is_some() {
            return String::new();
        }
        let Some(signature) = &self.signature else {
            return self.content();
        };
        let mut out = self.signed_payload(signature.key_id());
        out.push('&');
        out.push_str(SIGNATURE_KEY);
        out.push('=');
        out.push_str(&signature.to_base64url());
        out
    }
}

impl FromIterator<(PurposeId, Choice)> for Consent {
    /// Choices for revision 0 at time 0; set them with [`with_revision`](Consent::with_revision)
    /// and [`with_at`](Consent::with_at).
    fn from_iter<I: IntoIterator<Item = (PurposeId, Choice)>>(iter: I) -> Self {
        let mut consent = Self::new(0, 0);
        for (purpose, choice) in iter {
            consent.set(purpose, choice);
        }
        consent
    }
}

/// Digits only (no sign, no space) as a `u64`; `None` when empty, not digits, or too large.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    // One pass: `str::parse` would check the digits again and accept a leading `+`.
    text.bytes().try_fold(0_u64, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

fn parse(value: &str) -> Result<Consent, Problem> {
    if value.is_empty() {
        return Err(Problem::Absent);
    }
    if value.len() > MAX_CONSENT_BYTES {
        return Err(Problem::Oversized);
    }
    // One pass, one allocation for the purposes: this runs on every request.
    let (mut version, mut revision, mut at) = (None, None, None);
    let (mut rid, mut kid, mut sig) = (None, None, None);
    let mut purposes: Vec<(&str, &str)> = Vec::new();
    let mut repeated = false;
    for part in split::split(value, b'&') {
        let Some((key, val)) = split::split_once(part, b'=') else {
            return Err(Problem::Malformed("a part has no `=`"));
        };
        let slot = match key {
            "v" => &mut version,
            "rev" => &mut revision,
            "at" => &mut at,
            RECORD_ID_KEY => &mut rid,
            KEY_ID_KEY => &mut kid,
            SIGNATURE_KEY => &mut sig,
            _ => {
                purposes.push((key, val));
                continue;
            }
        };
        repeated |= slot.is_some();
        *slot = Some(val);
    }
    purposes.sort_unstable_by_key(|(key, _)| *key);
    if repeated
        || purposes
            .windows(2)
            .any(|w| w.first().map(|p| p.0) == w.get(1).map(|p| p.0))
    {
        return Err(Problem::DuplicateKey);
    }
    let version = version.ok_or(Problem::Malformed("`v` is missing"))?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::Malformed("`v` is not a number"));
    }
    // Any other number, however large, is a version this reader does not know.
    if number(version) != Some(CONSENT_VERSION) {
        return Err(Problem::UnknownVersion);
    }
    let revision = revision.ok_or(Problem::Malformed("`rev` is missing"))?;
    let revision = number(revision).ok_or(Problem::Malformed("`rev` is not a number"))?;
    let at = at.ok_or(Problem::Malformed("`at` is missing"))?;
    let at = number(at).ok_or(Problem::Malformed("`at` is not a unix time"))?;
    let mut choices = Vec::with_capacity(purposes.len());
    for (key, value) in purposes {
        let id = PurposeId::checked(key).ok_or(Problem::Malformed("a key is not a purpose id"))?;
        let choice = match value {
            "1" => Choice::Granted,
            "0" => Choice::Denied,
            _ => return Err(Problem::Malformed("a purpose's value is not 1 or 0")),
        };
        // Sorted and unique already: the invariant of `choices` holds.
        choices.push((id, choice));
    }
    // Spec §13: the record id, then the key id and signature, which go together.
    let record_id = match rid {
        None => None,
        Some(text) => Some(
            RecordId::parse(text)
                .ok_or(Problem::Malformed("`_rid` is not 32 lowercase hex digits"))?,
        ),
    };
    let signature = match (kid, sig) {
        (None, None) => None,
        (Some(_), Some(_)) if record_id.is_none() => {
            return Err(Problem::Malformed("a signed value has no `_rid`"));
        }
        (Some(kid), Some(sig)) => Some(
            Signature::parse(kid, sig)
                .ok_or(Problem::Malformed("`_kid` or `_sig` is malformed"))?,
        ),
        _ => return Err(Problem::Malformed("`_kid` and `_sig` go together")),
    };
    Ok(Consent {
        revision,
        at,
        choices: Choices::from_sorted(choices),
        problem: None,
        gpc: false,
        source: None,
        undated: false,
        record_id,
        signature,
        verified: false,
        dates: Dates::of(at, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `number` accepts exactly the digit strings that fit a `u64`.
        #[test]
        fn number_reads_digits_only(text in "[0-9+ -]{0,22}|[0-9]{18,21}") {
            let expected = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                text.parse::<u64>().ok()
            } else {
                None
            };
            prop_assert_eq!(number(&text), expected);
        }
    }

    /// How the consent stands, from `at` and `undated` as docs/spec.md §5 words it, to check
    /// the dates kept for it.
    fn standing_by_definition(c: &Consent, now: u64, max_age: u64) -> Standing {
        let dated = !c.undated;
        if c.problem.is_some() || (dated && c.at > now.saturating_add(DAY)) {
            Standing::Unusable
        } else if dated && now.saturating_sub(c.at) > max_age {
            Standing::Expired
        } else {
            Standing::Usable
        }
    }

    proptest! {
        /// Every way to make a consent or change its date keeps the dates its standing reads
        /// in step with `at` and `undated`.
        #[test]
        fn the_standing_reads_the_dates_as_defined(
            at in any::<u64>(),
            later in any::<u64>(),
            now in any::<u64>(),
            max_age in prop_oneof![Just(u64::MAX), 0..100_000_000u64],
        ) {
            let made = [
                Consent::new(1, at),
                Consent::new(1, at).with_at(later),
                Consent::undated(1),
                Consent::undated(1).with_at(later),
                Consent::unusable(Problem::Absent),
                Consent::from_cookie(&format!("v=1&rev=1&at={at}&ads=1")),
                Consent::from_cookie(&format!("v=1&rev=1&at={at}")).with_at(later),
            ];
            for c in &made {
                prop_assert_eq!(
                    c.standing(now, false, max_age),
                    standing_by_definition(c, now, max_age),
                    "{:?}", c
                );
            }
        }
    }

    #[test]
    fn reads_a_valid_cookie() {
        let c = Consent::from_cookie("v=1&rev=3&at=1700000000&statistics=1&marketing=0");
        assert_eq!(c.problem(), None);
        assert_eq!(c.revision(), 3);
        assert_eq!(c.at(), 1_700_000_000);
        assert_eq!(c.choice("statistics"), Some(Choice::Granted));
        assert_eq!(c.choice("marketing"), Some(Choice::Denied));
        assert_eq!(c.choice("social"), None);
        assert_eq!(
            c.to_cookie(),
            "v=1&rev=3&at=1700000000&marketing=0&statistics=1"
        );
    }

    #[test]
    fn unusable_values_give_no_consent_and_a_reason() {
        let cases = [
            ("", "absent"),
            ("v=1&rev=1&at=1&x=1&x=0", "duplicate_key"),
            ("v=2&rev=1&at=1", "unknown_version"),
            ("v=one&rev=1&at=1", "malformed"),
            ("rev=1&at=1", "malformed"),
            ("v=1&at=1", "malformed"),
            ("v=1&rev=1", "malformed"),
            ("v=1&rev=-1&at=1", "malformed"),
            ("v=1&rev=1&at=-5", "malformed"),
            ("v=1&rev=1&at=99999999999999999999", "malformed"),
            ("v=99999999999999999999999&rev=1&at=1", "unknown_version"),
            ("v=1&rev=1&at=1&stats=yes", "malformed"),
            ("v=1&rev=1&at=1&Stats=1", "malformed"),
            ("v=1&rev=1&at=1&", "malformed"),
            ("v=1&rev=+1&at=1", "malformed"),
        ];
        for (value, code) in cases {
            let c = Consent::from_cookie(value);
            assert_eq!(c.problem().map(Problem::code), Some(code), "{value}");
            assert_eq!(c.choices().count(), 0);
        }
        let big = format!("v=1&rev=1&at=1&{}", "a=1&".repeat(1100));
        assert_eq!(
            Consent::from_cookie(&big).problem(),
            Some(Problem::Oversized)
        );
    }

    #[test]
    fn future_consents_are_malformed_at_use() {
        let c = Consent::from_cookie("v=1&rev=1&at=200000");
        assert!(c.is_usable(200_000 - DAY));
        assert!(!c.is_usable(200_000 - DAY - 1));
        assert_eq!(c.problem_at(0).map(Problem::code), Some("malformed"));
        assert_eq!(c.problem_at(200_000), None);
    }

    #[test]
    fn builds_and_round_trips() {
        let c = Consent::new(2, 10)
            .with("marketing", Choice::Denied)
            .unwrap()
            .with("statistics", Choice::Granted)
            .unwrap()
            .with("marketing", Choice::Granted)
            .unwrap();
        assert_eq!(c.choice("marketing"), Some(Choice::Granted));
        assert_eq!(Consent::from_cookie(&c.to_cookie()), c);
        assert!(Consent::new(1, 1).with("Bad", Choice::Granted).is_err());
        assert_eq!(
            Consent::from_cookie(&Consent::default().to_cookie()),
            Consent::default()
        );
    }
}
