//! Encrypting: a plaintext too large to send and an exhausted sending counter.

use crate::common::*;
use crate::support::*;
use hushwire::{Error, Session};

#[test]
fn plaintext_too_large_to_send() {
    let mut small = config();
    small.max_encoded_len = 200;
    let mut rng = rng(160);
    let mut pair = established_pair(&mut rng, small);
    let before = pair.alice.to_stored();
    // SPEC.md 8.4: refused when plaintext.len() + 176 (the worst-case envelope overhead)
    // exceeds max_encoded_len: 25 + 176 = 201 > 200, while 24 + 176 = 200 is allowed.
    assert_eq!(
        pair.alice.encrypt(&[0u8; 25]).unwrap_err(),
        Error::TooLarge { len: 201, max: 200 }
    );
    assert_eq!(pair.alice.to_stored(), before);
    assert!(pair.alice.encrypt(&[0u8; 24]).is_ok());
}

#[test]
fn sending_counter_exhausted() {
    let (pair, _) = ratchet_wire(161);
    let bytes = edit_state(&pair.alice, |s| {
        s.sending.as_mut().unwrap().counter = u32::MAX
    });
    let mut alice = Session::from_stored(&bytes, &config()).unwrap();
    assert_eq!(
        alice.encrypt(b"one more").unwrap_err(),
        Error::CounterExhausted
    );
    assert_eq!(alice.to_stored().as_bytes(), bytes);
}
