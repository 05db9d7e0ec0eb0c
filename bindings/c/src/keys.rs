//! Signed consent cookies: giving a policy the keys that verify them (from text, a file or an
//! environment variable, as the other languages take them), and verifying a consent.

use std::ffi::c_char;
use std::io::Read;
use std::path::PathBuf;

use engine::{ConsentKeys, Policy};

use crate::consent::cookie_charter_consent;
use crate::error::{Failure, cookie_charter_error, cookie_charter_status};
use crate::ffi::{borrow, bytes, guard, guard_void, guard_with_error, out, text};
use crate::policy::cookie_charter_policy;

/// The largest key file read: 64 keys of a few dozen bytes each fit many times over.
pub(crate) const MAX_KEYS_FILE_BYTES: usize = 64 * 1024;

/// Where the keys' text came from, for the messages.
enum Origin<'a> {
    Text,
    File(&'a str),
    Env(&'a str),
}

/// Parses `keys` (see `cookie_charter_policy_with_consent_keys`); an error names where the text
/// came from and never quotes a secret.
fn parse(keys: &str, origin: &Origin<'_>) -> Result<ConsentKeys, Failure> {
    ConsentKeys::parse(keys).map_err(|error| {
        let place = match origin {
            Origin::Text => String::new(),
            Origin::File(path) => format!(" in `{path}`"),
            Origin::Env(name) => format!(" in the environment variable `{name}`"),
        };
        Failure::Described(
            cookie_charter_status::InvalidConsentKeys,
            format!("invalid consent keys{place}: {error}"),
        )
    })
}

fn unreadable(message: String) -> Failure {
    Failure::Described(cookie_charter_status::UnreadableConsentKeys, message)
}

/// The text of the key file at `path`: at most [`MAX_KEYS_FILE_BYTES`], UTF-8.
pub(crate) fn read_keys_file(path: &std::path::Path) -> Result<String, Failure> {
    let shown = path.display();
    let failed =
        |e: std::io::Error| unreadable(format!("cannot read the consent keys `{shown}`: {e}"));
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_KEYS_FILE_BYTES).map_or(u64::MAX, |n| n.saturating_add(1));
    file.take(limit).read_to_end(&mut bytes).map_err(failed)?;
    if bytes.len() > MAX_KEYS_FILE_BYTES {
        return Err(unreadable(format!(
            "cannot read the consent keys `{shown}`: the file is larger than {MAX_KEYS_FILE_BYTES} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        unreadable(format!(
            "cannot read the consent keys `{shown}`: the file is not valid utf-8"
        ))
    })
}

/// A path from its bytes: any bytes on Unix, UTF-8 elsewhere.
fn path_of(raw: &[u8]) -> Result<PathBuf, cookie_charter_status> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(raw)))
    }
    #[cfg(not(unix))]
    {
        crate::ffi::utf8(raw).map(PathBuf::from)
    }
}

/// Writes `policy` with `keys` to `policy_out`.
fn write_keyed(
    policy: &Policy,
    keys: ConsentKeys,
    policy_out: crate::ffi::OutParam<*mut cookie_charter_policy>,
) {
    let keyed = Box::into_raw(Box::new(cookie_charter_policy {
        inner: policy.clone().with_consent_keys(keys),
    }));
    // SAFETY: not NULL (checked by `out`), writable (the caller's promise).
    unsafe { policy_out.write(keyed) };
}

/// Writes to `*policy_out` a new policy: `policy` with the keys that sign and verify consent
/// cookies (spec §13), parsed from the `len` bytes at `keys`: one `<key id>:<base64url secret>`
/// per line or per comma, the signing key first, each secret at least 32 bytes; blank lines and
/// lines starting with `#` are skipped (the text of a key file, or of an environment variable;
/// see `cookie_charter_policy_with_consent_keys_file` and `_env`). `policy` is unchanged; the new
/// policy is owned by the caller (release it with `cookie_charter_policy_free`) and replaces any
/// keys `policy` had.
///
/// With keys (or when the policy sets `site.require_signed_consent`), the engine's own consent
/// cookie is verified wherever a request's consent is read (`cookie_charter_request_consent`,
/// `cookie_charter_respond`): a well-signed value grants, a forged value or one signed with an
/// unknown key is no consent (problem `malformed`), and so is an unsigned one when signatures are
/// required.
///
/// Fails with `INVALID_CONSENT_KEYS` when the text is not valid keys (the message says which key,
/// never a secret), `INVALID_UTF8`, or `NULL_POINTER`, and leaves `*policy_out` untouched; if
/// `error_out` is not NULL, a failure also writes a new error there, owned by the caller (release
/// it with `cookie_charter_error_free`).
///
/// # Safety
///
/// `policy` is NULL or a live policy; `keys` points to `len` readable bytes; `policy_out` and
/// `error_out` (if not NULL) point to writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_with_consent_keys(
    policy: *const cookie_charter_policy,
    keys: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let policy_out = out(policy_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let keys = unsafe { text(keys, len) }?;
        let keys = parse(keys, &Origin::Text)?;
        write_keyed(&policy.inner, keys, policy_out);
        Ok(())
    })
}

/// As `cookie_charter_policy_with_consent_keys`, with the keys read from the key file whose path
/// is the `len` bytes at `path` (not NUL-terminated; any bytes on Unix): at most 64 KiB of UTF-8
/// text. Keep the file readable by the server alone (mode 0600): its secrets forge consent.
///
/// Fails with `UNREADABLE_CONSENT_KEYS` when the file cannot be read, is larger than 64 KiB or is
/// not UTF-8 (the message names the file and the system's reason), `INVALID_CONSENT_KEYS` when
/// its text is not valid keys, or `NULL_POINTER`, with an error as for
/// `cookie_charter_policy_with_consent_keys`.
///
/// # Safety
///
/// As for `cookie_charter_policy_with_consent_keys`, `path` pointing to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_with_consent_keys_file(
    policy: *const cookie_charter_policy,
    path: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let policy_out = out(policy_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let path = path_of(unsafe { bytes(path, len) }?)?;
        let text = read_keys_file(&path)?;
        let shown = path.display().to_string();
        let keys = parse(&text, &Origin::File(&shown))?;
        write_keyed(&policy.inner, keys, policy_out);
        Ok(())
    })
}

/// As `cookie_charter_policy_with_consent_keys`, with the keys read from the environment variable
/// whose name is the `len` bytes at `name` (such as `COOKIE_CHARTER_CONSENT_KEYS`; entries
/// separated by newlines or commas). The environment is read as `getenv` reads it: no other
/// thread may change it during the call.
///
/// Fails with `UNREADABLE_CONSENT_KEYS` when the variable is not set or its value is not UTF-8,
/// `INVALID_CONSENT_KEYS` when its value is not valid keys, `INVALID_ARGUMENT` when `name` is
/// empty or holds `=` or a NUL, `INVALID_UTF8`, or `NULL_POINTER`, with an error as for
/// `cookie_charter_policy_with_consent_keys`.
///
/// # Safety
///
/// As for `cookie_charter_policy_with_consent_keys`, `name` pointing to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_with_consent_keys_env(
    policy: *const cookie_charter_policy,
    name: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let policy_out = out(policy_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let name = unsafe { text(name, len) }?;
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(Failure::Described(
                cookie_charter_status::InvalidArgument,
                format!(
                    "`{}` is not an environment variable's name",
                    name.escape_debug()
                ),
            ));
        }
        let value = std::env::var(name).map_err(|error| {
            unreadable(match error {
                std::env::VarError::NotPresent => {
                    format!("the environment variable `{name}` is not set")
                }
                std::env::VarError::NotUnicode(_) => {
                    format!("the environment variable `{name}` is not valid utf-8")
                }
            })
        })?;
        let keys = parse(&value, &Origin::Env(name))?;
        write_keyed(&policy.inner, keys, policy_out);
        Ok(())
    })
}

/// Writes to `*consent_out` a new consent: `consent` checked with `policy`'s keys. A consent read
/// from the engine's own cookie (`cookie_charter_consent_from_cookie`) whose signature verifies
/// comes back verified (see `cookie_charter_consent_is_verified`); a forged one, one signed with
/// an unknown key, or (when the policy sets `site.require_signed_consent`) an unsigned one is no
/// consent: every purpose `unset`, the problem `malformed` with the reason as its message. A
/// policy with neither keys nor the requirement returns the consent as it is. The request calls
/// (`cookie_charter_request_consent`, `cookie_charter_respond`) already do this; call it for a
/// consent read some other way. The consent is owned by the caller (release it with
/// `cookie_charter_consent_free`).
///
/// Never fails on content; fails with `NULL_POINTER` and leaves `*consent_out` untouched.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `consent_out` is NULL or
/// points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_verify_consent(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    consent_out: *mut *mut cookie_charter_consent,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let consent_out = out(consent_out)?;
        let checked = policy.inner.verify_consent(consent.inner.clone());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(cookie_charter_consent::boxed(checked)) };
        Ok(())
    })
}

/// Whether `consent`'s signature was verified with a policy's keys (by
/// `cookie_charter_verify_consent`, or when a request's consent was read under a policy with
/// keys). Reading a cookie alone never verifies it. False if `consent` is NULL.
///
/// # Safety
///
/// `consent` is NULL or a live consent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_is_verified(
    consent: *const cookie_charter_consent,
) -> bool {
    let mut verified = false;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(consent) = unsafe { borrow(consent) } {
            verified = consent.inner.is_verified();
        }
    });
    verified
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_name_their_origin_and_hide_secrets() {
        let Err(Failure::Described(status, message)) =
            parse("k1:c2hvcnQ", &Origin::File("/etc/keys"))
        else {
            panic!("short secret accepted");
        };
        assert_eq!(status, cookie_charter_status::InvalidConsentKeys);
        assert!(
            message.starts_with("invalid consent keys in `/etc/keys`: "),
            "{message}"
        );
        assert!(!message.contains("c2hvcnQ"), "{message}");
        assert!(parse("", &Origin::Env("X")).is_err());
    }
}
