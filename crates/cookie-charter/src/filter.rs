//! Filtering `Set-Cookie` response headers against a visitor's consent (spec §6).
//!
//! Kept headers come back unchanged and borrowed, in order; dropped ones come back with the
//! decision that dropped them. With `site.clamp_lifetimes`, a kept header that would live longer
//! than its declaration or the 400-day browser cap is rewritten to the shorter lifetime.

use std::borrow::Cow;

use crate::consent::Consent;
use crate::cookie_date::format_http_date;
use crate::decision::Decision;
use crate::lifetime::Lifetime;
use crate::limits::MAX_BROWSER_LIFETIME_SECS;
use crate::policy::Policy;
use crate::set_cookie::{HeaderProblem, SetCookie, stored_name};
use crate::split;

/// What [`Policy::filter_set_cookies`] returns.
///
/// # Examples
///
/// ```
/// use cookie_charter::Consent;
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
/// let headers = ["theme=dark", "_ad_id=1; Domain=example.com"];
/// let filtered = policy.filter_set_cookies(headers, &consent, 1_700_000_100);
/// assert_eq!(filtered.kept, ["theme=dark"]);
/// assert_eq!(filtered.dropped.len(), 1);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered<'h, 'p> {
    /// The headers to send, in their order: borrowed when unchanged, owned when clamped.
    pub kept: Vec<Cow<'h, str>>,
    /// The headers removed, in their order, each with the decision that removed it.
    pub dropped: Vec<Dropped<'h, 'p>>,
}

/// What the filter does with one `Set-Cookie` header ([`Policy::filter_set_cookie`]).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, Verdict};
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
/// let kept = policy.filter_set_cookie("theme=dark", &consent, now);
/// assert!(matches!(kept, Verdict::Kept(h) if h == "theme=dark"));
/// assert!(matches!(policy.filter_set_cookie("_ad_id=1", &consent, now), Verdict::Dropped(_)));
/// // A deletion is always kept.
/// assert!(matches!(policy.filter_set_cookie("_ad_id=; Max-Age=0", &consent, now), Verdict::Kept(_)));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'h, 'p> {
    /// Sent: borrowed when unchanged, owned when its lifetime was clamped.
    Kept(Cow<'h, str>),
    /// Removed, with the decision that removed it.
    Dropped(Dropped<'h, 'p>),
}

/// A `Set-Cookie` header the filter removed.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, HeaderProblem, Rule, Verdict};
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
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=0");
/// let verdict = policy.filter_set_cookie("_ad_id=1; Path=/", &consent, 1_700_000_100);
/// let Verdict::Dropped(dropped) = verdict else {
///     panic!("kept");
/// };
/// assert_eq!(dropped.header, "_ad_id=1; Path=/");
/// assert_eq!(dropped.cookie, Some("_ad_id"));
/// assert_eq!(dropped.decision.rule, Rule::ThirdParty);
/// assert_eq!(dropped.problem, None);
/// let Verdict::Dropped(bad) = policy.filter_set_cookie("theme=a\r\nX: y", &consent, 0) else {
///     panic!("kept");
/// };
/// assert_eq!((bad.cookie, bad.problem), (None, Some(HeaderProblem::ControlCharacter)));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped<'h, 'p> {
    /// The header value, as given.
    pub header: &'h str,
    /// The cookie name the browser would have stored; `None` when there is none (a nameless
    /// or unreadable header, see `problem`).
    pub cookie: Option<&'h str>,
    /// The decision: `undeclared` for a header without a usable name.
    pub decision: Decision<'p>,
    /// Why the header gives no named cookie, when that is why it was dropped.
    pub problem: Option<HeaderProblem>,
}

impl Policy {
    /// Splits `Set-Cookie` header values (one cookie each, without the `Set-Cookie:` prefix)
    /// into those the visitor allows and those they do not.
    ///
    /// Each value is read as a browser reads it ([`SetCookie::parse`]) and the name it would
    /// store is decided with [`decide`](Policy::decide). Fails closed: a value with a control
    /// character, no name, or too large is dropped with an `undeclared` decision and its
    /// [`HeaderProblem`]. A deletion (an empty value with a `Max-Age` of zero or less, or an
    /// `Expires` already past) stores nothing and is kept whatever the decision, so that a site
    /// can always remove a cookie. Kept values are returned byte for byte, unless the policy sets
    /// `clamp_lifetimes` and the value outlives its declaration or 400 days (see
    /// [`clamp_lifetime`](Policy::clamp_lifetime)).
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, HeaderProblem, Policy, Rule};
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [[cookies]]
    ///     name = "sessionid"
    ///     provider = "Example"
    ///     service = "Sign-in"
    ///     purpose = "necessary"
    ///     description = "Keeps you signed in"
    ///     lifetime = "session"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     provider = "Google"
    ///     service = "Analytics"
    ///     purpose = "statistics"
    ///     description = "Counts visits"
    ///     lifetime = "13 months"
    /// "#)?;
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=0");
    /// let headers = ["sessionid=1; Path=/; HttpOnly", "_ga=GA1.2; Path=/", "=sessionid=2"];
    /// let filtered = policy.filter_set_cookies(headers, &consent, 1_700_000_100);
    /// assert_eq!(filtered.kept, ["sessionid=1; Path=/; HttpOnly"]);
    /// assert_eq!(filtered.dropped[0].cookie, Some("_ga"));
    /// assert_eq!(filtered.dropped[0].decision.rule, Rule::Consent);
    /// assert_eq!(filtered.dropped[1].cookie, None);
    /// assert_eq!(filtered.dropped[1].problem, Some(HeaderProblem::Nameless));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn filter_set_cookies<'h>(
        &self,
        headers: impl IntoIterator<Item = &'h str>,
        consent: &Consent,
        now: u64,
    ) -> Filtered<'h, '_> {
        let headers = headers.into_iter();
        let mut filtered = Filtered {
            kept: Vec::with_capacity(headers.size_hint().0),
            dropped: Vec::new(),
        };
        for header in headers {
            match self.filter_set_cookie(header, consent, now) {
                Verdict::Kept(kept) => filtered.kept.push(kept),
                Verdict::Dropped(dropped) => filtered.dropped.push(dropped),
            }
        }
        filtered
    }

    /// [`filter_set_cookies`](Policy::filter_set_cookies) of one header, with nothing to
    /// allocate unless its lifetime is clamped: for callers that handle headers one by one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, Policy, Verdict};
    /// # let policy = Policy::from_toml(r#"
    /// #     [site]
    /// #     name = "Example"
    /// #     url = "https://www.example.com"
    /// #     consent_cookie = "consent"
    /// #     [[cookies]]
    /// #     name = "_ga"
    /// #     provider = "Google"
    /// #     service = "Analytics"
    /// #     purpose = "statistics"
    /// #     description = "Counts visits"
    /// #     lifetime = "13 months"
    /// # "#)?;
    /// let refused = Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=0");
    /// match policy.filter_set_cookie("_ga=GA1.2; Path=/", &refused, 1_700_000_100) {
    ///     Verdict::Dropped(dropped) => assert_eq!(dropped.cookie, Some("_ga")),
    ///     Verdict::Kept(kept) => panic!("{kept} was kept"),
    /// }
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    #[inline]
    pub fn filter_set_cookie<'h>(
        &self,
        header: &'h str,
        consent: &Consent,
        now: u64,
    ) -> Verdict<'h, '_> {
        let name = match stored_name(header) {
            Ok(name) => name,
            Err(problem) => return Verdict::Dropped(unnamed(header, problem)),
        };
        let decision = self.decide(name, consent, now);
        if !decision.allowed && !is_deletion(header, now) {
            return Verdict::Dropped(Dropped {
                header,
                cookie: Some(name),
                decision,
                problem: None,
            });
        }
        let clamped = if self.site.clamp_lifetimes && decision.allowed && may_have_lifetime(header)
        {
            SetCookie::parse(header)
                .ok()
                .and_then(|cookie| self.clamp_lifetime(&cookie, now))
        } else {
            None
        };
        Verdict::Kept(clamped.map_or(Cow::Borrowed(header), Cow::Owned))
    }

    /// The header of `cookie` rewritten to the lifetime its declaration allows, capped at the
    /// 400 days browsers allow; `None` when it already complies (or is undeclared, a session
    /// cookie, or a deletion).
    ///
    /// Each valid `Max-Age` above the limit becomes the limit, and each valid `Expires` after
    /// `now` plus the limit becomes that date; for a cookie declared `session`, every `Max-Age`
    /// and `Expires` is removed. Other attributes are kept as written, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Policy, SetCookie, YEAR};
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [[cookies]]
    ///     name = "theme"
    ///     provider = "Example"
    ///     service = "Site"
    ///     purpose = "necessary"
    ///     description = "Remembers the theme"
    ///     lifetime = "1 year"
    /// "#)?;
    /// let long = SetCookie::parse("theme=dark; Max-Age=999999999; Path=/").unwrap();
    /// assert_eq!(
    ///     policy.clamp_lifetime(&long, 0).as_deref(),
    ///     Some(format!("theme=dark; Max-Age={YEAR}; Path=/").as_str()),
    /// );
    /// let short = SetCookie::parse("theme=dark; Max-Age=3600").unwrap();
    /// assert_eq!(policy.clamp_lifetime(&short, 0), None);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn clamp_lifetime(&self, cookie: &SetCookie<'_>, now: u64) -> Option<String> {
        let lifetime = cookie.lifetime(now)?;
        if lifetime <= 0 {
            return None;
        }
        let declared = self.declaration(cookie.name)?.lifetime;
        let limit = match declared {
            Lifetime::Session => None,
            Lifetime::Seconds(s) => Some(s.min(MAX_BROWSER_LIFETIME_SECS)),
        };
        let limit = match limit {
            Some(l) if u64::try_from(lifetime).is_ok_and(|t| t <= l) => return None,
            Some(l) => i64::try_from(l).unwrap_or(i64::MAX),
            None => -1,
        };
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let header = cookie.header();
        let mut out = String::with_capacity(header.len() + 32);
        let mut copied = 0;
        for attribute in cookie.attributes() {
            let is_max_age = attribute.name.eq_ignore_ascii_case("max-age");
            let is_expires = attribute.name.eq_ignore_ascii_case("expires");
            if !is_max_age && !is_expires {
                continue;
            }
            let replacement = if limit < 0 {
                None
            } else if is_max_age {
                match attribute.as_max_age() {
                    Some(v) if v > limit => Some(format!(" Max-Age={limit}")),
                    _ => continue,
                }
            } else {
                let until = now.saturating_add(limit);
                match attribute.as_expires() {
                    Some(at) if at > until => Some(format!(" Expires={}", format_http_date(until))),
                    _ => continue,
                }
            };
            // Copy up to the `;` before this attribute (dropping it when the attribute goes).
            let semicolon = attribute.start.saturating_sub(1);
            out.push_str(header.get(copied..semicolon).unwrap_or_default());
            if let Some(text) = replacement {
                out.push(';');
                out.push_str(&text);
            }
            copied = attribute.end;
        }
        out.push_str(header.get(copied..).unwrap_or_default());
        (out != header).then_some(out)
    }
}

fn unnamed<'h>(header: &'h str, problem: HeaderProblem) -> Dropped<'h, 'static> {
    Dropped {
        header,
        cookie: None,
        decision: Decision::UNDECLARED,
        problem: Some(problem),
    }
}

/// Whether a `Set-Cookie` value is a deletion: an empty value (or `""`) with a `Max-Age` of zero
/// or less or an `Expires` already past, as every framework's "delete cookie" writes it. It
/// stores nothing, so it needs no consent and is always kept: a site's own `clearCookie` of a
/// refused cookie reaches the browser. A header with a value is decided as usual, whatever its
/// lifetime (fail closed).
///
/// Every refused cookie asks this, so the cheap tests come first: the empty value, then
/// [`may_delete`], before any attribute is parsed.
fn is_deletion(header: &str, now: u64) -> bool {
    has_empty_value(header)
        && may_delete(header)
        && SetCookie::parse(header)
            .ok()
            .and_then(|cookie| cookie.lifetime(now))
            .is_some_and(|seconds| seconds <= 0)
}

/// Whether the value of a named `Set-Cookie` header is empty or `""`: only the bytes up to the
/// value's first ones are read, never the whole value.
fn has_empty_value(header: &str) -> bool {
    let bytes = header.as_bytes();
    let Some(eq) = bytes.iter().position(|&b| b == b'=') else {
        return false;
    };
    let mut rest = bytes.get(eq + 1..).unwrap_or_default();
    let skip_wsp = |bytes: &[u8]| -> usize {
        bytes
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count()
    };
    rest = rest.get(skip_wsp(rest)..).unwrap_or_default();
    if let Some(after) = rest.strip_prefix(b"\"\"") {
        rest = after.get(skip_wsp(after)..).unwrap_or_default();
    }
    matches!(rest.first(), None | Some(b';'))
}

/// False only when `header` cannot delete its cookie: no attribute is named `Expires`, and no
/// `Max-Age` value starts, after spaces and tabs, with `-` or `0` (as every `Max-Age` of zero or
/// less does); names compared in any case. It only looks at the first bytes of each attribute
/// (`;` found with a vectorised search), so most refused cookies are told apart without
/// parsing; `true` means "parse to know".
fn may_delete(header: &str) -> bool {
    attributes(header).any(|attribute| match attribute.as_bytes().first() {
        Some(b'e' | b'E') => named(attribute, "expires"),
        Some(b'm' | b'M') => {
            named(attribute, "max-age")
                && attribute
                    .get("max-age".len()..)
                    .and_then(|rest| rest.trim_start_matches(WSP).strip_prefix('='))
                    .is_some_and(|value| value.trim_start_matches(WSP).starts_with(['-', '0']))
        }
        _ => false,
    })
}

/// False only when no attribute of `header` is named `Expires` or `Max-Age` (any case): then the
/// cookie is a session cookie, with no lifetime to clamp, and the kept header is not parsed.
fn may_have_lifetime(header: &str) -> bool {
    attributes(header).any(|attribute| named(attribute, "expires") || named(attribute, "max-age"))
}

/// Spaces and tabs, which may come before an attribute name.
const WSP: [char; 2] = [' ', '\t'];

/// The attributes of a `Set-Cookie` value (what follows each `;`), leading spaces and tabs cut.
fn attributes(header: &str) -> impl Iterator<Item = &str> {
    split::split(header, b';')
        .skip(1)
        .map(|attribute| attribute.trim_start_matches(WSP))
}

/// Whether `attribute` starts with `name`, in any case.
fn named(attribute: &str, name: &str) -> bool {
    attribute
        .get(..name.len())
        .is_some_and(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
        [site]
        name = "Example"
        url = "https://www.example.com"
        consent_cookie = "consent"
        clamp_lifetimes = CLAMP
        [[cookies]]
        name = "csrftoken"
        provider = "Example"
        service = "Forms"
        purpose = "necessary"
        description = "Protects forms"
        lifetime = "1 day"
    "#;

    fn policy(clamp: bool) -> Policy {
        Policy::from_toml(&POLICY.replace("CLAMP", if clamp { "true" } else { "false" })).unwrap()
    }

    #[test]
    fn the_quick_deletion_test_never_misses_a_deletion() {
        let now = 1_700_000_000;
        let mut headers = Vec::new();
        for pair in ["a=1", "a=0", "a=x-0", "a=", "a=\"\"", " a = \t", "a=\"x\""] {
            for attributes in [
                "",
                "; Max-Age=0",
                "; max-age = 0",
                "; MAX-AGE=\t-1",
                "; Max-Age=00",
                "; Max-Age=0123",
                "; Max-Age=100",
                "; Max-Age=100; Max-Age=0",
                "; Max-Age=0; Max-Age=100",
                "; Max-Age=-",
                "; Max-Age=1e3",
                "; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "; EXPIRES=Fri, 01 Jan 2038 00:00:00 GMT",
                "; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=5",
                "; Max-Age=5; expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "; Max-Age=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "; Domain=example.com; Max-Age=7776000; Path=/",
                "; Expires=garbage",
            ] {
                headers.push(format!("{pair}{attributes}"));
            }
        }
        let mut deletions = 0;
        for header in &headers {
            let full = SetCookie::parse(header)
                .ok()
                .filter(|c| c.value.is_empty() || c.value == "\"\"")
                .and_then(|c| c.lifetime(now))
                .is_some_and(|s| s <= 0);
            assert_eq!(is_deletion(header, now), full, "{header}");
            let lifetime = SetCookie::parse(header).ok().and_then(|c| c.lifetime(now));
            if lifetime.is_some() {
                assert!(may_have_lifetime(header), "{header}");
            }
            if full {
                deletions += 1;
                assert!(may_delete(header), "{header}");
            }
        }
        assert!(deletions > 20, "{deletions}");
        // What most refused cookies look like is told apart without parsing.
        assert!(!may_delete(
            "_fbp=fb.1.1700000000000.1234567890; Max-Age=7776000; Path=/; Domain=.example.com"
        ));
        assert!(!may_delete("tracker_uid=abc123; Max-Age=31536000; Path=/"));
        assert!(!may_delete("_ga=GA1.2.3; Path=/; SameSite=Lax"));
        assert!(!may_delete("_pk_id=0123.abc; Max-Age=33696000; Path=/"));
        // Session cookies are kept without a parse.
        assert!(!may_have_lifetime("sessionid=abc; Path=/; HttpOnly"));
        assert!(!may_have_lifetime("max-age=1; Path=/; Secure"));
        assert!(may_have_lifetime("a=1; Path=/; \tEXPIRES=Thu, 01 Jan 1970"));
    }

    proptest::proptest! {
        /// Whatever the bytes, a header the parser gives a lifetime is one `may_have_lifetime`
        /// does not rule out (so skipping the parse never skips a clamp).
        #[test]
        fn may_have_lifetime_misses_no_lifetime(
            name in "[a-z_]{1,6}",
            attributes in proptest::collection::vec(
                "[ \t]{0,2}(max-age|MAX-AGE|Max-Age|expires|Expires|path|x|maxage|max-ag)[ \t]{0,2}(=[ \t]{0,2}(-?[0-9]{1,3}|Thu, 01 Jan 2099 00:00:00 GMT|x))?",
                0..4,
            ),
        ) {
            let header = format!("{name}=v;{}", attributes.join(";"));
            if SetCookie::parse(&header).ok().and_then(|c| c.lifetime(1_700_000_000)).is_some() {
                proptest::prop_assert!(may_have_lifetime(&header), "{header}");
            }
        }
    }

    #[test]
    fn kept_headers_are_borrowed_when_unchanged() {
        let headers = ["csrftoken=1; Max-Age=999999", "csrftoken=2"];
        for clamp in [false, true] {
            let policy = policy(clamp);
            let filtered = policy.filter_set_cookies(headers, &Consent::default(), 0);
            assert_eq!(filtered.kept.len(), 2);
            assert!(matches!(filtered.kept[1], Cow::Borrowed(h) if std::ptr::eq(h, headers[1])));
            assert_eq!(matches!(filtered.kept[0], Cow::Owned(_)), clamp);
        }
        let clamping = policy(true);
        let filtered = clamping.filter_set_cookies(headers, &Consent::default(), 0);
        assert_eq!(filtered.kept[0], "csrftoken=1; Max-Age=86400");
    }

    #[test]
    fn every_header_is_kept_or_dropped_in_order() {
        let headers = ["a=1", "csrftoken=1", "\u{0}", "", "csrftoken"];
        let policy = policy(false);
        let filtered = policy.filter_set_cookies(headers, &Consent::default(), 0);
        assert_eq!(filtered.kept, ["csrftoken=1"]);
        let dropped: Vec<_> = filtered
            .dropped
            .iter()
            .map(|d| (d.header, d.problem))
            .collect();
        assert_eq!(
            dropped,
            [
                ("a=1", None),
                ("\u{0}", Some(HeaderProblem::ControlCharacter)),
                ("", Some(HeaderProblem::Empty)),
                ("csrftoken", Some(HeaderProblem::Nameless)),
            ]
        );
        assert!(filtered.dropped.iter().all(|d| !d.decision.allowed));
    }
}
