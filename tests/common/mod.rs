//! Helpers shared by the integration tests: `hushwire_testkit::fixtures`, re-exported under
//! the names the tests use.
#![allow(unused_imports, unreachable_pub)]

pub use hushwire_testkit::fixtures::{
    ChaCha20Rng, LAST_RESORT_KEM_ID, ONE_TIME_KEM_ID, PROVIDER_VAR, Pair, RacingStore, Responder,
    ResponderOptions, SeedableRng, config, copy, decode, established_hybrid_pair, established_pair,
    hybrid_config, hybrid_responder, initiator, prekey, provider, responder, rng,
};

mod example;
pub use example::example_binary;
pub mod invisible;
pub mod store;
