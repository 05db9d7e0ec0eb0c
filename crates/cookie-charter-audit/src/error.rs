//! The errors of collectors and reports. Messages are lowercase, without a final period, with
//! user input in backticks; each error has a stable code.

use thiserror::Error;

/// Why a collector or a report failed (the command then exits with status 2).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A HAR file larger than [`MAX_HAR_BYTES`](crate::har::MAX_HAR_BYTES).
    #[error("`{path}` is {size} bytes, more than the limit of {limit} bytes for a HAR file")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A HAR file that is not what HAR 1.2 describes.
    #[error("`{path}` is not a valid HAR file: {why}")]
    MalformedHar {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A HAR or report of a version this program does not read.
    #[error("`{path}` has version `{version}`, which this program does not read ({supported})")]
    UnsupportedVersion {
        /// The file.
        path: String,
        /// The version found.
        version: String,
        /// What is read.
        supported: String,
    },
    /// A report file that is not a cookie-charter audit report.
    #[error("`{path}` is not a cookie-charter audit report: {why}")]
    MalformedReport {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// An allow-list file that cannot be read.
    #[error("`{path}`: {why}")]
    AllowList {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A scenario the policy does not have.
    #[error("unknown scenario `{0}`; the policy's scenarios are {1}")]
    UnknownScenario(String, String),
    /// The browser could not be started or driven.
    #[error("browser: {0}")]
    Browser(String),
    /// A page could not be visited.
    #[error("page `{url}`: {why}")]
    Page {
        /// The page.
        url: String,
        /// What happened.
        why: String,
    },
}

impl Error {
    /// The stable code: `io`, `too_large`, `malformed_har`, `unsupported_version`,
    /// `malformed_report`, `allow_list`, `unknown_scenario`, `browser` or `page`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io",
            Self::TooLarge { .. } => "too_large",
            Self::MalformedHar { .. } => "malformed_har",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::MalformedReport { .. } => "malformed_report",
            Self::AllowList { .. } => "allow_list",
            Self::UnknownScenario(..) => "unknown_scenario",
            Self::Browser(_) => "browser",
            Self::Page { .. } => "page",
        }
    }
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
