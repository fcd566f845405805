//! The configurable bounds: per-chain skip, stored skipped keys, receiving chains, sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Envelope, Error, Session};

#[test]
fn skipping_exactly_the_limit_works_and_one_more_fails() {
    let mut rng = rng(40);
    let mut config = config();
    config.max_skip = 50;
    let mut pair = established_pair(&mut rng, config);
    // Bob's next message from Alice opens a new chain; skip 50 on it: allowed.
    let mut wires = Vec::new();
    for i in 0..51u32 {
        wires.push(pair.alice.encrypt(&i.to_be_bytes()).unwrap().encode());
    }
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wires[50]).unwrap(),
        50u32.to_be_bytes()
    );
    assert_eq!(pair.bob.skipped_key_count(), 50);
    // Now 51 further on the same chain: refused, state unchanged.
    let mut far = Vec::new();
    for _ in 0..52 {
        far = pair.alice.encrypt(b"far").unwrap().encode();
    }
    let before = pair.bob.to_stored();
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &far),
        Err(Error::TooManySkippedMessages { skip: 51, max: 50 })
    );
    assert_eq!(pair.bob.to_stored(), before);
    // The skipped ones still decrypt, in any order.
    for i in (0..50).rev() {
        assert_eq!(
            pair.bob.decrypt_bytes(&mut rng, &wires[i]).unwrap(),
            (i as u32).to_be_bytes()
        );
    }
    assert_eq!(pair.bob.skipped_key_count(), 0);
}

#[test]
fn previous_chain_skip_beyond_the_limit_fails() {
    let mut rng = rng(41);
    let mut config = config();
    config.max_skip = 20;
    let mut pair = established_pair(&mut rng, config);
    let first = pair.alice.encrypt(b"a0").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &first).unwrap();
    // Alice sends 30 more on this chain (never delivered), then Bob replies, then Alice's next
    // message announces PN = 31: finishing the old chain would skip 30 keys > 20.
    for _ in 0..30 {
        pair.alice.encrypt(b"lost").unwrap();
    }
    let reply = pair.bob.encrypt(b"b").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let next = pair.alice.encrypt(b"a-next").unwrap();
    let Envelope::Ratchet(message) = &next else {
        panic!()
    };
    assert_eq!(message.header().previous_counter, 31);
    let before = pair.bob.to_stored();
    assert_eq!(
        pair.bob.decrypt(&mut rng, &next),
        Err(Error::TooManySkippedMessages { skip: 30, max: 20 })
    );
    assert_eq!(pair.bob.to_stored(), before);
}

#[test]
fn stored_skipped_keys_are_capped_oldest_first() {
    let mut rng = rng(42);
    let mut config = config();
    config.max_skipped_keys = 10;
    let mut pair = established_pair(&mut rng, config);
    let wires: Vec<Vec<u8>> = (0..16u32)
        .map(|i| pair.alice.encrypt(&i.to_be_bytes()).unwrap().encode())
        .collect();
    // Deliver message 15 first: 15 keys are derived, the 5 oldest are evicted.
    pair.bob.decrypt_bytes(&mut rng, &wires[15]).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 10);
    for wire in &wires[..5] {
        assert_eq!(
            pair.bob.decrypt_bytes(&mut rng, wire),
            Err(Error::DuplicateMessage)
        );
    }
    for (i, wire) in wires.iter().enumerate().take(15).skip(5) {
        assert_eq!(
            pair.bob.decrypt_bytes(&mut rng, wire).unwrap(),
            (i as u32).to_be_bytes()
        );
    }
}

#[test]
fn at_most_five_receiving_chains_are_kept() {
    let mut rng = rng(43);
    let mut pair = established_pair(&mut rng, config());
    for round in 0..12 {
        let wire = pair.alice.encrypt(b"ping").unwrap().encode();
        pair.bob.decrypt_bytes(&mut rng, &wire).unwrap();
        let wire = pair.bob.encrypt(b"pong").unwrap().encode();
        pair.alice.decrypt_bytes(&mut rng, &wire).unwrap();
        assert!(pair.bob.receiving_chain_count() <= 5, "round {round}");
        assert!(pair.alice.receiving_chain_count() <= 5, "round {round}");
    }
    assert_eq!(pair.bob.receiving_chain_count(), 5);
}

#[test]
fn lowering_a_limit_trims_stored_sessions_instead_of_breaking_them() {
    let mut rng = rng(46);
    let mut pair = established_pair(&mut rng, config());
    let mut old_message = Vec::new();
    for round in 0..6 {
        let wire = pair.alice.encrypt(b"ping").unwrap().encode();
        pair.bob.decrypt_bytes(&mut rng, &wire).unwrap();
        if round == 2 {
            old_message = wire;
        }
        let wire = pair.bob.encrypt(b"pong").unwrap().encode();
        pair.alice.decrypt_bytes(&mut rng, &wire).unwrap();
    }
    assert_eq!(pair.bob.receiving_chain_count(), 5);
    let mut small = config();
    small.max_receiving_chains = 2;
    let mut reloaded = Session::from_stored(pair.bob.to_stored().as_bytes(), &small).unwrap();
    assert_eq!(reloaded.receiving_chain_count(), 2);
    // The dropped chains are retired, so a replay on one is still a duplicate.
    assert_eq!(
        reloaded.decrypt_bytes(&mut rng, &old_message),
        Err(Error::DuplicateMessage)
    );
    pair.bob.set_config(&small);
    assert_eq!(pair.bob.receiving_chain_count(), 2);
    assert_eq!(pair.bob.to_stored(), reloaded.to_stored());
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut rng = rng(44);
    let mut pair = established_pair(&mut rng, config());
    let mut small = config();
    small.max_encoded_len = 200;
    pair.bob.set_config(&small);
    let wire = pair.alice.encrypt(&[0u8; 300]).unwrap().encode();
    let before = pair.bob.to_stored();
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wire),
        Err(Error::TooLarge {
            len: wire.len(),
            max: 200
        })
    );
    assert_eq!(pair.bob.to_stored(), before);
    // Stored sessions are not wire input: `max_encoded_len` does not bound them (SPEC.md 9.2
    // step 1), so the state loads under the same small limit.
    assert!(before.len() > 200);
    assert!(Session::from_stored(before.as_bytes(), &small).is_ok());
}

#[test]
fn encrypt_refuses_what_the_peer_could_not_decode_without_advancing() {
    let mut rng = rng(45);
    let mut config = config();
    config.max_encoded_len = 1000;
    let mut pair = established_pair(&mut rng, config);
    let before = pair.alice.to_stored();
    assert!(matches!(
        pair.alice.encrypt(&[0u8; 900]),
        Err(Error::TooLarge { .. })
    ));
    assert_eq!(pair.alice.to_stored(), before);
    // What it does accept, the peer decodes.
    let wire = pair.alice.encrypt(&[0u8; 1000 - 176]).unwrap().encode();
    assert!(wire.len() <= 1000);
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wire).unwrap().len(),
        1000 - 176
    );
}

#[test]
fn a_large_max_skip_keeps_only_max_skipped_keys_in_memory() {
    let mut rng = rng(47);
    let mut config = config();
    config.max_skip = 100_000;
    config.max_skipped_keys = 10;
    let mut pair = established_pair(&mut rng, config);
    let mut wires = Vec::new();
    for i in 0..20_001u32 {
        let wire = pair.alice.encrypt(&i.to_be_bytes()).unwrap().encode();
        if i >= 19_980 {
            wires.push(wire);
        }
    }
    let last = wires.pop().unwrap();
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &last).unwrap(),
        20_000u32.to_be_bytes()
    );
    assert_eq!(pair.bob.skipped_key_count(), 10);
    // The ten most recent skipped messages decrypt; older ones were never kept.
    for (i, wire) in wires.iter().enumerate() {
        let counter = 19_980 + i as u32;
        let result = pair.bob.decrypt_bytes(&mut rng, wire);
        if counter >= 19_990 {
            assert_eq!(result.unwrap(), counter.to_be_bytes());
        } else {
            assert_eq!(result, Err(Error::DuplicateMessage));
        }
    }
}

/// Issue 9: with `max_receiving_chains = usize::MAX` the initiator panicked ("capacity
/// overflow") on the first reply, and with `1 << 55` the allocation aborted the process: the
/// ratchet reserved room for the whole limit on every DH step. No limit may panic or abort, and
/// what is allocated follows what is stored.
#[test]
fn huge_limits_neither_panic_nor_abort() {
    for huge in [usize::MAX, 1 << 55, (1 << 16) + 1] {
        let mut config = config();
        config.max_receiving_chains = huge;
        config.max_retired_chains = huge;
        config.max_skipped_keys = huge;
        let mut rng = rng(60);
        let mut pair = established_pair(&mut rng, config);
        // Twenty DH ratchet steps each way, with a skipped message on every chain.
        for round in 0..20u8 {
            let _lost = pair.alice.encrypt(&[round]).unwrap();
            let wire = pair.alice.encrypt(&[round, 1]).unwrap().encode();
            pair.bob.decrypt_bytes(&mut rng, &wire).unwrap();
            let wire = pair.bob.encrypt(&[round, 2]).unwrap().encode();
            pair.alice.decrypt_bytes(&mut rng, &wire).unwrap();
        }
        assert_eq!(pair.bob.receiving_chain_count(), 21);
        assert_eq!(pair.bob.skipped_key_count(), 20);
        for session in [&pair.alice, &pair.bob] {
            let stored = session.to_stored();
            let loaded = Session::from_stored(stored.as_bytes(), &config).unwrap();
            assert_eq!(loaded.to_stored().as_bytes(), stored.as_bytes());
        }
        pair.bob.set_config(&config);
        assert_eq!(pair.bob.receiving_chain_count(), 21);
    }
}
