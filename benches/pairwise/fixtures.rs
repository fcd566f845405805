//! Shared set-up: hushwire and vodozemac sessions in known states, payloads, and settings.

use criterion::BatchSize;
use hushwire::{
    Config, Envelope, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId, OneTimePreKeyPair,
    PreKeyBundle, PreKeyBundleIn, PreKeyMessage, Session, SignedPreKeyId, SignedPreKeyPair,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
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
pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A payload of `len` bytes.
pub(crate) fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Default limits, with `max_encoded_len` raised so a 1 MiB payload (plus the 176-byte
/// envelope bound) is accepted by `encrypt` and by the decoders.
pub(crate) fn config() -> Config {
    let mut config = Config::default();
    config.max_encoded_len = 4 * 1024 * 1024;
    config
}

/// Bob's keys before any session, and the bundle he publishes (as bytes and verified).
pub(crate) struct Bob {
    pub(crate) identity: IdentityKeyPair,
    pub(crate) spk: SignedPreKeyPair,
    pub(crate) otk: Option<OneTimePreKeyPair>,
    pub(crate) bundle_bytes: Vec<u8>,
    pub(crate) bundle: PreKeyBundle,
}

impl Bob {
    pub(crate) fn new(rng: &mut ChaCha20Rng, with_otk: bool) -> Self {
        let identity = IdentityKeyPair::generate(rng);
        let spk = SignedPreKeyPair::generate(rng, &identity, SignedPreKeyId(1), 1_764_000_000);
        let otk = with_otk.then(|| OneTimePreKeyPair::generate(rng, OneTimePreKeyId(7)));
        let bundle_bytes =
            PreKeyBundle::new(&identity, &spk, otk.as_ref().map(|k| *k.public())).encode();
        let bundle = PreKeyBundleIn::decode(&bundle_bytes, &config())
            .unwrap()
            .validate()
            .unwrap();
        Self {
            identity,
            spk,
            otk,
            bundle_bytes,
            bundle,
        }
    }

    /// A fresh store holding Bob's prekeys (a one-time prekey is consumed by `accept`).
    pub(crate) fn store(&self) -> InMemoryPreKeyStore {
        let mut store = InMemoryPreKeyStore::new();
        store.add_signed_prekey(self.spk.clone());
        if let Some(otk) = &self.otk {
            store.add_one_time_prekey(otk.clone());
        }
        store
    }
}

/// Unwraps the first message of a session.
pub(crate) fn prekey(envelope: Envelope) -> PreKeyMessage {
    match envelope {
        Envelope::PreKey(message) => message,
        _ => panic!("expected a PreKeyMessage"),
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

pub(crate) fn pair(seed: u64) -> Pair {
    let mut rng = rng(seed);
    let bob_keys = Bob::new(&mut rng, true);
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let mut alice =
        Session::initiate(&mut rng, &alice_identity, &bob_keys.bundle, config()).unwrap();
    let first = prekey(alice.encrypt(b"first").unwrap());
    let mut store = bob_keys.store();
    let (mut bob, plaintext) =
        Session::accept(&mut rng, &bob_keys.identity, &mut store, &first, config()).unwrap();
    assert_eq!(plaintext, b"first");
    let reply = bob.encrypt(b"reply").unwrap();
    assert_eq!(alice.decrypt(&mut rng, &reply).unwrap(), b"reply");
    Pair { alice, bob, rng }
}

/// A pair whose Bob already received one message on Alice's current chain: Alice's next
/// message is on an existing chain for Bob.
pub(crate) fn pair_on_chain(seed: u64) -> Pair {
    let mut p = pair(seed);
    let m = p.alice.encrypt(b"opens the chain").unwrap();
    p.bob.decrypt(&mut p.rng, &m).unwrap();
    p
}

/// A pair on an existing chain where Bob stores `skipped` message keys: Alice sent `skipped`
/// messages Bob never received, then one he did.
pub(crate) fn pair_with_skipped(seed: u64, skipped: usize) -> Pair {
    let mut p = pair_on_chain(seed);
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
