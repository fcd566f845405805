//! The proof that a person verified a peer's identity key.

use crate::identity::IdentityKey;
use crate::timestamp::Timestamp;

/// How a person verified a peer's identity key.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerificationMethod {
    /// The two people compared the 60-digit safety number and said it matched.
    SafetyNumber,
    /// One device scanned the other's QR code, and the payloads matched.
    QrCode,
    /// The two people compared a short authentication string (emoji or numbers) and both
    /// devices checked the other's MAC.
    Sas,
}

impl VerificationMethod {
    /// The code stored in a trust record (SPEC.md 12.6).
    pub(crate) fn code(self) -> u32 {
        match self {
            Self::SafetyNumber => 1,
            Self::QrCode => 2,
            Self::Sas => 3,
        }
    }

    /// The method with stored `code`, if there is one.
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Self::SafetyNumber),
            2 => Some(Self::QrCode),
            3 => Some(Self::Sas),
            _ => None,
        }
    }
}

/// Proof that a person verified `identity()` by `method()` at `verified_at()`.
///
/// Only a successful verification makes one: [`crate::SafetyNumber::confirm_compared`] (the
/// person says the digits match), [`crate::SafetyNumber::verify_scanned`] (a scanned QR code
/// matched) or a completed SAS exchange ([`crate::SasConfirmed::receive_mac`]). A trust
/// record becomes verified only with one ([`crate::TrustRecord::verify`]), and only for the
/// key it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedIdentity {
    identity: IdentityKey,
    method: VerificationMethod,
    verified_at: Timestamp,
}

impl VerifiedIdentity {
    pub(crate) fn new(
        identity: IdentityKey,
        method: VerificationMethod,
        verified_at: Timestamp,
    ) -> Self {
        Self {
            identity,
            method,
            verified_at,
        }
    }

    /// The identity key that was verified.
    pub fn identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// How.
    pub fn method(&self) -> VerificationMethod {
        self.method
    }

    /// When.
    pub fn verified_at(&self) -> Timestamp {
        self.verified_at
    }
}
