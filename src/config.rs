//! Limits that bound what a peer can make us store or compute, and the crypto provider.

use crate::kem::policy::PostQuantumPolicy;
use crate::provider::CryptoProvider;

/// Limits applied when decoding and decrypting, and the crypto provider. SPEC.md section 8.4 lists what each one bounds
/// and what exceeding it returns.
///
/// Every value is usable: none panics, aborts or makes a session unloadable. The three count
/// limits take effect up to [`MAX_STORED_ENTRIES`] (a larger value counts as that), which is
/// also what the loader accepts, so whatever [`crate::Session::to_stored`] writes,
/// [`crate::Session::from_stored`] loads under the same `Config`. Stored state is bounded by
/// [`MAX_STORED_STATE_LEN`], not by `max_encoded_len`, which applies to wire messages.
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
    /// Most skipped message keys a session keeps; the oldest is evicted first. Default 2000;
    /// values above [`MAX_STORED_ENTRIES`] count as that.
    pub max_skipped_keys: usize,
    /// Most receiving chains a session keeps (values below 1 count as 1, above
    /// [`MAX_STORED_ENTRIES`] as that). Default 5.
    pub max_receiving_chains: usize,
    /// Most ratchet keys of dropped receiving chains a session remembers (32 bytes each), so
    /// that a replayed message from such a chain fails as [`crate::Error::DuplicateMessage`]
    /// rather than [`crate::Error::DecryptionFailed`]. Default 32; values above
    /// [`MAX_STORED_ENTRIES`] count as that.
    pub max_retired_chains: usize,
    /// Largest envelope or prekey bundle accepted by a decoder, in bytes, and so the largest
    /// envelope `encrypt` produces. Default 2 MiB. (Stored sessions have their own bound,
    /// [`MAX_STORED_STATE_LEN`].)
    pub max_encoded_len: usize,
    /// Where X25519 and ChaCha20-Poly1305 come from. Default [`crate::provider::RUST_CRYPTO`],
    /// the pure-Rust crates; with the `aws-lc-rs` feature, `provider::AWS_LC_RS`
    /// is about twice as fast for Diffie-Hellman and bulk encryption. Every provider gives the
    /// same bytes and refuses the same inputs, so the two ends of a session, and a session
    /// stored under one and loaded under another, may differ. (Generating prekeys takes no
    /// configuration and always uses the pure-Rust X25519: same keys, a few microseconds
    /// more each.)
    pub provider: &'static CryptoProvider,
    /// Longest a SAS verification ([`crate::Sas`]) may take, in seconds from its start, before
    /// a step cancels it with [`crate::CancelReason::Timeout`]. Default 600 (10 minutes, as
    /// Matrix).
    pub sas_timeout_seconds: u64,
    /// Most archived sessions a [`crate::SessionRecord`] keeps per remote device, besides the
    /// current one; the oldest is dropped first (also when a record is loaded). Default 40
    /// (libsignal's); values below 1 count as 1, above [`MAX_ARCHIVED_SESSIONS`] as that.
    pub max_archived_sessions: usize,
    /// Most message keys one group message may make us derive on one sender chain (SPEC.md
    /// 15.4). Default 25000 (libsignal's): only a message whose signature verified can make us
    /// walk that far.
    pub max_group_skip: u32,
    /// Most skipped message keys kept per sender chain of a group; the oldest is evicted first
    /// (also when a group session is loaded). Default 2000; values above
    /// [`MAX_STORED_ENTRIES`] count as that.
    pub max_group_skipped_keys: usize,
    /// Most sender-key chains kept per member device of a group (a member's older chains,
    /// after it rotated); the oldest is dropped first (also when a group session is loaded).
    /// Default 5 (libsignal's and WhatsApp's); values below 1 count as 1, above
    /// [`MAX_SENDER_KEY_CHAINS`] as that.
    pub max_sender_key_chains: usize,
    /// Whether new sessions must use the post-quantum hybrid set-up (SPEC.md 18.4). Default
    /// [`PostQuantumPolicy::Required`]: a bundle without a KEM prekey, or a first message
    /// without a KEM ciphertext, is refused with [`crate::Error::PostQuantumRequired`].
    pub post_quantum: PostQuantumPolicy,
}

/// The most sender-key chains per member a stored group session may hold (SPEC.md 15.6).
pub const MAX_SENDER_KEY_CHAINS: usize = 64;

/// The most archived sessions a stored session record may hold (SPEC.md 14.6).
pub const MAX_ARCHIVED_SESSIONS: usize = 256;

/// The largest stored session record the loader reads, in bytes (SPEC.md 14.6): 64 MiB. A
/// record's stored form drops its oldest archived sessions rather than grow past it.
pub const MAX_STORED_RECORD_LEN: usize = 64 * 1024 * 1024;

/// The most entries of each list a stored session may hold (SPEC.md 9.2 steps 10 and 13): receiving
/// chains, skipped keys and retired ratchet keys. The count limits of [`Config`] take effect up
/// to this value.
pub const MAX_STORED_ENTRIES: usize = 1 << 16;

/// The largest stored session the loader reads, in bytes (SPEC.md 9.2 step 1): 16 MiB, above
/// the largest state [`MAX_STORED_ENTRIES`] entries in every list can encode to (about
/// 12.2 MB).
pub const MAX_STORED_STATE_LEN: usize = 16 * 1024 * 1024;

impl Config {
    /// The number of skipped keys kept: `max_skipped_keys`, at most [`MAX_STORED_ENTRIES`].
    pub(crate) fn skipped_keys(&self) -> usize {
        self.max_skipped_keys.min(MAX_STORED_ENTRIES)
    }

    /// The number of receiving chains kept: `max_receiving_chains` within 1 and
    /// [`MAX_STORED_ENTRIES`].
    pub(crate) fn receiving_chains(&self) -> usize {
        self.max_receiving_chains.clamp(1, MAX_STORED_ENTRIES)
    }

    /// The number of archived sessions a record keeps: `max_archived_sessions`, at most
    /// [`MAX_ARCHIVED_SESSIONS`].
    pub(crate) fn archived_sessions(&self) -> usize {
        self.max_archived_sessions.clamp(1, MAX_ARCHIVED_SESSIONS)
    }

    /// The number of skipped keys kept per group sender chain.
    pub(crate) fn group_skipped_keys(&self) -> usize {
        self.max_group_skipped_keys.min(MAX_STORED_ENTRIES)
    }

    /// The number of sender-key chains kept per group member.
    pub(crate) fn sender_key_chains(&self) -> usize {
        self.max_sender_key_chains.clamp(1, MAX_SENDER_KEY_CHAINS)
    }

    /// The number of retired ratchet keys kept: `max_retired_chains`, at most
    /// [`MAX_STORED_ENTRIES`].
    pub(crate) fn retired_chains(&self) -> usize {
        self.max_retired_chains.min(MAX_STORED_ENTRIES)
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
            provider: &crate::provider::RUST_CRYPTO,
            sas_timeout_seconds: 600,
            max_archived_sessions: 40,
            max_group_skip: 25_000,
            max_group_skipped_keys: 2000,
            max_sender_key_chains: 5,
            post_quantum: PostQuantumPolicy::Required,
        }
    }
}
