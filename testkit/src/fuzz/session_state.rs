//! The `session_state` target: stored session state.

use hushwire::{Config, Envelope, Error, ErrorCategory, Session};

use super::Outcome;
use super::checks::{is_decoding_error, rng};
use super::fixture::fixture;

/// Limits high enough that loading trims nothing.
fn unbounded() -> Config {
    let mut config = fixture().config;
    config.max_skipped_keys = usize::MAX;
    config.max_receiving_chains = usize::MAX;
    config.max_retired_chains = usize::MAX;
    config
}

/// `session_state`: [`Session::from_stored`] on arbitrary bytes. The input is the state inside
/// a stored session (SPEC.md 9.1): it is sealed with its checksum first, or random bytes would
/// never get past the checksum to the decoder; the raw input is loaded too (a mutation of a
/// sealed seed must fail the checksum). Whatever loads with limits that trim nothing stores
/// back to the same bytes; with the default limits it loads too, trimmed to them, and stores to
/// bytes that load back unchanged. A loaded session may then meet the fixture's genuine
/// messages (a failed decrypt leaves it unchanged) and encrypt once.
pub fn session_state(state: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    match Session::from_stored(state, &unbounded()) {
        Err(error) => assert!(
            is_decoding_error(&error) || error.category() == ErrorCategory::State,
            "from_stored returned {error:?} for unsealed input"
        ),
        // Only an input that ends with its own checksum loads as it is.
        Ok(_) => {
            let split = state.len() - crate::stored::CHECKSUM_LEN;
            assert_eq!(state[split..], crate::stored::checksum(&state[..split]));
        }
    }
    let sealed = crate::stored::seal(state);
    let data = sealed.as_slice();
    // Stored sessions are bounded by MAX_STORED_STATE_LEN, not by `max_encoded_len` (SPEC.md
    // 9.2 step 1), so that no configuration makes a stored session unloadable.
    let session = match Session::from_stored(data, &unbounded()) {
        Ok(session) => session,
        Err(error) => {
            assert!(
                is_decoding_error(&error) || error.category() == ErrorCategory::State,
                "from_stored returned {error:?}"
            );
            assert_eq!(
                Session::from_stored(data, &config).err(),
                Some(error),
                "the limits change whether a state loads"
            );
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        session.to_stored().as_bytes(),
        data,
        "a loaded state does not store back"
    );
    let session = Session::from_stored(data, &config).expect("loads with the default limits");
    assert!(session.receiving_chain_count() <= config.max_receiving_chains.max(1));
    assert!(session.skipped_key_count() <= config.max_skipped_keys);
    let stored = session.to_stored();
    assert_eq!(
        Session::from_stored(stored.as_bytes(), &config).map(|s| s.to_stored()),
        Ok(stored),
        "a trimmed state does not store back"
    );
    let _ = format!("{session:?}");

    for message in fixture.in_flight.iter().chain(&fixture.delivered) {
        let mut copy = crate::fixtures::copy(&session);
        let before = copy.to_stored();
        match copy.decrypt_bytes(&mut rng(), &message.bytes) {
            Ok(plaintext) => assert_eq!(plaintext, message.plaintext),
            Err(error) => assert_eq!(copy.to_stored(), before, "state changed after {error:?}"),
        }
    }
    let mut copy = crate::fixtures::copy(&session);
    match copy.encrypt(b"from a loaded state") {
        Ok(envelope) => {
            assert_eq!(
                Envelope::decode(&envelope.encode(), &config).as_ref(),
                Ok(&envelope)
            );
            assert_eq!(
                matches!(envelope, Envelope::PreKey(_)),
                !session.has_received()
            );
        }
        Err(error) => assert_eq!(error, Error::CounterExhausted),
    }
    Outcome::Accepted
}
