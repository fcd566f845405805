//! The `session_record` target: a stored session record.

use hushwire::{
    Config, DeviceSessions, Error, ErrorCategory, MAX_ARCHIVED_SESSIONS, SessionRecord,
};
use prost::Message;
use sha2::{Digest, Sha256};

use super::Outcome;
use super::checks::{is_decoding_error, rng};
use super::device_fixture::{DeviceFixture, OverlayStore, address, device_fixture};
use crate::fixtures::accounts::now;
use crate::pb;

/// The label of a stored record's checksum (SPEC.md 14.6).
const RECORD_LABEL: &[u8] = b"hushwire/v1/stored-session-record";

/// `record || SHA-256(len(label) || label || record)`: a stored record with `record` inside,
/// by hand from SPEC.md 14.6.
pub fn seal_record(record: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update([RECORD_LABEL.len() as u8]);
    hash.update(RECORD_LABEL);
    hash.update(record);
    let mut out = record.to_vec();
    out.extend_from_slice(&hash.finalize());
    out
}

/// The `SessionRecord` encoding inside a stored record; panics if the checksum is wrong.
pub fn unseal_record(stored: &[u8]) -> &[u8] {
    let (record, _) = stored.split_at(stored.len() - crate::stored::CHECKSUM_LEN);
    assert_eq!(seal_record(record), stored, "not a stored record");
    record
}

/// Limits high enough that loading trims nothing.
fn unbounded(config: &Config) -> Config {
    let mut config = *config;
    config.max_skipped_keys = usize::MAX;
    config.max_receiving_chains = usize::MAX;
    config.max_retired_chains = usize::MAX;
    config.max_archived_sessions = MAX_ARCHIVED_SESSIONS;
    config
}

/// `session_record`: [`SessionRecord::from_stored`] on arbitrary bytes (SPEC.md 14.6). The
/// input is the record inside a stored record: the target seals it with its checksum, or
/// random bytes would never reach the decoder (the raw input is loaded too: only an input
/// that ends with its own checksum loads, and stores back to itself). If the input decodes as
/// a `SessionRecord` at all, it is loaded a second time with each session in it sealed with
/// its own checksum (SPEC.md 9.1), so that mutated sessions reach the session loader too.
///
/// Each sealed form:
///
/// - fails only with decoding, state and size errors, the same with limits that trim nothing
///   and with the default configuration;
/// - with limits that trim nothing, loads to a record whose `to_stored()` is exactly the
///   input; with the default configuration it stores back to the same bytes unless it was
///   trimmed to the limits (a session's, or the archive beyond the default 40), and then to
///   bytes that load back unchanged;
/// - has no session twice; under a lower archive limit it loads trimmed to it (at least 1),
///   keeping the newest archived sessions (SPEC.md 14.6 as revised in ca68e42);
/// - put in place as Acme 1's record of Carol 1 (device fixture), decrypts each genuine
///   message from Carol 1 to Acme 1 only to what was sent, then not again, and leaves the
///   record as it was on any failure;
/// - encrypts with its current session, or is `NoSession` without one.
///
/// The input reaches the deepest path when a sealed form loads.
pub fn session_record(record: &[u8]) -> Outcome {
    let fixture = device_fixture();
    let config = fixture.config;
    match SessionRecord::from_stored(record, &config) {
        Err(error) => check_error(&error),
        Ok(loaded) => {
            let split = record.len() - crate::stored::CHECKSUM_LEN;
            assert_eq!(
                seal_record(&record[..split]),
                record,
                "loaded without its checksum"
            );
            assert_eq!(loaded.to_stored().as_bytes(), record);
        }
    }
    let mut outcome = check_sealed(fixture, &seal_record(record));
    if let Ok(mut wire) = pb::SessionRecord::decode(record) {
        wire.current = wire.current.as_deref().map(crate::stored::seal);
        for state in &mut wire.archived {
            *state = crate::stored::seal(state);
        }
        if check_sealed(fixture, &seal_record(&wire.encode_to_vec())) == Outcome::Accepted {
            outcome = Outcome::Accepted;
        }
    }
    outcome
}

fn check_error(error: &Error) {
    assert!(
        is_decoding_error(error) || error.category() == ErrorCategory::State,
        "from_stored returned {error:?}"
    );
}

/// The checks on one stored record.
fn check_sealed(fixture: &DeviceFixture, stored: &[u8]) -> Outcome {
    let config = fixture.config;
    let default = SessionRecord::from_stored(stored, &config);
    let full = match SessionRecord::from_stored(stored, &unbounded(&config)) {
        Ok(full) => full,
        Err(error) => {
            check_error(&error);
            assert_eq!(
                default.err(),
                Some(error),
                "the limits change whether a record loads"
            );
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        full.to_stored().as_bytes(),
        stored,
        "a loaded record does not store back"
    );
    let record = default.expect("loads with the default limits when it loads without");
    let again = record.to_stored();
    if again.as_bytes() != stored {
        // Trimmed to the default limits: it loads back unchanged.
        let reloaded =
            SessionRecord::from_stored(again.as_bytes(), &config).expect("a trimmed record loads");
        assert_eq!(reloaded.to_stored().as_bytes(), again.as_bytes());
    }
    assert_eq!(
        record.archived_len(),
        full.archived_len().min(config.max_archived_sessions),
        "the archive trimmed to the default limit"
    );
    assert!(
        record
            .archived_ids()
            .eq(full.archived_ids().take(record.archived_len())),
        "the newest archived sessions kept"
    );
    assert_eq!(
        record.current().map(|s| s.id()),
        full.current().map(|s| s.id())
    );
    let mut ids: Vec<_> = record
        .current()
        .map(|s| s.id())
        .into_iter()
        .chain(record.archived_ids())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "a session twice");
    // Under a lower limit the record loads trimmed to it (at least 1), the newest kept.
    if let Some(fewer) = record.archived_len().checked_sub(1) {
        let mut small = config;
        small.max_archived_sessions = fewer;
        let trimmed = SessionRecord::from_stored(stored, &small).expect("loads trimmed");
        assert_eq!(
            trimmed.archived_len(),
            fewer.max(1).min(record.archived_len())
        );
        assert!(
            trimmed
                .archived_ids()
                .eq(record.archived_ids().take(fewer.max(1)))
        );
    }
    let _ = format!("{record:?}{again:?}");

    check_decrypts(fixture, stored);
    let mut copy = SessionRecord::from_stored(stored, &config).expect("loads again");
    match copy.encrypt(b"from a loaded record") {
        Ok(_) => assert!(record.has_current()),
        Err(Error::NoSession) => assert!(!record.has_current()),
        Err(error) => assert_eq!(error, Error::CounterExhausted),
    }
    Outcome::Accepted
}

/// The record as Acme 1's record of Carol 1: every genuine message from Carol 1 to Acme 1
/// decrypts only to what was sent, once, and a failure changes nothing.
fn check_decrypts(fixture: &DeviceFixture, stored: &[u8]) {
    let config = fixture.config;
    let (acme1, carol1) = (address("acme", 1), address("carol", 1));
    let (own, device) = fixture.device(&acme1).expect("Acme 1");
    let carol_list = &fixture
        .account(&carol1.account)
        .expect("Carol's account")
        .list;
    for genuine in fixture
        .genuine()
        .filter(|m| m.message.sender() == &carol1 && m.message.recipient() == &acme1)
    {
        let mut sessions = DeviceSessions::new(
            acme1.clone(),
            *device.identity.public_key(),
            &config,
            hushwire::DeviceListPolicy::default(),
        );
        sessions.insert_record(
            carol1.clone(),
            SessionRecord::from_stored(stored, &config).expect("loads again"),
        );
        let mut store = OverlayStore::new(&device.prekeys);
        let snapshot = |sessions: &DeviceSessions| {
            sessions
                .record(&carol1)
                .map(|r| r.to_stored().as_bytes().to_vec())
        };
        let before = snapshot(&sessions);
        let mut attempt = |sessions: &mut DeviceSessions| {
            sessions.decrypt(
                &mut rng(),
                &device.identity,
                &mut store,
                own,
                carol_list,
                &genuine.message,
                now(),
            )
        };
        match attempt(&mut sessions) {
            Err(error) => {
                assert_eq!(
                    snapshot(&sessions),
                    before,
                    "the record changed after {error:?}"
                );
            }
            Ok(received) => {
                assert_eq!(received.plaintext, genuine.plaintext, "{}", genuine.name);
                let after = snapshot(&sessions);
                assert!(attempt(&mut sessions).is_err(), "decrypted twice");
                assert_eq!(snapshot(&sessions), after);
            }
        }
    }
}
