//! hushwire's own operations, through its public API.
//!
//! Unless a name says `wire`, `encode` or `decode`, an operation works on a decoded
//! [`Envelope`] / `PreKeyMessage` (the session layer); encoding and decoding are measured on
//! their own. Operations that consume state (decrypt, accept) run on a fresh clone made in
//! criterion's untimed `iter_batched` set-up, so no ciphertext is replayed against a state that
//! has already seen it; the clone itself is measured separately (`clone/*`), and
//! `decrypt_sequential` cross-checks the method without any clone. Outputs are dropped outside
//! the timed region, as for the floor and vodozemac.
//!
//! Each operation that does X25519 or AEAD work takes a [`Column`]: the provider its sessions
//! run on (through `Config::provider`) and the criterion group its figures go to. The rows that
//! do neither (encoding, storing, loading, cloning, validating keys) run on the default
//! provider only.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use hushwire::{Envelope, IdentityKeyPair, PreKeyBundleIn, Session, X25519PublicKey};
use std::hint::black_box;

use crate::fixtures::{
    Bob, Column, ROUND_TRIP_TIME, RUST, batch, config, hybrid_config, pair, pair_on_chain,
    pair_with_skipped, payload, prekey, rng,
};

/// Skipped keys stored in the "many skipped keys" states: the default `max_skipped_keys`.
pub(crate) const MANY_SKIPPED: usize = 2000;

/// Session set-up, initiator: from a verified bundle, and from the bundle's bytes; on the
/// default provider also decoding the bundle alone and validating one key.
pub(crate) fn setup_initiate(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.hushwire);
    let mut r = rng(3);
    let cfg = config(col.provider);
    let alice_identity = IdentityKeyPair::generate(&mut r);
    for (name, with_otk) in [("otk", true), ("no_otk", false)] {
        let bob = Bob::new(&mut r, with_otk);
        g.bench_function(BenchmarkId::new("initiate", name), |b| {
            b.iter(|| Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap())
        });
    }
    // From the bundle's bytes: decode (key validation), verify, initiate; and decode + verify.
    let bob = Bob::new(&mut r, true);
    g.bench_function(BenchmarkId::new("initiate_from_bundle", "otk"), |b| {
        b.iter(|| {
            let bundle = PreKeyBundleIn::decode(black_box(&bob.bundle_bytes), &cfg)
                .unwrap()
                .validate()
                .unwrap();
            Session::initiate(&mut r, &alice_identity, &bundle, &cfg).unwrap()
        })
    });
    if col.hushwire != RUST.hushwire {
        g.finish();
        return;
    }
    g.bench_function(BenchmarkId::new("bundle_decode_validate", "otk"), |b| {
        b.iter(|| {
            PreKeyBundleIn::decode(black_box(&bob.bundle_bytes), &cfg)
                .unwrap()
                .validate()
                .unwrap()
        })
    });
    // One public-key validation as the decoders run it (canonical + small-order check).
    let some_key = *bob.bundle.signed_prekey().public_key().as_bytes();
    g.bench_function("x25519_public_key_validate", |b| {
        b.iter(|| X25519PublicKey::from_bytes(black_box(&some_key)).unwrap())
    });
    g.finish();
}

/// Session set-up, responder: accept the first (64-byte) message, which decrypts it. Each
/// iteration gets a fresh prekey store (the one-time prekey is consumed).
pub(crate) fn setup_accept(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.hushwire);
    let mut r = rng(4);
    let cfg = config(col.provider);
    let alice_identity = IdentityKeyPair::generate(&mut r);
    for (name, with_otk) in [("otk", true), ("no_otk", false)] {
        let bob = Bob::new(&mut r, with_otk);
        let mut alice = Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap();
        let first = prekey(alice.encrypt(&payload(64)).unwrap());
        g.bench_function(BenchmarkId::new("accept", name), |b| {
            b.iter_batched_ref(
                || bob.store(),
                |store| {
                    Session::accept_with_store(&mut r, &bob.identity, store, &first, &cfg).unwrap()
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// Encrypt on an existing sending chain (the state moves on each time, as in use).
pub(crate) fn encrypt(c: &mut Criterion, col: Column, name: &str, len: usize) {
    let mut g = c.benchmark_group(col.hushwire);
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = pair_on_chain(10, col.provider);
    g.bench_function(BenchmarkId::new("encrypt", name), |b| {
        b.iter_batched(
            || (),
            |()| p.alice.encrypt(black_box(&msg)).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Decrypt on an existing receiving chain (counter 1, nothing skipped).
pub(crate) fn decrypt(c: &mut Criterion, col: Column, name: &str, len: usize) {
    let mut g = c.benchmark_group(col.hushwire);
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = pair_on_chain(11, col.provider);
    let env = p.alice.encrypt(&msg).unwrap();
    assert!(matches!(env, Envelope::Ratchet(_)));
    let mut check = p.bob.clone();
    assert_eq!(check.decrypt(&mut p.rng, &env).unwrap(), msg);
    g.bench_function(BenchmarkId::new("decrypt", name), |b| {
        b.iter_batched_ref(
            || p.bob.clone(),
            |s| s.decrypt(&mut p.rng, &env).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Decrypt a message with a new ratchet key: a DH ratchet step.
pub(crate) fn decrypt_ratchet(c: &mut Criterion, col: Column, name: &str, len: usize) {
    let mut g = c.benchmark_group(col.hushwire);
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = pair(12, col.provider);
    let env = p.alice.encrypt(&msg).unwrap();
    let mut check = p.bob.clone();
    let chains = check.receiving_chain_count();
    assert_eq!(check.decrypt(&mut p.rng, &env).unwrap(), msg);
    assert_eq!(
        check.receiving_chain_count(),
        chains + 1,
        "must be a ratchet step"
    );
    g.bench_function(BenchmarkId::new("decrypt_ratchet", name), |b| {
        b.iter_batched_ref(
            || p.bob.clone(),
            |s| s.decrypt(&mut p.rng, &env).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Envelope encoding and strict decoding (wire format, separate from the session layer).
pub(crate) fn envelope(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group(RUST.hushwire);
    g.throughput(Throughput::Bytes(len as u64));
    let cfg = config(RUST.provider);
    let mut p = pair_on_chain(19, RUST.provider);
    let env = p.alice.encrypt(&payload(len)).unwrap();
    let bytes = env.encode();
    g.bench_function(BenchmarkId::new("envelope_encode", name), |b| {
        b.iter_batched(|| (), |()| env.encode(), batch(len))
    });
    g.bench_function(BenchmarkId::new("envelope_decode", name), |b| {
        b.iter_batched(
            || (),
            |()| Envelope::decode(black_box(&bytes), &cfg).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Decrypt without clones (messages pre-generated in order): the cross-check of the clone
/// method of [`decrypt`], on `col`'s provider.
pub(crate) fn decrypt_sequential(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.hushwire);
    let small = payload(64);
    let mut p = pair_on_chain(13, col.provider);
    g.bench_function(BenchmarkId::new("decrypt_sequential", "64B"), |b| {
        b.iter_custom(|iters| {
            let envs: Vec<Envelope> = (0..iters)
                .map(|_| p.alice.encrypt(&small).unwrap())
                .collect();
            let start = std::time::Instant::now();
            for env in &envs {
                black_box(p.bob.decrypt(&mut p.rng, env).unwrap());
            }
            start.elapsed()
        })
    });
    g.finish();
}

/// Decrypt while many skipped keys are stored, and what cloning and storing a state cost (the
/// default provider: none of these calls X25519 or the AEAD).
pub(crate) fn state(c: &mut Criterion) {
    let mut g = c.benchmark_group(RUST.hushwire);
    let cfg = config(RUST.provider);
    let small = payload(64);
    // Each decrypt first searches the stored skipped keys.
    let mut p = pair_with_skipped(14, MANY_SKIPPED);
    let env = p.alice.encrypt(&small).unwrap();
    g.bench_function(BenchmarkId::new("decrypt_2000_skipped", "64B"), |b| {
        b.iter_batched_ref(
            || p.bob.clone(),
            |s| s.decrypt(&mut p.rng, &env).unwrap(),
            BatchSize::SmallInput,
        )
    });

    let fresh = pair_on_chain(15, RUST.provider).bob;
    let many = pair_with_skipped(16, MANY_SKIPPED).bob;
    for (name, s) in [("established", &fresh), ("2000_skipped", &many)] {
        g.bench_function(BenchmarkId::new("clone", name), |b| {
            b.iter_batched(|| (), |()| s.clone(), BatchSize::SmallInput)
        });
        let bytes = s.to_stored();
        g.bench_function(BenchmarkId::new("to_bytes", name), |b| {
            b.iter_batched(|| (), |()| s.to_stored(), BatchSize::SmallInput)
        });
        g.bench_function(BenchmarkId::new("from_bytes", name), |b| {
            b.iter_batched(
                || (),
                |()| Session::from_stored(black_box(bytes.as_bytes()), &cfg).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// Ping-pong round trip on established sessions: Alice encrypts, Bob decrypts (ratchet step),
/// Bob encrypts, Alice decrypts (ratchet step). The states move on each time. Session layer,
/// then with envelope encoding and decoding.
pub(crate) fn pingpong(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.hushwire);
    g.measurement_time(ROUND_TRIP_TIME);
    let small = payload(64);
    let mut p = pair(17, col.provider);
    g.bench_function(BenchmarkId::new("pingpong", "64B"), |b| {
        b.iter(|| {
            let m = p.alice.encrypt(&small).unwrap();
            p.bob.decrypt(&mut p.rng, &m).unwrap();
            let m = p.bob.encrypt(&small).unwrap();
            p.alice.decrypt(&mut p.rng, &m).unwrap()
        })
    });
    let mut p = pair(18, col.provider);
    g.bench_function(BenchmarkId::new("pingpong_wire", "64B"), |b| {
        b.iter(|| {
            let m = p.alice.encrypt(&small).unwrap().encode();
            p.bob.decrypt_bytes(&mut p.rng, &m).unwrap();
            let m = p.bob.encrypt(&small).unwrap().encode();
            p.alice.decrypt_bytes(&mut p.rng, &m).unwrap()
        })
    });
    g.finish();
}

/// The whole first exchange, session layer: initiate, first message, accept, reply, decrypt
/// the reply.
pub(crate) fn handshake(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.hushwire);
    g.measurement_time(ROUND_TRIP_TIME);
    let mut r = rng(20);
    let cfg = config(col.provider);
    let small = payload(64);
    let alice_identity = IdentityKeyPair::generate(&mut r);
    let bob = Bob::new(&mut r, true);
    g.bench_function(BenchmarkId::new("handshake", "64B"), |b| {
        b.iter_batched_ref(
            || bob.store(),
            |store| {
                let mut alice =
                    Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap();
                let first = prekey(alice.encrypt(&small).unwrap());
                let (mut bob_session, _) =
                    Session::accept_with_store(&mut r, &bob.identity, store, &first, &cfg).unwrap();
                let reply = bob_session.encrypt(&small).unwrap();
                alice.decrypt(&mut r, &reply).unwrap();
                (alice, bob_session)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// The hybrid set-up (SPEC.md 18) on the default provider, mirroring the classic rows with a
/// one-time prekey: `initiate/hybrid_otk` (verified bundle with one-time prekey 7 and one-time
/// KEM prekey 1), `initiate_from_bundle/hybrid_otk` (decode, verify both signatures, check the
/// KEM key, initiate), `accept/hybrid_otk` (fresh store each iteration: both one-time prekeys
/// are consumed), `handshake/hybrid_64B` (initiate, first message, accept, reply, decrypt the
/// reply). Every session runs under the default policy (hybrid required).
pub(crate) fn setup_hybrid(c: &mut Criterion, op: &str) {
    let mut g = c.benchmark_group(RUST.hushwire);
    let mut r = rng(21);
    let cfg = hybrid_config(RUST.provider);
    let alice_identity = IdentityKeyPair::generate(&mut r);
    let bob = Bob::hybrid(&mut r, true);
    let small = payload(64);
    match op {
        "initiate" => {
            g.bench_function(BenchmarkId::new("initiate", "hybrid_otk"), |b| {
                b.iter(|| Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap())
            });
            g.bench_function(
                BenchmarkId::new("initiate_from_bundle", "hybrid_otk"),
                |b| {
                    b.iter(|| {
                        let bundle = PreKeyBundleIn::decode(black_box(&bob.bundle_bytes), &cfg)
                            .unwrap()
                            .validate()
                            .unwrap();
                        Session::initiate(&mut r, &alice_identity, &bundle, &cfg).unwrap()
                    })
                },
            );
        }
        "accept" => {
            let mut alice = Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap();
            let first = prekey(alice.encrypt(&small).unwrap());
            assert!(first.kem().is_some());
            g.bench_function(BenchmarkId::new("accept", "hybrid_otk"), |b| {
                b.iter_batched_ref(
                    || bob.store(),
                    |store| {
                        Session::accept_with_store(&mut r, &bob.identity, store, &first, &cfg)
                            .unwrap()
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        _ => {
            g.measurement_time(ROUND_TRIP_TIME);
            g.bench_function(BenchmarkId::new("handshake", "hybrid_64B"), |b| {
                b.iter_batched_ref(
                    || bob.store(),
                    |store| {
                        let mut alice =
                            Session::initiate(&mut r, &alice_identity, &bob.bundle, &cfg).unwrap();
                        let first = prekey(alice.encrypt(&small).unwrap());
                        let (mut bob_session, _) =
                            Session::accept_with_store(&mut r, &bob.identity, store, &first, &cfg)
                                .unwrap();
                        let reply = bob_session.encrypt(&small).unwrap();
                        alice.decrypt(&mut r, &reply).unwrap();
                        (alice, bob_session)
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}
