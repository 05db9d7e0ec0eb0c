//! Loading a policy: the TOML or JSON tree checked field by field into a [`Policy`].
//!
//! Every error names the field (`cookies[2].purpose`) and its line and column.

use std::ops::Range;

use crate::consent_mode::{Signal, Signals};
use crate::decision::Rule;
use crate::document::{Entry, Node, Source, Value};
use crate::error::{Error, ErrorKind, Result};
use crate::lifetime::Lifetime;
use crate::limits::{MAX_COOKIES, MAX_LANGUAGES, MAX_NAME_BYTES, MAX_PURPOSES, MAX_TEXT_BYTES};
use crate::matcher::{Conflict, Matcher};
use crate::party::{self, Party};
use crate::policy::{
    CNIL_MAX_STATISTICS_LIFETIME, Compiled, CookieDecl, DEFAULT_CONSENT_MAX_AGE, HotPurpose,
    Policy, Profile, Site, Warning,
};
use crate::purpose::{MAX_TCF_PURPOSE, NECESSARY, Purpose, PurposeId, STATISTICS};
use crate::text::Text;

mod sources;

/// Loads TOML text.
pub(crate) fn from_toml(text: &str) -> Result<Policy> {
    let source = Source::new(text)?;
    let root = source.parse_toml()?;
    Loader::new(source).policy(&root)
}

/// Loads JSON text.
pub(crate) fn from_json(text: &str) -> Result<Policy> {
    let source = Source::new(text)?;
    let root = source.parse_json()?;
    Loader::new(source).policy(&root)
}

/// The built-in labels of the two built-in purposes.
fn builtin_label(id: &str, lang: &str) -> Option<&'static str> {
    match (id, lang) {
        (NECESSARY, "fr") => Some("Cookies nécessaires"),
        (NECESSARY, "en") => Some("Strictly necessary cookies"),
        (STATISTICS, "fr") => Some("Cookies statistiques"),
        (STATISTICS, "en") => Some("Statistics cookies"),
        _ => None,
    }
}

/// Whether `byte` may appear in a cookie name (an RFC 6265bis token character).
pub(crate) fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

struct Loader<'a> {
    source: Source<'a>,
    warnings: Vec<Warning>,
}

/// The fields of one table, tracking which were read so that the rest are reported unknown.
struct Table<'n, 'a> {
    entries: &'n [Entry<'a>],
    path: String,
    used: Vec<bool>,
}

impl<'a> Loader<'a> {
    fn new(source: Source<'a>) -> Self {
        Self {
            source,
            warnings: Vec::new(),
        }
    }

    fn error(&self, kind: ErrorKind, path: &str, span: &Range<usize>, message: String) -> Error {
        Error::new(kind, message)
            .with_field(path)
            .with_location(self.source.location(span.start))
    }

    fn warn(&mut self, code: &'static str, path: &str, span: &Range<usize>, message: String) {
        self.warnings.push(Warning {
            code,
            field: path.to_owned(),
            location: Some(self.source.location(span.start)),
            message,
        });
    }

    fn table<'n>(&self, node: &'n Node<'a>, path: &str) -> Result<Table<'n, 'a>> {
        match &node.value {
            Value::Table(entries) => Ok(Table {
                entries,
                path: path.to_owned(),
                used: vec![false; entries.len()],
            }),
            other => Err(self.wrong_type(path, node, "a table", other)),
        }
    }

    fn wrong_type(&self, path: &str, node: &Node<'_>, want: &str, got: &Value<'_>) -> Error {
        self.error(
            ErrorKind::InvalidType,
            path,
            &node.span,
            format!("expected {want}, found {}", got.type_name()),
        )
    }

    fn finish(&self, table: Table<'_, '_>) -> Result<()> {
        match table
            .entries
            .iter()
            .zip(&table.used)
            .find(|(_, used)| !**used)
        {
            Some((entry, _)) => Err(self.error(
                ErrorKind::UnknownField,
                &join(&table.path, &entry.key),
                &entry.key_span,
                format!("unknown field `{}`", entry.key.escape_debug()),
            )),
            None => Ok(()),
        }
    }

    fn required<'n>(
        &self,
        table: &mut Table<'n, 'a>,
        key: &str,
        span: &Range<usize>,
    ) -> Result<&'n Node<'a>> {
        table.get(key).ok_or_else(|| {
            self.error(
                ErrorKind::MissingField,
                &join(&table.path, key),
                span,
                format!("missing field `{key}`"),
            )
        })
    }

    fn string<'n>(&self, node: &'n Node<'a>, path: &str) -> Result<&'n str> {
        match &node.value {
            Value::String(s) if s.len() > MAX_TEXT_BYTES => Err(self.error(
                ErrorKind::TooLarge,
                path,
                &node.span,
                format!(
                    "text of {} bytes, more than the limit of {MAX_TEXT_BYTES}",
                    s.len()
                ),
            )),
            Value::String(s) => Ok(s),
            other => Err(self.wrong_type(path, node, "a string", other)),
        }
    }

    fn integer(&self, node: &Node<'a>, path: &str) -> Result<i64> {
        match &node.value {
            Value::Integer(i) => Ok(*i),
            Value::IntegerOutOfRange(text) => Err(self.error(
                ErrorKind::InvalidValue,
                path,
                &node.span,
                format!("integer `{text}` is out of range"),
            )),
            other => Err(self.wrong_type(path, node, "an integer", other)),
        }
    }

    fn boolean(&self, node: &Node<'a>, path: &str) -> Result<bool> {
        match &node.value {
            Value::Bool(b) => Ok(*b),
            other => Err(self.wrong_type(path, node, "a boolean", other)),
        }
    }

    fn revision(&self, node: &Node<'a>, path: &str) -> Result<u64> {
        let n = self.integer(node, path)?;
        u64::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
            self.error(
                ErrorKind::InvalidValue,
                path,
                &node.span,
                format!("revision `{n}` must be 1 or more"),
            )
        })
    }

    fn lifetime(&self, node: &Node<'a>, path: &str) -> Result<Lifetime> {
        let text = self.string(node, path)?;
        Lifetime::parse(text)
            .map_err(|e| self.error(e.kind(), path, &node.span, e.message().to_owned()))
    }

    /// A text: a plain string (in the first language) or a table of languages.
    fn text(&self, node: &Node<'a>, path: &str, languages: &[String]) -> Result<Text> {
        match &node.value {
            Value::String(_) => {
                let s = self.string(node, path)?;
                let lang = languages.first().map_or("en", String::as_str);
                Ok(Text::single(lang, s))
            }
            Value::Table(entries) => {
                let mut pairs = Vec::with_capacity(entries.len());
                for entry in entries {
                    let field = join(path, &entry.key);
                    if !languages.iter().any(|l| *l == entry.key) {
                        return Err(self.error(
                            ErrorKind::UnknownField,
                            &field,
                            &entry.key_span,
                            format!(
                                "language `{}` is not one of `site.languages`",
                                entry.key.escape_debug()
                            ),
                        ));
                    }
                    pairs.push((
                        entry.key.to_string(),
                        self.string(&entry.node, &field)?.to_owned(),
                    ));
                }
                Ok(Text::from_pairs(pairs))
            }
            other => Err(self.wrong_type(path, node, "a string or a table of languages", other)),
        }
    }

    /// Warns for each language a text lacks.
    fn check_translations(
        &mut self,
        text: &Text,
        path: &str,
        span: &Range<usize>,
        languages: &[String],
    ) {
        for lang in languages {
            if text.exact(lang).is_none() {
                let shown = text.get(lang, languages).map_or("", |l| l.lang).to_owned();
                self.warn(
                    "missing_translation",
                    path,
                    span,
                    format!("no `{lang}` text; the charter shows the `{shown}` one instead"),
                );
            }
        }
    }

    fn policy(mut self, root: &Node<'a>) -> Result<Policy> {
        let mut top = self.table(root, "")?;
        let site_node = self.required(&mut top, "site", &root.span)?;
        let (site, sources_node) = self.site(site_node)?;
        let purposes_node = top.get("purposes");
        let cookies_node = top.get("cookies");
        self.finish(top)?;

        let mut purposes = self.purposes(purposes_node, &site)?;
        let cookies = match cookies_node {
            Some(node) => self.cookies(node, &site, &mut purposes)?,
            None => Vec::new(),
        };
        let matcher = self.matcher(cookies_node, &cookies)?;

        let mut compiled = Vec::with_capacity(cookies.len());
        let mut needs_consent = vec![false; purposes.len()];
        for cookie in &cookies {
            let index = purposes
                .iter()
                .position(|p| p.id == cookie.purpose)
                .unwrap_or_default();
            let rule = rule_for(cookie, site.profile);
            if matches!(rule, Rule::ThirdParty | Rule::Consent) {
                if let Some(slot) = needs_consent.get_mut(index) {
                    *slot = true;
                }
            }
            let hot = purposes.get(index).map(HotPurpose::of);
            compiled.push(Compiled {
                purpose: index,
                rule,
                free: hot.is_some() && matches!(rule, Rule::Necessary | Rule::AnonymousStatistics),
                // Every declaration has its purpose (the loader checks it); without one, it
                // would be refused: not free, no key, not necessary, always stale.
                hot: hot.unwrap_or(HotPurpose {
                    key: crate::choices::PurposeKey::of(""),
                    necessary: false,
                    revision: u64::MAX,
                    gpc: false,
                }),
            });
        }
        self.consent_cookie_warnings(&site, &cookies, &matcher, root);
        let consent_sources = match sources_node {
            Some(node) => self.consent_sources(
                node,
                &sources::Context {
                    site: &site,
                    purposes: &purposes,
                    needs_consent: &needs_consent,
                    cookies: &cookies,
                    matcher: &matcher,
                },
            )?,
            None => Vec::new(),
        };
        // Spec §13: only the engine's own cookie can carry the site's signature.
        if site.require_signed_consent
            && consent_sources
                .iter()
                .any(|s| s.format() != crate::sources::SourceFormat::CookieCharter)
        {
            return Err(self.error(
                ErrorKind::InvalidValue,
                "site.require_signed_consent",
                &site_node.span,
                "only the cookie-charter consent cookie can be signed: remove \
                 `require_signed_consent` or the other consent sources"
                    .to_owned(),
            ));
        }
        let deletion_domains = crate::purge::deletion_domains(&site.host)
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(Policy {
            deletion_domains,
            site,
            purposes,
            needs_consent,
            cookies,
            compiled,
            matcher,
            warnings: self.warnings,
            consent_sources,
            consent_keys: None,
        })
    }

    /// The `[site]` table, and its `consent_sources` (loaded once the purposes and cookies are).
    fn site<'n>(&mut self, node: &'n Node<'a>) -> Result<(Site, Option<&'n Node<'a>>)> {
        let mut t = self.table(node, "site")?;
        let sources = t.get("consent_sources");
        let languages = match t.get("languages") {
            None => vec!["en".to_owned()],
            Some(n) => self.languages(n)?,
        };
        let name_node = self.required(&mut t, "name", &node.span)?;
        let name = self.text(name_node, "site.name", &languages)?;
        self.check_translations(&name, "site.name", &name_node.span, &languages);
        let url_node = self.required(&mut t, "url", &node.span)?;
        let url = self.string(url_node, "site.url")?.to_owned();
        let host = self.site_host(&url, url_node)?;
        let revision = match t.get("revision") {
            Some(n) => self.revision(n, "site.revision")?,
            None => 1,
        };
        let cc_node = self.required(&mut t, "consent_cookie", &node.span)?;
        let consent_cookie = self.string(cc_node, "site.consent_cookie")?.to_owned();
        if consent_cookie.is_empty()
            || consent_cookie.len() > MAX_NAME_BYTES
            || !consent_cookie
                .bytes()
                .all(|b| is_token_byte(b) && b != b'*')
        {
            return Err(self.error(
                ErrorKind::InvalidName,
                "site.consent_cookie",
                &cc_node.span,
                format!("`{}` is not a cookie name", consent_cookie.escape_debug()),
            ));
        }
        let profile = match t.get("profile") {
            None => Profile::default(),
            Some(n) => {
                let text = self.string(n, "site.profile")?;
                Profile::parse(text).ok_or_else(|| {
                    self.error(
                        ErrorKind::InvalidValue,
                        "site.profile",
                        &n.span,
                        format!(
                            "profile `{}` is not `charter` or `cnil`",
                            text.escape_debug()
                        ),
                    )
                })?
            }
        };
        let consent_max_age = match t.get("consent_max_age") {
            None => DEFAULT_CONSENT_MAX_AGE,
            Some(n) => match self.lifetime(n, "site.consent_max_age")?.seconds() {
                Some(s) if s > 0 => s,
                _ => {
                    return Err(self.error(
                        ErrorKind::InvalidLifetime,
                        "site.consent_max_age",
                        &n.span,
                        "consent_max_age must be a positive duration such as `6 months`".to_owned(),
                    ));
                }
            },
        };
        let clamp_lifetimes = match t.get("clamp_lifetimes") {
            None => false,
            Some(n) => self.boolean(n, "site.clamp_lifetimes")?,
        };
        let require_signed_consent = match t.get("require_signed_consent") {
            None => false,
            Some(n) => self.boolean(n, "site.require_signed_consent")?,
        };
        self.finish(t)?;
        let site = Site {
            name,
            url,
            host,
            revision,
            consent_cookie,
            profile,
            languages,
            consent_max_age,
            clamp_lifetimes,
            require_signed_consent,
        };
        Ok((site, sources))
    }

    fn languages(&self, node: &Node<'a>) -> Result<Vec<String>> {
        let path = "site.languages";
        let Value::Array(items) = &node.value else {
            return Err(self.wrong_type(path, node, "an array", &node.value));
        };
        if items.is_empty() || items.len() > MAX_LANGUAGES {
            return Err(self.error(
                ErrorKind::InvalidValue,
                path,
                &node.span,
                format!("between 1 and {MAX_LANGUAGES} languages are needed"),
            ));
        }
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = format!("{path}[{i}]");
            let lang = self.string(item, &field)?;
            if !is_language_tag(lang) {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!(
                        "`{}` is not a language tag such as `fr` or `en`",
                        lang.escape_debug()
                    ),
                ));
            }
            if out.iter().any(|l| l == lang) {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!("language `{lang}` is listed twice"),
                ));
            }
            out.push(lang.to_owned());
        }
        Ok(out)
    }

    fn site_host(&self, url: &str, node: &Node<'a>) -> Result<String> {
        let invalid = |why: &str| {
            self.error(
                ErrorKind::InvalidDomain,
                "site.url",
                &node.span,
                format!("`{}` {why}", url.escape_debug()),
            )
        };
        let parsed = url::Url::parse(url).map_err(|_| invalid("is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("is not an http or https URL"));
        }
        let host = parsed.host_str().ok_or_else(|| invalid("has no host"))?;
        party::normalize_host(host).map_err(|_| invalid("has no valid host"))
    }

    fn purposes(&mut self, node: Option<&Node<'a>>, site: &Site) -> Result<Vec<Purpose>> {
        let mut declared: Vec<Purpose> = Vec::new();
        if let Some(node) = node {
            let Value::Table(entries) = &node.value else {
                return Err(self.wrong_type("purposes", node, "a table", &node.value));
            };
            if entries.len() > MAX_PURPOSES {
                return Err(self.error(
                    ErrorKind::TooMany,
                    "purposes",
                    &node.span,
                    format!(
                        "{} purposes, more than the limit of {MAX_PURPOSES}",
                        entries.len()
                    ),
                ));
            }
            for entry in entries {
                declared.push(self.purpose(entry, site)?);
            }
        }
        // `necessary` first, then the file's order; the built-ins exist even if not declared.
        let mut purposes = Vec::with_capacity(declared.len() + 2);
        for builtin in [NECESSARY, STATISTICS] {
            if let Some(pos) = declared.iter().position(|p| p.id.as_str() == builtin) {
                if builtin == NECESSARY {
                    purposes.push(declared.remove(pos));
                }
                continue;
            }
            purposes.push(self.builtin_purpose(builtin, site, node)?);
        }
        // `statistics`, when built in, comes right after `necessary`; declared, it keeps its place.
        purposes.extend(declared);
        Ok(purposes)
    }

    fn builtin_purpose(&self, id: &str, site: &Site, node: Option<&Node<'a>>) -> Result<Purpose> {
        let mut pairs = Vec::new();
        for lang in &site.languages {
            match builtin_label(id, lang) {
                Some(label) => pairs.push((lang.clone(), label.to_owned())),
                None => {
                    return Err(self.error(
                        ErrorKind::MissingLabel,
                        &format!("purposes.{id}.label"),
                        &node.map_or(0..0, |n| n.span.clone()),
                        format!(
                            "the built-in purpose `{id}` has no `{lang}` label; declare `[purposes.{id}]` with one"
                        ),
                    ));
                }
            }
        }
        let consent_mode = Signals::of(Signal::defaults_for(id));
        Ok(Purpose {
            id: PurposeId::new(id)?,
            label: Text::from_pairs(pairs),
            description: None,
            revision: site.revision,
            consent_mode,
            gpc: consent_mode.has_advertising(),
            tcf_purposes: Vec::new(),
        })
    }

    fn purpose(&mut self, entry: &Entry<'a>, site: &Site) -> Result<Purpose> {
        let path = format!("purposes.{}", entry.key);
        let id = PurposeId::new(&entry.key)
            .map_err(|e| self.error(e.kind(), &path, &entry.key_span, e.message().to_owned()))?;
        let mut t = self.table(&entry.node, &path)?;
        let label_path = format!("{path}.label");
        let label = match t.get("label") {
            Some(n) => {
                let text = self.text(n, &label_path, &site.languages)?;
                if let Some(lang) = site.languages.iter().find(|l| text.exact(l).is_none()) {
                    return Err(self.error(
                        ErrorKind::MissingLabel,
                        &label_path,
                        &n.span,
                        format!("no `{lang}` label, and `{lang}` is one of `site.languages`"),
                    ));
                }
                text
            }
            None => {
                let builtin = self.builtin_purpose(id.as_str(), site, Some(&entry.node));
                match builtin {
                    Ok(p) if id.as_str() == NECESSARY || id.as_str() == STATISTICS => p.label,
                    _ => {
                        return Err(self.error(
                            ErrorKind::MissingLabel,
                            &label_path,
                            &entry.node.span,
                            "missing field `label`".to_owned(),
                        ));
                    }
                }
            }
        };
        let description = match t.get("description") {
            Some(n) => {
                let field = format!("{path}.description");
                let text = self.text(n, &field, &site.languages)?;
                self.check_translations(&text, &field, &n.span, &site.languages);
                Some(text)
            }
            None => None,
        };
        let revision = match t.get("revision") {
            Some(n) => {
                let field = format!("{path}.revision");
                let rev = self.revision(n, &field)?;
                if rev > site.revision {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        format!(
                            "revision `{rev}` is later than the site's revision `{}`",
                            site.revision
                        ),
                    ));
                }
                rev
            }
            None => site.revision,
        };
        let consent_mode = match t.get("consent_mode") {
            Some(n) => self.signals(n, &format!("{path}.consent_mode"))?,
            None => Signals::of(Signal::defaults_for(id.as_str())),
        };
        let gpc = match t.get("gpc") {
            Some(n) => {
                let field = format!("{path}.gpc");
                let gpc = self.boolean(n, &field)?;
                if gpc && id.as_str() == NECESSARY {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        "necessary cookies cannot be refused, so GPC cannot cover them".to_owned(),
                    ));
                }
                gpc
            }
            None => consent_mode.has_advertising() && id.as_str() != NECESSARY,
        };
        let tcf_purposes = match t.get("tcf_purposes") {
            Some(n) if id.as_str() == NECESSARY => {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &format!("{path}.tcf_purposes"),
                    &n.span,
                    "necessary cookies need no consent, so no TCF purpose grants them".to_owned(),
                ));
            }
            Some(n) => self.tcf_purposes(n, &format!("{path}.tcf_purposes"))?,
            None => Vec::new(),
        };
        self.finish(t)?;
        Ok(Purpose {
            id,
            label,
            description,
            revision,
            consent_mode,
            gpc,
            tcf_purposes,
        })
    }

    /// `consent_mode = ["ad_storage", …]`: Google Consent Mode signals, each once.
    fn signals(&self, node: &Node<'a>, path: &str) -> Result<Signals> {
        let Value::Array(items) = &node.value else {
            return Err(self.wrong_type(path, node, "an array", &node.value));
        };
        let mut signals = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = format!("{path}[{i}]");
            let name = self.string(item, &field)?;
            let Some(signal) = Signal::parse(name) else {
                let known: Vec<&str> = Signal::ALL.iter().map(|s| s.as_str()).collect();
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!(
                        "`{}` is not a Consent Mode signal ({})",
                        name.escape_debug(),
                        known.join(", ")
                    ),
                ));
            };
            if signals.contains(&signal) {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!("signal `{signal}` is listed twice"),
                ));
            }
            signals.push(signal);
        }
        Ok(Signals::of(&signals))
    }

    /// `tcf_purposes = [1, 3, 4]`: IAB TCF purpose ids (1–24), each once, kept sorted.
    fn tcf_purposes(&self, node: &Node<'a>, path: &str) -> Result<Vec<u8>> {
        let Value::Array(items) = &node.value else {
            return Err(self.wrong_type(path, node, "an array", &node.value));
        };
        let mut ids: Vec<u8> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = format!("{path}[{i}]");
            let n = self.integer(item, &field)?;
            let Some(id) = u8::try_from(n)
                .ok()
                .filter(|id| (1..=MAX_TCF_PURPOSE).contains(id))
            else {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!("`{n}` is not a TCF purpose id (1 to {MAX_TCF_PURPOSE})"),
                ));
            };
            if ids.contains(&id) {
                return Err(self.error(
                    ErrorKind::InvalidValue,
                    &field,
                    &item.span,
                    format!("TCF purpose `{id}` is listed twice"),
                ));
            }
            ids.push(id);
        }
        ids.sort_unstable();
        Ok(ids)
    }

    fn cookies(
        &mut self,
        node: &Node<'a>,
        site: &Site,
        purposes: &mut [Purpose],
    ) -> Result<Vec<CookieDecl>> {
        let Value::Array(items) = &node.value else {
            return Err(self.wrong_type("cookies", node, "an array of tables", &node.value));
        };
        if items.len() > MAX_COOKIES {
            return Err(self.error(
                ErrorKind::TooMany,
                "cookies",
                &node.span,
                format!(
                    "{} cookies, more than the limit of {MAX_COOKIES}",
                    items.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.cookie(item, &format!("cookies[{i}]"), site, purposes)?);
        }
        Ok(out)
    }

    fn cookie(
        &mut self,
        node: &Node<'a>,
        path: &str,
        site: &Site,
        purposes: &[Purpose],
    ) -> Result<CookieDecl> {
        let langs = &site.languages;
        let mut t = self.table(node, path)?;
        let name_node = self.required(&mut t, "name", &node.span)?;
        let name = self.string(name_node, &join(path, "name"))?.to_owned();
        self.check_name(&name, &join(path, "name"), &name_node.span)?;

        let provider_node = self.required(&mut t, "provider", &node.span)?;
        let provider = self
            .string(provider_node, &join(path, "provider"))?
            .to_owned();
        let service_node = self.required(&mut t, "service", &node.span)?;
        let service = self.text(service_node, &join(path, "service"), langs)?;
        let purpose_node = self.required(&mut t, "purpose", &node.span)?;
        let purpose_path = join(path, "purpose");
        let purpose_text = self.string(purpose_node, &purpose_path)?;
        let purpose = purposes
            .iter()
            .find(|p| p.id.as_str() == purpose_text)
            .map(|p| p.id.clone())
            .ok_or_else(|| {
                self.error(
                    ErrorKind::UnknownPurpose,
                    &purpose_path,
                    &purpose_node.span,
                    format!(
                        "unknown purpose `{}`; declare it under `[purposes.{}]`",
                        purpose_text.escape_debug(),
                        purpose_text.escape_debug()
                    ),
                )
            })?;
        let description_node = self.required(&mut t, "description", &node.span)?;
        let description = self.text(description_node, &join(path, "description"), langs)?;
        let lifetime_node = self.required(&mut t, "lifetime", &node.span)?;
        let lifetime = self.lifetime(lifetime_node, &join(path, "lifetime"))?;

        let domain = match t.get("domain") {
            None => None,
            Some(n) => {
                let field = join(path, "domain");
                let text = self.string(n, &field)?;
                let host = party::normalize_host(text).map_err(|e| {
                    self.error(
                        ErrorKind::InvalidDomain,
                        &field,
                        &n.span,
                        e.message().to_owned(),
                    )
                })?;
                if party::is_public_suffix(&host) {
                    return Err(self.error(
                        ErrorKind::InvalidDomain,
                        &field,
                        &n.span,
                        format!(
                            "`{}` is a public suffix; browsers reject cookies for it",
                            text.escape_debug()
                        ),
                    ));
                }
                Some(host)
            }
        };
        let derived = domain.as_deref().map(|d| party::derive(d, &site.host));
        let party = match t.get("party") {
            None => derived.unwrap_or(Party::First),
            Some(n) => {
                let field = join(path, "party");
                let text = self.string(n, &field)?;
                let declared = Party::parse(text).ok_or_else(|| {
                    self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        format!("party `{}` is not `first` or `third`", text.escape_debug()),
                    )
                })?;
                if declared == Party::First && derived == Some(Party::Third) {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        format!(
                            "declared first party, but its domain is not under the site's registrable domain `{}`",
                            party::registrable_domain(&site.host)
                        ),
                    ));
                }
                declared
            }
        };
        let path_value = match t.get("path") {
            None => None,
            Some(n) => {
                let field = join(path, "path");
                let p = self.string(n, &field)?;
                if !p.starts_with('/') || p.bytes().any(|b| b.is_ascii_control() || b == b';') {
                    return Err(self.error(
                        ErrorKind::InvalidValue,
                        &field,
                        &n.span,
                        format!(
                            "path `{}` must start with `/` and hold no `;` or control character",
                            p.escape_debug()
                        ),
                    ));
                }
                Some(p.to_owned())
            }
        };
        let anonymous = match t.get("anonymous") {
            None => false,
            Some(n) => {
                let field = join(path, "anonymous");
                let value = self.boolean(n, &field)?;
                if value && purpose.as_str() != STATISTICS {
                    return Err(self.error(
                        ErrorKind::AnonymousNotStatistics,
                        &field,
                        &n.span,
                        format!(
                            "`anonymous` is only for `statistics` cookies, not `{purpose}` ones"
                        ),
                    ));
                }
                value
            }
        };
        self.finish(t)?;

        self.check_translations(&service, &join(path, "service"), &service_node.span, langs);
        self.check_translations(
            &description,
            &join(path, "description"),
            &description_node.span,
            langs,
        );
        let cookie = CookieDecl {
            name,
            provider,
            service,
            purpose,
            description,
            lifetime,
            party,
            domain,
            path: path_value,
            anonymous,
        };
        if cookie.anonymous {
            if let Some(why) = exemption_failure(&cookie, site.profile) {
                self.warn(
                    "exemption_not_met",
                    &join(path, "anonymous"),
                    &node.span,
                    format!(
                        "claims the anonymous statistics exemption, but {why}; it needs consent"
                    ),
                );
            }
        }
        Ok(cookie)
    }

    fn check_name(&self, name: &str, path: &str, span: &Range<usize>) -> Result<()> {
        let fail = |why: String| Err(self.error(ErrorKind::InvalidName, path, span, why));
        if name.is_empty() {
            return fail("a cookie name cannot be empty".to_owned());
        }
        if name.len() > MAX_NAME_BYTES {
            return fail(format!("name longer than {MAX_NAME_BYTES} bytes"));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !c.is_ascii() || !is_token_byte(*c as u8))
        {
            return fail(format!(
                "`{}` holds `{}`, which a cookie name cannot",
                name.escape_debug(),
                bad.escape_debug()
            ));
        }
        if name.matches('*').count() > 1 {
            return fail(format!("pattern `{name}` has more than one `*`"));
        }
        Ok(())
    }

    fn matcher(&self, node: Option<&Node<'a>>, cookies: &[CookieDecl]) -> Result<Matcher> {
        Matcher::build(cookies.iter().map(|c| c.name.as_str())).map_err(|conflict| {
            let (kind, first, second) = match conflict {
                Conflict::Duplicate { first, second } => (ErrorKind::DuplicateCookie, first, second),
                Conflict::Ambiguous { first, second } => (ErrorKind::AmbiguousPatterns, first, second),
            };
            // Point at the `name` value of the declaration, as other errors point at their field.
            let span_of = |i: usize| match node.map(|n| &n.value) {
                Some(Value::Array(items)) => match items.get(i).map(|n| (&n.value, &n.span)) {
                    Some((Value::Table(entries), span)) => entries
                        .iter()
                        .find(|e| e.key == "name")
                        .map_or(span.clone(), |e| e.node.span.clone()),
                    Some((_, span)) => span.clone(),
                    None => 0..0,
                },
                _ => 0..0,
            };
            let name_of = |i: usize| cookies.get(i).map_or("", |c| c.name.as_str());
            let first_at = self.source.location(span_of(first).start);
            let message = match kind {
                ErrorKind::DuplicateCookie => format!(
                    "`{}` is already declared by cookies[{first}] ({first_at})",
                    name_of(second)
                ),
                _ => format!(
                    "`{}` and `{}` (cookies[{first}], {first_at}) are equally specific and can match the same name",
                    name_of(second),
                    name_of(first)
                ),
            };
            self.error(kind, &format!("cookies[{second}].name"), &span_of(second), message)
        })
    }

    fn consent_cookie_warnings(
        &mut self,
        site: &Site,
        cookies: &[CookieDecl],
        matcher: &Matcher,
        root: &Node<'a>,
    ) {
        let name = &site.consent_cookie;
        match matcher.find(name).and_then(|i| cookies.get(i)) {
            None => self.warn(
                "consent_cookie_undeclared",
                "site.consent_cookie",
                &root.span,
                format!("the consent cookie `{name}` is not declared, so the filter drops it"),
            ),
            Some(c) if c.purpose.as_str() != NECESSARY => self.warn(
                "consent_cookie_not_necessary",
                "site.consent_cookie",
                &root.span,
                format!("the consent cookie `{name}` should have the purpose `necessary`"),
            ),
            Some(_) => {}
        }
    }
}

impl<'n, 'a> Table<'n, 'a> {
    fn get(&mut self, key: &str) -> Option<&'n Node<'a>> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries.get(i).map(|e| &e.node)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `[a-z]{2,3}` optionally followed by `-` subtags of letters and digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Why an `anonymous` cookie does not get rule 4 under `profile`, if it does not.
fn exemption_failure(cookie: &CookieDecl, profile: Profile) -> Option<String> {
    if cookie.party == Party::Third {
        return Some("it is a third-party cookie".to_owned());
    }
    if profile == Profile::Cnil && !cookie.lifetime.at_most(CNIL_MAX_STATISTICS_LIFETIME) {
        return Some(format!(
            "its lifetime `{}` is longer than the 13 months the `cnil` profile allows",
            cookie.lifetime
        ));
    }
    None
}

/// The rule that decides a declared cookie (spec §3, rules 2 to 5).
fn rule_for(cookie: &CookieDecl, profile: Profile) -> Rule {
    if cookie.purpose.as_str() == NECESSARY {
        Rule::Necessary
    } else if cookie.party == Party::Third {
        Rule::ThirdParty
    } else if cookie.purpose.as_str() == STATISTICS
        && cookie.anonymous
        && exemption_failure(cookie, profile).is_none()
    {
        Rule::AnonymousStatistics
    } else {
        Rule::Consent
    }
}
