//! Decisions (spec §3): whether a cookie is allowed, which rule said so, and what to ask (spec §5).

use std::ffi::c_char;

use engine::{ConsentState, Decision, Rule};

use crate::consent::cookie_charter_consent;
use crate::error::cookie_charter_status;
use crate::ffi::{borrow, bytes, guard, out, utf8};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_string_list;

/// The rule of the charter that decided, numbered as in spec §3.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_rule {
    /// `undeclared`: no declaration matches the name; denied (fail closed).
    Undeclared = 1,
    /// `necessary`: the purpose is `necessary`; allowed whatever the consent.
    Necessary = 2,
    /// `third_party`: a third-party cookie; allowed only with consent for its purpose.
    ThirdParty = 3,
    /// `anonymous_statistics`: exempt anonymous first-party statistics; allowed.
    AnonymousStatistics = 4,
    /// `consent`: everything else; allowed only with consent for its purpose.
    Consent = 5,
}

impl cookie_charter_rule {
    const ALL: [Self; 5] = [
        Self::Undeclared,
        Self::Necessary,
        Self::ThirdParty,
        Self::AnonymousStatistics,
        Self::Consent,
    ];

    #[inline]
    fn of(rule: Rule) -> Self {
        match rule {
            Rule::Undeclared => Self::Undeclared,
            Rule::Necessary => Self::Necessary,
            Rule::ThirdParty => Self::ThirdParty,
            Rule::AnonymousStatistics => Self::AnonymousStatistics,
            Rule::Consent => Self::Consent,
        }
    }

    fn core(self) -> Rule {
        match self {
            Self::Undeclared => Rule::Undeclared,
            Self::Necessary => Rule::Necessary,
            Self::ThirdParty => Rule::ThirdParty,
            Self::AnonymousStatistics => Rule::AnonymousStatistics,
            Self::Consent => Rule::Consent,
        }
    }
}

/// The visitor's state for the purpose of a decision.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_consent_state {
    /// No state: the decision is `undeclared`, so there is no purpose (null in other languages).
    Absent = 0,
    /// `granted`: accepted, for the current revision, not expired.
    Granted = 1,
    /// `denied`: refused.
    Denied = 2,
    /// `unset`: never asked, or the consent cookie was unusable.
    Unset = 3,
    /// `expired`: older than the policy's `consent_max_age` (profile `cnil`).
    Expired = 4,
    /// `stale`: given for an older revision of the purpose.
    Stale = 5,
    /// `gpc_denied`: never validly chosen, and refused by the Global Privacy Control signal.
    GpcDenied = 6,
}

impl cookie_charter_consent_state {
    const ALL: [Self; 7] = [
        Self::Absent,
        Self::Granted,
        Self::Denied,
        Self::Unset,
        Self::Expired,
        Self::Stale,
        Self::GpcDenied,
    ];

    #[inline]
    fn of(state: Option<ConsentState>) -> Self {
        match state {
            None => Self::Absent,
            Some(ConsentState::Granted) => Self::Granted,
            Some(ConsentState::Denied) => Self::Denied,
            Some(ConsentState::Unset) => Self::Unset,
            Some(ConsentState::Expired) => Self::Expired,
            Some(ConsentState::Stale) => Self::Stale,
            Some(ConsentState::GpcDenied) => Self::GpcDenied,
        }
    }

    fn core(self) -> Option<ConsentState> {
        match self {
            Self::Absent => None,
            Self::Granted => Some(ConsentState::Granted),
            Self::Denied => Some(ConsentState::Denied),
            Self::Unset => Some(ConsentState::Unset),
            Self::Expired => Some(ConsentState::Expired),
            Self::Stale => Some(ConsentState::Stale),
            Self::GpcDenied => Some(ConsentState::GpcDenied),
        }
    }
}

/// The outcome of `cookie_charter_decide` for one cookie name. Plain data, filled by the library;
/// nothing to free. `purpose` points into the policy: valid while the policy lives.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_decision {
    /// Whether the cookie may be set or read.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: cookie_charter_rule,
    /// The purpose id of the matching declaration, `purpose_len` bytes, NOT NUL-terminated;
    /// NULL (and `purpose_len` 0) only for `COOKIE_CHARTER_RULE_UNDECLARED`. Borrowed from the
    /// policy.
    pub purpose: *const c_char,
    /// The length of `purpose` in bytes.
    pub purpose_len: usize,
    /// The visitor's state for that purpose; `COOKIE_CHARTER_CONSENT_STATE_ABSENT` only for
    /// `COOKIE_CHARTER_RULE_UNDECLARED` (`necessary` is always `GRANTED`).
    pub consent_state: cookie_charter_consent_state,
}

impl cookie_charter_decision {
    #[inline]
    pub(crate) fn of(decision: &Decision<'_>) -> Self {
        let (purpose, purpose_len) = match decision.purpose {
            Some(p) => (p.as_ptr().cast::<c_char>(), p.len()),
            None => (std::ptr::null(), 0),
        };
        Self {
            allowed: decision.allowed,
            rule: cookie_charter_rule::of(decision.rule),
            purpose,
            purpose_len,
            consent_state: cookie_charter_consent_state::of(decision.consent_state),
        }
    }
}

/// Decides whether the cookie whose name is the `len` bytes at `name` is allowed for `consent`
/// at `now` (unix seconds), and writes the decision to `*decision_out`.
///
/// The decision's `purpose` points into `policy` (valid while the policy lives); nothing is
/// allocated and nothing needs freeing. Fails only on bad arguments: `NULL_POINTER`, or
/// `INVALID_UTF8` when the name is not UTF-8 (no declared name is); `*decision_out` is then
/// untouched, and the caller should treat the cookie as denied. Safe to call from many threads
/// on the same policy and consent.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `name` points to `len`
/// readable bytes; `decision_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_decide(
    policy: *const cookie_charter_policy,
    name: *const c_char,
    len: usize,
    consent: *const cookie_charter_consent,
    now: u64,
    decision_out: *mut cookie_charter_decision,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let decision_out = out(decision_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let name = utf8(unsafe { bytes(name, len) }?)?;
        let decision = policy.inner.decide(name, &consent.inner, now);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { decision_out.write(cookie_charter_decision::of(&decision)) };
        Ok(())
    })
}

/// The stable id of a rule (`"undeclared"`, `"necessary"`, `"third_party"`,
/// `"anonymous_statistics"`, `"consent"`), NUL-terminated and static (never free it); NULL for
/// a number that is not a `cookie_charter_rule`.
#[unsafe(no_mangle)]
pub extern "C" fn cookie_charter_rule_name(rule: u32) -> *const c_char {
    cookie_charter_rule::ALL
        .iter()
        .find(|r| **r as u32 == rule)
        .map_or(std::ptr::null(), |r| static_name(r.core().as_str()))
}

/// The stable id of a consent state (`"granted"`, `"denied"`, `"unset"`, `"expired"`,
/// `"stale"`, `"gpc_denied"`), NUL-terminated and static (never free it); NULL for
/// `COOKIE_CHARTER_CONSENT_STATE_ABSENT` (the state is null) and for a number that is not a
/// `cookie_charter_consent_state`.
#[unsafe(no_mangle)]
pub extern "C" fn cookie_charter_consent_state_name(state: u32) -> *const c_char {
    cookie_charter_consent_state::ALL
        .iter()
        .find(|s| **s as u32 == state)
        .and_then(|s| s.core())
        .map_or(std::ptr::null(), |s| static_name(s.as_str()))
}

/// The NUL-terminated static copy of a core id (the core's ids are not NUL-terminated).
fn static_name(id: &str) -> *const c_char {
    const NAMES: [&std::ffi::CStr; 11] = [
        c"undeclared",
        c"necessary",
        c"third_party",
        c"anonymous_statistics",
        c"consent",
        c"granted",
        c"denied",
        c"unset",
        c"expired",
        c"stale",
        c"gpc_denied",
    ];
    NAMES
        .iter()
        .find(|n| n.to_bytes() == id.as_bytes())
        .map_or(std::ptr::null(), |n| n.as_ptr())
}

/// Writes to `*purposes_out` the purposes a banner must ask `consent` about at `now`: every
/// declared purpose, `necessary` aside, whose state is `unset`, `stale` or `expired` and that has
/// a cookie needing consent, in the policy's order. An empty list means no banner. The list is
/// owned by the caller (release it with `cookie_charter_string_list_free`).
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `purposes_out` is NULL or
/// points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purposes_to_ask(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    now: u64,
    purposes_out: *mut *mut cookie_charter_string_list,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let purposes_out = out(purposes_out)?;
        let purposes = policy
            .inner
            .purposes_to_ask(&consent.inner, now)
            .into_iter()
            .map(|p| Box::<str>::from(p.as_str()))
            .collect();
        let list = Box::into_raw(Box::new(cookie_charter_string_list::new(purposes)));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { purposes_out.write(list) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_and_state_has_a_name() {
        for rule in Rule::ALL {
            let c = cookie_charter_rule::of(rule);
            assert_eq!(c.core(), rule);
            let name = cookie_charter_rule_name(c as u32);
            assert!(!name.is_null());
            // SAFETY: not NULL, a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(name) };
            assert_eq!(name.to_str(), Ok(rule.as_str()));
        }
        for state in ConsentState::ALL {
            let c = cookie_charter_consent_state::of(Some(state));
            assert_eq!(c.core(), Some(state));
            let name = cookie_charter_consent_state_name(c as u32);
            assert!(!name.is_null());
            // SAFETY: not NULL, a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(name) };
            assert_eq!(name.to_str(), Ok(state.as_str()));
        }
        assert!(cookie_charter_rule_name(0).is_null());
        assert!(cookie_charter_consent_state_name(0).is_null());
        assert!(cookie_charter_consent_state_name(7).is_null());
    }
}
