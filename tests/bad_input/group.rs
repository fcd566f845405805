//! Bad input to groups (SPEC.md section 15): distributions that fail decoding (15.2) or that a
//! session refuses to take in, group messages that fail decoding (15.3) or decryption (15.4),
//! membership changes a session refuses (15.5), encryption that cannot proceed, and stored
//! group sessions that fail to load (15.6); each with its exact error, the decoding, taking-in,
//! decryption and loading orders, and, where a session is involved, that it is left exactly as
//! it was (its stored bytes compared before and after).
//!
//! Inputs are genuine distributions, messages and stored sessions re-encoded with the prost
//! types after one edit, and re-signed with the sender's signing seed (read from its stored
//! state, `GroupSessionState.signing_seed`, and used with `hazmat::sign_certificate_body`) or
//! re-sealed with the stored-group-session checksum (`sha2`, SPEC.md 15.6), so that only the
//! edit is wrong; or raw bytes where the edit cannot be made with the prost types
//! (non-canonical forms).

use crate::common::*;
use crate::pb;
use crate::support::{non_canonical_identity_key, off_curve_identity_key};
use hushwire::hazmat::{SignedObject, sign_certificate_body};
use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, DistributionOutcome, Error, ErrorCategory, GroupId,
    GroupMessage, GroupSession, IdentityKeyPair, MAX_DISTRIBUTION_LEN, MAX_GROUP_ID_LEN,
    MAX_GROUP_MEMBERS, MAX_GROUP_MESSAGE_OVERHEAD, MAX_SENDER_KEY_CHAINS, MAX_STORED_ENTRIES,
    MAX_STORED_GROUP_LEN, SenderKeyDistribution,
};
use prost::Message;
use sha2::{Digest, Sha256};

/// SPEC.md 15.6's checksum label.
const STORED_GROUP_LABEL: &[u8] = b"hushwire/v1/stored-group-session";

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account.as_bytes().to_vec()).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

fn acme() -> DeviceAddress {
    address("acme", 1)
}

fn carol() -> DeviceAddress {
    address("carol", 1)
}

fn dave() -> DeviceAddress {
    address("dave", 1)
}

fn group() -> GroupId {
    GroupId::new(b"acme-support-7".to_vec()).unwrap()
}

/// The sessions of `members` (in that order) under `config`, each having taken in every
/// other's distribution through its encoding, as it would arrive in a pairwise session.
fn group_of(
    seed: u64,
    members: &[DeviceAddress],
    config: &Config,
) -> (ChaCha20Rng, Vec<GroupSession>) {
    let mut rng = rng(seed);
    let mut sessions: Vec<GroupSession> = members
        .iter()
        .map(|local| {
            let others = members.iter().filter(|a| *a != local).cloned();
            GroupSession::create(&mut rng, group(), local.clone(), others, config).unwrap()
        })
        .collect();
    let distributions: Vec<_> = sessions
        .iter()
        .map(|s| (s.local().clone(), s.distribution().encode()))
        .collect();
    for s in &mut sessions {
        for (from, d) in &distributions {
            if from != s.local() {
                let d = SenderKeyDistribution::decode(d).unwrap();
                assert_eq!(
                    s.process_distribution(from, &d).unwrap(),
                    DistributionOutcome::Added
                );
            }
        }
    }
    (rng, sessions)
}

/// Acme, Carol and Dave (device 1 each), under the test kit's configuration.
fn trio(seed: u64) -> (ChaCha20Rng, Vec<GroupSession>) {
    group_of(seed, &[acme(), carol(), dave()], &config())
}

fn stored(s: &GroupSession) -> Vec<u8> {
    s.to_stored().as_bytes().to_vec()
}

/// SHA-256(0x20 || "hushwire/v1/stored-group-session" || state): the checksum, from the spec.
fn seal_group(state: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update([STORED_GROUP_LABEL.len() as u8]);
    hash.update(STORED_GROUP_LABEL);
    hash.update(state);
    let checksum: [u8; 32] = hash.finalize().into();
    [state, &checksum[..]].concat()
}

/// The `GroupSessionState` encoding inside a stored group session (its checksum checked).
fn unseal_group(stored: &[u8]) -> &[u8] {
    let (state, _) = stored.split_at(stored.len() - 32);
    assert_eq!(seal_group(state), stored, "not a stored group session");
    state
}

fn state_of(s: &GroupSession) -> pb::GroupSessionState {
    pb::GroupSessionState::decode(unseal_group(&stored(s))).unwrap()
}

/// `s`'s stored form after `edit` changed its state, re-encoded canonically and re-sealed.
fn edit_state(s: &GroupSession, edit: impl FnOnce(&mut pb::GroupSessionState)) -> Vec<u8> {
    let mut state = state_of(s);
    edit(&mut state);
    seal_group(&state.encode_to_vec())
}

/// The error `GroupSession::from_stored` returns for `bytes` under the test configuration.
fn load_error(bytes: &[u8]) -> Error {
    GroupSession::from_stored(bytes, &config()).unwrap_err()
}

/// `s`'s signing seed, read from its stored state.
fn seed_of(s: &GroupSession) -> [u8; 32] {
    state_of(s).signing_seed.as_slice().try_into().unwrap()
}

/// A `GroupMessage` of `body` signed by the key with `seed` (SPEC.md 15.3).
fn sign(seed: &[u8; 32], body: Vec<u8>) -> Vec<u8> {
    let signature = sign_certificate_body(seed, SignedObject::GroupMessage, &body).to_vec();
    pb::GroupMessage { body, signature }.encode_to_vec()
}

fn outer_of(m: &GroupMessage) -> pb::GroupMessage {
    pb::GroupMessage::decode(m.encode().as_slice()).unwrap()
}

fn body_of(m: &GroupMessage) -> pb::GroupMessageBody {
    pb::GroupMessageBody::decode(outer_of(m).body.as_slice()).unwrap()
}

/// `m` after `edit` changed its body, re-signed with `seed`.
fn resigned(
    seed: &[u8; 32],
    m: &GroupMessage,
    edit: impl FnOnce(&mut pb::GroupMessageBody),
) -> Vec<u8> {
    let mut body = body_of(m);
    edit(&mut body);
    sign(seed, body.encode_to_vec())
}

/// `m` after `edit` changed its body, the signature left as it was.
fn unsigned_edit(m: &GroupMessage, edit: impl FnOnce(&mut pb::GroupMessageBody)) -> Vec<u8> {
    let mut outer = outer_of(m);
    let mut body = body_of(m);
    edit(&mut body);
    outer.body = body.encode_to_vec();
    outer.encode_to_vec()
}

/// The error `s` returns for `bytes` (through `decrypt_bytes`, and through `decode` then
/// `decrypt` when it decodes), after checking that its stored form did not change.
fn decrypt_error(s: &mut GroupSession, bytes: &[u8]) -> Error {
    let before = stored(s);
    let error = s.decrypt_bytes(bytes).unwrap_err();
    assert_eq!(stored(s), before, "state changed after a refused message");
    let config = *s.config();
    if let Ok(message) = GroupMessage::decode(bytes, &config) {
        assert_eq!(s.decrypt(&message).unwrap_err(), error);
        assert_eq!(stored(s), before, "state changed after a refused message");
    }
    error
}

/// The error of taking in `d` from `from`, after checking that `s` did not change.
fn process_error(s: &mut GroupSession, from: &DeviceAddress, d: &SenderKeyDistribution) -> Error {
    let before = stored(s);
    let error = s.process_distribution(from, d).unwrap_err();
    assert_eq!(
        stored(s),
        before,
        "state changed after a refused distribution"
    );
    error
}

/// The neutral element (y = 1) and the point of order 2 (y = −1): Ed25519 keys of small
/// order.
fn low_order_keys() -> [Vec<u8>; 2] {
    let mut neutral = vec![0u8; 32];
    neutral[0] = 1;
    let mut order_two = vec![0xffu8; 32];
    order_two[0] = 0xec;
    order_two[31] = 0x7f;
    [neutral, order_two]
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

/// A length-delimited field: `tag`, the length, `bytes`.
fn field(tag: u8, bytes: &[u8]) -> Vec<u8> {
    [vec![tag], varint(bytes.len() as u64), bytes.to_vec()].concat()
}

// ---------------------------------------------------------------------------------------
// Distributions: SPEC.md 15.2 decoding
// ---------------------------------------------------------------------------------------

/// Acme's session (with Carol), two messages sent: its distribution is at iteration 2, so
/// every field is encoded.
fn acme_session(seed: u64) -> GroupSession {
    let mut rng = rng(seed);
    let mut s = GroupSession::create(&mut rng, group(), acme(), [carol()], &config()).unwrap();
    s.encrypt(b"one").unwrap();
    s.encrypt(b"two").unwrap();
    s
}

fn genuine_distribution() -> Vec<u8> {
    acme_session(300).distribution().encode().to_vec()
}

fn distribution_pb() -> pb::SenderKeyDistribution {
    pb::SenderKeyDistribution::decode(genuine_distribution().as_slice()).unwrap()
}

/// The genuine distribution after `edit`, re-encoded.
fn edit_distribution(edit: impl FnOnce(&mut pb::SenderKeyDistribution)) -> Vec<u8> {
    let mut d = distribution_pb();
    edit(&mut d);
    d.encode_to_vec()
}

fn distribution_error(bytes: &[u8]) -> Error {
    SenderKeyDistribution::decode(bytes).unwrap_err()
}

#[test]
fn distributions_that_are_too_large() {
    // Re-encoding the genuine distribution reproduces it: the editors change only the edit.
    assert_eq!(edit_distribution(|_| {}), genuine_distribution());
    // Checked before parsing: zeros would be a parse error.
    for len in [MAX_DISTRIBUTION_LEN + 1, 10_000] {
        assert_eq!(
            distribution_error(&vec![0u8; len]),
            Error::TooLarge {
                len,
                max: MAX_DISTRIBUTION_LEN
            }
        );
    }
    assert_eq!(
        distribution_error(&vec![0u8; MAX_DISTRIBUTION_LEN]),
        Error::MalformedProtobuf
    );
    // A genuine distribution grown to 257 bytes by its chain key: its size is reported, not the
    // key's length; at 256 bytes, the key's length.
    let grown = |target: usize| {
        (32..MAX_DISTRIBUTION_LEN)
            .map(|n| edit_distribution(|d| d.chain_key.resize(n, 7)))
            .find(|bytes| bytes.len() == target)
            .unwrap()
    };
    assert_eq!(
        distribution_error(&grown(MAX_DISTRIBUTION_LEN + 1)),
        Error::TooLarge {
            len: MAX_DISTRIBUTION_LEN + 1,
            max: MAX_DISTRIBUTION_LEN
        }
    );
    assert!(matches!(
        distribution_error(&grown(MAX_DISTRIBUTION_LEN)),
        Error::InvalidLength {
            field: "chain_key",
            ..
        }
    ));
    // The largest genuine distribution (a 64-byte group id, the largest chain id and
    // iteration) is well within the bound.
    let mut rng = rng(301);
    let long = GroupId::new(vec![b'g'; MAX_GROUP_ID_LEN]).unwrap();
    let s = GroupSession::create(&mut rng, long, acme(), [carol()], &config()).unwrap();
    let mut d = pb::SenderKeyDistribution::decode(s.distribution().encode().as_slice()).unwrap();
    d.chain_id = u32::MAX;
    d.iteration = u32::MAX;
    let largest = d.encode_to_vec();
    assert!(
        largest.len() < MAX_DISTRIBUTION_LEN * 2 / 3,
        "{}",
        largest.len()
    );
    let decoded = SenderKeyDistribution::decode(&largest).unwrap();
    assert_eq!(decoded.iteration(), u32::MAX);
}

#[test]
fn distributions_that_do_not_parse_or_are_not_canonical() {
    let genuine = genuine_distribution();
    for cut in [1, 3, 10, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            distribution_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    // Wire type 7, field number 0, the group id as a varint.
    for bad in [vec![0x0f], vec![0x00], vec![0x08, 0x01, 0x10, 0x01]] {
        assert_eq!(distribution_error(&bad), Error::MalformedProtobuf);
    }
    // An unknown field, a non-minimal varint, the version twice, the iteration after the
    // keys, an explicit zero iteration (a fresh sender key's is 0, and left out).
    assert_eq!(genuine[..2], [0x08, 0x01]);
    let d = distribution_pb();
    let out_of_order = {
        let mut d = d.clone();
        let iteration = d.iteration;
        d.iteration = 0;
        [d.encode_to_vec(), vec![0x20], varint(u64::from(iteration))].concat()
    };
    let explicit_zero = {
        let mut head = d.clone();
        head.iteration = 0;
        head.chain_key.clear();
        head.signing_key.clear();
        [
            head.encode_to_vec(),
            vec![0x20, 0x00],
            field(0x2a, &d.chain_key),
            field(0x32, &d.signing_key),
        ]
        .concat()
    };
    for bad in [
        [genuine.clone(), vec![0x38, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], genuine[2..].to_vec()].concat(),
        [vec![0x08, 0x01], genuine.clone()].concat(),
        out_of_order,
        explicit_zero,
    ] {
        assert_eq!(
            distribution_error(&bad),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // Control: the explicit zero left out decodes, at iteration 0.
    let mut zero = d.clone();
    zero.iteration = 0;
    let zero = SenderKeyDistribution::decode(&zero.encode_to_vec()).unwrap();
    assert_eq!(zero.iteration(), 0);
}

#[test]
fn distributions_of_another_version() {
    for version in [0u32, 2, 3, u32::MAX] {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    assert_eq!(
        distribution_error(&[]),
        Error::UnsupportedVersion { found: 0 }
    );
}

#[test]
fn distributions_with_a_bad_group_id() {
    for len in [0usize, MAX_GROUP_ID_LEN + 1] {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.group_id = vec![b'g'; len])),
            Error::InvalidGroupId { len }
        );
    }
    for len in [1usize, MAX_GROUP_ID_LEN] {
        assert!(
            SenderKeyDistribution::decode(&edit_distribution(|d| d.group_id = vec![0; len]))
                .is_ok()
        );
    }
}

#[test]
fn distributions_with_a_chain_key_of_the_wrong_length() {
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.chain_key = vec![9; len])),
            Error::InvalidLength {
                field: "chain_key",
                expected: 32,
                found: len
            }
        );
    }
}

#[test]
fn distributions_with_a_bad_signing_key() {
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.signing_key = vec![9; len])),
            Error::InvalidLength {
                field: "signing_key",
                expected: 32,
                found: len
            }
        );
    }
    for key in low_order_keys() {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.signing_key = key)),
            Error::LowOrderPublicKey
        );
    }
    for key in [off_curve_identity_key(), non_canonical_identity_key()] {
        assert_eq!(
            distribution_error(&edit_distribution(|d| d.signing_key = key)),
            Error::InvalidPublicKey
        );
    }
}

/// SPEC.md 15.2's decoding order: when two things are wrong, the earlier step's error.
#[test]
fn distribution_decoding_steps_apply_in_order() {
    // Size before parsing.
    assert_eq!(
        distribution_error(&vec![0xff; MAX_DISTRIBUTION_LEN + 1]),
        Error::TooLarge {
            len: MAX_DISTRIBUTION_LEN + 1,
            max: MAX_DISTRIBUTION_LEN
        }
    );
    // Canonical before version.
    let v2 = edit_distribution(|d| d.version = 2);
    assert_eq!(
        distribution_error(&[v2, vec![0x38, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
    // Version before group id, group id before chain key, chain key before signing key.
    assert_eq!(
        distribution_error(&edit_distribution(|d| {
            d.version = 2;
            d.group_id.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        distribution_error(&edit_distribution(|d| {
            d.group_id.clear();
            d.chain_key.clear();
        })),
        Error::InvalidGroupId { len: 0 }
    );
    assert_eq!(
        distribution_error(&edit_distribution(|d| {
            d.chain_key.pop();
            d.signing_key = low_order_keys()[0].clone();
        })),
        Error::InvalidLength {
            field: "chain_key",
            expected: 32,
            found: 31
        }
    );
}

// ---------------------------------------------------------------------------------------
// Distributions: SPEC.md 15.2 taking one in
// ---------------------------------------------------------------------------------------

/// `d` after `edit`, through its encoding.
fn edited_distribution(
    d: &SenderKeyDistribution,
    edit: impl FnOnce(&mut pb::SenderKeyDistribution),
) -> SenderKeyDistribution {
    let mut wire = pb::SenderKeyDistribution::decode(d.encode().as_slice()).unwrap();
    edit(&mut wire);
    SenderKeyDistribution::decode(&wire.encode_to_vec()).unwrap()
}

#[test]
fn distributions_for_another_group() {
    let (mut rng, mut s) = trio(310);
    let d = s[0].distribution();
    // Acme's own distribution with the group id changed (a longer id, a shorter one, one byte
    // changed), under a new chain id so that, but for the group, it would be taken in.
    for other in [&b"acme-support-70"[..], b"acme-support-", b"acme-support-8"] {
        let other = edited_distribution(&d, |w| {
            w.group_id = other.to_vec();
            w.chain_id ^= 1;
        });
        assert_eq!(process_error(&mut s[1], &acme(), &other), Error::WrongGroup);
    }
    // A session of another group with the same members.
    let elsewhere = GroupSession::create(
        &mut rng,
        GroupId::new(b"acme-billing".to_vec()).unwrap(),
        acme(),
        [carol(), dave()],
        &config(),
    )
    .unwrap();
    assert_eq!(
        process_error(&mut s[1], &acme(), &elsewhere.distribution()),
        Error::WrongGroup
    );
    // Control: the same distribution with the group id put back is taken in.
    let back = edited_distribution(&d, |w| w.chain_id ^= 1);
    assert_eq!(
        s[1].process_distribution(&acme(), &back).unwrap(),
        DistributionOutcome::Added
    );
}

#[test]
fn distributions_from_a_device_that_is_not_a_member() {
    let (mut rng, mut s) = trio(311);
    // Another device of a member's account, and an account that was never a member.
    let fresh = edited_distribution(&s[0].distribution(), |w| w.chain_id ^= 1);
    for (from, device) in [(address("acme", 2), 2), (address("erin", 7), 7)] {
        assert_eq!(
            process_error(&mut s[1], &from, &fresh),
            Error::NotAGroupMember { device }
        );
    }
    // Ourselves: our own distribution, and a fresh chain claimed to come from us.
    let own = s[1].distribution();
    assert_eq!(
        process_error(&mut s[1], &carol(), &own),
        Error::NotAGroupMember { device: 1 }
    );
    assert_eq!(
        process_error(&mut s[1], &carol(), &fresh),
        Error::NotAGroupMember { device: 1 }
    );
    // A removed member: its chain already held and its new one after it rotated.
    let old = s[2].distribution();
    assert_eq!(
        s[1].process_distribution(&dave(), &old).unwrap(),
        DistributionOutcome::AlreadyHeld
    );
    s[1].remove_member(&mut rng, &dave()).unwrap();
    let new = s[2].rotate(&mut rng);
    for d in [&old, &new] {
        assert_eq!(
            process_error(&mut s[1], &dave(), d),
            Error::NotAGroupMember { device: 1 }
        );
    }
}

#[test]
fn distributions_conflicting_with_a_held_chain() {
    let (mut rng, mut s) = trio(312);
    let m = s[0].encrypt(b"held").unwrap();
    let d = s[0].distribution();
    let other = IdentityKeyPair::generate(&mut rng);
    let other_key = other.public_key().to_bytes().to_vec();
    // The same chain id with another signing key: alone, and with another chain key and
    // iteration too.
    let conflicting = [
        edited_distribution(&d, |w| w.signing_key = other_key.clone()),
        edited_distribution(&d, |w| {
            w.signing_key = other_key.clone();
            w.chain_key = vec![5; 32];
            w.iteration = 0;
        }),
    ];
    for c in &conflicting {
        assert_eq!(
            process_error(&mut s[1], &acme(), c),
            Error::SenderKeyConflict {
                chain_id: d.chain_id()
            }
        );
    }
    // An older chain of Acme's, still held after Acme rotated.
    let first = d.chain_id();
    let rotated = s[0].rotate(&mut rng);
    s[1].process_distribution(&acme(), &rotated).unwrap();
    assert_eq!(
        process_error(&mut s[1], &acme(), &conflicting[1]),
        Error::SenderKeyConflict { chain_id: first }
    );
    // The held chain is kept: the genuine message decrypts, and one signed with the
    // conflicting key's seed does not.
    let forged = resigned(other.to_seed().as_bytes(), &m, |_| {});
    assert_eq!(decrypt_error(&mut s[1], &forged), Error::InvalidSignature);
    assert_eq!(s[1].decrypt(&m).unwrap(), b"held");
    // Control: the same key at another iteration is a repeat, and changes nothing.
    let before = stored(&s[1]);
    let again = edited_distribution(&d, |w| w.iteration = 0);
    assert_eq!(
        s[1].process_distribution(&acme(), &again).unwrap(),
        DistributionOutcome::AlreadyHeld
    );
    assert_eq!(stored(&s[1]), before);
}

/// SPEC.md 15.2's order of taking a distribution in: group, member, conflict.
#[test]
fn distribution_steps_apply_in_order() {
    let (mut rng, mut s) = trio(313);
    let d = s[0].distribution();
    let other = IdentityKeyPair::generate(&mut rng)
        .public_key()
        .to_bytes()
        .to_vec();
    // Another group, from a non-member.
    let other_group = edited_distribution(&d, |w| w.group_id = b"elsewhere".to_vec());
    assert_eq!(
        process_error(&mut s[1], &address("erin", 3), &other_group),
        Error::WrongGroup
    );
    // Another group, conflicting with a held chain.
    let both = edited_distribution(&d, |w| {
        w.group_id = b"elsewhere".to_vec();
        w.signing_key = other.clone();
    });
    assert_eq!(process_error(&mut s[1], &acme(), &both), Error::WrongGroup);
    // A non-member, with the chain id of a member's held chain and another key.
    let conflicting = edited_distribution(&d, |w| w.signing_key = other.clone());
    assert_eq!(
        process_error(&mut s[1], &address("acme", 3), &conflicting),
        Error::NotAGroupMember { device: 3 }
    );
    assert_eq!(
        process_error(&mut s[1], &acme(), &conflicting),
        Error::SenderKeyConflict {
            chain_id: d.chain_id()
        }
    );
}

// ---------------------------------------------------------------------------------------
// Group messages: SPEC.md 15.3 decoding
// ---------------------------------------------------------------------------------------

/// A genuine message of Acme's at iteration 1 (so every body field is encoded), and Acme's
/// signing seed.
fn genuine_message() -> (GroupMessage, [u8; 32]) {
    let mut rng = rng(400);
    let mut s = GroupSession::create(&mut rng, group(), acme(), [carol()], &config()).unwrap();
    s.encrypt(b"zero").unwrap();
    let m = s.encrypt(b"genuine").unwrap();
    (m, seed_of(&s))
}

/// The genuine message after `edit` changed its body, re-signed by Acme.
fn edit_message(edit: impl FnOnce(&mut pb::GroupMessageBody)) -> Vec<u8> {
    let (m, seed) = genuine_message();
    resigned(&seed, &m, edit)
}

fn message_error(bytes: &[u8]) -> Error {
    GroupMessage::decode(bytes, &config()).unwrap_err()
}

#[test]
fn group_messages_that_are_too_large() {
    let (m, seed) = genuine_message();
    // Re-signing the genuine body reproduces the genuine message (Ed25519 is deterministic):
    // the editors change only the edit.
    assert_eq!(resigned(&seed, &m, |_| {}), m.encode());
    let max = config().max_encoded_len;
    for len in [max + 1, max + 1000] {
        assert_eq!(message_error(&vec![0u8; len]), Error::TooLarge { len, max });
    }
    assert_eq!(message_error(&vec![0u8; max]), Error::MalformedProtobuf);
    // Under a lower limit, the genuine message grown to one byte past it by its signature
    // field: its size is reported, not the signature's length.
    let mut small = config();
    small.max_encoded_len = 1000;
    let grown = (64..1000)
        .map(|n| {
            let mut outer = outer_of(&m);
            outer.signature.resize(n, 3);
            outer.encode_to_vec()
        })
        .find(|bytes| bytes.len() == 1001)
        .unwrap();
    assert_eq!(
        GroupMessage::decode(&grown, &small).unwrap_err(),
        Error::TooLarge {
            len: 1001,
            max: 1000
        }
    );
    // A session applies its own limit.
    let (_, mut s) = group_of(401, &[acme(), carol()], &small);
    assert_eq!(
        decrypt_error(&mut s[1], &grown),
        Error::TooLarge {
            len: 1001,
            max: 1000
        }
    );
    assert!(GroupMessage::decode(&m.encode(), &small).is_ok());
}

#[test]
fn group_messages_that_do_not_parse() {
    let (m, seed) = genuine_message();
    let genuine = m.encode();
    for cut in [1, 3, 20, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            message_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    // Wire type 7, field number 0, the body as a varint.
    for bad in [vec![0x0f], vec![0x00], vec![0x08, 0x01]] {
        assert_eq!(message_error(&bad), Error::MalformedProtobuf);
    }
    // The body cut short, re-signed; the body's group id as a varint.
    let body = outer_of(&m).body;
    assert_eq!(
        message_error(&sign(&seed, body[..body.len() - 1].to_vec())),
        Error::MalformedProtobuf
    );
    assert_eq!(
        message_error(&sign(&seed, vec![0x08, 0x01, 0x10, 0x01])),
        Error::MalformedProtobuf
    );
}

#[test]
fn group_messages_that_are_not_canonical() {
    let (m, seed) = genuine_message();
    let genuine = m.encode();
    let outer = outer_of(&m);
    let body_field = field(0x0a, &outer.body);
    let signature_field = field(0x12, &outer.signature);
    assert_eq!(
        genuine,
        [body_field.clone(), signature_field.clone()].concat()
    );
    // The outer message: an unknown field, the signature before the body, the body twice.
    for bad in [
        [genuine.clone(), vec![0x18, 0x01]].concat(),
        [signature_field.clone(), body_field.clone()].concat(),
        [body_field.clone(), body_field.clone(), signature_field].concat(),
    ] {
        assert_eq!(message_error(&bad), Error::NonCanonicalEncoding);
    }
    // The body, re-signed: an unknown field, a non-minimal varint, the version twice, the
    // iteration after the ciphertext, a sender device wider than uint32 (2^32 + 1 truncates
    // to 1), an explicit zero iteration (a chain's first message leaves it out).
    let body = outer.body.clone();
    assert_eq!(body[..2], [0x08, 0x01]);
    let b = body_of(&m);
    let out_of_order = {
        let mut head = b.clone();
        head.iteration = 0;
        [
            head.encode_to_vec(),
            vec![0x30],
            varint(u64::from(b.iteration)),
        ]
        .concat()
    };
    let up_to = |b: &pb::GroupMessageBody, last: u8| {
        let mut head = b.clone();
        if last < 6 {
            head.iteration = 0;
        }
        if last < 5 {
            head.chain_id = 0;
        }
        if last < 4 {
            head.sender_device = 0;
        }
        head.ciphertext.clear();
        head.encode_to_vec()
    };
    let wide_device = [up_to(&b, 3), vec![0x20], varint((1 << 32) + 1), {
        let mut tail = b.clone();
        tail.version = 0;
        tail.group_id.clear();
        tail.sender_account.clear();
        tail.sender_device = 0;
        tail.encode_to_vec()
    }]
    .concat();
    let explicit_zero = [up_to(&b, 5), vec![0x30, 0x00], field(0x3a, &b.ciphertext)].concat();
    for bad in [
        [body.clone(), vec![0x40, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], body[2..].to_vec()].concat(),
        [vec![0x08, 0x01], body.clone()].concat(),
        out_of_order,
        wide_device,
        explicit_zero,
    ] {
        assert_eq!(
            message_error(&sign(&seed, bad.clone())),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // Controls: the device written canonically, and iteration 0 left out, decode.
    let device_1 = [up_to(&b, 3), vec![0x20, 0x01], {
        let mut tail = b.clone();
        tail.version = 0;
        tail.group_id.clear();
        tail.sender_account.clear();
        tail.sender_device = 0;
        tail.encode_to_vec()
    }]
    .concat();
    let decoded = GroupMessage::decode(&sign(&seed, device_1), &config()).unwrap();
    assert_eq!(decoded.sender(), &acme());
    let zero = [up_to(&b, 5), field(0x3a, &b.ciphertext)].concat();
    assert_eq!(
        GroupMessage::decode(&sign(&seed, zero), &config())
            .unwrap()
            .iteration(),
        0
    );
}

#[test]
fn group_messages_of_another_version() {
    for version in [0u32, 2, 3, u32::MAX] {
        assert_eq!(
            message_error(&edit_message(|b| b.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    // An empty body, and an empty message, are version 0.
    let (_, seed) = genuine_message();
    assert_eq!(
        message_error(&sign(&seed, Vec::new())),
        Error::UnsupportedVersion { found: 0 }
    );
    assert_eq!(message_error(&[]), Error::UnsupportedVersion { found: 0 });
}

#[test]
fn group_messages_with_a_bad_group_id() {
    for len in [0usize, MAX_GROUP_ID_LEN + 1, 1000] {
        assert_eq!(
            message_error(&edit_message(|b| b.group_id = vec![b'g'; len])),
            Error::InvalidGroupId { len }
        );
    }
    for len in [1usize, MAX_GROUP_ID_LEN] {
        assert!(
            GroupMessage::decode(&edit_message(|b| b.group_id = vec![0; len]), &config()).is_ok()
        );
    }
}

#[test]
fn group_messages_with_a_bad_sender_account() {
    for len in [0usize, 256, 1000] {
        assert_eq!(
            message_error(&edit_message(|b| b.sender_account = vec![b'a'; len])),
            Error::InvalidAccountId { len }
        );
    }
    for len in [1usize, 255] {
        assert!(
            GroupMessage::decode(
                &edit_message(|b| b.sender_account = vec![0; len]),
                &config()
            )
            .is_ok()
        );
    }
}

#[test]
fn group_messages_with_a_sender_device_0() {
    assert_eq!(
        message_error(&edit_message(|b| b.sender_device = 0)),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    let m = GroupMessage::decode(&edit_message(|b| b.sender_device = u32::MAX), &config()).unwrap();
    assert_eq!(m.sender().device.get(), u32::MAX);
}

#[test]
fn group_messages_with_a_ciphertext_shorter_than_the_tag() {
    for len in [0usize, 1, 15] {
        assert_eq!(
            message_error(&edit_message(|b| b.ciphertext.truncate(len))),
            Error::InvalidLength {
                field: "ciphertext",
                expected: 16,
                found: len
            }
        );
    }
    // 16 bytes (an empty plaintext's tag) decode.
    assert!(GroupMessage::decode(&edit_message(|b| b.ciphertext.truncate(16)), &config()).is_ok());
}

#[test]
fn group_message_signatures_of_the_wrong_length() {
    let (m, _) = genuine_message();
    for len in [0usize, 1, 63, 65, 128] {
        let mut outer = outer_of(&m);
        outer.signature.resize(len, 3);
        assert_eq!(
            message_error(&outer.encode_to_vec()),
            Error::InvalidLength {
                field: "signature",
                expected: 64,
                found: len
            }
        );
    }
    // 64 zero bytes decode: whether they verify is decryption's question.
    let mut outer = outer_of(&m);
    outer.signature = vec![0; 64];
    assert!(GroupMessage::decode(&outer.encode_to_vec(), &config()).is_ok());
}

/// SPEC.md 15.3's decoding order: when two things are wrong, the earlier step's error.
#[test]
fn group_message_decoding_steps_apply_in_order() {
    let (m, seed) = genuine_message();
    let max = config().max_encoded_len;
    // Size before parsing.
    assert_eq!(
        message_error(&vec![0xff; max + 1]),
        Error::TooLarge { len: max + 1, max }
    );
    // The outer message before its body: an unknown outer field around a body that does not
    // parse.
    let bad_body = pb::GroupMessage {
        body: vec![0xff],
        signature: vec![1; 64],
    };
    assert_eq!(
        message_error(&[bad_body.encode_to_vec(), vec![0x18, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
    // The body's encoding before its version.
    let mut v2 = body_of(&m);
    v2.version = 2;
    assert_eq!(
        message_error(&sign(
            &seed,
            [v2.encode_to_vec(), vec![0x40, 0x01]].concat()
        )),
        Error::NonCanonicalEncoding
    );
    // Version, group id, sender account, sender device, ciphertext, signature: each before
    // the next.
    assert_eq!(
        message_error(&edit_message(|b| {
            b.version = 2;
            b.group_id.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        message_error(&edit_message(|b| {
            b.group_id.clear();
            b.sender_account.clear();
        })),
        Error::InvalidGroupId { len: 0 }
    );
    assert_eq!(
        message_error(&edit_message(|b| {
            b.sender_account.clear();
            b.sender_device = 0;
        })),
        Error::InvalidAccountId { len: 0 }
    );
    assert_eq!(
        message_error(&edit_message(|b| {
            b.sender_device = 0;
            b.ciphertext.clear();
        })),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    let mut short =
        pb::GroupMessage::decode(edit_message(|b| b.ciphertext.truncate(3)).as_slice()).unwrap();
    short.signature.truncate(10);
    assert_eq!(
        message_error(&short.encode_to_vec()),
        Error::InvalidLength {
            field: "ciphertext",
            expected: 16,
            found: 3
        }
    );
}

// ---------------------------------------------------------------------------------------
// Group messages: SPEC.md 15.4 decryption
// ---------------------------------------------------------------------------------------

#[test]
fn group_messages_for_another_group() {
    let (mut rng, mut s) = trio(410);
    let seed = seed_of(&s[0]);
    let m = s[0].encrypt(b"for acme-support-7").unwrap();
    // Acme's genuine message with only the group id changed, re-signed with Acme's key.
    for other in [&b"acme-support-70"[..], b"acme-support-", b"acme-support-8"] {
        let moved = resigned(&seed, &m, |b| b.group_id = other.to_vec());
        assert_eq!(decrypt_error(&mut s[1], &moved), Error::WrongGroup);
    }
    // A genuine message of another group with the same members.
    let mut elsewhere = GroupSession::create(
        &mut rng,
        GroupId::new(b"acme-billing".to_vec()).unwrap(),
        acme(),
        [carol()],
        &config(),
    )
    .unwrap();
    let other = elsewhere.encrypt(b"billing").unwrap();
    assert_eq!(decrypt_error(&mut s[1], &other.encode()), Error::WrongGroup);
    assert_eq!(s[1].decrypt(&m).unwrap(), b"for acme-support-7");
}

#[test]
fn group_messages_from_a_device_that_is_not_a_member() {
    let (mut rng, mut s) = trio(411);
    // A device that never was a member: an outsider with a session of the same group id
    // (and our addresses as its members).
    let mut erin = GroupSession::create(
        &mut rng,
        group(),
        address("erin", 5),
        [acme(), carol(), dave()],
        &config(),
    )
    .unwrap();
    let from_erin = erin.encrypt(b"let me in").unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &from_erin.encode()),
        Error::NotAGroupMember { device: 5 }
    );
    // Another device of a member's account: Acme's message re-signed as from device 2.
    let m = s[0].encrypt(b"hello").unwrap();
    let device_2 = resigned(&seed_of(&s[0]), &m, |b| b.sender_device = 2);
    assert_eq!(
        decrypt_error(&mut s[1], &device_2),
        Error::NotAGroupMember { device: 2 }
    );
    // Ourselves: our own message reflected back to us.
    let own = s[1].encrypt(b"mine").unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &own.encode()),
        Error::NotAGroupMember { device: 1 }
    );
    // A removed member: a message it sent before the removal (its chain was forgotten with
    // it), and one after.
    let before = s[2].encrypt(b"before").unwrap();
    s[1].remove_member(&mut rng, &dave()).unwrap();
    let after = s[2].encrypt(b"after").unwrap();
    for m in [&before, &after] {
        assert_eq!(
            decrypt_error(&mut s[1], &m.encode()),
            Error::NotAGroupMember { device: 1 }
        );
    }
    assert_eq!(s[1].decrypt(&m).unwrap(), b"hello");
}

#[test]
fn group_messages_on_an_unknown_chain() {
    let (mut rng, mut s) = trio(412);
    // Acme rotated and sent its new distribution to Dave only.
    let new = s[0].rotate(&mut rng);
    s[2].process_distribution(&acme(), &new).unwrap();
    let m = s[0].encrypt(b"new chain").unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &m.encode()),
        Error::UnknownSenderKey {
            chain_id: new.chain_id()
        }
    );
    // A chain id edited (re-signed with the new chain's key).
    let edited = resigned(&seed_of(&s[0]), &m, |b| b.chain_id ^= 0x100);
    assert_eq!(
        decrypt_error(&mut s[2], &edited),
        Error::UnknownSenderKey {
            chain_id: new.chain_id() ^ 0x100
        }
    );
    // A member added after we started, whose distribution has not arrived; and a member
    // removed and added again (its chains were forgotten).
    let mut erin = GroupSession::create(
        &mut rng,
        group(),
        address("erin", 1),
        [acme(), carol(), dave()],
        &config(),
    )
    .unwrap();
    s[1].add_member(address("erin", 1)).unwrap();
    let from_erin = erin.encrypt(b"hi").unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &from_erin.encode()),
        Error::UnknownSenderKey {
            chain_id: erin.chain_id()
        }
    );
    let from_dave = s[2].encrypt(b"back").unwrap();
    s[1].remove_member(&mut rng, &dave()).unwrap();
    s[1].add_member(dave()).unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &from_dave.encode()),
        Error::UnknownSenderKey {
            chain_id: from_dave.chain_id()
        }
    );
    // Control: Dave's message decrypts where its chain is held.
    assert_eq!(s[0].decrypt(&from_dave).unwrap(), b"back");
}

#[test]
fn group_messages_with_a_bad_signature() {
    let (mut rng, mut s) = trio(413);
    let seed = seed_of(&s[0]);
    let m = s[0].encrypt(b"pay invoice 17").unwrap();
    let far = s[0].encrypt(b"later").unwrap();
    // The body edited after signing: a bit of the ciphertext, the iteration (pushed far
    // ahead, which would make us walk the chain, or back to an unused key), the ciphertext
    // extended.
    let mut bad = vec![
        unsigned_edit(&m, |b| b.ciphertext[0] ^= 1),
        unsigned_edit(&m, |b| b.iteration = 20_000),
        unsigned_edit(&far, |b| b.iteration = 0),
        unsigned_edit(&m, |b| b.ciphertext.push(0)),
    ];
    // A signature bit flipped, its last byte, or all zeros.
    for (at, flip) in [(0usize, 1u8), (63, 0x80), (32, 4)] {
        let mut outer = outer_of(&m);
        outer.signature[at] ^= flip;
        bad.push(outer.encode_to_vec());
    }
    let mut zeros = outer_of(&m);
    zeros.signature = vec![0; 64];
    bad.push(zeros.encode_to_vec());
    // The non-canonical S + L of the genuine signature (verify_strict refuses it).
    let mut malleable = outer_of(&m);
    let l: [u8; 32] =
        hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
            .unwrap()
            .try_into()
            .unwrap();
    let mut carry = 0u16;
    for (byte, l) in malleable.signature[32..].iter_mut().zip(l) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    bad.push(malleable.encode_to_vec());
    // Signed by another key: a fresh key, another member's sender key, Carol's own; and by
    // Acme's key under another object's label.
    let stranger = IdentityKeyPair::generate(&mut rng);
    for other in [
        *stranger.to_seed().as_bytes(),
        seed_of(&s[2]),
        seed_of(&s[1]),
    ] {
        bad.push(resigned(&other, &m, |_| {}));
    }
    for object in [SignedObject::DeviceList, SignedObject::BusinessCertificate] {
        let body = outer_of(&m).body;
        let signature = sign_certificate_body(&seed, object, &body).to_vec();
        bad.push(pb::GroupMessage { body, signature }.encode_to_vec());
    }
    // No key was derived or stored for any of them: Carol's stored form is unchanged (checked
    // by decrypt_error), and the genuine messages decrypt afterwards.
    let before = stored(&s[1]);
    for (i, bytes) in bad.iter().enumerate() {
        assert_eq!(
            decrypt_error(&mut s[1], bytes),
            Error::InvalidSignature,
            "forgery {i}"
        );
    }
    assert_eq!(stored(&s[1]), before);
    assert_eq!(s[1].decrypt(&far).unwrap(), b"later");
    assert_eq!(s[1].decrypt(&m).unwrap(), b"pay invoice 17");
}

#[test]
fn group_messages_replayed() {
    let (mut rng, mut s) = trio(414);
    let sent: Vec<_> = (0..4u8).map(|i| s[0].encrypt(&[i]).unwrap()).collect();
    // In order (the chain moved past it), out of order (its stored key was used), each
    // replayed once and twice.
    assert_eq!(s[1].decrypt(&sent[0]).unwrap(), [0]);
    assert_eq!(s[1].decrypt(&sent[3]).unwrap(), [3]);
    assert_eq!(s[1].decrypt(&sent[1]).unwrap(), [1]);
    for m in [&sent[0], &sent[3], &sent[1], &sent[0]] {
        assert_eq!(
            decrypt_error(&mut s[1], &m.encode()),
            Error::DuplicateMessage
        );
    }
    // On an older chain of the sender, after it rotated.
    let new = s[0].rotate(&mut rng);
    s[1].process_distribution(&acme(), &new).unwrap();
    let on_new = s[0].encrypt(b"new").unwrap();
    assert_eq!(s[1].decrypt(&on_new).unwrap(), b"new");
    assert_eq!(
        decrypt_error(&mut s[1], &sent[3].encode()),
        Error::DuplicateMessage
    );
    // The one key left on the old chain still works, once.
    assert_eq!(s[1].decrypt(&sent[2]).unwrap(), [2]);
    assert_eq!(
        decrypt_error(&mut s[1], &sent[2].encode()),
        Error::DuplicateMessage
    );
}

#[test]
fn group_messages_whose_stored_key_was_evicted() {
    let mut small = config();
    small.max_group_skipped_keys = 2;
    let (_, mut s) = group_of(415, &[acme(), carol()], &small);
    let sent: Vec<_> = (0..6u8).map(|i| s[0].encrypt(&[i]).unwrap()).collect();
    // Message 5 skips 0 to 4; only the newest two keys (3 and 4) are kept.
    assert_eq!(s[1].decrypt(&sent[5]).unwrap(), [5]);
    for m in &sent[..3] {
        assert_eq!(
            decrypt_error(&mut s[1], &m.encode()),
            Error::DuplicateMessage
        );
    }
    // A later walk evicts the oldest kept key: message 8 skips 6 and 7.
    let later: Vec<_> = (6..9u8).map(|i| s[0].encrypt(&[i]).unwrap()).collect();
    assert_eq!(s[1].decrypt(&later[2]).unwrap(), [8]);
    for m in [&sent[3], &sent[4]] {
        assert_eq!(
            decrypt_error(&mut s[1], &m.encode()),
            Error::DuplicateMessage
        );
    }
    assert_eq!(s[1].decrypt(&later[0]).unwrap(), [6]);
    assert_eq!(s[1].decrypt(&later[1]).unwrap(), [7]);
}

#[test]
fn group_messages_beyond_the_skip_limit() {
    let (_, mut s) = trio(416);
    let seed = seed_of(&s[0]);
    let first = s[0].encrypt(b"0").unwrap();
    s[1].decrypt(&first).unwrap();
    let max = config().max_group_skip;
    assert_eq!(max, 25_000);
    // Carol's chain is at 1: iteration max + 2 skips max + 1 keys. Signed by Acme's key, so
    // only the jump is wrong; the chain is not walked.
    for (iteration, skip) in [
        (max + 2, u64::from(max) + 1),
        (u32::MAX - 1, u64::from(u32::MAX) - 2),
    ] {
        let jump = resigned(&seed, &first, |b| b.iteration = iteration);
        assert_eq!(
            decrypt_error(&mut s[1], &jump),
            Error::TooManySkippedMessages { skip, max }
        );
    }
    // Under a lower limit: 11 over a limit of 10 is refused; 10, with a ciphertext that does
    // not open, gets as far as the AEAD.
    let mut low = config();
    low.max_group_skip = 10;
    let (_, mut s) = group_of(417, &[acme(), carol()], &low);
    let seed = seed_of(&s[0]);
    let m = s[0].encrypt(b"0").unwrap();
    assert_eq!(
        decrypt_error(&mut s[1], &resigned(&seed, &m, |b| b.iteration = 11)),
        Error::TooManySkippedMessages { skip: 11, max: 10 }
    );
    assert_eq!(
        decrypt_error(&mut s[1], &resigned(&seed, &m, |b| b.iteration = 10)),
        Error::DecryptionFailed
    );
    // The genuine jump of exactly 10 decrypts.
    let ten: Vec<_> = (1..=10u8).map(|i| s[0].encrypt(&[i]).unwrap()).collect();
    assert_eq!(s[1].decrypt(&ten[9]).unwrap(), [10]);
}

#[test]
fn group_messages_at_the_last_iteration() {
    let (_, mut s) = trio(418);
    let seed = seed_of(&s[0]);
    let m = s[0].encrypt(b"0").unwrap();
    // Iteration 2^32 − 1, signed by Acme's key: refused before the skip bound (SPEC.md 15.4
    // step 5), at a fresh chain and at one that has moved.
    let last = resigned(&seed, &m, |b| b.iteration = u32::MAX);
    assert_eq!(decrypt_error(&mut s[1], &last), Error::CounterExhausted);
    s[1].decrypt(&m).unwrap();
    assert_eq!(decrypt_error(&mut s[1], &last), Error::CounterExhausted);
}

#[test]
fn group_messages_that_fail_to_decrypt_under_a_valid_signature() {
    let (_, mut s) = trio(419);
    let seed = seed_of(&s[0]);
    let sent: Vec<_> = (0..4u8).map(|i| s[0].encrypt(&[i; 20]).unwrap()).collect();
    let mut bad = Vec::new();
    // Garbage ciphertext of a genuine length, of the shortest and of another length, signed
    // by Acme's key: at the next iteration and further ahead (a walk that must not be kept).
    for (iteration, len) in [(0u32, 36usize), (0, 16), (3, 100)] {
        bad.push(resigned(&seed, &sent[0], |b| {
            b.iteration = iteration;
            b.ciphertext = vec![0x5a; len];
        }));
    }
    // A genuine ciphertext under another iteration, another message's ciphertext, a bit of
    // the ciphertext or tag flipped, re-signed: the iteration and every routing field are in
    // the associated data.
    bad.push(resigned(&seed, &sent[1], |b| b.iteration = 2));
    bad.push(resigned(&seed, &sent[1], |b| {
        b.ciphertext = body_of(&sent[2]).ciphertext
    }));
    bad.push(resigned(&seed, &sent[1], |b| b.ciphertext[0] ^= 1));
    bad.push(resigned(&seed, &sent[1], |b| {
        let last = b.ciphertext.len() - 1;
        b.ciphertext[last] ^= 0x80;
    }));
    for bytes in &bad {
        assert_eq!(decrypt_error(&mut s[1], bytes), Error::DecryptionFailed);
    }
    // With a stored key: Carol reads message 3 (keys 0 to 2 stored); a forgery at iteration 1
    // leaves the stored key, which the genuine message then uses.
    assert_eq!(s[1].decrypt(&sent[3]).unwrap(), [3; 20]);
    let at_stored = resigned(&seed, &sent[1], |b| b.ciphertext = vec![0x5a; 36]);
    assert_eq!(
        decrypt_error(&mut s[1], &at_stored),
        Error::DecryptionFailed
    );
    for (i, m) in sent.iter().enumerate().take(3) {
        assert_eq!(s[1].decrypt(m).unwrap(), [i as u8; 20]);
    }
}

/// SPEC.md 15.4's order: when two things are wrong, the earlier step's error, and the
/// decoding of 15.3 before all of them.
#[test]
fn group_decryption_steps_apply_in_order() {
    let (mut rng, mut s) = trio(420);
    let seed = seed_of(&s[0]);
    let m = s[0].encrypt(b"0").unwrap();
    let erin_seed = *IdentityKeyPair::generate(&mut rng).to_seed().as_bytes();
    // Decoding first: a 63-byte signature on a message of another group from a non-member.
    let mut outer = pb::GroupMessage::decode(
        resigned(&erin_seed, &m, |b| {
            b.group_id = b"elsewhere".to_vec();
            b.sender_account = b"erin".to_vec();
        })
        .as_slice(),
    )
    .unwrap();
    outer.signature.pop();
    assert_eq!(
        decrypt_error(&mut s[1], &outer.encode_to_vec()),
        Error::InvalidLength {
            field: "signature",
            expected: 64,
            found: 63
        }
    );
    // 1 before 2: another group, from a non-member.
    let bytes = resigned(&erin_seed, &m, |b| {
        b.group_id = b"elsewhere".to_vec();
        b.sender_account = b"erin".to_vec();
    });
    assert_eq!(decrypt_error(&mut s[1], &bytes), Error::WrongGroup);
    // 2 before 3: a non-member on a chain no one holds.
    let bytes = resigned(&erin_seed, &m, |b| {
        b.sender_account = b"erin".to_vec();
        b.chain_id ^= 1;
    });
    assert_eq!(
        decrypt_error(&mut s[1], &bytes),
        Error::NotAGroupMember { device: 1 }
    );
    // 3 before 4: an unknown chain with a bad signature.
    let bytes = unsigned_edit(&m, |b| b.chain_id ^= 1);
    assert_eq!(
        decrypt_error(&mut s[1], &bytes),
        Error::UnknownSenderKey {
            chain_id: m.chain_id() ^ 1
        }
    );
    // 4 before 5: a bad signature on a replay, a jump past the limit, the last iteration.
    s[1].decrypt(&m).unwrap();
    for edit in [
        (|b: &mut pb::GroupMessageBody| b.ciphertext[0] ^= 1) as fn(&mut pb::GroupMessageBody),
        |b| b.iteration = 30_000,
        |b| b.iteration = u32::MAX,
    ] {
        assert_eq!(
            decrypt_error(&mut s[1], &unsigned_edit(&m, edit)),
            Error::InvalidSignature
        );
    }
    // Within 5: the last iteration before the skip bound (the chain is at 1: the jump would
    // be 2^32 − 2).
    assert_eq!(
        decrypt_error(&mut s[1], &resigned(&seed, &m, |b| b.iteration = u32::MAX)),
        Error::CounterExhausted
    );
    // 5 before 6: a jump past the limit, and a replay, with garbage ciphertext.
    let garbage = |iteration: u32| {
        resigned(&seed, &m, |b| {
            b.iteration = iteration;
            b.ciphertext = vec![0x5a; 40];
        })
    };
    assert_eq!(
        decrypt_error(&mut s[1], &garbage(25_002)),
        Error::TooManySkippedMessages {
            skip: 25_001,
            max: 25_000
        }
    );
    assert_eq!(
        decrypt_error(&mut s[1], &garbage(0)),
        Error::DuplicateMessage
    );
    assert_eq!(
        decrypt_error(&mut s[1], &garbage(1)),
        Error::DecryptionFailed
    );
}

// ---------------------------------------------------------------------------------------
// Membership: SPEC.md 15.1, 15.5
// ---------------------------------------------------------------------------------------

#[test]
fn removing_a_device_that_is_not_a_member() {
    let (mut rng, mut s) = trio(500);
    // A device never a member, another device of a member's account, ourselves; and a member
    // removed a second time. Nothing changes and no randomness is drawn (a removal would
    // rotate our sender key).
    s[1].remove_member(&mut rng, &dave()).unwrap();
    for (device, id) in [
        (address("erin", 4), 4),
        (address("acme", 2), 2),
        (carol(), 1),
        (dave(), 1),
    ] {
        let before = stored(&s[1]);
        let position = rng.get_word_pos();
        assert_eq!(
            s[1].remove_member(&mut rng, &device).unwrap_err(),
            Error::NotAGroupMember { device: id }
        );
        assert_eq!(stored(&s[1]), before, "state changed");
        assert_eq!(rng.get_word_pos(), position, "randomness drawn");
    }
    assert!(s[1].is_member(&acme()));
}

#[test]
fn adding_ourselves_as_a_member() {
    let (mut rng, mut s) = trio(501);
    let before = stored(&s[1]);
    assert_eq!(
        s[1].add_member(carol()).unwrap_err(),
        Error::MisaddressedMessage { field: "member" }
    );
    assert_eq!(stored(&s[1]), before);
    // Creating a session whose members include ourselves, first or last.
    for members in [vec![carol(), acme()], vec![acme(), dave(), carol()]] {
        assert_eq!(
            GroupSession::create(&mut rng, group(), carol(), members, &config()).unwrap_err(),
            Error::MisaddressedMessage { field: "member" }
        );
    }
    // Control: another device of our own account is a member like any other.
    s[1].add_member(address("carol", 2)).unwrap();
    assert!(s[1].is_member(&address("carol", 2)));
}

#[test]
fn more_members_than_allowed() {
    let mut rng = rng(502);
    let many: Vec<_> = (0..MAX_GROUP_MEMBERS)
        .map(|i| address(&format!("m{i:05}"), 1))
        .collect();
    let one_more = address("zed", 1);
    assert_eq!(
        GroupSession::create(
            &mut rng,
            group(),
            carol(),
            many.iter().cloned().chain([one_more.clone()]),
            &config()
        )
        .unwrap_err(),
        Error::TooLarge {
            len: MAX_GROUP_MEMBERS + 1,
            max: MAX_GROUP_MEMBERS
        }
    );
    // 4096, one of them given twice, is within the bound; a 4097th added is not, and a
    // member added again changes nothing.
    let mut s = GroupSession::create(
        &mut rng,
        group(),
        carol(),
        many.iter().cloned().chain([many[9].clone()]),
        &config(),
    )
    .unwrap();
    assert_eq!(s.members().count(), MAX_GROUP_MEMBERS);
    let before = stored(&s);
    assert_eq!(
        s.add_member(one_more.clone()).unwrap_err(),
        Error::TooLarge {
            len: MAX_GROUP_MEMBERS + 1,
            max: MAX_GROUP_MEMBERS
        }
    );
    assert_eq!(stored(&s), before);
    s.add_member(many[7].clone()).unwrap();
    assert_eq!(stored(&s), before);
    // After a removal there is room again.
    s.remove_member(&mut rng, &many[0]).unwrap();
    s.add_member(one_more).unwrap();
    assert_eq!(s.members().count(), MAX_GROUP_MEMBERS);
}

// ---------------------------------------------------------------------------------------
// Encryption: SPEC.md 15.3
// ---------------------------------------------------------------------------------------

#[test]
fn group_plaintexts_too_large_to_send() {
    // The largest routing a group message can carry: a 64-byte group id, a 255-byte account
    // id, device 2^32 − 1, and (crafted) the largest chain id and iteration; under a limit of
    // 1000 bytes.
    let mut small = config();
    small.max_encoded_len = 1000;
    let mut rng = rng(510);
    let local = DeviceAddress::new(
        AccountId::new(vec![b'a'; 255]).unwrap(),
        DeviceId::new(u32::MAX).unwrap(),
    );
    let s = GroupSession::create(
        &mut rng,
        GroupId::new(vec![b'g'; MAX_GROUP_ID_LEN]).unwrap(),
        local,
        [carol()],
        &small,
    )
    .unwrap();
    let crafted = edit_state(&s, |st| {
        st.chain_id = u32::MAX;
        st.iteration = u32::MAX - 1;
    });
    let mut s = GroupSession::from_stored(&crafted, &small).unwrap();
    let room = 1000 - MAX_GROUP_MESSAGE_OVERHEAD;
    let before = stored(&s);
    assert_eq!(
        s.encrypt(&vec![1; room + 1]).unwrap_err(),
        Error::TooLarge {
            len: 1001,
            max: 1000
        }
    );
    // The chain did not move: the plaintext that fits is sent at the same iteration, and
    // decodes under the same limit.
    assert_eq!(stored(&s), before);
    let m = s.encrypt(&vec![1; room]).unwrap();
    assert_eq!(m.iteration(), u32::MAX - 1);
    assert!(m.encode().len() <= 1000, "{}", m.encode().len());
    assert!(GroupMessage::decode(&m.encode(), &small).is_ok());
    // Under the default limit.
    let (_, mut s) = trio(511);
    let max = config().max_encoded_len;
    let before = stored(&s[0]);
    assert_eq!(
        s[0].encrypt(&vec![0; max - MAX_GROUP_MESSAGE_OVERHEAD + 1])
            .unwrap_err(),
        Error::TooLarge { len: max + 1, max }
    );
    assert_eq!(stored(&s[0]), before);
}

#[test]
fn group_sending_chain_exhausted() {
    let (mut rng, mut s) = trio(512);
    // Our chain at 2^32 − 1 (a crafted state): nothing is sent, nothing changes.
    let crafted = edit_state(&s[0], |st| st.iteration = u32::MAX);
    let mut exhausted = GroupSession::from_stored(&crafted, &config()).unwrap();
    let before = stored(&exhausted);
    assert_eq!(
        exhausted.encrypt(b"one more").unwrap_err(),
        Error::CounterExhausted
    );
    assert_eq!(stored(&exhausted), before);
    // At 2^32 − 2 (a new chain id, so that Carol takes it as a new chain), one message is
    // sent, and read by a member holding the chain there; then the chain is exhausted.
    let crafted = edit_state(&s[0], |st| {
        st.iteration = u32::MAX - 1;
        st.chain_id ^= 1;
    });
    let mut last = GroupSession::from_stored(&crafted, &config()).unwrap();
    s[1].process_distribution(&acme(), &last.distribution())
        .unwrap();
    let m = last.encrypt(b"the last one").unwrap();
    assert_eq!(m.iteration(), u32::MAX - 1);
    assert_eq!(s[1].decrypt(&m).unwrap(), b"the last one");
    let before = stored(&last);
    assert_eq!(
        last.encrypt(b"one more").unwrap_err(),
        Error::CounterExhausted
    );
    assert_eq!(stored(&last), before);
    // Rotating starts a new chain.
    last.rotate(&mut rng);
    assert_eq!(last.encrypt(b"fresh").unwrap().iteration(), 0);
}

// ---------------------------------------------------------------------------------------
// Stored group sessions: SPEC.md 15.6
// ---------------------------------------------------------------------------------------

/// Carol's session holding Acme's two chains (the newer first, with nothing stored; the
/// older at iteration 4 with the keys of 0 to 2 stored) and Dave's chain at 1; with the
/// messages on Acme's older chain and one on its newer.
struct Holding {
    s: Vec<GroupSession>,
    old: Vec<GroupMessage>,
    newer: GroupMessage,
}

fn holding(seed: u64) -> Holding {
    let (mut rng, mut s) = trio(seed);
    let old: Vec<_> = (0..4u8).map(|i| s[0].encrypt(&[i]).unwrap()).collect();
    assert_eq!(s[1].decrypt(&old[3]).unwrap(), [3]);
    let rotated = s[0].rotate(&mut rng);
    s[1].process_distribution(&acme(), &rotated).unwrap();
    let newer = s[0].encrypt(b"newer").unwrap();
    let from_dave = s[2].encrypt(b"dave").unwrap();
    s[1].decrypt(&from_dave).unwrap();
    let state = state_of(&s[1]);
    assert_eq!(state.members.len(), 2);
    assert_eq!(state.members[0].chains.len(), 2);
    assert_eq!(state.members[0].chains[1].skipped.len(), 3);
    Holding { s, old, newer }
}

/// Carol's stored form in `h`.
fn carol_stored(h: &Holding) -> Vec<u8> {
    stored(&h.s[1])
}

/// Carol's stored form after `edit`, re-sealed.
fn edit_carol(h: &Holding, edit: impl FnOnce(&mut pb::GroupSessionState)) -> Vec<u8> {
    edit_state(&h.s[1], edit)
}

#[test]
fn stored_group_sessions_that_are_too_large() {
    for len in [MAX_STORED_GROUP_LEN + 1, MAX_STORED_GROUP_LEN + 100] {
        assert_eq!(
            load_error(&vec![0u8; len]),
            Error::TooLarge {
                len,
                max: MAX_STORED_GROUP_LEN
            }
        );
    }
    // At the bound, the checksum is what fails.
    assert_eq!(
        load_error(&vec![0u8; MAX_STORED_GROUP_LEN]),
        Error::SessionStateCorrupted
    );
}

#[test]
fn stored_group_sessions_cut_short_or_damaged() {
    let h = holding(520);
    let stored = carol_stored(&h);
    // Re-sealing the genuine state reproduces it: the editors change only the edit.
    assert_eq!(edit_carol(&h, |_| {}), stored);
    for cut in [0, 1, 31, 32, 100, stored.len() / 2, stored.len() - 1] {
        assert_eq!(
            load_error(&stored[..cut]),
            Error::SessionStateCorrupted,
            "cut at {cut}"
        );
    }
    for bit in [0usize, 8 * 40 + 3, 8 * stored.len() - 1] {
        let mut damaged = stored.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            load_error(&damaged),
            Error::SessionStateCorrupted,
            "bit {bit}"
        );
    }
    // Sealed with the stored-session label (a pairwise session's) instead of its own.
    let inner = unseal_group(&stored);
    assert_eq!(
        load_error(&hushwire_testkit::stored::seal(inner)),
        Error::SessionStateCorrupted
    );
    // The state itself cut short, or not a state, sealed again with a matching checksum.
    assert_eq!(
        load_error(&seal_group(&inner[..inner.len() - 1])),
        Error::MalformedProtobuf
    );
    assert_eq!(load_error(&seal_group(&[0xff])), Error::MalformedProtobuf);
    assert!(GroupSession::from_stored(&stored, &config()).is_ok());
}

#[test]
fn stored_group_sessions_of_another_version_or_not_canonical() {
    let h = holding(521);
    for version in [0u32, 2, u32::MAX] {
        assert_eq!(
            load_error(&edit_carol(&h, |st| st.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    assert_eq!(
        load_error(&seal_group(&[])),
        Error::UnsupportedVersion { found: 0 }
    );
    // An unknown field, a non-minimal varint, the version twice, the members before the
    // signing seed, a member's chains before its device id.
    let state = state_of(&h.s[1]);
    let inner = state.encode_to_vec();
    assert_eq!(inner[..2], [0x08, 0x01]);
    let members_first = {
        let mut head = state.clone();
        head.members.clear();
        head.signing_seed.clear();
        let members: Vec<u8> = state
            .members
            .iter()
            .flat_map(|m| field(0x4a, &m.encode_to_vec()))
            .collect();
        [
            head.encode_to_vec(),
            members,
            field(0x42, &state.signing_seed),
        ]
        .concat()
    };
    let chains_first = {
        let mut head = state.clone();
        head.members.clear();
        let m = &state.members[1];
        let mut account = m.clone();
        account.device_id = 0;
        account.chains.clear();
        let chains: Vec<u8> = m
            .chains
            .iter()
            .flat_map(|c| field(0x1a, &c.encode_to_vec()))
            .collect();
        let member = [
            account.encode_to_vec(),
            chains,
            vec![0x10],
            varint(u64::from(m.device_id)),
        ]
        .concat();
        [
            head.encode_to_vec(),
            field(0x4a, &state.members[0].encode_to_vec()),
            field(0x4a, &member),
        ]
        .concat()
    };
    for bad in [
        [inner.clone(), vec![0x50, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], inner[2..].to_vec()].concat(),
        [vec![0x08, 0x01], inner.clone()].concat(),
        members_first,
        chains_first,
    ] {
        assert_eq!(
            load_error(&seal_group(&bad)),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad[..bad.len().min(40)])
        );
    }
}

#[test]
fn stored_group_sessions_with_a_bad_group_id() {
    let h = holding(522);
    for len in [0usize, MAX_GROUP_ID_LEN + 1] {
        assert_eq!(
            load_error(&edit_carol(&h, |st| st.group_id = vec![b'g'; len])),
            Error::InvalidGroupId { len }
        );
    }
}

#[test]
fn stored_group_sessions_with_a_bad_local_address() {
    let h = holding(523);
    for len in [0usize, 256] {
        assert_eq!(
            load_error(&edit_carol(&h, |st| st.local_account = vec![b'c'; len])),
            Error::InvalidAccountId { len }
        );
    }
    assert_eq!(
        load_error(&edit_carol(&h, |st| st.local_device = 0)),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
}

#[test]
fn stored_group_sessions_with_keys_of_the_wrong_length() {
    let h = holding(524);
    for len in [0usize, 1, 31, 33, 64] {
        let cases: [(&'static str, Vec<u8>); 4] = [
            (
                "chain_key",
                edit_carol(&h, |st| st.chain_key.resize(len, 1)),
            ),
            (
                "signing_seed",
                edit_carol(&h, |st| st.signing_seed.resize(len, 1)),
            ),
            (
                "members.chains.chain_key",
                edit_carol(&h, |st| st.members[1].chains[0].chain_key.resize(len, 1)),
            ),
            (
                "members.chains.skipped.message_key",
                edit_carol(&h, |st| {
                    st.members[0].chains[1].skipped[2]
                        .message_key
                        .resize(len, 1)
                }),
            ),
        ];
        for (field, bytes) in cases {
            assert_eq!(
                load_error(&bytes),
                Error::InvalidLength {
                    field,
                    expected: 32,
                    found: len
                }
            );
        }
    }
}

#[test]
fn stored_group_sessions_with_members_out_of_order_duplicated_or_ourselves() {
    let h = holding(525);
    let state = state_of(&h.s[1]);
    let (acme_m, dave_m) = (state.members[0].clone(), state.members[1].clone());
    let member = |account: &str, device: u32| pb::GroupMemberState {
        account_id: account.as_bytes().to_vec(),
        device_id: device,
        chains: Vec::new(),
    };
    let refused = [
        ("swapped", vec![dave_m.clone(), acme_m.clone()]),
        (
            "twice",
            vec![acme_m.clone(), acme_m.clone(), dave_m.clone()],
        ),
        (
            "twice, once without chains",
            vec![acme_m.clone(), member("acme", 1), dave_m.clone()],
        ),
        (
            "ourselves",
            vec![acme_m.clone(), member("carol", 1), dave_m.clone()],
        ),
        ("only ourselves", vec![member("carol", 1)]),
        (
            "a longer account id first",
            vec![member("ab", 1), member("a", 2)],
        ),
        ("device 2 before 1", vec![member("acme", 2), acme_m.clone()]),
    ];
    for (what, members) in refused {
        assert_eq!(
            load_error(&edit_carol(&h, |st| st.members = members)),
            Error::InvalidSessionState,
            "{what}"
        );
    }
    // Controls: a prefix before any longer id, then by device id; our own account's other
    // device.
    for members in [
        vec![member("a", 2), member("ab", 1)],
        vec![
            acme_m.clone(),
            member("acme", 2),
            member("carol", 2),
            dave_m,
        ],
    ] {
        assert!(
            GroupSession::from_stored(&edit_carol(&h, |st| st.members = members), &config())
                .is_ok()
        );
    }
}

#[test]
fn stored_group_sessions_with_a_bad_member_address() {
    let h = holding(526);
    for at in [0usize, 1] {
        for len in [0usize, 256] {
            assert_eq!(
                load_error(&edit_carol(&h, |st| st.members[at].account_id = vec![b'z'; len])),
                Error::InvalidAccountId { len }
            );
        }
        assert_eq!(
            load_error(&edit_carol(&h, |st| st.members[at].device_id = 0)),
            Error::InvalidDeviceList {
                reason: "device id 0"
            }
        );
    }
}

#[test]
fn stored_group_sessions_with_too_many_members() {
    let h = holding(527);
    let members = |n: usize| -> Vec<pb::GroupMemberState> {
        (0..n)
            .map(|i| pb::GroupMemberState {
                account_id: format!("m{i:05}").into_bytes(),
                device_id: 1,
                chains: Vec::new(),
            })
            .collect()
    };
    assert_eq!(
        load_error(&edit_carol(&h, |st| st.members = members(MAX_GROUP_MEMBERS + 1))),
        Error::InvalidSessionState
    );
    let loaded = GroupSession::from_stored(
        &edit_carol(&h, |st| st.members = members(MAX_GROUP_MEMBERS)),
        &config(),
    )
    .unwrap();
    assert_eq!(loaded.members().count(), MAX_GROUP_MEMBERS);
}

/// `n` chains for Acme: copies of its older chain (with its stored keys) under chain ids 1000
/// to 1000 + n − 1.
fn chains(state: &pb::GroupSessionState, n: u32) -> Vec<pb::GroupReceiverChain> {
    let chain = state.members[0].chains[1].clone();
    (0..n)
        .map(|i| {
            let mut copy = chain.clone();
            copy.chain_id = 1000 + i;
            copy
        })
        .collect()
}

#[test]
fn stored_group_sessions_with_too_many_chains_or_a_chain_twice() {
    let h = holding(528);
    let state = state_of(&h.s[1]);
    let max = MAX_SENDER_KEY_CHAINS as u32;
    // More than 64, whatever the configuration.
    let mut all = config();
    all.max_sender_key_chains = usize::MAX;
    let too_many = edit_carol(&h, |st| st.members[0].chains = chains(&state, max + 1));
    for config in [config(), all] {
        assert_eq!(
            GroupSession::from_stored(&too_many, &config).unwrap_err(),
            Error::InvalidSessionState
        );
    }
    let most = edit_carol(&h, |st| st.members[0].chains = chains(&state, max));
    let loaded = GroupSession::from_stored(&most, &all).unwrap();
    assert_eq!(stored(&loaded), most);
    // A chain id twice for one member: adjacent, or apart (the same id under two members is
    // fine).
    for (first, second) in [(0usize, 1usize), (0, 2)] {
        let twice = edit_carol(&h, |st| {
            st.members[0].chains = chains(&state, 3);
            let id = st.members[0].chains[first].chain_id;
            st.members[0].chains[second].chain_id = id;
        });
        assert_eq!(load_error(&twice), Error::InvalidSessionState);
    }
    let shared = edit_carol(&h, |st| {
        st.members[1].chains[0].chain_id = st.members[0].chains[0].chain_id
    });
    assert!(GroupSession::from_stored(&shared, &config()).is_ok());
}

#[test]
fn stored_group_sessions_with_too_many_skipped_keys() {
    let h = holding(529);
    let keys = |n: u32| -> Vec<pb::GroupSkippedKey> {
        (1..=n)
            .map(|i| pb::GroupSkippedKey {
                iteration: i,
                message_key: vec![(i % 251) as u8; 32],
            })
            .collect()
    };
    let max = MAX_STORED_ENTRIES as u32;
    let with = |n: u32| {
        edit_carol(&h, |st| {
            let chain = &mut st.members[0].chains[1];
            chain.iteration = max + 2;
            chain.skipped = keys(n);
        })
    };
    // More than 65536, whatever the configuration.
    let mut all = config();
    all.max_group_skipped_keys = usize::MAX;
    let too_many = with(max + 1);
    for config in [config(), all] {
        assert_eq!(
            GroupSession::from_stored(&too_many, &config).unwrap_err(),
            Error::InvalidSessionState
        );
    }
    // 65536 load: all kept when the configuration allows, the newest 2000 by default.
    let most = with(max);
    assert_eq!(
        stored(&GroupSession::from_stored(&most, &all).unwrap()),
        most
    );
    let trimmed = GroupSession::from_stored(&most, &config()).unwrap();
    let kept = &state_of(&trimmed).members[0].chains[1].skipped;
    assert_eq!(kept.len(), 2000);
    assert_eq!(kept[0].iteration, max - 1999);
    assert_eq!(kept[1999].iteration, max);
}

#[test]
fn stored_group_sessions_with_skipped_keys_out_of_order_or_ahead() {
    let h = holding(530);
    // The older chain of Acme's is at 4 with keys 0, 1, 2 stored.
    type Edit = fn(&mut pb::GroupReceiverChain);
    let cases: [(&str, Edit); 6] = [
        ("swapped", |c| c.skipped.swap(0, 1)),
        ("twice", |c| c.skipped[1].iteration = 0),
        ("at the chain's iteration", |c| c.skipped[2].iteration = 4),
        ("past it", |c| c.skipped[2].iteration = 5),
        ("far past it", |c| c.skipped[2].iteration = u32::MAX),
        ("the chain at 0", |c| c.iteration = 0),
    ];
    for (what, edit) in cases {
        assert_eq!(
            load_error(&edit_carol(&h, |st| edit(&mut st.members[0].chains[1]))),
            Error::InvalidSessionState,
            "{what}"
        );
    }
    // Controls: gaps, and a key just below the chain's iteration.
    let fine = edit_carol(&h, |st| {
        let c = &mut st.members[0].chains[1];
        c.skipped[0].iteration = 0;
        c.skipped[1].iteration = 2;
        c.skipped[2].iteration = 3;
    });
    assert!(GroupSession::from_stored(&fine, &config()).is_ok());
}

#[test]
fn stored_group_sessions_with_a_bad_signing_key() {
    let h = holding(531);
    // Acme's first chain, Acme's second, Dave's only one.
    for (member, chain) in [(0usize, 0usize), (0, 1), (1, 0)] {
        let with =
            |key: Vec<u8>| edit_carol(&h, |st| st.members[member].chains[chain].signing_key = key);
        for len in [0usize, 1, 31, 33, 64] {
            assert_eq!(
                load_error(&with(vec![9; len])),
                Error::InvalidLength {
                    field: "members.chains.signing_key",
                    expected: 32,
                    found: len
                }
            );
        }
        for key in low_order_keys() {
            assert_eq!(load_error(&with(key)), Error::LowOrderPublicKey);
        }
        for key in [off_curve_identity_key(), non_canonical_identity_key()] {
            assert_eq!(load_error(&with(key)), Error::InvalidPublicKey);
        }
    }
}

/// SPEC.md 15.6's loading order: when two things are wrong, the earlier step's error; and
/// every check before any trimming.
#[test]
fn stored_group_session_loading_steps_apply_in_order() {
    let h = holding(532);
    let state = state_of(&h.s[1]);
    let low = low_order_keys()[0].clone();
    let many_members = |st: &mut pb::GroupSessionState| {
        st.members = (0..=MAX_GROUP_MEMBERS)
            .map(|i| pb::GroupMemberState {
                account_id: format!("m{i:05}").into_bytes(),
                device_id: 1,
                chains: Vec::new(),
            })
            .collect();
    };
    // Size before checksum; checksum before parsing.
    assert_eq!(
        load_error(&vec![0xff; MAX_STORED_GROUP_LEN + 1]),
        Error::TooLarge {
            len: MAX_STORED_GROUP_LEN + 1,
            max: MAX_STORED_GROUP_LEN
        }
    );
    assert_eq!(load_error(&[0xff; 40]), Error::SessionStateCorrupted);
    // Canonical before version.
    let mut v2 = state.clone();
    v2.version = 2;
    assert_eq!(
        load_error(&seal_group(
            &[v2.encode_to_vec(), vec![0x50, 0x01]].concat()
        )),
        Error::NonCanonicalEncoding
    );
    let steps: Vec<(&str, Vec<u8>, Error)> = vec![
        (
            "version before group id",
            edit_carol(&h, |st| {
                st.version = 2;
                st.group_id.clear();
            }),
            Error::UnsupportedVersion { found: 2 },
        ),
        (
            "group id before local account",
            edit_carol(&h, |st| {
                st.group_id.clear();
                st.local_account.clear();
            }),
            Error::InvalidGroupId { len: 0 },
        ),
        (
            "local account before local device",
            edit_carol(&h, |st| {
                st.local_account.clear();
                st.local_device = 0;
            }),
            Error::InvalidAccountId { len: 0 },
        ),
        (
            "local device before chain key",
            edit_carol(&h, |st| {
                st.local_device = 0;
                st.chain_key.pop();
            }),
            Error::InvalidDeviceList {
                reason: "device id 0",
            },
        ),
        (
            "chain key before signing seed",
            edit_carol(&h, |st| {
                st.chain_key.pop();
                st.signing_seed.pop();
            }),
            Error::InvalidLength {
                field: "chain_key",
                expected: 32,
                found: 31,
            },
        ),
        (
            "signing seed before the member count",
            edit_carol(&h, |st| {
                st.signing_seed.pop();
                many_members(st);
            }),
            Error::InvalidLength {
                field: "signing_seed",
                expected: 32,
                found: 31,
            },
        ),
        (
            "the member count before any member",
            edit_carol(&h, |st| {
                many_members(st);
                st.members[0].device_id = 0;
            }),
            Error::InvalidSessionState,
        ),
        (
            "a member's address before the order",
            edit_carol(&h, |st| {
                st.members.swap(0, 1);
                st.members[1].device_id = 0;
            }),
            Error::InvalidDeviceList {
                reason: "device id 0",
            },
        ),
        (
            "the order before the member's chains",
            edit_carol(&h, |st| {
                st.members.swap(0, 1);
                st.members[1].chains[0].signing_key = low.clone();
            }),
            Error::InvalidSessionState,
        ),
        (
            "members in order",
            edit_carol(&h, |st| {
                st.members[0].chains[1].signing_key = low.clone();
                st.members[1].device_id = 0;
            }),
            Error::LowOrderPublicKey,
        ),
        (
            "the chain count before any chain",
            edit_carol(&h, |st| {
                st.members[0].chains = chains(&state, MAX_SENDER_KEY_CHAINS as u32 + 1);
                st.members[0].chains[0].signing_key = low.clone();
            }),
            Error::InvalidSessionState,
        ),
        (
            "a chain id used twice before the chain's signing key",
            edit_carol(&h, |st| {
                let id = st.members[0].chains[0].chain_id;
                st.members[0].chains[1].chain_id = id;
                st.members[0].chains[1].signing_key.clear();
            }),
            Error::InvalidSessionState,
        ),
        (
            "the stored-key count before the chain's signing key",
            edit_carol(&h, |st| {
                let chain = &mut st.members[0].chains[1];
                chain.iteration = u32::MAX;
                chain.skipped = (0..=MAX_STORED_ENTRIES as u32)
                    .map(|i| pb::GroupSkippedKey {
                        iteration: i,
                        message_key: vec![1; 32],
                    })
                    .collect();
                chain.signing_key.clear();
            }),
            Error::InvalidSessionState,
        ),
        (
            "signing key before chain key",
            edit_carol(&h, |st| {
                st.members[0].chains[1].signing_key.pop();
                st.members[0].chains[1].chain_key.pop();
            }),
            Error::InvalidLength {
                field: "members.chains.signing_key",
                expected: 32,
                found: 31,
            },
        ),
        (
            "chain key before stored keys",
            edit_carol(&h, |st| {
                st.members[0].chains[1].chain_key.pop();
                st.members[0].chains[1].skipped.swap(0, 1);
            }),
            Error::InvalidLength {
                field: "members.chains.chain_key",
                expected: 32,
                found: 31,
            },
        ),
        (
            "a stored key's iteration before its message key",
            edit_carol(&h, |st| {
                let key = &mut st.members[0].chains[1].skipped[2];
                key.iteration = 4;
                key.message_key.pop();
            }),
            Error::InvalidSessionState,
        ),
        (
            "stored keys in order",
            edit_carol(&h, |st| {
                st.members[0].chains[1].skipped[0].message_key.pop();
                st.members[0].chains[1].skipped[1].iteration = 9;
            }),
            Error::InvalidLength {
                field: "members.chains.skipped.message_key",
                expected: 32,
                found: 31,
            },
        ),
        (
            "chains in order",
            edit_carol(&h, |st| {
                st.members[0].chains[0].chain_key.pop();
                st.members[0].chains[1].signing_key = low.clone();
            }),
            Error::InvalidLength {
                field: "members.chains.chain_key",
                expected: 32,
                found: 31,
            },
        ),
    ];
    for (what, bytes, expected) in steps {
        assert_eq!(load_error(&bytes), expected, "{what}");
    }
    // Every check before the trims: a bad sixth chain is refused although the default keeps
    // five, and a chain with a stored key of the wrong length although a limit of 0 keeps
    // none.
    let sixth = edit_carol(&h, |st| {
        st.members[0].chains = chains(&state, 6);
        st.members[0].chains[5].signing_key = low.clone();
    });
    assert_eq!(load_error(&sixth), Error::LowOrderPublicKey);
    let mut none = config();
    none.max_group_skipped_keys = 0;
    let short_key = edit_carol(&h, |st| {
        st.members[0].chains[1].skipped[0].message_key.pop();
    });
    assert_eq!(
        GroupSession::from_stored(&short_key, &none).unwrap_err(),
        Error::InvalidLength {
            field: "members.chains.skipped.message_key",
            expected: 32,
            found: 31
        }
    );
}

/// SPEC.md 15.6: a session stored under higher limits loads under lower ones, trimmed (the
/// oldest chains and stored keys dropped), rather than refused; what was dropped is then
/// refused like anything the session never held.
#[test]
fn stored_group_sessions_trimmed_to_lower_limits() {
    let h = holding(533);
    let bytes = carol_stored(&h);
    // One chain per member, one stored key per chain.
    let mut low = config();
    low.max_sender_key_chains = 1;
    low.max_group_skipped_keys = 1;
    let trimmed = GroupSession::from_stored(&bytes, &low).unwrap();
    let expected = edit_carol(&h, |st| st.members[0].chains.truncate(1));
    assert_eq!(stored(&trimmed), expected);
    let mut t = GroupSession::from_stored(&bytes, &low).unwrap();
    let old_chain = h.old[0].chain_id();
    for m in &h.old {
        assert_eq!(
            decrypt_error(&mut t, &m.encode()),
            Error::UnknownSenderKey {
                chain_id: old_chain
            }
        );
    }
    assert_eq!(t.decrypt(&h.newer).unwrap(), b"newer");
    // Chains kept, stored keys trimmed to the newest one: the older keys are gone.
    let mut keys = config();
    keys.max_group_skipped_keys = 1;
    let mut t = GroupSession::from_stored(&bytes, &keys).unwrap();
    let expected = edit_carol(&h, |st| {
        st.members[0].chains[1].skipped.drain(..2);
    });
    assert_eq!(stored(&t), expected);
    for m in &h.old[..2] {
        assert_eq!(decrypt_error(&mut t, &m.encode()), Error::DuplicateMessage);
    }
    assert_eq!(t.decrypt(&h.old[2]).unwrap(), [2]);
    // A limit of 0 chains counts as 1; 0 stored keys keeps none.
    let mut zero = config();
    zero.max_sender_key_chains = 0;
    zero.max_group_skipped_keys = 0;
    let t = GroupSession::from_stored(&bytes, &zero).unwrap();
    let expected = edit_carol(&h, |st| {
        st.members[0].chains.truncate(1);
    });
    assert_eq!(stored(&t), expected);
    // Under the default limits nothing is dropped.
    assert_eq!(
        stored(&GroupSession::from_stored(&bytes, &config()).unwrap()),
        bytes
    );
}

// ---------------------------------------------------------------------------------------
// What Debug and errors show
// ---------------------------------------------------------------------------------------

/// `text` shows none of `secret`'s first 8 bytes, in hex (either case) or as Rust prints
/// byte slices.
fn shows_none_of(text: &str, secret: &[u8]) -> bool {
    let head = &secret[..8];
    let decimal = head
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    !text.contains(&hex::encode(head))
        && !text.contains(&hex::encode_upper(head))
        && !text.contains(&decimal)
}

#[test]
fn group_debug_and_errors_show_no_secret() {
    let mut h = holding(540);
    // Every secret Carol holds: her chain key and signing seed, each chain key she holds of
    // the others, each stored message key; and Acme's, whose distribution is printed too.
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    for s in [&h.s[0], &h.s[1]] {
        let state = state_of(s);
        secrets.extend([state.chain_key.clone(), state.signing_seed.clone()]);
        for member in &state.members {
            for chain in &member.chains {
                secrets.push(chain.chain_key.clone());
                secrets.extend(chain.skipped.iter().map(|k| k.message_key.clone()));
            }
        }
    }
    assert!(secrets.len() >= 10);
    let distribution = h.s[0].distribution();
    let decoded = SenderKeyDistribution::decode(&distribution.encode()).unwrap();
    let carol_stored = h.s[1].to_stored();
    assert_eq!(
        format!("{carol_stored:?}"),
        format!("StoredGroupSession({} bytes)", carol_stored.len())
    );
    let texts = [
        format!("{:?}", h.s[1]),
        format!("{:#?}", h.s[1]),
        format!("{:?}", h.s[0]),
        format!("{distribution:?}"),
        format!("{decoded:#?}"),
        format!("{carol_stored:?}"),
        format!("{:?}", h.newer),
    ];
    for text in &texts {
        for secret in &secrets {
            assert!(shows_none_of(text, secret), "{text}");
        }
    }
    // The public parts are shown: the signing key in the distribution.
    let signing_key = pb::SenderKeyDistribution::decode(distribution.encode().as_slice())
        .unwrap()
        .signing_key
        .clone();
    assert!(
        texts[3].contains(&hex::encode(&signing_key)),
        "{}",
        texts[3]
    );
    // The errors of this layer carry names and numbers only.
    let seed = seed_of(&h.s[0]);
    let other_key = IdentityKeyPair::from_seed(&[0x44; 32])
        .public_key()
        .to_bytes()
        .to_vec();
    let m = h.s[0].encrypt(b"x").unwrap();
    let errors = [
        decrypt_error(
            &mut h.s[1],
            &resigned(&seed, &m, |b| b.group_id = b"o".to_vec()),
        ),
        decrypt_error(&mut h.s[1], &resigned(&seed, &m, |b| b.sender_device = 9)),
        decrypt_error(&mut h.s[1], &resigned(&seed, &m, |b| b.chain_id ^= 1)),
        decrypt_error(&mut h.s[1], &unsigned_edit(&m, |b| b.ciphertext[0] ^= 1)),
        decrypt_error(&mut h.s[1], &resigned(&seed, &m, |b| b.ciphertext[0] ^= 1)),
        decrypt_error(&mut h.s[1], &h.old[3].encode()),
        process_error(
            &mut h.s[1],
            &acme(),
            &edited_distribution(&distribution, |w| w.signing_key = other_key.clone()),
        ),
        distribution_error(&edit_distribution(|d| {
            d.chain_key.pop();
        })),
        load_error(&edit_state(&h.s[1], |st| {
            st.signing_seed.pop();
        })),
        load_error(&edit_state(&h.s[1], |st| st.members.swap(0, 1))),
    ];
    assert_eq!(errors[0], Error::WrongGroup);
    assert_eq!(errors[1], Error::NotAGroupMember { device: 9 });
    assert_eq!(errors[0].category(), ErrorCategory::Group);
    for error in &errors {
        for text in [format!("{error:?}"), format!("{error}")] {
            for secret in &secrets {
                assert!(shows_none_of(&text, secret), "{text}");
            }
        }
    }
}
