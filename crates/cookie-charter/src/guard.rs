//! The browser guard's answer (spec §15): what the small script a site serves with its pages
//! needs to refuse the cookie writes of scripts that the visitor has not allowed.
//!
//! Scripts set most cookies, and the server never sees those writes. The server knows, for each
//! visitor, which cookies are allowed: [`Policy::guard`] writes that down once per page, with the
//! same decisions as [`Policy::decide`], in the order the core matches names. The guard
//! (`guard/guard.js`) matches a name against this list, exact names first and then the first
//! pattern that matches, and holds no rule of its own.
//!
//! The answer as compact JSON ([`GuardAnswer::to_json`]):
//!
//! ```json
//! {"v":1,
//!  "purposes":{"necessary":"granted","statistics":"denied"},
//!  "exact":[["sessionid",true,"necessary"],["_fbp",false,"marketing","/shop"]],
//!  "patterns":[["_ga_*",false,"statistics"]],
//!  "undeclared":false,
//!  "domains":["www.example.com","example.com"]}
//! ```
//!
//! - `purposes`: each purpose's state (§5), in the policy's purpose order;
//! - `exact` and `patterns`: one `[name, allowed, purpose]` array per declaration, with a fourth
//!   item, the declared path, when the declaration has a path other than `/`. Exact names come in
//!   the file's order; patterns with the most literal bytes first (two patterns with as many
//!   literal bytes cannot match one name: that is the load error `ambiguous_patterns`), so the
//!   first pattern that matches a name is the one `decide` picks;
//! - `undeclared`: whether a name no declaration matches is allowed: always `false`;
//! - `domains`: the `Domain` values the purge deletes on, after the host-only deletion (§6).

use std::cmp::Reverse;
use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use crate::consent::{Consent, ConsentState};
use crate::decision::Rule;
use crate::policy::Policy;

/// The version of the answer's format (its `v` field).
pub const GUARD_ANSWER_VERSION: u32 = 1;

/// The `id` of the `<script type="application/json">` element that carries the answer in a page
/// ([`GuardAnswer::script_tags`]); the guard reads its answer there.
pub const GUARD_ANSWER_ELEMENT_ID: &str = "cookie-charter-answer";

/// One declaration as the guard sees it.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, GuardEntry};
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
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1");
/// let answer = policy.guard(&consent, 1_700_000_100);
/// assert_eq!(
///     answer.patterns()[0],
///     GuardEntry { name: "_ad_*", allowed: true, purpose: "marketing", path: None },
/// );
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardEntry<'p> {
    /// The exact name, or the pattern with its one `*`.
    pub name: &'p str,
    /// Whether the visitor allows the cookies it declares.
    pub allowed: bool,
    /// Its purpose.
    pub purpose: &'p str,
    /// The declared path the purge deletes on besides `/`; `None` when it declares none (or `/`).
    pub path: Option<&'p str>,
}

/// The answer a page's guard needs for one visitor at one time (see [`Policy::guard`]).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, ConsentState};
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
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=0&preferences=1");
/// let answer = policy.guard(&consent, 1_700_000_100);
/// assert_eq!(answer.purposes()[2], ("marketing", ConsentState::Denied));
/// let exact: Vec<_> = answer.exact().iter().map(|e| (e.name, e.allowed)).collect();
/// assert_eq!(exact, [("consent", true), ("_pk_id", true), ("theme", true)]);
/// assert_eq!(answer.patterns().len(), 1);
/// assert!(!answer.patterns()[0].allowed);
/// assert!(!answer.undeclared_allowed());
/// assert_eq!(answer.deletion_domains(), ["www.example.com", "example.com"]);
/// assert!(answer.to_json().starts_with(r#"{"v":1,"purposes":{"necessary":"granted","#));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardAnswer<'p> {
    purposes: Vec<(&'p str, ConsentState)>,
    exact: Vec<GuardEntry<'p>>,
    patterns: Vec<GuardEntry<'p>>,
    domains: &'p [String],
}

impl Policy {
    /// The guard's answer for `consent` at `now`: every declaration with whether it is allowed,
    /// in the core's matching order, each purpose's state, and where the purge deletes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, Policy};
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
    ///     name = "_ga_*"
    ///     provider = "Google"
    ///     service = "Analytics"
    ///     purpose = "statistics"
    ///     description = "Counts visits"
    ///     lifetime = "13 months"
    /// "#)?;
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=0");
    /// let answer = policy.guard(&consent, 1_700_000_100);
    /// assert_eq!(
    ///     answer.to_json(),
    ///     r#"{"v":1,"purposes":{"necessary":"granted","statistics":"denied"},"#.to_owned()
    ///         + r#""exact":[["consent",true,"necessary"]],"patterns":[["_ga_*",false,"statistics"]],"#
    ///         + r#""undeclared":false,"domains":["www.example.com","example.com"]}"#
    /// );
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn guard(&self, consent: &Consent, now: u64) -> GuardAnswer<'_> {
        let purposes: Vec<(&str, ConsentState)> = self
            .purposes
            .iter()
            .map(|p| {
                let id = p.id.as_str();
                let state = self
                    .consent_state(id, consent, now)
                    .unwrap_or(ConsentState::Unset);
                (id, state)
            })
            .collect();
        let mut exact = Vec::new();
        let mut patterns = Vec::new();
        for (declaration, compiled) in self.cookies.iter().zip(&self.compiled) {
            // Always present: `compiled.purpose` indexes the policy's purposes. Were it not, the
            // declaration would be left out, and its names refused as undeclared.
            let Some(&(purpose, state)) = purposes.get(compiled.purpose) else {
                continue;
            };
            // `decide`'s verdict for a declaration's rule and its purpose's state; the property
            // test below checks the two agree for every name.
            let allowed = match compiled.rule {
                Rule::Necessary | Rule::AnonymousStatistics => true,
                Rule::ThirdParty | Rule::Consent => state == ConsentState::Granted,
                Rule::Undeclared => false,
            };
            let path = declaration
                .path
                .as_deref()
                .filter(|p| *p != "/" && is_deletion_path(p));
            let entry = GuardEntry {
                name: &declaration.name,
                allowed,
                purpose,
                path,
            };
            if declaration.is_pattern() {
                patterns.push(entry);
            } else {
                exact.push(entry);
            }
        }
        // Stable: patterns of equal specificity keep the file's order (they never both match).
        patterns.sort_by_key(|entry| Reverse(literal_len(entry.name)));
        GuardAnswer {
            purposes,
            exact,
            patterns,
            domains: &self.deletion_domains,
        }
    }
}

/// The number of literal bytes of a pattern: its length without the `*`.
fn literal_len(pattern: &str) -> usize {
    pattern.len() - pattern.matches('*').count()
}

/// Whether the purge uses a declared path (as `purge` does): it starts with `/` and holds no
/// `;` or control character (the loader refuses any other).
fn is_deletion_path(path: &str) -> bool {
    path.starts_with('/') && path.bytes().all(|b| !b.is_ascii_control() && b != b';')
}

impl<'p> GuardAnswer<'p> {
    /// Each purpose's id and the visitor's state for it, in the policy's purpose order.
    pub fn purposes(&self) -> &[(&'p str, ConsentState)] {
        &self.purposes
    }

    /// The exact names, in the file's order.
    pub fn exact(&self) -> &[GuardEntry<'p>] {
        &self.exact
    }

    /// The patterns, in matching order: the most literal bytes first.
    pub fn patterns(&self) -> &[GuardEntry<'p>] {
        &self.patterns
    }

    /// Whether a name no declaration matches is allowed: never (unknown cookies fail closed).
    pub const fn undeclared_allowed(&self) -> bool {
        false
    }

    /// The `Domain` values the purge deletes a cookie on, after its host-only deletion.
    pub fn deletion_domains(&self) -> &'p [String] {
        self.domains
    }

    /// The answer as compact JSON (the format is in the module's documentation).
    pub fn to_json(&self) -> String {
        // Serializing strings, booleans and lists into a `String` cannot fail; were it to, the
        // guard would find no answer and refuse every write.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `<script>` tags that put the guard in a page's `<head>`, before any other script:
    /// the answer in a `<script type="application/json" id="cookie-charter-answer">` element,
    /// then `<script src="guard_src">`, the guard itself. Both carry `nonce` when the site's
    /// Content-Security-Policy uses one.
    ///
    /// The JSON is embedded so that nothing in it can end the element: `<`, `>` and `&` are
    /// written `\u003c`, `\u003e` and `\u0026`, and U+2028 and U+2029 `\u2028` and `\u2029`.
    /// `guard_src` and `nonce` are written as escaped attribute values.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, Policy};
    /// # let policy = Policy::from_toml(
    /// #     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\n",
    /// # )?;
    /// let tags = policy.guard(&Consent::from_cookie(""), 0).script_tags("/guard.min.js", Some("r4nd0m"));
    /// assert!(tags.starts_with(r#"<script type="application/json" id="cookie-charter-answer" nonce="r4nd0m">{"v":1,"#));
    /// assert!(tags.ends_with("</script>\n<script src=\"/guard.min.js\" nonce=\"r4nd0m\"></script>\n"));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn script_tags(&self, guard_src: &str, nonce: Option<&str>) -> String {
        let json = self.to_json();
        let mut out = String::with_capacity(json.len() + guard_src.len() + 160);
        let nonce_attribute = nonce
            .map(|n| format!(" nonce=\"{}\"", escape_attribute(n)))
            .unwrap_or_default();
        // Writing into a `String` cannot fail.
        let _ = write!(
            out,
            "<script type=\"application/json\" id=\"{GUARD_ANSWER_ELEMENT_ID}\"{nonce_attribute}>"
        );
        push_script_json(&mut out, &json);
        let _ = writeln!(
            out,
            "</script>\n<script src=\"{}\"{nonce_attribute}></script>",
            escape_attribute(guard_src)
        );
        out
    }
}

/// Where a page's guard tags go ([`GuardAnswer::script_tags`]): the byte offset right after the
/// page's `<head>` start tag (`<head>` or `<head` with attributes, in any case), so that they come
/// before any other script. `None` when the page has no such tag before its first `<body>` or
/// `<script>` (comments are skipped): the middleware then leave the page as it is.
///
/// # Examples
///
/// ```
/// # use cookie_charter::guard_insertion_point;
/// assert_eq!(guard_insertion_point(b"<!doctype html><HEAD lang=\"a>b\"><title>"), Some(32));
/// assert_eq!(guard_insertion_point(b"<html><header>"), None);
/// ```
pub fn guard_insertion_point(html: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let start = at + html.get(at..)?.iter().position(|&b| b == b'<')?;
        let rest = html.get(start..)?;
        if rest.starts_with(b"<!--") {
            let end = rest.windows(3).skip(4).position(|w| w == b"-->")?;
            at = start + 4 + end + 3;
            continue;
        }
        if tag_named(rest, b"body") || tag_named(rest, b"script") {
            return None;
        }
        if tag_named(rest, b"head") {
            // The end of the tag: its first `>` outside a quoted attribute value.
            let mut quote = None;
            for (i, &b) in rest.iter().enumerate().skip(5) {
                match (quote, b) {
                    (Some(q), b) if b == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(b),
                    (None, b'>') => return Some(start + i + 1),
                    (None, _) => {}
                }
            }
            return None;
        }
        at = start + 1;
    }
}

/// Whether `text` starts with the start tag `<name` (in any case), followed by the end of the
/// tag name.
fn tag_named(text: &[u8], name: &[u8]) -> bool {
    text.get(1..=name.len())
        .is_some_and(|n| n.eq_ignore_ascii_case(name))
        && matches!(
            text.get(name.len() + 1),
            Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>')
        )
}

/// Appends `json` with the characters that could end a `<script>` element, or a JavaScript
/// string in older engines, written as JSON escapes. They only ever stand inside JSON strings,
/// where the escape means the same character.
fn push_script_json(out: &mut String, json: &str) {
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// `text` as a double-quoted HTML attribute value.
fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

impl Serialize for GuardEntry<'_> {
    /// `[name, allowed, purpose]`, or `[name, allowed, purpose, path]`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(3 + usize::from(self.path.is_some())))?;
        seq.serialize_element(self.name)?;
        seq.serialize_element(&self.allowed)?;
        seq.serialize_element(self.purpose)?;
        if let Some(path) = self.path {
            seq.serialize_element(path)?;
        }
        seq.end()
    }
}

/// The purposes' states as one JSON object, in order.
struct States<'a, 'p>(&'a [(&'p str, ConsentState)]);

impl Serialize for States<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, state) in self.0 {
            map.serialize_entry(id, state.as_str())?;
        }
        map.end()
    }
}

impl Serialize for GuardAnswer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut answer = serializer.serialize_struct("GuardAnswer", 6)?;
        answer.serialize_field("v", &GUARD_ANSWER_VERSION)?;
        answer.serialize_field("purposes", &States(&self.purposes))?;
        answer.serialize_field("exact", &self.exact)?;
        answer.serialize_field("patterns", &self.patterns)?;
        answer.serialize_field("undeclared", &self.undeclared_allowed())?;
        answer.serialize_field("domains", self.domains)?;
        answer.end()
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "test code: a failed unwrap is a failed test"
    )]

    use super::*;
    use crate::Consent;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The guard's matching (`match` in `guard/guard.js`), ported: the exact name first, then
    /// the first pattern whose prefix starts the name and whose suffix ends the rest.
    fn guard_match<'a>(answer: &'a Value, name: &str) -> Option<&'a Value> {
        let exact = answer["exact"].as_array().unwrap();
        let patterns = answer["patterns"].as_array().unwrap();
        exact.iter().find(|e| e[0] == name).or_else(|| {
            patterns.iter().find(|e| {
                let (prefix, suffix) = e[0].as_str().unwrap().split_once('*').unwrap();
                name.len() >= prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix)
            })
        })
    }

    /// Whether the guard lets `name` be written, and the purpose it found.
    fn guard_decide(answer: &Value, name: &str) -> (bool, Option<String>) {
        match guard_match(answer, name) {
            Some(e) => (
                e[1].as_bool().unwrap(),
                Some(e[2].as_str().unwrap().to_owned()),
            ),
            None => (answer["undeclared"].as_bool().unwrap(), None),
        }
    }

    /// The guard's deletions of a cookie it finds refused (`deletions` in `guard/guard.js`),
    /// ported.
    fn guard_deletions(answer: &Value, name: &str) -> Vec<String> {
        let path = guard_match(answer, name)
            .and_then(|e| e.get(3))
            .and_then(Value::as_str);
        let paths: Vec<&str> = path.map_or(vec!["/"], |p| vec![p, "/"]);
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("__host-") {
            return vec![format!("{name}=; Max-Age=0; Path=/; Secure")];
        }
        let secure = if lower.starts_with("__secure-") {
            "; Secure"
        } else {
            ""
        };
        let mut out: Vec<String> = paths
            .iter()
            .map(|p| format!("{name}=; Max-Age=0; Path={p}{secure}"))
            .collect();
        for domain in answer["domains"].as_array().unwrap() {
            for p in &paths {
                out.push(format!(
                    "{name}=; Max-Age=0; Path={p}; Domain={}{secure}",
                    domain.as_str().unwrap()
                ));
            }
        }
        out
    }

    #[test]
    fn insertion_point_after_head_start_tag() {
        assert_eq!(guard_insertion_point(b"<head>"), Some(6));
        assert_eq!(guard_insertion_point(b"<html><head>x"), Some(12));
        assert_eq!(guard_insertion_point(b"<HeAd\n>"), Some(7));
        assert_eq!(guard_insertion_point(b"<head data-x='>'>"), Some(17));
        assert_eq!(guard_insertion_point(b"<!-- <head> --><head>"), Some(21));
        assert_eq!(guard_insertion_point(b"<header><head>"), Some(14));
        assert_eq!(guard_insertion_point(b"<html><body><head>"), None);
        assert_eq!(
            guard_insertion_point(b"<script>'<head>'</script><head>"),
            None
        );
        assert_eq!(guard_insertion_point(b"<head"), None);
        assert_eq!(guard_insertion_point(b"<!-- <head>"), None);
        assert_eq!(guard_insertion_point(b"{\"head\": 1}"), None);
        assert_eq!(guard_insertion_point(b""), None);
    }

    const PURPOSES: [&str; 4] = ["necessary", "statistics", "marketing", "social"];

    #[derive(Debug, Clone)]
    struct Decl {
        name: String,
        purpose: usize,
        third: bool,
        anonymous: bool,
        long: bool,
        path: Option<&'static str>,
    }

    fn decl() -> impl Strategy<Value = Decl> {
        (
            "[ab_]{0,3}(\\*[ab_]{0,3})?",
            0..PURPOSES.len(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop_oneof![Just(None), Just(Some("/")), Just(Some("/app"))],
        )
            .prop_map(|(name, purpose, third, anonymous, long, path)| Decl {
                name,
                purpose,
                third,
                anonymous,
                long,
                path,
            })
    }

    fn toml(decls: &[Decl], cnil: bool, host: &str) -> String {
        let mut out = format!(
            "[site]\nname = \"x\"\nurl = \"https://{host}\"\nconsent_cookie = \"consent\"\n\
             revision = 2\nprofile = \"{}\"\n\
             [purposes.marketing]\nlabel = \"m\"\n[purposes.social]\nlabel = \"s\"\nrevision = 1\n",
            if cnil { "cnil" } else { "charter" }
        );
        for d in decls {
            let purpose = PURPOSES[d.purpose];
            let _ = write!(
                out,
                "[[cookies]]\nname = \"{}\"\nprovider = \"p\"\nservice = \"s\"\npurpose = \"{purpose}\"\n\
                 description = \"d\"\nlifetime = \"{}\"\n",
                d.name,
                if d.long { "2 years" } else { "1 day" }
            );
            if d.third {
                out.push_str("party = \"third\"\n");
            }
            if d.anonymous && purpose == "statistics" {
                out.push_str("anonymous = true\n");
            }
            if let Some(path) = d.path {
                let _ = writeln!(out, "path = \"{path}\"");
            }
        }
        out
    }

    /// A policy of the declarations that load together: the first of each name, and the
    /// patterns taken in order while they stay unambiguous.
    fn load(decls: &[Decl], cnil: bool, host: &str) -> Policy {
        let mut kept: Vec<Decl> = Vec::new();
        for d in decls {
            if kept.iter().any(|k| k.name == d.name) {
                continue;
            }
            kept.push(d.clone());
            if Policy::from_toml(&toml(&kept, cnil, host)).is_err() {
                kept.pop();
            }
        }
        Policy::from_toml(&toml(&kept, cnil, host)).unwrap()
    }

    fn consent() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(prop_oneof![Just(""), Just("1"), Just("0")], 3),
            1u64..=2,
            prop_oneof![Just(1_700_000_000u64), Just(1_680_000_000u64)],
        )
            .prop_map(|(choices, rev, at)| {
                let mut value = format!("v=1&rev={rev}&at={at}");
                for (id, choice) in PURPOSES[1..].iter().zip(choices) {
                    if !choice.is_empty() {
                        let _ = write!(value, "&{id}={choice}");
                    }
                }
                value
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Matching a name against the answer as the guard does gives `decide`'s `allowed` and
        /// purpose; the purposes' states are `consent_state`'s; and the deletions the guard
        /// would write for a refused name are `purge`'s.
        #[test]
        fn the_guard_agrees_with_decide(
            decls in proptest::collection::vec(decl(), 0..8),
            cnil in any::<bool>(),
            host in prop_oneof![Just("www.example.com"), Just("a.b.example.co.uk"), Just("127.0.0.1")],
            value in consent(),
            gpc in any::<bool>(),
            names in proptest::collection::vec("[ab_]{0,6}|__(Host|secure)-[ab]{0,2}", 1..12),
        ) {
            let policy = load(&decls, cnil, host);
            let consent = Consent::from_cookie(&value).with_gpc(gpc);
            let now = 1_700_000_100;
            let answer: Value = serde_json::from_str(&policy.guard(&consent, now).to_json()).unwrap();
            for purpose in policy.purposes() {
                let id = purpose.id.as_str();
                let state = policy.consent_state(id, &consent, now).unwrap();
                prop_assert_eq!(answer["purposes"][id].as_str(), Some(state.as_str()));
            }
            let literal: Vec<usize> = answer["patterns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| literal_len(e[0].as_str().unwrap()))
                .collect();
            prop_assert!(literal.windows(2).all(|w| w[0] >= w[1]), "{:?}", literal);
            let declared: Vec<&str> = policy.cookies().iter().map(|c| c.name.as_str()).collect();
            for name in names.iter().map(String::as_str).chain(declared) {
                let decision = policy.decide(name, &consent, now);
                let (allowed, purpose) = guard_decide(&answer, name);
                prop_assert_eq!(allowed, decision.allowed, "{}", name);
                prop_assert_eq!(purpose.as_deref(), decision.purpose, "{}", name);
                if !name.is_empty() && !decision.allowed {
                    let header = format!("{name}=1");
                    let purged = policy.purge(&header, &consent, now);
                    prop_assert_eq!(&guard_deletions(&answer, name), &purged[0].headers);
                }
            }
        }
    }

    fn example() -> Policy {
        Policy::from_toml(
            r#"
            [site]
            name = "x"
            url = "https://www.example.com"
            consent_cookie = "consent"
            [purposes.marketing]
            label = "m"
            [[cookies]]
            name = "_fbp"
            provider = "p"
            service = "s"
            purpose = "marketing"
            description = "d"
            lifetime = "1 day"
            path = "/</script><script>alert(1)</script>"
            [[cookies]]
            name = "a*"
            provider = "p"
            service = "s"
            purpose = "statistics"
            description = "d"
            lifetime = "1 day"
            anonymous = true
            path = "/"
            [[cookies]]
            name = "ab*c"
            provider = "p"
            service = "s"
            purpose = "marketing"
            description = "d"
            lifetime = "1 day"
            path = "/x\u2028y&z"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn patterns_come_most_specific_first_with_their_paths() {
        let policy = example();
        let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1");
        let answer = policy.guard(&consent, 1_700_000_000);
        assert_eq!(
            answer.purposes(),
            [
                ("necessary", ConsentState::Granted),
                ("statistics", ConsentState::Unset),
                ("marketing", ConsentState::Granted),
            ]
        );
        let names: Vec<&str> = answer.patterns().iter().map(|e| e.name).collect();
        assert_eq!(names, ["ab*c", "a*"]);
        assert_eq!(answer.patterns()[1].path, None, "`/` is always deleted on");
        assert_eq!(answer.patterns()[0].path, Some("/x\u{2028}y&z"));
        assert!(answer.patterns().iter().all(|e| e.allowed));
        assert!(!answer.undeclared_allowed());
        assert_eq!(
            answer.deletion_domains(),
            ["www.example.com", "example.com"]
        );
        let refused = policy.guard(&Consent::from_cookie(""), 1_700_000_000);
        assert!(!refused.exact()[0].allowed);
        assert!(refused.patterns()[1].allowed, "anonymous statistics");
    }

    #[test]
    fn the_embedded_json_cannot_end_its_element() {
        let policy = example();
        let answer = policy.guard(&Consent::from_cookie(""), 0);
        let tags = answer.script_tags("/g.js?a=1&b=\"2\"", Some("n\"><script>"));
        let (first, second) = tags.split_once("</script>\n").unwrap();
        let body = first.split_once('>').unwrap().1;
        for forbidden in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!body.contains(forbidden), "{forbidden:?} in {body}");
        }
        // The escapes read back as the same JSON.
        let read: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            read,
            serde_json::from_str::<Value>(&answer.to_json()).unwrap()
        );
        assert_eq!(
            read["exact"][0][3], "/</script><script>alert(1)</script>",
            "{body}"
        );
        assert_eq!(
            first.split_once('>').unwrap().0,
            "<script type=\"application/json\" id=\"cookie-charter-answer\" nonce=\"n&quot;&gt;&lt;script&gt;\""
        );
        assert_eq!(
            second,
            "<script src=\"/g.js?a=1&amp;b=&quot;2&quot;\" nonce=\"n&quot;&gt;&lt;script&gt;\"></script>\n"
        );
        let plain = answer.script_tags("/g.js", None);
        assert!(
            plain.starts_with("<script type=\"application/json\" id=\"cookie-charter-answer\">{")
        );
    }

    #[test]
    fn an_ip_host_gets_host_only_deletions() {
        let policy = Policy::from_toml(
            "[site]\nname = \"x\"\nurl = \"http://127.0.0.1:8080\"\nconsent_cookie = \"c\"\n",
        )
        .unwrap();
        let json = policy.guard(&Consent::from_cookie(""), 0).to_json();
        assert!(
            json.ends_with(r#""undeclared":false,"domains":[]}"#),
            "{json}"
        );
    }
}
