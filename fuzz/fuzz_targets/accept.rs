//! `cargo fuzz run accept`: see `hushwire_fuzz::targets::accept`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::accept(data);
});
