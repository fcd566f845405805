//! `cargo fuzz run envelope`: see `hushwire_testkit::fuzz::envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::envelope(data);
});
