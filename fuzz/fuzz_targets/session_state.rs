//! `cargo fuzz run session_state`: see `hushwire_testkit::fuzz::session_state`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::session_state(data);
});
