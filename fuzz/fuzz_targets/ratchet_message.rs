//! `cargo fuzz run ratchet_message`: see `hushwire_testkit::fuzz::ratchet_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::ratchet_message(data);
});
