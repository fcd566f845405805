//! The stores bench's set-up: a business device with many customer sessions in a store, the
//! customers' own devices (in memory, untimed), and a SQLite file filled directly for the
//! scaling rows.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hushwire::hazmat::store::session_record_key;
use hushwire::store::{
    AcceptTransaction, Conversations, MemoryStore, PostgresOptions, PostgresStore, PreKeyPolicy,
    Revision, Sealer, SessionRecords, SqliteOptions, SqliteStore, StorageKey,
};
use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, Envelope, IdentityKeyPair, PreKeyBundle, Timestamp,
};
use hushwire_testkit::fixtures::{ChaCha20Rng, SeedableRng};

/// The business's address at its customers.
pub(crate) fn business_at() -> DeviceAddress {
    address("business")
}

/// Customer `i`'s address at the business.
pub(crate) fn customer_at(i: usize) -> DeviceAddress {
    address(&format!("customer-{i}"))
}

fn address(account: &str) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(account.as_bytes().to_vec()).expect("a valid account id"),
        DeviceId::new(1).expect("a valid device id"),
    )
}

/// A tokio runtime with `workers` worker threads.
pub(crate) fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A database file of this run, removed (with its WAL files) on drop.
pub(crate) struct TempFile(pub(crate) PathBuf);

impl TempFile {
    pub(crate) fn new(name: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::var_os("STORES_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        TempFile(dir.join(format!(
            "hushwire-bench-{name}-{}-{n}.sqlite",
            std::process::id()
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The stores the bench compares.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Memory,
    /// SQLite, `synchronous = FULL` (the default): every write on disk before it returns.
    Sqlite,
    /// SQLite, `synchronous = NORMAL`: survives a crash of the process, not a power cut.
    SqliteNormal,
    /// SQLite, FULL, every value sealed (SPEC.md 17.4).
    SqliteSealed,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [
        Kind::Memory,
        Kind::Sqlite,
        Kind::SqliteNormal,
        Kind::SqliteSealed,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Sqlite => "sqlite",
            Kind::SqliteNormal => "sqlite_normal",
            Kind::SqliteSealed => "sqlite_sealed",
        }
    }
}

/// Either store, as one type.
pub(crate) enum AnyStore {
    Memory(Box<MemoryStore>),
    Sqlite(SqliteStore, TempFile),
}

pub(crate) fn sqlite_options(synchronous_full: bool, sealed: bool) -> SqliteOptions {
    let mut options = SqliteOptions::default();
    options.synchronous_full = synchronous_full;
    if sealed {
        options.sealer = Some(Sealer::new(
            StorageKey::from_bytes([5; 32]),
            ChaCha20Rng::seed_from_u64(5),
        ));
    }
    options
}

pub(crate) fn open(kind: Kind) -> AnyStore {
    let sqlite = |full, sealed| {
        let file = TempFile::new(kind.name());
        let store = SqliteStore::open(&file.0, sqlite_options(full, sealed)).expect("open");
        AnyStore::Sqlite(store, file)
    };
    match kind {
        Kind::Memory => AnyStore::Memory(Box::new(MemoryStore::new())),
        Kind::Sqlite => sqlite(true, false),
        Kind::SqliteNormal => sqlite(false, false),
        Kind::SqliteSealed => sqlite(true, true),
    }
}

/// A business with `n` customer sessions in its store, and the customers' devices.
pub(crate) struct Business<S> {
    pub(crate) conversations: Arc<Conversations<S>>,
    pub(crate) customers: Vec<Arc<Conversations<MemoryStore>>>,
}

pub(crate) fn business<S: AcceptTransaction + 'static>(
    runtime: &tokio::runtime::Runtime,
    store: S,
    n: usize,
) -> Business<S> {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let config = Config::default();
    let business = Conversations::new(store, IdentityKeyPair::generate(&mut rng), config);
    runtime.block_on(async {
        let mut policy = PreKeyPolicy::default();
        policy.one_time_minimum = u32::try_from(n).expect("n fits u32");
        policy.one_time_target = policy.one_time_minimum;
        let upkeep = business
            .upkeep_prekeys(
                &mut rng,
                Timestamp::from_unix_seconds(1_800_000_000),
                &policy,
            )
            .await
            .expect("upkeep");
        let mut customers = Vec::with_capacity(n);
        for (i, one_time) in upkeep.added.iter().enumerate() {
            let customer = Conversations::new(
                MemoryStore::new(),
                IdentityKeyPair::generate(&mut rng),
                config,
            );
            let bundle = PreKeyBundle::from_public(
                business.identity_key(),
                &upkeep.signed_prekey,
                Some(*one_time),
            )
            .expect("bundle");
            customer
                .initiate(&mut rng, &business_at(), &bundle)
                .await
                .expect("initiate");
            let first = customer
                .encrypt(&business_at(), b"hello")
                .await
                .expect("encrypt");
            business
                .accept(
                    &mut rng,
                    &customer_at(i),
                    &first.into_prekey().expect("first"),
                )
                .await
                .expect("accept");
            // The business answers, so that both chains exist and no message below takes a
            // ratchet step: every row is encrypt or decrypt on an existing chain.
            let answer = business
                .encrypt(&customer_at(i), b"hi")
                .await
                .expect("answer");
            customer
                .decrypt(&mut rng, &business_at(), business.identity_key(), &answer)
                .await
                .expect("customer decrypt");
            customers.push(Arc::new(customer));
        }
        Business {
            conversations: Arc::new(business),
            customers,
        }
    })
}

/// `iters` messages from the customers to the business, customer `j` of worker `t`'s share
/// (`j % workers == t`) in turn, each customer's in order: one list per worker.
pub(crate) fn incoming(
    runtime: &tokio::runtime::Runtime,
    customers: &[Arc<Conversations<MemoryStore>>],
    iters: u64,
    workers: usize,
) -> Vec<Vec<(usize, Envelope)>> {
    let mut lists = vec![Vec::new(); workers];
    runtime.block_on(async {
        for k in 0..iters {
            let t = (k % workers as u64) as usize;
            let j = share(t, k / workers as u64, customers.len(), workers);
            let envelope = customers[j]
                .encrypt(&business_at(), b"a message of some forty bytes, say")
                .await
                .expect("customer encrypt");
            lists[t].push((j, envelope));
        }
    });
    lists
}

/// The `k`th session of worker `t`: its sessions are those `j` with `j % workers == t`.
pub(crate) fn share(t: usize, k: u64, sessions: usize, workers: usize) -> usize {
    let mine = (sessions - t).div_ceil(workers);
    t + workers * (k % mine as u64) as usize
}

/// A SQLite file with `n` session records (copies of `record`, a real session's stored
/// form, under `n` addresses), written directly in one transaction: the scaling rows need a
/// million rows in seconds, not a million handshakes. A copy of one state under many
/// addresses is fine for timing a store and never to be done with real sessions.
pub(crate) fn fill(path: &Path, record: &[u8], n: usize) {
    let mut db = rusqlite::Connection::open(path).expect("open");
    let tx = db.transaction().expect("begin");
    {
        let mut insert = tx
            .prepare("INSERT INTO session_records (key, revision, value) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for i in 0..n {
            let revision = Revision::first_of(i as u64 + 1, "session_record").expect("rev");
            insert
                .execute(rusqlite::params![
                    session_record_key(&customer_at(i)),
                    revision.0 as i64,
                    record
                ])
                .expect("insert");
        }
        tx.execute(
            "INSERT INTO incarnations (name, next) VALUES ('session_records', ?1) \
             ON CONFLICT (name) DO UPDATE SET next = ?1",
            [n as i64],
        )
        .expect("incarnations");
    }
    tx.commit().expect("commit");
}

/// The stored form of one established session, for [`fill`].
pub(crate) fn one_record(runtime: &tokio::runtime::Runtime) -> Vec<u8> {
    let store = Arc::new(MemoryStore::new());
    let b = business(runtime, Arc::clone(&store), 1);
    drop(b);
    runtime.block_on(async {
        store
            .load_session_record(&customer_at(0))
            .await
            .expect("load")
            .expect("a record")
            .value
            .as_bytes()
            .to_vec()
    })
}

/// The PostgreSQL server of this run, if `STORES_POSTGRES_URL` (or the test suite's
/// `HUSHWIRE_TEST_POSTGRES_URL`) names one.
pub(crate) fn postgres_url() -> Option<String> {
    std::env::var("STORES_POSTGRES_URL")
        .or_else(|_| std::env::var("HUSHWIRE_TEST_POSTGRES_URL"))
        .ok()
}

/// A PostgreSQL store in a new schema of its own, with `connections` connections, opened on
/// `runtime`.
pub(crate) fn postgres(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    connections: usize,
) -> PostgresStore {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut options = PostgresOptions::from_url(url).expect("a connection string");
    options.schema = format!("bench_{}_{n}", std::process::id());
    options.pool_size = connections;
    runtime
        .block_on(PostgresStore::open(options))
        .expect("open the PostgreSQL store")
}
