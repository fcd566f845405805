//! Where trust records live: a store trait, and an implementation in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::StoreError;
use crate::verification::account_id::AccountId;
use crate::verification::trust::record::TrustRecord;

/// A store of trust records, one per peer account.
///
/// `&self` methods, so one store can be shared by the threads of a backend; a database store
/// implements this with its own connection pool. Errors describe the operation and never carry
/// key material. (The stores for backends, with compare-and-swap, are a later layer; a
/// [`TrustRecord`] stores as [`TrustRecord::to_bytes`].)
pub trait TrustStore {
    /// The record for `peer`, if there is one.
    ///
    /// # Errors
    /// A [`StoreError`] if the store failed.
    fn load(&self, peer: &AccountId) -> Result<Option<TrustRecord>, StoreError>;

    /// Stores `record` for `peer`, replacing any record there was.
    ///
    /// # Errors
    /// A [`StoreError`] if the store failed; nothing was stored then.
    fn save(&self, peer: &AccountId, record: &TrustRecord) -> Result<(), StoreError>;
}

/// A [`TrustStore`] in memory, for tests, demos and small tools. It keeps each record in its
/// stored form, so a record that would not load again is caught here too.
#[derive(Debug, Default)]
pub struct InMemoryTrustStore {
    records: Mutex<BTreeMap<AccountId, Vec<u8>>>,
}

impl InMemoryTrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many peers it holds records for.
    pub fn len(&self) -> usize {
        self.records.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// True if it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::new("trust store lock poisoned")
}

impl TrustStore for InMemoryTrustStore {
    fn load(&self, peer: &AccountId) -> Result<Option<TrustRecord>, StoreError> {
        let records = self.records.lock().map_err(poisoned)?;
        records
            .get(peer)
            .map(|bytes| {
                TrustRecord::from_bytes(bytes)
                    .map_err(|e| StoreError::new(format!("load trust record: {}", e.kind())))
            })
            .transpose()
    }

    fn save(&self, peer: &AccountId, record: &TrustRecord) -> Result<(), StoreError> {
        let mut records = self.records.lock().map_err(poisoned)?;
        records.insert(peer.clone(), record.to_bytes());
        Ok(())
    }
}
