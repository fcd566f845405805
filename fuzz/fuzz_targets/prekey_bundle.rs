//! `cargo fuzz run prekey_bundle`: see `hushwire_fuzz::targets::prekey_bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::prekey_bundle(data);
});
