//! `cargo fuzz run multi_device`: see `hushwire_testkit::fuzz::multi_device`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::multi_device(data);
});
