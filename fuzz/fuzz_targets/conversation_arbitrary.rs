//! `cargo fuzz run conversation_arbitrary`: the `conversation` engine
//! (`hushwire_testkit::fuzz::run_ops_with`) driven by a set-up (classic or hybrid) and
//! operations from `#[derive(Arbitrary)]`.
#![no_main]

use hushwire_fuzz::{ArbitraryOp, ArbitrarySetup, Op};
use hushwire_testkit::fuzz;

libfuzzer_sys::fuzz_target!(|input: (ArbitrarySetup, Vec<ArbitraryOp>)| {
    let (setup, ops) = input;
    let _ = fuzz::run_ops_with(setup.into(), ops.into_iter().map(Op::from));
});
