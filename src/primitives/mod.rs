//! The primitive wrappers: X25519 with its checks, ChaCha20-Poly1305, HKDF/HMAC/SHA-256, and
//! hex formatting for `Debug`. Every call the protocol makes to a primitive crate goes through
//! here (Ed25519 excepted: it lives with the identity key, SPEC.md 2.1), so that a
//! crypto-provider seam has one place to sit.

pub(crate) mod aead;
pub(crate) mod hash;
pub(crate) mod hexfmt;
pub(crate) mod kdf;
pub(crate) mod x25519;
