//! The `Policy` class: a loaded policy and the calls that decide with it.

use std::path::Path;
use std::sync::Arc;

use cookie_charter::{
    Dropped, Format, Handled, Policy as CorePolicy, PolicyFormat, Purge, Purged, Request, Text,
};
use napi::Env;
use napi::bindgen_prelude::{Buffer, ClassInstance, JavaScriptClassExt, JsObjectValue, Object};
use napi_derive::napi;

use crate::codes::{pack, state_index};
use crate::consent::Consent;
use crate::errors::{core_error, invalid_argument, now_or_current, seconds};

/// A loaded, validated cookie policy.
#[napi]
pub struct Policy {
    pub(crate) inner: Arc<CorePolicy>,
}

/// A remark about a valid policy that is probably not what its author meant.
#[napi(object)]
pub struct PolicyWarning {
    /// A stable id such as `exemption_not_met`.
    pub code: String,
    /// The field it is about.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
    /// 1-based line in the policy file, when known.
    pub line: Option<u32>,
    /// 1-based column in the policy file, when known.
    pub column: Option<u32>,
}

/// The `[site]` table of a policy.
#[napi(object)]
pub struct SiteInfo {
    /// The site's URL.
    pub url: String,
    /// The URL's host, normalised.
    pub host: String,
    /// The policy revision.
    pub revision: f64,
    /// The name of the cookie that stores the visitor's consent.
    pub consent_cookie: String,
    /// `charter` or `cnil`.
    pub profile: String,
    /// The languages of the charter, the first being the default.
    pub languages: Vec<String>,
}

fn int(n: usize) -> Option<u32> {
    u32::try_from(n).ok()
}

#[napi]
impl Policy {
    /// Loads a policy from TOML text; throws an `Error` with the core's `code`, `field`, `line`
    /// and `column` when the policy is invalid.
    #[napi(factory, js_name = "_fromToml", skip_typescript, catch_unwind)]
    pub fn from_toml(env: Env, text: String) -> napi::Result<Self> {
        CorePolicy::from_toml(&text)
            .map(|inner| Self {
                inner: Arc::new(inner),
            })
            .map_err(|e| core_error(&env, &e))
    }

    /// Loads a policy from JSON text of the same structure as the TOML.
    #[napi(factory, js_name = "_fromJson", skip_typescript, catch_unwind)]
    pub fn from_json(env: Env, text: String) -> napi::Result<Self> {
        CorePolicy::from_json(&text)
            .map(|inner| Self {
                inner: Arc::new(inner),
            })
            .map_err(|e| core_error(&env, &e))
    }

    /// Loads the bytes of the policy file named `name`, in the format its name tells
    /// (`PolicyFormat::of_path`); bytes that are not UTF-8 are a `syntax` error at the first bad
    /// byte (`Policy::text_of`).
    #[napi(factory, js_name = "_fromFile", skip_typescript, catch_unwind)]
    pub fn from_file(env: Env, bytes: Buffer, name: String) -> napi::Result<Self> {
        CorePolicy::from_file_bytes(&bytes, PolicyFormat::of_path(Path::new(&name)))
            .map(|inner| Self {
                inner: Arc::new(inner),
            })
            .map_err(|e| core_error(&env, &e))
    }

    /// The decision for `name`, packed into a number (see `codes`).
    #[napi(js_name = "_decide", skip_typescript, catch_unwind)]
    pub fn decide_packed(&self, name: String, consent: &Consent, now: f64) -> u32 {
        // `now` was checked by the caller; a bad one reads as 0, which only makes consents
        // from the future unusable.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "saturating float-to-int conversion of a checked value"
        )]
        let now = now as u64;
        pack(&self.inner, &self.inner.decide(&name, &consent.inner, now))
    }

    /// The plain functions of the hot path, closing over this policy (see `crate::fast`).
    #[napi(js_name = "_fast", skip_typescript, catch_unwind)]
    pub fn fast<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        crate::fast::functions(env, Arc::clone(&self.inner))
    }

    /// The state of every purpose, in the order of `purposes`, as one digit each: the index in
    /// `ConsentState::ALL` (`0` granted ... `5` gpc_denied).
    #[napi(js_name = "_states", skip_typescript, catch_unwind)]
    pub fn states(&self, consent: &Consent, now: f64) -> String {
        states_of(&self.inner, &consent.inner, now)
    }

    /// The purposes, `necessary` first, then in the file's order: each with its `label` and
    /// `description` in every language the policy gives (`{ [lang]: text }`, in the policy's order;
    /// `description` is `null` when absent), its `revision`, whether a banner asks about it
    /// (`needsConsent`: at least one of its cookies needs consent) and the names and patterns of
    /// its cookies, in the file's order.
    #[napi(getter, ts_return_type = "Array<Purpose>", catch_unwind)]
    pub fn purposes<'env>(&self, env: &'env Env) -> napi::Result<Vec<Object<'env>>> {
        self.inner
            .purposes()
            .iter()
            .map(|purpose| {
                let id = purpose.id.as_str();
                let mut object = Object::new(env)?;
                object.set_named_property("id", id)?;
                object.set_named_property("label", texts(env, &purpose.label)?)?;
                let description = match &purpose.description {
                    Some(text) => Some(texts(env, text)?),
                    None => None,
                };
                object.set_named_property("description", description)?;
                object.set_named_property("revision", revision(purpose.revision))?;
                object.set_named_property("needsConsent", self.inner.needs_consent(id))?;
                let cookies: Vec<&str> =
                    self.inner.cookies_of(id).map(|c| c.name.as_str()).collect();
                object.set_named_property("cookies", cookies)?;
                Ok(object)
            })
            .collect()
    }

    /// The purpose ids, in the order of `purposes` (the packed decisions index it).
    #[napi(js_name = "_purposeIds", skip_typescript, catch_unwind)]
    pub fn purpose_ids(&self) -> Vec<String> {
        self.inner
            .purposes()
            .iter()
            .map(|p| p.id.as_str().to_owned())
            .collect()
    }

    /// The `[site]` table.
    #[napi(getter, catch_unwind)]
    pub fn site(&self) -> SiteInfo {
        let site = self.inner.site();
        SiteInfo {
            url: site.url.clone(),
            host: site.host.clone(),
            revision: revision(site.revision),
            consent_cookie: site.consent_cookie.clone(),
            profile: site.profile.as_str().to_owned(),
            languages: site.languages.clone(),
        }
    }

    /// What `cookie-charter check` reports about this valid policy.
    #[napi(getter, catch_unwind)]
    pub fn warnings(&self) -> Vec<PolicyWarning> {
        self.inner
            .warnings()
            .iter()
            .map(|w| PolicyWarning {
                code: w.code.to_owned(),
                field: w.field.clone(),
                message: w.message.clone(),
                line: w.location.and_then(|l| int(l.line)),
                column: w.location.and_then(|l| int(l.column)),
            })
            .collect()
    }

    /// The visitor's state for the purpose `purpose`; `null` if the policy does not declare it.
    #[napi(js_name = "_consentState", skip_typescript, catch_unwind)]
    pub fn consent_state(
        &self,
        env: Env,
        purpose: String,
        consent: &Consent,
        now: Option<f64>,
    ) -> napi::Result<Option<&'static str>> {
        let now = now_or_current(&env, now)?;
        Ok(self
            .inner
            .consent_state(&purpose, &consent.inner, now)
            .map(|s| s.as_str()))
    }

    /// The purposes a banner must ask about; empty: no banner.
    #[napi(js_name = "_purposesToAsk", skip_typescript, catch_unwind)]
    pub fn purposes_to_ask(
        &self,
        env: Env,
        consent: &Consent,
        now: Option<f64>,
    ) -> napi::Result<Vec<String>> {
        let now = now_or_current(&env, now)?;
        Ok(self
            .inner
            .purposes_to_ask(&consent.inner, now)
            .into_iter()
            .map(|p| p.as_str().to_owned())
            .collect())
    }

    /// The consent carried by a `Cookie` request header (the value of the policy's
    /// `consent_cookie`); no header or no such cookie gives a consent with problem `absent`, and
    /// several copies that disagree give no consent (`malformed`).
    #[napi(js_name = "_consentFromCookieHeader", skip_typescript, catch_unwind)]
    pub fn consent_from_cookie_header(&self, cookie_header: Option<String>) -> Consent {
        Consent {
            inner: self
                .inner
                .consent_from_cookie_header(cookie_header.as_deref().unwrap_or_default()),
        }
    }

    /// The consent a middleware gives a request's handlers (`Policy::request_consent`): read
    /// from its `Cookie` header (`null`: none), with its `Sec-GPC` value (`null`: none).
    #[napi(js_name = "_requestConsent", skip_typescript, catch_unwind)]
    pub fn request_consent(&self, cookie: Option<String>, sec_gpc: Option<String>) -> Consent {
        let mut request = Request::new();
        if let Some(cookie) = cookie.as_deref() {
            request.add_cookie(cookie);
        }
        if let Some(sec_gpc) = sec_gpc {
            request.add_sec_gpc(sec_gpc);
        }
        Consent {
            inner: self.inner.request_consent(&request),
        }
    }

    /// The core's answer to a response (`Policy::respond`): `{ consent, setCookies, dropped:
    /// [{ header, cookie, code, problem }], purged: [{ cookie, code, headers }] }`, decisions
    /// packed. The request is its `Cookie` fields and `Sec-GPC` values; the handler left the
    /// consent (`replaced` absent, `notAConsent` false), replaced it (`replaced`), or stored a
    /// value that is not a consent (`notAConsent`).
    #[napi(js_name = "_respond", skip_typescript, catch_unwind)]
    // The arguments of `Policy::respond`, each a plain value for Node-API. `allow`, not `expect`:
    // the `#[napi]` macro copies the attribute to an item of its own where it is not fulfilled.
    #[allow(clippy::too_many_arguments)]
    pub fn respond<'env>(
        &self,
        env: &'env Env,
        cookie: Vec<String>,
        sec_gpc: Vec<String>,
        not_a_consent: bool,
        replaced: Option<ClassInstance<'env, Consent>>,
        set_cookies: Vec<String>,
        purge: bool,
        now: f64,
    ) -> napi::Result<Object<'env>> {
        let now = seconds(env, now, "now")?;
        let mut request = Request::new();
        for field in &cookie {
            request.add_cookie(field);
        }
        for value in &sec_gpc {
            request.add_sec_gpc(value);
        }
        let handled = match &replaced {
            Some(consent) => Handled::Replaced(&consent.inner),
            None if not_a_consent => Handled::NotAConsent,
            None => Handled::Unchanged,
        };
        let purge = if purge { Purge::On } else { Purge::Off };
        let response = self.inner.respond(
            &request,
            handled,
            set_cookies.iter().map(String::as_str),
            purge,
            now,
        );
        let mut object = Object::new(env)?;
        let sent: Vec<&str> = response.set_cookies().collect();
        object.set_named_property("setCookies", sent)?;
        let dropped = response
            .dropped()
            .map(|d| dropped_object(env, &self.inner, d))
            .collect::<napi::Result<Vec<_>>>()?;
        object.set_named_property("dropped", dropped)?;
        let purged = response
            .purged
            .iter()
            .map(|p| purged_object(env, &self.inner, p))
            .collect::<napi::Result<Vec<_>>>()?;
        object.set_named_property("purged", purged)?;
        let consent = Consent {
            inner: response.consent,
        };
        object.set_named_property("consent", consent.into_instance(env)?)?;
        Ok(object)
    }

    /// Splits `Set-Cookie` values into kept and dropped: `{ kept, dropped: [{ header, cookie,
    /// code, problem }] }`, decisions packed.
    #[napi(js_name = "_filterSetCookies", skip_typescript, catch_unwind)]
    pub fn filter_set_cookies<'env>(
        &self,
        env: &'env Env,
        headers: Vec<String>,
        consent: &Consent,
        now: f64,
    ) -> napi::Result<Object<'env>> {
        let now = seconds(env, now, "now")?;
        let filtered =
            self.inner
                .filter_set_cookies(headers.iter().map(String::as_str), &consent.inner, now);
        let mut object = Object::new(env)?;
        let kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();
        object.set_named_property("kept", kept)?;
        let dropped = filtered
            .dropped
            .iter()
            .map(|d| dropped_object(env, &self.inner, d))
            .collect::<napi::Result<Vec<_>>>()?;
        object.set_named_property("dropped", dropped)?;
        Ok(object)
    }

    /// The cookies of a `Cookie` header that the consent does not allow, with their deletion
    /// headers: `[{ cookie, code, headers }]`, decisions packed.
    #[napi(js_name = "_purge", skip_typescript, catch_unwind)]
    pub fn purge<'env>(
        &self,
        env: &'env Env,
        cookie_header: String,
        consent: &Consent,
        now: f64,
    ) -> napi::Result<Vec<Object<'env>>> {
        let now = seconds(env, now, "now")?;
        self.inner
            .purge(&cookie_header, &consent.inner, now)
            .iter()
            .map(|p| purged_object(env, &self.inner, p))
            .collect()
    }

    /// The charter page in `lang` as `markdown` or `html`.
    #[napi(js_name = "_renderCharter", skip_typescript, catch_unwind)]
    pub fn render_charter(&self, env: Env, lang: String, format: String) -> napi::Result<String> {
        let Some(format) = Format::parse(&format) else {
            return Err(invalid_argument(
                &env,
                &format!(
                    "format `{}` is not `markdown` or `html`",
                    format.escape_debug()
                ),
            ));
        };
        Ok(self.inner.render_charter(&lang, format))
    }
}

/// A revision as a JS number.
fn revision(revision: u64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "revisions above 2^53 are not representable in JS anyway"
    )]
    let revision = revision as f64;
    revision
}

/// A text as `{ [lang]: words }`, in the policy's order of its languages.
fn texts<'env>(env: &'env Env, text: &Text) -> napi::Result<Object<'env>> {
    let mut object = Object::new(env)?;
    for lang in text.languages() {
        if let Some(words) = text.exact(lang) {
            object.set_named_property(lang, words)?;
        }
    }
    Ok(object)
}

/// A dropped `Set-Cookie` value as `{ header, cookie, code, problem }` (decision packed).
fn dropped_object<'env>(
    env: &'env Env,
    policy: &CorePolicy,
    dropped: &Dropped<'_, '_>,
) -> napi::Result<Object<'env>> {
    let mut object = Object::new(env)?;
    object.set_named_property("header", dropped.header)?;
    object.set_named_property("cookie", dropped.cookie)?;
    object.set_named_property("code", pack(policy, &dropped.decision))?;
    object.set_named_property("problem", dropped.problem.map(|p| p.as_str()))?;
    Ok(object)
}

/// A purged cookie as `{ cookie, code, headers }` (decision packed).
fn purged_object<'env>(
    env: &'env Env,
    policy: &CorePolicy,
    purged: &Purged<'_, '_>,
) -> napi::Result<Object<'env>> {
    let mut object = Object::new(env)?;
    object.set_named_property("cookie", purged.cookie)?;
    object.set_named_property("code", pack(policy, &purged.decision))?;
    let headers: Vec<&str> = purged.headers.iter().map(String::as_str).collect();
    object.set_named_property("headers", headers)?;
    Ok(object)
}

/// The state of every purpose as one digit each (see `Policy::states`).
pub(crate) fn states_of(
    policy: &CorePolicy,
    consent: &cookie_charter::Consent,
    now: f64,
) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "saturating float-to-int conversion of a value checked by the caller"
    )]
    let now = now as u64;
    policy
        .purposes()
        .iter()
        .map(|purpose| {
            policy
                .consent_state(purpose.id.as_str(), consent, now)
                .map_or('?', |state| char::from(b'0' + state_index(state)))
        })
        .collect()
}
