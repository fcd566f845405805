//! Bad input to multi-device accounts (SPEC.md section 14): device lists that fail decoding
//! (14.2) or validation (14.3), device messages that fail decoding or delivery (14.5), fan-out
//! that cannot proceed, device-link offers and approvals that fail (14.4), and stored session
//! records that fail to load (14.6); each with its exact error, the decoding and checking
//! orders, and, where a device's sessions or prekeys are involved, that they are left exactly
//! as they were.
//!
//! Inputs are genuine lists, messages, approvals and records re-encoded with the prost types
//! after one edit, and re-signed by the account key (`hazmat::ed25519_sign` over SPEC.md 3.2's
//! labelled message), re-MACed with the link secret (`hazmat::hkdf_sha256` and `hmac_sha256`,
//! SPEC.md 14.4) or re-sealed with the record checksum (`sha2`, SPEC.md 14.6), so that only
//! the edit is wrong; or raw bytes where the edit cannot be made with the prost types
//! (non-canonical forms).

use crate::common::*;
use crate::pb;
use crate::support::{edit_state, non_canonical_identity_key, off_curve_identity_key};
use hushwire::hazmat::{ed25519_sign, hkdf_sha256, hmac_sha256};
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, DeviceListIn, DeviceListPolicy,
    DeviceMessage, Error, ErrorCategory, IdentityKey, IdentityKeyPair, LinkOffer, LinkedDevice,
    MAX_ARCHIVED_SESSIONS, MAX_DEVICE_LIST_LEN, MAX_DEVICE_MESSAGE_OVERHEAD, MAX_DEVICES,
    MAX_STORED_RECORD_LEN, PendingLink, Received, SessionRecord, Timestamp, VerifiedDeviceList,
};
use hushwire_testkit::fixtures::accounts::{ACCOUNTS_NOW, Account, Device, LIST_LIFETIME, World};
use prost::Message;
use sha2::{Digest, Sha256};

const NOW: u64 = ACCOUNTS_NOW;
const DAY: u64 = 86_400;
/// The default policy's longest lifetime (35 days) and clock skew.
const MAX_LIFETIME: u64 = 35 * DAY;
const SKEW: u64 = 300;
const ACCOUNT_SEED: [u8; 32] = [0xd7; 32];
const OTHER_ACCOUNT_SEED: [u8; 32] = [0xd8; 32];
const PRIMARY_SEED: [u8; 32] = [0xe7; 32];
const PHONE_SEED: [u8; 32] = [0x31; 32];
const LAPTOP_SEED: [u8; 32] = [0x32; 32];
/// SPEC.md 14.2's signature label, 14.4's link-key info, 14.6's record checksum label.
const DEVICE_LIST_LABEL: &[u8] = b"hushwire/v1/sig/device-list";
const LINK_INFO: &[u8] = b"hushwire/v1/device-link";
const RECORD_LABEL: &[u8] = b"hushwire/v1/stored-session-record";
/// The largest link offer and link approval the decoders read (SPEC.md 14.4).
const MAX_OFFER: usize = 128;
const MAX_APPROVAL: usize = 9216;

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn id(n: u32) -> DeviceId {
    DeviceId::new(n).unwrap()
}

fn account_id(name: &str) -> AccountId {
    AccountId::new(name.as_bytes().to_vec()).unwrap()
}

fn policy() -> DeviceListPolicy {
    DeviceListPolicy::default()
}

fn key_of(seed: &[u8; 32]) -> IdentityKey {
    *IdentityKeyPair::from_seed(seed).public_key()
}

/// Device `n`'s identity key on the genuine list.
fn device_key(n: u8) -> IdentityKey {
    key_of(&[n; 32])
}

fn account_key() -> AccountKeyPair {
    AccountKeyPair::from_seed(&ACCOUNT_SEED)
}

/// The genuine list: account "acme", version 3, issued at `NOW` for 30 days, devices 1 to 3.
fn genuine_list() -> VerifiedDeviceList {
    let devices: Vec<_> = (1..=3u8).map(|n| (id(n.into()), device_key(n))).collect();
    account_key()
        .sign_device_list(&account_id("acme"), 3, t(NOW), t(NOW + 30 * DAY), &devices)
        .unwrap()
}

fn list_pb() -> pb::DeviceList {
    pb::DeviceList::decode(genuine_list().to_bytes()).unwrap()
}

fn body() -> pb::DeviceListBody {
    pb::DeviceListBody::decode(list_pb().body.as_slice()).unwrap()
}

/// The Ed25519 signature of the key with `seed` over `u8(len(label)) || label || body`
/// (SPEC.md 3.2).
fn sign_labelled(seed: &[u8; 32], label: &[u8], body: &[u8]) -> Vec<u8> {
    let message = [&[label.len() as u8][..], label, body].concat();
    ed25519_sign(seed, &message).to_vec()
}

/// A list with `body` (any bytes), signed by the account key.
fn list_with_body(body: Vec<u8>) -> Vec<u8> {
    let signature = sign_labelled(&ACCOUNT_SEED, DEVICE_LIST_LABEL, &body);
    pb::DeviceList { body, signature }.encode_to_vec()
}

/// The genuine list after `edit` changed its body, re-signed by the account key.
fn edit_body(edit: impl FnOnce(&mut pb::DeviceListBody)) -> Vec<u8> {
    let mut body = body();
    edit(&mut body);
    list_with_body(body.encode_to_vec())
}

/// The error `DeviceListIn::decode` returns for `bytes`.
fn list_error(bytes: &[u8]) -> Error {
    DeviceListIn::decode(bytes).unwrap_err()
}

/// `bytes` decoded, then validated under the account key at `at` with the default policy.
fn validated(
    bytes: &[u8],
    at: u64,
    previous: Option<&VerifiedDeviceList>,
) -> Result<VerifiedDeviceList, Error> {
    DeviceListIn::decode(bytes)?.validate(account_key().public_key(), t(at), &policy(), previous)
}

/// The neutral element (y = 1) and the point of order 2 (y = −1): identity keys of small
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

/// A `ListedDevice` with id `n` and a fresh key from seed `seed`.
fn listed(n: u32, seed: u8) -> pb::ListedDevice {
    pb::ListedDevice {
        device_id: n,
        identity_key: device_key(seed).to_bytes().to_vec(),
    }
}

// ---------------------------------------------------------------------------------------
// Device lists: SPEC.md 14.2 decoding
// ---------------------------------------------------------------------------------------

#[test]
fn device_lists_that_are_too_large() {
    // Re-signing the genuine body reproduces the genuine list: the editors change only the
    // edit.
    assert_eq!(
        list_with_body(body().encode_to_vec()),
        genuine_list().to_bytes()
    );
    // Checked before parsing: zeros would be a parse error.
    for len in [MAX_DEVICE_LIST_LEN + 1, 100_000] {
        assert_eq!(
            list_error(&vec![0u8; len]),
            Error::TooLarge {
                len,
                max: MAX_DEVICE_LIST_LEN
            }
        );
    }
    assert_eq!(
        list_error(&vec![0u8; MAX_DEVICE_LIST_LEN]),
        Error::MalformedProtobuf
    );
    // A genuine list grown to 8193 bytes by its signature field: the size is reported, not
    // the signature's length.
    let genuine = genuine_list().to_bytes().len();
    let mut list = list_pb();
    list.signature
        .resize(64 + MAX_DEVICE_LIST_LEN + 1 - genuine - 1, 7);
    let bytes = list.encode_to_vec();
    assert_eq!(bytes.len(), MAX_DEVICE_LIST_LEN + 1);
    assert_eq!(
        list_error(&bytes),
        Error::TooLarge {
            len: MAX_DEVICE_LIST_LEN + 1,
            max: MAX_DEVICE_LIST_LEN
        }
    );
    // The largest genuine list (64 devices, a 255-byte account id) is far below the bound.
    let devices: Vec<_> = (1..=64u32)
        .map(|n| (id(n), key_of(&[n as u8; 32])))
        .collect();
    let largest = account_key()
        .sign_device_list(
            &AccountId::new(vec![b'a'; 255]).unwrap(),
            u64::MAX,
            t(u64::MAX - 1),
            t(u64::MAX),
            &devices,
        )
        .unwrap();
    assert!(largest.to_bytes().len() < MAX_DEVICE_LIST_LEN / 2);
    assert!(DeviceListIn::decode(largest.to_bytes()).is_ok());
}

#[test]
fn device_lists_that_do_not_parse() {
    let genuine = genuine_list().to_bytes().to_vec();
    for cut in [1, 3, 20, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            list_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    // Wire type 7, field number 0, and the body as a varint.
    assert_eq!(list_error(&[0x0f]), Error::MalformedProtobuf);
    assert_eq!(list_error(&[0x00]), Error::MalformedProtobuf);
    assert_eq!(list_error(&[0x08, 0x01]), Error::MalformedProtobuf);
    // The body cut short, re-signed; and a listed device cut short inside the body.
    let body = body().encode_to_vec();
    assert_eq!(
        list_error(&list_with_body(body[..body.len() - 1].to_vec())),
        Error::MalformedProtobuf
    );
    let device = listed(1, 1).encode_to_vec();
    let truncated = [
        body.clone(),
        vec![0x3a],
        varint(device.len() as u64),
        device[..device.len() - 1].to_vec(),
    ]
    .concat();
    assert_eq!(
        list_error(&list_with_body(truncated)),
        Error::MalformedProtobuf
    );
}

#[test]
fn device_lists_that_are_not_canonical() {
    let genuine = genuine_list().to_bytes().to_vec();
    let body = body().encode_to_vec();
    assert_eq!(body[..2], [0x08, 0x01]);
    // The outer message: an unknown field, the body twice, the signature before the body.
    assert_eq!(
        list_error(&[genuine.clone(), vec![0x18, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
    let list = list_pb();
    let body_field = [
        vec![0x0a],
        varint(list.body.len() as u64),
        list.body.clone(),
    ]
    .concat();
    let signature_field = [vec![0x12, 64], list.signature.clone()].concat();
    assert_eq!(
        list_error(&[signature_field.clone(), body_field.clone()].concat()),
        Error::NonCanonicalEncoding
    );
    assert_eq!(
        list_error(&[body_field.clone(), body_field, signature_field].concat()),
        Error::NonCanonicalEncoding
    );
    // The body, re-signed: an unknown field, a non-minimal varint, an explicit zero, a field
    // twice, fields out of order.
    // issued_at = 0 written explicitly where it belongs: after fields 1 to 4, which prost
    // writes first, in order.
    let mut zero_issued = pb::DeviceListBody::decode(body.as_slice()).unwrap();
    zero_issued.issued_at = 0;
    let mut head = zero_issued.clone();
    head.expires_at = 0;
    head.devices.clear();
    let issued_at = head.encoded_len();
    let zero_issued = zero_issued.encode_to_vec();
    assert_eq!(zero_issued[..issued_at], head.encode_to_vec()[..]);
    assert_eq!(zero_issued[issued_at], 0x30);
    let out_of_order = {
        let mut b = pb::DeviceListBody::decode(body.as_slice()).unwrap();
        let version = b.list_version;
        b.list_version = 0;
        [b.encode_to_vec(), vec![0x20], varint(version)].concat()
    };
    for bad in [
        [body.clone(), vec![0x40, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], body[2..].to_vec()].concat(),
        [
            zero_issued[..issued_at].to_vec(),
            vec![0x28, 0x00],
            zero_issued[issued_at..].to_vec(),
        ]
        .concat(),
        [vec![0x08, 0x01], body.clone()].concat(),
        out_of_order,
    ] {
        assert_eq!(
            list_error(&list_with_body(bad.clone())),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // A listed device with an unknown field, or with its device id as a varint wider than
    // uint32 (2^32 + 1 truncates to 1).
    let mut b = pb::DeviceListBody::decode(body.as_slice()).unwrap();
    b.devices.truncate(0);
    let head = b.encode_to_vec();
    let key = device_key(1).to_bytes();
    for device in [
        [listed(1, 1).encode_to_vec(), vec![0x18, 0x01]].concat(),
        [
            vec![0x08],
            varint((1 << 32) + 1),
            vec![0x12, 32],
            key.to_vec(),
        ]
        .concat(),
    ] {
        let bad = [
            head.clone(),
            vec![0x3a],
            varint(device.len() as u64),
            device.clone(),
        ]
        .concat();
        assert_eq!(
            list_error(&list_with_body(bad)),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&device)
        );
    }
    // Control: the same device written canonically decodes.
    let good = [
        head,
        vec![0x3a],
        varint(listed(1, 1).encoded_len() as u64),
        listed(1, 1).encode_to_vec(),
    ]
    .concat();
    assert!(DeviceListIn::decode(&list_with_body(good)).is_ok());
}

#[test]
fn device_list_bodies_of_another_version() {
    for version in [0u32, 2, 3, u32::MAX] {
        assert_eq!(
            list_error(&edit_body(|b| b.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    // An empty body is version 0, and so is an empty list.
    assert_eq!(
        list_error(&list_with_body(Vec::new())),
        Error::UnsupportedVersion { found: 0 }
    );
    assert_eq!(list_error(&[]), Error::UnsupportedVersion { found: 0 });
}

#[test]
fn device_lists_with_a_bad_account_id() {
    for len in [0usize, 256, 1000] {
        assert_eq!(
            list_error(&edit_body(|b| b.account_id = vec![b'a'; len])),
            Error::InvalidAccountId { len }
        );
    }
    for len in [1usize, 255] {
        assert!(DeviceListIn::decode(&edit_body(|b| b.account_id = vec![0; len])).is_ok());
    }
}

#[test]
fn device_lists_with_a_bad_account_key() {
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            list_error(&edit_body(|b| b.account_key = vec![9; len])),
            Error::InvalidLength {
                field: "account_key",
                expected: 32,
                found: len
            }
        );
    }
    for key in low_order_keys() {
        assert_eq!(
            list_error(&edit_body(|b| b.account_key = key)),
            Error::LowOrderPublicKey
        );
    }
    assert_eq!(
        list_error(&edit_body(|b| b.account_key = off_curve_identity_key())),
        Error::InvalidPublicKey
    );
    assert_eq!(
        list_error(&edit_body(|b| b.account_key = non_canonical_identity_key())),
        Error::InvalidPublicKey
    );
}

#[test]
fn device_lists_with_list_version_0_or_an_inverted_lifetime() {
    assert_eq!(
        list_error(&edit_body(|b| b.list_version = 0)),
        Error::InvalidDeviceList {
            reason: "list version 0"
        }
    );
    for (issued, expires) in [(NOW, NOW), (NOW, NOW - 1), (u64::MAX, 0), (0, 0)] {
        assert_eq!(
            list_error(&edit_body(|b| {
                b.issued_at = issued;
                b.expires_at = expires;
            })),
            Error::InvalidDeviceList {
                reason: "expires_at is not after issued_at"
            },
            "{issued} {expires}"
        );
    }
    // A one-second list, and the extreme values, decode.
    for (issued, expires) in [
        (NOW, NOW + 1),
        (0, 1),
        (0, u64::MAX),
        (u64::MAX - 1, u64::MAX),
    ] {
        assert!(
            DeviceListIn::decode(&edit_body(|b| {
                b.issued_at = issued;
                b.expires_at = expires;
            }))
            .is_ok()
        );
    }
    assert!(DeviceListIn::decode(&edit_body(|b| b.list_version = u64::MAX)).is_ok());
}

#[test]
fn device_lists_with_no_devices_or_more_than_64() {
    assert_eq!(
        list_error(&edit_body(|b| b.devices.clear())),
        Error::InvalidDeviceList {
            reason: "not 1 to 64 devices"
        }
    );
    for n in [MAX_DEVICES as u32 + 1, 100] {
        assert_eq!(
            list_error(&edit_body(|b| {
                b.devices = (1..=n).map(|i| listed(i, i as u8)).collect()
            })),
            Error::InvalidDeviceList {
                reason: "not 1 to 64 devices"
            },
            "{n}"
        );
    }
    for n in [1u32, MAX_DEVICES as u32] {
        assert!(
            DeviceListIn::decode(&edit_body(|b| {
                b.devices = (1..=n).map(|i| listed(i, i as u8)).collect()
            }))
            .is_ok()
        );
    }
}

#[test]
fn device_lists_with_a_device_id_0() {
    // First, last, or the only device.
    for at in [0usize, 2] {
        assert_eq!(
            list_error(&edit_body(|b| b.devices[at].device_id = 0)),
            Error::InvalidDeviceList {
                reason: "device id 0"
            },
            "device {at}"
        );
    }
    assert_eq!(
        list_error(&edit_body(|b| b.devices = vec![listed(0, 1)])),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    // The largest id decodes.
    assert!(DeviceListIn::decode(&edit_body(|b| b.devices[2].device_id = u32::MAX)).is_ok());
}

#[test]
fn device_lists_with_device_ids_not_increasing() {
    for ids in [
        [2u32, 1, 3],
        [1, 3, 2],
        [1, 1, 2],
        [1, 2, 2],
        [3, 2, 1],
        [5, 5, 5],
    ] {
        assert_eq!(
            list_error(&edit_body(|b| {
                for (device, n) in b.devices.iter_mut().zip(ids) {
                    device.device_id = n;
                }
            })),
            Error::InvalidDeviceList {
                reason: "device ids not strictly increasing"
            },
            "{ids:?}"
        );
    }
    // Gaps are fine.
    assert!(
        DeviceListIn::decode(&edit_body(|b| {
            for (device, n) in b.devices.iter_mut().zip([1u32, 7, u32::MAX]) {
                device.device_id = n;
            }
        }))
        .is_ok()
    );
}

#[test]
fn device_lists_with_a_device_key_listed_twice() {
    for (at, from) in [(1usize, 0usize), (2, 0), (2, 1)] {
        assert_eq!(
            list_error(&edit_body(|b| {
                b.devices[at].identity_key = b.devices[from].identity_key.clone()
            })),
            Error::InvalidDeviceList {
                reason: "a device key is listed twice"
            },
            "{at} {from}"
        );
    }
    // A device key equal to the account key is allowed (SPEC.md 14.1, 14.2: one key, two
    // roles on a primary).
    let account = account_key().public_key().to_bytes().to_vec();
    assert!(DeviceListIn::decode(&edit_body(|b| b.devices[0].identity_key = account)).is_ok());
}

#[test]
fn device_lists_with_a_bad_device_key() {
    for at in [0usize, 2] {
        for len in [0usize, 1, 31, 33, 64] {
            assert_eq!(
                list_error(&edit_body(|b| b.devices[at].identity_key = vec![9; len])),
                Error::InvalidLength {
                    field: "devices.identity_key",
                    expected: 32,
                    found: len
                }
            );
        }
        for key in low_order_keys() {
            assert_eq!(
                list_error(&edit_body(|b| b.devices[at].identity_key = key)),
                Error::LowOrderPublicKey
            );
        }
        assert_eq!(
            list_error(&edit_body(
                |b| b.devices[at].identity_key = off_curve_identity_key()
            )),
            Error::InvalidPublicKey
        );
        assert_eq!(
            list_error(&edit_body(
                |b| b.devices[at].identity_key = non_canonical_identity_key()
            )),
            Error::InvalidPublicKey
        );
    }
}

#[test]
fn device_list_signatures_of_the_wrong_length() {
    for len in [0usize, 1, 63, 65, 128] {
        let mut list = list_pb();
        list.signature.resize(len, 3);
        assert_eq!(
            list_error(&list.encode_to_vec()),
            Error::InvalidLength {
                field: "signature",
                expected: 64,
                found: len
            }
        );
    }
    // 64 bytes of zeros decode: whether they verify is validation's question.
    let mut list = list_pb();
    list.signature = vec![0; 64];
    assert!(DeviceListIn::decode(&list.encode_to_vec()).is_ok());
}

/// SPEC.md 14.2's decoding order: when two things are wrong, the earlier step's error.
#[test]
fn device_list_decoding_steps_apply_in_order() {
    // 1 before 2: too large, though it would not parse.
    assert_eq!(
        list_error(&vec![0xff; MAX_DEVICE_LIST_LEN + 1]),
        Error::TooLarge {
            len: MAX_DEVICE_LIST_LEN + 1,
            max: MAX_DEVICE_LIST_LEN
        }
    );
    // 2 before 3: a non-canonical body of version 2.
    let mut bad = body();
    bad.version = 2;
    let bad = [bad.encode_to_vec(), vec![0x40, 0x01]].concat();
    assert_eq!(
        list_error(&list_with_body(bad)),
        Error::NonCanonicalEncoding
    );
    // 3 before 4, 4 before 5, 5 before 6.
    assert_eq!(
        list_error(&edit_body(|b| {
            b.version = 2;
            b.account_id.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.account_id.clear();
            b.account_key.clear();
        })),
        Error::InvalidAccountId { len: 0 }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.account_key = low_order_keys()[0].clone();
            b.devices = (1..=65).map(|i| listed(i, i as u8)).collect();
        })),
        Error::LowOrderPublicKey
    );
    // 6 before 7: 65 devices, the first with id 0.
    assert_eq!(
        list_error(&edit_body(|b| {
            b.devices = (0..=64).map(|i| listed(i, i as u8 + 1)).collect();
        })),
        Error::InvalidDeviceList {
            reason: "not 1 to 64 devices"
        }
    );
    // 7, device by device: a device's id before its key, and an earlier device's key before
    // a later device's id.
    assert_eq!(
        list_error(&edit_body(|b| {
            b.devices[0].device_id = 0;
            b.devices[0].identity_key.clear();
        })),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.devices[0].identity_key.pop();
            b.devices[1].device_id = 0;
        })),
        Error::InvalidLength {
            field: "devices.identity_key",
            expected: 32,
            found: 31
        }
    );
    // 7 before 8: a bad device key in a list of version 0 with no order.
    assert_eq!(
        list_error(&edit_body(|b| {
            b.list_version = 0;
            b.devices[2].identity_key = off_curve_identity_key();
            b.devices[1].device_id = 9;
        })),
        Error::InvalidPublicKey
    );
    // Within 8: version, then lifetime, then count, then device by device (id, then key).
    assert_eq!(
        list_error(&edit_body(|b| {
            b.list_version = 0;
            b.expires_at = 0;
            b.devices.clear();
        })),
        Error::InvalidDeviceList {
            reason: "list version 0"
        }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.expires_at = 0;
            b.devices.clear();
        })),
        Error::InvalidDeviceList {
            reason: "expires_at is not after issued_at"
        }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.devices[1].identity_key = b.devices[0].identity_key.clone();
            b.devices[2].device_id = 1;
        })),
        Error::InvalidDeviceList {
            reason: "a device key is listed twice"
        }
    );
    assert_eq!(
        list_error(&edit_body(|b| {
            b.devices[1].device_id = 1;
            b.devices[1].identity_key = b.devices[0].identity_key.clone();
        })),
        Error::InvalidDeviceList {
            reason: "device ids not strictly increasing"
        }
    );
    // 8 before 9: a broken rule in a list whose signature is 10 bytes.
    let mut list = pb::DeviceList::decode(edit_body(|b| b.list_version = 0).as_slice()).unwrap();
    list.signature.truncate(10);
    assert_eq!(
        list_error(&list.encode_to_vec()),
        Error::InvalidDeviceList {
            reason: "list version 0"
        }
    );
}

// ---------------------------------------------------------------------------------------
// Device lists: SPEC.md 14.3 validation
// ---------------------------------------------------------------------------------------

#[test]
fn device_lists_under_another_key_than_the_trusted_one() {
    let genuine = genuine_list();
    assert_eq!(
        validated(genuine.to_bytes(), NOW, None),
        Ok(genuine.clone())
    );
    let other = AccountKeyPair::from_seed(&OTHER_ACCOUNT_SEED);
    assert_eq!(
        DeviceListIn::decode(genuine.to_bytes()).unwrap().validate(
            other.public_key(),
            t(NOW),
            &policy(),
            None
        ),
        Err(Error::IdentityMismatch)
    );
    // A list that names and is signed by another key, validated under ours.
    let mut body = body();
    body.account_key = other.public_key().to_bytes().to_vec();
    let body = body.encode_to_vec();
    let signature = sign_labelled(&OTHER_ACCOUNT_SEED, DEVICE_LIST_LABEL, &body);
    let theirs = pb::DeviceList {
        body: body.clone(),
        signature,
    }
    .encode_to_vec();
    assert_eq!(validated(&theirs, NOW, None), Err(Error::IdentityMismatch));
    assert!(
        DeviceListIn::decode(&theirs)
            .unwrap()
            .validate(other.public_key(), t(NOW), &policy(), None)
            .is_ok()
    );
}

#[test]
fn device_lists_with_a_bad_signature() {
    let genuine = genuine_list().to_bytes().to_vec();
    // Any bit of the signature flipped.
    for bit in [0usize, 7, 255, 256, 511] {
        let mut list = list_pb();
        list.signature[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            validated(&list.encode_to_vec(), NOW, None),
            Err(Error::InvalidDeviceListSignature),
            "bit {bit}"
        );
    }
    // The body edited after signing: a device removed, the version raised.
    for edit in [
        |b: &mut pb::DeviceListBody| {
            b.devices.pop();
        },
        |b: &mut pb::DeviceListBody| b.list_version = 4,
    ] {
        let mut list = list_pb();
        let mut body = body();
        edit(&mut body);
        list.body = body.encode_to_vec();
        assert_eq!(
            validated(&list.encode_to_vec(), NOW, None),
            Err(Error::InvalidDeviceListSignature)
        );
    }
    // Signed under another label (a revocation list's, a signed prekey's, none), or by
    // another key that the body does not name.
    let body = body().encode_to_vec();
    for signature in [
        sign_labelled(&ACCOUNT_SEED, b"hushwire/v1/sig/revocation-list", &body),
        sign_labelled(&ACCOUNT_SEED, b"hushwire/v1/sig/signed-prekey", &body),
        ed25519_sign(&ACCOUNT_SEED, &body).to_vec(),
        sign_labelled(&OTHER_ACCOUNT_SEED, DEVICE_LIST_LABEL, &body),
    ] {
        let list = pb::DeviceList {
            body: body.clone(),
            signature,
        };
        assert_eq!(
            validated(&list.encode_to_vec(), NOW, None),
            Err(Error::InvalidDeviceListSignature)
        );
    }
    // The non-canonical S + L form of the genuine signature (verify_strict refuses it).
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut list = list_pb();
    let mut carry = 0u16;
    for (s, l) in list.signature[32..].iter_mut().zip(L) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert_ne!(list.encode_to_vec(), genuine);
    assert_eq!(
        validated(&list.encode_to_vec(), NOW, None),
        Err(Error::InvalidDeviceListSignature)
    );
}

#[test]
fn device_lists_older_than_the_one_held() {
    let held = genuine_list();
    for version in [1u64, 2] {
        assert_eq!(
            validated(&edit_body(|b| b.list_version = version), NOW, Some(&held)),
            Err(Error::DeviceListRollback {
                held: 3,
                found: version
            })
        );
    }
    // The same list again, and a newer one, pass.
    assert!(validated(held.to_bytes(), NOW, Some(&held)).is_ok());
    assert!(validated(&edit_body(|b| b.list_version = 4), NOW, Some(&held)).is_ok());
}

#[test]
fn device_lists_conflicting_with_the_one_held() {
    let held = genuine_list();
    type Edit = fn(&mut pb::DeviceListBody);
    let edits: [(&str, Edit); 4] = [
        ("a device removed", |b| {
            b.devices.pop();
        }),
        ("a device re-keyed", |b| {
            b.devices[1].identity_key = device_key(9).to_bytes().to_vec()
        }),
        ("issued a second later", |b| b.issued_at += 1),
        ("expiring a day later", |b| b.expires_at += DAY),
    ];
    for (what, edit) in edits {
        assert_eq!(
            validated(&edit_body(edit), NOW, Some(&held)),
            Err(Error::DeviceListConflict { version: 3 }),
            "{what}"
        );
    }
}

#[test]
fn device_lists_after_a_previous_list_of_another_account() {
    let list = genuine_list().to_bytes().to_vec();
    // The previous list of another account id under the same key, or of the same id under
    // another key (whatever its version).
    let globex = account_key()
        .sign_device_list(
            &account_id("globex"),
            1,
            t(NOW),
            t(NOW + DAY),
            &[(id(1), device_key(1))],
        )
        .unwrap();
    let other_key = AccountKeyPair::from_seed(&OTHER_ACCOUNT_SEED)
        .sign_device_list(
            &account_id("acme"),
            9,
            t(NOW),
            t(NOW + DAY),
            &[(id(1), device_key(1))],
        )
        .unwrap();
    for previous in [&globex, &other_key] {
        assert_eq!(
            validated(&list, NOW, Some(previous)),
            Err(Error::IdentityMismatch)
        );
    }
}

#[test]
fn device_lists_that_live_longer_than_the_policy_allows() {
    for (issued, expires) in [
        (NOW, NOW + MAX_LIFETIME + 1),
        (NOW - DAY, NOW + 365 * DAY),
        (0, u64::MAX),
    ] {
        assert_eq!(
            validated(
                &edit_body(|b| {
                    b.issued_at = issued;
                    b.expires_at = expires;
                }),
                NOW,
                None
            ),
            Err(Error::DeviceListLifetimeTooLong {
                lifetime: expires - issued,
                max: MAX_LIFETIME
            })
        );
    }
    assert!(validated(&edit_body(|b| b.expires_at = NOW + MAX_LIFETIME), NOW, None).is_ok());
    // A stricter policy: 30 days and one second is too long.
    let mut strict = policy();
    strict.max_lifetime_seconds = 30 * DAY;
    let list = edit_body(|b| b.expires_at += 1);
    assert_eq!(
        DeviceListIn::decode(&list).unwrap().validate(
            account_key().public_key(),
            t(NOW),
            &strict,
            None
        ),
        Err(Error::DeviceListLifetimeTooLong {
            lifetime: 30 * DAY + 1,
            max: 30 * DAY
        })
    );
}

#[test]
fn device_lists_expired_or_issued_in_the_future() {
    let expires = NOW + 30 * DAY;
    let list = genuine_list().to_bytes().to_vec();
    for at in [expires + SKEW + 1, expires + 365 * DAY, u64::MAX] {
        assert_eq!(
            validated(&list, at, None),
            Err(Error::DeviceListExpired {
                expires_at: expires
            }),
            "at {at}"
        );
    }
    for at in [NOW - SKEW - 1, NOW - DAY, 0] {
        assert_eq!(
            validated(&list, at, None),
            Err(Error::DeviceListExpired {
                expires_at: expires
            }),
            "at {at}"
        );
    }
    // The edges of the skew pass.
    for at in [NOW - SKEW, expires + SKEW] {
        assert!(validated(&list, at, None).is_ok(), "at {at}");
    }
    // A verified list is checked again at each use; with no skew, one second out is out.
    let verified = genuine_list();
    let mut no_skew = policy();
    no_skew.clock_skew_seconds = 0;
    assert_eq!(
        verified.check_valid_at(t(expires + 1), &no_skew),
        Err(Error::DeviceListExpired {
            expires_at: expires
        })
    );
    assert_eq!(
        verified.check_valid_at(t(NOW - 1), &no_skew),
        Err(Error::DeviceListExpired {
            expires_at: expires
        })
    );
    assert!(verified.check_valid_at(t(expires), &no_skew).is_ok());
    // A list expiring at the end of time, with the largest skew: no overflow.
    let mut huge = policy();
    huge.clock_skew_seconds = u64::MAX;
    assert!(verified.check_valid_at(t(u64::MAX), &huge).is_ok());
}

/// SPEC.md 14.3's validation order: when two checks fail, the earlier one's error.
#[test]
fn device_list_validation_steps_apply_in_order() {
    let held = genuine_list();
    // 1 before 2: another key, and a broken signature.
    let mut list = list_pb();
    list.signature[0] ^= 1;
    assert_eq!(
        DeviceListIn::decode(&list.encode_to_vec())
            .unwrap()
            .validate(
                AccountKeyPair::from_seed(&OTHER_ACCOUNT_SEED).public_key(),
                t(NOW),
                &policy(),
                None
            ),
        Err(Error::IdentityMismatch)
    );
    // 2 before 3: a broken signature on an older list.
    let mut list = pb::DeviceList::decode(edit_body(|b| b.list_version = 1).as_slice()).unwrap();
    list.signature[0] ^= 1;
    assert_eq!(
        validated(&list.encode_to_vec(), NOW, Some(&held)),
        Err(Error::InvalidDeviceListSignature)
    );
    // Within 3: the previous list's account before the version.
    let globex_v9 = account_key()
        .sign_device_list(
            &account_id("globex"),
            9,
            t(NOW),
            t(NOW + DAY),
            &[(id(1), device_key(1))],
        )
        .unwrap();
    assert_eq!(
        validated(held.to_bytes(), NOW, Some(&globex_v9)),
        Err(Error::IdentityMismatch)
    );
    // 3 before 4: an older list that lives too long; and a conflicting one.
    let too_long = |version: u64| {
        edit_body(|b| {
            b.list_version = version;
            b.expires_at = NOW + 365 * DAY;
        })
    };
    assert_eq!(
        validated(&too_long(2), NOW, Some(&held)),
        Err(Error::DeviceListRollback { held: 3, found: 2 })
    );
    assert_eq!(
        validated(&too_long(3), NOW, Some(&held)),
        Err(Error::DeviceListConflict { version: 3 })
    );
    // 4 before 5: too long, and expired.
    assert_eq!(
        validated(&too_long(4), NOW + 400 * DAY, Some(&held)),
        Err(Error::DeviceListLifetimeTooLong {
            lifetime: 365 * DAY,
            max: MAX_LIFETIME
        })
    );
}

// ---------------------------------------------------------------------------------------
// Device messages: SPEC.md 14.5 decoding
// ---------------------------------------------------------------------------------------

fn world(rng: &mut ChaCha20Rng, accounts: &[(&str, u32)]) -> World {
    let config = config();
    World {
        accounts: accounts
            .iter()
            .map(|(name, devices)| Account::generate(rng, name, *devices, &config))
            .collect(),
        config,
    }
}

/// A genuine device message: Acme's device 1's first message to Carol's device 1.
fn genuine_message() -> Vec<u8> {
    let mut rng = rng(70);
    let mut world = world(&mut rng, &[("acme", 1), ("carol", 1)]);
    world.connect(&mut rng, 0, 1, 1);
    let messages = world.send(0, 1, 1, b"genuine").unwrap();
    assert_eq!(messages.len(), 1);
    messages[0].encode()
}

fn message_pb() -> pb::DeviceMessage {
    pb::DeviceMessage::decode(genuine_message().as_slice()).unwrap()
}

/// The genuine message after `edit`.
fn edit_message(edit: impl FnOnce(&mut pb::DeviceMessage)) -> Vec<u8> {
    let mut message = message_pb();
    edit(&mut message);
    message.encode_to_vec()
}

/// The error `DeviceMessage::decode` returns for `bytes` under the test configuration.
fn message_error(bytes: &[u8]) -> Error {
    DeviceMessage::decode(bytes, &config()).unwrap_err()
}

#[test]
fn device_messages_that_are_too_large() {
    let max = config().max_encoded_len + MAX_DEVICE_MESSAGE_OVERHEAD;
    for len in [max + 1, max + 1000] {
        assert_eq!(message_error(&vec![0u8; len]), Error::TooLarge { len, max });
    }
    assert_eq!(message_error(&vec![0u8; max]), Error::MalformedProtobuf);
    // An envelope over max_encoded_len inside a message within its bound: the envelope's
    // length is reported.
    let mut small = config();
    small.max_encoded_len = 1000;
    let fits = message_with_envelope_of(1000);
    let envelope_len = |bytes: &[u8]| {
        pb::DeviceMessage::decode(bytes)
            .unwrap()
            .envelope
            .unwrap()
            .encoded_len()
    };
    assert_eq!(envelope_len(&fits), 1000);
    assert!(DeviceMessage::decode(&fits, &small).is_ok());
    let over = message_with_envelope_of(1001);
    assert_eq!(envelope_len(&over), 1001);
    assert!(over.len() <= 1000 + MAX_DEVICE_MESSAGE_OVERHEAD);
    assert_eq!(
        DeviceMessage::decode(&over, &small),
        Err(Error::TooLarge {
            len: 1001,
            max: 1000
        })
    );
    // The largest routing (255-byte account ids, the largest ids and versions) around an
    // envelope of max_encoded_len fits the overhead.
    let mut largest =
        pb::DeviceMessage::decode(message_with_envelope_of(config().max_encoded_len).as_slice())
            .unwrap();
    largest.sender_account = vec![b's'; 255];
    largest.recipient_account = vec![b'r'; 255];
    largest.sender_device = u32::MAX;
    largest.recipient_device = u32::MAX;
    largest.sender_list_version = u64::MAX;
    largest.recipient_list_version = u64::MAX;
    let largest = largest.encode_to_vec();
    assert!(largest.len() <= max, "{} > {max}", largest.len());
    assert!(DeviceMessage::decode(&largest, &config()).is_ok());
}

/// The genuine message with its first message's ciphertext grown (or shrunk) so that the
/// envelope encodes to `len` bytes.
fn message_with_envelope_of(len: usize) -> Vec<u8> {
    let mut message = message_pb();
    let envelope = message.envelope.as_mut().unwrap();
    // Two steps: the ciphertext's length prefix (and its parents') may grow by a byte or two.
    for _ in 0..3 {
        let now = envelope.encoded_len();
        let Some(pb::envelope::Content::Prekey(first)) = envelope.content.as_mut() else {
            panic!("not a first message")
        };
        let ciphertext = &mut first.message.as_mut().unwrap().ciphertext;
        let target = (ciphertext.len() + len).checked_sub(now).unwrap();
        ciphertext.resize(target, 0);
    }
    assert_eq!(envelope.encoded_len(), len);
    message.encode_to_vec()
}

#[test]
fn device_messages_that_do_not_parse_or_are_not_canonical() {
    let genuine = genuine_message();
    assert!(DeviceMessage::decode(&genuine, &config()).is_ok());
    for cut in [1, 5, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            message_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    assert_eq!(message_error(&[0x0f]), Error::MalformedProtobuf);
    assert_eq!(message_error(&[0x42, 0x01]), Error::MalformedProtobuf);
    assert_eq!(genuine[..2], [0x08, 0x01]);
    // An unknown field, a non-minimal varint, an explicit zero, a field twice, a device id
    // wider than uint32, fields out of order, an unknown field inside the envelope.
    let m = message_pb();
    let without_versions = edit_message(|m| {
        m.sender_list_version = 0;
        m.recipient_list_version = 0;
        m.envelope = None;
    });
    let envelope = m.envelope.clone().unwrap().encode_to_vec();
    let envelope_field = [vec![0x42], varint(envelope.len() as u64), envelope.clone()].concat();
    let versions = [vec![0x30], varint(m.sender_list_version), vec![0x38]].concat();
    let versions = [versions, varint(m.recipient_list_version)].concat();
    // version (2 bytes), sender account "acme" (6 bytes), then the sender device.
    let sender_device_at = 8;
    assert_eq!(without_versions[..8], *b"\x08\x01\x12\x04acme");
    assert_eq!(without_versions[8..10], [0x18, 0x01]);
    for bad in [
        [genuine.clone(), vec![0x48, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], genuine[2..].to_vec()].concat(),
        [
            without_versions.clone(),
            vec![0x30, 0x00],
            versions[2..].to_vec(),
            envelope_field.clone(),
        ]
        .concat(),
        [genuine.clone(), vec![0x38, 0x01]].concat(),
        [
            without_versions[..sender_device_at].to_vec(),
            vec![0x18],
            varint((1 << 32) + 1),
            without_versions[sender_device_at + 2..].to_vec(),
            versions.clone(),
            envelope_field.clone(),
        ]
        .concat(),
        [
            without_versions.clone(),
            envelope_field.clone(),
            versions.clone(),
        ]
        .concat(),
        [
            without_versions.clone(),
            versions.clone(),
            vec![0x42],
            varint(envelope.len() as u64 + 2),
            envelope.clone(),
            vec![0x40, 0x01],
        ]
        .concat(),
    ] {
        assert_eq!(
            message_error(&bad),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // Control: the pieces reassembled in order are the genuine message.
    assert_eq!(
        [without_versions, versions, envelope_field].concat(),
        genuine
    );
}

#[test]
fn device_messages_of_another_version() {
    for version in [0u32, 2, u32::MAX] {
        assert_eq!(
            message_error(&edit_message(|m| m.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
}

#[test]
fn device_messages_with_a_bad_account_id() {
    for len in [0usize, 256] {
        assert_eq!(
            message_error(&edit_message(|m| m.sender_account = vec![b's'; len])),
            Error::InvalidAccountId { len }
        );
        assert_eq!(
            message_error(&edit_message(|m| m.recipient_account = vec![b'r'; len])),
            Error::InvalidAccountId { len }
        );
    }
    assert!(
        DeviceMessage::decode(
            &edit_message(|m| m.recipient_account = vec![b'r'; 255]),
            &config()
        )
        .is_ok()
    );
}

#[test]
fn device_messages_with_a_device_id_0() {
    for edit in [
        |m: &mut pb::DeviceMessage| m.sender_device = 0,
        |m: &mut pb::DeviceMessage| m.recipient_device = 0,
    ] {
        assert_eq!(
            message_error(&edit_message(edit)),
            Error::InvalidDeviceList {
                reason: "device id 0"
            }
        );
    }
}

#[test]
fn device_messages_with_a_list_version_0() {
    for edit in [
        |m: &mut pb::DeviceMessage| m.sender_list_version = 0,
        |m: &mut pb::DeviceMessage| m.recipient_list_version = 0,
    ] {
        assert_eq!(
            message_error(&edit_message(edit)),
            Error::InvalidDeviceList {
                reason: "list version 0"
            }
        );
    }
}

#[test]
fn device_messages_without_an_envelope_or_with_a_bad_one() {
    assert_eq!(
        message_error(&edit_message(|m| m.envelope = None)),
        Error::MissingField { field: "envelope" }
    );
    // An envelope present but empty is version 0; one without content; one whose first
    // message has a base key of small order.
    assert_eq!(
        message_error(&edit_message(|m| m.envelope = Some(pb::Envelope::default()))),
        Error::UnsupportedVersion { found: 0 }
    );
    assert_eq!(
        message_error(&edit_message(
            |m| m.envelope.as_mut().unwrap().content = None
        )),
        Error::MissingField { field: "content" }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            let Some(pb::envelope::Content::Prekey(first)) =
                m.envelope.as_mut().unwrap().content.as_mut()
            else {
                panic!("not a first message")
            };
            first.base_key = vec![0; 32];
        })),
        Error::LowOrderPublicKey
    );
}

/// SPEC.md 14.5's decoding order.
#[test]
fn device_message_decoding_steps_apply_in_order() {
    // Parse before version; version before the sender account; sender account before sender
    // device; sender device before recipient account; recipient account before recipient
    // device; recipient device before list versions; list versions before the envelope;
    // the envelope's size before its content.
    assert_eq!(
        message_error(&[edit_message(|m| m.version = 2), vec![0x48]].concat()),
        Error::MalformedProtobuf
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.version = 2;
            m.sender_account.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.sender_account.clear();
            m.sender_device = 0;
        })),
        Error::InvalidAccountId { len: 0 }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.sender_device = 0;
            m.recipient_account.clear();
        })),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.recipient_account = vec![0; 256];
            m.recipient_device = 0;
        })),
        Error::InvalidAccountId { len: 256 }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.recipient_device = 0;
            m.sender_list_version = 0;
        })),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    assert_eq!(
        message_error(&edit_message(|m| {
            m.recipient_list_version = 0;
            m.envelope = None;
        })),
        Error::InvalidDeviceList {
            reason: "list version 0"
        }
    );
    let mut small = config();
    small.max_encoded_len = 100;
    let oversized_bad = edit_message(|m| m.envelope.as_mut().unwrap().version = 2);
    assert_eq!(
        DeviceMessage::decode(&oversized_bad, &small),
        Err(Error::TooLarge {
            len: pb::DeviceMessage::decode(oversized_bad.as_slice())
                .unwrap()
                .envelope
                .unwrap()
                .encoded_len(),
            max: 100
        })
    );
    assert_eq!(
        message_error(&oversized_bad),
        Error::UnsupportedVersion { found: 2 }
    );
}

// ---------------------------------------------------------------------------------------
// Device messages: SPEC.md 14.5 receiving
// ---------------------------------------------------------------------------------------

/// What a delivery may change on a device: its records' stored forms, its prekey store.
fn holdings(device: &Device) -> (Vec<(DeviceAddress, Vec<u8>)>, String, usize) {
    (
        device
            .sessions
            .records()
            .map(|(address, record)| (address.clone(), record.to_stored().as_bytes().to_vec()))
            .collect(),
        format!("{:?}", device.prekeys),
        device.prekeys.one_time_prekeys_left(),
    )
}

/// `device` decrypts `message` at `at`, with `own` its account's list and `sender` the
/// sender account's. On an error, asserts that its records (byte for byte) and prekey store
/// are as they were and that no randomness was drawn.
fn deliver(
    device: &mut Device,
    own: &VerifiedDeviceList,
    sender: &VerifiedDeviceList,
    message: &DeviceMessage,
    at: u64,
) -> Result<Received, Error> {
    let before = holdings(device);
    let mut rng = rng(999);
    let result = device.sessions.decrypt(
        &mut rng,
        &device.identity,
        &mut device.prekeys,
        own,
        sender,
        message,
        t(at),
    );
    if result.is_err() {
        assert_eq!(holdings(device), before, "state changed after a refusal");
        assert_eq!(rng.get_word_pos(), 0, "randomness drawn for a refusal");
    }
    result
}

/// An established conversation: Acme (2 devices) and Carol (2 devices), every pair of
/// devices with a session that has carried a message each way.
fn established(seed: u64) -> (World, ChaCha20Rng) {
    let mut rng = rng(seed);
    let mut world = world(&mut rng, &[("acme", 2), ("carol", 2)]);
    for (from, to) in [(0, 1), (1, 0)] {
        for d in [1, 2] {
            world.connect(&mut rng, from, d, to);
            for m in world.send(from, d, to, b"hello").unwrap() {
                world.deliver(&mut rng, &m).unwrap().unwrap();
            }
        }
    }
    (world, rng)
}

/// Fresh sessions: Acme's device 1 has started sessions with Carol's two devices and Acme's
/// device 2, and its first messages are in flight (nothing delivered yet).
fn first_messages(seed: u64) -> (World, Vec<DeviceMessage>) {
    let mut rng = rng(seed);
    let mut world = world(&mut rng, &[("acme", 2), ("carol", 2)]);
    assert_eq!(world.connect(&mut rng, 0, 1, 1), 3);
    let messages = world.send(0, 1, 1, b"first").unwrap();
    assert!(messages.iter().all(|m| m.envelope().is_prekey()));
    (world, messages)
}

fn find<'a>(messages: &'a [DeviceMessage], account: &str, device: u32) -> &'a DeviceMessage {
    messages
        .iter()
        .find(|m| {
            m.recipient().account.as_bytes() == account.as_bytes()
                && m.recipient().device.get() == device
        })
        .unwrap()
}

/// `message` re-encoded after `edit`, and decoded again.
fn edited(message: &DeviceMessage, edit: impl FnOnce(&mut pb::DeviceMessage)) -> DeviceMessage {
    let mut wire = pb::DeviceMessage::decode(message.encode().as_slice()).unwrap();
    edit(&mut wire);
    DeviceMessage::decode(&wire.encode_to_vec(), &config()).unwrap()
}

/// The lists of Acme and Carol.
fn lists(world: &World) -> (VerifiedDeviceList, VerifiedDeviceList) {
    (
        world.accounts[0].list.clone(),
        world.accounts[1].list.clone(),
    )
}

/// `account`'s devices signed again as version `version`, valid from `issued` to `expires`,
/// with `devices` (id, device index) in place of its own.
fn resigned(
    account: &Account,
    version: u64,
    issued: u64,
    expires: u64,
    devices: &[(u32, IdentityKey)],
) -> VerifiedDeviceList {
    let devices: Vec<_> = devices.iter().map(|(n, key)| (id(*n), *key)).collect();
    account
        .key
        .sign_device_list(&account.id, version, t(issued), t(expires), &devices)
        .unwrap()
}

fn key_of_device(account: &Account, n: u32) -> IdentityKey {
    *account
        .devices
        .iter()
        .find(|d| d.address.device.get() == n)
        .unwrap()
        .identity
        .public_key()
}

#[test]
fn device_messages_not_addressed_to_this_device() {
    let (mut world, _) = established(80);
    let messages = world.send(0, 1, 1, b"for carol 1").unwrap();
    let for_1 = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    // Delivered as it is to Carol's device 2, and to Acme's device 2 (another account).
    let carol2 = world.accounts[1].device(2);
    assert_eq!(
        deliver(carol2, &carol, &acme, &for_1, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "recipient" }
    );
    let acme2 = world.accounts[0].device(2);
    assert_eq!(
        deliver(acme2, &acme, &acme, &for_1, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "recipient" }
    );
    // Control: it decrypts where it is addressed.
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &acme, &for_1, NOW)
            .unwrap()
            .plaintext,
        b"for carol 1"
    );
}

#[test]
fn device_messages_from_another_account_than_the_senders_list() {
    let (mut world, _) = established(81);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    let carol1 = world.accounts[1].device(1);
    // Checked against Carol's list (the sender is Acme).
    assert_eq!(
        deliver(carol1, &carol, &carol, &m, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "sender" }
    );
    // The sender account rewritten to Carol, checked against Acme's list.
    let rewritten = edited(&m, |w| w.sender_account = b"carol".to_vec());
    assert_eq!(
        deliver(carol1, &carol, &acme, &rewritten, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "sender" }
    );
}

#[test]
fn device_messages_claiming_to_be_from_this_device() {
    let (mut world, _) = established(82);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (_, carol) = lists(&world);
    let from_itself = edited(&m, |w| {
        w.sender_account = b"carol".to_vec();
        w.sender_device = 1;
    });
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &carol, &from_itself, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "sender" }
    );
    // From the account's other device it passes the address checks and fails the binding.
    let from_other = edited(&m, |w| {
        w.sender_account = b"carol".to_vec();
        w.sender_device = 2;
    });
    assert_eq!(
        deliver(carol1, &carol, &carol, &from_other, NOW).unwrap_err(),
        Error::DecryptionFailed
    );
}

#[test]
fn device_messages_from_a_device_not_on_the_senders_list() {
    let (mut world, _) = established(83);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    // A device id no list holds.
    let from_9 = edited(&m, |w| w.sender_device = 9);
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &acme, &from_9, NOW).unwrap_err(),
        Error::DeviceNotListed { device: 9 }
    );
    // Acme's device 1 removed from a newer list: its message in flight is refused, though
    // Carol's device still holds its session.
    let acme_account = &world.accounts[0];
    let without_1 = resigned(
        acme_account,
        2,
        NOW,
        NOW + DAY,
        &[(2, key_of_device(acme_account, 2))],
    );
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &without_1, &m, NOW).unwrap_err(),
        Error::DeviceNotListed { device: 1 }
    );
    assert_eq!(
        deliver(carol1, &carol, &acme, &m, NOW).unwrap().plaintext,
        b"x"
    );
}

#[test]
fn first_messages_from_a_key_other_than_the_listed_one() {
    let (mut world, messages) = first_messages(84);
    let (acme, carol) = lists(&world);
    let m = find(&messages, "carol", 1).clone();
    // The first message claims Acme's device 2, whose listed key is not the one in it.
    let as_2 = edited(&m, |w| w.sender_device = 2);
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &acme, &as_2, NOW).unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
    // Acme's device 1 re-keyed (reinstalled) on a newer list: the first message made with the
    // old key is refused before any prekey is looked up (`deliver` checks the one-time
    // prekey is still there).
    let acme_account = &world.accounts[0];
    let rekeyed = resigned(
        acme_account,
        2,
        NOW,
        NOW + DAY,
        &[(1, device_key(0x99)), (2, key_of_device(acme_account, 2))],
    );
    let carol1 = world.accounts[1].device(1);
    let left = carol1.prekeys.one_time_prekeys_left();
    assert_eq!(left, 1);
    assert_eq!(
        deliver(carol1, &carol, &rekeyed, &m, NOW).unwrap_err(),
        Error::DeviceNotListed { device: 1 }
    );
    assert_eq!(carol1.sessions.records().count(), 0);
    // Control: under the genuine list it is accepted, and the prekey consumed.
    assert_eq!(
        deliver(carol1, &carol, &acme, &m, NOW).unwrap().plaintext,
        b"first"
    );
    assert_eq!(carol1.prekeys.one_time_prekeys_left(), 0);
}

#[test]
fn device_messages_redirected_or_with_edited_routing() {
    let (mut world, _) = established(85);
    let messages = world.send(0, 1, 1, b"bound").unwrap();
    let m = find(&messages, "carol", 1).clone();
    assert!(!m.envelope().is_prekey());
    let (acme, carol) = lists(&world);
    // Redirected to Carol's device 2, which has sessions with Acme's device 1 too.
    let redirected = edited(&m, |w| w.recipient_device = 2);
    let carol2 = world.accounts[1].device(2);
    assert_eq!(
        deliver(carol2, &carol, &acme, &redirected, NOW).unwrap_err(),
        Error::DecryptionFailed
    );
    // Attributed to Acme's device 2 (whose session Carol's device 1 also holds), or with
    // either list version edited.
    type Edit = fn(&mut pb::DeviceMessage);
    let edits: [(&str, Edit); 3] = [
        ("sender device", |w| w.sender_device = 2),
        ("sender list version", |w| w.sender_list_version = 7),
        ("recipient list version", |w| w.recipient_list_version = 7),
    ];
    let carol1 = world.accounts[1].device(1);
    for (what, edit) in edits {
        let forged = edited(&m, edit);
        assert_eq!(
            deliver(carol1, &carol, &acme, &forged, NOW).unwrap_err(),
            Error::DecryptionFailed,
            "{what}"
        );
    }
    // The genuine message still decrypts: every refusal left the records as they were.
    assert_eq!(
        deliver(carol1, &carol, &acme, &m, NOW).unwrap().plaintext,
        b"bound"
    );
}

#[test]
fn first_messages_redirected_or_with_edited_routing() {
    let (mut world, messages) = first_messages(86);
    let (acme, carol) = lists(&world);
    let m = find(&messages, "carol", 1).clone();
    // Redirected to Carol's device 2 (which has a prekey of the same ids, and a first message
    // of its own in flight), or with a list version edited: the one-time prekey is not
    // consumed and no record appears (`deliver` checks both).
    let redirected = edited(&m, |w| w.recipient_device = 2);
    let carol2 = world.accounts[1].device(2);
    assert_eq!(
        deliver(carol2, &carol, &acme, &redirected, NOW).unwrap_err(),
        Error::DecryptionFailed
    );
    let carol1 = world.accounts[1].device(1);
    for edit in [
        |w: &mut pb::DeviceMessage| w.sender_list_version = 2,
        |w: &mut pb::DeviceMessage| w.recipient_list_version = 2,
    ] {
        assert_eq!(
            deliver(carol1, &carol, &acme, &edited(&m, edit), NOW).unwrap_err(),
            Error::DecryptionFailed
        );
    }
    assert_eq!(carol1.prekeys.one_time_prekeys_left(), 1);
    assert_eq!(carol1.sessions.records().count(), 0);
    assert_eq!(
        deliver(carol1, &carol, &acme, &m, NOW).unwrap().plaintext,
        b"first"
    );
}

#[test]
fn device_messages_under_an_expired_list() {
    let (mut world, _) = established(87);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    let expires = NOW + LIST_LIFETIME;
    let carol1 = world.accounts[1].device(1);
    for at in [expires + SKEW + 1, NOW - SKEW - 1] {
        assert_eq!(
            deliver(carol1, &carol, &acme, &m, at).unwrap_err(),
            Error::DeviceListExpired {
                expires_at: expires
            },
            "at {at}"
        );
    }
    // Only the sender's list expired (ours re-signed to last longer), or only ours.
    let carol_longer = resigned(
        &world.accounts[1],
        1,
        NOW,
        NOW + 31 * DAY,
        &[
            (1, key_of_device(&world.accounts[1], 1)),
            (2, key_of_device(&world.accounts[1], 2)),
        ],
    );
    let acme_longer = resigned(
        &world.accounts[0],
        1,
        NOW,
        NOW + 31 * DAY,
        &[
            (1, key_of_device(&world.accounts[0], 1)),
            (2, key_of_device(&world.accounts[0], 2)),
        ],
    );
    let carol1 = world.accounts[1].device(1);
    let at = expires + SKEW + 1;
    assert_eq!(
        deliver(carol1, &carol_longer, &acme, &m, at).unwrap_err(),
        Error::DeviceListExpired {
            expires_at: expires
        }
    );
    assert_eq!(
        deliver(carol1, &carol, &acme_longer, &m, at).unwrap_err(),
        Error::DeviceListExpired {
            expires_at: expires
        }
    );
    assert_eq!(
        deliver(carol1, &carol_longer, &acme_longer, &m, at)
            .unwrap()
            .plaintext,
        b"x"
    );
}

#[test]
fn device_messages_with_an_own_list_that_is_not_ours() {
    let (mut world, _) = established(88);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    let carol1 = world.accounts[1].device(1);
    // Another account's list as our own.
    assert_eq!(
        deliver(carol1, &acme, &acme, &m, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "own_list" }
    );
    // Our account's list without this device, or with another key for it.
    let carol_account = &world.accounts[1];
    let key2 = key_of_device(carol_account, 2);
    let without_1 = resigned(carol_account, 2, NOW, NOW + DAY, &[(2, key2)]);
    let rekeyed_1 = resigned(
        carol_account,
        2,
        NOW,
        NOW + DAY,
        &[(1, device_key(0x98)), (2, key2)],
    );
    let carol1 = world.accounts[1].device(1);
    for own in [&without_1, &rekeyed_1] {
        assert_eq!(
            deliver(carol1, own, &acme, &m, NOW).unwrap_err(),
            Error::DeviceNotListed { device: 1 }
        );
    }
    // Another device's identity key pair given for this device's.
    let other = IdentityKeyPair::from_seed(&[0x97; 32]);
    let mut rng = rng(1);
    assert_eq!(
        carol1
            .sessions
            .decrypt(
                &mut rng,
                &other,
                &mut carol1.prekeys,
                &carol,
                &acme,
                &m,
                t(NOW)
            )
            .unwrap_err(),
        Error::IdentityMismatch
    );
    assert_eq!(
        deliver(carol1, &carol, &acme, &m, NOW).unwrap().plaintext,
        b"x"
    );
}

/// SPEC.md 14.5's receiving order.
#[test]
fn device_message_delivery_steps_apply_in_order() {
    let (mut world, _) = established(89);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = find(&messages, "carol", 1).clone();
    let (acme, carol) = lists(&world);
    let later = NOW + LIST_LIFETIME + SKEW + 1;
    let carol1 = world.accounts[1].device(1);
    // 1 before 2: another account's own list, a message for another device.
    let for_2 = edited(&m, |w| w.recipient_device = 2);
    assert_eq!(
        deliver(carol1, &acme, &acme, &for_2, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "own_list" }
    );
    // 2 before 3: for another device, from another account than the list.
    assert_eq!(
        deliver(carol1, &carol, &carol, &for_2, NOW).unwrap_err(),
        Error::MisaddressedMessage { field: "recipient" }
    );
    // 3 before 4: from another account than the list, at a time both lists have expired.
    assert_eq!(
        deliver(carol1, &carol, &carol, &m, later).unwrap_err(),
        Error::MisaddressedMessage { field: "sender" }
    );
    // 4: our list before the sender's (ours expiring a day later is reported when both
    // have).
    let carol_account = &world.accounts[1];
    let carol_longer = resigned(
        carol_account,
        1,
        NOW,
        NOW + 31 * DAY,
        &[
            (1, key_of_device(carol_account, 1)),
            (2, key_of_device(carol_account, 2)),
        ],
    );
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol_longer, &acme, &m, later + 10 * DAY).unwrap_err(),
        Error::DeviceListExpired {
            expires_at: NOW + 31 * DAY
        }
    );
    // 4 before 5: expired, from a device not listed.
    let from_9 = edited(&m, |w| w.sender_device = 9);
    assert_eq!(
        deliver(carol1, &carol, &acme, &from_9, later).unwrap_err(),
        Error::DeviceListExpired {
            expires_at: NOW + LIST_LIFETIME
        }
    );
    // 5 before 6: a device not listed whose (edited) message would not decrypt anyway.
    assert_eq!(
        deliver(carol1, &carol, &acme, &from_9, NOW).unwrap_err(),
        Error::DeviceNotListed { device: 9 }
    );
}

/// SPEC.md 14.5: "nothing changes on any failure", including a record that holds no session
/// (one a backend stored and loaded back, say).
#[test]
fn a_refused_delivery_keeps_an_empty_record() {
    let (mut world, messages) = first_messages(90);
    let (acme, carol) = lists(&world);
    let m = find(&messages, "carol", 1).clone();
    let carol1 = world.accounts[1].device(1);
    let acme1 = m.sender().clone();
    assert!(
        carol1
            .sessions
            .insert_record(acme1.clone(), SessionRecord::new())
            .is_none()
    );
    let forged = edited(&m, |w| w.recipient_list_version = 2);
    assert_eq!(
        deliver(carol1, &carol, &acme, &forged, NOW).unwrap_err(),
        Error::DecryptionFailed
    );
    assert!(carol1.sessions.record(&acme1).is_some(), "record dropped");
}

// ---------------------------------------------------------------------------------------
// Fan-out: SPEC.md 14.5
// ---------------------------------------------------------------------------------------

/// `device` fans `plaintext` out at `at`; on an error, asserts that its records (byte for
/// byte) and prekey store are as they were.
fn fan_out(
    device: &mut Device,
    own: &VerifiedDeviceList,
    recipient: &VerifiedDeviceList,
    at: u64,
    plaintext: &[u8],
) -> Result<Vec<DeviceMessage>, Error> {
    let before = holdings(device);
    let result = device
        .sessions
        .encrypt_for_account(own, recipient, t(at), plaintext);
    if result.is_err() {
        assert_eq!(holdings(device), before, "state changed after a refusal");
    }
    result
}

#[test]
fn fan_out_to_devices_without_a_session() {
    let (mut world, mut rng) = established(91);
    let config = world.config;
    // Carol re-installs device 2 (same id, new key) and adds device 3; Acme adds device 3.
    let carol_id = world.accounts[1].id.clone();
    world.accounts[1].devices[1] = Device::generate(&mut rng, &carol_id, 2, &config);
    world.accounts[1].add_device(&mut rng, &config);
    world.accounts[0].add_device(&mut rng, &config);
    let (acme, carol) = lists(&world);
    let acme1 = world.accounts[0].device(1);
    // Named in target order: the recipient's devices by id, then our own; the re-keyed
    // device counts as missing although a record of it exists.
    assert!(
        acme1
            .sessions
            .record(&DeviceAddress::new(carol_id.clone(), id(2)))
            .is_some()
    );
    assert_eq!(
        fan_out(acme1, &acme, &carol, NOW, b"hello").unwrap_err(),
        Error::SessionsMissing {
            devices: vec![
                DeviceAddress::new(carol_id.clone(), id(2)),
                DeviceAddress::new(carol_id.clone(), id(3)),
                DeviceAddress::new(account_id("acme"), id(3)),
            ]
        }
    );
    assert_eq!(
        acme1.sessions.missing_sessions(&acme, &carol),
        vec![
            DeviceAddress::new(carol_id.clone(), id(2)),
            DeviceAddress::new(carol_id, id(3)),
            DeviceAddress::new(account_id("acme"), id(3)),
        ]
    );
    // With the sessions started, it goes to all five other devices.
    assert_eq!(world.connect(&mut rng, 0, 1, 1), 3);
    assert_eq!(world.send(0, 1, 1, b"hello").unwrap().len(), 5);
}

#[test]
fn fan_out_from_a_device_not_on_its_own_list() {
    let (mut world, _) = established(92);
    // Acme removes its device 2, which still holds its sessions.
    let mut removed = world.accounts[0].remove_device(2);
    let (acme, carol) = lists(&world);
    assert_eq!(
        fan_out(&mut removed, &acme, &carol, NOW, b"let me in").unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
    // Another account's list given as our own.
    let acme1 = world.accounts[0].device(1);
    assert_eq!(
        fan_out(acme1, &carol, &carol, NOW, b"x").unwrap_err(),
        Error::MisaddressedMessage { field: "own_list" }
    );
    // A message from the removed device, sent before the removal, is refused on receipt.
    let (mut world, _) = established(93);
    let in_flight = world.send(0, 2, 1, b"sent before removal").unwrap();
    world.accounts[0].remove_device(2);
    let (acme, carol) = lists(&world);
    let carol1 = world.accounts[1].device(1);
    assert_eq!(
        deliver(carol1, &carol, &acme, find(&in_flight, "carol", 1), NOW).unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
}

#[test]
fn fan_out_under_an_expired_list() {
    let (mut world, _) = established(94);
    let (acme, carol) = lists(&world);
    let expires = NOW + LIST_LIFETIME;
    let acme1 = world.accounts[0].device(1);
    for at in [expires + SKEW + 1, NOW - SKEW - 1] {
        assert_eq!(
            fan_out(acme1, &acme, &carol, at, b"x").unwrap_err(),
            Error::DeviceListExpired {
                expires_at: expires
            }
        );
    }
    // Only the recipient's list expired.
    let acme_account = &world.accounts[0];
    let acme_longer = resigned(
        acme_account,
        1,
        NOW,
        NOW + 31 * DAY,
        &[
            (1, key_of_device(acme_account, 1)),
            (2, key_of_device(acme_account, 2)),
        ],
    );
    let acme1 = world.accounts[0].device(1);
    assert_eq!(
        fan_out(acme1, &acme_longer, &carol, expires + SKEW + 1, b"x").unwrap_err(),
        Error::DeviceListExpired {
            expires_at: expires
        }
    );
}

#[test]
fn fan_out_of_a_plaintext_too_large_for_any_session() {
    let (mut world, _) = established(95);
    let (acme, carol) = lists(&world);
    let max = config().max_encoded_len;
    // 176: the worst-case envelope overhead (SPEC.md 8.4); checked on every session before
    // any encrypts.
    let plaintext = vec![0u8; max - 175];
    let acme1 = world.accounts[0].device(1);
    assert_eq!(
        fan_out(acme1, &acme, &carol, NOW, &plaintext).unwrap_err(),
        Error::TooLarge { len: max + 1, max }
    );
    assert_eq!(
        fan_out(acme1, &acme, &carol, NOW, &plaintext[1..])
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn a_record_without_a_current_session_cannot_encrypt() {
    assert_eq!(SessionRecord::new().encrypt(b"x"), Err(Error::NoSession));
    // An empty record loaded from storage, and one holding only an archived session.
    let empty = seal_record(
        &pb::SessionRecord {
            version: 1,
            current: None,
            archived: vec![],
        }
        .encode_to_vec(),
    );
    let mut loaded = SessionRecord::from_stored(&empty, &config()).unwrap();
    assert_eq!(loaded.encrypt(b"x"), Err(Error::NoSession));
    let (record, _) = record_of(96, 1);
    let session = record.current().unwrap().to_stored().as_bytes().to_vec();
    let archived_only = seal_record(
        &pb::SessionRecord {
            version: 1,
            current: None,
            archived: vec![session],
        }
        .encode_to_vec(),
    );
    let mut loaded = SessionRecord::from_stored(&archived_only, &config()).unwrap();
    assert_eq!(loaded.archived_len(), 1);
    assert_eq!(loaded.encrypt(b"x"), Err(Error::NoSession));
    assert_eq!(loaded.to_stored().as_bytes(), &archived_only[..]);
}

// ---------------------------------------------------------------------------------------
// Linking: SPEC.md 14.4
// ---------------------------------------------------------------------------------------

fn primary() -> AccountKeyPair {
    AccountKeyPair::from_seed(&PRIMARY_SEED)
}

fn laptop_key() -> IdentityKey {
    key_of(&LAPTOP_SEED)
}

/// Acme's current list: version 1, the phone as device 1.
fn current_list() -> VerifiedDeviceList {
    primary()
        .sign_device_list(
            &account_id("acme"),
            1,
            t(NOW),
            t(NOW + LIST_LIFETIME),
            &[(id(1), key_of(&PHONE_SEED))],
        )
        .unwrap()
}

/// A list of `account` by the primary's key, at `version`, valid from `issued` to
/// `expires`, with the phone as device 1 and the laptop as device 2 if `with_laptop`.
fn primary_list(
    account: &str,
    version: u64,
    issued: u64,
    expires: u64,
    with_laptop: bool,
) -> VerifiedDeviceList {
    let mut devices = vec![(id(1), key_of(&PHONE_SEED))];
    if with_laptop {
        devices.push((id(2), laptop_key()));
    }
    primary()
        .sign_device_list(
            &account_id(account),
            version,
            t(issued),
            t(expires),
            &devices,
        )
        .unwrap()
}

/// A laptop waiting to be linked, the secret its QR code shows (read back with the prost
/// type), and the primary's genuine approval of it as device 2.
struct Link {
    pending: PendingLink,
    secret: Vec<u8>,
    approval: pb::LinkApproval,
}

fn link(seed: u64) -> Link {
    let mut rng = rng(seed);
    let pending = PendingLink::new(&mut rng, &IdentityKeyPair::from_seed(&LAPTOP_SEED));
    let qr = pending.qr_payload();
    let secret = pb::LinkOffer::decode(&qr[..]).unwrap().link_secret.clone();
    let (_, approval) = LinkOffer::decode(&qr)
        .unwrap()
        .approve(
            &primary(),
            &current_list(),
            id(2),
            t(NOW),
            t(NOW + LIST_LIFETIME),
        )
        .unwrap();
    Link {
        pending,
        secret,
        approval: pb::LinkApproval::decode(approval.as_slice()).unwrap(),
    }
}

/// SPEC.md 14.4's MAC, written from the spec: `K = HKDF(32 zero bytes, secret,
/// "hushwire/v1/device-link", 32)`, `HMAC(K, LP(account id) || u32(device id) ||
/// LP(device list) || device key)`. (hushwire's hazmat HKDF and HMAC: the crate's
/// dev-dependencies have `sha2` but neither `hkdf` nor `hmac`; the primitives themselves
/// are checked against RFC 5869 and 4231 in `tests/known_answers.rs`.)
fn link_mac(secret: &[u8], account: &[u8], device: u32, list: &[u8], key: &IdentityKey) -> Vec<u8> {
    let k = hkdf_sha256(&[0; 32], secret, LINK_INFO, 32).unwrap();
    let data = [
        &(account.len() as u32).to_be_bytes()[..],
        account,
        &device.to_be_bytes(),
        &(list.len() as u32).to_be_bytes(),
        list,
        &key.to_bytes(),
    ]
    .concat();
    hmac_sha256(&k, &data).to_vec()
}

/// `link`'s approval after `edit`, its MAC recomputed with the link secret so that only the
/// edit is wrong.
fn remac(link: &Link, edit: impl FnOnce(&mut pb::LinkApproval)) -> Vec<u8> {
    let mut approval = link.approval.clone();
    edit(&mut approval);
    approval.mac = link_mac(
        &link.secret,
        &approval.account_id,
        approval.device_id,
        &approval.device_list,
        &laptop_key(),
    );
    approval.encode_to_vec()
}

/// `link`'s pending link completes (at `NOW`, the default policy) with `approval`.
fn complete(link: Link, approval: &[u8]) -> Result<LinkedDevice, Error> {
    link.pending.complete(approval, t(NOW), &policy())
}

/// `link`'s approval after `edit`, its MAC left as it was.
fn edit_approval(link: &Link, edit: impl FnOnce(&mut pb::LinkApproval)) -> Vec<u8> {
    let mut approval = link.approval.clone();
    edit(&mut approval);
    approval.encode_to_vec()
}

#[test]
fn link_offers_that_do_not_decode() {
    let mut rng = rng(100);
    let pending = PendingLink::new(&mut rng, &IdentityKeyPair::from_seed(&LAPTOP_SEED));
    let qr = pending.qr_payload();
    let genuine = pb::LinkOffer::decode(&qr[..]).unwrap();
    let offer = |edit: &dyn Fn(&mut pb::LinkOffer)| {
        let mut offer = genuine.clone();
        edit(&mut offer);
        offer.encode_to_vec()
    };
    assert_eq!(offer(&|_| {}), qr[..]);
    let error = |bytes: &[u8]| LinkOffer::decode(bytes).unwrap_err();
    // Too large (checked before parsing), cut short, not canonical.
    assert_eq!(
        error(&[0u8; MAX_OFFER + 1]),
        Error::TooLarge {
            len: MAX_OFFER + 1,
            max: MAX_OFFER
        }
    );
    for cut in [1, 10, qr.len() - 1] {
        assert_eq!(error(&qr[..cut]), Error::MalformedProtobuf, "cut at {cut}");
    }
    for bad in [
        [qr.to_vec(), vec![0x20, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], qr[2..].to_vec()].concat(),
        [qr[..2].to_vec(), qr[2..].to_vec(), qr[..2].to_vec()].concat(),
    ] {
        assert_eq!(error(&bad), Error::NonCanonicalEncoding);
    }
    // Version, device key, secret.
    for version in [0u32, 2, u32::MAX] {
        assert_eq!(
            error(&offer(&|o| o.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    for len in [0usize, 31, 33] {
        assert_eq!(
            error(&offer(&|o| o.device_key = vec![9; len])),
            Error::InvalidLength {
                field: "device_key",
                expected: 32,
                found: len
            }
        );
    }
    for key in low_order_keys() {
        assert_eq!(
            error(&offer(&|o| o.device_key = key.clone())),
            Error::LowOrderPublicKey
        );
    }
    assert_eq!(
        error(&offer(&|o| o.device_key = off_curve_identity_key())),
        Error::InvalidPublicKey
    );
    assert_eq!(
        error(&offer(&|o| o.device_key = non_canonical_identity_key())),
        Error::InvalidPublicKey
    );
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            error(&offer(&|o| o.link_secret = vec![5; len])),
            Error::InvalidLength {
                field: "link_secret",
                expected: 32,
                found: len
            }
        );
    }
    // A secret long enough to take the offer past 128 bytes is reported as the size.
    let long = offer(&|o| o.link_secret = vec![5; 100]);
    assert_eq!(
        error(&long),
        Error::TooLarge {
            len: long.len(),
            max: MAX_OFFER
        }
    );
}

#[test]
fn link_approvals_that_do_not_decode() {
    let error = |bytes: &[u8]| complete(link(101), bytes).unwrap_err();
    let l = link(101);
    let genuine = l.approval.encode_to_vec();
    assert_eq!(
        error(&vec![0u8; MAX_APPROVAL + 1]),
        Error::TooLarge {
            len: MAX_APPROVAL + 1,
            max: MAX_APPROVAL
        }
    );
    assert_eq!(
        error(&genuine[..genuine.len() - 1]),
        Error::MalformedProtobuf
    );
    assert_eq!(
        error(&[genuine.clone(), vec![0x30, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
    assert_eq!(error(&[]), Error::UnsupportedVersion { found: 0 });
    for version in [0u32, 2] {
        assert_eq!(
            error(&edit_approval(&l, |a| a.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    for len in [0usize, 256] {
        assert_eq!(
            error(&edit_approval(&l, |a| a.account_id = vec![b'a'; len])),
            Error::InvalidAccountId { len }
        );
    }
    assert_eq!(
        error(&edit_approval(&l, |a| a.device_id = 0)),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            error(&edit_approval(&l, |a| a.mac.resize(len, 0))),
            Error::InvalidLength {
                field: "mac",
                expected: 32,
                found: len
            }
        );
    }
    // Order: version, account id, device id, MAC length.
    assert_eq!(
        error(&edit_approval(&l, |a| {
            a.version = 2;
            a.account_id.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        error(&edit_approval(&l, |a| {
            a.account_id.clear();
            a.device_id = 0;
        })),
        Error::InvalidAccountId { len: 0 }
    );
    assert_eq!(
        error(&edit_approval(&l, |a| {
            a.device_id = 0;
            a.mac.clear();
        })),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    // Control: the genuine approval completes.
    assert!(complete(l, &genuine).is_ok());
}

#[test]
fn link_approvals_whose_mac_does_not_verify() {
    // The recomputed MAC is the genuine one: `remac` changes only what is edited.
    let l = link(102);
    assert_eq!(remac(&l, |_| {}), l.approval.encode_to_vec());
    // Another pending link for the same laptop key (another secret).
    let other = link(103);
    assert_ne!(other.secret, l.secret);
    let genuine = l.approval.encode_to_vec();
    assert_eq!(
        complete(other, &genuine).unwrap_err(),
        Error::LinkAuthenticationFailed
    );
    // The list, device id or account id edited after the MAC; the MAC itself edited; a MAC
    // over another device key.
    let newer = primary_list("acme", 2, NOW, NOW + DAY, true);
    let edits: Vec<(&str, Vec<u8>)> = vec![
        (
            "list",
            edit_approval(&l, |a| a.device_list = newer.to_bytes().to_vec()),
        ),
        ("device id", edit_approval(&l, |a| a.device_id = 3)),
        (
            "account id",
            edit_approval(&l, |a| a.account_id = b"acmf".to_vec()),
        ),
        ("mac", edit_approval(&l, |a| a.mac[31] ^= 0x80)),
        (
            "device key",
            edit_approval(&l, |a| {
                a.mac = link_mac(
                    &l.secret,
                    &a.account_id,
                    a.device_id,
                    &a.device_list,
                    &key_of(&PHONE_SEED),
                )
            }),
        ),
    ];
    for (i, (what, approval)) in edits.into_iter().enumerate() {
        assert_eq!(
            complete(link(102), &approval).unwrap_err(),
            Error::LinkAuthenticationFailed,
            "{i}: {what}"
        );
    }
    assert!(complete(l, &genuine).is_ok());
}

#[test]
fn link_approvals_whose_list_names_another_account() {
    // A correct MAC over a list of Globex (signed by the same key, holding the laptop), in
    // an approval that names Acme; and the other way round.
    let globex = primary_list("globex", 2, NOW, NOW + DAY, true);
    let l = link(104);
    let approval = remac(&l, |a| a.device_list = globex.to_bytes().to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::MisaddressedMessage { field: "account" }
    );
    let l = link(105);
    let approval = remac(&l, |a| a.account_id = b"globex".to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::MisaddressedMessage { field: "account" }
    );
    // Control: Globex's list with Globex named completes.
    let l = link(106);
    let approval = remac(&l, |a| {
        a.account_id = b"globex".to_vec();
        a.device_list = globex.to_bytes().to_vec();
    });
    assert_eq!(complete(l, &approval).unwrap().list, globex);
}

#[test]
fn link_approvals_whose_list_does_not_hold_the_device() {
    // Correct MACs (from the secret read out of the QR payload, `remac`) over: the current
    // list, which omits the laptop; the new list with another id named; a list holding
    // another key under id 2.
    let l = link(107);
    let approval = remac(&l, |a| a.device_list = current_list().to_bytes().to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
    for device in [1u32, 3] {
        let l = link(108);
        let approval = remac(&l, |a| a.device_id = device);
        assert_eq!(
            complete(l, &approval).unwrap_err(),
            Error::DeviceNotListed { device }
        );
    }
    let other_key = primary()
        .sign_device_list(
            &account_id("acme"),
            2,
            t(NOW),
            t(NOW + DAY),
            &[(id(1), key_of(&PHONE_SEED)), (id(2), device_key(0x96))],
        )
        .unwrap();
    let l = link(109);
    let approval = remac(&l, |a| a.device_list = other_key.to_bytes().to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
}

#[test]
fn link_approvals_whose_list_does_not_decode_or_validate() {
    // Correct MACs over lists that fail 14.2 decoding or 14.3 validation.
    let good = primary_list("acme", 2, NOW, NOW + DAY, true);
    let mut short = pb::DeviceList::decode(good.to_bytes()).unwrap();
    short.signature.pop();
    let mut broken = pb::DeviceList::decode(good.to_bytes()).unwrap();
    broken.signature[0] ^= 1;
    // `with_list(seed, list)`: a fresh pending link completed with an approval carrying
    // `list` under a correct MAC.
    let with_list = |seed: u64, list: Vec<u8>| {
        let l = link(seed);
        let approval = remac(&l, |a| a.device_list = list);
        complete(l, &approval).unwrap_err()
    };
    assert_eq!(with_list(110, vec![0xff]), Error::MalformedProtobuf);
    assert_eq!(
        with_list(111, short.encode_to_vec()),
        Error::InvalidLength {
            field: "signature",
            expected: 64,
            found: 63
        }
    );
    assert_eq!(
        with_list(112, broken.encode_to_vec()),
        Error::InvalidDeviceListSignature
    );
    let expired = primary_list("acme", 2, NOW - 40 * DAY, NOW - 31 * DAY, true);
    assert_eq!(
        with_list(113, expired.to_bytes().to_vec()),
        Error::DeviceListExpired {
            expires_at: NOW - 31 * DAY
        }
    );
    let too_long = primary_list("acme", 2, NOW, NOW + 60 * DAY, true);
    assert_eq!(
        with_list(114, too_long.to_bytes().to_vec()),
        Error::DeviceListLifetimeTooLong {
            lifetime: 60 * DAY,
            max: MAX_LIFETIME
        }
    );
    // Control: the genuine new list under a correct MAC completes.
    let l = link(115);
    let approval = remac(&l, |_| {});
    assert!(complete(l, &approval).is_ok());
}

/// SPEC.md 14.4's completion order.
#[test]
fn link_completion_steps_apply_in_order() {
    let expired_globex_without = primary_list("globex", 2, NOW - 40 * DAY, NOW - 31 * DAY, false);
    let expired_without = primary_list("acme", 2, NOW - 40 * DAY, NOW - 31 * DAY, false);
    // 1 before 2: a device id of 0 and no valid MAC.
    let l = link(120);
    let approval = edit_approval(&l, |a| a.device_id = 0);
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::InvalidDeviceList {
            reason: "device id 0"
        }
    );
    // 2 before 3: a list that does not parse, under a wrong MAC.
    let l = link(121);
    let approval = edit_approval(&l, |a| a.device_list = vec![0xff]);
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::LinkAuthenticationFailed
    );
    // 3 before 4: a list of another account with a 10-byte signature.
    let mut short = pb::DeviceList::decode(expired_globex_without.to_bytes()).unwrap();
    short.signature.truncate(10);
    let l = link(122);
    let approval = remac(&l, |a| a.device_list = short.encode_to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::InvalidLength {
            field: "signature",
            expected: 64,
            found: 10
        }
    );
    // 4 before 5: another account's expired list.
    let l = link(123);
    let approval = remac(&l, |a| {
        a.device_list = expired_globex_without.to_bytes().to_vec()
    });
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::MisaddressedMessage { field: "account" }
    );
    // 5 before 6: an expired list that omits the device.
    let l = link(124);
    let approval = remac(&l, |a| a.device_list = expired_without.to_bytes().to_vec());
    assert_eq!(
        complete(l, &approval).unwrap_err(),
        Error::DeviceListExpired {
            expires_at: NOW - 31 * DAY
        }
    );
}

// ---------------------------------------------------------------------------------------
// Stored session records: SPEC.md 14.6
// ---------------------------------------------------------------------------------------

/// SHA-256(0x21 || "hushwire/v1/stored-session-record" || record): the record's checksum,
/// from the spec.
fn seal_record(record: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update([RECORD_LABEL.len() as u8]);
    hash.update(RECORD_LABEL);
    hash.update(record);
    let checksum: [u8; 32] = hash.finalize().into();
    [record, &checksum[..]].concat()
}

/// A record of Alice's device holding `sessions` sessions with Bob's (the last started
/// current, the others archived), and Bob's device.
fn record_of(seed: u64, sessions: usize) -> (SessionRecord, Device) {
    let mut rng = rng(seed);
    let config = config();
    let alice = Device::generate(&mut rng, &account_id("alice"), 1, &config);
    let mut bob = Device::generate(&mut rng, &account_id("bob"), 1, &config);
    let mut record = SessionRecord::new();
    for _ in 0..sessions {
        let bundle = bob.bundle(&mut rng, &config);
        record
            .initiate(&mut rng, &alice.identity, &bundle, &config)
            .unwrap();
    }
    (record, bob)
}

/// The `SessionRecord` inside a stored record (its checksum checked).
fn record_pb(stored: &[u8]) -> pb::SessionRecord {
    let (record, _) = stored.split_at(stored.len() - 32);
    assert_eq!(seal_record(record), stored, "not a stored record");
    pb::SessionRecord::decode(record).unwrap()
}

/// `stored` after `edit` changed its `SessionRecord`, re-sealed.
fn edit_record(stored: &[u8], edit: impl FnOnce(&mut pb::SessionRecord)) -> Vec<u8> {
    let mut record = record_pb(stored);
    edit(&mut record);
    seal_record(&record.encode_to_vec())
}

fn record_error(bytes: &[u8]) -> Error {
    SessionRecord::from_stored(bytes, &config()).unwrap_err()
}

#[test]
fn stored_records_that_are_too_large() {
    for len in [MAX_STORED_RECORD_LEN + 1, MAX_STORED_RECORD_LEN + 100] {
        assert_eq!(
            record_error(&vec![0u8; len]),
            Error::TooLarge {
                len,
                max: MAX_STORED_RECORD_LEN
            }
        );
    }
    // At the bound, the checksum is what fails.
    assert_eq!(
        record_error(&vec![0u8; MAX_STORED_RECORD_LEN]),
        Error::SessionStateCorrupted
    );
}

#[test]
fn stored_records_cut_short_or_damaged() {
    let (record, _) = record_of(130, 2);
    let stored = record.to_stored().as_bytes().to_vec();
    // Re-sealing the genuine record reproduces it: the editors change only the edit.
    assert_eq!(edit_record(&stored, |_| {}), stored);
    for cut in [0, 1, 31, 32, 100, stored.len() / 2, stored.len() - 1] {
        assert_eq!(
            record_error(&stored[..cut]),
            Error::SessionStateCorrupted,
            "cut at {cut}"
        );
    }
    for bit in [0usize, 8 * 40 + 3, 8 * stored.len() - 1] {
        let mut damaged = stored.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            record_error(&damaged),
            Error::SessionStateCorrupted,
            "bit {bit}"
        );
    }
    // Sealed as a stored session (the other label) rather than a record.
    let (inner, _) = stored.split_at(stored.len() - 32);
    assert_eq!(
        record_error(&hushwire_testkit::stored::seal(inner)),
        Error::SessionStateCorrupted
    );
    // The record itself cut short (or not a record), sealed again with a matching checksum.
    assert_eq!(
        record_error(&seal_record(&inner[..inner.len() - 1])),
        Error::MalformedProtobuf
    );
    assert_eq!(
        record_error(&seal_record(&[0xff])),
        Error::MalformedProtobuf
    );
    assert!(SessionRecord::from_stored(&stored, &config()).is_ok());
}

#[test]
fn stored_records_of_another_version_or_not_canonical() {
    let (record, _) = record_of(131, 2);
    let stored = record.to_stored().as_bytes().to_vec();
    for version in [0u32, 2, u32::MAX] {
        assert_eq!(
            record_error(&edit_record(&stored, |r| r.version = version)),
            Error::UnsupportedVersion { found: version }
        );
    }
    assert_eq!(
        record_error(&seal_record(&[])),
        Error::UnsupportedVersion { found: 0 }
    );
    // An unknown field, a non-minimal varint, the archived before the current session.
    let (inner, _) = stored.split_at(stored.len() - 32);
    assert_eq!(inner[..2], [0x08, 0x01]);
    let r = record_pb(&stored);
    let current = r.current.clone().unwrap();
    let archived = r.archived[0].clone();
    let field =
        |tag: u8, bytes: &[u8]| [vec![tag], varint(bytes.len() as u64), bytes.to_vec()].concat();
    for bad in [
        [inner.to_vec(), vec![0x20, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], inner[2..].to_vec()].concat(),
        [
            vec![0x08, 0x01],
            field(0x1a, &archived),
            field(0x12, &current),
        ]
        .concat(),
    ] {
        assert_eq!(
            record_error(&seal_record(&bad)),
            Error::NonCanonicalEncoding
        );
    }
    assert_eq!(
        [
            vec![0x08, 0x01],
            field(0x12, &current),
            field(0x1a, &archived)
        ]
        .concat(),
        inner
    );
}

#[test]
fn stored_records_with_more_archived_sessions_than_allowed() {
    let (record, _) = record_of(132, 4);
    let stored = record.to_stored().as_bytes().to_vec();
    assert_eq!(record.archived_len(), 3);
    let mut config = config();
    // Under a lower limit the record loads, trimmed to it (oldest archived sessions first), as
    // a pairwise session is trimmed on load (SPEC.md 8.4, 14.6).
    config.max_archived_sessions = 2;
    let trimmed = SessionRecord::from_stored(&stored, &config).unwrap();
    assert_eq!(trimmed.archived_len(), 2);
    assert_eq!(
        trimmed.archived_ids().collect::<Vec<_>>(),
        record.archived_ids().take(2).collect::<Vec<_>>()
    );
    config.max_archived_sessions = 3;
    assert!(SessionRecord::from_stored(&stored, &config).is_ok());
    // Whatever the configuration, at most 256 (`MAX_ARCHIVED_SESSIONS`): counted before any
    // session loads, so 257 entries of garbage are refused for their number, and 256 for
    // the first entry.
    config.max_archived_sessions = usize::MAX;
    let over = edit_record(&stored, |r| {
        r.archived = vec![vec![0; 40]; MAX_ARCHIVED_SESSIONS + 1]
    });
    assert_eq!(
        SessionRecord::from_stored(&over, &config).unwrap_err(),
        Error::InvalidSessionState
    );
    for (n, expected) in [
        (MAX_ARCHIVED_SESSIONS + 1, Error::InvalidSessionState),
        (MAX_ARCHIVED_SESSIONS, Error::SessionStateCorrupted),
    ] {
        let many = edit_record(&stored, |r| r.archived = vec![vec![0; 40]; n]);
        assert_eq!(
            SessionRecord::from_stored(&many, &config).unwrap_err(),
            expected,
            "{n}"
        );
    }
}

#[test]
fn stored_records_holding_a_session_twice() {
    let (record, _) = record_of(133, 2);
    let stored = record.to_stored().as_bytes().to_vec();
    let r = record_pb(&stored);
    let current = r.current.clone().unwrap();
    let archived = r.archived[0].clone();
    for (what, twice) in [
        (
            "current also archived",
            edit_record(&stored, |r| r.archived.push(current.clone())),
        ),
        (
            "archived twice",
            edit_record(&stored, |r| r.archived.push(archived.clone())),
        ),
        (
            "archived twice, no current",
            edit_record(&stored, |r| {
                r.current = None;
                r.archived = vec![archived.clone(), current.clone(), archived.clone()];
            }),
        ),
    ] {
        assert_eq!(record_error(&twice), Error::InvalidSessionState, "{what}");
    }
}

#[test]
fn stored_records_with_a_damaged_session() {
    let (record, _) = record_of(134, 2);
    let stored = record.to_stored().as_bytes().to_vec();
    // A session cut short or with a bit flipped (its own checksum fails), current or
    // archived.
    let cut = |s: &mut Vec<u8>| s.truncate(s.len() - 1);
    let flip = |s: &mut Vec<u8>| s[10] ^= 4;
    for damage in [cut, flip] {
        assert_eq!(
            record_error(&edit_record(&stored, |r| damage(
                r.current.as_mut().unwrap()
            ))),
            Error::SessionStateCorrupted
        );
        assert_eq!(
            record_error(&edit_record(&stored, |r| damage(&mut r.archived[0]))),
            Error::SessionStateCorrupted
        );
    }
    // A session of another version, or with a bad key, sealed with its own checksum: the
    // session loader's errors.
    let current = record.current().unwrap();
    let version_2 = edit_state(current, |s| s.version = 2);
    assert_eq!(
        record_error(&edit_record(&stored, |r| r.current = Some(version_2.clone()))),
        Error::UnsupportedVersion { found: 2 }
    );
    let low_order = edit_state(current, |s| s.remote_identity = low_order_keys()[0].clone());
    assert_eq!(
        record_error(&edit_record(&stored, |r| r.archived[0] = low_order.clone())),
        Error::LowOrderPublicKey
    );
    // An empty current session (present, empty bytes) is not an absent one.
    assert_eq!(
        record_error(&edit_record(&stored, |r| r.current = Some(Vec::new()))),
        Error::SessionStateCorrupted
    );
}

/// SPEC.md 14.6's loading order.
#[test]
fn stored_record_loading_steps_apply_in_order() {
    let (record, _) = record_of(135, 3);
    let stored = record.to_stored().as_bytes().to_vec();
    let r = record_pb(&stored);
    let current = r.current.clone().unwrap();
    let version_2 = edit_state(record.current().unwrap(), |s| s.version = 2);
    // Size before checksum; checksum before parsing.
    assert_eq!(
        record_error(&vec![0xff; MAX_STORED_RECORD_LEN + 1]),
        Error::TooLarge {
            len: MAX_STORED_RECORD_LEN + 1,
            max: MAX_STORED_RECORD_LEN
        }
    );
    assert_eq!(record_error(&[0xff; 40]), Error::SessionStateCorrupted);
    // Canonical before version; version before the archive's size.
    let mut v2 = r.clone();
    v2.version = 2;
    let v2 = v2.encode_to_vec();
    assert_eq!(
        record_error(&seal_record(&[v2, vec![0x20, 0x01]].concat())),
        Error::NonCanonicalEncoding
    );
    let mut config = config();
    config.max_archived_sessions = 1;
    let bytes = edit_record(&stored, |r| r.version = 2);
    assert_eq!(
        SessionRecord::from_stored(&bytes, &config).unwrap_err(),
        Error::UnsupportedVersion { found: 2 }
    );
    // The archive's size (over 256) before any session loads (a damaged current session).
    let bytes = edit_record(&stored, |r| {
        r.current.as_mut().unwrap()[3] ^= 1;
        r.archived = vec![vec![0; 40]; MAX_ARCHIVED_SESSIONS + 1];
    });
    assert_eq!(
        SessionRecord::from_stored(&bytes, &config).unwrap_err(),
        Error::InvalidSessionState
    );
    // The current session before the archived ones.
    let bytes = edit_record(&stored, |r| {
        r.current = Some(version_2.clone());
        r.archived[1].truncate(40);
    });
    assert_eq!(record_error(&bytes), Error::UnsupportedVersion { found: 2 });
    // Archived sessions in order.
    let bytes = edit_record(&stored, |r| {
        r.archived[0].truncate(40);
        r.archived[1] = version_2.clone();
    });
    assert_eq!(record_error(&bytes), Error::SessionStateCorrupted);
    // Every session loads before duplicates are looked for.
    let bytes = edit_record(&stored, |r| {
        r.archived[0] = current.clone();
        r.archived[1] = version_2.clone();
    });
    assert_eq!(record_error(&bytes), Error::UnsupportedVersion { found: 2 });
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
fn link_and_record_debug_shows_no_secret() {
    // The link secret: not in the pending link's or the scanned offer's Debug.
    let mut rng = rng(140);
    let laptop = IdentityKeyPair::from_seed(&LAPTOP_SEED);
    let pending = PendingLink::new(&mut rng, &laptop);
    let qr = pending.qr_payload();
    let secret = pb::LinkOffer::decode(&qr[..]).unwrap().link_secret.clone();
    assert_eq!(secret.len(), 32);
    let offer = LinkOffer::decode(&qr).unwrap();
    for text in [
        format!("{pending:?}"),
        format!("{pending:#?}"),
        format!("{offer:?}"),
        format!("{offer:#?}"),
    ] {
        assert!(shows_none_of(&text, &secret), "{text}");
        assert!(!text.contains("secret"), "{text}");
        assert!(
            text.contains(&hex::encode(laptop.public_key().to_bytes())),
            "{text}"
        );
    }
    // A record and its stored form: no root key, no chain key, no ratchet secret, none of
    // the stored bytes.
    let (record, _) = record_of(141, 3);
    let stored = record.to_stored();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    let r = record_pb(stored.as_bytes());
    for session in r.current.iter().chain(r.archived.iter()) {
        let state = pb::SessionState::decode(hushwire_testkit::stored::unseal(session)).unwrap();
        let sending = state.sending.clone().unwrap();
        secrets.extend([
            state.root_key.clone(),
            sending.chain_key.clone(),
            sending.ratchet_secret.clone(),
            session[..32].to_vec(),
        ]);
    }
    assert_eq!(
        format!("{stored:?}"),
        format!("StoredSessionRecord({} bytes)", stored.len())
    );
    for text in [
        format!("{record:?}"),
        format!("{record:#?}"),
        format!("{stored:?}"),
    ] {
        for secret in &secrets {
            assert!(shows_none_of(&text, secret), "{text}");
        }
    }
    assert!(format!("{record:?}").contains("archived: 2"));
    // The errors of this layer carry names and numbers only, in their own category.
    let errors = [
        complete(link(142), &edit_approval(&link(142), |a| a.mac[0] ^= 1)).unwrap_err(),
        complete(link(143), &[]).unwrap_err(),
        SessionRecord::from_stored(&stored.as_bytes()[1..], &config()).unwrap_err(),
    ];
    assert_eq!(errors[0].category(), ErrorCategory::Device);
    assert_eq!(errors[1].category(), ErrorCategory::Decoding);
    assert_eq!(errors[2].category(), ErrorCategory::State);
    for error in &errors {
        for text in [format!("{error:?}"), format!("{error}")] {
            for secret in secrets.iter().chain([&secret]) {
                assert!(shows_none_of(&text, secret), "{text}");
            }
        }
    }
}
