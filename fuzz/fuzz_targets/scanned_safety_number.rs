//! `cargo fuzz run scanned_safety_number`: see `hushwire_testkit::fuzz::scanned_safety_number`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::scanned_safety_number(data);
});
