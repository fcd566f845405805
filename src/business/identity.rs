//! A verified business: what a validated certificate chain says (SPEC.md 13.4), and how a
//! session stores it (SPEC.md 13.5).

use crate::Error;
use crate::business::certificate::BusinessTemplate;
use crate::business::fields::{BusinessId, PhoneNumber, Website, optional};
use crate::business::level::VerificationLevel;
use crate::business::name::DisplayName;
use crate::business::validity::Validity;
use crate::identity::IdentityKey;
use crate::proto;
use crate::timestamp::Timestamp;

/// A business whose certificate chain validated: the only type the rest of the API accepts as
/// "verified business". Made only by [`crate::BusinessCertificateIn::validate`] (and by a
/// session loading what it stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBusiness {
    certified: BusinessTemplate,
    root_key_id: u32,
    issuer_key: IdentityKey,
    fresh_until: Timestamp,
}

impl VerifiedBusiness {
    pub(crate) fn new(
        certified: BusinessTemplate,
        root_key_id: u32,
        issuer_key: IdentityKey,
        fresh_until: Timestamp,
    ) -> Self {
        Self {
            certified,
            root_key_id,
            issuer_key,
            fresh_until,
        }
    }

    /// Until when the validation that made this value holds (SPEC.md 13.4): the earliest of
    /// the two certificates' `not_after` plus the clock skew, and the two revocation lists'
    /// `issued_at` plus their maximum age. Trust on first use accepts a key change on its
    /// strength only until then (SPEC.md 13.6); after it, validate the business's current
    /// chain again.
    pub fn fresh_until(&self) -> Timestamp {
        self.fresh_until
    }

    /// Whether the validation still holds at `now` (`now` ≤ [`fresh_until`](Self::fresh_until)).
    pub fn is_fresh_at(&self, now: Timestamp) -> bool {
        now <= self.fresh_until
    }

    /// The business account's identity key, which the chain certifies.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.certified.identity_key
    }

    /// The stable business id.
    pub fn business_id(&self) -> &BusinessId {
        &self.certified.business_id
    }

    /// The verified name, to show ("verified business: Acme Shoes").
    pub fn display_name(&self) -> &DisplayName {
        &self.certified.display_name
    }

    /// The verification level.
    pub fn level(&self) -> VerificationLevel {
        self.certified.level
    }

    /// The certified phone number, if any.
    pub fn phone_number(&self) -> Option<&PhoneNumber> {
        self.certified.phone_number.as_ref()
    }

    /// The certified website, if any.
    pub fn website(&self) -> Option<&Website> {
        self.certified.website.as_ref()
    }

    /// The business certificate's serial.
    pub fn serial(&self) -> u64 {
        self.certified.serial
    }

    /// The start of the business certificate's validity.
    pub fn valid_from(&self) -> Timestamp {
        self.certified.validity.not_before()
    }

    /// The end of the business certificate's validity.
    pub fn valid_until(&self) -> Timestamp {
        self.certified.validity.not_after()
    }

    /// The id of the root the chain leads to.
    pub fn root_key_id(&self) -> u32 {
        self.root_key_id
    }

    /// The key of the issuer that certified the business.
    pub fn issuer_key(&self) -> &IdentityKey {
        &self.issuer_key
    }

    /// The stored form, in a session (SPEC.md 13.5).
    pub(crate) fn to_proto(&self) -> proto::BusinessIdentity {
        let c = &self.certified;
        proto::BusinessIdentity {
            business_id: c.business_id.as_str().to_owned(),
            display_name: c.display_name.as_str().to_owned(),
            level: c.level.code(),
            phone_number: c
                .phone_number
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            website: c
                .website
                .as_ref()
                .map(|w| w.as_str().to_owned())
                .unwrap_or_default(),
            serial: c.serial,
            not_after: c.validity.not_after().as_unix_seconds(),
            root_key_id: self.root_key_id,
            issuer_key: self.issuer_key.to_bytes().to_vec(),
            not_before: c.validity.not_before().as_unix_seconds(),
            fresh_until: self.fresh_until.as_unix_seconds(),
        }
    }

    /// Loads the stored form for the session whose peer is `identity_key` (SPEC.md 9.2): every
    /// field is checked again; any failure is [`Error::InvalidSessionState`].
    pub(crate) fn from_proto(
        stored: &proto::BusinessIdentity,
        identity_key: IdentityKey,
    ) -> Result<Self, Error> {
        let load = || -> Result<Self, Error> {
            Ok(Self {
                certified: BusinessTemplate {
                    serial: stored.serial,
                    identity_key,
                    business_id: BusinessId::new(&stored.business_id)?,
                    display_name: DisplayName::new(&stored.display_name)?,
                    level: VerificationLevel::from_code(stored.level)?,
                    validity: Validity::new(
                        Timestamp::from_unix_seconds(stored.not_before),
                        Timestamp::from_unix_seconds(stored.not_after),
                    )?,
                    phone_number: optional(&stored.phone_number, PhoneNumber::new)?,
                    website: optional(&stored.website, Website::new)?,
                },
                root_key_id: stored.root_key_id,
                issuer_key: IdentityKey::from_bytes(&stored.issuer_key)?,
                fresh_until: Timestamp::from_unix_seconds(stored.fresh_until),
            })
        };
        load().map_err(|_| Error::InvalidSessionState)
    }
}
