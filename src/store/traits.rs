//! The store traits: one per kind of record, and the accept transaction.

use core::future::Future;

use super::{Revision, Versioned};
use crate::Error;
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

/// Session records ([`crate::SessionRecord`]), one per peer device, in their stored form
/// ([`crate::SessionRecord::to_stored`]), each at a [`Revision`].
///
/// Use them through [`super::Conversations`], which never lets two workers use one state.
/// Called directly, every write is a compare-and-swap: read a record with its revision, work
/// on it, and write it back naming that revision.
pub trait SessionRecords: Send + Sync {
    /// The record of `peer`, with its revision, if there is one.
    ///
    /// # Errors
    /// [`Error::Store`] if the store failed, [`Error::SealedRecordInvalid`] if a sealed store
    /// holds a value that does not open there.
    fn load_session_record(
        &self,
        peer: &DeviceAddress,
    ) -> impl Future<Output = Result<Option<Versioned<StoredSessionRecord>>, Error>> + Send;

    /// Writes `record` for `peer` if the record there is still at `expected` (`None`: if there
    /// is none), and returns its new revision (SPEC.md 17.3: [`Revision::next`] of `expected`, or [`Revision::first_of`] a new incarnation).
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if the record is at another revision (or exists, or does not,
    /// against `expected`); [`Error::Store`] if the store failed. Nothing is written then.
    fn store_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;

    /// Deletes the record of `peer` if it is still at `expected` (for instance after
    /// [`crate::DeviceSessions::retain_listed`] dropped the device).
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if it is at another revision or absent; [`Error::Store`].
    fn delete_session_record(
        &self,
        peer: &DeviceAddress,
        expected: Revision,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Our own prekeys: signed prekeys, one-time prekeys and KEM prekeys, with their secrets
/// (stored as [`SignedPreKeyPair::to_stored`], [`OneTimePreKeyPair::to_stored`] and
/// [`KemPreKeyPair::to_stored`], SPEC.md 17.2).
///
/// Prekeys are written once and never changed, so they have no revision: a signed prekey is
/// added and later removed; a one-time prekey is added and consumed, once. A consumed
/// one-time prekey's id stays known, so that a second use is reported as such and the id is
/// never issued again. KEM prekeys, last resort and one-time in one id space, follow the
/// same rules: a one-time KEM prekey is consumed once (its id stays known), and a
/// last-resort one is added, used by any number of first messages (each base key once), and
/// later removed. A KEM prekey's id stays known once consumed or removed: it is never added
/// nor issued again.
pub trait PreKeys: Send + Sync {
    /// The signed prekey with `id`, if we hold it.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::SealedRecordInvalid`], the errors of
    /// [`SignedPreKeyPair::from_stored`] for a damaged row, and [`Error::InvalidSessionState`]
    /// for a stored prekey whose own id is not its row's (SPEC.md 17.4).
    fn load_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> impl Future<Output = Result<Option<SignedPreKeyPair>, Error>> + Send;

    /// Adds a signed prekey.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if one with its id is held already; [`Error::Store`].
    fn add_signed_prekey(
        &self,
        key: &SignedPreKeyPair,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes the signed prekey with `id` (after rotating to a new one and a grace period for
    /// first messages in flight); true if it was held.
    ///
    /// # Errors
    /// [`Error::Store`].
    fn remove_signed_prekey(
        &self,
        id: SignedPreKeyId,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The public halves of the signed prekeys held, by increasing id: to publish the newest,
    /// and to find those old enough to remove.
    ///
    /// # Errors
    /// As [`PreKeys::load_signed_prekey`].
    fn signed_prekeys(&self) -> impl Future<Output = Result<Vec<SignedPreKey>, Error>> + Send;

    /// The one-time prekey with `id`.
    ///
    /// # Errors
    /// [`Error::OneTimePreKeyConsumed`] if it was consumed, [`Error::UnknownOneTimePreKey`] if
    /// it was never added; [`Error::Store`], [`Error::SealedRecordInvalid`], the errors of
    /// [`OneTimePreKeyPair::from_stored`], and [`Error::InvalidSessionState`] for a stored
    /// prekey whose own id is not `id` (SPEC.md 17.4).
    fn load_one_time_prekey(
        &self,
        id: OneTimePreKeyId,
    ) -> impl Future<Output = Result<OneTimePreKeyPair, Error>> + Send;

    /// Adds one-time prekeys, all or none.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if any id is held or was consumed already (an id is never
    /// reused); [`Error::Store`]. Nothing is added then.
    fn add_one_time_prekeys(
        &self,
        keys: &[OneTimePreKeyPair],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Consumes the one-time prekey with `id`: an atomic delete-if-present, which succeeds
    /// for exactly one caller however many try at once. Accepting a first message consumes its
    /// prekey with [`AcceptTransaction::store_accepted_session`] instead, in the same
    /// transaction as the session it starts.
    ///
    /// # Errors
    /// [`Error::OneTimePreKeyConsumed`] if it was consumed already,
    /// [`Error::UnknownOneTimePreKey`] if it was never added; [`Error::Store`].
    fn consume_one_time_prekey(
        &self,
        id: OneTimePreKeyId,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// How many one-time prekeys are left (added and not consumed): publish more when it runs
    /// low.
    ///
    /// # Errors
    /// [`Error::Store`].
    fn one_time_prekeys_left(&self) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The highest one-time prekey id ever added, consumed ones included, if any: new keys
    /// take the ids after it ([`super::upkeep_prekeys`]), so that an id is never issued twice.
    ///
    /// # Errors
    /// [`Error::Store`].
    fn last_one_time_prekey_id(
        &self,
    ) -> impl Future<Output = Result<Option<OneTimePreKeyId>, Error>> + Send;

    /// The KEM prekey with `id`, last resort or one-time.
    ///
    /// # Errors
    /// [`Error::KemPreKeyConsumed`] if it was a one-time KEM prekey that was consumed,
    /// [`Error::UnknownKemPreKey`] if it was never added or was removed; [`Error::Store`],
    /// [`Error::SealedRecordInvalid`], the errors of [`KemPreKeyPair::from_stored`], and
    /// [`Error::InvalidSessionState`] for a stored KEM prekey whose own id is not `id` or
    /// whose own kind is not its row's (SPEC.md 17.4).
    fn load_kem_prekey(
        &self,
        id: KemPreKeyId,
    ) -> impl Future<Output = Result<KemPreKeyPair, Error>> + Send;

    /// Adds KEM prekeys (last resort, one-time, or both), all or none.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if any id is held, was consumed or was removed already (an id
    /// is never reused, whatever the kind); [`Error::Store`]. Nothing is added then.
    fn add_kem_prekeys(
        &self,
        keys: &[KemPreKeyPair],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes the KEM prekey with `id` (a last-resort one after its replacement and a grace
    /// period for first messages in flight) and forgets the base keys recorded with it, but
    /// keeps its id among the removed ones, so that it is never added again (a key added
    /// again would accept the first messages its forgotten base keys came with, replayed);
    /// true if it was held. First messages that name it then fail with
    /// [`Error::UnknownKemPreKey`].
    ///
    /// # Errors
    /// [`Error::Store`].
    fn remove_kem_prekey(
        &self,
        id: KemPreKeyId,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The public halves of the KEM prekeys held (last resort and one-time, not consumed), by
    /// increasing id: to publish them, and to find the newest last-resort one and those old
    /// enough to remove.
    ///
    /// # Errors
    /// As [`PreKeys::load_kem_prekey`].
    fn kem_prekeys(&self) -> impl Future<Output = Result<Vec<KemPreKey>, Error>> + Send;

    /// The public halves of the last-resort KEM prekeys held, by increasing id: what
    /// [`super::upkeep_prekeys`] rotates and expires. The stores of this crate read and open
    /// only the last-resort rows, so that a damaged one-time KEM prekey does not stop the
    /// rotation; the default filters [`PreKeys::kem_prekeys`].
    ///
    /// # Errors
    /// As [`PreKeys::load_kem_prekey`], for the last-resort rows.
    fn last_resort_kem_prekeys(
        &self,
    ) -> impl Future<Output = Result<Vec<KemPreKey>, Error>> + Send {
        async move {
            Ok(self
                .kem_prekeys()
                .await?
                .into_iter()
                .filter(|key| key.kind() == KemPreKeyKind::LastResort)
                .collect())
        }
    }

    /// How many one-time KEM prekeys are left (added and not consumed).
    ///
    /// # Errors
    /// [`Error::Store`].
    fn one_time_kem_prekeys_left(&self) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The highest KEM prekey id ever added, of either kind, whether held, consumed or
    /// removed: new KEM prekeys take the ids after it.
    ///
    /// # Errors
    /// [`Error::Store`].
    fn last_kem_prekey_id(&self)
    -> impl Future<Output = Result<Option<KemPreKeyId>, Error>> + Send;
}

/// The one store operation that spans several kinds of record: accepting a first message
/// applies the prekeys it used ([`PreKeyUses`]) and stores the session record that holds the
/// new session, **in one transaction** (the commit step of [`crate::Acceptance::complete`]).
/// All happen or none, so a crash or a concurrent accept can neither burn a prekey without
/// the session, nor store a session whose prekey another accept also used, nor accept a
/// replayed hybrid first message on the last-resort KEM prekey.
pub trait AcceptTransaction: SessionRecords + PreKeys {
    /// Writes `record` for `peer` if the record there is still at `expected`, and applies
    /// `uses`, atomically: consumes the one-time prekey (if the message used one), and for
    /// the KEM prekey (if the set-up was hybrid), by the kind of the key **as stored**, which
    /// must be the kind `uses` names: consumes a one-time KEM prekey, or records the
    /// message's base key with the last-resort one, refusing a base key recorded already.
    /// Returns the record's new revision.
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if the record is not at `expected` (checked first), then
    /// [`Error::OneTimePreKeyConsumed`] or [`Error::UnknownOneTimePreKey`] for the one-time
    /// prekey, then [`Error::KemPreKeyConsumed`], [`Error::UnknownKemPreKey`],
    /// [`Error::InvalidSessionState`] (the stored kind is not the one `uses` names) or
    /// [`Error::KemPreKeyReused`] for the KEM prekey; [`Error::Store`]. Nothing is written
    /// then.
    fn store_accepted_session(
        &self,
        peer: &DeviceAddress,
        expected: Option<Revision>,
        record: &StoredSessionRecord,
        uses: &PreKeyUses,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;
}

/// Trust records ([`TrustRecord`], SPEC.md 12.6), one per peer account, each at a revision.
/// Read one, decide ([`crate::observe_identity`]), and write the result back naming the
/// revision read: two devices' worth of observations cannot overwrite each other.
pub trait TrustRecords: Send + Sync {
    /// The record of `peer`, with its revision, if there is one.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::SealedRecordInvalid`], and [`TrustRecord::from_bytes`]'s
    /// errors for a damaged row.
    fn load_trust_record(
        &self,
        peer: &AccountId,
    ) -> impl Future<Output = Result<Option<Versioned<TrustRecord>>, Error>> + Send;

    /// Writes `record` for `peer` if the record there is still at `expected`; returns its new
    /// revision.
    ///
    /// # Errors
    /// [`Error::StoreConflict`], [`Error::Store`]; nothing is written then.
    fn store_trust_record(
        &self,
        peer: &AccountId,
        expected: Option<Revision>,
        record: &TrustRecord,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;
}

/// Device lists, the newest verified one of each account, stored as their signed bytes
/// ([`VerifiedDeviceList::to_bytes`]), each at a revision.
///
/// A list comes back decoded but not verified ([`DeviceListIn`]): validate it again with the
/// account key the application trusts ([`DeviceListIn::validate`]), which also checks it is
/// still valid now. A store is not trusted to vouch for a signature.
pub trait DeviceLists: Send + Sync {
    /// The list stored for `account`, with its revision, if there is one.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::SealedRecordInvalid`], [`DeviceListIn::decode`]'s
    /// errors for a damaged row, and [`Error::InvalidSessionState`] for a list of another
    /// account than `account` (SPEC.md 17.4).
    fn load_device_list(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Option<Versioned<DeviceListIn>>, Error>> + Send;

    /// Writes `list` for its account if the list stored there is still at `expected`;
    /// returns its new revision.
    ///
    /// # Errors
    /// [`Error::StoreConflict`], [`Error::Store`]; nothing is written then.
    fn store_device_list(
        &self,
        expected: Option<Revision>,
        list: &VerifiedDeviceList,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;
}

/// Group sessions ([`crate::GroupSession`]), one per group, in their stored form
/// ([`crate::GroupSession::to_stored`]), each at a revision. A group session holds our sender
/// chain, so the rule of session records holds: read, operate, and write back naming the
/// revision read; release a group message only once its write succeeded.
pub trait GroupSessions: Send + Sync {
    /// The session of `group`, with its revision, if there is one.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::SealedRecordInvalid`].
    fn load_group_session(
        &self,
        group: &GroupId,
    ) -> impl Future<Output = Result<Option<Versioned<StoredGroupSession>>, Error>> + Send;

    /// Writes `session` for `group` if the one stored is still at `expected`; returns its new
    /// revision.
    ///
    /// # Errors
    /// [`Error::StoreConflict`], [`Error::Store`]; nothing is written then.
    fn store_group_session(
        &self,
        group: &GroupId,
        expected: Option<Revision>,
        session: &StoredGroupSession,
    ) -> impl Future<Output = Result<Revision, Error>> + Send;

    /// Deletes the session of `group` if it is still at `expected` (after leaving the group).
    ///
    /// # Errors
    /// [`Error::StoreConflict`] if it is at another revision or absent; [`Error::Store`].
    fn delete_group_session(
        &self,
        group: &GroupId,
        expected: Revision,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}
