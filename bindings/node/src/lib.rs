//! Node.js bindings of cookie-charter: the native half of the `cookie-charter` npm package.
//!
//! The classes here are thin: every decision is the core's. Hot calls return small numbers
//! (see [`codes`]) that `index.js` turns into plain objects with string ids, because building
//! strings and objects across Node-API costs more than the decision itself. Every export is
//! `#[napi(catch_unwind)]`, so a bug in Rust throws a JS error instead of ending the process.

mod codes;
mod consent;
mod errors;
mod fast;
mod policy;
mod signals;
pub mod tcf;

use napi_derive::napi;

pub use signals::{gpc_enabled, signals};

/// Does nothing with one string: the cost of a napi-rs call with one string argument, the
/// yardstick of the benchmark (`bench/bench.mjs`). Not part of the public API.
#[napi(js_name = "__noop", skip_typescript, catch_unwind)]
pub fn noop(s: String) -> u32 {
    u32::from(!s.is_empty())
}

/// Panics on purpose, so the tests can check that a panic in Rust becomes a JS error and the
/// process survives. Not part of the public API.
#[napi(js_name = "__panicForTests", skip_typescript, catch_unwind)]
pub fn panic_for_tests() {
    #[expect(
        clippy::panic,
        reason = "the one deliberate panic: it proves that `catch_unwind` keeps the process alive"
    )]
    std::panic::panic_any::<&str>("deliberate panic for the tests");
}
