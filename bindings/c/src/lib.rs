//! The C API of cookie-charter: `libcookie_charter` and `cookie_charter.h` (spec §8).
//!
//! A thin layer over the core crate, following the conventions of rustls-ffi:
//!
//! - every fallible export returns a [`cookie_charter_status`] with stable explicit numbers;
//! - results go through out-parameters, written only on success;
//! - objects come in `_new`/`_free` pairs, read-only calls take `const` pointers;
//! - strings are a pointer and a length, checked for UTF-8;
//! - every pointer is checked for NULL (by helper functions, never an assertion);
//! - every export runs behind [`std::panic::catch_unwind`]: a panic becomes
//!   `COOKIE_CHARTER_STATUS_PANIC`, never an abort;
//! - errors with details (policy loading, consent keys, strict setters, TC
//!   strings) can be returned as a
//!   [`cookie_charter_error`] object that the caller reads and frees.
//!
//! The header `include/cookie_charter.h` is generated from this crate by cbindgen; the doc
//! comments below are the header's documentation, so they say who owns what.

#![allow(non_camel_case_types)]

mod consent;
mod decide;
mod error;
mod ffi;
mod guard;
mod headers;
mod keys;
mod policy;
mod purposes;
mod render;
mod respond;
mod signals;
mod strings;
mod tcf;

pub use consent::{cookie_charter_choice, cookie_charter_consent};
pub use decide::{cookie_charter_consent_state, cookie_charter_decision, cookie_charter_rule};
pub use error::{cookie_charter_error, cookie_charter_status};
pub use headers::{
    cookie_charter_dropped, cookie_charter_filtered, cookie_charter_kept, cookie_charter_purged,
    cookie_charter_purged_entry,
};
pub use policy::cookie_charter_policy;
pub use purposes::cookie_charter_purpose;
pub use render::cookie_charter_format;
pub use respond::{cookie_charter_handled, cookie_charter_request, cookie_charter_response};
pub use signals::{
    COOKIE_CHARTER_SIGNAL_COUNT, cookie_charter_gtag_command, cookie_charter_signal,
    cookie_charter_signals,
};
pub use strings::{cookie_charter_str, cookie_charter_string, cookie_charter_string_list};
pub use tcf::cookie_charter_tc_string;
