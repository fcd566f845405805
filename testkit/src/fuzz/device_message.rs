//! The `device_message` target: a device message, decoded, then delivered to the fixture's
//! device it names.

use hushwire::{
    Config, DeviceMessage, DeviceSessions, Envelope, Error, MAX_DEVICE_MESSAGE_OVERHEAD, Received,
};

use super::Outcome;
use super::checks::{is_decoding_error, rng};
use super::device_fixture::{DeviceFixture, OverlayStore, device_fixture};
use crate::fixtures::accounts::now;

/// `device_message`: [`DeviceMessage::decode`] with `Config::default()` on arbitrary bytes
/// (SPEC.md 14.5):
///
/// - decoding fails only with decoding errors; one byte over the limit (`max_encoded_len` +
///   [`MAX_DEVICE_MESSAGE_OVERHEAD`]) is `TooLarge`, checked first; what decodes re-encodes to
///   exactly the input, list versions at least 1;
/// - a decoded message addressed to a device of the device fixture is delivered to it
///   ([`DeviceSessions::decrypt`], with a copy of its record of the sender and its prekeys
///   through an [`OverlayStore`]): it decrypts only if it is a genuine message in flight, to
///   exactly what was sent, from its sender, with the consistency flags its list versions
///   give, and then not a second time; a genuine message in flight always decrypts, a
///   delivered one is a `DuplicateMessage`; any failure leaves the record byte-for-byte and
///   the prekeys as they were.
///
/// The input reaches the deepest path when it decrypts.
pub fn device_message(data: &[u8]) -> Outcome {
    let config = Config::default();
    if let Some(max) = data.len().checked_sub(MAX_DEVICE_MESSAGE_OVERHEAD + 1) {
        let mut small = config;
        small.max_encoded_len = max;
        assert_eq!(
            DeviceMessage::decode(data, &small).err(),
            Some(Error::TooLarge {
                len: data.len(),
                max: data.len() - 1
            }),
            "an input over the size limit"
        );
    }
    let message = match DeviceMessage::decode(data, &config) {
        Ok(message) => message,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            assert!(!error.to_string().is_empty());
            return Outcome::Rejected;
        }
    };
    assert_eq!(message.encode(), data, "a decoded message is not canonical");
    assert_eq!(
        DeviceMessage::decode(&message.encode(), &config).as_ref(),
        Ok(&message)
    );
    assert_eq!(
        Envelope::decode(&message.envelope().encode(), &config).as_ref(),
        Ok(message.envelope())
    );
    assert!(message.sender_list_version() >= 1 && message.recipient_list_version() >= 1);
    let _ = format!("{message:?}");
    deliver(device_fixture(), &message, data)
}

/// Delivers `message` (encoded as `data`) to the fixture's device it is addressed to, if any.
fn deliver(fixture: &DeviceFixture, message: &DeviceMessage, data: &[u8]) -> Outcome {
    let Some((own, device)) = fixture.device(message.recipient()) else {
        return Outcome::Rejected;
    };
    // An unknown sender account: any list of another account makes it misaddressed.
    let sender_list = fixture
        .account(&message.sender().account)
        .map_or_else(|| &fixture.world.accounts[0].list, |account| &account.list);
    let sender = message.sender().clone();
    let mut sessions = fixture.sessions_for(device, &sender);
    let mut store = OverlayStore::new(&device.prekeys);
    let stored = |sessions: &DeviceSessions| {
        sessions
            .record(&sender)
            .map(|record| record.to_stored().as_bytes().to_vec())
    };
    let attempt = |sessions: &mut DeviceSessions, store: &mut OverlayStore<'_>| {
        sessions.decrypt(
            &mut rng(),
            &device.identity,
            store,
            own,
            sender_list,
            message,
            now(),
        )
    };
    let before = stored(&sessions);
    let in_flight = fixture.in_flight.iter().find(|m| m.bytes == data);
    let delivered = fixture.delivered.iter().any(|m| m.bytes == data);
    match attempt(&mut sessions, &mut store) {
        Err(error) => {
            assert_eq!(
                stored(&sessions),
                before,
                "the record changed after {error:?}"
            );
            assert_eq!(store.consumed(), 0, "a prekey was consumed by {error:?}");
            assert!(
                in_flight.is_none(),
                "a genuine message in flight did not decrypt: {error:?}"
            );
            if delivered {
                assert_eq!(error, Error::DuplicateMessage, "a replay");
            }
            Outcome::Rejected
        }
        Ok(received) => {
            let genuine = in_flight.expect("decrypted a message that is not in flight");
            check_received(&received, message, genuine, fixture);
            let after = stored(&sessions);
            let consumed = store.consumed();
            let again = attempt(&mut sessions, &mut store);
            assert!(again.is_err(), "decrypted twice");
            assert_eq!(
                stored(&sessions),
                after,
                "a refused replay changed the record"
            );
            assert_eq!(store.consumed(), consumed);
            Outcome::Accepted
        }
    }
}

fn check_received(
    received: &Received,
    message: &DeviceMessage,
    genuine: &super::device_fixture::DeviceGenuine,
    fixture: &DeviceFixture,
) {
    assert_eq!(received.plaintext, genuine.plaintext);
    assert_eq!(&received.from, message.sender());
    let own = &fixture
        .account(&message.recipient().account)
        .expect("the recipient's account")
        .list;
    let sender = &fixture
        .account(&message.sender().account)
        .expect("the sender's account")
        .list;
    let flags = received.consistency;
    assert_eq!(
        flags.sender_list_newer,
        message.sender_list_version() > sender.list_version()
    );
    assert_eq!(
        flags.sender_saw_older_list_of_ours,
        message.recipient_list_version() < own.list_version()
    );
    assert_eq!(
        flags.our_list_newer_elsewhere,
        message.recipient_list_version() > own.list_version()
    );
}
