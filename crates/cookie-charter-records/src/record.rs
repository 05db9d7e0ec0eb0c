//! The consent record, the notice it points to, and their canonical serialization and hashes.
//!
//! A record's **body** is its canonical JSON (fields in a fixed order, choices sorted, no
//! whitespace): the bytes a store keeps and the chain hashes. Its **hash** is
//! `SHA-256(previous hash ‖ seq as 8 bytes big-endian ‖ body)`, the previous hash of the first
//! record being 32 zero bytes (or the anchor left by a purge, see [`Anchor`]).

use std::collections::BTreeMap;
use std::fmt;

use cookie_charter::{Choice, Format, Policy, RecordId};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::StoreError;

/// The version of the record body's format.
pub const BODY_VERSION: u32 = 1;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The hash that precedes the first record of a chain: 32 zero bytes.
    pub const ZERO: Digest = Digest([0; 32]);

    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Reads 64 hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        let mut out = [0_u8; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(Self(out))
    }

    /// Reads 32 bytes, as a store keeps them.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StoreError> {
        <[u8; 32]>::try_from(bytes)
            .map(Self)
            .map_err(|_| StoreError::Corrupt(format!("a hash of {} bytes", bytes.len())))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// How the visitor gave their choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// The consent banner.
    #[default]
    Banner,
    /// The site's settings page (a change of mind, a withdrawal).
    Settings,
    /// A browser signal read as a choice (Global Privacy Control).
    Signal,
    /// Another program, through the site's API.
    Api,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 4] = [Self::Banner, Self::Settings, Self::Signal, Self::Api];

    /// The stable id: `banner`, `settings`, `signal` or `api`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Banner => "banner",
            Self::Settings => "settings",
            Self::Signal => "signal",
            Self::Api => "api",
        }
    }

    /// Reads a method id.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies the visitor, recorded only when the site opts in (none by default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Client {
    /// The visitor's IP address truncated to its network: /24 for IPv4, /48 for IPv6.
    pub ip_prefix: Option<String>,
    /// The visitor's `User-Agent`.
    pub user_agent: Option<String>,
}

/// A choice to record: what the consent endpoint writes. The store gives it its place in the
/// chain ([`Record::seq`]) and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// The record's id, also carried by the consent cookie (`_rid`).
    pub id: RecordId,
    /// When the choice was made, in unix seconds (server time).
    pub at: u64,
    /// The policy revision (`site.revision`) the choice was made for.
    pub revision: u64,
    /// Each purpose's choice, sorted by purpose id.
    pub choices: Vec<(String, Choice)>,
    /// How it was given.
    pub method: Method,
    /// The language the notice was shown in.
    pub language: String,
    /// The notice shown ([`Notice::digest`]).
    pub notice: Digest,
    /// The record this choice replaces, when the request carried a verified signed consent.
    pub previous: Option<RecordId>,
    /// What identifies the visitor, when the site opts in.
    pub client: Client,
}

/// A record in a store: a [`NewRecord`] with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its position in the chain, from 1, without gaps.
    pub seq: u64,
    /// What was recorded.
    pub record: NewRecord,
    /// The hash of the record before it (or the anchor's).
    pub prev_hash: Digest,
    /// `SHA-256(prev_hash ‖ seq (8 bytes, big-endian) ‖ body)`.
    pub hash: Digest,
}

/// The canonical body: field order and names are part of the format (version [`BODY_VERSION`]).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    v: u32,
    id: String,
    at: u64,
    rev: u64,
    choices: BTreeMap<String, String>,
    method: String,
    lang: String,
    notice: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
}

impl NewRecord {
    /// The canonical body: the bytes a store keeps and the chain hashes.
    pub fn body(&self) -> Vec<u8> {
        let body = Body {
            v: BODY_VERSION,
            id: self.id.to_string(),
            at: self.at,
            rev: self.revision,
            choices: self
                .choices
                .iter()
                .map(|(p, c)| (p.clone(), c.as_str().to_owned()))
                .collect(),
            method: self.method.as_str().to_owned(),
            lang: self.language.clone(),
            notice: self.notice.to_string(),
            previous: self.previous.map(|p| p.to_string()),
            ip_prefix: self.client.ip_prefix.clone(),
            user_agent: self.client.user_agent.clone(),
        };
        // A struct of strings, numbers and a map with string keys always serializes.
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Reads a body back; fails on anything [`body`](Self::body) would not have written.
    pub fn from_body(bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = |why: &str| StoreError::Corrupt(format!("a record body {why}"));
        let body: Body =
            serde_json::from_slice(bytes).map_err(|e| corrupt(&format!("is not valid: {e}")))?;
        if body.v != BODY_VERSION {
            return Err(corrupt(&format!("has the unknown version {}", body.v)));
        }
        let id = RecordId::parse(&body.id).ok_or_else(|| corrupt("has a bad id"))?;
        let mut choices = Vec::with_capacity(body.choices.len());
        for (purpose, choice) in body.choices {
            let choice = Choice::parse(&choice).map_err(|_| corrupt("has a bad choice"))?;
            choices.push((purpose, choice));
        }
        let record = Self {
            id,
            at: body.at,
            revision: body.rev,
            choices,
            method: Method::parse(&body.method).ok_or_else(|| corrupt("has a bad method"))?,
            language: body.lang,
            notice: Digest::parse(&body.notice).ok_or_else(|| corrupt("has a bad notice"))?,
            previous: match body.previous {
                None => None,
                Some(p) => {
                    Some(RecordId::parse(&p).ok_or_else(|| corrupt("has a bad previous id"))?)
                }
            },
            client: Client {
                ip_prefix: body.ip_prefix,
                user_agent: body.user_agent,
            },
        };
        if record.body() != bytes {
            return Err(corrupt("is not in canonical form"));
        }
        Ok(record)
    }

    /// The choice for `purpose`, if the record holds one.
    pub fn choice(&self, purpose: &str) -> Option<Choice> {
        self.choices
            .iter()
            .find(|(p, _)| p == purpose)
            .map(|(_, c)| *c)
    }
}

/// The hash of the record at `seq` whose body is `body`, after `prev`.
pub fn chain_hash(prev: &Digest, seq: u64, body: &[u8]) -> Digest {
    let mut hasher = Sha256::new();
    hasher.update(prev.0);
    hasher.update(seq.to_be_bytes());
    hasher.update(body);
    Digest(hasher.finalize().into())
}

/// Where a chain starts: after a purge, the last purged record's place and hash; before any,
/// place 0 and [`Digest::ZERO`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Anchor {
    /// The place of the last purged record (0: none purged).
    pub seq: u64,
    /// Its hash.
    pub hash: Digest,
}

/// The notice a visitor was shown, kept once: the policy revision and language, the policy
/// file and the charter page as rendered, with their SHA-256 (EDPB 05/2020 §108: a copy of the
/// information presented at the time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The policy revision (`site.revision`).
    pub revision: u64,
    /// The language of the charter page.
    pub language: String,
    /// SHA-256 of the policy file's text.
    pub policy_sha256: Digest,
    /// SHA-256 of the charter page's text.
    pub charter_sha256: Digest,
    /// The charter page's format: `html`.
    pub format: String,
    /// The charter page as rendered.
    pub charter: String,
    /// The policy file's text.
    pub policy: String,
    /// When it was first stored, in unix seconds.
    pub created_at: u64,
}

#[derive(Serialize)]
struct NoticeId<'a> {
    v: u32,
    rev: u64,
    lang: &'a str,
    policy_sha256: String,
    charter_sha256: String,
    format: &'a str,
}

impl Notice {
    /// The notice of `policy` (loaded from `policy_text`) in `language`: the charter page
    /// rendered as HTML.
    pub fn of(policy_text: &str, policy: &Policy, language: &str, now: u64) -> Self {
        let charter = policy.render_charter(language, Format::Html);
        Self {
            revision: policy.site().revision,
            language: language.to_owned(),
            policy_sha256: Digest::of(policy_text.as_bytes()),
            charter_sha256: Digest::of(charter.as_bytes()),
            format: "html".to_owned(),
            charter,
            policy: policy_text.to_owned(),
            created_at: now,
        }
    }

    /// The notice's id, which records point to: the SHA-256 of the canonical JSON of its
    /// revision, language, format and the two hashes.
    pub fn digest(&self) -> Digest {
        let id = NoticeId {
            v: BODY_VERSION,
            rev: self.revision,
            lang: &self.language,
            policy_sha256: self.policy_sha256.to_string(),
            charter_sha256: self.charter_sha256.to_string(),
            format: &self.format,
        };
        Digest::of(&serde_json::to_vec(&id).unwrap_or_default())
    }

    /// What is wrong with a stored notice: its texts must have the hashes it states.
    pub fn check(&self) -> Result<(), String> {
        if Digest::of(self.charter.as_bytes()) != self.charter_sha256 {
            return Err("its charter page does not have its SHA-256".to_owned());
        }
        if Digest::of(self.policy.as_bytes()) != self.policy_sha256 {
            return Err("its policy text does not have its SHA-256".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> NewRecord {
        NewRecord {
            id: RecordId::from_bytes([5; 16]),
            at: 1_700_000_000,
            revision: 2,
            choices: vec![
                ("marketing".to_owned(), Choice::Denied),
                ("statistics".to_owned(), Choice::Granted),
            ],
            method: Method::Banner,
            language: "fr".to_owned(),
            notice: Digest([1; 32]),
            previous: None,
            client: Client::default(),
        }
    }

    #[test]
    fn the_body_is_canonical_json_and_reads_back() {
        let record = sample();
        let body = record.body();
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            format!(
                "{{\"v\":1,\"id\":\"{}\",\"at\":1700000000,\"rev\":2,\"choices\":{{\"marketing\":\"denied\",\"statistics\":\"granted\"}},\"method\":\"banner\",\"lang\":\"fr\",\"notice\":\"{}\"}}",
                "05".repeat(16),
                "01".repeat(32)
            )
        );
        assert_eq!(NewRecord::from_body(&body).unwrap(), record);
        let with_client = NewRecord {
            client: Client {
                ip_prefix: Some("192.0.2.0/24".to_owned()),
                user_agent: Some("Agent \"x\"\n".to_owned()),
            },
            previous: Some(RecordId::from_bytes([6; 16])),
            ..record
        };
        assert_eq!(
            NewRecord::from_body(&with_client.body()).unwrap(),
            with_client
        );
    }

    #[test]
    fn bodies_that_are_not_canonical_are_corrupt() {
        let body = String::from_utf8(sample().body()).unwrap();
        for bad in [
            body.replace("\"v\":1", "\"v\":2"),
            body.replace(",\"rev\"", " ,\"rev\""),
            body.replace("\"lang\":\"fr\"", "\"lang\":\"fr\",\"x\":1"),
            body.replace("denied", "maybe"),
            body.replace("banner", "popup"),
            "{".to_owned(),
        ] {
            assert!(NewRecord::from_body(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_chain_hash_covers_the_previous_hash_the_place_and_the_body() {
        let body = sample().body();
        let h = chain_hash(&Digest::ZERO, 1, &body);
        assert_ne!(h, chain_hash(&Digest([1; 32]), 1, &body));
        assert_ne!(h, chain_hash(&Digest::ZERO, 2, &body));
        assert_ne!(h, chain_hash(&Digest::ZERO, 1, b"{}"));
        let mut manual = Vec::new();
        manual.extend_from_slice(&[0; 32]);
        manual.extend_from_slice(&1_u64.to_be_bytes());
        manual.extend_from_slice(&body);
        assert_eq!(h, Digest::of(&manual));
    }

    #[test]
    fn methods_read_back() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(Method::parse("Banner"), None);
    }
}
