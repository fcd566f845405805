//! session_state.json: stored session states that load and re-encode byte for byte, and
//! states that are refused (SPEC.md 9).

use super::json::{Fields, bytes, h, kind};
use hushwire::{Config, Session};
use serde_json::{Value, json};

use super::transcript::{self, TranscriptInput};

/// The generated protobuf types, to write a state as an older version did.
#[allow(clippy::all, unreachable_pub, missing_docs, dead_code)]
mod pb {
    include!("../../../src/proto/hushwire.v1.rs");
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let run = transcript::compute(&TranscriptInput::from_json(&transcript::inputs()[0].1).unwrap())
        .unwrap();
    let alice = bytes(&run["alice_state"]).unwrap();
    let bob = bytes(&run["bob_state"]).unwrap();
    let mut wrong_version = alice.clone();
    wrong_version[1] = 2;
    let mut unknown = alice.clone();
    unknown.extend_from_slice(&[0xa0, 0x01, 0x00]);
    // As written before SendingChain field 5 (the sending ratchet public key) existed.
    let mut old: pb::SessionState = prost::Message::decode(alice.as_slice()).unwrap();
    if let Some(sending) = old.sending.as_mut() {
        sending.ratchet_key.clear();
    }
    let old = prost::Message::encode_to_vec(&old);
    // Skipped keys on Alice's current receiving chain: twice the same one, and one for the
    // chain's own next counter (SPEC.md 9.2 steps 14 and 15).
    let with_skipped = |counters: &[u32]| {
        let mut state: pb::SessionState = prost::Message::decode(alice.as_slice()).unwrap();
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
        prost::Message::encode_to_vec(&state)
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
            "truncated",
            json!({ "state": h(&alice[..alice.len() - 1]) }),
        ),
        ("unknown field appended", json!({ "state": h(&unknown) })),
        ("empty", json!({ "state": "" })),
    ]
}

/// One case's input: a stored session state.
pub(super) struct SessionStateInput {
    /// `"state"`: the bytes `Session::to_bytes` wrote, or an edited copy.
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
    let session = Session::from_bytes(&input.state, Config::default()).map_err(kind)?;
    Ok(json!({
        "reencoded": h(&*session.to_bytes()),
        "initiator": session.is_initiator(),
        "local_identity": h(session.local_identity().to_bytes()),
        "remote_identity": h(session.remote_identity().to_bytes()),
        "skipped_keys": session.skipped_key_count(),
        "receiving_chains": session.receiving_chain_count(),
    }))
}
