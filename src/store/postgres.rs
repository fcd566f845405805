//! The store on PostgreSQL (cargo feature `postgres`): tokio-postgres on a deadpool pool of
//! connections, every compare-and-swap one conditional statement, so that many backend
//! processes on many hosts can share one database (SPEC.md 17.6).
//!
//! # Why tokio-postgres and deadpool, not sqlx
//!
//! Measured on the 2-core development machine (shared, load 5 to 8), 2026-12-03, against
//! PostgreSQL 15.18 on loopback (fsync off), with two throwaway bench binaries doing the
//! same compare-and-swap (`UPDATE … SET revision = $2, value = $3 WHERE key = $1 AND
//! revision = $4`, 600-byte values, a prepared statement), built `--release`:
//!
//! | | tokio-postgres 0.7.18 + deadpool 0.13 | sqlx 0.8.6 (`postgres`, `runtime-tokio`, no macros) |
//! |---|---|---|
//! | 8 tasks × 500 swaps, a pooled connection taken per swap (this store's pattern), 3 runs | 163–189 ms, 21,000–24,500/s | 286–337 ms, 11,900–14,000/s |
//! | 4,000 swaps on one connection held throughout, 3 runs | 62–71 µs each | 41–83 µs each |
//! | clean `cargo build --release` of the bench (wall time, busy machine) | 101 s | 260 s |
//! | crates in `cargo tree -e normal` (deduplicated) | 67 | 118 |
//!
//! The store takes a pooled connection for every call, where sqlx's pool costs about twice
//! as much per swap; sqlx is quicker only on one connection held throughout, which the store
//! never does. tokio-postgres also builds in less than half the time, with about half the
//! crates, and shares hushwire's `sha2` 0.11, `hmac` 0.13 and `rand` 0.10 where sqlx 0.8
//! brings older second copies (`sha2` 0.10, `hmac` 0.12, `hkdf` 0.12, `rand` 0.8). deadpool
//! is used directly (not `deadpool-postgres`) so that the pool's connections are opened on
//! the store's own runtime, with errors of the store's own type. Commands: `cargo tree -e
//! normal --prefix none | sed 's/ (\*)//' | sort -u | wc -l`, `time cargo build --release`
//! after `cargo clean`, `HUSHWIRE_TEST_POSTGRES_URL=… target/release/pgbench-{tp,sqlx} 4000`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{self, Metrics, Pool, PoolError, RecycleError, RecycleResult};
use tokio::runtime::Handle;
use tokio_postgres::{Client, GenericClient, IsolationLevel, NoTls, Statement};
use zeroize::Zeroizing;

use super::rows::{Consume, KemLookup, KemRow, KemUse, Refusal, Row, Rows, generic};
use super::seal::Sealer;
use super::{Revision, Table};
use crate::{Error, StoreError};

/// The schema version this build writes and reads (SPEC.md 17.6): the `schema_version` table
/// of the store's PostgreSQL schema holds it. A database at an older version is migrated when
/// a store opens it; one at a newer version is refused.
pub const POSTGRES_SCHEMA_VERSION: u32 = 3;

/// The advisory lock that serializes the migrations of every store opening one database
/// (`pg_advisory_xact_lock`, SPEC.md 17.6): the ASCII bytes of "hushwire".
const MIGRATION_LOCK: i64 = 0x6875_7368_7769_7265;

/// How a [`PostgresStore`] connects. [`PostgresOptions::from_url`] (or
/// `PostgresOptions::default()`), then set what differs.
#[non_exhaustive]
pub struct PostgresOptions {
    /// Seal every value at rest with this sealer (SPEC.md 17.4). Default: none. A database
    /// schema must always be opened with the same choice and the same storage key: a sealed
    /// store refuses an unsealed value ([`Error::SealedRecordInvalid`]) and the reverse.
    pub sealer: Option<Sealer>,
    /// The most connections the store keeps open at once (its pool). Default 16; 0 counts
    /// as 1. A call waits for a free connection when every one is busy.
    pub pool_size: usize,
    /// How long opening one connection (network, authentication) may take before it fails
    /// with [`Error::Store`]. Default 10 s.
    pub connect_timeout: Duration,
    /// The PostgreSQL schema that holds the store's tables, created if missing: one schema
    /// per store (a store is one device's, SPEC.md 17.1), so that one database can hold the
    /// stores of many devices. 1 to 63 characters of `a`–`z`, `0`–`9` and `_`, not starting
    /// with a digit nor with `pg_`. Default `public`.
    pub schema: String,
    config: tokio_postgres::Config,
}

impl PostgresOptions {
    /// The options for the server and database of a connection string, either a URL
    /// (`postgresql://user:password@host:port/database?connect_timeout=5`) or libpq's
    /// `key=value` form (`host=/run/postgresql user=hushwire dbname=hushwire`); a host that
    /// is a path is a Unix-socket directory. What the string does not give is libpq's
    /// default (port 5432, the operating system's user name as the user and the database).
    /// The other fields keep their defaults.
    ///
    /// Connections are not encrypted (no TLS): use a Unix socket, loopback, or a network
    /// that is private to the backend.
    ///
    /// # Errors
    /// [`Error::Store`] if the string cannot be parsed (the error does not repeat it: it may
    /// hold a password).
    pub fn from_url(url: &str) -> Result<Self, Error> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|_| Error::Store(StoreError::new("postgres: invalid connection string")))?;
        Ok(Self {
            config,
            ..Self::default()
        })
    }
}

impl Default for PostgresOptions {
    /// The server on `localhost`, port 5432, as the operating system's user, no sealer,
    /// 16 connections, a 10 s connect timeout, schema `public`.
    fn default() -> Self {
        let mut config = tokio_postgres::Config::new();
        config.host("localhost");
        Self {
            sealer: None,
            pool_size: 16,
            connect_timeout: Duration::from_secs(10),
            schema: String::from("public"),
            config,
        }
    }
}

impl core::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The connection string's password is left out.
        f.debug_struct("PostgresOptions")
            .field("sealer", &self.sealer)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("schema", &self.schema)
            .field("hosts", &self.config.get_hosts())
            .field("ports", &self.config.get_ports())
            .field("user", &self.config.get_user())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

/// Every store trait on one PostgreSQL schema (SPEC.md 17.6), shared by any number of
/// processes on any number of hosts.
///
/// - **Compare-and-swap in SQL**: a write is one `UPDATE … WHERE key = $1 AND revision = $4`
///   (or an `INSERT … ON CONFLICT (key) DO NOTHING` for a record read as absent), correct
///   under `READ COMMITTED` across every backend process: PostgreSQL re-checks the `WHERE`
///   of a row another transaction changed meanwhile. A consume is one conditional `UPDATE`
///   too; the accept transaction is one transaction.
/// - **Incarnations** come from a sequence per table, which never hands out a number twice,
///   even to transactions that roll back.
/// - **Versioned schema**: the `schema_version` table; migrations run when a store opens the
///   database, under an advisory lock, so that many processes can open it at once
///   ([`POSTGRES_SCHEMA_VERSION`]).
/// - **Natively async**: a pool of tokio-postgres connections ([`PostgresOptions::pool_size`]).
///   The connections run on the tokio runtime that [`PostgresStore::open`] was called on,
///   which must have its I/O and time drivers (`enable_all`) and outlive the store; calls
///   may come from any runtime or thread.
///
/// If the future of a write is dropped (cancelled) after its statement was sent, the write
/// may still commit: a message encrypted on that state is then never released, and its key
/// is never used again.
///
/// ```no_run
/// use hushwire::store::{PostgresOptions, PostgresStore, PreKeys};
///
/// # async fn serve() -> Result<(), hushwire::Error> {
/// let mut options = PostgresOptions::from_url("postgresql://hushwire@db.internal/hushwire")?;
/// options.schema = String::from("device_42");
/// let store = PostgresStore::open(options).await?;
/// let left = store.one_time_prekeys_left().await?;
/// # let _ = left;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool<Manager>,
    sealer: Option<Sealer>,
    schema: String,
    pool_size: usize,
}

/// A failure described without anything a statement carried: for an error of the server, its
/// severity, SQLSTATE code and message, never its detail or hint (which can quote a row), and
/// no message for data exceptions (class 22, whose messages can quote a value).
#[derive(Debug)]
struct Failure(String);

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl Failure {
    fn of(error: &tokio_postgres::Error) -> Self {
        Failure(match error.as_db_error() {
            Some(db) => {
                let code = db.code().code();
                if code.starts_with("22") {
                    format!("{} {code}", db.severity())
                } else {
                    format!("{} {code}: {}", db.severity(), db.message())
                }
            }
            // The client's own errors (I/O, a closed connection, a timeout) hold no values.
            None => error.to_string(),
        })
    }
}

/// A store error naming what failed, with the server's error as [`Failure`] describes it.
fn failed(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
    move |error| {
        Error::Store(StoreError::with_source(
            format!("postgres: {what}"),
            Failure::of(&error),
        ))
    }
}

fn pool_failed(error: PoolError<Failure>) -> Error {
    Error::Store(match error {
        PoolError::Backend(failure) => StoreError::with_source("postgres: connect", failure),
        PoolError::Timeout(_) => StoreError::new("postgres: timed out waiting for a connection"),
        PoolError::Closed => StoreError::new("postgres: the pool is closed"),
        PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
            StoreError::new("postgres: connect")
        }
    })
}

fn to_sql(revision: Revision) -> Result<i64, Error> {
    super::revision_to_db(revision, "postgres")
}

fn from_sql(revision: i64) -> Result<Revision, Error> {
    super::revision_from_db(revision, "postgres")
}

/// The schema, one migration per version: migration `i` takes a database from version `i` to
/// `i + 1`. `{s}` stands for the store's schema, quoted.
const MIGRATIONS: [&str; POSTGRES_SCHEMA_VERSION as usize] = [
    // Version 1: one table per kind of record, all of one shape (as SQLite's, SPEC.md 17.5),
    // and one sequence per table for its incarnations (SPEC.md 17.3).
    "CREATE TABLE {s}.session_records (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE TABLE {s}.signed_prekeys (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE TABLE {s}.one_time_prekeys (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE TABLE {s}.trust_records (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE TABLE {s}.device_lists (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE TABLE {s}.group_sessions (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA);
     CREATE SEQUENCE {s}.session_records_incarnation AS BIGINT MINVALUE 1 NO CYCLE;
     CREATE SEQUENCE {s}.signed_prekeys_incarnation AS BIGINT MINVALUE 1 NO CYCLE;
     CREATE SEQUENCE {s}.one_time_prekeys_incarnation AS BIGINT MINVALUE 1 NO CYCLE;
     CREATE SEQUENCE {s}.trust_records_incarnation AS BIGINT MINVALUE 1 NO CYCLE;
     CREATE SEQUENCE {s}.device_lists_incarnation AS BIGINT MINVALUE 1 NO CYCLE;
     CREATE SEQUENCE {s}.group_sessions_incarnation AS BIGINT MINVALUE 1 NO CYCLE;",
    // Version 2: the KEM prekeys of the hybrid set-up (as SQLite's version 2, SPEC.md 17.5):
    // their rows with a `one_time` flag, the keys of consumed one-time KEM prekeys, and the
    // base keys each last-resort KEM prekey accepted, each pair once.
    "CREATE TABLE {s}.kem_prekeys (key BYTEA PRIMARY KEY, \
         revision BIGINT NOT NULL CHECK (revision >= 1), value BYTEA NOT NULL, \
         one_time BOOLEAN NOT NULL);
     CREATE TABLE {s}.consumed_kem_prekeys (key BYTEA PRIMARY KEY);
     CREATE TABLE {s}.kem_base_keys (key BYTEA NOT NULL, \
         base_key BYTEA NOT NULL CHECK (length(base_key) = 32), PRIMARY KEY (key, base_key));",
    // Version 3: the keys of removed KEM prekeys (as SQLite's version 3, SPEC.md 17.5), so
    // that a removed id is never added again nor issued again.
    "CREATE TABLE {s}.retired_kem_prekeys (key BYTEA PRIMARY KEY);",
];

/// Whether `schema` is a name the store accepts (it is written into statements, so only
/// plain lower-case identifiers).
fn valid_schema(schema: &str) -> bool {
    let bytes = schema.as_bytes();
    bytes.first().is_some_and(|b| !b.is_ascii_digit())
        && bytes.len() <= 63
        && !schema.starts_with("pg_")
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// Brings the store's schema to [`POSTGRES_SCHEMA_VERSION`], in one transaction holding the
/// migration lock, so that stores opening the database at once migrate it one after the other.
async fn migrate(client: &mut Client, schema: &str) -> Result<(), Error> {
    let quoted = format!("\"{schema}\"");
    let transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(failed("begin migration"))?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(failed("lock for migration"))?;
    let exists = transaction
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await
        .map_err(failed("read schema"))?;
    if exists.is_none() {
        transaction
            .batch_execute(&format!("CREATE SCHEMA {quoted}"))
            .await
            .map_err(failed("create schema"))?;
    }
    transaction
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {quoted}.schema_version (version INTEGER NOT NULL)"
        ))
        .await
        .map_err(failed("create schema_version"))?;
    let found: Option<i32> = transaction
        .query_one(
            &format!("SELECT max(version) FROM {quoted}.schema_version"),
            &[],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(failed("read schema_version"))?;
    let found = u32::try_from(found.unwrap_or(0))
        .map_err(|_| Error::Store(StoreError::new("postgres: invalid schema version")))?;
    if found > POSTGRES_SCHEMA_VERSION {
        return Err(Error::Store(StoreError::new(format!(
            "postgres: the database has schema version {found}, newer than this build's \
             {POSTGRES_SCHEMA_VERSION}"
        ))));
    }
    for migration in MIGRATIONS.iter().skip(found as usize) {
        transaction
            .batch_execute(&migration.replace("{s}", &quoted))
            .await
            .map_err(failed("migrate schema"))?;
    }
    if found < POSTGRES_SCHEMA_VERSION {
        transaction
            .batch_execute(&format!(
                "DELETE FROM {quoted}.schema_version; \
                 INSERT INTO {quoted}.schema_version (version) VALUES ({POSTGRES_SCHEMA_VERSION})"
            ))
            .await
            .map_err(failed("write schema_version"))?;
    }
    transaction
        .commit()
        .await
        .map_err(failed("commit migration"))
}

/// The statements, per table.
#[derive(Clone, Copy)]
enum Kind {
    Get,
    Scan,
    Insert,
    InsertMany,
    Update,
    DeleteAt,
    Delete,
    Consume,
    Exists,
    Count,
    Incarnation,
    LastKey,
}

const KINDS: usize = 12;

/// Every [`Kind`], in declaration order.
const ALL_KINDS: [Kind; KINDS] = [
    Kind::Get,
    Kind::Scan,
    Kind::Insert,
    Kind::InsertMany,
    Kind::Update,
    Kind::DeleteAt,
    Kind::Delete,
    Kind::Consume,
    Kind::Exists,
    Kind::Count,
    Kind::Incarnation,
    Kind::LastKey,
];

/// The statements on the KEM prekey tables, after every table's [`Kind`]s.
#[derive(Clone, Copy)]
enum KemKind {
    Get,
    Consumed,
    Scan,
    InsertMany,
    DeleteBaseKeys,
    Delete,
    CountOneTime,
    LastKey,
    TakeOneTime,
    LastResort,
    MarkConsumed,
    AddBaseKey,
    ScanLastResort,
    Spent,
    Retire,
}

const KEM_KINDS: [KemKind; 15] = [
    KemKind::Get,
    KemKind::Consumed,
    KemKind::Scan,
    KemKind::InsertMany,
    KemKind::DeleteBaseKeys,
    KemKind::Delete,
    KemKind::CountOneTime,
    KemKind::LastKey,
    KemKind::TakeOneTime,
    KemKind::LastResort,
    KemKind::MarkConsumed,
    KemKind::AddBaseKey,
    KemKind::ScanLastResort,
    KemKind::Spent,
    KemKind::Retire,
];

/// The index of a statement in [`Manager::sql`] and a connection's prepared statements.
fn slot(table: Table, kind: Kind) -> usize {
    let table = match table {
        Table::SessionRecords => 0,
        Table::SignedPreKeys => 1,
        Table::OneTimePreKeys => 2,
        Table::TrustRecords => 3,
        Table::DeviceLists => 4,
        Table::GroupSessions => 5,
        Table::KemPreKeys => 6,
    };
    table * KINDS + kind as usize
}

/// The index of a KEM statement.
fn kem_slot(kind: KemKind) -> usize {
    Table::ALL.len() * KINDS + kind as usize
}

/// The SQL of a KEM statement in `schema`.
fn kem_statement(schema: &str, kind: KemKind) -> String {
    let k = format!("\"{schema}\".kem_prekeys");
    let c = format!("\"{schema}\".consumed_kem_prekeys");
    let b = format!("\"{schema}\".kem_base_keys");
    let r = format!("\"{schema}\".retired_kem_prekeys");
    match kind {
        KemKind::Get => format!("SELECT revision, one_time, value FROM {k} WHERE key = $1"),
        KemKind::Consumed => format!("SELECT 1 FROM {c} WHERE key = $1"),
        KemKind::Scan => format!("SELECT key, revision, one_time, value FROM {k}"),
        KemKind::ScanLastResort => {
            format!("SELECT key, revision, one_time, value FROM {k} WHERE NOT one_time")
        }
        // A key consumed or removed before the statement's snapshot is left out, so the
        // count falls short and nothing is kept; one consumed or removed by a transaction
        // this insert waited on is caught by `Spent`, run after it (SPEC.md 17.6).
        KemKind::InsertMany => format!(
            "INSERT INTO {k} (key, revision, one_time, value) \
             SELECT x.k, $4, x.o, x.v FROM unnest($1::bytea[], $2::bool[], $3::bytea[]) \
             WITH ORDINALITY AS x (k, o, v, n) \
             WHERE NOT EXISTS (SELECT 1 FROM {c} WHERE {c}.key = x.k) \
             AND NOT EXISTS (SELECT 1 FROM {r} WHERE {r}.key = x.k) ORDER BY x.n \
             ON CONFLICT (key) DO NOTHING"
        ),
        // A statement of its own, so a snapshot of its own under read committed.
        KemKind::Spent => format!(
            "SELECT 1 FROM {c} WHERE key = ANY($1::bytea[]) \
             UNION ALL SELECT 1 FROM {r} WHERE key = ANY($1::bytea[]) LIMIT 1"
        ),
        KemKind::Retire => format!("INSERT INTO {r} (key) VALUES ($1) ON CONFLICT DO NOTHING"),
        KemKind::DeleteBaseKeys => format!("DELETE FROM {b} WHERE key = $1"),
        KemKind::Delete => format!("DELETE FROM {k} WHERE key = $1"),
        KemKind::CountOneTime => format!("SELECT count(*) FROM {k} WHERE one_time"),
        KemKind::LastKey => format!(
            "SELECT key FROM (SELECT key FROM {k} UNION ALL SELECT key FROM {c} \
             UNION ALL SELECT key FROM {r}) AS keys ORDER BY key DESC LIMIT 1"
        ),
        // Row-locking: of two accepts at once, the second waits, then deletes nothing.
        KemKind::TakeOneTime => format!("DELETE FROM {k} WHERE key = $1 AND one_time"),
        // FOR SHARE: the key cannot be removed under the accept that records a base key.
        KemKind::LastResort => {
            format!("SELECT 1 FROM {k} WHERE key = $1 AND NOT one_time FOR SHARE")
        }
        KemKind::MarkConsumed => format!("INSERT INTO {c} (key) VALUES ($1)"),
        // The primary key refuses a pair twice: a concurrent insert of the same pair waits
        // for the first to commit, then inserts nothing.
        KemKind::AddBaseKey => {
            format!("INSERT INTO {b} (key, base_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        }
    }
}

/// The SQL of every statement of every table in `schema` (the names are the crate's constants
/// and a checked schema name: nothing else is interpolated). The generic [`Kind`]s are not
/// built for `kem_prekeys` (its rows have a `one_time` column and no incarnation sequence;
/// only the [`KemKind`]s touch it): their slots stay empty, and
/// [`Connection::statement`] refuses the table.
fn statements(schema: &str) -> Vec<String> {
    let mut out = vec![String::new(); Table::ALL.len() * KINDS + KEM_KINDS.len()];
    for kind in KEM_KINDS {
        if let Some(entry) = out.get_mut(kem_slot(kind)) {
            *entry = kem_statement(schema, kind);
        }
    }
    for table in Table::ALL.into_iter().filter(|t| generic(*t).is_ok()) {
        let name = table.name();
        let t = format!("\"{schema}\".{name}");
        let sql = |kind| match kind {
            Kind::Get => format!("SELECT revision, value FROM {t} WHERE key = $1"),
            Kind::Scan => format!("SELECT key, revision, value FROM {t} WHERE value IS NOT NULL"),
            Kind::Insert => format!(
                "INSERT INTO {t} (key, revision, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING"
            ),
            Kind::InsertMany => format!(
                "INSERT INTO {t} (key, revision, value) \
                 SELECT k, $3, v FROM unnest($1::bytea[], $2::bytea[]) \
                 WITH ORDINALITY AS r (k, v, n) ORDER BY n \
                 ON CONFLICT (key) DO NOTHING"
            ),
            Kind::Update => {
                format!("UPDATE {t} SET revision = $2, value = $3 WHERE key = $1 AND revision = $4")
            }
            Kind::DeleteAt => format!("DELETE FROM {t} WHERE key = $1 AND revision = $2"),
            Kind::Delete => format!("DELETE FROM {t} WHERE key = $1"),
            Kind::Consume => {
                format!("UPDATE {t} SET value = NULL WHERE key = $1 AND value IS NOT NULL")
            }
            Kind::Exists => format!("SELECT 1 FROM {t} WHERE key = $1"),
            Kind::Count => format!("SELECT count(*) FROM {t} WHERE value IS NOT NULL"),
            Kind::Incarnation => format!("SELECT nextval('\"{schema}\".{name}_incarnation')"),
            // bytea sorts bytewise; the primary key's index answers it.
            Kind::LastKey => format!("SELECT key FROM {t} ORDER BY key DESC LIMIT 1"),
        };
        for kind in ALL_KINDS {
            if let Some(entry) = out.get_mut(slot(table, kind)) {
                *entry = sql(kind);
            }
        }
    }
    out
}

/// One pooled connection and the statements prepared on it so far.
struct Connection {
    client: Client,
    prepared: Vec<Option<Statement>>,
    sql: Arc<[String]>,
}

impl Connection {
    /// Statement `kind` of `table`, prepared on this connection the first time; never of
    /// `kem_prekeys` ([`generic`]).
    async fn statement(&mut self, table: Table, kind: Kind) -> Result<Statement, Error> {
        self.prepared_at(slot(generic(table)?, kind)).await
    }

    /// KEM statement `kind`, prepared on this connection the first time.
    async fn kem(&mut self, kind: KemKind) -> Result<Statement, Error> {
        self.prepared_at(kem_slot(kind)).await
    }

    /// The statement at `index`, prepared on this connection the first time.
    async fn prepared_at(&mut self, index: usize) -> Result<Statement, Error> {
        if let Some(Some(statement)) = self.prepared.get(index) {
            return Ok(statement.clone());
        }
        let sql = self
            .sql
            .get(index)
            .filter(|sql| !sql.is_empty())
            .ok_or_else(|| Error::Store(StoreError::new("postgres: no such statement")))?;
        let statement = self.client.prepare(sql).await.map_err(failed("prepare"))?;
        if let Some(entry) = self.prepared.get_mut(index) {
            *entry = Some(statement.clone());
        }
        Ok(statement)
    }
}

/// Opens the pool's connections, on the runtime the store was opened on.
struct Manager {
    config: tokio_postgres::Config,
    runtime: Handle,
    connect_timeout: Duration,
    sql: Arc<[String]>,
}

impl managed::Manager for Manager {
    type Type = Connection;
    type Error = Failure;

    async fn create(&self) -> Result<Connection, Failure> {
        let config = self.config.clone();
        let timeout = self.connect_timeout;
        // The socket and the task that drives it live on the store's runtime, whichever
        // runtime (or none) the caller is on; a panic there (a runtime without I/O or time
        // drivers) comes back as an error.
        let connected = self
            .runtime
            .spawn(async move {
                let (client, connection) = tokio::time::timeout(timeout, config.connect(NoTls))
                    .await
                    .map_err(|_| Failure(String::from("timed out connecting")))?
                    .map_err(|error| Failure::of(&error))?;
                tokio::spawn(async move {
                    // The connection ends when its client is dropped or the server goes away;
                    // the client then reports it closed, and the pool replaces it.
                    let _ = connection.await;
                });
                Ok::<_, Failure>(client)
            })
            .await
            .map_err(|_| {
                Failure(String::from(
                    "the connection task failed (is the store's runtime running, with \
                     enable_all?)",
                ))
            })??;
        Ok(Connection {
            client: connected,
            prepared: vec![None; self.sql.len()],
            sql: Arc::clone(&self.sql),
        })
    }

    async fn recycle(&self, connection: &mut Connection, _: &Metrics) -> RecycleResult<Failure> {
        if connection.client.is_closed() {
            return Err(RecycleError::message("connection closed"));
        }
        Ok(())
    }
}

/// The compare-and-swap, on a connection or inside a transaction.
async fn swap_on(
    client: &impl GenericClient,
    statement: &Statement,
    table: Table,
    key: &[u8],
    expected: Option<Revision>,
    revision: Revision,
    value: &[u8],
) -> Result<Revision, Error> {
    let new = to_sql(revision)?;
    let changed = match expected {
        None => client
            .execute(statement, &[&key, &new, &value])
            .await
            .map_err(failed("insert"))?,
        Some(expected) => {
            let expected = to_sql(expected)?;
            client
                .execute(statement, &[&key, &new, &value, &expected])
                .await
                .map_err(failed("update"))?
        }
    };
    if changed == 1 {
        Ok(revision)
    } else {
        Err(table.conflict())
    }
}

/// The consume, on a connection or inside a transaction.
async fn consume_on(
    client: &impl GenericClient,
    consume: &Statement,
    exists: &Statement,
    key: &[u8],
) -> Result<Consume, Error> {
    let changed = client
        .execute(consume, &[&key])
        .await
        .map_err(failed("consume"))?;
    if changed == 1 {
        return Ok(Consume::Done);
    }
    let found = client
        .query_opt(exists, &[&key])
        .await
        .map_err(failed("consume"))?;
    Ok(if found.is_some() {
        Consume::AlreadyConsumed
    } else {
        Consume::Unknown
    })
}

/// The statements of a KEM prekey's use in the accept transaction.
struct KemUseStatements {
    take: Statement,
    mark: Statement,
    last_resort: Statement,
    add_base_key: Statement,
    consumed: Statement,
}

/// The use of a KEM prekey inside the accept transaction, by the stored key's kind, which
/// must be the kind the use names (else [`Refusal::KemKindMismatch`], and the caller rolls
/// back what was done): a one-time one is deleted and its key marked consumed; the
/// last-resort one records the base key, once.
async fn use_kem_on(
    client: &impl GenericClient,
    statements: &KemUseStatements,
    used: &KemUse,
) -> Result<Result<(), Refusal>, Error> {
    let key: &[u8] = &used.key;
    let taken = client
        .execute(&statements.take, &[&key])
        .await
        .map_err(failed("consume KEM prekey"))?;
    if taken == 1 {
        if !used.one_time {
            return Ok(Err(Refusal::KemKindMismatch));
        }
        client
            .execute(&statements.mark, &[&key])
            .await
            .map_err(failed("consume KEM prekey"))?;
        return Ok(Ok(()));
    }
    let last_resort = client
        .query_opt(&statements.last_resort, &[&key])
        .await
        .map_err(failed("use KEM prekey"))?;
    if last_resort.is_some() {
        if used.one_time {
            return Ok(Err(Refusal::KemKindMismatch));
        }
        let base_key: &[u8] = &used.base_key;
        let added = client
            .execute(&statements.add_base_key, &[&key, &base_key])
            .await
            .map_err(failed("record base key"))?;
        return Ok(if added == 1 {
            Ok(())
        } else {
            Err(Refusal::KemReused)
        });
    }
    let consumed = client
        .query_opt(&statements.consumed, &[&key])
        .await
        .map_err(failed("use KEM prekey"))?;
    Ok(Err(if consumed.is_some() {
        Refusal::KemConsumed
    } else {
        Refusal::KemUnknown
    }))
}

/// A KEM prekey row of columns `revision, one_time, value` from `first`.
fn read_kem_row(row: &tokio_postgres::Row, first: usize) -> Result<KemRow, Error> {
    let revision: i64 = row.try_get(first).map_err(failed("read"))?;
    let one_time: bool = row.try_get(first + 1).map_err(failed("read"))?;
    let value: Vec<u8> = row.try_get(first + 2).map_err(failed("read"))?;
    Ok(KemRow {
        revision: from_sql(revision)?,
        one_time,
        value: Zeroizing::new(value),
    })
}

fn read_row(row: &tokio_postgres::Row, first: usize) -> Result<Row, Error> {
    let revision: i64 = row.try_get(first).map_err(failed("read"))?;
    let value: Option<Vec<u8>> = row.try_get(first + 1).map_err(failed("read"))?;
    Ok(Row {
        revision: from_sql(revision)?,
        value: value.map(Zeroizing::new),
    })
}

impl PostgresStore {
    /// Connects to the database `options` names, creates the store's schema if it is missing
    /// and migrates it to [`POSTGRES_SCHEMA_VERSION`]. Call it on the tokio runtime the
    /// store's connections should run on (with `enable_all`); clones of the store share its
    /// pool.
    ///
    /// # Errors
    /// [`Error::Store`] if it is not called on a tokio runtime, the schema name is invalid,
    /// the server cannot be reached or refuses the connection, or the schema cannot be
    /// migrated or has a newer version.
    pub async fn open(options: PostgresOptions) -> Result<Self, Error> {
        if !valid_schema(&options.schema) {
            return Err(Error::Store(StoreError::new(
                "postgres: invalid schema name (1 to 63 of a-z, 0-9 and _, not starting with \
                 a digit or pg_)",
            )));
        }
        let runtime = Handle::try_current().map_err(|_| {
            Error::Store(StoreError::new(
                "postgres: PostgresStore::open must run on a tokio runtime",
            ))
        })?;
        let mut config = options.config;
        // Every statement's correctness is argued under READ COMMITTED (SPEC.md 17.6): pin
        // it, whatever the server's default.
        let isolation = "-c default_transaction_isolation=read\\ committed";
        let startup = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {isolation}"),
            _ => String::from(isolation),
        };
        config.options(startup);
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("hushwire");
        }
        let pool_size = options.pool_size.max(1);
        let manager = Manager {
            config,
            runtime,
            connect_timeout: options.connect_timeout,
            sql: Arc::from(statements(&options.schema)),
        };
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .build()
            .map_err(|_| Error::Store(StoreError::new("postgres: cannot build the pool")))?;
        {
            let mut connection: managed::Object<Manager> = pool.get().await.map_err(pool_failed)?;
            migrate(&mut connection.client, &options.schema).await?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                sealer: options.sealer,
                schema: options.schema,
                pool_size,
            }),
        })
    }

    /// The PostgreSQL schema holding the store's tables.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    async fn connection(&self) -> Result<managed::Object<Manager>, Error> {
        self.inner.pool.get().await.map_err(pool_failed)
    }
}

impl core::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.inner.schema)
            .field("pool_size", &self.inner.pool_size)
            .field("sealed", &self.inner.sealer.is_some())
            .finish()
    }
}

impl Rows for PostgresStore {
    fn sealer(&self) -> Option<&Sealer> {
        self.inner.sealer.as_ref()
    }

    async fn get(&self, table: Table, key: Vec<u8>) -> Result<Option<Row>, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::Get).await?;
        let found = connection
            .client
            .query_opt(&statement, &[&key])
            .await
            .map_err(failed("read"))?;
        found.map(|row| read_row(&row, 0)).transpose()
    }

    async fn scan(&self, table: Table) -> Result<Vec<(Vec<u8>, Row)>, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::Scan).await?;
        let rows = connection
            .client
            .query(&statement, &[])
            .await
            .map_err(failed("scan"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let key: Vec<u8> = row.try_get(0).map_err(failed("scan"))?;
            out.push((key, read_row(row, 1)?));
        }
        Ok(out)
    }

    async fn incarnation(&self, table: Table) -> Result<u64, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::Incarnation).await?;
        let next: i64 = connection
            .client
            .query_one(&statement, &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(failed("incarnation"))?;
        u64::try_from(next)
            .map_err(|_| Error::Store(StoreError::new("postgres: negative incarnation")))
    }

    async fn swap(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
    ) -> Result<Revision, Error> {
        let mut connection = self.connection().await?;
        let kind = if expected.is_some() {
            Kind::Update
        } else {
            Kind::Insert
        };
        let statement = connection.statement(table, kind).await?;
        swap_on(
            &connection.client,
            &statement,
            table,
            &key,
            expected,
            new,
            &value,
        )
        .await
    }

    async fn delete(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
    ) -> Result<bool, Error> {
        let mut connection = self.connection().await?;
        let changed = match expected {
            Some(expected) => {
                let expected = to_sql(expected)?;
                let statement = connection.statement(table, Kind::DeleteAt).await?;
                connection
                    .client
                    .execute(&statement, &[&key, &expected])
                    .await
                    .map_err(failed("delete"))?
            }
            None => {
                let statement = connection.statement(table, Kind::Delete).await?;
                connection
                    .client
                    .execute(&statement, &[&key])
                    .await
                    .map_err(failed("delete"))?
            }
        };
        match (changed, expected) {
            (0, Some(_)) => Err(table.conflict()),
            (changed, _) => Ok(changed > 0),
        }
    }

    async fn insert_new(
        &self,
        table: Table,
        mut rows: Vec<(Vec<u8>, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        // In key order, so that two batches sharing keys lock them in the same order: one
        // waits for the other instead of deadlocking with it.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::InsertMany).await?;
        let keys: Vec<&[u8]> = rows.iter().map(|(key, _)| key.as_slice()).collect();
        let values: Vec<&[u8]> = rows.iter().map(|(_, value)| value.as_slice()).collect();
        let first = to_sql(Revision::FIRST)?;
        let transaction = connection
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(failed("begin insert"))?;
        let inserted = transaction
            .execute(&statement, &[&keys, &values, &first])
            .await
            .map_err(failed("insert"))?;
        // One statement, but a key given twice or already present inserts fewer rows than
        // asked: then nothing is kept (the transaction rolls back when dropped).
        if usize::try_from(inserted).ok() != Some(rows.len()) {
            return Err(table.conflict());
        }
        transaction.commit().await.map_err(failed("commit insert"))
    }

    async fn consume(&self, key: Vec<u8>) -> Result<Consume, Error> {
        let table = Table::OneTimePreKeys;
        let mut connection = self.connection().await?;
        let consume = connection.statement(table, Kind::Consume).await?;
        let exists = connection.statement(table, Kind::Exists).await?;
        consume_on(&connection.client, &consume, &exists, &key).await
    }

    async fn swap_and_consume(
        &self,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
        consume: Option<Vec<u8>>,
        kem: Option<KemUse>,
    ) -> Result<Result<Revision, Refusal>, Error> {
        let mut connection = self.connection().await?;
        let kind = if expected.is_some() {
            Kind::Update
        } else {
            Kind::Insert
        };
        // Prepared before the transaction begins (a statement belongs to the connection).
        let swap = connection.statement(Table::SessionRecords, kind).await?;
        let take = connection
            .statement(Table::OneTimePreKeys, Kind::Consume)
            .await?;
        let exists = connection
            .statement(Table::OneTimePreKeys, Kind::Exists)
            .await?;
        let kem_statements = match kem {
            Some(_) => Some(KemUseStatements {
                take: connection.kem(KemKind::TakeOneTime).await?,
                mark: connection.kem(KemKind::MarkConsumed).await?,
                last_resort: connection.kem(KemKind::LastResort).await?,
                add_base_key: connection.kem(KemKind::AddBaseKey).await?,
                consumed: connection.kem(KemKind::Consumed).await?,
            }),
            None => None,
        };
        let transaction = connection
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(failed("begin accept"))?;
        // Dropping the transaction without a commit rolls it back.
        let revision = swap_on(
            &transaction,
            &swap,
            Table::SessionRecords,
            &key,
            expected,
            new,
            &value,
        )
        .await?;
        if let Some(prekey) = &consume {
            let found = consume_on(&transaction, &take, &exists, prekey).await?;
            if found != Consume::Done {
                return Ok(Err(Refusal::OneTime(found)));
            }
        }
        if let (Some(used), Some(statements)) = (&kem, &kem_statements)
            && let Err(refusal) = use_kem_on(&transaction, statements, used).await?
        {
            return Ok(Err(refusal));
        }
        transaction
            .commit()
            .await
            .map_err(failed("commit accept"))?;
        Ok(Ok(revision))
    }

    async fn get_kem(&self, key: Vec<u8>) -> Result<KemLookup, Error> {
        let mut connection = self.connection().await?;
        let get = connection.kem(KemKind::Get).await?;
        let found = connection
            .client
            .query_opt(&get, &[&key])
            .await
            .map_err(failed("read KEM prekey"))?;
        if let Some(row) = found {
            return Ok(KemLookup::Held(read_kem_row(&row, 0)?));
        }
        let consumed = connection.kem(KemKind::Consumed).await?;
        let found = connection
            .client
            .query_opt(&consumed, &[&key])
            .await
            .map_err(failed("read KEM prekey"))?;
        Ok(if found.is_some() {
            KemLookup::Consumed
        } else {
            KemLookup::Unknown
        })
    }

    async fn scan_kem(&self, last_resort_only: bool) -> Result<Vec<(Vec<u8>, KemRow)>, Error> {
        let mut connection = self.connection().await?;
        let kind = if last_resort_only {
            KemKind::ScanLastResort
        } else {
            KemKind::Scan
        };
        let statement = connection.kem(kind).await?;
        let rows = connection
            .client
            .query(&statement, &[])
            .await
            .map_err(failed("scan KEM prekeys"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let key: Vec<u8> = row.try_get(0).map_err(failed("scan KEM prekeys"))?;
            out.push((key, read_kem_row(row, 1)?));
        }
        Ok(out)
    }

    async fn insert_kem(
        &self,
        mut rows: Vec<(Vec<u8>, bool, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        // In key order, as `insert_new`: two batches sharing keys do not deadlock.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut connection = self.connection().await?;
        let statement = connection.kem(KemKind::InsertMany).await?;
        let spent = connection.kem(KemKind::Spent).await?;
        let keys: Vec<&[u8]> = rows.iter().map(|(key, _, _)| key.as_slice()).collect();
        let kinds: Vec<bool> = rows.iter().map(|(_, one_time, _)| *one_time).collect();
        let values: Vec<&[u8]> = rows.iter().map(|(_, _, value)| value.as_slice()).collect();
        let first = to_sql(Revision::FIRST)?;
        let transaction = connection
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(failed("begin insert"))?;
        let inserted = transaction
            .execute(&statement, &[&keys, &kinds, &values, &first])
            .await
            .map_err(failed("insert KEM prekeys"))?;
        if usize::try_from(inserted).ok() != Some(rows.len()) {
            return Err(Table::KemPreKeys.conflict());
        }
        // The insert's `NOT EXISTS` read the statement's snapshot: a key that a transaction
        // it waited on (an accept, a removal) consumed or removed meanwhile was inserted all
        // the same. This statement's snapshot, taken after that wait, sees it: then nothing
        // is kept (the transaction rolls back when dropped).
        let found = transaction
            .query_opt(&spent, &[&keys])
            .await
            .map_err(failed("insert KEM prekeys"))?;
        if found.is_some() {
            return Err(Table::KemPreKeys.conflict());
        }
        transaction.commit().await.map_err(failed("commit insert"))
    }

    async fn remove_kem(&self, key: Vec<u8>) -> Result<bool, Error> {
        let mut connection = self.connection().await?;
        let base_keys = connection.kem(KemKind::DeleteBaseKeys).await?;
        let delete = connection.kem(KemKind::Delete).await?;
        let retire = connection.kem(KemKind::Retire).await?;
        let transaction = connection
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(failed("begin remove"))?;
        // The key's row first: an accept holding it FOR SHARE finishes (its base key
        // recorded) before the base keys are deleted.
        let removed = transaction
            .execute(&delete, &[&key])
            .await
            .map_err(failed("remove KEM prekey"))?;
        if removed > 0 {
            // Its id is never added again (SPEC.md 17.3 rule 3).
            transaction
                .execute(&retire, &[&key])
                .await
                .map_err(failed("remove KEM prekey"))?;
        }
        transaction
            .execute(&base_keys, &[&key])
            .await
            .map_err(failed("remove KEM prekey"))?;
        transaction
            .commit()
            .await
            .map_err(failed("commit remove"))?;
        Ok(removed > 0)
    }

    async fn count_one_time_kem(&self) -> Result<u64, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.kem(KemKind::CountOneTime).await?;
        let count: i64 = connection
            .client
            .query_one(&statement, &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(failed("count"))?;
        u64::try_from(count).map_err(|_| Error::Store(StoreError::new("postgres: negative count")))
    }

    async fn last_kem_key(&self) -> Result<Option<Vec<u8>>, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.kem(KemKind::LastKey).await?;
        let found = connection
            .client
            .query_opt(&statement, &[])
            .await
            .map_err(failed("last key"))?;
        found
            .map(|row| row.try_get(0).map_err(failed("last key")))
            .transpose()
    }

    async fn count(&self, table: Table) -> Result<u64, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::Count).await?;
        let count: i64 = connection
            .client
            .query_one(&statement, &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(failed("count"))?;
        u64::try_from(count).map_err(|_| Error::Store(StoreError::new("postgres: negative count")))
    }

    async fn last_key(&self, table: Table) -> Result<Option<Vec<u8>>, Error> {
        let mut connection = self.connection().await?;
        let statement = connection.statement(table, Kind::LastKey).await?;
        let found = connection
            .client
            .query_opt(&statement, &[])
            .await
            .map_err(failed("last key"))?;
        found
            .map(|row| row.try_get(0).map_err(failed("last key")))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generic statements are not built for `kem_prekeys` (before, they were: an insert
    /// without the `one_time` column, an incarnation from a sequence that does not exist, a
    /// consume setting the value to NULL), and every statement that names `kem_prekeys` is
    /// one of the KEM statements.
    #[test]
    fn no_generic_statement_for_the_kem_table() {
        let sql = statements("s");
        for table in Table::ALL {
            for kind in ALL_KINDS {
                let statement = &sql[slot(table, kind)];
                assert_eq!(
                    statement.is_empty(),
                    table == Table::KemPreKeys,
                    "{table:?}: {statement}"
                );
                assert!(!statement.contains("kem_prekeys"), "{statement}");
            }
        }
        for kind in KEM_KINDS {
            assert!(!sql[kem_slot(kind)].is_empty());
        }
    }
}
