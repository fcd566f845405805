//! Paired ratios: the two sides of a comparison timed in alternating rounds, so that both see
//! the same load from the other core.

use crate::alternating::{ROUND, alternate, ratio_of};
use crate::fixtures::{Fixtures, Link, decrypt_in_order};
use crate::run_report::median;

/// One pass's paired ratios (median over its rounds).
#[derive(Clone, Copy)]
pub(crate) struct Paired {
    /// Fan-out ÷ 8 `Session::encrypt`.
    pub(crate) fan_out: f64,
    /// Fan-out ÷ 8 Olm encrypts.
    pub(crate) fan_out_olm: f64,
    /// `DeviceSessions::decrypt` ÷ `Session::decrypt`.
    pub(crate) decrypt: f64,
}

/// One of a pass's paired ratios.
pub(crate) type Pick = fn(&Paired) -> f64;

/// The median over the passes of one paired ratio.
pub(crate) fn over_passes(passes: &[Paired], pick: Pick) -> Option<f64> {
    let mut v: Vec<f64> = passes.iter().map(pick).collect();
    (!v.is_empty()).then(|| median(&mut v))
}

/// The decrypts of a link per round: doubled from 64 until a round takes at least [`ROUND`].
fn calls_per_round<L: Link>(link: &mut L) -> u64 {
    let mut n = 64;
    while decrypt_in_order(link, n) < ROUND {
        n *= 2;
    }
    n
}

/// [`ratio_of`] for decrypts: each round decrypts, in order, messages made untimed before it.
fn ratio_in_order(a: &mut impl Link, b: &mut impl Link) -> f64 {
    let (na, nb) = (calls_per_round(a), calls_per_round(b));
    alternate(
        || decrypt_in_order(a, na).as_secs_f64() / na as f64,
        || decrypt_in_order(b, nb).as_secs_f64() / nb as f64,
    )
}

/// Every comparison once. What each call returns is dropped untimed, as in criterion.
pub(crate) fn pass(f: &mut Fixtures) -> Paired {
    let Fixtures {
        sender,
        floor,
        olm,
        device_link,
        plain_link,
        ..
    } = f;
    Paired {
        fan_out: ratio_of(|| sender.fan_out(), || floor.encrypts()),
        fan_out_olm: ratio_of(|| sender.fan_out(), || olm.encrypts()),
        decrypt: ratio_in_order(device_link, plain_link),
    }
}
