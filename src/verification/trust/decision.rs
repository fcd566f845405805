//! Trust on first use as a pure function (SPEC.md 12.6): a stored record and the key seen now
//! in, the decision out.

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
/// reads no clock and no store.
pub fn observe_identity(
    peer: &AccountId,
    record: Option<&TrustRecord>,
    seen: &IdentityKey,
    now: Timestamp,
) -> Observation {
    match record {
        None => Observation::New(TrustRecord::first_use(*seen, now)),
        Some(record) if record.identity() == seen => Observation::Unchanged,
        Some(record) => {
            let next = record.changed_to(*seen, now);
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
