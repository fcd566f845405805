//! Where a responder keeps its prekey secrets.

use std::collections::{BTreeMap, BTreeSet};

use crate::Error;
use crate::prekey::{OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair};

/// The responder's prekey secrets, as [`crate::Session::accept_with_store`] needs them.
///
/// `accept` looks keys up, runs X3DH, decrypts the first message, and only if that succeeds
/// calls [`PreKeyStore::consume_one_time_prekey`]; if that call fails, `accept` fails with its
/// error and returns no session. A store shared by several workers (a database) must make the
/// consume an atomic delete-if-present, so that of two concurrent `accept`s of the same first
/// message exactly one succeeds. After a consume, the store must refuse that one-time prekey
/// forever, with [`Error::OneTimePreKeyConsumed`].
pub trait PreKeyStore {
    /// The signed prekey with `id`, if we have it.
    fn signed_prekey(&self, id: SignedPreKeyId) -> Option<&SignedPreKeyPair>;

    /// The one-time prekey with `id`.
    ///
    /// # Errors
    /// [`Error::OneTimePreKeyConsumed`] if a session already used it, and
    /// [`Error::UnknownOneTimePreKey`] if it was never issued.
    fn one_time_prekey(&self, id: OneTimePreKeyId) -> Result<&OneTimePreKeyPair, Error>;

    /// Deletes the one-time prekey with `id`, atomically: it succeeds for exactly one caller.
    /// Later look-ups must fail with [`Error::OneTimePreKeyConsumed`].
    ///
    /// # Errors
    /// [`Error::OneTimePreKeyConsumed`] if it was already consumed (for instance by a
    /// concurrent `accept`), [`Error::UnknownOneTimePreKey`] if it never existed.
    fn consume_one_time_prekey(&mut self, id: OneTimePreKeyId) -> Result<(), Error>;
}

/// A [`PreKeyStore`] in memory. It remembers the ids of consumed one-time prekeys so that a
/// second use is reported as such.
#[derive(Debug, Default)]
pub struct InMemoryPreKeyStore {
    signed: BTreeMap<SignedPreKeyId, SignedPreKeyPair>,
    one_time: BTreeMap<OneTimePreKeyId, OneTimePreKeyPair>,
    consumed: BTreeSet<OneTimePreKeyId>,
}

impl InMemoryPreKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a signed prekey.
    pub fn add_signed_prekey(&mut self, key: SignedPreKeyPair) {
        self.signed.insert(key.id(), key);
    }

    /// Adds a one-time prekey. An id that was consumed before stays consumed: the key is not
    /// added and `false` is returned.
    pub fn add_one_time_prekey(&mut self, key: OneTimePreKeyPair) -> bool {
        if self.consumed.contains(&key.id()) {
            return false;
        }
        self.one_time.insert(key.id(), key);
        true
    }

    /// Removes the signed prekey with `id` (after rotating to a new one and a grace period for
    /// first messages still in flight), returning it if it was there. First messages that name
    /// it then fail with [`Error::UnknownSignedPreKey`].
    pub fn remove_signed_prekey(&mut self, id: SignedPreKeyId) -> Option<SignedPreKeyPair> {
        self.signed.remove(&id)
    }

    /// How many unconsumed one-time prekeys remain.
    pub fn one_time_prekeys_left(&self) -> usize {
        self.one_time.len()
    }
}

impl PreKeyStore for InMemoryPreKeyStore {
    fn signed_prekey(&self, id: SignedPreKeyId) -> Option<&SignedPreKeyPair> {
        self.signed.get(&id)
    }

    fn one_time_prekey(&self, id: OneTimePreKeyId) -> Result<&OneTimePreKeyPair, Error> {
        match self.one_time.get(&id) {
            Some(key) => Ok(key),
            None if self.consumed.contains(&id) => Err(Error::OneTimePreKeyConsumed { id: id.0 }),
            None => Err(Error::UnknownOneTimePreKey { id: id.0 }),
        }
    }

    fn consume_one_time_prekey(&mut self, id: OneTimePreKeyId) -> Result<(), Error> {
        match self.one_time.remove(&id) {
            Some(_) => {
                self.consumed.insert(id);
                Ok(())
            }
            None if self.consumed.contains(&id) => Err(Error::OneTimePreKeyConsumed { id: id.0 }),
            None => Err(Error::UnknownOneTimePreKey { id: id.0 }),
        }
    }
}
