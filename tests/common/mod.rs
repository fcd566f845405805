//! Helpers shared by the integration tests: `hushwire_testkit::fixtures`, re-exported under
//! the names the tests use.
#![allow(unused_imports, unreachable_pub)]

pub use hushwire_testkit::fixtures::{
    ChaCha20Rng, Pair, RacingStore, Responder, SeedableRng, copy, decode, established_pair,
    initiator, prekey, responder, rng,
};
