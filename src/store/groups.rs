//! Group sessions used only through a store: load → operate → compare-and-swap, as
//! [`super::Conversations`] does for pairwise sessions (SPEC.md 17.8).

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use rand::CryptoRng;

use super::traits::GroupSessions;
use super::{DEFAULT_MAX_ATTEMPTS, Revision, Table};
use crate::Error;
use crate::config::Config;
use crate::device::address::DeviceAddress;
use crate::group::distribution::SenderKeyDistribution;
use crate::group::id::GroupId;
use crate::group::message::GroupMessage;
use crate::group::session::{DistributionOutcome, GroupSession};

/// This device's group sessions, used only through a store, so that no two workers ever
/// use one sender chain.
///
/// A group session holds our sender chain: two workers that load the same stored session and
/// both encrypt would use the same message key for two messages. Every operation here loads
/// the group's session and its [`Revision`], runs the (synchronous) [`GroupSession`]
/// operation, and writes the result back with a compare-and-swap on that revision; on
/// [`Error::StoreConflict`] it throws the result away and starts again on the session as it
/// now is, at most [`Groups::max_attempts`] times. **A group message, plaintext or
/// distribution is returned only once its swap succeeded**, so a message key encrypts at
/// most one released message and a group message is decrypted at most once, however many
/// workers share the store. A failed operation writes nothing.
///
/// An operation that fails on a state that has moved on since it was loaded (a message whose
/// sender's distribution another worker was just storing) is tried again on the current
/// state, and counted in [`Groups::lost_swaps`]; if that uses up the last attempt, the last
/// attempt's error is returned, as [`super::Conversations`] does: under heavy contention an
/// error may then be one a retry would not give.
pub struct Groups<S> {
    store: S,
    config: Config,
    max_attempts: u32,
    lost_swaps: AtomicU64,
}

impl<S: GroupSessions> Groups<S> {
    /// This device's group sessions in `store`, loaded and used under `config`.
    pub fn new(store: S, config: Config) -> Self {
        Self {
            store,
            config,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            lost_swaps: AtomicU64::new(0),
        }
    }

    /// The same, trying each operation at most `attempts` times (at least once).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How many times an operation is tried.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How many attempts were thrown away so far because the session moved under them.
    pub fn lost_swaps(&self) -> u64 {
        self.lost_swaps.load(Ordering::Relaxed)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Creates and stores our session of `group` as device `local` with the other member
    /// devices `members` ([`GroupSession::create`]); returns our sender key's distribution,
    /// for every member (send it over each pairwise session).
    ///
    /// # Errors
    /// [`GroupSession::create`]'s errors; [`Error::StoreConflict`] if the store holds a
    /// session of `group` already (leave it first); the store's errors.
    pub async fn create<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        group: GroupId,
        local: DeviceAddress,
        members: impl IntoIterator<Item = DeviceAddress> + Send,
    ) -> Result<SenderKeyDistribution, Error> {
        let session = GroupSession::create(rng, group, local, members, &self.config)?;
        let distribution = session.distribution();
        let stored = session.to_stored();
        let group = session.group_id().clone();
        drop(session);
        self.store
            .store_group_session(&group, None, &stored)
            .await?;
        Ok(distribution)
    }

    /// Encrypts `plaintext` for every member of `group` ([`GroupSession::encrypt`]); the
    /// message is returned only once the session that used its key is stored.
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`GroupSession::encrypt`]'s errors; [`Error::StoreConflict`]
    /// after [`Groups::max_attempts`] lost swaps; the store's and the loading errors.
    pub async fn encrypt(&self, group: &GroupId, plaintext: &[u8]) -> Result<GroupMessage, Error> {
        self.update(group, |session| session.encrypt(plaintext))
            .await
    }

    /// Decrypts a group message ([`GroupSession::decrypt`]) with the session of its group;
    /// the plaintext is returned only once the session that used its key is stored.
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`GroupSession::decrypt`]'s errors
    /// ([`Error::DuplicateMessage`] for a message decrypted before, by this worker or
    /// another); [`Error::StoreConflict`]; the store's and the loading errors.
    pub async fn decrypt(&self, message: &GroupMessage) -> Result<Vec<u8>, Error> {
        self.update(message.group_id(), |session| session.decrypt(message))
            .await
    }

    /// Takes in member device `from`'s distribution ([`GroupSession::process_distribution`]).
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`GroupSession::process_distribution`]'s errors;
    /// [`Error::StoreConflict`]; the store's and the loading errors.
    pub async fn process_distribution(
        &self,
        from: &DeviceAddress,
        distribution: &SenderKeyDistribution,
    ) -> Result<DistributionOutcome, Error> {
        self.update(distribution.group_id(), |session| {
            session.process_distribution(from, distribution)
        })
        .await
    }

    /// Adds a member device ([`GroupSession::add_member`]); returns our distribution for it.
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`GroupSession::add_member`]'s errors;
    /// [`Error::StoreConflict`]; the store's and the loading errors.
    pub async fn add_member(
        &self,
        group: &GroupId,
        device: DeviceAddress,
    ) -> Result<SenderKeyDistribution, Error> {
        self.update(group, |session| session.add_member(device.clone()))
            .await
    }

    /// Removes a member device and rotates our sender key ([`GroupSession::remove_member`]);
    /// returns the new distribution, for every remaining member.
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`Error::NotAGroupMember`]; [`Error::StoreConflict`]; the
    /// store's and the loading errors.
    pub async fn remove_member<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        group: &GroupId,
        device: &DeviceAddress,
    ) -> Result<SenderKeyDistribution, Error> {
        self.update(group, |session| session.remove_member(rng, device))
            .await
    }

    /// Replaces our sender key ([`GroupSession::rotate`]); returns its distribution.
    ///
    /// # Errors
    /// [`Error::NoGroupSession`]; [`Error::StoreConflict`]; the store's and the loading
    /// errors.
    pub async fn rotate<R: CryptoRng + Send + ?Sized>(
        &self,
        rng: &mut R,
        group: &GroupId,
    ) -> Result<SenderKeyDistribution, Error> {
        self.update(group, |session| Ok(session.rotate(rng))).await
    }

    /// Deletes our session of `group` (after leaving it).
    ///
    /// # Errors
    /// [`Error::NoGroupSession`] if there is none; [`Error::StoreConflict`] if it kept
    /// changing; the store's errors.
    pub async fn leave(&self, group: &GroupId) -> Result<(), Error> {
        for _ in 0..self.max_attempts {
            let Some(loaded) = self.store.load_group_session(group).await? else {
                return Err(Error::NoGroupSession);
            };
            match self
                .store
                .delete_group_session(group, loaded.revision)
                .await
            {
                Ok(()) => return Ok(()),
                Err(Error::StoreConflict { .. }) => self.lost(),
                Err(error) => return Err(error),
            }
        }
        Err(Table::GroupSessions.conflict())
    }

    fn lost(&self) {
        self.lost_swaps.fetch_add(1, Ordering::Relaxed);
    }

    /// The session of `group` and its revision.
    async fn load(&self, group: &GroupId) -> Result<(Revision, GroupSession), Error> {
        let loaded = self
            .store
            .load_group_session(group)
            .await?
            .ok_or(Error::NoGroupSession)?;
        let session = GroupSession::from_stored(loaded.value.as_bytes(), &self.config)?;
        Ok((loaded.revision, session))
    }

    /// The load → operate → swap loop. An operation that fails on a state that is no longer
    /// current is tried again on the current one, so the error returned is the current
    /// state's (a message another worker decrypted in between is then a duplicate).
    async fn update<T, F>(&self, group: &GroupId, mut operate: F) -> Result<T, Error>
    where
        T: Send,
        F: FnMut(&mut GroupSession) -> Result<T, Error> + Send,
    {
        let mut failure = Table::GroupSessions.conflict();
        for _ in 0..self.max_attempts {
            let (expected, mut session) = self.load(group).await?;
            let out = match operate(&mut session) {
                Ok(out) => out,
                Err(error) if self.moved(group, expected).await? => {
                    failure = error;
                    self.lost();
                    continue;
                }
                Err(error) => return Err(error),
            };
            let stored = session.to_stored();
            drop(session);
            match self
                .store
                .store_group_session(group, Some(expected), &stored)
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

    /// True if the session of `group` is no longer at `expected`.
    async fn moved(&self, group: &GroupId, expected: Revision) -> Result<bool, Error> {
        let now = self.store.load_group_session(group).await?;
        Ok(now.map(|loaded| loaded.revision) != Some(expected))
    }
}

impl<S> fmt::Debug for Groups<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Groups")
            .field("max_attempts", &self.max_attempts)
            .field("lost_swaps", &self.lost_swaps.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
