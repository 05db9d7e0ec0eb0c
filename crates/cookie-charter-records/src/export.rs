//! Records as the standards write them: ISO/IEC TS 27560 consent records and Kantara Consent
//! Receipts v1.1.
//!
//! A record is materialised from its row and its notice: the notice keeps the policy file as it
//! was, so the purposes' labels, cookies, providers and lifetimes are those the visitor was
//! shown, not today's. What the policy file does not hold (the controller's address, contact
//! and jurisdiction) comes from [`ExportOptions`].
//!
//! The 27560 shape follows the field names of the DPV community group's guide to ISO/IEC TS
//! 27560 (`record`, `pii_processing`, `party_identification`, `event`); the Kantara shape the
//! field names of the Consent Receipt Specification v1.1.0. Each also carries the record's place
//! in the hash chain, so that an exported record can be checked against the log.

use std::collections::HashMap;

use cookie_charter::{Choice, Party, Policy, PolicyFormat, RecordId};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::StoreError;
use crate::record::{Digest, Notice, Record};
use crate::store::Store;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// ISO/IEC TS 27560:2023 consent records (JSON).
    Iso27560,
    /// Kantara Consent Receipt Specification v1.1.0 (JSON).
    Kantara,
}

impl ExportFormat {
    /// Reads `iso27560` (or `27560`) or `kantara`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "iso27560" | "27560" => Some(Self::Iso27560),
            "kantara" => Some(Self::Kantara),
            _ => None,
        }
    }
}

/// What an export says about the controller beyond the policy file.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The jurisdiction, such as `FR` or `EU`.
    pub jurisdiction: Option<String>,
    /// The controller's postal address.
    pub address: Option<String>,
    /// The controller's contact (a person or a service).
    pub contact: Option<String>,
    /// The controller's e-mail address.
    pub email: Option<String>,
    /// The controller's phone number.
    pub phone: Option<String>,
    /// Where a visitor withdraws consent (default: the site URL).
    pub withdrawal_url: Option<String>,
}

/// Turns records into exports, reading their notices (and the records they replace) once.
pub struct Exporter<'s> {
    store: &'s mut dyn Store,
    options: ExportOptions,
    notices: HashMap<Digest, Option<(Notice, Option<Policy>)>>,
}

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(at: u64) -> String {
    i64::try_from(at)
        .ok()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

/// Reads an RFC 3339 time (`2026-01-31T12:00:00Z`), a date (`2026-01-31`, midnight UTC) or unix
/// seconds.
pub fn parse_time(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    OffsetDateTime::parse(&full, &Rfc3339)
        .ok()
        .and_then(|t| u64::try_from(t.unix_timestamp()).ok())
}

fn policy_of(text: &str) -> Option<Policy> {
    let format = if text.trim_start().starts_with('{') {
        PolicyFormat::Json
    } else {
        PolicyFormat::Toml
    };
    Policy::from_file_bytes(text.as_bytes(), format).ok()
}

/// A purpose's event state: `given`, `refused`, or `withdrawn` when the record it replaces
/// granted it.
fn state(choice: Choice, before: Option<Choice>) -> &'static str {
    match (choice, before) {
        (Choice::Granted, _) => "given",
        (Choice::Denied, Some(Choice::Granted)) => "withdrawn",
        (Choice::Denied, _) => "refused",
    }
}

/// What the policy says of one purpose, in the record's language.
struct PurposeInfo {
    label: String,
    cookies: Vec<Value>,
    names: Vec<String>,
    third_parties: Vec<String>,
    longest: Option<u64>,
    validity: u64,
}

fn purpose_info(policy: Option<&Policy>, id: &str, lang: &str) -> PurposeInfo {
    let Some(policy) = policy else {
        return PurposeInfo {
            label: id.to_owned(),
            cookies: Vec::new(),
            names: Vec::new(),
            third_parties: Vec::new(),
            longest: None,
            validity: cookie_charter::DEFAULT_CONSENT_MAX_AGE,
        };
    };
    let languages = &policy.site().languages;
    let label = policy
        .purpose(id)
        .and_then(|p| p.label.get(lang, languages))
        .map_or_else(|| id.to_owned(), |l| l.text.to_owned());
    let mut info = PurposeInfo {
        label,
        cookies: Vec::new(),
        names: Vec::new(),
        third_parties: Vec::new(),
        longest: None,
        validity: policy.site().consent_max_age,
    };
    for cookie in policy.cookies_of(id) {
        let lifetime = cookie.lifetime.seconds();
        info.longest = info.longest.max(lifetime);
        info.names.push(cookie.name.clone());
        info.cookies.push(json!({
            "pii_type": "cookie",
            "name": cookie.name,
            "provider": cookie.provider,
            "service": cookie.service.get(lang, languages).map(|l| l.text),
            "party": cookie.party.as_str(),
            "retention_period": lifetime,
            "pii_optional": true,
            "sensitive_pii_category": false,
            "special_pii_category": false,
        }));
        if cookie.party == Party::Third && !info.third_parties.contains(&cookie.provider) {
            info.third_parties.push(cookie.provider.clone());
        }
    }
    info
}

impl<'s> Exporter<'s> {
    /// An exporter reading from `store`.
    pub fn new(store: &'s mut dyn Store, options: ExportOptions) -> Self {
        Self {
            store,
            options,
            notices: HashMap::new(),
        }
    }

    fn notice(&mut self, digest: &Digest) -> Result<Option<&(Notice, Option<Policy>)>, StoreError> {
        if !self.notices.contains_key(digest) {
            let loaded = self.store.notice(digest)?.map(|notice| {
                let policy = policy_of(&notice.policy);
                (notice, policy)
            });
            self.notices.insert(*digest, loaded);
        }
        Ok(self.notices.get(digest).and_then(Option::as_ref))
    }

    fn before(&mut self, previous: Option<RecordId>) -> Result<Option<Record>, StoreError> {
        match previous {
            Some(id) => self.store.record(&id),
            None => Ok(None),
        }
    }

    /// The record in `format`.
    pub fn export(&mut self, record: &Record, format: ExportFormat) -> Result<Value, StoreError> {
        let before = self.before(record.record.previous)?;
        let options = self.options.clone();
        let notice = self.notice(&record.record.notice)?;
        let view = View {
            record,
            before: before.as_ref(),
            notice: notice.map(|(n, _)| n),
            policy: notice.and_then(|(_, p)| p.as_ref()),
            options: &options,
        };
        Ok(match format {
            ExportFormat::Iso27560 => view.iso27560(),
            ExportFormat::Kantara => view.kantara(),
        })
    }
}

struct View<'a> {
    record: &'a Record,
    before: Option<&'a Record>,
    notice: Option<&'a Notice>,
    policy: Option<&'a Policy>,
    options: &'a ExportOptions,
}

impl View<'_> {
    fn site(&self) -> (String, String) {
        let r = &self.record.record;
        match self.policy {
            Some(policy) => {
                let site = policy.site();
                let name = site
                    .name
                    .get(&r.language, &site.languages)
                    .map_or_else(String::new, |l| l.text.to_owned());
                (name, site.url.clone())
            }
            None => (String::new(), String::new()),
        }
    }

    fn integrity(&self) -> Value {
        json!({
            "seq": self.record.seq,
            "prev_hash": self.record.prev_hash.to_string(),
            "hash": self.record.hash.to_string(),
            "algorithm": "sha256(prev_hash || seq_u64_be || canonical_body)",
            "body": String::from_utf8(self.record.record.body()).unwrap_or_default(),
        })
    }

    fn notice_json(&self, url: &str) -> Value {
        let r = &self.record.record;
        json!({
            "url": url,
            "notice_id": r.notice.to_string(),
            "revision": r.revision,
            "language": r.language,
            "policy_sha256": self.notice.map(|n| n.policy_sha256.to_string()),
            "charter_sha256": self.notice.map(|n| n.charter_sha256.to_string()),
            "stored": self.notice.is_some(),
        })
    }

    fn choice_before(&self, purpose: &str) -> Option<Choice> {
        self.before.and_then(|b| b.record.choice(purpose))
    }

    fn iso27560(&self) -> Value {
        let r = &self.record.record;
        let (name, url) = self.site();
        let withdrawal = self
            .options
            .withdrawal_url
            .clone()
            .unwrap_or_else(|| url.clone());
        let mut purposes = Vec::new();
        let mut events = Vec::new();
        for (id, choice) in &r.choices {
            let info = purpose_info(self.policy, id, &r.language);
            let state = state(*choice, self.choice_before(id));
            purposes.push(json!({
                "purpose": info.label,
                "purpose_id": id,
                "purpose_type": id,
                "lawful_basis": "consent",
                "pii_information": info.cookies,
                "pii_controllers": ["C01"],
                "collection_method": [r.method.as_str()],
                "retention_period": info.longest,
                "jurisdiction": self.options.jurisdiction,
                "recipient_third_parties": info.third_parties,
                "withdrawal_method": withdrawal,
                "consent_state": state,
            }));
            events.push(json!({
                "event_time": rfc3339(r.at),
                "duration": if *choice == Choice::Granted { info.validity } else { 0 },
                "entity_id": r.id.to_string(),
                "type": "explicit",
                "state": state,
                "purpose_id": id,
            }));
        }
        let mut party = json!({
            "party_id": "C01",
            "party_name": name,
            "party_url": url,
            "party_role": "PII Controller",
        });
        for (key, value) in [
            ("party_address", &self.options.address),
            ("party_contact", &self.options.contact),
            ("party_email", &self.options.email),
            ("party_phone", &self.options.phone),
        ] {
            if let (Some(v), Some(object)) = (value, party.as_object_mut()) {
                object.insert(key.to_owned(), json!(v));
            }
        }
        json!({
            "record": {
                "schema_version": "ISO/IEC TS 27560:2023",
                "conforms_to": "https://w3id.org/dpv/schema/dpv-27560#record",
                "record_id": r.id.to_string(),
                "pii_principal_id": r.id.to_string(),
                "created": rfc3339(r.at),
                "replaces": r.previous.map(|p| p.to_string()),
                "integrity": self.integrity(),
            },
            "pii_processing": {
                "privacy_notice": self.notice_json(&url),
                "language": r.language,
                "purposes": purposes,
            },
            "party_identification": [party],
            "event": events,
        })
    }

    fn kantara(&self) -> Value {
        let r = &self.record.record;
        let (name, url) = self.site();
        let purposes: Vec<Value> = r
            .choices
            .iter()
            .map(|(id, choice)| {
                let info = purpose_info(self.policy, id, &r.language);
                json!({
                    "purpose": info.label,
                    "purposeCategory": [id],
                    "consentType": "EXPLICIT",
                    "piiCategory": info.names,
                    "primaryPurpose": false,
                    "termination": format!(
                        "consent valid for {} s, withdrawn at {}",
                        info.validity,
                        self.options.withdrawal_url.as_deref().unwrap_or(&url)
                    ),
                    "thirdPartyDisclosure": !info.third_parties.is_empty(),
                    "thirdPartyName": info.third_parties.join(", "),
                    "consentState": state(*choice, self.choice_before(id)),
                })
            })
            .collect();
        json!({
            "version": "KI-CR-v1.1.0",
            "jurisdiction": self.options.jurisdiction.clone().unwrap_or_default(),
            "consentTimestamp": r.at,
            "collectionMethod": r.method.as_str(),
            "consentReceiptID": r.id.to_string(),
            "language": r.language,
            "piiPrincipalId": r.id.to_string(),
            "piiControllers": [{
                "piiController": name,
                "onBehalf": false,
                "contact": self.options.contact.clone().unwrap_or_default(),
                "address": self.options.address.clone().unwrap_or_default(),
                "email": self.options.email.clone().unwrap_or_default(),
                "phone": self.options.phone.clone().unwrap_or_default(),
                "piiControllerUrl": url,
            }],
            "policyUrl": url,
            "services": [{ "service": name, "purposes": purposes }],
            "sensitive": false,
            "spiCat": [],
            "notice": self.notice_json(&url),
            "integrity": self.integrity(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_and_write_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(parse_time("2026-01-01"), Some(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00:10Z"), Some(1_767_225_610));
        assert_eq!(parse_time("1767225600"), Some(1_767_225_600));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("1969-12-31"), None);
    }

    #[test]
    fn states_say_given_refused_and_withdrawn() {
        assert_eq!(state(Choice::Granted, Some(Choice::Denied)), "given");
        assert_eq!(state(Choice::Denied, None), "refused");
        assert_eq!(state(Choice::Denied, Some(Choice::Granted)), "withdrawn");
    }
}
