//! `cargo fuzz run verification_message`: see `hushwire_testkit::fuzz::verification_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::verification_message(data);
});
