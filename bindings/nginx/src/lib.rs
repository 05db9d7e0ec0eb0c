//! The nginx module of cookie-charter (`ngx_http_cookie_charter_module`): the charter enforced
//! on every response nginx sends, whatever the backend behind it (PHP-FPM, a proxied
//! application, nginx's own `add_header`).
//!
//! Directives (see `docs/nginx.md`):
//!
//! - `cookie_charter_policy FILE;` (`http`, `server`, `location`): the policy, loaded when nginx
//!   reads its configuration; an invalid policy fails `nginx -t` and a reload with the engine's
//!   error.
//! - `cookie_charter on|off;` (same levels, default `on` where a policy applies): whether the
//!   responses are filtered.
//! - the variable `$cookie_charter_gtag_default`: the Google Consent Mode
//!   `gtag('consent', 'default', …)` snippet for the visitor.
//!
//! Each response goes through the core's one response path, [`engine::Policy::respond`] with
//! [`engine::Handled::Unchanged`] and [`engine::Purge::On`], as in every middleware. The crate is
//! safe code over the core but for its `ffi` module, the boundary with nginx, which holds every
//! `unsafe` block, checks every pointer nginx gives and catches every panic.

// Only `ffi.rs`, the boundary with nginx, allows `unsafe` (each block with a SAFETY comment).
#![deny(unsafe_code)]
mod conf;
// The unit tests link without nginx, whose functions `ffi` calls: they test the safe code.
#[cfg(not(test))]
#[allow(unsafe_code)]
mod ffi;
mod response;
