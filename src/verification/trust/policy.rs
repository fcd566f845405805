//! What a changed key does to sending (SPEC.md 12.6).

use crate::Error;
use crate::verification::trust::record::{TrustLevel, TrustRecord};

/// What happens when a peer's identity key changed and nobody has acknowledged it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyChangePolicy {
    /// Sending to the peer is refused ([`Error::IdentityChanged`]) until a person
    /// acknowledges the new key. Receiving goes on, and shows the change. The default.
    #[default]
    HoldUntilAcknowledged,
    /// Sending goes on; the application shows the [`crate::IdentityChange`] event as a warning.
    WarnOnly,
}

impl KeyChangePolicy {
    /// Whether we may send to the peer of `record`.
    ///
    /// # Errors
    /// [`Error::IdentityChanged`] under `HoldUntilAcknowledged` while the record holds an
    /// unacknowledged change.
    pub fn check_send(self, record: &TrustRecord) -> Result<(), Error> {
        match (self, record.level()) {
            (
                Self::HoldUntilAcknowledged,
                TrustLevel::Changed {
                    previous_was_verified,
                    ..
                },
            ) => Err(Error::IdentityChanged {
                was_verified: previous_was_verified,
            }),
            _ => Ok(()),
        }
    }
}
