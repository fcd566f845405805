//! `cargo fuzz run group_message`: see `hushwire_testkit::fuzz::group_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::group_message(data);
});
