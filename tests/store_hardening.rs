//! The stores' hardening list (issue 16, a security review's open items), one test or more
//! each:
//!
//! - (a) a consumed one-time prekey's secret, and a replaced session record's old value, are
//!   in neither the SQLite file nor its WAL once the store checkpointed (it does so itself
//!   after every consume; `SqliteStore::checkpoint` otherwise);
//! - (b) what a repeated sealing salt costs: the same ChaCha20-Poly1305 key and nonce, so the
//!   XOR of two sealed values is the XOR of the values (why the sealer's RNG must be a CSPRNG
//!   that is never copied, SPEC.md 17.4);
//! - (c) the SQLite store on a current-thread tokio runtime does not deadlock;
//! - (d) a stored prekey in another id's row, a device list in another account's row, is
//!   refused (`Error::InvalidSessionState`), in memory and on SQLite;
//! - (e) SQLite URIs (`file:...`, in memory, without locking) are refused, as `:memory:` is;
//! - (g) one message delivered twice at the same moment decrypts once: the other delivery
//!   gets `Error::DuplicateMessage`;
//! - (h) a removed KEM prekey is never added again (`Error::StoreConflict`), and a KEM
//!   prekey use of the other kind than the stored key's is refused
//!   (`Error::InvalidSessionState`), writing nothing.
//!
//! (f), a panic while holding the SQLite writer, is a unit test in `src/store/sqlite.rs`: it
//! needs the store's lock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::*;
use hushwire::hazmat::store::{account_key, prekey_key};
use hushwire::store::{
    AcceptTransaction, Conversations, DeviceLists, MemoryStore, PreKeys, Revision, Sealer,
    SessionRecords, SqliteOptions, SqliteStore, StorageKey, Table, Versioned,
};
use hushwire::{
    AccountId, AccountKeyPair, DeviceAddress, DeviceId, Error, IdentityKeyPair, OneTimePreKeyId,
    OneTimePreKeyPair, SessionRecord, SignedPreKeyId, SignedPreKeyPair, StoredSessionRecord,
    Timestamp,
};
use hushwire_testkit::fixtures::{TEST_SIGNED_AT, validated_bundle};

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// A database file no other test uses, and its WAL and shared-memory files, removed on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> TempDb {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        TempDb(std::env::temp_dir().join(format!(
            "hushwire-store-hardening-{}-{tag}-{n}.sqlite",
            std::process::id()
        )))
    }

    fn side(&self, suffix: &str) -> PathBuf {
        let mut path = self.0.clone().into_os_string();
        path.push(suffix);
        PathBuf::from(path)
    }

    fn open(&self, configure: impl FnOnce(&mut SqliteOptions)) -> SqliteStore {
        let mut options = SqliteOptions::default();
        options.readers = 1;
        configure(&mut options);
        SqliteStore::open(&self.0, options).unwrap()
    }

    /// The bytes of the database file and of its WAL (empty if there is none).
    fn files(&self) -> [Vec<u8>; 2] {
        [
            std::fs::read(&self.0).unwrap(),
            std::fs::read(self.side("-wal")).unwrap_or_default(),
        ]
    }

    /// Whether `needle` is in the database file or its WAL.
    fn holds(&self, needle: &[u8]) -> bool {
        self.files().iter().any(|file| contains(file, needle))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(self.side(suffix));
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn address(account: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

/// The secret of a one-time prekey, read from its stored form (SPEC.md 17.2: `u8(1) ||
/// u32(id) || secret (32) || checksum`).
fn secret_of(key: &OneTimePreKeyPair) -> Vec<u8> {
    key.to_stored().as_bytes()[5..37].to_vec()
}

fn otks(seed: u64, ids: std::ops::RangeInclusive<u32>) -> Vec<OneTimePreKeyPair> {
    let mut rng = rng(seed);
    ids.map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
        .collect()
}

/// A session record holding one session, different for each seed.
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

// ---------------------------------------------------------------------------------------------
// (a) Secrets left in the files.

/// After a consume (alone, or in the accept transaction) the store checkpoints the WAL: the
/// consumed secret is in neither the database file nor the WAL when the call returns, while
/// the secrets of the prekeys not consumed still are (the search finds what is there). With
/// `checkpoint_after_consume` off, the secret stays in the files until `checkpoint()`.
#[test]
fn consumed_one_time_prekey_secrets_are_in_neither_file() {
    let db = TempDb::new("consume");
    let store = db.open(|_| {});
    let keys = otks(4_150, 1..=4);
    run(async {
        store.add_one_time_prekeys(&keys).await.unwrap();
        for key in &keys {
            assert!(
                db.holds(&secret_of(key)),
                "the search finds a stored secret"
            );
        }
        store
            .consume_one_time_prekey(OneTimePreKeyId(2))
            .await
            .unwrap();
        // The accept transaction, consuming prekey 3.
        store
            .store_accepted_session(
                &address("alice", 1),
                None,
                &some_record(4_151),
                &hushwire::PreKeyUses::new(Some(OneTimePreKeyId(3)), None),
            )
            .await
            .unwrap();
        for (key, consumed) in keys.iter().zip([false, true, true, false]) {
            assert_eq!(db.holds(&secret_of(key)), !consumed, "{:?}", key.id());
        }
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(2)).await.err(),
            Some(Error::OneTimePreKeyConsumed { id: 2 })
        );
        assert!(
            db.side("-wal").metadata().map_or(0, |m| m.len()) == 0,
            "the WAL is truncated"
        );
    });
}

/// The same without the automatic checkpoint: the consumed secret is still in the files (in
/// the WAL, and in the database file's old page) until `checkpoint()`, then in neither.
#[test]
fn without_the_automatic_checkpoint_the_secret_waits_for_checkpoint() {
    let db = TempDb::new("manual");
    let store = db.open(|options| options.checkpoint_after_consume = false);
    let keys = otks(4_152, 1..=2);
    run(async {
        store.add_one_time_prekeys(&keys).await.unwrap();
        // In the database file too, not only the WAL.
        assert_eq!(store.checkpoint().await, Ok(true));
        store
            .consume_one_time_prekey(OneTimePreKeyId(1))
            .await
            .unwrap();
        assert!(db.holds(&secret_of(&keys[0])), "not checkpointed yet");
        assert_eq!(store.checkpoint().await, Ok(true));
        assert!(!db.holds(&secret_of(&keys[0])));
        assert!(db.holds(&secret_of(&keys[1])));
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(1)).await.err(),
            Some(Error::OneTimePreKeyConsumed { id: 1 })
        );
    });
}

/// `secure_delete`: a session record replaced by a newer one leaves nothing of its old value
/// (its chain keys) in the database file once checkpointed, nor in the WAL. Replaced by one
/// of the same length SQLite overwrites the cell in place; by one of another length (here an
/// empty record) the old cell is freed, and only `secure_delete` zeroes it.
#[test]
fn a_replaced_session_record_is_wiped_from_the_file() {
    replaced_session_record_is_wiped(some_record(4_153), some_record(4_154));
    replaced_session_record_is_wiped(some_record(4_155), SessionRecord::new().to_stored());
}

fn replaced_session_record_is_wiped(old: StoredSessionRecord, new: StoredSessionRecord) {
    let db = TempDb::new("replace");
    let store = db.open(|_| {});
    // 32-byte pieces of the old value that the new one does not contain.
    let pieces: Vec<&[u8]> = old
        .as_bytes()
        .windows(32)
        .step_by(16)
        .filter(|piece| !contains(new.as_bytes(), piece))
        .collect();
    assert!(pieces.len() >= 8, "{} pieces", pieces.len());
    run(async {
        let peer = address("bob", 1);
        let first = store.store_session_record(&peer, None, &old).await.unwrap();
        assert_eq!(store.checkpoint().await, Ok(true));
        assert!(
            pieces.iter().all(|piece| db.holds(piece)),
            "the old value is there"
        );
        store
            .store_session_record(&peer, Some(first), &new)
            .await
            .unwrap();
        assert_eq!(store.checkpoint().await, Ok(true));
        let left: Vec<_> = pieces.iter().filter(|piece| db.holds(piece)).collect();
        assert!(
            left.is_empty(),
            "{} of {} pieces of the old value left",
            left.len(),
            pieces.len()
        );
        assert!(contains(&db.files()[0], new.as_bytes()));
    });
}

// ---------------------------------------------------------------------------------------------
// (b) A repeated salt.

/// Two sealers with one storage key whose RNGs are in the same state (a seeded RNG used
/// twice, a process forked with its RNG, a VM snapshot resumed twice) draw the same salt, and
/// a salt is all the sealed value's key and nonce depend on: two different values sealed for
/// different rows then share their ChaCha20 keystream (the XOR of the sealed bytes is the XOR
/// of the values) and their Poly1305 key. So the RNG must be a CSPRNG that is never copied
/// (SPEC.md 17.4); with 256-bit salts from one, a repeat never happens.
#[test]
fn a_repeated_salt_repeats_the_key_and_nonce() {
    let sealed_row = |db: &TempDb, id: u32| -> Vec<u8> {
        let connection = rusqlite::Connection::open(&db.0).unwrap();
        connection
            .query_row(
                "SELECT value FROM one_time_prekeys WHERE key = ?1",
                [prekey_key(id)],
                |row| row.get(0),
            )
            .unwrap()
    };
    let (a, b) = (TempDb::new("salt-a"), TempDb::new("salt-b"));
    let keys = otks(4_155, 1..=2);
    let sealer = || Sealer::new(StorageKey::from_bytes([9; 32]), rng(4_156));
    // The same RNG state in both: each store's first write draws the same salt. Different
    // values, in rows of different ids (different associated data).
    for (db, key) in [(&a, &keys[0]), (&b, &keys[1])] {
        let store = db.open(|options| options.sealer = Some(sealer()));
        run(store.add_one_time_prekeys(std::slice::from_ref(key))).unwrap();
    }
    let (x, y) = (sealed_row(&a, 1), sealed_row(&b, 2));
    assert_eq!(x[1..33], y[1..33], "the same salt");
    let (plain_x, plain_y) = (keys[0].to_stored(), keys[1].to_stored());
    let body = 33..33 + plain_x.as_bytes().len();
    let xor = |p: &[u8], q: &[u8]| -> Vec<u8> { p.iter().zip(q).map(|(p, q)| p ^ q).collect() };
    assert_ne!(plain_x.as_bytes(), plain_y.as_bytes());
    assert_eq!(
        xor(&x[body.clone()], &y[body]),
        xor(plain_x.as_bytes(), plain_y.as_bytes()),
        "one keystream for both"
    );
    // Two sealers on independent RNG states draw different salts.
    let c = TempDb::new("salt-c");
    let store = c.open(|options| {
        options.sealer = Some(Sealer::new(StorageKey::from_bytes([9; 32]), rng(4_157)))
    });
    run(store.add_one_time_prekeys(std::slice::from_ref(&keys[0]))).unwrap();
    assert_ne!(sealed_row(&c, 1)[1..33], x[1..33]);
}

// ---------------------------------------------------------------------------------------------
// (c) A current-thread runtime.

/// On a current-thread tokio runtime, the store's calls go to the blocking pool and the one
/// runtime thread keeps running other tasks: two devices exchange messages through
/// `Conversations` while other tasks write to the same store at once (contending for its
/// writer lock), and everything finishes (within 60 s, or the test fails instead of hanging).
#[test]
fn sqlite_on_a_current_thread_runtime_does_not_deadlock() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (alice_db, bob_db) = (TempDb::new("ct-alice"), TempDb::new("ct-bob"));
        let alice_store = Arc::new(alice_db.open(|_| {}));
        let bob_store = Arc::new(bob_db.open(|_| {}));
        let mut rng = rng(4_158);
        let bob_identity = IdentityKeyPair::generate(&mut rng);
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let spk = SignedPreKeyPair::generate(
            &mut rng,
            &bob_identity,
            SignedPreKeyId(1),
            Timestamp::from_unix_seconds(TEST_SIGNED_AT),
        );
        let bundle = validated_bundle(&bob_identity, &spk, None, &config());
        let (alice_key, bob_key) = (*alice_identity.public_key(), *bob_identity.public_key());
        let (alice_at, bob_at) = (address("alice", 1), address("bob", 1));
        run(async move {
            bob_store.add_signed_prekey(&spk).await.unwrap();
            let alice = Conversations::new(Arc::clone(&alice_store), alice_identity, config());
            let bob = Conversations::new(Arc::clone(&bob_store), bob_identity, config());
            alice.initiate(&mut rng, &bob_at, &bundle).await.unwrap();
            // Writers beside the conversation, on both stores.
            let writers: Vec<_> = (0..4u32)
                .map(|i| {
                    let store = Arc::clone(if i % 2 == 0 { &alice_store } else { &bob_store });
                    tokio::spawn(async move {
                        let peer = address("other", i + 1);
                        let mut revision = None;
                        for n in 0..10u64 {
                            let record = some_record(4_160 + n % 2);
                            revision = Some(
                                store
                                    .store_session_record(&peer, revision, &record)
                                    .await
                                    .unwrap(),
                            );
                        }
                    })
                })
                .collect();
            for n in 0..10 {
                let text = format!("message {n}").into_bytes();
                let envelope = alice.encrypt(&bob_at, &text).await.unwrap();
                let got = bob
                    .decrypt(&mut rng, &alice_at, &alice_key, &envelope)
                    .await
                    .unwrap();
                assert_eq!(got, text);
                let envelope = bob.encrypt(&alice_at, &text).await.unwrap();
                let got = alice
                    .decrypt(&mut rng, &bob_at, &bob_key, &envelope)
                    .await
                    .unwrap();
                assert_eq!(got, text);
            }
            for writer in writers {
                writer.await.unwrap();
            }
        });
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the current-thread runtime finished (no deadlock)");
}

// ---------------------------------------------------------------------------------------------
// (d) A value in another record's row.

/// What a store's rows look like to a test that tampers with them.
trait Raw {
    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>>;
    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>);
}

impl Raw for MemoryStore {
    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>> {
        self.raw_row(table, key).unwrap()
    }
    fn put_raw(&self, table: Table, key: &[u8], revision: Revision, value: Option<Vec<u8>>) {
        self.put_raw_row(table, key, revision, value).unwrap();
    }
}

impl Raw for TempDb {
    fn raw(&self, table: Table, key: &[u8]) -> Option<Versioned<Option<Vec<u8>>>> {
        let connection = rusqlite::Connection::open(&self.0).unwrap();
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
        let connection = rusqlite::Connection::open(&self.0).unwrap();
        let sql = format!(
            "INSERT INTO {} (key, revision, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET revision = ?2, value = ?3",
            table.name()
        );
        let revision = i64::try_from(revision.0).unwrap();
        connection
            .execute(&sql, rusqlite::params![key, revision, value])
            .unwrap();
    }
}

/// Copies row `from` of `table` over row `to`, value and revision, as an attacker with write
/// access to an unsealed database (or a faulty migration script) could.
fn move_row<R: Raw>(raw: &R, table: Table, from: &[u8], to: &[u8]) {
    let row = raw.raw(table, from).unwrap();
    raw.put_raw(table, to, row.revision, row.value);
}

fn values_in_another_records_row<S, R>(store: &Arc<S>, raw: &R)
where
    S: AcceptTransaction + DeviceLists + 'static,
    R: Raw,
{
    let mut rng = rng(4_170);
    let identity = IdentityKeyPair::generate(&mut rng);
    let at = Timestamp::from_unix_seconds(TEST_SIGNED_AT);
    let spks: Vec<SignedPreKeyPair> = (1..=2)
        .map(|id| SignedPreKeyPair::generate(&mut rng, &identity, SignedPreKeyId(id), at))
        .collect();
    let keys = otks(4_171, 7..=8);
    run(async {
        for spk in &spks {
            store.add_signed_prekey(spk).await.unwrap();
        }
        store.add_one_time_prekeys(&keys).await.unwrap();

        // One-time prekey 8 in the row of 7: 7 would load as 8 (its secret usable again
        // under another id after 8 is consumed).
        move_row(raw, Table::OneTimePreKeys, &prekey_key(8), &prekey_key(7));
        assert_eq!(
            store.load_one_time_prekey(OneTimePreKeyId(7)).await.err(),
            Some(Error::InvalidSessionState)
        );
        // Accepting a first message that names prekey 7 fails the same way, writing nothing.
        let alice = IdentityKeyPair::generate(&mut rng);
        let mut record = SessionRecord::new();
        let bundle = validated_bundle(&identity, &spks[0], Some(&keys[0]), &config());
        record
            .initiate(&mut rng, &alice, &bundle, &config())
            .unwrap();
        let first = prekey(record.encrypt(b"hello").unwrap());
        let conversations = Conversations::new(
            Arc::clone(store),
            IdentityKeyPair::from_seed(identity.to_seed().as_bytes()),
            config(),
        );
        assert_eq!(
            conversations
                .accept(&mut rng, &address("alice", 1), &first)
                .await,
            Err(Error::InvalidSessionState)
        );
        assert!(
            store
                .load_session_record(&address("alice", 1))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.one_time_prekeys_left().await, Ok(2));
        // Prekey 8 in its own row still loads.
        assert_eq!(
            store
                .load_one_time_prekey(OneTimePreKeyId(8))
                .await
                .unwrap()
                .public(),
            keys[1].public()
        );

        // Signed prekey 2 in the row of 1: refused when loaded and when listed.
        move_row(raw, Table::SignedPreKeys, &prekey_key(2), &prekey_key(1));
        assert_eq!(
            store.load_signed_prekey(SignedPreKeyId(1)).await.err(),
            Some(Error::InvalidSessionState)
        );
        assert_eq!(
            store.signed_prekeys().await.err(),
            Some(Error::InvalidSessionState)
        );
        assert_eq!(
            store
                .load_signed_prekey(SignedPreKeyId(2))
                .await
                .unwrap()
                .map(|k| k.public().clone()),
            Some(spks[1].public().clone())
        );

        // Alice's device list in Mallory's row.
        let signer = AccountKeyPair::generate(&mut rng);
        let alice_id = AccountId::new("alice").unwrap();
        let list = signer
            .sign_device_list(
                &alice_id,
                1,
                at,
                Timestamp::from_unix_seconds(TEST_SIGNED_AT + 86_400),
                &[(DeviceId::new(1).unwrap(), *alice.public_key())],
            )
            .unwrap();
        store.store_device_list(None, &list).await.unwrap();
        let mallory = AccountId::new("mallory").unwrap();
        move_row(
            raw,
            Table::DeviceLists,
            &account_key(&alice_id),
            &account_key(&mallory),
        );
        assert_eq!(
            store.load_device_list(&mallory).await.err(),
            Some(Error::InvalidSessionState)
        );
        assert!(store.load_device_list(&alice_id).await.unwrap().is_some());
    });
}

/// A prekey or a device list whose stored value names another id or account than its row is
/// refused: `Error::InvalidSessionState`, in memory and on SQLite, unsealed (sealed, the
/// associated data refuses the move first: `SealedRecordInvalid`, SECURITY.md row 413).
#[test]
fn values_in_another_records_row_are_refused() {
    let memory = Arc::new(MemoryStore::new());
    values_in_another_records_row(&memory, &*memory);
    let db = TempDb::new("rows");
    let store = Arc::new(db.open(|_| {}));
    values_in_another_records_row(&store, &db);
    assert_eq!(
        run(store.load_one_time_prekey(OneTimePreKeyId(7))).err(),
        Some(Error::InvalidSessionState)
    );
}

// ---------------------------------------------------------------------------------------------
// (e) URIs.

/// `SqliteStore::open` takes a plain path: a `file:` URI is refused whatever its parameters
/// (a database in memory, shared or not, without locking, immutable, another VFS), as are
/// `:memory:` and the empty name; no file is created. rusqlite's default flags include
/// `SQLITE_OPEN_URI`, so before the fix `file:x?mode=memory` opened a private in-memory
/// database (which WAL mode then refused) and `file:x?nolock=1` a file without locking
/// (which nothing refused): the first check below shows SQLite does take such URIs.
#[test]
fn sqlite_refuses_uris_and_in_memory_names() {
    let folder = std::env::temp_dir();
    let name = format!("hushwire-uri-{}", std::process::id());
    // rusqlite with its default flags reads a URI: this opens no file.
    let in_memory = format!("file:{}?mode=memory", folder.join(&name).display());
    let connection = rusqlite::Connection::open(&in_memory).unwrap();
    connection.execute_batch("CREATE TABLE t (x)").unwrap();
    assert!(!folder.join(&name).exists());
    drop(connection);

    let file = folder.join(format!("{name}.sqlite"));
    let uris = [
        ":memory:".to_owned(),
        String::new(),
        "file::memory:".to_owned(),
        "file::memory:?cache=shared".to_owned(),
        "file:x?mode=memory".to_owned(),
        "FILE:x?mode=memory&cache=shared".to_owned(),
        format!("file:{}?nolock=1", file.display()),
        format!("file:{}?vfs=unix-none", file.display()),
        format!("file:{}?immutable=1", file.display()),
        format!("file://{}", file.display()),
    ];
    for uri in &uris {
        let error = SqliteStore::open(uri, SqliteOptions::default()).unwrap_err();
        assert!(matches!(error, Error::Store(_)), "{uri}: {error:?}");
        assert!(uri.is_empty() || !Path::new(uri).exists(), "{uri} created");
    }
    assert!(!file.exists());
}

// ---------------------------------------------------------------------------------------------
// (g) One message delivered twice at once.

/// A store whose first two session-record loads wait for each other: two deliveries of one
/// message both read the record at the same revision before either writes, the race the
/// compare-and-swap has to settle.
struct Gated<S> {
    inner: S,
    loads: AtomicUsize,
    barrier: Barrier,
}

impl<S: SessionRecords> SessionRecords for Gated<S> {
    async fn load_session_record(
        &self,
        peer: &DeviceAddress,
    ) -> Result<Option<Versioned<StoredSessionRecord>>, Error> {
        let loaded = self.inner.load_session_record(peer).await;
        if self.loads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.barrier.wait();
        }
        loaded
    }

    async fn store_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
    ) -> Result<Revision, Error> {
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

impl<S: PreKeys> PreKeys for Gated<S> {
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

impl<S: AcceptTransaction> AcceptTransaction for Gated<S> {
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

/// Bob's store holds a session with Alice; Alice's second message (a plain ratchet message)
/// is delivered twice at the same moment, by two threads, each reading Bob's record at the
/// same revision: exactly one delivery returns the plaintext, the other
/// `Error::DuplicateMessage` (its first swap lost, and the retry found the message key used),
/// and the record took one write. Returns what a third delivery, later, gets.
fn one_message_delivered_twice_at_once<S: AcceptTransaction + 'static>(
    store: S,
) -> Result<Vec<u8>, Error> {
    let mut rng = common::rng(4_180);
    let bob_identity = IdentityKeyPair::generate(&mut rng);
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let spk = SignedPreKeyPair::generate(
        &mut rng,
        &bob_identity,
        SignedPreKeyId(1),
        Timestamp::from_unix_seconds(TEST_SIGNED_AT),
    );
    let bundle = validated_bundle(&bob_identity, &spk, None, &config());
    let alice_at = address("alice", 1);
    let gated = Gated {
        inner: store,
        loads: AtomicUsize::new(2),
        barrier: Barrier::new(2),
    };
    let bob = Arc::new(Conversations::new(gated, bob_identity, config()));
    let mut alice = SessionRecord::new();
    let message = run(async {
        bob.store().add_signed_prekey(&spk).await.unwrap();
        alice
            .initiate(&mut rng, &alice_identity, &bundle, &config())
            .unwrap();
        let first = prekey(alice.encrypt(b"first").unwrap());
        bob.accept(&mut rng, &alice_at, &first).await.unwrap();
        let reply = bob.encrypt(&alice_at, b"reply").await.unwrap();
        let mut none = hushwire::InMemoryPreKeyStore::new();
        alice
            .decrypt(
                &mut rng,
                &alice_identity,
                &mut none,
                bob.identity_key(),
                &reply,
                &config(),
            )
            .unwrap();
        alice.encrypt(b"twice").unwrap()
    });
    let before = run(bob.store().load_session_record(&alice_at))
        .unwrap()
        .unwrap()
        .revision;
    // Open the gate: the next two loads wait for each other.
    bob.store().loads.store(0, Ordering::SeqCst);
    let alice_key = *alice_identity.public_key();
    let deliveries: Vec<_> = (0..2u64)
        .map(|i| {
            let (bob, message, at) = (Arc::clone(&bob), message.clone(), alice_at.clone());
            std::thread::spawn(move || {
                let mut rng = common::rng(4_190 + i);
                run(bob.decrypt(&mut rng, &at, &alice_key, &message))
            })
        })
        .collect();
    let results: Vec<Result<Vec<u8>, Error>> =
        deliveries.into_iter().map(|t| t.join().unwrap()).collect();
    let decrypted: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(decrypted, [&Ok(b"twice".to_vec())], "{results:?}");
    assert!(
        results.contains(&Err(Error::DuplicateMessage)),
        "{results:?}"
    );
    assert!(bob.lost_swaps() >= 1, "both read the same revision");
    let after = run(bob.store().load_session_record(&alice_at))
        .unwrap()
        .unwrap()
        .revision;
    assert_eq!(after, before.next("session_record").unwrap());
    // And delivered a third time, later (the caller checks it is refused as well).
    run(bob.decrypt(&mut rng, &alice_at, &alice_key, &message))
}

/// One message delivered twice at the same moment decrypts once, in memory and on SQLite.
#[test]
fn the_same_message_delivered_twice_at_once_decrypts_once() {
    assert_eq!(
        one_message_delivered_twice_at_once(MemoryStore::new()),
        Err(Error::DuplicateMessage)
    );
    let db = TempDb::new("twice");
    assert_eq!(
        one_message_delivered_twice_at_once(db.open(|_| {})),
        Err(Error::DuplicateMessage)
    );
}

// ---------------------------------------------------------------------------------------------
// (h) KEM prekeys: a removed id is never added again; a use of the other kind is refused.

fn kem_key(seed: u64, id: u32, kind: hushwire::KemPreKeyKind) -> hushwire::KemPreKeyPair {
    let mut rng = rng(seed);
    let identity = IdentityKeyPair::generate(&mut rng);
    hushwire::KemPreKeyPair::generate(
        &mut rng,
        &identity,
        hushwire::KemPreKeyId(id),
        kind,
        Timestamp::from_unix_seconds(TEST_SIGNED_AT),
    )
}

fn kem_uses(id: u32, kind: hushwire::KemPreKeyKind, seed: u64) -> hushwire::PreKeyUses {
    let base = *OneTimePreKeyPair::generate(&mut rng(seed), OneTimePreKeyId(1))
        .public()
        .public_key();
    hushwire::PreKeyUses::new(
        None,
        Some(hushwire::KemPreKeyUse::new(
            hushwire::KemPreKeyId(id),
            kind,
            base,
        )),
    )
}

/// A last-resort KEM prekey that accepted a first message, then removed (which forgets its
/// base keys) and added again, alone, as a one-time key, or in a batch: refused with
/// `StoreConflict`, nothing added; the replayed first message finds no key; and its id
/// still counts as the greatest ever added, so upkeep does not issue it again. In memory and
/// on SQLite (every backend: `tests/store_conformance.rs`).
#[test]
fn a_removed_kem_prekey_is_never_added_again() {
    use hushwire::{KemPreKeyId, KemPreKeyKind};
    let db = TempDb::new("retired");
    let memory = Arc::new(MemoryStore::new());
    let sqlite = Arc::new(db.open(|_| {}));
    let last_resort = kem_key(60, 4, KemPreKeyKind::LastResort);
    let as_one_time = kem_key(61, 4, KemPreKeyKind::OneTime);
    let fresh = kem_key(62, 5, KemPreKeyKind::OneTime);
    let replay = kem_uses(4, KemPreKeyKind::LastResort, 63);
    macro_rules! check {
        ($store:expr) => {{
            let store = $store;
            run(store.add_kem_prekeys(core::slice::from_ref(&last_resort))).unwrap();
            run(store.store_accepted_session(
                &address("alice", 1),
                None,
                &some_record(64),
                &replay,
            ))
            .unwrap();
            assert_eq!(run(store.remove_kem_prekey(KemPreKeyId(4))), Ok(true));
            for batch in [
                vec![last_resort.clone()],
                vec![as_one_time.clone()],
                vec![fresh.clone(), last_resort.clone()],
            ] {
                assert_eq!(
                    run(store.add_kem_prekeys(&batch)),
                    Err(Error::StoreConflict {
                        record: "kem_prekey"
                    })
                );
            }
            assert_eq!(run(store.one_time_kem_prekeys_left()), Ok(0));
            assert_eq!(
                run(store.store_accepted_session(
                    &address("mallory", 1),
                    None,
                    &some_record(64),
                    &replay
                )),
                Err(Error::UnknownKemPreKey { id: 4 })
            );
            assert_eq!(run(store.last_kem_prekey_id()), Ok(Some(KemPreKeyId(4))));
        }};
    }
    check!(&memory);
    check!(&sqlite);
}

/// The accept transaction refuses a KEM prekey use whose kind is not the stored key's
/// (SPEC.md 17.3 rule 4), with `InvalidSessionState`, and writes nothing: no record, the
/// one-time KEM prekey still held, no base key recorded with the last-resort one (the same
/// base key is accepted afterwards with the right kind). In memory and on SQLite.
#[test]
fn a_kem_prekey_use_of_the_other_kind_writes_nothing() {
    use hushwire::{KemPreKeyId, KemPreKeyKind};
    let db = TempDb::new("kind");
    let memory = Arc::new(MemoryStore::new());
    let sqlite = Arc::new(db.open(|_| {}));
    let keys = [
        kem_key(70, 1, KemPreKeyKind::LastResort),
        kem_key(71, 2, KemPreKeyKind::OneTime),
    ];
    let peer = address("alice", 1);
    macro_rules! check {
        ($store:expr) => {{
            let store = $store;
            run(store.add_kem_prekeys(&keys)).unwrap();
            for (id, named) in [(1, KemPreKeyKind::OneTime), (2, KemPreKeyKind::LastResort)] {
                assert_eq!(
                    run(store.store_accepted_session(
                        &peer,
                        None,
                        &some_record(72),
                        &kem_uses(id, named, 73)
                    )),
                    Err(Error::InvalidSessionState)
                );
                assert!(run(store.load_session_record(&peer)).unwrap().is_none());
            }
            assert_eq!(run(store.one_time_kem_prekeys_left()), Ok(1));
            assert!(run(store.load_kem_prekey(KemPreKeyId(2))).is_ok());
            run(store.store_accepted_session(
                &peer,
                None,
                &some_record(72),
                &kem_uses(1, KemPreKeyKind::LastResort, 73),
            ))
            .unwrap();
        }};
    }
    check!(&memory);
    check!(&sqlite);
}
