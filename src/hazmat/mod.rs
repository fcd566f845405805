//! Low-level building blocks, exposed for test vectors, known-answer tests and interop work.
//!
//! Nothing here is needed to use hushwire: [`crate::Session`] calls these functions for you.
//! Each one is a single step of SPEC.md, on plain bytes, so that an auditor can check the
//! crate's own implementation of that step against published vectors. Secret outputs come back
//! in [`Zeroizing`](zeroize::Zeroizing) buffers.
//!
//! One module per layer; everything but `safety_number` (whose names are Signal's, and
//! generic) and `store` (feature `store`) is re-exported here, so `hushwire::hazmat::kdf_rk` and
//! `hushwire::hazmat::ratchet::kdf_rk` name the same function.

pub mod certificate;
pub mod device;
pub mod identity;
pub mod pqxdh;
pub mod primitives;
pub mod ratchet;
pub mod safety_number;
pub mod sas;
#[cfg(feature = "store")]
pub mod store;
pub mod x3dh;

pub use certificate::*;
pub use device::*;
pub use identity::*;
pub use pqxdh::*;
pub use primitives::*;
pub use ratchet::*;
pub use sas::*;
pub use x3dh::*;
