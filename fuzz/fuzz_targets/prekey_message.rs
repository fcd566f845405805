//! `cargo fuzz run prekey_message`: see `hushwire_testkit::fuzz::prekey_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::prekey_message(data);
});
