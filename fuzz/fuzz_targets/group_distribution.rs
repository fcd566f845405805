//! `cargo fuzz run group_distribution`: see `hushwire_testkit::fuzz::group_distribution`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::group_distribution(data);
});
