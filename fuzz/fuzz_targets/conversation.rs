//! `cargo fuzz run conversation`: see `hushwire_testkit::fuzz::conversation`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::conversation(data);
});
