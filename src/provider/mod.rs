//! The crypto-provider seam: where the X25519 and ChaCha20-Poly1305 implementations come from.
//!
//! A [`CryptoProvider`] is a value, chosen in [`crate::Config::provider`]: there is no global
//! state, and the default, [`RUST_CRYPTO`], needs no choice at all. With the `aws-lc-rs` cargo
//! feature, `AWS_LC_RS` runs the same two primitives on AWS-LC's assembly, for backends
//! (about twice as fast for Diffie-Hellman and bulk encryption; benches/README.md has the
//! figures).
//!
//! The seam is deliberately narrow. A provider computes; hushwire checks. Everything the
//! protocol refuses (non-canonical and small-order public keys, an all-zero shared secret,
//! plaintexts past the AEAD's limit, strict decoding) is decided above the seam, in code
//! shared by every provider, so every provider refuses exactly the same inputs and produces
//! exactly the same bytes. What stays off the seam, and why (both measured, benches/README.md):
//!
//! - Ed25519 stays on `ed25519-dalek`, whose `verify_strict` semantics SPEC.md 2.1 fixes.
//! - HMAC-SHA256, HKDF-SHA256 and SHA-256 stay on the RustCrypto crates: their calls are a
//!   few hundred bytes each, and AWS-LC's per-call overhead makes them slower there, not
//!   faster.
//!
//! A provider is a `&'static` value of plain function tables, so a [`crate::Config`] stays
//! `Copy` and a provider call costs one indirect call.
//!
//! ```
//! let config = hushwire::Config::default();
//! assert_eq!(config.provider.name(), "rust-crypto");
//! ```

#[cfg(feature = "aws-lc-rs")]
mod aws_lc_rs;
mod rust_crypto;

use core::fmt;

#[cfg(feature = "aws-lc-rs")]
pub use aws_lc_rs::AWS_LC_RS;
pub use rust_crypto::RUST_CRYPTO;

/// Length of a ChaCha20-Poly1305 key, of an X25519 secret, public key and shared secret.
pub const KEY_LEN: usize = 32;
/// Length of a ChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 12;
/// Length of a Poly1305 tag.
pub const TAG_LEN: usize = 16;

/// The implementations of the primitives a session runs on.
///
/// Providers are printed and found ([`CryptoProvider::by_name`]) by their name, and compared
/// by identity. hushwire ships [`RUST_CRYPTO`] and, with the `aws-lc-rs` feature,
/// `AWS_LC_RS`; a user may supply another ([`CryptoProvider::new`]).
///
/// **A provider is trusted.** hushwire checks what can be checked from outside (every shared
/// secret for all zeros, every public key it computes for canonical form and small order,
/// every length), but an AEAD that reports a forged tag as valid, or a seal that does not
/// encrypt, cannot be caught above the seam. A provider must meet the contracts of
/// [`ChaCha20Poly1305`] and [`X25519`]; hushwire's `tests/known_answers.rs` (RFC and Wycheproof
/// vectors) and `tests/providers.rs` (differential tests against the built-in providers) show
/// how to test one.
///
/// The tables are not public: a raw primitive without hushwire's checks (an X25519 with no
/// all-zero check, an AEAD open that leaves failed plaintext in the buffer) is reachable only
/// through the `hazmat` feature (`CryptoProvider::aead`, `CryptoProvider::x25519`).
pub struct CryptoProvider {
    pub(crate) name: &'static str,
    pub(crate) aead: &'static dyn ChaCha20Poly1305,
    pub(crate) x25519: &'static dyn X25519,
}

impl CryptoProvider {
    /// A provider from its two tables, for a `static`:
    ///
    /// ```
    /// # use hushwire::provider::{CryptoProvider, RUST_CRYPTO};
    /// // (a real provider brings its own implementations of the two traits)
    /// # struct Mine;
    /// # impl hushwire::provider::X25519 for Mine {
    /// #     fn public_key(&self, _: &[u8; 32]) -> [u8; 32] { [0; 32] }
    /// #     fn diffie_hellman(&self, _: &[u8; 32], _: &[u8; 32], _: &mut [u8; 32]) {}
    /// # }
    /// static MINE: Mine = Mine;
    /// # struct MyAead;
    /// # impl hushwire::provider::ChaCha20Poly1305 for MyAead {
    /// #     fn seal_in_place(&self, _: &[u8; 32], _: &[u8; 12], _: &[u8], _: &mut [u8])
    /// #         -> Result<(), hushwire::provider::ProviderError> { Err(hushwire::provider::ProviderError) }
    /// #     fn open_in_place(&self, _: &[u8; 32], _: &[u8; 12], _: &[u8], _: &mut [u8])
    /// #         -> Result<(), hushwire::provider::ProviderError> { Err(hushwire::provider::ProviderError) }
    /// # }
    /// static MY_AEAD: MyAead = MyAead;
    /// static PROVIDER: CryptoProvider = CryptoProvider::new("mine", &MY_AEAD, &MINE);
    /// assert_eq!(PROVIDER.name(), "mine");
    /// assert_ne!(&PROVIDER, &RUST_CRYPTO);
    /// ```
    pub const fn new(
        name: &'static str,
        aead: &'static dyn ChaCha20Poly1305,
        x25519: &'static dyn X25519,
    ) -> Self {
        Self { name, aead, x25519 }
    }

    /// A short stable name: `"rust-crypto"`, `"aws-lc-rs"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The raw ChaCha20-Poly1305 table, without hushwire's length check and buffer wiping
    /// (for known-answer and conformance tests of a provider).
    #[cfg(feature = "hazmat")]
    pub fn aead(&self) -> &'static dyn ChaCha20Poly1305 {
        self.aead
    }

    /// The raw X25519 table, without hushwire's all-zero and public-key checks (for
    /// known-answer and conformance tests of a provider).
    #[cfg(feature = "hazmat")]
    pub fn x25519(&self) -> &'static dyn X25519 {
        self.x25519
    }

    /// The providers compiled into this build: [`RUST_CRYPTO`] first, then `AWS_LC_RS` when
    /// the `aws-lc-rs` feature is on.
    pub fn available() -> &'static [&'static CryptoProvider] {
        AVAILABLE
    }

    /// The compiled-in provider called `name`, if any.
    pub fn by_name(name: &str) -> Option<&'static CryptoProvider> {
        Self::available().iter().copied().find(|p| p.name == name)
    }
}

#[cfg(feature = "aws-lc-rs")]
static AVAILABLE: &[&CryptoProvider] = &[&RUST_CRYPTO, &AWS_LC_RS];
#[cfg(not(feature = "aws-lc-rs"))]
static AVAILABLE: &[&CryptoProvider] = &[&RUST_CRYPTO];

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CryptoProvider({:?})", self.name)
    }
}

/// Two providers are equal when they are the same value (the same `static`), not merely
/// named alike: a user's provider called `"rust-crypto"` is not [`RUST_CRYPTO`].
impl PartialEq for CryptoProvider {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self, other)
    }
}

impl Eq for CryptoProvider {}

/// A provider refused an operation. It carries nothing: what failed is known from the call,
/// and a provider's own error text could hold key-dependent detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderError;

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the crypto provider refused the operation")
    }
}

impl std::error::Error for ProviderError {}

/// `in_out` as body || the last [`TAG_LEN`] bytes, for the providers' in-place AEAD.
pub(crate) fn split_tag(in_out: &mut [u8]) -> Result<(&mut [u8], &mut [u8]), ProviderError> {
    let split = in_out.len().checked_sub(TAG_LEN).ok_or(ProviderError)?;
    Ok(in_out.split_at_mut(split))
}

/// ChaCha20-Poly1305 as RFC 8439 section 2.8 defines it, in place, with exactly the key and
/// nonce given.
///
/// hushwire checks the plaintext length against its limit (SPEC.md 2.3) before calling, and
/// treats any [`ProviderError`] from `open_in_place` as a failed authentication: on failure,
/// what is left in `in_out` is discarded (and wiped) by the caller, never returned.
///
/// An implementation must: verify the tag before reporting success, comparing it in constant
/// time; run in time independent of the key, the plaintext and the tag's correctness; never
/// panic; keep no copy of the key or the data (wiping its own temporaries).
pub trait ChaCha20Poly1305: Send + Sync {
    /// Encrypts: `in_out` holds the plaintext followed by [`TAG_LEN`] bytes of room, and
    /// becomes ciphertext || tag.
    ///
    /// # Errors
    /// [`ProviderError`] if `in_out` is shorter than [`TAG_LEN`] or the implementation
    /// refuses the length.
    fn seal_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError>;

    /// Decrypts: `in_out` holds ciphertext || tag; on success its first
    /// `in_out.len() - TAG_LEN` bytes are the plaintext.
    ///
    /// # Errors
    /// [`ProviderError`] if the tag does not verify or `in_out` is shorter than [`TAG_LEN`].
    fn open_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError>;
}

/// X25519 as RFC 7748 section 5 defines it: the scalar is clamped, the top bit of `u` is
/// masked, and a non-canonical `u` is taken modulo 2^255 - 19.
///
/// Every operation is total and writes every output it is given. In particular
/// `diffie_hellman` must write the all-zero output of a small-order `u` rather than refuse:
/// the contributory check (SPEC.md 2.2) is hushwire's, above the seam, so that every provider
/// refuses the same inputs the same way. (hushwire zeroes an output before the call, so one
/// left unwritten is refused too, and checks the public keys it is given back.)
///
/// An implementation must run in time independent of the secret, never panic, and keep no
/// copy of a secret or a shared secret (wiping its own temporaries).
pub trait X25519: Send + Sync {
    /// X25519(secret, 9).
    fn public_key(&self, secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN];

    /// Writes X25519(secret, public) to `shared`.
    fn diffie_hellman(
        &self,
        secret: &[u8; KEY_LEN],
        public: &[u8; KEY_LEN],
        shared: &mut [u8; KEY_LEN],
    );

    /// Everything one secret takes part in, in one call: X25519(secret, 9) into `public_key`
    /// when it is given, and X25519(secret, `publics[i]`) into `shared[i]` for every `i` below
    /// both lengths (hushwire passes equal lengths). A provider whose key set-up is costly
    /// pays it once here: AWS-LC computes the public key on every import, so X3DH's base key
    /// (its public key and three agreements) and each new ratchet key (its public key and one
    /// agreement) import once instead of four and two times. The default calls
    /// [`X25519::public_key`] and [`X25519::diffie_hellman`]; an override must give the same
    /// bytes.
    fn agree(
        &self,
        secret: &[u8; KEY_LEN],
        public_key: Option<&mut [u8; KEY_LEN]>,
        publics: &[[u8; KEY_LEN]],
        shared: &mut [[u8; KEY_LEN]],
    ) {
        if let Some(public_key) = public_key {
            *public_key = self.public_key(secret);
        }
        for (public, out) in publics.iter().zip(shared.iter_mut()) {
            self.diffie_hellman(secret, public, out);
        }
    }
}
