//! Stores for backends (SPEC.md 17): one async store trait per kind of record, a
//! compare-and-swap on a revision for every mutable record, the orchestration that makes
//! load → operate → swap the only way a session is used ([`Conversations`]), and the
//! implementations: in memory ([`MemoryStore`]), with the `sqlite` cargo feature
//! `SqliteStore` (one file, for one machine), and with the `postgres` cargo feature
//! `PostgresStore` (one PostgreSQL database shared by backend processes on many hosts,
//! SPEC.md 17.6). Each can seal every value at rest under an application key ([`Sealer`]).
//!
//! # Why compare-and-swap
//!
//! A session's state holds its chain keys. Two workers that load the same stored state and
//! both encrypt use the same message key and nonce, which breaks ChaCha20-Poly1305. So every
//! write of a mutable record names the [`Revision`] it was read at, and succeeds only if the
//! record is still at it ([`Error::StoreConflict`] otherwise, nothing written).
//! [`Conversations`] reloads and redoes the operation on a conflict, and releases a ciphertext
//! or a plaintext only once its swap succeeded: a message key is used for at most one
//! released message, whatever the number of workers, threads or processes.
//!
//! # The traits
//!
//! One trait per kind of record: [`SessionRecords`] (keyed by the peer's
//! [`DeviceAddress`]), [`PreKeys`] (our own signed and one-time prekeys), [`TrustRecords`]
//! (keyed by the peer's [`AccountId`]), [`DeviceLists`] (keyed by account) and
//! [`GroupSessions`] (keyed by [`GroupId`]), and [`AcceptTransaction`], the one operation
//! that spans several kinds: apply the prekeys a first message used (consume a one-time
//! prekey and a one-time KEM prekey, or record the base key with the last-resort KEM prekey)
//! and store the session it started, in one transaction. Every trait is `Send + Sync`, takes `&self`, returns owned values, and its
//! methods return `Send` futures without boxing, so a backend on a multi-threaded tokio
//! runtime can call them from any task and hold them across `.await`. Values are the crate's
//! stored forms ([`SessionRecord::to_stored`](crate::SessionRecord::to_stored),
//! [`TrustRecord::to_bytes`], [`VerifiedDeviceList::to_bytes`],
//! [`GroupSession::to_stored`](crate::GroupSession::to_stored),
//! [`SignedPreKeyPair::to_stored`]); a store adds only its revision column, and, sealed, the
//! envelope of SPEC.md 17.4.
//!
//! # The orchestration
//!
//! [`Conversations`] for pairwise sessions and [`Groups`] for group sessions do load →
//! operate → compare-and-swap, retry on a conflict, and release nothing before its swap;
//! [`observe_identity_stored`] does trust on first use the same way, and [`upkeep_prekeys`]
//! keeps a device's prekeys (rotation, grace period, top-up) safely from many workers.
//!
//! Session records and group sessions come back in their stored form: loading them needs the
//! application's [`Config`](crate::Config), which a store does not hold.
//!
//! ```
//! use hushwire::store::{MemoryStore, Revision, SessionRecords};
//! use hushwire::{AccountId, DeviceAddress, DeviceId, Error, SessionRecord};
//!
//! # fn main() -> Result<(), Error> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(Error::from)?;
//! # runtime.block_on(async {
//! let store = MemoryStore::new();
//! let peer = DeviceAddress::new(AccountId::new("bob")?, DeviceId::new(1)?);
//! let first = store.store_session_record(&peer, None, &SessionRecord::new().to_stored()).await?;
//! // A record's first revision: its table's next incarnation (here the first) in the high
//! // 32 bits, 1 in the low ones (SPEC.md 17.3).
//! assert_eq!(first, Revision((1 << 32) | 1));
//! // A second writer that also read "no record" loses.
//! let again = store.store_session_record(&peer, None, &SessionRecord::new().to_stored()).await;
//! assert_eq!(again, Err(Error::StoreConflict { record: "session_record" }));
//! # Ok(())
//! # })
//! # }
//! ```

mod conversations;
mod groups;
pub(crate) mod keys;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
pub(crate) mod seal;
#[cfg(feature = "sqlite")]
mod sqlite;
mod traits;
mod trust;
mod upkeep;

pub use conversations::{Conversations, DEFAULT_MAX_ATTEMPTS};
pub use groups::Groups;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{POSTGRES_SCHEMA_VERSION, PostgresOptions, PostgresStore};
pub use seal::{SEALED_OVERHEAD, STORAGE_KEY_LEN, Sealer, StorageKey};
#[cfg(feature = "sqlite")]
pub use sqlite::{SCHEMA_VERSION, SqliteOptions, SqliteStore};
pub use traits::{
    AcceptTransaction, DeviceLists, GroupSessions, PreKeys, SessionRecords, TrustRecords,
};
pub use trust::observe_identity_stored;
pub use upkeep::{PreKeyPolicy, PreKeyUpkeep, upkeep_prekeys};

#[cfg(doc)]
use crate::Error;
#[cfg(doc)]
use crate::{AccountId, DeviceAddress, GroupId, SignedPreKeyPair, TrustRecord, VerifiedDeviceList};

/// The revision of a stored record (SPEC.md 17.3): a new incarnation of its table in the high
/// 32 bits and 1 when it is created, one more at every write; never the same twice for a key,
/// even after a delete. A write names the revision it read ([`SessionRecords::store_session_record`]'s
/// `expected`) and succeeds only if the record is still at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(pub u64);

impl Revision {
    /// The revision of a prekey's only write ([`PreKeys`]: prekeys are written once, never
    /// swapped).
    pub const FIRST: Revision = Revision(1);

    /// The first revision of a record created in `incarnation` (SPEC.md 17.3): the
    /// incarnation in the high 32 bits, 1 in the low ones. Every creation of a record in a
    /// table takes the next incarnation of that table, so a record that is deleted and created
    /// again never repeats a revision it had before, and a write that read the old record
    /// cannot succeed on the new one.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] past incarnation 2^31 − 1 (a revision must fit a signed 64-bit
    /// database integer), with `record` naming the table.
    pub fn first_of(incarnation: u64, record: &'static str) -> Result<Revision, crate::Error> {
        if incarnation == 0 || incarnation >= 1 << 31 {
            return Err(crate::Error::StoreConflict { record });
        }
        Ok(Revision((incarnation << 32) | 1))
    }

    /// The revision of the write after this one: one more in the low 32 bits.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] after 2^32 − 2 writes in one incarnation (the count would run
    /// into the incarnation's bits), with `record` naming the table.
    pub fn next(self, record: &'static str) -> Result<Revision, crate::Error> {
        if self.0 & 0xffff_ffff == 0xffff_ffff {
            return Err(crate::Error::StoreConflict { record });
        }
        Ok(Revision(self.0 + 1))
    }
}

/// A revision as a database's signed 64-bit integer (SPEC.md 17.3 keeps every revision below
/// 2^63); `db` names the database in the error.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn revision_to_db(revision: Revision, db: &'static str) -> Result<i64, crate::Error> {
    i64::try_from(revision.0).map_err(|_| {
        crate::Error::Store(crate::StoreError::new(format!("{db}: revision too large")))
    })
}

/// A revision read back from a database's signed 64-bit integer.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn revision_from_db(revision: i64, db: &'static str) -> Result<Revision, crate::Error> {
    u64::try_from(revision).map(Revision).map_err(|_| {
        crate::Error::Store(crate::StoreError::new(format!("{db}: negative revision")))
    })
}

/// A value loaded from a store with the revision it is at: pass the revision back as the
/// `expected` revision of the write that replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The record's revision.
    pub revision: Revision,
    /// The record.
    pub value: T,
}

/// The tables of a store (SPEC.md 17.1): each kind of record, by the name that a
/// [`Error::StoreConflict`] carries, that SQLite's schema uses, and that a sealed record's
/// associated data binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Table {
    /// Session records, by the peer's device address.
    SessionRecords,
    /// Our signed prekeys, by id.
    SignedPreKeys,
    /// Our one-time prekeys, by id; a consumed one stays as a row without a value.
    OneTimePreKeys,
    /// Trust records, by the peer's account id.
    TrustRecords,
    /// Device lists, by account id.
    DeviceLists,
    /// Group sessions, by group id.
    GroupSessions,
    /// Our KEM prekeys (last resort and one-time), by id; a consumed one-time KEM prekey's
    /// row is deleted and its id kept in `consumed_kem_prekeys` (SPEC.md 17.1).
    KemPreKeys,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 7] = [
        Table::SessionRecords,
        Table::SignedPreKeys,
        Table::OneTimePreKeys,
        Table::TrustRecords,
        Table::DeviceLists,
        Table::GroupSessions,
        Table::KemPreKeys,
    ];

    /// The table's name (SPEC.md 17.1).
    pub fn name(self) -> &'static str {
        match self {
            Table::SessionRecords => "session_records",
            Table::SignedPreKeys => "signed_prekeys",
            Table::OneTimePreKeys => "one_time_prekeys",
            Table::TrustRecords => "trust_records",
            Table::DeviceLists => "device_lists",
            Table::GroupSessions => "group_sessions",
            Table::KemPreKeys => "kem_prekeys",
        }
    }

    /// The name of one record of the table, as [`Error::StoreConflict`] and
    /// [`Error::SealedRecordInvalid`] carry it.
    pub fn record(self) -> &'static str {
        match self {
            Table::SessionRecords => "session_record",
            Table::SignedPreKeys => "signed_prekey",
            Table::OneTimePreKeys => "one_time_prekey",
            Table::TrustRecords => "trust_record",
            Table::DeviceLists => "device_list",
            Table::GroupSessions => "group_session",
            Table::KemPreKeys => "kem_prekey",
        }
    }

    pub(crate) fn conflict(self) -> crate::Error {
        crate::Error::StoreConflict {
            record: self.record(),
        }
    }
}
