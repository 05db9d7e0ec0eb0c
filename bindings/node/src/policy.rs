//! The `Policy` class: a loaded policy and the calls that decide with it.

use std::path::Path;
use std::sync::Arc;

use cookie_charter::{Format, Policy as CorePolicy, PolicyFormat};
use napi::Env;
use napi::bindgen_prelude::{Buffer, Object};
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

/// Internal: a `Set-Cookie` header the filter removed (decision packed, see `codes`).
#[napi(object)]
pub struct RawDropped {
    /// The header value, as given.
    pub header: String,
    /// The cookie name a browser would have stored, if there is one.
    pub cookie: Option<String>,
    /// The packed decision.
    pub code: u32,
    /// Why the header gives no named cookie, when that is why it was dropped.
    pub problem: Option<String>,
}

/// Internal: what the filter returns before `index.js` unpacks the decisions.
#[napi(object)]
pub struct RawFiltered {
    /// The headers to send, in order.
    pub kept: Vec<String>,
    /// The headers removed, in order.
    pub dropped: Vec<RawDropped>,
}

/// Internal: a cookie to delete, before `index.js` unpacks the decision.
#[napi(object)]
pub struct RawPurged {
    /// The cookie name, as the `Cookie` header sent it.
    pub cookie: String,
    /// The packed decision.
    pub code: u32,
    /// `Set-Cookie` values with `Max-Age=0` that delete it.
    pub headers: Vec<String>,
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

    /// What the decision for `name` does not owe to the consent, packed (see `codes`): the
    /// rule, the purpose, and (bit 0) whether the cookie is allowed whatever the consent.
    #[napi(js_name = "_lookup", skip_typescript, catch_unwind)]
    pub fn lookup(&self, name: String) -> u32 {
        // With no consent every purpose but `necessary` is `unset`, so the cookie is allowed
        // exactly when its rule ignores the consent (`necessary`, `anonymous_statistics`).
        let nobody = cookie_charter::Consent::default();
        pack(&self.inner, &self.inner.decide(&name, &nobody, 0))
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

    /// The purpose ids, `necessary` first, then in the file's order.
    #[napi(getter, catch_unwind)]
    pub fn purposes(&self) -> Vec<String> {
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
        #[expect(
            clippy::cast_precision_loss,
            reason = "revisions above 2^53 are not representable in JS anyway"
        )]
        let revision = site.revision as f64;
        SiteInfo {
            url: site.url.clone(),
            host: site.host.clone(),
            revision,
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

    /// Splits `Set-Cookie` values into kept and dropped (decisions packed).
    #[napi(js_name = "_filterSetCookies", skip_typescript, catch_unwind)]
    pub fn filter_set_cookies(
        &self,
        env: Env,
        headers: Vec<String>,
        consent: &Consent,
        now: f64,
    ) -> napi::Result<RawFiltered> {
        let now = seconds(&env, now, "now")?;
        let filtered =
            self.inner
                .filter_set_cookies(headers.iter().map(String::as_str), &consent.inner, now);
        Ok(RawFiltered {
            kept: filtered.kept.into_iter().map(|h| h.into_owned()).collect(),
            dropped: filtered
                .dropped
                .iter()
                .map(|d| RawDropped {
                    header: d.header.to_owned(),
                    cookie: d.cookie.map(str::to_owned),
                    code: pack(&self.inner, &d.decision),
                    problem: d.problem.map(|p| p.as_str().to_owned()),
                })
                .collect(),
        })
    }

    /// The cookies of a `Cookie` header that the consent does not allow, with their deletion
    /// headers (decisions packed).
    #[napi(js_name = "_purge", skip_typescript, catch_unwind)]
    pub fn purge(
        &self,
        env: Env,
        cookie_header: String,
        consent: &Consent,
        now: f64,
    ) -> napi::Result<Vec<RawPurged>> {
        let now = seconds(&env, now, "now")?;
        Ok(self
            .inner
            .purge(&cookie_header, &consent.inner, now)
            .into_iter()
            .map(|p| RawPurged {
                cookie: p.cookie.to_owned(),
                code: pack(&self.inner, &p.decision),
                headers: p.headers,
            })
            .collect())
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
