//! The session id: a stable name for a session, from public values only (SPEC.md 9.3).

use core::fmt;

use crate::identity::IdentityKey;
use crate::primitives::hash::{LABEL_SESSION_ID, labelled_sha256};
use crate::primitives::x25519::X25519PublicKey;

/// Length of a [`SessionId`] in bytes.
pub const SESSION_ID_LEN: usize = 32;

/// A stable name for one session: the same on both ends, fixed for the session's life, and
/// derived only from public values (the two identity keys and the initiator's X3DH base key,
/// SPEC.md 9.3), so a backend can key its records and database rows by it.
///
/// It is not secret, and it is no proof of anything: anyone who saw the first message can
/// compute it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; SESSION_ID_LEN]);

impl SessionId {
    /// SHA-256(label || Encode(IK_initiator) || Encode(IK_responder) || EK_A).
    pub(crate) fn derive(
        initiator: &IdentityKey,
        responder: &IdentityKey,
        base_key: &X25519PublicKey,
    ) -> Self {
        Self(labelled_sha256(
            LABEL_SESSION_ID,
            &[
                &initiator.to_bytes(),
                &responder.to_bytes(),
                base_key.as_bytes(),
            ],
        ))
    }

    /// A session id as stored; any 32 bytes.
    pub(crate) fn from_stored(bytes: [u8; SESSION_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }

    /// The id's bytes, by value.
    pub fn to_bytes(&self) -> [u8; SESSION_ID_LEN] {
        self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// Lowercase hex, 64 characters.
impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::primitives::hexfmt::write_hex(f, &self.0)
    }
}
