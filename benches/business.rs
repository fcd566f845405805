//! Verified business accounts (SPEC.md 13): decoding and validating a certificate chain, taking
//! in a revocation list, and what a chain adds to validating a prekey bundle, each next to its
//! floor (the raw Ed25519 `verify_strict` calls it must make, with `ed25519-dalek`), in one run:
//! `cargo bench --bench business`. See benches/README.md for the method and results.
//!
//! There is no peer: vodozemac has no certificates, and libsignal's sealed-sender certificate
//! validation (the conceptual peer) is not buildable here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "business/fixtures.rs"]
mod fixtures;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "business/paired.rs"]
mod paired;
#[path = "business/report.rs"]
mod report;
#[path = "common/run_report.rs"]
mod run_report;
// `aws_agree` and `sum` are for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use ed25519_dalek::VerifyingKey;
use prost::Message as _;

use hushwire::{BusinessCertificateIn, PreKeyBundleIn, RevocationList};
use hushwire_testkit::pb;

use fixtures::{BUSINESS_SERIAL, Fixtures, NOW};
use paired::Paired;

/// Every benchmark once: each operation right after its floor, so that load drift hits them
/// alike.
fn pass(c: &mut Criterion, f: &Fixtures) -> Paired {
    let mut g = c.benchmark_group("business_chain");
    g.bench_function("floor", |b| b.iter(|| f.floor_chain()));
    g.bench_function("decode", |b| {
        b.iter(|| BusinessCertificateIn::decode(black_box(&f.chain_bytes)).unwrap())
    });
    g.bench_function("decode_validate_10k", |b| {
        b.iter(|| f.decode_validate(&f.held))
    });
    for (id, held) in [("validate_10k", &f.held), ("validate_100k", &f.held_large)] {
        g.bench_function(id, |b| {
            b.iter_batched(
                || f.chain.clone(),
                |chain| chain.validate(&f.roots, NOW, held).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    for (id, list) in [("lookup_10k", &f.list), ("lookup_100k", &f.list_large)] {
        g.bench_function(id, |b| {
            b.iter(|| {
                black_box(list)
                    .revoked_serials()
                    .binary_search(black_box(&BUSINESS_SERIAL))
                    .is_ok()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("business_revocation");
    g.bench_function("floor_10k", |b| b.iter(|| f.floor_update()));
    g.bench_function("decode_10k", |b| {
        b.iter(|| RevocationList::decode(black_box(&f.list_bytes)).unwrap())
    });
    g.bench_function("update_10k", |b| {
        b.iter_batched(
            || f.root_only.clone(),
            |mut held| {
                f.update(&mut held);
                held
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("business_bundle");
    g.bench_function("floor_plain", |b| b.iter(|| f.raw_prekey.verify()));
    g.bench_function("plain", |b| b.iter(|| f.bundle_plain()));
    g.bench_function("floor_business", |b| {
        b.iter(|| {
            f.raw_prekey.verify();
            f.floor_chain();
        })
    });
    g.bench_function("business", |b| b.iter(|| f.bundle_business()));
    g.bench_function("chain_not_validated", |b| {
        b.iter(|| {
            let bundle = PreKeyBundleIn::decode(black_box(&f.bundle_business), &f.config).unwrap();
            black_box(bundle.validate().unwrap())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("business_primitive");
    g.bench_function("verify_issuer_certificate", |b| {
        b.iter(|| f.raw_issuer.verify())
    });
    g.bench_function("verify_business_certificate", |b| {
        b.iter(|| f.raw_business.verify())
    });
    g.bench_function("verify_list_10k", |b| b.iter(|| f.raw_list.verify()));
    g.bench_function("verify_signed_prekey", |b| b.iter(|| f.raw_prekey.verify()));
    g.bench_function("prost_decode_list_body_10k", |b| {
        b.iter(|| pb::RevocationListBody::decode(black_box(f.list_body.as_slice())).unwrap())
    });
    g.bench_function("prost_encode_list_body_10k", |b| {
        b.iter(|| black_box(&f.list_body_pb).encode_to_vec())
    });
    g.bench_function("decompress_key", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&f.key_bytes)).unwrap())
    });
    g.finish();

    paired::pass(f)
}

fn main() {
    // BUSINESS_PASSES (default 3): the whole sequence runs that many times, and the report
    // takes each benchmark's smallest median over the passes.
    let passes = criterion_run::passes("BUSINESS_PASSES");
    let run = run_report::Run::start(passes);
    let f = fixtures::fixtures();
    let mut c = criterion_run::criterion();
    let paired: Vec<Paired> = (0..passes).map(|_| pass(&mut c, &f)).collect();
    c.final_summary();
    report::print(&run, &paired, &f);
}
