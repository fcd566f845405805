//! devices.json: multi-device accounts (SPEC.md section 14): signing and validating device
//! lists, linking a device, the routing bound into device messages, decoding them, fan-out
//! scenarios between accounts, session-record scenarios, and loading stored records.

use std::collections::BTreeMap;

use super::json::{Fields, h};
use super::outputs::{address, error, with_checksum};
use super::pb;
use super::rngs::FixedRng;
use super::seed;
use hushwire::hazmat::certificate::{SignedObject, sign_certificate_body};
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, DeviceListIn, DeviceListPolicy,
    DeviceMessage, DeviceSessions, Envelope, Error, IdentityKeyPair, InMemoryPreKeyStore,
    LinkOffer, OneTimePreKeyId, OneTimePreKeyPair, PendingLink, PreKeyBundle, PreKeyBundleIn,
    SessionRecord, SignedPreKeyId, SignedPreKeyPair, Timestamp, VerifiedDeviceList,
};
use prost::Message;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

/// The time of the file's validations and scenarios.
const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;
/// The creation time of every signed prekey in the scenarios (id 1).
pub(super) const SPK_CREATED_AT: u64 = 1_700_000_000;

const ACCOUNT: u8 = 100;
const OTHER_ACCOUNT: u8 = 101;
const DEVICE: u8 = 110; // devices 110, 111, ...
const LINKED: u8 = 130;

fn t(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(s)
}

fn public(n: u8) -> [u8; 32] {
    IdentityKeyPair::from_seed(&seed(n)).public_key().to_bytes()
}

fn account_id(name: &str) -> Value {
    h(name.as_bytes())
}

fn p<T>(r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| format!("{e:?}"))
}

// ---- Hand-built lists ----

fn body(devices: &[(u32, u8)]) -> pb::DeviceListBody {
    pb::DeviceListBody {
        version: 1,
        account_id: b"acme".to_vec(),
        account_key: public(ACCOUNT).to_vec(),
        list_version: 3,
        issued_at: NOW - DAY,
        expires_at: NOW + 29 * DAY,
        devices: devices
            .iter()
            .map(|&(id, s)| pb::ListedDevice {
                device_id: id,
                identity_key: public(s).to_vec(),
            })
            .collect(),
    }
}

fn good_body() -> pb::DeviceListBody {
    body(&[(1, DEVICE), (2, DEVICE + 1), (5, DEVICE + 2)])
}

fn signed(body: &pb::DeviceListBody, by: u8) -> Vec<u8> {
    let body = body.encode_to_vec();
    let signature = sign_certificate_body(&seed(by), SignedObject::DeviceList, &body);
    pb::DeviceList {
        body,
        signature: signature.to_vec(),
    }
    .encode_to_vec()
}

fn edited(edit: impl FnOnce(&mut pb::DeviceListBody)) -> Vec<u8> {
    let mut b = good_body();
    edit(&mut b);
    signed(&b, ACCOUNT)
}

fn validate(list: &[u8], trusted: u8, now: u64, previous: Option<Vec<u8>>) -> Value {
    json!({ "validate_list": {
        "list": h(list), "trusted_key": h(public(trusted)), "now": now,
        "max_lifetime_seconds": 35 * DAY, "clock_skew_seconds": 300,
        "previous": previous.map(h),
    }})
}

fn sign_input(
    account: u8,
    version: u64,
    issued: u64,
    expires: u64,
    devices: &[(u32, u8)],
) -> Value {
    json!({ "sign_list": {
        "account_seed": h(seed(account)), "account_id": account_id("acme"),
        "list_version": version, "issued_at": issued, "expires_at": expires,
        "devices": devices.iter().map(|&(id, s)| json!({ "device_id": id, "seed": h(seed(s)) })).collect::<Vec<_>>(),
    }})
}

// ---- Scenario participants ----

/// A scenario device's keys, as the file gives them.
fn device_json(n: u8, one_time: usize) -> Value {
    json!({
        "identity_seed": h(seed(n)),
        "rng_seed": h(seed(n.wrapping_add(50))),
        "signed_prekey_secret": h(seed(n.wrapping_add(100))),
        "one_time_prekey_secrets": (0..one_time).map(|i| h(seed(n.wrapping_add(150).wrapping_add(i as u8 * 7)))).collect::<Vec<_>>(),
    })
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mut cases: Vec<(&'static str, Value)> = Vec::new();
    let good = signed(&good_body(), ACCOUNT);

    // Signing (14.2).
    cases.push((
        "sign: three devices (14.2)",
        sign_input(
            ACCOUNT,
            3,
            NOW - DAY,
            NOW + 29 * DAY,
            &[(1, DEVICE), (2, DEVICE + 1), (5, DEVICE + 2)],
        ),
    ));
    cases.push((
        "sign: a primary whose device key is the account key (14.1)",
        sign_input(
            ACCOUNT,
            1,
            NOW,
            NOW + 30 * DAY,
            &[(1, ACCOUNT), (7, DEVICE)],
        ),
    ));
    cases.push((
        "sign: refused, list version 0",
        sign_input(ACCOUNT, 0, NOW, NOW + DAY, &[(1, DEVICE)]),
    ));
    cases.push((
        "sign: refused, expires_at equal to issued_at",
        sign_input(ACCOUNT, 1, NOW, NOW, &[(1, DEVICE)]),
    ));
    cases.push((
        "sign: refused, no devices",
        sign_input(ACCOUNT, 1, NOW, NOW + DAY, &[]),
    ));
    cases.push((
        "sign: refused, device ids not increasing",
        sign_input(ACCOUNT, 1, NOW, NOW + DAY, &[(2, DEVICE), (1, DEVICE + 1)]),
    ));
    cases.push((
        "sign: refused, a key listed twice",
        sign_input(ACCOUNT, 1, NOW, NOW + DAY, &[(1, DEVICE), (2, DEVICE)]),
    ));
    let many: Vec<(u32, u8)> = (1..=65)
        .map(|i| (i, DEVICE.wrapping_add(i as u8)))
        .collect();
    cases.push((
        "sign: refused, 65 devices",
        sign_input(ACCOUNT, 1, NOW, NOW + DAY, &many),
    ));
    cases.push((
        "sign: 64 devices",
        sign_input(ACCOUNT, 1, NOW, NOW + DAY, &many[..64]),
    ));

    // Validation (14.3).
    cases.push((
        "validate: a good list, no previous",
        validate(&good, ACCOUNT, NOW, None),
    ));
    cases.push((
        "validate: refused, the list names another key than the trusted one (IdentityMismatch)",
        validate(&good, OTHER_ACCOUNT, NOW, None),
    ));
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    cases.push((
        "validate: refused, a flipped bit in the signature",
        validate(&flipped, ACCOUNT, NOW, None),
    ));
    let by_other = signed(&good_body(), OTHER_ACCOUNT);
    cases.push((
        "validate: refused, signed by another key than the one it names",
        validate(&by_other, ACCOUNT, NOW, None),
    ));
    let v2 = edited(|b| b.list_version = 2);
    let v4 = edited(|b| b.list_version = 4);
    cases.push((
        "validate: a newer list than the previous",
        validate(&v4, ACCOUNT, NOW, Some(good.clone())),
    ));
    cases.push((
        "validate: the same list again",
        validate(&good, ACCOUNT, NOW, Some(good.clone())),
    ));
    cases.push((
        "validate: refused, an older list than the previous (DeviceListRollback)",
        validate(&v2, ACCOUNT, NOW, Some(good.clone())),
    ));
    let conflict = edited(|b| b.devices.truncate(2));
    cases.push((
        "validate: refused, another list with the previous one's version (DeviceListConflict)",
        validate(&conflict, ACCOUNT, NOW, Some(good.clone())),
    ));
    let other_account = signed(
        &{
            let mut b = good_body();
            b.account_key = public(OTHER_ACCOUNT).to_vec();
            b.list_version = 1;
            b
        },
        OTHER_ACCOUNT,
    );
    cases.push((
        "validate: refused, the previous list is another account key's",
        validate(&v4, ACCOUNT, NOW, Some(other_account)),
    ));
    let other_id = edited(|b| {
        b.account_id = b"acme-2".to_vec();
        b.list_version = 1
    });
    cases.push((
        "validate: refused, the previous list is another account id's",
        validate(&v4, ACCOUNT, NOW, Some(other_id)),
    ));
    let long = edited(|b| b.expires_at = b.issued_at + 35 * DAY + 1);
    cases.push((
        "validate: refused, a lifetime of 35 days and a second (DeviceListLifetimeTooLong)",
        validate(&long, ACCOUNT, NOW, None),
    ));
    let max = edited(|b| b.expires_at = b.issued_at + 35 * DAY);
    cases.push((
        "validate: a lifetime of exactly 35 days",
        validate(&max, ACCOUNT, NOW, None),
    ));
    let expires = NOW + 29 * DAY;
    cases.push((
        "validate: valid 300 s after expires_at (the skew)",
        validate(&good, ACCOUNT, expires + 300, None),
    ));
    cases.push((
        "validate: refused, 301 s after expires_at",
        validate(&good, ACCOUNT, expires + 301, None),
    ));
    cases.push((
        "validate: valid 300 s before issued_at",
        validate(&good, ACCOUNT, NOW - DAY - 300, None),
    ));
    cases.push((
        "validate: refused, issued 301 s in the future",
        validate(&good, ACCOUNT, NOW - DAY - 301, None),
    ));

    // Decoding (14.2 steps 1-9), each through validate.
    let mut too_large = good.clone();
    too_large.resize(8193, 0);
    cases.push((
        "decode: refused, 8193 bytes",
        validate(&too_large, ACCOUNT, NOW, None),
    ));
    let mut unknown = pb::DeviceList::decode(good.as_slice()).unwrap();
    unknown.body.extend_from_slice(&[0x40, 0x01]); // field 8, varint 1
    let sig = sign_certificate_body(&seed(ACCOUNT), SignedObject::DeviceList, &unknown.body);
    unknown.signature = sig.to_vec();
    cases.push((
        "decode: refused, an unknown field 8 in the body",
        validate(&unknown.encode_to_vec(), ACCOUNT, NOW, None),
    ));
    let mut extra = good.clone();
    extra.extend_from_slice(&[0x18, 0x01]);
    cases.push((
        "decode: refused, an unknown field 3 in DeviceList",
        validate(&extra, ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, version 2",
        validate(&edited(|b| b.version = 2), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, an empty account id",
        validate(&edited(|b| b.account_id.clear()), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, a 256-byte account id",
        validate(
            &edited(|b| b.account_id = vec![b'a'; 256]),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a 31-byte account key",
        validate(&edited(|b| b.account_key.truncate(31)), ACCOUNT, NOW, None),
    ));
    let mut identity = [0u8; 32];
    identity[0] = 1;
    cases.push((
        "decode: refused, the identity point as account key (LowOrderPublicKey)",
        validate(
            &edited(|b| b.account_key = identity.to_vec()),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a non-canonical account key (y = p)",
        validate(
            &edited(|b| {
                let mut k = [0xffu8; 32];
                k[0] = 0xed;
                k[31] = 0x7f;
                b.account_key = k.to_vec()
            }),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, list version 0",
        validate(&edited(|b| b.list_version = 0), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, expires_at before issued_at",
        validate(
            &edited(|b| b.expires_at = b.issued_at - 1),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, no devices",
        validate(&edited(|b| b.devices.clear()), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, 65 devices",
        validate(&signed(&body(&many), ACCOUNT), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, device id 0",
        validate(&edited(|b| b.devices[0].device_id = 0), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode: refused, device ids not increasing",
        validate(
            &signed(&body(&[(2, DEVICE), (1, DEVICE + 1)]), ACCOUNT),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a device id twice",
        validate(
            &signed(&body(&[(1, DEVICE), (1, DEVICE + 1)]), ACCOUNT),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a device key twice",
        validate(
            &signed(&body(&[(1, DEVICE), (3, DEVICE)]), ACCOUNT),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a low-order device key",
        validate(
            &edited(|b| b.devices[1].identity_key = identity.to_vec()),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode: refused, a 33-byte device key",
        validate(
            &edited(|b| b.devices[1].identity_key.push(0)),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    let mut short_sig = pb::DeviceList::decode(good.as_slice()).unwrap();
    short_sig.signature.truncate(63);
    cases.push((
        "decode: refused, a 63-byte signature",
        validate(&short_sig.encode_to_vec(), ACCOUNT, NOW, None),
    ));
    cases.push((
        "decode order: device id 0 (step 7) before list version 0 (step 8)",
        validate(
            &edited(|b| {
                b.list_version = 0;
                b.devices[2].device_id = 0
            }),
            ACCOUNT,
            NOW,
            None,
        ),
    ));
    cases.push((
        "decode order: a bad device key (step 7) before ids not increasing (step 8)",
        validate(
            &signed(
                &{
                    let mut b = body(&[(2, DEVICE), (1, DEVICE + 1)]);
                    b.devices[1].identity_key = identity.to_vec();
                    b
                },
                ACCOUNT,
            ),
            ACCOUNT,
            NOW,
            None,
        ),
    ));

    // Changes (14.3).
    let changed = edited(|b| {
        b.list_version = 4;
        b.devices = vec![
            pb::ListedDevice {
                device_id: 1,
                identity_key: public(DEVICE).to_vec(),
            },
            pb::ListedDevice {
                device_id: 2,
                identity_key: public(DEVICE + 9).to_vec(),
            },
            pb::ListedDevice {
                device_id: 6,
                identity_key: public(DEVICE + 2).to_vec(),
            },
        ]
    });
    cases.push((
        "changes: device 5 removed, 6 added, 2 re-keyed",
        json!({ "changes": { "previous": h(&good), "list": h(&changed) } }),
    ));

    // Linking (14.4).
    let secret = seed(LINKED + 1);
    cases.push((
        "link: the offer a new device shows (14.4)",
        json!({ "link_offer": { "device_seed": h(seed(LINKED)), "link_secret": h(secret) } }),
    ));
    let offer = |edit: &dyn Fn(&mut pb::LinkOffer)| {
        let mut o = pb::LinkOffer {
            version: 1,
            device_key: public(LINKED).to_vec(),
            link_secret: secret.to_vec(),
        };
        edit(&mut o);
        json!({ "decode_offer": { "bytes": h(o.encode_to_vec()) } })
    };
    cases.push(("link: an offer decodes", offer(&|_| {})));
    cases.push(("link: refused offer, version 2", offer(&|o| o.version = 2)));
    cases.push((
        "link: refused offer, a 31-byte secret",
        offer(&|o| o.link_secret.truncate(31)),
    ));
    cases.push((
        "link: refused offer, a low-order device key",
        offer(&|o| o.device_key = identity.to_vec()),
    ));
    let primary_list = signed(
        &{
            let mut b = body(&[(1, DEVICE)]);
            b.list_version = 1;
            b.issued_at = NOW;
            b.expires_at = NOW + 30 * DAY;
            b
        },
        ACCOUNT,
    );
    let genuine_offer = pb::LinkOffer {
        version: 1,
        device_key: public(LINKED).to_vec(),
        link_secret: secret.to_vec(),
    }
    .encode_to_vec();
    let approve = |device_id: u32, offer: &[u8]| {
        json!({ "approve": {
        "account_seed": h(seed(ACCOUNT)), "current": h(&primary_list), "offer": h(offer),
        "device_id": device_id, "issued_at": NOW, "expires_at": NOW + 30 * DAY } })
    };
    cases.push((
        "link: the primary approves the device as device 2",
        approve(2, &genuine_offer),
    ));
    cases.push((
        "link: refused approval, device id 1 is taken",
        approve(1, &genuine_offer),
    ));
    let listed_offer = pb::LinkOffer {
        version: 1,
        device_key: public(DEVICE).to_vec(),
        link_secret: secret.to_vec(),
    }
    .encode_to_vec();
    cases.push((
        "link: refused approval, the device key is already listed",
        approve(2, &listed_offer),
    ));
    // The approval the primary sends, and edits of it.
    let (approval, new_list) = {
        let offer = LinkOffer::decode(&genuine_offer).unwrap();
        let current = DeviceListIn::decode(&primary_list)
            .unwrap()
            .validate(
                AccountKeyPair::from_seed(&seed(ACCOUNT)).public_key(),
                t(NOW),
                &DeviceListPolicy::default(),
                None,
            )
            .unwrap();
        let (list, approval) = offer
            .approve(
                &AccountKeyPair::from_seed(&seed(ACCOUNT)),
                &current,
                DeviceId::new(2).unwrap(),
                t(NOW),
                t(NOW + 30 * DAY),
            )
            .unwrap();
        (approval, list.to_bytes().to_vec())
    };
    let complete = |approval: &[u8], s: [u8; 32], now: u64| {
        json!({ "complete": {
        "device_seed": h(seed(LINKED)), "link_secret": h(s), "approval": h(approval), "now": now } })
    };
    cases.push((
        "link: the new device completes",
        complete(&approval, secret, NOW),
    ));
    cases.push((
        "link: refused, another secret (LinkAuthenticationFailed)",
        complete(&approval, seed(LINKED + 2), NOW),
    ));
    let approval_with = |edit: &dyn Fn(&mut pb::LinkApproval), remac: bool| {
        let mut a = pb::LinkApproval::decode(approval.as_slice()).unwrap();
        edit(&mut a);
        if remac {
            a.mac = hushwire::hazmat::device_link_mac(
                &secret,
                &a.account_id,
                a.device_id,
                &a.device_list,
                &public(LINKED),
            )
            .unwrap()
            .to_vec();
        }
        a.encode_to_vec()
    };
    cases.push((
        "link: refused, the device id edited in transit",
        complete(&approval_with(&|a| a.device_id = 3, false), secret, NOW),
    ));
    cases.push((
        "link: refused, the list edited in transit",
        complete(
            &approval_with(&|a| a.device_list = primary_list.clone(), false),
            secret,
            NOW,
        ),
    ));
    cases.push((
        "link: refused, a 31-byte MAC",
        complete(&approval_with(&|a| a.mac.truncate(31), false), secret, NOW),
    ));
    cases.push((
        "link: refused, device id 0",
        complete(&approval_with(&|a| a.device_id = 0, false), secret, NOW),
    ));
    cases.push((
        "link: refused, version 2",
        complete(&approval_with(&|a| a.version = 2, false), secret, NOW),
    ));
    cases.push((
        "link: refused, a list of another account id than the approval's (correct MAC)",
        complete(
            &approval_with(&|a| a.account_id = b"acme-2".to_vec(), true),
            secret,
            NOW,
        ),
    ));
    cases.push((
        "link: refused, a list without the device (correct MAC)",
        complete(
            &approval_with(&|a| a.device_list = primary_list.clone(), true),
            secret,
            NOW,
        ),
    ));
    cases.push((
        "link: refused, a list that names the device under another id (correct MAC)",
        complete(&approval_with(&|a| a.device_id = 1, true), secret, NOW),
    ));
    cases.push((
        "link: refused, the list has expired when the approval arrives",
        complete(&approval, secret, NOW + 31 * DAY),
    ));
    cases.push((
        "link: the MAC (14.4)",
        json!({ "link_mac": {
        "link_secret": h(secret), "account_id": account_id("acme"), "device_id": 2,
        "device_list": h(&new_list), "device_key": h(public(LINKED)) } }),
    ));

    // Routing and associated data (14.5).
    let routing = |prekey: bool| {
        json!({ "routing": {
            "sender_account": account_id("acme"), "sender_device": 2,
            "recipient_account": account_id("carol"), "recipient_device": 1,
            "sender_list_version": 7, "recipient_list_version": 300,
            "x3dh_ad": h((0..64u8).collect::<Vec<_>>()), "ratchet_key": h(hushwire::hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(140))),
            "previous_counter": 3, "counter": 9,
            "prekey_info": if prekey { h((100..141u8).collect::<Vec<_>>()) } else { Value::Null },
            "message_key": h(seed(141)), "plaintext": h(b"your order shipped"),
        }})
    };
    cases.push((
        "routing: a RatchetMessage's associated data and ciphertext (14.5)",
        routing(false),
    ));
    cases.push(("routing: a PreKeyMessage's", routing(true)));

    // DeviceMessage decoding (14.5).
    let envelope = pb::Envelope {
        version: 1,
        content: Some(pb::envelope::Content::Ratchet(pb::RatchetMessage {
            ratchet_key: hushwire::hazmat::x25519_public_key(
                &hushwire::provider::RUST_CRYPTO,
                &seed(140),
            )
            .to_vec(),
            previous_counter: 0,
            counter: 4,
            ciphertext: vec![0xaa; 20],
        })),
    };
    let message = |edit: &dyn Fn(&mut pb::DeviceMessage), max: usize| {
        let mut m = pb::DeviceMessage {
            version: 1,
            sender_account: b"acme".to_vec(),
            sender_device: 2,
            recipient_account: b"carol".to_vec(),
            recipient_device: 1,
            sender_list_version: 7,
            recipient_list_version: 3,
            envelope: Some(envelope.clone()),
        };
        edit(&mut m);
        json!({ "decode_message": { "bytes": h(m.encode_to_vec()), "max_encoded_len": max } })
    };
    let dflt = 2 * 1024 * 1024;
    cases.push(("message: decodes", message(&|_| {}, dflt)));
    cases.push((
        "message: refused, version 0 (absent)",
        message(&|m| m.version = 0, dflt),
    ));
    cases.push((
        "message: refused, an empty sender account",
        message(&|m| m.sender_account.clear(), dflt),
    ));
    cases.push((
        "message: refused, recipient device 0",
        message(&|m| m.recipient_device = 0, dflt),
    ));
    cases.push((
        "message: refused, sender device 0",
        message(&|m| m.sender_device = 0, dflt),
    ));
    cases.push((
        "message: refused, recipient list version 0",
        message(&|m| m.recipient_list_version = 0, dflt),
    ));
    cases.push((
        "message: refused, no envelope",
        message(&|m| m.envelope = None, dflt),
    ));
    cases.push((
        "message: refused, an envelope of version 2",
        message(
            &|m| {
                if let Some(e) = m.envelope.as_mut() {
                    e.version = 2
                }
            },
            dflt,
        ),
    ));
    cases.push((
        "message: refused, an envelope longer than max_encoded_len",
        message(&|_| {}, 60),
    ));
    cases.push((
        "message: refused, the whole message longer than max_encoded_len + 600",
        message(
            &|m| {
                if let Some(pb::envelope::Content::Ratchet(r)) =
                    m.envelope.as_mut().and_then(|e| e.content.as_mut())
                {
                    r.ciphertext = vec![0xaa; 600];
                }
            },
            10,
        ),
    ));

    // Fan-out scenarios (14.5).
    cases.push(("fan-out: Acme (2 devices) and Carol (2): sessions, a message to every device, replies, a removed device, edited routing", fan_out_scenario_1()));
    cases.push(("fan-out: lists out of date at one end: the consistency flags, and a device added without a session", fan_out_scenario_2()));

    // Session-record scenarios (14.6).
    cases.push((
        "record: promotion of an archived session, a repeated first message",
        record_scenario(
            40,
            &[
                ("initiate", "a", ""),
                ("send", "a", "1"),
                ("send", "a", "2"),
                ("deliver", "1", ""),
                ("send", "b", "3"),
                ("deliver", "3", ""),
                ("initiate", "a", ""),
                ("send", "b", "4"),
                ("deliver", "4", ""),
                ("deliver", "2", ""),
                ("deliver", "1", ""),
                ("send", "a", "5"),
                ("deliver", "5", ""),
            ],
        ),
    ));
    cases.push(("record: simultaneous initiation, first messages crossing, then answers (the base-key tie-break)", record_scenario(40, &[
        ("initiate", "a", ""), ("initiate", "b", ""), ("send", "a", "a1"), ("send", "b", "b1"),
        ("deliver", "1", ""), ("deliver", "2", ""), ("send", "a", "a2"), ("send", "b", "b2"),
        ("deliver", "4", ""), ("deliver", "3", ""),
    ])));
    cases.push(("record: simultaneous initiation, one side answered before the other's first message arrives", record_scenario(40, &[
        ("initiate", "a", ""), ("initiate", "b", ""), ("send", "a", "m0"), ("send", "b", "m1"),
        ("deliver", "2", ""), ("send", "a", "m2"), ("send", "b", "m3"), ("deliver", "3", ""),
        ("deliver", "1", ""), ("deliver", "4", ""), ("send", "a", "a"), ("deliver", "5", ""),
        ("send", "b", "b"), ("deliver", "6", ""),
    ])));
    cases.push(("record: the archive limit (max_archived_sessions 2), NoSession, an error from an archived session", record_scenario(2, &[
        ("send", "a", "none"), ("initiate", "a", ""), ("send", "a", "s1"), ("initiate", "a", ""), ("send", "a", "s2"),
        ("initiate", "a", ""), ("send", "a", "s3"), ("initiate", "a", ""), ("send", "a", "s4"),
        ("deliver", "1", ""), ("deliver", "2", ""), ("deliver", "3", ""), ("deliver", "4", ""),
        ("send", "b", "r"), ("deliver", "5", ""), ("deliver", "4", ""), ("deliver", "1", ""),
    ])));

    // Loading stored records (14.6).
    for (comment, edit) in record_loads() {
        cases.push((comment, edit));
    }
    cases
}

// ---- Scenario builders ----

fn fan_out_scenario_1() -> Value {
    json!({ "fan_out": {
        "now": NOW,
        "accounts": [
            { "account_id": account_id("acme"), "account_seed": h(seed(ACCOUNT)), "issued_at": NOW - DAY, "expires_at": NOW + 29 * DAY,
              "devices": [ { "device_id": 1, "keys": device_json(DEVICE, 4) }, { "device_id": 2, "keys": device_json(DEVICE + 1, 4) } ] },
            { "account_id": account_id("carol"), "account_seed": h(seed(OTHER_ACCOUNT)), "issued_at": NOW - DAY, "expires_at": NOW + 29 * DAY,
              "devices": [ { "device_id": 1, "keys": device_json(DEVICE + 2, 4) }, { "device_id": 3, "keys": device_json(DEVICE + 3, 4) } ] },
        ],
        "script": [
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "hello" },
            { "op": "connect", "account": 0, "device": 1, "to": 1 },
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "your order shipped" },
            { "op": "deliver", "message": 3 }, { "op": "deliver", "message": 1 }, { "op": "deliver", "message": 2 },
            { "op": "connect", "account": 1, "device": 3, "to": 0 },
            { "op": "send", "account": 1, "device": 3, "to": 0, "text": "thanks" },
            { "op": "deliver", "message": 4 }, { "op": "deliver", "message": 5 }, { "op": "deliver", "message": 6 },
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "anything else?" },
            { "op": "edit", "message": 8, "field": "recipient_device", "value": 1 },
            { "op": "deliver", "message": 10 },
            { "op": "edit", "message": 8, "field": "sender_list_version", "value": 2 },
            { "op": "deliver", "message": 11 },
            { "op": "deliver", "message": 8 }, { "op": "deliver", "message": 8 },
            { "op": "connect", "account": 0, "device": 2, "to": 1 },
            { "op": "send", "account": 0, "device": 2, "to": 1, "text": "from the desk" },
            { "op": "resign", "account": 0, "remove": [2], "publish": true },
            { "op": "deliver", "message": 12 }, { "op": "deliver", "message": 13 },
            { "op": "send", "account": 1, "device": 1, "to": 0, "text": "who is still there?" },
            { "op": "deliver", "message": 15 }, { "op": "deliver", "message": 16 },
            { "op": "send", "account": 0, "device": 2, "to": 1, "text": "let me in" },
        ],
    }})
}

fn fan_out_scenario_2() -> Value {
    json!({ "fan_out": {
        "now": NOW,
        "accounts": [
            { "account_id": account_id("acme"), "account_seed": h(seed(ACCOUNT)), "issued_at": NOW - DAY, "expires_at": NOW + 29 * DAY,
              "devices": [ { "device_id": 1, "keys": device_json(DEVICE, 3) } ] },
            { "account_id": account_id("carol"), "account_seed": h(seed(OTHER_ACCOUNT)), "issued_at": NOW - DAY, "expires_at": NOW + 29 * DAY,
              "devices": [ { "device_id": 1, "keys": device_json(DEVICE + 2, 3) }, { "device_id": 2, "keys": device_json(DEVICE + 3, 3) } ] },
        ],
        "script": [
            { "op": "connect", "account": 0, "device": 1, "to": 1 },
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "hi" },
            { "op": "deliver", "message": 1 }, { "op": "deliver", "message": 2 },
            { "op": "resign", "account": 1, "remove": [2], "publish": false },
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "still two?" },
            { "op": "deliver", "message": 3 },
            { "op": "connect", "account": 1, "device": 1, "to": 0 },
            { "op": "send", "account": 1, "device": 1, "to": 0, "text": "one now" },
            { "op": "deliver", "message": 5 },
            { "op": "resign", "account": 0, "remove": [], "publish": false },
            { "op": "send", "account": 0, "device": 1, "to": 1, "text": "new list" },
            { "op": "deliver", "message": 6 },
        ],
    }})
}

fn record_scenario(max_archived: u64, script: &[(&str, &str, &str)]) -> Value {
    let script: Vec<Value> = script
        .iter()
        .map(|&(op, arg, text)| match op {
            "initiate" => json!({ "op": "initiate", "from": arg }),
            "send" => json!({ "op": "send", "from": arg, "text": text }),
            _ => json!({ "op": "deliver", "envelope": arg.parse::<u64>().unwrap() }),
        })
        .collect();
    json!({ "record": {
        "max_archived_sessions": max_archived,
        "a": device_json(DEVICE + 20, 6), "b": device_json(DEVICE + 21, 6),
        "script": script,
    }})
}

/// A stored record with a current and an archived session, and edits of it.
fn record_loads() -> Vec<(&'static str, Value)> {
    let stored = stored_example();
    let load = |bytes: &[u8], max: u64| json!({ "load_record": { "stored": h(bytes), "max_archived_sessions": max } });
    let with_checksum =
        |content: Vec<u8>| with_checksum(b"hushwire/v1/stored-session-record", content);
    let content = stored[..stored.len() - 32].to_vec();
    let record = pb::SessionRecord::decode(content.as_slice()).unwrap();
    let reencode = |edit: &dyn Fn(&mut pb::SessionRecord)| {
        let mut r = record.clone();
        edit(&mut r);
        with_checksum(r.encode_to_vec())
    };
    let mut flipped = stored.clone();
    flipped[10] ^= 1;
    let mut inner_damaged = record.clone();
    let last = inner_damaged.archived[0].len() - 1;
    inner_damaged.archived[0][last] ^= 1;
    let mut unknown = content.clone();
    unknown.extend_from_slice(&[0x20, 0x01]);
    vec![
        (
            "load: a record with a current and two archived sessions",
            load(&stored, 40),
        ),
        (
            "load: refused, cut short by one byte",
            load(&stored[..stored.len() - 1], 40),
        ),
        (
            "load: refused, a flipped bit (checksum)",
            load(&flipped, 40),
        ),
        ("load: refused, 31 bytes", load(&stored[..31], 40)),
        (
            "load: refused, version 2",
            load(&reencode(&|r| r.version = 2), 40),
        ),
        (
            "load: trimmed to max_archived_sessions (0 counts as 1; the record has 2: the oldest goes)",
            load(&stored, 0),
        ),
        (
            "load: refused, 257 archived sessions (more than 256 whatever the limit)",
            load(&reencode(&|r| r.archived = vec![vec![0; 40]; 257]), 40),
        ),
        (
            "load: refused, the current session archived too (a session twice)",
            load(
                &reencode(&|r| r.archived.push(r.current.clone().unwrap_or_default())),
                40,
            ),
        ),
        (
            "load: refused, an archived session cut short inside a valid record",
            load(&with_checksum(inner_damaged.encode_to_vec()), 40),
        ),
        (
            "load: refused, an empty current session (present, empty)",
            load(&reencode(&|r| r.current = Some(Vec::new())), 40),
        ),
        (
            "load: refused, an unknown field 4",
            load(&with_checksum(unknown), 40),
        ),
        (
            "load: a record with no session at all",
            load(
                &with_checksum(
                    pb::SessionRecord {
                        version: 1,
                        current: None,
                        archived: vec![],
                    }
                    .encode_to_vec(),
                ),
                40,
            ),
        ),
    ]
}

/// The stored record of the first record scenario's device A after its script.
fn stored_example() -> Vec<u8> {
    let input = record_scenario(
        40,
        &[
            ("initiate", "a", ""),
            ("send", "a", "1"),
            ("deliver", "1", ""),
            ("initiate", "a", ""),
            ("initiate", "a", ""),
        ],
    );
    let output = compute(&DevicesInput::from_json(&input).unwrap()).unwrap();
    hex::decode(output["a_record"].as_str().unwrap()).unwrap()
}

// ---- Inputs ----

pub(super) struct DevicesInput(Value);

impl DevicesInput {
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let kinds = [
            "sign_list",
            "validate_list",
            "changes",
            "link_offer",
            "decode_offer",
            "approve",
            "complete",
            "link_mac",
            "routing",
            "decode_message",
            "fan_out",
            "record",
            "load_record",
        ];
        let map = value.as_object().ok_or("expected an object")?;
        if let Some(key) = map.keys().find(|k| !kinds.contains(&k.as_str())) {
            return Err(format!("unknown key {key}"));
        }
        if map.len() != 1 {
            return Err("missing key: exactly one case kind".into());
        }
        Ok(Self(value.clone()))
    }
}

// ---- Outputs ----

fn list_json(list: &VerifiedDeviceList) -> Value {
    json!({
        "account_id": h(list.account_id().as_bytes()),
        "account_key": h(list.account_key().to_bytes()),
        "list_version": list.list_version(),
        "issued_at": list.issued_at().as_unix_seconds(),
        "expires_at": list.expires_at().as_unix_seconds(),
        "devices": list.devices().map(|(id, key)| json!({ "device_id": id.get(), "identity_key": h(key.to_bytes()) })).collect::<Vec<_>>(),
    })
}

fn policy(f: &Fields<'_>) -> Result<DeviceListPolicy, String> {
    let mut policy = DeviceListPolicy::default();
    policy.max_lifetime_seconds = f.u64("max_lifetime_seconds")?;
    policy.clock_skew_seconds = f.u64("clock_skew_seconds")?;
    Ok(policy)
}

/// A list validated under the key it names, at `now`, with the default policy.
fn self_validated(bytes: &[u8], now: u64) -> Result<VerifiedDeviceList, Error> {
    let list = DeviceListIn::decode(bytes)?;
    let key = *list.account_key();
    list.validate(&key, t(now), &DeviceListPolicy::default(), None)
}

fn opt_bytes(v: Option<&Value>) -> Result<Option<Vec<u8>>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => super::json::bytes(v).map(Some),
    }
}

pub(super) fn compute(input: &DevicesInput) -> Result<Value, String> {
    let (kind, body) = input
        .0
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or("empty input")?;
    Ok(match kind.as_str() {
        "sign_list" => {
            let f = Fields::of(
                body,
                &[
                    "account_seed",
                    "account_id",
                    "list_version",
                    "issued_at",
                    "expires_at",
                    "devices",
                ],
                &[],
            )?;
            let devices = f.value("devices")?.as_array().ok_or("devices")?;
            let mut listed = Vec::new();
            for d in devices {
                let d = Fields::of(d, &["device_id", "seed"], &[])?;
                match DeviceId::new(d.u32("device_id")?) {
                    Ok(id) => listed.push((
                        id,
                        *IdentityKeyPair::from_seed(&d.b32("seed")?).public_key(),
                    )),
                    Err(e) => return Ok(error(&e)),
                }
            }
            let id = p(AccountId::new(f.bytes("account_id")?))?;
            match AccountKeyPair::from_seed(&f.b32("account_seed")?).sign_device_list(
                &id,
                f.u64("list_version")?,
                t(f.u64("issued_at")?),
                t(f.u64("expires_at")?),
                &listed,
            ) {
                Ok(list) => {
                    let parts =
                        pb::DeviceList::decode(list.to_bytes()).map_err(|e| e.to_string())?;
                    json!({ "body": h(&parts.body), "signature": h(&parts.signature), "list": h(list.to_bytes()) })
                }
                Err(e) => error(&e),
            }
        }
        "validate_list" => {
            let f = Fields::of(
                body,
                &[
                    "list",
                    "trusted_key",
                    "now",
                    "max_lifetime_seconds",
                    "clock_skew_seconds",
                    "previous",
                ],
                &[],
            )?;
            let now = f.u64("now")?;
            let previous = match opt_bytes(f.get("previous"))? {
                Some(b) => Some(p(self_validated(&b, now))?),
                None => None,
            };
            let trusted = p(hushwire::AccountKey::from_bytes(&f.bytes("trusted_key")?))?;
            let policy = policy(&f)?;
            let result = DeviceListIn::decode(&f.bytes("list")?)
                .and_then(|l| l.validate(&trusted, t(now), &policy, previous.as_ref()));
            match result {
                Ok(list) => json!({ "list": list_json(&list) }),
                Err(e) => error(&e),
            }
        }
        "changes" => {
            let f = Fields::of(body, &["previous", "list"], &[])?;
            let previous = p(self_validated(&f.bytes("previous")?, NOW))?;
            let list = p(self_validated(&f.bytes("list")?, NOW))?;
            let c = list.changes_since(&previous);
            let ids = |v: &[DeviceId]| v.iter().map(|d| d.get()).collect::<Vec<_>>();
            json!({ "added": ids(&c.added), "removed": ids(&c.removed), "rekeyed": ids(&c.rekeyed) })
        }
        "link_offer" => {
            let f = Fields::of(body, &["device_seed", "link_secret"], &[])?;
            let device = IdentityKeyPair::from_seed(&f.b32("device_seed")?);
            let pending = PendingLink::new(&mut FixedRng(f.bytes("link_secret")?), &device);
            json!({ "offer": h(&*pending.qr_payload()) })
        }
        "decode_offer" => {
            let f = Fields::of(body, &["bytes"], &[])?;
            let bytes = f.bytes("bytes")?;
            match LinkOffer::decode(&bytes) {
                Ok(offer) => {
                    let parts =
                        pb::LinkOffer::decode(bytes.as_slice()).map_err(|e| e.to_string())?;
                    json!({ "device_key": h(offer.device_key().to_bytes()), "link_secret": h(&parts.link_secret) })
                }
                Err(e) => error(&e),
            }
        }
        "approve" => {
            let f = Fields::of(
                body,
                &[
                    "account_seed",
                    "current",
                    "offer",
                    "device_id",
                    "issued_at",
                    "expires_at",
                ],
                &[],
            )?;
            let current = p(self_validated(&f.bytes("current")?, NOW))?;
            let offer = p(LinkOffer::decode(&f.bytes("offer")?))?;
            let account = AccountKeyPair::from_seed(&f.b32("account_seed")?);
            let (issued_at, expires_at) = (t(f.u64("issued_at")?), t(f.u64("expires_at")?));
            match DeviceId::new(f.u32("device_id")?)
                .and_then(|id| offer.approve(&account, &current, id, issued_at, expires_at))
            {
                Ok((list, approval)) => {
                    json!({ "device_list": h(list.to_bytes()), "approval": h(approval) })
                }
                Err(e) => error(&e),
            }
        }
        "complete" => {
            let f = Fields::of(
                body,
                &["device_seed", "link_secret", "approval", "now"],
                &[],
            )?;
            let device = IdentityKeyPair::from_seed(&f.b32("device_seed")?);
            let pending = PendingLink::new(&mut FixedRng(f.bytes("link_secret")?), &device);
            match pending.complete(
                &f.bytes("approval")?,
                t(f.u64("now")?),
                &DeviceListPolicy::default(),
            ) {
                Ok(linked) => {
                    json!({ "address": address(&linked.address), "list": list_json(&linked.list) })
                }
                Err(e) => error(&e),
            }
        }
        "link_mac" => {
            let f = Fields::of(
                body,
                &[
                    "link_secret",
                    "account_id",
                    "device_id",
                    "device_list",
                    "device_key",
                ],
                &[],
            )?;
            let mac = p(hushwire::hazmat::device_link_mac(
                &f.b32("link_secret")?,
                &f.bytes("account_id")?,
                f.u32("device_id")?,
                &f.bytes("device_list")?,
                &f.bytes("device_key")?,
            ))?;
            json!({ "mac": h(mac) })
        }
        "routing" => {
            let f = Fields::of(
                body,
                &[
                    "sender_account",
                    "sender_device",
                    "recipient_account",
                    "recipient_device",
                    "sender_list_version",
                    "recipient_list_version",
                    "x3dh_ad",
                    "ratchet_key",
                    "previous_counter",
                    "counter",
                    "prekey_info",
                    "message_key",
                    "plaintext",
                ],
                &[],
            )?;
            let routing = p(hushwire::hazmat::device_routing(
                &f.bytes("sender_account")?,
                f.u32("sender_device")?,
                &f.bytes("recipient_account")?,
                f.u32("recipient_device")?,
                f.u64("sender_list_version")?,
                f.u64("recipient_list_version")?,
            ))?;
            let ad: [u8; 64] = f.bytes("x3dh_ad")?.try_into().map_err(|_| "x3dh_ad")?;
            let prekey: Option<[u8; 41]> = match opt_bytes(f.get("prekey_info"))? {
                Some(b) => Some(b.try_into().map_err(|_| "prekey_info")?),
                None => None,
            };
            let aead_ad = p(hushwire::hazmat::routed_aead_associated_data(
                &ad,
                &f.bytes("ratchet_key")?,
                f.u32("previous_counter")?,
                f.u32("counter")?,
                prekey.as_ref(),
                &routing,
            ))?;
            let ciphertext = p(hushwire::hazmat::seal(
                &hushwire::provider::RUST_CRYPTO,
                &f.b32("message_key")?,
                &aead_ad,
                &f.bytes("plaintext")?,
            ))?;
            json!({ "routing": h(&routing), "aead_associated_data": h(&aead_ad), "ciphertext": h(&ciphertext) })
        }
        "decode_message" => {
            let f = Fields::of(body, &["bytes", "max_encoded_len"], &[])?;
            let mut config = super::classic_config();
            config.max_encoded_len = f.usize("max_encoded_len")?;
            match DeviceMessage::decode(&f.bytes("bytes")?, &config) {
                Ok(m) => json!({
                    "sender": address(m.sender()), "recipient": address(m.recipient()),
                    "sender_list_version": m.sender_list_version(), "recipient_list_version": m.recipient_list_version(),
                    "envelope": h(m.envelope().encode()),
                }),
                Err(e) => error(&e),
            }
        }
        "fan_out" => fan_out(body)?,
        "record" => record(body)?,
        "load_record" => {
            let f = Fields::of(body, &["stored", "max_archived_sessions"], &[])?;
            let mut config = super::classic_config();
            config.max_archived_sessions = f.usize("max_archived_sessions")?;
            let stored = f.bytes("stored")?;
            match SessionRecord::from_stored(&stored, &config) {
                Ok(r) => json!({
                    "current": r.current().map(|s| h(s.id().as_bytes())),
                    "archived": r.archived_ids().map(|id| h(id.as_bytes())).collect::<Vec<_>>(),
                    "reencoded": h(r.to_stored().as_bytes()),
                }),
                Err(e) => error(&e),
            }
        }
        _ => return Err(format!("unknown case kind {kind}")),
    })
}

// ---- Scenario engine ----

/// A scenario device: keys from the file, its RNG, its prekey store.
struct Keys {
    identity: IdentityKeyPair,
    rng: ChaCha20Rng,
    signed_prekey: SignedPreKeyPair,
    one_time: Vec<OneTimePreKeyPair>,
    next_one_time: usize,
    store: InMemoryPreKeyStore,
}

impl Keys {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(
            v,
            &[
                "identity_seed",
                "rng_seed",
                "signed_prekey_secret",
                "one_time_prekey_secrets",
            ],
            &[],
        )?;
        let identity = IdentityKeyPair::from_seed(&f.b32("identity_seed")?);
        let signed_prekey = SignedPreKeyPair::generate(
            &mut FixedRng(f.bytes("signed_prekey_secret")?),
            &identity,
            SignedPreKeyId(1),
            t(SPK_CREATED_AT),
        );
        let mut store = InMemoryPreKeyStore::new();
        store.add_signed_prekey(signed_prekey.clone());
        let mut one_time = Vec::new();
        for (i, s) in f
            .value("one_time_prekey_secrets")?
            .as_array()
            .ok_or("one_time_prekey_secrets")?
            .iter()
            .enumerate()
        {
            let key = OneTimePreKeyPair::generate(
                &mut FixedRng(super::json::bytes(s)?),
                OneTimePreKeyId(i as u32 + 1),
            );
            store.add_one_time_prekey(key.clone());
            one_time.push(key);
        }
        Ok(Self {
            identity,
            rng: ChaCha20Rng::from_seed(f.b32("rng_seed")?),
            signed_prekey,
            one_time,
            next_one_time: 0,
            store,
        })
    }

    /// The bundle the server hands out next: signed prekey 1 and the next one-time prekey.
    fn next_bundle(&mut self) -> Result<PreKeyBundle, String> {
        let otk = self
            .one_time
            .get(self.next_one_time)
            .ok_or("out of one-time prekeys")?;
        self.next_one_time += 1;
        let bundle = p(PreKeyBundle::new(
            &self.identity,
            &self.signed_prekey,
            Some(*otk.public()),
        ))?;
        p(
            PreKeyBundleIn::decode(&bundle.encode(), &super::classic_config())
                .and_then(|b| b.validate()),
        )
    }
}

struct ScenarioDevice {
    address: DeviceAddress,
    keys: Keys,
    sessions: DeviceSessions,
}

struct ScenarioAccount {
    id: AccountId,
    key: AccountKeyPair,
    issued_at: u64,
    expires_at: u64,
    devices: Vec<ScenarioDevice>,
    listed: Vec<u32>,
    list: VerifiedDeviceList,
}

impl ScenarioAccount {
    fn sign(&self, version: u64) -> Result<VerifiedDeviceList, String> {
        let devices: Vec<_> = self
            .devices
            .iter()
            .filter(|d| self.listed.contains(&d.address.device.get()))
            .map(|d| (d.address.device, *d.keys.identity.public_key()))
            .collect();
        p(self.key.sign_device_list(
            &self.id,
            version,
            t(self.issued_at),
            t(self.expires_at),
            &devices,
        ))
    }
}

fn consistency(c: &hushwire::DeviceConsistency) -> Value {
    json!({ "sender_list_newer": c.sender_list_newer, "sender_saw_older_list_of_ours": c.sender_saw_older_list_of_ours, "our_list_newer_elsewhere": c.our_list_newer_elsewhere })
}

fn fan_out(body: &Value) -> Result<Value, String> {
    let f = Fields::of(body, &["now", "accounts", "script"], &[])?;
    let now = t(f.u64("now")?);
    let config = super::classic_config();
    let mut accounts = Vec::new();
    for a in f.value("accounts")?.as_array().ok_or("accounts")? {
        let a = Fields::of(
            a,
            &[
                "account_id",
                "account_seed",
                "issued_at",
                "expires_at",
                "devices",
            ],
            &[],
        )?;
        let id = p(AccountId::new(a.bytes("account_id")?))?;
        let mut devices = Vec::new();
        for d in a.value("devices")?.as_array().ok_or("devices")? {
            let d = Fields::of(d, &["device_id", "keys"], &[])?;
            let keys = Keys::from_json(d.value("keys")?)?;
            let address = DeviceAddress::new(id.clone(), p(DeviceId::new(d.u32("device_id")?))?);
            let sessions = DeviceSessions::new(
                address.clone(),
                *keys.identity.public_key(),
                &config,
                DeviceListPolicy::default(),
            );
            devices.push(ScenarioDevice {
                address,
                keys,
                sessions,
            });
        }
        let key = AccountKeyPair::from_seed(&a.b32("account_seed")?);
        let listed = devices.iter().map(|d| d.address.device.get()).collect();
        let mut account = ScenarioAccount {
            id,
            key,
            issued_at: a.u64("issued_at")?,
            expires_at: a.u64("expires_at")?,
            devices,
            listed,
            list: p(AccountKeyPair::from_seed(&[0; 32]).sign_device_list(
                &p(AccountId::new(vec![0]))?,
                1,
                t(0),
                t(1),
                &[(
                    p(DeviceId::new(1))?,
                    *IdentityKeyPair::from_seed(&[0; 32]).public_key(),
                )],
            ))?,
        };
        account.list = account.sign(1)?;
        accounts.push(account);
    }
    // known[(viewer, account)]: the list of `account` that `viewer`'s devices hold.
    let mut known: BTreeMap<(usize, usize), VerifiedDeviceList> = BTreeMap::new();
    for v in 0..accounts.len() {
        for (a, account) in accounts.iter().enumerate() {
            known.insert((v, a), account.list.clone());
        }
    }
    let index_of =
        |accounts: &[ScenarioAccount], id: &AccountId| accounts.iter().position(|a| &a.id == id);
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut steps = Vec::new();
    for op in f.value("script")?.as_array().ok_or("script")? {
        let o = Fields::of(
            op,
            &["op"],
            &[
                "account", "device", "to", "text", "message", "field", "value", "remove", "publish",
            ],
        )?;
        let step = match o.str("op")? {
            "connect" => {
                let (i, d, j) = (o.usize("account")?, o.u32("device")?, o.usize("to")?);
                if i.max(j) >= accounts.len() {
                    return Err("no such account".into());
                }
                let own = accounts[i].list.clone();
                let theirs = known[&(i, j)].clone();
                let sender = accounts[i]
                    .devices
                    .iter()
                    .position(|x| x.address.device.get() == d)
                    .ok_or("no device")?;
                let missing = accounts[i].devices[sender]
                    .sessions
                    .missing_sessions(&own, &theirs);
                for target in &missing {
                    let ta = index_of(&accounts, &target.account).ok_or("no account")?;
                    let td = accounts[ta]
                        .devices
                        .iter()
                        .position(|x| x.address == *target)
                        .ok_or("no target")?;
                    let bundle = accounts[ta].devices[td].keys.next_bundle()?;
                    let list = if ta == i { &own } else { &theirs };
                    let device = &mut accounts[i].devices[sender];
                    p(device.sessions.start_session(
                        &mut device.keys.rng,
                        &device.keys.identity,
                        list,
                        target.device,
                        &bundle,
                        now,
                    ))?;
                }
                json!({ "started": missing.iter().map(address).collect::<Vec<_>>() })
            }
            "send" => {
                let (i, d, j) = (o.usize("account")?, o.u32("device")?, o.usize("to")?);
                if i.max(j) >= accounts.len() {
                    return Err("no such account".into());
                }
                let own = accounts[i].list.clone();
                let theirs = known[&(i, j)].clone();
                let device = accounts[i]
                    .devices
                    .iter_mut()
                    .find(|x| x.address.device.get() == d)
                    .ok_or("no device")?;
                match device.sessions.encrypt_for_account(
                    &own,
                    &theirs,
                    now,
                    o.str("text")?.as_bytes(),
                ) {
                    Ok(out) => {
                        let mut indices = Vec::new();
                        for m in out {
                            messages.push(m.encode());
                            indices.push(json!({ "index": messages.len(), "to": address(m.recipient()), "bytes": h(m.encode()) }));
                        }
                        json!({ "messages": indices })
                    }
                    Err(e) => error(&e),
                }
            }
            "edit" => {
                let k = o.usize("message")?;
                let mut m = pb::DeviceMessage::decode(
                    messages
                        .get(k.checked_sub(1).ok_or("message 0")?)
                        .ok_or("no message")?
                        .as_slice(),
                )
                .map_err(|e| e.to_string())?;
                let value = o.u64("value")?;
                match o.str("field")? {
                    "recipient_device" => m.recipient_device = value as u32,
                    "sender_device" => m.sender_device = value as u32,
                    "sender_list_version" => m.sender_list_version = value,
                    "recipient_list_version" => m.recipient_list_version = value,
                    other => return Err(format!("unknown field {other}")),
                }
                messages.push(m.encode_to_vec());
                json!({ "message": { "index": messages.len(), "bytes": h(m.encode_to_vec()) } })
            }
            "deliver" => {
                let k = o.usize("message")?;
                let m = p(DeviceMessage::decode(
                    messages
                        .get(k.checked_sub(1).ok_or("message 0")?)
                        .ok_or("no message")?,
                    &config,
                ))?;
                let j =
                    index_of(&accounts, &m.recipient().account).ok_or("no recipient account")?;
                let i = index_of(&accounts, &m.sender().account).ok_or("no sender account")?;
                let own = accounts[j].list.clone();
                let sender_list = if i == j {
                    own.clone()
                } else {
                    known[&(j, i)].clone()
                };
                let device = accounts[j]
                    .devices
                    .iter_mut()
                    .find(|x| x.address == *m.recipient())
                    .ok_or("no recipient")?;
                match device.sessions.decrypt(
                    &mut device.keys.rng,
                    &device.keys.identity,
                    &mut device.keys.store,
                    &own,
                    &sender_list,
                    &m,
                    now,
                ) {
                    Ok(r) => {
                        json!({ "from": address(&r.from), "plaintext": String::from_utf8_lossy(&r.plaintext), "consistency": consistency(&r.consistency) })
                    }
                    Err(e) => error(&e),
                }
            }
            "resign" => {
                let i = o.usize("account")?;
                if i >= accounts.len() {
                    return Err("no such account".into());
                }
                let remove: Vec<u64> = o
                    .value("remove")?
                    .as_array()
                    .ok_or("remove")?
                    .iter()
                    .filter_map(Value::as_u64)
                    .collect();
                accounts[i]
                    .listed
                    .retain(|d| !remove.contains(&u64::from(*d)));
                let version = accounts[i].list.list_version() + 1;
                let list = accounts[i].sign(version)?;
                accounts[i].list = list.clone();
                let publish = o.bool("publish")?;
                let mut dropped = 0;
                for (v, account) in accounts.iter_mut().enumerate() {
                    if v == i || publish {
                        known.insert((v, i), list.clone());
                        for d in &mut account.devices {
                            dropped += d.sessions.retain_listed(&list).len();
                        }
                    }
                }
                json!({ "list": h(list.to_bytes()), "dropped": dropped })
            }
            other => return Err(format!("unknown op {other}")),
        };
        steps.push(step);
    }
    Ok(json!({ "steps": steps }))
}

fn record(body: &Value) -> Result<Value, String> {
    let f = Fields::of(body, &["max_archived_sessions", "a", "b", "script"], &[])?;
    let mut config = super::classic_config();
    config.max_archived_sessions = f.usize("max_archived_sessions")?;
    let mut keys = [
        Keys::from_json(f.value("a")?)?,
        Keys::from_json(f.value("b")?)?,
    ];
    let mut records = [SessionRecord::new(), SessionRecord::new()];
    // Every envelope: its bytes and who sent it (0 = a, 1 = b).
    let mut envelopes: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut steps = Vec::new();
    let side = |s: &str| if s == "a" { 0 } else { 1 };
    for op in f.value("script")?.as_array().ok_or("script")? {
        let o = Fields::of(op, &["op"], &["from", "text", "envelope"])?;
        let step = match o.str("op")? {
            "initiate" => {
                let x = side(o.str("from")?);
                let bundle = keys[1 - x].next_bundle()?;
                let k = &mut keys[x];
                let id = p(records[x].initiate(&mut k.rng, &k.identity, &bundle, &config))?;
                json!({ "session_id": h(id.as_bytes()) })
            }
            "send" => {
                let x = side(o.str("from")?);
                match records[x].encrypt(o.str("text")?.as_bytes()) {
                    Ok(envelope) => {
                        envelopes.push((x, envelope.encode()));
                        json!({ "envelope": { "index": envelopes.len(), "bytes": h(envelope.encode()) } })
                    }
                    Err(e) => error(&e),
                }
            }
            "deliver" => {
                let k = o.usize("envelope")?;
                let (from, bytes) = envelopes
                    .get(k.checked_sub(1).ok_or("envelope 0")?)
                    .ok_or("no envelope")?
                    .clone();
                let to = 1 - from;
                let envelope = p(Envelope::decode(&bytes, &config))?;
                let theirs = *keys[from].identity.public_key();
                let kk = &mut keys[to];
                let result = records[to].decrypt(
                    &mut kk.rng,
                    &kk.identity,
                    &mut kk.store,
                    &theirs,
                    &envelope,
                    &config,
                );
                let mut out = match result {
                    Ok(plaintext) => json!({ "plaintext": String::from_utf8_lossy(&plaintext) }),
                    Err(e) => error(&e),
                };
                out["current"] = records[to]
                    .current()
                    .map(|s| h(s.id().as_bytes()))
                    .unwrap_or(Value::Null);
                out["archived"] = json!(
                    records[to]
                        .archived_ids()
                        .map(|id| h(id.as_bytes()))
                        .collect::<Vec<_>>()
                );
                out
            }
            other => return Err(format!("unknown op {other}")),
        };
        steps.push(step);
    }
    Ok(json!({
        "steps": steps,
        "a_record": h(records[0].to_stored().as_bytes()),
        "b_record": h(records[1].to_stored().as_bytes()),
    }))
}
