//! Trust on first use over a store: observe, record, and apply the policy (SPEC.md 12.6).

use crate::Error;
use crate::business::identity::VerifiedBusiness;
use crate::identity::IdentityKey;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::trust::decision::{
    IdentityChange, Observation, observe_business_identity,
};
use crate::verification::trust::policy::KeyChangePolicy;
use crate::verification::trust::record::TrustRecord;
use crate::verification::trust::store::TrustStore;
use crate::verification::verified::VerifiedIdentity;

/// Trust on first use, with key-change events and a policy, over a [`TrustStore`].
///
/// Where it plugs in:
/// - before [`crate::Session::initiate`]: [`check_send`](Self::check_send) with the bundle's
///   identity key (and before each `encrypt`, with the session's
///   [`their_identity`](crate::Session::their_identity));
/// - after [`crate::Session::accept`]: [`observe`](Self::observe) with the new session's
///   `their_identity`. Receiving is never held; a change is recorded and returned.
///
/// Each call is a load, a pure decision ([`observe_business_identity`](crate::observe_business_identity)) and, if something changed, a
/// save. The load and the save are two store calls: calls for the same peer from several
/// threads must be serialized by the application (a lock per peer) until the stores of a
/// later layer make the save a compare-and-swap; calls for different peers need nothing.
#[derive(Debug)]
pub struct TrustOnFirstUse<S> {
    store: S,
    policy: KeyChangePolicy,
}

impl<S: TrustStore> TrustOnFirstUse<S> {
    /// Trust on first use over `store`, applying `policy` to sending.
    pub fn new(store: S, policy: KeyChangePolicy) -> Self {
        Self { store, policy }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The policy.
    pub fn policy(&self) -> KeyChangePolicy {
        self.policy
    }

    /// Records that `peer` was seen with `identity`: trusted on first use if new, and the
    /// change event if it differs from the record. Never refuses the key.
    ///
    /// A peer bound to a verified business (SPEC.md 13.6) is the exception: a new key without
    /// a certificate is refused, and nothing is recorded.
    ///
    /// # Errors
    /// [`Error::BusinessKeyChangeRefused`]; [`Error::Store`] if the store failed.
    pub fn observe(
        &self,
        peer: &AccountId,
        identity: &IdentityKey,
        now: Timestamp,
    ) -> Result<Option<IdentityChange>, Error> {
        self.observe_record(peer, identity, None, now)
            .map(|(_, change)| change)
    }

    /// [`observe`](Self::observe) for a key shown with a validated certificate chain: binds
    /// the peer to the business, and accepts a new key of a business bound before only with
    /// such a chain for the same business id, still fresh at `now`
    /// ([`VerifiedBusiness::fresh_until`]: a session's stored
    /// [`their_business`](crate::Session::their_business) stops counting once the lists it was
    /// checked with are too old; validate the current chain again).
    ///
    /// # Errors
    /// [`Error::BusinessKeyChangeRefused`] if the peer is bound to another business;
    /// [`Error::Store`].
    pub fn observe_business(
        &self,
        peer: &AccountId,
        business: &VerifiedBusiness,
        now: Timestamp,
    ) -> Result<Option<IdentityChange>, Error> {
        self.observe_record(peer, business.identity_key(), Some(business), now)
            .map(|(_, change)| change)
    }

    /// [`check_send`](Self::check_send) for a key shown with a validated certificate chain.
    ///
    /// # Errors
    /// As [`check_send`](Self::check_send).
    pub fn check_send_business(
        &self,
        peer: &AccountId,
        business: &VerifiedBusiness,
        now: Timestamp,
    ) -> Result<Option<IdentityChange>, Error> {
        let (record, change) =
            self.observe_record(peer, business.identity_key(), Some(business), now)?;
        self.policy.check_send(&record)?;
        Ok(change)
    }

    /// [`observe`](Self::observe), then the policy: may we send to `peer`, whose key is
    /// `identity`?
    ///
    /// # Errors
    /// [`Error::IdentityChanged`] under [`KeyChangePolicy::HoldUntilAcknowledged`] while the
    /// peer's key change is not acknowledged (the change is recorded all the same, and
    /// [`pending_change`](Self::pending_change) returns the event to show);
    /// [`Error::BusinessKeyChangeRefused`] whatever the policy, for a peer bound to a
    /// verified business whose key changed without a certificate (nothing is recorded);
    /// [`Error::Store`].
    pub fn check_send(
        &self,
        peer: &AccountId,
        identity: &IdentityKey,
        now: Timestamp,
    ) -> Result<Option<IdentityChange>, Error> {
        let (record, change) = self.observe_record(peer, identity, None, now)?;
        self.policy.check_send(&record)?;
        Ok(change)
    }

    /// A person acknowledged the change to `identity`: sending resumes, unverified.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if `identity` is not the key on record (or there is no
    /// record); [`Error::Store`].
    pub fn acknowledge(&self, peer: &AccountId, identity: &IdentityKey) -> Result<(), Error> {
        let record = self.store.load(peer)?.ok_or(Error::IdentityMismatch)?;
        let next = record.acknowledge(identity)?;
        if next != record {
            self.store.save(peer, &next)?;
        }
        Ok(())
    }

    /// Marks `peer` verified with `proof`. Verifying a key with an unacknowledged change also
    /// acknowledges it.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if the proof is about another key than the one on record
    /// (or there is no record); [`Error::Store`].
    pub fn mark_verified(&self, peer: &AccountId, proof: &VerifiedIdentity) -> Result<(), Error> {
        let record = self.store.load(peer)?.ok_or(Error::IdentityMismatch)?;
        self.store.save(peer, &record.verify(proof)?)?;
        Ok(())
    }

    /// The change of `peer`'s key that nobody has acknowledged yet, as the event to show
    /// (for instance after [`check_send`](Self::check_send) returned
    /// [`Error::IdentityChanged`]).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn pending_change(&self, peer: &AccountId) -> Result<Option<IdentityChange>, Error> {
        Ok(self
            .store
            .load(peer)?
            .and_then(|record| record.pending_change(peer)))
    }

    /// The record for `peer`, if any.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn record(&self, peer: &AccountId) -> Result<Option<TrustRecord>, Error> {
        Ok(self.store.load(peer)?)
    }

    fn observe_record(
        &self,
        peer: &AccountId,
        identity: &IdentityKey,
        business: Option<&VerifiedBusiness>,
        now: Timestamp,
    ) -> Result<(TrustRecord, Option<IdentityChange>), Error> {
        let stored = self.store.load(peer)?;
        match observe_business_identity(peer, stored.as_ref(), identity, business, now) {
            Observation::Refused => Err(Error::BusinessKeyChangeRefused),
            Observation::New(record) | Observation::Bound(record) => {
                self.store.save(peer, &record)?;
                Ok((record, None))
            }
            Observation::Unchanged => match stored {
                Some(record) => Ok((record, None)),
                // observe_identity returns Unchanged only for a stored record.
                None => Err(Error::IdentityMismatch),
            },
            Observation::Changed { record, change } => {
                self.store.save(peer, &record)?;
                Ok((record, Some(change)))
            }
        }
    }
}
