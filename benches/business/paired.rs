//! Paired ratios: the two sides of a comparison timed in alternating rounds, so that both see
//! the same load from the other core.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hushwire::RevocationList;

use crate::fixtures::Fixtures;
use crate::run_report::median;

/// Rounds per comparison (after one discarded round of each side).
pub(crate) const ROUNDS: usize = 21;
/// The least time one side's round takes.
const ROUND: Duration = Duration::from_millis(10);

/// One pass's paired ratios (median over its rounds).
#[derive(Clone, Copy)]
pub(crate) struct Paired {
    pub(crate) chain: f64,
    pub(crate) list_decode: f64,
    pub(crate) update: f64,
    pub(crate) bundle_business: f64,
    pub(crate) bundle_added: f64,
}

/// One of a pass's paired ratios.
pub(crate) type Pick = fn(&Paired) -> f64;

/// The median over the passes of one paired ratio.
pub(crate) fn over_passes(passes: &[Paired], pick: Pick) -> Option<f64> {
    let mut v: Vec<f64> = passes.iter().map(pick).collect();
    (!v.is_empty()).then(|| median(&mut v))
}

/// Mean time per call of `f` over a round of at least [`ROUND`].
fn per_call(f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < ROUND {
        f();
        calls += 1;
    }
    start.elapsed().as_secs_f64() / f64::from(calls)
}

/// The median over [`ROUNDS`] rounds of time(a) ÷ time(b), the order switching every round
/// (after one discarded round of each).
fn ratio_of(mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    per_call(&mut a);
    per_call(&mut b);
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            if round % 2 == 0 {
                let ta = per_call(&mut a);
                ta / per_call(&mut b)
            } else {
                let tb = per_call(&mut b);
                per_call(&mut a) / tb
            }
        })
        .collect();
    median(&mut ratios)
}

/// Every comparison once.
pub(crate) fn pass(f: &Fixtures) -> Paired {
    Paired {
        chain: ratio_of(|| f.decode_validate(&f.held), || f.floor_chain()),
        list_decode: ratio_of(
            || {
                black_box(RevocationList::decode(black_box(&f.list_bytes)).unwrap());
            },
            || f.floor_update(),
        ),
        // The clone of the held root list and the drop of the result (a few hundred ns) are
        // inside the timed side here, unlike in criterion's `update_10k`.
        update: ratio_of(
            || {
                let mut held = f.root_only.clone();
                f.update(&mut held);
            },
            || f.floor_update(),
        ),
        bundle_business: ratio_of(
            || f.bundle_business(),
            || {
                f.raw_prekey.verify();
                f.floor_chain();
            },
        ),
        bundle_added: ratio_of(|| f.bundle_business(), || f.bundle_plain()),
    }
}
