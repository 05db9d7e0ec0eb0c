//! Privacy signals around the consent (spec §10): Global Privacy Control and Google Consent
//! Mode v2. The rules live in the core; this module only carries them across.

use std::ffi::{CStr, c_char};

use engine::{Choice, GtagCommand, Signal};

use crate::consent::cookie_charter_consent;
use crate::error::cookie_charter_status;
use crate::ffi::{borrow, bytes, guard, guard_void, out};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_string;

/// The number of Google Consent Mode v2 signals: the length of `cookie_charter_signals.granted`.
pub const COOKIE_CHARTER_SIGNAL_COUNT: usize = 7;

/// One Google Consent Mode v2 signal, numbered from 0 in the order of Google's documentation:
/// the index of the signal in `cookie_charter_signals.granted`. `cookie_charter_signal_name()`
/// gives the name `gtag` uses.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_signal {
    /// `ad_storage`: cookies for advertising.
    AdStorage = 0,
    /// `ad_user_data`: sending user data to Google for advertising.
    AdUserData = 1,
    /// `ad_personalization`: personalised advertising.
    AdPersonalization = 2,
    /// `analytics_storage`: cookies for analytics.
    AnalyticsStorage = 3,
    /// `functionality_storage`: cookies for the site's functions, such as language.
    FunctionalityStorage = 4,
    /// `personalization_storage`: cookies for personalisation, such as recommendations.
    PersonalizationStorage = 5,
    /// `security_storage`: cookies for security, such as authentication and fraud prevention.
    SecurityStorage = 6,
}

impl cookie_charter_signal {
    /// Every signal, in the order of their numbers (the order of the core's `Signal::ALL`).
    const ALL: [Self; COOKIE_CHARTER_SIGNAL_COUNT] = [
        Self::AdStorage,
        Self::AdUserData,
        Self::AdPersonalization,
        Self::AnalyticsStorage,
        Self::FunctionalityStorage,
        Self::PersonalizationStorage,
        Self::SecurityStorage,
    ];

    fn core(self) -> Signal {
        match self {
            Self::AdStorage => Signal::AdStorage,
            Self::AdUserData => Signal::AdUserData,
            Self::AdPersonalization => Signal::AdPersonalization,
            Self::AnalyticsStorage => Signal::AnalyticsStorage,
            Self::FunctionalityStorage => Signal::FunctionalityStorage,
            Self::PersonalizationStorage => Signal::PersonalizationStorage,
            Self::SecurityStorage => Signal::SecurityStorage,
        }
    }

    /// The NUL-terminated static copy of the core's name (the core's names are not
    /// NUL-terminated).
    fn name(self) -> &'static CStr {
        match self {
            Self::AdStorage => c"ad_storage",
            Self::AdUserData => c"ad_user_data",
            Self::AdPersonalization => c"ad_personalization",
            Self::AnalyticsStorage => c"analytics_storage",
            Self::FunctionalityStorage => c"functionality_storage",
            Self::PersonalizationStorage => c"personalization_storage",
            Self::SecurityStorage => c"security_storage",
        }
    }
}

/// The state of every Google Consent Mode v2 signal for one visitor, written by
/// `cookie_charter_consent_mode`. Plain data; nothing to free.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct cookie_charter_signals {
    /// Whether each signal is `granted` (true) or `denied` (false), indexed by
    /// `cookie_charter_signal`: `granted[COOKIE_CHARTER_SIGNAL_ANALYTICS_STORAGE]`.
    pub granted: [bool; COOKIE_CHARTER_SIGNAL_COUNT],
}

/// Which `gtag('consent', …)` command `cookie_charter_gtag_consent` writes (its `command`
/// argument).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_gtag_command {
    /// `default`: the state before any Google tag loads; the snippet also defines `dataLayer`
    /// and `gtag` as Google's own snippet does, so it can run first.
    Default = 1,
    /// `update`: the state after the visitor chooses.
    Update = 2,
}

impl cookie_charter_gtag_command {
    fn from_u32(value: u32) -> Option<GtagCommand> {
        match value {
            v if v == Self::Default as u32 => Some(GtagCommand::Default),
            v if v == Self::Update as u32 => Some(GtagCommand::Update),
            _ => None,
        }
    }
}

/// Whether one `Sec-GPC` request header value, the `len` bytes at `value`, asks for Global
/// Privacy Control: only a value that is exactly `1`, spaces and tabs around it aside. With
/// several `Sec-GPC` headers, the request carries the signal when any of them does: OR the
/// results. The bytes need not be UTF-8. False if `value` is NULL (no header).
///
/// # Safety
///
/// `value` is NULL or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_gpc_enabled(value: *const c_char, len: usize) -> bool {
    let mut enabled = false;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(value) = unsafe { bytes(value, len) } {
            enabled = engine::gpc_enabled([value]);
        }
    });
    enabled
}

/// Writes to `*signals_out` the Google Consent Mode v2 state of `consent` at `now` (unix
/// seconds) under `policy`: a signal is granted when at least one purpose maps to it and every
/// purpose that maps to it is `granted`; otherwise denied (fail closed). A Global Privacy
/// Control signal set on the consent counts (`cookie_charter_consent_set_gpc`).
///
/// Fails only with `NULL_POINTER`, leaving `*signals_out` untouched; nothing to free. Safe to
/// call from many threads on the same policy and consent.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `signals_out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_mode(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    now: u64,
    signals_out: *mut cookie_charter_signals,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let signals_out = out(signals_out)?;
        let mode = policy.inner.consent_mode(&consent.inner, now);
        let granted = cookie_charter_signal::ALL.map(|s| mode.get(s.core()) == Choice::Granted);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { signals_out.write(cookie_charter_signals { granted }) };
        Ok(())
    })
}

/// The name of a Google Consent Mode v2 signal, as `gtag` spells it (`"ad_storage"` …
/// `"security_storage"`), NUL-terminated and static (never free it); NULL for a number that is
/// not a `cookie_charter_signal`.
#[unsafe(no_mangle)]
pub extern "C" fn cookie_charter_signal_name(signal: u32) -> *const c_char {
    cookie_charter_signal::ALL
        .iter()
        .find(|s| **s as u32 == signal)
        .map_or(std::ptr::null(), |s| s.name().as_ptr())
}

/// Writes to `*snippet_out` the JavaScript that tells Google tags the Consent Mode state of
/// `consent` at `now` (unix seconds): `gtag('consent', 'default', {…});` or `'update'`, with the
/// seven signals, for `command` (a `cookie_charter_gtag_command` value). The `default` snippet
/// first defines `dataLayer` and `gtag`; put it before any Google tag. Only fixed names and
/// `granted`/`denied` appear in it: nothing of the visitor's input.
///
/// The string is owned by the caller (release it with `cookie_charter_string_free`). Fails with
/// `INVALID_ARGUMENT` for an unknown `command`, or `NULL_POINTER`, leaving `*snippet_out`
/// untouched.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `snippet_out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_gtag_consent(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    now: u64,
    command: u32,
    snippet_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let snippet_out = out(snippet_out)?;
        let command = cookie_charter_gtag_command::from_u32(command)
            .ok_or(cookie_charter_status::InvalidArgument)?;
        let mode = policy.inner.consent_mode(&consent.inner, now);
        let snippet = cookie_charter_string::new(&mode.gtag(command));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { snippet_out.write(snippet) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_follow_the_core_order_and_names() {
        assert_eq!(Signal::ALL.len(), COOKIE_CHARTER_SIGNAL_COUNT);
        for (i, (c, core)) in cookie_charter_signal::ALL
            .iter()
            .zip(Signal::ALL)
            .enumerate()
        {
            assert_eq!(*c as usize, i);
            assert_eq!(c.core(), core);
            assert_eq!(c.name().to_str(), Ok(core.as_str()));
            let name = cookie_charter_signal_name(*c as u32);
            assert!(!name.is_null());
            // SAFETY: not NULL, a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(name) };
            assert_eq!(name.to_str(), Ok(core.as_str()));
        }
        assert!(cookie_charter_signal_name(7).is_null());
        assert!(cookie_charter_signal_name(u32::MAX).is_null());
    }

    #[test]
    fn gtag_commands_are_checked() {
        assert_eq!(
            cookie_charter_gtag_command::from_u32(1),
            Some(GtagCommand::Default)
        );
        assert_eq!(
            cookie_charter_gtag_command::from_u32(2),
            Some(GtagCommand::Update)
        );
        assert_eq!(cookie_charter_gtag_command::from_u32(0), None);
        assert_eq!(cookie_charter_gtag_command::from_u32(3), None);
    }

    #[test]
    fn gpc_values() {
        for (value, expected) in [("1", true), (" 1\t", true), ("0", false), ("", false)] {
            // SAFETY: `value` is readable for its length.
            let got = unsafe { cookie_charter_gpc_enabled(value.as_ptr().cast(), value.len()) };
            assert_eq!(got, expected, "{value:?}");
        }
        // SAFETY: NULL is allowed.
        assert!(!unsafe { cookie_charter_gpc_enabled(std::ptr::null(), 1) });
    }
}
