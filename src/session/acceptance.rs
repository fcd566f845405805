//! What accepting a first message yields before the one-time prekey is consumed.

use core::fmt;

use super::{Session, SessionId, StoredSession};
use crate::Error;
use crate::identity::IdentityKey;
use crate::prekey::OneTimePreKeyId;

/// A first message that decrypted, with the session it starts, held until the caller has
/// deleted the one-time prekey it used ([`Session::accept`]).
///
/// The session and plaintext come out only through [`Acceptance::complete`], which runs the
/// caller's commit step (delete the one-time prekey, and store the session, in one
/// transaction) and releases them only if it succeeds. The session is not reachable before
/// that, not even to store it: `complete` hands the commit step the stored form. Dropping an
/// acceptance discards the session and the plaintext: the one-time prekey then stays usable.
#[must_use = "delete the one-time prekey it names, then take the session with `complete`"]
pub struct Acceptance {
    session: Session,
    plaintext: Vec<u8>,
    one_time_prekey: Option<OneTimePreKeyId>,
}

impl Acceptance {
    pub(super) fn new(
        session: Session,
        plaintext: Vec<u8>,
        one_time_prekey: Option<OneTimePreKeyId>,
    ) -> Self {
        Self {
            session,
            plaintext,
            one_time_prekey,
        }
    }

    /// The one-time prekey the message used, which must now be deleted; `None` if it used
    /// none.
    pub fn one_time_prekey_id(&self) -> Option<OneTimePreKeyId> {
        self.one_time_prekey
    }

    /// The new session's id.
    pub fn session_id(&self) -> SessionId {
        self.session.id()
    }

    /// The identity key the first message claims (see [`Session::accept`]).
    pub fn their_identity(&self) -> &IdentityKey {
        self.session.their_identity()
    }

    /// Runs `commit` with [`Acceptance::one_time_prekey_id`] and the new session's stored
    /// form, and returns the session and the plaintext if it succeeds. `commit` must delete
    /// that one-time prekey atomically (a delete-if-present that succeeds for exactly one
    /// caller, so that of two concurrent acceptances of one first message only one completes),
    /// and is the place to store the session in the same transaction, keyed by
    /// [`Acceptance::session_id`] (a unique key there also refuses a replayed first message that
    /// used no one-time prekey). It is called, with `None`, when no one-time prekey was used
    /// too.
    ///
    /// # Errors
    /// Whatever `commit` returns, typically [`Error::OneTimePreKeyConsumed`] or
    /// [`Error::Store`]; the session and plaintext are then discarded.
    pub fn complete(
        self,
        commit: impl FnOnce(Option<OneTimePreKeyId>, StoredSession) -> Result<(), Error>,
    ) -> Result<(Session, Vec<u8>), Error> {
        commit(self.one_time_prekey, self.session.to_stored())?;
        Ok((self.session, self.plaintext))
    }
}

impl fmt::Debug for Acceptance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acceptance")
            .field("session", &self.session)
            .field("one_time_prekey", &self.one_time_prekey)
            .finish_non_exhaustive()
    }
}
