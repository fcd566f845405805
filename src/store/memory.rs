//! The store in memory, for tests and small tools.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Mutex, MutexGuard};

use zeroize::Zeroizing;

#[cfg(feature = "hazmat")]
use super::Versioned;
use super::rows::{Consume, KemLookup, KemRow, KemUse, Refusal, Row, Rows, generic};
use super::seal::Sealer;
use super::{Revision, Table};
use crate::{Error, StoreError};

/// One row: its revision and its value (none for a consumed one-time prekey); for a KEM
/// prekey, whether it is one-time.
#[derive(Clone)]
struct MemoryRow {
    revision: Revision,
    value: Option<Zeroizing<Vec<u8>>>,
    one_time: bool,
}

type Map = HashMap<Vec<u8>, MemoryRow>;

/// What the KEM prekeys leave behind: the keys of consumed one-time KEM prekeys, the keys of
/// removed KEM prekeys, and the (last-resort KEM prekey key, base key) pairs that started a
/// session.
#[derive(Default)]
struct KemSpent {
    consumed: HashSet<Vec<u8>>,
    retired: HashSet<Vec<u8>>,
    base_keys: HashSet<(Vec<u8>, [u8; 32])>,
}

impl KemSpent {
    /// Whether `key` was consumed or removed: such an id is never added again.
    fn spent(&self, key: &[u8]) -> bool {
        self.consumed.contains(key) || self.retired.contains(key)
    }
}

/// Every store trait in memory: a `Mutex<HashMap>` per kind of record, for tests, demos and
/// small tools. It keeps each value in the stored form a database would hold (sealed, for
/// [`MemoryStore::sealed`]), so a value that would not load again is caught here too, and it
/// follows the same rules as the SQLite store, which the same conformance tests check.
///
/// Its futures are ready at once: it needs no async runtime.
pub struct MemoryStore {
    tables: [Mutex<Map>; 7],
    /// Each table's last incarnation (SPEC.md 17.3).
    incarnations: [AtomicU64; 7],
    /// Locked after [`Table::KemPreKeys`], never before it.
    kem_spent: Mutex<KemSpent>,
    sealer: Option<Sealer>,
}

impl MemoryStore {
    /// An empty store, values kept unsealed.
    pub fn new() -> Self {
        Self {
            tables: Default::default(),
            incarnations: Default::default(),
            kem_spent: Mutex::default(),
            sealer: None,
        }
    }

    /// An empty store that seals every value with `sealer` (SPEC.md 17.4).
    pub fn sealed(sealer: Sealer) -> Self {
        Self {
            tables: Default::default(),
            incarnations: Default::default(),
            kem_spent: Mutex::default(),
            sealer: Some(sealer),
        }
    }

    fn index(table: Table) -> usize {
        match table {
            Table::SessionRecords => 0,
            Table::SignedPreKeys => 1,
            Table::OneTimePreKeys => 2,
            Table::TrustRecords => 3,
            Table::DeviceLists => 4,
            Table::GroupSessions => 5,
            Table::KemPreKeys => 6,
        }
    }

    fn lock_kem_spent(&self) -> Result<MutexGuard<'_, KemSpent>, Error> {
        self.kem_spent
            .lock()
            .map_err(|_| Error::Store(StoreError::new("memory store: lock poisoned")))
    }

    /// The lock of `table` for a generic row operation: never [`Table::KemPreKeys`].
    fn lock_generic(&self, table: Table) -> Result<MutexGuard<'_, Map>, Error> {
        self.lock(generic(table)?)
    }

    fn lock(&self, table: Table) -> Result<MutexGuard<'_, Map>, Error> {
        self.tables
            .get(Self::index(table))
            .ok_or_else(|| StoreError::new("memory store: no such table"))?
            .lock()
            .map_err(|_| Error::Store(StoreError::new("memory store: lock poisoned")))
    }

    /// The stored row `key` of `table` as it is held: its revision and value (sealed, in a
    /// sealed store; `None` for a consumed one-time prekey). For tests of what a store holds.
    ///
    /// # Errors
    /// [`Error::Store`] if a lock is poisoned.
    #[cfg(feature = "hazmat")]
    pub fn raw_row(
        &self,
        table: Table,
        key: &[u8],
    ) -> Result<Option<Versioned<Option<Vec<u8>>>>, Error> {
        Ok(self.lock(table)?.get(key).map(|row| Versioned {
            revision: row.revision,
            value: row.value.as_ref().map(|v| v.to_vec()),
        }))
    }

    /// Replaces (or inserts) row `key` of `table` as it is held, bypassing every check: for
    /// tests that tamper with a store, as an attacker with access to the database could. A
    /// KEM prekey row replaced keeps its kind column; one inserted is a last-resort one.
    ///
    /// # Errors
    /// [`Error::Store`] if a lock is poisoned.
    #[cfg(feature = "hazmat")]
    pub fn put_raw_row(
        &self,
        table: Table,
        key: &[u8],
        revision: Revision,
        value: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let mut map = self.lock(table)?;
        let one_time = map.get(key).is_some_and(|row| row.one_time);
        map.insert(
            key.to_vec(),
            MemoryRow {
                revision,
                value: value.map(Zeroizing::new),
                one_time,
            },
        );
        Ok(())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut out = f.debug_struct("MemoryStore");
        for table in Table::ALL {
            let rows = self.lock(table).map(|t| t.len()).unwrap_or(0);
            out.field(table.name(), &rows);
        }
        out.field("sealed", &self.sealer.is_some()).finish()
    }
}

/// The swap of one row in a locked table.
fn swap_in(
    map: &mut Map,
    table: Table,
    key: Vec<u8>,
    expected: Option<Revision>,
    revision: Revision,
    value: Zeroizing<Vec<u8>>,
) -> Result<Revision, Error> {
    let current = map.get(&key).map(|row| row.revision);
    if current != expected {
        return Err(table.conflict());
    }
    map.insert(
        key,
        MemoryRow {
            revision,
            value: Some(value),
            one_time: false,
        },
    );
    Ok(revision)
}

/// What consuming row `key` of a locked one-time prekey table finds, without changing it.
fn consumable(map: &Map, key: &[u8]) -> Consume {
    match map.get(key) {
        Some(MemoryRow { value: Some(_), .. }) => Consume::Done,
        Some(MemoryRow { value: None, .. }) => Consume::AlreadyConsumed,
        None => Consume::Unknown,
    }
}

/// Consumes row `key` of a locked one-time prekey table.
fn consume_in(map: &mut Map, key: &[u8]) -> Consume {
    let found = consumable(map, key);
    if found == Consume::Done
        && let Some(row) = map.get_mut(key)
    {
        row.value = None;
    }
    found
}

impl Rows for MemoryStore {
    fn sealer(&self) -> Option<&Sealer> {
        self.sealer.as_ref()
    }

    async fn get(&self, table: Table, key: Vec<u8>) -> Result<Option<Row>, Error> {
        Ok(self.lock_generic(table)?.get(&key).map(|row| Row {
            revision: row.revision,
            value: row.value.clone(),
        }))
    }

    async fn scan(&self, table: Table) -> Result<Vec<(Vec<u8>, Row)>, Error> {
        Ok(self
            .lock_generic(table)?
            .iter()
            .filter(|(_, row)| row.value.is_some())
            .map(|(key, row)| {
                (
                    key.clone(),
                    Row {
                        revision: row.revision,
                        value: row.value.clone(),
                    },
                )
            })
            .collect())
    }

    async fn incarnation(&self, table: Table) -> Result<u64, Error> {
        let table = generic(table)?;
        Ok(self.incarnations[Self::index(table)].fetch_add(1, AtomicOrdering::Relaxed) + 1)
    }

    async fn swap(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
        new: Revision,
        value: Zeroizing<Vec<u8>>,
    ) -> Result<Revision, Error> {
        let mut map = self.lock_generic(table)?;
        swap_in(&mut map, table, key, expected, new, value)
    }

    async fn delete(
        &self,
        table: Table,
        key: Vec<u8>,
        expected: Option<Revision>,
    ) -> Result<bool, Error> {
        let mut map = self.lock_generic(table)?;
        match (map.get(&key).map(|row| row.revision), expected) {
            (Some(current), Some(expected)) if current != expected => Err(table.conflict()),
            (None, Some(_)) => Err(table.conflict()),
            (None, None) => Ok(false),
            (Some(_), _) => Ok(map.remove(&key).is_some()),
        }
    }

    async fn insert_new(
        &self,
        table: Table,
        rows: Vec<(Vec<u8>, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        let mut map = self.lock_generic(table)?;
        let mut keys: Vec<&Vec<u8>> = rows.iter().map(|(key, _)| key).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != rows.len() || keys.iter().any(|key| map.contains_key(*key)) {
            return Err(table.conflict());
        }
        for (key, value) in rows {
            map.insert(
                key,
                MemoryRow {
                    revision: Revision::FIRST,
                    value: Some(value),
                    one_time: false,
                },
            );
        }
        Ok(())
    }

    async fn consume(&self, key: Vec<u8>) -> Result<Consume, Error> {
        let mut map = self.lock(Table::OneTimePreKeys)?;
        Ok(consume_in(&mut map, &key))
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
        // Always in this order: session records, one-time prekeys, KEM prekeys, KEM leftovers.
        let mut sessions = self.lock(Table::SessionRecords)?;
        let mut prekeys = self.lock(Table::OneTimePreKeys)?;
        let mut kem_rows = self.lock(Table::KemPreKeys)?;
        let mut spent = self.lock_kem_spent()?;
        if sessions.get(&key).map(|row| row.revision) != expected {
            return Err(Table::SessionRecords.conflict());
        }
        if let Some(prekey) = &consume {
            let found = consumable(&prekeys, prekey);
            if found != Consume::Done {
                return Ok(Err(Refusal::OneTime(found)));
            }
        }
        if let Some(used) = &kem {
            // The stored key's kind decides, and must be the kind the use names.
            match kem_rows.get(&used.key).map(|row| row.one_time) {
                Some(stored) if stored != used.one_time => {
                    return Ok(Err(Refusal::KemKindMismatch));
                }
                Some(true) => {}
                Some(false) => {
                    if spent.base_keys.contains(&(used.key.clone(), used.base_key)) {
                        return Ok(Err(Refusal::KemReused));
                    }
                }
                None if spent.consumed.contains(&used.key) => {
                    return Ok(Err(Refusal::KemConsumed));
                }
                None => return Ok(Err(Refusal::KemUnknown)),
            }
        }
        let revision = swap_in(
            &mut sessions,
            Table::SessionRecords,
            key,
            expected,
            new,
            value,
        )?;
        if let Some(prekey) = &consume {
            consume_in(&mut prekeys, prekey);
        }
        if let Some(KemUse { key, base_key, .. }) = kem {
            if kem_rows.get(&key).is_some_and(|row| row.one_time) {
                kem_rows.remove(&key);
                spent.consumed.insert(key);
            } else {
                spent.base_keys.insert((key, base_key));
            }
        }
        Ok(Ok(revision))
    }

    async fn get_kem(&self, key: Vec<u8>) -> Result<KemLookup, Error> {
        let rows = self.lock(Table::KemPreKeys)?;
        let spent = self.lock_kem_spent()?;
        Ok(match rows.get(&key) {
            Some(MemoryRow {
                revision,
                value: Some(value),
                one_time,
            }) => KemLookup::Held(KemRow {
                revision: *revision,
                one_time: *one_time,
                value: value.clone(),
            }),
            _ if spent.consumed.contains(&key) => KemLookup::Consumed,
            _ => KemLookup::Unknown,
        })
    }

    async fn scan_kem(&self, last_resort_only: bool) -> Result<Vec<(Vec<u8>, KemRow)>, Error> {
        Ok(self
            .lock(Table::KemPreKeys)?
            .iter()
            .filter(|(_, row)| !(last_resort_only && row.one_time))
            .filter_map(|(key, row)| {
                row.value.as_ref().map(|value| {
                    (
                        key.clone(),
                        KemRow {
                            revision: row.revision,
                            one_time: row.one_time,
                            value: value.clone(),
                        },
                    )
                })
            })
            .collect())
    }

    async fn insert_kem(
        &self,
        rows: Vec<(Vec<u8>, bool, Zeroizing<Vec<u8>>)>,
    ) -> Result<(), Error> {
        let table = Table::KemPreKeys;
        let mut map = self.lock(table)?;
        let spent = self.lock_kem_spent()?;
        let mut keys: Vec<&Vec<u8>> = rows.iter().map(|(key, _, _)| key).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != rows.len()
            || keys
                .iter()
                .any(|key| map.contains_key(*key) || spent.spent(key))
        {
            return Err(table.conflict());
        }
        for (key, one_time, value) in rows {
            map.insert(
                key,
                MemoryRow {
                    revision: Revision::FIRST,
                    value: Some(value),
                    one_time,
                },
            );
        }
        Ok(())
    }

    async fn remove_kem(&self, key: Vec<u8>) -> Result<bool, Error> {
        let mut map = self.lock(Table::KemPreKeys)?;
        let mut spent = self.lock_kem_spent()?;
        spent.base_keys.retain(|(used, _)| *used != key);
        let removed = map.remove(&key).is_some();
        if removed {
            spent.retired.insert(key);
        }
        Ok(removed)
    }

    async fn count_one_time_kem(&self) -> Result<u64, Error> {
        let map = self.lock(Table::KemPreKeys)?;
        let live = map.values().filter(|row| row.one_time).count();
        Ok(u64::try_from(live).unwrap_or(u64::MAX))
    }

    async fn last_kem_key(&self) -> Result<Option<Vec<u8>>, Error> {
        let map = self.lock(Table::KemPreKeys)?;
        let spent = self.lock_kem_spent()?;
        Ok(map
            .keys()
            .chain(spent.consumed.iter())
            .chain(spent.retired.iter())
            .max()
            .cloned())
    }

    async fn count(&self, table: Table) -> Result<u64, Error> {
        let map = self.lock_generic(table)?;
        let live = map.values().filter(|row| row.value.is_some()).count();
        Ok(u64::try_from(live).unwrap_or(u64::MAX))
    }

    async fn last_key(&self, table: Table) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.lock_generic(table)?.keys().max().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generic row operations refuse the KEM prekey table (SPEC.md 17.6: only the KEM
    /// operations touch it): an `insert_new` there would add a row of the wrong kind past
    /// the consumed and removed ids, and did before.
    #[test]
    fn generic_row_operations_refuse_the_kem_table() {
        let store = MemoryStore::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let table = Table::KemPreKeys;
        let key = vec![0, 0, 0, 1];
        let value = || Zeroizing::new(vec![1, 2, 3]);
        runtime.block_on(async {
            let refused = |result: Result<(), Error>| {
                assert!(
                    matches!(&result, Err(Error::Store(e)) if e.to_string().contains("kem_prekeys")),
                    "{result:?}"
                );
            };
            refused(store.insert_new(table, vec![(key.clone(), value())]).await);
            refused(store.get(table, key.clone()).await.map(|_| ()));
            refused(store.scan(table).await.map(|_| ()));
            refused(store.incarnation(table).await.map(|_| ()));
            refused(
                store
                    .swap(table, key.clone(), None, Revision::FIRST, value())
                    .await
                    .map(|_| ()),
            );
            refused(store.delete(table, key.clone(), None).await.map(|_| ()));
            refused(store.count(table).await.map(|_| ()));
            refused(store.last_key(table).await.map(|_| ()));
            assert_eq!(store.last_kem_key().await, Ok(None));
        });
    }
}
