//! `cargo fuzz run revocation_list`: see `hushwire_testkit::fuzz::revocation_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hushwire_testkit::fuzz::revocation_list(data);
});
