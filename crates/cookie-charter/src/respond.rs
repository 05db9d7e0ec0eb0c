//! The response path: what every middleware does with one request and its response (spec §6).
//!
//! A middleware reads the visitor's consent when the request arrives
//! ([`Policy::request_consent`]), lets the application handle it, then asks the core for the
//! answer to the response ([`Policy::respond`]): which `Set-Cookie` headers to keep, which to
//! drop and why, and the deletions of the cookies the visitor holds but no longer allows. Reading
//! the consent, choosing the consent that judges and purging are written here once; a binding
//! only moves header values between its host's representation and these two calls.

use std::borrow::Cow;

use crate::consent::{Consent, Problem};
use crate::filter::{Dropped, Verdict};
use crate::gpc::gpc_enabled;
use crate::policy::Policy;
use crate::purge::Purged;

/// What a middleware saw of a request: its `Cookie` header fields and its `Sec-GPC` signal.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Request;
/// let request = Request::new().with_cookie("a=1").with_cookie("b=2").with_sec_gpc("1");
/// assert_eq!(request.cookie_header(), "a=1; b=2");
/// assert!(request.gpc());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request<'a> {
    /// The `Cookie` fields, joined with `; ` (HTTP/2 and HTTP/3 may send one field per cookie).
    cookie: Option<Cow<'a, str>>,
    /// Whether a `Sec-GPC` value asks for Global Privacy Control.
    gpc: bool,
}

impl<'a> Request<'a> {
    /// A request without a `Cookie` or `Sec-GPC` header.
    pub fn new() -> Self {
        Self::default()
    }

    /// The request with one more `Cookie` header field (joined to earlier ones with `; `).
    #[must_use]
    pub fn with_cookie(mut self, value: &'a str) -> Self {
        self.add_cookie(value);
        self
    }

    /// The request with one more `Sec-GPC` header value (see [`gpc_enabled`]).
    #[must_use]
    pub fn with_sec_gpc(mut self, value: impl AsRef<[u8]>) -> Self {
        self.add_sec_gpc(value);
        self
    }

    /// Adds a `Cookie` header field, joined to earlier ones with `; `.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Request;
    ///
    /// let mut request = Request::new();
    /// request.add_cookie("a=1");
    /// request.add_cookie("b=2");
    /// assert_eq!(request.cookie_header(), "a=1; b=2");
    /// ```
    pub fn add_cookie(&mut self, value: &'a str) {
        self.cookie = Some(match self.cookie.take() {
            None => Cow::Borrowed(value),
            Some(joined) => Cow::Owned(format!("{joined}; {value}")),
        });
    }

    /// Adds a `Sec-GPC` header value: any value that is exactly `1` (or holds such a
    /// comma-separated element) asks for Global Privacy Control.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Request;
    ///
    /// let mut request = Request::new();
    /// request.add_sec_gpc("0");
    /// assert!(!request.gpc());
    /// request.add_sec_gpc("1");
    /// assert!(request.gpc());
    /// ```
    pub fn add_sec_gpc(&mut self, value: impl AsRef<[u8]>) {
        self.gpc |= gpc_enabled([value]);
    }

    /// The request from its header `(name, value)` pairs: the `Cookie` and `Sec-GPC` ones,
    /// names compared in any case; the others are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::Request;
    /// let request = Request::from_headers([("Host", "x"), ("cookie", "a=1"), ("SEC-GPC", "1")]);
    /// assert_eq!(request.cookie_header(), "a=1");
    /// assert!(request.gpc());
    /// ```
    pub fn from_headers<I>(headers: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut request = Self::new();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("cookie") {
                request.add_cookie(value);
            } else if name.eq_ignore_ascii_case("sec-gpc") {
                request.add_sec_gpc(value);
            }
        }
        request
    }

    /// The `Cookie` header value (its fields joined with `; `); empty when there is none.
    pub fn cookie_header(&self) -> &str {
        self.cookie.as_deref().unwrap_or_default()
    }

    /// Whether the request asks for Global Privacy Control.
    pub fn gpc(&self) -> bool {
        self.gpc
    }
}

/// What the request's handler did with the consent the middleware gave it.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, Handled, Purge, Request};
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
/// let request = Request::new().with_cookie("consent=v=1&rev=1&at=1700000000&marketing=1");
/// let headers = ["_ad_id=1; Path=/"];
/// let now = 1_700_000_100;
/// // The handler left the consent: the request's consent judges.
/// let kept = policy.respond(&request, Handled::Unchanged, headers, Purge::Off, now);
/// assert_eq!(kept.set_cookies().collect::<Vec<_>>(), ["_ad_id=1; Path=/"]);
/// // The handler recorded a refusal: the new consent judges.
/// let refusal = Consent::from_cookie("v=1&rev=1&at=1700000050&marketing=0");
/// let refused = policy.respond(&request, Handled::Replaced(&refusal), headers, Purge::Off, now);
/// assert_eq!(refused.dropped().count(), 1);
/// // The handler stored something else: fail closed.
/// let broken = policy.respond(&request, Handled::NotAConsent, headers, Purge::Off, now);
/// assert_eq!(broken.consent.problem().map(|p| p.code()), Some("malformed"));
/// assert_eq!(broken.set_cookies().count(), 0);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Handled<'c> {
    /// Left it: the request's consent judges the response.
    Unchanged,
    /// Replaced it with a consent (a banner's endpoint recording a new choice): that consent
    /// judges the response and the purge. The request's Global Privacy Control signal applies
    /// to it too.
    Replaced(&'c Consent),
    /// Stored a value that is not a consent: the response is judged with no consent (every
    /// purpose `unset`, the consent's problem `malformed`), so that a mistake fails closed.
    NotAConsent,
}

/// Whether [`Policy::respond`] deletes the cookies the visitor holds but does not allow.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Handled, Purge, Request};
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
/// // The visitor refused marketing but still holds an ad cookie.
/// let request = Request::new().with_cookie("consent=v=1&rev=1&at=1700000000&marketing=0; _ad_id=1");
/// let now = 1_700_000_100;
/// let purged = policy.respond(&request, Handled::Unchanged, [], Purge::On, now);
/// assert_eq!(purged.purged[0].cookie, "_ad_id");
/// assert!(purged.set_cookies().all(|h| h.starts_with("_ad_id=; Max-Age=0")));
/// let filtered_only = policy.respond(&request, Handled::Unchanged, [], Purge::Off, now);
/// assert!(filtered_only.purged.is_empty());
/// assert!(filtered_only.is_unchanged());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purge {
    /// Append their deletions (the middleware's default).
    #[default]
    On,
    /// Only filter the response's own `Set-Cookie` headers.
    Off,
}

/// The answer to one response ([`Policy::respond`]).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Handled, Purge, Request, Verdict};
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
/// let request = Request::new().with_cookie("consent=v=1&rev=1&at=1700000000&preferences=1");
/// let headers = ["theme=dark; Path=/", "_ad_id=1; Path=/"];
/// let response = policy.respond(&request, Handled::Unchanged, headers, Purge::On, 1_700_000_100);
/// assert!(matches!(response.verdicts[0], Verdict::Kept(_)));
/// assert_eq!(response.set_cookies().collect::<Vec<_>>(), ["theme=dark; Path=/"]);
/// let dropped: Vec<_> = response.dropped().map(|d| d.header).collect();
/// assert_eq!(dropped, ["_ad_id=1; Path=/"]);
/// assert!(!response.is_unchanged());
/// assert!(response.purged.is_empty());
/// assert_eq!(response.consent.revision(), 1);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a, 'p> {
    /// The consent that judged the response.
    pub consent: Consent,
    /// What happens to each of the response's `Set-Cookie` values, in their order.
    pub verdicts: Vec<Verdict<'a, 'p>>,
    /// The cookies of the request's `Cookie` header that the visitor does not allow, with their
    /// deletions (none when purging is off or the request sent no `Cookie` header).
    pub purged: Vec<Purged<'a, 'p>>,
}

impl<'a, 'p> Response<'a, 'p> {
    /// The `Set-Cookie` values to send: the kept ones in order (each as given, or rewritten when
    /// its lifetime was clamped), then the deletions.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Handled, Purge, Request};
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
    /// let request = Request::new().with_cookie("consent=v=1&rev=1&at=1700000000; theme=dark");
    /// let headers = ["consent=v=1&rev=1&at=1700000000&preferences=0"];
    /// let response = policy.respond(&request, Handled::Unchanged, headers, Purge::On, 1_700_000_100);
    /// // The kept header first, then the deletions of `theme`.
    /// let sent: Vec<_> = response.set_cookies().collect();
    /// assert_eq!(sent[0], "consent=v=1&rev=1&at=1700000000&preferences=0");
    /// assert!(sent[1..].iter().all(|h| h.starts_with("theme=; Max-Age=0")));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn set_cookies(&self) -> impl Iterator<Item = &str> {
        let kept = self.verdicts.iter().filter_map(|v| match v {
            Verdict::Kept(header) => Some(header.as_ref()),
            Verdict::Dropped(_) => None,
        });
        let deletions = self
            .purged
            .iter()
            .flat_map(|p| p.headers.iter().map(String::as_str));
        kept.chain(deletions)
    }

    /// The dropped `Set-Cookie` values, in order, each with the decision that dropped it.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Handled, Purge, Request, Rule};
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
    /// let request = Request::new();
    /// let headers = ["_pk_id=1", "tracker=1"];
    /// let response = policy.respond(&request, Handled::Unchanged, headers, Purge::Off, 0);
    /// let dropped: Vec<_> = response.dropped().map(|d| (d.cookie, d.decision.rule)).collect();
    /// assert_eq!(dropped, [(Some("tracker"), Rule::Undeclared)]);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn dropped(&self) -> impl Iterator<Item = &Dropped<'a, 'p>> {
        self.verdicts.iter().filter_map(|v| match v {
            Verdict::Dropped(dropped) => Some(dropped),
            Verdict::Kept(_) => None,
        })
    }

    /// Whether the response's `Set-Cookie` values go out exactly as they came: every one kept as
    /// given and nothing purged.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Handled, Purge, Request};
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
    /// let request = Request::new();
    /// let exempt = policy.respond(&request, Handled::Unchanged, ["_pk_id=1"], Purge::On, 0);
    /// assert!(exempt.is_unchanged());
    /// let refused = policy.respond(&request, Handled::Unchanged, ["theme=dark"], Purge::On, 0);
    /// assert!(!refused.is_unchanged());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn is_unchanged(&self) -> bool {
        self.purged.is_empty()
            && self
                .verdicts
                .iter()
                .all(|v| matches!(v, Verdict::Kept(Cow::Borrowed(_))))
    }
}

/// The problem of the consent that judges a response whose handler stored a value that is not
/// a consent.
const NOT_A_CONSENT: Problem =
    Problem::Malformed("the request handler stored a value that is not a consent");

impl Policy {
    /// The visitor's consent for a request: read from its `Cookie` header as
    /// [`consent_from_cookie_header`](Self::consent_from_cookie_header) does, with the
    /// request's Global Privacy Control signal.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Policy, Request};
    /// let policy = Policy::from_toml(
    ///     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"cc\"\n",
    /// )?;
    /// let request = Request::new().with_cookie("cc=v=1&rev=1&at=5&statistics=1").with_sec_gpc("1");
    /// let consent = policy.request_consent(&request);
    /// assert!(consent.gpc());
    /// assert_eq!(consent.problem(), None);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn request_consent(&self, request: &Request<'_>) -> Consent {
        self.consent_from_cookie_header(request.cookie_header())
            .with_gpc(request.gpc())
    }

    /// The answer to a response: its `Set-Cookie` values filtered with the consent that judges
    /// it (see [`Handled`]), then, with [`Purge::On`], the deletions of the cookies of the
    /// request's `Cookie` header that this consent does not allow (see
    /// [`filter_set_cookies`](Self::filter_set_cookies) and [`purge`](Self::purge)).
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, Handled, Policy, Purge, Request};
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [[cookies]]
    ///     name = "consent"
    ///     provider = "Example"
    ///     service = "Consent banner"
    ///     purpose = "necessary"
    ///     description = "Remembers your choice"
    ///     lifetime = "6 months"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     provider = "Google"
    ///     service = "Analytics"
    ///     purpose = "statistics"
    ///     description = "Counts visits"
    ///     lifetime = "13 months"
    /// "#)?;
    /// let request = Request::new().with_cookie("consent=v=1&rev=1&at=1700000000&statistics=1; _ga=1");
    /// // The visitor withdraws their consent on the banner's endpoint.
    /// let withdrawn = Consent::from_cookie("v=1&rev=1&at=1700000050&statistics=0");
    /// let headers = ["consent=v=1&rev=1&at=1700000050&statistics=0; Path=/", "_ga=2; Path=/"];
    /// let response = policy.respond(&request, Handled::Replaced(&withdrawn), headers, Purge::On, 1_700_000_100);
    /// assert_eq!(response.dropped().count(), 1); // the new `_ga`
    /// assert_eq!(response.set_cookies().collect::<Vec<_>>(), [
    ///     "consent=v=1&rev=1&at=1700000050&statistics=0; Path=/",
    ///     "_ga=; Max-Age=0; Path=/",
    ///     "_ga=; Max-Age=0; Path=/; Domain=www.example.com",
    ///     "_ga=; Max-Age=0; Path=/; Domain=example.com",
    /// ]);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn respond<'a, I>(
        &self,
        request: &'a Request<'_>,
        handled: Handled<'_>,
        set_cookies: I,
        purge: Purge,
        now: u64,
    ) -> Response<'a, '_>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let consent = match handled {
            Handled::Unchanged => self.request_consent(request),
            Handled::Replaced(consent) => {
                let gpc = consent.gpc() || request.gpc();
                consent.clone().with_gpc(gpc)
            }
            Handled::NotAConsent => Consent::unusable(NOT_A_CONSENT).with_gpc(request.gpc()),
        };
        let verdicts = set_cookies
            .into_iter()
            .map(|header| self.filter_set_cookie(header, &consent, now))
            .collect();
        let cookie_header = request.cookie_header();
        let purged = if purge == Purge::On && !cookie_header.is_empty() {
            self.purge(cookie_header, &consent, now)
        } else {
            Vec::new()
        };
        Response {
            consent,
            verdicts,
            purged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Choice;

    fn example() -> Policy {
        Policy::from_toml(
            r#"
            [site]
            name = "x"
            url = "https://example.com"
            consent_cookie = "cc"
            [purposes.marketing]
            label = "Marketing"
            gpc = true
            [[cookies]]
            name = "cc"
            provider = "x"
            service = "x"
            purpose = "necessary"
            description = "x"
            lifetime = "6 months"
            [[cookies]]
            name = "ad"
            provider = "x"
            service = "x"
            purpose = "marketing"
            description = "x"
            lifetime = "1 month"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn cookie_fields_join_and_any_gpc_one_counts() {
        let request = Request::from_headers([
            ("Cookie", "a=1"),
            ("sec-gpc", "0"),
            ("COOKIE", "b=2"),
            ("Sec-GPC", "1"),
        ]);
        assert_eq!(request.cookie_header(), "a=1; b=2");
        assert!(request.gpc());
        assert!(!Request::from_headers([("sec-gpc", "0")]).gpc());
        assert_eq!(Request::new().cookie_header(), "");
    }

    #[test]
    fn a_value_that_is_not_a_consent_judges_as_no_consent_and_purges() {
        let request = Request::new().with_cookie("cc=v=1&rev=1&at=5&marketing=1; ad=1");
        let policy = example();
        let response = policy.respond(&request, Handled::NotAConsent, ["ad=2"], Purge::On, 10);
        assert_eq!(response.consent.choices().count(), 0);
        assert_eq!(
            response.consent.problem().map(Problem::code),
            Some("malformed")
        );
        assert_eq!(response.dropped().count(), 1);
        assert_eq!(response.purged.len(), 1);
        // Left unchanged, the request's consent grants both.
        let unchanged = policy.respond(&request, Handled::Unchanged, ["ad=2"], Purge::On, 10);
        assert!(unchanged.is_unchanged());
        assert_eq!(unchanged.set_cookies().collect::<Vec<_>>(), ["ad=2"]);
    }

    #[test]
    fn the_request_gpc_applies_to_a_replaced_consent() {
        let request = Request::new().with_sec_gpc("1");
        let replaced = Consent::new(1, 5);
        let policy = example();
        let response = policy.respond(&request, Handled::Replaced(&replaced), [], Purge::On, 10);
        assert!(response.consent.gpc());
        let granted = Consent::new(1, 5)
            .with("marketing", Choice::Granted)
            .unwrap();
        let response = policy.respond(
            &request,
            Handled::Replaced(&granted),
            ["ad=1"],
            Purge::Off,
            10,
        );
        assert!(response.is_unchanged(), "an explicit choice wins over GPC");
    }

    #[test]
    fn purge_off_or_no_cookie_header_purges_nothing() {
        let request = Request::new().with_cookie("ad=1");
        let policy = example();
        let off = policy.respond(&request, Handled::Unchanged, [], Purge::Off, 10);
        assert!(off.purged.is_empty() && off.is_unchanged());
        let on = policy.respond(&request, Handled::Unchanged, [], Purge::On, 10);
        assert_eq!(on.purged.len(), 1);
        assert!(!on.is_unchanged());
        let empty = Request::new();
        let none = policy.respond(&empty, Handled::Unchanged, ["x=1"], Purge::On, 10);
        assert!(none.purged.is_empty());
        assert!(!none.is_unchanged(), "the undeclared `x` is dropped");
    }

    proptest::proptest! {
        /// `respond` is the filter of the response's headers then the purge of the request's,
        /// both with the consent that judges; a value that is not a consent judges as no
        /// consent, and an unchanged handler as the request's consent.
        #[test]
        fn respond_is_filter_then_purge_with_the_judging_consent(
            held in proptest::collection::vec("(cc|ad|x|_y)=[a-z0-9]{0,3}", 0..5),
            sent in proptest::collection::vec("(cc|ad|x|_y)?=?[a-z0-9]{0,3}(; Max-Age=0)?", 0..5),
            granted in proptest::bool::ANY,
            gpc in proptest::bool::ANY,
            handled in 0..3u8,
            purge in proptest::bool::ANY,
        ) {
            let policy = example();
            let cookie = held.join("; ");
            let mut request = Request::new().with_sec_gpc(if gpc { "1" } else { "0" });
            if !held.is_empty() {
                request.add_cookie(&cookie);
            }
            let replacement = Consent::new(1, 5)
                .with("marketing", if granted { Choice::Granted } else { Choice::Denied })
                .unwrap();
            let (how, judge) = match handled {
                0 => (Handled::Unchanged, policy.request_consent(&request)),
                1 => (Handled::Replaced(&replacement), replacement.clone().with_gpc(gpc)),
                _ => (Handled::NotAConsent, Consent::default().with_gpc(gpc)),
            };
            let purge = if purge { Purge::On } else { Purge::Off };
            let response = policy.respond(&request, how, sent.iter().map(String::as_str), purge, 10);
            let filtered = policy.filter_set_cookies(sent.iter().map(String::as_str), &judge, 10);
            let mut want: Vec<String> = filtered.kept.iter().map(|k| k.to_string()).collect();
            if purge == Purge::On {
                want.extend(policy.purge(&cookie, &judge, 10).into_iter().flat_map(|p| p.headers));
            }
            let got: Vec<String> = response.set_cookies().map(str::to_owned).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(response.dropped().count(), filtered.dropped.len());
            proptest::prop_assert_eq!(response.consent.gpc(), gpc);
            proptest::prop_assert_eq!(response.consent.choices().count(), judge.choices().count());
        }
    }
}
