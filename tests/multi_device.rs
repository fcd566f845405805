//! Multi-device accounts (SPEC.md section 14): device lists, linking, session records and
//! fan-out, end to end through the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, DeviceListIn, DeviceListPolicy,
    DeviceMessage, Error, ErrorCategory, IdentityKeyPair, LinkOffer, PendingLink, SessionRecord,
    Timestamp, VerifiedDeviceList,
};
use hushwire_testkit::fixtures::accounts::{
    ACCOUNTS_NOW, Account, Device, LIST_LIFETIME, World, now,
};
use hushwire_testkit::pb;
use prost::Message;
use rand::Rng;

const DAY: u64 = 86_400;

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn policy() -> DeviceListPolicy {
    DeviceListPolicy::default()
}

fn account_id(name: &str) -> AccountId {
    AccountId::new(name.as_bytes().to_vec()).unwrap()
}

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

/// A list of `n` fresh device keys signed by `key`.
fn list_of(
    rng: &mut ChaCha20Rng,
    key: &AccountKeyPair,
    version: u64,
    n: u32,
) -> VerifiedDeviceList {
    let devices: Vec<_> = (1..=n)
        .map(|d| {
            (
                DeviceId::new(d).unwrap(),
                *IdentityKeyPair::generate(rng).public_key(),
            )
        })
        .collect();
    key.sign_device_list(
        &account_id("acme"),
        version,
        t(ACCOUNTS_NOW),
        t(ACCOUNTS_NOW + 30 * DAY),
        &devices,
    )
    .unwrap()
}

fn receive(list: &VerifiedDeviceList) -> DeviceListIn {
    DeviceListIn::decode(list.to_bytes()).unwrap()
}

// ---- device lists ----

#[test]
fn a_signed_list_decodes_and_validates_to_the_same_list() {
    let mut rng = rng(1);
    let key = AccountKeyPair::generate(&mut rng);
    let list = list_of(&mut rng, &key, 3, 4);
    let received = receive(&list);
    assert_eq!(received.account_key(), key.public_key());
    assert_eq!(received.list_version(), 3);
    let verified = received
        .validate(key.public_key(), now(), &policy(), None)
        .unwrap();
    assert_eq!(verified, list);
    assert_eq!(verified.devices().count(), 4);
    let (id, key2) = list.devices().nth(2).unwrap();
    assert_eq!(id.get(), 3);
    assert_eq!(verified.device_key(id), Some(key2));
    assert_eq!(verified.device_key(DeviceId::new(9).unwrap()), None);
}

#[test]
fn a_list_is_checked_against_the_key_the_caller_trusts() {
    let mut rng = rng(2);
    let key = AccountKeyPair::generate(&mut rng);
    let other = AccountKeyPair::generate(&mut rng);
    let list = list_of(&mut rng, &key, 1, 2);
    assert_eq!(
        receive(&list).validate(other.public_key(), now(), &policy(), None),
        Err(Error::IdentityMismatch)
    );
}

#[test]
fn a_list_with_a_broken_signature_is_refused() {
    let mut rng = rng(3);
    let key = AccountKeyPair::generate(&mut rng);
    let list = list_of(&mut rng, &key, 1, 2);
    let mut bytes = list.to_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01; // the signature is the last field
    let error = DeviceListIn::decode(&bytes)
        .unwrap()
        .validate(key.public_key(), now(), &policy(), None)
        .unwrap_err();
    assert_eq!(error, Error::InvalidDeviceListSignature);
    assert_eq!(error.category(), ErrorCategory::Device);
}

#[test]
fn an_older_list_is_a_rollback_and_a_different_list_of_one_version_a_conflict() {
    let mut rng = rng(4);
    let key = AccountKeyPair::generate(&mut rng);
    let v1 = list_of(&mut rng, &key, 1, 2);
    let v2 = list_of(&mut rng, &key, 2, 3);
    let v2_other = list_of(&mut rng, &key, 2, 3);
    assert_eq!(
        receive(&v1).validate(key.public_key(), now(), &policy(), Some(&v2)),
        Err(Error::DeviceListRollback { held: 2, found: 1 })
    );
    assert_eq!(
        receive(&v2_other).validate(key.public_key(), now(), &policy(), Some(&v2)),
        Err(Error::DeviceListConflict { version: 2 })
    );
    // The same list again, and a newer one, are fine.
    assert!(
        receive(&v2)
            .validate(key.public_key(), now(), &policy(), Some(&v2))
            .is_ok()
    );
    assert!(
        receive(&v2)
            .validate(key.public_key(), now(), &policy(), Some(&v1))
            .is_ok()
    );
}

#[test]
fn a_previous_list_of_another_account_is_an_identity_mismatch() {
    let mut rng = rng(5);
    let key = AccountKeyPair::generate(&mut rng);
    let other = AccountKeyPair::generate(&mut rng);
    let theirs = list_of(&mut rng, &other, 1, 1);
    let list = list_of(&mut rng, &key, 2, 1);
    assert_eq!(
        receive(&list).validate(key.public_key(), now(), &policy(), Some(&theirs)),
        Err(Error::IdentityMismatch)
    );
}

#[test]
fn a_list_is_valid_from_issued_at_to_expires_at_within_the_skew() {
    let mut rng = rng(6);
    let key = AccountKeyPair::generate(&mut rng);
    let list = list_of(&mut rng, &key, 1, 1);
    let expires = ACCOUNTS_NOW + 30 * DAY;
    for (at, ok) in [
        (ACCOUNTS_NOW - 300, true),
        (ACCOUNTS_NOW - 301, false),
        (expires + 300, true),
        (expires + 301, false),
    ] {
        let result = receive(&list).validate(key.public_key(), t(at), &policy(), None);
        if ok {
            assert!(result.is_ok(), "at {at}");
        } else {
            assert_eq!(
                result,
                Err(Error::DeviceListExpired {
                    expires_at: expires
                }),
                "at {at}"
            );
        }
    }
}

#[test]
fn a_list_may_live_at_most_the_policy_lifetime() {
    let mut rng = rng(7);
    let key = AccountKeyPair::generate(&mut rng);
    let device = *IdentityKeyPair::generate(&mut rng).public_key();
    let sign = |lifetime: u64| {
        key.sign_device_list(
            &account_id("acme"),
            1,
            t(ACCOUNTS_NOW),
            t(ACCOUNTS_NOW + lifetime),
            &[(DeviceId::new(1).unwrap(), device)],
        )
        .unwrap()
    };
    let max = 35 * DAY;
    assert_eq!(policy().max_lifetime_seconds, max);
    assert!(
        receive(&sign(max))
            .validate(key.public_key(), now(), &policy(), None)
            .is_ok()
    );
    assert_eq!(
        receive(&sign(max + 1)).validate(key.public_key(), now(), &policy(), None),
        Err(Error::DeviceListLifetimeTooLong {
            lifetime: max + 1,
            max
        })
    );
}

#[test]
fn changes_between_lists_name_added_removed_and_rekeyed_devices() {
    let mut rng = rng(8);
    let key = AccountKeyPair::generate(&mut rng);
    let k = |rng: &mut ChaCha20Rng| *IdentityKeyPair::generate(rng).public_key();
    let (a, b, c, b2) = (k(&mut rng), k(&mut rng), k(&mut rng), k(&mut rng));
    let id = |n| DeviceId::new(n).unwrap();
    let sign = |v, devices: &[(DeviceId, hushwire::IdentityKey)]| {
        key.sign_device_list(
            &account_id("acme"),
            v,
            now(),
            t(ACCOUNTS_NOW + DAY),
            devices,
        )
        .unwrap()
    };
    let old = sign(1, &[(id(1), a), (id(2), b), (id(3), c)]);
    let new = sign(2, &[(id(1), a), (id(2), b2), (id(4), c)]);
    let changes = new.changes_since(&old);
    assert_eq!(changes.added, vec![id(4)]);
    assert_eq!(changes.removed, vec![id(3)]);
    assert_eq!(changes.rekeyed, vec![id(2)]);
    assert!(new.changes_since(&new).is_empty());
}

#[test]
fn the_signer_refuses_what_a_verifier_would_refuse() {
    let mut rng = rng(9);
    let key = AccountKeyPair::generate(&mut rng);
    let a = *IdentityKeyPair::generate(&mut rng).public_key();
    let b = *IdentityKeyPair::generate(&mut rng).public_key();
    let id = |n| DeviceId::new(n).unwrap();
    let sign = |v, issued: u64, expires: u64, devices: &[(DeviceId, hushwire::IdentityKey)]| {
        key.sign_device_list(&account_id("acme"), v, t(issued), t(expires), devices)
    };
    let cases = [
        (sign(0, 1, 2, &[(id(1), a)]), "list version 0"),
        (
            sign(1, 2, 2, &[(id(1), a)]),
            "expires_at is not after issued_at",
        ),
        (sign(1, 1, 2, &[]), "not 1 to 64 devices"),
        (
            sign(1, 1, 2, &[(id(2), a), (id(1), b)]),
            "device ids not strictly increasing",
        ),
        (
            sign(1, 1, 2, &[(id(1), a), (id(1), b)]),
            "device ids not strictly increasing",
        ),
        (
            sign(1, 1, 2, &[(id(1), a), (id(2), a)]),
            "a device key is listed twice",
        ),
    ];
    for (result, reason) in cases {
        assert_eq!(result, Err(Error::InvalidDeviceList { reason }));
    }
    let many: Vec<_> = (1..=65)
        .map(|n| (id(n), *IdentityKeyPair::generate(&mut rng).public_key()))
        .collect();
    assert_eq!(
        sign(1, 1, 2, &many),
        Err(Error::InvalidDeviceList {
            reason: "not 1 to 64 devices"
        })
    );
    assert!(sign(1, 1, 2, &many[..64]).is_ok());
    assert_eq!(
        DeviceId::new(0),
        Err(Error::InvalidDeviceList {
            reason: "device id 0"
        })
    );
}

// ---- linking ----

struct Primary {
    key: AccountKeyPair,
    list: VerifiedDeviceList,
}

fn primary(rng: &mut ChaCha20Rng) -> (Primary, IdentityKeyPair) {
    let key = AccountKeyPair::generate(rng);
    let phone = IdentityKeyPair::generate(rng);
    let list = key
        .sign_device_list(
            &account_id("acme"),
            1,
            now(),
            t(ACCOUNTS_NOW + LIST_LIFETIME),
            &[(DeviceId::new(1).unwrap(), *phone.public_key())],
        )
        .unwrap();
    (Primary { key, list }, phone)
}

fn approve(
    primary: &Primary,
    qr: &[u8],
    device: u32,
) -> Result<(VerifiedDeviceList, Vec<u8>), Error> {
    LinkOffer::decode(qr).unwrap().approve(
        &primary.key,
        &primary.list,
        DeviceId::new(device).unwrap(),
        now(),
        t(ACCOUNTS_NOW + LIST_LIFETIME),
    )
}

#[test]
fn a_new_device_is_linked_by_qr_code_and_joins_the_list() {
    let mut rng = rng(20);
    let (primary, phone) = primary(&mut rng);
    let laptop = IdentityKeyPair::generate(&mut rng);
    let pending = PendingLink::new(&mut rng, &laptop);
    let qr = pending.qr_payload();
    let offer = LinkOffer::decode(&qr).unwrap();
    assert_eq!(offer.device_key(), laptop.public_key());
    let (new_list, approval) = approve(&primary, &qr, 2).unwrap();
    assert_eq!(new_list.list_version(), 2);
    assert_eq!(
        new_list.device_key(DeviceId::new(1).unwrap()),
        Some(phone.public_key())
    );
    let linked = pending.complete(&approval, now(), &policy()).unwrap();
    assert_eq!(
        linked.address,
        DeviceAddress::new(account_id("acme"), DeviceId::new(2).unwrap())
    );
    assert_eq!(linked.list, new_list);
    assert_eq!(linked.list.account_key(), primary.key.public_key());
    // Every other device takes the new list in as a successor of the old one.
    assert!(
        DeviceListIn::decode(new_list.to_bytes())
            .unwrap()
            .validate(
                primary.key.public_key(),
                now(),
                &policy(),
                Some(&primary.list)
            )
            .is_ok()
    );
    // Nothing secret in Debug.
    let debug = format!(
        "{pending:?}{offer:?}",
        pending = PendingLink::new(&mut rng, &laptop)
    );
    assert!(!debug.contains("secret:"), "{debug}");
}

#[test]
fn an_approval_made_without_the_qr_secret_is_refused() {
    let mut rng = rng(21);
    let (primary, _) = primary(&mut rng);
    let laptop = IdentityKeyPair::generate(&mut rng);
    let pending = PendingLink::new(&mut rng, &laptop);
    // The server (or anyone) answers with its own secret for the same device key.
    let forger = PendingLink::new(&mut rng, &laptop);
    let (_, forged) = approve(&primary, &forger.qr_payload(), 2).unwrap();
    assert_eq!(
        pending.complete(&forged, now(), &policy()).unwrap_err(),
        Error::LinkAuthenticationFailed
    );
}

#[test]
fn an_approval_for_another_device_or_edited_in_transit_is_refused() {
    let mut rng = rng(22);
    let (primary, _) = primary(&mut rng);
    let laptop = IdentityKeyPair::generate(&mut rng);
    let pending = PendingLink::new(&mut rng, &laptop);
    let qr = pending.qr_payload();
    let (_, approval) = approve(&primary, &qr, 2).unwrap();
    // Every single-byte edit is refused, and none panics.
    for i in 0..approval.len() {
        let mut edited = approval.clone();
        edited[i] ^= 0x40;
        let pending = PendingLink::new(&mut rand_chacha::ChaCha20Rng::seed_from_u64(0), &laptop);
        assert!(
            pending.complete(&edited, now(), &policy()).is_err(),
            "byte {i}"
        );
    }
    // Another device's pending link (same secret impossible) fails the MAC.
    let tablet = IdentityKeyPair::generate(&mut rng);
    let other = PendingLink::new(&mut rng, &tablet);
    assert_eq!(
        other.complete(&approval, now(), &policy()).unwrap_err(),
        Error::LinkAuthenticationFailed
    );
    // And the genuine one still completes.
    assert!(pending.complete(&approval, now(), &policy()).is_ok());
}

#[test]
fn the_primary_refuses_a_taken_id_a_listed_key_and_another_account_key() {
    let mut rng = rng(23);
    let (primary, phone) = primary(&mut rng);
    let laptop = IdentityKeyPair::generate(&mut rng);
    let qr = PendingLink::new(&mut rng, &laptop).qr_payload();
    assert_eq!(
        approve(&primary, &qr, 1).unwrap_err(),
        Error::InvalidDeviceList {
            reason: "device ids not strictly increasing"
        }
    );
    let phone_again = PendingLink::new(&mut rng, &phone).qr_payload();
    assert_eq!(
        approve(&primary, &phone_again, 2).unwrap_err(),
        Error::InvalidDeviceList {
            reason: "a device key is listed twice"
        }
    );
    let stranger = Primary {
        key: AccountKeyPair::generate(&mut rng),
        list: primary.list.clone(),
    };
    assert_eq!(
        approve(&stranger, &qr, 2).unwrap_err(),
        Error::IdentityMismatch
    );
}

#[test]
fn a_linked_device_talks_to_the_account_s_contacts() {
    let mut rng = rng(24);
    let mut world = world(&mut rng, &[("acme", 1), ("carol", 1)]);
    let config = world.config;
    // Acme's primary links a laptop.
    let laptop = IdentityKeyPair::generate(&mut rng);
    let pending = PendingLink::new(&mut rng, &laptop);
    let acme = &world.accounts[0];
    let (list, approval) = LinkOffer::decode(&pending.qr_payload())
        .unwrap()
        .approve(
            &acme.key,
            &acme.list,
            DeviceId::new(2).unwrap(),
            now(),
            t(ACCOUNTS_NOW + LIST_LIFETIME),
        )
        .unwrap();
    let linked = pending.complete(&approval, now(), &policy()).unwrap();
    assert_eq!(linked.list, list);
    let acme = &mut world.accounts[0];
    let device = Device::with_identity(&mut rng, &acme.id, 2, laptop, &config);
    assert_eq!(device.address, linked.address);
    acme.devices.push(device);
    acme.list = list;
    // Carol writes to Acme: both of Acme's devices read it.
    assert_eq!(world.connect(&mut rng, 1, 1, 0), 2);
    let messages = world.send(1, 1, 0, b"is my order ready?").unwrap();
    assert_eq!(messages.len(), 2);
    for m in &messages {
        let received = world.deliver(&mut rng, m).unwrap().unwrap();
        assert_eq!(received.plaintext, b"is my order ready?");
    }
}

// ---- fan-out ----

#[test]
fn a_message_goes_to_every_device_of_the_recipient_and_every_other_device_of_the_sender() {
    let mut rng = rng(30);
    let mut world = world(&mut rng, &[("acme", 3), ("carol", 2)]);
    let (acme, carol) = (0, 1);
    assert_eq!(world.connect(&mut rng, acme, 1, carol), 4);
    let messages = world.send(acme, 1, carol, b"your order shipped").unwrap();
    let mut to: Vec<_> = messages
        .iter()
        .map(|m| {
            (
                String::from_utf8(m.recipient().account.as_bytes().to_vec()).unwrap(),
                m.recipient().device.get(),
            )
        })
        .collect();
    to.sort();
    assert_eq!(
        to,
        [("acme", 2), ("acme", 3), ("carol", 1), ("carol", 2)]
            .map(|(a, d)| (a.to_string(), d))
            .to_vec()
    );
    for m in &messages {
        assert_eq!(m.sender().device.get(), 1);
        assert_eq!(m.sender_list_version(), 1);
        assert_eq!(m.recipient_list_version(), 1);
        // Each is its own session's first message.
        assert!(m.envelope().is_prekey());
        let wire = m.encode();
        let m = DeviceMessage::decode(&wire, &world.config).unwrap();
        let received = world.deliver(&mut rng, &m).unwrap().unwrap();
        assert_eq!(received.plaintext, b"your order shipped");
        assert_eq!(received.from.device.get(), 1);
        assert_eq!(received.consistency, Default::default());
    }
    // Carol's device 2 replies: it needs sessions with Acme's devices 2 and 3 and with Carol's
    // device 1 (Acme's device 1 started one with it).
    assert_eq!(world.connect(&mut rng, carol, 2, acme), 3);
    let replies = world.send(carol, 2, acme, b"thanks").unwrap();
    assert_eq!(replies.len(), 4); // 3 Acme devices + Carol's device 1
    for m in &replies {
        if m.recipient().account.as_bytes() == b"acme" && m.recipient().device.get() == 1 {
            assert!(
                !m.envelope().is_prekey(),
                "acme 1 already has a session with carol 2"
            );
        }
    }
}

#[test]
fn devices_without_a_session_are_named_and_nothing_is_encrypted() {
    let mut rng = rng(31);
    let mut world = world(&mut rng, &[("acme", 2), ("carol", 2)]);
    assert_eq!(world.connect(&mut rng, 0, 1, 1), 3);
    let before: Vec<Vec<u8>> = world.accounts[0].devices[0]
        .sessions
        .records()
        .map(|(_, r)| r.to_stored().as_bytes().to_vec())
        .collect();
    // Carol adds a tablet: Acme's device 1 has no session with it.
    let config = world.config;
    world.accounts[1].add_device(&mut rng, &config);
    let error = world.send(0, 1, 1, b"hello").unwrap_err();
    assert_eq!(
        error,
        Error::SessionsMissing {
            devices: vec![DeviceAddress::new(
                account_id("carol"),
                DeviceId::new(3).unwrap()
            )]
        }
    );
    let after: Vec<Vec<u8>> = world.accounts[0].devices[0]
        .sessions
        .records()
        .map(|(_, r)| r.to_stored().as_bytes().to_vec())
        .collect();
    assert_eq!(before, after, "no session advanced");
    assert_eq!(world.connect(&mut rng, 0, 1, 1), 1);
    assert_eq!(world.send(0, 1, 1, b"hello").unwrap().len(), 4);
}

#[test]
fn an_envelope_redirected_to_another_device_does_not_decrypt() {
    let mut rng = rng(32);
    let mut world = world(&mut rng, &[("acme", 1), ("carol", 2)]);
    world.connect(&mut rng, 0, 1, 1);
    // Established sessions, so the redirect is tried on a real one.
    for m in world.send(0, 1, 1, b"first").unwrap() {
        world.deliver(&mut rng, &m).unwrap().unwrap();
    }
    world.connect(&mut rng, 1, 1, 0);
    world.connect(&mut rng, 1, 2, 0);
    for d in [1, 2] {
        for m in world.send(1, d, 0, b"ack").unwrap() {
            world.deliver(&mut rng, &m).unwrap().unwrap();
        }
    }
    let messages = world.send(0, 1, 1, b"secret for device 1").unwrap();
    let for_1 = messages
        .iter()
        .find(|m| m.recipient().device.get() == 1)
        .unwrap();
    // Delivered as it is to device 2: not addressed to it.
    let carol2 = DeviceAddress::new(account_id("carol"), DeviceId::new(2).unwrap());
    let mut wire = pb::DeviceMessage::decode(&for_1.encode()[..]).unwrap();
    let (own, _) = world.find(&carol2).unwrap();
    let own = own.clone();
    let acme_list = world.accounts[0].list.clone();
    let (_, device) = world.find(&carol2).unwrap();
    assert_eq!(
        device
            .receive(&mut rng, &own, &acme_list, for_1)
            .unwrap_err(),
        Error::MisaddressedMessage { field: "recipient" }
    );
    // With its recipient rewritten to device 2: the binding refuses it.
    wire.recipient_device = 2;
    let redirected = DeviceMessage::decode(&wire.encode_to_vec(), &world.config).unwrap();
    let (_, device) = world.find(&carol2).unwrap();
    let stored_before = device
        .sessions
        .records()
        .map(|(_, r)| r.to_stored().as_bytes().to_vec())
        .collect::<Vec<_>>();
    assert_eq!(
        device
            .receive(&mut rng, &own, &acme_list, &redirected)
            .unwrap_err(),
        Error::DecryptionFailed
    );
    let stored_after = device
        .sessions
        .records()
        .map(|(_, r)| r.to_stored().as_bytes().to_vec())
        .collect::<Vec<_>>();
    assert_eq!(stored_before, stored_after);
    let _ = device;
}

/// An established conversation: Acme (2 devices) and Carol (2 devices), every pair of devices
/// with a session that has carried a message each way.
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

/// `message` re-encoded after `edit`.
fn edited(
    message: &DeviceMessage,
    edit: impl FnOnce(&mut pb::DeviceMessage),
    world: &World,
) -> DeviceMessage {
    let mut wire = pb::DeviceMessage::decode(&message.encode()[..]).unwrap();
    edit(&mut wire);
    DeviceMessage::decode(&wire.encode_to_vec(), &world.config).unwrap()
}

fn to_carol(messages: &[DeviceMessage], device: u32) -> &DeviceMessage {
    messages
        .iter()
        .find(|m| {
            m.recipient().account.as_bytes() == b"carol" && m.recipient().device.get() == device
        })
        .unwrap()
}

#[test]
fn the_sender_address_and_both_list_versions_are_authenticated() {
    let (mut world, mut rng) = established(33);
    let messages = world.send(0, 1, 1, b"bound").unwrap();
    let m = to_carol(&messages, 1);
    assert!(!m.envelope().is_prekey());
    type Edit = fn(&mut pb::DeviceMessage);
    let edits: [(&str, Edit); 3] = [
        ("sender device", |w| w.sender_device = 2),
        ("sender list version", |w| w.sender_list_version = 7),
        ("recipient list version", |w| w.recipient_list_version = 7),
    ];
    for (what, edit) in edits {
        let forged = edited(m, edit, &world);
        assert_eq!(
            world.deliver(&mut rng, &forged).unwrap().unwrap_err(),
            Error::DecryptionFailed,
            "{what}"
        );
    }
    // The genuine one still decrypts: every failure left the record as it was.
    assert_eq!(
        world.deliver(&mut rng, m).unwrap().unwrap().plaintext,
        b"bound"
    );
}

#[test]
fn a_message_from_a_sender_account_other_than_the_list_is_misaddressed() {
    let (mut world, mut rng) = established(34);
    let messages = world.send(0, 1, 1, b"x").unwrap();
    let m = to_carol(&messages, 1);
    let carol_list = world.accounts[1].list.clone();
    let (own, device) = world.find(m.recipient()).unwrap();
    let own = own.clone();
    assert_eq!(
        device.receive(&mut rng, &own, &carol_list, m).unwrap_err(),
        Error::MisaddressedMessage { field: "sender" }
    );
}

#[test]
fn a_removed_device_can_neither_send_nor_be_sent_to() {
    let (mut world, mut rng) = established(35);
    // Acme's device 2 has messages in flight when it is removed.
    let in_flight = world.send(0, 2, 1, b"sent before removal").unwrap();
    let mut removed = world.accounts[0].remove_device(2);
    assert_eq!(world.accounts[0].list.list_version(), 2);
    // Carol's two devices and Acme's device 1 drop their records of it.
    assert_eq!(world.publish(0), 3);
    for device in [1, 2] {
        assert_eq!(
            world
                .deliver(&mut rng, to_carol(&in_flight, device))
                .unwrap()
                .unwrap_err(),
            Error::DeviceNotListed { device: 2 }
        );
    }
    // Fan-out no longer includes it, from Carol or from Acme's other device.
    for (from, d, to) in [(1, 1, 0), (0, 1, 1)] {
        let messages = world.send(from, d, to, b"after removal").unwrap();
        assert!(messages.iter().all(|m| m.recipient() != &removed.address));
        for m in &messages {
            world.deliver(&mut rng, m).unwrap().unwrap();
        }
    }
    // The removed device itself, still holding its sessions, cannot fan out.
    let own = world.accounts[0].list.clone();
    assert_eq!(
        removed
            .sessions
            .encrypt_for_account(&own, &world.accounts[1].list, now(), b"let me in")
            .unwrap_err(),
        Error::DeviceNotListed { device: 2 }
    );
}

#[test]
fn a_first_message_from_a_key_not_on_the_list_is_refused() {
    let mut rng = rng(36);
    let mut world = world(&mut rng, &[("acme", 1), ("carol", 1)]);
    let config = world.config;
    let acme_id = world.accounts[0].id.clone();
    // An impostor claims Acme's device 1 with its own key, and a list signed by its own key.
    let mut impostor = Device::generate(&mut rng, &acme_id, 1, &config);
    let carol_bundle = world.accounts[1].device(1).bundle(&mut rng, &config);
    let fake_list = AccountKeyPair::generate(&mut rng)
        .sign_device_list(
            &acme_id,
            1,
            now(),
            t(ACCOUNTS_NOW + DAY),
            &[(DeviceId::new(1).unwrap(), *impostor.identity.public_key())],
        )
        .unwrap();
    let carol_list = world.accounts[1].list.clone();
    impostor
        .sessions
        .start_session(
            &mut rng,
            &impostor.identity,
            &carol_list,
            DeviceId::new(1).unwrap(),
            &carol_bundle,
            now(),
        )
        .unwrap();
    let messages = impostor
        .sessions
        .encrypt_for_account(&fake_list, &carol_list, now(), b"pay here")
        .unwrap();
    assert_eq!(
        world.deliver(&mut rng, &messages[0]).unwrap().unwrap_err(),
        Error::DeviceNotListed { device: 1 }
    );
    assert_eq!(world.accounts[1].device(1).sessions.records().count(), 0);
    assert_eq!(
        world.accounts[1].device(1).prekeys.one_time_prekeys_left(),
        1
    );
}

#[test]
fn list_versions_in_messages_tell_each_end_about_stale_lists() {
    let (mut world, mut rng) = established(37);
    let config = world.config;
    // Carol adds a device, but Acme still holds Carol's list version 1.
    let stale_carol = world.accounts[1].list.clone();
    world.accounts[1].add_device(&mut rng, &config);
    let acme_own = world.accounts[0].list.clone();
    let messages = world.accounts[0]
        .device(1)
        .sessions
        .encrypt_for_account(&acme_own, &stale_carol, now(), b"hi")
        .unwrap();
    let received = world
        .deliver(&mut rng, to_carol(&messages, 1))
        .unwrap()
        .unwrap();
    assert!(received.consistency.sender_saw_older_list_of_ours);
    assert!(!received.consistency.sender_list_newer);
    assert!(!received.consistency.our_list_newer_elsewhere);
    // Acme re-signs (version 2); Carol still holds version 1 of Acme's list.
    let stale_acme = world.accounts[0].list.clone();
    world.accounts[0].resign();
    world.connect(&mut rng, 0, 1, 1);
    let messages = world.send(0, 1, 1, b"new list").unwrap();
    let m = to_carol(&messages, 1).clone();
    let carol_own = world.accounts[1].list.clone();
    let (_, carol1) = world.find(m.recipient()).unwrap();
    let received = carol1
        .receive(&mut rng, &carol_own, &stale_acme, &m)
        .unwrap();
    assert!(received.consistency.sender_list_newer);
    assert!(!received.consistency.sender_saw_older_list_of_ours);
    // Carol's device 1 holding an old list of its own account hears that it is old.
    let m = to_carol(&world.send(0, 1, 1, b"again").unwrap(), 1).clone();
    let acme_list = world.accounts[0].list.clone();
    let (_, carol1) = world.find(m.recipient()).unwrap();
    let received = carol1
        .receive(&mut rng, &stale_carol, &acme_list, &m)
        .unwrap();
    assert!(received.consistency.our_list_newer_elsewhere);
}

#[test]
fn an_expired_list_stops_fan_out_until_a_fresh_one_is_fetched() {
    let (mut world, _) = established(38);
    let own = world.accounts[0].list.clone();
    let carol = world.accounts[1].list.clone();
    let later = t(ACCOUNTS_NOW + LIST_LIFETIME + 301);
    assert_eq!(
        world.accounts[0]
            .device(1)
            .sessions
            .encrypt_for_account(&own, &carol, later, b"x")
            .unwrap_err(),
        Error::DeviceListExpired {
            expires_at: ACCOUNTS_NOW + LIST_LIFETIME
        }
    );
}

// ---- session records ----

/// Alice's and Bob's single devices, each with a record of the other.
struct Two {
    a: Device,
    b: Device,
    ra: SessionRecord,
    rb: SessionRecord,
}

fn two(rng: &mut ChaCha20Rng) -> Two {
    let config = config();
    let a = Device::generate(rng, &account_id("alice"), 1, &config);
    let b = Device::generate(rng, &account_id("bob"), 1, &config);
    Two {
        a,
        b,
        ra: SessionRecord::new(),
        rb: SessionRecord::new(),
    }
}

impl Two {
    fn a_starts(&mut self, rng: &mut ChaCha20Rng) {
        let bundle = self.b.bundle(rng, &config());
        self.ra
            .initiate(rng, &self.a.identity, &bundle, &config())
            .unwrap();
    }
    fn b_starts(&mut self, rng: &mut ChaCha20Rng) {
        let bundle = self.a.bundle(rng, &config());
        self.rb
            .initiate(rng, &self.b.identity, &bundle, &config())
            .unwrap();
    }
    fn a_sends(&mut self, text: &[u8]) -> Vec<u8> {
        self.ra.encrypt(text).unwrap().encode()
    }
    fn b_sends(&mut self, text: &[u8]) -> Vec<u8> {
        self.rb.encrypt(text).unwrap().encode()
    }
    fn a_gets(&mut self, rng: &mut ChaCha20Rng, wire: &[u8]) -> Result<Vec<u8>, Error> {
        self.ra.decrypt(
            rng,
            &self.a.identity,
            &mut self.a.prekeys,
            self.b.identity.public_key(),
            &decode(wire),
            &config(),
        )
    }
    fn b_gets(&mut self, rng: &mut ChaCha20Rng, wire: &[u8]) -> Result<Vec<u8>, Error> {
        self.rb.decrypt(
            rng,
            &self.b.identity,
            &mut self.b.prekeys,
            self.a.identity.public_key(),
            &decode(wire),
            &config(),
        )
    }
}

#[test]
fn a_record_with_no_session_cannot_encrypt() {
    let mut record = SessionRecord::new();
    assert_eq!(record.encrypt(b"x").unwrap_err(), Error::NoSession);
}

#[test]
fn an_archived_session_that_decrypts_is_promoted_while_the_new_one_is_unanswered() {
    let mut rng = rng(40);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m = s.a_sends(b"1");
    s.b_gets(&mut rng, &m).unwrap();
    let r = s.b_sends(b"2");
    s.a_gets(&mut rng, &r).unwrap();
    let first = s.ra.current().unwrap().id();
    // Alice starts a second session; Bob has not heard of it and keeps writing on the first.
    s.a_starts(&mut rng);
    let second = s.ra.current().unwrap().id();
    assert_ne!(first, second);
    assert_eq!(s.ra.archived_ids().collect::<Vec<_>>(), vec![first]);
    let r = s.b_sends(b"3");
    assert_eq!(s.a_gets(&mut rng, &r).unwrap(), b"3");
    assert_eq!(s.ra.current().unwrap().id(), first, "promoted");
    assert_eq!(s.ra.archived_ids().collect::<Vec<_>>(), vec![second]);
}

#[test]
fn a_peer_s_new_session_replaces_an_answered_one_and_stragglers_still_decrypt() {
    let mut rng = rng(41);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m = s.a_sends(b"1");
    s.b_gets(&mut rng, &m).unwrap();
    let r = s.b_sends(b"2");
    s.a_gets(&mut rng, &r).unwrap();
    let old = s.ra.current().unwrap().id();
    let straggler = s.b_sends(b"late");
    // Bob starts over (a reinstall that kept its identity): Alice's answered session loses
    // to the peer's new one, whatever the base keys.
    s.b_starts(&mut rng);
    let n = s.b_sends(b"new");
    assert_eq!(s.a_gets(&mut rng, &n).unwrap(), b"new");
    let new = s.ra.current().unwrap().id();
    assert_ne!(new, old);
    assert_eq!(s.ra.archived_ids().collect::<Vec<_>>(), vec![old]);
    // The straggler decrypts on the archived session, which is promoted; Bob's next message
    // on the new session brings it back.
    assert_eq!(s.a_gets(&mut rng, &straggler).unwrap(), b"late");
    assert_eq!(s.ra.current().unwrap().id(), old);
    let n = s.b_sends(b"newer");
    assert_eq!(s.a_gets(&mut rng, &n).unwrap(), b"newer");
    assert_eq!(s.ra.current().unwrap().id(), new);
    assert_eq!(s.rb.current().unwrap().id(), new);
}

#[test]
fn a_repeated_first_message_maps_onto_the_session_it_started() {
    let mut rng = rng(42);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m1 = s.a_sends(b"1");
    let m2 = s.a_sends(b"2");
    let m3 = s.a_sends(b"3");
    assert!(decode(&m3).is_prekey());
    s.b_gets(&mut rng, &m1).unwrap();
    let session = s.rb.current().unwrap().id();
    assert_eq!(s.b_gets(&mut rng, &m2).unwrap(), b"2");
    assert_eq!(s.rb.current().unwrap().id(), session);
    assert_eq!(s.rb.archived_len(), 0);
    // Replayed: a duplicate in its own session, not a new session.
    assert_eq!(
        s.b_gets(&mut rng, &m1).unwrap_err(),
        Error::DuplicateMessage
    );
    assert_eq!(s.rb.archived_len(), 0);
    // Also once that session is archived.
    s.b_starts(&mut rng);
    assert_ne!(s.rb.current().unwrap().id(), session);
    assert_eq!(s.b_gets(&mut rng, &m3).unwrap(), b"3");
    assert_eq!(s.rb.archived_len() + 1, 2);
    assert!(s.rb.current().unwrap().id() == session || s.rb.archived_ids().any(|id| id == session));
}

#[test]
fn the_archive_keeps_at_most_the_configured_number_of_sessions() {
    let mut rng = rng(43);
    let mut config = config();
    config.max_archived_sessions = 3;
    let mut s = two(&mut rng);
    let mut firsts = Vec::new();
    for i in 0..5u8 {
        let bundle = s.b.bundle(&mut rng, &config);
        s.ra.initiate(&mut rng, &s.a.identity, &bundle, &config)
            .unwrap();
        firsts.push(s.ra.encrypt(&[i]).unwrap().encode());
    }
    assert_eq!(s.ra.archived_len(), 3);
    for (i, m) in firsts.iter().enumerate() {
        let got =
            s.rb.decrypt(
                &mut rng,
                &s.b.identity,
                &mut s.b.prekeys,
                s.a.identity.public_key(),
                &decode(m),
                &config,
            )
            .unwrap();
        assert_eq!(got, [i as u8]);
    }
    assert_eq!(s.rb.archived_len(), 3);
    // Bob's archive kept sessions 2, 3, 4 (of 1..5): a repeat of the first session's first
    // message is a new session to him now, and its one-time prekey is gone.
    assert_eq!(
        s.rb.decrypt(
            &mut rng,
            &s.b.identity,
            &mut s.b.prekeys,
            s.a.identity.public_key(),
            &decode(&firsts[0]),
            &config
        )
        .unwrap_err(),
        Error::OneTimePreKeyConsumed { id: 1 }
    );
    let stored = s.ra.to_stored();
    let loaded = SessionRecord::from_stored(stored.as_bytes(), &config).unwrap();
    assert_eq!(loaded.archived_len(), 3);
    // Under a lower limit it loads trimmed to it, the oldest archived session dropped.
    let mut small = config;
    small.max_archived_sessions = 2;
    let trimmed = SessionRecord::from_stored(stored.as_bytes(), &small).unwrap();
    assert_eq!(
        trimmed.archived_ids().collect::<Vec<_>>(),
        loaded.archived_ids().take(2).collect::<Vec<_>>()
    );
}

#[test]
fn a_record_refuses_a_first_message_from_another_identity_before_touching_prekeys() {
    let mut rng = rng(46);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m = s.a_sends(b"1");
    s.b_gets(&mut rng, &m).unwrap();
    // Eve starts a session with Bob's bundle, and the server delivers it as from Alice.
    let eve = IdentityKeyPair::generate(&mut rng);
    let bundle = s.b.bundle(&mut rng, &config());
    let mut eve_record = SessionRecord::new();
    eve_record
        .initiate(&mut rng, &eve, &bundle, &config())
        .unwrap();
    let forged = eve_record.encrypt(b"new phone, send the code").unwrap();
    let before = s.rb.to_stored().as_bytes().to_vec();
    let left = s.b.prekeys.one_time_prekeys_left();
    assert_eq!(
        s.b_gets(&mut rng, &forged.encode()).unwrap_err(),
        Error::IdentityMismatch
    );
    assert_eq!(s.rb.to_stored().as_bytes(), &before[..]);
    assert_eq!(s.b.prekeys.one_time_prekeys_left(), left);
}

#[test]
fn a_failed_decrypt_leaves_the_whole_record_as_it_was() {
    let mut rng = rng(44);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m = s.a_sends(b"1");
    s.b_gets(&mut rng, &m).unwrap();
    s.a_starts(&mut rng);
    let before = s.ra.to_stored().as_bytes().to_vec();
    let mut forged = s.b_sends(b"2");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        s.a_gets(&mut rng, &forged).unwrap_err(),
        Error::DecryptionFailed
    );
    assert_eq!(s.ra.to_stored().as_bytes(), &before[..]);
}

#[test]
fn a_record_round_trips_through_its_stored_form() {
    let mut rng = rng(45);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    let m = s.a_sends(b"1");
    s.b_gets(&mut rng, &m).unwrap();
    s.a_starts(&mut rng);
    let stored = s.ra.to_stored();
    let mut loaded = SessionRecord::from_stored(stored.as_bytes(), &config()).unwrap();
    assert_eq!(loaded.to_stored().as_bytes(), stored.as_bytes());
    assert_eq!(loaded.current().unwrap().id(), s.ra.current().unwrap().id());
    assert_eq!(
        format!("{stored:?}"),
        format!("StoredSessionRecord({} bytes)", stored.len())
    );
    // It still works: Bob's reply on the archived session decrypts in the loaded copy.
    let r = s.b_sends(b"2");
    assert_eq!(
        loaded
            .decrypt(
                &mut rng,
                &s.a.identity,
                &mut s.a.prekeys,
                s.b.identity.public_key(),
                &decode(&r),
                &config()
            )
            .unwrap(),
        b"2"
    );
    let cut = &stored.as_bytes()[..stored.len() - 1];
    assert_eq!(
        SessionRecord::from_stored(cut, &config()).unwrap_err(),
        Error::SessionStateCorrupted
    );
}

fn deliver_to(s: &mut Two, rng: &mut ChaCha20Rng, to_a: bool, wire: &[u8]) -> Vec<u8> {
    if to_a {
        s.a_gets(rng, wire).unwrap()
    } else {
        s.b_gets(rng, wire).unwrap()
    }
}

/// Both devices start a session to each other at once, send up to `before` messages each,
/// and receive in an order chosen by `seed`; then each sends once more. Both end on one
/// session, and every message decrypted exactly once.
fn race(seed: u64, before: u32) {
    let mut rng = rng(seed);
    let mut s = two(&mut rng);
    s.a_starts(&mut rng);
    s.b_starts(&mut rng);
    let mut flight: Vec<(bool, Vec<u8>, Vec<u8>)> = Vec::new();
    let (mut sent, mut delivered) = (0u32, 0u32);
    for _ in 0..4 * before + 8 {
        let choice = rng.next_u32() % 4;
        if choice < 2 && sent < 2 * before {
            let text = format!("m{sent}").into_bytes();
            sent += 1;
            let wire = if choice == 0 {
                s.a_sends(&text)
            } else {
                s.b_sends(&text)
            };
            flight.push((choice == 1, wire, text));
        } else if !flight.is_empty() {
            let i = (rng.next_u32() as usize) % flight.len();
            let (to_a, wire, text) = flight.remove(i);
            assert_eq!(
                deliver_to(&mut s, &mut rng, to_a, &wire),
                text,
                "seed {seed}"
            );
            delivered += 1;
        }
    }
    for (to_a, wire, text) in std::mem::take(&mut flight) {
        assert_eq!(
            deliver_to(&mut s, &mut rng, to_a, &wire),
            text,
            "seed {seed}"
        );
        delivered += 1;
    }
    assert_eq!(sent, delivered);
    let m = s.a_sends(b"a");
    assert_eq!(s.b_gets(&mut rng, &m).unwrap(), b"a");
    let r = s.b_sends(b"b");
    assert_eq!(s.a_gets(&mut rng, &r).unwrap(), b"b");
    for _ in 0..3 {
        assert_eq!(
            s.ra.current().unwrap().id(),
            s.rb.current().unwrap().id(),
            "seed {seed}: converged"
        );
        let m = s.a_sends(b"x");
        s.b_gets(&mut rng, &m).unwrap();
        let r = s.b_sends(b"y");
        s.a_gets(&mut rng, &r).unwrap();
    }
}

#[test]
fn simultaneous_initiation_converges_on_one_session_and_loses_nothing() {
    for seed in 0..200 {
        race(1000 + seed, (seed % 5) as u32);
    }
}

#[test]
fn simultaneous_initiation_keeps_the_session_with_the_smaller_base_key() {
    for seed in 0..20 {
        let mut rng = rng(2000 + seed);
        let mut s = two(&mut rng);
        s.a_starts(&mut rng);
        s.b_starts(&mut rng);
        let from_a = s.a_sends(b"a");
        let from_b = s.b_sends(b"b");
        let a_base = *decode(&from_a).as_prekey().unwrap().base_key();
        let b_base = *decode(&from_b).as_prekey().unwrap().base_key();
        s.a_gets(&mut rng, &from_b).unwrap();
        s.b_gets(&mut rng, &from_a).unwrap();
        assert_eq!(
            s.ra.current().unwrap().id(),
            s.rb.current().unwrap().id(),
            "seed {seed}"
        );
        let alice_won = a_base.as_bytes() < b_base.as_bytes();
        assert_eq!(
            s.ra.current().unwrap().is_initiator(),
            alice_won,
            "seed {seed}"
        );
    }
}

#[test]
fn the_safety_number_is_over_the_account_key_so_a_new_device_does_not_change_it() {
    let mut rng = rng(50);
    let mut world = world(&mut rng, &[("acme", 1), ("carol", 1)]);
    let config = world.config;
    let number = |world: &World| {
        let (acme, carol) = (&world.accounts[0], &world.accounts[1]);
        hushwire::SafetyNumber::new(
            carol.list.account_key().identity_key(),
            &carol.id,
            acme.list.account_key().identity_key(),
            &acme.id,
        )
        .digits()
        .to_string()
    };
    let before = number(&world);
    let old_list = world.accounts[0].list.clone();
    world.accounts[0].add_device(&mut rng, &config);
    assert_eq!(number(&world), before);
    // What changed is the list, which the app shows instead.
    let changes = world.accounts[0].list.changes_since(&old_list);
    assert_eq!(changes.added, vec![DeviceId::new(2).unwrap()]);
}

#[test]
fn a_stale_list_of_our_own_account_cannot_bring_back_a_removed_device() {
    let (mut world, mut rng) = established(39);
    let v1 = world.accounts[0].list.clone();
    world.accounts[0].remove_device(2);
    world.publish(0);
    let v2 = world.accounts[0].list.clone();
    let device = world.accounts[0].device(1);
    // A note to self with the old list as the recipient's.
    assert_eq!(
        device
            .sessions
            .encrypt_for_account(&v2, &v1, now(), b"x")
            .unwrap_err(),
        Error::MisaddressedMessage {
            field: "recipient_list"
        }
    );
    // A message from another device of ours, checked against an older list of our own account.
    let config = world.config;
    world.accounts[0].add_device(&mut rng, &config);
    world.publish(0);
    world.connect(&mut rng, 0, 3, 0);
    let m = world
        .send(0, 3, 0, b"to my other devices")
        .unwrap()
        .remove(0);
    let own = world.accounts[0].list.clone();
    let (_, device1) = world.find(m.recipient()).unwrap();
    assert_eq!(
        device1.receive(&mut rng, &own, &v1, &m).unwrap_err(),
        Error::MisaddressedMessage {
            field: "sender_list"
        }
    );
    assert_eq!(
        device1.receive(&mut rng, &own, &own, &m).unwrap().plaintext,
        b"to my other devices"
    );
}
