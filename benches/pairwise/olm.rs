//! The peer: vodozemac's Olm (version 1: Curve25519 triple DH, AES-256-CBC + HMAC-SHA256
//! truncated to 8 bytes) at the same operations and sizes.
//!
//! vodozemac's `encrypt`/`decrypt` take and return `OlmMessage` values, but they encode the
//! message internally to compute and check its MAC; `to_parts`/`from_parts` turn it into wire
//! bytes and back. Sessions and accounts have no `Clone`: the decrypt and inbound benchmarks
//! restore a copy from the pickle in the untimed set-up (`clone` measures that).

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use vodozemac::olm::{Account, OlmMessage, Session as OlmSession, SessionPickle};

use crate::fixtures::{
    ROUND_TRIP_TIME, account_clone, batch, olm_bob, olm_clone, olm_config, olm_pair,
    olm_pair_on_chain, payload,
};

/// Outbound session creation (Alice, from Bob's identity key and one-time key).
pub(crate) fn outbound(c: &mut Criterion) {
    let mut g = c.benchmark_group("vodozemac");
    let alice_account = Account::new();
    let bob = olm_bob();
    g.bench_function("outbound", |b| {
        b.iter(|| {
            alice_account
                .create_outbound_session(olm_config(), bob.account.curve25519_key(), bob.otk)
                .unwrap()
        })
    });
    g.finish();
}

/// Inbound session creation from a 64-byte pre-key message (decrypts it and consumes the
/// one-time key, so each iteration gets a fresh copy of the account).
pub(crate) fn inbound(c: &mut Criterion) {
    let mut g = c.benchmark_group("vodozemac");
    let alice_account = Account::new();
    let bob = olm_bob();
    let mut alice = alice_account
        .create_outbound_session(olm_config(), bob.account.curve25519_key(), bob.otk)
        .unwrap();
    let OlmMessage::PreKey(first) = alice.encrypt(payload(64)).unwrap() else {
        panic!("expected a pre-key message")
    };
    g.bench_function("inbound", |b| {
        b.iter_batched_ref(
            || account_clone(&bob.account),
            |account| {
                account
                    .create_inbound_session(olm_config(), alice_account.curve25519_key(), &first)
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Encrypt on an existing sending chain.
pub(crate) fn encrypt(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group("vodozemac");
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = olm_pair_on_chain();
    g.bench_function(BenchmarkId::new("encrypt", name), |b| {
        b.iter_batched(
            || (),
            |()| p.alice.encrypt(black_box(&msg)).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Decrypt on an existing receiving chain.
pub(crate) fn decrypt(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group("vodozemac");
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = olm_pair_on_chain();
    let m = p.alice.encrypt(&msg).unwrap();
    assert!(matches!(m, OlmMessage::Normal(_)));
    assert_eq!(olm_clone(&p.bob).decrypt(&m).unwrap(), msg);
    g.bench_function(BenchmarkId::new("decrypt", name), |b| {
        b.iter_batched_ref(|| olm_clone(&p.bob), |s| s.decrypt(&m).unwrap(), batch(len))
    });
    g.finish();
}

/// Decrypt a message with a new ratchet key.
pub(crate) fn decrypt_ratchet(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group("vodozemac");
    g.throughput(Throughput::Bytes(len as u64));
    let msg = payload(len);
    let mut p = olm_pair();
    let m = p.alice.encrypt(&msg).unwrap();
    assert_eq!(olm_clone(&p.bob).decrypt(&m).unwrap(), msg);
    g.bench_function(BenchmarkId::new("decrypt_ratchet", name), |b| {
        b.iter_batched_ref(|| olm_clone(&p.bob), |s| s.decrypt(&m).unwrap(), batch(len))
    });
    g.finish();
}

/// Message encoding and decoding (`to_parts` / `from_parts`).
pub(crate) fn message(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group("vodozemac");
    g.throughput(Throughput::Bytes(len as u64));
    let mut p = olm_pair_on_chain();
    let m = p.alice.encrypt(payload(len)).unwrap();
    let (kind, bytes) = m.to_parts();
    g.bench_function(BenchmarkId::new("message_encode", name), |b| {
        b.iter_batched(|| (), |()| m.to_parts(), batch(len))
    });
    g.bench_function(BenchmarkId::new("message_decode", name), |b| {
        b.iter_batched(
            || (),
            |()| OlmMessage::from_parts(kind, black_box(&bytes)).unwrap(),
            batch(len),
        )
    });
    g.finish();
}

/// Decrypt without clones, and what cloning and storing a session cost.
pub(crate) fn state(c: &mut Criterion) {
    let mut g = c.benchmark_group("vodozemac");
    let small = payload(64);
    let mut p = olm_pair_on_chain();
    g.bench_function(BenchmarkId::new("decrypt_sequential", "64B"), |b| {
        b.iter_custom(|iters| {
            let msgs: Vec<OlmMessage> = (0..iters)
                .map(|_| p.alice.encrypt(&small).unwrap())
                .collect();
            let start = std::time::Instant::now();
            for m in &msgs {
                black_box(p.bob.decrypt(m).unwrap());
            }
            start.elapsed()
        })
    });

    let p = olm_pair_on_chain();
    g.bench_function(BenchmarkId::new("clone", "established"), |b| {
        b.iter_batched(|| (), |()| olm_clone(&p.bob), BatchSize::SmallInput)
    });
    // Storage: the pickle as JSON (serde), the closest to hushwire's to_bytes/from_bytes.
    let json = serde_json::to_vec(&p.bob.pickle()).unwrap();
    g.bench_function(BenchmarkId::new("to_bytes", "established"), |b| {
        b.iter_batched(
            || (),
            |()| serde_json::to_vec(&p.bob.pickle()).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function(BenchmarkId::new("from_bytes", "established"), |b| {
        b.iter_batched(
            || (),
            |()| {
                let pickle: SessionPickle = serde_json::from_slice(black_box(&json)).unwrap();
                OlmSession::from_pickle(pickle)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Ping-pong round trip, session layer and with wire encoding.
pub(crate) fn pingpong(c: &mut Criterion) {
    let mut g = c.benchmark_group("vodozemac");
    g.measurement_time(ROUND_TRIP_TIME);
    let small = payload(64);
    let mut p = olm_pair();
    g.bench_function(BenchmarkId::new("pingpong", "64B"), |b| {
        b.iter(|| {
            let m = p.alice.encrypt(&small).unwrap();
            p.bob.decrypt(&m).unwrap();
            let m = p.bob.encrypt(&small).unwrap();
            p.alice.decrypt(&m).unwrap()
        })
    });
    let mut p = olm_pair();
    g.bench_function(BenchmarkId::new("pingpong_wire", "64B"), |b| {
        b.iter(|| {
            let (kind, bytes) = p.alice.encrypt(&small).unwrap().to_parts();
            p.bob
                .decrypt(&OlmMessage::from_parts(kind, &bytes).unwrap())
                .unwrap();
            let (kind, bytes) = p.bob.encrypt(&small).unwrap().to_parts();
            p.alice
                .decrypt(&OlmMessage::from_parts(kind, &bytes).unwrap())
                .unwrap()
        })
    });
    g.finish();
}

/// The whole first exchange: outbound, first message, inbound, reply, decrypt the reply.
pub(crate) fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("vodozemac");
    g.measurement_time(ROUND_TRIP_TIME);
    let small = payload(64);
    let alice_account = Account::new();
    let bob = olm_bob();
    g.bench_function(BenchmarkId::new("handshake", "64B"), |b| {
        b.iter_batched_ref(
            || account_clone(&bob.account),
            |account| {
                let mut alice = alice_account
                    .create_outbound_session(olm_config(), account.curve25519_key(), bob.otk)
                    .unwrap();
                let OlmMessage::PreKey(first) = alice.encrypt(&small).unwrap() else {
                    panic!("expected a pre-key message")
                };
                let mut created = account
                    .create_inbound_session(olm_config(), alice_account.curve25519_key(), &first)
                    .unwrap();
                let reply = created.session.encrypt(&small).unwrap();
                alice.decrypt(&reply).unwrap();
                (alice, created.session)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}
