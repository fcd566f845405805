//! Multi-device fan-out (SPEC.md 14.5): one 1 KiB message from a device whose account has 4
//! devices to an account with 5, `DeviceSessions::encrypt_for_account` (8 pairwise messages,
//! each bound to its addresses), next to its floor (8 `Session::encrypt` on the same
//! established sessions as plain sessions) and vodozemac's Olm encrypting 8 times; and the
//! receive side, `DeviceSessions::decrypt` of one of the 8 next to `Session::decrypt`, in one
//! run: `cargo bench --bench devices`. The method is the `business` bench's (benches/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/alternating.rs"]
mod alternating;
#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "devices/fixtures.rs"]
mod fixtures;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "devices/paired.rs"]
mod paired;
// The pairwise bench's set-up, for its vodozemac pairs and payloads; the rest is for that
// target.
#[allow(dead_code, unused_imports)]
#[path = "pairwise/fixtures.rs"]
mod pairwise_fixtures;
#[path = "devices/report.rs"]
mod report;
#[path = "common/run_report.rs"]
mod run_report;
// `aws_agree` and `sum` are for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use criterion::{BatchSize, Criterion};

use fixtures::{Fixtures, decrypt_in_order};
use paired::Paired;

/// Every benchmark once: each operation right after its floor, so that load drift hits them
/// alike. The encrypting benchmarks go on from the state the last iteration left (a sending
/// chain only advances); the decrypting ones decrypt, in order, messages their sender made
/// untimed just before, on a receiver that lives through the run.
fn pass(c: &mut Criterion, f: &mut Fixtures) -> Paired {
    let mut g = c.benchmark_group("devices_fanout");
    g.bench_function("floor_8_encrypts", |b| {
        b.iter_batched(|| (), |()| f.floor.encrypts(), BatchSize::SmallInput)
    });
    g.bench_function("fan_out", |b| {
        b.iter_batched(|| (), |()| f.sender.fan_out(), BatchSize::SmallInput)
    });
    g.bench_function("vodozemac_8_encrypts", |b| {
        b.iter_batched(|| (), |()| f.olm.encrypts(), BatchSize::SmallInput)
    });
    g.finish();

    let mut g = c.benchmark_group("devices_receive");
    g.bench_function("floor_decrypt", |b| {
        b.iter_custom(|iters| decrypt_in_order(&mut f.plain_link, iters))
    });
    g.bench_function("decrypt", |b| {
        b.iter_custom(|iters| decrypt_in_order(&mut f.device_link, iters))
    });
    g.bench_function("vodozemac_decrypt", |b| {
        b.iter_custom(|iters| decrypt_in_order(&mut f.olm_link, iters))
    });
    g.finish();

    let mut g = c.benchmark_group("devices_primitive");
    g.bench_function("encrypt_1KiB", |b| {
        b.iter_batched(|| (), |()| f.floor.encrypt_one(), BatchSize::SmallInput)
    });
    g.bench_function("vodozemac_encrypt_1KiB", |b| {
        b.iter_batched(|| (), |()| f.olm.encrypt_one(), BatchSize::SmallInput)
    });
    g.finish();

    paired::pass(f)
}

fn main() {
    // DEVICES_PASSES (default 3): the whole sequence runs that many times, and the report
    // takes each benchmark's smallest median over the passes.
    let passes = criterion_run::passes("DEVICES_PASSES");
    let run = run_report::Run::start(passes);
    let mut f = fixtures::fixtures();
    let mut c = criterion_run::criterion();
    let paired: Vec<Paired> = (0..passes).map(|_| pass(&mut c, &mut f)).collect();
    c.final_summary();
    report::print(&run, &paired, &f);
}
