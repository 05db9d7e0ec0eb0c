//! The canonical JSON of a decoded TC string, written by hand (every string is ASCII letters).
//!
//! Canonical: keys in a fixed order, no spaces, id sets as ascending arrays, and publisher
//! restrictions sorted by purpose then restriction type (string order among equals), so that two
//! encodings of the same choices give the same text except for the vendor encodings.

use std::fmt::Write as _;

use super::core::PublisherRestriction;
use super::{CoreSegment, PublisherTc, TcString, VendorSet};

/// The canonical JSON of `tc`.
pub(crate) fn tc_string(tc: &TcString<'_>) -> String {
    let mut out = String::with_capacity(1024);
    core(&mut out, tc.core());
    out.push_str(",\"disclosed_vendors\":");
    optional(&mut out, tc.disclosed_vendors().as_ref(), vendor_set);
    out.push_str(",\"allowed_vendors\":");
    optional(&mut out, tc.allowed_vendors().as_ref(), vendor_set);
    out.push_str(",\"publisher_tc\":");
    optional(&mut out, tc.publisher_tc(), publisher_tc);
    out.push('}');
    out
}

/// The core fields, leaving the object open.
fn core(out: &mut String, c: &CoreSegment<'_>) {
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{{\"version\":{},\"created\":{},\"last_updated\":{},\"cmp_id\":{},\"cmp_version\":{},\
         \"consent_screen\":{},\"consent_language\":\"{}\",\"vendor_list_version\":{},\
         \"policy_version\":{},\"is_service_specific\":{},\"use_non_standard_texts\":{}",
        c.version(),
        c.created(),
        c.last_updated(),
        c.cmp_id(),
        c.cmp_version(),
        c.consent_screen(),
        c.consent_language(),
        c.vendor_list_version(),
        c.policy_version(),
        c.is_service_specific(),
        c.use_non_standard_texts(),
    );
    out.push_str(",\"special_feature_opt_ins\":");
    ids(out, c.special_feature_opt_ins());
    out.push_str(",\"purpose_consents\":");
    ids(out, c.purpose_consents());
    out.push_str(",\"purpose_legitimate_interests\":");
    ids(out, c.purpose_legitimate_interests());
    let _ = write!(
        out,
        ",\"purpose_one_treatment\":{},\"publisher_country_code\":\"{}\"",
        c.purpose_one_treatment(),
        c.publisher_country_code()
    );
    out.push_str(",\"vendor_consents\":");
    vendor_set(out, &c.vendor_consents());
    out.push_str(",\"vendor_legitimate_interests\":");
    vendor_set(out, &c.vendor_legitimate_interests());
    out.push_str(",\"publisher_restrictions\":[");
    let mut restrictions: Vec<PublisherRestriction<'_>> = c.publisher_restrictions().collect();
    restrictions.sort_by_key(|r| (r.purpose(), r.restriction_type().code()));
    for (i, restriction) in restrictions.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        publisher_restriction(out, &restriction);
    }
    out.push(']');
}

/// `{"purpose":..,"restriction_type":"..","vendors":[..]}`.
fn publisher_restriction(out: &mut String, r: &PublisherRestriction<'_>) {
    let _ = write!(
        out,
        "{{\"purpose\":{},\"restriction_type\":\"{}\",\"vendors\":",
        r.purpose(),
        r.restriction_type().as_str()
    );
    ids(out, r.vendors().iter());
    out.push('}');
}

/// `{"max_vendor_id":..,"encoding":"..","vendors":[..]}`.
fn vendor_set(out: &mut String, set: &VendorSet<'_>) {
    let _ = write!(
        out,
        "{{\"max_vendor_id\":{},\"encoding\":\"{}\",\"vendors\":",
        set.max_vendor_id(),
        set.encoding().as_str()
    );
    ids(out, set.iter());
    out.push('}');
}

/// The publisher TC object.
fn publisher_tc(out: &mut String, p: &PublisherTc) {
    out.push_str("{\"purpose_consents\":");
    ids(out, p.purpose_consents());
    out.push_str(",\"purpose_legitimate_interests\":");
    ids(out, p.purpose_legitimate_interests());
    let _ = write!(out, ",\"num_custom_purposes\":{}", p.num_custom_purposes());
    out.push_str(",\"custom_purpose_consents\":");
    ids(out, p.custom_purpose_consents());
    out.push_str(",\"custom_purpose_legitimate_interests\":");
    ids(out, p.custom_purpose_legitimate_interests());
    out.push('}');
}

/// `value` written by `write`, or `null`.
fn optional<T>(out: &mut String, value: Option<&T>, write: fn(&mut String, &T)) {
    match value {
        Some(value) => write(out, value),
        None => out.push_str("null"),
    }
}

/// An array of ids.
fn ids<T: std::fmt::Display>(out: &mut String, ids: impl Iterator<Item = T>) {
    out.push('[');
    for (i, id) in ids.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
    out.push(']');
}
