//! Business certificates: the chain a business publishes, decoded, then validated into a
//! [`VerifiedBusiness`] (SPEC.md 13.2 and 13.4).

use subtle::ConstantTimeEq;

use crate::Error;
use crate::business::fields::{BusinessId, PhoneNumber, Website, optional};
use crate::business::identity::VerifiedBusiness;
use crate::business::issuer::{IssuerCertificate, IssuerTemplate};
use crate::business::level::VerificationLevel;
use crate::business::name::DisplayName;
use crate::business::revocation::state::Revocations;
use crate::business::root::TrustRoots;
use crate::business::signed::SignedBody;
use crate::business::validity::Validity;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::proto;
use crate::signature::SignatureContext;
use crate::timestamp::Timestamp;

/// Largest encoded certificate chain a decoder reads, in bytes. A chain with every field at
/// its largest is under 1 KiB.
pub const MAX_CERTIFICATE_CHAIN_LEN: usize = 4096;

/// What an issuer certifies about a business.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessTemplate {
    /// Serial number, unique among the issuer key's business certificates.
    pub serial: u64,
    /// The business account's identity key.
    pub identity_key: IdentityKey,
    /// The stable business id.
    pub business_id: BusinessId,
    /// The name people see.
    pub display_name: DisplayName,
    /// The verification level.
    pub level: VerificationLevel,
    /// When the certificate is valid.
    pub validity: Validity,
    /// A phone number to show, if any.
    pub phone_number: Option<PhoneNumber>,
    /// A website to show, if any.
    pub website: Option<Website>,
}

impl BusinessTemplate {
    /// SPEC.md 13.4 step 5: within the issuer's scope.
    pub(crate) fn check_scope(&self, issuer: &IssuerTemplate) -> Result<(), Error> {
        if !issuer.allowed_levels.contains(self.level) {
            return Err(Error::CertificateOutOfScope { reason: "level" });
        }
        if !self.validity.within(&issuer.validity) {
            return Err(Error::CertificateOutOfScope { reason: "validity" });
        }
        Ok(())
    }

    fn to_body(&self, issuer_certificate_id: [u8; 32]) -> proto::BusinessCertificateBody {
        proto::BusinessCertificateBody {
            issuer_certificate_id: issuer_certificate_id.to_vec(),
            version: proto::VERSION,
            serial: self.serial,
            identity_key: self.identity_key.to_bytes().to_vec(),
            business_id: self.business_id.as_str().to_owned(),
            display_name: self.display_name.as_str().to_owned(),
            level: self.level.code(),
            not_before: self.validity.not_before().as_unix_seconds(),
            not_after: self.validity.not_after().as_unix_seconds(),
            phone_number: self
                .phone_number
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            website: self
                .website
                .as_ref()
                .map(|w| w.as_str().to_owned())
                .unwrap_or_default(),
        }
    }

    fn from_body(body: &proto::BusinessCertificateBody) -> Result<Self, Error> {
        Ok(Self {
            serial: body.serial,
            identity_key: IdentityKey::from_field(&body.identity_key, "identity_key")?,
            business_id: BusinessId::new(&body.business_id)?,
            display_name: DisplayName::new(&body.display_name)?,
            level: VerificationLevel::from_code(body.level)?,
            validity: Validity::new(
                Timestamp::from_unix_seconds(body.not_before),
                Timestamp::from_unix_seconds(body.not_after),
            )?,
            phone_number: optional(&body.phone_number, PhoneNumber::new)?,
            website: optional(&body.website, Website::new)?,
        })
    }
}

/// A business's certificate chain as it arrives: well-formed (SPEC.md 13.2) but **not
/// verified**. The only way to trust it is [`BusinessCertificateIn::validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessCertificateIn {
    issuer: IssuerCertificate,
    business: BusinessTemplate,
    issuer_certificate_id: [u8; 32],
    signed: SignedBody,
}

impl BusinessCertificateIn {
    pub(crate) fn sign(
        issuer_key: &IdentityKeyPair,
        issuer: IssuerCertificate,
        template: &BusinessTemplate,
    ) -> Self {
        let issuer_certificate_id = issuer.id();
        let body = prost::Message::encode_to_vec(&template.to_body(issuer_certificate_id));
        Self {
            issuer,
            business: template.clone(),
            issuer_certificate_id,
            signed: SignedBody::sign(issuer_key, SignatureContext::BusinessCertificate, body),
        }
    }

    /// Decodes an encoded `CertificateChain` strictly (SPEC.md 13.2).
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_CERTIFICATE_CHAIN_LEN`], and the decoding errors of
    /// SPEC.md 13.2 in its order.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_proto(proto::decode_strict(bytes, MAX_CERTIFICATE_CHAIN_LEN)?)
    }

    pub(crate) fn from_proto(chain: proto::CertificateChain) -> Result<Self, Error> {
        let issuer = chain
            .issuer
            .ok_or(Error::MissingField { field: "issuer" })?;
        let business = chain
            .business
            .ok_or(Error::MissingField { field: "business" })?;
        let issuer = IssuerCertificate::from_proto(issuer, "issuer.signature")?;
        let body: proto::BusinessCertificateBody =
            proto::decode_strict(&business.body, business.body.len())?;
        if body.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: body.version,
            });
        }
        let template = BusinessTemplate::from_body(&body)?;
        let issuer_certificate_id: [u8; 32] = body
            .issuer_certificate_id
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidLength {
                field: "issuer_certificate_id",
                expected: 32,
                found: body.issuer_certificate_id.len(),
            })?;
        let signed = SignedBody::received(
            SignatureContext::BusinessCertificate,
            business.body,
            &business.signature,
            "business.signature",
        )?;
        Ok(Self {
            issuer,
            business: template,
            issuer_certificate_id,
            signed,
        })
    }

    /// The encoded `CertificateChain`.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.to_proto())
    }

    pub(crate) fn to_proto(&self) -> proto::CertificateChain {
        proto::CertificateChain {
            issuer: Some(self.issuer.to_proto()),
            business: Some(proto::BusinessCertificate {
                body: self.signed.body().to_vec(),
                signature: self.signed.signature().to_vec(),
            }),
        }
    }

    /// The identity key the chain claims to certify (not yet verified).
    pub fn identity_key(&self) -> &IdentityKey {
        &self.business.identity_key
    }

    /// What the chain claims (not yet verified): for the issuer tool and for logs, never for
    /// display.
    pub fn claimed(&self) -> &BusinessTemplate {
        &self.business
    }

    /// The id of the issuer certificate the business certificate claims to be issued under
    /// (not yet verified; SPEC.md 13.4 step 5 checks it against the chain's).
    pub fn issuer_certificate_id(&self) -> &[u8; 32] {
        &self.issuer_certificate_id
    }

    /// The issuer certificate in the chain (not yet verified).
    pub fn issuer(&self) -> &IssuerCertificate {
        &self.issuer
    }

    /// Validates the chain at `now` (SPEC.md 13.4), in order: the issuer certificate's root is
    /// pinned, its signature verifies and it is valid at `now`; the business certificate's
    /// signature verifies under the issuer's key; it is within the issuer's scope (issued under
    /// this issuer certificate, a level it may certify, within its validity window); it is
    /// valid at `now`; neither certificate is revoked, by revocation lists recent enough.
    ///
    /// The result holds until [`VerifiedBusiness::fresh_until`]: the earliest of the two
    /// certificates' expiry and the two lists' maximum age.
    ///
    /// # Errors
    /// [`Error::UnknownTrustRoot`], [`Error::InvalidCertificateSignature`],
    /// [`Error::CertificateNotYetValid`], [`Error::CertificateExpired`],
    /// [`Error::CertificateOutOfScope`], [`Error::RevocationListStale`],
    /// [`Error::CertificateRevoked`]: the first check that fails.
    pub fn validate(
        self,
        roots: &TrustRoots,
        now: Timestamp,
        revocations: &Revocations,
    ) -> Result<VerifiedBusiness, Error> {
        let skew = roots.policy().max_clock_skew_seconds;
        self.issuer.verify(roots, now)?;
        let issuer = self.issuer.template();
        self.signed.verify(&issuer.issuer_key, "business")?;
        if !bool::from(self.issuer_certificate_id.ct_eq(&self.issuer.id())) {
            return Err(Error::CertificateOutOfScope { reason: "issuer" });
        }
        self.business.check_scope(issuer)?;
        self.business.validity.check(now, skew, "business")?;
        let lists_fresh_until = revocations.check(
            roots,
            now,
            self.issuer.root_key_id(),
            issuer,
            self.business.serial,
        )?;
        let expiry = |validity: &Validity| {
            Timestamp::from_unix_seconds(
                validity.not_after().as_unix_seconds().saturating_add(skew),
            )
        };
        let fresh_until = lists_fresh_until
            .min(expiry(&self.business.validity))
            .min(expiry(&issuer.validity));
        Ok(VerifiedBusiness::new(
            self.business,
            self.issuer.root_key_id(),
            issuer.issuer_key,
            fresh_until,
        ))
    }
}
