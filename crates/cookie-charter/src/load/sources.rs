//! Loading `[[site.consent_sources]]` (spec §11): each source's format, cookie, revision and
//! mapping, checked against the policy's purposes, with located errors and warnings.

use crate::document::{Node, Value};
use crate::error::{ErrorKind, Result};
use crate::limits::{MAX_CONSENT_SOURCES, MAX_NAME_BYTES, MAX_SOURCE_KEYS};
use crate::matcher::Matcher;
use crate::policy::{CookieDecl, Profile, Site};
use crate::purpose::{MAX_TCF_PURPOSE, NECESSARY, Purpose, PurposeId};
use crate::sources::{ConsentSource, CookieName, SourceFormat};

use super::{Loader, is_token_byte, join};

/// What the sources are checked against: the rest of the policy, loaded.
pub(super) struct Context<'p> {
    pub site: &'p Site,
    pub purposes: &'p [Purpose],
    pub needs_consent: &'p [bool],
    pub cookies: &'p [CookieDecl],
    pub matcher: &'p Matcher,
}

/// Why `key` cannot be a key of a `format` mapping, if it cannot.
fn key_problem(format: SourceFormat, key: &str) -> Option<String> {
    use crate::sources::SourceFormat as F;
    if key.is_empty() {
        return Some("a key cannot be empty".to_owned());
    }
    if key.len() > MAX_NAME_BYTES {
        return Some(format!("a key is at most {MAX_NAME_BYTES} bytes"));
    }
    if key.chars().any(char::is_control) {
        return Some(format!(
            "`{}` holds a control character",
            key.escape_debug()
        ));
    }
    if let Some(keys) = format.fixed_keys() {
        return (!keys.contains(&key)).then(|| {
            format!(
                "`{key}` is not one of the `{format}` categories ({})",
                keys.join(", ")
            )
        });
    }
    let splits_on = |separators: &[char]| {
        key.contains(separators).then(|| {
            format!("`{key}` holds a character the `{format}` value uses to separate its keys")
        })
    };
    let two_parts = || match key.split_once('/') {
        Some((a, b)) if a.is_empty() || b.is_empty() || b.contains('/') => Some(format!(
            "`{key}` is neither a category nor `<category>/<service>`"
        )),
        _ => None,
    };
    match format {
        F::Tcf => match key.parse::<u8>() {
            Ok(id) if (1..=MAX_TCF_PURPOSE).contains(&id) && !key.starts_with(['0', '+']) => None,
            _ => Some(format!(
                "`{key}` is not a TCF purpose id (1 to {MAX_TCF_PURPOSE})"
            )),
        },
        F::Tarteaucitron => splits_on(&['!', '=']),
        F::Onetrust => splits_on(&[',', ':']),
        F::Cookieyes if crate::sources::cookieyes_meta(key) => Some(format!(
            "`{key}` is a field of the `cookieyes-consent` value, not a category"
        )),
        F::Cookieyes => splits_on(&[',', ':']),
        F::Axeptio if key.starts_with(crate::sources::AXEPTIO_OWN_KEYS) => Some(format!(
            "`{key}` is a field of the `axeptio_cookies` value, not a vendor"
        )),
        F::Iubenda => (key != crate::sources::IUBENDA_SIMPLE
            && !key.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("`{key}` is not an iubenda purpose id (such as `4`) nor `consent`")),
        F::Didomi => (key == crate::sources::DIDOMI_VENDOR)
            .then(|| format!("`{key}` names no vendor: write `vendor:<id>`")),
        F::Complianz if matches!(key, "policy_id" | "banner-status" | "consented_services") => {
            Some(format!("`{key}` is a cookie of Complianz, not a category"))
        }
        F::Complianz => (!key.bytes().all(|b| is_token_byte(b) && b != b'*'))
            .then(|| format!("`{key}` cannot end a cookie name")),
        F::Cookieconsent | F::Borlabs => two_parts(),
        _ => None,
    }
}

impl<'a> Loader<'a> {
    /// `site.consent_sources`: an array of tables.
    pub(super) fn consent_sources(
        &mut self,
        node: &Node<'a>,
        cx: &Context<'_>,
    ) -> Result<Vec<ConsentSource>> {
        let path = "site.consent_sources";
        let Value::Array(items) = &node.value else {
            return Err(self.wrong_type(path, node, "an array of tables", &node.value));
        };
        if items.len() > MAX_CONSENT_SOURCES {
            return Err(self.error(
                ErrorKind::TooMany,
                path,
                &node.span,
                format!(
                    "{} consent sources, more than the limit of {MAX_CONSENT_SOURCES}",
                    items.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.consent_source(item, &format!("{path}[{i}]"), cx)?);
        }
        Ok(out)
    }

    fn consent_source(
        &mut self,
        node: &Node<'a>,
        path: &str,
        cx: &Context<'_>,
    ) -> Result<ConsentSource> {
        let mut t = self.table(node, path)?;
        let format_node = self.required(&mut t, "format", &node.span)?;
        let format_path = join(path, "format");
        let text = self.string(format_node, &format_path)?;
        let format = match SourceFormat::parse(text) {
            Some(format) => format,
            None => {
                let (kind, message) = match SourceFormat::unreadable(text) {
                    Some(why) => (
                        ErrorKind::UnreadableConsentSource,
                        format!("a server cannot read the consent of `{text}`: {why}"),
                    ),
                    None => (
                        ErrorKind::InvalidValue,
                        format!(
                            "format `{}` is not one of {}",
                            text.escape_debug(),
                            SourceFormat::ALL.map(SourceFormat::as_str).join(", ")
                        ),
                    ),
                };
                return Err(self.error(kind, &format_path, &format_node.span, message));
            }
        };
        let cookie = match t.get("cookie") {
            Some(n) => {
                let field = join(path, "cookie");
                let name = self.string(n, &field)?;
                if name.is_empty()
                    || name.len() > MAX_NAME_BYTES
                    || !name.bytes().all(|b| is_token_byte(b) && b != b'*')
                {
                    return Err(self.error(
                        ErrorKind::InvalidName,
                        &field,
                        &n.span,
                        format!("`{}` is not a cookie name", name.escape_debug()),
                    ));
                }
                if format.reads_prefix() {
                    CookieName::Prefix(name.to_owned())
                } else {
                    CookieName::Exact(name.to_owned())
                }
            }
            None => match format.default_cookie() {
                Some(name) if format.reads_prefix() => CookieName::Prefix(name.to_owned()),
                Some(name) => CookieName::Exact(name.to_owned()),
                None if format == SourceFormat::Iubenda => CookieName::Iubenda,
                None => CookieName::Exact(cx.site.consent_cookie.clone()),
            },
        };
        let revision = match t.get("revision") {
            None => None,
            Some(n) => {
                let field = join(path, "revision");
                if !format.records_revision() {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        format!("`{format}` records no revision a source can map"),
                    ));
                }
                let text = match &n.value {
                    Value::Integer(_) | Value::IntegerOutOfRange(_) => {
                        self.integer(n, &field)?.to_string()
                    }
                    Value::String(_) => self.string(n, &field)?.to_owned(),
                    other => {
                        return Err(self.wrong_type(&field, n, "an integer or a string", other));
                    }
                };
                if let Some(why) = key_problem(SourceFormat::Klaro, &text) {
                    return Err(self.error(ErrorKind::InvalidValue, &field, &n.span, why));
                }
                Some(text)
            }
        };
        let purposes_node = t.get("purposes");
        self.finish(t)?;
        let purposes_path = join(path, "purposes");
        let mapping = match (format, purposes_node) {
            (SourceFormat::CookieCharter, Some(n)) => {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &purposes_path,
                    &n.span,
                    "the engine's own cookie names its purposes itself: remove `purposes`"
                        .to_owned(),
                ));
            }
            (_, Some(n)) => self.source_mapping(n, &purposes_path, format, cx.purposes)?,
            (_, None) => default_mapping(format, cx.purposes),
        };
        if format != SourceFormat::CookieCharter {
            let needing = cx.purposes.iter().zip(cx.needs_consent);
            for (purpose, _) in needing.filter(|(p, needs)| **needs && !p.is_necessary()) {
                if mapping.iter().any(|(p, _)| *p == purpose.id) {
                    continue;
                }
                let span = purposes_node.map_or(&node.span, |n| &n.span);
                let hint = match format {
                    SourceFormat::Tcf => {
                        format!("give it `tcf_purposes`, or map it under `{purposes_path}`")
                    }
                    _ => format!("map it under `{purposes_path}`"),
                };
                return Err(self.error(
                    ErrorKind::UnmappedPurpose,
                    &purposes_path,
                    span,
                    format!(
                        "purpose `{}` needs consent, but this `{format}` source maps no key to it, so it could never be granted: {hint}",
                        purpose.id
                    ),
                ));
            }
        }
        let source = ConsentSource {
            format,
            cookie,
            mapping,
            revision,
        };
        self.source_warnings(&source, path, node, format_node, cx);
        Ok(source)
    }

    /// `purposes = { <purpose> = [<key>, ...] }`.
    fn source_mapping(
        &self,
        node: &Node<'a>,
        path: &str,
        format: SourceFormat,
        purposes: &[Purpose],
    ) -> Result<Vec<(PurposeId, Vec<String>)>> {
        let Value::Table(entries) = &node.value else {
            return Err(self.wrong_type(path, node, "a table", &node.value));
        };
        let mut mapping: Vec<(PurposeId, Vec<String>)> = Vec::with_capacity(entries.len());
        let mut count = 0_usize;
        for entry in entries {
            let field = join(path, &entry.key);
            let Some(purpose) = purposes.iter().find(|p| p.id.as_str() == entry.key) else {
                return Err(self.error(
                    ErrorKind::UnknownPurpose,
                    &field,
                    &entry.key_span,
                    format!(
                        "unknown purpose `{}`; declare it under `[purposes.{}]`",
                        entry.key.escape_debug(),
                        entry.key.escape_debug()
                    ),
                ));
            };
            if purpose.id.as_str() == NECESSARY {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &entry.key_span,
                    "necessary cookies need no consent, so no key of a banner grants them"
                        .to_owned(),
                ));
            }
            let Value::Array(items) = &entry.node.value else {
                return Err(self.wrong_type(&field, &entry.node, "an array", &entry.node.value));
            };
            if items.is_empty() {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &entry.node.span,
                    "map at least one key of the banner, or leave the purpose out".to_owned(),
                ));
            }
            let mut keys: Vec<String> = Vec::with_capacity(items.len());
            for (j, item) in items.iter().enumerate() {
                let item_field = format!("{field}[{j}]");
                let key = match &item.value {
                    Value::String(_) => self.string(item, &item_field)?.to_owned(),
                    Value::Integer(_) | Value::IntegerOutOfRange(_) => {
                        self.integer(item, &item_field)?.to_string()
                    }
                    other => {
                        return Err(self.wrong_type(
                            &item_field,
                            item,
                            "a string or an integer",
                            other,
                        ));
                    }
                };
                if let Some(why) = key_problem(format, &key) {
                    return Err(self.error(ErrorKind::InvalidValue, &item_field, &item.span, why));
                }
                if keys.contains(&key) {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &item_field,
                        &item.span,
                        format!("key `{}` is listed twice", key.escape_debug()),
                    ));
                }
                // TCF purposes are shared by design (purpose 1, storage, is part of most).
                if format != SourceFormat::Tcf {
                    if let Some((other, _)) = mapping.iter().find(|(_, ks)| ks.contains(&key)) {
                        return Err(self.error(
                            ErrorKind::DuplicateConsentKey,
                            &item_field,
                            &item.span,
                            format!(
                                "key `{}` is already mapped to purpose `{other}`; a key of the banner stands for one purpose",
                                key.escape_debug()
                            ),
                        ));
                    }
                }
                count += 1;
                if count > MAX_SOURCE_KEYS {
                    return Err(self.error(
                        ErrorKind::TooMany,
                        &item_field,
                        &item.span,
                        format!("more than {MAX_SOURCE_KEYS} keys in one consent source"),
                    ));
                }
                keys.push(key);
            }
            mapping.push((purpose.id.clone(), keys));
        }
        Ok(mapping)
    }

    /// The warnings of a loaded source: a banner that records no date under `cnil`, and cookies
    /// the source reads that the policy does not declare `necessary` (the filter would drop
    /// them and `purge` delete them).
    fn source_warnings(
        &mut self,
        source: &ConsentSource,
        path: &str,
        node: &Node<'a>,
        format_node: &Node<'a>,
        cx: &Context<'_>,
    ) {
        let format = source.format;
        if cx.site.profile == Profile::Cnil && !format.records_date() {
            self.warn(
                "consent_source_undated",
                &join(path, "format"),
                &format_node.span,
                format!(
                    "`{format}` records no date of the choice: its consents count as current whatever their age, although the `cnil` profile renews consents after `site.consent_max_age`"
                ),
            );
        }
        let mut names: Vec<String> = Vec::new();
        match &source.cookie {
            // The engine's own cookie has its own warnings.
            CookieName::Exact(name)
                if format == SourceFormat::CookieCharter && *name == cx.site.consent_cookie => {}
            CookieName::Exact(name) => {
                names.push(name.clone());
                if format == SourceFormat::Onetrust {
                    names.push(crate::sources::ONETRUST_ALERT_BOX_CLOSED.to_owned());
                }
            }
            CookieName::Prefix(prefix) => {
                for (_, keys) in &source.mapping {
                    names.extend(keys.iter().map(|key| format!("{prefix}{key}")));
                }
                if source.revision.is_some() {
                    names.push(format!("{prefix}{}", crate::sources::COMPLIANZ_POLICY_ID));
                }
            }
            CookieName::Iubenda => names.push(format!("{}1", crate::sources::IUBENDA_PREFIX)),
        }
        for name in names {
            let declared = cx.matcher.find(&name).and_then(|i| cx.cookies.get(i));
            let (code, message) = match declared {
                None => (
                    "consent_source_cookie_undeclared",
                    format!(
                        "the cookie `{name}` this source reads is not declared, so the filter drops it and `purge` deletes it; declare it with the purpose `necessary`"
                    ),
                ),
                Some(c) if c.purpose.as_str() != NECESSARY => (
                    "consent_source_cookie_not_necessary",
                    format!(
                        "the cookie `{name}` this source reads should have the purpose `necessary`, or it is deleted when its purpose is refused"
                    ),
                ),
                Some(_) => continue,
            };
            self.warn(code, path, &node.span, message);
        }
    }
}

/// The mapping of a source that gives none: a `tcf` source maps each purpose's `tcf_purposes`;
/// a banner with fixed categories maps the purposes of the same ids; other formats map nothing.
fn default_mapping(format: SourceFormat, purposes: &[Purpose]) -> Vec<(PurposeId, Vec<String>)> {
    purposes
        .iter()
        .filter(|p| !p.is_necessary())
        .filter_map(|p| {
            let keys: Vec<String> = match format.fixed_keys() {
                Some(fixed) => fixed
                    .iter()
                    .filter(|key| **key == p.id.as_str())
                    .map(|key| (*key).to_owned())
                    .collect(),
                None if format == SourceFormat::Tcf => {
                    p.tcf_purposes.iter().map(u8::to_string).collect()
                }
                None => Vec::new(),
            };
            (!keys.is_empty()).then(|| (p.id.clone(), keys))
        })
        .collect()
}
