//! The plaintext of a pairwise or group message, framed by hushwire (SPEC.md 16.6): opaque
//! application bytes, or an attachment pointer.

use core::fmt;

use zeroize::Zeroizing;

use super::pointer::{AttachmentPointer, MAX_ATTACHMENT_POINTER_LEN};
use crate::Error;
use crate::proto::{self, payload::Content};

/// What a message carries, for applications that let hushwire frame their plaintexts:
/// encrypt `payload.encode()` with [`crate::Session::encrypt`] or
/// [`crate::GroupSession::encrypt`], and [`Payload::decode`] what decrypts.
///
/// `Debug` shows the kind and length, never the content.
#[derive(Clone, PartialEq, Eq)]
pub enum Payload {
    /// Bytes hushwire does not interpret: text, reactions, the application's own messages.
    Application(Vec<u8>),
    /// A file, as its pointer.
    Attachment(AttachmentPointer),
}

impl Payload {
    /// The canonical encoding (SPEC.md 16.6). Wiped on drop: it may hold a file key.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let content = match self {
            Self::Application(bytes) => Content::Application(bytes.clone()),
            Self::Attachment(pointer) => Content::Attachment(pointer.to_proto()),
        };
        proto::encode_exact_with_room(
            &proto::Payload {
                content: Some(content),
            },
            0,
        )
    }

    /// Decodes a decrypted plaintext, first failure returned (SPEC.md 16.6). There is no
    /// overall size limit here: the plaintext came out of a message that `max_encoded_len`
    /// already bounded.
    ///
    /// # Errors
    /// [`Error::MalformedProtobuf`], [`Error::NonCanonicalEncoding`];
    /// [`Error::MissingField`] (`content`); for an attachment, [`Error::TooLarge`] when the
    /// pointer's encoding is over [`MAX_ATTACHMENT_POINTER_LEN`], then the checks of
    /// [`AttachmentPointer::decode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let message: proto::Payload = proto::decode_strict_secret(bytes, usize::MAX)?;
        match &message.content {
            None => Err(Error::MissingField { field: "content" }),
            Some(Content::Application(bytes)) => Ok(Self::Application(bytes.clone())),
            Some(Content::Attachment(pointer)) => {
                let len = prost::Message::encoded_len(pointer);
                if len > MAX_ATTACHMENT_POINTER_LEN {
                    return Err(Error::TooLarge {
                        len,
                        max: MAX_ATTACHMENT_POINTER_LEN,
                    });
                }
                AttachmentPointer::from_proto(pointer).map(Self::Attachment)
            }
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Application(bytes) => write!(f, "Payload::Application({} bytes)", bytes.len()),
            Self::Attachment(pointer) => {
                f.debug_tuple("Payload::Attachment").field(pointer).finish()
            }
        }
    }
}
