//! Group messaging with Sender Keys (SPEC.md section 15), end to end through the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use hushwire::{
    AccountId, DeviceAddress, DeviceId, DistributionOutcome, Error, ErrorCategory, GroupId,
    GroupMessage, GroupSession, SenderKeyDistribution,
};
use hushwire_testkit::pb;
use prost::Message;

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account.as_bytes().to_vec()).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

fn group() -> GroupId {
    GroupId::new(b"acme-support-7".to_vec()).unwrap()
}

/// Members `names` (device 1 each), each with a session and every other's distribution.
fn members(rng: &mut ChaCha20Rng, names: &[&str]) -> Vec<GroupSession> {
    let addresses: Vec<_> = names.iter().map(|n| address(n, 1)).collect();
    let mut sessions: Vec<GroupSession> = addresses
        .iter()
        .map(|local| {
            let others = addresses.iter().filter(|a| *a != local).cloned();
            GroupSession::create(rng, group(), local.clone(), others, &config()).unwrap()
        })
        .collect();
    exchange(&mut sessions);
    sessions
}

/// Every session takes in every other's current distribution, through its encoding (as it
/// would arrive inside a pairwise session).
fn exchange(sessions: &mut [GroupSession]) {
    let distributions: Vec<_> = sessions
        .iter()
        .map(|s| (s.local().clone(), s.distribution().encode()))
        .collect();
    for s in sessions.iter_mut() {
        for (from, d) in &distributions {
            if from != s.local() && s.is_member(from) {
                let d = SenderKeyDistribution::decode(d).unwrap();
                s.process_distribution(from, &d).unwrap();
            }
        }
    }
}

fn wire(message: &GroupMessage) -> GroupMessage {
    GroupMessage::decode(&message.encode(), &config()).unwrap()
}

fn stored(s: &GroupSession) -> Vec<u8> {
    s.to_stored().as_bytes().to_vec()
}

#[test]
fn every_member_reads_a_message_encrypted_once() {
    let mut rng = rng(1);
    let mut s = members(&mut rng, &["acme", "carol", "dave"]);
    let m = wire(&s[0].encrypt(b"your orders are ready").unwrap());
    assert_eq!(m.sender(), &address("acme", 1));
    assert_eq!(m.iteration(), 0);
    assert_eq!(s[1].decrypt(&m).unwrap(), b"your orders are ready");
    assert_eq!(s[2].decrypt(&m).unwrap(), b"your orders are ready");
    // And back, from each member.
    for i in [1, 2] {
        let m = wire(&s[i].encrypt(b"thanks").unwrap());
        for j in [0, 1, 2] {
            if j != i {
                assert_eq!(s[j].decrypt(&m).unwrap(), b"thanks");
            }
        }
    }
}

#[test]
fn messages_decrypt_out_of_order_once_each_and_failures_change_nothing() {
    let mut rng = rng(2);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let sent: Vec<_> = (0..10u8)
        .map(|i| wire(&s[0].encrypt(&[i]).unwrap()))
        .collect();
    for i in [9, 3, 0, 5, 1, 2, 8, 4, 7, 6] {
        assert_eq!(s[1].decrypt(&sent[i]).unwrap(), [i as u8]);
    }
    for m in &sent {
        let before = stored(&s[1]);
        assert_eq!(s[1].decrypt(m).unwrap_err(), Error::DuplicateMessage);
        assert_eq!(stored(&s[1]), before);
    }
}

#[test]
fn a_jump_is_bounded_by_max_group_skip() {
    let mut rng = rng(3);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let max = s[1].config().max_group_skip;
    assert_eq!(max, 25_000);
    let mut last = None;
    for _ in 0..=max + 1 {
        last = Some(s[0].encrypt(b"x").unwrap());
    }
    // Iteration max + 1: a skip of max + 1 keys.
    let before = stored(&s[1]);
    assert_eq!(
        s[1].decrypt(&last.unwrap()).unwrap_err(),
        Error::TooManySkippedMessages {
            skip: u64::from(max) + 1,
            max
        }
    );
    assert_eq!(stored(&s[1]), before);
    // Exactly max: fine, and only max_group_skipped_keys of the skipped keys are kept.
    let mut rng = common::rng(4);
    let mut s = members(&mut rng, &["acme", "carol"]);
    for _ in 0..max {
        s[0].encrypt(b"x").unwrap();
    }
    let m = s[0].encrypt(b"far").unwrap();
    assert_eq!(s[1].decrypt(&m).unwrap(), b"far");
}

#[test]
fn a_tampered_message_fails_its_signature_before_any_key_is_derived() {
    let mut rng = rng(5);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let m = s[0].encrypt(b"pay invoice 17").unwrap();
    let mut outer = pb::GroupMessage::decode(&m.encode()[..]).unwrap();
    let mut body = pb::GroupMessageBody::decode(&outer.body[..]).unwrap();
    body.ciphertext[0] ^= 1;
    outer.body = body.encode_to_vec();
    let forged = GroupMessage::decode(&outer.encode_to_vec(), &config()).unwrap();
    let before = stored(&s[1]);
    let error = s[1].decrypt(&forged).unwrap_err();
    assert_eq!(error, Error::InvalidSignature);
    assert_eq!(error.category(), ErrorCategory::Key);
    assert_eq!(stored(&s[1]), before);
    assert_eq!(s[1].decrypt(&m).unwrap(), b"pay invoice 17");
}

#[test]
fn a_removed_member_who_kept_everything_reads_nothing_sent_after() {
    let mut rng = rng(6);
    let mut s = members(&mut rng, &["acme", "carol", "dave"]);
    let dave = address("dave", 1);
    let before = wire(&s[0].encrypt(b"before").unwrap());
    assert_eq!(s[2].decrypt(&before).unwrap(), b"before");
    // Acme and Carol remove Dave; each rotates and sends its new key to the others only.
    let from_acme = s[0].remove_member(&mut rng, &dave).unwrap();
    let from_carol = s[1].remove_member(&mut rng, &dave).unwrap();
    assert_eq!(s[0].members().count(), 1);
    assert_ne!(from_acme.chain_id(), before.chain_id());
    s[1].process_distribution(&address("acme", 1), &from_acme)
        .unwrap();
    s[0].process_distribution(&address("carol", 1), &from_carol)
        .unwrap();
    // Dave kept his whole state, and even gets the new distribution addressed to no one.
    let after = wire(&s[0].encrypt(b"after").unwrap());
    assert_eq!(s[1].decrypt(&after).unwrap(), b"after");
    assert_eq!(
        s[2].decrypt(&after).unwrap_err(),
        Error::UnknownSenderKey {
            chain_id: after.chain_id()
        }
    );
    // Messages from Dave are no longer accepted by the others.
    let from_dave = wire(&s[2].encrypt(b"still here").unwrap());
    assert_eq!(
        s[0].decrypt(&from_dave).unwrap_err(),
        Error::NotAGroupMember { device: 1 }
    );
    // Nor his distributions.
    let d = s[2].distribution();
    assert_eq!(
        s[0].process_distribution(&dave, &d).unwrap_err(),
        Error::NotAGroupMember { device: 1 }
    );
}

#[test]
fn a_member_added_later_reads_only_what_is_sent_after() {
    let mut rng = rng(7);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let early = wire(&s[0].encrypt(b"early").unwrap());
    let erin = address("erin", 1);
    let mut e = GroupSession::create(
        &mut rng,
        group(),
        erin.clone(),
        [address("acme", 1), address("carol", 1)],
        &config(),
    )
    .unwrap();
    let to_erin = s[0].add_member(erin.clone()).unwrap();
    assert_eq!(to_erin.iteration(), 1);
    e.process_distribution(&address("acme", 1), &to_erin)
        .unwrap();
    let late = wire(&s[0].encrypt(b"late").unwrap());
    assert_eq!(e.decrypt(&late).unwrap(), b"late");
    assert_eq!(e.decrypt(&early).unwrap_err(), Error::DuplicateMessage);
}

#[test]
fn distributions_repeated_conflicting_or_for_another_group() {
    let mut rng = rng(8);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let acme = address("acme", 1);
    let d = s[0].distribution();
    assert_eq!(
        s[1].process_distribution(&acme, &d).unwrap(),
        DistributionOutcome::AlreadyHeld
    );
    // The same chain id with another signing key: refused, the held chain kept.
    let mut wire_d = pb::SenderKeyDistribution::decode(&d.encode()[..]).unwrap();
    let other = hushwire::IdentityKeyPair::generate(&mut rng);
    wire_d.signing_key = other.public_key().to_bytes().to_vec();
    let conflicting = SenderKeyDistribution::decode(&wire_d.encode_to_vec()).unwrap();
    let before = stored(&s[1]);
    assert_eq!(
        s[1].process_distribution(&acme, &conflicting).unwrap_err(),
        Error::SenderKeyConflict {
            chain_id: d.chain_id()
        }
    );
    assert_eq!(stored(&s[1]), before);
    let mut other_group = pb::SenderKeyDistribution::decode(&d.encode()[..]).unwrap();
    other_group.group_id = b"another".to_vec();
    let other_group = SenderKeyDistribution::decode(&other_group.encode_to_vec()).unwrap();
    assert_eq!(
        s[1].process_distribution(&acme, &other_group).unwrap_err(),
        Error::WrongGroup
    );
    // Debug shows no chain key.
    let debug = format!("{d:?}");
    assert!(!debug.contains("chain_key"), "{debug}");
}

#[test]
fn a_sender_s_oldest_chains_are_dropped_past_the_limit() {
    let mut rng = rng(9);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let acme = address("acme", 1);
    let first = wire(&s[0].encrypt(b"chain 1").unwrap());
    for _ in 0..5 {
        let d = s[0].rotate(&mut rng);
        s[1].process_distribution(&acme, &d).unwrap();
    }
    // Six chains sent, five kept: the first is gone.
    assert_eq!(
        s[1].decrypt(&first).unwrap_err(),
        Error::UnknownSenderKey {
            chain_id: first.chain_id()
        }
    );
    let now = wire(&s[0].encrypt(b"chain 6").unwrap());
    assert_eq!(s[1].decrypt(&now).unwrap(), b"chain 6");
}

#[test]
fn a_group_session_round_trips_through_its_stored_form() {
    let mut rng = rng(10);
    let mut s = members(&mut rng, &["acme", "carol", "dave"]);
    let sent: Vec<_> = (0..4u8)
        .map(|i| wire(&s[0].encrypt(&[i]).unwrap()))
        .collect();
    s[1].decrypt(&sent[3]).unwrap(); // three keys stored
    let bytes = stored(&s[1]);
    let mut loaded = GroupSession::from_stored(&bytes, &config()).unwrap();
    assert_eq!(stored(&loaded), bytes);
    for (i, m) in sent.iter().take(3).enumerate() {
        assert_eq!(loaded.decrypt(m).unwrap(), [i as u8]);
    }
    // Our own chain continues where it was.
    let mut acme = GroupSession::from_stored(&stored(&s[0]), &config()).unwrap();
    let next = acme.encrypt(b"next").unwrap();
    assert_eq!(next.iteration(), 4);
    assert_eq!(loaded.decrypt(&next).unwrap(), b"next");
    assert_eq!(
        GroupSession::from_stored(&bytes[..bytes.len() - 1], &config()).unwrap_err(),
        Error::SessionStateCorrupted
    );
    let debug = format!("{:?} {:?}", s[1], s[1].to_stored());
    assert!(
        !debug.contains("chain_key") && !debug.contains("seed"),
        "{debug}"
    );
}

#[test]
fn messages_for_another_group_or_from_ourselves_are_refused() {
    let mut rng = rng(11);
    let mut s = members(&mut rng, &["acme", "carol"]);
    let mut other = GroupSession::create(
        &mut rng,
        GroupId::new(b"other".to_vec()).unwrap(),
        address("acme", 1),
        [address("carol", 1)],
        &config(),
    )
    .unwrap();
    let m = other.encrypt(b"x").unwrap();
    assert_eq!(s[1].decrypt(&m).unwrap_err(), Error::WrongGroup);
    let own = s[0].encrypt(b"mine").unwrap();
    assert_eq!(
        s[0].decrypt(&own).unwrap_err(),
        Error::NotAGroupMember { device: 1 }
    );
    assert_eq!(
        GroupId::new(Vec::new()).unwrap_err(),
        Error::InvalidGroupId { len: 0 }
    );
    assert_eq!(
        GroupId::new(vec![0; 65]).unwrap_err(),
        Error::InvalidGroupId { len: 65 }
    );
}
