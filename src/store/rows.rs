//! What every implementation provides: rows of bytes keyed by bytes, with a revision, and the
//! few atomic operations on them. The typed store traits are implemented once, here, on top
//! of them, with the sealing of SPEC.md 17.4: an implementation never sees a typed value,
//! and a sealed store never hands it an unsealed one.

use core::future::Future;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::keys;
use super::seal::Sealer;
use super::traits::{
    AcceptTransaction, DeviceLists, GroupSessions, PreKeys, SessionRecords, TrustRecords,
};
use super::{Revision, Table, Versioned};
use crate::device::address::DeviceAddress;
use crate::device::list::{DeviceListIn, VerifiedDeviceList};
use crate::device::record::StoredSessionRecord;
use crate::group::id::GroupId;
use crate::group::stored::StoredGroupSession;
use crate::kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
use crate::prekey::{
    OneTimePreKeyId, OneTimePreKeyPair, SignedPreKey, SignedPreKeyId, SignedPreKeyPair,
};
use crate::session::PreKeyUses;
use crate::verification::account_id::AccountId;
use crate::verification::trust::record::TrustRecord;
use crate::{Error, StoreError};

/// A row as stored: its revision and its value (sealed, in a sealed store); no value for a
/// consumed one-time prekey.
pub(crate) struct Row {
    pub(crate) revision: Revision,
    pub(crate) value: Option<Zeroizing<Vec<u8>>>,
}

/// What consuming a one-time prekey's row found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Consume {
    /// It had a value, which is gone now.
    Done,
    /// It was consumed before.
    AlreadyConsumed,
    /// There is no such row.
    Unknown,
}

impl Consume {
    /// `Ok` for [`Consume::Done`], else the error `accept` reports for prekey `id`.
    pub(crate) fn into_result(self, id: u32) -> Result<(), Error> {
        match self {
            Consume::Done => Ok(()),
            Consume::AlreadyConsumed => Err(Error::OneTimePreKeyConsumed { id }),
            Consume::Unknown => Err(Error::UnknownOneTimePreKey { id }),
        }
    }
}

/// A KEM prekey's row as stored: its revision, whether the key is one-time (the `one_time`
/// column, checked against the value when it is loaded), and its value (sealed, in a sealed
/// store).
pub(crate) struct KemRow {
    pub(crate) revision: Revision,
    pub(crate) one_time: bool,
    pub(crate) value: Zeroizing<Vec<u8>>,
}

/// What looking up a KEM prekey's row found.
pub(crate) enum KemLookup {
    /// The key is held.
    Held(KemRow),
    /// It was a one-time KEM prekey, consumed.
    Consumed,
    /// There is no such key (never added, or removed).
    Unknown,
}

/// Why the accept transaction wrote nothing, apart from a conflict or a store failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The one-time prekey could not be consumed.
    OneTime(Consume),
    /// The one-time KEM prekey was consumed already.
    KemConsumed,
    /// There is no such KEM prekey.
    KemUnknown,
    /// The last-resort KEM prekey was already used with this base key.
    KemReused,
    /// The KEM prekey's stored kind (its `one_time` column) is not the kind the use names.
    KemKindMismatch,
}

/// The KEM part of an accept: the KEM prekey's row key, the first message's base key, and
/// whether the use names a one-time KEM prekey (checked against the stored kind).
pub(crate) struct KemUse {
    pub(crate) key: Vec<u8>,
    pub(crate) base_key: [u8; 32],
    pub(crate) one_time: bool,
}

/// The storage of one implementation. Every method is atomic on its own.
pub(crate) trait Rows: Send + Sync {
    /// The sealer, if values are sealed.
    fn sealer(&self) -> Option<&Sealer>;

    /// Row `key` of `table`.
    fn get(
        &self,
        table: Table,
        key: Vec<u8>,
    ) -> impl Future<Output = Result<Option<Row>, Error>> + Send;

    /// Every row of `table` that has a value, in no particular order.
    fn scan(&self, table: Table)
    -> impl Future<Output = Result<Vec<(Vec<u8>, Row)>, Error>> + Send;

    /// The next incarnation of `table`: 1, 2, 3, ... for the life of the store, never
    /// repeated, whatever is deleted (SPEC.md 17.3).
    fn incarnation(&self, table: Table) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The compare-and-swap: writes `value` as row `key` of `table` at revision `new` if the
    /// row is at `expected` (`None`: if there is no row). [`Table::conflict`] otherwise.
    fn swap(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;

    /// Deletes row `key` of `table` if it is at `expected` ([`Table::conflict`] if not, or
    /// absent); with `None`, whatever its revision, returning whether there was one.
    fn delete(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Inserts `rows` at [`Revision::FIRST`], all or none: [`Table::conflict`] if any key has a
    /// row already (a consumed one-time prekey's included).
    fn insert_new(
        &self,
        table: Table,
        rows: Vec<(Vec<u8>, Zeroizing<Vec<u8>>)>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes the value of one-time prekey row `key`, keeping the row: the atomic
    /// delete-if-present.
    fn consume(&self, key: Vec<u8>) -> impl Future<Output = Result<Consume, Error>> + Send;

    /// [`Rows::swap`] of session record `key`, if `consume` is given [`Rows::consume`] of
    /// that one-time prekey, and if `kem` is given the use of that KEM prekey by the stored
    /// key's kind (a one-time one: its row deleted and its key added to the consumed ones; the
    /// last resort: the base key added to its set, refused if there), in one transaction, in
    /// that order: the swap's conflict is checked first, then the prekeys; if any fails
    /// nothing is written, and a prekey that refuses is returned as `Ok(Err(refusal))`. A
    /// stored kind other than the one `kem` names is [`Refusal::KemKindMismatch`].
    fn swap_and_consume(
        &self,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
        consume: Option<Vec<u8>>,
        kem: Option<KemUse>,
    ) -> impl Future<Output = Result<Result<Revision, Refusal>, Error>> + Send;

    /// KEM prekey row `key`, or whether it was consumed.
    fn get_kem(&self, key: Vec<u8>) -> impl Future<Output = Result<KemLookup, Error>> + Send;

    /// Every KEM prekey row (only the last-resort ones with `last_resort_only`), in no
    /// particular order.
    fn scan_kem(
        &self,
        last_resort_only: bool,
    ) -> impl Future<Output = Result<Vec<(Vec<u8>, KemRow)>, Error>> + Send;

    /// Inserts KEM prekey rows `(key, one_time, value)` at [`Revision::FIRST`], all or none:
    /// [`Table::conflict`] of [`Table::KemPreKeys`] if any key has a row, was consumed or
    /// was removed.
    fn insert_kem(
        &self,
        rows: Vec<(Vec<u8>, bool, Zeroizing<Vec<u8>>)>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Deletes KEM prekey row `key` and the base keys recorded with it, and if there was a
    /// row keeps its key among the removed ones (so that it is never added again), in one
    /// transaction; whether there was a row.
    fn remove_kem(&self, key: Vec<u8>) -> impl Future<Output = Result<bool, Error>> + Send;

    /// How many KEM prekey rows are one-time ones.
    fn count_one_time_kem(&self) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The greatest KEM prekey key (bytewise), consumed and removed ones included.
    fn last_kem_key(&self) -> impl Future<Output = Result<Option<Vec<u8>>, Error>> + Send;

    /// How many rows of `table` have a value.
    fn count(&self, table: Table) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The greatest key of `table` (bytewise), rows without a value included.
    fn last_key(&self, table: Table)
    -> impl Future<Output = Result<Option<Vec<u8>>, Error>> + Send;
}

/// `table`, if the generic row operations of [`Rows`] (`get`, `scan`, `incarnation`, `swap`,
/// `delete`, `insert_new`, `count`, `last_key`) apply to it: every table but
/// [`Table::KemPreKeys`], whose rows have a kind column and no incarnations and which only
/// the KEM operations touch (so that a consumed or removed KEM prekey's id cannot come back
/// through them). Each implementation refuses the KEM table here.
///
/// # Errors
/// [`Error::Store`] for [`Table::KemPreKeys`].
pub(crate) fn generic(table: Table) -> Result<Table, Error> {
    if table == Table::KemPreKeys {
        return Err(Error::Store(StoreError::new(
            "store: kem_prekeys takes only the KEM prekey operations",
        )));
    }
    Ok(table)
}

/// The value to write as row `key` of `table` at `revision`: `plain`, sealed if the store
/// seals.
fn prepare<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    key: &[u8],
    revision: Revision,
    plain: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    match rows.sealer() {
        Some(sealer) => sealer.seal(table, key, revision, plain).map(Zeroizing::new),
        None => Ok(Zeroizing::new(plain.to_vec())),
    }
}

/// The plain value of a row read as row `key` of `table`.
fn open<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    key: &[u8],
    revision: Revision,
    value: Zeroizing<Vec<u8>>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    match rows.sealer() {
        Some(sealer) => sealer.open(table, key, revision, &value),
        None => Ok(value),
    }
}

/// The vector inside, moved out without a copy (the stored-form types wipe it in turn).
fn into_vec(mut value: Zeroizing<Vec<u8>>) -> Vec<u8> {
    core::mem::take(&mut *value)
}

/// Row `key` of `table`, opened, if it has a value.
async fn load<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    key: Vec<u8>,
) -> Result<Option<Versioned<Zeroizing<Vec<u8>>>>, Error> {
    let Some(row) = rows.get(table, key.clone()).await? else {
        return Ok(None);
    };
    let Some(value) = row.value else {
        return Ok(None);
    };
    let value = open(rows, table, &key, row.revision, value)?;
    Ok(Some(Versioned {
        revision: row.revision,
        value,
    }))
}

/// Writes `plain` as row `key` of `table` over `expected`.
async fn swap<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    key: Vec<u8>,
    expected: Option<Revision>,
    plain: &[u8],
) -> Result<Revision, Error> {
    let revision = new_revision(rows, table, expected).await?;
    let value = prepare(rows, table, &key, revision, plain)?;
    rows.swap(table, key, expected, revision, value).await
}

/// The revision of a write over `expected`: the first of a new incarnation for a record that
/// does not exist, else the next.
async fn new_revision<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    expected: Option<Revision>,
) -> Result<Revision, Error> {
    match expected {
        None => Revision::first_of(rows.incarnation(table).await?, table.record()),
        Some(revision) => revision.next(table.record()),
    }
}

/// `value`, a prekey whose stored form says id `stored`, read from the row of id `row`: the
/// two must agree (SPEC.md 17.4). A value in another id's row (moved there in an unsealed
/// database, where no associated data binds it) is [`Error::InvalidSessionState`]: used, it
/// would answer for a prekey it is not (consumed under one id, its secret still loadable
/// under another).
fn in_its_row<T>(stored: u32, row: u32, value: T) -> Result<T, Error> {
    if stored == row {
        Ok(value)
    } else {
        Err(Error::InvalidSessionState)
    }
}

/// Deletes row `key` of `table` at `expected`.
async fn delete_at<R: Rows + ?Sized>(
    rows: &R,
    table: Table,
    key: Vec<u8>,
    expected: Revision,
) -> Result<(), Error> {
    rows.delete(table, key, Some(expected)).await.map(|_| ())
}

impl<R: Rows> SessionRecords for R {
    async fn load_session_record(
        &self,
        peer: &DeviceAddress,
    ) -> Result<Option<Versioned<StoredSessionRecord>>, Error> {
        let loaded = load(self, Table::SessionRecords, keys::address(peer)).await?;
        Ok(loaded.map(|v| Versioned {
            revision: v.revision,
            value: StoredSessionRecord::from_vec(into_vec(v.value)),
        }))
    }

    async fn store_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
    ) -> Result<Revision, Error> {
        swap(
            self,
            Table::SessionRecords,
            keys::address(peer),
            expected,
            record.as_bytes(),
        )
        .await
    }

    async fn delete_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Revision,
    ) -> Result<(), Error> {
        delete_at(self, Table::SessionRecords, keys::address(peer), expected).await
    }
}

impl<R: Rows> AcceptTransaction for R {
    async fn store_accepted_session(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
        uses: &PreKeyUses,
    ) -> Result<Revision, Error> {
        let table = Table::SessionRecords;
        let key = keys::address(peer);
        let revision = new_revision(self, table, expected).await?;
        let value = prepare(self, table, &key, revision, record.as_bytes())?;
        let consume = uses.one_time_prekey.map(|id| keys::prekey(id.0));
        let kem = uses.kem_prekey.map(|used| KemUse {
            key: keys::prekey(used.id.0),
            base_key: used.base_key.to_bytes(),
            one_time: used.kind == KemPreKeyKind::OneTime,
        });
        let kem_id = uses.kem_prekey.map_or(0, |used| used.id.0);
        match self
            .swap_and_consume(key, expected, revision, value, consume, kem)
            .await?
        {
            Ok(revision) => Ok(revision),
            Err(Refusal::OneTime(found)) => {
                found.into_result(uses.one_time_prekey.map_or(0, |id| id.0))?;
                // `Done` is never reported as a failure; were it, nothing was written.
                Err(Table::OneTimePreKeys.conflict())
            }
            Err(Refusal::KemConsumed) => Err(Error::KemPreKeyConsumed { id: kem_id }),
            Err(Refusal::KemUnknown) => Err(Error::UnknownKemPreKey { id: kem_id }),
            Err(Refusal::KemReused) => Err(Error::KemPreKeyReused { id: kem_id }),
            // The stored row contradicts the use (its kind column changed since the key was
            // loaded): a stored state that disagrees with itself, as `kem_in_its_row` reports.
            Err(Refusal::KemKindMismatch) => Err(Error::InvalidSessionState),
        }
    }
}

/// A KEM prekey read from row `key` with the row's `one_time` column: its own id must be
/// the row's and its own kind the column's (SPEC.md 17.4), else [`Error::InvalidSessionState`]
/// (a value moved to another row of an unsealed database, or a kind column changed there).
fn kem_in_its_row(pair: KemPreKeyPair, key: &[u8], one_time: bool) -> Result<KemPreKeyPair, Error> {
    if keys::prekey(pair.id().0) != key || (pair.kind() == KemPreKeyKind::OneTime) != one_time {
        return Err(Error::InvalidSessionState);
    }
    Ok(pair)
}

/// The public halves of the KEM prekeys held (only the last-resort ones with
/// `last_resort_only`: the one-time rows are then neither read nor opened), by increasing id.
async fn kem_publics<R: Rows + ?Sized>(
    rows: &R,
    last_resort_only: bool,
) -> Result<Vec<KemPreKey>, Error> {
    let table = Table::KemPreKeys;
    let mut out = Vec::new();
    for (key, row) in rows.scan_kem(last_resort_only).await? {
        let value = open(rows, table, &key, row.revision, row.value)?;
        let pair = kem_in_its_row(KemPreKeyPair::from_stored(&value)?, &key, row.one_time)?;
        out.push(pair.public().clone());
    }
    out.sort_by_key(KemPreKey::id);
    Ok(out)
}

impl<R: Rows> PreKeys for R {
    async fn load_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> Result<Option<SignedPreKeyPair>, Error> {
        load(self, Table::SignedPreKeys, keys::prekey(id.0))
            .await?
            .map(|v| SignedPreKeyPair::from_stored(&v.value))
            .transpose()?
            .map(|key| in_its_row(key.id().0, id.0, key))
            .transpose()
    }

    async fn add_signed_prekey(&self, key: &SignedPreKeyPair) -> Result<(), Error> {
        let table = Table::SignedPreKeys;
        let row = keys::prekey(key.id().0);
        let value = prepare(
            self,
            table,
            &row,
            Revision::FIRST,
            key.to_stored().as_bytes(),
        )?;
        self.insert_new(table, vec![(row, value)]).await
    }

    async fn remove_signed_prekey(&self, id: SignedPreKeyId) -> Result<bool, Error> {
        self.delete(Table::SignedPreKeys, keys::prekey(id.0), None)
            .await
    }

    async fn signed_prekeys(&self) -> Result<Vec<SignedPreKey>, Error> {
        let table = Table::SignedPreKeys;
        let mut out = Vec::new();
        for (key, row) in self.scan(table).await? {
            if let Some(value) = row.value {
                let value = open(self, table, &key, row.revision, value)?;
                let pair = SignedPreKeyPair::from_stored(&value)?;
                if keys::prekey(pair.id().0) != key {
                    return Err(Error::InvalidSessionState);
                }
                out.push(pair.public().clone());
            }
        }
        out.sort_by_key(SignedPreKey::id);
        Ok(out)
    }

    async fn load_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<OneTimePreKeyPair, Error> {
        let table = Table::OneTimePreKeys;
        let key = keys::prekey(id.0);
        let Some(row) = self.get(table, key.clone()).await? else {
            return Err(Error::UnknownOneTimePreKey { id: id.0 });
        };
        let Some(value) = row.value else {
            return Err(Error::OneTimePreKeyConsumed { id: id.0 });
        };
        let value = open(self, table, &key, row.revision, value)?;
        let pair = OneTimePreKeyPair::from_stored(&value)?;
        in_its_row(pair.id().0, id.0, pair)
    }

    async fn add_one_time_prekeys(&self, keys: &[OneTimePreKeyPair]) -> Result<(), Error> {
        let table = Table::OneTimePreKeys;
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            let row = keys::prekey(key.id().0);
            let value = prepare(
                self,
                table,
                &row,
                Revision::FIRST,
                key.to_stored().as_bytes(),
            )?;
            rows.push((row, value));
        }
        self.insert_new(table, rows).await
    }

    async fn consume_one_time_prekey(&self, id: OneTimePreKeyId) -> Result<(), Error> {
        self.consume(keys::prekey(id.0)).await?.into_result(id.0)
    }

    async fn one_time_prekeys_left(&self) -> Result<u64, Error> {
        self.count(Table::OneTimePreKeys).await
    }

    async fn last_one_time_prekey_id(&self) -> Result<Option<OneTimePreKeyId>, Error> {
        let Some(key) = self.last_key(Table::OneTimePreKeys).await? else {
            return Ok(None);
        };
        // Keys are u32(id) (SPEC.md 17.1), so the greatest key is the greatest id.
        let id: [u8; 4] = key
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::new("one-time prekey row whose key is not 4 bytes"))?;
        Ok(Some(OneTimePreKeyId(u32::from_be_bytes(id))))
    }

    async fn load_kem_prekey(&self, id: KemPreKeyId) -> Result<KemPreKeyPair, Error> {
        let table = Table::KemPreKeys;
        let key = keys::prekey(id.0);
        let row = match self.get_kem(key.clone()).await? {
            KemLookup::Held(row) => row,
            KemLookup::Consumed => return Err(Error::KemPreKeyConsumed { id: id.0 }),
            KemLookup::Unknown => return Err(Error::UnknownKemPreKey { id: id.0 }),
        };
        let value = open(self, table, &key, row.revision, row.value)?;
        let pair = KemPreKeyPair::from_stored(&value)?;
        kem_in_its_row(pair, &key, row.one_time)
    }

    async fn add_kem_prekeys(&self, keys: &[KemPreKeyPair]) -> Result<(), Error> {
        let table = Table::KemPreKeys;
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            let row = keys::prekey(key.id().0);
            let value = prepare(
                self,
                table,
                &row,
                Revision::FIRST,
                key.to_stored().as_bytes(),
            )?;
            rows.push((row, key.kind() == KemPreKeyKind::OneTime, value));
        }
        self.insert_kem(rows).await
    }

    async fn remove_kem_prekey(&self, id: KemPreKeyId) -> Result<bool, Error> {
        self.remove_kem(keys::prekey(id.0)).await
    }

    async fn kem_prekeys(&self) -> Result<Vec<KemPreKey>, Error> {
        kem_publics(self, false).await
    }

    async fn last_resort_kem_prekeys(&self) -> Result<Vec<KemPreKey>, Error> {
        kem_publics(self, true).await
    }

    async fn one_time_kem_prekeys_left(&self) -> Result<u64, Error> {
        self.count_one_time_kem().await
    }

    async fn last_kem_prekey_id(&self) -> Result<Option<KemPreKeyId>, Error> {
        let Some(key) = self.last_kem_key().await? else {
            return Ok(None);
        };
        let id: [u8; 4] = key
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::new("KEM prekey row whose key is not 4 bytes"))?;
        Ok(Some(KemPreKeyId(u32::from_be_bytes(id))))
    }
}

impl<R: Rows> TrustRecords for R {
    async fn load_trust_record(
        &self,
        peer: &AccountId,
    ) -> Result<Option<Versioned<TrustRecord>>, Error> {
        let loaded = load(self, Table::TrustRecords, keys::account(peer)).await?;
        loaded
            .map(|v| {
                Ok(Versioned {
                    revision: v.revision,
                    value: TrustRecord::from_bytes(&v.value)?,
                })
            })
            .transpose()
    }

    async fn store_trust_record(
        &self,
        peer: &AccountId,
        expected: Option<Revision>,
        record: &TrustRecord,
    ) -> Result<Revision, Error> {
        let bytes = record.to_bytes();
        swap(
            self,
            Table::TrustRecords,
            keys::account(peer),
            expected,
            &bytes,
        )
        .await
    }
}

impl<R: Rows> DeviceLists for R {
    async fn load_device_list(
        &self,
        account: &AccountId,
    ) -> Result<Option<Versioned<DeviceListIn>>, Error> {
        let loaded = load(self, Table::DeviceLists, keys::account(account)).await?;
        loaded
            .map(|v| {
                let list = DeviceListIn::decode(&v.value)?;
                if list.account_id() != account {
                    return Err(Error::InvalidSessionState);
                }
                Ok(Versioned {
                    revision: v.revision,
                    value: list,
                })
            })
            .transpose()
    }

    async fn store_device_list(
        &self,
        expected: Option<Revision>,
        list: &VerifiedDeviceList,
    ) -> Result<Revision, Error> {
        let key = keys::account(list.account_id());
        swap(self, Table::DeviceLists, key, expected, list.to_bytes()).await
    }
}

impl<R: Rows> GroupSessions for R {
    async fn load_group_session(
        &self,
        group: &GroupId,
    ) -> Result<Option<Versioned<StoredGroupSession>>, Error> {
        let loaded = load(self, Table::GroupSessions, keys::group(group)).await?;
        Ok(loaded.map(|v| Versioned {
            revision: v.revision,
            value: StoredGroupSession::from_vec(into_vec(v.value)),
        }))
    }

    async fn store_group_session(
        &self,
        group: &GroupId,
        expected: Option<Revision>,
        session: &StoredGroupSession,
    ) -> Result<Revision, Error> {
        let key = keys::group(group);
        swap(
            self,
            Table::GroupSessions,
            key,
            expected,
            session.as_bytes(),
        )
        .await
    }

    async fn delete_group_session(&self, group: &GroupId, expected: Revision) -> Result<(), Error> {
        delete_at(self, Table::GroupSessions, keys::group(group), expected).await
    }
}

/// A store behind an [`Arc`] is the same store, so that one can be shared by
/// [`super::Conversations`] and the rest of an application.
impl<T: SessionRecords + ?Sized> SessionRecords for Arc<T> {
    fn load_session_record(
        &self,
        peer: &DeviceAddress,
    ) -> impl Future<Output = Result<Option<Versioned<StoredSessionRecord>>, Error>> + Send {
        (**self).load_session_record(peer)
    }

    fn store_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
    ) -> impl Future<Output = Result<Revision, Error>> + Send {
        (**self).store_session_record(peer, expected, record)
    }

    fn delete_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Revision,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).delete_session_record(peer, expected)
    }
}

impl<T: AcceptTransaction + ?Sized> AcceptTransaction for Arc<T> {
    fn store_accepted_session(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
        uses: &PreKeyUses,
    ) -> impl Future<Output = Result<Revision, Error>> + Send {
        (**self).store_accepted_session(peer, expected, record, uses)
    }
}

impl<T: PreKeys + ?Sized> PreKeys for Arc<T> {
    fn load_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> impl Future<Output = Result<Option<SignedPreKeyPair>, Error>> + Send {
        (**self).load_signed_prekey(id)
    }

    fn add_signed_prekey(
        &self,
        key: &SignedPreKeyPair,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).add_signed_prekey(key)
    }

    fn remove_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).remove_signed_prekey(id)
    }

    fn signed_prekeys(&self) -> impl Future<Output = Result<Vec<SignedPreKey>, Error>> + Send {
        (**self).signed_prekeys()
    }

    fn load_one_time_prekey(
        &self,
        id: OneTimePreKeyId,
    ) -> impl Future<Output = Result<OneTimePreKeyPair, Error>> + Send {
        (**self).load_one_time_prekey(id)
    }

    fn add_one_time_prekeys(
        &self,
        keys: &[OneTimePreKeyPair],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).add_one_time_prekeys(keys)
    }

    fn consume_one_time_prekey(
        &self,
        id: OneTimePreKeyId,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).consume_one_time_prekey(id)
    }

    fn one_time_prekeys_left(&self) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).one_time_prekeys_left()
    }

    fn last_one_time_prekey_id(
        &self,
    ) -> impl Future<Output = Result<Option<OneTimePreKeyId>, Error>> + Send {
        (**self).last_one_time_prekey_id()
    }

    fn load_kem_prekey(
        &self,
        id: KemPreKeyId,
    ) -> impl Future<Output = Result<KemPreKeyPair, Error>> + Send {
        (**self).load_kem_prekey(id)
    }

    fn add_kem_prekeys(
        &self,
        keys: &[KemPreKeyPair],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).add_kem_prekeys(keys)
    }

    fn remove_kem_prekey(
        &self,
        id: KemPreKeyId,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).remove_kem_prekey(id)
    }

    fn kem_prekeys(&self) -> impl Future<Output = Result<Vec<KemPreKey>, Error>> + Send {
        (**self).kem_prekeys()
    }

    fn last_resort_kem_prekeys(
        &self,
    ) -> impl Future<Output = Result<Vec<KemPreKey>, Error>> + Send {
        (**self).last_resort_kem_prekeys()
    }

    fn one_time_kem_prekeys_left(&self) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).one_time_kem_prekeys_left()
    }

    fn last_kem_prekey_id(
        &self,
    ) -> impl Future<Output = Result<Option<KemPreKeyId>, Error>> + Send {
        (**self).last_kem_prekey_id()
    }
}

impl<T: TrustRecords + ?Sized> TrustRecords for Arc<T> {
    fn load_trust_record(
        &self,
        peer: &AccountId,
    ) -> impl Future<Output = Result<Option<Versioned<TrustRecord>>, Error>> + Send {
        (**self).load_trust_record(peer)
    }

    fn store_trust_record(
        &self,
        peer: &AccountId,
        expected: Option<Revision>,
        record: &TrustRecord,
    ) -> impl Future<Output = Result<Revision, Error>> + Send {
        (**self).store_trust_record(peer, expected, record)
    }
}

impl<T: DeviceLists + ?Sized> DeviceLists for Arc<T> {
    fn load_device_list(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Option<Versioned<DeviceListIn>>, Error>> + Send {
        (**self).load_device_list(account)
    }

    fn store_device_list(
        &self,
        expected: Option<Revision>,
        list: &VerifiedDeviceList,
    ) -> impl Future<Output = Result<Revision, Error>> + Send {
        (**self).store_device_list(expected, list)
    }
}

impl<T: GroupSessions + ?Sized> GroupSessions for Arc<T> {
    fn load_group_session(
        &self,
        group: &GroupId,
    ) -> impl Future<Output = Result<Option<Versioned<StoredGroupSession>>, Error>> + Send {
        (**self).load_group_session(group)
    }

    fn store_group_session(
        &self,
        group: &GroupId,
        expected: Option<Revision>,
        session: &StoredGroupSession,
    ) -> impl Future<Output = Result<Revision, Error>> + Send {
        (**self).store_group_session(group, expected, session)
    }

    fn delete_group_session(
        &self,
        group: &GroupId,
        expected: Revision,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).delete_group_session(group, expected)
    }
}
