//! The `group_session` target: a stored group session.

use hushwire::{
    Config, Error, ErrorCategory, GroupMessage, GroupSession, MAX_SENDER_KEY_CHAINS,
    MAX_STORED_ENTRIES, SenderKeyDistribution,
};
use prost::Message;

use super::Outcome;
use super::checks::is_decoding_error;
use super::group_fixture::{group_fixture, seal_group};
use crate::pb;

/// Limits high enough that loading trims nothing.
fn unbounded(config: &Config) -> Config {
    let mut config = *config;
    config.max_group_skipped_keys = usize::MAX;
    config.max_sender_key_chains = usize::MAX;
    config
}

/// Limits lower than any the fixture reaches: one chain per member, one stored key per chain.
fn small(config: &Config) -> Config {
    let mut config = *config;
    config.max_group_skipped_keys = 1;
    config.max_sender_key_chains = 1;
    config
}

/// `state` trimmed as SPEC.md 15.6 says loading under `config` trims it: each chain keeps its
/// newest `K` stored keys, each member its first `C` chains.
fn trimmed(state: &pb::GroupSessionState, config: &Config) -> pb::GroupSessionState {
    let chains = config.max_sender_key_chains.clamp(1, MAX_SENDER_KEY_CHAINS);
    let keys = config.max_group_skipped_keys.min(MAX_STORED_ENTRIES);
    let mut state = state.clone();
    for member in &mut state.members {
        member.chains.truncate(chains);
        for chain in &mut member.chains {
            let extra = chain.skipped.len().saturating_sub(keys);
            chain.skipped.drain(..extra);
        }
    }
    state
}

fn check_error(error: &Error) {
    assert!(
        is_decoding_error(error) || error.category() == ErrorCategory::State,
        "from_stored returned {error:?}"
    );
}

/// `group_session`: [`GroupSession::from_stored`] on arbitrary bytes (SPEC.md 15.6). The input
/// is the state inside a stored group session: the target seals it with its checksum, or
/// random bytes would never reach the decoder (the raw input is loaded too: only an input
/// that ends with its own checksum loads, and then stores back to itself).
///
/// - loading fails only with decoding, key and state errors, the same under limits that trim
///   nothing, the default configuration and lower limits (a lower limit never makes a session
///   unloadable);
/// - with limits that trim nothing it loads to a session whose `to_stored()` is exactly the
///   input sealed; under the default configuration and under lower limits (one chain per
///   member, one stored key per chain) it stores exactly the input trimmed by hand as SPEC.md
///   15.6 says (each chain's newest stored keys, each member's first chains), which loads back
///   unchanged; it never panics;
/// - the session loaded under the default configuration meets every genuine and every signed
///   message of the group fixture: a failure leaves it byte-for-byte as it was, a success
///   gives exactly the genuine plaintext and the same message again is `DuplicateMessage`;
/// - its distribution is its own chain at the stored iteration, and round-trips; it encrypts
///   a message at the stored iteration, from the stored address, that decodes back to itself
///   (or is `CounterExhausted` at iteration 2^32 − 1), and its distribution moves one on.
///
/// The input reaches the deepest path when it loads.
pub fn group_session(state: &[u8]) -> Outcome {
    let fixture = group_fixture();
    let config = fixture.config;
    match GroupSession::from_stored(state, &unbounded(&config)) {
        Err(error) => check_error(&error),
        Ok(loaded) => {
            let split = state.len() - crate::stored::CHECKSUM_LEN;
            assert_eq!(
                seal_group(&state[..split]),
                state,
                "loaded without its checksum"
            );
            assert_eq!(loaded.to_stored().as_bytes(), state);
        }
    }
    let sealed = seal_group(state);
    let full = match GroupSession::from_stored(&sealed, &unbounded(&config)) {
        Ok(full) => full,
        Err(error) => {
            check_error(&error);
            for limits in [config, small(&config)] {
                assert_eq!(
                    GroupSession::from_stored(&sealed, &limits).err(),
                    Some(error.clone()),
                    "the limits change whether a session loads"
                );
            }
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        full.to_stored().as_bytes(),
        sealed,
        "a loaded session does not store back"
    );
    let wire = pb::GroupSessionState::decode(state).expect("a loaded state decodes");
    let mut session = None;
    for limits in [small(&config), config] {
        let loaded = GroupSession::from_stored(&sealed, &limits)
            .expect("loads under lower limits when it loads without");
        let stored = loaded.to_stored();
        assert_eq!(
            stored.as_bytes(),
            seal_group(&trimmed(&wire, &limits).encode_to_vec()),
            "not trimmed as SPEC.md 15.6 says"
        );
        let again =
            GroupSession::from_stored(stored.as_bytes(), &limits).expect("a trimmed session loads");
        assert_eq!(again.to_stored().as_bytes(), stored.as_bytes());
        let _ = format!("{loaded:?}{stored:?}");
        session = Some(loaded);
    }
    let mut session = session.expect("loaded");
    assert_eq!(session.group_id().as_bytes(), wire.group_id);
    assert_eq!(session.chain_id(), wire.chain_id);
    assert_eq!(session.members().count(), wire.members.len());

    for message in fixture
        .messages
        .iter()
        .map(|m| &m.bytes)
        .chain(fixture.signed.iter().map(|s| &s.bytes))
    {
        let before = session.to_stored();
        match session.decrypt_bytes(message) {
            Err(error) => assert_eq!(
                session.to_stored().as_bytes(),
                before.as_bytes(),
                "changed after {error:?}"
            ),
            Ok(plaintext) => {
                let genuine = fixture
                    .genuine(message)
                    .expect("decrypted a message nobody sent");
                assert_eq!(plaintext, genuine.plaintext, "{}", genuine.name);
                let after = session.to_stored();
                assert_eq!(session.decrypt_bytes(message), Err(Error::DuplicateMessage));
                assert_eq!(session.to_stored().as_bytes(), after.as_bytes());
            }
        }
    }

    let distribution = session.distribution();
    assert_eq!(
        (distribution.chain_id(), distribution.iteration()),
        (wire.chain_id, wire.iteration)
    );
    let encoded = distribution.encode();
    let decoded = SenderKeyDistribution::decode(&encoded).expect("a distribution decodes");
    assert_eq!(decoded.encode().as_slice(), encoded.as_slice());
    match session.encrypt(b"from a loaded group session") {
        Ok(message) => {
            assert_eq!(message.iteration(), wire.iteration);
            assert_eq!(message.chain_id(), wire.chain_id);
            assert_eq!(message.sender(), session.local());
            assert_eq!(message.group_id(), session.group_id());
            assert_eq!(
                GroupMessage::decode(&message.encode(), &config).as_ref(),
                Ok(&message)
            );
            assert_eq!(session.distribution().iteration(), wire.iteration + 1);
        }
        Err(error) => {
            assert_eq!(error, Error::CounterExhausted);
            assert_eq!(wire.iteration, u32::MAX);
        }
    }
    Outcome::Accepted
}
