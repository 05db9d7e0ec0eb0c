//! A loaded policy: the site, its purposes, its cookie declarations, and the decisions they give.

use std::fmt;

use crate::choices::PurposeKey;
use crate::consent::{Consent, ConsentState, Problem};
use crate::consent_mode::{ConsentMode, Signals};
use crate::decision::{Decision, Rule};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::lifetime::{Lifetime, MONTH};
use crate::matcher::Matcher;
use crate::party::Party;
use crate::policy_format::PolicyFormat;
use crate::purpose::{Purpose, PurposeId};
use crate::signature::{ConsentKeys, SignatureProblem};
use crate::sources::ConsentSource;
use crate::state_table::Facts;
use crate::text::Text;

/// The longest lifetime of an exempt statistics cookie under the `cnil` profile: 13 months.
pub const CNIL_MAX_STATISTICS_LIFETIME: u64 = 13 * MONTH;
/// The default `consent_max_age`: 6 months.
pub const DEFAULT_CONSENT_MAX_AGE: u64 = 6 * MONTH;

/// Which reading of the rules applies (policy field `site.profile`).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Policy, Profile};
///
/// assert_eq!(Profile::parse("cnil"), Some(Profile::Cnil));
/// assert_eq!(Profile::Charter.as_str(), "charter");
/// assert_eq!(Profile::parse("CNIL"), None);
/// let policy = Policy::from_toml(
///     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\nprofile = \"cnil\"\n",
/// )?;
/// assert_eq!(policy.site().profile, Profile::Cnil);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The charter's own rules: anonymous first-party statistics are exempt.
    #[default]
    Charter,
    /// The CNIL's 2020 guidelines: exempt statistics live at most 13 months, and consents expire.
    Cnil,
}

impl Profile {
    /// The stable id: `charter` or `cnil`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Charter => "charter",
            Self::Cnil => "cnil",
        }
    }

    /// Reads a profile id.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "charter" => Some(Self::Charter),
            "cnil" => Some(Self::Cnil),
            _ => None,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `[site]` table of a policy.
///
/// # Examples
///
/// ```
/// use cookie_charter::{DEFAULT_CONSENT_MAX_AGE, Policy, Profile};
///
/// let policy = Policy::from_toml(r#"
///     [site]
///     name = "Example"
///     url = "https://WWW.Example.com/"
///     consent_cookie = "consent"
///     revision = 3
/// "#)?;
/// let site = policy.site();
/// assert_eq!(site.host, "www.example.com");
/// assert_eq!(site.revision, 3);
/// assert_eq!(site.consent_cookie, "consent");
/// assert_eq!(site.profile, Profile::Charter);
/// assert_eq!(site.languages, ["en"]);
/// assert_eq!(site.consent_max_age, DEFAULT_CONSENT_MAX_AGE);
/// assert!(!site.clamp_lifetimes && !site.require_signed_consent);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The site's name, as shown on the charter page.
    pub name: Text,
    /// The site's URL.
    pub url: String,
    /// The URL's host, normalised.
    pub host: String,
    /// The policy revision; bump it to ask for consent again.
    pub revision: u64,
    /// The name of the cookie that stores the visitor's consent.
    pub consent_cookie: String,
    /// Which reading of the rules applies.
    pub profile: Profile,
    /// The languages of the charter, the first being the default.
    pub languages: Vec<String>,
    /// How long a consent lasts under the `cnil` profile, in seconds.
    pub consent_max_age: u64,
    /// Whether kept `Set-Cookie` headers are clamped to the declared lifetime.
    pub clamp_lifetimes: bool,
    /// Whether only a consent whose signature verified counts (spec §13): any other gives every
    /// purpose `unset` (see [`Policy::verify_consent`]).
    pub require_signed_consent: bool,
}

/// One `[[cookies]]` declaration.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Lifetime, Party, YEAR};
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
/// let ads = policy.declaration("_ad_id").unwrap();
/// assert!(ads.is_pattern());
/// assert_eq!(ads.name, "_ad_*");
/// assert_eq!(ads.purpose.as_str(), "marketing");
/// assert_eq!(ads.party, Party::Third);
/// assert_eq!(ads.domain.as_deref(), Some("ads.example.net"));
/// let theme = policy.declaration("theme").unwrap();
/// assert!(!theme.is_pattern());
/// assert_eq!(theme.lifetime, Lifetime::Seconds(YEAR));
/// assert_eq!((theme.party, theme.domain.as_deref()), (Party::First, None));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CookieDecl {
    /// The exact name, or a pattern with one `*`.
    pub name: String,
    /// Who provides the service that sets it.
    pub provider: String,
    /// The service and where it is used.
    pub service: Text,
    /// Its purpose.
    pub purpose: PurposeId,
    /// What it is for, in words.
    pub description: Text,
    /// How long it lives.
    pub lifetime: Lifetime,
    /// First or third party (declared or derived from `domain`).
    pub party: Party,
    /// The `Domain` it is set for, normalised; `None` for a host-only cookie.
    pub domain: Option<String>,
    /// The `Path` it is set for, if declared.
    pub path: Option<String>,
    /// Whether it is an anonymous statistics cookie.
    pub anonymous: bool,
}

impl CookieDecl {
    /// Whether the name is a pattern.
    ///
    /// # Examples
    ///
    /// ```
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
    /// assert!(policy.cookies().iter().any(|c| c.is_pattern() && c.name == "_ad_*"));
    /// assert!(!policy.declaration("consent").unwrap().is_pattern());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn is_pattern(&self) -> bool {
        self.name.contains('*')
    }
}

/// A remark about a valid policy that is probably not what its author meant.
///
/// # Examples
///
/// ```
/// use cookie_charter::Policy;
///
/// // The consent cookie is not declared: the filter would drop it.
/// let policy = Policy::from_toml(
///     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\n",
/// )?;
/// let warning = &policy.warnings()[0];
/// assert_eq!(warning.code, "consent_cookie_undeclared");
/// assert_eq!(warning.field, "site.consent_cookie");
/// assert!(warning.to_string().contains(&warning.message));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable id: `exemption_not_met`, `missing_translation`, `consent_cookie_undeclared`...
    pub code: &'static str,
    /// The field it is about.
    pub field: String,
    /// Where it is in the file.
    pub location: Option<Location>,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// What the decision function needs of a declaration, computed once at load.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compiled {
    /// Index into `Policy::purposes`.
    pub purpose: usize,
    /// The rule that will decide (rule 1 aside, which depends on the name only).
    pub rule: Rule,
    /// Whether that rule allows the cookie whatever the consent (`necessary`,
    /// `anonymous_statistics`); the other rules allow it when its purpose is granted.
    pub free: bool,
    /// What the decision reads of the purpose, here so that it is one load away.
    pub hot: HotPurpose,
}

/// What a decision reads of a purpose besides its [`Purpose`], found once at load.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HotPurpose {
    /// Its id as a key to consents' choices.
    pub key: PurposeKey,
    /// Whether it is the built-in `necessary` purpose.
    pub necessary: bool,
    /// Its revision (older consents are `stale` for it).
    pub revision: u64,
    /// Whether Global Privacy Control refuses it.
    pub gpc: bool,
}

impl HotPurpose {
    /// The facts of `purpose`.
    pub fn of(purpose: &Purpose) -> Self {
        Self {
            key: PurposeKey::of(purpose.id.as_str()),
            necessary: purpose.is_necessary(),
            revision: purpose.revision,
            gpc: purpose.gpc,
        }
    }
}

/// A loaded, validated policy. Cheap to share between threads (it is immutable).
///
/// # Examples
///
/// The policy a site starts from, and what it tells about itself:
///
/// ```
/// use cookie_charter::{Consent, ConsentState, Rule};
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
/// // `necessary` and `statistics` are built in; declared purposes follow.
/// let ids: Vec<_> = policy.purposes().iter().map(|p| p.id.as_str()).collect();
/// assert_eq!(ids, ["necessary", "statistics", "marketing", "preferences"]);
/// assert_eq!(policy.purpose("marketing").unwrap().label.exact("en"), Some("Marketing"));
/// assert_eq!(policy.cookies().len(), 4);
/// assert_eq!(policy.cookies_of("statistics").map(|c| c.name.as_str()).collect::<Vec<_>>(), ["_pk_id"]);
/// assert!(policy.warnings().is_empty());
/// assert_eq!(policy.site().consent_cookie, "consent");
///
/// // Anonymous statistics are exempt: only marketing and preferences need a banner.
/// assert!(policy.needs_consent("marketing"));
/// assert!(!policy.needs_consent("statistics"));
/// let nothing_yet = Consent::from_cookie("");
/// let ask: Vec<_> = policy.purposes_to_ask(&nothing_yet, 0).iter().map(|id| id.as_str()).collect();
/// assert_eq!(ask, ["marketing", "preferences"]);
///
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=0&preferences=1");
/// let now = 1_700_000_100;
/// assert!(policy.purposes_to_ask(&consent, now).is_empty());
/// assert_eq!(policy.consent_state("marketing", &consent, now), Some(ConsentState::Denied));
/// let rules: Vec<Rule> = policy
///     .decide_many(["consent", "_pk_id", "theme", "_ad_x", "other"], &consent, now)
///     .iter()
///     .map(|d| d.rule)
///     .collect();
/// assert_eq!(
///     rules,
///     [Rule::Necessary, Rule::AnonymousStatistics, Rule::Consent, Rule::ThirdParty, Rule::Undeclared],
/// );
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) site: Site,
    pub(crate) purposes: Vec<Purpose>,
    /// Per purpose: whether at least one of its cookies needs consent.
    pub(crate) needs_consent: Vec<bool>,
    pub(crate) cookies: Vec<CookieDecl>,
    pub(crate) compiled: Vec<Compiled>,
    pub(crate) matcher: Matcher,
    pub(crate) warnings: Vec<Warning>,
    /// The `Domain` values a deletion of `purge` is sent for (see `purge::deletion_domains`),
    /// found once: the Public Suffix List is not looked up on every request.
    pub(crate) deletion_domains: Vec<String>,
    /// `site.consent_sources`, in order; empty: the engine's own cookie alone.
    pub(crate) consent_sources: Vec<ConsentSource>,
    /// The keys that verify signed consent cookies (spec §13), given at run time.
    pub(crate) consent_keys: Option<ConsentKeys>,
}

impl Policy {
    /// Loads a policy from TOML text.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ErrorKind, Policy};
    ///
    /// let policy = Policy::from_toml(
    ///     "[site]\nname = \"Example\"\nurl = \"https://example.com\"\nconsent_cookie = \"consent\"\n",
    /// )?;
    /// assert_eq!(policy.site().name.exact("en"), Some("Example"));
    /// let error = Policy::from_toml("[site]\nname = \"Example\"\n").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::MissingField);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Self> {
        crate::load::from_toml(text)
    }

    /// Loads a policy from JSON text of the same structure.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ErrorKind, Policy};
    ///
    /// let policy = Policy::from_json(
    ///     r#"{"site": {"name": "Example", "url": "https://example.com", "consent_cookie": "consent"}}"#,
    /// )?;
    /// assert_eq!(policy.site().host, "example.com");
    /// // Strict JSON: no trailing commas.
    /// let error = Policy::from_json(r#"{"site": {"name": "Example",}}"#).unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::Syntax);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        crate::load::from_json(text)
    }

    /// The text of a policy file's bytes: a `syntax` error, located at the first byte that is
    /// not UTF-8, when they are not UTF-8 (a file is never read with replacement characters).
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{ErrorKind, Policy};
    /// assert_eq!(Policy::text_of("[site]\nname = \"Café\"".as_bytes())?, "[site]\nname = \"Café\"");
    /// let error = Policy::text_of(b"[site]\nname = \"Caf\xe9\"").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::Syntax);
    /// assert_eq!(error.to_string(), "line 2, column 12: the file is not UTF-8 (byte 0xe9 at offset 18)");
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn text_of(bytes: &[u8]) -> Result<&str> {
        std::str::from_utf8(bytes).map_err(|e| {
            let valid = e.valid_up_to();
            let prefix =
                std::str::from_utf8(bytes.get(..valid).unwrap_or_default()).unwrap_or_default();
            let byte = bytes.get(valid).copied().unwrap_or_default();
            Error::new(
                ErrorKind::Syntax,
                format!("the file is not UTF-8 (byte {byte:#04x} at offset {valid})"),
            )
            .with_location(Location::of_offset(prefix, valid))
        })
    }

    /// Loads a policy file's bytes written in `format`: its text (see
    /// [`text_of`](Self::text_of)), then [`from_toml`](Self::from_toml) or
    /// [`from_json`](Self::from_json).
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{ErrorKind, Policy, PolicyFormat};
    /// # use std::path::Path;
    /// let json = br#"{"site": {"name": "x", "url": "https://example.com", "consent_cookie": "c"}}"#;
    /// let policy = Policy::from_file_bytes(json, PolicyFormat::of_path(Path::new("cookies.json")))?;
    /// assert_eq!(policy.site().consent_cookie, "c");
    /// let error = Policy::from_file_bytes(json, PolicyFormat::Toml).unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::Syntax);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn from_file_bytes(bytes: &[u8], format: PolicyFormat) -> Result<Self> {
        let text = Self::text_of(bytes)?;
        match format {
            PolicyFormat::Toml => Self::from_toml(text),
            PolicyFormat::Json => Self::from_json(text),
        }
    }

    /// The `[site]` table.
    ///
    /// # Examples
    ///
    /// ```
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
    /// assert_eq!(policy.site().url, "https://www.example.com");
    /// assert_eq!(policy.site().revision, 1);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The same policy with the keys that verify signed consent cookies (spec §13). Keys are
    /// secrets: they come from the caller (a file, the environment), never from the policy file.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ConsentKeys, KeyId};
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
    /// assert!(policy.consent_keys().is_none());
    /// let keys = ConsentKeys::parse("k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA")?;
    /// let policy = policy.with_consent_keys(keys);
    /// assert_eq!(policy.consent_keys().unwrap().signing_key_id(), &KeyId::new("k1")?);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    #[must_use]
    pub fn with_consent_keys(mut self, keys: ConsentKeys) -> Self {
        self.consent_keys = Some(keys);
        self
    }

    /// The keys that verify signed consent cookies, if given.
    pub fn consent_keys(&self) -> Option<&ConsentKeys> {
        self.consent_keys.as_ref()
    }

    /// `consent` checked against the policy's keys (spec §13): a signed value whose signature
    /// verifies comes back verified ([`Consent::is_verified`]); a signed value whose signature
    /// does not, or whose key is unknown, gives no consent with a `malformed` problem saying
    /// why; an unsigned value does too when `site.require_signed_consent` is set, and otherwise
    /// comes back unchanged. Without keys, a signed value is read as an unsigned one (or refused
    /// when signatures are required). A consent that already has a problem comes back as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, ConsentKeys, Policy, RecordId};
    /// let keys = ConsentKeys::parse("k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA")?;
    /// let policy = Policy::from_toml(
    ///     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"cc\"\nrequire_signed_consent = true\n",
    /// )?
    /// .with_consent_keys(keys.clone());
    /// let signed = keys.sign(Consent::new(1, 5), RecordId::from_bytes([9; 16])).to_cookie();
    /// assert!(policy.verify_consent(Consent::from_cookie(&signed)).is_verified());
    /// let unsigned = policy.verify_consent(Consent::from_cookie("v=1&rev=1&at=5"));
    /// assert_eq!(unsigned.problem().map(|p| p.code()), Some("malformed"));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn verify_consent(&self, consent: Consent) -> Consent {
        if consent.problem().is_some() {
            return consent;
        }
        let checked = match (&self.consent_keys, consent.signature().is_some()) {
            (Some(keys), true) => keys.verify(&consent),
            _ if !self.site.require_signed_consent => return consent,
            (None, true) => Err(SignatureProblem::UnknownKey),
            (_, false) => Err(SignatureProblem::Unsigned),
        };
        match checked {
            Ok(()) => consent.verified(true),
            Err(problem) => Consent::unusable(Problem::Malformed(problem.reason()))
                .with_gpc(consent.gpc())
                .with_source(consent.source()),
        }
    }

    /// Where the visitor's consent is read (`site.consent_sources`), in the order they are
    /// tried; empty when the policy declares none: the engine's own cookie
    /// (`site.consent_cookie`) is then the only source.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Policy, SourceFormat};
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
    /// assert!(policy.consent_sources().is_empty());
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "x"
    ///     url = "https://example.com"
    ///     consent_cookie = "c"
    ///     [[site.consent_sources]]
    ///     format = "tarteaucitron"
    ///     purposes = { statistics = ["gtag"] }
    /// "#)?;
    /// assert_eq!(policy.consent_sources()[0].format(), SourceFormat::Tarteaucitron);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn consent_sources(&self) -> &[ConsentSource] {
        &self.consent_sources
    }

    /// The purposes, `necessary` first, then in the file's order.
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }

    /// The purpose with this id.
    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.id.as_str() == id)
    }

    /// Whether the purpose `id` has at least one cookie whose rule needs consent (`third_party`
    /// or `consent`): the purposes a banner asks about. `false` for `necessary`, for a purpose
    /// whose cookies are all exempt, and for an unknown id.
    pub fn needs_consent(&self, id: &str) -> bool {
        self.purposes
            .iter()
            .zip(&self.needs_consent)
            .any(|(purpose, needs)| *needs && !purpose.is_necessary() && purpose.id.as_str() == id)
    }

    /// The cookie declarations of the purpose `id`, in the file's order.
    pub fn cookies_of<'p>(&'p self, id: &'p str) -> impl Iterator<Item = &'p CookieDecl> + 'p {
        self.cookies
            .iter()
            .filter(move |c| c.purpose.as_str() == id)
    }

    /// The cookie declarations, in the file's order.
    pub fn cookies(&self) -> &[CookieDecl] {
        &self.cookies
    }

    /// What `check` reports about a valid policy.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The declaration that `name` matches: the exact one, else the most specific pattern.
    pub fn declaration(&self, name: &str) -> Option<&CookieDecl> {
        self.matcher.find(name).and_then(|i| self.cookies.get(i))
    }

    /// Decides whether the cookie `name` is allowed for `consent` at `now` (unix seconds).
    ///
    /// Never fails: a name no declaration matches is denied by rule `undeclared`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, ConsentState, Rule};
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
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&preferences=1");
    /// let now = 1_700_000_100;
    /// let theme = policy.decide("theme", &consent, now);
    /// assert!(theme.allowed);
    /// assert_eq!(theme.rule, Rule::Consent);
    /// assert_eq!(theme.purpose, Some("preferences"));
    /// assert_eq!(theme.consent_state, Some(ConsentState::Granted));
    /// // Marketing was never chosen: its third-party cookies are denied.
    /// let ad = policy.decide("_ad_id", &consent, now);
    /// assert_eq!((ad.allowed, ad.rule, ad.consent_state), (false, Rule::ThirdParty, Some(ConsentState::Unset)));
    /// // Names are case-sensitive, and an undeclared name is denied.
    /// assert_eq!(policy.decide("Theme", &consent, now).rule, Rule::Undeclared);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    #[inline(always)]
    pub fn decide(&self, name: &str, consent: &Consent, now: u64) -> Decision<'_> {
        // No declaration: an index past the end.
        let Some(compiled) = self.compiled.get(self.matcher.find_index(name) as usize) else {
            return Decision::UNDECLARED;
        };
        // The purpose's id is read only when the consent's index cannot answer (rare).
        let id = || {
            self.purposes
                .get(compiled.purpose)
                .map_or("", |p| p.id.as_str())
        };
        let facts = self.facts_of(id, &compiled.hot, consent, now);
        // No jump on the rule: the rules of a stream of names vary. Whether the purpose is
        // granted is read from the facts, not from the state's table: one load fewer before the
        // answer.
        let allowed = compiled.free | facts.granted();
        Decision {
            allowed,
            rule: compiled.rule,
            purpose: self.purposes.get(compiled.purpose).map(|p| p.id.as_str()),
            consent_state: Some(facts.state()),
        }
    }

    /// Decides every name of `names` (see [`decide`](Self::decide)).
    pub fn decide_many<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
        consent: &Consent,
        now: u64,
    ) -> Vec<Decision<'_>> {
        names
            .into_iter()
            .map(|name| self.decide(name, consent, now))
            .collect()
    }

    /// The visitor's state for the purpose `id`; `None` if the policy does not declare it.
    pub fn consent_state(&self, id: &str, consent: &Consent, now: u64) -> Option<ConsentState> {
        self.purpose(id).map(|p| self.state_of(p, consent, now))
    }

    /// The state of `purpose` (docs/spec.md §5, "The state of a purpose").
    #[inline]
    fn state_of(&self, purpose: &Purpose, consent: &Consent, now: u64) -> ConsentState {
        let hot = HotPurpose::of(purpose);
        self.facts_of(|| purpose.id.as_str(), &hot, consent, now)
            .state()
    }

    /// What the state of a purpose depends on: every fact is read, then one table gives the
    /// state (the facts vary from one decision to the next; branching on them would cost more
    /// than reading them all). `hot` is what the purpose holds; `id` gives its id, called only
    /// when the consent's index cannot answer.
    #[inline]
    fn facts_of<'i>(
        &self,
        id: impl FnOnce() -> &'i str,
        hot: &HotPurpose,
        consent: &Consent,
        now: u64,
    ) -> Facts {
        let max_age = match self.site.profile {
            Profile::Cnil => self.site.consent_max_age,
            _ => u64::MAX,
        };
        Facts {
            standing: consent.standing(now, self.site.require_signed_consent, max_age),
            choice: consent.choice_keyed(&hot.key, id),
            stale: consent.revision() < hot.revision,
            gpc: consent.gpc() & hot.gpc,
            necessary: hot.necessary,
        }
    }

    /// The Google Consent Mode v2 state of the seven signals for `consent` at `now`: a signal is
    /// granted when at least one purpose maps to it and every purpose that maps to it is
    /// `granted` (see [`ConsentMode`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, Signal};
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
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1&preferences=0");
    /// let mode = policy.consent_mode(&consent, 1_700_000_100);
    /// assert!(mode.granted().contains(Signal::AdStorage));
    /// assert!(!mode.granted().contains(Signal::AnalyticsStorage)); // statistics was not chosen
    /// assert!(!mode.granted().contains(Signal::FunctionalityStorage));
    /// assert!(mode.granted().contains(Signal::SecurityStorage));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn consent_mode(&self, consent: &Consent, now: u64) -> ConsentMode {
        let mut mapped = Signals::EMPTY;
        let mut refused = Signals::EMPTY;
        for purpose in &self.purposes {
            mapped = mapped.union(purpose.consent_mode);
            if self.state_of(purpose, consent, now) != ConsentState::Granted {
                refused = refused.union(purpose.consent_mode);
            }
        }
        ConsentMode::new(mapped.difference(refused))
    }

    /// The purposes a banner must ask about: those, `necessary` aside, whose state is `unset`,
    /// `stale` or `expired` and that have at least one cookie needing consent. Empty: no banner.
    /// A purpose refused by GPC (`gpc_denied`) is not asked: the signal answered it.
    pub fn purposes_to_ask(&self, consent: &Consent, now: u64) -> Vec<&PurposeId> {
        self.purposes
            .iter()
            .zip(&self.needs_consent)
            .filter(|(purpose, needs)| {
                **needs
                    && !purpose.is_necessary()
                    && matches!(
                        self.state_of(purpose, consent, now),
                        ConsentState::Unset | ConsentState::Stale | ConsentState::Expired
                    )
            })
            .map(|(purpose, _)| &purpose.id)
            .collect()
    }
}
