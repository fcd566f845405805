//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets' own
//! logic (`hushwire_testkit::fuzz`, which the targets in `fuzz/` call), as ordinary tests on
//! stable Rust: every seed, and every regression input added there later, runs on each
//! `cargo test`.
//!
//! The seeds are generated from a fixed seed by `targets::seeds()`; after a change to the
//! protocol that makes them stale, regenerate them with
//! `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use hushwire_testkit::fuzz as targets;
use targets::Outcome;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// Runs every file of `fuzz/corpus/<target>/` through `run`, and reports every input that
/// panicked by name. The corpus must not be empty, and at least one input must reach the
/// target's deepest path (so stale seeds are noticed).
fn replay(target: &str, run: fn(&[u8]) -> Outcome) {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    let mut failed = Vec::new();
    let mut accepted = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        match std::panic::catch_unwind(|| run(&data)) {
            Ok(Outcome::Accepted) => accepted += 1,
            Ok(Outcome::Rejected) => {}
            Err(_) => failed.push(file.display().to_string()),
        }
    }
    assert!(failed.is_empty(), "{target}: inputs that fail: {failed:#?}");
    assert!(
        accepted > 0,
        "{target}: no seed reaches the deepest path any more; regenerate the seeds with \
         `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`"
    );
}

#[test]
fn envelope_corpus() {
    replay("envelope", targets::envelope);
}

#[test]
fn prekey_message_corpus() {
    replay("prekey_message", targets::prekey_message);
}

#[test]
fn ratchet_message_corpus() {
    replay("ratchet_message", targets::ratchet_message);
}

#[test]
fn session_state_corpus() {
    replay("session_state", targets::session_state);
}

#[test]
fn prekey_bundle_corpus() {
    replay("prekey_bundle", targets::prekey_bundle);
}

#[test]
fn providers_corpus() {
    replay("providers", targets::providers);
}

#[test]
fn decrypt_corpus() {
    replay("decrypt", targets::decrypt);
}

#[test]
fn accept_corpus() {
    replay("accept", targets::accept);
}

#[test]
fn conversation_corpus() {
    replay("conversation", targets::conversation);
}

#[test]
fn scanned_safety_number_corpus() {
    replay("scanned_safety_number", targets::scanned_safety_number);
}

#[test]
fn verification_message_corpus() {
    replay("verification_message", targets::verification_message);
}

#[test]
fn trust_record_corpus() {
    replay("trust_record", targets::trust_record);
}

#[test]
fn sas_corpus() {
    replay("sas", targets::sas);
}

#[test]
fn certificate_chain_corpus() {
    replay("certificate_chain", targets::certificate_chain);
}

#[test]
fn revocation_list_corpus() {
    replay("revocation_list", targets::revocation_list);
}

#[test]
fn device_list_corpus() {
    replay("device_list", targets::device_list);
}

#[test]
fn device_message_corpus() {
    replay("device_message", targets::device_message);
}

#[test]
fn session_record_corpus() {
    replay("session_record", targets::session_record);
}

#[test]
fn device_link_corpus() {
    replay("device_link", targets::device_link);
}

#[test]
fn multi_device_corpus() {
    replay("multi_device", targets::multi_device);
}

#[test]
fn group_distribution_corpus() {
    replay("group_distribution", targets::group_distribution);
}

#[test]
fn group_message_corpus() {
    replay("group_message", targets::group_message);
}

#[test]
fn group_session_corpus() {
    replay("group_session", targets::group_session);
}

#[test]
fn group_corpus() {
    replay("group", targets::group);
}

#[test]
fn stored_prekey_corpus() {
    replay("stored_prekey", targets::stored_prekey);
}

#[test]
fn stored_kem_prekey_corpus() {
    replay("stored_kem_prekey", targets::stored_kem_prekey);
}

#[test]
fn sealed_value_corpus() {
    replay("sealed_value", targets::sealed_value);
}

#[test]
fn attachment_pointer_corpus() {
    replay("attachment_pointer", targets::attachment_pointer);
}

#[test]
fn attachment_open_corpus() {
    replay("attachment_open", targets::attachment_open);
}

#[test]
fn attachment_seek_corpus() {
    replay("attachment_seek", targets::attachment_seek);
}

/// The fixture's genuine inputs take the paths their names promise, so the seeds made from
/// them are meaningful.
#[test]
fn fixture_inputs_are_meaningful() {
    let fixture = targets::fixture();
    // Genuine in-flight messages decrypt; delivered ones are refused as replays.
    for message in &fixture.in_flight {
        assert_eq!(
            targets::decrypt(&message.bytes),
            Outcome::Accepted,
            "{}",
            message.name
        );
    }
    for message in &fixture.delivered {
        assert_eq!(
            targets::decrypt(&message.bytes),
            Outcome::Rejected,
            "{}",
            message.name
        );
    }
    // First messages: accepted exactly when the store has the prekeys they name.
    for message in &fixture.first_messages {
        let expected = if message.name.contains("unknown") || message.name.contains("consumed") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(
            targets::accept(&message.bytes),
            expected,
            "{}",
            message.name
        );
    }
    for (name, bytes) in &fixture.bundles {
        let expected = if name.contains("bad") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(targets::prekey_bundle(bytes), expected, "{name}");
    }
}

/// The hybrid additions take the paths their names promise: hybrid first messages are accepted
/// (and their replays refused, inside the target) unless they name a KEM prekey Bob never
/// stored; hybrid bundles start sessions unless the KEM prekey's signature is broken; a
/// leading byte of 0xC0 to 0xFF chooses the conversation's set-up.
#[test]
fn hybrid_inputs_are_meaningful() {
    let hybrid = targets::hybrid_fixture();
    assert_eq!(hybrid.first_messages.len(), 5);
    for message in &hybrid.first_messages {
        let decoded = hushwire::Envelope::decode(&message.bytes, &targets::fixture().config);
        let Ok(hushwire::Envelope::PreKey(first)) = decoded else {
            panic!("{}: not a PreKeyMessage", message.name)
        };
        assert!(first.kem().is_some(), "{}", message.name);
        let expected = if message.name.contains("unknown") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(
            targets::accept(&message.bytes),
            expected,
            "{}",
            message.name
        );
    }
    for (name, bytes) in &hybrid.bundles {
        let expected = if name.contains("bad") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(targets::prekey_bundle(bytes), expected, "{name}");
    }
    use targets::Setup;
    for setup in Setup::ALL {
        assert_eq!(Setup::split(&[setup.byte(), 7]), (setup, &[7u8][..]));
    }
    assert_eq!(Setup::split(&[0x3f, 7]), (Setup::Classic, &[0x3f, 7][..]));
    assert_eq!(Setup::split(&[]), (Setup::Classic, &[][..]));
    // A hybrid run: Alice's first message accepted, then a reply.
    let ping_pong = [Setup::HybridOneTimeKem.byte(), 0, 7, 1, 4, 7, 0];
    assert_eq!(targets::conversation(&ping_pong), Outcome::Accepted);
}

/// The hand-written operation codec round-trips (indexes below 128), and a truncated last
/// operation is dropped.
#[test]
fn conversation_ops_round_trip() {
    use targets::{Op, Side};
    let ops = vec![
        Op::AliceSend,
        Op::BobSend,
        Op::Deliver {
            to: Side::Bob,
            index: 127,
        },
        Op::Drop {
            to: Side::Alice,
            index: 3,
        },
        Op::Duplicate {
            to: Side::Bob,
            index: 0,
        },
        Op::Reload { who: Side::Bob },
        Op::Tamper {
            to: Side::Alice,
            index: 5,
            byte: 200,
            mask: 0,
        },
    ];
    let bytes = Op::encode_all(&ops);
    assert_eq!(Op::decode_all(&bytes), ops);
    assert_eq!(Op::decode_all(&bytes[..bytes.len() - 1]), ops[..6]);
    // Kind bytes are taken modulo 16, with several values for the common operations.
    assert_eq!(
        Op::decode_all(&[16, 3, 21, 26, 0x03, 29, 0]),
        [
            Op::AliceSend,
            Op::AliceSend,
            Op::BobSend,
            Op::Deliver {
                to: Side::Bob,
                index: 1
            },
            Op::Reload { who: Side::Alice },
        ]
    );
}

/// The verification seeds take the paths their names promise: only the peer's screen
/// verifies, every API-made trust record loads, and the scripted SAS exchanges verify exactly
/// when they are honest.
#[test]
fn verification_inputs_are_meaningful() {
    let verification = targets::verification_fixture();
    let read = |target: &str, name: &str| std::fs::read(corpus_dir(target).join(name)).unwrap();
    for (name, expected) in [
        ("bob-screen", Outcome::Accepted),
        ("alice-screen", Outcome::Accepted),
        ("alice-carol-screen", Outcome::Rejected),
        ("version-2", Outcome::Rejected),
        ("libsignal-v2", Outcome::Rejected),
        ("truncated", Outcome::Rejected),
    ] {
        let data = read("scanned_safety_number", name);
        assert_eq!(targets::scanned_safety_number(&data), expected, "{name}");
    }
    for (name, record) in verification.records() {
        assert_eq!(
            targets::trust_record(&record.to_bytes()),
            Outcome::Accepted,
            "{name}"
        );
    }
    for name in [
        "changed-from-itself",
        "verified-method-4",
        "no-level",
        "version-2",
    ] {
        let data = read("trust_record", name);
        assert_eq!(targets::trust_record(&data), Outcome::Rejected, "{name}");
    }
    for exchange in &verification.exchanges {
        for (name, message) in &exchange.messages {
            assert_eq!(
                targets::verification_message(&message.encode()),
                Outcome::Accepted,
                "{name}"
            );
        }
    }
    for name in ["cancel-zero", "low-order-key", "version-2", "no-content"] {
        let data = read("verification_message", name);
        assert_eq!(
            targets::verification_message(&data),
            Outcome::Rejected,
            "{name}"
        );
    }
    for (name, expected) in [
        ("alice-starts-honest", Outcome::Accepted),
        ("bob-starts-mac-before-confirm", Outcome::Accepted),
        ("verified-at-the-timeout", Outcome::Accepted),
        ("clock-back", Outcome::Accepted),
        ("mismatch", Outcome::Rejected),
        ("timeout-at-confirm", Outcome::Rejected),
        ("forged-key-careless-people", Outcome::Rejected),
        ("tampered-commitment", Outcome::Rejected),
        ("foreign-key", Outcome::Rejected),
        ("bob-joins-a-foreign-exchange", Outcome::Rejected),
        ("reflected-mac", Outcome::Rejected),
        ("forged-mac-before-confirm", Outcome::Rejected),
        ("replayed-key", Outcome::Rejected),
        ("mac-out-of-order", Outcome::Rejected),
        ("injected-cancel", Outcome::Rejected),
        ("cancel-other-0", Outcome::Rejected),
        ("undecodable-then-cancel", Outcome::Rejected),
    ] {
        assert_eq!(targets::sas(&read("sas", name)), expected, "{name}");
    }
}

/// The business seeds take the paths their names promise: the valid chains validate and no
/// other does; a list is taken by the fixture's state exactly when it is fresh, its signer
/// pinned or certified, and not older than the list held.
#[test]
fn business_inputs_are_meaningful() {
    let business = targets::business_fixture();
    let read = |target: &str, name: &str| std::fs::read(corpus_dir(target).join(name)).unwrap();
    for (name, expected) in [
        ("valid", Outcome::Accepted),
        ("other-business", Outcome::Accepted),
        ("revoked", Outcome::Rejected),
        ("expired", Outcome::Rejected),
        ("out-of-scope-level", Outcome::Rejected),
        ("out-of-scope-validity", Outcome::Rejected),
        ("issuer-signature-flipped", Outcome::Rejected),
        ("issuer-signature-truncated", Outcome::Rejected),
        ("issuer-body-flipped", Outcome::Rejected),
        ("issuer-body-truncated", Outcome::Rejected),
        ("issuer-root-2", Outcome::Rejected),
        ("business-signature-flipped", Outcome::Rejected),
        ("business-signature-truncated", Outcome::Rejected),
        ("business-body-flipped", Outcome::Rejected),
        ("business-body-truncated", Outcome::Rejected),
        ("truncated", Outcome::Rejected),
        ("issuer-only", Outcome::Rejected),
        ("empty", Outcome::Rejected),
    ] {
        let data = read("certificate_chain", name);
        assert_eq!(targets::certificate_chain(&data), expected, "{name}");
    }
    // Why each chain is refused, at the fixture's time with its lists.
    let validate = |name: &str| {
        hushwire::BusinessCertificateIn::decode(&read("certificate_chain", name))
            .and_then(|chain| {
                chain.validate(
                    &business.roots,
                    targets::BUSINESS_NOW,
                    &business.revocations,
                )
            })
            .map(|_| ())
    };
    use hushwire::Error;
    for (name, error) in [
        (
            "revoked",
            Error::CertificateRevoked {
                certificate: "business",
                serial: targets::REVOKED_SERIAL,
            },
        ),
        (
            "expired",
            Error::CertificateExpired {
                certificate: "business",
            },
        ),
        (
            "out-of-scope-issuer",
            Error::CertificateOutOfScope { reason: "issuer" },
        ),
        (
            "out-of-scope-level",
            Error::CertificateOutOfScope { reason: "level" },
        ),
        (
            "out-of-scope-validity",
            Error::CertificateOutOfScope { reason: "validity" },
        ),
        (
            "issuer-signature-flipped",
            Error::InvalidCertificateSignature {
                certificate: "issuer",
            },
        ),
        (
            "issuer-body-flipped",
            Error::InvalidCertificateSignature {
                certificate: "issuer",
            },
        ),
        ("issuer-root-2", Error::UnknownTrustRoot { key_id: 2 }),
        (
            "business-signature-flipped",
            Error::InvalidCertificateSignature {
                certificate: "business",
            },
        ),
        (
            "business-body-flipped",
            Error::InvalidCertificateSignature {
                certificate: "business",
            },
        ),
    ] {
        assert_eq!(validate(name), Err(error), "{name}");
    }
    for (name, expected) in [
        ("root", Outcome::Accepted),
        ("issuer", Outcome::Accepted),
        ("root-revokes-the-issuer", Outcome::Accepted),
        ("issuer-empty", Outcome::Accepted),
        ("issuer-revokes-the-valid", Outcome::Accepted),
        ("issuer-stale", Outcome::Rejected),
        ("root-stale", Outcome::Rejected),
        ("issuer-future", Outcome::Rejected),
        ("issuer-rollback", Outcome::Rejected),
        ("issuer-same-sequence", Outcome::Rejected),
        ("unknown-root", Outcome::Rejected),
        ("impostor-root", Outcome::Rejected),
        ("uncertified-issuer", Outcome::Rejected),
        ("root-signature-flipped", Outcome::Rejected),
        ("truncated", Outcome::Rejected),
        ("empty", Outcome::Rejected),
    ] {
        let data = read("revocation_list", name);
        assert_eq!(targets::revocation_list(&data), expected, "{name}");
    }
}

/// The SAS operation codec round-trips, and a truncated last operation is dropped.
#[test]
fn sas_ops_round_trip() {
    use targets::{SasOp, Side};
    let ops = vec![
        SasOp::Deliver { to: Side::Bob },
        SasOp::Confirm { who: Side::Alice },
        SasOp::Drop { to: Side::Alice },
        SasOp::Mismatch { who: Side::Bob },
        SasOp::Clock { step: 0xff },
        SasOp::Replay {
            to: Side::Bob,
            reflect: true,
            index: 63,
        },
        SasOp::Forge {
            to: Side::Alice,
            kind: 3,
            txn: Some([7; 16]),
            body: [0xab; 32],
        },
        SasOp::Forge {
            to: Side::Bob,
            kind: 1,
            txn: None,
            body: [9; 32],
        },
        SasOp::Foreign {
            to: Side::Bob,
            index: 127,
        },
        SasOp::InjectCancel {
            to: Side::Alice,
            code: 0,
        },
        SasOp::Cancel {
            who: Side::Bob,
            reason: 127,
        },
        SasOp::Tamper {
            to: Side::Alice,
            keep: true,
            cancel_on_error: false,
            byte: 200,
            mask: 0,
        },
    ];
    let bytes = SasOp::encode_all(&ops);
    assert_eq!(SasOp::decode_all(&bytes), ops);
    assert_eq!(
        SasOp::decode_all(&bytes[..bytes.len() - 1]),
        ops[..ops.len() - 1]
    );
    // Kind bytes are taken modulo 16.
    assert_eq!(
        SasOp::decode_all(&[16, 19, 21, 22, 1]),
        [
            SasOp::Deliver { to: Side::Alice },
            SasOp::Deliver { to: Side::Bob },
            SasOp::Confirm { who: Side::Bob },
            SasOp::Drop { to: Side::Bob },
        ]
    );
}

/// The multi-device seeds take the paths their names promise: the lists the fixture signed
/// validate unless expired or too long-lived, the genuine messages in flight decrypt and the
/// delivered ones are replays, every record loads, exactly the genuine approvals complete,
/// and the scripted runs send, refuse and converge as scripted.
#[test]
fn device_inputs_are_meaningful() {
    use hushwire::{DeviceListIn, DeviceListPolicy, Error, SessionRecord};
    let devices = targets::device_fixture();
    let read = |target: &str, name: &str| std::fs::read(corpus_dir(target).join(name)).unwrap();
    let accepted = |yes: bool| {
        if yes {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        }
    };

    // device_list: every list the fixture signed validates, but for these.
    let refused = [
        (
            "acme-expired",
            Error::DeviceListExpired {
                expires_at: 1_800_000_000 - 10 * 86_400,
            },
        ),
        (
            "acme-not-yet-valid",
            Error::DeviceListExpired {
                expires_at: 1_800_000_000 + 2 * 86_400,
            },
        ),
        (
            "approval-expired-list",
            Error::DeviceListExpired {
                expires_at: 1_800_000_000 - 10 * 86_400,
            },
        ),
        (
            "acme-lifetime-36-days",
            Error::DeviceListLifetimeTooLong {
                lifetime: 36 * 86_400,
                max: 35 * 86_400,
            },
        ),
        (
            "approval-lifetime-36-days-list",
            Error::DeviceListLifetimeTooLong {
                lifetime: 36 * 86_400,
                max: 35 * 86_400,
            },
        ),
        (
            "acme-v2-signature-flipped",
            Error::InvalidDeviceListSignature,
        ),
        ("acme-v2-version-bumped", Error::InvalidDeviceListSignature),
    ];
    for (name, _) in &devices.lists {
        let expected = !refused.iter().any(|(refused, _)| refused == name);
        assert_eq!(
            targets::device_list(&read("device_list", name)),
            accepted(expected),
            "{name}"
        );
    }
    let validate = |name: &str| {
        DeviceListIn::decode(&read("device_list", name)).and_then(|list| {
            let key = *list.account_key();
            list.validate(
                &key,
                hushwire_testkit::fixtures::accounts::now(),
                &DeviceListPolicy::default(),
                None,
            )
            .map(|_| ())
        })
    };
    for (name, error) in refused {
        assert_eq!(validate(name), Err(error), "{name}");
    }
    let invalid = |reason| Error::InvalidDeviceList { reason };
    for (name, error) in [
        ("65-devices", invalid("not 1 to 64 devices")),
        ("no-devices", invalid("not 1 to 64 devices")),
        ("list-version-0", invalid("list version 0")),
        (
            "expires-at-issued-at",
            invalid("expires_at is not after issued_at"),
        ),
        (
            "ids-not-increasing",
            invalid("device ids not strictly increasing"),
        ),
        ("key-twice", invalid("a device key is listed twice")),
        ("device-id-0", invalid("device id 0")),
        ("body-version-2", Error::UnsupportedVersion { found: 2 }),
        ("low-order-account-key", Error::LowOrderPublicKey),
        (
            "signature-63-bytes",
            Error::InvalidLength {
                field: "signature",
                expected: 64,
                found: 63,
            },
        ),
    ] {
        assert_eq!(validate(name), Err(error), "{name}");
    }

    // device_message: in flight decrypts, delivered is a replay, edits are refused.
    for message in &devices.in_flight {
        assert_eq!(
            targets::device_message(&message.bytes),
            Outcome::Accepted,
            "{}",
            message.name
        );
    }
    for message in &devices.delivered {
        assert_eq!(
            targets::device_message(&message.bytes),
            Outcome::Rejected,
            "{}",
            message.name
        );
    }
    for name in [
        "redirected-to-acme2",
        "sender-device-changed",
        "sender-list-version-7",
        "unknown-sender-account",
        "from-itself",
        "recipient-device-0",
        "flipped",
    ] {
        assert_eq!(
            targets::device_message(&read("device_message", name)),
            Outcome::Rejected,
            "{name}"
        );
    }

    // session_record: every record loads (alone, and with its sessions sealed by the target).
    let config = hushwire_testkit::fixtures::config();
    for (_, _, stored) in &devices.records {
        assert_eq!(
            targets::session_record(targets::unseal_record(stored)),
            Outcome::Accepted
        );
    }
    let load = |name: &str| {
        SessionRecord::from_stored(
            &targets::seal_record(&read("session_record", name)),
            &config,
        )
        .map(|_| ())
    };
    for (name, expected) in [
        ("empty-record", Ok(())),
        ("archived-only", Ok(())),
        ("same-session-twice", Err(Error::InvalidSessionState)),
        ("archived-257-entries", Err(Error::InvalidSessionState)),
        ("current-corrupted", Err(Error::SessionStateCorrupted)),
        ("version-2", Err(Error::UnsupportedVersion { found: 2 })),
    ] {
        assert_eq!(load(name), expected, "{name}");
    }
    assert_eq!(
        targets::session_record(&read("session_record", "acme2-of-carol2-sessions-unsealed")),
        Outcome::Accepted
    );

    // device_link: the offers are approved; exactly the genuine approvals complete, the
    // others fail for their reason.
    for name in ["qr", "other-qr"] {
        assert_eq!(
            targets::device_link(&read("device_link", name)),
            Outcome::Accepted,
            "{name}"
        );
    }
    let complete = |name: &str| {
        devices
            .pending_link()
            .complete(
                &read("device_link", name),
                hushwire_testkit::fixtures::accounts::now(),
                &DeviceListPolicy::default(),
            )
            .map(|linked| linked.address.device.get())
    };
    for (name, expected) in [
        ("approval-acme-4", Ok(4)),
        ("approval-acme-9", Ok(9)),
        ("approval-carol-3", Ok(3)),
        (
            "approval-expired",
            Err(Error::DeviceListExpired {
                expires_at: 1_800_000_000 - 10 * 86_400,
            }),
        ),
        (
            "approval-lifetime-36-days",
            Err(Error::DeviceListLifetimeTooLong {
                lifetime: 36 * 86_400,
                max: 35 * 86_400,
            }),
        ),
        (
            "approval-not-listed",
            Err(Error::DeviceNotListed { device: 4 }),
        ),
        (
            "approval-wrong-id",
            Err(Error::DeviceNotListed { device: 9 }),
        ),
        (
            "approval-other-account",
            Err(Error::MisaddressedMessage { field: "account" }),
        ),
        ("approval-forged", Err(Error::LinkAuthenticationFailed)),
        ("approval-mac-flipped", Err(Error::LinkAuthenticationFailed)),
        (
            "approval-list-flipped",
            Err(Error::LinkAuthenticationFailed),
        ),
        (
            "approval-version-2",
            Err(Error::UnsupportedVersion { found: 2 }),
        ),
        (
            "approval-device-0",
            Err(Error::InvalidDeviceList {
                reason: "device id 0",
            }),
        ),
    ] {
        assert_eq!(complete(name), expected, "{name}");
    }

    // multi_device: what each scripted run does before its final settle.
    let stats = |name: &str| {
        let mut run = targets::MultiDevice::new();
        for op in targets::DeviceOp::decode_all(&read("multi_device", name)) {
            run.apply(op);
        }
        let stats = run.stats();
        run.settle();
        stats
    };
    let s = stats("remove-with-messages-in-flight");
    assert_eq!((s.removed, s.from_removed_refused, s.to_removed), (1, 3, 1));
    let s = stats("add-then-remove");
    assert_eq!((s.added, s.removed), (2, 1));
    assert!(s.from_removed_refused > 0);
    let s = stats("simultaneous-initiation");
    assert_eq!(s.initiated, 2);
    let s = stats("replays-and-duplicates");
    assert!(s.replays_refused >= 3 && s.reloaded > 0);
    let s = stats("tampering");
    assert!(s.tampered_refused > 0);
    for name in [
        "ping-pong",
        "crossing-first-messages",
        "initiate-while-in-flight",
        "add-a-device",
        "note-to-self",
    ] {
        let s = stats(name);
        assert!(s.decrypted > 0, "{name}");
        assert_eq!(s.from_removed_refused + s.tampered_refused, 0, "{name}");
    }
}

/// The multi-device operation codec round-trips (devices below 128), and a truncated last
/// operation is dropped.
#[test]
fn device_ops_round_trip() {
    use targets::DeviceOp::*;
    let ops = vec![
        Send {
            device: 127,
            own: true,
        },
        Deliver { index: 200 },
        Drop { index: 3 },
        Replay { index: 0 },
        Duplicate { index: 9 },
        Reload { device: 2 },
        Initiate {
            a: 5,
            b: 255,
            both: true,
        },
        AddDevice { account: 1 },
        RemoveDevice { device: 4 },
        Settle,
        Tamper {
            index: 1,
            byte: 2,
            mask: 0,
        },
    ];
    let bytes = targets::DeviceOp::encode_all(&ops);
    assert_eq!(targets::DeviceOp::decode_all(&bytes), ops);
    assert_eq!(
        targets::DeviceOp::decode_all(&bytes[..bytes.len() - 1]),
        ops[..ops.len() - 1]
    );
    // Kind bytes are taken modulo 16.
    assert_eq!(
        targets::DeviceOp::decode_all(&[16, 3, 31, 7, 30, 27, 0]),
        [
            Send {
                device: 1,
                own: true
            },
            Deliver { index: 7 },
            Settle,
            AddDevice { account: 0 },
        ]
    );
}

/// The group seeds take the paths their names promise: every distribution of the group is
/// added somewhere, held or conflicting where named; the messages in flight decrypt, and the
/// others and the edited ones are refused for their reasons on the sessions named; every
/// stored session loads and the edited ones are refused for theirs; and the scripted runs
/// remove, add, rotate, reload and refuse as named.
#[test]
fn group_inputs_are_meaningful() {
    use hushwire::{DistributionOutcome, Error, GroupMessage, GroupSession, SenderKeyDistribution};
    let groups = targets::group_fixture();
    let config = hushwire_testkit::fixtures::config();
    let read = |target: &str, name: &str| std::fs::read(corpus_dir(target).join(name)).unwrap();
    let accepted = |yes: bool| {
        if yes {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        }
    };
    let name_of = |address: &hushwire::DeviceAddress| {
        format!(
            "{}{}",
            String::from_utf8_lossy(address.account.as_bytes()),
            address.device.get()
        )
    };
    let session = |name: &str| {
        let (_, stored) = groups
            .devices
            .iter()
            .find(|(address, _)| name_of(address) == name)
            .unwrap();
        GroupSession::from_stored(stored, &config).unwrap()
    };
    let address = |name: &str| {
        groups
            .addresses()
            .find(|address| name_of(address) == name)
            .unwrap()
            .clone()
    };

    // group_distribution: every distribution of the group is added somewhere.
    for sent in &groups.distributions {
        assert_eq!(
            targets::group_distribution(&sent.bytes),
            accepted(sent.name != "other-group-acme1"),
            "{}",
            sent.name
        );
    }
    let distribution =
        |name: &str| SenderKeyDistribution::decode(&read("group_distribution", name));
    let process = |on: &str, from: &str, name: &str| {
        session(on).process_distribution(&address(from), &distribution(name).unwrap())
    };
    let chain_id = distribution("carol1-rotated").unwrap().chain_id();
    for (on, from, name, expected) in [
        (
            "acme1",
            "carol1",
            "carol1-rotated",
            Ok(DistributionOutcome::AlreadyHeld),
        ),
        (
            "acme1",
            "carol1",
            "carol1-rotated-other-signing-key",
            Err(Error::SenderKeyConflict { chain_id }),
        ),
        (
            "acme1",
            "carol1",
            "carol1-rotated-chain-id-bumped",
            Ok(DistributionOutcome::Added),
        ),
        (
            "acme1",
            "carol1",
            "other-group-acme1",
            Err(Error::WrongGroup),
        ),
        (
            "acme1",
            "mallory1",
            "carol1-rotated",
            Err(Error::NotAGroupMember { device: 1 }),
        ),
        (
            "acme1",
            "erin1",
            "erin1-after-removal",
            Err(Error::NotAGroupMember { device: 1 }),
        ),
        (
            "erin1",
            "acme1",
            "acme1-after-removal",
            Ok(DistributionOutcome::Added),
        ),
        (
            "erin1",
            "carol1",
            "carol1-rotated",
            Ok(DistributionOutcome::Added),
        ),
    ] {
        assert_eq!(
            process(on, from, name),
            expected,
            "{name} from {from} on {on}"
        );
    }
    for (name, error) in [
        ("version-2", Error::UnsupportedVersion { found: 2 }),
        ("group-id-empty", Error::InvalidGroupId { len: 0 }),
        ("group-id-65-bytes", Error::InvalidGroupId { len: 65 }),
        (
            "chain-key-31-bytes",
            Error::InvalidLength {
                field: "chain_key",
                expected: 32,
                found: 31,
            },
        ),
        ("low-order-signing-key", Error::LowOrderPublicKey),
        ("257-bytes", Error::TooLarge { len: 257, max: 256 }),
    ] {
        assert_eq!(distribution(name).err(), Some(error), "{name}");
    }

    // group_message: what is in flight somewhere decrypts; nothing else does.
    for message in &groups.messages {
        assert_eq!(
            targets::group_message(&message.bytes),
            accepted(!message.in_flight_for.is_empty()),
            "{}",
            message.name
        );
    }
    for signed in &groups.signed {
        assert_eq!(
            targets::group_message(&signed.bytes),
            Outcome::Rejected,
            "{}",
            signed.name
        );
    }
    let decrypt = |on: &str, name: &str| session(on).decrypt_bytes(&read("group_message", name));
    let carol_chain =
        GroupMessage::decode(&read("group_message", "carol1-before-rotation"), &config)
            .unwrap()
            .chain_id();
    let plaintext = |name: &str| {
        groups
            .messages
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .plaintext
            .clone()
    };
    for (on, name, expected) in [
        ("frank1", "dave1-0", Ok(plaintext("dave1-0"))),
        ("erin1", "carol1-2", Ok(plaintext("carol1-2"))),
        ("frank1", "dave1-1", Err(Error::DuplicateMessage)),
        ("acme2", "hello", Err(Error::DuplicateMessage)),
        (
            "carol1",
            "erin1-before-removal",
            Err(Error::NotAGroupMember { device: 1 }),
        ),
        (
            "acme1",
            "erin1-before-removal",
            Err(Error::NotAGroupMember { device: 1 }),
        ),
        ("acme1", "other-group-acme1", Err(Error::WrongGroup)),
        (
            "acme1",
            "signed-ciphertext-flipped",
            Err(Error::DecryptionFailed),
        ),
        (
            "acme1",
            "signed-next-iteration",
            Err(Error::DecryptionFailed),
        ),
        ("acme1", "signed-tag-cut", Err(Error::DecryptionFailed)),
        (
            "acme1",
            "signed-iteration-25001-ahead",
            Err(Error::TooManySkippedMessages {
                skip: 25_001,
                max: 25_000,
            }),
        ),
        (
            "acme1",
            "signed-iteration-max",
            Err(Error::CounterExhausted),
        ),
        ("acme1", "signed-other-group", Err(Error::WrongGroup)),
        (
            "acme1",
            "signed-sender-acme1",
            Err(Error::NotAGroupMember { device: 1 }),
        ),
        (
            "acme2",
            "signed-sender-acme1",
            Err(Error::UnknownSenderKey {
                chain_id: carol_chain,
            }),
        ),
        (
            "acme1",
            "signed-chain-id-bumped",
            Err(Error::UnknownSenderKey {
                chain_id: carol_chain.wrapping_add(1),
            }),
        ),
        (
            "frank1",
            "signed-as-a-delivered-iteration",
            Err(Error::DuplicateMessage),
        ),
        (
            "acme1",
            "signed-as-a-delivered-iteration",
            Err(Error::DecryptionFailed),
        ),
        (
            "acme1",
            "unsigned-iteration-bumped",
            Err(Error::InvalidSignature),
        ),
        (
            "acme1",
            "unsigned-ciphertext-flipped",
            Err(Error::InvalidSignature),
        ),
        ("acme1", "signature-flipped", Err(Error::InvalidSignature)),
        (
            "acme2",
            "unsigned-sender-device-0",
            Err(Error::InvalidDeviceList {
                reason: "device id 0",
            }),
        ),
        (
            "acme2",
            "unsigned-ciphertext-15-bytes",
            Err(Error::InvalidLength {
                field: "ciphertext",
                expected: 16,
                found: 15,
            }),
        ),
        (
            "acme2",
            "unsigned-version-2",
            Err(Error::UnsupportedVersion { found: 2 }),
        ),
        (
            "acme2",
            "unsigned-group-id-65-bytes",
            Err(Error::InvalidGroupId { len: 65 }),
        ),
        (
            "acme2",
            "signature-63-bytes",
            Err(Error::InvalidLength {
                field: "signature",
                expected: 64,
                found: 63,
            }),
        ),
    ] {
        assert_eq!(decrypt(on, name), expected, "{name} on {on}");
    }
    // Erin 1, removed, reads nothing sent after its removal; Frank 1 nothing sent before it
    // joined.
    for name in ["acme2-after-removal", "dave1-0", "carol1-after-rotation"] {
        assert!(
            matches!(decrypt("erin1", name), Err(Error::UnknownSenderKey { .. })),
            "{name}"
        );
    }
    for name in ["carol1-0", "carol1-1", "carol1-2", "acme2-after-removal"] {
        assert!(
            matches!(
                decrypt("frank1", name),
                Err(Error::UnknownSenderKey { .. } | Error::DuplicateMessage)
            ),
            "{name}"
        );
    }

    // group_session: every session loads, and the edited ones load or fail as named.
    for (address, _) in &groups.devices {
        assert_eq!(
            targets::group_session(&read("group_session", &name_of(address))),
            Outcome::Accepted
        );
    }
    let load = |name: &str| {
        GroupSession::from_stored(&targets::seal_group(&read("group_session", name)), &config)
    };
    for name in [
        "dave1-six-chains-of-carol1",
        "dave1-iteration-max",
        "dave1-no-members",
    ] {
        assert_eq!(
            targets::group_session(&read("group_session", name)),
            Outcome::Accepted,
            "{name}"
        );
    }
    let six = load("dave1-six-chains-of-carol1").unwrap();
    let state = targets::group_state(six.to_stored().as_bytes());
    let carol = state
        .members
        .iter()
        .find(|m| m.account_id == b"carol")
        .unwrap();
    assert_eq!(carol.chains.len(), 5, "trimmed to the default 5 chains");
    assert_eq!(
        load("dave1-iteration-max").unwrap().encrypt(b"x").err(),
        Some(Error::CounterExhausted)
    );
    for (name, error) in [
        ("dave1-65-chains-of-carol1", Error::InvalidSessionState),
        ("dave1-carol1-twice", Error::InvalidSessionState),
        ("dave1-members-out-of-order", Error::InvalidSessionState),
        ("dave1-itself-a-member", Error::InvalidSessionState),
        ("dave1-chain-id-twice", Error::InvalidSessionState),
        ("dave1-stored-key-at-the-chain", Error::InvalidSessionState),
        ("dave1-stored-keys-out-of-order", Error::InvalidSessionState),
        ("dave1-low-order-member-key", Error::LowOrderPublicKey),
        (
            "dave1-member-device-0",
            Error::InvalidDeviceList {
                reason: "device id 0",
            },
        ),
        (
            "local-device-0",
            Error::InvalidDeviceList {
                reason: "device id 0",
            },
        ),
        ("version-2", Error::UnsupportedVersion { found: 2 }),
        ("group-id-65-bytes", Error::InvalidGroupId { len: 65 }),
        (
            "signing-seed-31-bytes",
            Error::InvalidLength {
                field: "signing_seed",
                expected: 32,
                found: 31,
            },
        ),
        ("empty", Error::UnsupportedVersion { found: 0 }),
    ] {
        assert_eq!(load(name).err(), Some(error), "{name}");
    }

    // group: what each scripted run does before its end.
    let stats = |name: &str| {
        let mut run = targets::GroupRun::new();
        for op in targets::GroupOp::decode_all(&read("group", name)) {
            run.apply(op);
        }
        let stats = run.stats();
        run.finish();
        stats
    };
    let s = stats("everyone-talks");
    assert_eq!((s.sent, s.decrypted), (4, 12));
    let s = stats("out-of-order-and-drops");
    assert!(s.decrypted > 0 && s.sent == 4);
    let s = stats("remove-with-messages-in-flight");
    assert_eq!(s.removed, 1);
    assert!(s.from_non_member_refused >= 3 && s.unknown_chain_refused >= 1);
    let s = stats("add-a-member");
    assert_eq!((s.added, s.before_joining_refused), (1, 1));
    let s = stats("rotations");
    assert_eq!(s.rotated, 5);
    assert!(
        s.unknown_chain_refused > 0,
        "a chain dropped past the limit"
    );
    let s = stats("replays-and-duplicates-with-reloads");
    assert!(s.replays_refused >= 3 && s.reloaded == 2);
    let s = stats("tampering");
    assert!(s.tampered_refused > 0);
    let s = stats("removed-member-reads-only-what-came-before");
    assert_eq!((s.removed, s.unknown_chain_refused), (1, 2));
    let s = stats("add-remove-add-and-rotate");
    assert_eq!((s.added, s.removed, s.rotated), (2, 2, 1));
    assert!(
        s.distributions_refused > 0,
        "a removed device's rotation refused"
    );
}

/// The group operation codec round-trips, and a truncated last operation is dropped.
#[test]
fn group_ops_round_trip() {
    use targets::GroupOp::*;
    let ops = vec![
        Send { device: 255 },
        Deliver { index: 200 },
        Drop { index: 3 },
        Duplicate { index: 9 },
        Replay {
            message: 1,
            device: 7,
        },
        Remove { device: 2 },
        Add { account: 3 },
        Rotate { device: 4 },
        Reload { device: 5 },
        Tamper {
            index: 1,
            byte: 2,
            mask: 0,
        },
    ];
    let bytes = targets::GroupOp::encode_all(&ops);
    assert_eq!(targets::GroupOp::decode_all(&bytes), ops);
    assert_eq!(
        targets::GroupOp::decode_all(&bytes[..bytes.len() - 1]),
        ops[..ops.len() - 1]
    );
    // Kind bytes are taken modulo 16.
    assert_eq!(
        targets::GroupOp::decode_all(&[16, 3, 30, 7, 31, 2, 24, 1]),
        [Send { device: 3 }, Send { device: 7 }, Deliver { index: 2 },]
    );
}

/// Writes the seed corpus. Run after a protocol change makes the seeds stale:
/// `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`.
#[test]
#[ignore = "regenerates the seed corpus"]
fn regenerate_seed_corpus() {
    for (target, name, bytes) in targets::seeds()
        .into_iter()
        .chain(targets::attachment_seeds())
        .chain(targets::store_seeds())
    {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Every store seed is committed byte for byte, and reaches what its name says: the genuine
/// stored prekeys (as they are, or as content checksummed by the target) load, the genuine
/// seals open; the damaged ones are refused.
#[test]
fn store_seeds_are_committed_and_meaningful() {
    let seeds = targets::store_seeds();
    assert_eq!(seeds.len(), 23);
    for (target, name, bytes) in seeds {
        let path = corpus_dir(target).join(&name);
        assert_eq!(
            std::fs::read(&path).ok().as_deref(),
            Some(bytes.as_slice()),
            "{} missing or different; regenerate the seeds",
            path.display()
        );
        let run = match target {
            "stored_prekey" => targets::stored_prekey,
            "stored_kem_prekey" => targets::stored_kem_prekey,
            "sealed_value" => targets::sealed_value,
            other => panic!("{other}"),
        };
        let accepted = matches!(
            name.as_str(),
            "signed"
                | "one-time"
                | "signed-content"
                | "one-time-content"
                | "last-resort"
                | "content"
                | "content-kind-one-time"
                | "genuine"
                | "genuine-empty"
        );
        assert_eq!(
            run(&bytes),
            if accepted {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            },
            "{target}/{name}"
        );
    }
}

/// Every attachment seed is committed, byte for byte: the corpus and the seed functions agree.
#[test]
fn attachment_seeds_are_committed() {
    let mut stale = Vec::new();
    for (target, name, bytes) in targets::attachment_seeds() {
        let path = corpus_dir(target).join(&name);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "seeds missing or different in the corpus: {stale:#?}; regenerate them with \
         `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`"
    );
}

/// An `attachment_open` or `attachment_seek` seed, read from the corpus.
fn attachment_seed(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir(target).join(name)).unwrap()
}

/// The hushwire error an opener's I/O error carries (its kind for the reader's own).
fn attachment_error(error: &std::io::Error) -> hushwire::Error {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<hushwire::Error>())
        .cloned()
        .unwrap_or(hushwire::Error::Io { kind: error.kind() })
}

/// The attachment pointer seeds decode, or are refused, as named.
#[test]
fn attachment_pointer_inputs_are_meaningful() {
    use hushwire::{AttachmentPointer, Error, MAX_ATTACHMENT_POINTER_LEN, Payload};
    let fixture = targets::attachment_fixture();
    let read = |name: &str| attachment_seed("attachment_pointer", name);
    let pointer = |name: &str| AttachmentPointer::decode(&read(name));
    let payload = |name: &str| Payload::decode(&read(name));
    for file in &fixture.files {
        assert_eq!(
            pointer(file.name).as_ref(),
            Ok(&file.pointer),
            "{}",
            file.name
        );
        assert_eq!(
            payload(&format!("payload-{}", file.name)),
            Ok(Payload::Attachment(file.pointer.clone()))
        );
        assert_eq!(
            targets::attachment_pointer(&read(file.name)),
            Outcome::Accepted
        );
    }
    for name in [
        "size-2-pow-40",
        "content-type-127-bytes",
        "file-name-255-bytes",
        "no-file-name",
        "thumbnail-16384-bytes",
    ] {
        assert!(pointer(name).is_ok(), "{name}");
        assert_eq!(targets::attachment_pointer(&read(name)), Outcome::Accepted);
    }
    let invalid = |reason| Error::InvalidAttachmentPointer { reason };
    for (name, error) in [
        ("version-2", Error::UnsupportedVersion { found: 2 }),
        ("version-0", Error::UnsupportedVersion { found: 0 }),
        (
            "file-key-31-bytes",
            Error::InvalidLength {
                field: "file_key",
                expected: 32,
                found: 31,
            },
        ),
        (
            "digest-33-bytes",
            Error::InvalidLength {
                field: "ciphertext_sha256",
                expected: 32,
                found: 33,
            },
        ),
        ("size-2-pow-40-plus-1", invalid("size over 2^40 bytes")),
        (
            "content-type-empty",
            Error::MissingField {
                field: "content_type",
            },
        ),
        (
            "content-type-parameter",
            invalid("content type is not type/subtype"),
        ),
        (
            "content-type-no-subtype",
            invalid("content type is not type/subtype"),
        ),
        (
            "content-type-three-parts",
            invalid("content type is not type/subtype"),
        ),
        (
            "content-type-leading-dash",
            invalid("content type is not type/subtype"),
        ),
        ("content-type-128-bytes", invalid("content type too long")),
        ("file-name-empty", invalid("empty file name")),
        ("file-name-dot", invalid("file name is . or ..")),
        ("file-name-dot-dot", invalid("file name is . or ..")),
        ("file-name-slash", invalid("file name has a path separator")),
        (
            "file-name-backslash",
            invalid("file name has a path separator"),
        ),
        ("file-name-colon", invalid("file name has a path separator")),
        (
            "file-name-newline",
            invalid("file name has a control character"),
        ),
        (
            "file-name-c1-control",
            invalid("file name has a control character"),
        ),
        (
            "file-name-bidi-override",
            invalid("file name has a bidirectional control"),
        ),
        (
            "file-name-bidi-isolate",
            invalid("file name has a bidirectional control"),
        ),
        ("file-name-256-bytes", invalid("file name too long")),
        ("thumbnail-empty", invalid("empty thumbnail")),
        ("thumbnail-16385-bytes", invalid("thumbnail too large")),
        ("fields-out-of-order", Error::NonCanonicalEncoding),
        ("unknown-field", Error::NonCanonicalEncoding),
        ("size-0-written", Error::NonCanonicalEncoding),
        ("truncated", Error::MalformedProtobuf),
        (
            "17409-bytes",
            Error::TooLarge {
                len: 17409,
                max: MAX_ATTACHMENT_POINTER_LEN,
            },
        ),
        ("no-bytes", Error::UnsupportedVersion { found: 0 }),
    ] {
        assert_eq!(pointer(name).err(), Some(error), "{name}");
        assert_eq!(
            targets::attachment_pointer(&read(name)),
            Outcome::Rejected,
            "{name}"
        );
    }
    assert_eq!(
        payload("payload-application"),
        Ok(Payload::Application(b"the parcel arrived damaged".to_vec()))
    );
    assert_eq!(read("payload-application-empty"), [0x0a, 0x00]);
    assert_eq!(
        payload("payload-application-empty"),
        Ok(Payload::Application(Vec::new()))
    );
    assert!(matches!(
        payload("payload-pointer-over-17408-bytes"),
        Err(Error::TooLarge {
            max: MAX_ATTACHMENT_POINTER_LEN,
            ..
        })
    ));
    assert_eq!(payload("payload-both"), Err(Error::NonCanonicalEncoding));
    assert_eq!(
        payload("payload-empty-pointer"),
        Err(Error::UnsupportedVersion { found: 0 })
    );
    assert_eq!(
        payload("no-bytes"),
        Err(Error::MissingField { field: "content" })
    );
}

/// The attachment_open seeds open, or fail, as named, through the input's own reader.
#[test]
fn attachment_open_inputs_are_meaningful() {
    use std::io::{ErrorKind, Read};

    use hushwire::{AttachmentOpener, Error};
    let fixture = targets::attachment_fixture();
    let files = &fixture.files;
    let open = |name: &str| {
        let input = targets::OpenInput::decode(&attachment_seed("attachment_open", name));
        let stream = input.stream_bytes(fixture);
        let (pointer, _) = input.pointer(fixture);
        let mut plaintext = Vec::new();
        AttachmentOpener::new(input.reader(&stream), &pointer)
            .map_err(std::io::Error::other)
            .and_then(|mut opener| opener.read_to_end(&mut plaintext))
            .map_err(
                |e| match e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
                    Some(inner) => inner.clone(),
                    None => attachment_error(&e),
                },
            )
            .map(|_| plaintext)
    };
    let plain = |i: usize| files[i].plaintext.clone();
    let mut expected: Vec<(String, Result<Vec<u8>, Error>)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.to_owned(), Ok(plain(i))))
        .collect();
    let truncated = |segment| Err(Error::AttachmentTruncated { segment });
    let invalid = |segment| Err(Error::AttachmentSegmentInvalid { segment });
    let io = |kind| Err(Error::Io { kind });
    for (name, result) in [
        (
            "photo-version-2",
            Err(Error::UnsupportedVersion { found: 2 }),
        ),
        (
            "photo-segment-size-5",
            Err(Error::InvalidAttachmentHeader {
                reason: "segment size",
            }),
        ),
        ("photo-segment-size-7", Err(Error::AttachmentWrongKey)),
        (
            "photo-padding-2",
            Err(Error::InvalidAttachmentHeader { reason: "padding" }),
        ),
        ("photo-padding-0", Err(Error::AttachmentWrongKey)),
        ("photo-salt-flipped", Err(Error::AttachmentWrongKey)),
        ("photo-commitment-flipped", Err(Error::AttachmentWrongKey)),
        ("photo-header-cut", truncated(0)),
        ("photo-header-only", truncated(0)),
        ("photo-segment-1-flipped", invalid(1)),
        ("photo-last-tag-flipped", invalid(4)),
        ("photo-cut-at-boundary", truncated(4)),
        ("photo-cut-mid-segment", truncated(2)),
        ("photo-last-byte-cut", truncated(4)),
        ("photo-trailing-byte", Err(Error::AttachmentTrailingData)),
        (
            "photo-segment-0-replayed-at-end",
            Err(Error::AttachmentTrailingData),
        ),
        ("photo-segments-swapped", invalid(0)),
        ("photo-segment-0-replayed", invalid(1)),
        ("photo-byte-deleted", invalid(3)),
        ("photo-other-header", Err(Error::AttachmentWrongKey)),
        ("photo-flip-undone", Ok(plain(0))),
        // A pointer whose size is not the one sealed fails at the final segment, even where
        // PADMÉ gives the same layout (the size is its associated data, SPEC.md 16.2).
        ("photo-size-plus-1", invalid(4)),
        ("photo-size-plus-4", invalid(4)),
        ("photo-size-plus-5", truncated(4)),
        ("photo-size-minus-1", invalid(4)),
        ("photo-size-2-pow-40", truncated(4)),
        ("photo-digest-flipped", Err(Error::AttachmentDigestMismatch)),
        ("photo-other-key", Err(Error::AttachmentWrongKey)),
        ("empty-tag-flipped", invalid(0)),
        ("empty-tag-cut", truncated(0)),
        ("empty-size-plus-1", truncated(0)),
        ("segment-size-plus-1", invalid(0)),
        ("note-size-plus-1", truncated(3)),
        ("note-size-minus-1", invalid(3)),
        ("note-last-segment-dropped", truncated(3)),
        ("zeros-tail-size-minus-4", invalid(1)),
        ("zeros-tail-size-minus-10", invalid(1)),
        ("zeros-tail-size-plus-7", truncated(1)),
        ("scan-padding-segment-flipped", invalid(33)),
        ("scan-padding-segment-dropped", truncated(33)),
        ("scan-segments-swapped", invalid(10)),
        ("photo-short-reads", Ok(plain(0))),
        ("scan-short-reads", Ok(plain(5))),
        ("note-interrupted-every-read", Ok(plain(3))),
        ("photo-fails-at-0", io(ErrorKind::ConnectionReset)),
        ("photo-fails-in-header", io(ErrorKind::UnexpectedEof)),
        ("photo-fails-mid-file", io(ErrorKind::PermissionDenied)),
        ("photo-fails-at-end", io(ErrorKind::Other)),
        ("photo-fails-past-end", Ok(plain(0))),
        ("photo-fails-after-a-bad-segment", invalid(0)),
        ("raw-empty", truncated(0)),
        ("raw-66-bytes", truncated(0)),
        ("raw-photo", Ok(plain(0))),
        ("raw-other-file-with-its-key", Ok(plain(1))),
        ("raw-scan-with-photo-key", Err(Error::AttachmentWrongKey)),
    ] {
        expected.push((name.to_owned(), result));
    }
    for (name, result) in &expected {
        assert_eq!(&open(name), result, "{name}");
        assert_eq!(
            targets::attachment_open(&attachment_seed("attachment_open", name)),
            if result.is_ok() {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            },
            "{name}"
        );
    }
    // Every seed is named above.
    let seeds = targets::attachment_seeds();
    let named = seeds.iter().filter(|(t, _, _)| *t == "attachment_open");
    for (_, name, _) in named {
        assert!(
            expected.iter().any(|(n, _)| n == name),
            "{name} has no expectation"
        );
    }
}

/// The attachment_seek seeds open, read, fail and verify as named.
#[test]
fn attachment_seek_inputs_are_meaningful() {
    use std::io::{Read, Seek, SeekFrom};

    use hushwire::{Error, SeekableAttachment};
    let fixture = targets::attachment_fixture();
    let files = &fixture.files;
    /// `read_at(offset, len)`, the bytes it wrote.
    type ReadAt<'a> = dyn FnMut(u64, usize) -> Result<Vec<u8>, Error> + 'a;
    let run = |name: &str, check: &dyn Fn(&mut ReadAt<'_>)| {
        let input = targets::SeekInput::decode(&attachment_seed("attachment_seek", name));
        let stream = input.stream_bytes(fixture);
        let (pointer, _) = input.pointer(fixture);
        let mut file = SeekableAttachment::new(input.reader(&stream), &pointer).unwrap();
        check(&mut |offset, len| {
            let mut out = vec![0; len];
            let n = file.read_at(offset, &mut out)?;
            out.truncate(n);
            Ok(out)
        });
        file.verify_digest()
    };
    let opens = |name: &str| {
        let input = targets::SeekInput::decode(&attachment_seed("attachment_seek", name));
        let stream = input.stream_bytes(fixture);
        let (pointer, _) = input.pointer(fixture);
        SeekableAttachment::new(input.reader(&stream), &pointer).err()
    };
    for file in files {
        let name = format!("{}-whole", file.name);
        let verified = run(&name, &|read| {
            assert_eq!(read(0, 4095).as_ref(), Ok(&file.plaintext), "{name}");
        });
        assert_eq!(verified, Ok(()));
        let outcome = targets::attachment_seek(&attachment_seed("attachment_seek", &name));
        let deepest = if file.plaintext.is_empty() {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(outcome, deepest, "{name}");
    }
    let photo = &files[0].plaintext;
    let invalid = |segment| Err(Error::AttachmentSegmentInvalid { segment });
    let verified = run("photo-segment-2-flipped", &|read| {
        assert_eq!(read(0, 64), Ok(photo[..64].to_vec()));
        assert_eq!(read(64, 64), Ok(photo[64..128].to_vec()));
        assert_eq!(read(100, 50), invalid(2));
        assert_eq!(read(130, 10), invalid(2));
        assert_eq!(read(192, 200), Ok(photo[192..].to_vec()));
    });
    assert_eq!(verified, Err(Error::AttachmentDigestMismatch));
    run("photo-segments-swapped", &|read| {
        assert_eq!(read(0, 300), invalid(1));
        assert_eq!(read(130, 60), Ok(photo[130..190].to_vec()));
    })
    .unwrap_err();
    for (name, error) in [
        ("photo-header-flipped", Error::AttachmentWrongKey),
        ("photo-version-2", Error::UnsupportedVersion { found: 2 }),
        (
            "photo-cut-mid-segment",
            Error::AttachmentTruncated { segment: 2 },
        ),
        (
            "photo-header-cut",
            Error::AttachmentTruncated { segment: 0 },
        ),
        ("photo-trailing-byte", Error::AttachmentTrailingData),
        (
            "photo-size-plus-5",
            Error::AttachmentTruncated { segment: 4 },
        ),
        (
            "photo-size-2-pow-40",
            Error::AttachmentTruncated { segment: 4 },
        ),
        ("photo-other-key", Error::AttachmentWrongKey),
    ] {
        assert_eq!(opens(name), Some(error), "{name}");
    }
    // A size other than the one sealed: the final segment fails, the others read; the
    // ciphertext is still the one the digest names.
    let verified = run("photo-size-plus-1", &|read| {
        assert_eq!(read(290, 20), invalid(4));
        assert_eq!(read(0, 10), Ok(photo[..10].to_vec()));
    });
    assert_eq!(verified, Ok(()));
    run("photo-size-minus-1", &|read| {
        assert_eq!(read(290, 20), invalid(4));
        assert_eq!(read(250, 6), Ok(photo[250..256].to_vec()));
    })
    .unwrap();
    let verified = run("photo-digest-flipped", &|read| {
        assert_eq!(read(0, 4095), Ok(photo.clone()));
    });
    assert_eq!(verified, Err(Error::AttachmentDigestMismatch));
    run("zeros-tail-size-minus-4", &|read| {
        assert_eq!(read(60, 100), invalid(1));
        assert_eq!(read(60, 4), Ok(files[4].plaintext[60..64].to_vec()));
    })
    .unwrap();
    // Random access never reads the padding-only segment: only the digest sees it changed.
    let scan = &files[5].plaintext;
    let verified = run("scan-padding-segment-flipped", &|read| {
        assert_eq!(read(2040, 100), Ok(scan[2040..].to_vec()));
    });
    assert_eq!(verified, Err(Error::AttachmentDigestMismatch));
    let verified = run("empty-tag-flipped", &|read| {
        assert_eq!(read(0, 10), Ok(Vec::new()));
    });
    assert_eq!(verified, Err(Error::AttachmentDigestMismatch));
    // Seeking and reading through the traits.
    let input = targets::SeekInput::decode(&attachment_seed("attachment_seek", "photo-ranges"));
    let stream = input.stream_bytes(fixture);
    let (pointer, _) = input.pointer(fixture);
    let mut file = SeekableAttachment::new(input.reader(&stream), &pointer).unwrap();
    let mut out = [0u8; 20];
    assert_eq!(file.seek(SeekFrom::End(-10)).unwrap(), 290);
    assert_eq!(file.read(&mut out).unwrap(), 10);
    assert_eq!(out[..10], photo[290..]);
    assert!(file.seek(SeekFrom::Current(-1000)).is_err());
    assert_eq!(file.stream_position().unwrap(), 300);
    for name in [
        "photo-ranges",
        "photo-ranges-short-reads",
        "photo-ranges-interrupted",
        "photo-segment-2-flipped",
        "scan-short-reads",
    ] {
        assert_eq!(
            targets::attachment_seek(&attachment_seed("attachment_seek", name)),
            Outcome::Accepted,
            "{name}"
        );
    }
}

/// The attachment inputs' codecs round-trip.
#[test]
fn attachment_inputs_round_trip() {
    use targets::{OpenInput, OpenStream, PointerVariant, SeekInput, SeekOp, StreamEdit};
    let edits = vec![
        StreamEdit::Flip { at: 513, mask: 7 },
        StreamEdit::Truncate { at: 65535 },
        StreamEdit::Append { from: 2, len: 80 },
        StreamEdit::Delete { at: 9, len: 1 },
        StreamEdit::Insert {
            at: 300,
            byte: 0xff,
        },
        StreamEdit::CopySegment { to: 3, from: 200 },
        StreamEdit::SwapSegments { a: 1, b: 2 },
        StreamEdit::FromOtherFile { at: 0, len: 67 },
    ];
    for variant in [
        PointerVariant::Genuine,
        PointerVariant::SizePlus(9),
        PointerVariant::SizeMinus(255),
        PointerVariant::DigestFlipped,
        PointerVariant::OtherFile,
        PointerVariant::SizeMax,
    ] {
        let [kind, delta] = variant.encode();
        assert_eq!(PointerVariant::decode(kind, delta), variant);
    }
    let input = OpenInput {
        file: 5,
        variant: PointerVariant::SizeMinus(3),
        interrupts: true,
        fail: Some((777, 3)),
        chunks: vec![0, 1, 255],
        stream: OpenStream::Edited(edits.clone()),
    };
    assert_eq!(OpenInput::decode(&input.encode()), input);
    let raw = OpenInput {
        stream: OpenStream::Raw(vec![1, 2, 3]),
        fail: None,
        ..input
    };
    assert_eq!(OpenInput::decode(&raw.encode()), raw);
    // A partial edit is dropped; an empty input is the first file, its own pointer, unedited.
    let mut bytes = OpenInput::decode(&[]).encode();
    assert_eq!(bytes, [0; 7]);
    bytes.extend_from_slice(&[0, 1, 0]);
    assert_eq!(
        OpenInput::decode(&bytes).stream,
        OpenStream::Edited(Vec::new())
    );
    let seek = SeekInput {
        file: 2,
        variant: PointerVariant::DigestFlipped,
        interrupts: true,
        chunk: 13,
        edits,
        ops: vec![
            SeekOp::ReadAt {
                offset: 65535,
                len: 4095,
            },
            SeekOp::Start { to: 3, len: 0 },
            SeekOp::End {
                delta: -32768,
                len: 1,
            },
            SeekOp::Current { delta: 5, len: 2 },
        ],
    };
    assert_eq!(SeekInput::decode(&seek.encode()), seek);
}
