//! Stores (SPEC.md 17): writes that lose their compare-and-swap, prekeys used twice, the
//! accept transaction's refusals, sealed values that do not open where they are read, and
//! damaged stored prekeys. Each refusal writes nothing. (The same rules, on every
//! implementation, sealed and not, are `tests/store_conformance.rs`.)

use std::future::Future;

use crate::common::*;
use hushwire::hazmat::store::{account_key, prekey_key, session_record_key};
use hushwire::store::{
    AcceptTransaction, DeviceLists, MemoryStore, PreKeys, Revision, Sealer, SessionRecords,
    StorageKey, Table, TrustRecords,
};
use hushwire::{
    AccountId, DeviceAddress, DeviceId, Error, IdentityKeyPair, Observation, OneTimePreKeyId,
    OneTimePreKeyPair, SessionRecord, SignedPreKeyId, SignedPreKeyPair, StoredSessionRecord,
    Timestamp, observe_identity,
};
use sha2::{Digest, Sha256};

/// The in-memory store's futures are ready at once; a current-thread runtime runs them.
/// Write `n` of a table's first created record (incarnation 1, SPEC.md 17.3).
fn rev(n: u64) -> Revision {
    rev_in(1, n)
}

/// Write `n` of the record created in `incarnation`.
fn rev_in(incarnation: u64, n: u64) -> Revision {
    Revision((incarnation << 32) | n)
}

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn peer(device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new("bob").unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

fn record(seed: u64) -> StoredSessionRecord {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, false);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut record = SessionRecord::new();
    record
        .initiate(&mut rng, &alice, &bob.bundle, &config())
        .unwrap();
    record.to_stored()
}

fn otks(seed: u64, ids: &[u32]) -> Vec<OneTimePreKeyPair> {
    let mut rng = rng(seed);
    ids.iter()
        .map(|&id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect()
}

#[test]
fn stale_or_duplicate_writes_are_conflicts() {
    let store = MemoryStore::new();
    let (v1, v2, v3) = (record(200), record(201), record(202));
    run(async {
        assert_eq!(
            store.store_session_record(&peer(1), None, &v1).await,
            Ok(rev(1))
        );
        assert_eq!(
            store
                .store_session_record(&peer(1), Some(rev(1)), &v2)
                .await,
            Ok(rev(2))
        );
        let conflict = Error::StoreConflict {
            record: "session_record",
        };
        // The revision read before the last write; a record that exists written as new; a
        // record that does not exist written at a revision; a delete at a stale revision.
        assert_eq!(
            store
                .store_session_record(&peer(1), Some(rev(1)), &v3)
                .await,
            Err(conflict.clone())
        );
        assert_eq!(
            store.store_session_record(&peer(1), None, &v3).await,
            Err(conflict.clone())
        );
        assert_eq!(
            store
                .store_session_record(&peer(2), Some(rev(1)), &v3)
                .await,
            Err(conflict.clone())
        );
        assert_eq!(
            store.delete_session_record(&peer(1), rev(1)).await,
            Err(conflict)
        );
        // Nothing was written.
        let held = store.load_session_record(&peer(1)).await.unwrap().unwrap();
        assert_eq!(
            (held.revision, held.value.as_bytes()),
            (rev(2), v2.as_bytes())
        );
        assert!(store.load_session_record(&peer(2)).await.unwrap().is_none());
        // A signed prekey added twice.
        let mut rng = rng(203);
        let identity = IdentityKeyPair::generate(&mut rng);
        let created = Timestamp::from_unix_seconds(1_700_000_000);
        let spk = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(1), created);
        store.add_signed_prekey(&spk).await.unwrap();
        assert_eq!(
            store.add_signed_prekey(&spk).await,
            Err(Error::StoreConflict {
                record: "signed_prekey"
            })
        );
    });
}

#[test]
fn one_time_prekeys_are_consumed_once() {
    let store = MemoryStore::new();
    let keys = otks(210, &[1, 2]);
    run(async {
        store.add_one_time_prekeys(&keys).await.unwrap();
        assert_eq!(
            store.consume_one_time_prekey(OneTimePreKeyId(1)).await,
            Ok(())
        );
        assert_eq!(
            store.consume_one_time_prekey(OneTimePreKeyId(1)).await,
            Err(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(1)).await.err(),
            Some(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert_eq!(
            store.consume_one_time_prekey(OneTimePreKeyId(3)).await,
            Err(Error::UnknownOneTimePreKey { id: 3 })
        );
        // A consumed id is never issued again; a batch holding one adds nothing.
        let again = otks(211, &[4, 1]);
        assert_eq!(
            store.add_one_time_prekeys(&again).await,
            Err(Error::StoreConflict {
                record: "one_time_prekey"
            })
        );
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(4)).await.err(),
            Some(Error::UnknownOneTimePreKey { id: 4 })
        );
        assert_eq!(store.one_time_prekeys_left().await, Ok(1));
    });
}

#[test]
fn the_accept_transaction_writes_both_or_neither() {
    let store = MemoryStore::new();
    let keys = otks(220, &[1, 2]);
    let value = record(221);
    run(async {
        store.add_one_time_prekeys(&keys).await.unwrap();
        store
            .store_accepted_session(
                &peer(1),
                None,
                &value,
                &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(1)), None),
            )
            .await
            .unwrap();
        // A consumed or unknown prekey: the record is not written.
        assert_eq!(
            store
                .store_accepted_session(
                    &peer(2),
                    None,
                    &value,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(1)), None)
                )
                .await,
            Err(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert_eq!(
            store
                .store_accepted_session(
                    &peer(2),
                    None,
                    &value,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(7)), None)
                )
                .await,
            Err(Error::UnknownOneTimePreKey { id: 7 })
        );
        assert!(store.load_session_record(&peer(2)).await.unwrap().is_none());
        // A stale record (checked first): the prekey is not consumed.
        assert_eq!(
            store
                .store_accepted_session(
                    &peer(1),
                    None,
                    &value,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(2)), None)
                )
                .await,
            Err(Error::StoreConflict {
                record: "session_record"
            })
        );
        assert!(store.load_one_time_prekey(OneTimePreKeyId(2)).await.is_ok());
    });
}

#[test]
fn sealed_values_open_only_where_they_were_written() {
    let sealer = |key: u8, seed: u64| {
        Sealer::new(StorageKey::from_bytes([key; 32]), rng(seed)).with_provider(config().provider)
    };
    let store = MemoryStore::sealed(sealer(1, 230));
    let (k1, k2) = (session_record_key(&peer(1)), session_record_key(&peer(2)));
    let invalid = Error::SealedRecordInvalid {
        record: "session_record",
    };
    let (v1, v2) = (record(231), record(232));
    run(async {
        store
            .store_session_record(&peer(1), None, &v1)
            .await
            .unwrap();
        let first = store.raw_row(Table::SessionRecords, &k1).unwrap().unwrap();
        store
            .store_session_record(&peer(1), Some(rev(1)), &v2)
            .await
            .unwrap();
        let second = store.raw_row(Table::SessionRecords, &k1).unwrap().unwrap();
        let sealed = second.value.clone().unwrap();
        let put = |key: &[u8], revision: u64, value: Vec<u8>| {
            store
                .put_raw_row(Table::SessionRecords, key, Revision(revision), Some(value))
                .unwrap();
        };

        // Another storage key.
        let other = MemoryStore::sealed(sealer(2, 233));
        other
            .put_raw_row(Table::SessionRecords, &k1, rev(2), Some(sealed.clone()))
            .unwrap();
        assert_eq!(
            other.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        // Another peer's row.
        put(&k2, 2, sealed.clone());
        assert_eq!(
            store.load_session_record(&peer(2)).await.err(),
            Some(invalid.clone())
        );
        // An older value under the current revision; the current value under another.
        put(&k1, 2, first.value.clone().unwrap());
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        put(&k1, 3, sealed.clone());
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        // Damaged: a flipped bit, cut below its 49-byte minimum, another version byte, an
        // unsealed value.
        let mut flipped = sealed.clone();
        flipped[40] ^= 0x01;
        put(&k1, 2, flipped);
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        put(&k1, 2, sealed[..48].to_vec());
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        let mut version = sealed.clone();
        version[0] = 2;
        put(&k1, 2, version);
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid.clone())
        );
        put(&k1, 2, v2.as_bytes().to_vec());
        assert_eq!(
            store.load_session_record(&peer(1)).await.err(),
            Some(invalid)
        );
        // A trust record's sealed value moved to another account.
        let mut rng = rng(234);
        let alice = AccountId::new("alice").unwrap();
        let key = IdentityKeyPair::generate(&mut rng);
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let Observation::New(trust) = observe_identity(&alice, None, key.public_key(), now) else {
            panic!("a first key is new")
        };
        store
            .store_trust_record(&alice, None, &trust)
            .await
            .unwrap();
        let row = store
            .raw_row(Table::TrustRecords, &account_key(&alice))
            .unwrap()
            .unwrap();
        let carol = AccountId::new("carol").unwrap();
        store
            .put_raw_row(
                Table::TrustRecords,
                &account_key(&carol),
                row.revision,
                row.value,
            )
            .unwrap();
        assert_eq!(
            store.load_trust_record(&carol).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "trust_record"
            })
        );
        // The same value in another table, under the same key and revision.
        let row = store
            .raw_row(Table::TrustRecords, &account_key(&alice))
            .unwrap()
            .unwrap();
        store
            .put_raw_row(
                Table::DeviceLists,
                &account_key(&alice),
                row.revision,
                row.value,
            )
            .unwrap();
        assert_eq!(
            store.load_device_list(&alice).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "device_list"
            })
        );
        // A one-time prekey's value under another id.
        store
            .add_one_time_prekeys(&otks(235, &[1, 2]))
            .await
            .unwrap();
        let row = store
            .raw_row(Table::OneTimePreKeys, &prekey_key(1))
            .unwrap()
            .unwrap();
        store
            .put_raw_row(
                Table::OneTimePreKeys,
                &prekey_key(2),
                row.revision,
                row.value,
            )
            .unwrap();
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(2)).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "one_time_prekey"
            })
        );
    });
}

#[test]
fn stored_prekeys_damaged_cut_or_of_another_version() {
    let mut rng = rng(240);
    let identity = IdentityKeyPair::generate(&mut rng);
    let created = Timestamp::from_unix_seconds(1_700_000_000);
    let spk = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(3), created);
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(4));
    let stored = spk.to_stored();
    assert_eq!((stored.len(), otk.to_stored().len()), (141, 69));
    // Every byte damaged.
    for i in 0..stored.len() {
        let mut damaged = stored.as_bytes().to_vec();
        damaged[i] ^= 0x10;
        assert_eq!(
            SignedPreKeyPair::from_stored(&damaged).err(),
            Some(Error::SessionStateCorrupted)
        );
    }
    // Cut short, one byte too long, or the other kind's bytes.
    assert_eq!(
        SignedPreKeyPair::from_stored(&stored.as_bytes()[..140]).err(),
        Some(Error::SessionStateCorrupted)
    );
    let mut long = stored.as_bytes().to_vec();
    long.push(0);
    assert_eq!(
        SignedPreKeyPair::from_stored(&long).err(),
        Some(Error::SessionStateCorrupted)
    );
    assert_eq!(
        SignedPreKeyPair::from_stored(otk.to_stored().as_bytes()).err(),
        Some(Error::SessionStateCorrupted)
    );
    assert_eq!(
        OneTimePreKeyPair::from_stored(stored.as_bytes()).err(),
        Some(Error::SessionStateCorrupted)
    );
    // Version 2 under a valid checksum (SPEC.md 17.2's label, by hand).
    let label = b"hushwire/v1/stored-one-time-prekey";
    let mut content = otk.to_stored().as_bytes()[..37].to_vec();
    content[0] = 2;
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(&content);
    content.extend_from_slice(&hash.finalize());
    assert_eq!(
        OneTimePreKeyPair::from_stored(&content).err(),
        Some(Error::UnsupportedVersion { found: 2 })
    );
    // And the genuine bytes load back to the same key.
    let loaded = SignedPreKeyPair::from_stored(stored.as_bytes()).unwrap();
    assert_eq!(loaded.public(), spk.public());
    assert_eq!(loaded.to_stored().as_bytes(), stored.as_bytes());
}

/// Group operations through a store: a message, distribution or operation for a group the
/// store does not hold, and a group message delivered twice (to two workers), are refused,
/// and nothing is written.
#[test]
fn group_operations_on_a_missing_group_or_a_message_twice() {
    use hushwire::store::{GroupSessions, Groups};
    use hushwire::{GroupId, GroupMessage};
    run(async {
        let mut rng = rng(60);
        let order = GroupId::new(b"order-1".to_vec()).unwrap();
        let other = GroupId::new(b"order-2".to_vec()).unwrap();
        let acme = Groups::new(MemoryStore::new(), config());
        let carol_store = std::sync::Arc::new(MemoryStore::new());
        let carol = Groups::new(std::sync::Arc::clone(&carol_store), config());
        // A second worker of Carol's device, on the same store.
        let carol_worker = Groups::new(std::sync::Arc::clone(&carol_store), config());
        let acme_at = peer(1);
        let carol_at = peer(2);
        let to_carol = acme
            .create(
                &mut rng,
                order.clone(),
                acme_at.clone(),
                vec![carol_at.clone()],
            )
            .await
            .unwrap();
        // Carol holds no session of the group yet: its distribution and messages are refused.
        assert_eq!(
            carol.process_distribution(&acme_at, &to_carol).await,
            Err(Error::NoGroupSession)
        );
        let message: GroupMessage = acme.encrypt(&order, b"your parcel").await.unwrap();
        assert_eq!(carol.decrypt(&message).await, Err(Error::NoGroupSession));
        assert!(
            carol
                .store()
                .load_group_session(&order)
                .await
                .unwrap()
                .is_none()
        );
        // Operations on a group that was never created.
        assert_eq!(
            acme.encrypt(&other, b"x").await.unwrap_err(),
            Error::NoGroupSession
        );
        assert_eq!(
            acme.add_member(&other, carol_at.clone()).await.unwrap_err(),
            Error::NoGroupSession
        );
        assert_eq!(
            acme.rotate(&mut rng, &other).await.unwrap_err(),
            Error::NoGroupSession
        );
        // Once joined, the message decrypts once; delivered again, it is a duplicate and the
        // session is not written.
        carol
            .create(
                &mut rng,
                order.clone(),
                carol_at.clone(),
                vec![acme_at.clone()],
            )
            .await
            .unwrap();
        carol
            .process_distribution(&acme_at, &to_carol)
            .await
            .unwrap();
        assert_eq!(carol.decrypt(&message).await.unwrap(), b"your parcel");
        let before = carol
            .store()
            .load_group_session(&order)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(carol.decrypt(&message).await, Err(Error::DuplicateMessage));
        assert_eq!(
            carol_worker.decrypt(&message).await,
            Err(Error::DuplicateMessage)
        );
        let after = carol
            .store()
            .load_group_session(&order)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.revision, before.revision);
        assert_eq!(after.value.as_bytes(), before.value.as_bytes());
    });
}

/// A stored prekey's content at its form's own length, checksummed under the other form's
/// label (SPEC.md 17.2: each form has its own), is damaged; under its own label with version
/// byte 0 it is of another version.
#[test]
fn stored_prekeys_checksummed_under_the_other_kinds_label() {
    let mut rng = rng(241);
    let identity = IdentityKeyPair::generate(&mut rng);
    let created = Timestamp::from_unix_seconds(1_700_000_000);
    let spk = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(5), created);
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(6));
    let signed_label: &[u8] = b"hushwire/v1/stored-signed-prekey";
    let one_time_label: &[u8] = b"hushwire/v1/stored-one-time-prekey";
    let sum = |label: &[u8], content: &[u8]| {
        let mut hash = Sha256::new();
        hash.update([label.len() as u8]);
        hash.update(label);
        hash.update(content);
        [content, &hash.finalize()[..]].concat()
    };
    let signed = spk.to_stored().as_bytes()[..109].to_vec();
    let one_time = otk.to_stored().as_bytes()[..37].to_vec();
    // By hand, the genuine forms: the labels are SPEC.md 17.2's.
    assert_eq!(sum(signed_label, &signed), spk.to_stored().as_bytes());
    assert_eq!(sum(one_time_label, &one_time), otk.to_stored().as_bytes());
    assert_eq!(
        SignedPreKeyPair::from_stored(&sum(one_time_label, &signed)).err(),
        Some(Error::SessionStateCorrupted)
    );
    assert_eq!(
        OneTimePreKeyPair::from_stored(&sum(signed_label, &one_time)).err(),
        Some(Error::SessionStateCorrupted)
    );
    let mut version_0 = signed.clone();
    version_0[0] = 0;
    assert_eq!(
        SignedPreKeyPair::from_stored(&sum(signed_label, &version_0)).err(),
        Some(Error::UnsupportedVersion { found: 0 })
    );
    let mut version_0 = one_time.clone();
    version_0[0] = 0;
    assert_eq!(
        OneTimePreKeyPair::from_stored(&sum(one_time_label, &version_0)).err(),
        Some(Error::UnsupportedVersion { found: 0 })
    );
}
