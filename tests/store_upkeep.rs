//! Prekey upkeep through a store (SPEC.md 17.7), on the in-memory and the SQLite store, sealed
//! and not: the first run, top-ups that never reissue an id, rotation and the grace period at
//! their exact boundaries, a clock that went backwards, id exhaustion, and concurrent runs
//! (forced interleavings, and real threads on SQLite) that leave one batch, not one per
//! worker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::store::{TempDb, block_on};
use common::*;
use hushwire::store::{
    Conversations, MemoryStore, PreKeyPolicy, PreKeys, Sealer, SqliteOptions, SqliteStore,
    StorageKey, upkeep_prekeys,
};
use hushwire::{
    Error, IdentityKeyPair, KemPreKeyId, KemPreKeyKind, OneTimePreKey, OneTimePreKeyId,
    OneTimePreKeyPair, SignedPreKey, SignedPreKeyId, SignedPreKeyPair, Timestamp,
};

const DAY: u64 = 24 * 60 * 60;
/// The time of the first run.
const T0: u64 = 1_800_000_000;

fn at(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn sealer() -> Sealer {
    Sealer::new(StorageKey::from_bytes([9; 32]), rng(77)).with_provider(config().provider)
}

/// Runs `test` on every store: memory and SQLite, sealed and not.
macro_rules! on_every_store {
    ($test:ident) => {{
        $test("memory", Arc::new(MemoryStore::new()));
        $test("memory sealed", Arc::new(MemoryStore::sealed(sealer())));
        let file = TempDb::new("upkeep-test");
        $test(
            "sqlite",
            Arc::new(SqliteStore::open(&file.0, SqliteOptions::default()).unwrap()),
        );
        let sealed_file = TempDb::new("upkeep-test");
        let mut options = SqliteOptions::default();
        options.sealer = Some(sealer());
        $test(
            "sqlite sealed",
            Arc::new(SqliteStore::open(&sealed_file.0, options).unwrap()),
        );
    }};
}

/// The ids of `keys`.
fn ids(keys: &[OneTimePreKey]) -> Vec<u32> {
    keys.iter().map(|key| key.id().0).collect()
}

/// Every one-time prekey in `added` is held by `store` with that public key.
async fn held_as_published<S: PreKeys>(store: &S, added: &[OneTimePreKey]) {
    for key in added {
        let pair = store.load_one_time_prekey(key.id()).await.unwrap();
        assert_eq!(pair.public(), key);
    }
}

/// The signed prekey verifies under `identity` with the id and time given.
fn signed_by(identity: &IdentityKeyPair, key: &SignedPreKey, id: u32, created: u64) {
    assert_eq!(key.id(), SignedPreKeyId(id));
    assert_eq!(key.created_at(), at(created));
    SignedPreKey::verified(
        identity.public_key(),
        key.id(),
        key.created_at(),
        *key.public_key(),
        key.signature(),
    )
    .unwrap();
}

fn first_run_publishes_a_signed_prekey_and_a_batch<S: PreKeys + 'static>(
    name: &str,
    store: Arc<S>,
) {
    block_on(async {
        let mut rng = rng(1);
        let identity = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            None,
            "{name}"
        );

        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        assert!(run.rotated, "{name}");
        signed_by(&identity, &run.signed_prekey, 1, T0);
        assert_eq!(run.removed, Vec::<SignedPreKeyId>::new());
        assert_eq!(ids(&run.added), (1..=100).collect::<Vec<_>>(), "{name}");
        assert_eq!(run.one_time_left, 100);
        assert_eq!(store.one_time_prekeys_left().await.unwrap(), 100);
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            Some(OneTimePreKeyId(100))
        );
        held_as_published(&*store, &run.added).await;
        let stored = store.load_signed_prekey(SignedPreKeyId(1)).await.unwrap();
        assert_eq!(stored.unwrap().public(), &run.signed_prekey);

        // At once again: nothing to do.
        let again = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 + 60), &policy)
            .await
            .unwrap();
        assert!(!again.rotated);
        assert_eq!(again.signed_prekey, run.signed_prekey);
        assert!(again.added.is_empty() && again.removed.is_empty());
        assert_eq!(again.one_time_left, 100);
        assert_eq!(store.signed_prekeys().await.unwrap().len(), 1);
    });
}

fn top_ups_never_reissue_a_consumed_id<S: PreKeys + 'static>(name: &str, store: Arc<S>) {
    block_on(async {
        let mut rng = rng(2);
        let identity = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        // 75 consumed leaves 25: the minimum, no top-up yet.
        for id in 1..=75 {
            store
                .consume_one_time_prekey(OneTimePreKeyId(id))
                .await
                .unwrap();
        }
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 + 1), &policy)
            .await
            .unwrap();
        assert!(run.added.is_empty(), "{name}");
        assert_eq!(run.one_time_left, 25);
        // One more (the highest id, 100) leaves 24: topped up to 100 with 76 new keys, after
        // the highest id ever added, consumed or not.
        store
            .consume_one_time_prekey(OneTimePreKeyId(100))
            .await
            .unwrap();
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            Some(OneTimePreKeyId(100)),
            "{name}: a consumed id is still the last one issued"
        );
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 + 2), &policy)
            .await
            .unwrap();
        assert_eq!(ids(&run.added), (101..=176).collect::<Vec<_>>(), "{name}");
        assert_eq!(run.one_time_left, 100);
        assert_eq!(store.one_time_prekeys_left().await.unwrap(), 100);
        held_as_published(&*store, &run.added).await;
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(100)).await.err(),
            Some(Error::OneTimePreKeyConsumed { id: 100 })
        );
        // Ids order as numbers, not as their first byte: 256 after 255.
        let mut rng2 = common::rng(3);
        store
            .add_one_time_prekeys(&[
                OneTimePreKeyPair::generate(&mut rng2, OneTimePreKeyId(255)),
                OneTimePreKeyPair::generate(&mut rng2, OneTimePreKeyId(256)),
                OneTimePreKeyPair::generate(&mut rng2, OneTimePreKeyId(0x0100_0000)),
                OneTimePreKeyPair::generate(&mut rng2, OneTimePreKeyId(0x00ff_ffff)),
            ])
            .await
            .unwrap();
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            Some(OneTimePreKeyId(0x0100_0000)),
            "{name}"
        );
    });
}

fn rotation_and_grace_at_their_boundaries<S: PreKeys + 'static>(name: &str, store: Arc<S>) {
    block_on(async {
        let mut rng = rng(4);
        let identity = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        let rotation = 7 * DAY;
        let grace = 30 * DAY;
        assert_eq!(
            (policy.signed_rotation, policy.signed_grace),
            (rotation, grace)
        );
        let upkeep = |now: u64, rng: &mut ChaCha20Rng| {
            let store = Arc::clone(&store);
            let identity = &identity;
            let mut rng = rng.clone();
            async move {
                upkeep_prekeys(
                    &*store,
                    &mut rng,
                    identity,
                    at(now),
                    &PreKeyPolicy::default(),
                )
                .await
                .unwrap()
            }
        };
        upkeep(T0, &mut rng).await;
        // One second before the rotation is due: kept.
        let run = upkeep(T0 + rotation - 1, &mut rng).await;
        assert!(!run.rotated, "{name}");
        assert_eq!(run.signed_prekey.id(), SignedPreKeyId(1));
        // Due: id 2, created now; id 1 stays for the grace period.
        let t1 = T0 + rotation;
        let run = upkeep(t1, &mut rng).await;
        assert!(run.rotated, "{name}");
        signed_by(&identity, &run.signed_prekey, 2, t1);
        assert!(run.removed.is_empty());
        assert!(
            store
                .load_signed_prekey(SignedPreKeyId(1))
                .await
                .unwrap()
                .is_some()
        );
        // A first message built on the old bundle still finds id 1 until id 2 is `grace` old.
        let run = upkeep(t1 + grace - 1, &mut rng).await;
        // (By then id 2 is due for rotation too: id 3 at t1 + grace - 1.)
        assert!(run.rotated);
        signed_by(&identity, &run.signed_prekey, 3, t1 + grace - 1);
        assert!(
            run.removed.is_empty(),
            "{name}: id 1 removed a second early"
        );
        let run = upkeep(t1 + grace, &mut rng).await;
        assert!(!run.rotated);
        assert_eq!(run.removed, vec![SignedPreKeyId(1)], "{name}");
        assert!(
            store
                .load_signed_prekey(SignedPreKeyId(1))
                .await
                .unwrap()
                .is_none()
        );
        let held: Vec<_> = store
            .signed_prekeys()
            .await
            .unwrap()
            .iter()
            .map(|key| key.id().0)
            .collect();
        assert_eq!(held, vec![2, 3]);
        // Id 2 goes once id 3 is `grace` old; the newest is never removed however old.
        let run = upkeep(t1 + 2 * grace - 1, &mut rng).await;
        assert_eq!(run.removed, vec![SignedPreKeyId(2)], "{name}");
        assert!(run.rotated);
        assert_eq!(run.signed_prekey.id(), SignedPreKeyId(4));
    });
}

fn a_clock_that_went_back_rotates_nothing<S: PreKeys + 'static>(name: &str, store: Arc<S>) {
    block_on(async {
        let mut rng = rng(5);
        let identity = IdentityKeyPair::generate(&mut rng);
        let mut policy = PreKeyPolicy::default();
        upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        // Even with rotation at every run, a newest key from the future is kept.
        policy.signed_rotation = 0;
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 - 3600), &policy)
            .await
            .unwrap();
        assert!(!run.rotated, "{name}");
        assert_eq!(run.signed_prekey.id(), SignedPreKeyId(1));
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        assert!(run.rotated, "{name}: rotation 0 rotates at every run");
    });
}

fn exhausted_ids_are_refused_and_nothing_is_added<S: PreKeys + 'static>(name: &str, store: Arc<S>) {
    block_on(async {
        let mut rng = rng(6);
        let identity = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        // The highest one-time id ever added is 2^32 - 50: 100 more do not fit.
        let last = u32::MAX - 49;
        store
            .add_one_time_prekeys(&[OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(last))])
            .await
            .unwrap();
        let signed =
            SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(u32::MAX), at(T0));
        store.add_signed_prekey(&signed).await.unwrap();
        // The signed prekey is fresh: step 1 passes; step 3 runs out of ids.
        let result = upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy).await;
        assert_eq!(result.err(), Some(Error::CounterExhausted), "{name}");
        assert_eq!(store.one_time_prekeys_left().await.unwrap(), 1);
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            Some(OneTimePreKeyId(last))
        );
        // Exactly enough ids: 49 after `last` (2^32 - 49 to 2^32 - 1), minimum and target 50.
        let mut fits = PreKeyPolicy::default();
        fits.one_time_minimum = 50;
        fits.one_time_target = 50;
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &fits)
            .await
            .unwrap();
        assert_eq!(run.added.len(), 49, "{name}");
        assert_eq!(run.added.last().unwrap().id(), OneTimePreKeyId(u32::MAX));
        // A signed prekey at id 2^32 - 1 that is due cannot rotate.
        let result = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 + 7 * DAY), &policy).await;
        assert_eq!(result.err(), Some(Error::CounterExhausted), "{name}");
        assert_eq!(store.signed_prekeys().await.unwrap().len(), 1);
    });
}

#[test]
fn first_run_publishes_a_signed_prekey_and_a_batch_everywhere() {
    on_every_store!(first_run_publishes_a_signed_prekey_and_a_batch);
}

#[test]
fn top_ups_never_reissue_a_consumed_id_everywhere() {
    on_every_store!(top_ups_never_reissue_a_consumed_id);
}

#[test]
fn rotation_and_grace_at_their_boundaries_everywhere() {
    on_every_store!(rotation_and_grace_at_their_boundaries);
}

#[test]
fn a_clock_that_went_back_rotates_nothing_everywhere() {
    on_every_store!(a_clock_that_went_back_rotates_nothing);
}

#[test]
fn exhausted_ids_are_refused_and_nothing_is_added_everywhere() {
    on_every_store!(exhausted_ids_are_refused_and_nothing_is_added);
}

/// A store on which other workers act at chosen moments (each once):
///
/// - `theirs`: just before this run's first signed prekey is added, another worker adds its
///   own, with the same id;
/// - `race_batch`: just before this run's first batch of one-time prekeys is added, another
///   worker adds a full batch with the same ids;
/// - `upkeep_before_last`: just before this run's first read of the last one-time prekey id,
///   another worker runs a whole upkeep (its batch lands between this run's two reads if they
///   are made in the wrong order: count, then last id);
/// - `last_lies`: the last one-time prekey id always reads as none, so every top-up collides
///   with id 1.
struct Scripted {
    inner: Arc<MemoryStore>,
    theirs: std::sync::Mutex<Option<SignedPreKeyPair>>,
    race_batch: AtomicBool,
    upkeep_before_last: AtomicBool,
    last_lies: bool,
}

impl Scripted {
    fn on(inner: Arc<MemoryStore>) -> Self {
        Scripted {
            inner,
            theirs: std::sync::Mutex::new(None),
            race_batch: AtomicBool::new(false),
            upkeep_before_last: AtomicBool::new(false),
            last_lies: false,
        }
    }
}

impl PreKeys for Scripted {
    async fn load_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> Result<Option<SignedPreKeyPair>, Error> {
        self.inner.load_signed_prekey(id).await
    }

    async fn add_signed_prekey(&self, key: &SignedPreKeyPair) -> Result<(), Error> {
        let theirs = self.theirs.lock().unwrap().take();
        if let Some(theirs) = theirs {
            assert_eq!(theirs.id(), key.id());
            self.inner.add_signed_prekey(&theirs).await.unwrap();
        }
        self.inner.add_signed_prekey(key).await
    }

    async fn remove_signed_prekey(&self, id: SignedPreKeyId) -> Result<bool, Error> {
        self.inner.remove_signed_prekey(id).await
    }

    async fn signed_prekeys(&self) -> Result<Vec<SignedPreKey>, Error> {
        self.inner.signed_prekeys().await
    }

    async fn load_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<OneTimePreKeyPair, Error> {
        self.inner.load_one_time_prekey(id).await
    }

    async fn add_one_time_prekeys(&self, keys: &[OneTimePreKeyPair]) -> Result<(), Error> {
        if self.race_batch.swap(false, Ordering::SeqCst) {
            let mut rng = rng(99);
            let theirs: Vec<_> = keys
                .iter()
                .map(|key| OneTimePreKeyPair::generate(&mut rng, key.id()))
                .collect();
            self.inner.add_one_time_prekeys(&theirs).await.unwrap();
        }
        self.inner.add_one_time_prekeys(keys).await
    }

    async fn consume_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<(), Error> {
        self.inner.consume_one_time_prekey(id).await
    }

    async fn one_time_prekeys_left(&self) -> Result<u64, Error> {
        self.inner.one_time_prekeys_left().await
    }

    async fn last_one_time_prekey_id(&self) -> Result<Option<OneTimePreKeyId>, Error> {
        if self.last_lies {
            return Ok(None);
        }
        if self.upkeep_before_last.swap(false, Ordering::SeqCst) {
            let mut rng = common::rng(98);
            let other = IdentityKeyPair::generate(&mut rng);
            upkeep_prekeys(
                &*self.inner,
                &mut rng,
                &other,
                at(T0),
                &PreKeyPolicy::default(),
            )
            .await
            .unwrap();
        }
        self.inner.last_one_time_prekey_id().await
    }
    async fn load_kem_prekey(
        &self,
        id: hushwire::KemPreKeyId,
    ) -> Result<hushwire::KemPreKeyPair, Error> {
        self.inner.load_kem_prekey(id).await
    }
    async fn add_kem_prekeys(&self, keys: &[hushwire::KemPreKeyPair]) -> Result<(), Error> {
        self.inner.add_kem_prekeys(keys).await
    }
    async fn remove_kem_prekey(&self, id: hushwire::KemPreKeyId) -> Result<bool, Error> {
        self.inner.remove_kem_prekey(id).await
    }
    async fn kem_prekeys(&self) -> Result<Vec<hushwire::KemPreKey>, Error> {
        self.inner.kem_prekeys().await
    }
    async fn one_time_kem_prekeys_left(&self) -> Result<u64, Error> {
        self.inner.one_time_kem_prekeys_left().await
    }
    async fn last_kem_prekey_id(&self) -> Result<Option<hushwire::KemPreKeyId>, Error> {
        self.inner.last_kem_prekey_id().await
    }
}

#[test]
fn a_run_that_loses_a_race_uses_what_won() {
    block_on(async {
        let mut rng = rng(7);
        let identity = IdentityKeyPair::generate(&mut rng);
        let theirs = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(1), at(T0 - 5));
        let store = Scripted::on(Arc::new(MemoryStore::new()));
        *store.theirs.lock().unwrap() = Some(theirs.clone());
        store.race_batch.store(true, Ordering::SeqCst);
        let run = upkeep_prekeys(
            &store,
            &mut rng,
            &identity,
            at(T0),
            &PreKeyPolicy::default(),
        )
        .await
        .unwrap();
        // The signed prekey is the other worker's, not a second one.
        assert!(!run.rotated);
        assert_eq!(&run.signed_prekey, theirs.public());
        assert_eq!(store.signed_prekeys().await.unwrap().len(), 1);
        // The batch is the other worker's: this run added nothing, and there is one batch.
        assert!(run.added.is_empty());
        assert_eq!(run.one_time_left, 100);
        assert_eq!(store.one_time_prekeys_left().await.unwrap(), 100);
        assert_eq!(
            store.last_one_time_prekey_id().await.unwrap(),
            Some(OneTimePreKeyId(100))
        );
    });
}

#[test]
fn a_run_that_always_loses_gives_up_with_a_conflict() {
    // Every add conflicts: a store whose one-time table reports 0 left but holds every id.
    block_on(async {
        let mut rng = rng(8);
        let identity = IdentityKeyPair::generate(&mut rng);
        let store = MemoryStore::new();
        upkeep_prekeys(
            &store,
            &mut rng,
            &identity,
            at(T0),
            &PreKeyPolicy::default(),
        )
        .await
        .unwrap();
        for id in 1..=100 {
            store
                .consume_one_time_prekey(OneTimePreKeyId(id))
                .await
                .unwrap();
        }
        // A store that lies about the last id (always none) makes every top-up collide with id 1.
        let mut lying = Scripted::on(Arc::new(store));
        lying.last_lies = true;
        let mut policy = PreKeyPolicy::default();
        policy.max_attempts = 3;
        let result = upkeep_prekeys(&lying, &mut rng, &identity, at(T0), &policy).await;
        assert_eq!(
            result.err(),
            Some(Error::StoreConflict {
                record: "one_time_prekey"
            })
        );
        assert_eq!(lying.inner.one_time_prekeys_left().await.unwrap(), 0);
    });
}

#[test]
fn concurrent_runs_on_sqlite_leave_one_batch() {
    // Real threads, each with its own runtime and store handle on one database file: the
    // store's atomic steps are all that keeps them from adding a batch each.
    let file = TempDb::new("upkeep-test");
    let mut options = SqliteOptions::default();
    options.sealer = Some(sealer());
    let store = Arc::new(SqliteStore::open(&file.0, options).unwrap());
    for round in 0..3u64 {
        let now = T0 + round * 8 * DAY;
        let workers: Vec<_> = (0..4u64)
            .map(|worker| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    let mut rng = rng(100 + round * 10 + worker);
                    let conversations = Conversations::new(
                        store,
                        IdentityKeyPair::generate(&mut common::rng(10)),
                        config(),
                    );
                    block_on(conversations.upkeep_prekeys(
                        &mut rng,
                        at(now),
                        &PreKeyPolicy::default(),
                    ))
                    .unwrap()
                })
            })
            .collect();
        let runs: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        block_on(async {
            // One rotation per round, every worker publishing the same newest key.
            assert_eq!(
                runs.iter().filter(|run| run.rotated).count(),
                1,
                "round {round}"
            );
            let newest = store
                .signed_prekeys()
                .await
                .unwrap()
                .last()
                .unwrap()
                .clone();
            assert!(runs.iter().all(|run| run.signed_prekey == newest));
            assert_eq!(
                newest.id(),
                SignedPreKeyId(u32::try_from(round).unwrap() + 1)
            );
            // One batch: 100 left, and the ids added by all workers are distinct.
            assert_eq!(
                store.one_time_prekeys_left().await.unwrap(),
                100,
                "round {round}"
            );
            let added: Vec<u32> = runs.iter().flat_map(|run| ids(&run.added)).collect();
            let distinct: BTreeSet<u32> = added.iter().copied().collect();
            assert_eq!(added.len(), distinct.len());
            held_as_published(
                &*store,
                &runs
                    .iter()
                    .flat_map(|run| run.added.clone())
                    .collect::<Vec<_>>(),
            )
            .await;
            // Use them all up for the next round.
            let last = store.last_one_time_prekey_id().await.unwrap().unwrap().0;
            for id in last - 99..=last {
                store
                    .consume_one_time_prekey(OneTimePreKeyId(id))
                    .await
                    .unwrap();
            }
        });
    }
}

#[test]
fn a_run_that_loses_a_rotation_with_rotation_zero_does_not_rotate_again() {
    block_on(async {
        let mut rng = rng(11);
        let identity = IdentityKeyPair::generate(&mut rng);
        let theirs = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(1), at(T0));
        let store = Scripted::on(Arc::new(MemoryStore::new()));
        *store.theirs.lock().unwrap() = Some(theirs.clone());
        let mut policy = PreKeyPolicy::default();
        policy.signed_rotation = 0;
        let run = upkeep_prekeys(&store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        // The other worker's key is this race's rotation: due at once under rotation 0, but
        // not rotated again, so both workers publish the same key.
        assert!(!run.rotated);
        assert_eq!(&run.signed_prekey, theirs.public());
        let held: Vec<u32> = store
            .signed_prekeys()
            .await
            .unwrap()
            .iter()
            .map(|k| k.id().0)
            .collect();
        assert_eq!(held, vec![1]);
    });
}

#[test]
fn a_batch_added_between_the_two_reads_is_not_doubled() {
    block_on(async {
        let mut rng = rng(12);
        let identity = IdentityKeyPair::generate(&mut rng);
        let inner = Arc::new(MemoryStore::new());
        let store = Scripted::on(Arc::clone(&inner));
        store.upkeep_before_last.store(true, Ordering::SeqCst);
        let run = upkeep_prekeys(
            &store,
            &mut rng,
            &identity,
            at(T0),
            &PreKeyPolicy::default(),
        )
        .await
        .unwrap();
        assert!(run.added.is_empty(), "a second batch was added");
        assert_eq!(inner.one_time_prekeys_left().await.unwrap(), 100);
    });
}

#[test]
fn a_signed_prekey_of_another_identity_is_replaced() {
    block_on(async {
        let mut rng = rng(13);
        let before = IdentityKeyPair::generate(&mut rng);
        let identity = IdentityKeyPair::generate(&mut rng);
        let store = MemoryStore::new();
        // A store kept across an identity change: its fresh signed prekey is the old
        // identity's, which no bundle of the new one can carry.
        let old = SignedPreKeyPair::generate(&mut rng, &before, SignedPreKeyId(1), at(T0));
        store.add_signed_prekey(&old).await.unwrap();
        let run = upkeep_prekeys(
            &store,
            &mut rng,
            &identity,
            at(T0 + 1),
            &PreKeyPolicy::default(),
        )
        .await
        .unwrap();
        assert!(run.rotated);
        signed_by(&identity, &run.signed_prekey, 2, T0 + 1);
        hushwire::PreKeyBundle::from_public(identity.public_key(), &run.signed_prekey, None)
            .unwrap();
    });
}

/// One accept that uses one-time KEM prekey `id` (its own peer, so nothing else conflicts).
async fn consume_kem<S: hushwire::store::AcceptTransaction>(store: &S, id: u32, n: u32) {
    let mut rng = rng(5_000 + u64::from(n));
    let base = *OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(1))
        .public()
        .public_key();
    let peer = hushwire::DeviceAddress::new(
        hushwire::AccountId::new(format!("peer{n}").into_bytes()).unwrap(),
        hushwire::DeviceId::new(1).unwrap(),
    );
    let uses = hushwire::PreKeyUses::new(
        None,
        Some(hushwire::KemPreKeyUse::new(
            KemPreKeyId(id),
            KemPreKeyKind::OneTime,
            base,
        )),
    );
    store
        .store_accepted_session(
            &peer,
            None,
            &hushwire::SessionRecord::new().to_stored(),
            &uses,
        )
        .await
        .unwrap();
}

/// The KEM prekeys (SPEC.md 17.7 steps 4 to 6): the first run adds last-resort KEM prekey 1
/// and one-time KEM prekeys 2 to 41 (default target 40), all signed by the identity and
/// publishable in a bundle; the last resort rotates with the signed prekey's period (not a
/// second early), the superseded one stays for the grace period (not a second less) and the
/// newest is never removed; the one-time ones are topped up below the minimum of 10 (not at
/// it), with ids after the greatest ever added (consumed ones included).
fn kem_rotation_grace_and_top_up_at_their_boundaries<S>(name: &str, store: Arc<S>)
where
    S: hushwire::store::AcceptTransaction + 'static,
{
    block_on(async {
        let mut rng = rng(6);
        let identity = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        assert_eq!(
            (policy.kem_one_time_minimum, policy.kem_one_time_target),
            (10, 40)
        );
        let (rotation, grace) = (policy.signed_rotation, policy.signed_grace);
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0), &policy)
            .await
            .unwrap();
        assert!(run.kem_rotated, "{name}");
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(1));
        assert_eq!(run.kem_last_resort.kind(), KemPreKeyKind::LastResort);
        let added: Vec<u32> = run.kem_added.iter().map(|k| k.id().0).collect();
        assert_eq!(added, (2..=41).collect::<Vec<_>>(), "{name}");
        assert!(
            run.kem_added
                .iter()
                .all(|k| k.kind() == KemPreKeyKind::OneTime)
        );
        assert_eq!(run.one_time_kem_left, 40);
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(40));
        // Publishable: the bundle checks every signature.
        for kem in run.kem_added.iter().chain([&run.kem_last_resort]) {
            hushwire::PreKeyBundle::from_public(identity.public_key(), &run.signed_prekey, None)
                .unwrap()
                .with_kem_prekey(kem)
                .unwrap();
        }
        // One second early: nothing.
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(T0 + rotation - 1), &policy)
            .await
            .unwrap();
        assert!(!run.kem_rotated && run.kem_added.is_empty() && run.kem_removed.is_empty());
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(1));
        // Due: the next id after the one-time ones; id 1 stays.
        let t1 = T0 + rotation;
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(t1), &policy)
            .await
            .unwrap();
        assert!(run.kem_rotated, "{name}");
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(42));
        assert_eq!(run.kem_last_resort.created_at(), at(t1));
        assert!(run.kem_removed.is_empty());
        assert!(store.load_kem_prekey(KemPreKeyId(1)).await.is_ok());
        // A second before id 42 is `grace` old: id 1 kept (and 43 rotated in).
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(t1 + grace - 1), &policy)
            .await
            .unwrap();
        assert!(run.kem_removed.is_empty(), "{name}: removed a second early");
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(43));
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(t1 + grace), &policy)
            .await
            .unwrap();
        assert_eq!(run.kem_removed, vec![KemPreKeyId(1)], "{name}");
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(1)).await.err(),
            Some(Error::UnknownKemPreKey { id: 1 })
        );
        // Long after: 44 rotates in; 42 goes (43 is `grace` old), 43 stays for the grace
        // period of 44, the newest.
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(t1 + 10 * grace), &policy)
            .await
            .unwrap();
        assert_eq!(run.kem_removed, vec![KemPreKeyId(42)], "{name}");
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(44));
        assert!(store.load_kem_prekey(KemPreKeyId(43)).await.is_ok());
        assert!(store.load_kem_prekey(KemPreKeyId(44)).await.is_ok());
        let now = t1 + 10 * grace;
        // Top-up at its boundary: 10 left is enough, 9 is not.
        for (n, id) in (2..=31).enumerate() {
            consume_kem(&*store, id, n as u32).await;
        }
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(now), &policy)
            .await
            .unwrap();
        assert!(run.kem_added.is_empty(), "{name}");
        assert_eq!(run.one_time_kem_left, 10);
        consume_kem(&*store, 32, 100).await;
        let run = upkeep_prekeys(&*store, &mut rng, &identity, at(now), &policy)
            .await
            .unwrap();
        let added: Vec<u32> = run.kem_added.iter().map(|k| k.id().0).collect();
        assert_eq!(added, (45..=75).collect::<Vec<_>>(), "{name}");
        assert_eq!(run.one_time_kem_left, 40);
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(40));
        // Consumed ids stay consumed.
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(2)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 2 })
        );
    });
}

#[test]
fn kem_rotation_grace_and_top_up_at_their_boundaries_everywhere() {
    on_every_store!(kem_rotation_grace_and_top_up_at_their_boundaries);
}

/// A last-resort KEM prekey signed by another identity (a store kept across an identity
/// change) is replaced at once, whatever its age.
#[test]
fn a_last_resort_kem_prekey_of_another_identity_is_replaced() {
    block_on(async {
        let mut rng = rng(8);
        let store = MemoryStore::new();
        let old = IdentityKeyPair::generate(&mut rng);
        let new = IdentityKeyPair::generate(&mut rng);
        let policy = PreKeyPolicy::default();
        let run = upkeep_prekeys(&store, &mut rng, &old, at(T0), &policy)
            .await
            .unwrap();
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(1));
        let run = upkeep_prekeys(&store, &mut rng, &old, at(T0 + 1), &policy)
            .await
            .unwrap();
        assert!(!run.kem_rotated);
        let run = upkeep_prekeys(&store, &mut rng, &new, at(T0 + 1), &policy)
            .await
            .unwrap();
        assert!(run.kem_rotated);
        assert_eq!(run.kem_last_resort.id(), KemPreKeyId(42));
        hushwire::PreKeyBundle::from_public(new.public_key(), &run.signed_prekey, None)
            .unwrap()
            .with_kem_prekey(&run.kem_last_resort)
            .unwrap();
    });
}

/// Two workers run upkeep on one SQLite store at once, from threads: one last-resort KEM
/// prekey and one batch of 40 one-time KEM prekeys, not one per worker.
#[test]
fn concurrent_runs_leave_one_last_resort_kem_prekey_and_one_batch() {
    let file = TempDb::new("upkeep-kem-race");
    let store = Arc::new(SqliteStore::open(&file.0, SqliteOptions::default()).unwrap());
    let mut seed_rng = rng(9);
    let identity = Arc::new(IdentityKeyPair::generate(&mut seed_rng));
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let (store, identity) = (Arc::clone(&store), Arc::clone(&identity));
            std::thread::spawn(move || {
                block_on(async {
                    let mut rng = rng(200 + i);
                    upkeep_prekeys(
                        &*store,
                        &mut rng,
                        &identity,
                        at(T0),
                        &PreKeyPolicy::default(),
                    )
                    .await
                    .unwrap()
                })
            })
        })
        .collect();
    let runs: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    block_on(async {
        let held = store.kem_prekeys().await.unwrap();
        let last_resort: Vec<_> = held
            .iter()
            .filter(|k| k.kind() == KemPreKeyKind::LastResort)
            .collect();
        assert_eq!(last_resort.len(), 1, "{held:?}");
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(40));
        // Both report the one held; what they added is what is held.
        for run in &runs {
            assert_eq!(&run.kem_last_resort, last_resort[0]);
        }
        let added: usize = runs.iter().map(|run| run.kem_added.len()).sum();
        assert_eq!(added, 40);
    });
}
