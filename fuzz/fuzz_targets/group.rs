//! `cargo fuzz run group`: see `hushwire_testkit::fuzz::group`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::group(data);
});
