//! Exports for the tests and benchmarks only, compiled with the `test-hooks` feature (`npm run
//! build:test`): a default build, the one `npm install` makes, has none of them.

use napi::Env;
use napi_derive::napi;

/// Does nothing with one string: the cost of a napi-rs call with one string argument, the
/// yardstick of the benchmark (`bench/bench.mjs`).
#[napi(js_name = "__noop", skip_typescript, catch_unwind)]
pub fn noop(s: String) -> u32 {
    u32::from(!s.is_empty())
}

/// Panics on purpose in a `#[napi(catch_unwind)]` export, so the tests can check that a panic
/// in Rust becomes a JS error with code `panic` and the process survives.
#[napi(js_name = "__panicForTests", skip_typescript, catch_unwind)]
pub fn panic_for_tests() {
    #[expect(
        clippy::panic,
        reason = "a deliberate panic: it proves that `catch_unwind` keeps the process alive"
    )]
    std::panic::panic_any::<&str>("deliberate panic for the tests");
}

/// Panics on purpose inside the guard of the hot path's functions (`fast::guarded`).
#[napi(js_name = "__guardedPanicForTests", skip_typescript, catch_unwind)]
pub fn guarded_panic_for_tests(env: Env) -> napi::Result<()> {
    crate::fast::guarded(&env, || {
        #[expect(
            clippy::panic,
            reason = "a deliberate panic: it proves that `guarded` turns it into a `panic` error"
        )]
        std::panic::panic_any::<&str>("deliberate panic in a guarded call")
    })
}
