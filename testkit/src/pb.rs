//! The protobuf types generated from `proto/` (the file hushwire itself includes), for tests and
//! the vector generator that build edited or hand-made inputs: bundles, envelopes and stored
//! states as another encoder, an older version or an attacker might write them.

#![allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    clippy::all,
    clippy::pedantic
)]

include!("../../src/proto/hushwire.v1.rs");
