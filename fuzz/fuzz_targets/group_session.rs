//! `cargo fuzz run group_session`: see `hushwire_testkit::fuzz::group_session`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::group_session(data);
});
