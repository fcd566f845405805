//! `cargo fuzz run session_state`: see `hushwire_fuzz::targets::session_state`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_fuzz::targets::session_state(data);
});
