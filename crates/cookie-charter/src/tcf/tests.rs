//! Unit tests of TC-string decoding: a small test-only encoder builds strings field by field,
//! every error kind is produced on purpose, and a property checks that decoding gives back what
//! was encoded, and that no input makes decoding panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::{Error, ErrorKind};

// -- the test-only encoder -------------------------------------------------------------------------

/// Bits written most significant first, then packed into base64url without padding.
#[derive(Default)]
struct Writer {
    bits: Vec<bool>,
}

impl Writer {
    fn push(&mut self, value: u64, width: u32) -> &mut Self {
        for i in (0..width).rev() {
            self.bits.push((value >> i) & 1 == 1);
        }
        self
    }

    fn flag(&mut self, value: bool) -> &mut Self {
        self.push(u64::from(value), 1)
    }

    fn finish(&self) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        self.bits
            .chunks(6)
            .map(|chunk| {
                let value = (0..6).fold(0usize, |acc, i| {
                    (acc << 1) | usize::from(chunk.get(i).copied().unwrap_or(false))
                });
                char::from(ALPHABET[value])
            })
            .collect()
    }
}

/// A vendor section as written: a bitfield of ids, or raw range entries (start, end).
#[derive(Debug, Clone)]
enum Vendors {
    Bitfield(BTreeSet<u16>),
    Ranges(Vec<(u16, u16)>),
}

impl Vendors {
    /// The ids the section holds.
    fn ids(&self) -> BTreeSet<u16> {
        match self {
            Self::Bitfield(ids) => ids.clone(),
            Self::Ranges(ranges) => ranges.iter().flat_map(|&(s, e)| s..=e).collect(),
        }
    }

    /// Consecutive runs of `ids` as range entries.
    fn runs(ids: &BTreeSet<u16>) -> Vec<(u16, u16)> {
        let mut runs: Vec<(u16, u16)> = Vec::new();
        for &id in ids {
            match runs.last_mut() {
                Some((_, end)) if end.checked_add(1) == Some(id) => *end = id,
                _ => runs.push((id, id)),
            }
        }
        runs
    }

    fn write_entries(w: &mut Writer, ranges: &[(u16, u16)]) {
        w.push(ranges.len() as u64, 12);
        for &(start, end) in ranges {
            w.flag(start != end).push(start.into(), 16);
            if start != end {
                w.push(end.into(), 16);
            }
        }
    }

    /// Writes MaxVendorId, IsRangeEncoding and the body.
    fn write(&self, w: &mut Writer, max: u16) {
        w.push(max.into(), 16);
        match self {
            Self::Bitfield(ids) => {
                w.flag(false);
                for id in 1..=max {
                    w.flag(ids.contains(&id));
                }
            }
            Self::Ranges(ranges) => {
                w.flag(true);
                Self::write_entries(w, ranges);
            }
        }
    }
}

/// A vendor set with its declared maximum id.
#[derive(Debug, Clone)]
struct VendorModel {
    max: u16,
    vendors: Vendors,
}

impl VendorModel {
    fn check(&self, set: VendorSet<'_>) {
        assert_eq!(set.max_vendor_id(), self.max);
        let encoding = match self.vendors {
            Vendors::Bitfield(_) => VendorEncoding::Bitfield,
            Vendors::Ranges(_) => VendorEncoding::Range,
        };
        assert_eq!(set.encoding(), encoding);
        let ids = self.vendors.ids();
        assert_eq!(set.iter().collect::<BTreeSet<_>>(), ids);
        assert_eq!(set.len(), ids.len());
        assert_eq!(set.is_empty(), ids.is_empty());
        for id in [0, 1, self.max, self.max.saturating_add(1), u16::MAX] {
            assert_eq!(set.contains(id), ids.contains(&id), "vendor {id}");
        }
    }
}

/// Vendor range entries: (start, end).
type Ranges = Vec<(u16, u16)>;

/// A publisher restriction: (purpose, restriction type code, vendor ranges).
type RestrictionModel = (u8, u8, Ranges);

/// Everything a TC string holds, written by [`Model::encode`] with raw values.
#[derive(Debug, Clone)]
struct Model {
    version: u8,
    created: u64,
    last_updated: u64,
    cmp_id: u16,
    cmp_version: u16,
    consent_screen: u8,
    language: [u8; 2],
    vendor_list_version: u16,
    policy_version: u8,
    service_specific: bool,
    non_standard_texts: bool,
    special_features: u16,
    purpose_consents: u32,
    purpose_li: u32,
    purpose_one_treatment: bool,
    country: [u8; 2],
    vendor_consents: VendorModel,
    vendor_li: VendorModel,
    restrictions: Vec<RestrictionModel>,
    disclosed: Option<VendorModel>,
    allowed: Option<VendorModel>,
    /// (consents, legitimate interests, number of custom purposes, custom consents, custom LI).
    publisher_tc: Option<(u32, u32, u8, u64, u64)>,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            version: 2,
            created: 15_834_362_809,
            last_updated: 15_834_362_810,
            cmp_id: 123,
            cmp_version: 1,
            consent_screen: 2,
            language: [4, 13],
            vendor_list_version: 15,
            policy_version: 4,
            service_specific: false,
            non_standard_texts: true,
            special_features: 0b1000_0000_0001,
            purpose_consents: 0b1010_0000_0000_0000_0000_0001,
            purpose_li: 0b0100_0001_0000_0000_0000_0000,
            purpose_one_treatment: true,
            country: [5, 17],
            vendor_consents: VendorModel {
                max: 10,
                vendors: Vendors::Bitfield([1, 3, 10].into()),
            },
            vendor_li: VendorModel {
                max: 300,
                vendors: Vendors::Ranges(vec![(2, 2), (100, 300)]),
            },
            restrictions: vec![(7, 1, vec![(5, 9)]), (2, 0, vec![])],
            disclosed: None,
            allowed: None,
            publisher_tc: None,
        }
    }
}

impl Model {
    fn core(&self) -> Writer {
        let mut w = Writer::default();
        w.push(self.version.into(), 6)
            .push(self.created, 36)
            .push(self.last_updated, 36)
            .push(self.cmp_id.into(), 12)
            .push(self.cmp_version.into(), 12)
            .push(self.consent_screen.into(), 6)
            .push(self.language[0].into(), 6)
            .push(self.language[1].into(), 6)
            .push(self.vendor_list_version.into(), 12)
            .push(self.policy_version.into(), 6)
            .flag(self.service_specific)
            .flag(self.non_standard_texts)
            .push(self.special_features.into(), 12)
            .push(self.purpose_consents.into(), 24)
            .push(self.purpose_li.into(), 24)
            .flag(self.purpose_one_treatment)
            .push(self.country[0].into(), 6)
            .push(self.country[1].into(), 6);
        let v = &self.vendor_consents;
        v.vendors.write(&mut w, v.max);
        let v = &self.vendor_li;
        v.vendors.write(&mut w, v.max);
        w.push(self.restrictions.len() as u64, 12);
        for (purpose, code, ranges) in &self.restrictions {
            w.push((*purpose).into(), 6).push((*code).into(), 2);
            Vendors::write_entries(&mut w, ranges);
        }
        w
    }

    fn encode(&self) -> String {
        let mut text = self.core().finish();
        for (segment_type, set) in [(1, &self.disclosed), (2, &self.allowed)] {
            if let Some(set) = set {
                let mut w = Writer::default();
                w.push(segment_type, 3);
                set.vendors.write(&mut w, set.max);
                text = format!("{text}.{}", w.finish());
            }
        }
        if let Some((consents, li, custom, custom_consents, custom_li)) = self.publisher_tc {
            let mut w = Writer::default();
            w.push(3, 3)
                .push(consents.into(), 24)
                .push(li.into(), 24)
                .push(custom.into(), 6)
                .push(custom_consents, custom.into())
                .push(custom_li, custom.into());
            text = format!("{text}.{}", w.finish());
        }
        text
    }

    /// Asserts that `tc` holds exactly this model.
    fn check(&self, tc: &TcString<'_>) {
        let c = tc.core();
        assert_eq!(c.version(), self.version);
        assert_eq!(
            (c.created(), c.last_updated()),
            (self.created, self.last_updated)
        );
        assert_eq!(c.created_unix(), self.created / 10);
        assert_eq!(c.last_updated_unix(), self.last_updated / 10);
        assert_eq!(
            (c.cmp_id(), c.cmp_version()),
            (self.cmp_id, self.cmp_version)
        );
        assert_eq!(c.consent_screen(), self.consent_screen);
        assert_eq!(c.consent_language(), letters(self.language));
        assert_eq!(c.vendor_list_version(), self.vendor_list_version);
        assert_eq!(c.policy_version(), self.policy_version);
        assert_eq!(c.is_service_specific(), self.service_specific);
        assert_eq!(c.use_non_standard_texts(), self.non_standard_texts);
        assert_eq!(c.purpose_one_treatment(), self.purpose_one_treatment);
        assert_eq!(c.publisher_country_code(), letters(self.country));
        let special = u64::from(self.special_features);
        assert_flags(
            12,
            special,
            |id| c.special_feature_opt_in(id),
            c.special_feature_opt_ins(),
        );
        let consents = u64::from(self.purpose_consents);
        assert_flags(
            24,
            consents,
            |id| c.purpose_consent(id),
            c.purpose_consents(),
        );
        let li = u64::from(self.purpose_li);
        let iter = c.purpose_legitimate_interests();
        assert_flags(24, li, |id| c.purpose_legitimate_interest(id), iter);
        self.vendor_consents.check(c.vendor_consents());
        self.vendor_li.check(c.vendor_legitimate_interests());
        assert_eq!(c.publisher_restrictions().len(), self.restrictions.len());
        for (r, (purpose, code, ranges)) in c.publisher_restrictions().zip(&self.restrictions) {
            assert_eq!(
                (r.purpose(), r.restriction_type().code()),
                (*purpose, *code)
            );
            let ids = Vendors::Ranges(ranges.clone()).ids();
            assert_eq!(r.vendors().iter().collect::<BTreeSet<_>>(), ids);
            assert_eq!(
                r.vendors().max_vendor_id(),
                ids.last().copied().unwrap_or(0)
            );
        }
        for (model, set) in [
            (&self.disclosed, tc.disclosed_vendors()),
            (&self.allowed, tc.allowed_vendors()),
        ] {
            match (model, set) {
                (Some(model), Some(set)) => model.check(set),
                (None, None) => {}
                other => panic!("segment presence differs: {other:?}"),
            }
        }
        match (self.publisher_tc, tc.publisher_tc()) {
            (Some((consents, li, custom, custom_consents, custom_li)), Some(p)) => {
                let iter = p.purpose_consents();
                assert_flags(24, consents.into(), |id| p.purpose_consent(id), iter);
                let iter = p.purpose_legitimate_interests();
                assert_flags(24, li.into(), |id| p.purpose_legitimate_interest(id), iter);
                assert_eq!(p.num_custom_purposes(), custom);
                let iter = p.custom_purpose_consents();
                assert_flags(
                    custom,
                    custom_consents,
                    |id| p.custom_purpose_consent(id),
                    iter,
                );
                let iter = p.custom_purpose_legitimate_interests();
                let get = |id| p.custom_purpose_legitimate_interest(id);
                assert_flags(custom, custom_li, get, iter);
            }
            (None, None) => {}
            other => panic!("publisher TC presence differs: {other:?}"),
        }
    }
}

fn letters(codes: [u8; 2]) -> String {
    codes.iter().map(|&c| char::from(b'A' + c)).collect()
}

/// Flag `i` of a `width`-bit field is its `i`-th bit from the most significant one.
fn assert_flags(width: u8, raw: u64, get: impl Fn(u8) -> bool, iter: impl Iterator<Item = u8>) {
    let expected: Vec<u8> = (1..=width)
        .filter(|&id| (raw >> (width - id)) & 1 == 1)
        .collect();
    assert_eq!(iter.collect::<Vec<_>>(), expected);
    for id in 0..=width.saturating_add(1) {
        assert_eq!(get(id), expected.contains(&id), "flag {id}");
    }
}

fn error_of(text: &str) -> TcError {
    match TcString::decode(text) {
        Ok(tc) => panic!("{text:?} decoded: {tc:?}"),
        Err(e) => e,
    }
}

// -- decoding what was encoded ------------------------------------------------------------------

#[test]
fn the_default_model_round_trips_with_every_segment() {
    let model = Model {
        disclosed: Some(VendorModel {
            max: 70,
            vendors: Vendors::Bitfield([1, 64, 65, 70].into()),
        }),
        allowed: Some(VendorModel {
            max: 626,
            vendors: Vendors::Ranges(vec![(351, 351), (498, 626)]),
        }),
        publisher_tc: Some((0b11, 0b101, 5, 0b10001, 0b01110)),
        ..Model::default()
    };
    let text = model.encode();
    let tc = TcString::decode(&text).unwrap();
    model.check(&tc);
    // The segments may come in any order.
    let parts: Vec<&str> = text.split('.').collect();
    let reordered = format!("{}.{}.{}.{}", parts[0], parts[3], parts[2], parts[1]);
    assert_eq!(TcString::decode(&reordered).unwrap(), tc);
}

#[test]
fn a_range_of_every_vendor_id_is_fine() {
    let model = Model {
        vendor_consents: VendorModel {
            max: u16::MAX,
            vendors: Vendors::Ranges(vec![(1, u16::MAX)]),
        },
        ..Model::default()
    };
    let text = model.encode();
    let tc = TcString::decode(&text).unwrap();
    let set = tc.core().vendor_consents();
    assert_eq!(set.len(), 65_535);
    assert!(set.contains(1) && set.contains(u16::MAX) && !set.contains(0));
    assert_eq!(set.iter().last(), Some(u16::MAX));
}

#[test]
fn padding_bits_at_the_end_are_ignored() {
    let text = Model::default().encode();
    let mut w = Model::default().core();
    w.push(0, 5);
    let padded = w.finish();
    assert_ne!(padded, text);
    assert_eq!(TcString::decode(&padded), TcString::decode(&text));
}

#[test]
fn json_is_canonical() {
    let model = Model {
        restrictions: vec![(7, 2, vec![(5, 6)]), (7, 1, vec![]), (2, 0, vec![(1, 1)])],
        ..Model::default()
    };
    let json = TcString::decode(&model.encode()).unwrap().to_json();
    assert!(
        json.starts_with("{\"version\":2,\"created\":15834362809,\"last_updated\":15834362810,")
    );
    assert!(json.contains("\"purpose_consents\":[1,3,24],\"purpose_legitimate_interests\":[2,8],"));
    assert!(json.contains("\"consent_language\":\"EN\""));
    assert!(json.contains(
        "\"vendor_consents\":{\"max_vendor_id\":10,\"encoding\":\"bitfield\",\"vendors\":[1,3,10]}"
    ));
    assert!(json.contains(
        "\"publisher_restrictions\":[{\"purpose\":2,\"restriction_type\":\"not_allowed\",\"vendors\":[1]},\
         {\"purpose\":7,\"restriction_type\":\"require_consent\",\"vendors\":[]},\
         {\"purpose\":7,\"restriction_type\":\"require_legitimate_interest\",\"vendors\":[5,6]}]"
    ));
    assert!(
        json.ends_with(
            ",\"disclosed_vendors\":null,\"allowed_vendors\":null,\"publisher_tc\":null}"
        )
    );
}

// -- every error kind -----------------------------------------------------------------------------

#[test]
fn empty() {
    let e = error_of("");
    assert_eq!((e.kind(), e.code()), (TcErrorKind::Empty, "empty"));
    assert_eq!(e.to_string(), "empty: the TC string is empty");
}

#[test]
fn too_large() {
    let text = "A".repeat(crate::limits::MAX_TC_STRING_BYTES + 1);
    let e = error_of(&text);
    assert_eq!((e.kind(), e.value()), (TcErrorKind::TooLarge, Some(65_537)));
    assert!(e.to_string().starts_with("too_large: "));
    // At the limit the string is decoded (and refused for its version 0).
    let text = "A".repeat(crate::limits::MAX_TC_STRING_BYTES);
    assert_eq!(error_of(&text).kind(), TcErrorKind::UnsupportedVersion);
}

#[test]
fn invalid_base64_gives_the_byte_position() {
    let core = Model::default().encode();
    for bad in ["=", "+", "/", " ", "é", "\0"] {
        let e = error_of(&format!("{core}{bad}"));
        assert_eq!(e.kind(), TcErrorKind::InvalidBase64, "{bad:?}");
        assert_eq!((e.position(), e.segment()), (Some(core.len()), 0));
        let e = error_of(&format!("{core}.IA{bad}A"));
        assert_eq!((e.position(), e.segment()), (Some(core.len() + 3), 1));
        assert!(e.to_string().starts_with("invalid_base64: byte "), "{e}");
    }
}

#[test]
fn truncated_names_the_segment_field_and_bit() {
    let e = error_of("CA");
    assert_eq!(
        (e.kind(), e.segment(), e.field(), e.bit()),
        (TcErrorKind::Truncated, 0, "created", 6)
    );
    assert_eq!(
        e.to_string(),
        "truncated: segment 0 ends at bit 12 while reading `created` at bit 6"
    );
    assert_eq!(e.partial().map(CoreSegment::version), Some(2));
    // Every cut of a valid string is truncated somewhere, never a panic.
    let text = Model::default().encode();
    for end in 1..text.len() - 1 {
        let e = error_of(&text[..end]);
        assert_eq!(e.kind(), TcErrorKind::Truncated, "{}", &text[..end]);
    }
}

/// Every cut (at a character) of a string with many publisher restrictions and range entries,
/// long enough for the bulk reader to refill many times, fails as truncated at the bit of the
/// first field or count check it cuts, as a field-by-field reading would.
#[test]
fn every_cut_in_the_publisher_restrictions_names_the_field_it_cuts() {
    let model = Model {
        restrictions: vec![],
        ..Model::default()
    };
    let mut w = model.core();
    // The core without its NumPubRestrictions (0), then 40 restrictions written here.
    w.bits.truncate(w.bits.len() - 12);
    // The checks in the order of a field-by-field reading: (bit, bits needed).
    let mut checks: Vec<(usize, usize)> = Vec::new();
    let count = 40usize;
    checks.push((w.bits.len(), 12));
    w.push(count as u64, 12);
    checks.push((w.bits.len(), count * (6 + 2 + 12)));
    for i in 0..count {
        let entries: Vec<(u16, u16)> = (0..i % 7)
            .map(|k| {
                let id = 1 + (i * 13 + k * 5) as u16;
                if k % 2 == 0 { (id, id) } else { (id, id + 3) }
            })
            .collect();
        for (value, width) in [(i % 24 + 1, 6), (i % 3, 2), (entries.len(), 12)] {
            checks.push((w.bits.len(), width));
            w.push(value as u64, width as u32);
        }
        checks.push((w.bits.len(), entries.len() * 17));
        for (start, end) in entries {
            checks.push((w.bits.len(), 1));
            w.flag(start != end);
            checks.push((w.bits.len(), 16));
            w.push(start.into(), 16);
            if start != end {
                checks.push((w.bits.len(), 16));
                w.push(end.into(), 16);
            }
        }
    }
    let full = w.bits.clone();
    let whole = w.finish();
    let tc = TcString::decode(&whole).unwrap();
    assert_eq!(tc.core().publisher_restrictions().len(), count);
    let first = checks.first().map_or(0, |c| c.0);
    for chars in first / 6 + 1..full.len() / 6 {
        let len = chars * 6;
        w.bits = full.get(..len).unwrap().to_vec();
        let expected = checks
            .iter()
            .find(|&&(at, needed)| at + needed > len)
            .map(|c| c.0);
        let e = error_of(&w.finish());
        assert_eq!(
            (e.kind(), e.field(), Some(e.bit())),
            (TcErrorKind::Truncated, "publisher_restrictions", expected),
            "cut at bit {len}"
        );
    }
}

/// A wrong restriction type or range entry deep in a long list of restrictions is reported at
/// its own bit.
#[test]
fn a_wrong_restriction_deep_in_the_list_is_reported_at_its_bit() {
    let restrictions: Vec<RestrictionModel> = (0..40u16)
        .map(|i| {
            (
                1 + (i % 20) as u8,
                (i % 3) as u8,
                vec![(i + 1, i + 1), (50, 60 + i)],
            )
        })
        .collect();
    let start_of = |index: usize| {
        let before = Model {
            restrictions: restrictions.get(..index).unwrap().to_vec(),
            ..Model::default()
        };
        before.core().bits.len()
    };
    let mut bad_type = restrictions.clone();
    bad_type[30].1 = 3;
    let e = error_of(
        &Model {
            restrictions: bad_type,
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!(
        (e.kind(), e.field(), e.bit(), e.value()),
        (
            TcErrorKind::InvalidField,
            "publisher_restrictions",
            start_of(30) + 6,
            Some(3)
        )
    );
    let mut bad_range = restrictions.clone();
    bad_range[33].2 = vec![(5, 5), (9, 3)];
    let e = error_of(
        &Model {
            restrictions: bad_range,
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!(
        (e.kind(), e.field(), e.bit(), e.value()),
        (
            TcErrorKind::InvalidVendorRange,
            "publisher_restrictions",
            start_of(33) + 20 + 17,
            Some(9)
        )
    );
}

#[test]
fn a_large_entry_count_with_few_bits_is_truncated_before_reading_the_entries() {
    let mut model = Model::default();
    model.vendor_consents.vendors = Vendors::Ranges(vec![(1, 2)]);
    let mut w = Model {
        restrictions: vec![],
        ..model
    }
    .core();
    // Replace the vendor-LI section: MaxVendorId 300, range encoding, NumEntries 4095, one entry.
    let li_start = w.bits.len() - (16 + 1 + 12 + 17 + 17 + 16) - 12;
    w.bits.truncate(li_start);
    w.push(300, 16)
        .flag(true)
        .push(4095, 12)
        .flag(false)
        .push(7, 16);
    let e = error_of(&w.finish());
    assert_eq!(
        (e.kind(), e.field()),
        (TcErrorKind::Truncated, "vendor_legitimate_interests")
    );
    assert_eq!(e.bit(), li_start + 16 + 1 + 12);
    let partial = e.partial().unwrap();
    assert_eq!(partial.vendor_consents().len(), 2);
    assert!(partial.vendor_legitimate_interests().is_empty());
    // The same for 4095 publisher restrictions.
    let mut w = Model::default().core();
    let restrictions_start = w.bits.len() - (12 + 6 + 2 + 12 + 33 + 6 + 2 + 12);
    w.bits.truncate(restrictions_start);
    w.push(4095, 12).push(1, 6).push(0, 2).push(0, 12);
    let e = error_of(&w.finish());
    assert_eq!(
        (e.field(), e.bit()),
        ("publisher_restrictions", restrictions_start + 12)
    );
}

#[test]
fn unsupported_version() {
    for version in [0, 1, 3, 63] {
        let text = Model {
            version,
            ..Model::default()
        }
        .encode();
        let e = error_of(&text);
        assert_eq!(
            (e.kind(), e.field(), e.value()),
            (
                TcErrorKind::UnsupportedVersion,
                "version",
                Some(version.into())
            )
        );
        assert!(e.partial().is_none());
    }
}

#[test]
fn invalid_segment_and_duplicate_segment() {
    let core = Model::default().encode();
    for segment_type in [0u64, 4, 5, 6, 7] {
        let mut w = Writer::default();
        w.push(segment_type, 3).push(0, 21);
        let e = error_of(&format!("{core}.{}", w.finish()));
        assert_eq!(
            (e.kind(), e.segment(), e.field()),
            (TcErrorKind::InvalidSegment, 1, "segment_type")
        );
        assert_eq!(e.value(), Some(segment_type));
        assert_eq!(e.partial().map(|c| c.cmp_id()), Some(123));
    }
    let mut w = Writer::default();
    w.push(3, 3).push(0, 54);
    let publisher = w.finish();
    let e = error_of(&format!("{core}.{publisher}.{publisher}"));
    assert_eq!(
        (e.kind(), e.segment(), e.field()),
        (TcErrorKind::DuplicateSegment, 2, "publisher_tc")
    );
    // A segment decoded alone must be a publisher TC segment.
    assert!(PublisherTc::decode(&publisher).is_ok());
    let e = PublisherTc::decode("QAAA").unwrap_err();
    assert_eq!(
        (e.kind(), e.value()),
        (TcErrorKind::InvalidSegment, Some(2))
    );
}

#[test]
fn invalid_field() {
    let e = error_of(
        &Model {
            language: [4, 26],
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!(
        (e.kind(), e.field(), e.bit(), e.value()),
        (TcErrorKind::InvalidField, "consent_language", 108, Some(26))
    );
    let e = error_of(
        &Model {
            country: [63, 0],
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!((e.field(), e.value()), ("publisher_country_code", Some(63)));
    let e = error_of(
        &Model {
            restrictions: vec![(1, 3, vec![])],
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!(
        (e.kind(), e.field(), e.value()),
        (TcErrorKind::InvalidField, "publisher_restrictions", Some(3))
    );
    assert!(
        e.to_string()
            .starts_with("invalid_field: segment 0, `publisher_restrictions` at bit "),
        "{e}"
    );
}

#[test]
fn partial_holds_the_fields_read_before_the_failing_one() {
    let model = Model {
        country: [63, 0],
        ..Model::default()
    };
    let e = error_of(&model.encode());
    let partial = e.partial().unwrap();
    assert_eq!(
        (partial.version(), partial.created(), partial.last_updated()),
        (2, model.created, model.last_updated)
    );
    assert_eq!(
        (
            partial.cmp_id(),
            partial.cmp_version(),
            partial.consent_screen()
        ),
        (123, 1, 2)
    );
    assert_eq!(partial.consent_language(), "EN");
    assert_eq!(
        (partial.vendor_list_version(), partial.policy_version()),
        (15, 4)
    );
    assert!(!partial.is_service_specific() && partial.use_non_standard_texts());
    assert_eq!(
        partial.special_feature_opt_ins().collect::<Vec<_>>(),
        [1, 12]
    );
    assert_eq!(partial.purpose_consents().collect::<Vec<_>>(), [1, 3, 24]);
    assert_eq!(
        partial.purpose_legitimate_interests().collect::<Vec<_>>(),
        [2, 8]
    );
    assert!(partial.purpose_one_treatment());
    // The failing field and the later ones are empty.
    assert_eq!(partial.publisher_country_code(), "\0\0");
    assert_eq!(partial.vendor_consents().max_vendor_id(), 0);
    assert!(partial.publisher_restrictions().is_empty());
    // A field that fails earlier leaves every later one at 0.
    let e = error_of(&Model::default().encode()[..20]);
    let partial = e.partial().unwrap();
    assert_eq!(
        (e.field(), partial.cmp_version()),
        ("vendor_list_version", 1)
    );
    assert_eq!(partial.consent_language(), "EN");
    assert_eq!(
        (partial.vendor_list_version(), partial.policy_version()),
        (0, 0)
    );
    assert!(!partial.use_non_standard_texts() && !partial.purpose_one_treatment());
    assert_eq!(partial.purpose_consents().count(), 0);
    assert_eq!(partial.publisher_country_code(), "\0\0");
}

#[test]
fn a_decoded_string_is_small() {
    // Returned and moved by value: the header stays in four words, a publisher TC segment
    // costs no more than its four words.
    assert!(std::mem::size_of::<TcString<'_>>() <= 168);
    assert_eq!(
        std::mem::size_of::<Option<PublisherTc>>(),
        std::mem::size_of::<PublisherTc>()
    );
}

#[test]
fn invalid_vendor_range() {
    let cases: [(u16, Ranges, u16); 4] = [
        (10, vec![(0, 0)], 0),
        (10, vec![(5, 4)], 5),
        (10, vec![(5, 11)], 11),
        (10, vec![(2, 3), (11, 11)], 11),
    ];
    for (max, ranges, bad) in cases {
        let model = Model {
            vendor_consents: VendorModel {
                max,
                vendors: Vendors::Ranges(ranges.clone()),
            },
            ..Model::default()
        };
        let e = error_of(&model.encode());
        assert_eq!(
            (e.kind(), e.field(), e.value()),
            (
                TcErrorKind::InvalidVendorRange,
                "vendor_consents",
                Some(bad.into())
            ),
            "{ranges:?}"
        );
    }
    let e = error_of(
        &Model {
            restrictions: vec![(1, 1, vec![(0, 3)])],
            ..Model::default()
        }
        .encode(),
    );
    assert_eq!(
        (e.kind(), e.field()),
        (TcErrorKind::InvalidVendorRange, "publisher_restrictions")
    );
}

#[test]
fn legitimate_interest_for_purposes_3_to_6_is_refused_since_policy_version_4() {
    for purpose in 3..=6u8 {
        let li = 1u32 << (24 - purpose) | 1 << 22;
        for policy_version in [4, 5, 63] {
            let e = error_of(
                &Model {
                    policy_version,
                    purpose_li: li,
                    ..Model::default()
                }
                .encode(),
            );
            assert_eq!(
                (e.kind(), e.field(), e.value()),
                (
                    TcErrorKind::LegitimateInterestNotAllowed,
                    "purpose_legitimate_interests",
                    Some(purpose.into())
                )
            );
            assert_eq!(
                e.bit(),
                6 + 36 + 36 + 12 + 12 + 6 + 12 + 12 + 6 + 1 + 1 + 12 + 24 + usize::from(purpose)
                    - 1
            );
            assert_eq!(
                e.partial().map(|c| c.policy_version()),
                Some(policy_version)
            );
        }
        for policy_version in [2, 3] {
            let text = Model {
                policy_version,
                purpose_li: li,
                ..Model::default()
            }
            .encode();
            let tc = TcString::decode(&text).unwrap();
            assert!(tc.core().purpose_legitimate_interest(purpose));
        }
    }
}

#[test]
fn errors_convert_into_the_crate_error() {
    let tc_error = error_of("CA");
    let error = Error::from(tc_error.clone());
    assert_eq!(error.kind(), ErrorKind::InvalidTcString);
    assert_eq!(error.code(), "invalid_tc_string");
    assert_eq!(error.message(), tc_error.to_string());
    assert!(error.message().starts_with("truncated"));
    let codes: BTreeSet<&str> = TcErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(codes.len(), TcErrorKind::ALL.len());
}

// -- properties ------------------------------------------------------------------------------------

fn vendor_model() -> impl Strategy<Value = VendorModel> {
    (0u16..700, any::<bool>()).prop_flat_map(|(max, range)| {
        let ids = if max == 0 {
            Just(BTreeSet::new()).boxed()
        } else {
            proptest::collection::btree_set(1..=max, 0..40).boxed()
        };
        ids.prop_map(move |ids| VendorModel {
            max,
            vendors: if range {
                Vendors::Ranges(Vendors::runs(&ids))
            } else {
                Vendors::Bitfield(ids)
            },
        })
    })
}

fn restriction() -> impl Strategy<Value = RestrictionModel> {
    (
        0u8..64,
        0u8..3,
        proptest::collection::btree_set(1u16..=u16::MAX, 0..6),
    )
        .prop_map(|(purpose, code, ids)| (purpose, code, Vendors::runs(&ids)))
}

prop_compose! {
    fn model()(
        numbers in (0u64..1 << 36, 0u64..1 << 36, 0u16..4096, 0u16..4096, 0u8..64, 0u16..4096),
        policy_version in 0u8..64,
        letters in ([0u8..26, 0u8..26], [0u8..26, 0u8..26]),
        flags in (any::<bool>(), any::<bool>(), any::<bool>()),
        purposes in (0u16..4096, 0u32..1 << 24, 0u32..1 << 24),
        vendors in (vendor_model(), vendor_model()),
        restrictions in proptest::collection::vec(restriction(), 0..4),
        segments in (
            proptest::option::of(vendor_model()),
            proptest::option::of(vendor_model()),
            proptest::option::of((0u32..1 << 24, 0u32..1 << 24, 0u8..64, any::<u64>(), any::<u64>())),
        ),
    ) -> Model {
        let (created, last_updated, cmp_id, cmp_version, consent_screen, vendor_list_version) = numbers;
        let mut purpose_li = purposes.2;
        if policy_version >= 4 {
            purpose_li &= !(0b1111 << (24 - 6));
        }
        let publisher_tc = segments.2.map(|(c, l, n, cc, cl)| {
            let mask = if n == 0 { 0 } else { u64::MAX >> (64 - n) };
            (c, l, n, cc & mask, cl & mask)
        });
        Model {
            version: 2,
            created,
            last_updated,
            cmp_id,
            cmp_version,
            consent_screen,
            language: letters.0,
            vendor_list_version,
            policy_version,
            service_specific: flags.0,
            non_standard_texts: flags.1,
            special_features: purposes.0,
            purpose_consents: purposes.1,
            purpose_li,
            purpose_one_treatment: flags.2,
            country: letters.1,
            vendor_consents: vendors.0,
            vendor_li: vendors.1,
            restrictions,
            disclosed: segments.0,
            allowed: segments.1,
            publisher_tc,
        }
    }
}

proptest! {
    #[test]
    fn decoding_gives_back_what_was_encoded(model in model()) {
        let text = model.encode();
        let tc = TcString::decode(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        model.check(&tc);
        let json = tc.to_json();
        let well_formed = json.starts_with('{') && json.ends_with('}');
        prop_assert!(well_formed, "{}", json);
    }

    #[test]
    fn decoding_never_panics(text in "[A-Za-z0-9_.=+/-]{0,200}") {
        match TcString::decode(&text) {
            Ok(tc) => prop_assert!(!tc.to_json().is_empty()),
            Err(e) => {
                prop_assert!(TcErrorKind::ALL.contains(&e.kind()));
                prop_assert!(e.to_string().starts_with(e.code()));
            }
        }
    }

    #[test]
    fn cut_or_altered_encodings_never_panic(model in model(), cut in any::<usize>(), flip in any::<usize>(), byte in any::<u8>()) {
        let text = model.encode();
        let mut bytes = text.into_bytes();
        if !bytes.is_empty() {
            let at = flip % bytes.len();
            bytes[at] = byte;
            bytes.truncate(cut % (bytes.len() + 1));
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = TcString::decode(&text) {
            prop_assert!(e.to_string().starts_with(e.code()));
        }
    }
}
