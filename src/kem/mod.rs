//! The post-quantum half of the hybrid set-up (SPEC.md section 18): ML-KEM-1024 and the KEM
//! prekeys a responder publishes.

pub(crate) mod encapsulation;
pub(crate) mod ml_kem;
pub(crate) mod policy;
pub(crate) mod prekey;
