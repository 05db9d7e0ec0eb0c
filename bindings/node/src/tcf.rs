//! IAB TCF v2.2: the `TcString` class (a decoded TC string, read through getters) and a TC
//! string as the consent of a policy.
//!
//! Decoding builds no JS value: the class only wraps the core's `TcString`, and each getter
//! converts one field when it is read. `toJSON` is the core's canonical JSON, parsed by
//! `index.js`.

use cookie_charter::TcString as CoreTcString;
use napi::Env;
use napi_derive::napi;

use crate::consent::Consent;
use crate::errors::tc_error;
use crate::policy::Policy;

/// A decoded IAB TCF v2.2 TC string (`TcString.decode(text)`). Times are the string's raw
/// deciseconds since the Unix epoch; id sets are ascending arrays of numbers.
#[napi]
pub struct TcString {
    inner: CoreTcString,
}

/// Converts an id set to JS numbers.
fn ids(ids: impl Iterator<Item = u8>) -> Vec<u32> {
    ids.map(u32::from).collect()
}

#[expect(
    clippy::cast_precision_loss,
    reason = "the times are 36-bit fields, exact in a double"
)]
fn deciseconds(n: u64) -> f64 {
    n as f64
}

/// A vendor id from JS: ids above 65,535 name no vendor.
fn vendor_id(id: f64) -> Option<u16> {
    if id.is_finite() && (1.0..=65_535.0).contains(&id) && id.fract() == 0.0 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked to be a whole number between 1 and 65,535 just above"
        )]
        Some(id as u16)
    } else {
        None
    }
}

#[napi]
impl TcString {
    /// Decodes a TC string strictly; throws an `Error` with code `invalid_tc_string` and the
    /// TC error's `reason`, `segment`, `field` and `bit` when it does not decode.
    #[napi(factory, js_name = "_decode", skip_typescript, catch_unwind)]
    pub fn decode(env: Env, text: String) -> napi::Result<Self> {
        CoreTcString::decode(&text)
            .map(|inner| Self { inner })
            .map_err(|e| tc_error(&env, &e))
    }

    /// The canonical JSON of the decoded string (`index.js` parses it for `toJSON`).
    #[napi(js_name = "_json", skip_typescript, catch_unwind)]
    pub fn json(&self) -> String {
        self.inner.to_json()
    }

    /// The format version: always 2.
    #[napi(getter, catch_unwind)]
    pub fn version(&self) -> u32 {
        u32::from(self.inner.core().version())
    }

    /// When the string was created, in deciseconds since the Unix epoch (as stored).
    #[napi(getter, catch_unwind)]
    pub fn created(&self) -> f64 {
        deciseconds(self.inner.core().created())
    }

    /// When the string was last updated, in deciseconds since the Unix epoch (as stored).
    #[napi(getter, catch_unwind)]
    pub fn last_updated(&self) -> f64 {
        deciseconds(self.inner.core().last_updated())
    }

    /// The id of the consent management platform.
    #[napi(getter, catch_unwind)]
    pub fn cmp_id(&self) -> u32 {
        u32::from(self.inner.core().cmp_id())
    }

    /// The version of the consent management platform.
    #[napi(getter, catch_unwind)]
    pub fn cmp_version(&self) -> u32 {
        u32::from(self.inner.core().cmp_version())
    }

    /// The screen of the CMP on which consent was given.
    #[napi(getter, catch_unwind)]
    pub fn consent_screen(&self) -> u32 {
        u32::from(self.inner.core().consent_screen())
    }

    /// The two-letter language of the CMP's texts (`EN`, `FR`...).
    #[napi(getter, catch_unwind)]
    pub fn consent_language(&self) -> String {
        self.inner.core().consent_language().to_owned()
    }

    /// The version of the Global Vendor List.
    #[napi(getter, catch_unwind)]
    pub fn vendor_list_version(&self) -> u32 {
        u32::from(self.inner.core().vendor_list_version())
    }

    /// The TCF policy version (4 and later are TCF v2.2).
    #[napi(getter, catch_unwind)]
    pub fn policy_version(&self) -> u32 {
        u32::from(self.inner.core().policy_version())
    }

    /// Whether the choices apply to this service only.
    #[napi(getter, catch_unwind)]
    pub fn is_service_specific(&self) -> bool {
        self.inner.core().is_service_specific()
    }

    /// Whether the CMP used non-standard texts.
    #[napi(getter, catch_unwind)]
    pub fn use_non_standard_texts(&self) -> bool {
        self.inner.core().use_non_standard_texts()
    }

    /// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
    #[napi(getter, catch_unwind)]
    pub fn purpose_one_treatment(&self) -> bool {
        self.inner.core().purpose_one_treatment()
    }

    /// The publisher's two-letter country code (`FR`...).
    #[napi(getter, catch_unwind)]
    pub fn publisher_country_code(&self) -> String {
        self.inner.core().publisher_country_code().to_owned()
    }

    /// The ids of the special features opted in (1 to 12), ascending.
    #[napi(getter, catch_unwind)]
    pub fn special_feature_opt_ins(&self) -> Vec<u32> {
        ids(self.inner.core().special_feature_opt_ins())
    }

    /// The ids of the purposes with consent (1 to 24), ascending.
    #[napi(getter, catch_unwind)]
    pub fn purpose_consents(&self) -> Vec<u32> {
        ids(self.inner.core().purpose_consents())
    }

    /// The ids of the purposes under legitimate interest (1 to 24), ascending.
    #[napi(getter, catch_unwind)]
    pub fn purpose_legitimate_interests(&self) -> Vec<u32> {
        ids(self.inner.core().purpose_legitimate_interests())
    }

    /// Whether vendor `id` has consent in the core segment (`false` for an id that names no
    /// vendor); `index.js` checks that `id` is a number.
    #[napi(js_name = "_vendorConsent", skip_typescript, catch_unwind)]
    pub fn vendor_consent(&self, id: f64) -> bool {
        vendor_id(id).is_some_and(|id| self.inner.core().vendor_consents().contains(id))
    }

    /// Whether vendor `id` is under legitimate interest in the core segment (`false` for an id
    /// that names no vendor); `index.js` checks that `id` is a number.
    #[napi(js_name = "_vendorLegitimateInterest", skip_typescript, catch_unwind)]
    pub fn vendor_legitimate_interest(&self, id: f64) -> bool {
        vendor_id(id).is_some_and(|id| self.inner.core().vendor_legitimate_interests().contains(id))
    }
}

#[napi]
impl Policy {
    /// The consent a TC string gives (see the core's `Policy::consent_from_tc_string`); throws
    /// an `Error` with code `invalid_tc_string` when it does not decode.
    #[napi(js_name = "_consentFromTcString", skip_typescript, catch_unwind)]
    pub fn consent_from_tc_string(&self, env: Env, text: String) -> napi::Result<Consent> {
        let tc = CoreTcString::decode(&text).map_err(|e| tc_error(&env, &e))?;
        Ok(Consent {
            inner: self.inner.consent_from_tcf(&tc),
        })
    }

    /// The consent a decoded TC string gives.
    #[napi(js_name = "_consentFromTcf", skip_typescript, catch_unwind)]
    pub fn consent_from_tcf(&self, tc: &TcString) -> Consent {
        Consent {
            inner: self.inner.consent_from_tcf(&tc.inner),
        }
    }
}
