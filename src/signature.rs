//! Domain-separated Ed25519 signatures (SPEC.md section 3.2).

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// The kind of object a signature covers. Each kind has its own context label, so a signature
/// made for one kind never verifies as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureContext {
    /// A signed prekey (SPEC.md 4.1).
    SignedPreKey,
    /// An issuer certificate, signed by a root (SPEC.md 13.2).
    IssuerCertificate,
    /// A business certificate, signed by an issuer (SPEC.md 13.2).
    BusinessCertificate,
    /// A revocation list, signed by a root or an issuer (SPEC.md 13.4).
    RevocationList,
    /// A device list, signed by an account key (SPEC.md 14.2).
    DeviceList,
    /// A group message, signed by its sender key's signing key (SPEC.md 15.3).
    GroupMessage,
    /// A KEM prekey, signed by an identity key (SPEC.md 18.1).
    KemPreKey,
}

impl SignatureContext {
    /// The context label.
    pub(crate) fn label(self) -> &'static [u8] {
        match self {
            Self::SignedPreKey => b"hushwire/v1/sig/signed-prekey",
            Self::IssuerCertificate => b"hushwire/v1/sig/issuer-certificate",
            Self::BusinessCertificate => b"hushwire/v1/sig/business-certificate",
            Self::RevocationList => b"hushwire/v1/sig/revocation-list",
            Self::DeviceList => b"hushwire/v1/sig/device-list",
            Self::GroupMessage => b"hushwire/v1/sig/group-message",
            Self::KemPreKey => b"hushwire/v1/sig/kem-prekey",
        }
    }

    /// The exact bytes Ed25519 signs: `len(label) (1 byte) || label || body`.
    pub(crate) fn message(self, body: &[u8]) -> Vec<u8> {
        let label = self.label();
        let mut m = Vec::with_capacity(1 + label.len() + body.len());
        // Labels are short constants, well below 256 bytes.
        m.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
        m.extend_from_slice(label);
        m.extend_from_slice(body);
        m
    }
}
