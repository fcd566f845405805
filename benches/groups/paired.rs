//! Paired ratios: the two sides of a comparison timed in alternating rounds, so that both see
//! the same load from the other core.

use crate::alternating::{ROUND, alternate, ratio_of};
use crate::fixtures::{Distributions, Fixtures, Link, Size, Wire, decrypt_in_order, megolm_import};
use crate::run_report::median;

/// One pass's paired ratios (median over its rounds), by key (`encrypt_floor/64B`, ...).
#[derive(Clone, Default)]
pub(crate) struct Paired(Vec<(String, f64)>);

impl Paired {
    fn push(&mut self, key: String, ratio: f64) {
        self.0.push((key, ratio));
    }

    /// The ratio of `key` in this pass.
    pub(crate) fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|&(_, r)| r)
    }
}

/// The median over the passes of the paired ratio `key`.
pub(crate) fn over_passes(passes: &[Paired], key: &str) -> Option<f64> {
    let mut v: Vec<f64> = passes.iter().filter_map(|p| p.get(key)).collect();
    (!v.is_empty()).then(|| median(&mut v))
}

/// The decrypts of a link per round: doubled from 8 until a round takes at least [`ROUND`].
fn calls_per_round<L: Link>(link: &mut L) -> u64 {
    let mut n = 8;
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
    let mut p = Paired::default();
    let Fixtures {
        hush,
        hush_aws,
        megolm,
        sizes,
        distributions,
        ..
    } = f;
    for size in sizes.iter_mut() {
        let Size {
            name,
            payload,
            floor,
            floor_link,
            hush: hush_link,
            hush_aws: aws_link,
            megolm: megolm_link,
            ..
        } = size;
        let payload = &*payload;
        p.push(
            format!("encrypt_floor/{name}"),
            ratio_of(|| hush.encrypt(payload).unwrap(), || floor.encrypt()),
        );
        p.push(
            format!("encrypt_megolm/{name}"),
            ratio_of(
                || hush.encrypt(payload).unwrap(),
                || megolm.encrypt(payload),
            ),
        );
        p.push(
            format!("encrypt_aws_megolm/{name}"),
            ratio_of(
                || hush_aws.encrypt(payload).unwrap(),
                || megolm.encrypt(payload),
            ),
        );
        p.push(
            format!("encrypt_encode_megolm/{name}"),
            ratio_of(
                || hush.encrypt(payload).unwrap().encode(),
                || megolm.encrypt(payload).to_bytes(),
            ),
        );
        p.push(
            format!("decrypt_floor/{name}"),
            ratio_in_order(hush_link, floor_link),
        );
        p.push(
            format!("decrypt_megolm/{name}"),
            ratio_in_order(hush_link, megolm_link),
        );
        p.push(
            format!("decrypt_aws_megolm/{name}"),
            ratio_in_order(aws_link, megolm_link),
        );
        p.push(
            format!("decode_decrypt_megolm/{name}"),
            ratio_in_order(&mut Wire(hush_link), &mut Wire(megolm_link)),
        );
    }
    p.push(
        "create_megolm".into(),
        ratio_of(|| distributions.create(), || distributions.megolm_export()),
    );
    let Distributions {
        cycle, megolm_key, ..
    } = distributions;
    p.push(
        "process_megolm".into(),
        ratio_of(|| cycle.process(), || megolm_import(megolm_key)),
    );
    p
}
