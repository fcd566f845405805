//! Group messaging with Sender Keys (SPEC.md section 15).
//!
//! Each member device has, per group, a sender key: a chain (SPEC.md 6.3's KDF_CK, shared
//! with the pairwise ratchet through [`crate::chain`]) and an Ed25519 signing key. It sends
//! its sender key to every other member device over their pairwise sessions
//! ([`SenderKeyDistribution`]), then encrypts each group message once: ChaCha20-Poly1305 under
//! the chain's next message key, signed. Removing a member rotates the sender key.

pub(crate) mod distribution;
pub(crate) mod id;
pub(crate) mod message;
pub(crate) mod receiver;
pub(crate) mod sender_key;
pub(crate) mod session;
pub(crate) mod stored;
