//! Limits that bound what a peer can make us store or compute.

/// Limits applied when decoding and decrypting. SPEC.md section 8.4 lists what each one bounds
/// and what exceeding it returns.
///
/// The configuration is not part of the serialized session state: it is supplied when a
/// session is created or loaded, so a backend can change its limits for every stored session
/// at once.
///
/// ```
/// let mut config = hushwire::Config::default();
/// config.max_skip = 500;
/// assert_eq!(config.max_skipped_keys, 2000);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Most message keys one incoming message may make us derive and store on a single chain.
    /// Default 2000.
    pub max_skip: u32,
    /// Most skipped message keys a session keeps; the oldest is evicted first. Default 2000.
    pub max_skipped_keys: usize,
    /// Most receiving chains a session keeps (values below 1 count as 1). Default 5.
    pub max_receiving_chains: usize,
    /// Most ratchet keys of dropped receiving chains a session remembers (32 bytes each), so
    /// that a replayed message from such a chain fails as [`crate::Error::DuplicateMessage`]
    /// rather than [`crate::Error::DecryptionFailed`]. Default 32.
    pub max_retired_chains: usize,
    /// Largest envelope, prekey bundle or session state accepted by a decoder, in bytes.
    /// Default 2 MiB.
    pub max_encoded_len: usize,
}

impl Config {
    pub(crate) fn receiving_chains(&self) -> usize {
        self.max_receiving_chains.max(1)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_skip: 2000,
            max_skipped_keys: 2000,
            max_receiving_chains: 5,
            max_retired_chains: 32,
            max_encoded_len: 2 * 1024 * 1024,
        }
    }
}
