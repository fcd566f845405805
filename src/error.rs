//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong in hushwire.
///
/// No variant carries secret material: the values in it are lengths, counters, ids and
/// versions, all of which are visible on the wire anyway. After any error from a decrypt, the
/// session is exactly as it was before the call.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input is larger than the configured maximum.
    TooLarge {
        /// Length of the input in bytes.
        len: usize,
        /// The configured maximum in bytes.
        max: usize,
    },
    /// The input is not a valid protobuf encoding of the expected message.
    MalformedProtobuf,
    /// The input decodes, but is not the canonical encoding of what it decodes to: it has
    /// unknown fields, repeated or out-of-order fields, explicitly encoded defaults, or
    /// non-minimal varints.
    NonCanonicalEncoding,
    /// The version field names a version this implementation does not speak.
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
    /// A required field is absent.
    MissingField {
        /// The field's name in the protobuf schema.
        field: &'static str,
    },
    /// A key, signature or other fixed-size field has the wrong length.
    InvalidLength {
        /// The field's name in the protobuf schema.
        field: &'static str,
        /// The length SPEC.md requires.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A public key is not a canonical encoding of a curve point.
    InvalidPublicKey,
    /// An X25519 public key has small order (it lies in the subgroup of order 8 of the curve
    /// or its twist), so a Diffie-Hellman with it would not depend on our secret.
    LowOrderPublicKey,
    /// A Diffie-Hellman output was all zero: the peer's key was not contributory.
    NonContributoryKeyAgreement,
    /// A signature did not verify under the claimed identity key.
    InvalidSignature,
    /// A PreKeyMessage names a signed prekey that we do not have.
    UnknownSignedPreKey {
        /// The id from the message.
        id: u32,
    },
    /// A PreKeyMessage names a one-time prekey that we never issued.
    UnknownOneTimePreKey {
        /// The id from the message.
        id: u32,
    },
    /// A PreKeyMessage names a one-time prekey that an earlier session already consumed.
    OneTimePreKeyConsumed {
        /// The id from the message.
        id: u32,
    },
    /// A PreKeyMessage belongs to another session than the one asked to decrypt it (a different
    /// identity, base key or prekey). Start a new session with it instead.
    PreKeyMessageMismatch,
    /// The AEAD tag did not verify: the message was tampered with, or was not meant for this
    /// session.
    DecryptionFailed,
    /// The message key for this message was already used (a replay), or was evicted.
    DuplicateMessage,
    /// Decrypting would skip more message keys on one chain than the configured limit.
    TooManySkippedMessages {
        /// How many keys it would skip.
        skip: u64,
        /// The configured limit.
        max: u32,
    },
    /// A chain reached the largest counter a header can carry; the session cannot send more.
    CounterExhausted,
    /// Serialized session state is internally inconsistent.
    InvalidSessionState,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, max } => {
                write!(f, "input of {len} bytes exceeds the limit of {max}")
            }
            Self::MalformedProtobuf => f.write_str("malformed protobuf"),
            Self::NonCanonicalEncoding => f.write_str("protobuf encoding is not canonical"),
            Self::UnsupportedVersion { found } => write!(f, "unsupported version {found}"),
            Self::MissingField { field } => write!(f, "missing field `{field}`"),
            Self::InvalidLength {
                field,
                expected,
                found,
            } => {
                write!(f, "field `{field}` has length {found}, expected {expected}")
            }
            Self::InvalidPublicKey => f.write_str("public key is not a canonical curve point"),
            Self::LowOrderPublicKey => f.write_str("X25519 public key has small order"),
            Self::NonContributoryKeyAgreement => {
                f.write_str("key agreement produced an all-zero output")
            }
            Self::InvalidSignature => f.write_str("signature verification failed"),
            Self::UnknownSignedPreKey { id } => write!(f, "unknown signed prekey {id}"),
            Self::UnknownOneTimePreKey { id } => write!(f, "unknown one-time prekey {id}"),
            Self::OneTimePreKeyConsumed { id } => {
                write!(f, "one-time prekey {id} was already consumed")
            }
            Self::PreKeyMessageMismatch => {
                f.write_str("prekey message belongs to a different session")
            }
            Self::DecryptionFailed => f.write_str("message authentication failed"),
            Self::DuplicateMessage => f.write_str("duplicate message: its key was already used"),
            Self::TooManySkippedMessages { skip, max } => {
                write!(
                    f,
                    "message would skip {skip} keys on one chain, limit is {max}"
                )
            }
            Self::CounterExhausted => f.write_str("message counter exhausted"),
            Self::InvalidSessionState => f.write_str("session state is inconsistent"),
        }
    }
}

impl std::error::Error for Error {}
