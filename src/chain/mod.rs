//! The symmetric chain shared by the pairwise ratchet and the group layer: chain keys and
//! KDF_CK (SPEC.md 6.3), message keys and their AEAD (6.4), and the store of skipped message
//! keys (6.6).

pub(crate) mod advance;
pub(crate) mod chain_key;
pub(crate) mod message_key;
pub(crate) mod skipped_keys;
pub(crate) mod wiping;
