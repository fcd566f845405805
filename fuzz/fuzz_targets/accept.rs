//! `cargo fuzz run accept`: see `hushwire_testkit::fuzz::accept`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::accept(data);
});
