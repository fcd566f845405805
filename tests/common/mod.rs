//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use hushwire::{
    Config, Envelope, Error, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId,
    OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, PreKeyMessage, PreKeyStore, Session,
    SignedPreKeyId, SignedPreKeyPair,
};
pub use rand::SeedableRng;
pub use rand_chacha::ChaCha20Rng;

/// A seeded CSPRNG: every test is reproducible.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Bob's side before any session: identity, prekey store, and the bundle he publishes.
pub struct Responder {
    pub identity: IdentityKeyPair,
    pub store: InMemoryPreKeyStore,
    pub bundle: PreKeyBundle,
}

/// Bob with a signed prekey (id 1) and, if `with_otk`, one-time prekey id 7.
pub fn responder(rng: &mut ChaCha20Rng, with_otk: bool) -> Responder {
    let identity = IdentityKeyPair::generate(rng);
    let spk = SignedPreKeyPair::generate(rng, &identity, SignedPreKeyId(1), 1_750_000_000);
    let mut store = InMemoryPreKeyStore::new();
    let otk = with_otk.then(|| OneTimePreKeyPair::generate(rng, OneTimePreKeyId(7)));
    let bundle = PreKeyBundle::new(&identity, &spk, otk.as_ref().map(|k| *k.public()));
    store.add_signed_prekey(spk);
    if let Some(otk) = otk {
        store.add_one_time_prekey(otk);
    }
    // Round-trip through bytes and validation, as a real initiator would receive it.
    let bundle = PreKeyBundleIn::decode(&bundle.encode(), &Config::default())
        .unwrap()
        .validate()
        .unwrap();
    Responder {
        identity,
        store,
        bundle,
    }
}

impl Responder {
    /// Bob accepts `first` with his identity and store, at the default limits.
    pub fn accept(
        &mut self,
        rng: &mut ChaCha20Rng,
        first: &PreKeyMessage,
    ) -> Result<(Session, Vec<u8>), Error> {
        Session::accept(
            rng,
            &self.identity,
            &mut self.store,
            first,
            Config::default(),
        )
    }
}

/// The PreKeyMessage an envelope holds; panics on any other kind.
pub fn prekey(envelope: Envelope) -> PreKeyMessage {
    match envelope {
        Envelope::PreKey(message) => message,
        other => panic!("expected a PreKeyMessage, got {other:?}"),
    }
}

/// Alice, with a fresh identity, initiating a session to `bundle` with the default limits.
pub fn initiator(rng: &mut ChaCha20Rng, bundle: &PreKeyBundle) -> Session {
    let alice_identity = IdentityKeyPair::generate(rng);
    Session::initiate(rng, &alice_identity, bundle, Config::default()).unwrap()
}

/// A fully established pair: Alice initiated, Bob accepted her first message, and Alice has
/// decrypted Bob's first reply.
pub struct Pair {
    pub alice: Session,
    pub bob: Session,
    pub alice_identity: IdentityKeyPair,
    pub bob_side: Responder,
}

pub fn established_pair(rng: &mut ChaCha20Rng, config: Config) -> Pair {
    let bob_side = responder(rng, true);
    let alice_identity = IdentityKeyPair::generate(rng);
    let mut alice = Session::initiate(rng, &alice_identity, &bob_side.bundle, config).unwrap();
    let first = alice.encrypt(b"first").unwrap();
    let Envelope::PreKey(first) = first else {
        panic!("first message must be a PreKeyMessage")
    };
    let mut bob_side = bob_side;
    let (mut bob, plaintext) =
        Session::accept(rng, &bob_side.identity, &mut bob_side.store, &first, config).unwrap();
    assert_eq!(plaintext, b"first");
    let reply = bob.encrypt(b"reply").unwrap();
    assert_eq!(alice.decrypt(rng, &reply).unwrap(), b"reply");
    Pair {
        alice,
        bob,
        alice_identity,
        bob_side,
    }
}

/// Decodes wire bytes with the default limits.
pub fn decode(bytes: &[u8]) -> Envelope {
    Envelope::decode(bytes, &Config::default()).unwrap()
}

/// A store whose consume fails after its look-up succeeded, as a shared database's does when a
/// concurrent `accept` of the same first message consumed the prekey in between.
pub struct RacingStore(pub InMemoryPreKeyStore);

impl PreKeyStore for RacingStore {
    fn signed_prekey(&self, id: SignedPreKeyId) -> Option<&SignedPreKeyPair> {
        self.0.signed_prekey(id)
    }
    fn one_time_prekey(&self, id: OneTimePreKeyId) -> Result<&OneTimePreKeyPair, Error> {
        self.0.one_time_prekey(id)
    }
    fn consume_one_time_prekey(&mut self, id: OneTimePreKeyId) -> Result<(), Error> {
        Err(Error::OneTimePreKeyConsumed { id: id.0 })
    }
}
