//! `cargo fuzz run stored_kem_prekey`: see `hushwire_testkit::fuzz::stored_kem_prekey`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::stored_kem_prekey(data);
});
