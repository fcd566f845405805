//! Business certificates and revocation lists (SPEC.md section 13): the signed message and the
//! signature of any body, including bodies the issuing API refuses to make (an issuer
//! certifying beyond its scope), for test vectors and negative tests.

use crate::identity::IdentityKeyPair;
use crate::signature::{SIGNATURE_LEN, SignatureContext};

/// What a signature covers (SPEC.md 13.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedObject {
    /// An `IssuerCertificateBody`, signed by a root.
    IssuerCertificate,
    /// A `BusinessCertificateBody`, signed by an issuer.
    BusinessCertificate,
    /// A `RevocationListBody`, signed by a root or an issuer.
    RevocationList,
    /// A `DeviceListBody`, signed by an account key (SPEC.md 14.2).
    DeviceList,
    /// A `GroupMessageBody`, signed by a sender key (SPEC.md 15.3).
    GroupMessage,
}

impl SignedObject {
    fn context(self) -> SignatureContext {
        match self {
            Self::IssuerCertificate => SignatureContext::IssuerCertificate,
            Self::BusinessCertificate => SignatureContext::BusinessCertificate,
            Self::RevocationList => SignatureContext::RevocationList,
            Self::DeviceList => SignatureContext::DeviceList,
            Self::GroupMessage => SignatureContext::GroupMessage,
        }
    }
}

/// The bytes Ed25519 signs for `body` (SPEC.md 3.2, 13.1): `u8(len(label)) || label || body`.
pub fn certificate_signed_message(object: SignedObject, body: &[u8]) -> Vec<u8> {
    object.context().message(body)
}

/// The signature the key with Ed25519 `seed` makes over `body` as `object`, whatever `body`
/// holds.
pub fn sign_certificate_body(
    seed: &[u8; 32],
    object: SignedObject,
    body: &[u8],
) -> [u8; SIGNATURE_LEN] {
    IdentityKeyPair::from_seed(seed).sign(object.context(), body)
}
