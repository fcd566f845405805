//! The catalogue of bad input of SECURITY.md: one test per class of bad input to the pairwise
//! layer, each checking the exact `hushwire::Error` it returns and, where a session or store
//! is involved, that it is left exactly as it was. One module per layer the input reaches;
//! `tests/security_catalogue.rs` checks that every row of the catalogue names one of these
//! tests, in the file it names.
//!
//! Inputs are built by re-encoding genuine messages with the schema's prost types (the
//! generated file `src/proto/hushwire.v1.rs`, included here), or by editing their bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

use hushwire_testkit::pb;

mod support;

mod accept;
mod attachment;
mod bundle;
mod business;
mod decrypt;
mod device;
mod encrypt;
mod envelope;
mod group;
mod hybrid;
mod prekey_message;
mod ratchet_message;
mod session_state;
mod store;
mod verification;
