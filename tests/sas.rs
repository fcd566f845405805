//! SAS verification between real sessions (SPEC.md 12.4): both sides show the same string,
//! verify each other's key, in either order of confirmation, across crypto providers; a man in
//! the middle shows different strings; every draw comes from the `rng`; nothing secret is in
//! `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use hushwire::{
    Config, Sas, SasConfirmation, SasReady, Session, Timestamp, VerificationMessage,
    VerificationMethod, VerifiedIdentity, hazmat,
};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

/// The message as the peer gets it: encoded, then decoded.
fn wire(message: &VerificationMessage) -> VerificationMessage {
    VerificationMessage::decode(&message.encode()).unwrap()
}

/// Runs the exchange with `starter` starting; the responder confirms first if
/// `responder_first`. Returns both sides' shown strings and proofs.
fn exchange(
    starter: &Session,
    responder: &Session,
    seed: u64,
    responder_first: bool,
) -> ([u8; 7], [u16; 3], VerifiedIdentity, VerifiedIdentity) {
    let mut rng = rng(seed);
    let (started, start) = Sas::start(&mut rng, starter, NOW).unwrap();
    let (responded, accept) = Sas::respond(&mut rng, responder, &wire(&start), NOW).unwrap();
    let (awaiting, s_key) = started.receive_accept(&wire(&accept), NOW).unwrap();
    let (r_ready, r_key) = responded.receive_key(&wire(&s_key), NOW).unwrap();
    let s_ready = awaiting.receive_key(&wire(&r_key), NOW).unwrap();
    assert_eq!(s_ready.emoji_indices(), r_ready.emoji_indices());
    assert_eq!(s_ready.decimals(), r_ready.decimals());
    assert_eq!(s_ready.emoji(), r_ready.emoji());
    let shown = (s_ready.emoji_indices(), s_ready.decimals());
    let (first, second) = if responder_first {
        (r_ready, s_ready)
    } else {
        (s_ready, r_ready)
    };
    let (SasConfirmation::AwaitingMac(first), first_mac) = first.confirm(NOW).unwrap() else {
        panic!("verified before any MAC")
    };
    // The second side gets the first's MAC before its person confirms.
    let second = second.receive_mac(&wire(&first_mac), NOW).unwrap();
    let (SasConfirmation::Verified(second_proof), second_mac) = second.confirm(NOW).unwrap() else {
        panic!("the early MAC was not taken into account")
    };
    let first_proof = first.receive_mac(&wire(&second_mac), NOW).unwrap();
    let (s_proof, r_proof) = if responder_first {
        (second_proof, first_proof)
    } else {
        (first_proof, second_proof)
    };
    (shown.0, shown.1, s_proof, r_proof)
}

#[test]
fn both_sides_verify_each_other_in_either_order() {
    let pair = established_pair(&mut rng(1), config());
    for (starter, responder) in [(&pair.alice, &pair.bob), (&pair.bob, &pair.alice)] {
        for responder_first in [false, true] {
            let (emoji, decimals, s_proof, r_proof) =
                exchange(starter, responder, 2, responder_first);
            assert!(emoji.iter().all(|&i| i < 64));
            assert!(decimals.iter().all(|&d| (1000..=9191).contains(&d)));
            assert_eq!(s_proof.identity(), responder.our_identity());
            assert_eq!(r_proof.identity(), starter.our_identity());
            assert_eq!(s_proof.method(), VerificationMethod::Sas);
            assert_eq!(r_proof.verified_at(), NOW);
        }
    }
}

/// Sessions on different crypto providers run the exchange to the same strings.
#[test]
fn the_exchange_is_the_same_on_every_provider() {
    let mut results = Vec::new();
    for starter_provider in hushwire::CryptoProvider::available() {
        for responder_provider in hushwire::CryptoProvider::available() {
            let mut pair = established_pair(&mut rng(3), config());
            let with = |provider| {
                let mut config = Config::default();
                config.provider = provider;
                config
            };
            pair.alice.set_config(&with(*starter_provider));
            pair.bob.set_config(&with(*responder_provider));
            let (emoji, decimals, _, _) = exchange(&pair.alice, &pair.bob, 4, false);
            results.push((emoji, decimals));
        }
    }
    assert_eq!(results.len(), 4);
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

/// A man in the middle: Alice's session is really with Mallory, and so is Bob's. Mallory
/// runs one exchange with each; the strings the two people read to each other differ.
#[test]
fn a_man_in_the_middle_shows_different_strings() {
    let mut differ = 0;
    for seed in 0..16u64 {
        let alice_mallory = established_pair(&mut rng(100 + seed), config());
        let mallory_bob = established_pair(&mut rng(200 + seed), config());
        // alice_mallory.alice is Alice; its bob is Mallory. mallory_bob.alice is Mallory; its
        // bob is Bob.
        let (alice_sees, _, _, _) = exchange(&alice_mallory.alice, &alice_mallory.bob, seed, false);
        let (bob_sees, _, _, _) = exchange(&mallory_bob.alice, &mallory_bob.bob, seed, false);
        if alice_sees != bob_sees {
            differ += 1;
        }
    }
    assert_eq!(differ, 16);
}

/// A counting RNG: how many bytes each step draws (SPEC.md 12.4.1: 16 + 32, then 32).
#[test]
fn every_draw_comes_from_the_rng_and_repeats_with_it() {
    let pair = established_pair(&mut rng(5), config());
    let mut starter_rng = rng(6);
    let (_, start) = Sas::start(&mut starter_rng, &pair.alice, NOW).unwrap();
    assert_eq!(starter_rng.get_word_pos(), 48 / 4);
    let mut responder_rng = rng(7);
    let (_, key) = Sas::respond(&mut responder_rng, &pair.bob, &start, NOW).unwrap();
    assert_eq!(responder_rng.get_word_pos(), 32 / 4);
    // The same seeds give the same messages.
    let (_, again) = Sas::start(&mut rng(6), &pair.alice, NOW).unwrap();
    assert_eq!(again.encode(), start.encode());
    let (_, key_again) = Sas::respond(&mut rng(7), &pair.bob, &start, NOW).unwrap();
    assert_eq!(key_again.encode(), key.encode());
    // And a different seed, a different transaction.
    let (_, other) = Sas::start(&mut rng(8), &pair.alice, NOW).unwrap();
    assert_ne!(other.transaction_id(), start.transaction_id());
}

/// The ephemeral secret, the shared secret, the SAS bytes and the MAC keys appear in no
/// state's `Debug`, nor in a cancel's.
#[test]
fn no_secret_in_debug() {
    let pair = established_pair(&mut rng(9), config());
    let mut random = vec![0x11u8; 16];
    random.extend([0x22u8; 32]);
    let mut fixed = Fixed(random.clone());
    let (started, start) = Sas::start(&mut fixed, &pair.alice, NOW).unwrap();
    let started_debug = format!("{started:?}");
    let (responded, accept) = Sas::respond(&mut rng(10), &pair.bob, &start, NOW).unwrap();
    let responded_debug = format!("{responded:?}");
    let (awaiting, s_key) = started.receive_accept(&accept, NOW).unwrap();
    let awaiting_debug = format!("{awaiting:?}");
    let (r_ready, r_key) = responded.receive_key(&s_key, NOW).unwrap();
    let hushwire::VerificationContent::Key(k_r) = r_key.content() else {
        panic!("not a key")
    };
    let e_s: [u8; 32] = random[16..].try_into().unwrap();
    let provider = pair.alice.config().provider;
    let shared = hazmat::x25519(provider, &e_s, k_r.as_bytes()).unwrap();
    let k_s = hazmat::x25519_public_key(provider, &e_s);
    let ik_s = pair.alice.our_identity().to_bytes();
    let ik_r = pair.bob.our_identity().to_bytes();
    let transcript = hazmat::sas_transcript(&[0x11; 16], &ik_s, &ik_r, &k_s, k_r.as_bytes());
    let sas_bytes = hazmat::sas_bytes(&shared, &transcript).unwrap();
    let (mk_s, mk_r) = hazmat::sas_mac_keys(&shared, &transcript).unwrap();
    let secrets = [
        hex::encode(e_s),
        hex::encode(*shared),
        hex::encode(*sas_bytes),
        hex::encode(*mk_s),
        hex::encode(*mk_r),
    ];
    let ready: SasReady = awaiting.receive_key(&r_key, NOW).unwrap();
    // The derivation above is the one the states hold: they show its SAS.
    assert_eq!(ready.emoji_indices(), hazmat::sas_emoji_indices(&sas_bytes));
    assert_eq!(r_ready.decimals(), hazmat::sas_decimals(&sas_bytes));
    let ready_debug = format!("{ready:?} {r_ready:?}");
    let (confirmation, _) = ready.confirm(NOW).unwrap();
    let confirmed_debug = format!("{confirmation:?}");
    let cancel_debug = format!("{:?}", r_ready.cancel(hushwire::CancelReason::User));
    for debug in [
        &started_debug,
        &responded_debug,
        &awaiting_debug,
        &ready_debug,
        &confirmed_debug,
        &cancel_debug,
    ] {
        assert!(debug.contains("TransactionId("), "{debug}");
        for secret in &secrets {
            for window in secret.as_bytes().chunks(8) {
                let window = std::str::from_utf8(window).unwrap();
                assert!(
                    !debug.contains(window) || window.len() < 8,
                    "{debug} shows {window}"
                );
            }
        }
    }
}

/// An RNG that hands out chosen bytes.
struct Fixed(Vec<u8>);

impl rand::TryRng for Fixed {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = if self.0.is_empty() {
                0
            } else {
                self.0.remove(0)
            };
        }
        Ok(())
    }
}

impl rand::TryCryptoRng for Fixed {}

/// The grinding attack of SPEC.md 12.4.1 against an automatic responder: Mallory opens
/// exchanges with Bob's backend and keeps only one whose SAS would match what Alice sees.
/// With `SasAttempts` applied as 12.4.6 says, she runs one at a time and gets three tries
/// before Bob's backend refuses her for ten minutes, then twenty.
#[test]
fn a_responder_applying_the_limits_gives_a_grinder_three_tries() {
    let mallory_bob = established_pair(&mut rng(300), config());
    let (mallory, bob) = (&mallory_bob.alice, &mallory_bob.bob);
    let mallory_id = hushwire::AccountId::new("mallory").unwrap();
    let mut bobs_attempts = hushwire::SasAttempts::default();
    let mut tries = 0;
    let mut now = NOW;
    for n in 0..20u64 {
        // Two Starts at once: the second is refused while the first runs.
        let (_, start) = Sas::start(&mut rng(400 + n), mallory, now).unwrap();
        match bobs_attempts.begin(&mallory_id, now) {
            Ok(()) => {}
            Err(hushwire::Error::VerificationLockedOut { retry_after }) => {
                assert!(retry_after > 0);
                now = Timestamp::from_unix_seconds(now.as_unix_seconds() + 1);
                continue;
            }
            Err(other) => panic!("{other:?}"),
        }
        assert_eq!(
            bobs_attempts.begin(&mallory_id, now),
            Err(hushwire::Error::VerificationInProgress)
        );
        let (responded, _accept) = Sas::respond(&mut rng(500 + n), bob, &start, now).unwrap();
        // Mallory does not like the SAS she would get, and walks away; Bob's app counts it.
        let cancelled = responded.cancel(hushwire::CancelReason::Timeout);
        assert_eq!(cancelled.reason(), hushwire::CancelReason::Timeout);
        tries += 1;
        bobs_attempts.failed(&mallory_id, now);
        now = Timestamp::from_unix_seconds(now.as_unix_seconds() + 1);
    }
    // Twenty seconds of trying: three exchanges, then refusals.
    assert_eq!(tries, 3);
    assert_eq!(bobs_attempts.failures(&mallory_id), 3);
}

/// Both sides start at once (SPEC.md 12.4.6): the exchange with the smaller transaction id goes
/// on, the other side withdraws its own without a failure counted, and the verification
/// completes.
#[test]
fn both_sides_starting_at_once_converge_on_one_exchange() {
    let pair = established_pair(&mut rng(600), config());
    let (alice_id, bob_id) = (
        hushwire::AccountId::new("alice").unwrap(),
        hushwire::AccountId::new("bob").unwrap(),
    );
    for seeds in [(601u64, 602u64), (602, 601)] {
        let (mut at_alice, mut at_bob) = (
            hushwire::SasAttempts::default(),
            hushwire::SasAttempts::default(),
        );
        at_alice.begin(&bob_id, NOW).unwrap();
        let (alice_started, alice_start) = Sas::start(&mut rng(seeds.0), &pair.alice, NOW).unwrap();
        at_bob.begin(&alice_id, NOW).unwrap();
        let (bob_started, bob_start) = Sas::start(&mut rng(seeds.1), &pair.bob, NOW).unwrap();
        // Exactly one side gives way.
        let alice_yields = alice_started.yields_to(&bob_start);
        let bob_yields = bob_started.yields_to(&alice_start);
        assert!(alice_yields != bob_yields);
        let (starter, responder, start, responder_attempts, responder_peer, kept) = if alice_yields
        {
            let cancel = at_alice.withdraw(&bob_id, alice_started);
            assert_eq!(cancel.reason(), hushwire::CancelReason::User);
            (
                &pair.bob,
                &pair.alice,
                bob_start,
                &mut at_alice,
                &bob_id,
                bob_started,
            )
        } else {
            let cancel = at_bob.withdraw(&alice_id, bob_started);
            assert_eq!(cancel.reason(), hushwire::CancelReason::User);
            (
                &pair.alice,
                &pair.bob,
                alice_start,
                &mut at_bob,
                &alice_id,
                alice_started,
            )
        };
        // The side that gave way can begin the peer's exchange, with no failure counted.
        responder_attempts.begin(responder_peer, NOW).unwrap();
        assert_eq!(responder_attempts.failures(responder_peer), 0);
        let (responded, accept) = Sas::respond(&mut rng(603), responder, &start, NOW).unwrap();
        let (awaiting, s_key) = kept.receive_accept(&accept, NOW).unwrap();
        let (r_ready, r_key) = responded.receive_key(&s_key, NOW).unwrap();
        let s_ready = awaiting.receive_key(&r_key, NOW).unwrap();
        assert_eq!(s_ready.emoji(), r_ready.emoji());
        assert_eq!(starter.their_identity(), responder.our_identity());
    }
}
