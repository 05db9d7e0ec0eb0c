//! The native module `cookie_charter._native`: a thin pyo3 layer over the `cookie-charter` core.
//!
//! Every call runs behind a guard that turns a Rust panic into `PolicyError` (code `panic`);
//! every object is immutable, so one `Policy` can be shared by all threads. The `test-hooks`
//! feature adds the functions only the tests call (`_raise_panic_for_tests`,
//! `_set_clock_for_tests`).

#![forbid(unsafe_code)]
mod asgi;
mod consent;
mod decision;
mod errors;
mod gil;
mod guard;
mod headers;
mod policy;
mod purpose;
mod records;
mod respond;
mod signals;
mod tcf;

use pyo3::prelude::*;

/// cookie-charter's native module; import `cookie_charter` instead.
#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::consent::PyConsent;
    #[pymodule_export]
    use crate::decision::PyDecision;
    #[pymodule_export]
    use crate::errors::{PolicyError, TcStringError};
    #[pymodule_export]
    use crate::headers::{PyDropped, PyFiltered, PyPurged};
    #[pymodule_export]
    use crate::policy::{PyPolicy, PyPolicyWarning};
    #[pymodule_export]
    use crate::purpose::PyPurpose;
    #[pymodule_export]
    use crate::records::{PyConsentEndpoint, stored_record_ids, verify_store};
    #[pymodule_export]
    use crate::respond::PyResponse;
    #[pymodule_export]
    use crate::signals::gpc_enabled;
    #[pymodule_export]
    use crate::tcf::PyTcString;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        // For the middleware's `guard` option, kept out of `__all__`.
        m.setattr(
            "_guard_inject",
            wrap_pyfunction!(crate::guard::_guard_inject, m)?,
        )?;
        // Test-only functions: only in builds with the `test-hooks` feature (`test.sh`), and
        // kept out of `__all__`.
        #[cfg(feature = "test-hooks")]
        {
            m.setattr(
                "_raise_panic_for_tests",
                wrap_pyfunction!(crate::policy::_raise_panic_for_tests, m)?,
            )?;
            m.setattr(
                "_set_clock_for_tests",
                wrap_pyfunction!(crate::consent::test_clock::_set_clock_for_tests, m)?,
            )?;
        }
        Ok(())
    }
}
