//! `cargo fuzz run providers`: see `hushwire_testkit::fuzz::providers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::providers(data);
});
