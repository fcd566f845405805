//! Bad input to identity verification (SPEC.md section 12): scanned safety numbers of every
//! wrong shape, Verification messages, SAS exchanges fed the wrong message at every step,
//! stored trust records, and the trust decisions that refuse.

use crate::common::*;
use crate::pb;
use hushwire::{
    AccountId, CancelReason, Error, IdentityKeyPair, InMemoryTrustStore, KeyChangePolicy,
    SafetyNumber, Sas, SasAwaitingKey, SasCancelled, SasConfirmation, SasConfirmed, SasReady,
    SasResponded, SasStarted, Timestamp, TrustOnFirstUse, TrustRecord, VerificationMessage,
};
use prost::Message;

const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

/// Alice's safety number with Bob, and Bob's genuine payload.
fn numbers() -> (SafetyNumber, Vec<u8>) {
    let alice = IdentityKeyPair::from_seed(&[1; 32]);
    let bob = IdentityKeyPair::from_seed(&[2; 32]);
    let on_alice = SafetyNumber::new(
        alice.public_key(),
        &id("alice"),
        bob.public_key(),
        &id("bob"),
    );
    let on_bob = SafetyNumber::new(
        bob.public_key(),
        &id("bob"),
        alice.public_key(),
        &id("alice"),
    );
    assert!(on_alice.verify_scanned(&on_bob.scannable(), NOW).is_ok());
    (on_alice, on_bob.scannable())
}

fn scan_error(payload: &[u8]) -> Error {
    numbers().0.verify_scanned(payload, NOW).unwrap_err()
}

fn combined(version: u32, local: Option<Vec<u8>>, remote: Option<Vec<u8>>) -> Vec<u8> {
    let half = |content: Option<Vec<u8>>| content.map(|content| pb::LogicalFingerprint { content });
    pb::CombinedFingerprints {
        version,
        local_fingerprint: half(local),
        remote_fingerprint: half(remote),
    }
    .encode_to_vec()
}

#[test]
fn scanned_payloads_that_do_not_parse() {
    let (_, good) = numbers();
    for cut in [1, 5, 37, 39, 73] {
        assert_eq!(
            scan_error(&good[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    // A length reaching past the end, and a wire type 7.
    assert_eq!(scan_error(&[0x12, 0x40, 0x0a]), Error::MalformedProtobuf);
    assert_eq!(scan_error(&[0x0f]), Error::MalformedProtobuf);
}

#[test]
fn scanned_payloads_that_are_not_canonical() {
    let (_, good) = numbers();
    // An extra field, the version written twice, a non-minimal version varint, an explicit
    // zero, and the halves in the wrong order.
    let extra = [good.clone(), vec![0x20, 0x01]].concat();
    let twice = [vec![0x08, 0x01], good.clone()].concat();
    let non_minimal = [vec![0x08, 0x81, 0x00], good[2..].to_vec()].concat();
    let zero = [vec![0x08, 0x00], good[2..].to_vec()].concat();
    let swapped = [
        good[..2].to_vec(),
        good[38..].to_vec(),
        good[2..38].to_vec(),
    ]
    .concat();
    for bad in [extra, twice, non_minimal, zero, swapped] {
        assert_eq!(
            scan_error(&bad),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
}

#[test]
fn scanned_payloads_that_are_too_large() {
    let (_, good) = numbers();
    let mut long = good.clone();
    long.resize(97, 0);
    assert_eq!(scan_error(&long), Error::TooLarge { len: 97, max: 96 });
    assert_eq!(
        scan_error(&vec![0u8; 100_000]),
        Error::TooLarge {
            len: 100_000,
            max: 96
        }
    );
}

#[test]
fn scanned_payloads_without_a_half() {
    let half = Some(vec![7u8; 32]);
    for (bad, field) in [
        (combined(1, None, half.clone()), "local_fingerprint"),
        (combined(1, half.clone(), None), "remote_fingerprint"),
        (combined(1, None, None), "local_fingerprint"),
        // Both presences are checked before either length (SPEC.md 12.3 steps 2 and 3).
        (combined(1, Some(vec![7; 5]), None), "remote_fingerprint"),
        (Vec::new(), "local_fingerprint"),
    ] {
        assert_eq!(scan_error(&bad), Error::MissingField { field });
    }
}

#[test]
fn scanned_payloads_with_a_half_of_the_wrong_length() {
    for len in [0usize, 1, 31, 33, 40] {
        let bad = combined(1, Some(vec![7; len]), Some(vec![7; 32]));
        assert!(
            matches!(scan_error(&bad), Error::InvalidLength { expected: 32, found, .. } if found == len),
            "{len}"
        );
        let bad = combined(1, Some(vec![7; 32]), Some(vec![7; len]));
        assert_eq!(
            scan_error(&bad),
            Error::InvalidLength {
                field: "remote_fingerprint.content",
                expected: 32,
                found: len
            }
        );
    }
}

#[test]
fn scanned_payloads_of_another_version() {
    let (_, good) = numbers();
    for version in [0u32, 2, 3, 127, u32::MAX] {
        let scanned = hushwire::ScannedSafetyNumber::decode(&good).unwrap();
        let bad = combined(
            version,
            Some(scanned.local().to_vec()),
            Some(scanned.remote().to_vec()),
        );
        assert_eq!(
            scan_error(&bad),
            Error::SafetyNumberVersionMismatch {
                theirs: version,
                ours: 1
            }
        );
    }
}

#[test]
fn scanned_payloads_that_do_not_match() {
    let (on_alice, good) = numbers();
    // Our own payload, another account id, another key, and every single-bit flip of either
    // half.
    let mallory = IdentityKeyPair::from_seed(&[3; 32]);
    let alice = IdentityKeyPair::from_seed(&[1; 32]);
    let bob = IdentityKeyPair::from_seed(&[2; 32]);
    let other_key = SafetyNumber::new(
        mallory.public_key(),
        &id("bob"),
        alice.public_key(),
        &id("alice"),
    );
    let other_id = SafetyNumber::new(
        bob.public_key(),
        &id("bobby"),
        alice.public_key(),
        &id("alice"),
    );
    let mut bad = vec![
        on_alice.scannable(),
        other_key.scannable(),
        other_id.scannable(),
    ];
    for byte in (6..38).chain(42..74) {
        for bit in [0u8, 3, 7] {
            let mut flipped = good.clone();
            flipped[byte] ^= 1 << bit;
            bad.push(flipped);
        }
    }
    for payload in bad {
        assert_eq!(
            on_alice.verify_scanned(&payload, NOW),
            Err(Error::SafetyNumberMismatch),
            "{}",
            hex::encode(&payload)
        );
    }
}

#[test]
fn account_ids_out_of_bounds() {
    assert_eq!(AccountId::new(""), Err(Error::InvalidAccountId { len: 0 }));
    assert_eq!(
        AccountId::new(vec![1u8; 256]),
        Err(Error::InvalidAccountId { len: 256 })
    );
}

// ---- Verification messages (SPEC.md 12.4.2) ----

const TXN: [u8; 16] = [0x5a; 16];

fn raw(version: u32, txn: &[u8], content: Option<pb::verification::Content>) -> Vec<u8> {
    pb::Verification {
        version,
        transaction_id: txn.to_vec(),
        content,
    }
    .encode_to_vec()
}

fn key(bytes: &[u8]) -> Option<pb::verification::Content> {
    Some(pb::verification::Content::Key(pb::SasKey {
        public_key: bytes.to_vec(),
    }))
}

fn message_error(bytes: &[u8]) -> Error {
    VerificationMessage::decode(bytes).unwrap_err()
}

fn nine() -> Vec<u8> {
    crate::support::base_point()
}

#[test]
fn verification_messages_of_another_version() {
    for version in [0u32, 2, 1000] {
        assert_eq!(
            message_error(&raw(version, &TXN, key(&nine()))),
            Error::UnsupportedVersion { found: version }
        );
    }
}

#[test]
fn verification_messages_with_fields_of_the_wrong_length() {
    use pb::verification::Content;
    for len in [0usize, 15, 17, 32] {
        assert_eq!(
            message_error(&raw(1, &vec![1; len], key(&nine()))),
            Error::InvalidLength {
                field: "transaction_id",
                expected: 16,
                found: len
            }
        );
    }
    for len in [0usize, 31, 33] {
        assert_eq!(
            message_error(&raw(1, &TXN, key(&vec![9; len]))),
            Error::InvalidLength {
                field: "public_key",
                expected: 32,
                found: len
            }
        );
        let accept = Some(Content::Accept(pb::SasAccept {
            commitment: vec![1; len],
        }));
        assert_eq!(
            message_error(&raw(1, &TXN, accept)),
            Error::InvalidLength {
                field: "commitment",
                expected: 32,
                found: len
            }
        );
        let mac = Some(Content::Mac(pb::SasMac { mac: vec![1; len] }));
        assert_eq!(
            message_error(&raw(1, &TXN, mac)),
            Error::InvalidLength {
                field: "mac",
                expected: 32,
                found: len
            }
        );
    }
}

#[test]
fn verification_messages_missing_content_or_reason() {
    assert_eq!(
        message_error(&raw(1, &TXN, None)),
        Error::MissingField { field: "content" }
    );
    let cancel = Some(pb::verification::Content::Cancel(pb::SasCancel {
        reason: 0,
    }));
    assert_eq!(
        message_error(&raw(1, &TXN, cancel)),
        Error::MissingField { field: "reason" }
    );
}

#[test]
fn verification_messages_with_a_low_order_key() {
    for low in crate::support::LOW_ORDER_X25519 {
        assert_eq!(
            message_error(&raw(1, &TXN, key(&low))),
            Error::LowOrderPublicKey
        );
    }
}

#[test]
fn verification_messages_with_a_non_canonical_key() {
    for bad in crate::support::NON_CANONICAL_X25519 {
        assert_eq!(
            message_error(&raw(1, &TXN, key(&crate::support::hex32(bad)))),
            Error::InvalidPublicKey
        );
    }
}

#[test]
fn verification_messages_that_do_not_parse_or_are_too_large() {
    let good = raw(1, &TXN, key(&nine()));
    for cut in [1, 3, 19, 21, 30, good.len() - 1] {
        assert_eq!(
            message_error(&good[..cut]),
            Error::MalformedProtobuf,
            "{cut}"
        );
    }
    assert_eq!(
        message_error(&vec![0u8; 257]),
        Error::TooLarge { len: 257, max: 256 }
    );
}

#[test]
fn verification_messages_that_are_not_canonical() {
    let good = raw(1, &TXN, key(&nine()));
    let both = [
        good.clone(),
        raw(
            0,
            &[],
            Some(pb::verification::Content::Mac(pb::SasMac {
                mac: vec![1; 32],
            })),
        ),
    ]
    .concat();
    let extra = [good.clone(), vec![0x40, 0x01]].concat();
    let explicit_zero = [
        vec![0x08, 0x01, 0x12, 0x10],
        TXN.to_vec(),
        vec![0x3a, 0x02, 0x08, 0x00],
    ]
    .concat();
    for bad in [both, extra, explicit_zero] {
        assert_eq!(
            message_error(&bad),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
}

// ---- SAS exchanges (SPEC.md 12.4.1) ----

/// Alice (starter) and Bob (responder) on an established pair, each step's state and the
/// genuine message that leads out of it.
struct Run {
    pair: Pair,
}

/// The four messages before the SAS: Start, Accept, the starter's Key, the responder's Key.
type Keys = [VerificationMessage; 4];

impl Run {
    fn new() -> Self {
        Self {
            pair: established_pair(&mut rng(11), config()),
        }
    }

    fn start(&self) -> (SasStarted, VerificationMessage) {
        Sas::start(&mut rng(12), &self.pair.alice, NOW).unwrap()
    }

    fn respond(&self, start: &VerificationMessage) -> (SasResponded, VerificationMessage) {
        Sas::respond(&mut rng(13), &self.pair.bob, start, NOW).unwrap()
    }

    /// Alice waiting for Bob's key, Bob's commitment accepted: (Alice, Bob responded, start,
    /// accept, Alice's key).
    fn awaiting(&self) -> (SasAwaitingKey, SasResponded, Vec<VerificationMessage>) {
        let (started, start) = self.start();
        let (responded, accept) = self.respond(&start);
        let (awaiting, alice_key) = started.receive_accept(&accept, NOW).unwrap();
        (awaiting, responded, vec![start, accept, alice_key])
    }

    /// Both sides ready: (Alice ready, Bob ready, every message so far).
    fn ready(&self) -> (SasReady, SasReady, Keys) {
        let (awaiting, responded, earlier) = self.awaiting();
        let (bob, bob_key) = responded.receive_key(&earlier[2], NOW).unwrap();
        let alice = awaiting.receive_key(&bob_key, NOW).unwrap();
        let [start, accept, alice_key]: [VerificationMessage; 3] = earlier.try_into().unwrap();
        (alice, bob, [start, accept, alice_key, bob_key])
    }

    /// Both confirmed: (Alice confirmed, Bob confirmed, Alice's MAC, Bob's MAC, the earlier
    /// messages).
    fn confirmed(
        &self,
    ) -> (
        SasConfirmed,
        SasConfirmed,
        VerificationMessage,
        VerificationMessage,
        Keys,
    ) {
        let (alice, bob, earlier) = self.ready();
        let (SasConfirmation::AwaitingMac(alice), alice_mac) = alice.confirm(NOW).unwrap() else {
            panic!("verified without a MAC")
        };
        let (SasConfirmation::AwaitingMac(bob), bob_mac) = bob.confirm(NOW).unwrap() else {
            panic!("verified without a MAC")
        };
        (alice, bob, alice_mac, bob_mac, earlier)
    }
}

/// The error a failed step is, and checks the cancel message it carries for the peer.
fn cancel<T>(result: Result<T, SasCancelled>) -> Error {
    let Err(cancelled) = result else {
        panic!("the step succeeded")
    };
    if !cancelled.by_peer() {
        let message = cancelled.message().unwrap();
        let again = VerificationMessage::decode(&message.encode()).unwrap();
        assert_eq!(again, message);
        assert_eq!(message.transaction_id(), cancelled.transaction_id());
    } else {
        assert!(cancelled.message().is_none());
    }
    Error::from(cancelled)
}

/// The message with its bytes edited: `at` counted from the end.
fn edited(message: &VerificationMessage, from_end: usize, xor: u8) -> VerificationMessage {
    let mut bytes = message.encode();
    let at = bytes.len() - from_end;
    bytes[at] ^= xor;
    VerificationMessage::decode(&bytes).unwrap()
}

#[test]
fn sas_responder_key_that_does_not_match_its_commitment() {
    let run = Run::new();
    let (_, _, [_, _, alice_key, bob_key]) = run.ready();
    // A man in the middle substitutes another valid key for Bob's.
    let (awaiting, _, _) = run.awaiting();
    assert_eq!(
        cancel(awaiting.receive_key(&edited(&bob_key, 1, 0x02), NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::CommitmentMismatch,
            by_peer: false
        }
    );
    // Alice's own key reflected back to her as the responder's.
    let (awaiting, _, _) = run.awaiting();
    assert_eq!(
        cancel(awaiting.receive_key(&alice_key, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::CommitmentMismatch,
            by_peer: false
        }
    );
}

#[test]
fn sas_macs_that_do_not_verify() {
    // Every byte of Alice's MAC flipped, at Bob's end.
    for from_end in 1..=32 {
        let run = Run::new();
        let (_, bob, alice_mac, _, _) = run.confirmed();
        assert_eq!(
            cancel(bob.receive_mac(&edited(&alice_mac, from_end, 0x80), NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::MacMismatch,
                by_peer: false
            }
        );
    }
    // Each side's own MAC reflected back to it.
    let run = Run::new();
    let (alice, bob, alice_mac, bob_mac, _) = run.confirmed();
    assert_eq!(
        cancel(alice.receive_mac(&alice_mac, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::MacMismatch,
            by_peer: false
        }
    );
    assert_eq!(
        cancel(bob.receive_mac(&bob_mac, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::MacMismatch,
            by_peer: false
        }
    );
    // An early MAC that does not verify cancels at once, before anyone confirms.
    let (alice, _, _) = run.ready();
    let (_, _, _, bob_mac, _) = run.confirmed();
    assert_eq!(
        cancel(alice.receive_mac(&edited(&bob_mac, 3, 1), NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::MacMismatch,
            by_peer: false
        }
    );
}

#[test]
fn sas_messages_out_of_order() {
    let run = Run::new();
    let (_, _, alice_mac, bob_mac, [start, accept, alice_key, bob_key]) = run.confirmed();
    // Each state, fed every kind of message but the one it expects.
    for wrong in [&start, &alice_key, &bob_key, &alice_mac, &bob_mac] {
        let (started, _) = run.start();
        assert_eq!(
            cancel(started.receive_accept(wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
    }
    for wrong in [&start, &accept, &alice_mac, &bob_mac] {
        let (awaiting, _, _) = run.awaiting();
        assert_eq!(
            cancel(awaiting.receive_key(wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
    }
    for wrong in [&start, &accept, &alice_mac] {
        let (responded, _) = run.respond(&start);
        assert_eq!(
            cancel(responded.receive_key(wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
    }
    for wrong in [&accept, &alice_key, &bob_key, &alice_mac] {
        assert_eq!(
            cancel(Sas::respond(&mut rng(13), &run.pair.bob, wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
    }
    for wrong in [&start, &accept, &alice_key, &bob_key] {
        let (alice, _, _) = run.ready();
        assert_eq!(
            cancel(alice.receive_mac(wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
        let (alice, _, _, _, _) = run.confirmed();
        assert_eq!(
            cancel(alice.receive_mac(wrong, NOW)),
            Error::VerificationCancelled {
                reason: CancelReason::UnexpectedMessage,
                by_peer: false
            }
        );
    }
}

#[test]
fn sas_messages_replayed() {
    let run = Run::new();
    // Bob's MAC twice at Alice's ready state: the second is refused.
    let (_, _, _, bob_mac, _) = run.confirmed();
    let (alice, _, _) = run.ready();
    let alice = alice.receive_mac(&bob_mac, NOW).unwrap();
    assert_eq!(
        cancel(alice.receive_mac(&bob_mac, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnexpectedMessage,
            by_peer: false
        }
    );
    // Bob's key and his Accept replayed to Alice after she moved on; Alice's key to Bob.
    let (alice, _, [_, accept, _, bob_key]) = run.ready();
    assert_eq!(
        cancel(alice.receive_mac(&bob_key, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnexpectedMessage,
            by_peer: false
        }
    );
    let (alice, _, _) = run.ready();
    assert_eq!(
        cancel(alice.receive_mac(&accept, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnexpectedMessage,
            by_peer: false
        }
    );
    let (_, bob, [_, _, alice_key, _]) = run.ready();
    assert_eq!(
        cancel(bob.receive_mac(&alice_key, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnexpectedMessage,
            by_peer: false
        }
    );
}

#[test]
fn sas_messages_of_another_transaction() {
    let run = Run::new();
    let (started, start) = run.start();
    let (_, accept) = run.respond(&start);
    // The transaction id is bytes 4..20 of the encoding.
    let mut bytes = accept.encode();
    bytes[4] ^= 1;
    let foreign = VerificationMessage::decode(&bytes).unwrap();
    assert_eq!(
        cancel(started.receive_accept(&foreign, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnknownTransaction,
            by_peer: false
        }
    );
    // A second exchange's messages at the first one's states.
    let (_, other_start) = Sas::start(&mut rng(99), &run.pair.alice, NOW).unwrap();
    let (other_responded, other_accept) =
        Sas::respond(&mut rng(98), &run.pair.bob, &other_start, NOW).unwrap();
    let (started, _) = run.start();
    assert_eq!(
        cancel(started.receive_accept(&other_accept, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnknownTransaction,
            by_peer: false
        }
    );
    let (awaiting, responded, earlier) = run.awaiting();
    let (other_started, _) = Sas::start(&mut rng(99), &run.pair.alice, NOW).unwrap();
    let (_, other_alice_key) = other_started.receive_accept(&other_accept, NOW).unwrap();
    let (_, other_bob_key) = other_responded.receive_key(&other_alice_key, NOW).unwrap();
    assert_eq!(
        cancel(awaiting.receive_key(&other_bob_key, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnknownTransaction,
            by_peer: false
        }
    );
    assert_eq!(
        cancel(responded.receive_key(&other_alice_key, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::UnknownTransaction,
            by_peer: false
        }
    );
    drop(earlier);
}

#[test]
fn sas_steps_after_the_timeout() {
    let run = Run::new();
    let late = Timestamp::from_unix_seconds(NOW.as_unix_seconds() + 601);
    let just_in_time = Timestamp::from_unix_seconds(NOW.as_unix_seconds() + 600);
    let (started, start) = run.start();
    let (_, accept) = run.respond(&start);
    assert_eq!(
        cancel(started.receive_accept(&accept, late)),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
    let (awaiting, responded, earlier) = run.awaiting();
    assert_eq!(
        cancel(responded.receive_key(&earlier[2], late)),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
    let (_, _, [_, _, _, bob_key]) = run.ready();
    assert_eq!(
        cancel(awaiting.receive_key(&bob_key, late)),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
    let (alice, _, _) = run.ready();
    assert_eq!(
        cancel(alice.confirm(late)),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
    let (alice, _, _) = run.ready();
    assert!(alice.confirm(just_in_time).is_ok());
    let (alice, _, _, bob_mac, _) = run.confirmed();
    assert_eq!(
        cancel(alice.receive_mac(&bob_mac, late)),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
    // The limit is the session's configuration.
    let mut short = config();
    short.sas_timeout_seconds = 5;
    let mut pair = established_pair(&mut rng(11), config());
    pair.alice.set_config(&short);
    let (started, start) = Sas::start(&mut rng(12), &pair.alice, NOW).unwrap();
    let (_, accept) = Sas::respond(&mut rng(13), &pair.bob, &start, NOW).unwrap();
    assert_eq!(
        cancel(started.receive_accept(
            &accept,
            Timestamp::from_unix_seconds(NOW.as_unix_seconds() + 6)
        )),
        Error::VerificationCancelled {
            reason: CancelReason::Timeout,
            by_peer: false
        }
    );
}

#[test]
fn sas_cancelled_by_the_peer() {
    let run = Run::new();
    let (started, start) = run.start();
    let (responded, _) = run.respond(&start);
    let message = responded.cancel(CancelReason::User).message().unwrap();
    assert_eq!(
        cancel(started.receive_accept(&message, NOW)),
        Error::VerificationCancelled {
            reason: CancelReason::User,
            by_peer: true
        }
    );
}

// ---- Trust records and decisions (SPEC.md 12.6) ----

fn record(level: Option<pb::trust_record::Level>, identity: &[u8], version: u32) -> Vec<u8> {
    pb::TrustRecord {
        version,
        identity_key: identity.to_vec(),
        first_seen: 5,
        level,
        business_id: String::new(),
    }
    .encode_to_vec()
}

fn key_of(seed: u8) -> Vec<u8> {
    IdentityKeyPair::from_seed(&[seed; 32])
        .public_key()
        .to_bytes()
        .to_vec()
}

#[test]
fn trust_records_that_are_inconsistent() {
    use pb::trust_record::Level;
    for method in [0u32, 4, 99] {
        let verified = Level::Verified(pb::TrustVerified {
            method,
            verified_at: 9,
        });
        assert_eq!(
            TrustRecord::from_bytes(&record(Some(verified), &key_of(2), 1)),
            Err(Error::InvalidTrustRecord)
        );
    }
    let same = Level::Changed(pb::TrustChanged {
        previous_identity_key: key_of(2),
        previous_was_verified: true,
    });
    assert_eq!(
        TrustRecord::from_bytes(&record(Some(same), &key_of(2), 1)),
        Err(Error::InvalidTrustRecord)
    );
}

#[test]
fn trust_records_of_another_version_or_without_a_level() {
    use pb::trust_record::Level;
    let unverified = Some(Level::Unverified(pb::TrustUnverified {}));
    assert_eq!(
        TrustRecord::from_bytes(&record(unverified.clone(), &key_of(2), 2)),
        Err(Error::UnsupportedVersion { found: 2 })
    );
    assert_eq!(
        TrustRecord::from_bytes(&record(None, &key_of(2), 1)),
        Err(Error::MissingField { field: "level" })
    );
    let good = record(unverified, &key_of(2), 1);
    assert!(TrustRecord::from_bytes(&good).is_ok());
    for cut in 1..good.len() {
        assert!(TrustRecord::from_bytes(&good[..cut]).is_err());
    }
    assert_eq!(
        TrustRecord::from_bytes(&[good.clone(), vec![0x40, 0x01]].concat()),
        Err(Error::NonCanonicalEncoding)
    );
}

#[test]
fn trust_records_with_bad_keys() {
    use pb::trust_record::Level;
    let unverified = Some(Level::Unverified(pb::TrustUnverified {}));
    let mut neutral = vec![0u8; 32];
    neutral[0] = 1;
    assert_eq!(
        TrustRecord::from_bytes(&record(unverified.clone(), &neutral, 1)),
        Err(Error::LowOrderPublicKey)
    );
    let changed = Level::Changed(pb::TrustChanged {
        previous_identity_key: vec![2; 31],
        previous_was_verified: false,
    });
    assert_eq!(
        TrustRecord::from_bytes(&record(Some(changed), &key_of(2), 1)),
        Err(Error::InvalidLength {
            field: "previous_identity_key",
            expected: 32,
            found: 31
        })
    );
}

#[test]
fn a_proof_or_acknowledgement_for_another_key_is_refused() {
    let store = InMemoryTrustStore::new();
    let tofu = TrustOnFirstUse::new(store, KeyChangePolicy::default());
    let peer = id("acme");
    let (old, new) = (
        IdentityKeyPair::from_seed(&[2; 32]),
        IdentityKeyPair::from_seed(&[3; 32]),
    );
    let me = IdentityKeyPair::from_seed(&[1; 32]);
    // A proof made for the old key while the key changed.
    tofu.observe(&peer, old.public_key(), NOW).unwrap();
    let proof = SafetyNumber::new(me.public_key(), &id("me"), old.public_key(), &peer)
        .confirm_compared(NOW);
    tofu.observe(&peer, new.public_key(), NOW).unwrap();
    let before = tofu.record(&peer).unwrap();
    assert_eq!(
        tofu.mark_verified(&peer, &proof),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        tofu.acknowledge(&peer, old.public_key()),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        tofu.record(&peer).unwrap(),
        before,
        "a refusal changed the record"
    );
    // No record at all.
    assert_eq!(
        tofu.acknowledge(&id("nobody"), new.public_key()),
        Err(Error::IdentityMismatch)
    );
}

#[test]
fn sending_to_a_changed_key_is_held() {
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    let peer = id("acme");
    let (old, new) = (
        IdentityKeyPair::from_seed(&[2; 32]),
        IdentityKeyPair::from_seed(&[3; 32]),
    );
    assert_eq!(tofu.check_send(&peer, old.public_key(), NOW), Ok(None));
    assert_eq!(
        tofu.check_send(&peer, new.public_key(), NOW),
        Err(Error::IdentityChanged {
            was_verified: false
        })
    );
    // Still held on the next attempt, until acknowledged.
    assert_eq!(
        tofu.check_send(&peer, new.public_key(), NOW),
        Err(Error::IdentityChanged {
            was_verified: false
        })
    );
    tofu.acknowledge(&peer, new.public_key()).unwrap();
    assert_eq!(tofu.check_send(&peer, new.public_key(), NOW), Ok(None));
}

/// A cancel with `Other(n)` for a known code, or `Other(0)`, is what the peer will decode.
#[test]
fn sas_cancel_reasons_are_what_the_peer_decodes() {
    let run = Run::new();
    for (given, sent) in [
        (CancelReason::Other(3), CancelReason::Timeout),
        (CancelReason::Other(0), CancelReason::User),
        (CancelReason::Other(77), CancelReason::Other(77)),
        (CancelReason::MacMismatch, CancelReason::MacMismatch),
    ] {
        let (started, _) = run.start();
        let cancelled = started.cancel(given);
        assert_eq!(cancelled.reason(), sent);
        let message = VerificationMessage::decode(&cancelled.message().unwrap().encode()).unwrap();
        assert_eq!(
            message.content(),
            &hushwire::VerificationContent::Cancel(sent)
        );
    }
}

// ---- How many SAS exchanges a peer gets (SPEC.md 12.4.6) ----

#[test]
fn sas_exchange_while_one_is_in_progress() {
    let mut attempts = hushwire::SasAttempts::default();
    let (mallory, carol) = (id("mallory"), id("carol"));
    attempts.begin(&mallory, NOW).unwrap();
    // A second Start from the same account, at once or nine minutes later, is refused;
    // another account is not affected.
    for later in [0u64, 540, 600] {
        let at = Timestamp::from_unix_seconds(NOW.as_unix_seconds() + later);
        assert_eq!(
            attempts.begin(&mallory, at),
            Err(Error::VerificationInProgress)
        );
    }
    assert_eq!(attempts.begin(&carol, NOW), Ok(()));
    assert_eq!(attempts.failures(&mallory), 0);
    // Past the SAS timeout, the one in progress counts as failed and a new one may begin.
    let after = Timestamp::from_unix_seconds(NOW.as_unix_seconds() + 601);
    assert_eq!(attempts.begin(&mallory, after), Ok(()));
    assert_eq!(attempts.failures(&mallory), 1);
}

#[test]
fn sas_exchanges_after_repeated_failures() {
    let mut attempts = hushwire::SasAttempts::default();
    let peer = id("mallory");
    let at = |s: u64| Timestamp::from_unix_seconds(NOW.as_unix_seconds() + s);
    for n in 0..3u64 {
        attempts.begin(&peer, at(n * 10)).unwrap();
        attempts.failed(&peer, at(n * 10 + 5));
    }
    // Locked for 600 s from the third failure (at 25 s).
    assert_eq!(
        attempts.begin(&peer, at(30)),
        Err(Error::VerificationLockedOut { retry_after: 595 })
    );
    assert_eq!(
        attempts.begin(&peer, at(624)),
        Err(Error::VerificationLockedOut { retry_after: 1 })
    );
    attempts.begin(&peer, at(625)).unwrap();
    attempts.failed(&peer, at(630));
    // The fourth failure doubles the lockout.
    assert_eq!(
        attempts.begin(&peer, at(631)),
        Err(Error::VerificationLockedOut { retry_after: 1199 })
    );
    // A verification forgets the failures.
    attempts.begin(&peer, at(1830)).unwrap();
    attempts.verified(&peer);
    assert_eq!(attempts.failures(&peer), 0);
    assert_eq!(attempts.begin(&peer, at(1831)), Ok(()));
}
