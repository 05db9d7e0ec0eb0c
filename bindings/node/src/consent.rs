//! The `Consent` class: a visitor's choices, read from their consent cookie or built from a map.

use cookie_charter::{Choice, PurposeId};
use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Object, Unknown};
use napi::{Env, JsValue, KeyCollectionMode, KeyConversion, KeyFilter, ValueType};
use napi_derive::napi;

use crate::errors::{core_error, now_or_current, seconds, type_error};

/// The options of `new Consent(choices, options)`.
#[napi(object)]
#[expect(dead_code, reason = "only declares the TypeScript type of the options")]
pub struct ConsentOptions {
    /// The policy revision the consent was given for (default 1).
    pub revision: Option<f64>,
    /// When it was given, in unix seconds (default: now).
    pub at: Option<f64>,
    /// Whether the request carries Global Privacy Control (`Sec-GPC: 1`; default `false`).
    pub gpc: Option<bool>,
}

/// Which consent source of the policy gave a consent (`consent.source`).
#[napi(object)]
pub struct ConsentSourceRef {
    /// Its index in the policy's `site.consent_sources`.
    pub index: u32,
    /// Its format: `cookie-charter`, `tcf`, `cookieconsent`, `onetrust`...
    pub format: String,
}

/// A visitor's consent: the policy revision and time it was given, and a choice per purpose.
#[napi]
pub struct Consent {
    pub(crate) inner: cookie_charter::Consent,
}

#[napi]
impl Consent {
    /// A consent from a map of purpose ids to `'granted'` or `'denied'`: own enumerable string
    /// keys only, so nothing inherited (a polluted `Object.prototype`) is read.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "choices?: Record<string, 'granted' | 'denied'> | null, options?: ConsentOptions | null"
    )]
    pub fn new(env: Env, choices: Option<Unknown>, options: Option<Unknown>) -> napi::Result<Self> {
        let (revision, at, gpc) = read_options(&env, options)?;
        let mut inner = cookie_charter::Consent::new(revision, at).with_gpc(gpc);
        if let Some(choices) = choices {
            match choices.get_type()? {
                ValueType::Undefined | ValueType::Null => {}
                ValueType::Object => {
                    let object = choices.coerce_to_object()?;
                    read_choices(&env, &object, &mut inner)?;
                }
                _ => {
                    return Err(type_error(
                        &env,
                        "`choices` must be an object mapping purpose ids to 'granted' or 'denied'",
                    ));
                }
            }
        }
        Ok(Self { inner })
    }

    /// Reads a consent cookie value; never fails: an absent or unusable value gives a consent
    /// with every purpose `unset` and a `problem`.
    #[napi(factory, js_name = "_fromCookie", skip_typescript, catch_unwind)]
    pub fn from_cookie(value: Option<String>) -> Self {
        Self {
            inner: value.as_deref().map_or_else(
                cookie_charter::Consent::default,
                cookie_charter::Consent::from_cookie,
            ),
        }
    }

    /// The consent cookie value (only RFC 6265 cookie-octets); `''` for a consent with a problem.
    #[napi(catch_unwind)]
    pub fn to_cookie(&self) -> String {
        self.inner.to_cookie()
    }

    /// Why the cookie value gave no consent (`absent`, `malformed`, `oversized`,
    /// `duplicate_key`, `unknown_version`); `null` when it was valid.
    #[napi(getter, catch_unwind)]
    pub fn problem(&self) -> Option<&'static str> {
        self.inner.problem().map(|p| p.code())
    }

    /// The problem in words, for logs; `null` when the value was valid.
    #[napi(getter, catch_unwind)]
    pub fn problem_message(&self) -> Option<String> {
        self.inner.problem().map(|p| p.to_string())
    }

    /// `problem`, also counting a consent dated more than one day after `now` as `malformed`.
    #[napi(js_name = "_problemAt", skip_typescript, catch_unwind)]
    pub fn problem_at(&self, env: Env, now: Option<f64>) -> napi::Result<Option<&'static str>> {
        let now = now_or_current(&env, now)?;
        Ok(self.inner.problem_at(now).map(|p| p.code()))
    }

    /// Which of the policy's consent sources (`site.consent_sources`) gave this consent: its
    /// index and format; `null` when the policy declares no source, when no source's cookie was
    /// in the request, and for a consent built or read directly.
    #[napi(getter, catch_unwind)]
    pub fn source(&self) -> Option<ConsentSourceRef> {
        self.inner.source().map(|s| ConsentSourceRef {
            index: u32::try_from(s.index).unwrap_or(u32::MAX),
            format: s.format.as_str().to_owned(),
        })
    }

    /// The policy revision the consent was given for.
    #[napi(getter, catch_unwind)]
    pub fn revision(&self) -> f64 {
        to_f64(self.inner.revision())
    }

    /// When the consent was given, in unix seconds.
    #[napi(getter, catch_unwind)]
    pub fn at(&self) -> f64 {
        to_f64(self.inner.at())
    }

    /// Whether the request carries Global Privacy Control (never stored in the cookie).
    #[napi(getter, catch_unwind)]
    pub fn gpc(&self) -> bool {
        self.inner.gpc()
    }

    /// The same consent with the request's Global Privacy Control signal set to `gpc`.
    #[napi(js_name = "_withGpc", skip_typescript, catch_unwind)]
    pub fn with_gpc(&self, gpc: bool) -> Self {
        Self {
            inner: self.inner.clone().with_gpc(gpc),
        }
    }

    /// The choices as an array of `purpose=granted|denied` strings, sorted by purpose id.
    #[napi(js_name = "_choicePairs", skip_typescript, catch_unwind)]
    pub fn choice_pairs(&self) -> Vec<String> {
        self.inner
            .choices()
            .map(|(p, c)| format!("{p}={}", c.as_str()))
            .collect()
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "revisions and times above 2^53 are not representable in JS anyway"
)]
fn to_f64(n: u64) -> f64 {
    n as f64
}

fn read_choices(
    env: &Env,
    object: &Object<'_>,
    consent: &mut cookie_charter::Consent,
) -> napi::Result<()> {
    let keys = object.get_all_property_names(
        KeyCollectionMode::OwnOnly,
        KeyFilter::Enumerable,
        KeyConversion::NumbersToStrings,
    )?;
    let count = keys.get_array_length()?;
    for i in 0..count {
        let key: Unknown = keys.get_element(i)?;
        if key.get_type()? != ValueType::String {
            continue; // a symbol key
        }
        let key = key.coerce_to_string()?.into_utf8()?.as_str()?.to_owned();
        let value: Unknown = object.get_named_property(&key)?;
        if value.get_type()? != ValueType::String {
            return Err(type_error(
                env,
                &format!(
                    "the choice for `{}` must be 'granted' or 'denied'",
                    key.escape_debug()
                ),
            ));
        }
        let value: String = value.coerce_to_string()?.into_utf8()?.as_str()?.to_owned();
        let purpose = PurposeId::new(&key).map_err(|e| core_error(env, &e))?;
        let choice = Choice::parse(&value).map_err(|e| core_error(env, &e))?;
        consent.set(purpose, choice);
    }
    Ok(())
}

/// Reads `{revision, at, gpc}`: revision 1, the current time and no GPC by default.
fn read_options(env: &Env, options: Option<Unknown>) -> napi::Result<(u64, u64, bool)> {
    let mut revision = 1;
    let mut at = None;
    let mut gpc = false;
    if let Some(options) = options {
        match options.get_type()? {
            ValueType::Undefined | ValueType::Null => {}
            ValueType::Object => {
                let object = options.coerce_to_object()?;
                if let Some(r) = number_field(env, &object, "revision")? {
                    revision = r;
                }
                at = number_field(env, &object, "at")?;
                gpc = bool_field(env, &object, "gpc")?;
            }
            _ => {
                return Err(type_error(
                    env,
                    "`options` must be an object such as `{ revision: 1, at: 1700000000, gpc: false }`",
                ));
            }
        }
    }
    let at = match at {
        Some(at) => at,
        None => now_or_current(env, None)?,
    };
    Ok((revision, at, gpc))
}

/// Reads an optional boolean field (absent, `undefined` and `null` are `false`).
fn bool_field(env: &Env, object: &Object<'_>, name: &str) -> napi::Result<bool> {
    let value: Unknown = object.get_named_property(name)?;
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(false),
        ValueType::Boolean => value.coerce_to_bool(),
        _ => Err(type_error(env, &format!("`{name}` must be a boolean"))),
    }
}

fn number_field(env: &Env, object: &Object<'_>, name: &str) -> napi::Result<Option<u64>> {
    let value: Unknown = object.get_named_property(name)?;
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::Number => {
            let n: f64 = value.coerce_to_number()?.get_double()?;
            seconds(env, n, name).map(Some)
        }
        _ => Err(type_error(env, &format!("`{name}` must be a number"))),
    }
}
