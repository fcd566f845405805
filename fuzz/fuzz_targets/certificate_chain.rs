//! `cargo fuzz run certificate_chain`: see `hushwire_testkit::fuzz::certificate_chain`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::certificate_chain(data);
});
