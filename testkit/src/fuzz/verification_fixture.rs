//! The identity-verification targets' fixture (SPEC.md 12): account ids, the safety numbers of
//! the fixture's Alice and Bob, a third identity, proofs made by every method, and the messages
//! of complete SAS exchanges between the fixture's established sessions.
//!
//! It is built once, on first use, from the session fixture ([`super::fixture()`]) and its own
//! seeded RNGs; it draws nothing from the session fixture's RNG, so the committed seeds of the
//! other targets do not move.

use std::sync::OnceLock;

use hushwire::{
    AccountId, IdentityKey, IdentityKeyPair, Observation, SafetyNumber, Sas, SasConfirmation,
    Timestamp, TrustRecord, VerificationContent, VerificationMessage, VerifiedIdentity,
    observe_identity,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::fixture::{FIXTURE_SEED, fixture};
use crate::conversation::Side;

/// The application's clock at the start of every verification target.
pub const VERIFICATION_NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

/// Seeds of the verification fixture's own RNGs: Carol's identity, then two complete SAS
/// exchanges (Alice starting, then Bob starting). The `sas` target's live exchange draws
/// from [`super::checks::rng`] instead, so its keys are not these.
const CAROL_SEED: u64 = FIXTURE_SEED ^ 0x10;
const EXCHANGE_SEEDS: [u64; 2] = [FIXTURE_SEED ^ 0x11, FIXTURE_SEED ^ 0x12];

/// The messages and proofs of one complete, honest SAS exchange.
pub struct HonestExchange {
    /// Who started it.
    pub starter: Side,
    /// In the order they were sent: Start, the responder's Key, the starter's Key, the
    /// starter's Mac, the responder's Mac.
    pub messages: Vec<(&'static str, VerificationMessage)>,
    /// The starter's proof about the responder's key, then the responder's about the
    /// starter's.
    pub proofs: [VerifiedIdentity; 2],
}

/// Everything the verification targets share.
pub struct VerificationFixture {
    /// Alice's account id (`alice`).
    pub alice_id: AccountId,
    /// Bob's account id (`bob`).
    pub bob_id: AccountId,
    /// Carol: a third identity, never in a session with anyone.
    pub carol: IdentityKeyPair,
    /// Carol's account id (`carol`).
    pub carol_id: AccountId,
    /// The safety number on Alice's device (ours: Alice, theirs: Bob).
    pub on_alice: SafetyNumber,
    /// The safety number on Bob's device (ours: Bob, theirs: Alice).
    pub on_bob: SafetyNumber,
    /// The safety number on Alice's device for Carol (ours: Alice, theirs: Carol).
    pub alice_carol: SafetyNumber,
    /// Proofs about Alice's, Bob's and Carol's keys, by every method, made at
    /// [`VERIFICATION_NOW`] or later.
    pub proofs: Vec<VerifiedIdentity>,
    /// Two complete SAS exchanges between the fixture's established sessions: Alice
    /// starting, then Bob starting.
    pub exchanges: [HonestExchange; 2],
}

impl VerificationFixture {
    fn build() -> Self {
        let fixture = fixture();
        let alice = *fixture.alice_identity.public_key();
        let bob = *fixture.bob_keys.identity.public_key();
        let carol = IdentityKeyPair::generate(&mut ChaCha20Rng::seed_from_u64(CAROL_SEED));
        let alice_id = AccountId::new("alice").unwrap();
        let bob_id = AccountId::new("bob").unwrap();
        let carol_id = AccountId::new("carol").unwrap();
        let on_alice = SafetyNumber::new(&alice, &alice_id, &bob, &bob_id);
        let on_bob = SafetyNumber::new(&bob, &bob_id, &alice, &alice_id);
        let alice_carol = SafetyNumber::new(&alice, &alice_id, carol.public_key(), &carol_id);
        assert_eq!(on_alice.digits(), on_bob.digits());

        let exchanges = [
            honest_exchange(Side::Alice, EXCHANGE_SEEDS[0], VERIFICATION_NOW),
            honest_exchange(Side::Bob, EXCHANGE_SEEDS[1], VERIFICATION_NOW),
        ];
        let later = Timestamp::from_unix_seconds(VERIFICATION_NOW.as_unix_seconds() + 86_400);
        let mut proofs = vec![
            on_alice.confirm_compared(VERIFICATION_NOW),
            on_bob.confirm_compared(later),
            alice_carol.confirm_compared(VERIFICATION_NOW),
            on_alice
                .verify_scanned(&on_bob.scannable(), later)
                .expect("Bob's code scans on Alice's device"),
            on_bob
                .verify_scanned(&on_alice.scannable(), VERIFICATION_NOW)
                .expect("Alice's code scans on Bob's device"),
        ];
        for exchange in &exchanges {
            proofs.extend(exchange.proofs.iter().cloned());
        }
        assert!(proofs.iter().any(|p| p.identity() == &alice));
        assert!(proofs.iter().any(|p| p.identity() == &bob));
        assert!(proofs.iter().any(|p| p.identity() == carol.public_key()));

        Self {
            alice_id,
            bob_id,
            carol,
            carol_id,
            on_alice,
            on_bob,
            alice_carol,
            proofs,
            exchanges,
        }
    }

    /// The identity keys the trust target observes: Alice's, Bob's and Carol's.
    pub fn keys(&self) -> [IdentityKey; 3] {
        let fixture = fixture();
        [
            *fixture.alice_identity.public_key(),
            *fixture.bob_keys.identity.public_key(),
            *self.carol.public_key(),
        ]
    }

    /// Trust records reached through the public API only (first use, verification, changes,
    /// acknowledgement), named, for the `trust_record` seeds.
    pub fn records(&self) -> Vec<(&'static str, TrustRecord)> {
        let [alice, bob, carol] = self.keys();
        let peer = &self.bob_id;
        let new = |key: &IdentityKey, now| match observe_identity(peer, None, key, now) {
            Observation::New(record) => record,
            other => panic!("first use gave {other:?}"),
        };
        let change = |record: &TrustRecord, key: &IdentityKey, now| match observe_identity(
            peer,
            Some(record),
            key,
            now,
        ) {
            Observation::Changed { record, .. } => record,
            other => panic!("a new key gave {other:?}"),
        };
        let proof_for = |key: &IdentityKey, skip: usize| {
            self.proofs
                .iter()
                .filter(|p| p.identity() == key)
                .nth(skip)
                .expect("a proof for the key")
        };
        let later = Timestamp::from_unix_seconds(VERIFICATION_NOW.as_unix_seconds() + 3600);
        let bob_new = new(&bob, VERIFICATION_NOW);
        let mut records = vec![
            ("unverified-bob", bob_new.clone()),
            (
                "unverified-epoch",
                new(&alice, Timestamp::from_unix_seconds(0)),
            ),
        ];
        for (name, skip) in [
            ("verified-safety-number", 0),
            ("verified-qr-code", 1),
            ("verified-sas", 2),
        ] {
            records.push((name, bob_new.verify(proof_for(&bob, skip)).unwrap()));
        }
        let verified = records[2].1.clone();
        let changed = change(&bob_new, &carol, later);
        let changed_verified = change(&verified, &carol, later);
        let changed_twice = change(&changed_verified, &alice, later);
        records.push(("changed-from-unverified", changed.clone()));
        records.push(("changed-from-verified", changed_verified.clone()));
        records.push(("changed-twice", changed_twice.clone()));
        records.push(("acknowledged", changed_twice.acknowledge(&alice).unwrap()));
        records.push((
            "changed-then-verified",
            changed_verified.verify(proof_for(&carol, 0)).unwrap(),
        ));
        records
    }
}

/// Runs a complete SAS exchange between the fixture's established sessions, `starter`
/// beginning, both people confirming (the responder first), every message delivered once in
/// order.
fn honest_exchange(starter: Side, seed: u64, now: Timestamp) -> HonestExchange {
    let fixture = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let responder = match starter {
        Side::Alice => Side::Bob,
        Side::Bob => Side::Alice,
    };
    let (s_session, r_session) = (fixture.session(starter), fixture.session(responder));
    let (started, start) = Sas::start(&mut rng, s_session, now).unwrap();
    let (responded, accept) = Sas::respond(&mut rng, r_session, &start, now).unwrap();
    let (awaiting, key_s) = started.receive_accept(&accept, now).unwrap();
    let (r_ready, key_r) = responded.receive_key(&key_s, now).unwrap();
    let s_ready = awaiting.receive_key(&key_r, now).unwrap();
    assert_eq!(s_ready.emoji_indices(), r_ready.emoji_indices());
    let (SasConfirmation::AwaitingMac(r_confirmed), mac_r) = r_ready.confirm(now).unwrap() else {
        panic!("the responder confirmed first")
    };
    let s_ready = s_ready.receive_mac(&mac_r, now).unwrap();
    let (SasConfirmation::Verified(s_proof), mac_s) = s_ready.confirm(now).unwrap() else {
        panic!("the responder's MAC came before the starter confirmed")
    };
    let r_proof = r_confirmed.receive_mac(&mac_s, now).unwrap();
    assert_eq!(s_proof.identity(), r_session.our_identity());
    assert_eq!(r_proof.identity(), s_session.our_identity());
    for message in [&start, &accept, &key_s, &key_r, &mac_s, &mac_r] {
        assert!(!matches!(message.content(), VerificationContent::Cancel(_)));
    }
    let names: [&'static str; 6] = match starter {
        Side::Alice => [
            "alice-start",
            "bob-accept",
            "alice-key",
            "bob-key",
            "alice-mac",
            "bob-mac",
        ],
        Side::Bob => [
            "bob-start",
            "alice-accept-r",
            "bob-key-s",
            "alice-key-r",
            "bob-mac-s",
            "alice-mac-r",
        ],
    };
    HonestExchange {
        starter,
        messages: names
            .into_iter()
            .zip([start, accept, key_s, key_r, mac_s, mac_r])
            .collect(),
        proofs: [s_proof, r_proof],
    }
}

/// The verification fixture, built on first use.
pub fn verification_fixture() -> &'static VerificationFixture {
    static FIXTURE: OnceLock<VerificationFixture> = OnceLock::new();
    FIXTURE.get_or_init(VerificationFixture::build)
}
