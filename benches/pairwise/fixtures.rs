//! Shared set-up: hushwire and vodozemac sessions in known states, payloads, and settings.

use criterion::BatchSize;
use hushwire::provider::{AWS_LC_RS, CryptoProvider, RUST_CRYPTO};
use hushwire::{Config, InMemoryPreKeyStore, Session};
use hushwire_testkit::fixtures::{
    ChaCha20Rng, KemOptions, Pair as Established, Responder, ResponderOptions,
};
use vodozemac::olm::{Account, OlmMessage, Session as OlmSession, SessionConfig};

/// The payload sizes every per-message operation is measured at.
pub(crate) const SIZES: [(&str, usize); 4] = [
    ("64B", 64),
    ("1KiB", 1024),
    ("64KiB", 64 * 1024),
    ("1MiB", 1024 * 1024),
];

/// Measurement time of the round trips and handshakes (the like-for-like comparisons).
pub(crate) const ROUND_TRIP_TIME: std::time::Duration = std::time::Duration::from_secs(4);

/// Criterion batch size for an operation on `len` bytes whose output is dropped untimed.
/// Small payloads batch (measurement overhead stays negligible); from 64 KiB up each output is
/// dropped right after its iteration, so the allocator reuses the freed buffer as a backend
/// handling one message after another would, instead of returning a batch's worth of
/// megabytes to the kernel and page-faulting it back in on the next batch.
pub(crate) fn batch(len: usize) -> BatchSize {
    if len >= 64 * 1024 {
        BatchSize::PerIteration
    } else {
        BatchSize::SmallInput
    }
}

/// A seeded CSPRNG, the kind of rng a backend would pass to hushwire.
pub(crate) use hushwire_testkit::fixtures::rng;

/// Unwraps the first message of a session.
pub(crate) use hushwire_testkit::fixtures::prekey;

/// A payload of `len` bytes.
pub(crate) fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// One provider column of the report: the provider hushwire runs on, and the criterion groups
/// of its hushwire operations, of its floor and of its raw primitives. The RustCrypto groups
/// keep the names of every earlier report (`hushwire`, `floor`, `primitive`), so their
/// benchmark ids compare with those runs one to one.
#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub(crate) provider: &'static CryptoProvider,
    pub(crate) hushwire: &'static str,
    pub(crate) floor: &'static str,
    pub(crate) primitive: &'static str,
}

/// `hushwire::provider::RUST_CRYPTO`, the default.
pub(crate) const RUST: Column = Column {
    provider: &RUST_CRYPTO,
    hushwire: "hushwire",
    floor: "floor",
    primitive: "primitive",
};

/// `hushwire::provider::AWS_LC_RS` (feature `aws-lc-rs`, enabled by the dev-dependency).
pub(crate) const AWS: Column = Column {
    provider: &AWS_LC_RS,
    hushwire: "hushwire_aws",
    floor: "floor_aws",
    primitive: "primitive_aws",
};

/// Both provider columns, in the order each operation measures them.
pub(crate) const COLUMNS: [Column; 2] = [RUST, AWS];

/// Default limits on `provider`, with `max_encoded_len` raised so a 1 MiB payload (plus the
/// 176-byte envelope bound) is accepted by `encrypt` and by the decoders, and the classic
/// set-up allowed (`PostQuantumPolicy::Optional`): every row but the hybrid ones measures
/// classic X3DH sessions, as every earlier report did (the default policy refuses a bundle
/// without a KEM prekey).
pub(crate) fn config(provider: &'static CryptoProvider) -> Config {
    let mut config = hybrid_config(provider);
    config.post_quantum = hushwire::PostQuantumPolicy::Optional;
    config
}

/// [`config`] with the default policy, which requires the hybrid set-up: the hybrid rows.
pub(crate) fn hybrid_config(provider: &'static CryptoProvider) -> Config {
    let mut config = Config::default();
    config.max_encoded_len = 4 * 1024 * 1024;
    config.provider = provider;
    config
}

/// When the benches' Bob signed his prekey.
const SIGNED_AT: u64 = 1_764_000_000;

/// Bob's keys before any session, and the bundle he publishes (as bytes and verified): the
/// test kit's [`Responder`] (its fields through `Deref`), with the bundle decoded at
/// [`config`]'s limits.
pub(crate) struct Bob(Responder);

impl Bob {
    /// Bob with signed prekey 1 and, if `with_otk`, one-time prekey 7.
    pub(crate) fn new(rng: &mut ChaCha20Rng, with_otk: bool) -> Self {
        Self(Responder::generate(
            rng,
            &ResponderOptions {
                one_time_prekey: with_otk,
                signed_at: SIGNED_AT,
                config: config(&RUST_CRYPTO),
                kem: None,
            },
        ))
    }

    /// A hybrid Bob: signed prekey 1, one-time prekey 7, and a KEM prekey in his bundle: the
    /// one-time KEM prekey (id 1) if `one_time_kem`, else the last-resort one (id 100); his
    /// bundle is decoded under [`hybrid_config`].
    pub(crate) fn hybrid(rng: &mut ChaCha20Rng, one_time_kem: bool) -> Self {
        Self(Responder::generate(
            rng,
            &ResponderOptions {
                one_time_prekey: true,
                signed_at: SIGNED_AT,
                config: hybrid_config(&RUST_CRYPTO),
                kem: Some(KemOptions {
                    one_time: one_time_kem,
                }),
            },
        ))
    }

    /// A fresh store holding Bob's prekeys (a one-time prekey is consumed by `accept`).
    pub(crate) fn store(&self) -> InMemoryPreKeyStore {
        self.0.fresh_store()
    }
}

impl std::ops::Deref for Bob {
    type Target = Responder;

    fn deref(&self) -> &Responder {
        &self.0
    }
}

/// A hushwire pair after a full exchange: Alice initiated, Bob accepted her first message and
/// replied, Alice decrypted the reply. Alice's next message starts a new chain (Bob takes a DH
/// ratchet step on it); she sends RatchetMessages from now on.
pub(crate) struct Pair {
    pub(crate) alice: Session,
    pub(crate) bob: Session,
    pub(crate) rng: ChaCha20Rng,
}

/// The test kit's [`Established::establish`] at [`config`]'s limits on `provider` (both
/// sessions run on it), from `rng(seed)`.
pub(crate) fn pair(seed: u64, provider: &'static CryptoProvider) -> Pair {
    let mut rng = rng(seed);
    let bob = Bob::new(&mut rng, true);
    let Established { alice, bob, .. } = Established::establish(&mut rng, bob.0, config(provider));
    assert_eq!(alice.config().provider, provider);
    assert_eq!(bob.config().provider, provider);
    Pair { alice, bob, rng }
}

/// A pair whose Bob already received one message on Alice's current chain: Alice's next
/// message is on an existing chain for Bob.
pub(crate) fn pair_on_chain(seed: u64, provider: &'static CryptoProvider) -> Pair {
    let mut p = pair(seed, provider);
    let m = p.alice.encrypt(b"opens the chain").unwrap();
    p.bob.decrypt(&mut p.rng, &m).unwrap();
    p
}

/// A pair on an existing chain where Bob stores `skipped` message keys: Alice sent `skipped`
/// messages Bob never received, then one he did. On the default provider: the rows that use
/// it (the skipped-key search, storing and loading) do no X25519 or AEAD work of their own.
pub(crate) fn pair_with_skipped(seed: u64, skipped: usize) -> Pair {
    let mut p = pair_on_chain(seed, &RUST_CRYPTO);
    for _ in 0..skipped {
        p.alice.encrypt(b"lost").unwrap();
    }
    let m = p.alice.encrypt(b"arrives").unwrap();
    p.bob.decrypt(&mut p.rng, &m).unwrap();
    assert_eq!(p.bob.skipped_key_count(), skipped);
    p
}

/// Olm version 1 (AES-256-CBC + truncated HMAC-SHA256): the only session config vodozemac 0.11
/// offers without its experimental feature.
pub(crate) fn olm_config() -> SessionConfig {
    SessionConfig::version_1()
}

/// Clones an Olm session the only way vodozemac allows: through its pickle.
pub(crate) fn olm_clone(session: &OlmSession) -> OlmSession {
    OlmSession::from_pickle(session.pickle())
}

/// Clones an Olm account through its pickle.
pub(crate) fn account_clone(account: &Account) -> Account {
    Account::from_pickle(account.pickle())
}

/// Bob's Olm account with one published one-time key.
pub(crate) struct OlmBob {
    pub(crate) account: Account,
    pub(crate) otk: vodozemac::Curve25519PublicKey,
}

pub(crate) fn olm_bob() -> OlmBob {
    let mut account = Account::new();
    account.generate_one_time_keys(1);
    let otk = *account.one_time_keys().values().next().unwrap();
    account.mark_keys_as_published();
    OlmBob { account, otk }
}

/// An Olm pair in the same state as [`pair`]: Alice created the session, Bob created his from
/// her first (pre-key) message and replied, Alice decrypted the reply.
pub(crate) struct OlmPair {
    pub(crate) alice: OlmSession,
    pub(crate) bob: OlmSession,
}

pub(crate) fn olm_pair() -> OlmPair {
    let alice_account = Account::new();
    let mut bob = olm_bob();
    let mut alice = alice_account
        .create_outbound_session(olm_config(), bob.account.curve25519_key(), bob.otk)
        .unwrap();
    let OlmMessage::PreKey(first) = alice.encrypt(b"first").unwrap() else {
        panic!("expected a pre-key message")
    };
    let created = bob
        .account
        .create_inbound_session(olm_config(), alice_account.curve25519_key(), &first)
        .unwrap();
    assert_eq!(created.plaintext, b"first");
    let mut bob_session = created.session;
    let reply = bob_session.encrypt(b"reply").unwrap();
    assert_eq!(alice.decrypt(&reply).unwrap(), b"reply");
    OlmPair {
        alice,
        bob: bob_session,
    }
}

/// [`olm_pair`] after Bob received one message on Alice's current chain.
pub(crate) fn olm_pair_on_chain() -> OlmPair {
    let mut p = olm_pair();
    let m = p.alice.encrypt(b"opens the chain").unwrap();
    p.bob.decrypt(&m).unwrap();
    p
}
