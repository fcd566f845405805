//! `cargo fuzz run envelope`: see `hushwire_fuzz::targets::envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::envelope(data);
});
