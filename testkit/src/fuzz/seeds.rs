//! The seed corpus of every target, derived from the fixture.

use hushwire::Envelope;
use prost::Message;

use super::business_fixture::business_fixture;
use super::fixture::fixture;
use super::sas::SasOp;
use super::verification_fixture::verification_fixture;
use crate::conversation::{Op, Side};
use crate::pb;

/// The seed corpus: `(target, file name, bytes)`, all derived from the fixture.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let fixture = fixture();
    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: &[u8]| {
        // One file per distinct input of a target.
        if !seeds.iter().any(|(t, _, b)| *t == target && b == bytes) {
            seeds.push((target, name.to_owned(), bytes.to_vec()));
        }
    };
    let genuine = fixture
        .in_flight
        .iter()
        .chain(&fixture.delivered)
        .chain(&fixture.first_messages);
    for message in genuine {
        let kind = match Envelope::decode(&message.bytes, &fixture.config) {
            Ok(Envelope::PreKey(_)) => "prekey_message",
            _ => "ratchet_message",
        };
        add("envelope", message.name, &message.bytes);
        if !message.name.starts_with("first-") {
            add(kind, message.name, &message.bytes);
            add("decrypt", message.name, &message.bytes);
        }
    }
    for message in &fixture.first_messages {
        add("accept", message.name, &message.bytes);
        add("prekey_message", message.name, &message.bytes);
    }
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("version-only", &[0x08, 0x01]),
        ("version-2", &[0x08, 0x02]),
        ("reserved-kind", &[0x08, 0x01, 0x22, 0x00]),
    ] {
        add("envelope", name, bytes);
    }
    for (name, bytes) in &fixture.bundles {
        add("prekey_bundle", name, bytes);
    }
    for (name, session) in [
        ("alice-initial", &fixture.alice_initial),
        ("bob-fresh", &fixture.bob_fresh),
        ("alice", &fixture.alice),
        ("bob", &fixture.bob),
    ] {
        // The target seals its input itself: a seed is the state inside a stored session.
        add(
            "session_state",
            name,
            crate::stored::unseal(session.to_stored().as_bytes()),
        );
    }

    // providers: X25519 with a large-order u, a small-order u (refused alike), a non-canonical
    // u with the top bit set; the AEAD with no associated data, and with some.
    let mut x25519_seed = |name: &str, u: [u8; 32]| {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&[0x42; 32]);
        bytes.extend_from_slice(&u);
        add("providers", name, &bytes);
    };
    let mut base = [0u8; 32];
    base[0] = 9;
    x25519_seed("x25519-base-point", base);
    x25519_seed(
        "x25519-small-order",
        hushwire::hazmat::SMALL_ORDER_X25519[3],
    );
    x25519_seed("x25519-top-bit-non-canonical", [0xff; 32]);
    for (name, ad_len, body) in [
        ("aead-no-ad", 0u8, &b"hushwire fuzz seed"[..]),
        ("aead-with-ad", 13, &b"associated data, then a body"[..]),
        ("aead-empty", 0, &b""[..]),
    ] {
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&[0x24; 32]);
        bytes.extend_from_slice(&[0x07; 12]);
        bytes.push(ad_len);
        bytes.extend_from_slice(body);
        add("providers", name, &bytes);
    }

    use Op::*;
    use Side::{Alice as A, Bob as B};
    let d = |to, index| Deliver { to, index };
    let conversations: [(&str, Vec<Op>); 4] = [
        (
            "ping-pong",
            [AliceSend, d(B, 0), BobSend, d(A, 0)].repeat(4),
        ),
        (
            "out-of-order-and-drops",
            vec![
                AliceSend,
                AliceSend,
                AliceSend,
                d(B, 2),
                d(B, 0),
                BobSend,
                BobSend,
                Drop { to: A, index: 0 },
                d(A, 0),
                AliceSend,
                AliceSend,
                Drop { to: B, index: 1 },
                BobSend,
                d(A, 0),
                AliceSend,
                d(B, 1),
                d(B, 0),
            ],
        ),
        (
            "replays-and-reloads",
            vec![
                AliceSend,
                d(B, 0),
                Duplicate { to: B, index: 0 },
                BobSend,
                BobSend,
                d(A, 1),
                Reload { who: A },
                Reload { who: B },
                d(A, 0),
                Duplicate { to: A, index: 1 },
                AliceSend,
                d(B, 0),
                Duplicate { to: B, index: 0 },
                Duplicate { to: B, index: 1 },
            ],
        ),
        (
            "tampering",
            vec![
                AliceSend,
                Tamper {
                    to: B,
                    index: 0,
                    byte: 90,
                    mask: 0x10,
                },
                d(B, 0),
                BobSend,
                Tamper {
                    to: A,
                    index: 0,
                    byte: 40,
                    mask: 0,
                },
                Tamper {
                    to: A,
                    index: 0,
                    byte: 5,
                    mask: 0x80,
                },
                d(A, 0),
                AliceSend,
                Tamper {
                    to: B,
                    index: 0,
                    byte: 255,
                    mask: 1,
                },
                d(B, 0),
            ],
        ),
    ];
    for (name, ops) in conversations {
        add("conversation", name, &Op::encode_all(&ops));
    }
    verification_seeds(&mut add);
    business_seeds(&mut add);
    seeds
}

/// The seeds of the identity-verification targets.
fn verification_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    let verification = verification_fixture();

    // scanned_safety_number: both screens, Carol's, other versions, Signal's published
    // encoding, and broken payloads.
    let bob_screen = verification.on_bob.scannable();
    let mut payloads = vec![
        ("bob-screen", bob_screen.clone()),
        ("alice-screen", verification.on_alice.scannable()),
        ("alice-carol-screen", verification.alice_carol.scannable()),
        ("truncated", bob_screen[..bob_screen.len() - 1].to_vec()),
        ("empty", Vec::new()),
    ];
    let genuine = pb::CombinedFingerprints::decode(bob_screen.as_slice()).unwrap();
    for (name, version) in [("version-2", 2), ("version-absent", 0)] {
        let edited = pb::CombinedFingerprints {
            version,
            ..genuine.clone()
        };
        payloads.push((name, edited.encode_to_vec()));
    }
    let no_remote = pb::CombinedFingerprints {
        remote_fingerprint: None,
        ..genuine.clone()
    };
    payloads.push(("remote-missing", no_remote.encode_to_vec()));
    let mut short = genuine.clone();
    if let Some(local) = short.local_fingerprint.as_mut() {
        local.content.pop();
    }
    payloads.push(("local-31-bytes", short.encode_to_vec()));
    let mut signal = vec![0x08, 0x02, 0x12, 0x22, 0x0a, 0x20];
    signal.extend([0x12; 32]);
    signal.extend([0x1a, 0x22, 0x0a, 0x20]);
    signal.extend([0xba; 32]);
    payloads.push(("libsignal-v2", signal));
    for (name, bytes) in &payloads {
        add("scanned_safety_number", name, bytes);
    }

    // verification_message: every message of the two honest exchanges, cancels, and refusals.
    for exchange in &verification.exchanges {
        for (name, message) in &exchange.messages {
            add("verification_message", name, &message.encode());
        }
    }
    let txn = verification.exchanges[0].messages[0]
        .1
        .transaction_id()
        .as_bytes()
        .to_vec();
    let message = |version, transaction_id: &[u8], content| {
        pb::Verification {
            version,
            transaction_id: transaction_id.to_vec(),
            content,
        }
        .encode_to_vec()
    };
    let cancel = |reason| Some(pb::verification::Content::Cancel(pb::SasCancel { reason }));
    for (name, code) in [
        ("cancel-user", 1),
        ("cancel-mismatch", 2),
        ("cancel-timeout", 3),
        ("cancel-unexpected", 4),
        ("cancel-unknown-transaction", 5),
        ("cancel-commitment", 6),
        ("cancel-invalid", 7),
        ("cancel-mac", 8),
        ("cancel-other-99", 99),
        ("cancel-zero", 0),
    ] {
        add(
            "verification_message",
            name,
            &message(1, &txn, cancel(code)),
        );
    }
    let key = |public_key: &[u8]| {
        Some(pb::verification::Content::Key(pb::SasKey {
            public_key: public_key.to_vec(),
        }))
    };
    add(
        "verification_message",
        "low-order-key",
        &message(1, &txn, key(&crate::SMALL_ORDER_X25519[0])),
    );
    add(
        "verification_message",
        "non-canonical-key",
        &message(1, &txn, key(&[0xff; 32])),
    );
    add(
        "verification_message",
        "version-2",
        &message(2, &txn, cancel(1)),
    );
    add(
        "verification_message",
        "transaction-15-bytes",
        &message(1, &txn[..15], cancel(1)),
    );
    add(
        "verification_message",
        "no-content",
        &message(1, &txn, None),
    );

    // trust_record: every level reached through the API, and refusals.
    let records = verification.records();
    for (name, record) in &records {
        add("trust_record", name, &record.to_bytes());
    }
    let [alice, bob, _] = verification.keys();
    let stored = |level| {
        pb::TrustRecord {
            version: 1,
            identity_key: bob.to_bytes().to_vec(),
            first_seen: 1_800_000_000,
            level,
            business_id: String::new(),
        }
        .encode_to_vec()
    };
    use pb::trust_record::Level;
    let changed_from = |previous: [u8; 32]| {
        Some(Level::Changed(pb::TrustChanged {
            previous_identity_key: previous.to_vec(),
            previous_was_verified: true,
        }))
    };
    for (name, bytes) in [
        ("changed-from-itself", stored(changed_from(bob.to_bytes()))),
        ("changed-from-alice", stored(changed_from(alice.to_bytes()))),
        (
            "verified-method-4",
            stored(Some(Level::Verified(pb::TrustVerified {
                method: 4,
                verified_at: 1_800_000_000,
            }))),
        ),
        ("no-level", stored(None)),
    ] {
        add("trust_record", name, &bytes);
    }
    let mut version_2 = pb::TrustRecord::decode(records[0].1.to_bytes().as_slice()).unwrap();
    version_2.version = 2;
    add("trust_record", "version-2", &version_2.encode_to_vec());

    // sas: scripted exchanges, honest and not.
    use SasOp::*;
    use Side::{Alice as A, Bob as B};
    let honest = [
        Deliver { to: B },
        Deliver { to: A },
        Deliver { to: B },
        Deliver { to: A },
        Confirm { who: A },
        Confirm { who: B },
        Deliver { to: B },
        Deliver { to: A },
    ];
    let to_ready = &honest[..4];
    let forged_key = {
        let mut body = [0u8; 32];
        body[0] = 9;
        Forge {
            to: A,
            kind: 1,
            txn: None,
            body,
        }
    };
    let exchanges: Vec<(&str, Side, Vec<SasOp>)> = vec![
        ("alice-starts-honest", A, honest.to_vec()),
        (
            "bob-starts-mac-before-confirm",
            B,
            vec![
                Deliver { to: A },
                Deliver { to: B },
                Deliver { to: A },
                Deliver { to: B },
                Confirm { who: B },
                Deliver { to: A },
                Confirm { who: A },
                Deliver { to: B },
            ],
        ),
        (
            "verified-at-the-timeout",
            A,
            [to_ready, &[Clock { step: 2 }], &honest[3..]].concat(),
        ),
        (
            "clock-back",
            A,
            [
                &[Clock {
                    step: 3 | (20 << 2),
                }],
                &honest[..],
            ]
            .concat(),
        ),
        (
            "mismatch",
            A,
            [to_ready, &[Mismatch { who: A }, Deliver { to: B }]].concat(),
        ),
        (
            "timeout-at-confirm",
            A,
            [
                to_ready,
                &[
                    Clock {
                        step: 1 | (11 << 2),
                    },
                    Confirm { who: A },
                    Deliver { to: B },
                ],
            ]
            .concat(),
        ),
        (
            "forged-key-careless-people",
            A,
            vec![
                Deliver { to: B },
                Deliver { to: A },
                Deliver { to: B },
                Drop { to: A },
                forged_key,
                Confirm { who: A },
                Confirm { who: B },
                Deliver { to: B },
                Deliver { to: A },
                Deliver { to: A },
            ],
        ),
        (
            "tampered-commitment",
            A,
            vec![
                Deliver { to: B },
                Tamper {
                    to: A,
                    keep: false,
                    cancel_on_error: true,
                    byte: 40,
                    mask: 0x01,
                },
                Deliver { to: B },
                Deliver { to: A },
            ],
        ),
        (
            "foreign-key",
            A,
            vec![
                Deliver { to: B },
                Foreign { to: A, index: 1 },
                Deliver { to: B },
            ],
        ),
        (
            "bob-joins-a-foreign-exchange",
            A,
            vec![
                Foreign { to: B, index: 0 },
                Foreign { to: B, index: 2 },
                Confirm { who: B },
                Foreign { to: B, index: 4 },
                Deliver { to: A },
            ],
        ),
        (
            "reflected-mac",
            A,
            [
                to_ready,
                &[
                    Confirm { who: A },
                    Replay {
                        to: A,
                        reflect: true,
                        index: 2,
                    },
                ],
            ]
            .concat(),
        ),
        (
            "forged-mac-before-confirm",
            A,
            [
                to_ready,
                &[
                    Forge {
                        to: A,
                        kind: 2,
                        txn: None,
                        body: [0x5a; 32],
                    },
                    Deliver { to: B },
                ],
            ]
            .concat(),
        ),
        (
            "replayed-key",
            B,
            [
                to_ready,
                &[Replay {
                    to: B,
                    reflect: false,
                    index: 0,
                }],
            ]
            .concat(),
        ),
        (
            "mac-out-of-order",
            A,
            vec![
                Deliver { to: B },
                Deliver { to: A },
                Deliver { to: B },
                Confirm { who: B },
                Replay {
                    to: A,
                    reflect: false,
                    index: 2,
                },
            ],
        ),
        (
            "injected-cancel",
            B,
            vec![Deliver { to: A }, InjectCancel { to: A, code: 99 }],
        ),
        (
            "cancel-other-0",
            A,
            vec![
                Deliver { to: B },
                Cancel { who: A, reason: 8 },
                Deliver { to: B },
            ],
        ),
        (
            "undecodable-then-cancel",
            A,
            [
                to_ready,
                &[
                    Tamper {
                        to: A,
                        keep: true,
                        cancel_on_error: true,
                        byte: 3,
                        mask: 0,
                    },
                    Deliver { to: B },
                ],
            ]
            .concat(),
        ),
    ];
    for (name, starter, ops) in exchanges {
        let mut bytes = vec![starter.bit()];
        bytes.extend(SasOp::encode_all(&ops));
        add("sas", name, &bytes);
    }
}

/// The seeds of the business-certificate targets.
fn business_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    let business = business_fixture();

    // certificate_chain: the fixture's chains (valid, another business, revoked, expired,
    // beyond the issuer's scope), each certificate with its body or signature flipped or
    // truncated, an issuer under another root id, and broken inputs.
    for (name, chain) in [
        ("valid", &business.valid),
        ("other-business", &business.other),
        ("revoked", &business.revoked),
        ("expired", &business.expired),
    ] {
        add("certificate_chain", name, &chain.encode());
    }
    for (name, bytes) in &business.out_of_scope {
        add("certificate_chain", name, bytes);
    }
    let valid = business.valid.encode();
    let genuine = pb::CertificateChain::decode(valid.as_slice()).unwrap();
    let issuer = genuine.issuer.clone().unwrap();
    let certificate = genuine.business.clone().unwrap();
    let issuer_body = pb::IssuerCertificateBody::decode(issuer.body.as_slice()).unwrap();
    let business_body = pb::BusinessCertificateBody::decode(certificate.body.as_slice()).unwrap();
    let flipped = |bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        bytes
    };
    let truncated = |bytes: &[u8]| bytes[..bytes.len() - 1].to_vec();
    let with_issuer = |body: Vec<u8>, signature: Vec<u8>| {
        pb::CertificateChain {
            issuer: Some(pb::IssuerCertificate { body, signature }),
            ..genuine.clone()
        }
        .encode_to_vec()
    };
    let with_business = |body: Vec<u8>, signature: Vec<u8>| {
        pb::CertificateChain {
            business: Some(pb::BusinessCertificate { body, signature }),
            ..genuine.clone()
        }
        .encode_to_vec()
    };
    let issuer_serial_flipped = pb::IssuerCertificateBody {
        serial: issuer_body.serial ^ 1,
        ..issuer_body.clone()
    }
    .encode_to_vec();
    let issuer_root_2 = pb::IssuerCertificateBody {
        root_key_id: 2,
        ..issuer_body
    }
    .encode_to_vec();
    let business_serial_flipped = pb::BusinessCertificateBody {
        serial: business_body.serial ^ 1,
        ..business_body
    }
    .encode_to_vec();
    for (name, bytes) in [
        (
            "issuer-signature-flipped",
            with_issuer(issuer.body.clone(), flipped(&issuer.signature)),
        ),
        (
            "issuer-signature-truncated",
            with_issuer(issuer.body.clone(), truncated(&issuer.signature)),
        ),
        (
            "issuer-body-flipped",
            with_issuer(issuer_serial_flipped, issuer.signature.clone()),
        ),
        (
            "issuer-body-truncated",
            with_issuer(truncated(&issuer.body), issuer.signature.clone()),
        ),
        (
            "issuer-root-2",
            with_issuer(issuer_root_2, issuer.signature.clone()),
        ),
        (
            "business-signature-flipped",
            with_business(certificate.body.clone(), flipped(&certificate.signature)),
        ),
        (
            "business-signature-truncated",
            with_business(certificate.body.clone(), truncated(&certificate.signature)),
        ),
        (
            "business-body-flipped",
            with_business(business_serial_flipped, certificate.signature.clone()),
        ),
        (
            "business-body-truncated",
            with_business(truncated(&certificate.body), certificate.signature.clone()),
        ),
        ("truncated", truncated(&valid)),
        ("issuer-only", business.valid.issuer().encode()),
        ("empty", Vec::new()),
    ] {
        add("certificate_chain", name, &bytes);
    }

    // revocation_list: the lists held (root, issuer), newer ones (the root revoking the
    // issuer, an empty issuer list, one revoking the valid chain), stale, future and
    // rolled-back ones, lists from an unknown root, an impostor root and an uncertified
    // issuer, and broken inputs.
    for (name, bytes) in &business.lists {
        add("revocation_list", name, bytes);
    }
    let root_list = business.root_list.encode();
    let list = pb::RevocationList::decode(root_list.as_slice()).unwrap();
    let signature_flipped = pb::RevocationList {
        signature: flipped(&list.signature),
        ..list
    }
    .encode_to_vec();
    add(
        "revocation_list",
        "root-signature-flipped",
        &signature_flipped,
    );
    add("revocation_list", "truncated", &truncated(&root_list));
    add("revocation_list", "empty", &[]);
}
