//! The `group_message` target: a group message, decoded, then decrypted by every session of
//! the group fixture.

use hushwire::{Config, Error, GroupMessage, GroupSession};

use super::Outcome;
use super::checks::is_decoding_error;
use super::group_fixture::{GroupFixture, group_fixture, group_state, member_of, predict_decrypt};

/// `group_message`: [`GroupMessage::decode`] with `Config::default()` on arbitrary bytes
/// (SPEC.md 15.3):
///
/// - decoding fails only with decoding errors; one byte over `max_encoded_len` is `TooLarge`,
///   checked first; what decodes re-encodes to exactly the input and decodes back to itself;
/// - a decoded message meets every session of the group fixture (members, the removed Erin 1
///   with its old state, the added Frank 1), each loaded from its stored form: its answer is
///   exactly SPEC.md 15.4's, predicted from the stored state by hand (group, member, chain,
///   the signature, which only the fixture's genuine and signed-after-edit messages carry,
///   then the stored keys and the walk, then the AEAD); it decrypts only a genuine message,
///   on a device that was a member when it was sent, to exactly its plaintext; a genuine
///   message in flight there always decrypts, a delivered one is `DuplicateMessage` (while
///   its sender is still a member there); after a
///   success the chain moved past the message and the same bytes are `DuplicateMessage`;
///   every failure leaves the stored session byte-for-byte as it was.
///
/// The input reaches the deepest path when it decrypts somewhere.
pub fn group_message(data: &[u8]) -> Outcome {
    let config = Config::default();
    if let Some(max) = data.len().checked_sub(1) {
        let mut small = config;
        small.max_encoded_len = max;
        assert_eq!(
            GroupMessage::decode(data, &small).err(),
            Some(Error::TooLarge {
                len: data.len(),
                max
            }),
            "an input over the size limit"
        );
    }
    let message = match GroupMessage::decode(data, &config) {
        Ok(message) => message,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            assert!(!error.to_string().is_empty());
            return Outcome::Rejected;
        }
    };
    assert_eq!(message.encode(), data, "a decoded message is not canonical");
    assert_eq!(
        GroupMessage::decode(&message.encode(), &config).as_ref(),
        Ok(&message)
    );
    let _ = format!("{message:?}");
    let fixture = group_fixture();
    if let Some(genuine) = fixture.genuine(data) {
        assert_eq!(message, genuine.message);
    }
    let mut outcome = Outcome::Rejected;
    for (address, stored) in &fixture.devices {
        if deliver(fixture, address, stored, &message, data) {
            outcome = Outcome::Accepted;
        }
    }
    outcome
}

/// Decrypts `message` (encoded as `data`) on a fresh copy of `address`'s session; returns
/// whether it decrypted.
fn deliver(
    fixture: &GroupFixture,
    address: &hushwire::DeviceAddress,
    stored: &[u8],
    message: &GroupMessage,
    data: &[u8],
) -> bool {
    let config = fixture.config;
    let state = group_state(stored);
    let mut session = GroupSession::from_stored(stored, &config).expect("a fixture session loads");
    let genuine = fixture.genuine(data);
    let signed = fixture.signed_by_its_chain(data, message);
    let expected = predict_decrypt(&state, message, signed, genuine.is_some(), &config);
    match session.decrypt(message) {
        Err(error) => {
            assert_eq!(
                session.to_stored().as_bytes(),
                stored,
                "{address:?}'s session changed after {error:?}"
            );
            assert_eq!(Err(error.clone()), expected, "on {address:?}");
            if let Some(genuine) = genuine {
                assert!(
                    !genuine.in_flight_for.contains(address),
                    "{} in flight for {address:?} did not decrypt: {error:?}",
                    genuine.name
                );
                if genuine.delivered_to.contains(address)
                    && member_of(&state, message.sender()).is_some()
                {
                    assert_eq!(error, Error::DuplicateMessage, "a replay");
                }
            }
            false
        }
        Ok(plaintext) => {
            let genuine = genuine.expect("decrypted a message nobody sent");
            assert_eq!(expected, Ok(()), "{} on {address:?}", genuine.name);
            assert_eq!(plaintext, genuine.plaintext, "{}", genuine.name);
            assert!(
                genuine.members.contains(address),
                "{} decrypted on {address:?}, not a member when it was sent",
                genuine.name
            );
            assert!(
                genuine.in_flight_for.contains(address),
                "{} decrypted on {address:?} again",
                genuine.name
            );
            // The chain moved past the message, its key gone; nothing else changed.
            let after = session.to_stored();
            let state_after = group_state(after.as_bytes());
            let chain = |state| {
                member_of(state, message.sender())
                    .and_then(|m| m.chains.iter().find(|c| c.chain_id == message.chain_id()))
                    .cloned()
                    .expect("the chain is held")
            };
            let (held, now) = (chain(&state), chain(&state_after));
            let n = message.iteration();
            assert_eq!(now.iteration, held.iteration.max(n + 1));
            assert!(
                now.skipped.iter().all(|k| k.iteration != n),
                "a used key kept"
            );
            assert!(now.skipped.len() <= config.max_group_skipped_keys);
            assert_eq!(
                (state_after.chain_id, state_after.iteration),
                (state.chain_id, state.iteration),
                "our own chain moved"
            );
            assert_eq!(
                session.decrypt_bytes(data),
                Err(Error::DuplicateMessage),
                "decrypted twice"
            );
            assert_eq!(session.to_stored().as_bytes(), after.as_bytes());
            true
        }
    }
}
