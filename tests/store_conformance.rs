//! One conformance suite for every store (SPEC.md 17), run against each implementation, sealed
//! and not: the in-memory store, the SQLite store (on a temporary file, removed afterwards)
//! and the PostgreSQL store (on the server `HUSHWIRE_TEST_POSTGRES_URL` names, each test in a
//! schema of its own, dropped afterwards; without the variable those tests print that they
//! are skipped and pass: `.ci/postgres run cargo test --test store_conformance` runs them on
//! a throwaway server). Each test is written once, generic over a [`Harness`], and
//! instantiated per implementation by `conformance!` at the bottom.
//!
//! - every record kind round-trips, byte for byte;
//! - a stale revision is a conflict, and writes nothing;
//! - of many concurrent consumes of one one-time prekey, exactly one wins;
//! - the accept transaction consumes the prekey and stores the session together, or neither;
//! - sealed records refuse another storage key, another record's row and an older revision;
//! - and the concurrency test: threads and tokio tasks encrypt and decrypt on the same
//!   sessions through `Conversations` at once, and no message key is used twice, no update is
//!   lost, and every message decrypts exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use hushwire::hazmat::store::{account_key, group_key, prekey_key, session_record_key};
use hushwire::store::{
    AcceptTransaction, Conversations, DeviceLists, GroupSessions, MemoryStore, PostgresOptions,
    PostgresStore, PreKeyPolicy, PreKeys, Revision, Sealer, SessionRecords, SqliteOptions,
    SqliteStore, StorageKey, Table, TrustRecords, Versioned,
};
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, DeviceListPolicy, Envelope, Error, GroupId,
    GroupSession, IdentityKeyPair, Observation, OneTimePreKeyId, OneTimePreKeyPair, PreKeyBundle,
    SessionRecord, SignedPreKeyId, SignedPreKeyPair, StoredSessionRecord, Timestamp,
    observe_identity,
};
use hushwire::{
    KemPreKey, KemPreKeyId, KemPreKeyKind, KemPreKeyPair, KemPreKeyUse, PreKeyUses, X25519PublicKey,
};
use hushwire_testkit::fixtures::{TEST_SIGNED_AT, validated_bundle};

// ---------------------------------------------------------------------------------------------
// The implementations under test.

/// A store implementation as the suite drives it: a fresh, empty store, and raw access to its
/// rows as an attacker with the database has it.
trait Harness: Send + Sync + 'static {
    /// The store.
    type Store: AcceptTransaction + TrustRecords + DeviceLists + GroupSessions + 'static;

    /// A new, empty store, sealing with `sealer` if given.
    fn create(sealer: Option<Sealer>) -> Self;

    /// The store, shareable.
    fn store(&self) -> &Arc<Self::Store>;

    /// Row `key` of `table` as stored: revision and value (`None`: consumed).
    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>>;

    /// Overwrites (or inserts) row `key` of `table`, bypassing the store.
    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>);

    /// Whether the implementation can be tested here (else the test prints why and passes).
    fn available() -> bool {
        true
    }
}

struct Memory(Arc<MemoryStore>);

impl Harness for Memory {
    type Store = MemoryStore;

    fn create(sealer: Option<Sealer>) -> Self {
        Memory(Arc::new(match sealer {
            Some(sealer) => MemoryStore::sealed(sealer),
            None => MemoryStore::new(),
        }))
    }

    fn store(&self) -> &Arc<MemoryStore> {
        &self.0
    }

    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>> {
        self.0.raw_row(table, key).unwrap()
    }

    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>) {
        self.0.put_raw_row(table, key, revision, value).unwrap();
    }
}

/// The SQLite store on a temporary file, removed (with its WAL and shared-memory files) when
/// the harness is dropped.
struct Sqlite {
    store: Arc<SqliteStore>,
    path: PathBuf,
}

/// A file name no other test (nor another run at the same time) uses.
fn temporary_database() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "hushwire-store-test-{}-{n}.sqlite",
        std::process::id()
    ))
}

impl Harness for Sqlite {
    type Store = SqliteStore;

    fn create(sealer: Option<Sealer>) -> Self {
        let path = temporary_database();
        let mut options = SqliteOptions::default();
        options.sealer = sealer;
        options.readers = 2;
        let store = Arc::new(SqliteStore::open(&path, options).unwrap());
        Sqlite { store, path }
    }

    fn store(&self) -> &Arc<SqliteStore> {
        &self.store
    }

    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>> {
        let connection = rusqlite::Connection::open(&self.path).unwrap();
        let sql = format!(
            "SELECT revision, value FROM {} WHERE key = ?1",
            table.name()
        );
        let mut statement = connection.prepare(&sql).unwrap();
        let mut rows = statement.query([key]).unwrap();
        rows.next().unwrap().map(|row| Versioned {
            revision: Revision(u64::try_from(row.get::<_, i64>(0).unwrap()).unwrap()),
            value: row.get(1).unwrap(),
        })
    }

    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>) {
        let connection = rusqlite::Connection::open(&self.path).unwrap();
        // A KEM prekey row has a `one_time` column too, which an insert would need: replaced
        // in place, keeping it.
        let sql = if table == Table::KemPreKeys {
            format!(
                "UPDATE {} SET revision = ?2, value = ?3 WHERE key = ?1",
                table.name()
            )
        } else {
            format!(
                "INSERT INTO {} (key, revision, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET revision = ?2, value = ?3",
                table.name()
            )
        };
        let revision = i64::try_from(revision.0).unwrap();
        connection
            .execute(&sql, rusqlite::params![key, revision, value])
            .unwrap();
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The PostgreSQL server the PostgreSQL tests run on, if `HUSHWIRE_TEST_POSTGRES_URL` names
/// one; otherwise they print that they are skipped.
fn postgres_url() -> Option<String> {
    let url = std::env::var("HUSHWIRE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("skipped: HUSHWIRE_TEST_POSTGRES_URL not set");
    }
    url
}

/// A runtime of the harness's own (the store's connections run on it, whatever runtime the
/// test is on), and a way to run work on it from anywhere, even inside another runtime.
struct Background(Option<tokio::runtime::Runtime>);

impl Background {
    fn new() -> Self {
        Background(Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
        ))
    }

    /// Runs `work` on this runtime and waits for it (blocking the calling thread).
    fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::channel();
        self.0.as_ref().unwrap().spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver.recv().expect("the harness's task failed")
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Not a blocking shutdown: a harness may be dropped inside a test's runtime.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A schema name no other test (nor another run, on this host or another) uses.
fn temporary_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("hw_test_{}_{n}_{nanos}", std::process::id())
}

/// The options of a PostgreSQL store in `schema` on the test server.
fn postgres_options(url: &str, schema: &str, sealer: Option<Sealer>) -> PostgresOptions {
    let mut options = PostgresOptions::from_url(url).unwrap();
    options.schema = schema.to_owned();
    options.sealer = sealer;
    options.pool_size = 8;
    options
}

/// The PostgreSQL store in a schema of its own on the test server, its connections on a
/// runtime of its own; the schema is dropped with the harness. Raw access goes straight to
/// the tables, on a connection of the harness's.
struct Postgres {
    store: Arc<PostgresStore>,
    client: Arc<tokio_postgres::Client>,
    schema: String,
    background: Background,
}

impl Postgres {
    /// A store and a raw connection on `schema` (created by the store if missing).
    fn on_schema(schema: &str, sealer: Option<Sealer>) -> Self {
        Postgres::on_schema_with(schema, sealer, "")
    }

    /// [`Postgres::on_schema`], the store's connection string with `extra` added to its URL
    /// query parameters.
    fn on_schema_with(schema: &str, sealer: Option<Sealer>, extra: &str) -> Self {
        let url = postgres_url().expect("HUSHWIRE_TEST_POSTGRES_URL");
        let background = Background::new();
        let separator = if url.contains('?') { '&' } else { '?' };
        let store_url = if extra.is_empty() {
            url.clone()
        } else {
            format!("{url}{separator}{extra}")
        };
        let options = postgres_options(&store_url, schema, sealer);
        let store = Arc::new(background.run(PostgresStore::open(options)).unwrap());
        let client = background.run(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            Arc::new(client)
        });
        Postgres {
            store,
            client,
            schema: schema.to_owned(),
            background,
        }
    }

    /// Runs `sql` with `params` on the harness's connection, returning the rows.
    fn query(
        &self,
        sql: String,
        params: Vec<Option<Vec<u8>>>,
        int: Option<i64>,
    ) -> Vec<tokio_postgres::Row> {
        let client = Arc::clone(&self.client);
        self.background.run(async move {
            let mut refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::new();
            for param in &params {
                refs.push(param);
            }
            if let Some(int) = &int {
                refs.push(int);
            }
            client.query(&sql, &refs).await.unwrap()
        })
    }

    /// `table`, qualified by the harness's schema.
    fn table(&self, table: &str) -> String {
        format!("\"{}\".{table}", self.schema)
    }
}

impl Harness for Postgres {
    type Store = PostgresStore;

    fn create(sealer: Option<Sealer>) -> Self {
        Postgres::on_schema(&temporary_schema(), sealer)
    }

    fn store(&self) -> &Arc<PostgresStore> {
        &self.store
    }

    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>> {
        let sql = format!(
            "SELECT revision, value FROM {} WHERE key = $1",
            self.table(table.name())
        );
        let rows = self.query(sql, vec![Some(key.to_vec())], None);
        rows.first().map(|row| Versioned {
            revision: Revision(u64::try_from(row.get::<_, i64>(0)).unwrap()),
            value: row.get(1),
        })
    }

    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>) {
        // A KEM prekey row (with its `one_time` column) is replaced in place.
        let sql = if table == Table::KemPreKeys {
            format!(
                "UPDATE {} SET revision = $3, value = $2 WHERE key = $1",
                self.table(table.name())
            )
        } else {
            format!(
                "INSERT INTO {} (key, value, revision) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET revision = $3, value = $2",
                self.table(table.name())
            )
        };
        let revision = i64::try_from(revision.0).unwrap();
        self.query(sql, vec![Some(key.to_vec()), value], Some(revision));
    }

    fn available() -> bool {
        postgres_url().is_some()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let client = Arc::clone(&self.client);
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        self.background.run(async move {
            let _ = client.batch_execute(&sql).await;
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// A multi-threaded tokio runtime (2 workers: the machine's cores) running `future`.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(future)
}

/// A sealer with storage key `[key; 32]`, its salts from a seeded RNG.
fn sealer(key: u8, seed: u64) -> Sealer {
    Sealer::new(StorageKey::from_bytes([key; 32]), rng(seed)).with_provider(config().provider)
}

/// A sealer for sealed harnesses, none otherwise.
fn sealer_if(sealed: bool, seed: u64) -> Option<Sealer> {
    sealed.then(|| sealer(7, seed))
}

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account.as_bytes().to_vec()).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

/// A session record holding one session, the initiator's (so not empty).
fn some_record(seed: u64) -> StoredSessionRecord {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, false);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut record = SessionRecord::new();
    record
        .initiate(&mut rng, &alice, &bob.bundle, &config())
        .unwrap();
    record.to_stored()
}

fn at(revision: u64) -> Option<Revision> {
    Some(rev(revision))
}

/// Write `n` of a table's first created record (incarnation 1, SPEC.md 17.3).
fn rev(n: u64) -> Revision {
    rev_in(1, n)
}

/// Write `n` of the record created in `incarnation`.
fn rev_in(incarnation: u64, n: u64) -> Revision {
    Revision((incarnation << 32) | n)
}

fn conflict(record: &'static str) -> Error {
    Error::StoreConflict { record }
}

// ---------------------------------------------------------------------------------------------
// Round trips.

fn round_trip_of_every_record_kind<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 1));
    let store = harness.store();
    let mut rng = rng(2);
    let config = config();
    block_on(async {
        // Session records: the stored bytes come back unchanged, at revision 1, then 2.
        let peer = address("bob", 1);
        assert!(store.load_session_record(&peer).await.unwrap().is_none());
        let first = some_record(3);
        assert_eq!(
            store.store_session_record(&peer, None, &first).await,
            Ok(rev(1))
        );
        let loaded = store.load_session_record(&peer).await.unwrap().unwrap();
        assert_eq!(loaded.revision, rev(1));
        assert_eq!(loaded.value.as_bytes(), first.as_bytes());
        SessionRecord::from_stored(loaded.value.as_bytes(), &config).unwrap();
        let second = some_record(4);
        assert_eq!(
            store.store_session_record(&peer, at(1), &second).await,
            Ok(rev(2))
        );
        let loaded = store.load_session_record(&peer).await.unwrap().unwrap();
        assert_eq!(
            (loaded.revision, loaded.value.as_bytes()),
            (rev(2), second.as_bytes())
        );
        // Another device of the same account is another record.
        assert!(
            store
                .load_session_record(&address("bob", 2))
                .await
                .unwrap()
                .is_none()
        );

        // Signed prekeys.
        let identity = IdentityKeyPair::generate(&mut rng);
        let created = Timestamp::from_unix_seconds(1_700_000_000);
        let spk1 = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(1), created);
        let spk2 = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(2), created);
        assert!(
            store
                .load_signed_prekey(SignedPreKeyId(1))
                .await
                .unwrap()
                .is_none()
        );
        store.add_signed_prekey(&spk2).await.unwrap();
        store.add_signed_prekey(&spk1).await.unwrap();
        let loaded = store
            .load_signed_prekey(SignedPreKeyId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(loaded.to_stored().as_bytes(), spk1.to_stored().as_bytes());
        assert_eq!(loaded.public(), spk1.public());
        let listed = store.signed_prekeys().await.unwrap();
        assert_eq!(listed, vec![spk1.public().clone(), spk2.public().clone()]);
        assert_eq!(
            store.remove_signed_prekey(SignedPreKeyId(1)).await,
            Ok(true)
        );
        assert_eq!(
            store.remove_signed_prekey(SignedPreKeyId(1)).await,
            Ok(false)
        );
        assert!(
            store
                .load_signed_prekey(SignedPreKeyId(1))
                .await
                .unwrap()
                .is_none()
        );

        // One-time prekeys.
        let otks: Vec<OneTimePreKeyPair> = (1..=3)
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        store.add_one_time_prekeys(&otks).await.unwrap();
        assert_eq!(store.one_time_prekeys_left().await, Ok(3));
        let loaded = store
            .load_one_time_prekey(OneTimePreKeyId(2))
            .await
            .unwrap();
        assert_eq!(
            loaded.to_stored().as_bytes(),
            otks[1].to_stored().as_bytes()
        );
        assert_eq!(loaded.public(), otks[1].public());
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(9)).await.err(),
            Some(Error::UnknownOneTimePreKey { id: 9 })
        );

        // Trust records.
        let alice = AccountId::new("alice").unwrap();
        let key = IdentityKeyPair::generate(&mut rng);
        let Observation::New(record) = observe_identity(&alice, None, key.public_key(), created)
        else {
            panic!("a first key is new")
        };
        assert_eq!(store.load_trust_record(&alice).await, Ok(None));
        assert_eq!(
            store.store_trust_record(&alice, None, &record).await,
            Ok(rev(1))
        );
        let loaded = store.load_trust_record(&alice).await.unwrap().unwrap();
        assert_eq!((loaded.revision, &loaded.value), (rev(1), &record));
        assert_eq!(loaded.value.to_bytes(), record.to_bytes());

        // Device lists: the signed bytes come back, and validate again.
        let account_key = AccountKeyPair::generate(&mut rng);
        let devices = [(DeviceId::new(1).unwrap(), *key.public_key())];
        let list = account_key
            .sign_device_list(
                &alice,
                1,
                created,
                Timestamp::from_unix_seconds(1_700_086_400),
                &devices,
            )
            .unwrap();
        assert_eq!(store.store_device_list(None, &list).await, Ok(rev(1)));
        let loaded = store.load_device_list(&alice).await.unwrap().unwrap();
        assert_eq!(loaded.revision, rev(1));
        let validated = loaded
            .value
            .validate(
                account_key.public_key(),
                Timestamp::from_unix_seconds(1_700_000_100),
                &DeviceListPolicy::default(),
                None,
            )
            .unwrap();
        assert_eq!(validated.to_bytes(), list.to_bytes());

        // Group sessions.
        let group = GroupId::new("family").unwrap();
        let session = GroupSession::create(
            &mut rng,
            group.clone(),
            address("alice", 1),
            [address("bob", 1)],
            &config,
        )
        .unwrap();
        let stored = session.to_stored();
        assert_eq!(
            store.store_group_session(&group, None, &stored).await,
            Ok(rev(1))
        );
        let loaded = store.load_group_session(&group).await.unwrap().unwrap();
        assert_eq!(
            (loaded.revision, loaded.value.as_bytes()),
            (rev(1), stored.as_bytes())
        );
        GroupSession::from_stored(loaded.value.as_bytes(), &config).unwrap();
        assert_eq!(store.delete_group_session(&group, rev(1)).await, Ok(()));
        assert!(store.load_group_session(&group).await.unwrap().is_none());
    });
}

// ---------------------------------------------------------------------------------------------
// Compare-and-swap.

fn stale_revision_is_a_conflict<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 5));
    let store = harness.store();
    block_on(async {
        let peer = address("bob", 1);
        let (v1, v2, v3) = (some_record(6), some_record(7), some_record(8));
        assert_eq!(
            store.store_session_record(&peer, None, &v1).await,
            Ok(rev(1))
        );
        // "Must not exist" when it does.
        assert_eq!(
            store.store_session_record(&peer, None, &v3).await,
            Err(conflict("session_record"))
        );
        assert_eq!(
            store.store_session_record(&peer, at(1), &v2).await,
            Ok(rev(2))
        );
        // The revision read before the last write, and one never reached.
        for stale in [at(1), at(3), at(0)] {
            assert_eq!(
                store.store_session_record(&peer, stale, &v3).await,
                Err(conflict("session_record"))
            );
        }
        // A write to a record that does not exist, naming a revision.
        assert_eq!(
            store
                .store_session_record(&address("bob", 2), at(1), &v3)
                .await,
            Err(conflict("session_record"))
        );
        assert!(
            store
                .load_session_record(&address("bob", 2))
                .await
                .unwrap()
                .is_none()
        );
        // Nothing was written by the refused writes.
        let loaded = store.load_session_record(&peer).await.unwrap().unwrap();
        assert_eq!(
            (loaded.revision, loaded.value.as_bytes()),
            (rev(2), v2.as_bytes())
        );
        // A delete at a stale revision is refused too; at the current one it works.
        assert_eq!(
            store.delete_session_record(&peer, rev(1)).await,
            Err(conflict("session_record"))
        );
        assert_eq!(store.delete_session_record(&peer, rev(2)).await, Ok(()));
        assert_eq!(
            store.delete_session_record(&peer, rev(2)).await,
            Err(conflict("session_record"))
        );
        // Created again, the record starts a new incarnation (SPEC.md 17.3): no revision of
        // the deleted one comes back, so a write that read it can never land on the new one,
        // however many writes the new one has had (the review's fork: A reads at 2 and
        // stalls, the record is deleted and written again up to 2, A's swap must fail).
        let again = store.store_session_record(&peer, None, &v3).await.unwrap();
        assert!(again.0 >> 32 > 1, "{again:?}");
        assert_eq!(again.0 & 0xffff_ffff, 1);
        let second = store
            .store_session_record(&peer, Some(again), &v1)
            .await
            .unwrap();
        assert_eq!(second.0 & 0xffff_ffff, 2);
        assert_eq!(
            store.store_session_record(&peer, at(2), &v2).await,
            Err(conflict("session_record"))
        );
        let loaded = store.load_session_record(&peer).await.unwrap().unwrap();
        assert_eq!(
            (loaded.revision, loaded.value.as_bytes()),
            (second, v1.as_bytes())
        );

        // The same rules for the other mutable records.
        let mut rng = rng(9);
        let alice = AccountId::new("alice").unwrap();
        let key = IdentityKeyPair::generate(&mut rng);
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let Observation::New(record) = observe_identity(&alice, None, key.public_key(), now) else {
            panic!("a first key is new")
        };
        assert_eq!(
            store.store_trust_record(&alice, None, &record).await,
            Ok(rev(1))
        );
        assert_eq!(
            store.store_trust_record(&alice, None, &record).await,
            Err(conflict("trust_record"))
        );
        assert_eq!(
            store.store_trust_record(&alice, at(1), &record).await,
            Ok(rev(2))
        );
        assert_eq!(
            store.store_trust_record(&alice, at(1), &record).await,
            Err(conflict("trust_record"))
        );

        let account_key = AccountKeyPair::generate(&mut rng);
        let devices = [(DeviceId::new(1).unwrap(), *key.public_key())];
        let later = Timestamp::from_unix_seconds(1_700_086_400);
        let list = account_key
            .sign_device_list(&alice, 1, now, later, &devices)
            .unwrap();
        assert_eq!(store.store_device_list(None, &list).await, Ok(rev(1)));
        assert_eq!(
            store.store_device_list(None, &list).await,
            Err(conflict("device_list"))
        );
        assert_eq!(
            store.store_device_list(at(2), &list).await,
            Err(conflict("device_list"))
        );

        let group = GroupId::new("family").unwrap();
        let session =
            GroupSession::create(&mut rng, group.clone(), address("alice", 1), [], &config())
                .unwrap()
                .to_stored();
        assert_eq!(
            store.store_group_session(&group, None, &session).await,
            Ok(rev(1))
        );
        assert_eq!(
            store.store_group_session(&group, at(1), &session).await,
            Ok(rev(2))
        );
        assert_eq!(
            store.store_group_session(&group, at(1), &session).await,
            Err(conflict("group_session"))
        );
        assert_eq!(
            store.delete_group_session(&group, rev(1)).await,
            Err(conflict("group_session"))
        );

        // Prekeys are written once: adding an id held (or consumed) is a conflict, and a batch
        // with one such id adds nothing.
        let identity = IdentityKeyPair::generate(&mut rng);
        let spk = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(1), now);
        store.add_signed_prekey(&spk).await.unwrap();
        assert_eq!(
            store.add_signed_prekey(&spk).await,
            Err(conflict("signed_prekey"))
        );
        let otks: Vec<OneTimePreKeyPair> = (1..=3)
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        store.add_one_time_prekeys(&otks[..1]).await.unwrap();
        store
            .consume_one_time_prekey(OneTimePreKeyId(1))
            .await
            .unwrap();
        assert_eq!(
            store.add_one_time_prekeys(&otks[1..]).await.and(Ok(())),
            Ok(())
        );
        assert_eq!(
            store.add_one_time_prekeys(&otks[..1]).await,
            Err(conflict("one_time_prekey"))
        );
        let fresh = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(4));
        assert_eq!(
            store
                .add_one_time_prekeys(&[fresh.clone(), otks[2].clone()])
                .await,
            Err(conflict("one_time_prekey"))
        );
        assert_eq!(
            store
                .add_one_time_prekeys(&[fresh.clone(), fresh.clone()])
                .await,
            Err(conflict("one_time_prekey"))
        );
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(4)).await.err(),
            Some(Error::UnknownOneTimePreKey { id: 4 })
        );
        assert_eq!(store.one_time_prekeys_left().await, Ok(2));
    });
}

// ---------------------------------------------------------------------------------------------
// One-time prekeys: consumed once.

fn of_concurrent_consumes_exactly_one_wins<H: Harness>(sealed: bool) {
    const CONSUMERS: usize = 16;
    let harness = H::create(sealer_if(sealed, 10));
    let store = Arc::clone(harness.store());
    let mut rng = rng(11);
    let otks: Vec<OneTimePreKeyPair> = (1..=4)
        .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect();
    block_on(async {
        store.add_one_time_prekeys(&otks).await.unwrap();
        for id in [1, 2, 3] {
            let id = OneTimePreKeyId(id);
            let tasks: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move { store.consume_one_time_prekey(id).await })
                })
                .collect();
            // And from plain threads at the same time.
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let store = Arc::clone(&store);
                    let handle = tokio::runtime::Handle::current();
                    std::thread::spawn(move || handle.block_on(store.consume_one_time_prekey(id)))
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            for thread in threads {
                results.push(thread.join().unwrap());
            }
            let won = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(won, 1, "{results:?}");
            for result in results.into_iter().filter(Result::is_err) {
                assert_eq!(result, Err(Error::OneTimePreKeyConsumed { id: id.0 }));
            }
            // Consumed for good.
            assert_eq!(
                store.load_one_time_prekey(id).await.err(),
                Some(Error::OneTimePreKeyConsumed { id: id.0 })
            );
        }
        assert_eq!(
            store.consume_one_time_prekey(OneTimePreKeyId(99)).await,
            Err(Error::UnknownOneTimePreKey { id: 99 })
        );
        assert_eq!(store.one_time_prekeys_left().await, Ok(1));
        assert!(store.load_one_time_prekey(OneTimePreKeyId(4)).await.is_ok());
    });
}

// ---------------------------------------------------------------------------------------------
// The accept transaction.

/// Bob's device with its store: identity, signed prekey 1 and one-time prekeys 1 to `otks`
/// in the store, and a conversation on it.
struct Device<H: Harness> {
    harness: H,
    identity_key: hushwire::IdentityKey,
    conversations: Arc<Conversations<Arc<H::Store>>>,
    prekeys: (SignedPreKeyPair, Vec<OneTimePreKeyPair>),
    identity_for_bundles: IdentityKeyPair,
}

impl<H: Harness> Device<H> {
    async fn new(rng: &mut ChaCha20Rng, sealer: Option<Sealer>, otks: u32) -> Self {
        let harness = H::create(sealer);
        let identity = IdentityKeyPair::generate(rng);
        let copy = IdentityKeyPair::from_seed(identity.to_seed().as_bytes());
        let created = Timestamp::from_unix_seconds(TEST_SIGNED_AT);
        let spk = SignedPreKeyPair::generate(rng, &identity, SignedPreKeyId(1), created);
        let one_time: Vec<OneTimePreKeyPair> = (1..=otks)
            .map(|id| OneTimePreKeyPair::generate(rng, OneTimePreKeyId(id)))
            .collect();
        let store = Arc::clone(harness.store());
        store.add_signed_prekey(&spk).await.unwrap();
        store.add_one_time_prekeys(&one_time).await.unwrap();
        let identity_key = *identity.public_key();
        let conversations = Arc::new(Conversations::new(store, identity, config()));
        Self {
            harness,
            identity_key,
            conversations,
            prekeys: (spk, one_time),
            identity_for_bundles: copy,
        }
    }

    /// The bundle with one-time prekey `otk` (1-based), as an initiator receives it.
    fn bundle(&self, otk: Option<usize>) -> PreKeyBundle {
        validated_bundle(
            &self.identity_for_bundles,
            &self.prekeys.0,
            otk.map(|i| &self.prekeys.1[i - 1]),
            &config(),
        )
    }

    fn store(&self) -> &Arc<H::Store> {
        self.harness.store()
    }

    async fn revision(&self, peer: &DeviceAddress) -> Option<Revision> {
        self.store()
            .load_session_record(peer)
            .await
            .unwrap()
            .map(|v| v.revision)
    }
}

fn accept_consumes_the_prekey_and_stores_the_session_together<H: Harness>(sealed: bool) {
    let mut rng = rng(12);
    block_on(async {
        let bob = Device::<H>::new(&mut rng, sealer_if(sealed, 13), 3).await;
        let store = bob.store();
        let (x, y, z) = (address("alice", 1), address("carol", 1), address("dave", 1));
        let record = some_record(14);

        // Both, or ...
        let revision = store
            .store_accepted_session(
                &x,
                None,
                &record,
                &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(1)), None),
            )
            .await;
        assert_eq!(revision, Ok(rev(1)));
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(1)).await.err(),
            Some(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert_eq!(bob.revision(&x).await, Some(rev(1)));

        // ... neither: the record is not at the revision expected (checked first) ...
        assert_eq!(
            store
                .store_accepted_session(
                    &x,
                    None,
                    &record,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(2)), None)
                )
                .await,
            Err(conflict("session_record"))
        );
        assert!(store.load_one_time_prekey(OneTimePreKeyId(2)).await.is_ok());
        assert_eq!(
            store
                .store_accepted_session(
                    &x,
                    None,
                    &record,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(1)), None)
                )
                .await,
            Err(conflict("session_record"))
        );
        // ... or the prekey was consumed, or never issued: the record is not written.
        assert_eq!(
            store
                .store_accepted_session(
                    &y,
                    None,
                    &record,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(1)), None)
                )
                .await,
            Err(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert_eq!(
            store
                .store_accepted_session(
                    &y,
                    None,
                    &record,
                    &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(9)), None)
                )
                .await,
            Err(Error::UnknownOneTimePreKey { id: 9 })
        );
        assert_eq!(bob.revision(&y).await, None);
        // Without a one-time prekey it is a plain compare-and-swap.
        assert_eq!(
            store
                .store_accepted_session(&z, None, &record, &hushwire::PreKeyUses::new(None, None))
                .await
                .map(|r| r.0 & 0xffff_ffff),
            Ok(1)
        );
        assert_eq!(store.one_time_prekeys_left().await, Ok(2));
    });
}

/// Through the orchestration: one first message accepted by many workers at once is accepted
/// once (the others find it already decrypted), and one replayed under two addresses at once
/// starts one session (the other's prekey consume fails, and its record is not written).
fn concurrent_accepts_of_one_first_message<H: Harness>(sealed: bool) {
    const WORKERS: usize = 8;
    let mut rng = rng(15);
    block_on(async {
        let bob = Device::<H>::new(&mut rng, sealer_if(sealed, 16), 2).await;
        let alice = IdentityKeyPair::generate(&mut rng);
        let mut alice_record = SessionRecord::new();
        alice_record
            .initiate(&mut rng, &alice, &bob.bundle(Some(1)), &config())
            .unwrap();
        let first = prekey(alice_record.encrypt(b"hello Bob").unwrap());

        let x = address("alice", 1);
        let tasks: Vec<_> = (0..WORKERS)
            .map(|i| {
                let conversations = Arc::clone(&bob.conversations);
                let (x, first) = (x.clone(), first.clone());
                tokio::spawn(async move {
                    let mut rng = hushwire_testkit::fixtures::rng(100 + i as u64);
                    conversations.accept(&mut rng, &x, &first).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let accepted: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
        assert_eq!(accepted.len(), 1, "{results:?}");
        assert_eq!(accepted[0].as_deref(), Ok(&b"hello Bob"[..]));
        for result in results.iter().filter(|r| r.is_err()) {
            assert_eq!(result, &Err(Error::DuplicateMessage));
        }
        assert_eq!(bob.revision(&x).await.map(|r| r.0 & 0xffff_ffff), Some(1));

        // The same first message at two other addresses at once: one session.
        let mut alice_record = SessionRecord::new();
        alice_record
            .initiate(&mut rng, &alice, &bob.bundle(Some(2)), &config())
            .unwrap();
        let first = prekey(alice_record.encrypt(b"again").unwrap());
        let (y, z) = (address("mallory", 1), address("mallory", 2));
        let accept_at = |at: DeviceAddress, seed: u64| {
            let (conversations, first) = (Arc::clone(&bob.conversations), first.clone());
            tokio::spawn(async move {
                let mut rng = hushwire_testkit::fixtures::rng(seed);
                conversations.accept(&mut rng, &at, &first).await
            })
        };
        let (task_y, task_z) = (accept_at(y.clone(), 17), accept_at(z.clone(), 18));
        let (at_y, at_z) = (task_y.await.unwrap(), task_z.await.unwrap());
        let (won, lost, loser) = match (&at_y, &at_z) {
            (Ok(_), Err(_)) => (at_y.clone(), at_z.clone(), &z),
            (Err(_), Ok(_)) => (at_z.clone(), at_y.clone(), &y),
            _ => panic!("exactly one must win: {at_y:?} {at_z:?}"),
        };
        assert_eq!(won.as_deref(), Ok(&b"again"[..]));
        assert_eq!(lost, Err(Error::OneTimePreKeyConsumed { id: 2 }));
        assert_eq!(bob.revision(loser).await, None);
    });
}

// ---------------------------------------------------------------------------------------------
// Sealing at rest.

fn sealed_records_refuse_another_key_row_or_revision<H: Harness>() {
    let harness = H::create(Some(sealer(7, 20)));
    let store = harness.store();
    let (x, y) = (address("alice", 1), address("carol", 1));
    let (kx, ky) = (session_record_key(&x), session_record_key(&y));
    let invalid = Error::SealedRecordInvalid {
        record: "session_record",
    };
    let mut rng = rng(21);
    block_on(async {
        let (v1, v2) = (some_record(22), some_record(23));
        store.store_session_record(&x, None, &v1).await.unwrap();
        let x_at_1 = harness.raw(Table::SessionRecords, &kx).unwrap();
        store.store_session_record(&x, at(1), &v2).await.unwrap();
        store.store_session_record(&y, None, &v1).await.unwrap();

        // What the database holds is sealed: not the stored form, longer by the overhead.
        let x_at_2 = harness.raw(Table::SessionRecords, &kx).unwrap();
        let sealed_value = x_at_2.value.clone().unwrap();
        assert_eq!(
            sealed_value.len(),
            v2.len() + hushwire::store::SEALED_OVERHEAD
        );
        assert!(
            !sealed_value
                .windows(32)
                .any(|w| v2.as_bytes().windows(32).any(|v| v == w))
        );

        // Another storage key: the same rows, read by a store with another key.
        let other = H::create(Some(sealer(8, 24)));
        other.put_raw(
            Table::SessionRecords,
            &kx,
            x_at_2.revision,
            x_at_2.value.clone(),
        );
        assert_eq!(
            other.store().load_session_record(&x).await.err(),
            Some(invalid.clone())
        );
        // An unsealed store sees only bytes that do not load.
        let unsealed = H::create(None);
        unsealed.put_raw(
            Table::SessionRecords,
            &kx,
            x_at_2.revision,
            x_at_2.value.clone(),
        );
        let bytes = unsealed
            .store()
            .load_session_record(&x)
            .await
            .unwrap()
            .unwrap();
        assert!(SessionRecord::from_stored(bytes.value.as_bytes(), &config()).is_err());

        // Another record's row: X's value (at its revision) copied into Y's row.
        harness.put_raw(
            Table::SessionRecords,
            &ky,
            x_at_1.revision,
            x_at_1.value.clone(),
        );
        assert_eq!(
            store.load_session_record(&y).await.err(),
            Some(invalid.clone())
        );

        // An older value under the row's current revision.
        harness.put_raw(Table::SessionRecords, &kx, rev(2), x_at_1.value.clone());
        assert_eq!(
            store.load_session_record(&x).await.err(),
            Some(invalid.clone())
        );
        // Or the current value under another revision.
        harness.put_raw(Table::SessionRecords, &kx, rev(3), x_at_2.value.clone());
        assert_eq!(
            store.load_session_record(&x).await.err(),
            Some(invalid.clone())
        );
        // A damaged value.
        let mut damaged = x_at_2.value.clone().unwrap();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        harness.put_raw(Table::SessionRecords, &kx, rev(2), Some(damaged));
        assert_eq!(
            store.load_session_record(&x).await.err(),
            Some(invalid.clone())
        );
        // What sealing does not detect (SPEC.md 17.4): the row rolled back whole, its older
        // value with its older revision. It loads.
        harness.put_raw(Table::SessionRecords, &kx, rev(1), x_at_1.value.clone());
        let rolled_back = store.load_session_record(&x).await.unwrap().unwrap();
        assert_eq!(rolled_back.value.as_bytes(), v1.as_bytes());

        // The same for the other tables: a one-time prekey's value moved to another id, a
        // signed prekey's too, a trust record moved to another account, a group session to
        // another group, a value moved to another table.
        let otks: Vec<OneTimePreKeyPair> = (1..=2)
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        store.add_one_time_prekeys(&otks).await.unwrap();
        let otk1 = harness.raw(Table::OneTimePreKeys, &prekey_key(1)).unwrap();
        harness.put_raw(
            Table::OneTimePreKeys,
            &prekey_key(2),
            otk1.revision,
            otk1.value.clone(),
        );
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(2)).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "one_time_prekey"
            })
        );
        let identity = IdentityKeyPair::generate(&mut rng);
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        for id in [1, 2] {
            let spk = SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(id), now);
            store.add_signed_prekey(&spk).await.unwrap();
        }
        let spk1 = harness.raw(Table::SignedPreKeys, &prekey_key(1)).unwrap();
        harness.put_raw(
            Table::SignedPreKeys,
            &prekey_key(2),
            spk1.revision,
            spk1.value.clone(),
        );
        assert_eq!(
            store.load_signed_prekey(SignedPreKeyId(2)).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "signed_prekey"
            })
        );
        assert!(store.signed_prekeys().await.is_err());

        let (alice, carol) = (
            AccountId::new("alice").unwrap(),
            AccountId::new("carol").unwrap(),
        );
        let key = IdentityKeyPair::generate(&mut rng);
        let Observation::New(record) = observe_identity(&alice, None, key.public_key(), now) else {
            panic!("a first key is new")
        };
        store
            .store_trust_record(&alice, None, &record)
            .await
            .unwrap();
        let row = harness
            .raw(Table::TrustRecords, &account_key(&alice))
            .unwrap();
        harness.put_raw(
            Table::TrustRecords,
            &account_key(&carol),
            row.revision,
            row.value.clone(),
        );
        assert_eq!(
            store.load_trust_record(&carol).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "trust_record"
            })
        );
        // The trust record's value in the device-list table, same key and revision.
        harness.put_raw(
            Table::DeviceLists,
            &account_key(&alice),
            row.revision,
            row.value.clone(),
        );
        assert_eq!(
            store.load_device_list(&alice).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "device_list"
            })
        );

        let (family, work) = (
            GroupId::new("family").unwrap(),
            GroupId::new("work").unwrap(),
        );
        let session = GroupSession::create(&mut rng, family.clone(), x.clone(), [], &config())
            .unwrap()
            .to_stored();
        store
            .store_group_session(&family, None, &session)
            .await
            .unwrap();
        let row = harness
            .raw(Table::GroupSessions, &group_key(&family))
            .unwrap();
        harness.put_raw(
            Table::GroupSessions,
            &group_key(&work),
            row.revision,
            row.value.clone(),
        );
        assert_eq!(
            store.load_group_session(&work).await.err(),
            Some(Error::SealedRecordInvalid {
                record: "group_session"
            })
        );
    });
}

/// A sealed store seals with a fresh salt every write: the same value written twice is stored
/// as two different byte strings.
fn sealing_draws_a_fresh_salt_per_write<H: Harness>() {
    let harness = H::create(Some(sealer(7, 25)));
    let store = harness.store();
    let (x, y) = (address("alice", 1), address("alice", 2));
    block_on(async {
        let value = some_record(26);
        store.store_session_record(&x, None, &value).await.unwrap();
        store.store_session_record(&y, None, &value).await.unwrap();
        let a = harness
            .raw(Table::SessionRecords, &session_record_key(&x))
            .unwrap();
        let b = harness
            .raw(Table::SessionRecords, &session_record_key(&y))
            .unwrap();
        assert_ne!(
            a.value.as_ref().unwrap()[1..33],
            b.value.as_ref().unwrap()[1..33]
        );
    });
}

// ---------------------------------------------------------------------------------------------
// The orchestration.

/// A failed operation writes nothing: the record's revision and bytes stay as they were.
fn a_failed_operation_leaves_the_store_unchanged<H: Harness>(sealed: bool) {
    let mut rng = rng(30);
    block_on(async {
        let bob = Device::<H>::new(&mut rng, sealer_if(sealed, 31), 1).await;
        let alice = Device::<H>::new(&mut rng, sealer_if(sealed, 32), 0).await;
        let (at_alice, at_bob) = (address("bob", 1), address("alice", 1));
        // No session yet: nothing to encrypt with, nothing written.
        assert_eq!(
            alice.conversations.encrypt(&at_alice, b"x").await.err(),
            Some(Error::NoSession)
        );
        assert_eq!(alice.revision(&at_alice).await, None);

        alice
            .conversations
            .initiate(&mut rng, &at_alice, &bob.bundle(Some(1)))
            .await
            .unwrap();
        let first = alice.conversations.encrypt(&at_alice, b"hi").await.unwrap();
        let first_wire = first.encode();
        // A first message from another identity than the one Bob holds for Alice.
        assert_eq!(
            bob.conversations
                .decrypt(&mut rng, &at_bob, &bob.identity_key, &first)
                .await
                .err(),
            Some(Error::IdentityMismatch)
        );
        assert_eq!(bob.revision(&at_bob).await, None);
        // A damaged first message: the prekey stays, no record.
        let mut damaged = first_wire.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        let damaged = decode(&damaged);
        assert_eq!(
            bob.conversations
                .accept(&mut rng, &at_bob, damaged.as_prekey().unwrap())
                .await
                .err(),
            Some(Error::DecryptionFailed)
        );
        assert_eq!(bob.revision(&at_bob).await, None);
        assert_eq!(bob.store().one_time_prekeys_left().await, Ok(1));

        // The genuine one: accepted, the prekey consumed with it.
        let accepted = bob
            .conversations
            .accept(&mut rng, &at_bob, first.as_prekey().unwrap())
            .await;
        assert_eq!(accepted.as_deref(), Ok(&b"hi"[..]));
        assert_eq!(bob.store().one_time_prekeys_left().await, Ok(0));
        let before = bob
            .store()
            .load_session_record(&at_bob)
            .await
            .unwrap()
            .unwrap();
        // A replay, and a damaged message on the session: refused, nothing written.
        assert_eq!(
            bob.conversations
                .accept(&mut rng, &at_bob, first.as_prekey().unwrap())
                .await
                .err(),
            Some(Error::DuplicateMessage)
        );
        let reply = bob.conversations.encrypt(&at_bob, b"hello").await.unwrap();
        let before_alice = alice
            .store()
            .load_session_record(&at_alice)
            .await
            .unwrap()
            .unwrap();
        let mut damaged = reply.encode();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        let bob_key = bob.identity_key;
        assert_eq!(
            alice
                .conversations
                .decrypt(&mut rng, &at_alice, &bob_key, &decode(&damaged))
                .await
                .err(),
            Some(Error::DecryptionFailed)
        );
        let after_alice = alice
            .store()
            .load_session_record(&at_alice)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after_alice.revision, before_alice.revision);
        assert_eq!(after_alice.value.as_bytes(), before_alice.value.as_bytes());
        let after = bob
            .store()
            .load_session_record(&at_bob)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            after.revision.0,
            before.revision.0 + 1,
            "only the encrypt wrote"
        );
        assert_eq!(
            alice
                .conversations
                .decrypt(&mut rng, &at_alice, &bob_key, &reply)
                .await
                .as_deref(),
            Ok(&b"hello"[..])
        );
    });
}

/// A store that makes the first `lose` compare-and-swaps of session records lose, as if
/// another worker had written in between, and counts the attempts: an implementation of the
/// traits outside the crate, over another store.
struct Contended<S> {
    inner: S,
    lose: AtomicUsize,
    attempts: AtomicUsize,
}

impl<S: SessionRecords> SessionRecords for Contended<S> {
    async fn load_session_record(
        &self,
        peer: &DeviceAddress,
    ) -> Result<Option<Versioned<StoredSessionRecord>>, Error> {
        self.inner.load_session_record(peer).await
    }

    async fn store_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
    ) -> Result<Revision, Error> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let lost = self
            .lose
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if lost {
            return Err(conflict("session_record"));
        }
        self.inner
            .store_session_record(peer, expected, record)
            .await
    }

    async fn delete_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Revision,
    ) -> Result<(), Error> {
        self.inner.delete_session_record(peer, expected).await
    }
}

impl<S: PreKeys> PreKeys for Contended<S> {
    async fn load_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> Result<Option<SignedPreKeyPair>, Error> {
        self.inner.load_signed_prekey(id).await
    }
    async fn add_signed_prekey(&self, key: &SignedPreKeyPair) -> Result<(), Error> {
        self.inner.add_signed_prekey(key).await
    }
    async fn remove_signed_prekey(&self, id: SignedPreKeyId) -> Result<bool, Error> {
        self.inner.remove_signed_prekey(id).await
    }
    async fn signed_prekeys(&self) -> Result<Vec<hushwire::SignedPreKey>, Error> {
        self.inner.signed_prekeys().await
    }
    async fn load_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<OneTimePreKeyPair, Error> {
        self.inner.load_one_time_prekey(id).await
    }
    async fn add_one_time_prekeys(&self, keys: &[OneTimePreKeyPair]) -> Result<(), Error> {
        self.inner.add_one_time_prekeys(keys).await
    }
    async fn consume_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<(), Error> {
        self.inner.consume_one_time_prekey(id).await
    }
    async fn one_time_prekeys_left(&self) -> Result<u64, Error> {
        self.inner.one_time_prekeys_left().await
    }
    async fn last_one_time_prekey_id(&self) -> Result<Option<OneTimePreKeyId>, Error> {
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

impl<S: AcceptTransaction> AcceptTransaction for Contended<S> {
    async fn store_accepted_session(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
        uses: &hushwire::PreKeyUses,
    ) -> Result<Revision, Error> {
        self.inner
            .store_accepted_session(peer, expected, record, uses)
            .await
    }
}

/// Lost swaps are retried on the state that won, up to the bound; past it the operation fails
/// with `StoreConflict` and nothing is written or released.
fn conflicts_are_retried_a_bounded_number_of_times<H: Harness>(sealed: bool) {
    let mut rng = rng(40);
    block_on(async {
        let bob = Device::<H>::new(&mut rng, sealer_if(sealed, 41), 1).await;
        let alice_store = H::create(sealer_if(sealed, 42));
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let contended = Contended {
            inner: Arc::clone(alice_store.store()),
            lose: AtomicUsize::new(0),
            attempts: AtomicUsize::new(0),
        };
        let alice = Conversations::new(contended, alice_identity, config()).with_max_attempts(4);
        assert_eq!(alice.max_attempts(), 4);
        let (at_alice, at_bob) = (address("bob", 1), address("alice", 1));
        alice
            .initiate(&mut rng, &at_alice, &bob.bundle(Some(1)))
            .await
            .unwrap();
        let first = alice.encrypt(&at_alice, b"first").await.unwrap();
        assert_eq!(
            bob.conversations
                .accept(&mut rng, &at_bob, first.as_prekey().unwrap())
                .await
                .as_deref(),
            Ok(&b"first"[..])
        );

        // Three lost swaps, then it goes through on the fourth attempt.
        alice.store().lose.store(3, Ordering::SeqCst);
        alice.store().attempts.store(0, Ordering::SeqCst);
        let second = alice.encrypt(&at_alice, b"second").await.unwrap();
        assert_eq!(alice.store().attempts.load(Ordering::SeqCst), 4);
        let second_message = second.as_prekey().unwrap().message().header().counter;
        assert_eq!(second_message, 1, "the released message is the one stored");
        let bob_side = alice.identity_key();
        assert_eq!(
            bob.conversations
                .decrypt(&mut rng, &at_bob, bob_side, &second)
                .await
                .as_deref(),
            Ok(&b"second"[..])
        );

        // Four lost swaps: it gives up, nothing is written.
        let before = alice_store
            .store()
            .load_session_record(&at_alice)
            .await
            .unwrap()
            .unwrap();
        alice.store().lose.store(4, Ordering::SeqCst);
        alice.store().attempts.store(0, Ordering::SeqCst);
        assert_eq!(
            alice.encrypt(&at_alice, b"third").await.err(),
            Some(conflict("session_record"))
        );
        assert_eq!(alice.store().attempts.load(Ordering::SeqCst), 4);
        let after = alice_store
            .store()
            .load_session_record(&at_alice)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.revision, before.revision);
        assert_eq!(after.value.as_bytes(), before.value.as_bytes());
        // The next message takes the counter the abandoned one had: it was never released.
        let fourth = alice.encrypt(&at_alice, b"fourth").await.unwrap();
        assert_eq!(fourth.as_prekey().unwrap().message().header().counter, 2);
        assert_eq!(
            bob.conversations
                .decrypt(&mut rng, &at_bob, bob_side, &fourth)
                .await
                .as_deref(),
            Ok(&b"fourth"[..])
        );
    });
}

// ---------------------------------------------------------------------------------------------
// The concurrency test.

/// Which way a message goes in a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Way {
    AliceToBob,
    BobToAlice,
}

/// One message as it was released: its pair, its way, the sending chain's ratchet key and its
/// counter: its message key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct KeyUse {
    pair: usize,
    way: Way,
    ratchet_key: [u8; 32],
    counter: u32,
}

/// Messages in flight one way, with their plaintexts.
type InFlight = Mutex<VecDeque<(Envelope, Vec<u8>)>>;

struct Pair<H: Harness> {
    alice: Device<H>,
    bob: Device<H>,
    /// Messages in flight, each way, oldest first, with their expected plaintext.
    queues: [InFlight; 2],
    /// Successful operations (writes) on Alice's and Bob's records.
    writes: [AtomicU64; 2],
}

struct Traffic<H: Harness> {
    pairs: Vec<Pair<H>>,
    released: Mutex<Vec<KeyUse>>,
    /// How many times each plaintext was delivered.
    delivered: Mutex<BTreeMap<Vec<u8>, usize>>,
    /// Every envelope delivered, for the replay at the end.
    envelopes: Mutex<Vec<(usize, Way, Envelope)>>,
    /// Operations that gave up after their bounded retries (retried by the worker).
    gave_up: AtomicU64,
}

/// The two ends of one way of a pair.
struct Ends<'a, S> {
    sender: &'a Conversations<S>,
    receiver: &'a Conversations<S>,
    /// The receiver, as the sender addresses it.
    to: DeviceAddress,
    /// The sender, as the receiver addresses it.
    from: DeviceAddress,
    /// The sender's identity key.
    sender_key: hushwire::IdentityKey,
    /// 0 if Alice sends, 1 if Bob does.
    side: usize,
}

impl<H: Harness> Pair<H> {
    fn ends(&self, way: Way) -> Ends<'_, Arc<H::Store>> {
        match way {
            Way::AliceToBob => Ends {
                sender: &self.alice.conversations,
                receiver: &self.bob.conversations,
                to: address("bob", 1),
                from: address("alice", 1),
                sender_key: self.alice.identity_key,
                side: 0,
            },
            Way::BobToAlice => Ends {
                sender: &self.bob.conversations,
                receiver: &self.alice.conversations,
                to: address("alice", 1),
                from: address("bob", 1),
                sender_key: self.bob.identity_key,
                side: 1,
            },
        }
    }
}

fn key_use(pair: usize, way: Way, envelope: &Envelope) -> KeyUse {
    let header = envelope.ratchet_message().header();
    KeyUse {
        pair,
        way,
        ratchet_key: header.ratchet_key.to_bytes(),
        counter: header.counter,
    }
}

impl<H: Harness> Traffic<H> {
    /// Encrypts a new message `way` in `pair` and queues it, retrying past give-ups.
    async fn send(&self, pair: usize, way: Way, text: Vec<u8>) {
        let Ends {
            sender, to, side, ..
        } = self.pairs[pair].ends(way);
        let envelope = loop {
            match sender.encrypt(&to, &text).await {
                Ok(envelope) => break envelope,
                Err(Error::StoreConflict { .. }) => {
                    self.gave_up.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
                Err(other) => panic!("encrypt failed: {other:?}"),
            }
        };
        self.pairs[pair].writes[side].fetch_add(1, Ordering::Relaxed);
        self.released
            .lock()
            .unwrap()
            .push(key_use(pair, way, &envelope));
        let queue = &self.pairs[pair].queues[side];
        queue.lock().unwrap().push_back((envelope, text));
    }

    /// Delivers the oldest message in flight `way` in `pair`, if any. False if none.
    async fn deliver(&self, rng: &mut ChaCha20Rng, pair: usize, way: Way) -> bool {
        let Ends {
            receiver,
            from,
            sender_key,
            side,
            ..
        } = self.pairs[pair].ends(way);
        let Some((envelope, text)) = self.pairs[pair].queues[side].lock().unwrap().pop_front()
        else {
            return false;
        };
        loop {
            match receiver.decrypt(rng, &from, &sender_key, &envelope).await {
                Ok(plaintext) => {
                    assert_eq!(plaintext, text);
                    break;
                }
                Err(Error::StoreConflict { .. }) => {
                    self.gave_up.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
                Err(other) => panic!(
                    "decrypt of {:?} failed: {other:?}",
                    key_use(pair, way, &envelope)
                ),
            }
        }
        self.pairs[pair].writes[1 - side].fetch_add(1, Ordering::Relaxed);
        *self.delivered.lock().unwrap().entry(text).or_default() += 1;
        self.envelopes.lock().unwrap().push((pair, way, envelope));
        true
    }

    /// A worker: `rounds` times, send a message one way in some pair and deliver the oldest
    /// in flight another way.
    async fn work(self: Arc<Self>, worker: usize, rounds: usize) {
        let mut rng = rng(1_000 + worker as u64);
        for round in 0..rounds {
            let pair = (worker + round) % self.pairs.len();
            let way = if (worker + round / 3).is_multiple_of(2) {
                Way::AliceToBob
            } else {
                Way::BobToAlice
            };
            let text = format!("pair {pair} {way:?} worker {worker} round {round}").into_bytes();
            self.send(pair, way, text).await;
            let other = if round % 2 == 0 { way } else { flip(way) };
            self.deliver(&mut rng, pair, other).await;
        }
    }
}

fn flip(way: Way) -> Way {
    match way {
        Way::AliceToBob => Way::BobToAlice,
        Way::BobToAlice => Way::AliceToBob,
    }
}

/// Many workers, std threads and tokio tasks on a multi-threaded runtime, encrypt and decrypt
/// on the same few sessions at once, through `Conversations` over one store per device.
/// Afterwards: no message key was used twice (no (pair, way, ratchet key, counter) twice, and
/// each chain's counters run 0, 1, 2, ... without a gap), no update was lost (each record's
/// revision is the number of operations that succeeded on it), and every message decrypted
/// exactly once (each plaintext once; every replay refused).
fn concurrent_workers_never_reuse_a_message_key<H: Harness>(sealed: bool, rounds: usize) {
    const PAIRS: usize = 2;
    const TASKS: usize = 4;
    const THREADS: usize = 2;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut rng = rng(50);
    let traffic = runtime.block_on(async {
        let mut pairs = Vec::new();
        for pair in 0..PAIRS {
            let seed = 60 + 2 * pair as u64;
            let alice = Device::<H>::new(&mut rng, sealer_if(sealed, seed), 0).await;
            let bob = Device::<H>::new(&mut rng, sealer_if(sealed, seed + 1), 1).await;
            pairs.push(Pair {
                alice,
                bob,
                queues: Default::default(),
                writes: Default::default(),
            });
        }
        let traffic = Arc::new(Traffic {
            pairs,
            released: Mutex::new(Vec::new()),
            delivered: Mutex::new(BTreeMap::new()),
            envelopes: Mutex::new(Vec::new()),
            gave_up: AtomicU64::new(0),
        });
        // Each pair: Alice starts, Bob accepts, Bob answers, Alice reads it.
        for (index, pair) in traffic.pairs.iter().enumerate() {
            pair.alice
                .conversations
                .initiate(&mut rng, &address("bob", 1), &pair.bob.bundle(Some(1)))
                .await
                .unwrap();
            pair.writes[0].fetch_add(1, Ordering::Relaxed);
            traffic
                .send(
                    index,
                    Way::AliceToBob,
                    format!("hello {index}").into_bytes(),
                )
                .await;
            assert!(traffic.deliver(&mut rng, index, Way::AliceToBob).await);
            traffic
                .send(index, Way::BobToAlice, format!("hi {index}").into_bytes())
                .await;
            assert!(traffic.deliver(&mut rng, index, Way::BobToAlice).await);
        }
        traffic
    });

    // The workers, at once.
    let tasks: Vec<_> = (0..TASKS)
        .map(|worker| runtime.spawn(Arc::clone(&traffic).work(worker, rounds)))
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|thread| {
            let traffic = Arc::clone(&traffic);
            let handle = runtime.handle().clone();
            std::thread::spawn(move || handle.block_on(traffic.work(TASKS + thread, rounds)))
        })
        .collect();
    runtime.block_on(async {
        for task in tasks {
            task.await.unwrap();
        }
    });
    for thread in threads {
        thread.join().unwrap();
    }

    runtime.block_on(async {
        // Deliver what is still in flight.
        for pair in 0..PAIRS {
            for way in [Way::AliceToBob, Way::BobToAlice] {
                while traffic.deliver(&mut rng, pair, way).await {}
            }
        }

        // No message key used twice, and no gap in any chain.
        let released = traffic.released.lock().unwrap().clone();
        let sent = 2 * PAIRS + (TASKS + THREADS) * rounds;
        assert_eq!(released.len(), sent);
        let distinct: BTreeSet<&KeyUse> = released.iter().collect();
        assert_eq!(
            distinct.len(),
            released.len(),
            "a message key was used twice"
        );
        let mut chains: BTreeMap<(usize, Way, [u8; 32]), Vec<u32>> = BTreeMap::new();
        for used in &released {
            chains
                .entry((used.pair, used.way, used.ratchet_key))
                .or_default()
                .push(used.counter);
        }
        for counters in chains.values_mut() {
            counters.sort_unstable();
            let expected: Vec<u32> = (0..counters.len() as u32).collect();
            assert_eq!(*counters, expected, "a chain's counters have a gap");
        }

        // Every message decrypted exactly once.
        let delivered = traffic.delivered.lock().unwrap().clone();
        assert_eq!(delivered.len(), sent);
        assert!(delivered.values().all(|&n| n == 1));

        // No update lost: each record was written once per successful operation.
        for (index, pair) in traffic.pairs.iter().enumerate() {
            let alice = pair.alice.revision(&address("bob", 1)).await.unwrap();
            let bob = pair.bob.revision(&address("alice", 1)).await.unwrap();
            assert_eq!(
                alice.0 & 0xffff_ffff,
                pair.writes[0].load(Ordering::Relaxed),
                "pair {index}"
            );
            assert_eq!(
                bob.0 & 0xffff_ffff,
                pair.writes[1].load(Ordering::Relaxed),
                "pair {index}"
            );
        }

        // Replays are refused and change nothing.
        let envelopes = std::mem::take(&mut *traffic.envelopes.lock().unwrap());
        for (pair, way, envelope) in envelopes {
            let Ends {
                receiver,
                from,
                sender_key,
                ..
            } = traffic.pairs[pair].ends(way);
            let result = receiver
                .decrypt(&mut rng, &from, &sender_key, &envelope)
                .await;
            assert!(
                matches!(
                    result,
                    Err(Error::DuplicateMessage | Error::DecryptionFailed)
                ),
                "a replay of {:?} gave {result:?}",
                key_use(pair, way, &envelope)
            );
        }
        for (index, pair) in traffic.pairs.iter().enumerate() {
            let bob = pair.bob.revision(&address("alice", 1)).await.unwrap();
            assert_eq!(
                bob.0 & 0xffff_ffff,
                pair.writes[1].load(Ordering::Relaxed),
                "pair {index}"
            );
        }
        let lost: u64 = traffic
            .pairs
            .iter()
            .map(|p| p.alice.conversations.lost_swaps() + p.bob.conversations.lost_swaps())
            .sum();
        eprintln!(
            "{sent} messages, {} chains, {lost} lost swaps retried, {} operations gave up",
            chains.len(),
            traffic.gave_up.load(Ordering::Relaxed)
        );
    });
}

// ---------------------------------------------------------------------------------------------
// KEM prekeys (the hybrid set-up): added, loaded, removed; a one-time one consumed once; the
// last-resort one refuses a base key twice; the accept transaction all or nothing.

fn kem_prekey(
    rng: &mut ChaCha20Rng,
    identity: &IdentityKeyPair,
    id: u32,
    kind: KemPreKeyKind,
) -> KemPreKeyPair {
    KemPreKeyPair::generate(
        rng,
        identity,
        KemPreKeyId(id),
        kind,
        Timestamp::from_unix_seconds(TEST_SIGNED_AT),
    )
}

/// A base key EK_A, as a first message carries it.
fn base_key(rng: &mut ChaCha20Rng) -> X25519PublicKey {
    *OneTimePreKeyPair::generate(rng, OneTimePreKeyId(1))
        .public()
        .public_key()
}

fn kem_use(id: u32, kind: KemPreKeyKind, base: X25519PublicKey) -> PreKeyUses {
    PreKeyUses::new(None, Some(KemPreKeyUse::new(KemPreKeyId(id), kind, base)))
}

fn kem_prekeys_are_added_loaded_and_removed<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 30));
    let store = harness.store();
    let mut rng = rng(31);
    let identity = IdentityKeyPair::generate(&mut rng);
    let last_resort = kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::LastResort);
    let one_time: Vec<KemPreKeyPair> = (2..=4)
        .map(|id| kem_prekey(&mut rng, &identity, id, KemPreKeyKind::OneTime))
        .collect();
    block_on(async {
        assert_eq!(store.last_kem_prekey_id().await, Ok(None));
        assert_eq!(store.kem_prekeys().await, Ok(Vec::new()));
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(0));
        store
            .add_kem_prekeys(core::slice::from_ref(&last_resort))
            .await
            .unwrap();
        store.add_kem_prekeys(&one_time).await.unwrap();
        // Loaded back whole: the same stored form, kind, public half.
        for key in one_time.iter().chain([&last_resort]) {
            let loaded = store.load_kem_prekey(key.id()).await.unwrap();
            assert_eq!(loaded.to_stored().as_bytes(), key.to_stored().as_bytes());
            assert_eq!(loaded.kind(), key.kind());
        }
        let publics: Vec<KemPreKey> = store.kem_prekeys().await.unwrap();
        assert_eq!(
            publics,
            [&last_resort]
                .into_iter()
                .chain(&one_time)
                .map(|k| k.public().clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(3));
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(4))));
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(9)).await.err(),
            Some(Error::UnknownKemPreKey { id: 9 })
        );
        // All or none: one id held (of either kind) or repeated refuses the batch.
        let clash = vec![
            kem_prekey(&mut rng, &identity, 5, KemPreKeyKind::OneTime),
            kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::OneTime),
        ];
        assert_eq!(
            store.add_kem_prekeys(&clash).await,
            Err(conflict("kem_prekey"))
        );
        let twice = vec![
            kem_prekey(&mut rng, &identity, 6, KemPreKeyKind::OneTime),
            kem_prekey(&mut rng, &identity, 6, KemPreKeyKind::LastResort),
        ];
        assert_eq!(
            store.add_kem_prekeys(&twice).await,
            Err(conflict("kem_prekey"))
        );
        for id in [5, 6] {
            assert_eq!(
                store.load_kem_prekey(KemPreKeyId(id)).await.err(),
                Some(Error::UnknownKemPreKey { id })
            );
        }
        // Consumed (through the accept transaction): gone, the id kept and never reissued.
        let peer = address("alice", 1);
        let base = base_key(&mut rng);
        store
            .store_accepted_session(
                &peer,
                None,
                &some_record(32),
                &kem_use(4, KemPreKeyKind::OneTime, base),
            )
            .await
            .unwrap();
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(4)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 4 })
        );
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(2));
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(4))));
        let again = kem_prekey(&mut rng, &identity, 4, KemPreKeyKind::OneTime);
        assert_eq!(
            store.add_kem_prekeys(core::slice::from_ref(&again)).await,
            Err(conflict("kem_prekey"))
        );
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(4)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 4 })
        );
        // Removed: unknown, and its base keys forgotten (a key added again under a fresh id
        // is unaffected; the removal reports whether it held the key).
        let other = address("carol", 1);
        store
            .store_accepted_session(
                &other,
                None,
                &some_record(33),
                &kem_use(1, KemPreKeyKind::LastResort, base),
            )
            .await
            .unwrap();
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(1)).await, Ok(true));
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(1)).await, Ok(false));
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(1)).await.err(),
            Some(Error::UnknownKemPreKey { id: 1 })
        );
        let third = address("dave", 1);
        assert_eq!(
            store
                .store_accepted_session(
                    &third,
                    None,
                    &some_record(34),
                    &kem_use(1, KemPreKeyKind::LastResort, base)
                )
                .await,
            Err(Error::UnknownKemPreKey { id: 1 })
        );
        // Never added again under the same id: its base-key set is gone, so the key back
        // would accept `base`'s first message replayed.
        assert_eq!(
            store
                .add_kem_prekeys(core::slice::from_ref(&last_resort))
                .await,
            Err(conflict("kem_prekey"))
        );
        assert_eq!(
            store
                .store_accepted_session(
                    &third,
                    None,
                    &some_record(34),
                    &kem_use(1, KemPreKeyKind::LastResort, base)
                )
                .await,
            Err(Error::UnknownKemPreKey { id: 1 })
        );
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(2));
    });
}

/// A removed KEM prekey's id is kept (SPEC.md 17.3 rule 3): it counts in
/// `last_kem_prekey_id`, so upkeep never issues it again, and adding it again, alone, in a
/// batch, or as the other kind, is `StoreConflict` with nothing added. Without it, a
/// last-resort key removed (its base keys forgotten) and added back would accept again
/// every first message it had accepted.
fn removed_kem_prekey_ids_are_never_reused<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 45));
    let store = harness.store();
    let mut rng = rng(46);
    let identity = IdentityKeyPair::generate(&mut rng);
    let last_resort = kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::LastResort);
    let newest = kem_prekey(&mut rng, &identity, 7, KemPreKeyKind::OneTime);
    block_on(async {
        store
            .add_kem_prekeys(&[last_resort.clone(), newest.clone()])
            .await
            .unwrap();
        let base = base_key(&mut rng);
        store
            .store_accepted_session(
                &address("alice", 1),
                None,
                &some_record(47),
                &kem_use(1, KemPreKeyKind::LastResort, base),
            )
            .await
            .unwrap();
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(7))));
        // The newest id removed: still the greatest ever added.
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(7)).await, Ok(true));
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(7))));
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(0));
        assert_eq!(
            store.add_kem_prekeys(core::slice::from_ref(&newest)).await,
            Err(conflict("kem_prekey"))
        );
        // The last resort removed, then offered again: alone, as the other kind, or in a
        // batch with a fresh id (nothing of which is added).
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(1)).await, Ok(true));
        let fresh = kem_prekey(&mut rng, &identity, 8, KemPreKeyKind::OneTime);
        let other_kind = kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::OneTime);
        for batch in [
            vec![last_resort.clone()],
            vec![other_kind],
            vec![fresh.clone(), last_resort.clone()],
        ] {
            assert_eq!(
                store.add_kem_prekeys(&batch).await,
                Err(conflict("kem_prekey"))
            );
        }
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(8)).await.err(),
            Some(Error::UnknownKemPreKey { id: 8 })
        );
        // So the first message that used it, replayed, is not accepted again.
        assert_eq!(
            store
                .store_accepted_session(
                    &address("mallory", 1),
                    None,
                    &some_record(47),
                    &kem_use(1, KemPreKeyKind::LastResort, base)
                )
                .await,
            Err(Error::UnknownKemPreKey { id: 1 })
        );
        // Removing an id never added keeps nothing: it can still be added.
        assert_eq!(store.remove_kem_prekey(KemPreKeyId(9)).await, Ok(false));
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(7))));
        let nine = kem_prekey(&mut rng, &identity, 9, KemPreKeyKind::LastResort);
        store
            .add_kem_prekeys(core::slice::from_ref(&nine))
            .await
            .unwrap();
        assert_eq!(store.last_kem_prekey_id().await, Ok(Some(KemPreKeyId(9))));
    });
}

/// The accept transaction checks the KEM prekey's stored kind against the kind the use
/// names: a disagreement (the row's kind changed since the key was loaded, or a use built
/// by hand) is `InvalidSessionState`, and nothing is written: no record, the one-time
/// prekey and the one-time KEM prekey not consumed, no base key recorded.
fn accept_refuses_a_kem_kind_other_than_the_stored_one<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 48));
    let store = harness.store();
    let mut rng = rng(49);
    let identity = IdentityKeyPair::generate(&mut rng);
    let otks: Vec<OneTimePreKeyPair> = (1..=2)
        .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect();
    let kems = vec![
        kem_prekey(&mut rng, &identity, 10, KemPreKeyKind::LastResort),
        kem_prekey(&mut rng, &identity, 11, KemPreKeyKind::OneTime),
    ];
    let record = some_record(50);
    let peer = address("alice", 1);
    let both = |kem: u32, kind, base| {
        PreKeyUses::new(
            Some(OneTimePreKeyId(1)),
            Some(KemPreKeyUse::new(KemPreKeyId(kem), kind, base)),
        )
    };
    block_on(async {
        store.add_one_time_prekeys(&otks).await.unwrap();
        store.add_kem_prekeys(&kems).await.unwrap();
        let base = base_key(&mut rng);
        for (id, kind) in [
            (10, KemPreKeyKind::OneTime),
            (11, KemPreKeyKind::LastResort),
        ] {
            assert_eq!(
                store
                    .store_accepted_session(&peer, None, &record, &both(id, kind, base))
                    .await,
                Err(Error::InvalidSessionState),
                "KEM prekey {id} named {kind:?}"
            );
            assert!(store.load_session_record(&peer).await.unwrap().is_none());
            assert!(store.load_one_time_prekey(OneTimePreKeyId(1)).await.is_ok());
        }
        assert!(store.load_kem_prekey(KemPreKeyId(11)).await.is_ok());
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(1));
        // `base` was not recorded with the last resort, and each key still serves the use
        // of its own kind.
        store
            .store_accepted_session(
                &peer,
                None,
                &record,
                &both(10, KemPreKeyKind::LastResort, base),
            )
            .await
            .unwrap();
        store
            .store_accepted_session(
                &address("bob", 1),
                None,
                &record,
                &PreKeyUses::new(
                    Some(OneTimePreKeyId(2)),
                    Some(KemPreKeyUse::new(
                        KemPreKeyId(11),
                        KemPreKeyKind::OneTime,
                        base,
                    )),
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(11)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 11 })
        );
    });
}

/// Upkeep's rotation scan reads the last-resort KEM prekeys only: a one-time KEM prekey row
/// whose value is damaged (it no longer opens) makes `kem_prekeys` fail, but not
/// `last_resort_kem_prekeys`, and upkeep still rotates the last-resort key when it is due.
fn upkeep_rotates_past_a_damaged_one_time_kem_prekey<H: Harness>(sealed: bool) {
    use hushwire::store::upkeep_prekeys;
    const DAY: u64 = 86_400;
    let harness = H::create(sealer_if(sealed, 51));
    let store = harness.store();
    let mut rng = rng(52);
    let identity = IdentityKeyPair::generate(&mut rng);
    let start = Timestamp::from_unix_seconds(1_800_000_000);
    let policy = PreKeyPolicy::default();
    block_on(async {
        let first = upkeep_prekeys(&**store, &mut rng, &identity, start, &policy)
            .await
            .unwrap();
        let damaged = first.kem_added[0].id();
        let row = harness
            .raw(Table::KemPreKeys, &prekey_key(damaged.0))
            .unwrap();
        let mut value = row.value.unwrap();
        value[40] ^= 1;
        harness.put_raw(
            Table::KemPreKeys,
            &prekey_key(damaged.0),
            row.revision,
            Some(value),
        );
        assert!(store.kem_prekeys().await.is_err());
        assert_eq!(
            store.last_resort_kem_prekeys().await,
            Ok(vec![first.kem_last_resort.clone()])
        );
        let later = Timestamp::from_unix_seconds(1_800_000_000 + 8 * DAY);
        let second = upkeep_prekeys(&**store, &mut rng, &identity, later, &policy)
            .await
            .unwrap();
        assert!(second.kem_rotated);
        assert!(second.kem_last_resort.id() > first.kem_last_resort.id());
        assert_eq!(
            store.last_resort_kem_prekeys().await.unwrap().len(),
            2,
            "the old last resort is kept for its grace period"
        );
    });
}

/// Many accepts at once name one one-time KEM prekey (each for a peer of its own, so the
/// session records do not conflict): exactly one writes its record, the others get
/// `KemPreKeyConsumed` and write nothing. The last-resort one likewise with one base key:
/// exactly one wins, the others get `KemPreKeyReused`; with distinct base keys all win.
fn concurrent_kem_uses_apply_once<H: Harness>(sealed: bool) {
    const WORKERS: usize = 8;
    let harness = H::create(sealer_if(sealed, 35));
    let store = Arc::clone(harness.store());
    let mut rng = rng(36);
    let identity = IdentityKeyPair::generate(&mut rng);
    let keys = vec![
        kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::LastResort),
        kem_prekey(&mut rng, &identity, 2, KemPreKeyKind::OneTime),
    ];
    let record = some_record(37);
    block_on(async {
        store.add_kem_prekeys(&keys).await.unwrap();
        let same_base = base_key(&mut rng);
        for (round, (id, kind)) in [(2, KemPreKeyKind::OneTime), (1, KemPreKeyKind::LastResort)]
            .into_iter()
            .enumerate()
        {
            let tasks: Vec<_> = (0..WORKERS)
                .map(|i| {
                    let (store, record) = (
                        Arc::clone(&store),
                        StoredSessionRecord::from_vec(record.as_bytes().to_vec()),
                    );
                    let peer = address(&format!("peer{round}"), i as u32 + 1);
                    tokio::spawn(async move {
                        let result = store
                            .store_accepted_session(
                                &peer,
                                None,
                                &record,
                                &kem_use(id, kind, same_base),
                            )
                            .await;
                        (peer, result)
                    })
                })
                .collect();
            let mut won = 0;
            for task in tasks {
                let (peer, result) = task.await.unwrap();
                match result {
                    Ok(_) => won += 1,
                    Err(error) => {
                        let expected = match kind {
                            KemPreKeyKind::OneTime => Error::KemPreKeyConsumed { id },
                            KemPreKeyKind::LastResort => Error::KemPreKeyReused { id },
                        };
                        assert_eq!(error, expected);
                        assert!(store.load_session_record(&peer).await.unwrap().is_none());
                    }
                }
            }
            assert_eq!(won, 1, "{kind:?}");
        }
        // Distinct base keys: every one starts a session on the last-resort key.
        let tasks: Vec<_> = (0..WORKERS)
            .map(|i| {
                let (store, record) = (
                    Arc::clone(&store),
                    StoredSessionRecord::from_vec(record.as_bytes().to_vec()),
                );
                let base = base_key(&mut rng);
                tokio::spawn(async move {
                    store
                        .store_accepted_session(
                            &address("fresh", i as u32 + 1),
                            None,
                            &record,
                            &kem_use(1, KemPreKeyKind::LastResort, base),
                        )
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert!(store.load_kem_prekey(KemPreKeyId(1)).await.is_ok());
    });
}

/// The accept transaction with a one-time prekey and a KEM prekey: any part that fails
/// leaves everything as it was (the one-time prekey unconsumed, no base key recorded, no
/// record); the kind applied is the stored key's, not the use's.
fn kem_accept_is_all_or_nothing<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 38));
    let store = harness.store();
    let mut rng = rng(39);
    let identity = IdentityKeyPair::generate(&mut rng);
    let otks: Vec<OneTimePreKeyPair> = (1..=3)
        .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect();
    let kems = vec![
        kem_prekey(&mut rng, &identity, 10, KemPreKeyKind::LastResort),
        kem_prekey(&mut rng, &identity, 11, KemPreKeyKind::OneTime),
    ];
    let record = some_record(40);
    let (x, y) = (address("alice", 1), address("bob", 1));
    let both = |otk: u32, kem: u32, kind, base| {
        PreKeyUses::new(
            Some(OneTimePreKeyId(otk)),
            Some(KemPreKeyUse::new(KemPreKeyId(kem), kind, base)),
        )
    };
    block_on(async {
        store.add_one_time_prekeys(&otks).await.unwrap();
        store.add_kem_prekeys(&kems).await.unwrap();
        let base = base_key(&mut rng);
        // An unknown KEM prekey: the one-time prekey stays, no record.
        assert_eq!(
            store
                .store_accepted_session(
                    &x,
                    None,
                    &record,
                    &both(1, 12, KemPreKeyKind::OneTime, base)
                )
                .await,
            Err(Error::UnknownKemPreKey { id: 12 })
        );
        assert!(store.load_one_time_prekey(OneTimePreKeyId(1)).await.is_ok());
        assert!(store.load_session_record(&x).await.unwrap().is_none());
        // The last-resort key used with `base` (a use naming the other kind is refused:
        // `accept_refuses_a_kem_kind_other_than_the_stored_one`).
        store
            .store_accepted_session(
                &x,
                None,
                &record,
                &both(1, 10, KemPreKeyKind::LastResort, base),
            )
            .await
            .unwrap();
        assert!(store.load_kem_prekey(KemPreKeyId(10)).await.is_ok());
        // The same base key again, with a fresh one-time prekey: refused, and that one-time
        // prekey is not consumed.
        assert_eq!(
            store
                .store_accepted_session(
                    &y,
                    None,
                    &record,
                    &both(2, 10, KemPreKeyKind::LastResort, base)
                )
                .await,
            Err(Error::KemPreKeyReused { id: 10 })
        );
        assert!(store.load_one_time_prekey(OneTimePreKeyId(2)).await.is_ok());
        assert!(store.load_session_record(&y).await.unwrap().is_none());
        // A consumed one-time prekey with a good one-time KEM prekey: the KEM prekey stays.
        assert_eq!(
            store
                .store_accepted_session(
                    &y,
                    None,
                    &record,
                    &both(1, 11, KemPreKeyKind::OneTime, base)
                )
                .await,
            Err(Error::OneTimePreKeyConsumed { id: 1 })
        );
        assert!(store.load_kem_prekey(KemPreKeyId(11)).await.is_ok());
        // A stale record (checked first): nothing consumed, no base key recorded.
        let fresh = base_key(&mut rng);
        assert_eq!(
            store
                .store_accepted_session(
                    &x,
                    None,
                    &record,
                    &both(2, 10, KemPreKeyKind::LastResort, fresh)
                )
                .await,
            Err(conflict("session_record"))
        );
        assert_eq!(
            store
                .store_accepted_session(
                    &x,
                    None,
                    &record,
                    &both(2, 11, KemPreKeyKind::OneTime, fresh)
                )
                .await,
            Err(conflict("session_record"))
        );
        assert!(store.load_one_time_prekey(OneTimePreKeyId(2)).await.is_ok());
        assert!(store.load_kem_prekey(KemPreKeyId(11)).await.is_ok());
        // The one-time KEM prekey: consumed.
        store
            .store_accepted_session(
                &y,
                None,
                &record,
                &both(2, 11, KemPreKeyKind::OneTime, fresh),
            )
            .await
            .unwrap();
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(11)).await.err(),
            Some(Error::KemPreKeyConsumed { id: 11 })
        );
        // `fresh` was never recorded with the last resort by the refused attempts.
        store
            .store_accepted_session(
                &address("carol", 1),
                None,
                &record,
                &kem_use(10, KemPreKeyKind::LastResort, fresh),
            )
            .await
            .unwrap();
        assert_eq!(store.one_time_prekeys_left().await, Ok(1));
    });
}

/// A KEM prekey's stored value moved into another KEM prekey's row: refused when loaded,
/// `SealedRecordInvalid` in a sealed store (the row's key is bound), `InvalidSessionState`
/// in an unsealed one (its own id is not the row's); both for `load_kem_prekey` and
/// `kem_prekeys`.
fn kem_rows_moved_are_refused<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 41));
    let store = harness.store();
    let mut rng = rng(42);
    let identity = IdentityKeyPair::generate(&mut rng);
    let kems = vec![
        kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::OneTime),
        kem_prekey(&mut rng, &identity, 2, KemPreKeyKind::OneTime),
    ];
    block_on(async {
        store.add_kem_prekeys(&kems).await.unwrap();
        let one = harness.raw(Table::KemPreKeys, &prekey_key(1)).unwrap();
        assert_ne!(
            one.value.as_deref(),
            Some(kems[0].to_stored().as_bytes()).filter(|_| sealed)
        );
        harness.put_raw(Table::KemPreKeys, &prekey_key(2), one.revision, one.value);
        let expected = if sealed {
            Error::SealedRecordInvalid {
                record: "kem_prekey",
            }
        } else {
            Error::InvalidSessionState
        };
        assert_eq!(
            store.load_kem_prekey(KemPreKeyId(2)).await.err(),
            Some(expected.clone())
        );
        assert_eq!(store.kem_prekeys().await.err(), Some(expected));
        assert!(store.load_kem_prekey(KemPreKeyId(1)).await.is_ok());
    });
}

/// A hybrid conversation through `Conversations` (the default configuration: the hybrid
/// set-up required): Bob's prekeys come from upkeep, Alice's first message uses the one-time
/// KEM prekey, a second Alice the last-resort one once the one-time ones are gone; a
/// replay of a first message on the last resort at another address is refused.
fn hybrid_conversation_through_conversations<H: Harness>(sealed: bool) {
    let harness = H::create(sealer_if(sealed, 43));
    let store = Arc::clone(harness.store());
    let mut rng = rng(44);
    let hybrid = hushwire_testkit::fixtures::hybrid_config();
    let identity = IdentityKeyPair::generate(&mut rng);
    let bob_identity = *identity.public_key();
    let bob = Conversations::new(Arc::clone(&store), identity, hybrid);
    let now = Timestamp::from_unix_seconds(TEST_SIGNED_AT);
    let mut policy = PreKeyPolicy::default();
    policy.one_time_target = 2;
    policy.one_time_minimum = 1;
    policy.kem_one_time_target = 1;
    policy.kem_one_time_minimum = 1;
    block_on(async {
        let upkeep = bob.upkeep_prekeys(&mut rng, now, &policy).await.unwrap();
        assert_eq!(upkeep.kem_added.len(), 1);
        assert!(upkeep.kem_rotated);
        let one_time_kem = upkeep.kem_added[0].clone();
        let bundle = |otk: Option<usize>, kem: &KemPreKey| {
            PreKeyBundle::from_public(
                &bob_identity,
                &upkeep.signed_prekey,
                otk.map(|i| upkeep.added[i]),
            )
            .unwrap()
            .with_kem_prekey(kem)
            .unwrap()
        };
        // A classic bundle is refused under the default configuration.
        let alice = IdentityKeyPair::generate(&mut rng);
        let mut classic = SessionRecord::new();
        let classic_bundle =
            PreKeyBundle::from_public(&bob_identity, &upkeep.signed_prekey, None).unwrap();
        assert_eq!(
            classic
                .initiate(&mut rng, &alice, &classic_bundle, &hybrid)
                .err(),
            Some(Error::PostQuantumRequired)
        );
        // Alice: the one-time prekey and the one-time KEM prekey.
        let mut alice_record = SessionRecord::new();
        alice_record
            .initiate(&mut rng, &alice, &bundle(Some(0), &one_time_kem), &hybrid)
            .unwrap();
        let first = prekey(alice_record.encrypt(b"hello hybrid Bob").unwrap());
        let a = address("alice", 1);
        assert_eq!(
            bob.accept(&mut rng, &a, &first).await.unwrap(),
            b"hello hybrid Bob"
        );
        assert_eq!(store.one_time_kem_prekeys_left().await, Ok(0));
        assert_eq!(
            store.load_kem_prekey(one_time_kem.id()).await.err(),
            Some(Error::KemPreKeyConsumed {
                id: one_time_kem.id().0
            })
        );
        let reply = bob.encrypt(&a, b"hello Alice").await.unwrap();
        assert_eq!(
            alice_record
                .decrypt(
                    &mut rng,
                    &alice,
                    &mut hushwire::InMemoryPreKeyStore::new(),
                    &bob_identity,
                    &reply,
                    &hybrid
                )
                .unwrap(),
            b"hello Alice"
        );
        // The same first message at another address: the one-time prekeys are used up.
        let a2 = address("alice", 2);
        assert_eq!(
            bob.accept(&mut rng, &a2, &first).await.err(),
            Some(Error::OneTimePreKeyConsumed {
                id: upkeep.added[0].id().0
            })
        );
        // Carol: no one-time prekey, the last-resort KEM prekey.
        let carol = IdentityKeyPair::generate(&mut rng);
        let mut carol_record = SessionRecord::new();
        carol_record
            .initiate(
                &mut rng,
                &carol,
                &bundle(None, &upkeep.kem_last_resort),
                &hybrid,
            )
            .unwrap();
        let first = prekey(carol_record.encrypt(b"hello from Carol").unwrap());
        let c = address("carol", 1);
        assert_eq!(
            bob.accept(&mut rng, &c, &first).await.unwrap(),
            b"hello from Carol"
        );
        // Replayed at another address: the last resort refuses the base key a second time.
        let c2 = address("carol", 2);
        assert_eq!(
            bob.accept(&mut rng, &c2, &first).await.err(),
            Some(Error::KemPreKeyReused {
                id: upkeep.kem_last_resort.id().0
            })
        );
        assert!(store.load_session_record(&c2).await.unwrap().is_none());
        // Dave, on the last resort too with a base key of his own: accepted.
        let dave = IdentityKeyPair::generate(&mut rng);
        let mut dave_record = SessionRecord::new();
        dave_record
            .initiate(
                &mut rng,
                &dave,
                &bundle(None, &upkeep.kem_last_resort),
                &hybrid,
            )
            .unwrap();
        let first = prekey(dave_record.encrypt(b"hello from Dave").unwrap());
        assert_eq!(
            bob.accept(&mut rng, &address("dave", 1), &first)
                .await
                .unwrap(),
            b"hello from Dave"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Every test, for every implementation.

macro_rules! conformance {
    ($module:ident, $harness:ty, sealed = $sealed:expr, rounds = $rounds:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn round_trip_of_every_record_kind() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::round_trip_of_every_record_kind::<$harness>($sealed);
            }

            #[test]
            fn stale_revision_is_a_conflict() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::stale_revision_is_a_conflict::<$harness>($sealed);
            }

            #[test]
            fn of_concurrent_consumes_exactly_one_wins() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::of_concurrent_consumes_exactly_one_wins::<$harness>($sealed);
            }

            #[test]
            fn accept_consumes_the_prekey_and_stores_the_session_together() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::accept_consumes_the_prekey_and_stores_the_session_together::<$harness>(
                    $sealed,
                );
            }

            #[test]
            fn concurrent_accepts_of_one_first_message() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::concurrent_accepts_of_one_first_message::<$harness>($sealed);
            }

            #[test]
            fn a_failed_operation_leaves_the_store_unchanged() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::a_failed_operation_leaves_the_store_unchanged::<$harness>($sealed);
            }

            #[test]
            fn conflicts_are_retried_a_bounded_number_of_times() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::conflicts_are_retried_a_bounded_number_of_times::<$harness>($sealed);
            }

            #[test]
            fn kem_prekeys_are_added_loaded_and_removed() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::kem_prekeys_are_added_loaded_and_removed::<$harness>($sealed);
            }

            #[test]
            fn concurrent_kem_uses_apply_once() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::concurrent_kem_uses_apply_once::<$harness>($sealed);
            }

            #[test]
            fn kem_accept_is_all_or_nothing() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::kem_accept_is_all_or_nothing::<$harness>($sealed);
            }

            #[test]
            fn removed_kem_prekey_ids_are_never_reused() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::removed_kem_prekey_ids_are_never_reused::<$harness>($sealed);
            }

            #[test]
            fn accept_refuses_a_kem_kind_other_than_the_stored_one() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::accept_refuses_a_kem_kind_other_than_the_stored_one::<$harness>($sealed);
            }

            #[test]
            fn upkeep_rotates_past_a_damaged_one_time_kem_prekey() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::upkeep_rotates_past_a_damaged_one_time_kem_prekey::<$harness>($sealed);
            }

            #[test]
            fn kem_rows_moved_are_refused() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::kem_rows_moved_are_refused::<$harness>($sealed);
            }

            #[test]
            fn hybrid_conversation_through_conversations() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::hybrid_conversation_through_conversations::<$harness>($sealed);
            }

            #[test]
            fn concurrent_workers_never_reuse_a_message_key() {
                if !<$harness as Harness>::available() {
                    return;
                }
                super::concurrent_workers_never_reuse_a_message_key::<$harness>($sealed, $rounds);
            }
        }
    };
}

conformance!(memory, Memory, sealed = false, rounds = 200);
conformance!(memory_sealed, Memory, sealed = true, rounds = 150);
conformance!(sqlite, Sqlite, sealed = false, rounds = 150);
conformance!(sqlite_sealed, Sqlite, sealed = true, rounds = 150);
conformance!(postgres, Postgres, sealed = false, rounds = 150);
conformance!(postgres_sealed, Postgres, sealed = true, rounds = 150);

#[test]
fn memory_sealed_records_refuse_another_key_row_or_revision() {
    sealed_records_refuse_another_key_row_or_revision::<Memory>();
}

#[test]
fn sqlite_sealed_records_refuse_another_key_row_or_revision() {
    sealed_records_refuse_another_key_row_or_revision::<Sqlite>();
}

#[test]
fn postgres_sealed_records_refuse_another_key_row_or_revision() {
    if Postgres::available() {
        sealed_records_refuse_another_key_row_or_revision::<Postgres>();
    }
}

#[test]
fn memory_sealing_draws_a_fresh_salt_per_write() {
    sealing_draws_a_fresh_salt_per_write::<Memory>();
}

#[test]
fn sqlite_sealing_draws_a_fresh_salt_per_write() {
    sealing_draws_a_fresh_salt_per_write::<Sqlite>();
}

#[test]
fn postgres_sealing_draws_a_fresh_salt_per_write() {
    if Postgres::available() {
        sealing_draws_a_fresh_salt_per_write::<Postgres>();
    }
}

/// The SQLite store runs outside a tokio runtime too, on the caller's thread.
#[test]
fn sqlite_works_without_a_runtime() {
    let harness = Sqlite::create(None);
    let peer = address("bob", 1);
    let record = some_record(70);
    let future = harness.store().store_session_record(&peer, None, &record);
    // A minimal executor: the store's futures complete without being woken.
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(result) => assert_eq!(result, Ok(rev(1))),
        std::task::Poll::Pending => panic!("outside a runtime the call completes at once"),
    }
}

/// An in-memory SQLite database is refused: its connections would not share it.
#[test]
fn sqlite_refuses_an_in_memory_database() {
    for path in [":memory:", ""] {
        let error = SqliteStore::open(path, SqliteOptions::default()).unwrap_err();
        assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    }
}

/// The SQLite file records its schema version, and a newer one is refused.
#[test]
fn sqlite_schema_version_is_recorded_and_a_newer_one_refused() {
    let harness = Sqlite::create(None);
    let connection = rusqlite::Connection::open(&harness.path).unwrap();
    let version: i64 = connection
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, i64::from(hushwire::store::SCHEMA_VERSION));
    // Opening again changes nothing.
    drop(SqliteStore::open(&harness.path, SqliteOptions::default()).unwrap());
    let rows: i64 = connection
        .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows, 1);
    let newer = hushwire::store::SCHEMA_VERSION + 1;
    connection
        .execute("UPDATE schema_version SET version = ?1", [i64::from(newer)])
        .unwrap();
    let error = SqliteStore::open(&harness.path, SqliteOptions::default()).unwrap_err();
    assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    assert!(
        error
            .to_string()
            .contains(&format!("schema version {newer}")),
        "{error}"
    );
}

/// SPEC.md 17.2 and 17.4's examples, computed independently with Python's `cryptography`
/// package (HKDF-SHA256, ChaCha20-Poly1305, X25519, SHA-256): the stored one-time prekey and
/// the sealed value, byte for byte, on every crypto provider.
#[test]
fn stored_and_sealed_forms_match_the_spec_examples() {
    let stored = hex::decode(
        "0100000007111111111111111111111111111111111111111111111111111111111111111184311c37\
         76ae3d64652d38e778d7742b5b643a1eee1225237209cb05c5f1607b",
    )
    .unwrap();
    let otk = OneTimePreKeyPair::from_stored(&stored).unwrap();
    assert_eq!(otk.id(), OneTimePreKeyId(7));
    assert_eq!(
        hex::encode(otk.public().public_key().as_bytes()),
        "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13"
    );
    assert_eq!(otk.to_stored().as_bytes(), &stored[..]);

    let key = session_record_key(&address("bob", 1));
    assert_eq!(hex::encode(&key), "03626f6200000001");
    let storage_key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let sealed = hex::decode(
        "01a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a54190118fc0f76d25\
         5141d94324018e3934f3e8670a73d4af8042876a7bfdacfa3ea92c3a01",
    )
    .unwrap();
    for provider in hushwire::CryptoProvider::available() {
        let ours = hushwire::hazmat::store::seal_record(
            provider,
            &storage_key,
            &[0xa5; 32],
            Table::SessionRecords,
            &key,
            2,
            b"stored session record",
        )
        .unwrap();
        assert_eq!(ours, sealed, "{provider:?}");
        let open = |table, key: &[u8], revision| {
            hushwire::hazmat::store::open_record(
                provider,
                &storage_key,
                table,
                key,
                revision,
                &sealed,
            )
        };
        assert_eq!(
            open(Table::SessionRecords, &key, 2).unwrap().as_slice(),
            b"stored session record"
        );
        assert_eq!(
            open(Table::SessionRecords, &key, 1).err(),
            Some(Error::DecryptionFailed)
        );
        assert_eq!(
            open(Table::GroupSessions, &key, 2).err(),
            Some(Error::DecryptionFailed)
        );
        let other = session_record_key(&address("bob", 2));
        assert_eq!(
            open(Table::SessionRecords, &other, 2).err(),
            Some(Error::DecryptionFailed)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only: several processes on one database.

/// Two stores on one schema, each with its own pool on its own runtime: two backend
/// processes sharing the database.
///
/// Both ask the server for `SERIALIZABLE` as their default isolation: the store pins `READ
/// COMMITTED` (SPEC.md 17.6), under which a statement that waited for another's row re-checks
/// it instead of failing with a serialization error, so the losers see the rule that stopped
/// them, never a store error.
fn two_processes(sealed: bool) -> (Postgres, Postgres) {
    let serializable = "options=-c%20default_transaction_isolation%3Dserializable";
    let schema = temporary_schema();
    let first = Postgres::on_schema_with(&schema, sealer_if(sealed, 80), serializable);
    let second = Postgres::on_schema_with(&schema, sealer_if(sealed, 81), serializable);
    (first, second)
}

/// Runs `work(store)` `per_store` times on each of the stores at once, on plain threads (each
/// on its store's own runtime, as separate processes would), and returns every result.
fn race<T, F, Fut>(stores: [&Postgres; 2], per_store: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<PostgresStore>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let work = Arc::new(work);
    let barrier = Arc::new(std::sync::Barrier::new(2 * per_store));
    let mut threads = Vec::new();
    for harness in stores {
        for _ in 0..per_store {
            let store = Arc::clone(harness.store());
            let handle = harness.background.0.as_ref().unwrap().handle().clone();
            let (work, barrier) = (Arc::clone(&work), Arc::clone(&barrier));
            threads.push(std::thread::spawn(move || {
                barrier.wait();
                handle.block_on(work(store))
            }));
        }
    }
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// Two processes racing the same compare-and-swap, the same creation, the same consume and
/// the same accept transaction: exactly one wins each time, the others see the rule that
/// stopped them, and nothing the losers wrote is left.
#[test]
fn postgres_two_processes_race_one_swap_and_one_consume() {
    if postgres_url().is_none() {
        return;
    }
    for sealed in [false, true] {
        let (a, b) = two_processes(sealed);
        let peer = address("bob", 1);
        let mut rng = rng(82);
        let otks: Vec<OneTimePreKeyPair> = (1..=3)
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        a.background.run({
            let store = Arc::clone(a.store());
            async move { store.add_one_time_prekeys(&otks).await.unwrap() }
        });

        // Creation: both read "no record".
        let results = race([&a, &b], 6, {
            let peer = peer.clone();
            move |store| {
                let peer = peer.clone();
                async move {
                    store
                        .store_session_record(&peer, None, &some_record(83))
                        .await
                }
            }
        });
        let won: Vec<Revision> = results.iter().filter_map(|r| r.clone().ok()).collect();
        assert_eq!(won.len(), 1, "{results:?}");
        for result in results.iter().filter(|r| r.is_err()) {
            assert_eq!(result, &Err(conflict("session_record")));
        }
        let created = won[0];

        // The swap: every writer read `created`.
        let results = race([&a, &b], 6, {
            let peer = peer.clone();
            move |store| {
                let peer = peer.clone();
                async move {
                    store
                        .store_session_record(&peer, Some(created), &some_record(84))
                        .await
                }
            }
        });
        let won: Vec<Revision> = results.iter().filter_map(|r| r.clone().ok()).collect();
        assert_eq!(won, vec![Revision(created.0 + 1)], "{results:?}");
        assert!(
            results
                .iter()
                .filter(|r| r.is_err())
                .all(|r| r == &Err(conflict("session_record")))
        );
        // Both processes see the winner's write.
        for harness in [&a, &b] {
            let raw = harness.raw(Table::SessionRecords, &session_record_key(&peer));
            assert_eq!(raw.unwrap().revision, won[0]);
        }

        // The consume.
        let results = race([&a, &b], 6, |store| async move {
            store.consume_one_time_prekey(OneTimePreKeyId(1)).await
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .filter(|r| r.is_err())
                .all(|r| r == &Err(Error::OneTimePreKeyConsumed { id: 1 }))
        );

        // Batches of the same prekeys, half of them in reverse order: one batch goes in
        // whole, every other one is refused whole, whatever order it lists the keys in.
        let batch: Vec<OneTimePreKeyPair> = (100..=140)
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        let next = Arc::new(AtomicU64::new(0));
        let results = race([&a, &b], 4, move |store| {
            let mut batch: Vec<OneTimePreKeyPair> = batch
                .iter()
                .map(|k| OneTimePreKeyPair::from_stored(k.to_stored().as_bytes()).unwrap())
                .collect();
            if next.fetch_add(1, Ordering::Relaxed) % 2 == 1 {
                batch.reverse();
            }
            async move { store.add_one_time_prekeys(&batch).await }
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .filter(|r| r.is_err())
                .all(|r| r == &Err(conflict("one_time_prekey"))),
            "{results:?}"
        );
        assert_eq!(
            a.background.run({
                let store = Arc::clone(b.store());
                async move { store.one_time_prekeys_left().await }
            }),
            Ok(2 + 41)
        );

        // The accept transaction: new sessions with different peers, one prekey.
        let next = Arc::new(AtomicU64::new(0));
        let results = race([&a, &b], 4, move |store| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            async move {
                let peer = address("carol", u32::try_from(n + 1).unwrap());
                let result = store
                    .store_accepted_session(
                        &peer,
                        None,
                        &some_record(85),
                        &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(2)), None),
                    )
                    .await;
                (peer, result)
            }
        });
        assert_eq!(
            results.iter().filter(|(_, r)| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        for (peer, result) in &results {
            let stored = a.raw(Table::SessionRecords, &session_record_key(peer));
            match result {
                Ok(revision) => assert_eq!(stored.unwrap().revision, *revision),
                Err(error) => {
                    assert_eq!(error, &Error::OneTimePreKeyConsumed { id: 2 });
                    assert!(stored.is_none(), "a losing accept left its session");
                }
            }
        }
        assert_eq!(
            a.background.run({
                let store = Arc::clone(b.store());
                async move { store.one_time_prekeys_left().await }
            }),
            Ok(1 + 41)
        );
        drop(b);
    }
}

/// Many stores opening one new schema at once: every one opens, the schema is migrated once
/// (one version row, one set of tables), and they all share it.
#[test]
fn postgres_concurrent_opens_migrate_once() {
    let Some(url) = postgres_url() else {
        return;
    };
    let schema = temporary_schema();
    let background = Background::new();
    let opened = background.run({
        let (url, schema) = (url.clone(), schema.clone());
        async move {
            let opens: Vec<_> = (0..8)
                .map(|_| {
                    let options = postgres_options(&url, &schema, None);
                    tokio::spawn(PostgresStore::open(options))
                })
                .collect();
            let mut stores = Vec::new();
            for open in opens {
                stores.push(open.await.unwrap());
            }
            stores
        }
    });
    let stores: Vec<PostgresStore> = opened.into_iter().map(Result::unwrap).collect();
    // The harness on the same schema (a ninth open) reads the version table and drops the
    // schema afterwards.
    let harness = Postgres::on_schema(&schema, None);
    let rows = harness.query(
        format!("SELECT version FROM {}", harness.table("schema_version")),
        vec![],
        None,
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].get::<_, i32>(0),
        i32::try_from(hushwire::store::POSTGRES_SCHEMA_VERSION).unwrap()
    );
    // One store's write is every store's.
    let peer = address("bob", 1);
    let revisions = background.run(async move {
        let first = stores[0]
            .store_session_record(&peer, None, &some_record(86))
            .await
            .unwrap();
        let mut seen = Vec::new();
        for store in &stores {
            seen.push(
                store
                    .load_session_record(&peer)
                    .await
                    .unwrap()
                    .unwrap()
                    .revision,
            );
        }
        (first, seen)
    });
    assert!(revisions.1.iter().all(|r| *r == revisions.0));
}

/// A schema with a newer version than the build's is refused, and the refusal says so.
#[test]
fn postgres_schema_version_is_recorded_and_a_newer_one_refused() {
    let Some(url) = postgres_url() else {
        return;
    };
    let harness = Postgres::create(None);
    let version = format!("SELECT version FROM {}", harness.table("schema_version"));
    assert_eq!(harness.query(version.clone(), vec![], None).len(), 1);
    // Opening again changes nothing.
    let options = postgres_options(&url, &harness.schema, None);
    harness
        .background
        .run(PostgresStore::open(options))
        .unwrap();
    assert_eq!(harness.query(version, vec![], None).len(), 1);
    let newer = hushwire::store::POSTGRES_SCHEMA_VERSION + 1;
    harness.query(
        format!(
            "UPDATE {} SET version = {newer}",
            harness.table("schema_version")
        ),
        vec![],
        None,
    );
    let options = postgres_options(&url, &harness.schema, None);
    let error = harness
        .background
        .run(PostgresStore::open(options))
        .unwrap_err();
    assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    assert!(
        error
            .to_string()
            .contains(&format!("schema version {newer}")),
        "{error}"
    );
}

/// Bad options are refused with a store error that repeats no password, with or without a
/// server: an unparsable connection string, a schema name that is not a plain identifier,
/// a server that is not there, and a call outside a tokio runtime.
#[test]
fn postgres_bad_options_are_refused_without_their_secrets() {
    let error =
        PostgresOptions::from_url("postgresql://user:hunter2@localhost:notaport/db").unwrap_err();
    assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    assert!(!format!("{error} {error:?}").contains("hunter2"));
    let mut options =
        PostgresOptions::from_url("postgresql://user:hunter2@localhost:5432/db").unwrap();
    options.sealer = Some(sealer(0x5a, 1));
    let text = format!("{options:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("5a5a") && !text.contains("90, 90"),
        "{text}"
    );
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PostgresStore>();
    assert_send_sync::<PostgresOptions>();
    assert_send_sync::<Conversations<Arc<PostgresStore>>>();

    let background = Background::new();
    for schema in [
        "",
        "Capital",
        "1digit",
        "pg_catalog",
        "semi;colon",
        "quo\"te",
        &"a".repeat(64),
    ] {
        let mut options = PostgresOptions::from_url("postgresql://user@127.0.0.1:1/db").unwrap();
        options.schema = schema.to_owned();
        let error = background.run(PostgresStore::open(options)).unwrap_err();
        assert!(
            error.to_string().contains("invalid schema name"),
            "{schema}: {error}"
        );
    }
    // Port 1 on loopback: nothing listens, the connection is refused.
    let mut options =
        PostgresOptions::from_url("postgresql://user:hunter2@127.0.0.1:1/db").unwrap();
    options.connect_timeout = std::time::Duration::from_secs(2);
    let error = background.run(PostgresStore::open(options)).unwrap_err();
    assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    let mut chain = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        chain.push_str(&format!(" {inner}"));
        source = inner.source();
    }
    assert!(!chain.contains("hunter2"), "{chain}");
    // Outside a runtime.
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let options = PostgresOptions::from_url("postgresql://user@127.0.0.1:1/db").unwrap();
    let mut open = std::pin::pin!(PostgresStore::open(options));
    match open.as_mut().poll(&mut context) {
        std::task::Poll::Ready(result) => {
            assert_eq!(
                result.unwrap_err().category(),
                hushwire::ErrorCategory::Store
            )
        }
        std::task::Poll::Pending => panic!("outside a runtime, open fails at once"),
    }
}

/// The greatest one-time prekey id ever added (SPEC.md 17.7's `last`), on PostgreSQL as in
/// memory: none at first, then the numerically greatest (keys are big-endian, bytea compares
/// bytewise), consumed ones included.
#[test]
fn postgres_last_one_time_prekey_id_counts_consumed_ones() {
    if postgres_url().is_none() {
        return;
    }
    let postgres = Postgres::create(None);
    let memory = Memory::create(None);
    let mut rng = rng(87);
    let otks: Vec<OneTimePreKeyPair> = [3, 300, 70_000, 255]
        .into_iter()
        .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect();
    let store = Arc::clone(postgres.store());
    let memory = Arc::clone(memory.store());
    let (pg, mem) = postgres.background.run(async move {
        let mut seen = (Vec::new(), Vec::new());
        seen.0.push(store.last_one_time_prekey_id().await.unwrap());
        seen.1.push(memory.last_one_time_prekey_id().await.unwrap());
        store.add_one_time_prekeys(&otks[..2]).await.unwrap();
        memory.add_one_time_prekeys(&otks[..2]).await.unwrap();
        seen.0.push(store.last_one_time_prekey_id().await.unwrap());
        seen.1.push(memory.last_one_time_prekey_id().await.unwrap());
        store.add_one_time_prekeys(&otks[2..]).await.unwrap();
        memory.add_one_time_prekeys(&otks[2..]).await.unwrap();
        store
            .consume_one_time_prekey(OneTimePreKeyId(70_000))
            .await
            .unwrap();
        memory
            .consume_one_time_prekey(OneTimePreKeyId(70_000))
            .await
            .unwrap();
        seen.0.push(store.last_one_time_prekey_id().await.unwrap());
        seen.1.push(memory.last_one_time_prekey_id().await.unwrap());
        seen
    });
    let expected = vec![
        None,
        Some(OneTimePreKeyId(300)),
        Some(OneTimePreKeyId(70_000)),
    ];
    assert_eq!(pg, expected);
    assert_eq!(mem, expected);
}

/// Prekey upkeep (SPEC.md 17.7) run at once by workers of two processes on one PostgreSQL
/// schema, round after round: one rotation per round, one batch of one-time prekeys (the
/// target left, every id added once), what every worker publishes is held.
#[test]
fn postgres_concurrent_upkeep_from_two_processes_leaves_one_batch() {
    use hushwire::store::{PreKeyPolicy, upkeep_prekeys};
    if postgres_url().is_none() {
        return;
    }
    const DAY: u64 = 86_400;
    let (a, b) = two_processes(true);
    let seed = [0x33u8; 32];
    let next = Arc::new(AtomicU64::new(0));
    for round in 0..3u64 {
        let now = Timestamp::from_unix_seconds(1_800_000_000 + round * 8 * DAY);
        let next = Arc::clone(&next);
        let runs = race([&a, &b], 2, move |store| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            async move {
                let identity = IdentityKeyPair::from_seed(&seed);
                let mut rng = rng(200 + n);
                upkeep_prekeys(&*store, &mut rng, &identity, now, &PreKeyPolicy::default()).await
            }
        });
        let runs: Vec<_> = runs.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            runs.iter().filter(|run| run.rotated).count(),
            1,
            "round {round}"
        );
        let store = Arc::clone(b.store());
        let (signed, left, consumable) = a.background.run({
            let added: Vec<OneTimePreKeyId> = runs
                .iter()
                .flat_map(|run| run.added.iter().map(|key| key.id()))
                .collect();
            async move {
                let signed = store.signed_prekeys().await.unwrap();
                let left = store.one_time_prekeys_left().await.unwrap();
                let mut consumable = 0;
                for id in &added {
                    if store.load_one_time_prekey(*id).await.is_ok() {
                        consumable += 1;
                    }
                }
                (signed, left, (added.len(), consumable))
            }
        });
        let newest = signed.last().unwrap();
        assert!(runs.iter().all(|run| &run.signed_prekey == newest));
        assert_eq!(
            newest.id(),
            SignedPreKeyId(u32::try_from(round).unwrap() + 1)
        );
        assert_eq!(left, 100, "round {round}");
        // Every id published is held (none published twice: the batch had 100 new ids).
        assert_eq!(consumable.0, consumable.1, "round {round}");
        // Use 80 of the newest, leaving 20 (under the minimum): the next round tops up.
        let store = Arc::clone(a.store());
        a.background.run(async move {
            let last = store.last_one_time_prekey_id().await.unwrap().unwrap();
            for id in (last.0 - 79)..=last.0 {
                store
                    .consume_one_time_prekey(OneTimePreKeyId(id))
                    .await
                    .unwrap();
            }
        });
    }
}

/// SPEC.md 17.6: an add of a KEM prekey that waits on a transaction consuming (an accept)
/// or removing that very key does not re-add it once the transaction commits. The add's
/// `INSERT … WHERE NOT EXISTS` reads the statement's snapshot, taken before the wait, so it
/// misses the consumed (or removed) key and inserts the row; the separate `SELECT` after it,
/// with a snapshot of its own, finds the key and the add fails whole with `StoreConflict`.
/// The other transaction is held open by hand on a raw connection, with the statements the
/// store runs, until the add is seen waiting on its lock.
#[test]
fn postgres_kem_prekey_consumed_or_removed_while_an_add_waits_is_not_added() {
    let Some(url) = postgres_url() else {
        return;
    };
    let harness = Postgres::create(None);
    let mut rng = rng(88);
    let identity = IdentityKeyPair::generate(&mut rng);
    let keys = [
        kem_prekey(&mut rng, &identity, 5, KemPreKeyKind::OneTime),
        kem_prekey(&mut rng, &identity, 6, KemPreKeyKind::LastResort),
    ];
    let store = Arc::clone(harness.store());
    let added = keys.to_vec();
    harness
        .background
        .run(async move { store.add_kem_prekeys(&added).await })
        .unwrap();
    let (k, c, r) = (
        harness.table("kem_prekeys"),
        harness.table("consumed_kem_prekeys"),
        harness.table("retired_kem_prekeys"),
    );
    for (key, spend) in [
        // An accept consuming one-time KEM prekey 5.
        (
            &keys[0],
            format!(
                "BEGIN; DELETE FROM {k} WHERE key = '\\x00000005' AND one_time; \
                 INSERT INTO {c} (key) VALUES ('\\x00000005');"
            ),
        ),
        // A removal of KEM prekey 6.
        (
            &keys[1],
            format!(
                "BEGIN; DELETE FROM {k} WHERE key = '\\x00000006'; \
                 INSERT INTO {r} (key) VALUES ('\\x00000006');"
            ),
        ),
    ] {
        let client = Arc::clone(&harness.client);
        let id = key.id();
        let (store, key, url, table) = (
            Arc::clone(harness.store()),
            key.clone(),
            url.clone(),
            k.clone(),
        );
        let result = harness.background.run(async move {
            client.batch_execute(&spend).await.unwrap();
            let add =
                tokio::spawn(
                    async move { store.add_kem_prekeys(core::slice::from_ref(&key)).await },
                );
            wait_for_a_lock_wait(&url, &format!("INSERT INTO {table}")).await;
            client.batch_execute("COMMIT").await.unwrap();
            add.await.unwrap()
        });
        assert_eq!(
            result,
            Err(Error::StoreConflict {
                record: "kem_prekey"
            })
        );
        let store = Arc::clone(harness.store());
        let loaded = harness
            .background
            .run(async move { store.load_kem_prekey(id).await.err() });
        let expected = if id.0 == 5 {
            Error::KemPreKeyConsumed { id: 5 }
        } else {
            Error::UnknownKemPreKey { id: 6 }
        };
        assert_eq!(loaded, Some(expected));
    }
}

/// Waits (up to 10 s) until a session of the test server waits on a lock in a statement
/// that names `table` (qualified: only this test's schema).
async fn wait_for_a_lock_wait(url: &str, table: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for _ in 0..1000 {
        let waiting = client
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND strpos(query, $1) > 0",
                &[&table],
            )
            .await
            .unwrap();
        if !waiting.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the add never waited on the other transaction's lock");
}

/// A PostgreSQL schema at version 2 (made by taking version 3's table away and writing
/// version 2) is migrated to version 3 when a store opens it: the removed-KEM-prekey table
/// is created empty, the KEM prekeys held and consumed are kept, and a removal from then on
/// keeps the id.
#[test]
fn postgres_schema_v2_is_migrated_to_v3() {
    let Some(url) = postgres_url() else {
        return;
    };
    let harness = Postgres::create(None);
    let mut rng = rng(89);
    let identity = IdentityKeyPair::generate(&mut rng);
    let keys = vec![
        kem_prekey(&mut rng, &identity, 1, KemPreKeyKind::LastResort),
        kem_prekey(&mut rng, &identity, 2, KemPreKeyKind::OneTime),
        kem_prekey(&mut rng, &identity, 3, KemPreKeyKind::LastResort),
    ];
    let store = Arc::clone(harness.store());
    let base = base_key(&mut rng);
    harness.background.run(async move {
        store.add_kem_prekeys(&keys).await.unwrap();
        store
            .store_accepted_session(
                &address("alice", 1),
                None,
                &some_record(90),
                &kem_use(2, KemPreKeyKind::OneTime, base),
            )
            .await
            .unwrap();
    });
    harness.query(
        format!("DROP TABLE {}", harness.table("retired_kem_prekeys")),
        vec![],
        None,
    );
    harness.query(
        format!("UPDATE {} SET version = 2", harness.table("schema_version")),
        vec![],
        None,
    );
    let version = format!("SELECT version FROM {}", harness.table("schema_version"));
    let store = harness
        .background
        .run(PostgresStore::open(postgres_options(
            &url,
            &harness.schema,
            None,
        )))
        .unwrap();
    let rows = harness.query(version, vec![], None);
    assert_eq!(rows[0].get::<_, i32>(0), 3);
    let again = kem_prekey(&mut rng, &identity, 3, KemPreKeyKind::LastResort);
    let retired = harness.query(
        format!(
            "SELECT count(*) FROM {}",
            harness.table("retired_kem_prekeys")
        ),
        vec![],
        None,
    );
    assert_eq!(retired[0].get::<_, i64>(0), 0);
    let outcome = harness.background.run(async move {
        let held = store.load_kem_prekey(KemPreKeyId(1)).await.map(|k| k.id());
        let consumed = store.load_kem_prekey(KemPreKeyId(2)).await.err();
        let removed = store.remove_kem_prekey(KemPreKeyId(3)).await;
        let re_added = store.add_kem_prekeys(core::slice::from_ref(&again)).await;
        let last = store.last_kem_prekey_id().await;
        (held, consumed, removed, re_added, last)
    });
    assert_eq!(outcome.0, Ok(KemPreKeyId(1)));
    assert_eq!(outcome.1, Some(Error::KemPreKeyConsumed { id: 2 }));
    assert_eq!(outcome.2, Ok(true));
    assert_eq!(outcome.3, Err(conflict("kem_prekey")));
    assert_eq!(outcome.4, Ok(Some(KemPreKeyId(3))));
}
