//! `cargo fuzz run trust_record`: see `hushwire_testkit::fuzz::trust_record`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::trust_record(data);
});
