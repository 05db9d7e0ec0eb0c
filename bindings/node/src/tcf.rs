//! IAB TCF v2.2: a decoded TC string for the `TcString` class of `index.js`, and a TC string as
//! the consent of a policy.
//!
//! Decoding builds no JS value but one `External` holding the core's `TcString`: creating it
//! costs half as much as an instance of a `#[napi]` class, and the plain functions that read it
//! cost less than methods, which must unwrap and check `this`. `index.js` keeps the external in
//! a private field of its `TcString` class, whose getters call the functions here; each converts
//! one field when it is read. `toJSON` is the core's canonical JSON, parsed by `index.js`.

use cookie_charter::TcString;
use napi::Env;
use napi::bindgen_prelude::External;
use napi_derive::napi;

use crate::consent::Consent;
use crate::errors::tc_error;
use crate::policy::Policy;

/// A decoded TC string, as `index.js` holds it.
pub type Tc = External<TcString<'static>>;

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

/// A vendor id from JS: anything but a whole number from 1 to 65,535 names no vendor.
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

/// Decodes a TC string strictly; throws an `Error` with code `invalid_tc_string` and the TC
/// error's `reason`, `segment`, `field` and `bit` when it does not decode.
#[napi(js_name = "_tcDecode", skip_typescript, catch_unwind)]
pub fn decode(env: Env, text: String) -> napi::Result<Tc> {
    TcString::decode(&text)
        .map(|tc| External::new(tc.into_owned()))
        .map_err(|e| tc_error(&env, &e))
}

/// The canonical JSON of the decoded string (`index.js` parses it for `toJSON`).
#[napi(js_name = "_tcJson", skip_typescript, catch_unwind)]
pub fn json(tc: &Tc) -> String {
    tc.to_json()
}

/// The format version: always 2.
#[napi(js_name = "_tcVersion", skip_typescript, catch_unwind)]
pub fn version(tc: &Tc) -> u32 {
    u32::from(tc.core().version())
}

/// When the string was created, in deciseconds since the Unix epoch (as stored).
#[napi(js_name = "_tcCreated", skip_typescript, catch_unwind)]
pub fn created(tc: &Tc) -> f64 {
    deciseconds(tc.core().created())
}

/// When the string was last updated, in deciseconds since the Unix epoch (as stored).
#[napi(js_name = "_tcLastUpdated", skip_typescript, catch_unwind)]
pub fn last_updated(tc: &Tc) -> f64 {
    deciseconds(tc.core().last_updated())
}

/// The id of the consent management platform.
#[napi(js_name = "_tcCmpId", skip_typescript, catch_unwind)]
pub fn cmp_id(tc: &Tc) -> u32 {
    u32::from(tc.core().cmp_id())
}

/// The version of the consent management platform.
#[napi(js_name = "_tcCmpVersion", skip_typescript, catch_unwind)]
pub fn cmp_version(tc: &Tc) -> u32 {
    u32::from(tc.core().cmp_version())
}

/// The screen of the CMP on which consent was given.
#[napi(js_name = "_tcConsentScreen", skip_typescript, catch_unwind)]
pub fn consent_screen(tc: &Tc) -> u32 {
    u32::from(tc.core().consent_screen())
}

/// The two-letter language of the CMP's texts (`EN`, `FR`...).
#[napi(js_name = "_tcConsentLanguage", skip_typescript, catch_unwind)]
pub fn consent_language(tc: &Tc) -> String {
    tc.core().consent_language().to_owned()
}

/// The version of the Global Vendor List.
#[napi(js_name = "_tcVendorListVersion", skip_typescript, catch_unwind)]
pub fn vendor_list_version(tc: &Tc) -> u32 {
    u32::from(tc.core().vendor_list_version())
}

/// The TCF policy version (4 and later are TCF v2.2).
#[napi(js_name = "_tcPolicyVersion", skip_typescript, catch_unwind)]
pub fn policy_version(tc: &Tc) -> u32 {
    u32::from(tc.core().policy_version())
}

/// Whether the choices apply to this service only.
#[napi(js_name = "_tcIsServiceSpecific", skip_typescript, catch_unwind)]
pub fn is_service_specific(tc: &Tc) -> bool {
    tc.core().is_service_specific()
}

/// Whether the CMP used non-standard texts.
#[napi(js_name = "_tcUseNonStandardTexts", skip_typescript, catch_unwind)]
pub fn use_non_standard_texts(tc: &Tc) -> bool {
    tc.core().use_non_standard_texts()
}

/// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
#[napi(js_name = "_tcPurposeOneTreatment", skip_typescript, catch_unwind)]
pub fn purpose_one_treatment(tc: &Tc) -> bool {
    tc.core().purpose_one_treatment()
}

/// The publisher's two-letter country code (`FR`...).
#[napi(js_name = "_tcPublisherCountryCode", skip_typescript, catch_unwind)]
pub fn publisher_country_code(tc: &Tc) -> String {
    tc.core().publisher_country_code().to_owned()
}

/// The ids of the special features opted in (1 to 12), ascending.
#[napi(js_name = "_tcSpecialFeatureOptIns", skip_typescript, catch_unwind)]
pub fn special_feature_opt_ins(tc: &Tc) -> Vec<u32> {
    ids(tc.core().special_feature_opt_ins())
}

/// The ids of the purposes with consent (1 to 24), ascending.
#[napi(js_name = "_tcPurposeConsents", skip_typescript, catch_unwind)]
pub fn purpose_consents(tc: &Tc) -> Vec<u32> {
    ids(tc.core().purpose_consents())
}

/// The ids of the purposes under legitimate interest (1 to 24), ascending.
#[napi(
    js_name = "_tcPurposeLegitimateInterests",
    skip_typescript,
    catch_unwind
)]
pub fn purpose_legitimate_interests(tc: &Tc) -> Vec<u32> {
    ids(tc.core().purpose_legitimate_interests())
}

/// Whether vendor `id` has consent in the core segment (`false` for an id that names no
/// vendor); `index.js` checks that `id` is a number.
#[napi(js_name = "_tcVendorConsent", skip_typescript, catch_unwind)]
pub fn vendor_consent(tc: &Tc, id: f64) -> bool {
    vendor_id(id).is_some_and(|id| tc.core().vendor_consents().contains(id))
}

/// Whether vendor `id` is under legitimate interest in the core segment (`false` for an id
/// that names no vendor); `index.js` checks that `id` is a number.
#[napi(js_name = "_tcVendorLegitimateInterest", skip_typescript, catch_unwind)]
pub fn vendor_legitimate_interest(tc: &Tc, id: f64) -> bool {
    vendor_id(id).is_some_and(|id| tc.core().vendor_legitimate_interests().contains(id))
}

#[napi]
impl Policy {
    /// The consent a TC string gives (see the core's `Policy::consent_from_tc_string`); throws
    /// an `Error` with code `invalid_tc_string` when it does not decode.
    #[napi(js_name = "_consentFromTcString", skip_typescript, catch_unwind)]
    pub fn consent_from_tc_string(&self, env: Env, text: String) -> napi::Result<Consent> {
        let tc = TcString::decode(&text).map_err(|e| tc_error(&env, &e))?;
        Ok(Consent {
            inner: self.inner.consent_from_tcf(&tc),
        })
    }

    /// The consent a decoded TC string gives.
    #[napi(js_name = "_consentFromTcf", skip_typescript, catch_unwind)]
    pub fn consent_from_tcf(&self, tc: &Tc) -> Consent {
        Consent {
            inner: self.inner.consent_from_tcf(tc),
        }
    }
}
