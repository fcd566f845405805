//! session_state.json: stored session states that load and re-encode byte for byte, and
//! states that are refused (SPEC.md 9).

use super::json::{Fields, bytes, h, kind};
use hushwire::{Config, Session};
use serde_json::{Value, json};

use super::transcript::{self, TranscriptInput};

use super::pb;

/// `state || checksum` (SPEC.md 9.1): what a stored session is, for an edited `state`.
pub(super) fn seal(state: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let label = b"hushwire/v1/stored-session";
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(state);
    let mut out = state.to_vec();
    out.extend_from_slice(&hash.finalize());
    out
}

/// The `SessionState` inside a stored session (its checksum removed).
fn unsealed(stored: &[u8]) -> pb::SessionState {
    prost::Message::decode(&stored[..stored.len() - 32]).unwrap()
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let run = transcript::compute(&TranscriptInput::from_json(&transcript::inputs()[0].1).unwrap())
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
    // As written before SendingChain field 5 (the sending ratchet public key) existed.
    let mut old = unsealed(&alice);
    if let Some(sending) = old.sending.as_mut() {
        sending.ratchet_key.clear();
    }
    let old = seal(&prost::Message::encode_to_vec(&old));
    // Skipped keys on Alice's current receiving chain: twice the same one, and one for the
    // chain's own next counter (SPEC.md 9.2 steps 14 and 15).
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
    vec![
        (
            "Alice's state at the end of transcript.json case 1",
            json!({ "state": h(&alice) }),
        ),
        (
            "Bob's state at the end of transcript.json case 1",
            json!({ "state": h(&bob) }),
        ),
        (
            "Alice's state as written before SendingChain field 5 existed (loads; re-encodes with it)",
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
    ]
}

/// One case's input: a stored session state.
pub(super) struct SessionStateInput {
    /// `"state"`: the bytes `Session::to_stored` wrote, or an edited copy.
    pub(super) state: Vec<u8>,
}

impl SessionStateInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = Fields::of(value, &["state"], &[])?;
        Ok(Self {
            state: fields.bytes("state")?,
        })
    }
}

/// The session the state loads as: its re-encoding and a summary.
pub(super) fn compute(input: &SessionStateInput) -> Result<Value, String> {
    let session = Session::from_stored(&input.state, &Config::default()).map_err(kind)?;
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
