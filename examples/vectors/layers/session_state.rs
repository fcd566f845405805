//! session_state.json: stored session states that load and re-encode byte for byte, and
//! states that are refused (SPEC.md 9).

use super::json::{Fields, bytes, h, kind};
use hushwire::Session;
use serde_json::{Value, json};

use super::transcript::{self, TranscriptInput};

use super::pb;

/// `state || checksum` (SPEC.md 9.1), by hand in the test kit: what a stored session is, for
/// an edited `state`.
pub(super) use hushwire_testkit::stored::seal;

/// The `SessionState` inside a stored session (its checksum removed).
fn unsealed(stored: &[u8]) -> pb::SessionState {
    prost::Message::decode(&stored[..stored.len() - 32]).unwrap()
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let run = transcript::compute(
        &TranscriptInput::from_json(&transcript::inputs()[0].1).unwrap(),
        &hushwire::provider::RUST_CRYPTO,
    )
    .unwrap();
    let alice = bytes(&run["alice_state"]).unwrap();
    let bob = bytes(&run["bob_state"]).unwrap();
    let alice_state = &alice[..alice.len() - 32];
    let mut wrong_version = alice_state.to_vec();
    wrong_version[1] = 2;
    let wrong_version = seal(&wrong_version);
    let mut unknown = alice_state.to_vec();
    unknown.extend_from_slice(&[0xa0, 0x01, 0x00]);
    let unknown = seal(&unknown);
    let truncated_state = seal(&alice_state[..alice_state.len() - 1]);
    let mut bad_checksum = alice.clone();
    if let Some(last) = bad_checksum.last_mut() {
        *last ^= 1;
    }
    let mut wrong_id = unsealed(&bob);
    wrong_id.session_id[0] ^= 1;
    let wrong_id = seal(&prost::Message::encode_to_vec(&wrong_id));
    // As written before SendingChain field 5 (the sending ratchet public key) existed: Alice
    // with a sending chain in use (her state ends with a sending step pending).
    let sending = with_sending_chain(&alice);
    let mut old = unsealed(&sending);
    if let Some(sending) = old.sending.as_mut() {
        sending.ratchet_key.clear();
    }
    let old = seal(&prost::Message::encode_to_vec(&old));
    // Skipped keys on Alice's current receiving chain: twice the same one, and one for the
    // chain's own next counter (SPEC.md 9.2 steps 17 and 18).
    let with_skipped = |counters: &[u32]| {
        let mut state = unsealed(&alice);
        let chain = state.receiving[0].clone();
        for &counter in counters {
            let counter = if counter == u32::MAX {
                chain.counter
            } else {
                counter
            };
            state.skipped.push(pb::SkippedKey {
                ratchet_key: chain.ratchet_key.clone(),
                counter,
                message_key: vec![0x5a; 32],
            });
        }
        seal(&prost::Message::encode_to_vec(&state))
    };
    let skipped_once = with_skipped(&[0]);
    let skipped_twice = with_skipped(&[0, 0]);
    let skipped_at_counter = with_skipped(&[u32::MAX]);
    let mut cases = vec![
        (
            "Alice's state at the end of transcript.json case 1",
            json!({ "state": h(&alice) }),
        ),
        (
            "Bob's state at the end of transcript.json case 1",
            json!({ "state": h(&bob) }),
        ),
        (
            "Alice's state after one more message, as written before SendingChain field 5 existed (loads; re-encodes with it)",
            json!({ "state": h(&old) }),
        ),
        (
            "one skipped key before its chain's counter (loads)",
            json!({ "state": h(&skipped_once) }),
        ),
        (
            "the same skipped key stored twice",
            json!({ "state": h(&skipped_twice) }),
        ),
        (
            "a skipped key at its chain's next counter",
            json!({ "state": h(&skipped_at_counter) }),
        ),
        ("version 2", json!({ "state": h(&wrong_version) })),
        (
            "cut short by one byte (the checksum no longer matches)",
            json!({ "state": h(&alice[..alice.len() - 1]) }),
        ),
        ("unknown field appended", json!({ "state": h(&unknown) })),
        ("empty", json!({ "state": "" })),
        (
            "the state cut short by one byte, with the checksum of what is left",
            json!({ "state": h(&truncated_state) }),
        ),
        (
            "the last checksum byte flipped",
            json!({ "state": h(&bad_checksum) }),
        ),
        (
            "an empty state with its checksum",
            json!({ "state": h(seal(&[])) }),
        ),
        (
            "Bob's state with a session id that is not the derivation of 9.3",
            json!({ "state": h(&wrong_id) }),
        ),
    ];
    cases.extend(more_inputs(&alice, &bob));
    cases
}

/// `stored` after one more message: a pending sending step taken (SPEC.md 6.7), so that its
/// `sending` holds a chain in use.
fn with_sending_chain(stored: &[u8]) -> Vec<u8> {
    let mut session = Session::from_stored(stored, &super::classic_config()).unwrap();
    session.encrypt(b"one more").unwrap();
    session.to_stored().as_bytes().to_vec()
}

/// `stored` with its `SessionState` edited by `edit`, re-sealed (SPEC.md 9.1) so that the
/// check under test is reached.
fn edited(stored: &[u8], edit: impl FnOnce(&mut pb::SessionState)) -> Vec<u8> {
    let mut state = unsealed(stored);
    edit(&mut state);
    seal(&prost::Message::encode_to_vec(&state))
}

/// A valid X25519 public key no state here holds.
fn fresh_key(n: u8) -> Vec<u8> {
    hushwire::hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &super::seed(n)).to_vec()
}

/// The cases appended after the first 14: each load check of SPEC.md 9.2 that has none
/// above (but 1, 10 and 13's count bound, whose inputs would be megabytes), trimming on
/// load, encryption from a loaded state (`CounterExhausted`, `TooLarge`), and a `bool` that
/// is neither 0 nor 1.
fn more_inputs(alice: &[u8], bob: &[u8]) -> Vec<(&'static str, Value)> {
    // An initiator that still has its pending X3DH fields: Alice at the end of
    // transcript.json case 3 (she never received a message).
    let run = transcript::compute(
        &TranscriptInput::from_json(&transcript::inputs()[2].1).unwrap(),
        &hushwire::provider::RUST_CRYPTO,
    )
    .unwrap();
    let pending = bytes(&run["alice_state"]).unwrap();
    // Alice with a sending chain in use, for the checks of a chain's fields.
    let sending = with_sending_chain(alice);
    let low_order_identity: Vec<u8> = [1u8].into_iter().chain([0u8; 31]).collect();
    let state = |b: Vec<u8>| json!({ "state": h(b) });
    let with_config = |b: Vec<u8>, config: Value| json!({ "state": h(b), "config": config });
    let with_encrypt = |b: Vec<u8>, plaintext: &[u8], config: Value| json!({ "state": h(b), "config": config, "encrypt": h(plaintext) });
    let info = |base_key: Vec<u8>| pb::PreKeyInfo {
        base_key,
        signed_prekey_id: 1,
        one_time_prekey_id: None,
        kem_prekey_id: None,
        kem_ciphertext_hash: Vec::new(),
    };
    // `initiator` (field 4) is the varint after version (2 bytes) and the two identities (34
    // bytes each): written as 2 instead of 1.
    let bool_two = {
        let mut raw = alice[..alice.len() - 32].to_vec();
        assert_eq!(&raw[70..72], &[0x20, 0x01]);
        raw[71] = 2;
        seal(&raw)
    };
    // Two skipped keys (one on each receiving chain, counter 0), to be trimmed to one.
    let two_skipped = edited(alice, |s| {
        for chain in s.receiving.clone() {
            s.skipped.push(pb::SkippedKey {
                ratchet_key: chain.ratchet_key.clone(),
                counter: 0,
                message_key: vec![0x5a; 32],
            });
        }
    });
    vec![
        (
            "step 4: local_identity of small order",
            state(edited(alice, |s| {
                s.local_identity = low_order_identity.clone()
            })),
        ),
        (
            "step 4: remote_identity of 31 bytes",
            state(edited(alice, |s| s.remote_identity.truncate(31))),
        ),
        (
            "step 5: pending_prekey base_key of 31 bytes",
            state(edited(&pending, |s| {
                s.pending_prekey.as_mut().unwrap().base_key.truncate(31)
            })),
        ),
        (
            "step 5: accepted_prekey base_key of small order",
            state(edited(bob, |s| {
                s.accepted_prekey.as_mut().unwrap().base_key = vec![0; 32]
            })),
        ),
        (
            "step 6: an initiator with an accepted_prekey",
            state(edited(alice, |s| {
                s.accepted_prekey = Some(info(fresh_key(90)))
            })),
        ),
        (
            "step 6: a responder with initiator set",
            state(edited(bob, |s| s.initiator = true)),
        ),
        (
            "step 6: a responder without accepted_prekey",
            state(edited(bob, |s| s.accepted_prekey = None)),
        ),
        (
            "step 6: a responder with a pending_prekey too",
            state(edited(bob, |s| {
                s.pending_prekey = s.accepted_prekey.clone()
            })),
        ),
        (
            "step 7: session_id of 31 bytes",
            state(edited(bob, |s| s.session_id.truncate(31))),
        ),
        (
            "step 7: session_id absent",
            state(edited(alice, |s| s.session_id.clear())),
        ),
        (
            "step 7: an initiator whose pending fields are gone has a session id that is not checked (loads)",
            state(edited(alice, |s| s.session_id[0] ^= 1)),
        ),
        (
            "step 7: an initiator with pending fields and a session id that is not their derivation",
            state(edited(&pending, |s| s.session_id[0] ^= 1)),
        ),
        (
            "step 8: root_key of 31 bytes",
            state(edited(alice, |s| s.root_key.truncate(31))),
        ),
        (
            "step 9: sending absent",
            state(edited(alice, |s| s.sending = None)),
        ),
        (
            "step 9: sending.ratchet_secret of 31 bytes",
            state(edited(alice, |s| {
                s.sending.as_mut().unwrap().ratchet_secret.truncate(31)
            })),
        ),
        (
            "step 9: sending.ratchet_key of small order",
            state(edited(&sending, |s| {
                s.sending.as_mut().unwrap().ratchet_key = vec![0; 32]
            })),
        ),
        (
            "step 9: sending.chain_key of 33 bytes",
            state(edited(&sending, |s| {
                s.sending.as_mut().unwrap().chain_key.push(0)
            })),
        ),
        (
            "step 11: a receiving chain's ratchet_key of small order",
            state(edited(alice, |s| s.receiving[1].ratchet_key = vec![0; 32])),
        ),
        (
            "step 11: two receiving chains with the same ratchet key",
            state(edited(alice, |s| {
                s.receiving[1].ratchet_key = s.receiving[0].ratchet_key.clone()
            })),
        ),
        (
            "step 11: a receiving chain's chain_key of 31 bytes",
            state(edited(alice, |s| s.receiving[0].chain_key.truncate(31))),
        ),
        (
            "step 12: a responder with no receiving chain",
            state(edited(bob, |s| s.receiving.clear())),
        ),
        (
            "step 13: a retired key of small order",
            state(edited(alice, |s| s.retired_ratchet_keys.push(vec![0; 32]))),
        ),
        (
            "step 13: a retired key of 31 bytes",
            state(edited(alice, |s| {
                s.retired_ratchet_keys.push(fresh_key(91)[..31].to_vec())
            })),
        ),
        (
            "step 14: a skipped key's ratchet_key with the top bit set",
            state(edited(alice, |s| {
                let mut key = fresh_key(92);
                key[31] |= 0x80;
                s.skipped.push(pb::SkippedKey {
                    ratchet_key: key,
                    counter: 0,
                    message_key: vec![0x5a; 32],
                });
            })),
        ),
        (
            "step 14: a skipped key's message_key of 31 bytes",
            state(edited(alice, |s| {
                s.skipped.push(pb::SkippedKey {
                    ratchet_key: fresh_key(93),
                    counter: 0,
                    message_key: vec![0x5a; 31],
                });
            })),
        ),
        (
            "step 15: a retired key equal to a receiving chain's",
            state(edited(alice, |s| {
                s.retired_ratchet_keys
                    .push(s.receiving[1].ratchet_key.clone())
            })),
        ),
        (
            "step 15: the same retired key twice",
            state(edited(alice, |s| {
                s.retired_ratchet_keys
                    .extend([fresh_key(94), fresh_key(94)])
            })),
        ),
        (
            "step 16: an initiator with pending fields and a receiving chain",
            state(edited(&pending, |s| {
                s.receiving.push(pb::ReceivingChain {
                    ratchet_key: fresh_key(95),
                    chain_key: vec![0x33; 32],
                    counter: 0,
                });
            })),
        ),
        (
            "a skipped key of a chain no longer held (loads: SPEC.md 6.6 keeps such keys until evicted)",
            state(edited(alice, |s| {
                s.skipped.push(pb::SkippedKey {
                    ratchet_key: fresh_key(96),
                    counter: 7,
                    message_key: vec![0x5a; 32],
                });
            })),
        ),
        (
            "initiator written as 2 (a bool that is neither 0 nor 1)",
            state(bool_two),
        ),
        (
            "trimming on load: 2 skipped keys, 2 receiving chains and a retired key under limits of 1 each load as 1 of each",
            with_config(
                edited(&two_skipped, |s| s.retired_ratchet_keys.push(fresh_key(97))),
                json!({ "max_skipped_keys": 1, "max_receiving_chains": 1, "max_retired_chains": 1 }),
            ),
        ),
        (
            "trimming on load: max_receiving_chains 0 acts as 1, max_retired_chains 0 drops every retired key",
            with_config(
                edited(alice, |s| s.retired_ratchet_keys.push(fresh_key(98))),
                json!({ "max_skipped_keys": 0, "max_receiving_chains": 0, "max_retired_chains": 0 }),
            ),
        ),
        (
            "encrypt with Ns = 2^32 - 2: the last counter a chain sends",
            with_encrypt(
                edited(&sending, |s| {
                    s.sending.as_mut().unwrap().counter = u32::MAX - 1
                }),
                b"last",
                json!({}),
            ),
        ),
        (
            "encrypt with Ns = 2^32 - 1",
            with_encrypt(
                edited(&sending, |s| s.sending.as_mut().unwrap().counter = u32::MAX),
                b"one more",
                json!({}),
            ),
        ),
        (
            "encrypt a 1-byte plaintext with max_encoded_len 177 (1 + 176, allowed)",
            with_encrypt(alice.to_vec(), b"x", json!({ "max_encoded_len": 177 })),
        ),
        (
            "encrypt a 2-byte plaintext with max_encoded_len 177 (2 + 176 > 177)",
            with_encrypt(alice.to_vec(), b"xy", json!({ "max_encoded_len": 177 })),
        ),
        (
            "encrypt from an initiator with pending fields: a PreKeyMessage",
            with_encrypt(pending.clone(), b"still pending", json!({})),
        ),
        (
            "step 16: an initiator with pending fields and a skipped key",
            state(edited(&pending, |s| {
                s.skipped.push(pb::SkippedKey {
                    ratchet_key: fresh_key(97),
                    counter: 0,
                    message_key: vec![0x44; 32],
                });
            })),
        ),
        (
            "step 16: an initiator with pending fields and a retired key",
            state(edited(&pending, |s| {
                s.retired_ratchet_keys.push(fresh_key(98))
            })),
        ),
        (
            "step 16: an initiator that has received (no pending fields) with no receiving chain",
            state(edited(alice, |s| s.receiving.clear())),
        ),
        (
            "encrypt from a state with a pending sending step: the step is taken (a new ratchet key in the header)",
            with_encrypt(alice.to_vec(), b"pending step", json!({})),
        ),
        (
            "step 9: a pending sending step (no chain_key) with counter 1",
            state(edited(alice, |s| s.sending.as_mut().unwrap().counter = 1)),
        ),
        (
            "step 9: a pending sending step (no chain_key) with a ratchet_key",
            state(edited(alice, |s| {
                s.sending.as_mut().unwrap().ratchet_key = fresh_key(93)
            })),
        ),
        (
            "step 9: a pending sending step (no chain_key) with a ratchet_secret of 31 bytes",
            state(edited(alice, |s| {
                s.sending.as_mut().unwrap().ratchet_secret.truncate(31)
            })),
        ),
        (
            "step 16: a pending sending step in an initiator with pending fields (no receiving chain)",
            state(edited(&pending, |s| {
                let sending = s.sending.as_mut().unwrap();
                sending.chain_key.clear();
                sending.counter = 0;
                sending.ratchet_key.clear();
            })),
        ),
        (
            "the state of case 55 as a hushwire before the pending step stored it (the step taken at decryption): encrypts the same envelope to the same state as case 55",
            with_encrypt(
                hushwire_testkit::stored::with_sending_step_taken(alice),
                b"pending step",
                json!({}),
            ),
        ),
    ]
}

/// One case's input: a stored session state, the limits to load it under, and optionally a
/// plaintext to encrypt from it.
pub(super) struct SessionStateInput {
    /// `"state"`: the bytes `Session::to_stored` wrote, or an edited copy.
    pub(super) state: Vec<u8>,
    /// `"config"`, optional: the limits (SPEC.md 8.4), each key optional.
    pub(super) config: hushwire::Config,
    /// `"encrypt"`, optional: a plaintext (hex) the loaded session encrypts.
    pub(super) encrypt: Option<Vec<u8>>,
}

impl SessionStateInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = Fields::of(value, &["state"], &["config", "encrypt"])?;
        Ok(Self {
            state: fields.bytes("state")?,
            config: super::json::config(&fields, "config")?,
            encrypt: match fields.get("encrypt") {
                Some(_) => Some(fields.bytes("encrypt")?),
                None => None,
            },
        })
    }
}

/// The session the state loads as: its re-encoding and a summary; with `encrypt`, the
/// envelope and the state after it.
pub(super) fn compute(
    input: &SessionStateInput,
    p: &'static hushwire::CryptoProvider,
) -> Result<Value, String> {
    let mut config = input.config;
    config.provider = p;
    let mut session = Session::from_stored(&input.state, &config).map_err(kind)?;
    if let Some(plaintext) = &input.encrypt {
        let envelope = session.encrypt(plaintext).map_err(kind)?;
        return Ok(json!({
            "envelope": h(envelope.encode()),
            "reencoded": h(session.to_stored().as_bytes()),
        }));
    }
    Ok(json!({
        "reencoded": h(session.to_stored().as_bytes()),
        "initiator": session.is_initiator(),
        "session_id": h(session.id().as_bytes()),
        "local_identity": h(session.our_identity().to_bytes()),
        "remote_identity": h(session.their_identity().to_bytes()),
        "skipped_keys": session.skipped_key_count(),
        "receiving_chains": session.receiving_chain_count(),
    }))
}
