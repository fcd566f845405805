//! The orchestration: load → operate → compare-and-swap, for every use of a session.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use rand::CryptoRng;

use super::traits::AcceptTransaction;
use super::upkeep::{PreKeyPolicy, PreKeyUpkeep, upkeep_prekeys};
use super::{Revision, Table};
use crate::Error;
use crate::bundle::PreKeyBundle;
use crate::config::Config;
use crate::device::address::DeviceAddress;
use crate::device::record::SessionRecord;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kem::prekey::{KemPreKeyId, KemPreKeyPair};
use crate::message::{Envelope, PreKeyMessage};
use crate::prekey::{OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair};
use crate::prekey_store::PreKeyStore;
use crate::session::{PreKeyUses, SessionId};
use crate::timestamp::Timestamp;

/// How many times [`Conversations`] tries an operation that keeps losing its compare-and-swap
/// before it gives up with [`Error::StoreConflict`]: 8.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// The sessions of this device with every peer device, used only through a store, so that no
/// two workers ever use one session state.
///
/// Every operation on a peer's session record ([`Conversations::encrypt`],
/// [`Conversations::decrypt`], [`Conversations::accept`], [`Conversations::initiate`]):
///
/// 1. loads the record and its [`Revision`] from the store;
/// 2. runs the operation on it: the synchronous, store-free core ([`SessionRecord`]);
/// 3. writes the new record back with a compare-and-swap on that revision (a first message
///    that starts a session also applies the prekeys it used, in the same transaction: its
///    one-time prekey and one-time KEM prekey consumed, or its base key recorded with the
///    last-resort KEM prekey: [`AcceptTransaction::store_accepted_session`]);
/// 4. on [`Error::StoreConflict`] (another worker wrote the record in between) throws the
///    result away and starts again from 1, at most [`Conversations::max_attempts`] times; an
///    operation that fails in step 2 is tried again too if the record has moved on since step
///    1, so that the error returned is the current state's, not a stale one's (if the last
///    attempt is used up that way, its error is returned).
///
/// **A ciphertext or plaintext is returned only once its swap succeeded.** A result whose swap
/// lost is dropped unreleased: its message key was used on a state that no longer exists, and
/// the retry encrypts again on the state that won (with the next message key) or decrypts
/// again there. So however many workers, threads, tasks or processes share the store, a
/// message key encrypts at most one released message, and a message is decrypted at most once.
/// A failed operation writes nothing: after an error the store is as it was (the core is
/// transactional, SPEC.md 8.2).
///
/// **"Decrypted at most once", exactly.** One envelope delivered any number of times to
/// [`Conversations::decrypt`] (or [`Conversations::accept`]) on one store, for the same peer
/// address, one after the other or at the same moment from several workers, returns its
/// plaintext to exactly one call; every other returns [`Error::DuplicateMessage`] (a delivery
/// whose swap lost to the one that decrypted it is tried again on the new state, where the
/// message key is used up). A first message delivered as coming from two addresses at once
/// decrypts at one of them: the other gets [`Error::OneTimePreKeyConsumed`] if it names a
/// one-time prekey. Outside it: a first message that names no one-time prekey, accepted
/// again at another peer address (each address has a record of its own) or after its session
/// left the record (SPEC.md 10 and 14.7: X3DH without a one-time prekey cannot tell a replay);
/// a store restored from an older copy, or a state written back by code that does not go
/// through the compare-and-swap; and two stores (two devices), each decrypting its own copy.
///
/// The futures are `Send`: share one `Conversations` between tasks behind an
/// [`Arc`](std::sync::Arc), on any runtime the store supports. A future dropped before it
/// completes (a cancelled task, a timeout) may have stored its new record already: its
/// message is then lost, never released, and its key is not used again. The guarantee holds
/// for whatever goes through the store's compare-and-swap; code that loads a record and uses
/// it without writing it back that way is outside it.
pub struct Conversations<S> {
    store: S,
    identity: IdentityKeyPair,
    config: Config,
    max_attempts: u32,
    lost_swaps: AtomicU64,
}

impl<S: AcceptTransaction> Conversations<S> {
    /// The sessions of the device whose identity is `identity`, kept in `store` (which holds
    /// this device's prekeys too), loaded and used under `config`.
    pub fn new(store: S, identity: IdentityKeyPair, config: Config) -> Self {
        Self {
            store,
            identity,
            config,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            lost_swaps: AtomicU64::new(0),
        }
    }

    /// The same, trying each operation at most `attempts` times (at least once) before
    /// returning [`Error::StoreConflict`]. The default is [`DEFAULT_MAX_ATTEMPTS`]; raise it
    /// for many workers on few sessions.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How many times an operation is tried.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How many attempts were thrown away so far because the record moved under them (a lost
    /// compare-and-swap, or a failure on a state that was no longer current) and tried again:
    /// a measure of contention on the same sessions.
    pub fn lost_swaps(&self) -> u64 {
        self.lost_swaps.load(Ordering::Relaxed)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// This device's identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        self.identity.public_key()
    }

    /// The configuration records are loaded and used under.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Starts a session with `peer` from its verified bundle ([`SessionRecord::initiate`]): it
    /// becomes the current session of `peer`'s record (created if there is none), and the one
    /// [`Conversations::encrypt`] uses.
    ///
    /// # Errors
    /// [`crate::Session::initiate`]'s errors; [`Error::StoreConflict`] after
    /// [`Conversations::max_attempts`] lost swaps; the store's errors, and the loading errors
    /// of [`SessionRecord::from_stored`]. Nothing is written then.
    pub async fn initiate<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        peer: &DeviceAddress,
        bundle: &PreKeyBundle,
    ) -> Result<SessionId, Error> {
        self.update(peer, |record| {
            record.initiate(rng, &self.identity, bundle, &self.config)
        })
        .await
    }

    /// Encrypts `plaintext` for `peer` with the current session of its record
    /// ([`SessionRecord::encrypt`]). The envelope is returned only once the record that used
    /// its message key is stored.
    ///
    /// # Errors
    /// [`Error::NoSession`] if there is no session with `peer`, [`crate::Session::encrypt`]'s
    /// errors, [`Error::StoreConflict`] after [`Conversations::max_attempts`] lost swaps, the
    /// store's and the loading errors. Nothing is written then.
    pub async fn encrypt(&self, peer: &DeviceAddress, plaintext: &[u8]) -> Result<Envelope, Error> {
        self.update(peer, |record| record.encrypt(plaintext)).await
    }

    /// Decrypts an envelope from `peer`, whose identity key the application holds as `theirs`
    /// (its device-list entry, or its trust record), with [`SessionRecord::decrypt`]: any
    /// session of the record, or, for a first message that starts a new session, this
    /// device's prekeys from the store, the one-time prekey consumed in the same transaction
    /// that stores the new session. The plaintext is returned only once that is stored.
    ///
    /// # Errors
    /// [`SessionRecord::decrypt`]'s errors ([`Error::IdentityMismatch`] for a first message
    /// from another identity than `theirs`, [`Error::DuplicateMessage`] for a message already
    /// decrypted, ...), [`Error::OneTimePreKeyConsumed`] or [`Error::KemPreKeyConsumed`] if
    /// another session used the one-time prekey or one-time KEM prekey,
    /// [`Error::KemPreKeyReused`] for a hybrid first message accepted before on the
    /// last-resort KEM prekey (a replay, at another address or after its session left the
    /// record), [`Error::StoreConflict`] after [`Conversations::max_attempts`] lost
    /// swaps, the store's and the loading errors. Nothing is written then.
    pub async fn decrypt<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        peer: &DeviceAddress,
        theirs: &IdentityKey,
        envelope: &Envelope,
    ) -> Result<Vec<u8>, Error> {
        // What to return if every attempt is used up: the last one's failure.
        let mut failure = Table::SessionRecords.conflict();
        for _ in 0..self.max_attempts {
            let (expected, mut record) = self.load(peer).await?;
            let mut prekeys = LoadedPreKeys::default();
            if let Some(first) = envelope.as_prekey()
                && first.identity_key() == theirs
                && !record.has_session_started_by(first)
            {
                prekeys = self.load_prekeys(first).await?;
            }
            let decrypted = record.decrypt(
                rng,
                &self.identity,
                &mut prekeys,
                theirs,
                envelope,
                &self.config,
            );
            let plaintext = match decrypted {
                Ok(plaintext) => plaintext,
                Err(error) if self.moved(peer, expected).await? => {
                    failure = error;
                    self.lost();
                    continue;
                }
                Err(error) => return Err(error),
            };
            let stored = record.to_stored();
            drop(record);
            // Whenever the first message used a prekey that must be applied: a one-time prekey,
            // a one-time KEM prekey, or the last-resort KEM prekey (its base key recorded).
            let uses = prekeys
                .consumed
                .filter(|uses| uses.one_time_prekey.is_some() || uses.kem_prekey.is_some());
            let written = match uses {
                Some(uses) => {
                    self.store
                        .store_accepted_session(peer, expected, &stored, &uses)
                        .await
                }
                None => {
                    self.store
                        .store_session_record(peer, expected, &stored)
                        .await
                }
            };
            match written {
                Ok(_) => return Ok(plaintext),
                Err(conflict @ Error::StoreConflict { .. }) => {
                    failure = conflict;
                    self.lost();
                }
                Err(error) => return Err(error),
            }
        }
        Err(failure)
    }

    /// Accepts a first message from `peer` whose identity key the application does not hold
    /// yet: [`Conversations::decrypt`] with the identity key the message claims. Decryption
    /// proves the sender holds that key, not who it is: check it (trust on first use, a safety
    /// number, the device list) before trusting the conversation.
    ///
    /// # Errors
    /// As [`Conversations::decrypt`].
    pub async fn accept<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        peer: &DeviceAddress,
        first: &PreKeyMessage,
    ) -> Result<Vec<u8>, Error> {
        let envelope = Envelope::PreKey(first.clone());
        self.decrypt(rng, peer, first.identity_key(), &envelope)
            .await
    }

    /// Keeps this device's prekeys in the store, signed with its identity:
    /// [`upkeep_prekeys`] with this device's identity key. Publish what it returns.
    ///
    /// # Errors
    /// As [`upkeep_prekeys`].
    pub async fn upkeep_prekeys<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        now: Timestamp,
        policy: &PreKeyPolicy,
    ) -> Result<PreKeyUpkeep, Error> {
        upkeep_prekeys(&self.store, rng, &self.identity, now, policy).await
    }

    /// `peer`'s record and its revision; an empty record, at no revision, if there is none.
    async fn load(&self, peer: &DeviceAddress) -> Result<(Option<Revision>, SessionRecord), Error> {
        Ok(match self.store.load_session_record(peer).await? {
            Some(loaded) => (
                Some(loaded.revision),
                SessionRecord::from_stored(loaded.value.as_bytes(), &self.config)?,
            ),
            None => (None, SessionRecord::new()),
        })
    }

    fn lost(&self) {
        self.lost_swaps.fetch_add(1, Ordering::Relaxed);
    }

    /// True if `peer`'s record is no longer at `expected`: an operation that failed on the
    /// state read may have failed because that state was stale (a first message that another
    /// worker accepted in the meantime finds its one-time prekey consumed), so it is tried
    /// again on the current one. An error is returned only when it is the current state's.
    async fn moved(&self, peer: &DeviceAddress, expected: Option<Revision>) -> Result<bool, Error> {
        let now = self.store.load_session_record(peer).await?;
        Ok(now.map(|loaded| loaded.revision) != expected)
    }

    /// The load → operate → swap loop for an operation that consumes no prekey.
    async fn update<T, F>(&self, peer: &DeviceAddress, mut operate: F) -> Result<T, Error>
    where
        T: Send,
        F: FnMut(&mut SessionRecord) -> Result<T, Error> + Send,
    {
        let mut failure = Table::SessionRecords.conflict();
        for _ in 0..self.max_attempts {
            let (expected, mut record) = self.load(peer).await?;
            let out = match operate(&mut record) {
                Ok(out) => out,
                Err(error) if self.moved(peer, expected).await? => {
                    failure = error;
                    self.lost();
                    continue;
                }
                Err(error) => return Err(error),
            };
            let stored = record.to_stored();
            drop(record);
            match self
                .store
                .store_session_record(peer, expected, &stored)
                .await
            {
                Ok(_) => return Ok(out),
                // `out` is dropped unreleased: its state lost.
                Err(conflict @ Error::StoreConflict { .. }) => {
                    failure = conflict;
                    self.lost();
                }
                Err(error) => return Err(error),
            }
        }
        Err(failure)
    }

    /// The prekeys a first message names, loaded from the store (again at every attempt). A
    /// one-time prekey or KEM prekey that is consumed or unknown is kept as that error, which
    /// accepting the message reports.
    async fn load_prekeys(&self, first: &PreKeyMessage) -> Result<LoadedPreKeys, Error> {
        let signed = self
            .store
            .load_signed_prekey(first.signed_prekey_id())
            .await?;
        let one_time = match first.one_time_prekey_id() {
            None => None,
            Some(id) => match self.store.load_one_time_prekey(id).await {
                Ok(key) => Some(Ok(key)),
                Err(
                    error @ (Error::OneTimePreKeyConsumed { .. }
                    | Error::UnknownOneTimePreKey { .. }),
                ) => Some(Err(error)),
                Err(error) => return Err(error),
            },
        };
        let kem = match first.kem() {
            None => None,
            Some(kem) => match self.store.load_kem_prekey(kem.prekey_id()).await {
                Ok(key) => Some(Ok(key)),
                Err(error @ (Error::KemPreKeyConsumed { .. } | Error::UnknownKemPreKey { .. })) => {
                    Some(Err(error))
                }
                Err(error) => return Err(error),
            },
        };
        Ok(LoadedPreKeys {
            signed,
            one_time,
            kem,
            consumed: None,
        })
    }
}

impl<S> fmt::Debug for Conversations<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversations")
            .field("identity", self.identity.public_key())
            .field("max_attempts", &self.max_attempts)
            .field("lost_swaps", &self.lost_swaps.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The prekeys of one first message, loaded before the synchronous core runs, and the
/// prekeys it used, noted rather than applied: they are applied in the transaction that
/// stores the session ([`AcceptTransaction::store_accepted_session`]).
#[derive(Default)]
struct LoadedPreKeys {
    signed: Option<SignedPreKeyPair>,
    one_time: Option<Result<OneTimePreKeyPair, Error>>,
    kem: Option<Result<KemPreKeyPair, Error>>,
    consumed: Option<PreKeyUses>,
}

impl PreKeyStore for LoadedPreKeys {
    fn signed_prekey(&self, id: SignedPreKeyId) -> Option<&SignedPreKeyPair> {
        self.signed.as_ref().filter(|key| key.id() == id)
    }

    fn one_time_prekey(&self, id: OneTimePreKeyId) -> Result<&OneTimePreKeyPair, Error> {
        match &self.one_time {
            Some(Ok(key)) if key.id() == id => Ok(key),
            Some(Err(error)) => Err(error.clone()),
            _ => Err(Error::UnknownOneTimePreKey { id: id.0 }),
        }
    }

    fn consume_one_time_prekey(&mut self, id: OneTimePreKeyId) -> Result<(), Error> {
        self.consumed = Some(PreKeyUses {
            one_time_prekey: Some(id),
            kem_prekey: None,
        });
        Ok(())
    }

    fn kem_prekey(&self, id: KemPreKeyId) -> Result<&KemPreKeyPair, Error> {
        match &self.kem {
            Some(Ok(key)) if key.id() == id => Ok(key),
            Some(Err(error)) => Err(error.clone()),
            _ => Err(Error::UnknownKemPreKey { id: id.0 }),
        }
    }

    fn use_prekeys(&mut self, uses: &PreKeyUses) -> Result<(), Error> {
        self.consumed = Some(*uses);
        Ok(())
    }
}
