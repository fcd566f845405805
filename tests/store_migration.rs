//! Migrations of the SQLite store (SPEC.md 17.5, issue 16): a database written by schema
//! version 1 opens with the current code with nothing lost; so does one at version 2, with
//! KEM prekeys held and consumed, which version 3 keeps (`schema_v2_database_…`).
//!
//! The fixtures `tests/data/store-schema-v1.sqlite` (unsealed) and
//! `tests/data/store-schema-v1-sealed.sqlite` (every value sealed, storage key `5e` × 32) were
//! written by [`populate`] at schema version 1, from seeded RNGs, by
//!
//! ```text
//! HUSHWIRE_WRITE_STORE_FIXTURES=1 cargo test --test store_migration write_the_fixtures
//! ```
//!
//! which refuses to overwrite them: once committed they never change (a later schema must
//! open these very files). The tests run [`populate`] again on a `MemoryStore` to know what
//! the fixtures must hold (values and revisions), and read each record back from a copy of
//! the fixture: every record kind (session records, signed prekeys, one-time prekeys with a
//! consumed one, trust records, device lists, group sessions), revisions and incarnations that
//! go on where they were, and a session that still talks with its peer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use hushwire::store::Versioned;
use hushwire::store::{
    AcceptTransaction, Conversations, DeviceLists, GroupSessions, MemoryStore, PreKeys, Revision,
    SCHEMA_VERSION, Sealer, SessionRecords, SqliteOptions, SqliteStore, StorageKey, TrustRecords,
};
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, Error, GroupId, GroupSession,
    IdentityKeyPair, Observation, OneTimePreKeyId, OneTimePreKeyPair, SessionRecord,
    SignedPreKeyId, SignedPreKeyPair, StoredSessionRecord, Timestamp, TrustRecord,
    VerifiedDeviceList, observe_identity,
};
use hushwire_testkit::fixtures::{TEST_SIGNED_AT, validated_bundle};

/// The unsealed fixture.
const FIXTURE: &str = "tests/data/store-schema-v1.sqlite";
/// The sealed fixture.
const SEALED_FIXTURE: &str = "tests/data/store-schema-v1-sealed.sqlite";
/// Set to write the fixtures (see the module documentation).
const WRITE_VAR: &str = "HUSHWIRE_WRITE_STORE_FIXTURES";
/// The sealed fixture's storage key.
const STORAGE_KEY: [u8; 32] = [0x5e; 32];
/// The seed of [`populate`]'s choices.
const SEED: u64 = 1_600;

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

fn sealer() -> Sealer {
    Sealer::new(StorageKey::from_bytes(STORAGE_KEY), rng(SEED + 1)).with_provider(config().provider)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// What [`populate`] wrote: every record with the revision it has, and the peers' side of
/// the sessions, to talk to them afterwards.
struct Written {
    bob: IdentityKeyPair,
    sessions: Vec<(DeviceAddress, Revision, StoredSessionRecord)>,
    /// A session record created and deleted: its incarnation is used up.
    deleted: Revision,
    signed: Vec<SignedPreKeyPair>,
    one_time: Vec<OneTimePreKeyPair>,
    consumed: Vec<u32>,
    trust: Vec<(AccountId, Revision, TrustRecord)>,
    lists: Vec<(Revision, VerifiedDeviceList)>,
    groups: Vec<(GroupId, Revision, Vec<u8>)>,
    /// Alice's record of her session with Bob, in step with Bob's stored one.
    alice: SessionRecord,
    alice_identity: IdentityKeyPair,
}

/// The fixed procedure, Bob's store: two signed prekeys and four one-time prekeys; Alice
/// starts a session with one-time prekey 1, accepted through `Conversations` (consuming it in
/// the accept transaction), and they exchange two more messages; Bob starts a session with
/// Carol; a record for Dave is created and deleted; one-time prekey 3 is consumed on its own;
/// trust records for Alice (written twice) and Carol; Alice's device list; a group session
/// written twice.
async fn populate<S>(store: Arc<S>) -> Written
where
    S: AcceptTransaction + TrustRecords + DeviceLists + GroupSessions + 'static,
{
    let mut rng = rng(SEED);
    let config = config();
    let bob = IdentityKeyPair::generate(&mut rng);
    let signed: Vec<SignedPreKeyPair> = (1..=2)
        .map(|id| {
            let at = Timestamp::from_unix_seconds(TEST_SIGNED_AT + u64::from(id) * 86_400);
            SignedPreKeyPair::generate(&mut rng, &bob, SignedPreKeyId(id), at)
        })
        .collect();
    let one_time: Vec<OneTimePreKeyPair> = (1..=4)
        .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect();
    for key in &signed {
        store.add_signed_prekey(key).await.unwrap();
    }
    store.add_one_time_prekeys(&one_time).await.unwrap();

    let conversations = Conversations::new(
        Arc::clone(&store),
        IdentityKeyPair::from_seed(bob.to_seed().as_bytes()),
        config,
    );
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let (alice_at, bob_at) = (address("alice", 1), address("bob", 1));
    let mut alice = SessionRecord::new();
    let bundle = validated_bundle(&bob, &signed[0], Some(&one_time[0]), &config);
    alice
        .initiate(&mut rng, &alice_identity, &bundle, &config)
        .unwrap();
    let first = prekey(alice.encrypt(b"hello Bob").unwrap());
    let hello = conversations
        .accept(&mut rng, &alice_at, &first)
        .await
        .unwrap();
    assert_eq!(hello, b"hello Bob");
    let reply = conversations.encrypt(&alice_at, b"hi Alice").await.unwrap();
    let mut no_prekeys = hushwire::InMemoryPreKeyStore::new();
    let got = alice
        .decrypt(
            &mut rng,
            &alice_identity,
            &mut no_prekeys,
            bob.public_key(),
            &reply,
            &config,
        )
        .unwrap();
    assert_eq!(got, b"hi Alice");
    let again = alice.encrypt(b"how are you").unwrap();
    conversations
        .decrypt(&mut rng, &alice_at, alice_identity.public_key(), &again)
        .await
        .unwrap();

    // Bob starts a session with Carol.
    let carol = IdentityKeyPair::generate(&mut rng);
    let carol_spk = SignedPreKeyPair::generate(
        &mut rng,
        &carol,
        SignedPreKeyId(7),
        Timestamp::from_unix_seconds(TEST_SIGNED_AT),
    );
    let carol_at = address("carol", 2);
    conversations
        .initiate(
            &mut rng,
            &carol_at,
            &validated_bundle(&carol, &carol_spk, None, &config),
        )
        .await
        .unwrap();
    conversations
        .encrypt(&carol_at, b"hello Carol")
        .await
        .unwrap();

    // Dave's record, created and deleted.
    let dave_at = address("dave", 1);
    let dave = StoredSessionRecord::from_vec(SessionRecord::new().to_stored().as_bytes().to_vec());
    let deleted = store
        .store_session_record(&dave_at, None, &dave)
        .await
        .unwrap();
    store
        .delete_session_record(&dave_at, deleted)
        .await
        .unwrap();

    store
        .consume_one_time_prekey(OneTimePreKeyId(3))
        .await
        .unwrap();

    // Trust records.
    let seen = Timestamp::from_unix_seconds(TEST_SIGNED_AT + 10);
    let mut trust = Vec::new();
    for (account, key, writes) in [("alice", &alice_identity, 2), ("carol", &carol, 1)] {
        let account = AccountId::new(account).unwrap();
        let Observation::New(record) = observe_identity(&account, None, key.public_key(), seen)
        else {
            panic!("a first key is new")
        };
        let mut revision = None;
        for _ in 0..writes {
            revision = Some(
                store
                    .store_trust_record(&account, revision, &record)
                    .await
                    .unwrap(),
            );
        }
        trust.push((account, revision.unwrap(), record));
    }

    // Alice's device list.
    let account_key = AccountKeyPair::generate(&mut rng);
    let list = account_key
        .sign_device_list(
            &AccountId::new("alice").unwrap(),
            1,
            seen,
            Timestamp::from_unix_seconds(TEST_SIGNED_AT + 30 * 86_400),
            &[(DeviceId::new(1).unwrap(), *alice_identity.public_key())],
        )
        .unwrap();
    let list_revision = store.store_device_list(None, &list).await.unwrap();

    // A group session, written, used, written again.
    let group = GroupId::new("family").unwrap();
    let mut session = GroupSession::create(
        &mut rng,
        group.clone(),
        bob_at.clone(),
        [alice_at.clone(), carol_at.clone()],
        &config,
    )
    .unwrap();
    let first_write = store
        .store_group_session(&group, None, &session.to_stored())
        .await
        .unwrap();
    session.encrypt(b"to the family").unwrap();
    let stored_group = session.to_stored();
    let group_revision = store
        .store_group_session(&group, Some(first_write), &stored_group)
        .await
        .unwrap();

    let mut sessions = Vec::new();
    for peer in [alice_at, carol_at] {
        let loaded = store.load_session_record(&peer).await.unwrap().unwrap();
        sessions.push((peer, loaded.revision, loaded.value));
    }
    Written {
        bob,
        sessions,
        deleted,
        signed,
        one_time,
        consumed: vec![1, 3],
        trust,
        lists: vec![(list_revision, list)],
        groups: vec![(group, group_revision, stored_group.as_bytes().to_vec())],
        alice,
        alice_identity,
    }
}

/// What the procedure writes, on a fresh in-memory store.
fn expected() -> Written {
    runtime().block_on(populate(Arc::new(MemoryStore::new())))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// A copy of a fixture in a temporary file, removed on drop.
struct Copy(PathBuf);

impl Copy {
    fn of(name: &str, tag: &str) -> Copy {
        let path = std::env::temp_dir().join(format!(
            "hushwire-store-migration-{}-{tag}.sqlite",
            std::process::id()
        ));
        std::fs::copy(fixture(name), &path).unwrap();
        Copy(path)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn options(sealed: bool) -> SqliteOptions {
    let mut options = SqliteOptions::default();
    options.sealer = sealed.then(sealer);
    options.readers = 1;
    options
}

/// Writes the fixtures (see the module documentation) when the environment variable
/// `HUSHWIRE_WRITE_STORE_FIXTURES` is set; otherwise does nothing (no ignored tests in this
/// repository: `cargo test` runs it, and it says so). Refuses to overwrite them.
#[test]
fn write_the_fixtures() {
    if std::env::var_os(WRITE_VAR).is_none() {
        println!("not writing the fixtures: {WRITE_VAR} is not set");
        return;
    }
    assert_eq!(SCHEMA_VERSION, 1, "the fixtures are of schema version 1");
    for (name, sealed) in [(FIXTURE, false), (SEALED_FIXTURE, true)] {
        let path = fixture(name);
        assert!(!path.exists(), "{name} exists: the fixtures never change");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let store = Arc::new(SqliteStore::open(&path, options(sealed)).unwrap());
        runtime().block_on(populate(Arc::clone(&store)));
        // Closing the last connection checkpoints the WAL into the file and removes it.
        drop(store);
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            assert!(!Path::new(&side).exists(), "{name}{suffix} left behind");
        }
    }
}

/// The fixture's record and the one the procedure writes today hold the same sessions: the
/// same bytes, or, where a responder's sending step is pending (stored since the lazy step of
/// SPEC.md 6.6; the fixture has it taken), the same next message from each.
fn same_sessions(fixture: &[u8], today: &[u8], peer: &DeviceAddress) {
    if fixture == today {
        return;
    }
    let mut then = SessionRecord::from_stored(fixture, &config()).unwrap();
    let mut now = SessionRecord::from_stored(today, &config()).unwrap();
    assert_eq!(
        then.encrypt(b"same").unwrap().encode(),
        now.encrypt(b"same").unwrap().encode(),
        "{peer:?}"
    );
    assert_eq!(
        then.to_stored().as_bytes(),
        now.to_stored().as_bytes(),
        "{peer:?}"
    );
}

/// Every record of the fixture reads back as the procedure wrote it.
fn every_record_reads_back(store: &SqliteStore, written: &Written) {
    runtime().block_on(async {
        for (peer, revision, value) in &written.sessions {
            let loaded = store.load_session_record(peer).await.unwrap().unwrap();
            assert_eq!(loaded.revision, *revision, "{peer:?}");
            same_sessions(loaded.value.as_bytes(), value.as_bytes(), peer);
        }
        assert!(
            store
                .load_session_record(&address("dave", 1))
                .await
                .unwrap()
                .is_none()
        );
        for key in &written.signed {
            let loaded = store.load_signed_prekey(key.id()).await.unwrap().unwrap();
            assert_eq!(loaded.to_stored().as_bytes(), key.to_stored().as_bytes());
        }
        let published: Vec<_> = written.signed.iter().map(|k| k.public().clone()).collect();
        assert_eq!(store.signed_prekeys().await.unwrap(), published);
        for key in &written.one_time {
            let id = key.id();
            let loaded = store.load_one_time_prekey(id).await;
            if written.consumed.contains(&id.0) {
                assert_eq!(
                    loaded.err(),
                    Some(Error::OneTimePreKeyConsumed { id: id.0 })
                );
            } else {
                assert_eq!(
                    loaded.unwrap().to_stored().as_bytes(),
                    key.to_stored().as_bytes()
                );
            }
        }
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(9)).await.err(),
            Some(Error::UnknownOneTimePreKey { id: 9 })
        );
        let left = written.one_time.len() - written.consumed.len();
        assert_eq!(store.one_time_prekeys_left().await, Ok(left as u64));
        for (account, revision, record) in &written.trust {
            let loaded = store.load_trust_record(account).await.unwrap().unwrap();
            assert_eq!((loaded.revision, &loaded.value), (*revision, record));
        }
        for (revision, list) in &written.lists {
            let loaded = store
                .load_device_list(list.account_id())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(loaded.revision, *revision);
            assert_eq!(
                loaded.value,
                hushwire::DeviceListIn::decode(list.to_bytes()).unwrap()
            );
        }
        for (group, revision, value) in &written.groups {
            let loaded = store.load_group_session(group).await.unwrap().unwrap();
            assert_eq!(loaded.revision, *revision);
            assert_eq!(loaded.value.as_bytes(), value.as_slice());
            GroupSession::from_stored(loaded.value.as_bytes(), &config()).unwrap();
        }
    });
}

/// Writes go on from the fixture's revisions and incarnations, and Alice's session with Bob
/// still works both ways.
fn revisions_go_on_and_the_session_works(store: SqliteStore, mut written: Written) {
    runtime().block_on(async {
        let incarnation = |revision: Revision| revision.0 >> 32;
        // A new record takes an incarnation beyond every one used, the deleted one's too.
        let used = written
            .sessions
            .iter()
            .map(|(_, revision, _)| incarnation(*revision))
            .chain([incarnation(written.deleted)])
            .max()
            .unwrap();
        let new = store
            .store_session_record(&address("erin", 1), None, &SessionRecord::new().to_stored())
            .await
            .unwrap();
        assert!(incarnation(new) > used, "{new:?} after {used}");
        // The deleted record, written again, too.
        let again = store
            .store_session_record(&address("dave", 1), None, &SessionRecord::new().to_stored())
            .await
            .unwrap();
        assert!(incarnation(again) > incarnation(new));
        // A trust record's next write is the next revision.
        let (account, revision, record) = &written.trust[0];
        assert_eq!(
            store
                .store_trust_record(account, Some(*revision), record)
                .await,
            Ok(revision.next("trust_record").unwrap())
        );

        // Alice's session with Bob, from the fixture.
        let alice_at = address("alice", 1);
        let bob = Conversations::new(
            store,
            IdentityKeyPair::from_seed(written.bob.to_seed().as_bytes()),
            config(),
        );
        let before = bob
            .store()
            .load_session_record(&alice_at)
            .await
            .unwrap()
            .unwrap()
            .revision;
        let envelope = bob
            .encrypt(&alice_at, b"after the migration")
            .await
            .unwrap();
        let mut rng = rng(SEED + 2);
        let mut no_prekeys = hushwire::InMemoryPreKeyStore::new();
        let got = written
            .alice
            .decrypt(
                &mut rng,
                &written.alice_identity,
                &mut no_prekeys,
                written.bob.public_key(),
                &envelope,
                &config(),
            )
            .unwrap();
        assert_eq!(got, b"after the migration");
        let answer = written.alice.encrypt(b"still here").unwrap();
        let got = bob
            .decrypt(
                &mut rng,
                &alice_at,
                written.alice_identity.public_key(),
                &answer,
            )
            .await
            .unwrap();
        assert_eq!(got, b"still here");
        let after: Option<Versioned<StoredSessionRecord>> =
            bob.store().load_session_record(&alice_at).await.unwrap();
        assert_eq!(
            after.map(|v| v.revision),
            Some(Revision(before.0 + 2)),
            "two writes on the fixture's revision"
        );
    });
}

fn a_schema_v1_database_opens_with_nothing_lost(name: &str, sealed: bool) {
    let copy = Copy::of(name, if sealed { "sealed" } else { "plain" });
    // The fixture is what it says: schema version 1.
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    let version: i64 = connection
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 1);
    drop(connection);
    let written = expected();
    let store = SqliteStore::open(&copy.0, options(sealed)).unwrap();
    every_record_reads_back(&store, &written);
    revisions_go_on_and_the_session_works(store, expected());
    // And it is at the current version now.
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    let version: i64 = connection
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, i64::from(SCHEMA_VERSION));
    // Version 2's and 3's tables are there, empty, and take the hybrid set-up.
    for table in [
        "kem_prekeys",
        "consumed_kem_prekeys",
        "kem_base_keys",
        "retired_kem_prekeys",
    ] {
        let rows: i64 = connection
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
    drop(connection);
    let store = SqliteStore::open(&copy.0, options(sealed)).unwrap();
    a_hybrid_first_message_is_accepted_on_the_migrated_store(store, &written);
}

/// On a migrated store: upkeep adds the KEM prekeys (the fixture's signed prekey and
/// one-time prekeys kept), and a hybrid first message (the default configuration) is
/// accepted once, its one-time KEM prekey consumed.
fn a_hybrid_first_message_is_accepted_on_the_migrated_store(store: SqliteStore, written: &Written) {
    runtime().block_on(async {
        let mut rng = rng(SEED + 3);
        let hybrid = hushwire_testkit::fixtures::hybrid_config();
        let bob_identity = *written.bob.public_key();
        let bob = Conversations::new(
            store,
            IdentityKeyPair::from_seed(written.bob.to_seed().as_bytes()),
            hybrid,
        );
        let mut policy = hushwire::store::PreKeyPolicy::default();
        policy.kem_one_time_target = 2;
        policy.kem_one_time_minimum = 1;
        let last_one_time = bob.store().last_one_time_prekey_id().await.unwrap();
        let upkeep = bob
            .upkeep_prekeys(
                &mut rng,
                hushwire::Timestamp::from_unix_seconds(1_900_000_000),
                &policy,
            )
            .await
            .unwrap();
        assert!(upkeep.kem_rotated);
        assert_eq!(upkeep.kem_added.len(), 2);
        // No one-time prekey id of the fixture issued again.
        if let (Some(first), Some(last)) = (upkeep.added.first(), last_one_time) {
            assert!(first.id() > last);
        }
        let one_time = upkeep.added.first().copied();
        let bundle =
            hushwire::PreKeyBundle::from_public(&bob_identity, &upkeep.signed_prekey, one_time)
                .unwrap()
                .with_kem_prekey(&upkeep.kem_added[0])
                .unwrap();
        let erin = IdentityKeyPair::generate(&mut rng);
        let mut record = SessionRecord::new();
        record.initiate(&mut rng, &erin, &bundle, &hybrid).unwrap();
        let first = hushwire_testkit::fixtures::prekey(
            record.encrypt(b"hybrid after the migration").unwrap(),
        );
        let erin_at = address("erin", 7);
        assert_eq!(
            bob.accept(&mut rng, &erin_at, &first).await.unwrap(),
            b"hybrid after the migration"
        );
        assert_eq!(
            bob.store()
                .load_kem_prekey(upkeep.kem_added[0].id())
                .await
                .err(),
            Some(hushwire::Error::KemPreKeyConsumed {
                id: upkeep.kem_added[0].id().0
            })
        );
        assert_eq!(bob.store().one_time_kem_prekeys_left().await, Ok(1));
    });
}

#[test]
fn schema_v1_database_opens_with_nothing_lost() {
    a_schema_v1_database_opens_with_nothing_lost(FIXTURE, false);
}

#[test]
fn sealed_schema_v1_database_opens_with_nothing_lost() {
    a_schema_v1_database_opens_with_nothing_lost(SEALED_FIXTURE, true);
}

/// The sealed fixture does not open under another storage key, nor unsealed: the values in
/// it are sealed (and the unsealed one's are not).
#[test]
fn the_sealed_fixture_is_sealed() {
    let written = expected();
    let (peer, _, _) = &written.sessions[0];
    let copy = Copy::of(SEALED_FIXTURE, "wrong-key");
    runtime().block_on(async {
        let mut other = options(false);
        other.sealer = Some(Sealer::new(StorageKey::from_bytes([0x11; 32]), rng(1)));
        let store = SqliteStore::open(&copy.0, other).unwrap();
        assert_eq!(
            store.load_session_record(peer).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "session_record"
            })
        );
        drop(store);
        let unsealed = SqliteStore::open(&copy.0, options(false)).unwrap();
        let loaded = unsealed.load_session_record(peer).await.unwrap().unwrap();
        assert!(SessionRecord::from_stored(loaded.value.as_bytes(), &config()).is_err());
    });
}

/// A database whose `schema_version` is newer than the build's is refused, and left as it
/// was.
#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let copy = Copy::of(FIXTURE, "newer");
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    connection
        .execute(
            "UPDATE schema_version SET version = ?1",
            [i64::from(SCHEMA_VERSION) + 1],
        )
        .unwrap();
    drop(connection);
    let before = std::fs::read(&copy.0).unwrap();
    let error = SqliteStore::open(&copy.0, options(false)).unwrap_err();
    assert!(matches!(error, Error::Store(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{error}"
    );
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    let version: i64 = connection
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, i64::from(SCHEMA_VERSION) + 1);
    drop(connection);
    assert_eq!(std::fs::read(&copy.0).unwrap().len(), before.len());
}

/// A migration that fails part-way leaves the file as it was: the migration runs in one
/// transaction. Built without a test hook: a file at version 0 (no `schema_version` table)
/// that already has a table named like one the migration creates (`trust_records`, created
/// after `session_records`, `signed_prekeys` and `one_time_prekeys` in the same batch), so
/// migration 1 fails on its fourth statement. Afterwards there is no `schema_version` table
/// and none of the tables created before the failure, and the foreign table is untouched.
#[test]
fn a_failed_migration_leaves_the_file_at_its_old_version() {
    let path = std::env::temp_dir().join(format!(
        "hushwire-store-migration-{}-failed.sqlite",
        std::process::id()
    ));
    let copy = Copy(path);
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    connection
        .execute_batch("CREATE TABLE trust_records (x); INSERT INTO trust_records VALUES (42);")
        .unwrap();
    drop(connection);
    let error = SqliteStore::open(&copy.0, options(false)).unwrap_err();
    assert!(matches!(error, Error::Store(_)), "{error:?}");
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["trust_records"]);
    let kept: i64 = connection
        .query_row("SELECT x FROM trust_records", [], |row| row.get(0))
        .unwrap();
    assert_eq!(kept, 42);
}

/// Version 2's KEM prekey tables, as SPEC.md 17.5 gives them (and as version 2 of the store
/// created them): what a file written by a version-2 build holds.
const SCHEMA_V2_KEM_TABLES: &str = "CREATE TABLE kem_prekeys (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB NOT NULL, \
         one_time INTEGER NOT NULL CHECK (one_time IN (0, 1)));
     CREATE TABLE consumed_kem_prekeys (key BLOB PRIMARY KEY NOT NULL);
     CREATE TABLE kem_base_keys (key BLOB NOT NULL, \
         base_key BLOB NOT NULL CHECK (length(base_key) = 32), \
         PRIMARY KEY (key, base_key)) WITHOUT ROWID;";

/// A schema version 2 file (the version 1 fixture with version 2's tables added by hand and
/// KEM prekey rows written as a version-2 store writes them: last-resort 1 with a base key
/// recorded, one-time 2 held, one-time 3 consumed) opens with nothing lost and is at
/// version 3: `retired_kem_prekeys` is there, empty; the keys load as before; and a KEM
/// prekey removed from then on is never added again, nor its id issued again. (Ids removed
/// under version 2 left nothing behind: they cannot be known.)
#[test]
fn schema_v2_database_migrates_to_v3_with_nothing_lost() {
    use hushwire::{KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
    let copy = Copy::of(FIXTURE, "v2");
    let mut rng = rng(SEED + 4);
    let identity = IdentityKeyPair::generate(&mut rng);
    let at = Timestamp::from_unix_seconds(TEST_SIGNED_AT);
    let last_resort = KemPreKeyPair::generate(
        &mut rng,
        &identity,
        KemPreKeyId(1),
        KemPreKeyKind::LastResort,
        at,
    );
    let one_time = KemPreKeyPair::generate(
        &mut rng,
        &identity,
        KemPreKeyId(2),
        KemPreKeyKind::OneTime,
        at,
    );
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    connection.execute_batch(SCHEMA_V2_KEM_TABLES).unwrap();
    connection
        .execute("UPDATE schema_version SET version = 2", [])
        .unwrap();
    for key in [&last_resort, &one_time] {
        connection
            .execute(
                "INSERT INTO kem_prekeys (key, revision, one_time, value) VALUES (?1, 1, ?2, ?3)",
                rusqlite::params![
                    key.id().0.to_be_bytes().to_vec(),
                    key.kind() == KemPreKeyKind::OneTime,
                    key.to_stored().as_bytes().to_vec()
                ],
            )
            .unwrap();
    }
    connection
        .execute(
            "INSERT INTO consumed_kem_prekeys (key) VALUES (?1)",
            [3u32.to_be_bytes().to_vec()],
        )
        .unwrap();
    connection
        .execute(
            "INSERT INTO kem_base_keys (key, base_key) VALUES (?1, ?2)",
            rusqlite::params![1u32.to_be_bytes().to_vec(), vec![0x42u8; 32]],
        )
        .unwrap();
    drop(connection);

    let store = SqliteStore::open(&copy.0, options(false)).unwrap();
    let connection = rusqlite::Connection::open(&copy.0).unwrap();
    let version: i64 = connection
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 3);
    assert_eq!(SCHEMA_VERSION, 3);
    let retired: i64 = connection
        .query_row("SELECT count(*) FROM retired_kem_prekeys", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(retired, 0);
    let base_keys: i64 = connection
        .query_row("SELECT count(*) FROM kem_base_keys", [], |row| row.get(0))
        .unwrap();
    assert_eq!(base_keys, 1);
    drop(connection);
    runtime().block_on(async {
        for key in [&last_resort, &one_time] {
            let loaded = store.load_kem_prekey(key.id()).await.unwrap();
            assert_eq!(loaded.to_stored().as_bytes(), key.to_stored().as_bytes());
        }
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(3)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 3 })
        );
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(3))));
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(1));
        // Removed now: kept, so never added again.
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(1)).await, Ok(true));
        assert_eq!(
            store
                .add_kem_prekeys(core::slice::from_ref(&last_resort))
                .await,
            Err(Error::StoreConflict {
                record: "kem_prekey"
            })
        );
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(1)).await.err(),
            Some(Error::UnknownKemPreKey { id: 1 })
        );
    });
    // And every record of the version 1 fixture still reads back.
    every_record_reads_back(&store, &expected());
}
