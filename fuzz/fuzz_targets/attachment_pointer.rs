//! `cargo fuzz run attachment_pointer`: see `hushwire_testkit::fuzz::attachment_pointer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::attachment_pointer(data);
});
