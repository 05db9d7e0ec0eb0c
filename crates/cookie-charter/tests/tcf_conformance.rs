//! The IAB TCF conformance vectors of `tests/conformance/iab-tcf/` (see its README): the v2.0
//! vectors of gguridi/iab-tcf field for field (a, b and c whole; d's leading fields and its
//! publisher TC segment, and d refused as truncated), the retired v1.1 vectors refused, and the
//! LiveRamp/iabconsent v2/v2.2 vectors (5 decoded field for field, 6 refused for legitimate
//! interest on purposes 3 to 6); then the example string of the TCF specification.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cookie_charter::tcf::{CoreSegment, PublisherTc, VendorSet};
use cookie_charter::{TcErrorKind, TcString};
use serde_json::Value;

/// The example string of the TCF specification: core, disclosed vendors and publisher TC.
const SPEC_EXAMPLE: &str =
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/iab-tcf")
}

fn load(relative: &str) -> Value {
    let path = suite_dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The ids of a gguridi map `{"id": true}` (entries set to false are not in the set).
fn id_map(value: &Value) -> BTreeSet<u64> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not a map: {value}"))
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.parse().unwrap())
        .collect()
}

/// The ids of an iabconsent sorted list.
fn id_list(value: &Value) -> BTreeSet<u64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn set<T: Into<u64>>(ids: impl Iterator<Item = T>) -> BTreeSet<u64> {
    ids.map(Into::into).collect()
}

fn vendors(set: VendorSet<'_>) -> BTreeSet<u64> {
    set.iter().map(u64::from).collect()
}

/// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SS` in UTC (proleptic Gregorian calendar).
fn iso_utc(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap();
    let rest = seconds % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[test]
fn iso_dates_are_right() {
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00");
    assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00");
    assert_eq!(iso_utc(1_583_436_280), "2020-03-05T19:24:40");
}

/// The fields of a gguridi `core` object up to the vendor-consent section (every scalar, the
/// purposes, the special features and the vendor consents).
fn check_gguridi_leading_fields(name: &str, core: &CoreSegment, expected: &Value) {
    let e = |key: &str| &expected[key];
    let scalars: [(&str, u64); 7] = [
        ("version", core.version().into()),
        ("cmpId", core.cmp_id().into()),
        ("cmpVersion", core.cmp_version().into()),
        ("consentScreen", core.consent_screen().into()),
        ("vendorListVersion", core.vendor_list_version().into()),
        ("policyVersion", core.policy_version().into()),
        ("maxVendorId", core.vendor_consents().max_vendor_id().into()),
    ];
    for (key, actual) in scalars {
        assert_eq!(e(key).as_u64(), Some(actual), "{name}: {key}");
    }
    let flags = [
        ("isServiceSpecified", core.is_service_specific()),
        ("useNonStandardStacks", core.use_non_standard_texts()),
        ("purposeOneTreatment", core.purpose_one_treatment()),
    ];
    for (key, actual) in flags {
        assert_eq!(e(key).as_bool(), Some(actual), "{name}: {key}");
    }
    assert_eq!(
        e("created").as_str(),
        Some(iso_utc(core.created_unix()).as_str()),
        "{name}"
    );
    assert_eq!(
        e("lastUpdated").as_str(),
        Some(iso_utc(core.last_updated_unix()).as_str()),
        "{name}"
    );
    assert_eq!(
        e("consentLanguage").as_str(),
        Some(core.consent_language()),
        "{name}"
    );
    assert_eq!(
        e("publisherCountryCode").as_str(),
        Some(core.publisher_country_code()),
        "{name}"
    );
    assert_eq!(
        id_map(e("specialFeatureOptins")),
        set(core.special_feature_opt_ins()),
        "{name}"
    );
    assert_eq!(
        id_map(e("purposeConsents")),
        set(core.purpose_consents()),
        "{name}"
    );
    assert_eq!(
        id_map(e("purposeLegitimateInterests")),
        set(core.purpose_legitimate_interests()),
        "{name}"
    );
    assert_eq!(
        id_map(e("vendorConsents")),
        vendors(core.vendor_consents()),
        "{name}"
    );
}

/// The gguridi publisher restrictions: vendor id -> `[{purpose, isAllowed, isConsentRequired,
/// isLegitimateInterestRequired}]`, as sorted (vendor, purpose, type code) triples.
fn gguridi_restrictions(expected: &Value) -> Vec<(u64, u64, u8)> {
    let mut triples = Vec::new();
    for (vendor, list) in expected.as_object().unwrap() {
        for r in list.as_array().unwrap() {
            let flag = |key: &str| r[key].as_bool().unwrap();
            let code = match (
                flag("isAllowed"),
                flag("isConsentRequired"),
                flag("isLegitimateInterestRequired"),
            ) {
                (false, false, false) => 0,
                (true, true, false) => 1,
                (true, false, true) => 2,
                other => panic!("unexpected restriction flags {other:?}"),
            };
            triples.push((
                vendor.parse().unwrap(),
                r["purpose"].as_u64().unwrap(),
                code,
            ));
        }
    }
    triples.sort_unstable();
    triples
}

fn decoded_restrictions(core: &CoreSegment) -> Vec<(u64, u64, u8)> {
    let mut triples: Vec<_> = core
        .publisher_restrictions()
        .flat_map(|r| {
            r.vendors().iter().map(move |v| {
                (
                    u64::from(v),
                    u64::from(r.purpose()),
                    r.restriction_type().code(),
                )
            })
        })
        .collect();
    triples.sort_unstable();
    triples
}

fn check_publisher_tc(name: &str, decoded: &PublisherTc, expected: &Value) {
    let e = |key: &str| &expected[key];
    assert_eq!(
        id_map(e("purposeConsents")),
        set(decoded.purpose_consents()),
        "{name}"
    );
    assert_eq!(
        id_map(e("purposeLegitimateInterests")),
        set(decoded.purpose_legitimate_interests()),
        "{name}"
    );
    assert_eq!(
        e("numCustomPurposes").as_u64(),
        Some(decoded.num_custom_purposes().into()),
        "{name}"
    );
    assert_eq!(
        id_map(e("customPurposeConsents")),
        set(decoded.custom_purpose_consents()),
        "{name}"
    );
    assert_eq!(
        id_map(e("customPurposeLegitimateInterests")),
        set(decoded.custom_purpose_legitimate_interests()),
        "{name}"
    );
}

#[test]
fn gguridi_v2_vectors_a_b_c_decode_field_for_field() {
    let mut passed = 0;
    for name in ["a", "b", "c"] {
        let vector = load(&format!("v2/consent_{name}.json"));
        let tc = TcString::decode(vector["consent"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let core = tc.core();
        let expected = &vector["core"];
        check_gguridi_leading_fields(name, core, expected);
        assert_eq!(
            expected["maxVendorLegitimateInterestsId"].as_u64(),
            Some(core.vendor_legitimate_interests().max_vendor_id().into()),
            "{name}"
        );
        assert_eq!(
            id_map(&expected["vendorLegitimateInterests"]),
            vendors(core.vendor_legitimate_interests()),
            "{name}"
        );
        assert_eq!(
            gguridi_restrictions(&expected["publisherRestrictions"]),
            decoded_restrictions(core),
            "{name}: publisher restrictions"
        );
        match vector.get("disclosedVendors") {
            Some(disclosed) => assert_eq!(
                id_map(disclosed),
                vendors(tc.disclosed_vendors().expect("a disclosed-vendors segment")),
                "{name}"
            ),
            None => assert!(tc.disclosed_vendors().is_none(), "{name}"),
        }
        match vector.get("publisherTC") {
            Some(expected) => check_publisher_tc(name, tc.publisher_tc().unwrap(), expected),
            None => assert!(tc.publisher_tc().is_none(), "{name}"),
        }
        assert!(tc.allowed_vendors().is_none(), "{name}");
        passed += 1;
    }
    println!("gguridi v2 a-c: {passed}/3 field for field");
    assert_eq!(passed, 3);
}

#[test]
fn gguridi_v2_vector_d_is_truncated_but_its_leading_fields_and_publisher_tc_match() {
    let vector = load("v2/consent_d.json");
    let consent = vector["consent"].as_str().unwrap();
    let error = TcString::decode(consent).unwrap_err();
    assert_eq!(error.kind(), TcErrorKind::Truncated, "{error}");
    assert_eq!(
        (error.segment(), error.field()),
        (0, "vendor_legitimate_interests")
    );
    assert!(
        error
            .to_string()
            .starts_with("truncated: segment 0 ends at bit 2040"),
        "{error}"
    );
    let partial = error
        .partial()
        .expect("the core segment as far as it was decoded");
    check_gguridi_leading_fields("d", partial, &vector["core"]);
    assert_eq!(partial.vendor_consents().len(), 562);
    assert!(partial.vendor_legitimate_interests().is_empty());
    assert!(partial.publisher_restrictions().is_empty());

    let (_, publisher_segment) = consent.split_once('.').unwrap();
    let publisher_tc = PublisherTc::decode(publisher_segment).unwrap();
    check_publisher_tc("d", &publisher_tc, &vector["publisherTC"]);
    println!("gguridi v2 d: leading fields and publisher TC match; whole string truncated");
}

#[test]
fn v1_vectors_are_refused_as_unsupported_version() {
    for name in ["a", "b", "c"] {
        let vector = load(&format!("v1/consent_{name}.json"));
        assert_eq!(vector["version"], 1);
        let error = TcString::decode(vector["consent"].as_str().unwrap()).unwrap_err();
        assert_eq!(error.code(), "unsupported_version", "v1 {name}: {error}");
        assert_eq!(error.value(), Some(1));
    }
}

fn check_iabconsent_vendor_set(name: &str, set: VendorSet<'_>, expected: &Value) {
    assert_eq!(
        expected["maxVendorId"].as_u64(),
        Some(set.max_vendor_id().into()),
        "{name}"
    );
    assert_eq!(
        expected["encoding"].as_str(),
        Some(set.encoding().as_str()),
        "{name}"
    );
    assert_eq!(id_list(&expected["vendors"]), vendors(set), "{name}");
}

#[test]
fn iabconsent_vectors_decode_or_are_refused_for_legitimate_interest() {
    let suite = load("v2.2/iabconsent.json");
    let mut valid = 0;
    for (i, vector) in suite["valid"].as_array().unwrap().iter().enumerate() {
        let name = format!("iabconsent valid {i}");
        let tc = TcString::decode(vector["consent"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let core = tc.core();
        let e = &vector["core"];
        let numbers: [(&str, u64); 10] = [
            ("version", core.version().into()),
            ("createdDeciseconds", core.created()),
            ("lastUpdatedDeciseconds", core.last_updated()),
            ("cmpId", core.cmp_id().into()),
            ("cmpVersion", core.cmp_version().into()),
            ("consentScreen", core.consent_screen().into()),
            ("vendorListVersion", core.vendor_list_version().into()),
            ("policyVersion", core.policy_version().into()),
            ("maxVendorId", core.vendor_consents().max_vendor_id().into()),
            (
                "maxVendorLegitimateInterestsId",
                core.vendor_legitimate_interests().max_vendor_id().into(),
            ),
        ];
        for (key, actual) in numbers {
            assert_eq!(e[key].as_u64(), Some(actual), "{name}: {key}");
        }
        let flags = [
            ("isServiceSpecific", core.is_service_specific()),
            ("useNonStandardTexts", core.use_non_standard_texts()),
            ("purposeOneTreatment", core.purpose_one_treatment()),
        ];
        for (key, actual) in flags {
            assert_eq!(e[key].as_bool(), Some(actual), "{name}: {key}");
        }
        let texts = [
            ("consentLanguage", core.consent_language()),
            ("publisherCountryCode", core.publisher_country_code()),
            (
                "vendorConsentsEncoding",
                core.vendor_consents().encoding().as_str(),
            ),
            (
                "vendorLegitimateInterestsEncoding",
                core.vendor_legitimate_interests().encoding().as_str(),
            ),
        ];
        for (key, actual) in texts {
            assert_eq!(e[key].as_str(), Some(actual), "{name}: {key}");
        }
        assert_eq!(
            id_list(&e["specialFeatureOptins"]),
            set(core.special_feature_opt_ins())
        );
        assert_eq!(
            id_list(&e["purposeConsents"]),
            set(core.purpose_consents()),
            "{name}"
        );
        assert_eq!(
            id_list(&e["purposeLegitimateInterests"]),
            set(core.purpose_legitimate_interests()),
            "{name}"
        );
        assert_eq!(
            id_list(&e["vendorConsents"]),
            vendors(core.vendor_consents()),
            "{name}"
        );
        assert_eq!(
            id_list(&e["vendorLegitimateInterests"]),
            vendors(core.vendor_legitimate_interests()),
            "{name}"
        );
        let restrictions: Vec<(u64, u8, BTreeSet<u64>)> = e["publisherRestrictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let code = u8::try_from(r["restrictionType"].as_u64().unwrap()).unwrap();
                (r["purpose"].as_u64().unwrap(), code, id_list(&r["vendors"]))
            })
            .collect();
        let decoded: Vec<(u64, u8, BTreeSet<u64>)> = core
            .publisher_restrictions()
            .map(|r| {
                (
                    r.purpose().into(),
                    r.restriction_type().code(),
                    vendors(r.vendors()),
                )
            })
            .collect();
        assert_eq!(restrictions, decoded, "{name}: publisher restrictions");
        for (key, segment) in [
            ("disclosedVendors", tc.disclosed_vendors()),
            ("allowedVendors", tc.allowed_vendors()),
        ] {
            match (vector.get(key), segment) {
                (Some(expected), Some(set)) => check_iabconsent_vendor_set(&name, set, expected),
                (None, None) => {}
                (expected, decoded) => panic!("{name}: {key}: {expected:?} vs {decoded:?}"),
            }
        }
        assert!(tc.publisher_tc().is_none(), "{name}");
        valid += 1;
    }

    let mut refused = 0;
    for (i, vector) in suite["invalid"].as_array().unwrap().iter().enumerate() {
        let name = format!("iabconsent invalid {i}");
        let error = TcString::decode(vector["consent"].as_str().unwrap()).unwrap_err();
        assert_eq!(
            error.kind(),
            TcErrorKind::LegitimateInterestNotAllowed,
            "{name}: {error}"
        );
        let first_forbidden = id_list(&vector["purposeLegitimateInterests"])
            .into_iter()
            .find(|id| (3..=6).contains(id));
        assert_eq!(error.value(), first_forbidden, "{name}");
        assert_eq!(error.field(), "purpose_legitimate_interests");
        let partial = error.partial().unwrap();
        assert_eq!(
            vector["policyVersion"].as_u64(),
            Some(partial.policy_version().into())
        );
        refused += 1;
    }
    println!("iabconsent: {valid}/5 valid field for field, {refused}/6 invalid refused");
    assert_eq!((valid, refused), (5, 6));
    assert_eq!(valid + refused, 11);
}

#[test]
fn the_specification_example_decodes_cleanly() {
    let tc = TcString::decode(SPEC_EXAMPLE).unwrap();
    let core = tc.core();
    assert_eq!((core.version(), core.consent_language()), (2, "EN"));
    assert_eq!(core.publisher_country_code(), "DE");
    assert!(tc.disclosed_vendors().is_some());
    assert!(tc.allowed_vendors().is_none());
    let publisher_tc = tc.publisher_tc().unwrap();
    assert_eq!(publisher_tc.num_custom_purposes(), 0);
    println!("{}", tc.to_json());
}
