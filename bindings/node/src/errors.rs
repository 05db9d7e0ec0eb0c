//! JS errors, each thrown with its stable `code` where it is made: the core's errors keep the
//! core's code, wrong argument types are `TypeError`s with code `invalid_argument`, and only a
//! caught panic says `panic`. A function here throws the error and returns napi-rs's "already
//! thrown" error (`Status::PendingException`), which napi-rs passes on without making another.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, Status};

/// Throws `error` as a JS `Error` whose `code` is the core's stable code, with `field`, `line`
/// and `column` when the core knows them, and returns the napi error that says "already thrown".
pub fn core_error(env: &Env, error: &cookie_charter::Error) -> napi::Error {
    match build(env, error) {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}

fn build(env: &Env, error: &cookie_charter::Error) -> napi::Result<()> {
    // The status only names the error until its `code` is set just below.
    let mut object = env.create_error(napi::Error::from_reason(error.to_string()))?;
    object.set_named_property("code", error.code())?;
    if let Some(field) = error.field() {
        object.set_named_property("field", field)?;
    }
    if let Some(location) = error.location() {
        object.set_named_property("line", u32::try_from(location.line).unwrap_or(u32::MAX))?;
        object.set_named_property("column", u32::try_from(location.column).unwrap_or(u32::MAX))?;
    }
    env.throw(object)
}

/// Throws `error` as a JS `Error` with code `invalid_tc_string`, the TC error's stable code as
/// `reason` (such as `truncated`), and where it happened: `segment` (0 is the core segment),
/// `field` (`null` when the error is about the whole string) and `bit`.
pub fn tc_error(env: &Env, error: &cookie_charter::TcError) -> napi::Error {
    match build_tc(env, error) {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}

fn build_tc(env: &Env, error: &cookie_charter::TcError) -> napi::Result<()> {
    let mut object = env.create_error(napi::Error::from_reason(error.to_string()))?;
    object.set_named_property("code", cookie_charter::ErrorKind::InvalidTcString.code())?;
    object.set_named_property("reason", error.code())?;
    object.set_named_property(
        "segment",
        u32::try_from(error.segment()).unwrap_or(u32::MAX),
    )?;
    let field = error.field();
    object.set_named_property("field", (!field.is_empty()).then_some(field))?;
    object.set_named_property("bit", u32::try_from(error.bit()).unwrap_or(u32::MAX))?;
    env.throw(object)
}

/// Throws a `TypeError` with code `invalid_argument` and returns the "already thrown" error.
pub fn type_error(env: &Env, message: &str) -> napi::Error {
    match env.throw_type_error(
        message,
        Some(cookie_charter::ErrorKind::InvalidArgument.code()),
    ) {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}

/// Throws an `Error` with code `invalid_argument` (a value of the right type that is not
/// accepted) and returns the "already thrown" error.
pub fn invalid_argument(env: &Env, message: &str) -> napi::Error {
    coded(env, cookie_charter::ErrorKind::InvalidArgument, message)
}

/// Throws an `Error` whose code is the one of `kind` and returns the "already thrown" error.
pub fn coded(env: &Env, kind: cookie_charter::ErrorKind, message: &str) -> napi::Error {
    core_error(env, &cookie_charter::Error::new(kind, message))
}

/// Reads an optional `now` (unix seconds): absent means the current time.
pub fn now_or_current(env: &Env, now: Option<f64>) -> napi::Result<u64> {
    match now {
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())),
        Some(t) => seconds(env, t, "now"),
    }
}

/// Reads a number of seconds: finite, not negative, at most 2^53; fractions are truncated.
pub fn seconds(env: &Env, t: f64, what: &str) -> napi::Result<u64> {
    if t.is_finite() && (0.0..=9_007_199_254_740_992.0).contains(&t) {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked finite, not negative and at most 2^53 just above"
        )]
        Ok(t as u64)
    } else {
        Err(type_error(
            env,
            &format!("`{what}` must be a number of unix seconds between 0 and 2^53"),
        ))
    }
}
