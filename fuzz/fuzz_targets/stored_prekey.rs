//! `cargo fuzz run stored_prekey`: see `hushwire_testkit::fuzz::stored_prekey`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::stored_prekey(data);
});
