//! `PolicyError`, `TcStringError`, and the boundary guard that turns a Rust panic into a
//! `PolicyError`.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cookie_charter::{Error, ErrorKind, TcError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    cookie_charter,
    PolicyError,
    PyValueError,
    "A policy could not be loaded, or a value given strictly is invalid.\n\n\
     Attributes: `code` (the stable error code, the same in every language), `field` (the \
     field it is about, or None), `line` and `column` (1-based location in the policy file, or \
     None), `message` (the message without location or field)."
);

pyo3::create_exception!(
    cookie_charter,
    TcStringError,
    PolicyError,
    "An IAB TCF TC string could not be decoded, or breaks the TCF v2.2 rules.\n\n\
     A `PolicyError` (so a `ValueError`) whose `code` is `invalid_tc_string`. Attributes: \
     `reason` (the stable code of the decoding error: `empty`, `too_large`, `invalid_base64`, \
     `truncated`, `unsupported_version`, `invalid_segment`, `duplicate_segment`, \
     `invalid_field`, `invalid_vendor_range`, `legitimate_interest_not_allowed`), `segment` \
     (the index of the `.`-separated segment, 0 for the core one), `field` (the field being \
     read, or None when the error is about the whole string), `bit` (the bit offset in the \
     segment), `message`; `line` and `column` are None."
);

/// Builds the Python `TcStringError` for a TC-string decoding error.
pub(crate) fn tc_string_error(py: Python<'_>, error: &TcError) -> PyErr {
    // The core's message, which starts with the reason and says where.
    let display = error.to_string();
    let field = Some(error.field()).filter(|f| !f.is_empty());
    let err = TcStringError::new_err(display.clone());
    let value = err.value(py);
    let set = (|| -> PyResult<()> {
        set_policy_attributes(
            value,
            ErrorKind::InvalidTcString.code(),
            field,
            None,
            None,
            &display,
        )?;
        value.setattr("reason", error.code())?;
        value.setattr("segment", error.segment())?;
        value.setattr("bit", error.bit())?;
        Ok(())
    })();
    match set {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Builds the Python `PolicyError` for a core error, with its code, field and location.
pub(crate) fn policy_error(py: Python<'_>, error: &Error) -> PyErr {
    let location = error.location();
    make_error(
        py,
        error.to_string(),
        error.code(),
        error.field(),
        location.map(|l| l.line),
        location.map(|l| l.column),
        error.message(),
    )
}

/// A `PolicyError` of code `invalid_argument` about an argument of a call.
pub(crate) fn invalid_argument(py: Python<'_>, field: &str, message: &str) -> PyErr {
    policy_error(
        py,
        &Error::new(ErrorKind::InvalidArgument, message).with_field(field),
    )
}

fn make_error(
    py: Python<'_>,
    display: String,
    code: &str,
    field: Option<&str>,
    line: Option<usize>,
    column: Option<usize>,
    message: &str,
) -> PyErr {
    let err = PolicyError::new_err(display);
    let value = err.value(py);
    match set_policy_attributes(value, code, field, line, column, message) {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Sets the attributes every `PolicyError` has.
fn set_policy_attributes(
    value: &Bound<'_, pyo3::exceptions::PyBaseException>,
    code: &str,
    field: Option<&str>,
    line: Option<usize>,
    column: Option<usize>,
    message: &str,
) -> PyResult<()> {
    value.setattr("code", code)?;
    value.setattr("field", field)?;
    value.setattr("line", line)?;
    value.setattr("column", column)?;
    value.setattr("message", message)?;
    Ok(())
}

/// The message carried by a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs `f`, turning a Rust panic into a `PolicyError` of code `panic` (never a crash, never a
/// `PanicException`).
#[inline]
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let message = format!("internal error: {}", panic_message(payload.as_ref()));
            Err(make_error(
                py,
                message.clone(),
                ErrorKind::Panic.code(),
                None,
                None,
                None,
                &message,
            ))
        }
    }
}
