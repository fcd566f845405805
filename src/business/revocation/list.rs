//! Revocation lists: signed by a root (revoking issuer certificates) or an issuer (revoking
//! business certificates), SPEC.md 13.4.

use crate::Error;
use crate::business::issuer::IssuerCertificate;
use crate::business::root::TrustRoots;
use crate::business::signed::SignedBody;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::proto::{self, revocation_list_body::Signer};
use crate::signature::SignatureContext;
use crate::timestamp::Timestamp;

/// Largest encoded revocation list a decoder reads: 1 MiB, about 100,000 serials.
pub const MAX_REVOCATION_LIST_LEN: usize = 1 << 20;

/// Who signed a revocation list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationSigner {
    /// A pinned root, by key id: the serials are issuer-certificate serials.
    Root(u32),
    /// An issuer, with its certificate: the serials are business-certificate serials from
    /// the issuer's key.
    Issuer(Box<IssuerCertificate>),
}

/// A revocation list, well-formed (SPEC.md 13.4 decoding) but **not verified**: a client
/// verifies it when it takes it in ([`crate::Revocations::update`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    signer: RevocationSigner,
    sequence: u64,
    issued_at: Timestamp,
    revoked_serials: Vec<u64>,
    signed: SignedBody,
}

impl RevocationList {
    pub(crate) fn sign_as_root(
        root: &IdentityKeyPair,
        key_id: u32,
        sequence: u64,
        issued_at: Timestamp,
        revoked_serials: &[u64],
    ) -> Result<Self, Error> {
        Self::sign(
            root,
            RevocationSigner::Root(key_id),
            sequence,
            issued_at,
            revoked_serials,
        )
    }

    pub(crate) fn sign_as_issuer(
        issuer: &IdentityKeyPair,
        certificate: &IssuerCertificate,
        sequence: u64,
        issued_at: Timestamp,
        revoked_serials: &[u64],
    ) -> Result<Self, Error> {
        let signer = RevocationSigner::Issuer(Box::new(certificate.clone()));
        Self::sign(issuer, signer, sequence, issued_at, revoked_serials)
    }

    fn sign(
        key: &IdentityKeyPair,
        signer: RevocationSigner,
        sequence: u64,
        issued_at: Timestamp,
        revoked_serials: &[u64],
    ) -> Result<Self, Error> {
        check_increasing(revoked_serials)?;
        let body = proto::RevocationListBody {
            version: proto::VERSION,
            signer: Some(match &signer {
                RevocationSigner::Root(key_id) => Signer::RootKeyId(*key_id),
                RevocationSigner::Issuer(certificate) => Signer::Issuer(certificate.to_proto()),
            }),
            sequence,
            issued_at: issued_at.as_unix_seconds(),
            revoked_serials: revoked_serials.to_vec(),
        };
        let body = prost::Message::encode_to_vec(&body);
        Ok(Self {
            signer,
            sequence,
            issued_at,
            revoked_serials: revoked_serials.to_vec(),
            signed: SignedBody::sign(key, SignatureContext::RevocationList, body),
        })
    }

    /// Decodes an encoded `RevocationList` strictly (SPEC.md 13.4).
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_REVOCATION_LIST_LEN`], and the decoding errors of
    /// SPEC.md 13.4 in its order.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let list: proto::RevocationList = proto::decode_strict(bytes, MAX_REVOCATION_LIST_LEN)?;
        let body: proto::RevocationListBody = proto::decode_strict(&list.body, list.body.len())?;
        if body.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: body.version,
            });
        }
        let signer = match body.signer {
            Some(Signer::RootKeyId(key_id)) => RevocationSigner::Root(key_id),
            Some(Signer::Issuer(certificate)) => RevocationSigner::Issuer(Box::new(
                IssuerCertificate::from_proto(certificate, "issuer.signature")?,
            )),
            None => return Err(Error::MissingField { field: "signer" }),
        };
        check_increasing(&body.revoked_serials)?;
        let signed = SignedBody::received(
            SignatureContext::RevocationList,
            list.body,
            &list.signature,
            "signature",
        )?;
        Ok(Self {
            signer,
            sequence: body.sequence,
            issued_at: Timestamp::from_unix_seconds(body.issued_at),
            revoked_serials: body.revoked_serials,
            signed,
        })
    }

    /// The encoded `RevocationList`.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&proto::RevocationList {
            body: self.signed.body().to_vec(),
            signature: self.signed.signature().to_vec(),
        })
    }

    /// Who signed it (not yet verified).
    pub fn signer(&self) -> &RevocationSigner {
        &self.signer
    }

    /// The sequence number.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// When it was issued.
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// The revoked serials, in increasing order.
    pub fn revoked_serials(&self) -> &[u64] {
        &self.revoked_serials
    }

    /// Whether `serial` is revoked.
    pub(crate) fn revokes(&self, serial: u64) -> bool {
        self.revoked_serials.binary_search(&serial).is_ok()
    }

    /// The signed body, to tell two lists with the same sequence number apart.
    pub(crate) fn body(&self) -> &[u8] {
        self.signed.body()
    }

    /// SPEC.md 13.4 update steps 1 and 2: the signer is trusted (at `now`, or regardless of
    /// time when `now` is `None`: restoring held lists), and the list's signature verifies.
    /// Returns the signer's key.
    pub(crate) fn verify(
        &self,
        roots: &TrustRoots,
        now: Option<Timestamp>,
    ) -> Result<IdentityKey, Error> {
        let key = match &self.signer {
            RevocationSigner::Root(key_id) => *roots.get(*key_id)?,
            RevocationSigner::Issuer(certificate) => {
                match now {
                    Some(now) => certificate.verify(roots, now)?,
                    None => certificate.verify_signature(roots)?,
                }
                certificate.template().issuer_key
            }
        };
        self.signed.verify(&key, "revocation_list")?;
        Ok(key)
    }
}

fn check_increasing(serials: &[u64]) -> Result<(), Error> {
    if serials.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(Error::InvalidCertificate {
            reason: "revoked_serials",
        });
    }
    Ok(())
}
