//! `cargo fuzz run attachment_open`: see `hushwire_testkit::fuzz::attachment_open`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::attachment_open(data);
});
