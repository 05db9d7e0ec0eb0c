//! Node.js bindings of cookie-charter: the native half of the `cookie-charter` npm package.
//!
//! The classes here are thin: every decision is the core's. Hot calls return small numbers
//! (see [`codes`]) that `index.js` turns into plain objects with string ids, because building
//! strings and objects across Node-API costs more than the decision itself. Every export is
//! `#[napi(catch_unwind)]`, so a bug in Rust throws a JS error (code `panic`) instead of ending
//! the process; every other error is thrown with its own code where it is made (`errors`).

// The `#[napi]` macros expand to `#[allow(unsafe_code)]` items (module registration through
// Node-API), which `forbid` would reject (E0453); `deny` keeps hand-written `unsafe` out.
#![deny(unsafe_code)]
mod codes;
mod consent;
mod errors;
mod fast;
pub mod guard;
mod policy;
pub mod records;
mod signals;
pub mod tcf;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;

pub use signals::{gpc_enabled, signals};
