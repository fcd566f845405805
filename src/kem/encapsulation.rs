//! What a hybrid first message carries for the KEM half (SPEC.md 18.3): the KEM prekey it
//! used and the ciphertext.

use sha2::{Digest, Sha256};

use super::ml_kem::KemCiphertext;
use super::prekey::KemPreKeyId;
use crate::Error;
use crate::proto;

/// The initiator's encapsulation to the responder's KEM prekey, as a PreKeyMessage carries
/// it. Nothing in it is authentic until the message has decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KemEncapsulation {
    pub(crate) prekey_id: KemPreKeyId,
    pub(crate) ciphertext: KemCiphertext,
}

impl KemEncapsulation {
    /// The id of the responder's KEM prekey it used.
    pub fn prekey_id(&self) -> KemPreKeyId {
        self.prekey_id
    }

    /// The ML-KEM-1024 ciphertext.
    pub fn ciphertext(&self) -> &KemCiphertext {
        &self.ciphertext
    }

    /// SHA-256 of the ciphertext, which the message's associated data binds (SPEC.md 18.5).
    pub(crate) fn ciphertext_hash(&self) -> [u8; 32] {
        Sha256::digest(self.ciphertext.as_bytes()).into()
    }

    /// Decoding (SPEC.md 7.4): the ciphertext must be exactly 1568 bytes.
    pub(crate) fn from_proto(kem: proto::KemEncapsulation) -> Result<Self, Error> {
        Ok(Self {
            prekey_id: KemPreKeyId(kem.prekey_id),
            ciphertext: KemCiphertext::from_field(&kem.ciphertext, "kem.ciphertext")?,
        })
    }

    pub(crate) fn to_proto(&self) -> proto::KemEncapsulation {
        proto::KemEncapsulation {
            prekey_id: self.prekey_id.0,
            ciphertext: self.ciphertext.as_bytes().to_vec(),
        }
    }
}
