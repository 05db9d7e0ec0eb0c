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
//! - `states(id, now)`: the state of every purpose, one digit each.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

use cookie_charter::{Consent, Policy};
use napi::bindgen_prelude::{FnArgs, Function, JsObjectValue, Object};
use napi::{Env, Status};

use crate::codes::pack;
use crate::policy::states_of;

/// Consents named by a number; freed slots are reused.
#[derive(Default)]
struct Slab {
    entries: Vec<Option<Consent>>,
    free: Vec<u32>,
}

impl Slab {
    fn intern(&mut self, consent: Consent) -> napi::Result<u32> {
        if let Some(id) = self.free.pop()
            && let Some(slot) = self.entries.get_mut(id as usize)
        {
            *slot = Some(consent);
            return Ok(id);
        }
        let id = u32::try_from(self.entries.len())
            .map_err(|_| napi::Error::new(Status::GenericFailure, "too many live consents"))?;
        self.entries.push(Some(consent));
        Ok(id)
    }

    fn get(&self, id: u32) -> napi::Result<&Consent> {
        self.entries
            .get(id as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| napi::Error::new(Status::InvalidArg, "unknown consent id"))
    }

    fn release(&mut self, id: u32) {
        if let Some(slot) = self.entries.get_mut(id as usize)
            && slot.take().is_some()
        {
            self.free.push(id);
        }
    }
}

/// Runs `f`, turning a panic into an error (functions made from closures are not covered by
/// `#[napi(catch_unwind)]`).
fn guarded<T>(f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(napi::Error::new(
            Status::GenericFailure,
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

fn slab_error() -> napi::Error {
    napi::Error::new(Status::GenericFailure, "consent table in use")
}

/// The object `{ lookup, intern, release, decide, states }` for `policy`.
pub fn functions(env: &Env, policy: Arc<Policy>) -> napi::Result<Object<'_>> {
    let slab = Rc::new(RefCell::new(Slab::default()));
    let mut object = Object::new(env)?;

    let p = Arc::clone(&policy);
    let lookup: Function<String, u32> = env.create_function_from_closure("lookup", move |ctx| {
        let name: String = ctx.get(0)?;
        guarded(|| {
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
        guarded(|| {
            let consent = Consent::from_cookie(&value);
            s.try_borrow_mut()
                .map_err(|_| slab_error())?
                .intern(consent)
        })
    })?;
    object.set_named_property("intern", intern)?;

    let s = Rc::clone(&slab);
    let release: Function<u32, ()> = env.create_function_from_closure("release", move |ctx| {
        let id: u32 = ctx.get(0)?;
        guarded(|| {
            s.try_borrow_mut().map_err(|_| slab_error())?.release(id);
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
            guarded(|| {
                let slab = s.try_borrow().map_err(|_| slab_error())?;
                let consent = slab.get(id)?;
                Ok(pack(&p, &p.decide(&name, consent, unix(now))))
            })
        })?;
    object.set_named_property("decide", decide)?;

    let (p, s) = (policy, slab);
    let states: Function<FnArgs<(u32, f64)>, String> =
        env.create_function_from_closure("states", move |ctx| {
            let id: u32 = ctx.get(0)?;
            let now: f64 = ctx.get(1)?;
            guarded(|| {
                let slab = s.try_borrow().map_err(|_| slab_error())?;
                Ok(states_of(&p, slab.get(id)?, now))
            })
        })?;
    object.set_named_property("states", states)?;

    Ok(object)
}
