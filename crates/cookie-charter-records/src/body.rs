//! The body a banner posts to the consent endpoint: the visitor's choice.
//!
//! Two forms, at most [`MAX_BODY_BYTES`] bytes:
//!
//! - `application/x-www-form-urlencoded`: `statistics=1&marketing=0&method=banner&lang=fr`. The
//!   keys `method`, `lang` and `all` are the endpoint's; every other key is a purpose id.
//! - `application/json`: `{"choices": {"statistics": true, "marketing": false},
//!   "method": "banner", "lang": "fr"}`.
//!
//! A choice is `1`, `0`, `true`, `false`, `granted` or `denied` (JSON: also the booleans and the
//! numbers 1 and 0). `all` answers every purpose of the policy but `necessary` at once (an
//! "accept all" or "reject all" button); the purposes named beside it override it. `method` is
//! `banner` (the default), `settings`, `signal` or `api`; `lang` one of the policy's languages
//! (default: the first). Only purposes the policy declares are accepted; `necessary` needs no
//! consent and is ignored.

use cookie_charter::{Choice, NECESSARY, Policy};
use serde_json::Value;

use crate::record::Method;

/// The largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 4096;

/// What the visitor chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Each purpose's choice, sorted by purpose id.
    pub choices: Vec<(String, Choice)>,
    /// How it was given.
    pub method: Method,
    /// The language of the notice shown (one of the policy's).
    pub language: String,
}

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// More than [`MAX_BODY_BYTES`] bytes.
    #[error("the body has {0} bytes, more than {MAX_BODY_BYTES}")]
    TooLarge(usize),
    /// Neither form nor JSON.
    #[error("content type `{0}` is not `application/x-www-form-urlencoded` or `application/json`")]
    UnsupportedMediaType(String),
    /// Not valid form data or JSON of the expected shape.
    #[error("malformed body: {0}")]
    Malformed(String),
    /// A key the policy does not declare as a purpose.
    #[error("purpose `{0}` is not declared by the policy")]
    UnknownPurpose(String),
    /// A key given twice.
    #[error("key `{0}` appears twice")]
    DuplicateKey(String),
    /// A choice that is not one of the accepted values.
    #[error("the choice for `{0}` is not `1`, `0`, `granted` or `denied`")]
    InvalidChoice(String),
    /// A method other than `banner`, `settings`, `signal`, `api`.
    #[error("method `{0}` is not `banner`, `settings`, `signal` or `api`")]
    UnknownMethod(String),
    /// A language the policy does not have.
    #[error("language `{0}` is not one of the policy's languages")]
    UnknownLanguage(String),
    /// No purpose answered.
    #[error("the body answers no purpose")]
    NoChoice,
}

impl BodyError {
    /// A stable code: `body_too_large`, `unsupported_media_type`, `malformed_body`,
    /// `unknown_purpose`, `duplicate_key`, `invalid_choice`, `unknown_method`,
    /// `unknown_language`, `no_choice`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "body_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Malformed(_) => "malformed_body",
            Self::UnknownPurpose(_) => "unknown_purpose",
            Self::DuplicateKey(_) => "duplicate_key",
            Self::InvalidChoice(_) => "invalid_choice",
            Self::UnknownMethod(_) => "unknown_method",
            Self::UnknownLanguage(_) => "unknown_language",
            Self::NoChoice => "no_choice",
        }
    }

    /// The HTTP status: 413, 415 or 400.
    pub const fn status(&self) -> u16 {
        match self {
            Self::TooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            _ => 400,
        }
    }
}

/// At most this many characters of an input are quoted in an error.
const QUOTED: usize = 64;

/// `text` for an error message: control characters escaped, cut at [`QUOTED`] characters.
fn quote(text: &str) -> String {
    let mut out: String = text.chars().take(QUOTED).collect::<String>();
    if out.len() < text.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}

/// What the body said, before the policy's purposes are applied.
#[derive(Default)]
struct Raw {
    choices: Vec<(String, Choice)>,
    all: Option<Choice>,
    method: Option<String>,
    lang: Option<String>,
}

impl Raw {
    fn set_once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), BodyError> {
        if slot.replace(value).is_some() {
            return Err(BodyError::DuplicateKey(quote(key)));
        }
        Ok(())
    }

    fn add_choice(&mut self, key: &str, choice: Choice) -> Result<(), BodyError> {
        if self.choices.iter().any(|(p, _)| p == key) {
            return Err(BodyError::DuplicateKey(quote(key)));
        }
        self.choices.push((key.to_owned(), choice));
        Ok(())
    }
}

fn choice_of_text(key: &str, value: &str) -> Result<Choice, BodyError> {
    match value {
        "1" | "true" | "granted" => Ok(Choice::Granted),
        "0" | "false" | "denied" => Ok(Choice::Denied),
        _ => Err(BodyError::InvalidChoice(quote(key))),
    }
}

fn choice_of_json(key: &str, value: &Value) -> Result<Choice, BodyError> {
    match value {
        Value::Bool(true) => Ok(Choice::Granted),
        Value::Bool(false) => Ok(Choice::Denied),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(Choice::Granted),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(Choice::Denied),
        Value::String(s) => choice_of_text(key, s),
        _ => Err(BodyError::InvalidChoice(quote(key))),
    }
}

fn form(text: &str) -> Result<Raw, BodyError> {
    let mut raw = Raw::default();
    for (key, value) in form_urlencoded::parse(text.as_bytes()) {
        match &*key {
            "method" => Raw::set_once(&mut raw.method, &key, value.into_owned())?,
            "lang" => Raw::set_once(&mut raw.lang, &key, value.into_owned())?,
            "all" => Raw::set_once(&mut raw.all, &key, choice_of_text(&key, &value)?)?,
            _ => raw.add_choice(&key, choice_of_text(&key, &value)?)?,
        }
    }
    Ok(raw)
}

fn json(bytes: &[u8]) -> Result<Raw, BodyError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| BodyError::Malformed(format!("not JSON ({e})")))?;
    let Value::Object(object) = value else {
        return Err(BodyError::Malformed("the JSON is not an object".to_owned()));
    };
    let mut raw = Raw::default();
    let text = |key: &str, value: &Value| match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(BodyError::Malformed(format!("`{key}` is not a string"))),
    };
    for (key, value) in &object {
        match key.as_str() {
            "method" => raw.method = Some(text(key, value)?),
            "lang" => raw.lang = Some(text(key, value)?),
            "all" => raw.all = Some(choice_of_json(key, value)?),
            "choices" => {
                let Value::Object(choices) = value else {
                    return Err(BodyError::Malformed(
                        "`choices` is not an object".to_owned(),
                    ));
                };
                for (purpose, choice) in choices {
                    raw.add_choice(purpose, choice_of_json(purpose, choice)?)?;
                }
            }
            other => {
                return Err(BodyError::Malformed(format!(
                    "unknown field `{}` (expected `choices`, `all`, `method`, `lang`)",
                    quote(other)
                )));
            }
        }
    }
    Ok(raw)
}

/// Reads a choice body sent with `content_type` (the `Content-Type` header, if any), checked
/// against `policy`.
pub fn parse(
    content_type: Option<&str>,
    body: &[u8],
    policy: &Policy,
) -> Result<Submission, BodyError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge(body.len()));
    }
    let media = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let raw = match media.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| BodyError::Malformed("the body is not UTF-8".to_owned()))?;
            form(text)?
        }
        "application/json" => json(body)?,
        _ => {
            return Err(BodyError::UnsupportedMediaType(quote(
                content_type.unwrap_or_default(),
            )));
        }
    };
    let mut choices: Vec<(String, Choice)> = Vec::new();
    if let Some(all) = raw.all {
        choices.extend(
            policy
                .purposes()
                .iter()
                .filter(|p| !p.is_necessary())
                .map(|p| (p.id.as_str().to_owned(), all)),
        );
    }
    for (purpose, choice) in raw.choices {
        if purpose == NECESSARY {
            continue;
        }
        if policy.purpose(&purpose).is_none() {
            return Err(BodyError::UnknownPurpose(quote(&purpose)));
        }
        match choices.iter_mut().find(|(p, _)| *p == purpose) {
            Some(slot) => slot.1 = choice,
            None => choices.push((purpose, choice)),
        }
    }
    if choices.is_empty() {
        return Err(BodyError::NoChoice);
    }
    choices.sort_by(|a, b| a.0.cmp(&b.0));
    let method = match raw.method {
        None => Method::default(),
        Some(m) => Method::parse(&m).ok_or_else(|| BodyError::UnknownMethod(quote(&m)))?,
    };
    let languages = &policy.site().languages;
    let language = match raw.lang {
        None => languages
            .first()
            .cloned()
            .unwrap_or_else(|| "en".to_owned()),
        Some(lang) if languages.contains(&lang) => lang,
        Some(lang) => return Err(BodyError::UnknownLanguage(quote(&lang))),
    };
    Ok(Submission {
        choices,
        method,
        language,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    fn policy() -> Policy {
        Policy::from_toml(
            r#"
            [site]
            name = "x"
            url = "https://example.com"
            consent_cookie = "cc"
            languages = ["fr", "en"]
            [purposes.marketing]
            label = { fr = "Pub", en = "Ads" }
            "#,
        )
        .unwrap()
    }

    fn choices(s: &Submission) -> Vec<(&str, &str)> {
        s.choices
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect()
    }

    #[test]
    fn reads_a_form_and_json() {
        let p = policy();
        let s = parse(
            FORM,
            b"statistics=1&marketing=0&method=settings&lang=en",
            &p,
        )
        .unwrap();
        assert_eq!(
            choices(&s),
            [("marketing", "denied"), ("statistics", "granted")]
        );
        assert_eq!((s.method, s.language.as_str()), (Method::Settings, "en"));
        let j = parse(
            JSON,
            br#"{"choices": {"statistics": true, "marketing": "denied"}, "method": "settings", "lang": "en"}"#,
            &p,
        )
        .unwrap();
        assert_eq!(j, s);
        let d = parse(FORM, b"statistics=granted", &p).unwrap();
        assert_eq!((d.method, d.language.as_str()), (Method::Banner, "fr"));
    }

    #[test]
    fn all_answers_every_purpose_and_named_ones_override_it() {
        let p = policy();
        let s = parse(FORM, b"all=0&statistics=1&necessary=0", &p).unwrap();
        assert_eq!(
            choices(&s),
            [("marketing", "denied"), ("statistics", "granted")]
        );
        let j = parse(JSON, br#"{"all": true}"#, &p).unwrap();
        assert_eq!(
            choices(&j),
            [("marketing", "granted"), ("statistics", "granted")]
        );
    }

    #[test]
    fn refuses_what_it_cannot_record() {
        let p = policy();
        let big = vec![b'a'; MAX_BODY_BYTES + 1];
        let cases: Vec<(Option<&str>, &[u8], &str)> = vec![
            (FORM, &big, "body_too_large"),
            (None, b"statistics=1", "unsupported_media_type"),
            (
                Some("text/plain"),
                b"statistics=1",
                "unsupported_media_type",
            ),
            (FORM, b"\xff=1", "malformed_body"),
            (FORM, b"social=1", "unknown_purpose"),
            (FORM, b"statistics=1&statistics=0", "duplicate_key"),
            (FORM, b"statistics=yes", "invalid_choice"),
            (FORM, b"statistics", "invalid_choice"),
            (FORM, b"statistics=1&method=popup", "unknown_method"),
            (FORM, b"statistics=1&lang=de", "unknown_language"),
            (FORM, b"", "no_choice"),
            (FORM, b"necessary=1", "no_choice"),
            (
                FORM,
                b"method=banner&method=api&statistics=1",
                "duplicate_key",
            ),
            (JSON, b"[1]", "malformed_body"),
            (JSON, b"{", "malformed_body"),
            (JSON, br#"{"choices": [1]}"#, "malformed_body"),
            (JSON, br#"{"extra": 1}"#, "malformed_body"),
            (JSON, br#"{"choices": {"statistics": 2}}"#, "invalid_choice"),
            (
                JSON,
                br#"{"choices": {"statistics": null}}"#,
                "invalid_choice",
            ),
            (JSON, br#"{"choices": {"x\u0000": 1}}"#, "unknown_purpose"),
            (JSON, br#"{"choices": {}, "method": 3}"#, "malformed_body"),
            (JSON, br#"{"choices": {}}"#, "no_choice"),
        ];
        for (content_type, body, code) in cases {
            let err = parse(content_type, body, &p).unwrap_err();
            assert_eq!(
                err.code(),
                code,
                "{:?}: {err}",
                String::from_utf8_lossy(body)
            );
            let message = err.to_string();
            assert!(
                !message.contains('\0') && !message.ends_with('.'),
                "{message}"
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            parse(JSON, deep.as_bytes(), &p).unwrap_err().code(),
            "malformed_body"
        );
        let long = format!("{}=1", "a".repeat(3000));
        let err = parse(FORM, long.as_bytes(), &p).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }
}
