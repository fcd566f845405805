//! Stored session state (`Session::from_stored`).

use crate::common::*;
use crate::pb;
use crate::support::*;
use hushwire::{Error, Session};

#[test]
fn state_of_wrong_version() {
    let (pair, _) = ratchet_wire(200);
    let bad = edit_state(&pair.bob, |s| s.version = 7);
    assert_eq!(load_error(&bad), Error::UnsupportedVersion { found: 7 });
}

#[test]
fn truncated_state() {
    // A stored session cut short fails its checksum (SPEC.md 9.2 step 2), whatever the cut.
    let (pair, _) = ratchet_wire(201);
    let stored = pair.bob.to_stored();
    let bytes = stored.as_bytes();
    for cut in [1, 31, 32, 33, bytes.len() / 2, bytes.len()] {
        assert_eq!(
            load_error(&bytes[..bytes.len() - cut]),
            Error::SessionStateCorrupted
        );
    }
}

#[test]
fn truncated_state_with_a_matching_checksum() {
    // The state itself cut short, then sealed again: the protobuf decoder refuses it.
    let (pair, _) = ratchet_wire(209);
    let state = hushwire_testkit::stored::unseal(pair.bob.to_stored().as_bytes()).to_vec();
    let bad = hushwire_testkit::stored::seal(&state[..state.len() - 1]);
    assert_eq!(load_error(&bad), Error::MalformedProtobuf);
}

#[test]
fn damaged_state() {
    let (pair, _) = ratchet_wire(210);
    let mut bytes = pair.bob.to_stored().as_bytes().to_vec();
    bytes[40] ^= 0x04;
    assert_eq!(load_error(&bytes), Error::SessionStateCorrupted);
}

#[test]
fn oversized_state() {
    // Stored sessions have their own bound, 16 MiB (SPEC.md 9.2 step 1), whatever
    // `max_encoded_len`: a state just under it is not refused for its size, one over it is.
    let (pair, _) = ratchet_wire(202);
    let bytes = pair.bob.to_stored();
    let mut small = config();
    small.max_encoded_len = bytes.len() - 1;
    assert!(Session::from_stored(bytes.as_bytes(), &small).is_ok());
    let huge = vec![0u8; hushwire::MAX_STORED_STATE_LEN + 1];
    assert_eq!(
        Session::from_stored(&huge, &small).unwrap_err(),
        Error::TooLarge {
            len: hushwire::MAX_STORED_STATE_LEN + 1,
            max: hushwire::MAX_STORED_STATE_LEN
        }
    );
}

#[test]
fn unknown_field_in_state() {
    let (pair, _) = ratchet_wire(203);
    let mut state = hushwire_testkit::stored::unseal(pair.bob.to_stored().as_bytes()).to_vec();
    state.extend_from_slice(&[0x78, 0x01]); // field 15 (unknown), varint 1
    let bytes = hushwire_testkit::stored::seal(&state);
    assert_eq!(load_error(&bytes), Error::NonCanonicalEncoding);
}

#[test]
fn state_with_a_session_id_that_is_not_its_derivation() {
    let (pair, _) = ratchet_wire(211);
    let bad = edit_state(&pair.bob, |s| s.session_id[0] ^= 1);
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
    let bad = edit_state(&pair.bob, |s| s.session_id.truncate(31));
    assert_eq!(
        load_error(&bad),
        Error::InvalidLength {
            field: "session_id",
            expected: 32,
            found: 31
        }
    );
}

#[test]
fn initiator_state_with_an_accepted_prekey() {
    let (pair, _) = ratchet_wire(204);
    let responder = state_of(&pair.bob);
    let bad = edit_state(&pair.alice, |s| {
        s.accepted_prekey = responder.accepted_prekey.clone();
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn responder_state_without_an_accepted_prekey() {
    let (pair, _) = ratchet_wire(205);
    let bad = edit_state(&pair.bob, |s| s.accepted_prekey = None);
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn responder_state_with_a_pending_prekey() {
    let (pair, _) = ratchet_wire(206);
    let bad = edit_state(&pair.bob, |s| s.pending_prekey = s.accepted_prekey.clone());
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn initiator_state_pending_with_a_receiving_chain() {
    let first = first_message(207, config());
    let (pair, _) = ratchet_wire(208);
    let chains = state_of(&pair.alice).receiving.clone();
    // Alice before any reply has pending X3DH fields; a receiving chain contradicts them.
    let bad = edit_state(&first.alice, |s| s.receiving = chains);
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn initiator_state_pending_with_skipped_or_retired_keys() {
    // Keys stored from a chain, or a retired chain, mean Alice has received: her pending X3DH
    // fields contradict them (SPEC.md 9.2 step 16).
    let first = first_message(215, config());
    let (pair, _) = ratchet_wire(216);
    let chain = state_of(&pair.alice).receiving[0].clone();
    let bad = edit_state(&first.alice, |s| {
        s.skipped.push(pb::SkippedKey {
            ratchet_key: chain.ratchet_key.clone(),
            counter: 0,
            message_key: vec![0x44; 32],
        })
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
    let bad = edit_state(&first.alice, |s| {
        s.retired_ratchet_keys.push(chain.ratchet_key.clone())
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn initiator_state_received_without_a_receiving_chain() {
    // Alice has received (no pending fields), so she holds at least one receiving chain.
    let (pair, _) = ratchet_wire(217);
    let bad = edit_state(&pair.alice, |s| s.receiving.clear());
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn responder_state_without_a_receiving_chain() {
    let (pair, _) = ratchet_wire(209);
    let bad = edit_state(&pair.bob, |s| s.receiving.clear());
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn state_with_duplicate_receiving_chains() {
    let (pair, _) = ratchet_wire(210);
    let bad = edit_state(&pair.bob, |s| {
        let mut copy = s.receiving[0].clone();
        copy.counter += 1;
        s.receiving.push(copy);
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

#[test]
fn state_with_a_receiving_chain_also_retired() {
    let (pair, _) = ratchet_wire(211);
    let bad = edit_state(&pair.bob, |s| {
        let key = s.receiving[0].ratchet_key.clone();
        s.retired_ratchet_keys.push(key);
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
}

/// More than the fixed ceiling of 65536 entries in a list (SPEC.md 9.2), as empty entries:
/// the count is checked before any entry is validated.
#[test]
fn state_with_too_many_entries() {
    let (pair, _) = ratchet_wire(212);
    let mut roomy = config();
    roomy.max_encoded_len = 8 * 1024 * 1024;
    let too_many = (1 << 16) + 1;
    let chains = edit_state(&pair.bob, |s| {
        s.receiving.resize(too_many, pb::ReceivingChain::default());
    });
    let skipped = edit_state(&pair.bob, |s| {
        s.skipped.resize(too_many, pb::SkippedKey::default());
    });
    let retired = edit_state(&pair.bob, |s| {
        s.retired_ratchet_keys.resize(too_many, Vec::new());
    });
    for bytes in [chains, skipped, retired] {
        assert_eq!(
            Session::from_stored(&bytes, &roomy).unwrap_err(),
            Error::InvalidSessionState
        );
    }
}

#[test]
fn state_without_a_sending_chain() {
    let (pair, _) = ratchet_wire(213);
    let bad = edit_state(&pair.bob, |s| s.sending = None);
    assert_eq!(load_error(&bad), Error::MissingField { field: "sending" });
}

#[test]
fn state_keys_of_wrong_length() {
    let (pair, _) = ratchet_wire(214);
    // Bob after answering: a sending chain in use, not a pending step.
    let mut later = copy(&pair.bob);
    later.encrypt(b"reply").unwrap();
    type StateEdit = fn(&mut pb::SessionState);
    let cases: [(&'static str, StateEdit); 6] = [
        ("root_key", |s| s.root_key.truncate(31)),
        ("sending.ratchet_key", |s| {
            s.sending.as_mut().unwrap().ratchet_key.truncate(31);
        }),
        ("sending.ratchet_secret", |s| {
            s.sending.as_mut().unwrap().ratchet_secret.push(1);
        }),
        ("sending.chain_key", |s| {
            s.sending.as_mut().unwrap().chain_key.truncate(31);
        }),
        ("receiving.chain_key", |s| {
            s.receiving[0].chain_key.truncate(31)
        }),
        ("local_identity", |s| s.local_identity.truncate(31)),
    ];
    for (field, edit) in cases {
        let bad = edit_state(&later, edit);
        let found = match field {
            "sending.ratchet_secret" => 33,
            _ => 31,
        };
        assert_eq!(
            load_error(&bad),
            Error::InvalidLength {
                field,
                expected: 32,
                found
            },
            "{field}"
        );
    }
}

#[test]
fn state_skipped_key_of_wrong_length() {
    let (mut pair, _delayed) = ratchet_wire(215);
    let later = pair.alice.encrypt(b"later").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng(7), &later).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 1);
    let bad = edit_state(&pair.bob, |s| s.skipped[0].message_key.truncate(20));
    assert_eq!(
        load_error(&bad),
        Error::InvalidLength {
            field: "skipped.message_key",
            expected: 32,
            found: 20
        }
    );
}

#[test]
fn state_with_low_order_or_non_canonical_public_keys() {
    let (mut pair, _) = ratchet_wire(216);
    // A sending chain in use, so that its stored public key is checked.
    pair.bob.encrypt(b"reply").unwrap();
    for point in LOW_ORDER_X25519 {
        let bad = edit_state(&pair.bob, |s| s.receiving[0].ratchet_key = point.to_vec());
        assert_eq!(load_error(&bad), Error::LowOrderPublicKey);
        let bad = edit_state(&pair.bob, |s| s.retired_ratchet_keys = vec![point.to_vec()]);
        assert_eq!(load_error(&bad), Error::LowOrderPublicKey);
        let bad = edit_state(&pair.bob, |s| {
            s.sending.as_mut().unwrap().ratchet_key = point.to_vec();
        });
        assert_eq!(load_error(&bad), Error::LowOrderPublicKey);
    }
    for point in NON_CANONICAL_X25519 {
        let bad = edit_state(&pair.bob, |s| {
            s.sending.as_mut().unwrap().ratchet_key = hex32(point);
        });
        assert_eq!(load_error(&bad), Error::InvalidPublicKey);
        let bad = edit_state(&pair.bob, |s| {
            s.accepted_prekey.as_mut().unwrap().base_key = hex32(point);
        });
        assert_eq!(load_error(&bad), Error::InvalidPublicKey);
    }
    // The Ed25519 neutral element (y = 1) as the peer's identity.
    let neutral = hex32("0100000000000000000000000000000000000000000000000000000000000000");
    let bad = edit_state(&pair.bob, |s| s.remote_identity = neutral);
    assert_eq!(load_error(&bad), Error::LowOrderPublicKey);
}

#[test]
fn state_prekey_info_of_wrong_length() {
    let first = first_message(217, config());
    let bad = edit_state(&first.alice, |s| {
        s.pending_prekey.as_mut().unwrap().base_key.truncate(8);
    });
    assert_eq!(
        load_error(&bad),
        Error::InvalidLength {
            field: "prekey_info.base_key",
            expected: 32,
            found: 8
        }
    );
}

#[test]
fn a_genuine_state_still_loads() {
    // The baseline every state test edits: unedited, it loads and stores back.
    let (pair, _) = ratchet_wire(218);
    for session in [&pair.alice, &pair.bob] {
        let bytes = edit_state(session, |_| {});
        assert_eq!(
            Session::from_stored(&bytes, &config())
                .unwrap()
                .to_stored()
                .as_bytes(),
            bytes
        );
    }
}

#[test]
fn state_with_a_bad_skipped_ratchet_key() {
    let (mut pair, _delayed) = ratchet_wire(250);
    let later = pair.alice.encrypt(b"later").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng(7), &later).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 1);
    let bad = edit_state(&pair.bob, |s| s.skipped[0].ratchet_key.truncate(31));
    assert_eq!(
        load_error(&bad),
        Error::InvalidLength {
            field: "skipped.ratchet_key",
            expected: 32,
            found: 31
        }
    );
    for point in LOW_ORDER_X25519 {
        let bad = edit_state(&pair.bob, |s| s.skipped[0].ratchet_key = point.to_vec());
        assert_eq!(load_error(&bad), Error::LowOrderPublicKey);
    }
    for point in NON_CANONICAL_X25519 {
        let bad = edit_state(&pair.bob, |s| s.skipped[0].ratchet_key = hex32(point));
        assert_eq!(load_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn state_with_a_non_canonical_or_off_curve_identity() {
    let (pair, _) = ratchet_wire(251);
    for key in [non_canonical_identity_key(), off_curve_identity_key()] {
        let bad = edit_state(&pair.bob, |s| s.local_identity = key.clone());
        assert_eq!(load_error(&bad), Error::InvalidPublicKey);
        let bad = edit_state(&pair.bob, |s| s.remote_identity = key.clone());
        assert_eq!(load_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn state_with_duplicate_retired_ratchet_keys() {
    let (pair, _) = ratchet_wire(252);
    let bad = edit_state(&pair.bob, |s| {
        s.retired_ratchet_keys = vec![base_point(), base_point()];
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
    // One copy loads.
    let good = edit_state(&pair.bob, |s| s.retired_ratchet_keys = vec![base_point()]);
    assert!(Session::from_stored(&good, &config()).is_ok());
}

#[test]
fn state_with_a_skipped_key_stored_twice() {
    let (mut pair, delayed) = ratchet_wire(253);
    let later = pair.alice.encrypt(b"later").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng(7), &later).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 1);
    // A second copy would let the delayed message decrypt twice (SPEC.md 9.2 step 17).
    let bad = edit_state(&pair.bob, |s| {
        let copy = s.skipped[0].clone();
        s.skipped.push(copy);
    });
    assert_eq!(load_error(&bad), Error::InvalidSessionState);
    let mut bob = Session::from_stored(pair.bob.to_stored().as_bytes(), &config()).unwrap();
    assert_eq!(
        bob.decrypt_bytes(&mut rng(8), &delayed).unwrap(),
        b"genuine"
    );
}

#[test]
fn state_with_a_skipped_key_at_or_past_its_chains_counter() {
    let (pair, _) = ratchet_wire(254);
    // Bob's receiving chain is at counter 1 (the warm-up arrived): a stored key for counter 1
    // or later of that chain would duplicate a key the chain still derives (SPEC.md 9.2
    // step 18).
    for counter in [1u32, 2, 1000] {
        let bad = edit_state(&pair.bob, |s| {
            assert_eq!(s.receiving[0].counter, 1);
            s.skipped.push(pb::SkippedKey {
                ratchet_key: s.receiving[0].ratchet_key.clone(),
                counter,
                message_key: vec![0x11; 32],
            });
        });
        assert_eq!(load_error(&bad), Error::InvalidSessionState, "{counter}");
    }
    // Below the chain's counter, it loads.
    let good = edit_state(&pair.bob, |s| {
        s.skipped.push(pb::SkippedKey {
            ratchet_key: s.receiving[0].ratchet_key.clone(),
            counter: 0,
            message_key: vec![0x11; 32],
        });
    });
    assert!(Session::from_stored(&good, &config()).is_ok());
}

/// A pending sending step (SPEC.md 9.1: `sending` without a chain key) is stored with counter 0
/// and no public key, and only beside a receiving chain to take it against: anything else is
/// refused on load (9.2 steps 9 and 16), and the genuine form loads and takes its step.
#[test]
fn state_with_a_malformed_pending_sending_step() {
    let (mut pair, _) = ratchet_wire(217);
    let genuine = copy(&pair.bob);
    let state = state_of(&genuine);
    let pending = state.sending.as_ref().unwrap();
    assert!(pending.chain_key.is_empty() && pending.ratchet_key.is_empty());
    let counter = edit_state(&genuine, |s| s.sending.as_mut().unwrap().counter = 1);
    assert_eq!(load_error(&counter), Error::InvalidSessionState);
    let public = edit_state(&genuine, |s| {
        s.sending.as_mut().unwrap().ratchet_key = vec![9; 32];
    });
    assert_eq!(load_error(&public), Error::InvalidSessionState);
    // An initiator still sending PreKeyMessages has no receiving chain to take a step against.
    let fresh = first_message(218, config()).alice;
    let no_chain = edit_state(&fresh, |s| {
        let sending = s.sending.as_mut().unwrap();
        sending.chain_key.clear();
        sending.counter = 0;
        sending.ratchet_key.clear();
    });
    assert_eq!(load_error(&no_chain), Error::InvalidSessionState);
    // The genuine pending step loads, and its first message decrypts at Alice.
    let mut loaded = Session::from_stored(genuine.to_stored().as_bytes(), &config()).unwrap();
    let reply = loaded.encrypt(b"reply").unwrap().encode();
    assert_eq!(
        pair.alice.decrypt_bytes(&mut rng(219), &reply).unwrap(),
        b"reply"
    );
}
