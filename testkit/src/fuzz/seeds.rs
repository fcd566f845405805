//! The seed corpus of every target, derived from the fixture.

use hushwire::Envelope;
use prost::Message;

use super::business_fixture::business_fixture;
use super::device_fixture::{address, device_fixture};
use super::fixture::fixture;
use super::hybrid_fixture::{Setup, hybrid_fixture};
use super::multi_device::DeviceOp;
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
    let hybrid = hybrid_fixture();
    for message in fixture.first_messages.iter().chain(&hybrid.first_messages) {
        add("accept", message.name, &message.bytes);
        add("prekey_message", message.name, &message.bytes);
    }
    for message in &hybrid.first_messages {
        add("envelope", message.name, &message.bytes);
    }
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("version-only", &[0x08, 0x01]),
        ("version-2", &[0x08, 0x02]),
        ("reserved-kind", &[0x08, 0x01, 0x22, 0x00]),
    ] {
        add("envelope", name, bytes);
    }
    for (name, bytes) in fixture.bundles.iter().chain(&hybrid.bundles) {
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
    for (name, ops) in &conversations {
        add("conversation", name, &Op::encode_all(ops));
    }
    // The same operations on the hybrid set-ups: a leading byte chooses it (`Setup::split`).
    for (setup, prefix) in [
        (Setup::HybridLastResort, "hybrid-last-resort"),
        (Setup::HybridOneTimeKem, "hybrid-one-time-kem"),
        (Setup::HybridLastResortNoOtk, "hybrid-last-resort-no-otk"),
    ] {
        for (name, ops) in &conversations {
            let bytes = [&[setup.byte()][..], &Op::encode_all(ops)].concat();
            add("conversation", &format!("{prefix}-{name}"), &bytes);
        }
    }
    verification_seeds(&mut add);
    business_seeds(&mut add);
    device_seeds(&mut add);
    super::group_seeds::group_seeds(&mut add);
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

/// The seeds of the multi-device targets.
fn device_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    let devices = device_fixture();
    let flipped = |bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        bytes
    };
    let truncated = |bytes: &[u8]| bytes[..bytes.len() - 1].to_vec();

    // device_list: every list a fixture key signed, and edited ones.
    for (name, bytes) in &devices.lists {
        add("device_list", name, bytes);
    }
    let acme = devices.world.accounts[0].list.to_bytes().to_vec();
    let list = pb::DeviceList::decode(acme.as_slice()).unwrap();
    let body = pb::DeviceListBody::decode(list.body.as_slice()).unwrap();
    let with_body = |body: pb::DeviceListBody| {
        pb::DeviceList {
            body: body.encode_to_vec(),
            signature: list.signature.clone(),
        }
        .encode_to_vec()
    };
    let mut reordered = body.clone();
    reordered.devices.swap(0, 1);
    let mut key_twice = body.clone();
    key_twice.devices[1].identity_key = key_twice.devices[0].identity_key.clone();
    let mut device_0 = body.clone();
    device_0.devices[0].device_id = 0;
    let many = devices
        .lists
        .iter()
        .find(|(name, _)| name == "carol-64-devices")
        .map(|(_, bytes)| pb::DeviceList::decode(bytes.as_slice()).unwrap())
        .unwrap();
    let mut sixty_five = pb::DeviceListBody::decode(many.body.as_slice()).unwrap();
    let mut extra = sixty_five.devices[63].clone();
    extra.device_id += 1;
    sixty_five.devices.push(extra);
    let mut low_order_key = body.clone();
    // The identity point (y = 1): of small order.
    low_order_key.account_key = {
        let mut key = vec![0u8; 32];
        key[0] = 1;
        key
    };
    for (name, bytes) in [
        ("acme-v2-signature-flipped", flipped(&acme)),
        ("acme-v2-truncated", truncated(&acme)),
        (
            "acme-v2-version-bumped",
            with_body(pb::DeviceListBody {
                list_version: body.list_version + 1,
                ..body.clone()
            }),
        ),
        (
            "body-version-2",
            with_body(pb::DeviceListBody {
                version: 2,
                ..body.clone()
            }),
        ),
        (
            "list-version-0",
            with_body(pb::DeviceListBody {
                list_version: 0,
                ..body.clone()
            }),
        ),
        (
            "expires-at-issued-at",
            with_body(pb::DeviceListBody {
                expires_at: body.issued_at,
                ..body.clone()
            }),
        ),
        (
            "no-devices",
            with_body(pb::DeviceListBody {
                devices: Vec::new(),
                ..body.clone()
            }),
        ),
        ("ids-not-increasing", with_body(reordered)),
        ("key-twice", with_body(key_twice)),
        ("device-id-0", with_body(device_0)),
        ("65-devices", with_body(sixty_five)),
        ("low-order-account-key", with_body(low_order_key)),
        (
            "signature-63-bytes",
            pb::DeviceList {
                body: list.body.clone(),
                signature: list.signature[..63].to_vec(),
            }
            .encode_to_vec(),
        ),
        ("empty", Vec::new()),
    ] {
        add("device_list", name, &bytes);
    }

    // device_message: the genuine messages, in flight and delivered, and edited ones.
    for message in devices.genuine() {
        add("device_message", &message.name, &message.bytes);
    }
    let to_acme1 = devices
        .in_flight
        .iter()
        .find(|m| {
            m.message.sender() == &address("carol", 1)
                && m.message.recipient() == &address("acme", 1)
        })
        .unwrap();
    let wire = pb::DeviceMessage::decode(to_acme1.bytes.as_slice()).unwrap();
    let edit = |edit: fn(&mut pb::DeviceMessage)| {
        let mut edited = wire.clone();
        edit(&mut edited);
        edited.encode_to_vec()
    };
    type Edit = fn(&mut pb::DeviceMessage);
    let edits: [(&str, Edit); 9] = [
        ("redirected-to-acme2", |m| m.recipient_device = 2),
        ("sender-device-changed", |m| m.sender_device = 2),
        ("sender-list-version-7", |m| m.sender_list_version = 7),
        ("unknown-sender-account", |m| {
            m.sender_account = b"dave".to_vec()
        }),
        ("from-itself", |m| {
            m.sender_account = m.recipient_account.clone();
            m.sender_device = m.recipient_device;
        }),
        ("recipient-device-0", |m| m.recipient_device = 0),
        ("list-version-0", |m| m.recipient_list_version = 0),
        ("version-2", |m| m.version = 2),
        ("no-envelope", |m| m.envelope = None),
    ];
    for (name, change) in edits {
        add("device_message", name, &edit(change));
    }
    add("device_message", "flipped", &flipped(&to_acme1.bytes));
    add("device_message", "truncated", &truncated(&to_acme1.bytes));
    add("device_message", "empty", &[]);

    // session_record: every record (the content inside the stored form), a few with their
    // sessions unsealed too (the target seals them again), and refused ones.
    for (owner, peer, stored) in &devices.records {
        let name = format!(
            "{}{}-of-{}{}",
            String::from_utf8_lossy(owner.account.as_bytes()),
            owner.device.get(),
            String::from_utf8_lossy(peer.account.as_bytes()),
            peer.device.get()
        );
        let content = super::session_record::unseal_record(stored);
        add("session_record", &name, content);
        let mut wire = pb::SessionRecord::decode(content).unwrap();
        if !wire.archived.is_empty() {
            wire.current = wire
                .current
                .as_deref()
                .map(|s| crate::stored::unseal(s).to_vec());
            for state in &mut wire.archived {
                *state = crate::stored::unseal(state).to_vec();
            }
            add(
                "session_record",
                &format!("{name}-sessions-unsealed"),
                &wire.encode_to_vec(),
            );
        }
    }
    let with_archive = devices
        .records
        .iter()
        .map(|(_, _, stored)| {
            pb::SessionRecord::decode(super::session_record::unseal_record(stored)).unwrap()
        })
        .find(|record| !record.archived.is_empty())
        .unwrap();
    let current = with_archive.current.clone().unwrap();
    let record = |current: Option<Vec<u8>>, archived: Vec<Vec<u8>>, version| {
        pb::SessionRecord {
            version,
            current,
            archived,
        }
        .encode_to_vec()
    };
    for (name, bytes) in [
        ("empty-record", record(None, Vec::new(), 1)),
        (
            "archived-only",
            record(None, with_archive.archived.clone(), 1),
        ),
        (
            "same-session-twice",
            record(Some(current.clone()), vec![current.clone()], 1),
        ),
        // More archived entries than any record may hold (256), refused before any loads.
        (
            "archived-257-entries",
            record(None, vec![Vec::new(); 257], 1),
        ),
        (
            "current-corrupted",
            record(Some(flipped(&current)), Vec::new(), 1),
        ),
        ("version-2", record(Some(current.clone()), Vec::new(), 2)),
        ("empty", Vec::new()),
    ] {
        add("session_record", name, &bytes);
    }

    // device_link: the offers, every approval, and edited ones.
    add("device_link", "qr", &devices.qr);
    add("device_link", "other-qr", &devices.other_qr);
    for (name, bytes) in &devices.approvals {
        add("device_link", name, bytes);
    }
    add("device_link", "approval-forged", &devices.forged_approval);
    let edit_offer = |edit: fn(&mut pb::LinkOffer)| {
        let mut offer = pb::LinkOffer::decode(devices.qr.as_slice()).unwrap();
        edit(&mut offer);
        offer.encode_to_vec()
    };
    let approval = &devices.approvals[0].1;
    let wire = pb::LinkApproval::decode(approval.as_slice()).unwrap();
    for (name, bytes) in [
        ("qr-version-2", edit_offer(|o| o.version = 2)),
        (
            "qr-secret-31-bytes",
            edit_offer(|o| {
                o.link_secret.pop();
            }),
        ),
        (
            "qr-low-order-key",
            edit_offer(|o| {
                // The identity point (y = 1): of small order.
                o.device_key = vec![0u8; 32];
                o.device_key[0] = 1;
            }),
        ),
        ("approval-mac-flipped", flipped(approval)),
        ("approval-truncated", truncated(approval)),
        (
            "approval-version-2",
            pb::LinkApproval {
                version: 2,
                ..wire.clone()
            }
            .encode_to_vec(),
        ),
        (
            "approval-list-flipped",
            pb::LinkApproval {
                device_list: flipped(&wire.device_list),
                ..wire.clone()
            }
            .encode_to_vec(),
        ),
        (
            "approval-device-0",
            pb::LinkApproval {
                device_id: 0,
                ..wire.clone()
            }
            .encode_to_vec(),
        ),
        ("empty", Vec::new()),
    ] {
        add("device_link", name, &bytes);
    }

    // multi_device: scripted runs. Devices by index: Acme 1, Acme 2, Carol 1, Carol 2 (then
    // as added and removed).
    use DeviceOp::*;
    let send = |device, own| Send { device, own };
    let deliver = |index| Deliver { index };
    let all = |n: usize| vec![deliver(0); n];
    let runs: Vec<(&str, Vec<DeviceOp>)> = vec![
        (
            "ping-pong",
            [
                vec![send(0, false)],
                all(3),
                vec![send(2, false)],
                all(3),
                vec![send(1, false)],
                all(3),
                vec![send(3, false)],
                all(3),
            ]
            .concat(),
        ),
        (
            "crossing-first-messages",
            [
                vec![send(0, false), send(2, false)],
                vec![
                    deliver(5),
                    deliver(4),
                    deliver(3),
                    deliver(2),
                    deliver(1),
                    deliver(0),
                ],
                vec![Settle],
            ]
            .concat(),
        ),
        (
            "simultaneous-initiation",
            [
                vec![send(0, false)],
                all(3),
                vec![send(2, false)],
                all(3),
                vec![Initiate {
                    a: 0,
                    b: 2,
                    both: true,
                }],
                vec![send(0, false), send(2, false)],
                vec![deliver(3), deliver(0)],
                vec![Reload { device: 0 }, Settle],
            ]
            .concat(),
        ),
        (
            "initiate-while-in-flight",
            [
                vec![send(1, false)],
                vec![Initiate {
                    a: 1,
                    b: 3,
                    both: false,
                }],
                vec![send(1, false), send(3, false)],
                vec![deliver(4), deliver(1), deliver(0), Drop { index: 2 }],
                vec![Settle],
            ]
            .concat(),
        ),
        (
            "remove-with-messages-in-flight",
            [
                vec![send(1, false), send(2, false)],
                vec![deliver(3), deliver(4)],
                vec![RemoveDevice { device: 1 }],
                all(4),
                vec![send(2, false)],
                all(2),
            ]
            .concat(),
        ),
        (
            "add-a-device",
            [
                vec![send(0, false)],
                all(3),
                vec![AddDevice { account: 1 }],
                vec![send(0, false)],
                all(4),
                vec![send(4, false)],
                all(4),
            ]
            .concat(),
        ),
        (
            "add-then-remove",
            [
                vec![AddDevice { account: 0 }, send(2, false)],
                vec![deliver(2), deliver(0)],
                vec![send(2, false)],
                vec![RemoveDevice { device: 2 }],
                all(6),
                vec![Settle, AddDevice { account: 0 }, send(0, true)],
                all(2),
            ]
            .concat(),
        ),
        (
            "replays-and-duplicates",
            [
                vec![send(0, false), send(0, true)],
                vec![Duplicate { index: 0 }, deliver(0)],
                vec![Replay { index: 0 }],
                vec![send(3, false)],
                all(2),
                vec![
                    Replay { index: 1 },
                    Reload { device: 3 },
                    Replay { index: 0 },
                ],
            ]
            .concat(),
        ),
        (
            "tampering",
            [
                vec![send(0, false)],
                vec![
                    Tamper {
                        index: 0,
                        byte: 5,
                        mask: 0x01,
                    },
                    Tamper {
                        index: 0,
                        byte: 200,
                        mask: 0x40,
                    },
                    Tamper {
                        index: 1,
                        byte: 30,
                        mask: 0,
                    },
                ],
                all(3),
                vec![send(2, false)],
                vec![Tamper {
                    index: 0,
                    byte: 100,
                    mask: 0x80,
                }],
                all(3),
            ]
            .concat(),
        ),
        (
            "note-to-self",
            [vec![send(0, true)], all(1), vec![send(1, true)], all(1)].concat(),
        ),
    ];
    for (name, ops) in runs {
        add("multi_device", name, &DeviceOp::encode_all(&ops));
    }
}
