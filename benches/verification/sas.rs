//! hushwire's whole SAS exchange (SPEC.md 12.4) between the two sessions of an established
//! pair, on each crypto provider: every step of both sides, and the encoding and strict
//! decoding of each of the six messages on its way. The messages are not put through the
//! sessions (each would be one session encrypt and decrypt, measured by the pairwise bench).

use std::hint::black_box;

use criterion::Criterion;
use hushwire::{
    Sas, SasConfirmation, Session, VerificationMessage, VerificationMethod, VerifiedIdentity,
};
use hushwire_testkit::fixtures::ChaCha20Rng;

use crate::fixtures::{Column, NOW, pair};

/// What the wire does to a message: its canonical encoding, then the strict decoder of the
/// receiving side (which validates an ephemeral key).
fn wire(message: &VerificationMessage) -> VerificationMessage {
    VerificationMessage::decode(&message.encode()).unwrap()
}

/// One exchange, Alice (her session `starter`) starting and Bob (`responder`) answering; both
/// people confirm the match before either MAC arrives. Returns what each side verified: Bob's
/// identity on Alice's side, then Alice's on Bob's.
pub(crate) fn exchange(
    rng: &mut ChaCha20Rng,
    starter: &Session,
    responder: &Session,
) -> (VerifiedIdentity, VerifiedIdentity) {
    // Alice: Start.
    let (started, start) = Sas::start(rng, starter, NOW).unwrap();
    // Bob: Accept { commitment(K_R) }.
    let (responded, accept) = Sas::respond(rng, responder, &wire(&start), NOW).unwrap();
    // Alice: Key { K_S }.
    let (awaiting, key_s) = started.receive_accept(&wire(&accept), NOW).unwrap();
    // Bob: the SAS, and Key { K_R }.
    let (bob, key_r) = responded.receive_key(&wire(&key_s), NOW).unwrap();
    // Alice: checks the commitment, the SAS.
    let alice = awaiting.receive_key(&wire(&key_r), NOW).unwrap();
    // Both devices show the SAS; the people compare it.
    let shown = |ready: &hushwire::SasReady| (ready.emoji_indices(), ready.decimals());
    assert_eq!(black_box(shown(&alice)), black_box(shown(&bob)));
    // Both say "yes": each sends its MAC.
    let (SasConfirmation::AwaitingMac(alice), mac_s) = alice.confirm(NOW).unwrap() else {
        panic!("Bob's MAC has not arrived yet")
    };
    let (SasConfirmation::AwaitingMac(bob), mac_r) = bob.confirm(NOW).unwrap() else {
        panic!("Alice's MAC has not arrived yet")
    };
    // Each checks the other's MAC.
    let bob_verified = alice.receive_mac(&wire(&mac_r), NOW).unwrap();
    let alice_verified = bob.receive_mac(&wire(&mac_s), NOW).unwrap();
    (bob_verified, alice_verified)
}

/// The exchange on `col`'s provider (both sessions configured with it).
pub(crate) fn bench(c: &mut Criterion, col: Column) {
    let (p, mut rng) = pair(130, col.provider);
    let (bob_verified, alice_verified) = exchange(&mut rng, &p.alice, &p.bob);
    assert_eq!(bob_verified.identity(), p.alice.their_identity());
    assert_eq!(alice_verified.identity(), p.bob.their_identity());
    assert_eq!(bob_verified.method(), VerificationMethod::Sas);

    let mut g = c.benchmark_group("sas_exchange");
    g.bench_function(col.hushwire, |b| {
        b.iter(|| exchange(&mut rng, black_box(&p.alice), black_box(&p.bob)))
    });
    g.finish();
}
