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

/// Writes the seed corpus. Run after a protocol change makes the seeds stale:
/// `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`.
#[test]
#[ignore = "regenerates the seed corpus"]
fn regenerate_seed_corpus() {
    for (target, name, bytes) in targets::seeds() {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
