//! Trust on first use through a store (SPEC.md 17.8): the decision of SPEC.md 12.6 and 13.6
//! on the stored record, written back with a compare-and-swap.

use super::traits::TrustRecords;
use super::{DEFAULT_MAX_ATTEMPTS, Table};
use crate::Error;
use crate::business::identity::VerifiedBusiness;
use crate::identity::IdentityKey;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::trust::decision::{Observation, observe_business_identity};

/// Sees identity key `seen` for `peer` at `now` (with the verified business whose certificate
/// came with it, if any), decides on the record stored for `peer`
/// ([`observe_business_identity`]), and stores the record the decision makes (a first key, a
/// binding to a business, a change), with a compare-and-swap on the revision read. If another
/// device or worker wrote the record in between, it decides again on the record as it now is,
/// at most [`DEFAULT_MAX_ATTEMPTS`] times, so two observations can never overwrite each other
/// (two different first keys for one peer: the second is a change, not a second first use).
///
/// The observation is returned only once its record is stored: show
/// [`Observation::Changed`]'s event, and do not send to or accept a key that is
/// [`Observation::Refused`].
///
/// # Errors
/// [`Error::StoreConflict`] if the record kept changing; the store's errors and
/// [`crate::TrustRecord::from_bytes`]'s for a damaged row. Nothing is written then.
pub async fn observe_identity_stored<S: TrustRecords + ?Sized>(
    store: &S,
    peer: &AccountId,
    seen: &IdentityKey,
    business: Option<&VerifiedBusiness>,
    now: Timestamp,
) -> Result<Observation, Error> {
    for _ in 0..DEFAULT_MAX_ATTEMPTS {
        let loaded = store.load_trust_record(peer).await?;
        let expected = loaded.as_ref().map(|v| v.revision);
        let observation =
            observe_business_identity(peer, loaded.as_ref().map(|v| &v.value), seen, business, now);
        let record = match &observation {
            Observation::New(record)
            | Observation::Bound(record)
            | Observation::Changed { record, .. } => record,
            Observation::Unchanged | Observation::Refused => return Ok(observation),
        };
        match store.store_trust_record(peer, expected, record).await {
            Ok(_) => return Ok(observation),
            Err(Error::StoreConflict { .. }) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(Table::TrustRecords.conflict())
}
