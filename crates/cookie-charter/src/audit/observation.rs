//! Observations: what a collector saw a site store or request, in one scenario, on one page.
//!
//! A collector (a live browser, or a HAR file read offline) turns what it saw into these plain
//! values; the auditor judges them without any I/O.

use crate::party::Party;

/// One thing a collector saw, tagged with where and when.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRequest {
    /// The URL requested.
    pub url: String,
    /// Its host.
    pub host: String,
    /// What the browser fetched it as (`Script`, `Image`, `Document`...), when known.
    pub resource_type: Option<String>,
}
