//! How strict a client is about time (SPEC.md 13.4).

/// A client's tolerances for certificates and revocation lists.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificatePolicy {
    /// Seconds by which the device's clock may be off: a certificate is accepted this long
    /// before its `not_before` and after its `not_after`, and a revocation list issued up to
    /// this long in the future. Default 300 (5 minutes).
    pub max_clock_skew_seconds: u64,
    /// Oldest a root's revocation list may be (from its `issued_at`) for chains under that
    /// root to validate. Default 2,592,000 (30 days): roots are kept offline and sign rarely.
    pub max_root_list_age_seconds: u64,
    /// Oldest an issuer's revocation list may be for chains from that issuer to validate.
    /// Default 172,800 (48 hours): how long a revoked business certificate can still be
    /// accepted by a client that is online.
    pub max_issuer_list_age_seconds: u64,
}

impl Default for CertificatePolicy {
    fn default() -> Self {
        Self {
            max_clock_skew_seconds: 300,
            max_root_list_age_seconds: 30 * 86_400,
            max_issuer_list_age_seconds: 2 * 86_400,
        }
    }
}
