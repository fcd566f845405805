//! Where a responder keeps its prekey secrets.

use std::collections::{BTreeMap, BTreeSet};

use crate::Error;
use crate::kem::prekey::{KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
use crate::prekey::{OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair};
use crate::primitives::x25519::X25519PublicKey;
use crate::session::{KemPreKeyUse, PreKeyUses};

/// The responder's prekey secrets, as [`crate::Session::accept_with_store`] needs them.
///
/// `accept` looks keys up, runs X3DH, decrypts the first message, and only if that succeeds
/// calls [`PreKeyStore::use_prekeys`]; if that call fails, `accept` fails with its error and
/// returns no session. A store shared by several workers (a database) must make it atomic, so
/// that of two concurrent `accept`s of the same first message exactly one succeeds. After a
/// consume, the store must refuse that one-time prekey forever, with
/// [`Error::OneTimePreKeyConsumed`] (or [`Error::KemPreKeyConsumed`]).
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

    /// The KEM prekey with `id`, one-time or last resort.
    ///
    /// # Errors
    /// [`Error::KemPreKeyConsumed`] if it was a one-time KEM prekey a session already used,
    /// and [`Error::UnknownKemPreKey`] if it was never issued (or was removed).
    fn kem_prekey(&self, id: KemPreKeyId) -> Result<&KemPreKeyPair, Error>;

    /// Applies what an accepted first message used (SPEC.md 5.4 step 6, 18.4), all or nothing:
    /// consumes the one-time prekey and a one-time KEM prekey, and records a last-resort KEM
    /// prekey's id with the base key. Apply the kind **your store holds** for the KEM prekey,
    /// not `KemPreKeyUse::kind` (they agree unless the store changed in between), and apply
    /// every field of [`PreKeyUses`].
    ///
    /// # Errors
    /// [`Error::OneTimePreKeyConsumed`], [`Error::UnknownOneTimePreKey`],
    /// [`Error::KemPreKeyConsumed`], [`Error::UnknownKemPreKey`], and
    /// [`Error::KemPreKeyReused`] if the last-resort KEM prekey was already used with this
    /// base key. On error nothing changed.
    fn use_prekeys(&mut self, uses: &PreKeyUses) -> Result<(), Error>;
}

/// A [`PreKeyStore`] in memory. It remembers the ids of consumed one-time prekeys so that a
/// second use is reported as such.
#[derive(Debug, Default)]
pub struct InMemoryPreKeyStore {
    signed: BTreeMap<SignedPreKeyId, SignedPreKeyPair>,
    one_time: BTreeMap<OneTimePreKeyId, OneTimePreKeyPair>,
    consumed: BTreeSet<OneTimePreKeyId>,
    kem: BTreeMap<KemPreKeyId, KemPreKeyPair>,
    kem_consumed: BTreeSet<KemPreKeyId>,
    /// (last-resort KEM prekey, base key) pairs that started a session.
    kem_base_keys: BTreeSet<(KemPreKeyId, [u8; 32])>,
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

    /// Adds a KEM prekey, one-time or last resort. A one-time id that was consumed before stays
    /// consumed: the key is not added and `false` is returned. Adding the same key again keeps
    /// the base keys recorded with it; another key under the same id replaces it and forgets
    /// them (they were the old key's).
    ///
    /// The base keys recorded with a last-resort KEM prekey live in this value only: a store
    /// rebuilt from the prekeys alone (after a restart) no longer refuses a replayed first
    /// message to that key. Keep prekeys in a persistent store (`hushwire::store`, which
    /// records them in the accept transaction), or also refuse a session id you already
    /// hold.
    pub fn add_kem_prekey(&mut self, key: KemPreKeyPair) -> bool {
        if self.kem_consumed.contains(&key.id()) {
            return false;
        }
        let id = key.id();
        let same = self
            .kem
            .get(&id)
            .is_some_and(|held| held.public() == key.public());
        if !same {
            self.kem_base_keys.retain(|(used, _)| *used != id);
        }
        self.kem.insert(id, key);
        true
    }

    /// Removes the KEM prekey with `id` (a last-resort one after its replacement and a grace
    /// period), returning it if it was there, and forgets the base keys recorded with it.
    pub fn remove_kem_prekey(&mut self, id: KemPreKeyId) -> Option<KemPreKeyPair> {
        self.kem_base_keys.retain(|(used, _)| *used != id);
        self.kem.remove(&id)
    }

    /// How many unconsumed one-time KEM prekeys remain.
    pub fn one_time_kem_prekeys_left(&self) -> usize {
        self.kem
            .values()
            .filter(|key| key.kind() == KemPreKeyKind::OneTime)
            .count()
    }

    /// The check of [`PreKeyStore::use_prekeys`] for one KEM prekey use, changing nothing.
    fn check_kem_use(&self, used: &KemPreKeyUse) -> Result<(), Error> {
        let key = self.kem_prekey(used.id)?;
        if key.kind() == KemPreKeyKind::LastResort
            && self
                .kem_base_keys
                .contains(&(used.id, base_key_bytes(&used.base_key)))
        {
            return Err(Error::KemPreKeyReused { id: used.id.0 });
        }
        Ok(())
    }
}

fn base_key_bytes(key: &X25519PublicKey) -> [u8; 32] {
    key.to_bytes()
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

    fn kem_prekey(&self, id: KemPreKeyId) -> Result<&KemPreKeyPair, Error> {
        match self.kem.get(&id) {
            Some(key) => Ok(key),
            None if self.kem_consumed.contains(&id) => Err(Error::KemPreKeyConsumed { id: id.0 }),
            None => Err(Error::UnknownKemPreKey { id: id.0 }),
        }
    }

    fn use_prekeys(&mut self, uses: &PreKeyUses) -> Result<(), Error> {
        // Every check first, so that a failure changes nothing.
        if let Some(id) = uses.one_time_prekey {
            self.one_time_prekey(id)?;
        }
        if let Some(used) = &uses.kem_prekey {
            self.check_kem_use(used)?;
        }
        if let Some(id) = uses.one_time_prekey {
            self.consume_one_time_prekey(id)?;
        }
        if let Some(used) = &uses.kem_prekey {
            // The key's kind as stored decides, not the use's.
            match self.kem_prekey(used.id)?.kind() {
                KemPreKeyKind::OneTime => {
                    self.kem.remove(&used.id);
                    self.kem_consumed.insert(used.id);
                }
                KemPreKeyKind::LastResort => {
                    self.kem_base_keys
                        .insert((used.id, base_key_bytes(&used.base_key)));
                }
            }
        }
        Ok(())
    }
}
