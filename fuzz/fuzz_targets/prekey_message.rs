//! `cargo fuzz run prekey_message`: see `hushwire_fuzz::targets::prekey_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::prekey_message(data);
});
