//! PreKeyMessage: a first message together with the initiator's X3DH keys (SPEC.md 7.4).

use crate::Error;
use crate::identity::IdentityKey;
use crate::kem::encapsulation::KemEncapsulation;
use crate::message::RatchetMessage;
use crate::prekey::{OneTimePreKeyId, SignedPreKeyId};
use crate::primitives::x25519::X25519PublicKey;
use crate::proto;

/// What an initiator sends until it has received a reply: its identity key, its X3DH base
/// key, the ids of the responder's prekeys it used, and a [`RatchetMessage`].
///
/// Nothing in it is authentic until [`crate::Session::accept`] or [`crate::Session::decrypt`]
/// has decrypted the inner message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyMessage {
    pub(crate) identity_key: IdentityKey,
    pub(crate) base_key: X25519PublicKey,
    pub(crate) signed_prekey_id: SignedPreKeyId,
    pub(crate) one_time_prekey_id: Option<OneTimePreKeyId>,
    pub(crate) message: RatchetMessage,
    pub(crate) kem: Option<KemEncapsulation>,
}

impl PreKeyMessage {
    /// The initiator's claimed identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The initiator's X3DH base key EK_A.
    pub fn base_key(&self) -> &X25519PublicKey {
        &self.base_key
    }

    /// The id of the responder's signed prekey it used.
    pub fn signed_prekey_id(&self) -> SignedPreKeyId {
        self.signed_prekey_id
    }

    /// The id of the responder's one-time prekey it used, if any.
    pub fn one_time_prekey_id(&self) -> Option<OneTimePreKeyId> {
        self.one_time_prekey_id
    }

    /// The KEM prekey id and ciphertext of a hybrid set-up (SPEC.md 18); `None` for a
    /// classic X3DH one.
    pub fn kem(&self) -> Option<&KemEncapsulation> {
        self.kem.as_ref()
    }

    /// The inner ratchet message.
    pub fn message(&self) -> &RatchetMessage {
        &self.message
    }

    pub(crate) fn from_proto(message: proto::PreKeyMessage) -> Result<Self, Error> {
        let identity_key = IdentityKey::from_field(&message.identity_key, "identity_key")?;
        let base_key = X25519PublicKey::from_field(&message.base_key, "base_key")?;
        let inner = message
            .message
            .ok_or(Error::MissingField { field: "message" })?;
        Ok(Self {
            identity_key,
            base_key,
            signed_prekey_id: SignedPreKeyId(message.signed_prekey_id),
            one_time_prekey_id: message.one_time_prekey_id.map(OneTimePreKeyId),
            message: RatchetMessage::from_proto(inner)?,
            kem: message.kem.map(KemEncapsulation::from_proto).transpose()?,
        })
    }

    pub(crate) fn to_proto(&self) -> proto::PreKeyMessage {
        proto::PreKeyMessage {
            identity_key: self.identity_key.to_bytes().to_vec(),
            base_key: self.base_key.to_bytes().to_vec(),
            signed_prekey_id: self.signed_prekey_id.0,
            one_time_prekey_id: self.one_time_prekey_id.map(|id| id.0),
            message: Some(self.message.to_proto()),
            kem: self.kem.as_ref().map(KemEncapsulation::to_proto),
        }
    }
}
