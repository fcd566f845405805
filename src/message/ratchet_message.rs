//! RatchetMessage: a Double Ratchet header and ciphertext (SPEC.md 7.3).

use crate::Error;
use crate::primitives::aead::TAG_LEN;
use crate::primitives::x25519::X25519PublicKey;
use crate::proto;
use crate::ratchet::header::Header;

/// A Double Ratchet message: the header in the clear and the authenticated ciphertext.
///
/// Decoding checks its structure only; it is authentic once a session decrypts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatchetMessage {
    pub(crate) header: Header,
    pub(crate) ciphertext: Vec<u8>,
}

impl RatchetMessage {
    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The ciphertext with its 16-byte tag.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    pub(crate) fn from_proto(message: proto::RatchetMessage) -> Result<Self, Error> {
        let ratchet_key = X25519PublicKey::from_field(&message.ratchet_key, "ratchet_key")?;
        if message.ciphertext.len() < TAG_LEN {
            return Err(Error::InvalidLength {
                field: "ciphertext",
                expected: TAG_LEN,
                found: message.ciphertext.len(),
            });
        }
        Ok(Self {
            header: Header {
                ratchet_key,
                previous_counter: message.previous_counter,
                counter: message.counter,
            },
            ciphertext: message.ciphertext,
        })
    }

    pub(crate) fn to_proto(&self) -> proto::RatchetMessage {
        proto::RatchetMessage {
            ratchet_key: self.header.ratchet_key.to_bytes().to_vec(),
            previous_counter: self.header.previous_counter,
            counter: self.header.counter,
            ciphertext: self.ciphertext.clone(),
        }
    }
}
