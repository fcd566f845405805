//! Decrypting (`Session::decrypt`): forged, replayed, reflected and misrouted messages, the
//! skip and counter limits, and PreKeyMessages that do not match the session. Every test
//! also checks that the state is unchanged and no randomness was drawn.

use crate::common::*;
use crate::pb;
use crate::support::*;
use hushwire::{Envelope, Error, IdentityKeyPair, Session};
use prost::Message;

#[test]
fn tampered_ciphertext() {
    let (mut pair, wire) = ratchet_wire(140);
    let bad = edit_ratchet(&wire, |m| m.ciphertext[0] ^= 0x01);
    refused(&mut pair.bob, &bad, Error::DecryptionFailed);
    let bad = edit_ratchet(&wire, |m| *m.ciphertext.last_mut().unwrap() ^= 0x80);
    refused(&mut pair.bob, &bad, Error::DecryptionFailed);
}

#[test]
fn tampered_header_counters() {
    let (mut pair, wire) = ratchet_wire(141);
    let bad = edit_ratchet(&wire, |m| m.counter += 1);
    refused(&mut pair.bob, &bad, Error::DecryptionFailed);
    let bad = edit_ratchet(&wire, |m| m.previous_counter += 1);
    refused(&mut pair.bob, &bad, Error::DecryptionFailed);
}

#[test]
fn message_from_another_session() {
    let (mut pair, _) = ratchet_wire(142);
    let (mut other, _) = ratchet_wire(143);
    let foreign = other.alice.encrypt(b"elsewhere").unwrap().encode();
    refused(&mut pair.bob, &foreign, Error::DecryptionFailed);
}

#[test]
fn own_message_reflected_back() {
    let (mut pair, wire) = ratchet_wire(144);
    // Alice's message sent back to Alice.
    refused(&mut pair.alice, &wire, Error::DecryptionFailed);
}

#[test]
fn replay_on_the_current_chain() {
    let (mut pair, wire) = ratchet_wire(145);
    pair.bob.decrypt_bytes(&mut rng(1), &wire).unwrap();
    refused(&mut pair.bob, &wire, Error::DuplicateMessage);
}

#[test]
fn replay_of_a_message_decrypted_from_a_skipped_key() {
    let (mut pair, delayed) = ratchet_wire(146);
    let later = pair.alice.encrypt(b"later").unwrap().encode();
    let mut rng = rng(2);
    pair.bob.decrypt_bytes(&mut rng, &later).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 1);
    pair.bob.decrypt_bytes(&mut rng, &delayed).unwrap();
    refused(&mut pair.bob, &delayed, Error::DuplicateMessage);
}

#[test]
fn replay_on_a_retired_chain() {
    let mut config = config();
    config.max_receiving_chains = 1;
    let mut rng = rng(147);
    let mut pair = established_pair(&mut rng, config);
    let old = pair.alice.encrypt(b"old chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &old).unwrap();
    // One round trip: Bob gets a new chain from Alice, and the old one is retired.
    let reply = pair.bob.encrypt(b"reply").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let new = pair.alice.encrypt(b"new chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &new).unwrap();
    assert_eq!(pair.bob.receiving_chain_count(), 1);
    refused(&mut pair.bob, &old, Error::DuplicateMessage);
}

#[test]
fn replay_on_a_forgotten_chain() {
    let mut config = config();
    config.max_receiving_chains = 1;
    config.max_retired_chains = 0;
    let mut rng = rng(148);
    let mut pair = established_pair(&mut rng, config);
    let old = pair.alice.encrypt(b"old chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &old).unwrap();
    let reply = pair.bob.encrypt(b"reply").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let new = pair.alice.encrypt(b"new chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &new).unwrap();
    // The chain is remembered nowhere: the replay is taken for a new ratchet key, and fails
    // authentication.
    refused(&mut pair.bob, &old, Error::DecryptionFailed);
}

#[test]
fn message_whose_skipped_key_was_evicted() {
    let mut config = config();
    config.max_skipped_keys = 2;
    let mut rng = rng(149);
    let mut pair = established_pair(&mut rng, config);
    let wires: Vec<Vec<u8>> = (0..5)
        .map(|i| pair.alice.encrypt(&[i]).unwrap().encode())
        .collect();
    // Four keys are skipped, the two oldest evicted.
    pair.bob.decrypt_bytes(&mut rng, &wires[4]).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 2);
    refused(&mut pair.bob, &wires[0], Error::DuplicateMessage);
    refused(&mut pair.bob, &wires[1], Error::DuplicateMessage);
    assert_eq!(pair.bob.decrypt_bytes(&mut rng, &wires[2]).unwrap(), [2]);
}

#[test]
fn skip_beyond_the_limit_on_the_current_chain() {
    let mut config = config();
    config.max_skip = 5;
    let mut rng = rng(150);
    let mut pair = established_pair(&mut rng, config);
    let first = pair.alice.encrypt(b"0").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &first).unwrap();
    let mut far = Vec::new();
    for _ in 0..7 {
        far = pair.alice.encrypt(b"far").unwrap().encode();
    }
    // Counter 7 on a chain expecting 1: six keys skipped.
    refused(
        &mut pair.bob,
        &far,
        Error::TooManySkippedMessages { skip: 6, max: 5 },
    );
}

#[test]
fn skip_beyond_the_limit_on_a_new_chain() {
    let mut config = config();
    config.max_skip = 5;
    let mut rng = rng(151);
    let mut pair = established_pair(&mut rng, config);
    // Alice's next chain is new to Bob; its seventh message is counter 6.
    let mut far = Vec::new();
    for _ in 0..7 {
        far = pair.alice.encrypt(b"far").unwrap().encode();
    }
    refused(
        &mut pair.bob,
        &far,
        Error::TooManySkippedMessages { skip: 6, max: 5 },
    );
}

#[test]
fn skip_beyond_the_limit_on_the_previous_chain() {
    let mut config = config();
    config.max_skip = 5;
    let mut rng = rng(152);
    let mut pair = established_pair(&mut rng, config);
    let first = pair.alice.encrypt(b"0").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &first).unwrap();
    // Seven more on that chain are lost; after a round trip Alice's new chain says PN = 8,
    // so finishing Bob's current chain (at 1) would skip 7.
    for _ in 0..7 {
        pair.alice.encrypt(b"lost").unwrap();
    }
    let reply = pair.bob.encrypt(b"r").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let next = pair.alice.encrypt(b"next").unwrap().encode();
    refused(
        &mut pair.bob,
        &next,
        Error::TooManySkippedMessages { skip: 7, max: 5 },
    );
}

#[test]
fn header_counter_at_the_maximum() {
    let (mut pair, wire) = ratchet_wire(153);
    let bad = edit_ratchet(&wire, |m| m.counter = u32::MAX);
    refused(&mut pair.bob, &bad, Error::CounterExhausted);
}

#[test]
fn prekey_message_to_the_initiator() {
    let mut first = first_message(154, config());
    let before = first.alice.to_stored();
    // Alice gets a PreKeyMessage (here her own): the initiator never takes one.
    let mut rng = rng(3);
    assert_eq!(
        first.alice.decrypt_bytes(&mut rng, &first.wire.clone()),
        Err(Error::PreKeyMessageMismatch)
    );
    assert_eq!(first.alice.to_stored(), before);
    assert_eq!(rng.get_word_pos(), 0);
}

#[test]
fn repeated_prekey_message_with_another_base_key() {
    let mut first = first_message(155, config());
    let second = first.alice.encrypt(b"second").unwrap().encode();
    let mut bob = accepted(&mut first);
    let bad = edit_prekey(&second, |m| m.base_key = base_point());
    refused(&mut bob, &bad, Error::PreKeyMessageMismatch);
    // The genuine repeat decrypts.
    assert_eq!(bob.decrypt_bytes(&mut rng(4), &second).unwrap(), b"second");
}

#[test]
fn repeated_prekey_message_with_other_prekey_ids() {
    let mut first = first_message(156, config());
    let second = first.alice.encrypt(b"second").unwrap().encode();
    let mut bob = accepted(&mut first);
    let edits: [fn(&mut pb::PreKeyMessage); 3] = [
        |m| m.one_time_prekey_id = None,
        |m| m.one_time_prekey_id = Some(8),
        |m| m.signed_prekey_id = 2,
    ];
    for edit in edits {
        let bad = edit_prekey(&second, edit);
        refused(&mut bob, &bad, Error::PreKeyMessageMismatch);
    }
}

#[test]
fn repeated_prekey_message_from_another_identity() {
    let mut first = first_message(157, config());
    let second = first.alice.encrypt(b"second").unwrap().encode();
    let mut bob = accepted(&mut first);
    let mallory = IdentityKeyPair::generate(&mut first.rng);
    let bad = edit_prekey(&second, |m| {
        m.identity_key = mallory.public_key().to_bytes().to_vec();
    });
    refused(&mut bob, &bad, Error::PreKeyMessageMismatch);
}

#[test]
fn inner_message_of_a_prekey_message_sent_bare() {
    let mut first = first_message(158, config());
    let second = first.alice.encrypt(b"second").unwrap().encode();
    let mut bob = accepted(&mut first);
    // The inner RatchetMessage without its PreKeyMessage: its AEAD data bound the X3DH fields.
    let Some(pb::envelope::Content::Prekey(message)) = envelope_pb(&second).content else {
        panic!()
    };
    let bare = pb::Envelope {
        version: 1,
        content: Some(pb::envelope::Content::Ratchet(message.message.unwrap())),
    }
    .encode_to_vec();
    refused(&mut bob, &bare, Error::DecryptionFailed);
}

#[test]
fn ratchet_message_wrapped_as_a_prekey_message() {
    let mut first = first_message(159, config());
    let mut bob = accepted(&mut first);
    let reply = bob.encrypt(b"reply").unwrap().encode();
    let mut rng = rng(5);
    first.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let later = first.alice.encrypt(b"later").unwrap().encode();
    let Some(pb::envelope::Content::Ratchet(inner)) = envelope_pb(&later).content else {
        panic!()
    };
    // The accepted X3DH fields around a later message: they match, the AEAD data does not.
    let wrapped = edit_prekey(&first.wire, |m| m.message = Some(inner));
    refused(&mut bob, &wrapped, Error::DecryptionFailed);
}

#[test]
fn header_counter_at_the_maximum_on_a_new_chain() {
    let mut rng = rng(230);
    let mut pair = established_pair(&mut rng, config());
    // Alice's next chain is new to Bob. The new chain's ADVANCE (SPEC.md 6.6 step 4.2) refuses
    // N = 2^32 - 1 before checking the skip bound, which N also exceeds.
    let wire = pair.alice.encrypt(b"new chain").unwrap().encode();
    let bad = edit_ratchet(&wire, |m| m.counter = u32::MAX);
    refused(&mut pair.bob, &bad, Error::CounterExhausted);
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wire).unwrap(),
        b"new chain"
    );
}

#[test]
fn replay_on_a_forgotten_chain_beyond_the_skip_limit() {
    let mut config = config();
    config.max_receiving_chains = 1;
    config.max_retired_chains = 0;
    config.max_skip = 5;
    let mut rng = rng(231);
    let mut pair = established_pair(&mut rng, config);
    // Seven messages on one chain, each delivered in order: the last has N = 6.
    let mut old = Vec::new();
    for i in 0..7u8 {
        old = pair.alice.encrypt(&[i]).unwrap().encode();
        pair.bob.decrypt_bytes(&mut rng, &old).unwrap();
    }
    let reply = pair.bob.encrypt(b"reply").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let new = pair.alice.encrypt(b"new chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &new).unwrap();
    // The old chain is remembered nowhere: the replay is taken for a new ratchet key, whose
    // chain would have to skip 6 keys, and is refused before any AEAD check.
    refused(
        &mut pair.bob,
        &old,
        Error::TooManySkippedMessages { skip: 6, max: 5 },
    );
}

#[test]
fn repeated_first_message_remembered_then_forgotten() {
    let mut limits = config();
    limits.max_receiving_chains = 1;
    limits.max_retired_chains = 1;
    let mut first = first_message(232, limits);
    let mut bob = accepted(&mut first);
    bob.set_config(&limits);
    // Bob receives one more chain of Alice's per round trip.
    let round_trip = |bob: &mut Session, first: &mut First| {
        let reply = bob.encrypt(b"reply").unwrap().encode();
        first.alice.decrypt_bytes(&mut first.rng, &reply).unwrap();
        let next = first.alice.encrypt(b"next").unwrap().encode();
        bob.decrypt_bytes(&mut first.rng, &next).unwrap();
    };
    // The first chain is Bob's receiving chain, then retired: the repeat is a duplicate.
    refused(&mut bob, &first.wire, Error::DuplicateMessage);
    round_trip(&mut bob, &mut first);
    refused(&mut bob, &first.wire, Error::DuplicateMessage);
    // Then forgotten: the repeat is taken for a new ratchet key and fails authentication, so
    // an application can no longer tell it from a forgery by the error alone.
    round_trip(&mut bob, &mut first);
    refused(&mut bob, &first.wire, Error::DecryptionFailed);
}

/// A peer whose RNG repeats draws an old ratchet secret again after the receiver has forgotten
/// that chain, while keys stored from it remain. Refused as a chain already seen (SPEC.md 6.6
/// step 3); before that rule, the receiver started a second chain with the same key beside
/// the stored keys and wrote a state its own loader refused.
#[test]
fn a_reused_ratchet_key_whose_chain_was_forgotten() {
    let mut limits = config();
    limits.max_receiving_chains = 1;
    limits.max_retired_chains = 0;
    let mut r = rng(260);
    let mut pair = established_pair(&mut r, limits);
    // Alice's next ratchet secret comes from rng(261): key K0. (Bob first takes a DH step, so
    // that his next message makes Alice take one.)
    let to_bob = pair.alice.encrypt(b"turn").unwrap();
    pair.bob.decrypt(&mut r, &to_bob).unwrap();
    let to_alice = pair.bob.encrypt(b"turn").unwrap();
    pair.alice.decrypt(&mut rng(261), &to_alice).unwrap();
    let on_k0: Vec<_> = (0..6u8)
        .map(|i| pair.alice.encrypt(&[i]).unwrap())
        .collect();
    pair.bob.decrypt(&mut r, &on_k0[0]).unwrap();
    pair.bob.decrypt(&mut r, &on_k0[5]).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 4, "keys 1 to 4 of K0 stored");
    // A new chain K1 pushes K0 out of Bob's receiving chains (limit 1, nothing retired).
    let to_alice = pair.bob.encrypt(b"turn").unwrap();
    pair.alice.decrypt(&mut rng(262), &to_alice).unwrap();
    let on_k1 = pair.alice.encrypt(b"k1").unwrap();
    pair.bob.decrypt(&mut r, &on_k1).unwrap();
    assert_eq!(pair.bob.receiving_chain_count(), 1);
    assert_eq!(
        pair.bob.skipped_key_count(),
        4,
        "K0's keys outlive its chain"
    );
    // Alice's RNG repeats: K0 again, counter 0, a genuine message under the new chain.
    let to_alice = pair.bob.encrypt(b"turn").unwrap();
    pair.alice.decrypt(&mut rng(261), &to_alice).unwrap();
    let reused = pair.alice.encrypt(b"k0 again").unwrap();
    let Envelope::Ratchet(reused_message) = &reused else {
        panic!("a ratchet message")
    };
    let Envelope::Ratchet(old_message) = &on_k0[0] else {
        panic!("a ratchet message")
    };
    assert_eq!(
        reused_message.header().ratchet_key,
        old_message.header().ratchet_key,
        "the test needs the same ratchet key twice"
    );
    refused(&mut pair.bob, &reused.encode(), Error::DuplicateMessage);
    // The state still loads.
    Session::from_stored(pair.bob.to_stored().as_bytes(), &limits).unwrap();
}
