//! The crate's one error type, its stable names and its categories.

use core::fmt;
use std::sync::Arc;

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
    /// A stored session does not end with the checksum of its contents (SPEC.md 9.1): it was
    /// cut short (a partly written row) or damaged.
    SessionStateCorrupted,
    /// An envelope that had to be a PreKeyMessage (the first message of a session) holds a
    /// RatchetMessage.
    NotAPreKeyMessage,
    /// The application's store failed (a database or I/O error). It never carries secret
    /// material; see [`StoreError`].
    Store(StoreError),
    /// The crypto provider ([`crate::Config::provider`]) refused an operation that hushwire's
    /// own checks allowed. Never returned with the built-in providers (they refuse only what
    /// hushwire checks first); possible with a third-party provider. Nothing is produced.
    CryptoProviderFailed,
    /// An account id is empty or longer than 255 bytes (SPEC.md 12.1).
    InvalidAccountId {
        /// Its length.
        len: usize,
    },
    /// A scanned safety number does not match ours: the identity keys (or the account ids)
    /// the two devices see differ. Do not mark the peer verified.
    SafetyNumberMismatch,
    /// A scanned safety number has another version than ours: the other app computes it
    /// differently, so compare the digits instead. Not a mismatch.
    SafetyNumberVersionMismatch {
        /// The version in the scanned payload.
        theirs: u32,
        /// Ours.
        ours: u32,
    },
    /// A SAS exchange ended without verifying (see [`crate::SasCancelled`]).
    VerificationCancelled {
        /// Why.
        reason: crate::CancelReason,
        /// True if the peer ended it.
        by_peer: bool,
    },
    /// Sending is held: the peer's identity key changed and nobody has acknowledged the change
    /// yet ([`crate::TrustOnFirstUse::acknowledge`]).
    IdentityChanged {
        /// Whether the change lost a verification.
        was_verified: bool,
    },
    /// A verification or an acknowledgement names another identity key than the one on record
    /// (the key changed in the meantime, or there is no record).
    IdentityMismatch,
    /// A stored trust record is internally inconsistent (SPEC.md 12.6).
    InvalidTrustRecord,
    /// A SAS exchange with this peer is already running: one at a time (SPEC.md 12.4.6).
    VerificationInProgress,
    /// SAS exchanges with this peer are refused for now, after repeated failures (SPEC.md
    /// 12.4.6).
    VerificationLockedOut {
        /// Seconds until a new exchange is allowed.
        retry_after: u64,
    },
    /// A certificate or revocation list is well-formed protobuf but its content breaks a rule
    /// of SPEC.md 13.2: an empty or inverted validity window, an unknown verification level,
    /// a malformed business id or contact detail, serials not strictly increasing.
    InvalidCertificate {
        /// Which rule (a static description, never the offending value).
        reason: &'static str,
    },
    /// A business display name breaks a rule of SPEC.md 13.3 (length, normalization, or a
    /// refused character such as a control, bidirectional or zero-width character).
    InvalidDisplayName {
        /// Which rule.
        reason: &'static str,
    },
    /// A certificate or revocation list names a root key id that is not pinned.
    UnknownTrustRoot {
        /// The key id named.
        key_id: u32,
    },
    /// A certificate's or revocation list's signature does not verify.
    InvalidCertificateSignature {
        /// Which: `"issuer"`, `"business"` or `"revocation_list"`.
        certificate: &'static str,
    },
    /// A certificate is not valid yet (its `not_before` is later than now plus the allowed
    /// clock skew), or a revocation list was issued in the future.
    CertificateNotYetValid {
        /// Which: `"issuer"`, `"business"` or `"revocation_list"`.
        certificate: &'static str,
    },
    /// A certificate has expired (its `not_after` plus the allowed clock skew is before now).
    CertificateExpired {
        /// Which: `"issuer"` or `"business"`.
        certificate: &'static str,
    },
    /// An issuer certified beyond its scope: a level it may not certify, or a validity window
    /// outside its own.
    CertificateOutOfScope {
        /// `"level"` or `"validity"`.
        reason: &'static str,
    },
    /// A certificate's serial is on its signer's revocation list.
    CertificateRevoked {
        /// Which: `"issuer"` or `"business"`.
        certificate: &'static str,
        /// The revoked serial.
        serial: u64,
    },
    /// The revocation list needed to trust a certificate is older than the allowed maximum
    /// age, or none is held for its signer.
    RevocationListStale {
        /// Whose list: `"root"` or `"issuer"`.
        signer: &'static str,
    },
    /// A revocation list is not newer than the one held for its signer: a lower sequence
    /// number, or the same one with other content.
    RevocationListRollback {
        /// The sequence number held.
        held: u64,
        /// The sequence number offered.
        found: u64,
    },
    /// A verified business's identity key changed without a valid certificate for the new
    /// key and the same business: refused, not only held (SPEC.md 13.6).
    BusinessKeyChangeRefused,
    /// A device list is well-formed protobuf but breaks a rule of SPEC.md 14.2: no devices or
    /// more than 64, device ids not strictly increasing or zero, a device key listed twice, a
    /// version of 0, or `expires_at` not after `issued_at`; or a device id or list version of 0
    /// elsewhere (SPEC.md 14.4, 14.5).
    InvalidDeviceList {
        /// Which rule (a static description, never the offending value).
        reason: &'static str,
    },
    /// A device list's signature does not verify under the account key it was checked
    /// against.
    InvalidDeviceListSignature,
    /// A device list has expired (its `expires_at` plus the allowed clock skew is before now),
    /// or was issued in the future. Fetch the account's current list.
    DeviceListExpired {
        /// The list's `expires_at`.
        expires_at: u64,
    },
    /// A device list claims a longer lifetime than the policy allows (SPEC.md 14.3).
    DeviceListLifetimeTooLong {
        /// `expires_at - issued_at`, in seconds.
        lifetime: u64,
        /// The policy's maximum.
        max: u64,
    },
    /// A device list is older than one already seen for the account (a rollback).
    DeviceListRollback {
        /// The version held.
        held: u64,
        /// The version offered.
        found: u64,
    },
    /// A device list has the version of the one held, with other content: the account key
    /// signed two lists with one version.
    DeviceListConflict {
        /// The version.
        version: u64,
    },
    /// A device is not on the account's current device list, or is listed with another
    /// identity key: whatever it sends is refused, and nothing is encrypted for it.
    DeviceNotListed {
        /// The device id.
        device: u32,
    },
    /// A device message is not addressed to this device, or names another sender account than
    /// the device list it was checked against; a list given as this device's own is another
    /// account's; or a device-link approval names another account than its list.
    MisaddressedMessage {
        /// Which: `"recipient"`, `"sender"`, `"own_list"`, `"recipient_list"`,
        /// `"sender_list"`, `"member"` (a group member that is ourselves) or `"account"`.
        field: &'static str,
    },
    /// Some devices need a session before a message can be encrypted for them: fetch a bundle
    /// for each and start one. Nothing was encrypted.
    SessionsMissing {
        /// The devices without a session.
        devices: Vec<crate::DeviceAddress>,
    },
    /// A session record holds no session to encrypt with: start one from the device's bundle.
    NoSession,
    /// A group id is empty or longer than 64 bytes (SPEC.md 15.1).
    InvalidGroupId {
        /// Its length.
        len: usize,
    },
    /// A group message or sender-key distribution is for another group than this session's.
    WrongGroup,
    /// A group message or distribution comes from a device that is not a member of the group
    /// (never added, or removed).
    NotAGroupMember {
        /// The device id of the sender.
        device: u32,
    },
    /// A group message names a sender-key chain we hold no distribution for (never received,
    /// or dropped as one of the sender's oldest chains).
    UnknownSenderKey {
        /// The chain id named.
        chain_id: u32,
    },
    /// A sender-key distribution names a chain we hold with another signing key: refused, the
    /// chain held is kept.
    SenderKeyConflict {
        /// The chain id.
        chain_id: u32,
    },
    /// A device-link approval's MAC does not verify under the link secret: it was not made
    /// by whoever scanned this device's QR code.
    LinkAuthenticationFailed,
    /// An attachment pointer's field breaks SPEC.md 16.5: a content type that is not
    /// `type/subtype`, a file name that is not safe to save, a thumbnail or size over its limit.
    InvalidAttachmentPointer {
        /// Which rule, in a few words.
        reason: &'static str,
    },
    /// An encrypted file's header names a segment size or padding scheme that SPEC.md 16.2
    /// does not define.
    InvalidAttachmentHeader {
        /// Which field, in a few words.
        reason: &'static str,
    },
    /// The encrypted file was not made with the pointer's file key: its header's key
    /// commitment does not match (or the header was altered).
    AttachmentWrongKey,
    /// The encrypted file ends before the segment it should hold next: cut at a segment
    /// boundary, inside a segment, or without its final segment.
    AttachmentTruncated {
        /// Index of the first segment missing or incomplete (0 for a header cut short).
        segment: u64,
    },
    /// A segment does not authenticate at its position: altered, reordered, duplicated, taken
    /// from another file, or a final segment where a middle one belongs (or the reverse).
    AttachmentSegmentInvalid {
        /// Index of the segment.
        segment: u64,
    },
    /// Bytes follow the encrypted file's final segment.
    AttachmentTrailingData,
    /// The padding after the plaintext is not all zero bytes (SPEC.md 16.3).
    InvalidAttachmentPadding,
    /// The encrypted file is not the one the pointer names: its SHA-256 differs. Every
    /// segment authenticated, so someone holding the file key made another file.
    AttachmentDigestMismatch,
    /// Reading or writing an attachment's bytes failed (the application's reader, writer or
    /// file), with the I/O error's kind. Nothing was released for the failed part.
    Io {
        /// The kind of the underlying I/O error.
        kind: std::io::ErrorKind,
    },
    /// A compare-and-swap in a store lost (SPEC.md 17.3): the record is no longer at the
    /// revision it was read at (another worker wrote it in between), or one that had to be new
    /// exists already. Nothing was written. Load the record again and redo the operation on
    /// it; `store::Conversations` (feature `store`) does so itself, a bounded number of times.
    StoreConflict {
        /// Which kind of record: `"session_record"`, `"signed_prekey"`, `"one_time_prekey"`,
        /// `"trust_record"`, `"device_list"` or `"group_session"` (the table, SPEC.md 17.1).
        record: &'static str,
    },
    /// A record read from a sealed store does not open under the storage key (SPEC.md 17.4):
    /// another key, a damaged value, or a value moved to another record's row or revision
    /// inside the database. Nothing was loaded.
    SealedRecordInvalid {
        /// Which kind of record (the table, as for [`Error::StoreConflict`]).
        record: &'static str,
    },
    /// The store holds no group session for the group named (never created or joined here,
    /// or left): create it, or process the group's distributions after joining.
    NoGroupSession,
    /// A PreKeyMessage names a KEM prekey that we never issued (or have since removed).
    UnknownKemPreKey {
        /// The id from the message.
        id: u32,
    },
    /// A PreKeyMessage names a one-time KEM prekey that an earlier session already consumed.
    KemPreKeyConsumed {
        /// The id from the message.
        id: u32,
    },
    /// A PreKeyMessage uses our last-resort KEM prekey with a base key that already started a
    /// session with it: a replayed first message.
    KemPreKeyReused {
        /// The id of the last-resort KEM prekey.
        id: u32,
    },
    /// The configuration requires the post-quantum hybrid set-up (`Config::post_quantum`), and
    /// a bundle has no KEM prekey or a first message carries no KEM ciphertext.
    PostQuantumRequired,
}

/// What kind of failure an [`Error`] is, for a caller deciding what to do with it.
///
/// ```
/// use hushwire::{Error, ErrorCategory};
/// let error = Error::DecryptionFailed;
/// match error.category() {
///     ErrorCategory::Decryption => { /* drop the message; the session is unchanged */ }
///     ErrorCategory::Store => { /* retry later */ }
///     _ => { /* refuse the input */ }
/// }
/// assert_eq!(error.kind(), "DecryptionFailed");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The bytes are not a valid, canonical encoding of the expected message (SPEC.md 7.1).
    Decoding,
    /// A key or signature is invalid: not canonical, of small order, non-contributory, or a
    /// signature that does not verify.
    Key,
    /// A first message names a prekey we do not have or have already used.
    PreKey,
    /// A message does not decrypt in this session: tampered with, replayed, or meant for
    /// another session.
    Decryption,
    /// An input or a session reached a configured or protocol limit.
    Limit,
    /// Stored state is inconsistent, damaged or cut short, or a sealed record does not open
    /// where it is ([`Error::SealedRecordInvalid`]).
    State,
    /// The application's store failed, or a compare-and-swap in it lost to another writer
    /// ([`Error::StoreConflict`]: load again and retry).
    Store,
    /// The crypto provider refused an operation (a third-party provider's failure).
    Provider,
    /// An identity verification failed: a safety number that does not match, or a SAS
    /// exchange that ended without verifying. Do not mark the peer verified.
    Verification,
    /// Trust on first use holds or refuses an action: a changed identity key not yet
    /// acknowledged, a verification of a key that is no longer the one on record, or a
    /// verified business's key change without a certificate.
    Trust,
    /// A business certificate chain or revocation list is not trusted: unknown root, bad
    /// signature, outside its validity, beyond its issuer's scope, revoked, or a revocation
    /// list that is stale or rolled back. Do not show the business as verified.
    Certificate,
    /// Multi-device: a device list that does not verify, has expired or rolled back, a device
    /// not on its account's list, a misaddressed message, missing sessions, or a device link
    /// that does not authenticate (SPEC.md 14).
    Device,
    /// Groups: a message or distribution for another group, from a non-member, naming a
    /// sender key we do not hold, or a distribution that conflicts with one held (SPEC.md 15).
    Group,
    /// An encrypted file does not open (SPEC.md 16): another version's or a malformed header,
    /// the wrong key, cut short, a segment altered or moved, trailing bytes, bad padding, or
    /// not the file the pointer names. Discard whatever was written of it.
    Attachment,
    /// The application's reader, writer or file failed; the operation may be retried.
    Io,
}

impl Error {
    /// The variant's stable, machine-readable name, as the test vectors and SPEC.md 8.1 write
    /// it (`"LowOrderPublicKey"`, `"DecryptionFailed"`, ...). It never changes for a variant,
    /// and never includes the variant's values.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "TooLarge",
            Self::MalformedProtobuf => "MalformedProtobuf",
            Self::NonCanonicalEncoding => "NonCanonicalEncoding",
            Self::UnsupportedVersion { .. } => "UnsupportedVersion",
            Self::MissingField { .. } => "MissingField",
            Self::InvalidLength { .. } => "InvalidLength",
            Self::InvalidPublicKey => "InvalidPublicKey",
            Self::LowOrderPublicKey => "LowOrderPublicKey",
            Self::NonContributoryKeyAgreement => "NonContributoryKeyAgreement",
            Self::InvalidSignature => "InvalidSignature",
            Self::UnknownSignedPreKey { .. } => "UnknownSignedPreKey",
            Self::UnknownOneTimePreKey { .. } => "UnknownOneTimePreKey",
            Self::OneTimePreKeyConsumed { .. } => "OneTimePreKeyConsumed",
            Self::PreKeyMessageMismatch => "PreKeyMessageMismatch",
            Self::DecryptionFailed => "DecryptionFailed",
            Self::DuplicateMessage => "DuplicateMessage",
            Self::TooManySkippedMessages { .. } => "TooManySkippedMessages",
            Self::CounterExhausted => "CounterExhausted",
            Self::InvalidSessionState => "InvalidSessionState",
            Self::SessionStateCorrupted => "SessionStateCorrupted",
            Self::NotAPreKeyMessage => "NotAPreKeyMessage",
            Self::Store(_) => "Store",
            Self::CryptoProviderFailed => "CryptoProviderFailed",
            Self::InvalidAccountId { .. } => "InvalidAccountId",
            Self::SafetyNumberMismatch => "SafetyNumberMismatch",
            Self::SafetyNumberVersionMismatch { .. } => "SafetyNumberVersionMismatch",
            Self::VerificationCancelled { .. } => "VerificationCancelled",
            Self::IdentityChanged { .. } => "IdentityChanged",
            Self::IdentityMismatch => "IdentityMismatch",
            Self::InvalidTrustRecord => "InvalidTrustRecord",
            Self::VerificationInProgress => "VerificationInProgress",
            Self::VerificationLockedOut { .. } => "VerificationLockedOut",
            Self::InvalidCertificate { .. } => "InvalidCertificate",
            Self::InvalidDisplayName { .. } => "InvalidDisplayName",
            Self::UnknownTrustRoot { .. } => "UnknownTrustRoot",
            Self::InvalidCertificateSignature { .. } => "InvalidCertificateSignature",
            Self::CertificateNotYetValid { .. } => "CertificateNotYetValid",
            Self::CertificateExpired { .. } => "CertificateExpired",
            Self::CertificateOutOfScope { .. } => "CertificateOutOfScope",
            Self::CertificateRevoked { .. } => "CertificateRevoked",
            Self::RevocationListStale { .. } => "RevocationListStale",
            Self::RevocationListRollback { .. } => "RevocationListRollback",
            Self::BusinessKeyChangeRefused => "BusinessKeyChangeRefused",
            Self::InvalidDeviceList { .. } => "InvalidDeviceList",
            Self::InvalidDeviceListSignature => "InvalidDeviceListSignature",
            Self::DeviceListExpired { .. } => "DeviceListExpired",
            Self::DeviceListLifetimeTooLong { .. } => "DeviceListLifetimeTooLong",
            Self::DeviceListRollback { .. } => "DeviceListRollback",
            Self::DeviceListConflict { .. } => "DeviceListConflict",
            Self::DeviceNotListed { .. } => "DeviceNotListed",
            Self::MisaddressedMessage { .. } => "MisaddressedMessage",
            Self::SessionsMissing { .. } => "SessionsMissing",
            Self::NoSession => "NoSession",
            Self::LinkAuthenticationFailed => "LinkAuthenticationFailed",
            Self::InvalidGroupId { .. } => "InvalidGroupId",
            Self::WrongGroup => "WrongGroup",
            Self::NotAGroupMember { .. } => "NotAGroupMember",
            Self::UnknownSenderKey { .. } => "UnknownSenderKey",
            Self::SenderKeyConflict { .. } => "SenderKeyConflict",
            Self::InvalidAttachmentPointer { .. } => "InvalidAttachmentPointer",
            Self::InvalidAttachmentHeader { .. } => "InvalidAttachmentHeader",
            Self::AttachmentWrongKey => "AttachmentWrongKey",
            Self::AttachmentTruncated { .. } => "AttachmentTruncated",
            Self::AttachmentSegmentInvalid { .. } => "AttachmentSegmentInvalid",
            Self::AttachmentTrailingData => "AttachmentTrailingData",
            Self::InvalidAttachmentPadding => "InvalidAttachmentPadding",
            Self::AttachmentDigestMismatch => "AttachmentDigestMismatch",
            Self::Io { .. } => "Io",
            Self::StoreConflict { .. } => "StoreConflict",
            Self::SealedRecordInvalid { .. } => "SealedRecordInvalid",
            Self::NoGroupSession => "NoGroupSession",
            Self::UnknownKemPreKey { .. } => "UnknownKemPreKey",
            Self::KemPreKeyConsumed { .. } => "KemPreKeyConsumed",
            Self::KemPreKeyReused { .. } => "KemPreKeyReused",
            Self::PostQuantumRequired => "PostQuantumRequired",
        }
    }

    /// The category the error belongs to.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Self::MalformedProtobuf
            | Self::NonCanonicalEncoding
            | Self::UnsupportedVersion { .. }
            | Self::MissingField { .. }
            | Self::InvalidLength { .. }
            | Self::NotAPreKeyMessage
            | Self::InvalidAccountId { .. }
            | Self::InvalidCertificate { .. }
            | Self::InvalidDisplayName { .. }
            | Self::InvalidDeviceList { .. }
            | Self::InvalidGroupId { .. }
            | Self::InvalidAttachmentPointer { .. } => ErrorCategory::Decoding,
            Self::InvalidPublicKey
            | Self::LowOrderPublicKey
            | Self::NonContributoryKeyAgreement
            | Self::InvalidSignature => ErrorCategory::Key,
            Self::UnknownSignedPreKey { .. }
            | Self::UnknownOneTimePreKey { .. }
            | Self::OneTimePreKeyConsumed { .. }
            | Self::UnknownKemPreKey { .. }
            | Self::KemPreKeyConsumed { .. }
            | Self::KemPreKeyReused { .. }
            | Self::PostQuantumRequired => ErrorCategory::PreKey,
            Self::PreKeyMessageMismatch | Self::DecryptionFailed | Self::DuplicateMessage => {
                ErrorCategory::Decryption
            }
            Self::TooLarge { .. }
            | Self::TooManySkippedMessages { .. }
            | Self::CounterExhausted => ErrorCategory::Limit,
            Self::InvalidSessionState
            | Self::SessionStateCorrupted
            | Self::InvalidTrustRecord
            | Self::SealedRecordInvalid { .. } => ErrorCategory::State,
            Self::Store(_) | Self::StoreConflict { .. } => ErrorCategory::Store,
            Self::CryptoProviderFailed => ErrorCategory::Provider,
            Self::SafetyNumberMismatch
            | Self::SafetyNumberVersionMismatch { .. }
            | Self::VerificationCancelled { .. }
            | Self::VerificationInProgress
            | Self::VerificationLockedOut { .. } => ErrorCategory::Verification,
            Self::IdentityChanged { .. }
            | Self::IdentityMismatch
            | Self::BusinessKeyChangeRefused => ErrorCategory::Trust,
            Self::UnknownTrustRoot { .. }
            | Self::InvalidCertificateSignature { .. }
            | Self::CertificateNotYetValid { .. }
            | Self::CertificateExpired { .. }
            | Self::CertificateOutOfScope { .. }
            | Self::CertificateRevoked { .. }
            | Self::RevocationListStale { .. }
            | Self::RevocationListRollback { .. } => ErrorCategory::Certificate,
            Self::InvalidDeviceListSignature
            | Self::DeviceListExpired { .. }
            | Self::DeviceListLifetimeTooLong { .. }
            | Self::DeviceListRollback { .. }
            | Self::DeviceListConflict { .. }
            | Self::DeviceNotListed { .. }
            | Self::MisaddressedMessage { .. }
            | Self::SessionsMissing { .. }
            | Self::NoSession
            | Self::LinkAuthenticationFailed => ErrorCategory::Device,
            Self::WrongGroup
            | Self::NotAGroupMember { .. }
            | Self::UnknownSenderKey { .. }
            | Self::SenderKeyConflict { .. }
            | Self::NoGroupSession => ErrorCategory::Group,
            Self::InvalidAttachmentHeader { .. }
            | Self::AttachmentWrongKey
            | Self::AttachmentTruncated { .. }
            | Self::AttachmentSegmentInvalid { .. }
            | Self::AttachmentTrailingData
            | Self::InvalidAttachmentPadding
            | Self::AttachmentDigestMismatch => ErrorCategory::Attachment,
            Self::Io { .. } => ErrorCategory::Io,
        }
    }

    /// Every variant's [`Error::kind`], in declaration order (for catalogues and checks that
    /// must cover them all).
    pub const KINDS: &'static [&'static str] = &[
        "TooLarge",
        "MalformedProtobuf",
        "NonCanonicalEncoding",
        "UnsupportedVersion",
        "MissingField",
        "InvalidLength",
        "InvalidPublicKey",
        "LowOrderPublicKey",
        "NonContributoryKeyAgreement",
        "InvalidSignature",
        "UnknownSignedPreKey",
        "UnknownOneTimePreKey",
        "OneTimePreKeyConsumed",
        "PreKeyMessageMismatch",
        "DecryptionFailed",
        "DuplicateMessage",
        "TooManySkippedMessages",
        "CounterExhausted",
        "InvalidSessionState",
        "SessionStateCorrupted",
        "NotAPreKeyMessage",
        "Store",
        "CryptoProviderFailed",
        "InvalidAccountId",
        "SafetyNumberMismatch",
        "SafetyNumberVersionMismatch",
        "VerificationCancelled",
        "IdentityChanged",
        "IdentityMismatch",
        "InvalidTrustRecord",
        "VerificationInProgress",
        "VerificationLockedOut",
        "InvalidCertificate",
        "InvalidDisplayName",
        "UnknownTrustRoot",
        "InvalidCertificateSignature",
        "CertificateNotYetValid",
        "CertificateExpired",
        "CertificateOutOfScope",
        "CertificateRevoked",
        "RevocationListStale",
        "RevocationListRollback",
        "BusinessKeyChangeRefused",
        "InvalidDeviceList",
        "InvalidDeviceListSignature",
        "DeviceListExpired",
        "DeviceListLifetimeTooLong",
        "DeviceListRollback",
        "DeviceListConflict",
        "DeviceNotListed",
        "MisaddressedMessage",
        "SessionsMissing",
        "NoSession",
        "LinkAuthenticationFailed",
        "InvalidGroupId",
        "WrongGroup",
        "NotAGroupMember",
        "UnknownSenderKey",
        "SenderKeyConflict",
        "InvalidAttachmentPointer",
        "InvalidAttachmentHeader",
        "AttachmentWrongKey",
        "AttachmentTruncated",
        "AttachmentSegmentInvalid",
        "AttachmentTrailingData",
        "InvalidAttachmentPadding",
        "AttachmentDigestMismatch",
        "Io",
        "StoreConflict",
        "SealedRecordInvalid",
        "NoGroupSession",
        "UnknownKemPreKey",
        "KemPreKeyConsumed",
        "KemPreKeyReused",
        "PostQuantumRequired",
    ];
}

/// A failure of the application's store (a database or I/O error), carried by
/// [`Error::Store`].
///
/// It holds a description and, optionally, the underlying error. **A store must never put
/// secret material in it** (no key bytes, no serialized session, no query parameters that hold
/// them): hushwire's own stores describe the operation and the database's error code only.
/// Two store errors are equal when their descriptions are.
#[derive(Clone)]
pub struct StoreError {
    message: Arc<str>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// A store error with a description and no underlying error.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: Arc::from(message.into()),
            source: None,
        }
    }

    /// A store error wrapping `source` (an I/O or database error), described by `message`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: Arc::from(message.into()),
            source: Some(Arc::new(source)),
        }
    }

    /// The description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("message", &self.message)
            .field("has_source", &self.source.is_some())
            .finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for StoreError {}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
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
            Self::SessionStateCorrupted => {
                f.write_str("stored session is cut short or damaged (checksum mismatch)")
            }
            Self::NotAPreKeyMessage => f.write_str("expected a PreKeyMessage"),
            Self::Store(error) => write!(f, "store failed: {error}"),
            Self::CryptoProviderFailed => f.write_str("the crypto provider refused the operation"),
            Self::InvalidAccountId { len } => {
                write!(f, "account id of {len} bytes: must be 1 to 255")
            }
            Self::SafetyNumberMismatch => f.write_str("the scanned safety number does not match"),
            Self::SafetyNumberVersionMismatch { theirs, ours } => write!(
                f,
                "the scanned safety number has version {theirs}, ours is {ours}: compare the digits"
            ),
            Self::VerificationCancelled {
                reason,
                by_peer: true,
            } => write!(f, "the peer cancelled the verification: {reason:?}"),
            Self::VerificationCancelled {
                reason,
                by_peer: false,
            } => write!(f, "verification cancelled: {reason:?}"),
            Self::IdentityChanged { was_verified: true } => f.write_str(
                "the peer's verified identity key changed: acknowledge the change before sending",
            ),
            Self::IdentityChanged {
                was_verified: false,
            } => f.write_str(
                "the peer's identity key changed: acknowledge the change before sending",
            ),
            Self::IdentityMismatch => {
                f.write_str("the identity key is not the one on record for this peer")
            }
            Self::InvalidTrustRecord => f.write_str("stored trust record is inconsistent"),
            Self::VerificationInProgress => {
                f.write_str("a verification with this peer is already running")
            }
            Self::VerificationLockedOut { retry_after } => write!(
                f,
                "too many failed verifications with this peer: try again in {retry_after} s"
            ),
            Self::InvalidCertificate { reason } => write!(f, "invalid certificate: {reason}"),
            Self::InvalidDisplayName { reason } => write!(f, "invalid display name: {reason}"),
            Self::UnknownTrustRoot { key_id } => {
                write!(f, "certificate names root key {key_id}, which is not pinned")
            }
            Self::InvalidCertificateSignature { certificate } => {
                write!(f, "the {certificate} signature does not verify")
            }
            Self::CertificateNotYetValid {
                certificate: "revocation_list",
            } => f.write_str("the revocation list was issued in the future"),
            Self::CertificateNotYetValid { certificate } => {
                write!(f, "the {certificate} certificate is not valid yet")
            }
            Self::CertificateExpired { certificate } => {
                write!(f, "the {certificate} certificate has expired")
            }
            Self::CertificateOutOfScope { reason } => {
                write!(f, "the issuer certified beyond its scope ({reason})")
            }
            Self::CertificateRevoked {
                certificate,
                serial,
            } => write!(f, "the {certificate} certificate (serial {serial}) is revoked"),
            Self::RevocationListStale { signer } => {
                write!(f, "no recent enough revocation list from the {signer}")
            }
            Self::RevocationListRollback { held, found } => write!(
                f,
                "revocation list {found} is not newer than list {held}, already held"
            ),
            Self::BusinessKeyChangeRefused => f.write_str(
                "the verified business's identity key changed without a certificate for the new key",
            ),
            Self::InvalidDeviceList { reason } => write!(f, "invalid device list: {reason}"),
            Self::InvalidDeviceListSignature => {
                f.write_str("the device list's signature does not verify under the account key")
            }
            Self::DeviceListExpired { expires_at } => {
                write!(f, "the device list is not valid now (it expires at {expires_at})")
            }
            Self::DeviceListLifetimeTooLong { lifetime, max } => write!(
                f,
                "the device list's lifetime of {lifetime} s exceeds the policy's {max} s"
            ),
            Self::DeviceListRollback { held, found } => write!(
                f,
                "device list version {found} is older than version {held}, already seen"
            ),
            Self::DeviceListConflict { version } => write!(
                f,
                "two different device lists carry version {version}"
            ),
            Self::DeviceNotListed { device } => {
                write!(f, "device {device} is not on the account's device list")
            }
            Self::MisaddressedMessage { field } => {
                write!(f, "the message's {field} address is not the expected one")
            }
            Self::SessionsMissing { devices } => write!(
                f,
                "{} device(s) need a session first: fetch their bundles",
                devices.len()
            ),
            Self::NoSession => f.write_str("no session with this device: start one from its bundle"),
            Self::InvalidGroupId { len } => write!(f, "group id of {len} bytes: must be 1 to 64"),
            Self::WrongGroup => f.write_str("the message is for another group"),
            Self::NotAGroupMember { device } => {
                write!(f, "device {device} is not a member of the group")
            }
            Self::UnknownSenderKey { chain_id } => {
                write!(f, "no sender key held for chain {chain_id}")
            }
            Self::SenderKeyConflict { chain_id } => write!(
                f,
                "a distribution for chain {chain_id} has another signing key than the one held"
            ),
            Self::LinkAuthenticationFailed => {
                f.write_str("the device-link approval does not authenticate under the link secret")
            }
            Self::InvalidAttachmentPointer { reason } => {
                write!(f, "invalid attachment pointer: {reason}")
            }
            Self::InvalidAttachmentHeader { reason } => {
                write!(f, "invalid encrypted-file header: {reason}")
            }
            Self::AttachmentWrongKey => {
                f.write_str("the encrypted file was not made with this pointer's key")
            }
            Self::AttachmentTruncated { segment } => {
                write!(f, "the encrypted file is cut short at segment {segment}")
            }
            Self::AttachmentSegmentInvalid { segment } => write!(
                f,
                "segment {segment} of the encrypted file does not authenticate at its position"
            ),
            Self::AttachmentTrailingData => {
                f.write_str("bytes follow the encrypted file's final segment")
            }
            Self::InvalidAttachmentPadding => f.write_str("the file's padding is not all zeros"),
            Self::AttachmentDigestMismatch => {
                f.write_str("the encrypted file's SHA-256 is not the pointer's")
            }
            Self::Io { kind } => write!(f, "I/O error: {kind}"),
            Self::StoreConflict { record } => write!(
                f,
                "the {record} changed in the store since it was read: load it again and retry"
            ),
            Self::SealedRecordInvalid { record } => write!(
                f,
                "a sealed {record} does not open under the storage key at its row and revision"
            ),
            Self::NoGroupSession => write!(f, "no session of this group is stored"),
            Self::UnknownKemPreKey { id } => write!(f, "unknown KEM prekey {id}"),
            Self::KemPreKeyConsumed { id } => {
                write!(f, "one-time KEM prekey {id} was already consumed")
            }
            Self::KemPreKeyReused { id } => write!(
                f,
                "last-resort KEM prekey {id} was already used with this base key"
            ),
            Self::PostQuantumRequired => {
                f.write_str("the post-quantum hybrid set-up is required and missing")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    /// Gives back the hushwire error an attachment reader or writer wrapped in an I/O error
    /// (so `?` on [`std::io::Read`] calls of a [`crate::AttachmentOpener`] yields, say,
    /// [`Error::AttachmentSegmentInvalid`]); any other I/O error becomes [`Error::Io`] with its
    /// kind only: its message can name paths and other application detail, and hushwire's
    /// errors are `Clone + Eq`.
    fn from(error: std::io::Error) -> Self {
        match error.get_ref().and_then(|e| e.downcast_ref::<Self>()) {
            Some(inner) => inner.clone(),
            None => Self::Io { kind: error.kind() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant, so that the tests below cover them all: adding a variant
    /// without adding it here fails to compile in `kind` and `category` (exhaustive matches),
    /// and fails `kinds_are_listed_once` if `KINDS` is not updated.
    fn every_variant() -> Vec<Error> {
        vec![
            Error::TooLarge { len: 2, max: 1 },
            Error::MalformedProtobuf,
            Error::NonCanonicalEncoding,
            Error::UnsupportedVersion { found: 2 },
            Error::MissingField { field: "x" },
            Error::InvalidLength {
                field: "x",
                expected: 32,
                found: 1,
            },
            Error::InvalidPublicKey,
            Error::LowOrderPublicKey,
            Error::NonContributoryKeyAgreement,
            Error::InvalidSignature,
            Error::UnknownSignedPreKey { id: 1 },
            Error::UnknownOneTimePreKey { id: 1 },
            Error::OneTimePreKeyConsumed { id: 1 },
            Error::PreKeyMessageMismatch,
            Error::DecryptionFailed,
            Error::DuplicateMessage,
            Error::TooManySkippedMessages { skip: 2, max: 1 },
            Error::CounterExhausted,
            Error::InvalidSessionState,
            Error::SessionStateCorrupted,
            Error::NotAPreKeyMessage,
            Error::Store(StoreError::new("disk full")),
            Error::CryptoProviderFailed,
            Error::InvalidAccountId { len: 0 },
            Error::SafetyNumberMismatch,
            Error::SafetyNumberVersionMismatch { theirs: 2, ours: 1 },
            Error::VerificationCancelled {
                reason: crate::CancelReason::MacMismatch,
                by_peer: false,
            },
            Error::IdentityChanged { was_verified: true },
            Error::IdentityMismatch,
            Error::InvalidTrustRecord,
            Error::VerificationInProgress,
            Error::VerificationLockedOut { retry_after: 600 },
            Error::InvalidCertificate { reason: "x" },
            Error::InvalidDisplayName { reason: "x" },
            Error::UnknownTrustRoot { key_id: 9 },
            Error::InvalidCertificateSignature {
                certificate: "issuer",
            },
            Error::CertificateNotYetValid {
                certificate: "issuer",
            },
            Error::CertificateExpired {
                certificate: "business",
            },
            Error::CertificateOutOfScope { reason: "level" },
            Error::CertificateRevoked {
                certificate: "business",
                serial: 7,
            },
            Error::RevocationListStale { signer: "issuer" },
            Error::RevocationListRollback { held: 2, found: 1 },
            Error::BusinessKeyChangeRefused,
            Error::InvalidDeviceList { reason: "x" },
            Error::InvalidDeviceListSignature,
            Error::DeviceListExpired { expires_at: 5 },
            Error::DeviceListLifetimeTooLong {
                lifetime: 9,
                max: 8,
            },
            Error::DeviceListRollback { held: 3, found: 2 },
            Error::DeviceListConflict { version: 3 },
            Error::DeviceNotListed { device: 4 },
            Error::MisaddressedMessage { field: "recipient" },
            Error::SessionsMissing { devices: vec![] },
            Error::NoSession,
            Error::LinkAuthenticationFailed,
            Error::InvalidGroupId { len: 0 },
            Error::WrongGroup,
            Error::NotAGroupMember { device: 3 },
            Error::UnknownSenderKey { chain_id: 9 },
            Error::SenderKeyConflict { chain_id: 9 },
            Error::InvalidAttachmentPointer { reason: "x" },
            Error::InvalidAttachmentHeader { reason: "x" },
            Error::AttachmentWrongKey,
            Error::AttachmentTruncated { segment: 3 },
            Error::AttachmentSegmentInvalid { segment: 2 },
            Error::AttachmentTrailingData,
            Error::InvalidAttachmentPadding,
            Error::AttachmentDigestMismatch,
            Error::Io {
                kind: std::io::ErrorKind::UnexpectedEof,
            },
            Error::StoreConflict {
                record: "session_record",
            },
            Error::SealedRecordInvalid {
                record: "session_record",
            },
            Error::NoGroupSession,
            Error::UnknownKemPreKey { id: 1 },
            Error::KemPreKeyConsumed { id: 1 },
            Error::KemPreKeyReused { id: 1 },
            Error::PostQuantumRequired,
        ]
    }

    #[test]
    fn io_errors_give_back_a_wrapped_error_or_keep_their_kind() {
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            Error::AttachmentTruncated { segment: 2 },
        );
        assert_eq!(
            Error::from(wrapped),
            Error::AttachmentTruncated { segment: 2 }
        );
        let plain = std::io::Error::new(std::io::ErrorKind::NotFound, "/home/someone/secret.txt");
        let error = Error::from(plain);
        assert_eq!(
            error,
            Error::Io {
                kind: std::io::ErrorKind::NotFound
            }
        );
        assert!(!format!("{error:?}{error}").contains("secret"));
    }

    #[test]
    fn kinds_are_listed_once_and_match_debug_names() {
        let kinds: Vec<&str> = every_variant().iter().map(Error::kind).collect();
        assert_eq!(kinds, Error::KINDS);
        for error in every_variant() {
            // The name is the variant's identifier: what `Debug` starts with.
            assert!(format!("{error:?}").starts_with(error.kind()), "{error:?}");
        }
    }

    #[test]
    fn store_errors_keep_their_source_and_category() {
        let io = std::io::Error::other("connection reset");
        let error = Error::from(StoreError::with_source("load session", io));
        assert_eq!(error.category(), ErrorCategory::Store);
        let source = std::error::Error::source(&error).and_then(|e| e.source());
        assert_eq!(
            source.map(|e| e.to_string()).as_deref(),
            Some("connection reset")
        );
        assert_eq!(error.to_string(), "store failed: load session");
    }
}
