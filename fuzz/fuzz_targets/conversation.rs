//! `cargo fuzz run conversation`: see `hushwire_fuzz::targets::conversation`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::conversation(data);
});
