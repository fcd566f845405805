//! hushwire's test kit: what the integration tests, the benches, the fuzz targets and the
//! corpus replay share, written once.
//!
//! - [`fixtures`]: a seeded RNG, Bob the responder, Alice the initiator, an established pair,
//!   and a prekey store that loses a race;
//! - [`conversation`]: the conversation simulator (send, deliver, drop, replay, reload,
//!   tamper, each checked);
//! - [`fuzz`]: the logic of every fuzz target and its seed corpus;
//! - [`pb`]: the generated protobuf types, to build edited inputs;
//! - [`stored`]: the stored form's checksum by hand, to edit stored sessions;
//! - [`SMALL_ORDER_X25519`]: the five small-order X25519 points of SPEC.md 2.2.
//!
//! Test code: it panics (an assertion or an unwrap) when an invariant fails, which is how a
//! test harness and libFuzzer see a finding.

pub mod conversation;
pub mod fixtures;
pub mod fuzz;
pub mod pb;
pub mod stored;

pub use hushwire::hazmat::SMALL_ORDER_X25519;
