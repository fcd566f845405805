//! The signed-bytes form shared by certificates and revocation lists (SPEC.md 13.1): a body,
//! the canonical encoding of a message, and an Ed25519 signature over it under a context.

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::signature::{SIGNATURE_LEN, SignatureContext};

/// A body and its signature, the body not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignedBody {
    body: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
    context: SignatureContext,
}

impl SignedBody {
    /// Signs `body` (an encoded message) under `context`.
    pub(crate) fn sign(signer: &IdentityKeyPair, context: SignatureContext, body: Vec<u8>) -> Self {
        let signature = signer.sign(context, &body);
        Self {
            body,
            signature,
            context,
        }
    }

    /// Takes a received body and signature; the signature must be 64 bytes (field `field`).
    pub(crate) fn received(
        context: SignatureContext,
        body: Vec<u8>,
        signature: &[u8],
        field: &'static str,
    ) -> Result<Self, Error> {
        let signature = signature.try_into().map_err(|_| Error::InvalidLength {
            field,
            expected: SIGNATURE_LEN,
            found: signature.len(),
        })?;
        Ok(Self {
            body,
            signature,
            context,
        })
    }

    /// Verifies the signature under `signer`; a failure is
    /// [`Error::InvalidCertificateSignature`] naming `certificate`.
    pub(crate) fn verify(
        &self,
        signer: &IdentityKey,
        certificate: &'static str,
    ) -> Result<(), Error> {
        self.verify_or(signer, Error::InvalidCertificateSignature { certificate })
    }

    /// Verifies the signature under `signer`; a failure is `failure`.
    pub(crate) fn verify_or(&self, signer: &IdentityKey, failure: Error) -> Result<(), Error> {
        signer
            .verify(self.context, &self.body, &self.signature)
            .map_err(|_| failure)
    }

    /// The body's bytes.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    /// The signature.
    pub(crate) fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }
}
