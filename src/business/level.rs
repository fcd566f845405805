//! Verification levels, and the set of levels an issuer may certify (SPEC.md 13.2).

use crate::Error;

/// How thoroughly the issuer checked a business (SPEC.md 13.2). An app shows the level next
/// to the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerificationLevel {
    /// Code 1: the business is registered (its legal existence and the account's control of
    /// it were checked).
    Registered,
    /// Code 2: also its brand and the people running the account were checked; apps show a
    /// verified badge.
    Verified,
    /// Code 3: an official account of a well-known organisation.
    Official,
}

impl VerificationLevel {
    /// Every level, lowest first.
    pub const ALL: [Self; 3] = [Self::Registered, Self::Verified, Self::Official];

    /// The level's code on the wire.
    pub fn code(self) -> u32 {
        match self {
            Self::Registered => 1,
            Self::Verified => 2,
            Self::Official => 3,
        }
    }

    /// The level with `code`.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"level"`) for a code that is not 1, 2 or 3.
    pub fn from_code(code: u32) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|level| level.code() == code)
            .ok_or(Error::InvalidCertificate { reason: "level" })
    }

    /// The level's name in English, for display.
    pub fn name(self) -> &'static str {
        match self {
            Self::Registered => "registered business",
            Self::Verified => "verified business",
            Self::Official => "official business",
        }
    }
}

/// The verification levels an issuer may certify: bit L of the wire value set for level L.
/// Never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelSet(u32);

impl LevelSet {
    /// The set of `levels`.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"allowed_levels"`) if `levels` is empty.
    pub fn new(levels: &[VerificationLevel]) -> Result<Self, Error> {
        Self::from_bits(
            levels
                .iter()
                .fold(0, |bits, level| bits | 1 << level.code()),
        )
    }

    /// The set with wire value `bits`.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"allowed_levels"`) if no level is set or a bit other
    /// than 1 to 3 is.
    pub fn from_bits(bits: u32) -> Result<Self, Error> {
        if bits == 0 || bits & !0b1110 != 0 {
            return Err(Error::InvalidCertificate {
                reason: "allowed_levels",
            });
        }
        Ok(Self(bits))
    }

    /// The wire value.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether `level` is in the set.
    pub fn contains(self, level: VerificationLevel) -> bool {
        self.0 & 1 << level.code() != 0
    }
}
