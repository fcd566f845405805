//! `cargo fuzz run conversation_arbitrary`: the `conversation` engine
//! (`hushwire_fuzz::targets::run_ops`) driven by operations from `#[derive(Arbitrary)]`.
#![no_main]

use hushwire_fuzz::{ArbitraryOp, Op, targets};

libfuzzer_sys::fuzz_target!(|ops: Vec<ArbitraryOp>| {
    let _ = targets::run_ops(ops.into_iter().map(Op::from));
});
