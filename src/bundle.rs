//! Prekey bundles: unverified as they arrive, verified before use (SPEC.md section 4.2).

use crate::Error;
use crate::business::certificate::{BusinessCertificateIn, MAX_CERTIFICATE_CHAIN_LEN};
use crate::business::identity::VerifiedBusiness;
use crate::business::revocation::state::Revocations;
use crate::business::root::TrustRoots;
use crate::config::Config;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kem::ml_kem::KemPublicKey;
use crate::kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind};
use crate::prekey::{
    OneTimePreKey, OneTimePreKeyId, SignedPreKey, SignedPreKeyId, SignedPreKeyPair,
};
use crate::primitives::x25519::X25519PublicKey;
use crate::proto;
use crate::timestamp::Timestamp;

/// A prekey bundle as it arrives from the network: structurally valid, signature not yet
/// checked. The only way to use it is [`PreKeyBundleIn::validate`].
#[derive(Clone, Debug)]
pub struct PreKeyBundleIn {
    identity_key: IdentityKey,
    signed_prekey_id: SignedPreKeyId,
    signed_prekey_created_at: Timestamp,
    signed_prekey: X25519PublicKey,
    signature: Vec<u8>,
    one_time_prekey: Option<OneTimePreKey>,
    business_certificate: Option<BusinessCertificateIn>,
    kem_prekey: Option<KemPreKeyIn>,
}

/// A bundle's KEM prekey as it arrives: key checked (FIPS 203 7.2), signature not yet.
#[derive(Clone, Debug)]
struct KemPreKeyIn {
    id: KemPreKeyId,
    kind: KemPreKeyKind,
    created_at: Timestamp,
    public_key: KemPublicKey,
    signature: Vec<u8>,
}

impl KemPreKeyIn {
    fn from_proto(kem: proto::KemPreKey) -> Result<Self, Error> {
        let public_key = KemPublicKey::from_field(&kem.public_key, "kem_prekey.public_key")?;
        if kem.signature.len() != crate::signature::SIGNATURE_LEN {
            return Err(Error::InvalidLength {
                field: "kem_prekey.signature",
                expected: crate::signature::SIGNATURE_LEN,
                found: kem.signature.len(),
            });
        }
        Ok(Self {
            id: KemPreKeyId(kem.id),
            kind: if kem.last_resort {
                KemPreKeyKind::LastResort
            } else {
                KemPreKeyKind::OneTime
            },
            created_at: Timestamp::from_unix_seconds(kem.created_at),
            public_key,
            signature: kem.signature,
        })
    }

    fn validate(self, identity: &IdentityKey) -> Result<KemPreKey, Error> {
        KemPreKey::verified(
            identity,
            self.id,
            self.kind,
            self.created_at,
            self.public_key,
            &self.signature,
        )
    }
}

impl PreKeyBundleIn {
    /// Decodes a bundle strictly (SPEC.md 7.1): size, canonical encoding, version, field
    /// presence, key lengths and key validity.
    ///
    /// # Errors
    /// Any decoding error of [`Error`]; a low-order key is [`Error::LowOrderPublicKey`].
    pub fn decode(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let bundle: proto::PreKeyBundle = proto::decode_strict(bytes, config.max_encoded_len)?;
        if bundle.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: bundle.version,
            });
        }
        let identity_key = IdentityKey::from_field(&bundle.identity_key, "identity_key")?;
        let spk = bundle.signed_prekey.ok_or(Error::MissingField {
            field: "signed_prekey",
        })?;
        let signed_prekey =
            X25519PublicKey::from_field(&spk.public_key, "signed_prekey.public_key")?;
        if spk.signature.len() != crate::signature::SIGNATURE_LEN {
            return Err(Error::InvalidLength {
                field: "signed_prekey.signature",
                expected: crate::signature::SIGNATURE_LEN,
                found: spk.signature.len(),
            });
        }
        let one_time_prekey = bundle
            .one_time_prekey
            .map(|otk| {
                X25519PublicKey::from_field(&otk.public_key, "one_time_prekey.public_key")
                    .map(|key| OneTimePreKey::new(OneTimePreKeyId(otk.id), key))
            })
            .transpose()?;
        let business_certificate = bundle
            .business_certificate
            .map(|chain| {
                let len = prost::Message::encoded_len(&chain);
                if len > MAX_CERTIFICATE_CHAIN_LEN {
                    return Err(Error::TooLarge {
                        len,
                        max: MAX_CERTIFICATE_CHAIN_LEN,
                    });
                }
                BusinessCertificateIn::from_proto(chain)
            })
            .transpose()?;
        let kem_prekey = bundle.kem_prekey.map(KemPreKeyIn::from_proto).transpose()?;
        Ok(Self {
            identity_key,
            signed_prekey_id: SignedPreKeyId(spk.id),
            signed_prekey_created_at: Timestamp::from_unix_seconds(spk.created_at),
            signed_prekey,
            signature: spk.signature,
            one_time_prekey,
            business_certificate,
            kem_prekey,
        })
    }

    /// Verifies the signed prekey's signature under the bundle's identity key.
    ///
    /// This proves only that the bundle is self-consistent: whether the identity key is the one
    /// you expect for this contact is a separate question (identity verification).
    ///
    /// A business certificate chain in the bundle is kept (so the bundle encodes as it came)
    /// but not validated: [`PreKeyBundle::business`] is `None`. To start a session with a
    /// business, use [`validate_business`](Self::validate_business).
    ///
    /// The KEM prekey's signature, if the bundle has one, is verified too (after the signed
    /// prekey's): a bundle is verified whole or not at all.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`].
    pub fn validate(self) -> Result<PreKeyBundle, Error> {
        let signed_prekey = SignedPreKey::verified(
            &self.identity_key,
            self.signed_prekey_id,
            self.signed_prekey_created_at,
            self.signed_prekey,
            &self.signature,
        )?;
        let kem_prekey = self
            .kem_prekey
            .map(|kem| kem.validate(&self.identity_key))
            .transpose()?;
        Ok(PreKeyBundle {
            identity_key: self.identity_key,
            signed_prekey,
            one_time_prekey: self.one_time_prekey,
            business_certificate: self.business_certificate,
            business: None,
            kem_prekey,
        })
    }

    /// [`validate`](Self::validate), then the business certificate chain, if the bundle has
    /// one (SPEC.md 13.5): it must certify the bundle's identity key, and validate at `now`
    /// ([`BusinessCertificateIn::validate`]). A session started from the result records the
    /// [`VerifiedBusiness`] ([`crate::Session::their_business`]).
    ///
    /// A bundle without a chain validates as with [`validate`](Self::validate), with
    /// [`PreKeyBundle::business`] `None`: an app that expects a business checks for it.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`]; [`Error::IdentityMismatch`] if the chain certifies another
    /// key than the bundle's; the errors of [`BusinessCertificateIn::validate`].
    pub fn validate_business(
        self,
        roots: &TrustRoots,
        now: Timestamp,
        revocations: &Revocations,
    ) -> Result<PreKeyBundle, Error> {
        let mut bundle = self.validate()?;
        if let Some(chain) = bundle.business_certificate.clone() {
            if chain.identity_key() != &bundle.identity_key {
                return Err(Error::IdentityMismatch);
            }
            bundle.business = Some(chain.validate(roots, now, revocations)?);
        }
        Ok(bundle)
    }
}

/// A prekey bundle whose signed prekey signature has been verified. An initiator starts a
/// session from one with [`crate::Session::initiate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyBundle {
    identity_key: IdentityKey,
    signed_prekey: SignedPreKey,
    one_time_prekey: Option<OneTimePreKey>,
    business_certificate: Option<BusinessCertificateIn>,
    business: Option<VerifiedBusiness>,
    kem_prekey: Option<KemPreKey>,
}

impl PreKeyBundle {
    /// The bundle an owner publishes for its own keys. The signed prekey's signature is
    /// verified under `identity`, exactly as [`PreKeyBundleIn::validate`] would verify the
    /// encoded bundle, so a prekey that another identity signed cannot make a "verified"
    /// bundle.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] if `identity` did not sign `signed_prekey`.
    pub fn new(
        identity: &IdentityKeyPair,
        signed_prekey: &SignedPreKeyPair,
        one_time_prekey: Option<OneTimePreKey>,
    ) -> Result<Self, Error> {
        Self::from_public(
            identity.public_key(),
            signed_prekey.public(),
            one_time_prekey,
        )
    }

    /// The bundle of `identity` from the public halves of its prekeys, as a device publishes
    /// them after prekey upkeep (`store::upkeep_prekeys`, SPEC.md 17.7) or a server assembles them
    /// (a signed prekey and one of the one-time prekeys it holds for the device). The signed
    /// prekey's signature is verified under `identity`, as [`PreKeyBundleIn::validate`]
    /// would.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] if `identity` did not sign `signed_prekey`.
    pub fn from_public(
        identity: &IdentityKey,
        signed_prekey: &SignedPreKey,
        one_time_prekey: Option<OneTimePreKey>,
    ) -> Result<Self, Error> {
        let signed_prekey = SignedPreKey::verified(
            identity,
            signed_prekey.id(),
            signed_prekey.created_at(),
            *signed_prekey.public_key(),
            signed_prekey.signature(),
        )?;
        Ok(Self {
            identity_key: *identity,
            signed_prekey,
            one_time_prekey,
            business_certificate: None,
            business: None,
            kem_prekey: None,
        })
    }

    /// The bundle with a KEM prekey for the hybrid set-up (SPEC.md 18.1): a one-time KEM
    /// prekey while the owner has some left, else its last-resort one. Its signature is
    /// verified under the bundle's identity key, as [`PreKeyBundleIn::validate`] would.
    ///
    /// ```
    /// # use hushwire::*;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    /// # use rand::SeedableRng;
    /// let bob = IdentityKeyPair::generate(&mut rng);
    /// let created = Timestamp::from_unix_seconds(1_700_000_000);
    /// let spk = SignedPreKeyPair::generate(&mut rng, &bob, SignedPreKeyId(1), created);
    /// let kem = KemPreKeyPair::generate(&mut rng, &bob, KemPreKeyId(1), KemPreKeyKind::LastResort, created);
    /// let bundle = PreKeyBundle::new(&bob, &spk, None)?.with_kem_prekey(kem.public())?;
    /// assert_eq!(bundle.kem_prekey().map(|k| k.id()), Some(KemPreKeyId(1)));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] if the bundle's identity did not sign `kem_prekey`.
    pub fn with_kem_prekey(mut self, kem_prekey: &KemPreKey) -> Result<Self, Error> {
        let kem_prekey = KemPreKey::verified(
            &self.identity_key,
            kem_prekey.id(),
            kem_prekey.kind(),
            kem_prekey.created_at(),
            kem_prekey.public_key().clone(),
            kem_prekey.signature(),
        )?;
        self.kem_prekey = Some(kem_prekey);
        Ok(self)
    }

    /// The bundle without its KEM prekey: what a server stripping it hands out, for tests
    /// of the downgrade policy (`Config::post_quantum`). Only with the `test-util` feature.
    #[cfg(feature = "test-util")]
    pub fn without_kem_prekey(mut self) -> Self {
        self.kem_prekey = None;
        self
    }

    /// The verified KEM prekey, if the bundle has one.
    pub fn kem_prekey(&self) -> Option<&KemPreKey> {
        self.kem_prekey.as_ref()
    }

    /// The bundle with a business's certificate chain attached, as a verified business
    /// publishes it (SPEC.md 13.5). The chain is not validated here: initiators do that.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if the chain is for another identity key.
    pub fn with_business_certificate(
        mut self,
        chain: BusinessCertificateIn,
    ) -> Result<Self, Error> {
        if chain.identity_key() != &self.identity_key {
            return Err(Error::IdentityMismatch);
        }
        self.business_certificate = Some(chain);
        self.business = None;
        Ok(self)
    }

    /// The verified business, if the bundle came through
    /// [`PreKeyBundleIn::validate_business`] with a chain that validated.
    pub fn business(&self) -> Option<&VerifiedBusiness> {
        self.business.as_ref()
    }

    /// The business certificate chain the bundle carries, validated or not.
    pub fn business_certificate(&self) -> Option<&BusinessCertificateIn> {
        self.business_certificate.as_ref()
    }

    /// The owner's identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The verified signed prekey.
    pub fn signed_prekey(&self) -> &SignedPreKey {
        &self.signed_prekey
    }

    /// The one-time prekey, if the bundle has one.
    pub fn one_time_prekey(&self) -> Option<&OneTimePreKey> {
        self.one_time_prekey.as_ref()
    }

    /// The canonical encoding (SPEC.md 7.5).
    pub fn encode(&self) -> Vec<u8> {
        let message = proto::PreKeyBundle {
            version: proto::VERSION,
            identity_key: self.identity_key.to_bytes().to_vec(),
            signed_prekey: Some(proto::SignedPreKey {
                id: self.signed_prekey.id().0,
                created_at: self.signed_prekey.created_at().as_unix_seconds(),
                public_key: self.signed_prekey.public_key().to_bytes().to_vec(),
                signature: self.signed_prekey.signature().to_vec(),
            }),
            one_time_prekey: self.one_time_prekey.map(|otk| proto::OneTimePreKey {
                id: otk.id().0,
                public_key: otk.public_key().to_bytes().to_vec(),
            }),
            business_certificate: self
                .business_certificate
                .as_ref()
                .map(BusinessCertificateIn::to_proto),
            kem_prekey: self.kem_prekey.as_ref().map(|kem| proto::KemPreKey {
                id: kem.id().0,
                created_at: kem.created_at().as_unix_seconds(),
                last_resort: kem.kind() == KemPreKeyKind::LastResort,
                public_key: kem.public_key().as_bytes().to_vec(),
                signature: kem.signature().to_vec(),
            }),
        };
        prost::Message::encode_to_vec(&message)
    }
}
