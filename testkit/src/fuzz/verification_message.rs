//! The `verification_message` target: the decoder of SAS messages.

use hushwire::{
    CancelReason, Error, MAX_VERIFICATION_MESSAGE_LEN, Sas, VerificationContent,
    VerificationMessage, X25519PublicKey,
};

use super::Outcome;
use super::checks::rng;
use super::fixture::fixture;
use super::verification_fixture::VERIFICATION_NOW;

/// `verification_message`: [`VerificationMessage::decode`] on arbitrary bytes.
///
/// Refusals are decoding errors (SPEC.md 12.4.2; `TooLarge` for anything over 256 bytes) or
/// the refusal of the ephemeral key. Whatever decodes re-encodes to exactly the input, and
/// decodes again to the same message; a key re-validates, a cancel's code is not 0. The
/// decoded message then reaches a responder that waits for a Start (`Sas::respond` on Bob's
/// fixture session), which must answer as SPEC.md 12.4.1 orders its checks: a Start is
/// answered with an Accept of the same transaction, a Cancel ends the exchange by the peer with
/// its reason, and anything else is cancelled by us as `UnexpectedMessage`, with a cancel
/// message that decodes.
pub fn verification_message(data: &[u8]) -> Outcome {
    let message = match VerificationMessage::decode(data) {
        Ok(message) => message,
        Err(error) => {
            assert!(
                super::checks::is_decoding_error(&error),
                "decode returned {error:?}"
            );
            if data.len() > MAX_VERIFICATION_MESSAGE_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_VERIFICATION_MESSAGE_LEN
                    }
                );
            }
            assert!(!error.to_string().is_empty());
            return Outcome::Rejected;
        }
    };
    assert!(data.len() <= MAX_VERIFICATION_MESSAGE_LEN);
    let encoded = message.encode();
    assert_eq!(encoded, data, "a decoded message is not canonical");
    assert_eq!(VerificationMessage::decode(&encoded).as_ref(), Ok(&message));
    match message.content() {
        VerificationContent::Key(key) => {
            assert_eq!(X25519PublicKey::from_bytes(key.as_bytes()), Ok(*key));
        }
        VerificationContent::Cancel(reason) => assert_ne!(reason.code(), 0),
        _ => {}
    }
    let _ = format!("{message:?}");

    let bob = &fixture().bob;
    match (
        Sas::respond(&mut rng(), bob, &message, VERIFICATION_NOW),
        message.content(),
    ) {
        (Ok((responded, reply)), VerificationContent::Start) => {
            assert_eq!(responded.transaction_id(), message.transaction_id());
            assert_eq!(reply.transaction_id(), message.transaction_id());
            assert!(matches!(
                reply.content(),
                VerificationContent::Accept { .. }
            ));
            assert_eq!(
                VerificationMessage::decode(&reply.encode()).as_ref(),
                Ok(&reply)
            );
        }
        (Err(cancelled), VerificationContent::Cancel(reason)) => {
            assert_eq!(cancelled.reason(), *reason);
            assert!(cancelled.by_peer());
            assert_eq!(cancelled.message(), None);
            assert_eq!(cancelled.transaction_id(), message.transaction_id());
        }
        (
            Err(cancelled),
            VerificationContent::Accept { .. }
            | VerificationContent::Key(_)
            | VerificationContent::Mac(_),
        ) => {
            assert_eq!(cancelled.reason(), CancelReason::UnexpectedMessage);
            assert!(!cancelled.by_peer());
            assert_eq!(cancelled.transaction_id(), message.transaction_id());
            let cancel = cancelled.message().expect("our cancel has a message");
            assert_eq!(
                VerificationMessage::decode(&cancel.encode()).as_ref(),
                Ok(&cancel)
            );
            assert_eq!(cancel.transaction_id(), message.transaction_id());
            assert_eq!(
                cancel.content(),
                &VerificationContent::Cancel(CancelReason::UnexpectedMessage)
            );
        }
        (result, content) => panic!("respond to {content:?} gave {result:?}"),
    }
    Outcome::Accepted
}
