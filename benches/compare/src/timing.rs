//! A small timed-loop harness: rounds of a calibrated number of calls, one figure per round.

use std::time::{Duration, Instant};

/// How long one round lasts, roughly.
const ROUND: Duration = Duration::from_millis(20);

/// Rounds measured for each row (after one warm-up round).
pub const ROUNDS: usize = 11;

/// Runs `f` (which performs `ops` operations per call) in [`ROUNDS`] rounds and returns the cost
/// of one operation in nanoseconds, one figure per round.
pub fn per_op(ops: usize, mut f: impl FnMut() -> u64) -> Vec<f64> {
    per_op_rounds(ops, ROUNDS, ROUND, &mut f)
}

/// As [`per_op`], with the number and length of the rounds given.
pub fn per_op_rounds(
    ops: usize,
    rounds: usize,
    round: Duration,
    f: &mut impl FnMut() -> u64,
) -> Vec<f64> {
    let mut sink = 0u64;
    // Calibrate: double the calls until a batch lasts a tenth of a round.
    let mut calls = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            sink = sink.wrapping_add(f());
        }
        let took = start.elapsed();
        if took * 10 >= round || calls >= 1 << 30 {
            let per_call = took.as_secs_f64() / calls as f64;
            calls = ((round.as_secs_f64() / per_call.max(1e-12)) as u64).max(1);
            break;
        }
        calls *= 2;
    }
    let mut out = Vec::with_capacity(rounds);
    for round_index in 0..=rounds {
        let start = Instant::now();
        for _ in 0..calls {
            sink = sink.wrapping_add(f());
        }
        let ns = start.elapsed().as_secs_f64() * 1e9 / (calls as f64 * ops.max(1) as f64);
        if round_index > 0 {
            out.push(ns);
        }
    }
    std::hint::black_box(sink);
    out
}

/// A function to time: performs `.0` operations per call.
pub type Job<'a> = (usize, Box<dyn FnMut() -> u64 + 'a>);

/// Times several functions in turn, one round of each after the other, so that a change of load
/// on the machine hits them alike (for series that must be compared with one another). Returns,
/// for each function, the cost of one operation in nanoseconds, one figure per round.
pub fn interleaved(jobs: &mut [Job<'_>], rounds: usize, round: Duration) -> Vec<Vec<f64>> {
    let mut sink = 0u64;
    let mut calls = Vec::with_capacity(jobs.len());
    for (_, f) in jobs.iter_mut() {
        let mut c = 1u64;
        loop {
            let start = Instant::now();
            for _ in 0..c {
                sink = sink.wrapping_add(f());
            }
            let took = start.elapsed();
            if took * 10 >= round || c >= 1 << 30 {
                let per_call = took.as_secs_f64() / c as f64;
                c = ((round.as_secs_f64() / per_call.max(1e-12)) as u64).max(1);
                break;
            }
            c *= 2;
        }
        calls.push(c);
    }
    let mut out = vec![Vec::with_capacity(rounds); jobs.len()];
    for round_index in 0..=rounds {
        for ((ops, f), (c, samples)) in jobs.iter_mut().zip(calls.iter().zip(out.iter_mut())) {
            let start = Instant::now();
            for _ in 0..*c {
                sink = sink.wrapping_add(f());
            }
            let ns = start.elapsed().as_secs_f64() * 1e9 / (*c as f64 * (*ops).max(1) as f64);
            if round_index > 0 {
                samples.push(ns);
            }
        }
    }
    std::hint::black_box(sink);
    out
}
