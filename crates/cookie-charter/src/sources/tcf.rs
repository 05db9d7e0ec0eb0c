//! `tcf`: an IAB TCF v2 TC string, the cookie CMPs that implement the TCF write.
//!
//! Cookie: `euconsent-v2` (the TCF's customary name; Quantcast Choice and Didomi write it), or
//! `eupubconsent-v2`, the name OneTrust uses (`research/cmp-cookie-formats.md` §2.5, §2.16).
//! Value: the TC string itself (base64url segments joined by `.`), decoded strictly by
//! [`TcString::decode`]; a string that does not decode gives no consent (`malformed`).
//!
//! Keys: TCF purpose ids (1–24); by default each purpose maps its `tcf_purposes`. A key is
//! granted when the purpose has consent in the core segment and, when the string carries a
//! publisher-TC segment, there too (the site is the publisher); otherwise it is refused: a TC
//! string answers every purpose. Legitimate interest never counts as consent. The consent is
//! dated by the string's `LastUpdated`.

use super::{Answer, Cx, Meta};
use crate::consent::{Consent, Problem};
use crate::tcf::TcString;

/// The consent a TC string cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let tc =
        TcString::decode(value).map_err(|_| Problem::Malformed("the tc string does not decode"))?;
    let core = tc.core();
    let publisher = tc.publisher_tc();
    let meta = Meta {
        at: Some(core.last_updated_unix()),
        ..Meta::decided()
    };
    Ok(cx.consent(&meta, |key| {
        let Ok(id) = key.parse::<u8>() else {
            return Answer::Unknown;
        };
        Answer::of_bool(core.purpose_consent(id) && publisher.is_none_or(|p| p.purpose_consent(id)))
    }))
}
