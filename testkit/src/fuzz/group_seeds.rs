//! The seeds of the group targets, derived from the group fixture.

use prost::Message;

use super::group::GroupOp;
use super::group_fixture::{group_fixture, unseal_group};
use crate::pb;

/// The identity point (y = 1): an Ed25519 key of small order.
fn low_order_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    key[0] = 1;
    key
}

/// Adds the seeds of `group_distribution`, `group_message`, `group_session` and `group`.
pub(crate) fn group_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    let fixture = group_fixture();
    let flipped = |bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        bytes
    };
    let truncated = |bytes: &[u8]| bytes[..bytes.len() - 1].to_vec();

    // group_distribution: every distribution sent, and edited ones.
    for sent in &fixture.distributions {
        add("group_distribution", &sent.name, &sent.bytes);
    }
    let rotated = fixture
        .distributions
        .iter()
        .find(|d| d.name == "carol1-rotated")
        .expect("Carol 1's rotation");
    let other_key = fixture
        .distributions
        .iter()
        .find(|d| d.name == "acme1-initial")
        .map(|d| {
            pb::SenderKeyDistribution::decode(d.bytes.as_slice())
                .expect("decodes")
                .signing_key
                .clone()
        })
        .expect("Acme 1's first distribution");
    let wire = pb::SenderKeyDistribution::decode(rotated.bytes.as_slice()).expect("decodes");
    let edit = |edit: &dyn Fn(&mut pb::SenderKeyDistribution)| {
        let mut edited = wire.clone();
        edit(&mut edited);
        edited.encode_to_vec()
    };
    for (name, bytes) in [
        (
            "carol1-rotated-other-signing-key",
            edit(&|d| d.signing_key = other_key.clone()),
        ),
        (
            "carol1-rotated-chain-id-bumped",
            edit(&|d| d.chain_id = d.chain_id.wrapping_add(1)),
        ),
        (
            "carol1-rotated-iteration-max",
            edit(&|d| d.iteration = u32::MAX),
        ),
        ("version-2", edit(&|d| d.version = 2)),
        ("group-id-empty", edit(&|d| d.group_id.clear())),
        ("group-id-65-bytes", edit(&|d| d.group_id = vec![7; 65])),
        (
            "chain-key-31-bytes",
            edit(&|d| {
                d.chain_key.pop();
            }),
        ),
        (
            "low-order-signing-key",
            edit(&|d| d.signing_key = low_order_key()),
        ),
        (
            "non-canonical-signing-key",
            edit(&|d| d.signing_key = vec![0xff; 32]),
        ),
        ("flipped", flipped(&rotated.bytes)),
        ("truncated", truncated(&rotated.bytes)),
        ("257-bytes", vec![0; 257]),
        ("empty", Vec::new()),
    ] {
        add("group_distribution", name, &bytes);
    }

    // group_message: every message sent, the signed edits, and edits not signed again.
    for message in &fixture.messages {
        add("group_message", &message.name, &message.bytes);
    }
    for signed in &fixture.signed {
        add("group_message", &signed.name, &signed.bytes);
    }
    let in_flight = fixture
        .messages
        .iter()
        .find(|m| m.name == "carol1-before-rotation")
        .expect("Carol 1's message");
    let outer = pb::GroupMessage::decode(in_flight.bytes.as_slice()).expect("decodes");
    let body = pb::GroupMessageBody::decode(outer.body.as_slice()).expect("decodes");
    let unsigned = |edit: &dyn Fn(&mut pb::GroupMessageBody)| {
        let mut edited = body.clone();
        edit(&mut edited);
        pb::GroupMessage {
            body: edited.encode_to_vec(),
            signature: outer.signature.clone(),
        }
        .encode_to_vec()
    };
    for (name, bytes) in [
        ("unsigned-iteration-bumped", unsigned(&|m| m.iteration += 1)),
        (
            "unsigned-ciphertext-flipped",
            unsigned(&|m| m.ciphertext[0] ^= 1),
        ),
        (
            "unsigned-sender-device-0",
            unsigned(&|m| m.sender_device = 0),
        ),
        (
            "unsigned-ciphertext-15-bytes",
            unsigned(&|m| m.ciphertext.truncate(15)),
        ),
        ("unsigned-version-2", unsigned(&|m| m.version = 2)),
        (
            "unsigned-group-id-65-bytes",
            unsigned(&|m| m.group_id = vec![7; 65]),
        ),
        (
            "signature-63-bytes",
            pb::GroupMessage {
                body: outer.body.clone(),
                signature: outer.signature[..63].to_vec(),
            }
            .encode_to_vec(),
        ),
        ("signature-flipped", flipped(&in_flight.bytes)),
        ("truncated", truncated(&in_flight.bytes)),
        ("empty", Vec::new()),
    ] {
        add("group_message", name, &bytes);
    }

    // group_session: every session's state (inside its stored form), and edited ones.
    for (address, stored) in &fixture.devices {
        let name = format!(
            "{}{}",
            String::from_utf8_lossy(address.account.as_bytes()),
            address.device.get()
        );
        add("group_session", &name, unseal_group(stored));
    }
    let dave = fixture
        .devices
        .iter()
        .find(|(a, _)| a.account.as_bytes() == b"dave")
        .map(|(_, stored)| super::group_fixture::group_state(stored))
        .expect("Dave 1");
    let carol = dave
        .members
        .iter()
        .position(|m| m.account_id == b"carol")
        .expect("Carol 1 is Dave 1's member");
    let with_skipped = dave.members[carol]
        .chains
        .iter()
        .position(|c| c.skipped.len() >= 2)
        .expect("a chain of Carol 1's with stored keys");
    let state = |edit: &dyn Fn(&mut pb::GroupSessionState)| {
        let mut edited = dave.clone();
        edit(&mut edited);
        edited.encode_to_vec()
    };
    let chains_of_carol = |count: u32| {
        move |s: &mut pb::GroupSessionState| {
            let first = s.members[carol].chains[0].clone();
            while s.members[carol].chains.len() < count as usize {
                let mut chain = first.clone();
                chain.chain_id = 1000 + s.members[carol].chains.len() as u32;
                s.members[carol].chains.push(chain);
            }
        }
    };
    for (name, bytes) in [
        ("dave1-six-chains-of-carol1", state(&chains_of_carol(6))),
        (
            "dave1-65-chains-of-carol1",
            state(&|s| s.members[carol].chains = vec![pb::GroupReceiverChain::default(); 65]),
        ),
        (
            "dave1-carol1-twice",
            state(&|s| {
                let member = s.members[carol].clone();
                s.members.insert(carol, member);
            }),
        ),
        (
            "dave1-members-out-of-order",
            state(&|s| s.members.swap(0, 1)),
        ),
        (
            "dave1-itself-a-member",
            state(&|s| {
                s.members[carol].account_id = s.local_account.clone();
                s.members[carol].device_id = s.local_device;
                s.members.sort_by(|a, b| {
                    (&a.account_id, a.device_id).cmp(&(&b.account_id, b.device_id))
                });
            }),
        ),
        (
            "dave1-chain-id-twice",
            state(&|s| {
                let id = s.members[carol].chains[0].chain_id;
                s.members[carol].chains[1].chain_id = id;
            }),
        ),
        (
            "dave1-stored-key-at-the-chain",
            state(&|s| {
                let chain = &mut s.members[carol].chains[with_skipped];
                let last = chain.skipped.len() - 1;
                chain.skipped[last].iteration = chain.iteration;
            }),
        ),
        (
            "dave1-stored-keys-out-of-order",
            state(&|s| s.members[carol].chains[with_skipped].skipped.swap(0, 1)),
        ),
        (
            "dave1-low-order-member-key",
            state(&|s| s.members[carol].chains[0].signing_key = low_order_key()),
        ),
        (
            "dave1-member-device-0",
            state(&|s| s.members[carol].device_id = 0),
        ),
        ("dave1-iteration-max", state(&|s| s.iteration = u32::MAX)),
        ("dave1-no-members", state(&|s| s.members.clear())),
        ("version-2", state(&|s| s.version = 2)),
        ("group-id-65-bytes", state(&|s| s.group_id = vec![7; 65])),
        ("local-device-0", state(&|s| s.local_device = 0)),
        (
            "signing-seed-31-bytes",
            state(&|s| {
                s.signing_seed.pop();
            }),
        ),
        ("empty", Vec::new()),
    ] {
        add("group_session", name, &bytes);
    }

    // group: scripted runs. Devices by index: Acme 1, Acme 2, Carol 1, Dave 1, then as added.
    use GroupOp::*;
    let send = |device| Send { device };
    let deliver = |index| Deliver { index };
    let all = |n: usize| vec![deliver(0); n];
    let runs: Vec<(&str, Vec<GroupOp>)> = vec![
        (
            "everyone-talks",
            [
                vec![send(0)],
                all(3),
                vec![send(1)],
                all(3),
                vec![send(2)],
                all(3),
                vec![send(3)],
                all(3),
            ]
            .concat(),
        ),
        (
            "out-of-order-and-drops",
            [
                vec![send(0), send(0), send(0)],
                vec![deliver(8), deliver(2), Drop { index: 0 }, deliver(4)],
                vec![send(2), deliver(7), deliver(6), Drop { index: 1 }],
                all(6),
            ]
            .concat(),
        ),
        (
            "remove-with-messages-in-flight",
            [
                vec![send(0), send(3)],
                vec![Remove { device: 3 }],
                all(6),
                vec![send(3)],
                all(3),
                vec![
                    send(0),
                    Replay {
                        message: 0,
                        device: 3,
                    },
                ],
                all(2),
            ]
            .concat(),
        ),
        (
            "add-a-member",
            [
                vec![send(1), Add { account: 3 }],
                vec![Replay {
                    message: 0,
                    device: 4,
                }],
                vec![send(4)],
                all(7),
                vec![send(0)],
                all(4),
            ]
            .concat(),
        ),
        (
            "rotations",
            [
                vec![send(2), send(2), deliver(0)],
                vec![Rotate { device: 2 }, send(2), deliver(5)],
                vec![Rotate { device: 2 }; 4],
                all(6),
                vec![send(2)],
                all(3),
            ]
            .concat(),
        ),
        (
            "replays-and-duplicates-with-reloads",
            [
                vec![send(0), Duplicate { index: 0 }, deliver(0)],
                vec![
                    Replay {
                        message: 0,
                        device: 1,
                    },
                    Reload { device: 1 },
                    Replay {
                        message: 0,
                        device: 1,
                    },
                ],
                vec![send(1), Reload { device: 2 }],
                all(4),
                vec![
                    Replay {
                        message: 0,
                        device: 2,
                    },
                    Replay {
                        message: 1,
                        device: 0,
                    },
                ],
            ]
            .concat(),
        ),
        (
            "tampering",
            [
                vec![send(0)],
                vec![
                    Tamper {
                        index: 0,
                        byte: 5,
                        mask: 0x01,
                    },
                    Tamper {
                        index: 1,
                        byte: 200,
                        mask: 0x40,
                    },
                    Tamper {
                        index: 2,
                        byte: 30,
                        mask: 0,
                    },
                    Tamper {
                        index: 0,
                        byte: 40,
                        mask: 0x02,
                    },
                ],
                all(3),
            ]
            .concat(),
        ),
        (
            "removed-member-reads-only-what-came-before",
            [
                vec![send(0), send(2), Remove { device: 1 }],
                vec![send(0), send(2)],
                vec![
                    Replay {
                        message: 0,
                        device: 1,
                    },
                    Replay {
                        message: 1,
                        device: 1,
                    },
                    Replay {
                        message: 2,
                        device: 1,
                    },
                    Replay {
                        message: 3,
                        device: 1,
                    },
                ],
                all(12),
            ]
            .concat(),
        ),
        (
            "add-remove-add-and-rotate",
            [
                vec![Add { account: 0 }, send(4), Remove { device: 0 }],
                all(4),
                vec![Add { account: 1 }, Rotate { device: 0 }, send(0), send(5)],
                vec![Reload { device: 5 }],
                all(8),
                vec![Remove { device: 4 }, send(2)],
                all(4),
            ]
            .concat(),
        ),
    ];
    for (name, ops) in runs {
        add("group", name, &GroupOp::encode_all(&ops));
    }
}
