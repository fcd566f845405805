//! The generated protobuf types (SPEC.md 7), from the test kit, for writing the edited and
//! hand-built inputs: bundles, envelopes and states as another encoder (or an older version)
//! might write them.

pub(super) use hushwire_testkit::pb::*;
