//! Transitional: `tests/properties.rs` in the main crate still includes this file with
//! `#[path = "../fuzz/src/targets.rs"] mod targets;`. The targets' logic now lives in
//! `hushwire_testkit::fuzz`; this file only re-exports it, and goes once that test says
//! `use hushwire_testkit::fuzz as targets;` instead. The fuzz crate itself does not compile it.

#![allow(unreachable_pub, unused_imports)]

pub use hushwire_testkit::fuzz::*;
