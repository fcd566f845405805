//! `cargo fuzz run session_record`: see `hushwire_testkit::fuzz::session_record`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::session_record(data);
});
