//! `cargo fuzz run device_list`: see `hushwire_testkit::fuzz::device_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::device_list(data);
});
