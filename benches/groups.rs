//! Group messaging with Sender Keys (SPEC.md 15): encrypting and decrypting a group message at
//! 64 B, 1 KiB and 64 KiB, decrypting after a jump of 2,000 messages, creating and taking in a
//! distribution, and a member's removal from a 1,000-member group, each next to its floor (the
//! raw primitive calls it must make) and vodozemac's Megolm, in one run:
//! `cargo bench --bench groups`. The method is the `devices` and `business` benches'
//! (benches/README.md); the report also says why the backlog is not verified in batches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/alternating.rs"]
mod alternating;
#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "groups/fixtures.rs"]
mod fixtures;
#[path = "groups/floor.rs"]
mod floor;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "groups/paired.rs"]
mod paired;
// The pairwise bench's set-up, for its established pairs and payloads; the rest is for that
// target.
#[allow(dead_code, unused_imports)]
#[path = "pairwise/fixtures.rs"]
mod pairwise_fixtures;
#[path = "groups/report.rs"]
mod report;
// `floor_row` is for the other targets.
#[allow(dead_code)]
#[path = "common/run_report.rs"]
mod run_report;
// `aws_agree` and `sum` are for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion};
use ed25519_dalek::VerifyingKey;

use fixtures::{Fixtures, GROUP_SIZE, JUMP, OTHERS_AFTER, Wire, create_group, decrypt_in_order};
use paired::Paired;
use pairwise_fixtures::{batch, rng};

/// Every benchmark once: at each size the floor, hushwire and Megolm right after one another,
/// so that load drift hits them alike. The encrypting benchmarks go on from the state the
/// last iteration left (a chain only advances); the decrypting ones decrypt, in order,
/// messages their sender made untimed just before, on a receiver that lives through the run.
fn pass(c: &mut Criterion, f: &mut Fixtures) -> Paired {
    let mut g = c.benchmark_group("groups_encrypt");
    let Fixtures {
        hush,
        hush_aws,
        megolm,
        sizes,
        ..
    } = &mut *f;
    for size in sizes.iter_mut() {
        let (name, len) = (size.name, size.len);
        let payload = &size.payload;
        let floor = &mut size.floor;
        g.bench_function(BenchmarkId::new("floor", name), |b| {
            b.iter_batched(|| (), |()| floor.encrypt(), batch(len))
        });
        g.bench_function(BenchmarkId::new("encrypt", name), |b| {
            b.iter_batched(
                || (),
                |()| hush.encrypt(black_box(payload)).unwrap(),
                batch(len),
            )
        });
        g.bench_function(BenchmarkId::new("encrypt_aws", name), |b| {
            b.iter_batched(
                || (),
                |()| hush_aws.encrypt(black_box(payload)).unwrap(),
                batch(len),
            )
        });
        g.bench_function(BenchmarkId::new("encrypt_encode", name), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let message = hush.encrypt(black_box(payload)).unwrap();
                    let bytes = message.encode();
                    (message, bytes)
                },
                batch(len),
            )
        });
        g.bench_function(BenchmarkId::new("vodozemac_encrypt", name), |b| {
            b.iter_batched(|| (), |()| megolm.encrypt(black_box(payload)), batch(len))
        });
        g.bench_function(BenchmarkId::new("vodozemac_encrypt_encode", name), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let message = megolm.encrypt(black_box(payload));
                    let bytes = message.to_bytes();
                    (message, bytes)
                },
                batch(len),
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("groups_decrypt");
    for size in sizes.iter_mut() {
        let name = size.name;
        g.bench_function(BenchmarkId::new("floor", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut size.floor_link, iters))
        });
        g.bench_function(BenchmarkId::new("decrypt", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut size.hush, iters))
        });
        g.bench_function(BenchmarkId::new("decrypt_aws", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut size.hush_aws, iters))
        });
        g.bench_function(BenchmarkId::new("decode_decrypt", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut Wire(&mut size.hush), iters))
        });
        g.bench_function(BenchmarkId::new("vodozemac_decrypt", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut size.megolm, iters))
        });
        g.bench_function(BenchmarkId::new("vodozemac_decode_decrypt", name), |b| {
            b.iter_custom(|iters| decrypt_in_order(&mut Wire(&mut size.megolm), iters))
        });
    }
    g.finish();

    // Each iteration starts from a receiver whose chain is at iteration 0 (loaded from its
    // stored form, or a Megolm session imported at index 0, untimed) and decrypts the
    // message at iteration 2,000; the receiver is dropped untimed.
    let mut g = c.benchmark_group("groups_jump");
    let j = &f.jump;
    g.bench_function(BenchmarkId::new("floor", JUMP), |b| {
        b.iter_batched_ref(
            || j.floor_message.signed.clone(),
            |buf| {
                j.floor
                    .decrypt_after_jump(buf, &j.floor_message.signature, JUMP)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function(BenchmarkId::new("decrypt", JUMP), |b| {
        b.iter_batched(|| j.receiver(), |s| j.decrypt(s), BatchSize::SmallInput)
    });
    g.bench_function(BenchmarkId::new("vodozemac_decrypt", JUMP), |b| {
        b.iter_batched(
            || j.megolm_receiver(),
            |s| j.megolm_decrypt(s),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("groups_distribution");
    let d = &mut f.distributions;
    g.bench_function("create", |b| {
        b.iter_batched(|| (), |()| d.create(), BatchSize::SmallInput)
    });
    g.bench_function("vodozemac_export", |b| {
        b.iter_batched(|| (), |()| d.megolm_export(), BatchSize::SmallInput)
    });
    g.bench_function("floor_process", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&d.signing_key)).unwrap())
    });
    g.bench_function("process", |b| b.iter(|| d.cycle.process()));
    g.bench_function("vodozemac_import", |b| {
        b.iter_batched(|| (), |()| d.megolm_import(), BatchSize::SmallInput)
    });
    g.finish();

    let mut g = c.benchmark_group("groups_membership");
    let m = &mut f.membership;
    g.bench_function("remove_member", |b| b.iter_custom(|iters| m.remove(iters)));
    let p = &mut f.pairwise;
    g.bench_function("pairwise_encrypt", |b| {
        b.iter_batched(|| (), |()| p.encrypt(), BatchSize::SmallInput)
    });
    g.bench_function("pairwise_decrypt", |b| {
        b.iter_custom(|iters| decrypt_in_order(&mut p.link, iters))
    });
    // Milliseconds each: 10 samples (criterion's least) keep them near the measurement time.
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("process", OTHERS_AFTER), |b| {
        b.iter_batched(|| (), |()| m.process_round(), BatchSize::SmallInput)
    });
    let others = &m.others;
    let mut r = rng(165);
    g.bench_function(BenchmarkId::new("create", GROUP_SIZE), |b| {
        b.iter_batched(
            || others.clone(),
            |others| create_group(&mut r, others),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    floor::primitives(c, f);
    paired::pass(f)
}

fn main() {
    // GROUPS_PASSES (default 3): the whole sequence runs that many times, and the report
    // takes each benchmark's smallest median over the passes.
    let passes = criterion_run::passes("GROUPS_PASSES");
    let run = run_report::Run::start(passes);
    let mut f = fixtures::fixtures();
    let mut c = criterion_run::criterion();
    let paired: Vec<Paired> = (0..passes).map(|_| pass(&mut c, &mut f)).collect();
    c.final_summary();
    report::print(&run, &paired, &f);
}
