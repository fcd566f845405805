//! `cargo fuzz run device_link`: see `hushwire_testkit::fuzz::device_link`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::device_link(data);
});
