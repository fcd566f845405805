//! The stored form of SPEC.md 9.1 by hand, for tests that edit a stored session: split off
//! the checksum, and seal an edited state again so that the loader reaches the check under
//! test. Written from the spec with `sha2`, not with hushwire's code.

use prost::Message;
use sha2::{Digest, Sha256};

use crate::pb;

/// Length of the checksum that ends a stored session.
pub const CHECKSUM_LEN: usize = 32;

/// The label of the checksum (SPEC.md 9.1).
const LABEL: &[u8] = b"hushwire/v1/stored-session";

/// SHA-256(len(label) || label || state).
pub fn checksum(state: &[u8]) -> [u8; CHECKSUM_LEN] {
    labelled_checksum(LABEL, state)
}

/// SHA-256(len(label) || label || content): the checksum of every stored form (SPEC.md 9.1,
/// 17.2, 18.6) under its own label.
pub fn labelled_checksum(label: &[u8], content: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(content);
    hash.finalize().into()
}

/// `state || checksum(state)`: a stored session with `state` inside.
pub fn seal(state: &[u8]) -> Vec<u8> {
    let mut out = state.to_vec();
    out.extend_from_slice(&checksum(state));
    out
}

/// The `SessionState` encoding inside a stored session; panics if the checksum is wrong.
pub fn unseal(stored: &[u8]) -> &[u8] {
    let (state, sum) = stored.split_at(stored.len() - CHECKSUM_LEN);
    assert_eq!(sum, checksum(state), "not a stored session");
    state
}

/// `stored`, whose sending step is pending (SPEC.md 9.1), with the step taken as a hushwire
/// from before the pending step stored it right after a new ratchet key: 6.7's `TAKE` by hand
/// through `hazmat` (`root_key` becomes RK2; `chain_key` and `ratchet_key` are filled in, the
/// counter stays 0). Panics unless the step is pending.
pub fn with_sending_step_taken(stored: &[u8]) -> Vec<u8> {
    use hushwire::hazmat::{primitives, ratchet};
    let provider = &hushwire::provider::RUST_CRYPTO;
    let mut state = pb::SessionState::decode(unseal(stored)).expect("a SessionState");
    let key = |bytes: &[u8]| -> [u8; 32] { bytes.try_into().expect("32 bytes") };
    let secret = key(&state.sending.as_ref().expect("sending").ratchet_secret);
    let theirs = key(&state.receiving[0].ratchet_key);
    let dh = primitives::x25519(provider, &secret, &theirs).expect("a contributory DH");
    let (root, chain) = ratchet::kdf_rk(&key(&state.root_key), &dh);
    state.root_key = root.to_vec();
    let sending = state.sending.as_mut().expect("sending");
    assert!(
        sending.chain_key.is_empty(),
        "the sending step is not pending"
    );
    sending.chain_key = chain.to_vec();
    sending.ratchet_key = primitives::x25519_public_key(provider, &secret).to_vec();
    seal(&state.encode_to_vec())
}
