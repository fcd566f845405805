//! `cargo fuzz run prekey_bundle`: see `hushwire_testkit::fuzz::prekey_bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::prekey_bundle(data);
});
