//! The response path (spec §6): the consent of a request, and the answer to its response in one
//! call. Reading the consent, choosing the consent that judges and purging are the core's
//! (`Policy::request_consent`, `Policy::respond`); this module only moves the header values.

use std::borrow::Cow;

use engine::{Handled, Purge, Request, Verdict};

use crate::consent::cookie_charter_consent;
use crate::error::cookie_charter_status;
use crate::ffi::{borrow, guard, guard_void, out, read_or, str_array, utf8};
use crate::headers::{Dropped, cookie_charter_dropped};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_str;

/// What a server saw of a request: its `Cookie` header fields and its `Sec-GPC` header values,
/// as arrays of `cookie_charter_str` (without the header names). Plain data the caller owns; the
/// calls read it and keep nothing from it.
///
/// The `Cookie` fields are joined with `"; "` in order (HTTP/2 and HTTP/3 may send one field per
/// cookie); no field means the request sent no `Cookie` header. Bytes that are not UTF-8 are read
/// as U+FFFD, and a cookie name holding one is never purged. Any `Sec-GPC` value that is exactly
/// `1` (spaces and tabs around it aside, or one comma-separated element so) asks for Global
/// Privacy Control. An array may be NULL when its count is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_request {
    /// The `Cookie` header fields, in order.
    pub cookie: *const cookie_charter_str,
    /// How many `Cookie` fields `cookie` holds.
    pub cookie_count: usize,
    /// The `Sec-GPC` header values.
    pub sec_gpc: *const cookie_charter_str,
    /// How many values `sec_gpc` holds.
    pub sec_gpc_count: usize,
}

/// What the request's handler did with the consent it was given (the `handled` argument of
/// `cookie_charter_respond`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_handled {
    /// Left it: the request's consent judges the response.
    Unchanged = 1,
    /// Replaced it with a consent (a banner's endpoint recording a choice): that consent judges
    /// the response and the purge, with the request's Global Privacy Control signal.
    Replaced = 2,
    /// Stored a value that is not a consent: the response is judged with no consent (every
    /// purpose `unset`, the problem `malformed`), so that a mistake fails closed.
    NotAConsent = 3,
}

/// The request's `Cookie` fields read as text (lossily), and whether any byte was not UTF-8.
struct CookieFields<'a> {
    fields: Vec<Cow<'a, str>>,
    lossy: bool,
}

/// The `Cookie` fields and `Sec-GPC` values of a request, read from C.
struct RequestInput<'a> {
    cookie: CookieFields<'a>,
    sec_gpc: Vec<&'a [u8]>,
}

impl<'a> RequestInput<'a> {
    /// Reads the arrays of `request`.
    ///
    /// # Safety
    ///
    /// Each array of `request` is NULL with a count of 0, or as [`str_array`] requires for `'a`.
    unsafe fn read(request: &cookie_charter_request) -> Result<Self, cookie_charter_status> {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let cookie = unsafe { str_array(request.cookie, request.cookie_count) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let sec_gpc = unsafe { str_array(request.sec_gpc, request.sec_gpc_count) }?;
        let mut lossy = false;
        let fields = cookie
            .into_iter()
            .map(|field| {
                let text = String::from_utf8_lossy(field);
                lossy |= matches!(text, Cow::Owned(_));
                text
            })
            .collect();
        Ok(Self {
            cookie: CookieFields { fields, lossy },
            sec_gpc,
        })
    }

    /// The core's request, borrowing `self`.
    fn request(&self) -> Request<'_> {
        let mut request = Request::new();
        for field in &self.cookie.fields {
            request.add_cookie(field);
        }
        for value in &self.sec_gpc {
            request.add_sec_gpc(value);
        }
        request
    }
}

/// Writes to `*consent_out` the visitor's consent for `request`: read from its `Cookie` fields
/// (the policy's consent cookie; none, or copies that disagree, give a consent with a problem and
/// every purpose `unset`), with its Global Privacy Control signal. This is the consent a server
/// hands to the request's handler. The consent is owned by the caller (release it with
/// `cookie_charter_consent_free`).
///
/// Never fails on content; fails with `NULL_POINTER` (also for a NULL array with a non-zero count,
/// or an element whose `data` is NULL) and leaves `*consent_out` untouched.
///
/// # Safety
///
/// `policy` is NULL or a live policy; `request` is NULL or points to a `cookie_charter_request`
/// whose arrays hold their counts of readable `cookie_charter_str`, each pointing to `len`
/// readable bytes; `consent_out` is NULL or points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_request_consent(
    policy: *const cookie_charter_policy,
    request: *const cookie_charter_request,
    consent_out: *mut *mut cookie_charter_consent,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let request = unsafe { borrow(request) }?;
        let consent_out = out(consent_out)?;
        // SAFETY: the caller's promise, passed on.
        let input = unsafe { RequestInput::read(request) }?;
        let consent = policy.inner.request_consent(&input.request());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(cookie_charter_consent::boxed(consent)) };
        Ok(())
    })
}

/// The answer to one response (`cookie_charter_respond`): the consent that judged it, the
/// `Set-Cookie` values to send, and the dropped ones with their decisions. Owned by the caller:
/// release it with `cookie_charter_response_free`. It copies what it needs: the request and the
/// response's headers may be freed once the call returns. Immutable: threads may share it.
pub struct cookie_charter_response {
    consent: cookie_charter_consent,
    send: Vec<Box<str>>,
    dropped: Vec<Dropped>,
    unchanged: bool,
}

/// Answers a response the way every middleware does (spec §6): filters its `set_cookie_count`
/// `Set-Cookie` values (`set_cookies[0]` to `set_cookies[set_cookie_count - 1]`, each one cookie,
/// without the `Set-Cookie:` prefix) with the consent that judges it at `now` (unix seconds),
/// then, when `purge` is true and the request sent a `Cookie` header, appends the deletions of
/// the cookies the visitor holds but that consent does not allow.
///
/// The consent that judges: `handled` is a `cookie_charter_handled` value. With
/// `COOKIE_CHARTER_HANDLED_UNCHANGED` it is the request's (as `cookie_charter_request_consent`
/// gives it); with `COOKIE_CHARTER_HANDLED_REPLACED` it is `replacement` (the consent the handler
/// stored) with the request's Global Privacy Control signal; with
/// `COOKIE_CHARTER_HANDLED_NOT_A_CONSENT` it is no consent at all (fail closed). `replacement` is
/// required with `REPLACED` (else `NULL_POINTER`) and must be NULL otherwise (else
/// `INVALID_ARGUMENT`); an unknown `handled` is `INVALID_ARGUMENT`.
///
/// Writes to `*response_out` a new result owned by the caller (release it with
/// `cookie_charter_response_free`). Never fails on content: a `Set-Cookie` value that is not
/// UTF-8, has no name, holds a control character or is too large is dropped. Fails with
/// `NULL_POINTER` (also for a NULL array with a non-zero count, or an element whose `data` is
/// NULL), or `INVALID_ARGUMENT`, and leaves `*response_out` untouched: the caller should then send
/// none of the response's `Set-Cookie` values.
///
/// # Safety
///
/// `policy` and `replacement` are NULL or live objects from this library; `request` is NULL or
/// points to a `cookie_charter_request` as for `cookie_charter_request_consent`; `set_cookies`
/// points to `set_cookie_count` readable `cookie_charter_str`, each pointing to `len` readable
/// bytes; `response_out` is NULL or points to a writable pointer.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the C signature: one argument per input of the core call
pub unsafe extern "C" fn cookie_charter_respond(
    policy: *const cookie_charter_policy,
    request: *const cookie_charter_request,
    handled: u32,
    replacement: *const cookie_charter_consent,
    set_cookies: *const cookie_charter_str,
    set_cookie_count: usize,
    purge: bool,
    now: u64,
    response_out: *mut *mut cookie_charter_response,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let request = unsafe { borrow(request) }?;
        let response_out = out(response_out)?;
        let handled = match handled {
            h if h == cookie_charter_handled::Replaced as u32 => {
                // SAFETY: the caller's promise, passed on; NULL is checked.
                Handled::Replaced(&unsafe { borrow(replacement) }?.inner)
            }
            _ if !replacement.is_null() => return Err(cookie_charter_status::InvalidArgument),
            h if h == cookie_charter_handled::Unchanged as u32 => Handled::Unchanged,
            h if h == cookie_charter_handled::NotAConsent as u32 => Handled::NotAConsent,
            _ => return Err(cookie_charter_status::InvalidArgument),
        };
        // SAFETY: the caller's promise, passed on.
        let input = unsafe { RequestInput::read(request) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let headers = unsafe { str_array(set_cookies, set_cookie_count) }?;
        let purge = if purge { Purge::On } else { Purge::Off };
        let result = respond(policy, &input, handled, &headers, purge, now);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { response_out.write(Box::into_raw(Box::new(result))) };
        Ok(())
    })
}

fn respond(
    policy: &cookie_charter_policy,
    input: &RequestInput<'_>,
    handled: Handled<'_>,
    headers: &[&[u8]],
    purge: Purge,
    now: u64,
) -> cookie_charter_response {
    // Values that are not UTF-8 are dropped here; the others go to the core in one call.
    let mut dropped = Vec::new();
    let mut texts: Vec<(usize, &str)> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        match utf8(header) {
            Ok(text) => texts.push((index, text)),
            Err(_) => dropped.push(Dropped::not_utf8(index, header)),
        }
    }
    let request = input.request();
    let mut response = policy.inner.respond(
        &request,
        handled,
        texts.iter().map(|(_, text)| *text),
        purge,
        now,
    );
    if input.cookie.lossy {
        // A name read with U+FFFD is not the name the browser holds: its deletion would delete
        // nothing (as `cookie_charter_purge`).
        response
            .purged
            .retain(|p| !p.cookie.contains(char::REPLACEMENT_CHARACTER));
    }
    let unchanged = dropped.is_empty() && response.is_unchanged();
    // One verdict per value given to the core, in their order.
    for ((index, _), verdict) in texts.iter().zip(&response.verdicts) {
        if let Verdict::Dropped(d) = verdict {
            dropped.push(Dropped::of(*index, d));
        }
    }
    dropped.sort_by_key(Dropped::index);
    cookie_charter_response {
        send: response.set_cookies().map(Box::from).collect(),
        dropped,
        unchanged,
        consent: cookie_charter_consent {
            inner: response.consent,
        },
    }
}

/// The consent that judged the response (see `cookie_charter_respond`), for its problem
/// (`cookie_charter_consent_problem`), its GPC signal or more decisions. Borrowed from
/// `response`: valid until `cookie_charter_response_free`; never free it. NULL if `response` is
/// NULL.
///
/// # Safety
///
/// `response` is NULL or a live response from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_consent(
    response: *const cookie_charter_response,
) -> *const cookie_charter_consent {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(response, std::ptr::null(), |r| &raw const r.consent) }
}

/// Whether the response's `Set-Cookie` values go out exactly as they came: every one kept byte
/// for byte and nothing to delete (then the caller may leave the response alone). False if
/// `response` is NULL.
///
/// # Safety
///
/// `response` is NULL or a live response from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_is_unchanged(
    response: *const cookie_charter_response,
) -> bool {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(response, false, |r| r.unchanged) }
}

/// The number of `Set-Cookie` values to send; 0 if `response` is NULL.
///
/// # Safety
///
/// `response` is NULL or a live response from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_send_len(
    response: *const cookie_charter_response,
) -> usize {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(response, 0, |r| r.send.len()) }
}

/// Writes `Set-Cookie` value number `index` to send to `*header_out`: the kept values in the
/// response's order (each as given, or rewritten when the policy clamps its lifetime), then the
/// deletions. Borrowed from `response`, not NUL-terminated. `OUT_OF_RANGE` when `index` is not
/// below `cookie_charter_response_send_len`.
///
/// # Safety
///
/// `response` is NULL or a live response from this library; `header_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_send_get(
    response: *const cookie_charter_response,
    index: usize,
    header_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let response = unsafe { borrow(response) }?;
        let header_out = out(header_out)?;
        let header = response
            .send
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { header_out.write(cookie_charter_str::of(header)) };
        Ok(())
    })
}

/// The number of dropped `Set-Cookie` values; 0 if `response` is NULL.
///
/// # Safety
///
/// `response` is NULL or a live response from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_dropped_len(
    response: *const cookie_charter_response,
) -> usize {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(response, 0, |r| r.dropped.len()) }
}

/// Writes dropped value number `index` (in the response's order) to `*dropped_out`, with the
/// decision that dropped it; its `index` is its position in `set_cookies`. Its strings are
/// borrowed from `response` (the decision's purpose from the policy). `OUT_OF_RANGE` when
/// `index` is not below `cookie_charter_response_dropped_len`.
///
/// # Safety
///
/// `response` is NULL or a live response from this library; `dropped_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_dropped_get(
    response: *const cookie_charter_response,
    index: usize,
    dropped_out: *mut cookie_charter_dropped,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let response = unsafe { borrow(response) }?;
        let dropped_out = out(dropped_out)?;
        let dropped = response
            .dropped
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { dropped_out.write(dropped.view()) };
        Ok(())
    })
}

/// Releases a response, and the consent `cookie_charter_response_consent` lent. NULL is allowed
/// and does nothing.
///
/// # Safety
///
/// `response` is NULL or a response this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_response_free(response: *mut cookie_charter_response) {
    guard_void(|| {
        if !response.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(response) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
        [site]
        name = "x"
        url = "https://example.com"
        consent_cookie = "cc"
        [purposes.marketing]
        label = "Marketing"
        gpc = true
        [[cookies]]
        name = "cc"
        provider = "x"
        service = "x"
        purpose = "necessary"
        description = "x"
        lifetime = "6 months"
        [[cookies]]
        name = "ad"
        provider = "x"
        service = "x"
        purpose = "marketing"
        description = "x"
        lifetime = "1 month"
    "#;

    fn policy() -> cookie_charter_policy {
        cookie_charter_policy {
            inner: engine::Policy::from_toml(POLICY).unwrap_or_else(|e| unreachable!("{e}")),
        }
    }

    fn strs(items: &[&[u8]]) -> Vec<cookie_charter_str> {
        items
            .iter()
            .map(|b| cookie_charter_str {
                data: b.as_ptr().cast(),
                len: b.len(),
            })
            .collect()
    }

    /// Calls `cookie_charter_respond` and takes the result back.
    fn call(
        cookie: &[&[u8]],
        sec_gpc: &[&[u8]],
        handled: u32,
        headers: &[&[u8]],
    ) -> Result<Box<cookie_charter_response>, cookie_charter_status> {
        let policy = policy();
        let (cookie, sec_gpc, headers) = (strs(cookie), strs(sec_gpc), strs(headers));
        let request = cookie_charter_request {
            cookie: cookie.as_ptr(),
            cookie_count: cookie.len(),
            sec_gpc: sec_gpc.as_ptr(),
            sec_gpc_count: sec_gpc.len(),
        };
        let mut response: *mut cookie_charter_response = std::ptr::null_mut();
        // SAFETY: every pointer is live for the call and every array holds its count.
        let status = unsafe {
            cookie_charter_respond(
                &raw const policy,
                &raw const request,
                handled,
                std::ptr::null(),
                headers.as_ptr(),
                headers.len(),
                true,
                10,
                &raw mut response,
            )
        };
        if status == cookie_charter_status::Ok {
            // SAFETY: written by the call, taken back once.
            Ok(unsafe { Box::from_raw(response) })
        } else {
            assert!(response.is_null());
            Err(status)
        }
    }

    #[test]
    fn dropped_values_keep_the_input_order_with_values_that_are_not_utf8() {
        let unchanged = cookie_charter_handled::Unchanged as u32;
        let response = call(
            &[b"cc=v=1&rev=1&at=5&marketing=1"],
            &[],
            unchanged,
            &[b"x=1", b"ad=\xff", b"ad=1", b"=nameless"],
        )
        .unwrap_or_else(|s| unreachable!("{s:?}"));
        let indexes: Vec<usize> = response.dropped.iter().map(Dropped::index).collect();
        assert_eq!(indexes, [0, 1, 3]);
        assert_eq!(
            response.dropped.get(1).map(|d| d.view().problem.is_null()),
            Some(false)
        );
        assert_eq!(
            response.send.iter().map(|s| &**s).collect::<Vec<_>>(),
            ["ad=1"]
        );
        assert!(!response.unchanged);
        let kept =
            call(&[], &[b"1"], unchanged, &[b"cc=x"]).unwrap_or_else(|s| unreachable!("{s:?}"));
        assert!(kept.unchanged && kept.consent.inner.gpc());
    }

    #[test]
    fn a_name_read_with_u_fffd_is_not_purged() {
        let response = call(
            &[b"ad=1; a\xffd=2"],
            &[],
            cookie_charter_handled::NotAConsent as u32,
            &[],
        )
        .unwrap_or_else(|s| unreachable!("{s:?}"));
        assert!(!response.send.is_empty());
        assert!(response.send.iter().all(|h| h.starts_with("ad=;")));
    }

    #[test]
    fn handled_is_checked() {
        for bad in [0, 4, u32::MAX] {
            assert_eq!(
                call(&[], &[], bad, &[]).err(),
                Some(cookie_charter_status::InvalidArgument)
            );
        }
        assert_eq!(
            call(&[], &[], cookie_charter_handled::Replaced as u32, &[]).err(),
            Some(cookie_charter_status::NullPointer)
        );
    }
}
