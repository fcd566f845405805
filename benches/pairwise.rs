//! hushwire benchmarks: its operations, the floor of raw primitives each must call, and
//! vodozemac's Olm as the peer, in one run: `cargo bench --bench pairwise`.
//! See benches/README.md for the method and the results.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "pairwise/fixtures.rs"]
mod fixtures;
#[path = "pairwise/floor.rs"]
mod floor;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "pairwise/olm.rs"]
mod olm;
#[path = "pairwise/ops.rs"]
mod ops;
#[path = "pairwise/report.rs"]
mod report;
#[path = "common/shared.rs"]
mod shared;

use criterion::Criterion;

/// Serialized sizes and in-memory sizes, printed before the tables.
fn memory() -> String {
    use std::fmt::Write as _;
    let mut out = String::from("## Memory\n\n");
    let cfg = fixtures::config(fixtures::RUST.provider);
    let mut r = fixtures::rng(40);
    let bob = fixtures::Bob::new(&mut r, true);
    let alice_id = hushwire::IdentityKeyPair::generate(&mut r);
    let mut alice = hushwire::Session::initiate(&mut r, &alice_id, &bob.bundle, &cfg).unwrap();
    let initiated = alice.to_stored().len();
    let first = fixtures::prekey(alice.encrypt(b"hi").unwrap());
    let (accepted, _) =
        hushwire::Session::accept_with_store(&mut r, &bob.identity, &mut bob.store(), &first, &cfg)
            .unwrap();
    // Wire sizes of the set-up, classic and hybrid (one-time prekey in both; the hybrid bundle
    // with its one-time KEM prekey), from real encodings; the first message carries 64 bytes.
    let hybrid_cfg = fixtures::hybrid_config(fixtures::RUST.provider);
    let hybrid_bob = fixtures::Bob::hybrid(&mut r, true);
    let mut hybrid_alice =
        hushwire::Session::initiate(&mut r, &alice_id, &hybrid_bob.bundle, &hybrid_cfg).unwrap();
    let hybrid_initiated = hybrid_alice.to_stored().len();
    let mut classic_alice =
        hushwire::Session::initiate(&mut r, &alice_id, &bob.bundle, &cfg).unwrap();
    let classic_first = classic_alice.encrypt(&[0u8; 64]).unwrap().encode().len();
    let hybrid_first = hybrid_alice.encrypt(&[0u8; 64]).unwrap().encode().len();
    let _ = writeln!(
        out,
        "| wire | classic bytes | hybrid bytes | hybrid − classic |\n|---|---:|---:|---:|"
    );
    for (what, classic, hybrid) in [
        (
            "prekey bundle (with one-time prekey)",
            bob.bundle_bytes.len(),
            hybrid_bob.bundle_bytes.len(),
        ),
        (
            "first message (64-byte payload)",
            classic_first,
            hybrid_first,
        ),
        (
            "initiator state right after initiate",
            initiated,
            hybrid_initiated,
        ),
    ] {
        let _ = writeln!(
            out,
            "| {what} | {classic} | {hybrid} | {} |",
            hybrid - classic
        );
    }
    let _ = writeln!(out);
    let p = fixtures::pair_on_chain(41, fixtures::RUST.provider);
    let _ = writeln!(
        out,
        "| state | serialized bytes | skipped keys |\n|---|---:|---:|"
    );
    let _ = writeln!(out, "| initiator right after initiate | {initiated} | 0 |");
    let _ = writeln!(
        out,
        "| responder right after accept | {} | 0 |",
        accepted.to_stored().len()
    );
    let _ = writeln!(
        out,
        "| initiator, established | {} | 0 |",
        p.alice.to_stored().len()
    );
    let _ = writeln!(
        out,
        "| responder, established | {} | 0 |",
        p.bob.to_stored().len()
    );
    let base = p.bob.to_stored().len();
    for n in [1usize, 100, 1000, 2000] {
        let s = fixtures::pair_with_skipped(42, n).bob;
        let len = s.to_stored().len();
        let _ = writeln!(
            out,
            "| responder, established, then {n} messages lost and 1 received | {len} (+{:.1} per key) | {} |",
            (len - base) as f64 / n as f64,
            s.skipped_key_count()
        );
    }
    let _ = writeln!(
        out,
        "\nA stored skipped key is {} B in memory (X25519PublicKey {} B + u32 counter 4 B + \
         32-byte message key), so at most {} B of live keys at max_skipped_keys = {}.",
        std::mem::size_of::<hushwire::X25519PublicKey>() + 4 + 32,
        std::mem::size_of::<hushwire::X25519PublicKey>(),
        (std::mem::size_of::<hushwire::X25519PublicKey>() + 4 + 32) * cfg.max_skipped_keys,
        cfg.max_skipped_keys,
    );
    let _ = writeln!(
        out,
        "Compiled with target features: avx2 {}, avx512f {}, bmi2 {}, sha {}, aes {}.",
        cfg!(target_feature = "avx2"),
        cfg!(target_feature = "avx512f"),
        cfg!(target_feature = "bmi2"),
        cfg!(target_feature = "sha"),
        cfg!(target_feature = "aes"),
    );
    let _ = writeln!(
        out,
        "\nsize_of: Session {} B, X25519PublicKey {} B, IdentityKey {} B, Config {} B.",
        std::mem::size_of::<hushwire::Session>(),
        std::mem::size_of::<hushwire::X25519PublicKey>(),
        std::mem::size_of::<hushwire::IdentityKey>(),
        std::mem::size_of::<hushwire::Config>(),
    );
    out
}

/// Every benchmark once, in an order where each hushwire operation runs right next to its
/// floor and its vodozemac counterpart, for each provider in turn and then the limit floor
/// (where it is a composition of its own), so that a change in machine load (other jobs share
/// the cores) hits them alike.
fn pass(c: &mut Criterion) {
    use fixtures::COLUMNS;
    use floor::Set;
    for col in COLUMNS {
        floor::fixed_primitives(c, col);
    }
    floor::kem_primitives(c);
    for col in COLUMNS {
        ops::setup_initiate(c, col);
        floor::setup_initiate(c, Set::of(col));
    }
    floor::setup_initiate(c, Set::Limit);
    ops::setup_hybrid(c, "initiate");
    floor::setup_hybrid(c, "initiate");
    olm::outbound(c);
    for col in COLUMNS {
        ops::setup_accept(c, col);
        floor::setup_accept(c, Set::of(col));
    }
    floor::setup_accept(c, Set::Limit);
    ops::setup_hybrid(c, "accept");
    floor::setup_hybrid(c, "accept");
    olm::inbound(c);
    for (name, len) in fixtures::SIZES {
        for col in COLUMNS {
            floor::aead(c, col, name, len);
        }
        for col in COLUMNS {
            ops::encrypt(c, col, name, len);
            floor::message(c, Set::of(col), "encrypt", name, len);
        }
        floor::message(c, Set::Limit, "encrypt", name, len);
        olm::encrypt(c, name, len);
        for col in COLUMNS {
            ops::decrypt(c, col, name, len);
            floor::message(c, Set::of(col), "decrypt", name, len);
        }
        floor::message(c, Set::Limit, "decrypt", name, len);
        olm::decrypt(c, name, len);
        for col in COLUMNS {
            ops::decrypt_ratchet(c, col, name, len);
            floor::message(c, Set::of(col), "decrypt_ratchet", name, len);
        }
        floor::message(c, Set::Limit, "decrypt_ratchet", name, len);
        olm::decrypt_ratchet(c, name, len);
        ops::envelope(c, name, len);
        olm::message(c, name, len);
    }
    for col in COLUMNS {
        ops::decrypt_sequential(c, col);
    }
    ops::state(c);
    olm::state(c);
    for col in COLUMNS {
        ops::pingpong(c, col);
        floor::pingpong(c, Set::of(col));
    }
    floor::pingpong(c, Set::Limit);
    olm::pingpong(c);
    for col in COLUMNS {
        ops::handshake(c, col);
        floor::handshake(c, Set::of(col));
    }
    floor::handshake(c, Set::Limit);
    ops::setup_hybrid(c, "handshake");
    floor::setup_hybrid(c, "handshake");
    olm::handshake(c);
}

fn main() {
    // `PAIRWISE_COMPARE=now.md,then.md`: no benchmarks, only the default provider's column of
    // one committed report against another's (the comparison `PAIRWISE_BASELINES` adds to a
    // run's report), for a baseline run after the run it is compared with.
    if let Ok(pair) = std::env::var("PAIRWISE_COMPARE") {
        let (now, then) = pair
            .split_once(',')
            .expect("PAIRWISE_COMPARE=now.md,then.md");
        print!("{}", report::compare_reports(now, then));
        return;
    }
    // The whole sequence runs PAIRWISE_PASSES times (default 3), and the report takes each
    // benchmark's smallest median over the passes.
    let passes = criterion_run::passes("PAIRWISE_PASSES");
    let medians = criterion_run::Medians::start(passes);
    let cpu = report::CpuTimes::now();
    let mut c = criterion_run::criterion();
    let memory = memory();
    println!("{memory}");
    // The limit floors' choice of primitives, made once before the first pass.
    let _ = floor::limit();
    for _ in 0..passes {
        pass(&mut c);
    }
    c.final_summary();
    report::print(&medians, cpu, &memory);
}
