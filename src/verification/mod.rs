//! Identity verification (SPEC.md section 12): safety numbers and their QR codes, short
//! authentication strings, and trust on first use with key-change events.
//!
//! A person verifies a peer's identity key in one of three ways, each ending in a
//! [`VerifiedIdentity`]: comparing the [`SafetyNumber`]'s 60 digits, scanning its QR code, or
//! a [`Sas`] exchange. A [`TrustOnFirstUse`] records the first key seen for each peer, applies
//! such a proof, and reports an [`IdentityChange`] when the key changes.

pub(crate) mod account_id;
pub(crate) mod fingerprint;
#[cfg(feature = "qr")]
pub(crate) mod qr;
pub(crate) mod safety_number;
pub(crate) mod sas;
pub(crate) mod trust;
pub(crate) mod verified;
