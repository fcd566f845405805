//! Issuer certificates and the issuer's key pair (SPEC.md 13.2).

use core::fmt;

use rand::CryptoRng;

use crate::Error;
use crate::business::certificate::{BusinessCertificateIn, BusinessTemplate};
use crate::business::level::LevelSet;
use crate::business::revocation::list::RevocationList;
use crate::business::root::TrustRoots;
use crate::business::signed::SignedBody;
use crate::business::validity::Validity;
use crate::identity::{IdentityKey, IdentityKeyPair, IdentitySeed};
use crate::primitives::hash::{LABEL_ISSUER_CERTIFICATE_ID, labelled_sha256};
use crate::proto;
use crate::signature::SignatureContext;
use crate::timestamp::Timestamp;

/// What a root certifies about an issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerTemplate {
    /// Serial number, unique among the root's issuer certificates.
    pub serial: u64,
    /// The issuer's public key.
    pub issuer_key: IdentityKey,
    /// When the certificate is valid.
    pub validity: Validity,
    /// The levels the issuer may certify.
    pub allowed_levels: LevelSet,
}

/// An issuer certificate, well-formed (SPEC.md 13.2 decoding checks) but **not verified**: on
/// its own it proves nothing. It is verified as part of a chain
/// ([`BusinessCertificateIn::validate`]) or of a revocation list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerCertificate {
    root_key_id: u32,
    template: IssuerTemplate,
    signed: SignedBody,
}

impl IssuerCertificate {
    /// Signs `template` with a root's key.
    pub(crate) fn sign(
        root: &IdentityKeyPair,
        root_key_id: u32,
        template: &IssuerTemplate,
    ) -> Self {
        let body = proto::IssuerCertificateBody {
            version: proto::VERSION,
            root_key_id,
            serial: template.serial,
            issuer_key: template.issuer_key.to_bytes().to_vec(),
            not_before: template.validity.not_before().as_unix_seconds(),
            not_after: template.validity.not_after().as_unix_seconds(),
            allowed_levels: template.allowed_levels.bits(),
        };
        let body = prost::Message::encode_to_vec(&body);
        Self {
            root_key_id,
            template: template.clone(),
            signed: SignedBody::sign(root, SignatureContext::IssuerCertificate, body),
        }
    }

    /// Decodes an encoded `IssuerCertificate` strictly (SPEC.md 13.2), for instance one the
    /// issuer tool wrote to a file.
    ///
    /// # Errors
    /// The decoding errors of SPEC.md 13.2.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let message: proto::IssuerCertificate = proto::decode_strict(
            bytes,
            crate::business::certificate::MAX_CERTIFICATE_CHAIN_LEN,
        )?;
        Self::from_proto(message, "issuer.signature")
    }

    /// SPEC.md 13.2 steps for an issuer certificate; `signature_field` names its signature in
    /// `InvalidLength`.
    pub(crate) fn from_proto(
        message: proto::IssuerCertificate,
        signature_field: &'static str,
    ) -> Result<Self, Error> {
        let body: proto::IssuerCertificateBody =
            proto::decode_strict(&message.body, message.body.len())?;
        if body.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: body.version,
            });
        }
        let issuer_key = IdentityKey::from_field(&body.issuer_key, "issuer_key")?;
        let validity = Validity::new(
            Timestamp::from_unix_seconds(body.not_before),
            Timestamp::from_unix_seconds(body.not_after),
        )?;
        let allowed_levels = LevelSet::from_bits(body.allowed_levels)?;
        let signed = SignedBody::received(
            SignatureContext::IssuerCertificate,
            message.body,
            &message.signature,
            signature_field,
        )?;
        Ok(Self {
            root_key_id: body.root_key_id,
            template: IssuerTemplate {
                serial: body.serial,
                issuer_key,
                validity,
                allowed_levels,
            },
            signed,
        })
    }

    /// The encoded `IssuerCertificate`.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.to_proto())
    }

    pub(crate) fn to_proto(&self) -> proto::IssuerCertificate {
        proto::IssuerCertificate {
            body: self.signed.body().to_vec(),
            signature: self.signed.signature().to_vec(),
        }
    }

    /// SPEC.md 13.4 steps 1 to 3: the root is pinned, its signature verifies, and the
    /// certificate is valid at `now`.
    pub(crate) fn verify(&self, roots: &TrustRoots, now: Timestamp) -> Result<(), Error> {
        self.verify_signature(roots)?;
        self.template
            .validity
            .check(now, roots.policy().max_clock_skew_seconds, "issuer")
    }

    /// SPEC.md 13.4 steps 1 and 2 only (restoring held revocation lists): the root is
    /// pinned and its signature verifies.
    pub(crate) fn verify_signature(&self, roots: &TrustRoots) -> Result<(), Error> {
        self.signed.verify(roots.get(self.root_key_id)?, "issuer")
    }

    /// The certificate's id (SPEC.md 13.2): SHA-256 over a label and its signed body. A
    /// business certificate names the id of the issuer certificate it is issued under.
    pub fn id(&self) -> [u8; 32] {
        labelled_sha256(LABEL_ISSUER_CERTIFICATE_ID, &[self.signed.body()])
    }

    /// The id of the root that signed it.
    pub fn root_key_id(&self) -> u32 {
        self.root_key_id
    }

    /// What it certifies.
    pub fn template(&self) -> &IssuerTemplate {
        &self.template
    }
}

/// An issuer's key pair and its certificate: what the verification service runs to certify
/// businesses and revoke their certificates. Zeroized on drop; `Debug` shows no secret.
pub struct IssuerKeyPair {
    key: IdentityKeyPair,
    certificate: IssuerCertificate,
}

impl IssuerKeyPair {
    /// A fresh issuer key (to be certified by a root: [`IssuerKeyPair::new`] once it is).
    pub fn generate_key<R: CryptoRng + ?Sized>(rng: &mut R) -> IdentityKeyPair {
        IdentityKeyPair::generate(rng)
    }

    /// The issuer `key` with its `certificate`.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if the certificate is for another key.
    pub fn new(key: IdentityKeyPair, certificate: IssuerCertificate) -> Result<Self, Error> {
        if certificate.template.issuer_key != *key.public_key() {
            return Err(Error::IdentityMismatch);
        }
        Ok(Self { key, certificate })
    }

    /// Restores an issuer from its seed and certificate.
    ///
    /// # Errors
    /// As [`IssuerKeyPair::new`].
    pub fn from_seed(seed: &[u8; 32], certificate: IssuerCertificate) -> Result<Self, Error> {
        Self::new(IdentityKeyPair::from_seed(seed), certificate)
    }

    /// The seed, for storing the key (a secret).
    pub fn to_seed(&self) -> IdentitySeed {
        self.key.to_seed()
    }

    /// The issuer's certificate.
    pub fn certificate(&self) -> &IssuerCertificate {
        &self.certificate
    }

    /// Certifies a business (SPEC.md 13.2), as the chain it publishes. The issuer refuses to
    /// go beyond its own certificate, as clients would.
    ///
    /// # Errors
    /// [`Error::CertificateOutOfScope`] if the level is not one the issuer may certify, or the
    /// validity window is not within the issuer's.
    pub fn certify_business(
        &self,
        template: &BusinessTemplate,
    ) -> Result<BusinessCertificateIn, Error> {
        template.check_scope(&self.certificate.template)?;
        Ok(BusinessCertificateIn::sign(
            &self.key,
            self.certificate.clone(),
            template,
        ))
    }

    /// Publishes a revocation list of business-certificate serials (SPEC.md 13.4).
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"revoked_serials"`) if `revoked_serials` is not
    /// strictly increasing.
    pub fn revoke(
        &self,
        sequence: u64,
        issued_at: Timestamp,
        revoked_serials: &[u64],
    ) -> Result<RevocationList, Error> {
        RevocationList::sign_as_issuer(
            &self.key,
            &self.certificate,
            sequence,
            issued_at,
            revoked_serials,
        )
    }
}

impl fmt::Debug for IssuerKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKeyPair")
            .field("public", self.key.public_key())
            .field("serial", &self.certificate.template.serial)
            .field("secret", &"<redacted>")
            .finish()
    }
}
