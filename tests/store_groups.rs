//! Group sessions and trust records through a store (SPEC.md 17.8), on the in-memory and the
//! SQLite store, sealed and not: `Groups` never lets two workers use one sender chain, never
//! decrypts a message twice, and releases nothing before its swap; `observe_identity_stored`
//! never lets two observations overwrite each other.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::store::{TempDb, block_on};
use common::*;
use hushwire::store::{
    GroupSessions, Groups, MemoryStore, Sealer, SqliteOptions, SqliteStore, StorageKey,
    TrustRecords, observe_identity_stored,
};
use hushwire::{
    AccountId, DeviceAddress, DeviceId, DistributionOutcome, Error, GroupId, IdentityKeyPair,
    Observation, Timestamp,
};

fn sealer(seed: u64) -> Sealer {
    Sealer::new(StorageKey::from_bytes([3; 32]), rng(seed)).with_provider(config().provider)
}

/// Runs `$test(name, || a fresh store)` on every store: memory and SQLite, sealed and not.
macro_rules! on_every_store {
    ($test:ident) => {{
        $test("memory", &|| Arc::new(MemoryStore::new()));
        $test("memory sealed", &|| {
            Arc::new(MemoryStore::sealed(sealer(1)))
        });
        let files = std::sync::Mutex::new(Vec::new());
        $test("sqlite", &|| {
            let file = TempDb::new("store-groups-test");
            let store = SqliteStore::open(&file.0, SqliteOptions::default()).unwrap();
            files.lock().unwrap().push(file);
            Arc::new(store)
        });
        $test("sqlite sealed", &|| {
            let file = TempDb::new("store-groups-test");
            let mut options = SqliteOptions::default();
            options.sealer = Some(sealer(2));
            let store = SqliteStore::open(&file.0, options).unwrap();
            files.lock().unwrap().push(file);
            Arc::new(store)
        });
    }};
}

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account.as_bytes().to_vec()).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

fn group() -> GroupId {
    GroupId::new(b"order-4711".to_vec()).unwrap()
}

/// Each member's `Groups` on its own store, every distribution processed by every other.
async fn members<S: GroupSessions + 'static>(
    fresh: &dyn Fn() -> Arc<S>,
    names: &[&str],
) -> Vec<(DeviceAddress, Arc<Groups<Arc<S>>>)> {
    let mut rng = rng(1);
    let addresses: Vec<_> = names.iter().map(|n| address(n, 1)).collect();
    let mut out = Vec::new();
    let mut distributions = Vec::new();
    for local in &addresses {
        // 8 workers on one chain: each may lose many swaps in a row.
        let groups = Arc::new(Groups::new(fresh(), config()).with_max_attempts(256));
        let others = addresses.iter().filter(|a| *a != local).cloned();
        let distribution = groups
            .create(&mut rng, group(), local.clone(), others.collect::<Vec<_>>())
            .await
            .unwrap();
        distributions.push((local.clone(), distribution));
        out.push((local.clone(), groups));
    }
    for (from, distribution) in &distributions {
        for (local, groups) in &out {
            if local != from {
                assert_eq!(
                    groups
                        .process_distribution(from, distribution)
                        .await
                        .unwrap(),
                    DistributionOutcome::Added
                );
            }
        }
    }
    out
}

fn many_workers_never_reuse_a_sender_key<S: GroupSessions + 'static>(
    name: &str,
    fresh: &dyn Fn() -> Arc<S>,
) {
    block_on(async {
        let group_members = members(fresh, &["acme", "carol", "dave"]).await;
        let (_, acme) = &group_members[0];
        // 8 tasks encrypt on the one sender chain of acme's session at once.
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let acme = Arc::clone(acme);
                tokio::spawn(async move {
                    let mut sent = Vec::new();
                    for k in 0..6 {
                        let text = format!("task {i} message {k}");
                        sent.push((text.clone(), acme.encrypt(&group(), text.as_bytes()).await));
                    }
                    sent
                })
            })
            .collect();
        let mut sent = Vec::new();
        for task in tasks {
            for (text, message) in task.await.unwrap() {
                sent.push((text, message.unwrap()));
            }
        }
        // Every message has its own iteration on the one chain: no key used twice.
        let iterations: BTreeSet<u32> = sent.iter().map(|(_, m)| m.iteration()).collect();
        assert_eq!(iterations.len(), 48, "{name}");
        assert_eq!(
            iterations.iter().max(),
            Some(&47),
            "{name}: no iteration skipped"
        );
        // The memory store's futures complete at once, so its tasks may never interleave
        // (`a_lost_swap_encrypts_again_on_what_won` forces it); SQLite's always do.
        if name.starts_with("sqlite") {
            assert!(acme.lost_swaps() > 0, "{name}: the tasks never contended");
        }
        // Carol decrypts each once, two workers racing on every message: exactly one of them
        // gets the plaintext, the other `DuplicateMessage`.
        let (_, carol) = &group_members[1];
        for (text, message) in &sent {
            let (a, b) = {
                let (c1, c2) = (Arc::clone(carol), Arc::clone(carol));
                let (m1, m2) = (message.clone(), message.clone());
                let t1 = tokio::spawn(async move { c1.decrypt(&m1).await });
                let t2 = tokio::spawn(async move { c2.decrypt(&m2).await });
                (t1.await.unwrap(), t2.await.unwrap())
            };
            let (ok, err) = match (a, b) {
                (Ok(p), Err(e)) | (Err(e), Ok(p)) => (p, e),
                other => panic!("{name}: expected one plaintext and one refusal, got {other:?}"),
            };
            assert_eq!(ok, text.as_bytes());
            assert_eq!(err, Error::DuplicateMessage, "{name}");
        }
    });
}

fn a_missing_or_existing_group_is_refused<S: GroupSessions + 'static>(
    name: &str,
    fresh: &dyn Fn() -> Arc<S>,
) {
    block_on(async {
        let mut rng = rng(3);
        let groups = Groups::new(fresh(), config());
        assert_eq!(
            groups.encrypt(&group(), b"x").await.unwrap_err(),
            Error::NoGroupSession,
            "{name}"
        );
        assert_eq!(groups.leave(&group()).await, Err(Error::NoGroupSession));
        groups
            .create(
                &mut rng,
                group(),
                address("acme", 1),
                vec![address("carol", 1)],
            )
            .await
            .unwrap();
        // Creating it again would drop our sender chain: refused, the first kept.
        let snapshot = |loaded: Option<
            hushwire::store::Versioned<hushwire::StoredGroupSession>,
        >| { loaded.map(|v| (v.revision, v.value.as_bytes().to_vec())) };
        let before = snapshot(groups.store().load_group_session(&group()).await.unwrap());
        assert_eq!(
            groups
                .create(&mut rng, group(), address("acme", 1), vec![])
                .await
                .unwrap_err(),
            Error::StoreConflict {
                record: "group_session"
            }
        );
        assert_eq!(
            snapshot(groups.store().load_group_session(&group()).await.unwrap()),
            before
        );
        // A failed operation writes nothing: removing a device that is not a member.
        assert_eq!(
            groups
                .remove_member(&mut rng, &group(), &address("mallory", 1))
                .await
                .unwrap_err(),
            Error::NotAGroupMember { device: 1 }
        );
        assert_eq!(
            snapshot(groups.store().load_group_session(&group()).await.unwrap()),
            before,
            "{name}"
        );
        // Members come and go through the store; leaving deletes the session.
        groups
            .add_member(&group(), address("dave", 1))
            .await
            .unwrap();
        groups
            .remove_member(&mut rng, &group(), &address("carol", 1))
            .await
            .unwrap();
        groups.rotate(&mut rng, &group()).await.unwrap();
        groups.leave(&group()).await.unwrap();
        assert_eq!(
            groups.encrypt(&group(), b"x").await.unwrap_err(),
            Error::NoGroupSession
        );
    });
}

fn concurrent_first_sightings_never_overwrite<S: TrustRecords + 'static>(
    name: &str,
    fresh: &dyn Fn() -> Arc<S>,
) {
    block_on(async {
        let store = fresh();
        let peer = AccountId::new(b"carol".to_vec()).unwrap();
        let mut rng = rng(4);
        let first = IdentityKeyPair::generate(&mut rng);
        let second = IdentityKeyPair::generate(&mut rng);
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        // Two workers see two different keys for one peer at once: one is the first use, the
        // other a change against it, never two first uses.
        let (a, b) =
            {
                let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
                let (p1, p2) = (peer.clone(), peer.clone());
                let (k1, k2) = (*first.public_key(), *second.public_key());
                let t1 = tokio::spawn(async move {
                    observe_identity_stored(&*s1, &p1, &k1, None, now).await
                });
                let t2 = tokio::spawn(async move {
                    observe_identity_stored(&*s2, &p2, &k2, None, now).await
                });
                (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap())
            };
        let (new, changed) = match (&a, &b) {
            (Observation::New(_), Observation::Changed { .. }) => (&a, &b),
            (Observation::Changed { .. }, Observation::New(_)) => (&b, &a),
            other => panic!("{name}: expected one first use and one change, got {other:?}"),
        };
        let Observation::Changed { record, .. } = changed else {
            unreachable!()
        };
        let Observation::New(first_record) = new else {
            unreachable!()
        };
        assert_ne!(first_record.identity(), record.identity());
        // The store holds the change, the later write.
        let stored = store.load_trust_record(&peer).await.unwrap().unwrap();
        assert_eq!(&stored.value, record, "{name}");
        // Seeing the stored key again changes nothing and writes nothing.
        let seen = *stored.value.identity();
        assert_eq!(
            observe_identity_stored(&*store, &peer, &seen, None, now)
                .await
                .unwrap(),
            Observation::Unchanged
        );
        assert_eq!(
            store
                .load_trust_record(&peer)
                .await
                .unwrap()
                .unwrap()
                .revision,
            stored.revision
        );
    });
}

#[test]
fn many_workers_never_reuse_a_sender_key_everywhere() {
    on_every_store!(many_workers_never_reuse_a_sender_key);
}

#[test]
fn a_missing_or_existing_group_is_refused_everywhere() {
    on_every_store!(a_missing_or_existing_group_is_refused);
}

#[test]
fn concurrent_first_sightings_never_overwrite_everywhere() {
    on_every_store!(concurrent_first_sightings_never_overwrite);
}

/// A store on which another worker encrypts on the group's sender chain just before each of
/// the first `races` writes of this worker lands: each of those writes loses its swap.
struct Interloper {
    inner: Arc<MemoryStore>,
    other: Groups<Arc<MemoryStore>>,
    races: AtomicU64,
    sent: std::sync::Mutex<Vec<hushwire::GroupMessage>>,
}

impl GroupSessions for Interloper {
    async fn load_group_session(
        &self,
        group: &GroupId,
    ) -> Result<Option<hushwire::store::Versioned<hushwire::StoredGroupSession>>, Error> {
        self.inner.load_group_session(group).await
    }

    async fn store_group_session(
        &self,
        group: &GroupId,
        expected: Option<hushwire::store::Revision>,
        session: &hushwire::StoredGroupSession,
    ) -> Result<hushwire::store::Revision, Error> {
        if expected.is_some()
            && self
                .races
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            let message = self
                .other
                .encrypt(group, b"from the other worker")
                .await
                .unwrap();
            self.sent.lock().unwrap().push(message);
        }
        self.inner
            .store_group_session(group, expected, session)
            .await
    }

    async fn delete_group_session(
        &self,
        group: &GroupId,
        expected: hushwire::store::Revision,
    ) -> Result<(), Error> {
        self.inner.delete_group_session(group, expected).await
    }
}

#[test]
fn a_lost_swap_encrypts_again_on_what_won() {
    block_on(async {
        let mut rng = rng(5);
        let inner = Arc::new(MemoryStore::new());
        let store = Interloper {
            inner: Arc::clone(&inner),
            other: Groups::new(Arc::clone(&inner), config()),
            races: AtomicU64::new(3),
            sent: std::sync::Mutex::new(Vec::new()),
        };
        let groups = Groups::new(store, config());
        groups
            .create(
                &mut rng,
                group(),
                address("acme", 1),
                vec![address("carol", 1)],
            )
            .await
            .unwrap();
        // Three lost swaps, then it lands: on the fourth state, after the other worker's
        // three messages (iterations 0, 1, 2).
        let message = groups.encrypt(&group(), b"ours").await.unwrap();
        assert_eq!(groups.lost_swaps(), 3);
        let theirs: Vec<u32> = groups
            .store()
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.iteration())
            .collect();
        assert_eq!(theirs, vec![0, 1, 2]);
        assert_eq!(
            message.iteration(),
            3,
            "a key the other worker used was used again"
        );
        // With fewer attempts than races it gives up, and releases nothing.
        let groups = groups.with_max_attempts(2);
        groups.store().races.store(5, Ordering::SeqCst);
        assert_eq!(
            groups.encrypt(&group(), b"ours").await.unwrap_err(),
            Error::StoreConflict {
                record: "group_session"
            }
        );
    });
}

/// A store that hands this worker a stale copy of the group session on its first load: just
/// before, another worker stored the sender's distribution, which the stale copy lacks.
struct StaleFirstLoad {
    inner: Arc<MemoryStore>,
    other: Groups<Arc<MemoryStore>>,
    pending: std::sync::Mutex<Option<(DeviceAddress, hushwire::SenderKeyDistribution)>>,
}

impl GroupSessions for StaleFirstLoad {
    async fn load_group_session(
        &self,
        group: &GroupId,
    ) -> Result<Option<hushwire::store::Versioned<hushwire::StoredGroupSession>>, Error> {
        let stale = self.inner.load_group_session(group).await?;
        let pending = self.pending.lock().unwrap().take();
        if let Some((from, distribution)) = pending {
            self.other
                .process_distribution(&from, &distribution)
                .await
                .unwrap();
            return Ok(stale);
        }
        self.inner.load_group_session(group).await
    }

    async fn store_group_session(
        &self,
        group: &GroupId,
        expected: Option<hushwire::store::Revision>,
        session: &hushwire::StoredGroupSession,
    ) -> Result<hushwire::store::Revision, Error> {
        self.inner
            .store_group_session(group, expected, session)
            .await
    }

    async fn delete_group_session(
        &self,
        group: &GroupId,
        expected: hushwire::store::Revision,
    ) -> Result<(), Error> {
        self.inner.delete_group_session(group, expected).await
    }
}

#[test]
fn an_error_on_a_state_that_moved_is_retried_and_a_current_one_is_not() {
    block_on(async {
        let mut rng = rng(6);
        let acme = Groups::new(MemoryStore::new(), config());
        let to_carol = acme
            .create(
                &mut rng,
                group(),
                address("acme", 1),
                vec![address("carol", 1)],
            )
            .await
            .unwrap();
        let message = acme.encrypt(&group(), b"the parcel left").await.unwrap();
        let inner = Arc::new(MemoryStore::new());
        let carol = Groups::new(
            StaleFirstLoad {
                inner: Arc::clone(&inner),
                other: Groups::new(Arc::clone(&inner), config()),
                pending: std::sync::Mutex::new(None),
            },
            config(),
        );
        carol
            .create(
                &mut rng,
                group(),
                address("carol", 1),
                vec![address("acme", 1)],
            )
            .await
            .unwrap();
        // The first attempt decrypts on a copy without acme's chain (UnknownSenderKey), but
        // the session has moved on: tried again on the current one, it decrypts.
        *carol.store().pending.lock().unwrap() = Some((address("acme", 1), to_carol));
        assert_eq!(carol.decrypt(&message).await.unwrap(), b"the parcel left");
        assert_eq!(carol.lost_swaps(), 1);
        // An error on the current state is returned at once, not retried.
        let from_nobody = Groups::new(MemoryStore::new(), config());
        from_nobody
            .create(
                &mut rng,
                group(),
                address("acme", 2),
                vec![address("carol", 1)],
            )
            .await
            .unwrap();
        let unknown = from_nobody.encrypt(&group(), b"?").await.unwrap();
        assert_eq!(
            carol.decrypt(&unknown).await.unwrap_err(),
            Error::NotAGroupMember { device: 2 }
        );
        assert_eq!(
            carol.lost_swaps(),
            1,
            "an error on the current state was retried"
        );
    });
}

/// A store on which another device stores a first key for the peer just before this
/// worker's first write of a trust record lands.
struct FirstSightingRace {
    inner: MemoryStore,
    theirs: std::sync::Mutex<Option<hushwire::IdentityKey>>,
}

impl TrustRecords for FirstSightingRace {
    async fn load_trust_record(
        &self,
        peer: &AccountId,
    ) -> Result<Option<hushwire::store::Versioned<hushwire::TrustRecord>>, Error> {
        self.inner.load_trust_record(peer).await
    }

    async fn store_trust_record(
        &self,
        peer: &AccountId,
        expected: Option<hushwire::store::Revision>,
        record: &hushwire::TrustRecord,
    ) -> Result<hushwire::store::Revision, Error> {
        let theirs = self.theirs.lock().unwrap().take();
        if let Some(key) = theirs {
            let now = Timestamp::from_unix_seconds(1_799_999_999);
            observe_identity_stored(&self.inner, peer, &key, None, now)
                .await
                .unwrap();
        }
        self.inner.store_trust_record(peer, expected, record).await
    }
}

#[test]
fn a_first_sighting_that_loses_its_race_becomes_a_change() {
    block_on(async {
        let mut rng = rng(7);
        let theirs = IdentityKeyPair::generate(&mut rng);
        let ours = IdentityKeyPair::generate(&mut rng);
        let peer = AccountId::new(b"carol".to_vec()).unwrap();
        let store = FirstSightingRace {
            inner: MemoryStore::new(),
            theirs: std::sync::Mutex::new(Some(*theirs.public_key())),
        };
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        // This worker decides "first use" on no record, but another device stored a first key
        // before its write: decided again, it is a change against that key.
        let observation = observe_identity_stored(&store, &peer, ours.public_key(), None, now)
            .await
            .unwrap();
        let Observation::Changed { record, .. } = &observation else {
            panic!("expected a change, got {observation:?}");
        };
        assert_eq!(record.identity(), ours.public_key());
        let stored = store.inner.load_trust_record(&peer).await.unwrap().unwrap();
        assert_eq!(&stored.value, record);
    });
}
