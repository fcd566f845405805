//! A trust record: the key trusted on first use, and how far it is trusted (SPEC.md 12.6).

use crate::Error;
use crate::business::fields::BusinessId;
use crate::identity::IdentityKey;
use crate::proto::{self, trust_record::Level};
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::trust::decision::IdentityChange;
use crate::verification::verified::{VerificationMethod, VerifiedIdentity};

/// Largest stored trust record we decode. A valid one is at most 151 bytes.
pub const MAX_TRUST_RECORD_LEN: usize = 256;

/// How far a peer's current identity key is trusted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustLevel {
    /// Trusted on first use, never verified by a person (or a change was acknowledged).
    Unverified,
    /// A person verified this key.
    Verified {
        /// How.
        method: VerificationMethod,
        /// When.
        at: Timestamp,
    },
    /// The peer's key changed from `previous`, and nobody has acknowledged it yet. Sending is
    /// held under [`crate::KeyChangePolicy::HoldUntilAcknowledged`].
    Changed {
        /// The key trusted before.
        previous: IdentityKey,
        /// Whether the change lost a verification: the previous key was verified, or was
        /// itself an unacknowledged change from a verified key.
        previous_was_verified: bool,
    },
}

/// What we trust about one peer: its identity key, when we first saw it, the level, and the
/// verified business the peer's key was certified for, if it ever showed a certificate
/// (SPEC.md 13.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustRecord {
    identity: IdentityKey,
    first_seen: Timestamp,
    level: TrustLevel,
    business: Option<BusinessId>,
}

impl TrustRecord {
    /// A key seen for the first time: unverified.
    pub(crate) fn first_use(
        identity: IdentityKey,
        now: Timestamp,
        business: Option<BusinessId>,
    ) -> Self {
        Self {
            identity,
            first_seen: now,
            level: TrustLevel::Unverified,
            business,
        }
    }

    /// A new key replacing this record's: changed, unverified. A record bound to a business
    /// stays bound to it; an unbound one takes `business`.
    pub(crate) fn changed_to(
        &self,
        identity: IdentityKey,
        now: Timestamp,
        business: Option<BusinessId>,
    ) -> Self {
        Self {
            identity,
            first_seen: now,
            level: TrustLevel::Changed {
                previous: self.identity,
                previous_was_verified: self.lost_verification(),
            },
            business: self.business.clone().or(business),
        }
    }

    /// This record, bound to `business` (its key was shown with a valid certificate).
    pub(crate) fn bound_to(&self, business: BusinessId) -> Self {
        Self {
            business: Some(business),
            ..self.clone()
        }
    }

    /// The verified business this peer's key was certified for, once and for good: a later
    /// key is accepted only with a valid certificate for the same business (SPEC.md 13.6).
    pub fn business(&self) -> Option<&BusinessId> {
        self.business.as_ref()
    }

    /// Whether replacing this record's key would lose a verification.
    fn lost_verification(&self) -> bool {
        match self.level {
            TrustLevel::Verified { .. } => true,
            TrustLevel::Changed {
                previous_was_verified,
                ..
            } => previous_was_verified,
            TrustLevel::Unverified => false,
        }
    }

    /// The peer's identity key this record trusts.
    pub fn identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// When that key was first seen.
    pub fn first_seen(&self) -> Timestamp {
        self.first_seen
    }

    /// The level.
    pub fn level(&self) -> TrustLevel {
        self.level
    }

    /// The unacknowledged change this record holds, as the event to show: for a record whose
    /// level is [`TrustLevel::Changed`] (the key now on record is `new`, seen at
    /// `first_seen`). What an application shows when sending is held.
    pub fn pending_change(&self, peer: &AccountId) -> Option<IdentityChange> {
        match self.level {
            TrustLevel::Changed {
                previous,
                previous_was_verified,
            } => Some(IdentityChange {
                peer: peer.clone(),
                previous,
                new: self.identity,
                was_verified: previous_was_verified,
                seen_at: self.first_seen,
            }),
            _ => None,
        }
    }

    /// True if a person verified this record's key.
    pub fn is_verified(&self) -> bool {
        matches!(self.level, TrustLevel::Verified { .. })
    }

    /// The record once `proof` is applied: verified, by the proof's method and time.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if the proof is about another key than this record's (the
    /// key changed while the person was verifying): nothing changes.
    pub fn verify(&self, proof: &VerifiedIdentity) -> Result<Self, Error> {
        if proof.identity() != &self.identity {
            return Err(Error::IdentityMismatch);
        }
        Ok(Self {
            identity: self.identity,
            first_seen: self.first_seen,
            level: TrustLevel::Verified {
                method: proof.method(),
                at: proof.verified_at(),
            },
            business: self.business.clone(),
        })
    }

    /// The record once a person acknowledged the change to `identity`: unverified, so sending
    /// resumes. Other levels are returned as they are.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if `identity` is not this record's key (the person
    /// acknowledged a key that has changed again since).
    pub fn acknowledge(&self, identity: &IdentityKey) -> Result<Self, Error> {
        if identity != &self.identity {
            return Err(Error::IdentityMismatch);
        }
        let mut next = self.clone();
        if let TrustLevel::Changed { .. } = self.level {
            next.level = TrustLevel::Unverified;
        }
        Ok(next)
    }

    /// The stored form (SPEC.md 12.6): a canonical `TrustRecord` protobuf.
    pub fn to_bytes(&self) -> Vec<u8> {
        let level = match self.level {
            TrustLevel::Unverified => Level::Unverified(proto::TrustUnverified {}),
            TrustLevel::Verified { method, at } => Level::Verified(proto::TrustVerified {
                method: method.code(),
                verified_at: at.as_unix_seconds(),
            }),
            TrustLevel::Changed {
                previous,
                previous_was_verified,
            } => Level::Changed(proto::TrustChanged {
                previous_identity_key: previous.to_bytes().to_vec(),
                previous_was_verified,
            }),
        };
        prost::Message::encode_to_vec(&proto::TrustRecord {
            version: proto::VERSION,
            identity_key: self.identity.to_bytes().to_vec(),
            first_seen: self.first_seen.as_unix_seconds(),
            level: Some(level),
            business_id: self
                .business
                .as_ref()
                .map(|id| id.as_str().to_owned())
                .unwrap_or_default(),
        })
    }

    /// Loads a stored record, strictly (SPEC.md 12.6).
    ///
    /// # Errors
    /// The decoding errors of [`Error`]; the identity-key errors for either key;
    /// [`Error::InvalidTrustRecord`] for a verification method this version does not know, a
    /// previous key equal to the current one, or a malformed business id.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let record: proto::TrustRecord = proto::decode_strict(bytes, MAX_TRUST_RECORD_LEN)?;
        if record.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: record.version,
            });
        }
        let identity = IdentityKey::from_field(&record.identity_key, "identity_key")?;
        let level = match record.level {
            Some(Level::Unverified(_)) => TrustLevel::Unverified,
            Some(Level::Verified(verified)) => TrustLevel::Verified {
                method: VerificationMethod::from_code(verified.method)
                    .ok_or(Error::InvalidTrustRecord)?,
                at: Timestamp::from_unix_seconds(verified.verified_at),
            },
            Some(Level::Changed(changed)) => {
                let previous = IdentityKey::from_field(
                    &changed.previous_identity_key,
                    "previous_identity_key",
                )?;
                if previous == identity {
                    return Err(Error::InvalidTrustRecord);
                }
                TrustLevel::Changed {
                    previous,
                    previous_was_verified: changed.previous_was_verified,
                }
            }
            None => return Err(Error::MissingField { field: "level" }),
        };
        let business = match record.business_id.as_str() {
            "" => None,
            id => Some(BusinessId::new(id).map_err(|_| Error::InvalidTrustRecord)?),
        };
        Ok(Self {
            identity,
            first_seen: Timestamp::from_unix_seconds(record.first_seen),
            level,
            business,
        })
    }
}
