//! Property tests (proptest) for the session and ratchet layers: random conversations of
//! sends, deliveries in any order, drops, duplicates, reloads and tampering keep every
//! invariant; random tampering leaves the state unchanged; envelopes round-trip; the skip limit
//! holds exactly. 64 cases each: the whole file runs in a few seconds in debug mode.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use hushwire_testkit::fuzz as targets;

use hushwire_testkit::pb;

use common::*;
use hushwire::{Envelope, Error, IdentityKeyPair, Session};
use proptest::prelude::*;
use prost::Message;
use targets::{Op, Side};

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

fn side() -> impl Strategy<Value = Side> {
    any::<bool>().prop_map(|bob| if bob { Side::Bob } else { Side::Alice })
}

/// Operations weighted towards sending and delivering, so conversations get somewhere.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::AliceSend),
        3 => Just(Op::BobSend),
        6 => (side(), 0u8..128).prop_map(|(to, index)| Op::Deliver { to, index }),
        1 => (side(), 0u8..128).prop_map(|(to, index)| Op::Drop { to, index }),
        1 => (side(), 0u8..128).prop_map(|(to, index)| Op::Duplicate { to, index }),
        1 => side().prop_map(|who| Op::Reload { who }),
        2 => (side(), 0u8..128, any::<u8>(), any::<u8>())
            .prop_map(|(to, index, byte, mask)| Op::Tamper { to, index, byte, mask }),
    ]
}

/// A valid X25519 public key: `X25519(scalar, 9)` computed with x25519-dalek.
fn x25519_public(scalar: [u8; 32]) -> Vec<u8> {
    x25519_dalek::x25519(scalar, x25519_dalek::X25519_BASEPOINT_BYTES).to_vec()
}

proptest! {
    #![proptest_config(cases())]

    /// Random conversations (the `conversation` fuzz target's engine): every message delivered
    /// once decrypts to what was sent, whatever the order; a duplicate is refused
    /// (`DuplicateMessage` while its chain is remembered); a tampered copy is refused; every
    /// refusal leaves the state byte-for-byte unchanged; a reload is lossless; and what is
    /// still in flight at the end decrypts.
    #[test]
    fn random_conversations_keep_every_invariant(ops in prop::collection::vec(op(), 0..300)) {
        targets::run_ops(ops);
    }

    /// The hand-written operation codec of the `conversation` corpus round-trips.
    #[test]
    fn conversation_ops_codec_round_trips(ops in prop::collection::vec(op(), 0..64)) {
        prop_assert_eq!(Op::decode_all(&Op::encode_all(&ops)), ops);
    }

    /// Flipping any bits of, or cutting, a genuine message (on a known chain, on a new chain,
    /// or from a skipped key) makes it fail and leaves the recipient unchanged; the genuine
    /// message then decrypts.
    #[test]
    fn tampering_leaves_state_unchanged(
        seed in any::<u64>(),
        case in 0u8..3,
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut rng = rng(seed);
        let mut pair = established_pair(&mut rng, config());
        let wire = match case {
            // A new chain: Alice's first message after Bob's reply.
            0 => pair.alice.encrypt(b"new chain").unwrap().encode(),
            // A known chain.
            1 => {
                let first = pair.alice.encrypt(b"first").unwrap().encode();
                pair.bob.decrypt_bytes(&mut rng, &first).unwrap();
                pair.alice.encrypt(b"known chain").unwrap().encode()
            }
            // A skipped key.
            _ => {
                let delayed = pair.alice.encrypt(b"skipped key").unwrap().encode();
                let later = pair.alice.encrypt(b"later").unwrap().encode();
                pair.bob.decrypt_bytes(&mut rng, &later).unwrap();
                delayed
            }
        };
        let mut tampered = wire.clone();
        for (at, mask) in &flips {
            let i = at.index(tampered.len());
            tampered[i] ^= mask;
        }
        if let Some(cut) = cut {
            tampered.truncate(cut.index(tampered.len()));
        }
        prop_assume!(tampered != wire);
        let before = pair.bob.to_stored();
        let result = pair.bob.decrypt_bytes(&mut rng, &tampered);
        prop_assert!(result.is_err(), "tampered message accepted");
        prop_assert_eq!(pair.bob.to_stored(), before, "state changed after {:?}", result);
        prop_assert!(pair.bob.decrypt_bytes(&mut rng, &wire).is_ok());
    }

    /// Any RatchetMessage with valid fields encodes to bytes that decode to it and re-encode
    /// identically.
    #[test]
    fn ratchet_envelopes_round_trip(
        scalar in any::<[u8; 32]>(),
        previous_counter in any::<u32>(),
        counter in any::<u32>(),
        ciphertext in prop::collection::vec(any::<u8>(), 16..200),
    ) {
        let message = pb::RatchetMessage {
            ratchet_key: x25519_public(scalar),
            previous_counter,
            counter,
            ciphertext: ciphertext.clone(),
        };
        let bytes = pb::Envelope {
            version: 1,
            content: Some(pb::envelope::Content::Ratchet(message.clone())),
        }
        .encode_to_vec();
        let envelope = Envelope::decode(&bytes, &config()).unwrap();
        prop_assert_eq!(envelope.encode(), bytes);
        let Envelope::Ratchet(decoded) = envelope else { panic!("kind changed") };
        prop_assert_eq!(decoded.header().ratchet_key.to_bytes().to_vec(), message.ratchet_key);
        prop_assert_eq!(decoded.header().previous_counter, previous_counter);
        prop_assert_eq!(decoded.header().counter, counter);
        prop_assert_eq!(decoded.ciphertext(), &ciphertext[..]);
    }

    /// The same for PreKeyMessages, with and without a one-time prekey id.
    #[test]
    fn prekey_envelopes_round_trip(
        identity_seed in any::<[u8; 32]>(),
        base in any::<[u8; 32]>(),
        ratchet in any::<[u8; 32]>(),
        signed_prekey_id in any::<u32>(),
        one_time_prekey_id in prop::option::of(any::<u32>()),
        counter in any::<u32>(),
        ciphertext in prop::collection::vec(any::<u8>(), 16..100),
    ) {
        let identity = IdentityKeyPair::from_seed(&identity_seed);
        let bytes = pb::Envelope {
            version: 1,
            content: Some(pb::envelope::Content::Prekey(pb::PreKeyMessage {
                identity_key: identity.public_key().to_bytes().to_vec(),
                base_key: x25519_public(base),
                signed_prekey_id,
                one_time_prekey_id,
                message: Some(pb::RatchetMessage {
                    ratchet_key: x25519_public(ratchet),
                    previous_counter: 0,
                    counter,
                    ciphertext,
                }),
                kem: None,
            })),
        }
        .encode_to_vec();
        let envelope = Envelope::decode(&bytes, &config()).unwrap();
        prop_assert_eq!(envelope.encode(), bytes);
        let decoded = prekey(envelope);
        prop_assert_eq!(decoded.identity_key(), identity.public_key());
        prop_assert_eq!(decoded.signed_prekey_id().0, signed_prekey_id);
        prop_assert_eq!(decoded.one_time_prekey_id().map(|id| id.0), one_time_prekey_id);
    }

    /// Arbitrary bytes never make the decoder panic; whatever decodes is canonical.
    #[test]
    fn arbitrary_bytes_decode_canonically_or_not_at_all(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Ok(envelope) = Envelope::decode(&bytes, &config()) {
            prop_assert_eq!(envelope.encode(), bytes);
        }
    }

    /// Skipping exactly `max_skip` keys works; one more is `TooManySkippedMessages` and changes
    /// nothing.
    #[test]
    fn the_skip_limit_is_exact(seed in any::<u64>(), max_skip in 0u32..12, skip in 0u32..16) {
        let mut config = config();
        config.max_skip = max_skip;
        let mut rng = rng(seed);
        let mut pair = established_pair(&mut rng, config);
        let mut wire = Vec::new();
        for _ in 0..=skip {
            wire = pair.alice.encrypt(b"m").unwrap().encode();
        }
        let before = pair.bob.to_stored();
        let result = pair.bob.decrypt_bytes(&mut rng, &wire);
        if skip <= max_skip {
            prop_assert_eq!(result, Ok(b"m".to_vec()));
            prop_assert_eq!(pair.bob.skipped_key_count(), skip as usize);
        } else {
            prop_assert_eq!(
                result,
                Err(Error::TooManySkippedMessages { skip: u64::from(skip), max: max_skip })
            );
            prop_assert_eq!(pair.bob.to_stored(), before);
        }
    }

    /// The messages of one chain decrypt in any order, each exactly once.
    #[test]
    fn one_chain_in_any_order(
        seed in any::<u64>(),
        order in Just((0..10u8).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let mut rng = rng(seed);
        let mut pair = established_pair(&mut rng, config());
        let wires: Vec<Vec<u8>> = (0..10u8)
            .map(|i| pair.alice.encrypt(&[i]).unwrap().encode())
            .collect();
        for &i in &order {
            let wire = &wires[usize::from(i)];
            prop_assert_eq!(pair.bob.decrypt_bytes(&mut rng, wire).unwrap(), vec![i]);
            let before = pair.bob.to_stored();
            prop_assert_eq!(pair.bob.decrypt_bytes(&mut rng, wire), Err(Error::DuplicateMessage));
            prop_assert_eq!(pair.bob.to_stored(), before);
        }
        prop_assert_eq!(pair.bob.skipped_key_count(), 0);
    }

    /// Whichever of the initiator's first messages arrives first is accepted, the others then
    /// decrypt in the same session, and the session stores and loads losslessly throughout.
    #[test]
    fn first_messages_in_any_order(
        seed in any::<u64>(),
        order in Just((0..5u8).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let mut rng = rng(seed);
        let mut bob_side = responder(&mut rng, true);
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let mut alice =
            Session::initiate(&mut rng, &alice_identity, &bob_side.bundle, &config())
                .unwrap();
        let wires: Vec<Vec<u8>> = (0..5u8)
            .map(|i| alice.encrypt(&[i]).unwrap().encode())
            .collect();
        let first = prekey(decode(&wires[usize::from(order[0])]));
        let (mut bob, plaintext) = bob_side.accept(&mut rng, &first)
        .unwrap();
        prop_assert_eq!(plaintext, vec![order[0]]);
        for &i in &order[1..] {
            let stored = bob.to_stored();
            bob = Session::from_stored(stored.as_bytes(), &config()).unwrap();
            prop_assert_eq!(bob.to_stored(), stored);
            prop_assert_eq!(bob.decrypt_bytes(&mut rng, &wires[usize::from(i)]).unwrap(), vec![i]);
        }
        let reply = bob.encrypt(b"r").unwrap();
        prop_assert_eq!(alice.decrypt(&mut rng, &reply).unwrap(), b"r".to_vec());
        prop_assert!(matches!(alice.encrypt(b"x").unwrap(), Envelope::Ratchet(_)));
    }
}
