//! The seed corpus of every target, derived from the fixture.

use hushwire::Envelope;

use super::fixture::fixture;
use crate::conversation::{Op, Side};

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
    seeds
}
