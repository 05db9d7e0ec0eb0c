//! When a call lets other Python threads run while the core works.
//!
//! Releasing the GIL is not free: when another thread is waiting for it, that thread takes it,
//! and the releasing thread then waits for it to be handed back, up to the interpreter's switch
//! interval (5 ms by default). For the few microseconds a response's headers take, that wait
//! costs more than the work: a Django page under gunicorn with four threads served 5.6% fewer
//! requests per second with the middleware (BENCHMARKS.md) while its instructions grew by 1%.
//! So a call releases the GIL only when its input is large enough for the work to dwarf the
//! hand-over.

use pyo3::marker::Ungil;
use pyo3::prelude::*;

/// The input size, in bytes, from which a call releases the GIL while the core works: about
/// 100 µs of the core's work, twenty times a cheap hand-over and well under the switch interval.
pub(crate) const DETACH_FROM_BYTES: usize = 64 * 1024;

/// Runs `work` (whose input is `bytes` long), releasing the GIL only when the input is large.
pub(crate) fn detach_if_large<T, F>(py: Python<'_>, bytes: usize, work: F) -> T
where
    F: Ungil + FnOnce() -> T,
    T: Ungil,
{
    if bytes >= DETACH_FROM_BYTES {
        py.detach(work)
    } else {
        work()
    }
}
