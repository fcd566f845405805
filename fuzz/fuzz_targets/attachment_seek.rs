//! `cargo fuzz run attachment_seek`: see `hushwire_testkit::fuzz::attachment_seek`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::attachment_seek(data);
});
