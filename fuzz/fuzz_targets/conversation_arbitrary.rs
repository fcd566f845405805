//! `cargo fuzz run conversation_arbitrary`: the `conversation` engine
//! (`hushwire_testkit::fuzz::run_ops`) driven by operations from `#[derive(Arbitrary)]`.
#![no_main]

use hushwire_fuzz::{ArbitraryOp, Op};
use hushwire_testkit::fuzz;

libfuzzer_sys::fuzz_target!(|ops: Vec<ArbitraryOp>| {
    let _ = fuzz::run_ops(ops.into_iter().map(Op::from));
});
