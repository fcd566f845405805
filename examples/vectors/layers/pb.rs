//! The generated protobuf types (SPEC.md 7), for writing the edited and hand-built inputs:
//! bundles, envelopes and states as another encoder (or an older version) might write them.

#![allow(clippy::all, unreachable_pub, missing_docs, dead_code)]

include!("../../../src/proto/hushwire.v1.rs");
