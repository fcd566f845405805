//! Alternating rounds (`#[path]`-included by `devices` and `groups`): the two sides of a
//! comparison timed in turn, so that both see the same load from the other core.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::run_report::median;

/// Rounds per comparison (after one discarded round of each side).
pub(crate) const ROUNDS: usize = 21;
/// The least time one side's round takes.
pub(crate) const ROUND: Duration = Duration::from_millis(10);

/// Mean time per call of `f` over a round of at least [`ROUND`]; what the calls return is
/// dropped after the clock stops.
pub(crate) fn per_call<T>(f: &mut impl FnMut() -> T) -> f64 {
    let mut outputs = Vec::with_capacity(1 << 12);
    let start = Instant::now();
    while start.elapsed() < ROUND {
        outputs.push(f());
    }
    let t = start.elapsed().as_secs_f64() / outputs.len() as f64;
    drop(black_box(outputs));
    t
}

/// The median over [`ROUNDS`] rounds of time(a) ÷ time(b), the order switching every round
/// (after one discarded round of each).
pub(crate) fn ratio_of<A, B>(mut a: impl FnMut() -> A, mut b: impl FnMut() -> B) -> f64 {
    alternate(|| per_call(&mut a), || per_call(&mut b))
}

/// The median over [`ROUNDS`] rounds of `a()` ÷ `b()` (each a round's time per call), the
/// order switching every round (after one discarded round of each).
pub(crate) fn alternate(mut a: impl FnMut() -> f64, mut b: impl FnMut() -> f64) -> f64 {
    a();
    b();
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            if round % 2 == 0 {
                let ta = a();
                ta / b()
            } else {
                let tb = b();
                a() / tb
            }
        })
        .collect();
    median(&mut ratios)
}
