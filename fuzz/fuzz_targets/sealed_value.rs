//! `cargo fuzz run sealed_value`: see `hushwire_testkit::fuzz::sealed_value`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::sealed_value(data);
});
