//! `cargo fuzz run decrypt`: see `hushwire_fuzz::targets::decrypt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::decrypt(data);
});
