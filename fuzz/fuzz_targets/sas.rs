//! `cargo fuzz run sas`: see `hushwire_testkit::fuzz::sas`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::sas(data);
});
