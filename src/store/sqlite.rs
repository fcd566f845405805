//! The store on SQLite (cargo feature `sqlite`): rusqlite with SQLite bundled, WAL mode, one
//! writer connection behind a lock and a small pool of readers, every blocking call on tokio's
//! blocking threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use zeroize::Zeroizing;

use super::rows::{Consume, KemLookup, KemRow, KemUse, Refusal, Row, Rows, generic};
use super::seal::Sealer;
use super::{Revision, Table};
use crate::{Error, StoreError};

/// The schema version this build writes and reads (SPEC.md 17.5): the `schema_version` table
/// holds it. A database at an older version is migrated when it is opened; one at a newer
/// version is refused.
pub const SCHEMA_VERSION: u32 = 3;

/// How a [`SqliteStore`] is opened. `SqliteOptions::default()`, then set what differs.
#[non_exhaustive]
#[derive(Debug)]
pub struct SqliteOptions {
    /// Seal every value at rest with this sealer (SPEC.md 17.4). Default: none. A database
    /// must always be opened with the same choice and the same storage key: a sealed store
    /// refuses an unsealed value ([`Error::SealedRecordInvalid`]) and the reverse.
    pub sealer: Option<Sealer>,
    /// How many read connections to keep (reads run on them in parallel, beside the one
    /// writer, as WAL mode allows). Default 4; 0 reads on the writer connection.
    pub readers: usize,
    /// How long a connection waits for a lock another process holds before failing with
    /// [`Error::Store`] (SQLite's `busy_timeout`). Default 5 s.
    pub busy_timeout: Duration,
    /// `PRAGMA synchronous = FULL` (the default, `true`): every committed write is on disk
    /// before the call returns, even across a power cut. `false` gives `NORMAL`: in WAL mode
    /// it survives a crash of the process but may lose the last writes on a power cut, which
    /// for session records means a rolled-back state and message keys used again: leave it
    /// on for anything but tests.
    pub synchronous_full: bool,
    /// Checkpoint the WAL into the database file and truncate it
    /// ([`SqliteStore::checkpoint`]) after every write that consumed a one-time prekey (the
    /// default, `true`), so that the consumed secret is gone from both files once the call
    /// returns (SPEC.md 17.5). It costs a checkpoint (a few page writes and an `fsync`) per
    /// accepted first message. It does not wait: while a connection of another process reads
    /// an older snapshot, the checkpoint stops short and the secret stays until a later one
    /// finishes. With `false`, call [`SqliteStore::checkpoint`] at times of your choosing;
    /// until then the secret stays in the WAL file, and the old page in the database file.
    pub checkpoint_after_consume: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            sealer: None,
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            synchronous_full: true,
            checkpoint_after_consume: true,
        }
    }
}

/// Every store trait on one SQLite database file (SPEC.md 17.5).
///
/// - **WAL mode** and a `busy_timeout`: readers never block the writer nor each other.
/// - **One writer connection** behind a lock, and a small pool of **reader connections**:
///   writes queue on the lock in this process instead of failing with "database is locked";
///   other processes on the same file wait up to [`SqliteOptions::busy_timeout`].
/// - **Compare-and-swap in SQL**: a write is one `UPDATE … WHERE key = ? AND revision = ?`
///   (or an insert that does nothing if the row exists); the accept transaction is one
///   `BEGIN IMMEDIATE` transaction. So the rules hold across processes sharing the file too.
/// - **Off the async runtime**: inside a tokio runtime (multi-threaded or current-thread)
///   every call runs on the runtime's blocking threads (`spawn_blocking`), so the runtime's
///   own threads never wait on SQLite. **Outside a tokio runtime** (another executor, or a
///   future polled by hand) the call runs on the caller's thread and blocks it until SQLite
///   is done, including up to [`SqliteOptions::busy_timeout`] waiting for another process's
///   lock: the future is ready the first time it is polled, and never returns `Pending`.
/// - **Versioned schema**: the `schema_version` table; migrations run when the file is
///   opened ([`SCHEMA_VERSION`]), each in one transaction.
/// - **Secrets out of the files**: `secure_delete` zeroes what a write frees, and a WAL
///   checkpoint after every consume ([`SqliteOptions::checkpoint_after_consume`],
///   [`SqliteStore::checkpoint`]) puts that into the database file and empties the WAL;
///   closing the store (its last clone dropped) removes the WAL.
/// - **A panic does not disable it**: a connection whose lock a panicking thread held is
///   used again, after rolling back any transaction left open.
///
/// If the future of a write is dropped (cancelled) after its statement started, the write
/// may still commit: a message encrypted on that state is then never released, and its key
/// is never used again.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    // Fields drop in order: the readers first, so that the writer is the last connection to
    // close, and SQLite then checkpoints the WAL into the file and deletes it (a read-only
    // connection closing last leaves the WAL behind, with whatever its frames hold).
    readers: Vec<Mutex<Connection>>,
    writer: Mutex<Connection>,
    checkpoint_after_consume: bool,
    busy_timeout: Duration,
    next_reader: AtomicUsize,
    sealer: Option<Sealer>,
    path: PathBuf,
}

/// A store error naming what failed, with SQLite's error (codes and SQLite's own message,
/// which never holds the values bound to a statement).
fn failed(what: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |error| Error::Store(StoreError::with_source(format!("sqlite: {what}"), error))
}

/// Takes a connection's lock, also after a thread panicked while holding it (SPEC.md 17.5).
/// Recovering is safe: every write runs in a single statement (atomic) or in a
/// `rusqlite::Transaction`, which rolls back when it is dropped, unwinding included; in case
/// a transaction is open all the same (a panic with the connection in an unexpected state),
/// it is rolled back here before the connection is used again. Nothing half done is ever
/// committed, and the store does not fail forever because of one panic.
fn lock(connection: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>, Error> {
    match connection.lock() {
        Ok(guard) => Ok(guard),
        Err(poisoned) => {
            let guard = poisoned.into_inner();
            if !guard.is_autocommit() {
                guard
                    .execute_batch("ROLLBACK")
                    .map_err(failed("roll back after a panic"))?;
            }
            connection.clear_poison();
            Ok(guard)
        }
    }
}

fn to_sql(revision: Revision) -> Result<i64, Error> {
    super::revision_to_db(revision, "sqlite")
}

fn from_sql(revision: i64) -> Result<Revision, Error> {
    super::revision_from_db(revision, "sqlite")
}

/// The schema, one migration per version: migration `i` takes a database from version `i` to
/// `i + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // Version 1: one table per kind of record, all of one shape: the record's key (SPEC.md
    // 17.1), its revision, its value (sealed or not); a consumed one-time prekey keeps its
    // row without a value.
    "CREATE TABLE session_records (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE signed_prekeys (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE one_time_prekeys (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE trust_records (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE device_lists (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE group_sessions (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB);
     CREATE TABLE incarnations (name TEXT PRIMARY KEY NOT NULL, \
         next INTEGER NOT NULL CHECK (next >= 1));",
    // Version 2: the KEM prekeys of the hybrid set-up (SPEC.md 17.1, 18): their rows (a value
    // always; `one_time` 1 for a one-time KEM prekey, 0 for a last-resort one), the keys of
    // consumed one-time KEM prekeys (their rows are deleted), and the base keys each
    // last-resort KEM prekey accepted, each pair once.
    "CREATE TABLE kem_prekeys (key BLOB PRIMARY KEY NOT NULL, \
         revision INTEGER NOT NULL CHECK (revision >= 1), value BLOB NOT NULL, \
         one_time INTEGER NOT NULL CHECK (one_time IN (0, 1)));
     CREATE TABLE consumed_kem_prekeys (key BLOB PRIMARY KEY NOT NULL);
     CREATE TABLE kem_base_keys (key BLOB NOT NULL, \
         base_key BLOB NOT NULL CHECK (length(base_key) = 32), \
         PRIMARY KEY (key, base_key)) WITHOUT ROWID;",
    // Version 3: the keys of removed KEM prekeys (SPEC.md 17.1), so that a removed id is
    // never added again nor issued again. Ids removed before this version are not known.
    "CREATE TABLE retired_kem_prekeys (key BLOB PRIMARY KEY NOT NULL);",
];

/// The statements on the KEM prekey tables (constants: nothing is interpolated).
mod kem_sql {
    pub(super) const GET: &str = "SELECT revision, one_time, value FROM kem_prekeys WHERE key = ?1";
    pub(super) const CONSUMED: &str = "SELECT 1 FROM consumed_kem_prekeys WHERE key = ?1";
    pub(super) const SPENT: &str = "SELECT 1 FROM consumed_kem_prekeys WHERE key = ?1 \
         UNION ALL SELECT 1 FROM retired_kem_prekeys WHERE key = ?1";
    pub(super) const SCAN: &str = "SELECT key, revision, one_time, value FROM kem_prekeys";
    pub(super) const SCAN_LAST_RESORT: &str =
        "SELECT key, revision, one_time, value FROM kem_prekeys WHERE one_time = 0";
    pub(super) const INSERT: &str = "INSERT INTO kem_prekeys (key, revision, one_time, value) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO NOTHING";
    pub(super) const DELETE_BASE_KEYS: &str = "DELETE FROM kem_base_keys WHERE key = ?1";
    pub(super) const DELETE: &str = "DELETE FROM kem_prekeys WHERE key = ?1";
    pub(super) const RETIRE: &str =
        "INSERT INTO retired_kem_prekeys (key) VALUES (?1) ON CONFLICT DO NOTHING";
    pub(super) const COUNT_ONE_TIME: &str = "SELECT count(*) FROM kem_prekeys WHERE one_time = 1";
    pub(super) const LAST_KEY: &str = "SELECT max(key) FROM \
         (SELECT key FROM kem_prekeys UNION ALL SELECT key FROM consumed_kem_prekeys \
          UNION ALL SELECT key FROM retired_kem_prekeys)";
    pub(super) const KIND: &str = "SELECT one_time FROM kem_prekeys WHERE key = ?1";
    pub(super) const MARK_CONSUMED: &str = "INSERT INTO consumed_kem_prekeys (key) VALUES (?1)";
    pub(super) const ADD_BASE_KEY: &str = "INSERT INTO kem_base_keys (key, base_key) \
         VALUES (?1, ?2) ON CONFLICT DO NOTHING";
}

/// Brings the database to [`SCHEMA_VERSION`], in one transaction.
fn migrate(connection: &mut Connection) -> Result<(), Error> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed("begin migration"))?;
    transaction
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(failed("create schema_version"))?;
    let found: Option<i64> = transaction
        .query_row("SELECT max(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .map_err(failed("read schema_version"))?;
    let found = u32::try_from(found.unwrap_or(0))
        .map_err(|_| Error::Store(StoreError::new("sqlite: invalid schema version")))?;
    if found > SCHEMA_VERSION {
        return Err(Error::Store(StoreError::new(format!(
            "sqlite: the database has schema version {found}, newer than this build's \
             {SCHEMA_VERSION}"
        ))));
    }
    for migration in MIGRATIONS.iter().skip(found as usize) {
        transaction
            .execute_batch(migration)
            .map_err(failed("migrate schema"))?;
    }
    if found < SCHEMA_VERSION {
        transaction
            .execute("DELETE FROM schema_version", [])
            .map_err(failed("write schema_version"))?;
        transaction
            .execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [i64::from(SCHEMA_VERSION)],
            )
            .map_err(failed("write schema_version"))?;
    }
    transaction.commit().map_err(failed("commit migration"))
}

/// The SQL of each statement, per table (the names are constants: nothing is interpolated
/// from outside). Never for [`Table::KemPreKeys`] ([`generic`]): its rows have a `one_time`
/// column, and only the statements of `kem_sql` touch them.
fn sql(table: Table, statement: Statement) -> Result<String, Error> {
    let t = generic(table)?.name();
    Ok(match statement {
        Statement::Get => format!("SELECT revision, value FROM {t} WHERE key = ?1"),
        Statement::Scan => {
            format!("SELECT key, revision, value FROM {t} WHERE value IS NOT NULL")
        }
        Statement::Insert => format!(
            "INSERT INTO {t} (key, revision, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO NOTHING"
        ),
        Statement::Update => {
            format!("UPDATE {t} SET revision = ?2, value = ?3 WHERE key = ?1 AND revision = ?4")
        }
        Statement::DeleteAt => format!("DELETE FROM {t} WHERE key = ?1 AND revision = ?2"),
        Statement::Delete => format!("DELETE FROM {t} WHERE key = ?1"),
        Statement::Consume => {
            format!("UPDATE {t} SET value = NULL WHERE key = ?1 AND value IS NOT NULL")
        }
        Statement::Exists => format!("SELECT 1 FROM {t} WHERE key = ?1"),
        Statement::Count => format!("SELECT count(*) FROM {t} WHERE value IS NOT NULL"),
        // BLOBs compare bytewise (memcmp, then length).
        Statement::LastKey => format!("SELECT max(key) FROM {t}"),
    })
}

#[derive(Clone, Copy)]
enum Statement {
    Get,
    Scan,
    Insert,
    Update,
    DeleteAt,
    Delete,
    Consume,
    Exists,
    Count,
    LastKey,
}

/// The compare-and-swap, on the writer connection (inside a transaction or not).
fn swap_on(
    connection: &Connection,
    table: Table,
    key: &[u8],
    expected: Option<Revision>,
    revision: Revision,
    value: &[u8],
) -> Result<Revision, Error> {
    let new = to_sql(revision)?;
    let changed = match expected {
        None => connection
            .prepare_cached(&sql(table, Statement::Insert)?)
            .and_then(|mut s| s.execute(params![key, new, value]))
            .map_err(failed("insert"))?,
        Some(expected) => {
            let expected = to_sql(expected)?;
            connection
                .prepare_cached(&sql(table, Statement::Update)?)
                .and_then(|mut s| s.execute(params![key, new, value, expected]))
                .map_err(failed("update"))?
        }
    };
    if changed == 1 {
        Ok(revision)
    } else {
        Err(table.conflict())
    }
}

/// The consume, on the writer connection.
fn consume_on(connection: &Connection, key: &[u8]) -> Result<Consume, Error> {
    let table = Table::OneTimePreKeys;
    let changed = connection
        .prepare_cached(&sql(table, Statement::Consume)?)
        .and_then(|mut s| s.execute(params![key]))
        .map_err(failed("consume"))?;
    if changed == 1 {
        return Ok(Consume::Done);
    }
    let exists = connection
        .prepare_cached(&sql(table, Statement::Exists)?)
        .and_then(|mut s| s.query_row(params![key], |_| Ok(())).optional())
        .map_err(failed("consume"))?;
    Ok(if exists.is_some() {
        Consume::AlreadyConsumed
    } else {
        Consume::Unknown
    })
}

/// The use of a KEM prekey in the accept transaction, by the stored key's kind, which must
/// be the kind the use names: `Ok(true)` if a one-time KEM prekey was consumed, `Ok(false)`
/// if the base key was recorded with the last-resort one, else what refused.
fn use_kem_on(connection: &Connection, used: &KemUse) -> Result<Result<bool, Refusal>, Error> {
    let KemUse {
        key,
        base_key,
        one_time,
    } = used;
    let kind: Option<bool> = connection
        .prepare_cached(kem_sql::KIND)
        .and_then(|mut s| s.query_row(params![key], |row| row.get(0)).optional())
        .map_err(failed("use KEM prekey"))?;
    match kind {
        Some(stored) if stored != *one_time => Ok(Err(Refusal::KemKindMismatch)),
        Some(true) => {
            connection
                .prepare_cached(kem_sql::DELETE)
                .and_then(|mut s| s.execute(params![key]))
                .map_err(failed("consume KEM prekey"))?;
            connection
                .prepare_cached(kem_sql::MARK_CONSUMED)
                .and_then(|mut s| s.execute(params![key]))
                .map_err(failed("consume KEM prekey"))?;
            Ok(Ok(true))
        }
        Some(false) => {
            let added = connection
                .prepare_cached(kem_sql::ADD_BASE_KEY)
                .and_then(|mut s| s.execute(params![key, &base_key[..]]))
                .map_err(failed("record base key"))?;
            Ok(if added == 1 {
                Ok(false)
            } else {
                Err(Refusal::KemReused)
            })
        }
        None => Ok(Err(if kem_consumed_on(connection, key)? {
            Refusal::KemConsumed
        } else {
            Refusal::KemUnknown
        })),
    }
}

/// Whether KEM prekey `key` was consumed.
fn kem_consumed_on(connection: &Connection, key: &[u8]) -> Result<bool, Error> {
    kem_found_on(connection, kem_sql::CONSUMED, key)
}

/// Whether KEM prekey `key` was consumed or removed: such an id is never added again.
fn kem_spent_on(connection: &Connection, key: &[u8]) -> Result<bool, Error> {
    kem_found_on(connection, kem_sql::SPENT, key)
}

/// Whether statement `sql` (of `key`) finds a row.
fn kem_found_on(connection: &Connection, sql: &str, key: &[u8]) -> Result<bool, Error> {
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(failed("read KEM prekey"))?;
    let mut rows = statement
        .query(params![key])
        .map_err(failed("read KEM prekey"))?;
    Ok(rows.next().map_err(failed("read KEM prekey"))?.is_some())
}

fn read_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<(i64, Option<Vec<u8>>)> {
    Ok((row.get(first)?, row.get(first + 1)?))
}

fn into_row((revision, value): (i64, Option<Vec<u8>>)) -> Result<Row, Error> {
    Ok(Row {
        revision: from_sql(revision)?,
        value: value.map(Zeroizing::new),
    })
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path`, migrates it to [`SCHEMA_VERSION`], and
    /// sets WAL mode, the busy timeout and `synchronous`. It blocks while it does: call it
    /// when the application starts, or from a blocking thread. Clones of the store share its
    /// connections.
    ///
    /// # Errors
    /// [`Error::Store`] if the file cannot be opened or migrated, has a newer schema, is
    /// `:memory:` or empty (each connection would have a database of its own), or is a URI
    /// (`file:` and parameters: `path` is always a plain file path), or does not take WAL
    /// mode (a database in memory, however named).
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        // Every connection to ":memory:" (or "") opens a database of its own: the readers would
        // not see the writer's rows.
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            return Err(Error::Store(StoreError::new(
                "sqlite: an in-memory database cannot be shared by the store's connections; \
                 give a file (or use MemoryStore)",
            )));
        }
        // The file is opened without SQLITE_OPEN_URI, so "file:..." would be a plain file of
        // that name; refused instead, since it was surely meant as a URI, whose parameters
        // could ask for a database in memory (`mode=memory`), without locking (`nolock=1`,
        // `vfs=unix-none`: compare-and-swap across processes gone) or read as never
        // changing (`immutable=1`).
        if path
            .as_os_str()
            .as_encoded_bytes()
            .get(..5)
            .is_some_and(|start| start.eq_ignore_ascii_case(b"file:"))
        {
            return Err(Error::Store(StoreError::new(
                "sqlite: a URI (\"file:...\") is not accepted; give a plain path",
            )));
        }
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(failed("open"))?;
        writer
            .busy_timeout(options.busy_timeout)
            .map_err(failed("set busy_timeout"))?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(failed("set journal_mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Store(StoreError::new(
                "sqlite: the database does not support WAL mode",
            )));
        }
        // Freed pages (a consumed prekey's secret, a replaced session's chain keys) are
        // overwritten with zeros rather than left in the file for whoever copies it.
        writer
            .pragma_update(None, "secure_delete", "ON")
            .map_err(failed("set secure_delete"))?;
        let synchronous = if options.synchronous_full {
            "FULL"
        } else {
            "NORMAL"
        };
        writer
            .pragma_update(None, "synchronous", synchronous)
            .map_err(failed("set synchronous"))?;
        writer.set_prepared_statement_cache_capacity(64);
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(options.readers);
        for _ in 0..options.readers {
            let reader = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(failed("open reader"))?;
            reader
                .busy_timeout(options.busy_timeout)
                .map_err(failed("set busy_timeout"))?;
            reader.set_prepared_statement_cache_capacity(64);
            readers.push(Mutex::new(reader));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                checkpoint_after_consume: options.checkpoint_after_consume,
                busy_timeout: options.busy_timeout,
                readers,
                next_reader: AtomicUsize::new(0),
                sealer: options.sealer,
                path,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Copies every write still in the WAL file into the database file and truncates the WAL
    /// to nothing (`PRAGMA wal_checkpoint(TRUNCATE)`, on the writer). With `secure_delete`
    /// (always on), the pages a write freed or rewrote are then zeroed in the database file
    /// too: after this returns `Ok(true)`, a consumed one-time prekey's secret and a replaced
    /// record's old value are in neither file (SPEC.md 17.5). What the file system or the
    /// disk keeps of blocks it once held is beyond SQLite's reach.
    ///
    /// The store does this by itself after every consume
    /// ([`SqliteOptions::checkpoint_after_consume`]); SQLite's own automatic checkpoints
    /// (every 1000 pages) copy the WAL into the file but leave the WAL's old frames in place.
    ///
    /// Returns `Ok(false)` if the checkpoint could not finish because a connection of another
    /// process was reading an older snapshot (it waits up to the busy timeout first): call it
    /// again later.
    ///
    /// # Errors
    /// [`Error::Store`] if SQLite fails.
    pub async fn checkpoint(&self) -> Result<bool, Error> {
        self.blocking(|inner| Inner::checkpoint_on(&*inner.writer()?))
            .await
    }

    /// Runs `work` with the store's connections on a blocking thread (the caller's own,
    /// outside a tokio runtime).
    async fn blocking<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, Error> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle
                .spawn_blocking(move || work(&inner))
                .await
                .map_err(|e| {
                    Error::Store(StoreError::with_source("sqlite: blocking task failed", e))
                })?,
            Err(_) => work(&inner),
        }
    }
}

impl Inner {
    fn writer(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        lock(&self.writer)
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)` on the writer: true if every frame of the WAL is in
    /// the database file and the WAL is truncated to nothing, false if a reader (of another
    /// process) kept it from finishing.
    fn checkpoint_on(writer: &Connection) -> Result<bool, Error> {
        let (busy, log, done): (i64, i64, i64) = writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .map_err(failed("checkpoint"))?;
        Ok(busy == 0 && log == done)
    }

    /// After a write that consumed a one-time prekey: the checkpoint, if the options ask for
    /// it. Best effort: the write is committed, so a checkpoint that cannot finish (another
    /// process reading) or fails does not make it fail; the next one finishes the job. It
    /// does not wait for other processes' readers (busy timeout 0 for its duration), so that
    /// it never holds the writer for the length of a busy timeout.
    fn after_consume(&self, writer: &Connection) {
        if self.checkpoint_after_consume {
            let _ = writer.busy_timeout(Duration::ZERO);
            let _ = Self::checkpoint_on(writer);
            let _ = writer.busy_timeout(self.busy_timeout);
        }
    }

    /// A reader connection, taken in turn (the writer if there are none).
    fn reader(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        if self.readers.is_empty() {
            return self.writer();
        }
        let index = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(
            self.readers
                .get(index)
                .ok_or_else(|| Error::Store(StoreError::new("sqlite: no reader")))?,
        )
    }
}

impl core::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("readers", &self.inner.readers.len())
            .field("sealed", &self.inner.sealer.is_some())
            .finish()
    }
}

impl Rows for SqliteStore {
    fn sealer(&self) -> Option<&Sealer> {
        self.inner.sealer.as_ref()
    }

    async fn get(&self, table: Table, key: Vec<u8>) -> Result<Option<Row>, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let found = reader
                .prepare_cached(&sql(table, Statement::Get)?)
                .and_then(|mut s| s.query_row(params![key], |row| read_row(row, 0)).optional())
                .map_err(failed("read"))?;
            found.map(into_row).transpose()
        })
        .await
    }

    async fn scan(&self, table: Table) -> Result<Vec<(Vec<u8>, Row)>, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let mut statement = reader
                .prepare_cached(&sql(table, Statement::Scan)?)
                .map_err(failed("scan"))?;
            let rows = statement
                .query_map([], |row| Ok((row.get::<_, Vec<u8>>(0)?, read_row(row, 1)?)))
                .map_err(failed("scan"))?;
            let mut out = Vec::new();
            for row in rows {
                let (key, row) = row.map_err(failed("scan"))?;
                out.push((key, into_row(row)?));
            }
            Ok(out)
        })
        .await
    }

    async fn swap(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
    ) -> Result<Revision, Error> {
        self.blocking(move |inner| {
            let writer = inner.writer()?;
            swap_on(&writer, table, &key, expected, new, &value)
        })
        .await
    }

    async fn incarnation(&self, table: Table) -> Result<u64, Error> {
        let table = generic(table)?;
        self.blocking(move |inner| {
            let writer = inner.writer()?;
            let next: i64 = writer
                .prepare_cached(
                    "INSERT INTO incarnations (name, next) VALUES (?1, 1) \
                     ON CONFLICT (name) DO UPDATE SET next = next + 1 RETURNING next",
                )
                .and_then(|mut s| s.query_row(params![table.name()], |row| row.get(0)))
                .map_err(failed("incarnation"))?;
            u64::try_from(next)
                .map_err(|_| Error::Store(StoreError::new("sqlite: negative incarnation")))
        })
        .await
    }

    async fn delete(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
    ) -> Result<bool, Error> {
        self.blocking(move |inner| {
            let writer = inner.writer()?;
            let changed = match expected {
                Some(expected) => {
                    let expected = to_sql(expected)?;
                    writer
                        .prepare_cached(&sql(table, Statement::DeleteAt)?)
                        .and_then(|mut s| s.execute(params![key, expected]))
                        .map_err(failed("delete"))?
                }
                None => writer
                    .prepare_cached(&sql(table, Statement::Delete)?)
                    .and_then(|mut s| s.execute(params![key]))
                    .map_err(failed("delete"))?,
            };
            match (changed, expected) {
                (0, Some(_)) => Err(table.conflict()),
                (changed, _) => Ok(changed > 0),
            }
        })
        .await
    }

    async fn insert_new(
        &self,
        table: Table,
        rows: Vec<(Vec<u8>, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        self.blocking(move |inner| {
            let mut writer = inner.writer()?;
            let transaction = writer
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(failed("begin insert"))?;
            for (key, value) in &rows {
                // Dropping the transaction without a commit rolls it back.
                swap_on(&transaction, table, key, None, Revision::FIRST, value)?;
            }
            transaction.commit().map_err(failed("commit insert"))
        })
        .await
    }

    async fn consume(&self, key: Vec<u8>) -> Result<Consume, Error> {
        self.blocking(move |inner| {
            let writer = inner.writer()?;
            let found = consume_on(&writer, &key)?;
            if found == Consume::Done {
                inner.after_consume(&writer);
            }
            Ok(found)
        })
        .await
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
        self.blocking(move |inner| {
            let mut writer = inner.writer()?;
            let transaction = writer
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(failed("begin accept"))?;
            // Dropping the transaction without a commit rolls it back: nothing is written.
            let revision = swap_on(
                &transaction,
                Table::SessionRecords,
                &key,
                expected,
                new,
                &value,
            )?;
            if let Some(prekey) = &consume {
                let found = consume_on(&transaction, prekey)?;
                if found != Consume::Done {
                    return Ok(Err(Refusal::OneTime(found)));
                }
            }
            let mut consumed_kem = false;
            if let Some(used) = &kem {
                match use_kem_on(&transaction, used)? {
                    Ok(consumed) => consumed_kem = consumed,
                    Err(refusal) => return Ok(Err(refusal)),
                }
            }
            transaction.commit().map_err(failed("commit accept"))?;
            if consume.is_some() || consumed_kem {
                inner.after_consume(&writer);
            }
            Ok(Ok(revision))
        })
        .await
    }

    async fn get_kem(&self, key: Vec<u8>) -> Result<KemLookup, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let found: Option<(i64, bool, Vec<u8>)> = reader
                .prepare_cached(kem_sql::GET)
                .and_then(|mut s| {
                    s.query_row(params![key], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
                })
                .map_err(failed("read KEM prekey"))?;
            Ok(match found {
                Some((revision, one_time, value)) => KemLookup::Held(KemRow {
                    revision: from_sql(revision)?,
                    one_time,
                    value: Zeroizing::new(value),
                }),
                None if kem_consumed_on(&reader, &key)? => KemLookup::Consumed,
                None => KemLookup::Unknown,
            })
        })
        .await
    }

    async fn scan_kem(&self, last_resort_only: bool) -> Result<Vec<(Vec<u8>, KemRow)>, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let sql = if last_resort_only {
                kem_sql::SCAN_LAST_RESORT
            } else {
                kem_sql::SCAN
            };
            let mut statement = reader
                .prepare_cached(sql)
                .map_err(failed("scan KEM prekeys"))?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, bool>(2)?,
                        row.get::<_, Vec<u8>>(3)?,
                    ))
                })
                .map_err(failed("scan KEM prekeys"))?;
            let mut out = Vec::new();
            for row in rows {
                let (key, revision, one_time, value) = row.map_err(failed("scan KEM prekeys"))?;
                out.push((
                    key,
                    KemRow {
                        revision: from_sql(revision)?,
                        one_time,
                        value: Zeroizing::new(value),
                    },
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn insert_kem(
        &self,
        rows: Vec<(Vec<u8>, bool, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        self.blocking(move |inner| {
            let mut writer = inner.writer()?;
            let transaction = writer
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(failed("begin insert"))?;
            let first = to_sql(Revision::FIRST)?;
            for (key, one_time, value) in &rows {
                // Dropping the transaction without a commit rolls it back.
                if kem_spent_on(&transaction, key)? {
                    return Err(Table::KemPreKeys.conflict());
                }
                let added = transaction
                    .prepare_cached(kem_sql::INSERT)
                    .and_then(|mut s| s.execute(params![key, first, one_time, &value[..]]))
                    .map_err(failed("insert KEM prekey"))?;
                if added != 1 {
                    return Err(Table::KemPreKeys.conflict());
                }
            }
            transaction.commit().map_err(failed("commit insert"))
        })
        .await
    }

    async fn remove_kem(&self, key: Vec<u8>) -> Result<bool, Error> {
        self.blocking(move |inner| {
            let mut writer = inner.writer()?;
            let transaction = writer
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(failed("begin remove"))?;
            transaction
                .prepare_cached(kem_sql::DELETE_BASE_KEYS)
                .and_then(|mut s| s.execute(params![key]))
                .map_err(failed("remove KEM prekey"))?;
            let removed = transaction
                .prepare_cached(kem_sql::DELETE)
                .and_then(|mut s| s.execute(params![key]))
                .map_err(failed("remove KEM prekey"))?;
            if removed > 0 {
                // Its id is never added again (SPEC.md 17.3 rule 3).
                transaction
                    .prepare_cached(kem_sql::RETIRE)
                    .and_then(|mut s| s.execute(params![key]))
                    .map_err(failed("remove KEM prekey"))?;
            }
            transaction.commit().map_err(failed("commit remove"))?;
            if removed > 0 {
                // The secret is gone from the table: out of the files too.
                inner.after_consume(&writer);
            }
            Ok(removed > 0)
        })
        .await
    }

    async fn count_one_time_kem(&self) -> Result<u64, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let count: i64 = reader
                .prepare_cached(kem_sql::COUNT_ONE_TIME)
                .and_then(|mut s| s.query_row([], |row| row.get(0)))
                .map_err(failed("count"))?;
            u64::try_from(count)
                .map_err(|_| Error::Store(StoreError::new("sqlite: negative count")))
        })
        .await
    }

    async fn last_kem_key(&self) -> Result<Option<Vec<u8>>, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            reader
                .prepare_cached(kem_sql::LAST_KEY)
                .and_then(|mut s| s.query_row([], |row| row.get::<_, Option<Vec<u8>>>(0)))
                .map_err(failed("last key"))
        })
        .await
    }

    async fn count(&self, table: Table) -> Result<u64, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            let count: i64 = reader
                .prepare_cached(&sql(table, Statement::Count)?)
                .and_then(|mut s| s.query_row([], |row| row.get(0)))
                .map_err(failed("count"))?;
            u64::try_from(count)
                .map_err(|_| Error::Store(StoreError::new("sqlite: negative count")))
        })
        .await
    }

    async fn last_key(&self, table: Table) -> Result<Option<Vec<u8>>, Error> {
        self.blocking(move |inner| {
            let reader = inner.reader()?;
            reader
                .prepare_cached(&sql(table, Statement::LastKey)?)
                .and_then(|mut s| s.query_row([], |row| row.get::<_, Option<Vec<u8>>>(0)))
                .map_err(failed("last key"))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generic row statements are never built for the KEM prekey table, and the
    /// operations that use them refuse it: before, they were built (an insert without the
    /// `one_time` column, a consume that set the value to NULL) and would have failed on a
    /// constraint, or worse, had a caller used them there.
    #[test]
    fn no_generic_statement_for_the_kem_table() {
        for statement in [
            Statement::Get,
            Statement::Scan,
            Statement::Insert,
            Statement::Update,
            Statement::DeleteAt,
            Statement::Delete,
            Statement::Consume,
            Statement::Exists,
            Statement::Count,
            Statement::LastKey,
        ] {
            assert!(sql(Table::KemPreKeys, statement).is_err());
            assert!(sql(Table::OneTimePreKeys, statement).is_ok());
        }
        let path = std::env::temp_dir().join(format!(
            "hushwire-store-generic-{}.sqlite",
            std::process::id()
        ));
        let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let insert = store
                .insert_new(
                    Table::KemPreKeys,
                    vec![(vec![0, 0, 0, 1], Zeroizing::new(vec![1]))],
                )
                .await;
            assert!(
                matches!(&insert, Err(Error::Store(e)) if e.to_string().contains("kem_prekeys")),
                "{insert:?}"
            );
            assert!(store.incarnation(Table::KemPreKeys).await.is_err());
            assert_eq!(store.last_kem_key().await, Ok(None));
        });
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    /// A thread that panics while it holds the writer, in the middle of a transaction, leaves
    /// no write behind and does not stop the store: the next write takes the lock again, the
    /// open transaction is rolled back first, and the store keeps working (the first version
    /// failed with "connection lock poisoned" forever).
    #[test]
    fn a_panic_holding_the_writer_is_rolled_back_and_the_store_recovers() {
        let path = std::env::temp_dir().join(format!(
            "hushwire-store-poison-{}.sqlite",
            std::process::id()
        ));
        let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
        let inner = Arc::clone(&store.inner);
        let panicked = std::thread::spawn(move || {
            let writer = inner.writer.lock().unwrap();
            // A transaction opened by hand (no guard to roll it back on unwind), a row
            // written in it, then the panic.
            writer
                .execute_batch(
                    "BEGIN IMMEDIATE; INSERT INTO trust_records (key, revision, value) \
                     VALUES (x'01', 1, x'02');",
                )
                .unwrap();
            panic!("a bug while holding the writer");
        })
        .join();
        assert!(panicked.is_err());
        assert!(store.inner.writer.is_poisoned());

        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let revision = Revision::first_of(1, "trust_record").unwrap();
            assert_eq!(
                store
                    .swap(
                        Table::TrustRecords,
                        vec![3],
                        None,
                        revision,
                        Zeroizing::new(vec![4])
                    )
                    .await,
                Ok(revision)
            );
            // Committed (a reader sees it: it did not land inside the transaction left
            // open), and the half-done transaction was rolled back: no row 1.
            let row = store.get(Table::TrustRecords, vec![3]).await.unwrap();
            assert_eq!(row.map(|r| r.revision), Some(revision));
            assert!(
                store
                    .get(Table::TrustRecords, vec![1])
                    .await
                    .unwrap()
                    .is_none()
            );
        });
        assert!(!store.inner.writer.is_poisoned());
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}
