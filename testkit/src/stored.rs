//! The stored form of SPEC.md 9.1 by hand, for tests that edit a stored session: split off
//! the checksum, and seal an edited state again so that the loader reaches the check under
//! test. Written from the spec with `sha2`, not with hushwire's code.

use sha2::{Digest, Sha256};

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
