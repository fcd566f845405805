//! The messages of a SAS exchange and their strict encoding (SPEC.md 12.4.2).

use core::fmt;

use crate::Error;
use crate::primitives::x25519::X25519PublicKey;
use crate::proto::{self, verification::Content};
use crate::verification::sas::derive::TRANSACTION_ID_LEN;

/// Largest encoded verification message we decode. A valid one is at most 56 bytes.
pub const MAX_VERIFICATION_MESSAGE_LEN: usize = 256;

/// The id of one SAS exchange: 16 random bytes the starter draws. Every message of the exchange
/// carries it, and every derivation binds it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId(pub(crate) [u8; TRANSACTION_ID_LEN]);

impl TransactionId {
    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8; TRANSACTION_ID_LEN] {
        &self.0
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId(")?;
        crate::primitives::hexfmt::write_hex(f, &self.0)?;
        write!(f, ")")
    }
}

/// Why a SAS exchange ended without a verification (SPEC.md 12.4.2, with the code sent).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// 1: a person cancelled.
    User,
    /// 2: the people compared the emoji or numbers and said they differ. Someone may be
    /// intercepting the conversation.
    Mismatch,
    /// 3: the exchange took longer than [`crate::Config::sas_timeout_seconds`].
    Timeout,
    /// 4: a message this step does not expect: out of order, repeated, or a second exchange's
    /// message.
    UnexpectedMessage,
    /// 5: a message of another transaction.
    UnknownTransaction,
    /// 6: the responder's key does not match its commitment.
    CommitmentMismatch,
    /// 7: a message that did not decode, or a key agreement that failed.
    InvalidMessage,
    /// 8: the peer's MAC over the identity keys did not verify: the two devices do not see
    /// the same identity keys.
    MacMismatch,
    /// A code this version does not know, from a newer peer. It still ends the exchange.
    /// (Cancelling with `Other` of a known code sends that code's reason, and `Other(0)`
    /// sends `User`: what the peer will decode.)
    Other(u32),
}

impl CancelReason {
    /// The code on the wire.
    pub fn code(self) -> u32 {
        match self {
            Self::User => 1,
            Self::Mismatch => 2,
            Self::Timeout => 3,
            Self::UnexpectedMessage => 4,
            Self::UnknownTransaction => 5,
            Self::CommitmentMismatch => 6,
            Self::InvalidMessage => 7,
            Self::MacMismatch => 8,
            Self::Other(code) => code,
        }
    }

    /// The reason with wire code `code` (not 0).
    pub(crate) fn from_code(code: u32) -> Self {
        match code {
            1 => Self::User,
            2 => Self::Mismatch,
            3 => Self::Timeout,
            4 => Self::UnexpectedMessage,
            5 => Self::UnknownTransaction,
            6 => Self::CommitmentMismatch,
            7 => Self::InvalidMessage,
            8 => Self::MacMismatch,
            other => Self::Other(other),
        }
    }
}

/// What a verification message says.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationContent {
    /// The starter's first message: it opens the transaction.
    Start,
    /// The responder's answer: its commitment to its ephemeral key.
    Accept {
        /// The 32-byte commitment.
        commitment: [u8; 32],
    },
    /// An ephemeral public key: the starter's, then the responder's.
    Key(X25519PublicKey),
    /// A MAC over the identity keys, sent after the person confirmed the match.
    Mac([u8; 32]),
    /// The sender ended the exchange.
    Cancel(CancelReason),
}

/// One message of a SAS exchange. Send its [`encode`](Self::encode)d bytes as the plaintext of
/// a message in the pairwise session with the peer; decode what arrives with
/// [`decode`](Self::decode) and hand it to the current state of the exchange that session and
/// transaction id name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationMessage {
    transaction: TransactionId,
    content: VerificationContent,
}

impl VerificationMessage {
    pub(crate) fn new(transaction: TransactionId, content: VerificationContent) -> Self {
        Self {
            transaction,
            content,
        }
    }

    /// The transaction it belongs to: with the session it arrived in, what an application
    /// routes it by.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction
    }

    /// What it says.
    pub fn content(&self) -> &VerificationContent {
        &self.content
    }

    /// Decodes a message strictly (SPEC.md 12.4.2): at most
    /// [`MAX_VERIFICATION_MESSAGE_LEN`] bytes, canonical, version 1, a 16-byte transaction id,
    /// one kind, each field of its length, a valid X25519 key, a cancel code other than 0.
    ///
    /// # Errors
    /// The decoding errors of [`Error`], and [`Error::InvalidPublicKey`] /
    /// [`Error::LowOrderPublicKey`] for a bad ephemeral key.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let message: proto::Verification =
            proto::decode_strict(bytes, MAX_VERIFICATION_MESSAGE_LEN)?;
        if message.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: message.version,
            });
        }
        let transaction = TransactionId(fixed(&message.transaction_id, "transaction_id")?);
        let content = match message.content {
            Some(Content::Start(proto::SasStart {})) => VerificationContent::Start,
            Some(Content::Accept(accept)) => VerificationContent::Accept {
                commitment: fixed(&accept.commitment, "commitment")?,
            },
            Some(Content::Key(key)) => VerificationContent::Key(X25519PublicKey::from_field(
                &key.public_key,
                "public_key",
            )?),
            Some(Content::Mac(mac)) => VerificationContent::Mac(fixed(&mac.mac, "mac")?),
            Some(Content::Cancel(cancel)) => {
                if cancel.reason == 0 {
                    return Err(Error::MissingField { field: "reason" });
                }
                VerificationContent::Cancel(CancelReason::from_code(cancel.reason))
            }
            None => return Err(Error::MissingField { field: "content" }),
        };
        Ok(Self {
            transaction,
            content,
        })
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let content = match &self.content {
            VerificationContent::Start => Content::Start(proto::SasStart {}),
            VerificationContent::Accept { commitment } => Content::Accept(proto::SasAccept {
                commitment: commitment.to_vec(),
            }),
            VerificationContent::Key(key) => Content::Key(proto::SasKey {
                public_key: key.to_bytes().to_vec(),
            }),
            VerificationContent::Mac(mac) => Content::Mac(proto::SasMac { mac: mac.to_vec() }),
            VerificationContent::Cancel(reason) => Content::Cancel(proto::SasCancel {
                reason: reason.code(),
            }),
        };
        prost::Message::encode_to_vec(&proto::Verification {
            version: proto::VERSION,
            transaction_id: self.transaction.0.to_vec(),
            content: Some(content),
        })
    }
}

/// A fixed-length bytes field.
fn fixed<const N: usize>(bytes: &[u8], field: &'static str) -> Result<[u8; N], Error> {
    bytes.try_into().map_err(|_| Error::InvalidLength {
        field,
        expected: N,
        found: bytes.len(),
    })
}
