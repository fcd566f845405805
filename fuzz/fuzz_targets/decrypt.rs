//! `cargo fuzz run decrypt`: see `hushwire_testkit::fuzz::decrypt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::decrypt(data);
});
