//! Observations: what a collector saw a site store or request, in one scenario, on one page.
//!
//! A collector (a live browser, or a HAR file read offline) turns what it saw into these plain
//! values; the auditor judges them without any I/O.

use crate::party::Party;

/// One thing a collector saw, tagged with where and when.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Policy;
/// # use cookie_charter::audit::{CookieWrite, Expiry, Observation, ObservedCookie, Subject, Writer};
/// # use cookie_charter::party::Party;
/// # let policy = Policy::from_toml(r#"
/// #     [site]
/// #     name = "Example"
/// #     url = "https://www.example.com"
/// #     consent_cookie = "consent"
/// #     [purposes.marketing]
/// #     label = "Marketing"
/// #     [[cookies]]
/// #     name = "_ad"
/// #     provider = "Ads"
/// #     service = "Ads"
/// #     purpose = "marketing"
/// #     description = "Ads"
/// #     lifetime = "30 days"
/// # "#)?;
/// # let scenarios = policy.audit_scenarios(1_700_000_000);
/// # // `_ad`, written by the site's server for a year, seen in the scenario `scenario`.
/// # let seen = |scenario: &str, name: &str| Observation {
/// #     scenario: scenario.into(),
/// #     after_withdrawal: false,
/// #     page: "https://www.example.com/".into(),
/// #     time_ms: 1_700_000_000_000,
/// #     subject: Subject::Cookie(ObservedCookie {
/// #         name: name.into(),
/// #         value_len: 8,
/// #         domain: "www.example.com".into(),
/// #         host_only: true,
/// #         path: "/".into(),
/// #         partition_key: None,
/// #         party: Party::First,
/// #         write: Some(CookieWrite {
/// #             writer: Writer::Http { response_url: "https://www.example.com/".into() },
/// #             line: format!("{name}=1; Max-Age=31536000"),
/// #             lifetime: Expiry::Seconds(31_536_000),
/// #             after_withdrawal: false,
/// #         }),
/// #         stored: Some(Expiry::Seconds(31_535_990)),
/// #     }),
/// # };
/// let observation = seen("accept_all", "_ad");
/// assert_eq!(observation.subject.kind(), "cookie");
/// assert_eq!(observation.time_ms / 1000, 1_700_000_000);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The id of the scenario it was seen in (`none`, `accept_all`, `only_marketing`...).
    pub scenario: String,
    /// Seen after the withdrawal of the `withdraw` scenario (its second phase).
    pub after_withdrawal: bool,
    /// The URL of the top-level page being visited.
    pub page: String,
    /// When it was seen, in unix milliseconds.
    pub time_ms: u64,
    /// What was seen.
    pub subject: Subject,
}

/// What an observation is about.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{ObservedRequest, ObservedStorage, StorageArea, Subject};
/// use cookie_charter::party::Party;
///
/// let request = Subject::Request(ObservedRequest {
///     url: "https://ads.example.net/pixel.gif".into(),
///     host: "ads.example.net".into(),
///     resource_type: Some("image".into()),
/// });
/// assert_eq!(request.kind(), "request");
/// let storage = Subject::Storage(ObservedStorage {
///     area: StorageArea::Local,
///     origin: "https://www.example.com".into(),
///     frame: "https://www.example.com/".into(),
///     key: "_ad_seen".into(),
///     value_len: 4,
///     party: Party::First,
///     written_after_withdrawal: false,
/// });
/// assert_eq!(storage.kind(), "storage");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A cookie the browser holds (or, read from a HAR, one the site set or the browser sent).
    Cookie(ObservedCookie),
    /// A local or session storage key.
    Storage(ObservedStorage),
    /// A request to a host of another site than the page's.
    Request(ObservedRequest),
}

impl Subject {
    /// The stable id of the kind: `cookie`, `storage` or `request`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Cookie(_) => "cookie",
            Self::Storage(_) => "storage",
            Self::Request(_) => "request",
        }
    }
}

/// A lifetime as written or as stored: until the session ends, or a number of seconds.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::Expiry;
///
/// assert_eq!(Expiry::Seconds(3600).seconds(), Some(3600));
/// assert_eq!(Expiry::Session.seconds(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expiry {
    /// A session cookie (no `Max-Age` or `Expires`).
    Session,
    /// Seconds from the write (written) or from the observation (stored); zero or less deletes.
    Seconds(i64),
}

impl Expiry {
    /// The seconds; `None` for a session cookie.
    pub const fn seconds(self) -> Option<i64> {
        match self {
            Self::Session => None,
            Self::Seconds(s) => Some(s),
        }
    }
}

/// Who wrote a cookie.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Policy;
/// # use cookie_charter::audit::{CookieWrite, Expiry, Observation, ObservedCookie, Subject, Writer};
/// # use cookie_charter::party::Party;
/// # let policy = Policy::from_toml(r#"
/// #     [site]
/// #     name = "Example"
/// #     url = "https://www.example.com"
/// #     consent_cookie = "consent"
/// #     [purposes.marketing]
/// #     label = "Marketing"
/// #     [[cookies]]
/// #     name = "_ad"
/// #     provider = "Ads"
/// #     service = "Ads"
/// #     purpose = "marketing"
/// #     description = "Ads"
/// #     lifetime = "30 days"
/// # "#)?;
/// # let scenarios = policy.audit_scenarios(1_700_000_000);
/// # // `_ad`, written by the site's server for a year, seen in the scenario `scenario`.
/// # let seen = |scenario: &str, name: &str| Observation {
/// #     scenario: scenario.into(),
/// #     after_withdrawal: false,
/// #     page: "https://www.example.com/".into(),
/// #     time_ms: 1_700_000_000_000,
/// #     subject: Subject::Cookie(ObservedCookie {
/// #         name: name.into(),
/// #         value_len: 8,
/// #         domain: "www.example.com".into(),
/// #         host_only: true,
/// #         path: "/".into(),
/// #         partition_key: None,
/// #         party: Party::First,
/// #         write: Some(CookieWrite {
/// #             writer: Writer::Http { response_url: "https://www.example.com/".into() },
/// #             line: format!("{name}=1; Max-Age=31536000"),
/// #             lifetime: Expiry::Seconds(31_536_000),
/// #             after_withdrawal: false,
/// #         }),
/// #         stored: Some(Expiry::Seconds(31_535_990)),
/// #     }),
/// # };
/// let Subject::Cookie(cookie) = seen("none", "_ad").subject else { unreachable!() };
/// let write = cookie.write.unwrap();
/// assert_eq!(write.writer, Writer::Http { response_url: "https://www.example.com/".into() });
/// assert_eq!(write.line, "_ad=1; Max-Age=31536000");
/// assert_eq!(write.lifetime, Expiry::Seconds(31_536_000));
/// assert!(!write.after_withdrawal);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// A `Set-Cookie` header of an HTTP response.
    Http {
        /// The URL of the response.
        response_url: String,
    },
    /// A script, through `document.cookie`.
    Script {
        /// The URL of the script that wrote it (the page's URL for an inline script).
        script_url: String,
        /// The JavaScript stack of the write, as the browser printed it.
        stack: Option<String>,
    },
    /// The collector itself: the consent cookie it writes to set up a scenario.
    Collector,
}

/// The last write of a cookie that a collector saw.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{CookieWrite, Expiry, Writer};
///
/// let write = CookieWrite {
///     writer: Writer::Script { script_url: "https://www.example.com/ads.js".into(), stack: None },
///     line: "_ad=1; path=/".into(),
///     lifetime: Expiry::Session,
///     after_withdrawal: true,
/// };
/// assert_eq!(write.lifetime.seconds(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieWrite {
    /// Who wrote it.
    pub writer: Writer,
    /// The raw `Set-Cookie` line, or the string written to `document.cookie`.
    pub line: String,
    /// The lifetime as written (`Max-Age` winning over `Expires`), before any browser cap.
    pub lifetime: Expiry,
    /// Written after the withdrawal of the `withdraw` scenario.
    pub after_withdrawal: bool,
}

/// A cookie seen by a collector.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Policy;
/// # use cookie_charter::audit::{CookieWrite, Expiry, Observation, ObservedCookie, Subject, Writer};
/// # use cookie_charter::party::Party;
/// # let policy = Policy::from_toml(r#"
/// #     [site]
/// #     name = "Example"
/// #     url = "https://www.example.com"
/// #     consent_cookie = "consent"
/// #     [purposes.marketing]
/// #     label = "Marketing"
/// #     [[cookies]]
/// #     name = "_ad"
/// #     provider = "Ads"
/// #     service = "Ads"
/// #     purpose = "marketing"
/// #     description = "Ads"
/// #     lifetime = "30 days"
/// # "#)?;
/// # let scenarios = policy.audit_scenarios(1_700_000_000);
/// # // `_ad`, written by the site's server for a year, seen in the scenario `scenario`.
/// # let seen = |scenario: &str, name: &str| Observation {
/// #     scenario: scenario.into(),
/// #     after_withdrawal: false,
/// #     page: "https://www.example.com/".into(),
/// #     time_ms: 1_700_000_000_000,
/// #     subject: Subject::Cookie(ObservedCookie {
/// #         name: name.into(),
/// #         value_len: 8,
/// #         domain: "www.example.com".into(),
/// #         host_only: true,
/// #         path: "/".into(),
/// #         partition_key: None,
/// #         party: Party::First,
/// #         write: Some(CookieWrite {
/// #             writer: Writer::Http { response_url: "https://www.example.com/".into() },
/// #             line: format!("{name}=1; Max-Age=31536000"),
/// #             lifetime: Expiry::Seconds(31_536_000),
/// #             after_withdrawal: false,
/// #         }),
/// #         stored: Some(Expiry::Seconds(31_535_990)),
/// #     }),
/// # };
/// let Subject::Cookie(mut cookie) = seen("none", "_ad").subject else { unreachable!() };
/// // The lifetime as written wins over the one stored.
/// assert_eq!(cookie.lifetime(), Some(Expiry::Seconds(31_536_000)));
/// cookie.write = None;
/// assert_eq!(cookie.lifetime(), Some(Expiry::Seconds(31_535_990)));
/// assert!(cookie.host_only && cookie.partition_key.is_none());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCookie {
    /// The name.
    pub name: String,
    /// The length of the value in bytes (the value itself is not kept).
    pub value_len: usize,
    /// The domain it is stored for, lowercase, without a leading dot.
    pub domain: String,
    /// Whether it is host-only (no `Domain` attribute).
    pub host_only: bool,
    /// The path it is stored for.
    pub path: String,
    /// The top-level site of a partitioned (CHIPS) cookie.
    pub partition_key: Option<String>,
    /// First or third party, from its domain and the page's site (registrable domains).
    pub party: Party,
    /// The last write the collector saw; `None` when it only saw the cookie stored or sent.
    pub write: Option<CookieWrite>,
    /// The remaining lifetime as stored (browsers cap it at 400 days); `None` when unknown.
    pub stored: Option<Expiry>,
}

impl ObservedCookie {
    /// The lifetime to judge: as written when a write was seen, else as stored.
    pub fn lifetime(&self) -> Option<Expiry> {
        self.write.as_ref().map(|w| w.lifetime).or(self.stored)
    }
}

/// Which web storage area.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::StorageArea;
///
/// assert_eq!(StorageArea::parse("session"), Some(StorageArea::Session));
/// assert_eq!(StorageArea::Local.as_str(), "local");
/// assert_eq!(StorageArea::parse("indexeddb"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageArea {
    /// `localStorage`.
    Local,
    /// `sessionStorage`.
    Session,
}

impl StorageArea {
    /// The stable id: `local` or `session`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Session => "session",
        }
    }

    /// Reads `local` or `session`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "local" => Some(Self::Local),
            "session" => Some(Self::Session),
            _ => None,
        }
    }
}

/// A web storage key seen by a collector.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{ObservedStorage, StorageArea};
/// use cookie_charter::party::Party;
///
/// let key = ObservedStorage {
///     area: StorageArea::Session,
///     origin: "https://widget.example".into(),
///     frame: "https://widget.example/embed".into(),
///     key: "visitor".into(),
///     value_len: 36,
///     party: Party::Third,
///     written_after_withdrawal: false,
/// };
/// assert_eq!(key.area.as_str(), "session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedStorage {
    /// Local or session storage.
    pub area: StorageArea,
    /// The origin of the frame that holds it (`https://widget.example`).
    pub origin: String,
    /// The URL of that frame.
    pub frame: String,
    /// The key.
    pub key: String,
    /// The length of the value in bytes.
    pub value_len: usize,
    /// First or third party, from the frame's origin and the page's site.
    pub party: Party,
    /// Written after the withdrawal of the `withdraw` scenario.
    pub written_after_withdrawal: bool,
}

/// A request to a host of another site than the page's.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::ObservedRequest;
///
/// let request = ObservedRequest {
///     url: "https://ads.example.net/pixel.gif".into(),
///     host: "ads.example.net".into(),
///     resource_type: None,
/// };
/// assert!(request.url.contains(&request.host));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRequest {
    /// The URL requested.
    pub url: String,
    /// Its host.
    pub host: String,
    /// What the browser fetched it as (`Script`, `Image`, `Document`...), when known.
    pub resource_type: Option<String>,
}
