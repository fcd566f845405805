//! What accepting a first message yields before the one-time prekey is consumed.

use core::fmt;

use super::{Session, SessionId, StoredSession};
use crate::Error;
use crate::identity::IdentityKey;
use crate::kem::prekey::{KemPreKeyId, KemPreKeyKind};
use crate::prekey::OneTimePreKeyId;
use crate::primitives::x25519::X25519PublicKey;

/// The prekeys a first message used, which its acceptance must apply to the prekey store in
/// the same transaction as it stores the session (SPEC.md 5.4 step 6, 18.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreKeyUses {
    /// The one-time prekey to delete, if the message used one.
    pub one_time_prekey: Option<OneTimePreKeyId>,
    /// The KEM prekey of a hybrid set-up: delete it if it is one-time; record the base key
    /// with it if it is the last resort.
    pub kem_prekey: Option<KemPreKeyUse>,
}

impl PreKeyUses {
    /// The uses of a one-time prekey and a KEM prekey, each if any: what an accept yields
    /// ([`Acceptance::prekey_uses`]), built by hand for a store's own tests or to apply the
    /// uses of an accept again in a store of one's own.
    pub fn new(one_time_prekey: Option<OneTimePreKeyId>, kem_prekey: Option<KemPreKeyUse>) -> Self {
        Self {
            one_time_prekey,
            kem_prekey,
        }
    }
}

/// How a hybrid first message used one of our KEM prekeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KemPreKeyUse {
    /// The KEM prekey's id.
    pub id: KemPreKeyId,
    /// Its kind, as our own prekey says (not as the message claims: it claims nothing).
    pub kind: KemPreKeyKind,
    /// The message's base key EK_A. A last-resort KEM prekey must refuse a second use with the
    /// same base key ([`Error::KemPreKeyReused`]): that is a replayed first message.
    pub base_key: X25519PublicKey,
}

impl KemPreKeyUse {
    /// The use of KEM prekey `id` of `kind` by a first message whose base key is `base_key`.
    pub fn new(id: KemPreKeyId, kind: KemPreKeyKind, base_key: X25519PublicKey) -> Self {
        Self { id, kind, base_key }
    }
}

/// A first message that decrypted, with the session it starts, held until the caller has
/// applied the prekeys it used ([`PreKeyUses`]: deleted its one-time prekeys, recorded its
/// base key with a last-resort KEM prekey) ([`Session::accept`]).
///
/// The session and plaintext come out only through [`Acceptance::complete`], which runs the
/// caller's commit step (delete the one-time prekey, and store the session, in one
/// transaction) and releases them only if it succeeds. The session is not reachable before
/// that, not even to store it: `complete` hands the commit step the stored form. Dropping an
/// acceptance discards the session and the plaintext: the one-time prekey then stays usable.
#[must_use = "apply the prekey uses it names, then take the session with `complete`"]
pub struct Acceptance {
    session: Session,
    plaintext: Vec<u8>,
    uses: PreKeyUses,
}

impl Acceptance {
    pub(super) fn new(session: Session, plaintext: Vec<u8>, uses: PreKeyUses) -> Self {
        Self {
            session,
            plaintext,
            uses,
        }
    }

    /// The one-time prekey the message used; `None` if it used none. It is one of the
    /// [`Acceptance::prekey_uses`], which must all be applied, not only this one.
    pub fn one_time_prekey_id(&self) -> Option<OneTimePreKeyId> {
        self.uses.one_time_prekey
    }

    /// Every prekey the message used: what `complete`'s commit step must apply.
    pub fn prekey_uses(&self) -> &PreKeyUses {
        &self.uses
    }

    /// The new session's id.
    pub fn session_id(&self) -> SessionId {
        self.session.id()
    }

    /// The identity key the first message claims (see [`Session::accept`]).
    pub fn their_identity(&self) -> &IdentityKey {
        self.session.their_identity()
    }

    /// Runs `commit` with [`Acceptance::prekey_uses`] and the new session's stored form, and
    /// returns the session and the plaintext if it succeeds. `commit` must, atomically and all
    /// or nothing:
    /// - delete the one-time prekey, if one was used (a delete-if-present that succeeds for
    ///   exactly one caller, so that of two concurrent acceptances of one first message only
    ///   one completes; else [`Error::OneTimePreKeyConsumed`]);
    /// - delete a one-time KEM prekey likewise (else [`Error::KemPreKeyConsumed`]), or, for the
    ///   last-resort KEM prekey, insert its id with the base key into a set that refuses a
    ///   second insert (else [`Error::KemPreKeyReused`]);
    ///
    /// and is the place to store the session in the same transaction, keyed by
    /// [`Acceptance::session_id`] (insert-if-absent: a unique key there also refuses a replayed
    /// first message that used no one-time key of either kind). It is called when nothing needs
    /// consuming too.
    ///
    /// # Errors
    /// Whatever `commit` returns, typically one of the above or [`Error::Store`]; the session
    /// and plaintext are then discarded.
    pub fn complete(
        self,
        commit: impl FnOnce(&PreKeyUses, StoredSession) -> Result<(), Error>,
    ) -> Result<(Session, Vec<u8>), Error> {
        commit(&self.uses, self.session.to_stored())?;
        Ok((self.session, self.plaintext))
    }
}

impl fmt::Debug for Acceptance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acceptance")
            .field("session", &self.session)
            .field("uses", &self.uses)
            .finish_non_exhaustive()
    }
}
