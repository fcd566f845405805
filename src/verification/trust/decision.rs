//! Trust on first use as a pure function (SPEC.md 12.6): a stored record and the key seen now
//! in, the decision out.

use crate::business::identity::VerifiedBusiness;
use crate::identity::IdentityKey;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::trust::record::TrustRecord;

/// A peer's identity key changed: the event an application shows ("the security code with
/// Acme Shoes changed"), and what was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityChange {
    /// The peer.
    pub peer: AccountId,
    /// The key trusted before.
    pub previous: IdentityKey,
    /// The key seen now.
    pub new: IdentityKey,
    /// Whether a verification was lost: the previous key was verified (or was itself an
    /// unacknowledged change from a verified key). Verification never carries over to a new
    /// key.
    pub was_verified: bool,
    /// When the new key was seen.
    pub seen_at: Timestamp,
}

/// What seeing a peer's identity key means, given what we stored about the peer.
// Identity keys hold their decompressed point; boxing the larger variant would only add an
// allocation to a rare event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// We had no record: the key is trusted on first use. Store the record.
    New(TrustRecord),
    /// The key is the one on record: nothing to store.
    Unchanged,
    /// The key is the one on record, now shown with a valid certificate for a business: store
    /// the record, bound to that business (SPEC.md 13.6).
    Bound(TrustRecord),
    /// Refused (SPEC.md 13.6): the record is bound to a verified business, and the key seen
    /// differs from the one on record without a valid certificate for the same business (or
    /// the same key comes with a certificate for another business). Nothing to store; do not
    /// send to or accept the key.
    Refused,
    /// The key differs from the one on record: store the new record (level `Changed`), and
    /// show the event.
    Changed {
        /// The record to store.
        record: TrustRecord,
        /// The event to show.
        change: IdentityChange,
    },
}

/// Decides what seeing `seen` for `peer` at `now` means, given the stored `record`. Pure: it
/// reads no clock and no store. The same as [`observe_business_identity`] with no
/// certificate: for a record bound to a business, a new key is [`Observation::Refused`].
pub fn observe_identity(
    peer: &AccountId,
    record: Option<&TrustRecord>,
    seen: &IdentityKey,
    now: Timestamp,
) -> Observation {
    observe_business_identity(peer, record, seen, None, now)
}

/// Decides what seeing `seen` for `peer` at `now` means, given the stored `record` and the
/// verified business whose certificate came with the key, if any (SPEC.md 13.6). A
/// `business` whose certified key is not `seen` counts as none; one whose validation no longer
/// holds at `now` ([`VerifiedBusiness::fresh_until`]) binds and authorises nothing, but still
/// refuses when it names another business than the record's. Pure.
pub fn observe_business_identity(
    peer: &AccountId,
    record: Option<&TrustRecord>,
    seen: &IdentityKey,
    business: Option<&VerifiedBusiness>,
    now: Timestamp,
) -> Observation {
    // The business shown with `seen` (a certificate for another key counts as none), and the
    // one that may authorise: shown and still fresh. A stale business still counts to refuse.
    let shown = business.filter(|b| b.identity_key() == seen);
    let fresh = shown
        .filter(|b| b.is_fresh_at(now))
        .map(|b| b.business_id().clone());
    let shown = shown.map(VerifiedBusiness::business_id);
    match record {
        None => Observation::New(TrustRecord::first_use(*seen, now, fresh)),
        Some(record) if record.identity() == seen => match (record.business(), shown, fresh) {
            (Some(bound), Some(shown), _) if bound != shown => Observation::Refused,
            (None, _, Some(fresh)) => Observation::Bound(record.bound_to(fresh)),
            _ => Observation::Unchanged,
        },
        Some(record) => {
            if record
                .business()
                .is_some_and(|bound| fresh.as_ref() != Some(bound))
            {
                return Observation::Refused;
            }
            let next = record.changed_to(*seen, now, fresh);
            match next.pending_change(peer) {
                Some(change) => Observation::Changed {
                    change,
                    record: next,
                },
                // `changed_to` always makes a changed record.
                None => Observation::New(next),
            }
        }
    }
}
