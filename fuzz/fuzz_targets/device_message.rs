//! `cargo fuzz run device_message`: see `hushwire_testkit::fuzz::device_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::device_message(data);
});
