//! The envelope around every message (SPEC.md 7.2).

use crate::Error;
use crate::config::Config;
use crate::message::{PreKeyMessage, RatchetMessage};
use crate::proto::{self, envelope::Content};

/// A decoded envelope: one message of a known kind.
///
/// Later kinds (group and attachment messages) will be added as variants, hence
/// `#[non_exhaustive]`.
// A PreKeyMessage is larger than a RatchetMessage, but boxing it would cost every decode an
// allocation to save a few hundred bytes of stack.
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// A first message of a pairwise session.
    PreKey(PreKeyMessage),
    /// Any later pairwise message.
    Ratchet(RatchetMessage),
}

impl Envelope {
    /// Decodes an envelope strictly: at most `config.max_encoded_len` bytes, the canonical
    /// protobuf encoding, version 1, exactly one known message kind, and every key and
    /// ciphertext of a valid length and form (SPEC.md 7.1).
    ///
    /// # Errors
    /// The decoding errors of [`Error`].
    pub fn decode(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let envelope: proto::Envelope = proto::decode_strict(bytes, config.max_encoded_len)?;
        Self::from_proto(envelope)
    }

    /// The checks of [`Envelope::decode`] after the strict decode: version, kind, fields.
    pub(crate) fn from_proto(envelope: proto::Envelope) -> Result<Self, Error> {
        if envelope.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: envelope.version,
            });
        }
        match envelope.content {
            Some(Content::Prekey(message)) => PreKeyMessage::from_proto(message).map(Self::PreKey),
            Some(Content::Ratchet(message)) => {
                RatchetMessage::from_proto(message).map(Self::Ratchet)
            }
            None => Err(Error::MissingField { field: "content" }),
        }
    }

    /// The PreKeyMessage this envelope holds: what [`crate::Session::accept`] takes.
    ///
    /// # Errors
    /// [`Error::NotAPreKeyMessage`] for a RatchetMessage.
    pub fn into_prekey(self) -> Result<PreKeyMessage, Error> {
        match self {
            Self::PreKey(message) => Ok(message),
            Self::Ratchet(_) => Err(Error::NotAPreKeyMessage),
        }
    }

    /// The PreKeyMessage this envelope holds, if it is one.
    pub fn as_prekey(&self) -> Option<&PreKeyMessage> {
        match self {
            Self::PreKey(message) => Some(message),
            Self::Ratchet(_) => None,
        }
    }

    /// True for a PreKeyMessage (a session's first messages, until the initiator hears back).
    pub fn is_prekey(&self) -> bool {
        matches!(self, Self::PreKey(_))
    }

    /// The Double Ratchet message inside, whichever kind of envelope this is.
    pub fn ratchet_message(&self) -> &RatchetMessage {
        match self {
            Self::PreKey(message) => message.message(),
            Self::Ratchet(message) => message,
        }
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.to_proto())
    }

    pub(crate) fn to_proto(&self) -> proto::Envelope {
        let content = match self {
            Self::PreKey(message) => Content::Prekey(message.to_proto()),
            Self::Ratchet(message) => Content::Ratchet(message.to_proto()),
        };
        proto::Envelope {
            version: proto::VERSION,
            content: Some(content),
        }
    }
}
