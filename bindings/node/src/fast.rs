//! The hot path: plain JS functions closing over one policy, and consents parsed once.
//!
//! With napi-rs a method call pays for unwrapping and checking `this`, and a class-instance
//! argument for unwrapping and checking it too: several times the cost of a plain function with
//! one string. So `index.js` gets, once per policy, plain functions made from closures:
//! - `lookup(name)`: what the decision owes to the name alone (rule, purpose, and whether the
//!   cookie is allowed whatever the consent), packed (see `codes`);
//! - `intern(consentCookie)`: parses a consent once and returns a number naming it;
//!   `release(id)` forgets it (called by a `FinalizationRegistry` when the JS consent is
//!   collected, so an id is never reused while its consent lives);
//! - `decide(name, id, now)`: the core's decision, packed;
//! - `states(id, now)`: the state of every purpose, one digit each;
//! - `filter(headers, id, now)`: `filter_set_cookies` as numbers, see [`filter_codes`];
//!   `rewritten()` gives the texts of the kept headers the core rewrote (clamped lifetimes);
//! - `purge(cookieHeader, id, now)`: `purge` as strings, see [`purge_strings`];
//! - `read(cookieHeader)` and `readRequest(cookieHeader, secGpc)`: the consent of a request's
//!   `Cookie` header (`Policy::consent_from_cookie_header`, `Policy::request_consent`) as one
//!   number, see [`read_code`]: what `index.js` answers `problem`, `gpc` and `choices` from
//!   without making the native `Consent`; `headerStates(cookieHeader, secGpc, now)` is `states`
//!   of that consent (its decision table, with no consent kept here), `internRequest(cookieHeader,
//!   secGpc)` interns it (as `intern`) and `adopt(consent)` a native `Consent`;
//! - `respond(lines, now, flags, secGpc)` and `respondReplaced(lines, now, flags, secGpc,
//!   consent)`: the core's `Policy::respond` for the middleware, one string in and one out, see
//!   [`respond`]: the consent (read from the request, or the handler's), the filter and the purge
//!   are the core's; the middleware only moves header values.

use std::borrow::Cow;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

use cookie_charter::{Consent, ErrorKind, Handled, Policy, Purge, Request, Verdict};
use napi::Env;
use napi::bindgen_prelude::{ClassInstance, FnArgs, Function, JsObjectValue, Object};

use crate::codes::pack;
use crate::consent::Consent as JsConsent;
use crate::errors::{coded, invalid_argument};
use crate::policy::states_of;

/// The JS function `(headers, id, now) => codes`.
type FilterFn<'env> = Function<'env, FnArgs<(Vec<String>, u32, f64)>, Vec<u32>>;
/// The JS function `(lines, now, flags, secGpc) => answer`.
type RespondFn<'env> = Function<'env, FnArgs<(String, f64, u32, String)>, String>;
/// The JS function `(lines, now, flags, secGpc, consent) => answer`.
type RespondReplacedFn<'env> =
    Function<'env, FnArgs<(String, f64, u32, String, ClassInstance<'env, JsConsent>)>, String>;

/// `respond` flag: append the deletions of the cookies the visitor no longer allows.
pub const PURGE: u32 = 1;
/// `respond` flag: the handler stored a value that is not a consent (`Handled::NotAConsent`).
pub const NOT_A_CONSENT: u32 = 2;

/// Why a consent id was refused.
enum SlabError {
    /// No live consent has this id.
    Unknown,
    /// Every id is taken.
    Full,
}

impl SlabError {
    /// Throws it as a JS error with its code.
    fn throw(self, env: &Env) -> napi::Error {
        match self {
            Self::Unknown => invalid_argument(env, "unknown consent id"),
            Self::Full => coded(env, ErrorKind::TooMany, "too many live consents"),
        }
    }
}

/// Consents named by a number; freed slots are reused.
#[derive(Default)]
struct Slab {
    entries: Vec<Option<Consent>>,
    free: Vec<u32>,
}

impl Slab {
    fn intern(&mut self, consent: Consent) -> Result<u32, SlabError> {
        if let Some(id) = self.free.pop()
            && let Some(slot) = self.entries.get_mut(id as usize)
        {
            *slot = Some(consent);
            return Ok(id);
        }
        let id = u32::try_from(self.entries.len()).map_err(|_| SlabError::Full)?;
        self.entries.push(Some(consent));
        Ok(id)
    }

    fn get(&self, id: u32) -> Result<&Consent, SlabError> {
        self.entries
            .get(id as usize)
            .and_then(Option::as_ref)
            .ok_or(SlabError::Unknown)
    }

    fn release(&mut self, id: u32) {
        if let Some(slot) = self.entries.get_mut(id as usize)
            && slot.take().is_some()
        {
            self.free.push(id);
        }
    }
}

/// Runs `f`, turning a panic into a JS error with code `panic` (functions made from closures
/// are not covered by `#[napi(catch_unwind)]`).
pub fn guarded<T>(env: &Env, f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(coded(
            env,
            ErrorKind::Panic,
            "internal error in cookie-charter (a Rust panic was caught)",
        ))
    })
}

fn unix(now: f64) -> u64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "saturating float-to-int conversion of a value checked by `index.js`"
    )]
    let now = now as u64;
    now
}

/// The object of the hot path's functions for `policy` (see the module documentation).
///
/// The consent table and the rewritten texts are `RefCell`s that no JS code can reach while one
/// of these functions runs (none calls back into JS), so a borrow never fails; if one did, that
/// bug would be caught as a panic by [`guarded`].
pub fn functions(env: &Env, policy: Arc<Policy>) -> napi::Result<Object<'_>> {
    let slab = Rc::new(RefCell::new(Slab::default()));
    let mut object = Object::new(env)?;

    let p = Arc::clone(&policy);
    let lookup: Function<String, u32> = env.create_function_from_closure("lookup", move |ctx| {
        let name: String = ctx.get(0)?;
        guarded(ctx.env, || {
            // With no consent every purpose but `necessary` is `unset`, so the cookie is
            // allowed exactly when its rule ignores the consent.
            let nobody = Consent::default();
            Ok(pack(&p, &p.decide(&name, &nobody, 0)))
        })
    })?;
    object.set_named_property("lookup", lookup)?;

    let s = Rc::clone(&slab);
    let intern: Function<String, u32> = env.create_function_from_closure("intern", move |ctx| {
        let value: String = ctx.get(0)?;
        let env = *ctx.env;
        guarded(&env, || {
            let consent = Consent::from_cookie(&value);
            s.borrow_mut().intern(consent).map_err(|e| e.throw(&env))
        })
    })?;
    object.set_named_property("intern", intern)?;

    let s = Rc::clone(&slab);
    let release: Function<u32, ()> = env.create_function_from_closure("release", move |ctx| {
        let id: u32 = ctx.get(0)?;
        guarded(ctx.env, || {
            s.borrow_mut().release(id);
            Ok(())
        })
    })?;
    object.set_named_property("release", release)?;

    let (p, s) = (Arc::clone(&policy), Rc::clone(&slab));
    let decide: Function<FnArgs<(String, u32, f64)>, u32> =
        env.create_function_from_closure("decide", move |ctx| {
            let name: String = ctx.get(0)?;
            let id: u32 = ctx.get(1)?;
            let now: f64 = ctx.get(2)?;
            let env = *ctx.env;
            guarded(&env, || {
                let slab = s.borrow();
                let consent = slab.get(id).map_err(|e| e.throw(&env))?;
                Ok(pack(&p, &p.decide(&name, consent, unix(now))))
            })
        })?;
    object.set_named_property("decide", decide)?;

    let rewritten_texts: Rc<RefCell<Vec<String>>> = Rc::default();
    let (p, s, r) = (
        Arc::clone(&policy),
        Rc::clone(&slab),
        Rc::clone(&rewritten_texts),
    );
    let filter: FilterFn = env.create_function_from_closure("filter", move |ctx| {
        let headers: Vec<String> = ctx.get(0)?;
        let id: u32 = ctx.get(1)?;
        let now: f64 = ctx.get(2)?;
        let env = *ctx.env;
        guarded(&env, || {
            let slab = s.borrow();
            let consent = slab.get(id).map_err(|e| e.throw(&env))?;
            Ok(filter_codes(
                &p,
                &headers,
                consent,
                unix(now),
                &mut r.borrow_mut(),
            ))
        })
    })?;
    object.set_named_property("filter", filter)?;

    let p = Arc::clone(&policy);
    let respond: RespondFn = env.create_function_from_closure("respond", move |ctx| {
        let lines: String = ctx.get(0)?;
        let now: f64 = ctx.get(1)?;
        let flags: u32 = ctx.get(2)?;
        let sec_gpc: String = ctx.get(3)?;
        guarded(ctx.env, || {
            Ok(self::respond(&p, &lines, unix(now), flags, &sec_gpc, None))
        })
    })?;
    object.set_named_property("respond", respond)?;

    let p = Arc::clone(&policy);
    let respond_replaced: RespondReplacedFn =
        env.create_function_from_closure("respondReplaced", move |ctx| {
            let lines: String = ctx.get(0)?;
            let now: f64 = ctx.get(1)?;
            let flags: u32 = ctx.get(2)?;
            let sec_gpc: String = ctx.get(3)?;
            let consent: ClassInstance<JsConsent> = ctx.get(4)?;
            guarded(ctx.env, || {
                Ok(self::respond(
                    &p,
                    &lines,
                    unix(now),
                    flags,
                    &sec_gpc,
                    Some(&consent.inner),
                ))
            })
        })?;
    object.set_named_property("respondReplaced", respond_replaced)?;

    let r = rewritten_texts;
    let rewritten: Function<(), Vec<String>> = env
        .create_function_from_closure("rewritten", move |ctx| {
            guarded(ctx.env, || Ok(std::mem::take(&mut *r.borrow_mut())))
        })?;
    object.set_named_property("rewritten", rewritten)?;

    let (p, s) = (Arc::clone(&policy), Rc::clone(&slab));
    let purge: Function<FnArgs<(String, u32, f64)>, Vec<String>> = env
        .create_function_from_closure("purge", move |ctx| {
            let header: String = ctx.get(0)?;
            let id: u32 = ctx.get(1)?;
            let now: f64 = ctx.get(2)?;
            let env = *ctx.env;
            guarded(&env, || {
                let slab = s.borrow();
                let consent = slab.get(id).map_err(|e| e.throw(&env))?;
                Ok(purge_strings(&p, &header, consent, unix(now)))
            })
        })?;
    object.set_named_property("purge", purge)?;

    let p = Arc::clone(&policy);
    let read: Function<String, u32> = env.create_function_from_closure("read", move |ctx| {
        let header: String = ctx.get(0)?;
        guarded(ctx.env, || {
            Ok(read_code(&p, &p.consent_from_cookie_header(&header)))
        })
    })?;
    object.set_named_property("read", read)?;

    let p = Arc::clone(&policy);
    let read_request: Function<FnArgs<(String, String)>, u32> =
        env.create_function_from_closure("readRequest", move |ctx| {
            let header: String = ctx.get(0)?;
            let sec_gpc: String = ctx.get(1)?;
            guarded(ctx.env, || {
                Ok(read_code(&p, &request_consent(&p, &header, &sec_gpc)))
            })
        })?;
    object.set_named_property("readRequest", read_request)?;

    let (p, s) = (Arc::clone(&policy), Rc::clone(&slab));
    let intern_request: Function<FnArgs<(String, String)>, u32> = env
        .create_function_from_closure("internRequest", move |ctx| {
            let header: String = ctx.get(0)?;
            let sec_gpc: String = ctx.get(1)?;
            let env = *ctx.env;
            guarded(&env, || {
                let consent = request_consent(&p, &header, &sec_gpc);
                s.borrow_mut().intern(consent).map_err(|e| e.throw(&env))
            })
        })?;
    object.set_named_property("internRequest", intern_request)?;

    let p = Arc::clone(&policy);
    let header_states: Function<FnArgs<(String, String, f64)>, String> = env
        .create_function_from_closure("headerStates", move |ctx| {
            let header: String = ctx.get(0)?;
            let sec_gpc: String = ctx.get(1)?;
            let now: f64 = ctx.get(2)?;
            guarded(ctx.env, || {
                Ok(states_of(&p, &request_consent(&p, &header, &sec_gpc), now))
            })
        })?;
    object.set_named_property("headerStates", header_states)?;

    let s = Rc::clone(&slab);
    let adopt: Function<ClassInstance<JsConsent>, u32> =
        env.create_function_from_closure("adopt", move |ctx| {
            let consent: ClassInstance<JsConsent> = ctx.get(0)?;
            let env = *ctx.env;
            guarded(&env, || {
                s.borrow_mut()
                    .intern(consent.inner.clone())
                    .map_err(|e| e.throw(&env))
            })
        })?;
    object.set_named_property("adopt", adopt)?;

    let (p, s) = (policy, slab);
    let states: Function<FnArgs<(u32, f64)>, String> =
        env.create_function_from_closure("states", move |ctx| {
            let id: u32 = ctx.get(0)?;
            let now: f64 = ctx.get(1)?;
            let env = *ctx.env;
            guarded(&env, || {
                let slab = s.borrow();
                let consent = slab.get(id).map_err(|e| e.throw(&env))?;
                Ok(states_of(&p, consent, now))
            })
        })?;
    object.set_named_property("states", states)?;

    Ok(object)
}

/// `Policy::request_consent` of a request with this `Cookie` header and this `Sec-GPC` value
/// (each empty when absent).
fn request_consent(policy: &Policy, header: &str, sec_gpc: &str) -> Consent {
    let mut request = Request::new();
    if !header.is_empty() {
        request.add_cookie(header);
    }
    if !sec_gpc.is_empty() {
        request.add_sec_gpc(sec_gpc);
    }
    policy.request_consent(&request)
}

/// `read` code: bits 0–2, the problem (0: none; else 1 + its index in `absent`, `oversized`,
/// `malformed`, `duplicate_key`, `unknown_version`).
const READ_PROBLEM: u32 = 7;
/// `read` code: the consent carries Global Privacy Control (bit 3).
pub const READ_GPC: u32 = 1 << 3;
/// `read` code: the choices are all in bits 5–30 (bit 4): every chosen purpose is one of the
/// policy's first [`READ_PURPOSES`].
pub const READ_CHOICES: u32 = 1 << 4;
/// `read` code: the first bit of the choices, two per purpose in the policy's order (0: no
/// choice, 1: granted, 2: denied).
const READ_CHOICES_SHIFT: u32 = 5;
/// How many purposes the choices' bits hold.
const READ_PURPOSES: usize = 13;

/// A consent as one number (see the `READ_` constants), for `index.js`'s consent read from a
/// header: what is not in it (the revision, the date, the source, the problem's text, choices
/// beyond the bits) comes from the native `Consent`, made only when JS asks for one of them.
fn read_code(policy: &Policy, consent: &Consent) -> u32 {
    let problem = consent.problem().map_or(0, |p| match p {
        cookie_charter::Problem::Absent => 1,
        cookie_charter::Problem::Oversized => 2,
        cookie_charter::Problem::Malformed(_) => 3,
        cookie_charter::Problem::DuplicateKey => 4,
        cookie_charter::Problem::UnknownVersion => 5,
    });
    let mut code = problem & READ_PROBLEM;
    if consent.gpc() {
        code |= READ_GPC;
    }
    let purposes = policy.purposes();
    let mut choices = 0;
    for (id, choice) in consent.choices() {
        let Some(index) = purposes
            .iter()
            .take(READ_PURPOSES)
            .position(|p| p.id == *id)
        else {
            return code;
        };
        let bits = match choice {
            cookie_charter::Choice::Granted => 1,
            cookie_charter::Choice::Denied => 2,
        };
        // `index < READ_PURPOSES`: the shift stays within bits 5–30.
        choices |= bits << (READ_CHOICES_SHIFT as usize + 2 * index);
    }
    code | READ_CHOICES | choices
}

/// A kept header (bit 30 of its code).
const KEPT: u32 = 1 << 30;
/// A kept header that the core rewrote: its text is in `rewritten` (bit 29).
const REWRITTEN: u32 = 1 << 29;
/// A dropped header with a cookie name: two numbers follow its code (bit 27).
const NAMED: u32 = 1 << 27;

/// `filter_set_cookies` of `headers` as numbers, one header after the other: the code (a packed
/// decision in bits 0–23, see `codes`, the header problem in bits 24–26 as 1 + its index in
/// `control_character`, `too_large`, `empty`, `nameless`, and the flags above); for a dropped
/// header with a name, then the UTF-16 offset and length of the name in the header. The texts
/// of rewritten kept headers go to `rewritten`, in order.
fn filter_codes(
    policy: &Policy,
    headers: &[String],
    consent: &Consent,
    now: u64,
    rewritten: &mut Vec<String>,
) -> Vec<u32> {
    rewritten.clear();
    let mut out = Vec::with_capacity(headers.len());
    for header in headers {
        let dropped = match policy.filter_set_cookie(header, consent, now) {
            Verdict::Kept(Cow::Borrowed(_)) => {
                out.push(KEPT);
                continue;
            }
            Verdict::Kept(Cow::Owned(kept)) => {
                rewritten.push(kept);
                out.push(KEPT | REWRITTEN);
                continue;
            }
            Verdict::Dropped(dropped) => dropped,
        };
        let problem = dropped.problem.map_or(0, |p| match p {
            cookie_charter::HeaderProblem::ControlCharacter => 1,
            cookie_charter::HeaderProblem::TooLarge => 2,
            cookie_charter::HeaderProblem::Empty => 3,
            cookie_charter::HeaderProblem::Nameless => 4,
        });
        let code = (pack(policy, &dropped.decision) & 0x00FF_FFFF) | (problem << 24);
        // The name borrows from the header: its place there, counted in UTF-16 units.
        let place = dropped.cookie.and_then(|name| {
            let start = (name.as_ptr() as usize).checked_sub(header.as_ptr() as usize)?;
            let before = header.get(..start)?;
            let start16 = u32::try_from(before.encode_utf16().count()).ok()?;
            let len16 = u32::try_from(name.encode_utf16().count()).ok()?;
            Some((start16, len16))
        });
        match place {
            Some((start, len)) => out.extend([code | NAMED, start, len]),
            None => out.push(code),
        }
    }
    out
}

/// The core's [`Policy::respond`] for the middleware, in one string each way (strings cross
/// Node-API far cheaper than arrays of them).
///
/// `lines` holds the request's `Cookie` header (its fields joined with `; `, as Node joins them;
/// empty when there is none) then the response's `Set-Cookie` values, one per line (`\n`: no
/// header value holds one, Node refuses them, and the caller sends the others elsewhere).
/// `sec_gpc` is the request's `Sec-GPC` value (Node joins several with `, `; empty when absent).
/// What the handler did is `replaced` (its consent), or [`NOT_A_CONSENT`] in `flags`, or
/// neither (`Handled::Unchanged`); [`PURGE`] in `flags` asks for the deletions.
///
/// The answer holds one character per `Set-Cookie` value, `0` dropped, `1` kept as is, `2`
/// rewritten by the core; then, each after a `\n`, the texts of the rewritten values in order,
/// then the deletion headers (`Response::set_cookies` in that order).
fn respond(
    policy: &Policy,
    lines: &str,
    now: u64,
    flags: u32,
    sec_gpc: &str,
    replaced: Option<&Consent>,
) -> String {
    let mut lines = split_lines(lines);
    let mut request = Request::new();
    let cookie_header = lines.next().unwrap_or_default();
    if !cookie_header.is_empty() {
        request.add_cookie(cookie_header);
    }
    if !sec_gpc.is_empty() {
        request.add_sec_gpc(sec_gpc);
    }
    let handled = match replaced {
        Some(consent) => Handled::Replaced(consent),
        None if flags & NOT_A_CONSENT != 0 => Handled::NotAConsent,
        None => Handled::Unchanged,
    };
    let purge = if flags & PURGE != 0 {
        Purge::On
    } else {
        Purge::Off
    };
    let response = policy.respond(&request, handled, lines, purge, now);
    // One code per header, then the texts: room for a response's usual few headers at once.
    let mut codes = String::with_capacity(64);
    let mut texts = String::new();
    for verdict in &response.verdicts {
        codes.push(match verdict {
            Verdict::Kept(Cow::Borrowed(_)) => '1',
            Verdict::Kept(Cow::Owned(kept)) => {
                texts.push('\n');
                texts.push_str(kept);
                '2'
            }
            Verdict::Dropped(_) => '0',
        });
    }
    for purged in &response.purged {
        for header in &purged.headers {
            texts.push('\n');
            texts.push_str(header);
        }
    }
    codes.push_str(&texts);
    codes
}

/// The lines of `text`, split at each `\n` (as `str::split('\n')`, which checks every match
/// with a `memcmp` call: a tenth of a `respond` call; `memchr` finds the byte alone).
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    std::iter::from_fn(move || {
        let end = ends.next()?;
        // `\n` is one byte: a char boundary on both sides.
        let line = text.get(start..end);
        start = end + 1;
        line
    })
}

/// `purge` of a `Cookie` header as one flat list: for each cookie to delete, its name, its
/// packed decision (in decimal, see `codes`), the number of deletion headers, then the headers.
fn purge_strings(policy: &Policy, header: &str, consent: &Consent, now: u64) -> Vec<String> {
    let mut out = Vec::new();
    for purged in policy.purge(header, consent, now) {
        out.push(purged.cookie.to_owned());
        out.push(pack(policy, &purged.decision).to_string());
        out.push(purged.headers.len().to_string());
        out.extend(purged.headers);
    }
    out
}
