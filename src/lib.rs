//! # hushwire
//!
//! End-to-end encryption for messaging: identity keys, signed and one-time prekeys, X3DH key
//! agreement, and the Double Ratchet with ChaCha20-Poly1305, behind a strict protobuf
//! envelope; and identity verification: safety numbers with QR codes ([`SafetyNumber`]),
//! short authentication strings ([`Sas`]), and trust on first use with key-change events
//! ([`TrustOnFirstUse`]); and verified business accounts: certificate chains from a pinned
//! root ([`BusinessCertificateIn`] → [`VerifiedBusiness`]) with revocation ([`Revocations`]);
//! and multi-device accounts: signed device lists ([`DeviceListIn`] →
//! [`VerifiedDeviceList`]), device linking ([`PendingLink`]), session records
//! ([`SessionRecord`]) and fan-out to every device ([`DeviceSessions`]); and group chats with
//! Sender Keys ([`GroupSession`]); and attachments: files sealed in constant memory under their
//! own key, opened as a stream or at random ([`AttachmentSealer`], [`AttachmentOpener`],
//! [`SeekableAttachment`]), sent as an [`AttachmentPointer`] inside a [`Payload`]; and, with
//! the `store` cargo feature, stores for backends (`hushwire::store`, SPEC.md 17): async store
//! traits whose every write is a compare-and-swap, `Conversations`, which never lets two
//! workers use one session state, an in-memory store and (feature `sqlite`) a SQLite store,
//! either sealed at rest.
//!
//! The protocol, byte for byte, is in `SPEC.md`. Start with [`Session`].
//!
//! X25519 and ChaCha20-Poly1305 come from a [`CryptoProvider`] chosen in [`Config::provider`]:
//! [`provider::RUST_CRYPTO`] (pure Rust, the default) or, with the `aws-lc-rs` cargo feature,
//! `provider::AWS_LC_RS` for backends. Both give the same bytes and refuse the same inputs.
//!
//! Design rules, enforced by the types:
//! - our secrets and the peer's public keys are distinct types ([`IdentityKeyPair`] /
//!   [`IdentityKey`], [`SignedPreKeyPair`] / [`SignedPreKey`]);
//! - bytes from the network become usable only through fallible constructors
//!   ([`PreKeyBundleIn::validate`], [`Envelope::decode`], [`X25519PublicKey::from_bytes`]);
//! - all randomness comes from an `rng` argument, so a seeded RNG reproduces every output;
//! - decryption is transactional: after an error the session is exactly as it was;
//! - secrets are zeroized on drop and never appear in `Debug` output or errors.

mod attachment;
mod bundle;
mod business;
mod chain;
mod config;
mod device;
mod error;
mod group;
#[cfg(feature = "hazmat")]
pub mod hazmat;
mod identity;
mod kem;
mod message;
mod prekey;
mod prekey_store;
mod primitives;
mod proto;
pub mod provider;
mod ratchet;
mod session;
mod signature;
#[cfg(feature = "store")]
pub mod store;
mod stored_prekey;
mod timestamp;
mod verification;
mod x3dh;

pub use attachment::MAX_ATTACHMENT_LEN;
pub use attachment::file_key::{FILE_KEY_LEN, FileKey};
pub use attachment::header::{ATTACHMENT_HEADER_LEN, ATTACHMENT_VERSION, SegmentSize};
pub use attachment::metadata::{
    AttachmentMetadata, ContentType, FileName, MAX_CONTENT_TYPE_LEN, MAX_FILE_NAME_LEN,
    MAX_THUMBNAIL_LEN, Thumbnail,
};
pub use attachment::open::AttachmentOpener;
pub use attachment::padding::{Padding, padme};
pub use attachment::payload::Payload;
pub use attachment::pointer::{
    ATTACHMENT_DIGEST_LEN, AttachmentPointer, MAX_ATTACHMENT_POINTER_LEN,
};
pub use attachment::seal::{AttachmentOptions, AttachmentSealer};
pub use attachment::seek::SeekableAttachment;
pub use attachment::whole::{open_bytes, open_to_file, seal_bytes, seal_to_file};
pub use bundle::{PreKeyBundle, PreKeyBundleIn};
pub use business::certificate::{
    BusinessCertificateIn, BusinessTemplate, MAX_CERTIFICATE_CHAIN_LEN,
};
pub use business::fields::{
    BusinessId, MAX_BUSINESS_ID_LEN, MAX_WEBSITE_LEN, PhoneNumber, Website,
};
pub use business::identity::VerifiedBusiness;
pub use business::issuer::{IssuerCertificate, IssuerKeyPair, IssuerTemplate};
pub use business::level::{LevelSet, VerificationLevel};
pub use business::name::{DisplayName, MAX_COMBINING_MARKS_IN_A_ROW, MAX_DISPLAY_NAME_CHARS};
pub use business::policy::CertificatePolicy;
pub use business::revocation::list::{MAX_REVOCATION_LIST_LEN, RevocationList, RevocationSigner};
pub use business::revocation::state::{RevocationUpdate, Revocations};
pub use business::root::{RootKeyPair, TrustRoot, TrustRoots};
pub use business::validity::Validity;
pub use config::{
    Config, MAX_ARCHIVED_SESSIONS, MAX_SENDER_KEY_CHAINS, MAX_STORED_ENTRIES,
    MAX_STORED_RECORD_LEN, MAX_STORED_STATE_LEN,
};
pub use device::link::{LINK_SECRET_LEN, LinkOffer, LinkedDevice, PendingLink};
pub use device::list::{
    DeviceListChanges, DeviceListIn, MAX_DEVICE_LIST_LEN, MAX_DEVICES, VerifiedDeviceList,
};
pub use device::message::{DeviceMessage, MAX_DEVICE_MESSAGE_OVERHEAD};
pub use device::policy::{DEFAULT_DEVICE_LIST_LIFETIME_SECONDS, DeviceListPolicy};
pub use device::record::StoredSessionRecord;
pub use device::sessions::{DeviceConsistency, Received};
pub use device::{
    AccountKey, AccountKeyPair, DeviceAddress, DeviceId, DeviceSessions, SessionRecord,
};
pub use error::{Error, ErrorCategory, StoreError};
pub use group::distribution::{MAX_DISTRIBUTION_LEN, SenderKeyDistribution};
pub use group::id::{GroupId, MAX_GROUP_ID_LEN};
pub use group::message::{GroupMessage, MAX_GROUP_MESSAGE_OVERHEAD};
pub use group::session::{DistributionOutcome, GroupSession, MAX_GROUP_MEMBERS};
pub use group::stored::{MAX_STORED_GROUP_LEN, StoredGroupSession};
pub use identity::{IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair, IdentitySeed};
pub use kem::encapsulation::KemEncapsulation;
pub use kem::ml_kem::{
    KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KEM_SECRET_KEY_LEN, KEM_SHARED_SECRET_LEN,
    KemCiphertext, KemPublicKey,
};
pub use kem::policy::PostQuantumPolicy;
pub use kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
pub use message::{Envelope, PreKeyMessage, RatchetMessage};
pub use prekey::{
    OneTimePreKey, OneTimePreKeyId, OneTimePreKeyPair, SignedPreKey, SignedPreKeyId,
    SignedPreKeyPair,
};
pub use prekey_store::{InMemoryPreKeyStore, PreKeyStore};
pub use primitives::x25519::{X25519_LEN, X25519PublicKey};
pub use provider::CryptoProvider;
pub use ratchet::header::Header;
pub use session::{
    Acceptance, KemPreKeyUse, PreKeyUses, SESSION_ID_LEN, Session, SessionId, StoredSession,
};
pub use signature::SIGNATURE_LEN;
pub use stored_prekey::StoredPreKey;
pub use timestamp::Timestamp;
pub use verification::account_id::{AccountId, MAX_ACCOUNT_ID_LEN};
pub use verification::fingerprint::SAFETY_NUMBER_ITERATIONS;
pub use verification::safety_number::{SAFETY_NUMBER_VERSION, SafetyNumber, ScannedSafetyNumber};
pub use verification::sas::attempts::{SasAttempts, SasLimits};
pub use verification::sas::derive::{SAS_VERSION, TRANSACTION_ID_LEN};
pub use verification::sas::emoji::{SAS_EMOJI, SasEmoji};
pub use verification::sas::message::{
    CancelReason, MAX_VERIFICATION_MESSAGE_LEN, TransactionId, VerificationContent,
    VerificationMessage,
};
pub use verification::sas::state::{
    Sas, SasAwaitingKey, SasCancelled, SasConfirmation, SasConfirmed, SasReady, SasResponded,
    SasStarted,
};
pub use verification::trust::decision::{
    IdentityChange, Observation, observe_business_identity, observe_identity,
};
pub use verification::trust::policy::KeyChangePolicy;
pub use verification::trust::record::{MAX_TRUST_RECORD_LEN, TrustLevel, TrustRecord};
pub use verification::trust::store::{InMemoryTrustStore, TrustStore};
pub use verification::trust::tofu::TrustOnFirstUse;
pub use verification::verified::{VerificationMethod, VerifiedIdentity};

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
