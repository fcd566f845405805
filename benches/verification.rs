//! Placeholder: the verification benchmarks are being written.
fn main() {}
