//! Paired ratios: each hushwire operation and its floor (or peer) timed in alternating rounds
//! of about 10 ms, so that both run under the same load, round after round. On a machine whose
//! other core is busy with other work the load changes from one second to the next, and two
//! criterion medians taken a few seconds apart can differ by more than the ratio between them;
//! the median of the per-round ratios does not depend on that drift. Each pass measures every
//! pair once; the report gives each pass's figure and their median.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hushwire::SafetyNumber;
use hushwire::hazmat::safety_number::displayable;

use crate::fixtures::{
    AWS, MatrixStrings, NOW, RUST, SIGNAL_ALICE_ID, SIGNAL_ALICE_KEY, SIGNAL_BOB_ID,
    SIGNAL_BOB_KEY, fingerprint_key, identities, pair, people, rng, signal_key,
};
use crate::floor::{AwsEach, AwsOnce, Dalek};
use crate::{floor, peer, safety, sas};

/// Rounds per pair (each round times both sides once, the order alternating).
const ROUNDS: usize = 31;
/// The least time one side's round takes.
const ROUND: Duration = Duration::from_millis(10);

// The pairs' labels, in report order.
pub(crate) const SN_NEW: &str = "`SafetyNumber::new` ÷ floor";
pub(crate) const SN_SIGNAL: &str = "`displayable` (Signal's inputs) ÷ floor";
pub(crate) const SCANNED: &str = "`verify_scanned` ÷ floor";
pub(crate) const SAS_RUST_FLOOR: &str = "SAS exchange, rust-crypto ÷ floor";
pub(crate) const SAS_AWS_FLOOR: &str = "SAS exchange, aws-lc-rs ÷ floor";
pub(crate) const SAS_AWS_ONCE: &str = "SAS exchange, aws-lc-rs ÷ floor importing each secret once";
pub(crate) const SAS_RUST_PEER: &str = "SAS exchange, rust-crypto ÷ vodozemac (+ commitment)";
pub(crate) const SAS_AWS_PEER: &str = "SAS exchange, aws-lc-rs ÷ vodozemac (+ commitment)";
pub(crate) const FLOOR_RUST_PEER: &str = "SAS floor, rust-crypto ÷ vodozemac (+ commitment)";

/// One pair's figures in one pass: the median of the per-round ratios, and the ratio of the
/// two fastest rounds.
#[derive(Clone, Copy)]
pub(crate) struct Ratio {
    pub(crate) median: f64,
    pub(crate) best: f64,
}

/// The pairs in report order: (label, figures by pass).
pub(crate) static RESULTS: Mutex<Vec<(&'static str, Vec<Ratio>)>> = Mutex::new(Vec::new());

fn record(label: &'static str, ratio: Ratio) {
    let mut all = RESULTS.lock().unwrap();
    match all.iter_mut().find(|(l, _)| *l == label) {
        Some((_, v)) => v.push(ratio),
        None => all.push((label, vec![ratio])),
    }
}

/// Calls of `f` that take at least [`ROUND`].
fn calls_per_round(f: &mut impl FnMut()) -> u32 {
    let mut n = 1;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        if start.elapsed() >= ROUND || n >= 1 << 24 {
            return n;
        }
        n *= 2;
    }
}

/// Times `a` and `b` in alternating rounds and records `a ÷ b` under `label`.
fn race(label: &'static str, mut a: impl FnMut(), mut b: impl FnMut()) {
    let (na, nb) = (calls_per_round(&mut a), calls_per_round(&mut b));
    let round = |f: &mut dyn FnMut(), n: u32| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed().as_nanos() as f64 / f64::from(n)
    };
    let mut ratios = Vec::with_capacity(ROUNDS);
    let (mut best_a, mut best_b) = (f64::INFINITY, f64::INFINITY);
    for i in 0..ROUNDS {
        let (ta, tb) = if i % 2 == 0 {
            let ta = round(&mut a, na);
            (ta, round(&mut b, nb))
        } else {
            let tb = round(&mut b, nb);
            (round(&mut a, na), tb)
        };
        ratios.push(ta / tb);
        best_a = best_a.min(ta);
        best_b = best_b.min(tb);
    }
    ratios.sort_by(f64::total_cmp);
    record(
        label,
        Ratio {
            median: ratios[ROUNDS / 2],
            best: best_a / best_b,
        },
    );
}

/// Every pair once.
pub(crate) fn pass() {
    let p = people();
    let (ka, kb) = (fingerprint_key(&p.alice), fingerprint_key(&p.bob));
    race(
        SN_NEW,
        || {
            black_box(SafetyNumber::new(
                black_box(&p.alice),
                &p.alice_id,
                &p.bob,
                &p.bob_id,
            ));
        },
        || {
            black_box(safety::floor_digest(black_box(&ka), p.alice_id.as_bytes()));
            black_box(safety::floor_digest(black_box(&kb), p.bob_id.as_bytes()));
        },
    );
    let (sa, sb) = (signal_key(SIGNAL_ALICE_KEY), signal_key(SIGNAL_BOB_KEY));
    race(
        SN_SIGNAL,
        || {
            black_box(displayable(
                hushwire::SAFETY_NUMBER_ITERATIONS,
                black_box(&sa),
                SIGNAL_ALICE_ID,
                &sb,
                SIGNAL_BOB_ID,
            ));
        },
        || {
            black_box(safety::floor_digest(black_box(&sa), SIGNAL_ALICE_ID));
            black_box(safety::floor_digest(black_box(&sb), SIGNAL_BOB_ID));
        },
    );
    let on_alice = SafetyNumber::new(&p.alice, &p.alice_id, &p.bob, &p.bob_id);
    let shown = SafetyNumber::new(&p.bob, &p.bob_id, &p.alice, &p.alice_id).scannable();
    let ours = on_alice.scannable();
    let local: [u8; 32] = ours[6..38].try_into().unwrap();
    let remote: [u8; 32] = ours[42..74].try_into().unwrap();
    race(
        SCANNED,
        || {
            black_box(on_alice.verify_scanned(black_box(&shown), NOW).unwrap());
        },
        || {
            assert!(safety::floor_check_scanned(
                black_box(&shown),
                &local,
                &remote
            ));
        },
    );

    let strings = MatrixStrings::new();
    let (rust_pair, mut r1) = pair(130, RUST.provider);
    let (aws_pair, mut r2) = pair(130, AWS.provider);
    let (ik_s, ik_r) = identities(&rust_pair.alice);
    let mut r3 = rng(133);
    race(
        SAS_RUST_FLOOR,
        || {
            black_box(sas::exchange(&mut r1, &rust_pair.alice, &rust_pair.bob));
        },
        || {
            black_box(floor::exchange::<Dalek>(&mut r3, &ik_s, &ik_r));
        },
    );
    race(
        SAS_AWS_FLOOR,
        || {
            black_box(sas::exchange(&mut r2, &aws_pair.alice, &aws_pair.bob));
        },
        || {
            black_box(floor::exchange::<AwsEach>(&mut r3, &ik_s, &ik_r));
        },
    );
    race(
        SAS_AWS_ONCE,
        || {
            black_box(sas::exchange(&mut r2, &aws_pair.alice, &aws_pair.bob));
        },
        || {
            black_box(floor::exchange::<AwsOnce>(&mut r3, &ik_s, &ik_r));
        },
    );
    race(
        SAS_RUST_PEER,
        || {
            black_box(sas::exchange(&mut r1, &rust_pair.alice, &rust_pair.bob));
        },
        || {
            black_box(peer::exchange(black_box(&strings), true));
        },
    );
    race(
        SAS_AWS_PEER,
        || {
            black_box(sas::exchange(&mut r2, &aws_pair.alice, &aws_pair.bob));
        },
        || {
            black_box(peer::exchange(black_box(&strings), true));
        },
    );
    race(
        FLOOR_RUST_PEER,
        || {
            black_box(floor::exchange::<Dalek>(&mut r3, &ik_s, &ik_r));
        },
        || {
            black_box(peer::exchange(black_box(&strings), true));
        },
    );
}

/// The median over the passes of a pair's per-pass figure.
pub(crate) fn median(label: &str) -> Option<f64> {
    let all = RESULTS.lock().unwrap();
    let (_, ratios) = all.iter().find(|(l, _)| *l == label)?;
    let mut medians: Vec<f64> = ratios.iter().map(|r| r.median).collect();
    (!medians.is_empty()).then(|| crate::run_report::median(&mut medians))
}
