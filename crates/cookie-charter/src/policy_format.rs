//! How a policy file is written: TOML or JSON, told by its name.

use std::path::Path;

/// The syntax of a policy file; both hold the same structure (spec §4).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Policy, PolicyFormat};
///
/// let text = br#"{"site": {"name": "x", "url": "https://example.com", "consent_cookie": "c"}}"#;
/// let policy = Policy::from_file_bytes(text, PolicyFormat::Json)?;
/// assert_eq!(policy.site().host, "example.com");
/// assert_ne!(PolicyFormat::Json, PolicyFormat::Toml);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyFormat {
    /// TOML, the format of the spec's examples.
    Toml,
    /// JSON of the same structure.
    Json,
}

impl PolicyFormat {
    /// The format of the file at `path`: JSON when its name ends in `.json` (in any case), TOML
    /// otherwise. Every loader of a path (the CLI, `Policy.load` in Python and Node) tells it so.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::PolicyFormat;
    /// # use std::path::Path;
    /// assert_eq!(PolicyFormat::of_path(Path::new("site/cookies.JSON")), PolicyFormat::Json);
    /// assert_eq!(PolicyFormat::of_path(Path::new("cookies.toml")), PolicyFormat::Toml);
    /// assert_eq!(PolicyFormat::of_path(Path::new("json")), PolicyFormat::Toml);
    /// ```
    pub fn of_path(path: &Path) -> Self {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Self::Json
        } else {
            Self::Toml
        }
    }
}
