//! Helpers shared by the integration tests: `hushwire_testkit::fixtures`, re-exported under
//! the names the tests use.
#![allow(unused_imports, unreachable_pub)]

pub use hushwire_testkit::fixtures::{
    ChaCha20Rng, PROVIDER_VAR, Pair, RacingStore, Responder, SeedableRng, config, copy, decode,
    established_pair, initiator, prekey, provider, responder, rng,
};

mod example;
pub use example::example_binary;
pub mod invisible;
pub mod store;
