//! What the module does with one request and its response, in safe code over the core: the
//! request's consent from its header fields, the answer to the response's `Set-Cookie` fields
//! ([`Policy::respond`]), and the Consent Mode snippet.
//!
//! nginx gives header fields as bytes. They are read as Latin-1 text (ASCII, as they nearly
//! always are, is borrowed as it is), as the ASGI and Node middleware read them, so that the
//! answers are the same byte for byte; what the core writes goes back as Latin-1.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use engine::{GtagCommand, Handled, Policy, Purge, Request, Verdict};

/// What to do with one of the response's `Set-Cookie` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Edit {
    /// Send it as it is.
    Keep,
    /// Remove it: the visitor does not allow the cookie.
    Drop,
    /// Send this value instead (the core clamped the cookie's lifetime).
    Replace(Vec<u8>),
}

/// The answer to a response whose `Set-Cookie` fields change: an edit for each field, in their
/// order, and the values of the `Set-Cookie` fields to append (the deletions of the cookies the
/// visitor holds but no longer allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// One edit per `Set-Cookie` field of the response, in order.
    pub(crate) edits: Vec<Edit>,
    /// The `Set-Cookie` values to append, in order.
    pub(crate) added: Vec<Vec<u8>>,
}

/// The request's header fields that judge a response: its `Cookie` fields and its `Sec-GPC`
/// values, in order, as nginx holds them.
#[derive(Debug, Default)]
pub(crate) struct RequestFields<'h> {
    cookies: Vec<Cow<'h, str>>,
    sec_gpc: Vec<&'h [u8]>,
}

impl<'h> RequestFields<'h> {
    /// Reads one request header field; fields other than `Cookie` and `Sec-GPC` (names in any
    /// case) are ignored.
    pub(crate) fn add(&mut self, name: &[u8], value: &'h [u8]) {
        if name.eq_ignore_ascii_case(b"cookie") {
            self.cookies.push(latin1(value));
        } else if name.eq_ignore_ascii_case(b"sec-gpc") {
            self.sec_gpc.push(value);
        }
    }

    /// Whether the request has a `Cookie` field (so that withdrawn cookies may need deleting).
    pub(crate) fn has_cookie(&self) -> bool {
        !self.cookies.is_empty()
    }

    /// The core's view of the request.
    fn request(&self) -> Request<'_> {
        let mut request = Request::new();
        for cookie in &self.cookies {
            request.add_cookie(cookie);
        }
        for value in &self.sec_gpc {
            request.add_sec_gpc(value);
        }
        request
    }
}

/// The answer of `policy` to a response with these `Set-Cookie` values, for a request with these
/// fields, at `now` (unix seconds): [`Policy::respond`] with the request's consent left
/// unchanged and purging on, as every middleware does. `None` when every value goes out as it
/// came and nothing is deleted.
pub(crate) fn answer<'v>(
    policy: &Policy,
    request: &RequestFields<'_>,
    set_cookies: impl IntoIterator<Item = &'v [u8]>,
    now: u64,
) -> Option<Answer> {
    let texts: Vec<Cow<'v, str>> = set_cookies.into_iter().map(latin1).collect();
    if texts.is_empty() && !request.has_cookie() {
        return None;
    }
    #[cfg(feature = "test-panic")]
    test_panic(request);
    let request = request.request();
    let response = policy.respond(
        &request,
        Handled::Unchanged,
        texts.iter().map(AsRef::as_ref),
        Purge::On,
        now,
    );
    if response.is_unchanged() {
        return None;
    }
    let edits = response
        .verdicts
        .iter()
        .map(|verdict| match verdict {
            Verdict::Kept(Cow::Borrowed(_)) => Edit::Keep,
            Verdict::Kept(Cow::Owned(rewritten)) => Edit::Replace(to_latin1(rewritten)),
            Verdict::Dropped(_) => Edit::Drop,
        })
        .collect();
    let added = response
        .purged
        .iter()
        .flat_map(|purged| purged.headers.iter().map(|h| to_latin1(h)))
        .collect();
    Some(Answer { edits, added })
}

/// With the `test-panic` feature (test.sh's second module), panics for a request holding a
/// cookie named `cookie_charter_test_panic`.
#[cfg(feature = "test-panic")]
#[allow(clippy::panic)]
fn test_panic(request: &RequestFields<'_>) {
    if request
        .cookies
        .iter()
        .any(|c| c.contains("cookie_charter_test_panic="))
    {
        panic!("test-panic: the request asked for a panic");
    }
}

/// The Google Consent Mode snippet for the request's visitor: `gtag('consent', 'default', …)`
/// with the signals `policy` grants for the request's consent at `now`, after the `dataLayer`
/// and `gtag` definitions it needs.
pub(crate) fn gtag_default(policy: &Policy, request: &RequestFields<'_>, now: u64) -> String {
    let consent = policy.request_consent(&request.request());
    policy
        .consent_mode(&consent, now)
        .gtag(GtagCommand::Default)
}

/// The clock's time in unix seconds (`0` before 1970).
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Latin-1 bytes as text: borrowed when ASCII.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Text as Latin-1 bytes. A text holding a character past Latin-1 (which no header read as
/// Latin-1 holds; only a policy could bring one) goes as UTF-8, whole.
fn to_latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .unwrap_or_else(|| text.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_toml(
            r#"
            [site]
            name = "x"
            url = "https://example.com"
            consent_cookie = "cc"
            clamp_lifetimes = true
            [purposes.statistics]
            label = "Statistics"
            [[cookies]]
            name = "cc"
            provider = "x"
            service = "x"
            purpose = "necessary"
            description = "x"
            lifetime = "6 months"
            [[cookies]]
            name = "_ga"
            provider = "x"
            service = "x"
            purpose = "statistics"
            description = "x"
            lifetime = "13 months"
            "#,
        )
        .unwrap()
    }

    fn fields<'h>(pairs: &[(&str, &'h [u8])]) -> RequestFields<'h> {
        let mut fields = RequestFields::default();
        for (name, value) in pairs {
            fields.add(name.as_bytes(), value);
        }
        fields
    }

    #[test]
    fn nothing_to_judge_is_no_answer() {
        let policy = policy();
        assert_eq!(answer(&policy, &fields(&[("Host", b"x")]), [], 10), None);
        let kept: &[&[u8]] = &[b"cc=v=1&rev=1&at=5; Path=/"];
        assert_eq!(
            answer(&policy, &RequestFields::default(), kept.iter().copied(), 10),
            None
        );
    }

    #[test]
    fn drops_keeps_clamps_and_deletes_in_order() {
        let policy = policy();
        let request = fields(&[
            ("COOKIE", b"_ga=1"),
            ("x-other", b"cc=v=1&rev=1&at=5&statistics=1"),
            ("sec-gpc", b"1"),
        ]);
        let sent: &[&[u8]] = &[
            b"tracker=1",
            b"cc=v=1; Max-Age=99999999",
            b"cc=v=\xe9; Path=/",
        ];
        let answer = answer(&policy, &request, sent.iter().copied(), 10).unwrap();
        assert_eq!(answer.edits.len(), 3);
        assert_eq!(answer.edits[0], Edit::Drop);
        assert!(
            matches!(&answer.edits[1], Edit::Replace(v) if v.starts_with(b"cc=v=1; Max-Age=1"))
        );
        assert_eq!(
            answer.edits[2],
            Edit::Keep,
            "Latin-1 bytes kept as they came"
        );
        // `_ga` is held without consent (the consent cookie was in another header).
        assert_eq!(
            answer.added.first().map(Vec::as_slice),
            Some(&b"_ga=; Max-Age=0; Path=/"[..])
        );
    }

    #[test]
    fn cookie_fields_join_and_latin1_survives_the_purge() {
        let policy = policy();
        let request = fields(&[
            ("Cookie", b"cc=v=1&rev=1&at=5&statistics=1"),
            ("cookie", b"\xe9t\xe9=1"),
        ]);
        let answer = answer(&policy, &request, [], 10).unwrap();
        assert_eq!(answer.edits, []);
        assert_eq!(
            answer.added.first().map(Vec::as_slice),
            Some(&b"\xe9t\xe9=; Max-Age=0; Path=/"[..])
        );
    }

    #[test]
    fn the_snippet_follows_the_request_consent() {
        let policy = policy();
        let granted = fields(&[("Cookie", b"cc=v=1&rev=1&at=5&statistics=1")]);
        let snippet = gtag_default(&policy, &granted, 10);
        assert!(snippet.contains("gtag('consent', 'default', "), "{snippet}");
        assert!(
            snippet.contains("\"analytics_storage\":\"granted\""),
            "{snippet}"
        );
        let none = gtag_default(&policy, &RequestFields::default(), 10);
        assert!(none.contains("\"analytics_storage\":\"denied\""), "{none}");
    }

    #[test]
    fn now_is_the_clock() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let now = now();
        assert!(now >= before && now <= before + 60, "{now}");
    }

    #[test]
    fn latin1_round_trips_and_wider_text_goes_as_utf8() {
        assert!(matches!(latin1(b"a=1"), Cow::Borrowed("a=1")));
        assert_eq!(latin1(b"\xe9"), "\u{e9}");
        assert_eq!(to_latin1("\u{e9}"), b"\xe9");
        assert_eq!(to_latin1("\u{20ac}"), "\u{20ac}".as_bytes());
    }
}
