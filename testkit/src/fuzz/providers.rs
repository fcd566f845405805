//! The `providers` target: the crypto providers against each other, through hushwire's
//! checked wrappers (`hushwire::hazmat`), on arbitrary inputs.

use hushwire::{CryptoProvider, hazmat};

use super::Outcome;

/// The providers compared: every one compiled in. Built for fuzzing with the `aws-lc-rs`
/// feature (fuzz/Cargo.toml), that is the pure-Rust default and AWS-LC; a build with only
/// one still checks its round trips.
fn compiled_in() -> &'static [&'static CryptoProvider] {
    CryptoProvider::available()
}

/// `providers`: the first byte picks X25519 (even) or ChaCha20-Poly1305 (odd).
///
/// - X25519: a 32-byte secret and a 32-byte u (any bytes: non-canonical, small order, top bit
///   set); every provider gives the same public key, and the same shared secret or the same
///   error.
/// - AEAD: a key, a nonce, an associated-data length byte, the associated data, then a body.
///   Every provider seals the body to the same bytes, opens every other provider's output
///   back to the body, refuses it with any one bit flipped, and gives the same answer for
///   the body itself taken as a ciphertext (a forgery: in practice refused by all).
///
/// Returns [`Outcome::Accepted`] when the input got far enough to compare outputs.
pub fn providers(data: &[u8]) -> Outcome {
    let Some((&op, rest)) = data.split_first() else {
        return Outcome::Rejected;
    };
    if op % 2 == 0 {
        x25519(rest)
    } else {
        aead(rest)
    }
}

fn x25519(data: &[u8]) -> Outcome {
    let (Some(secret), Some(public)) = (
        data.get(..32).and_then(|s| <[u8; 32]>::try_from(s).ok()),
        data.get(32..64).and_then(|s| <[u8; 32]>::try_from(s).ok()),
    ) else {
        return Outcome::Rejected;
    };
    let first = compiled_in()[0];
    let public_key = hazmat::x25519_public_key(first, &secret);
    let shared = hazmat::x25519(first, &secret, &public).map(|s| *s);
    for provider in &compiled_in()[1..] {
        assert_eq!(
            hazmat::x25519_public_key(provider, &secret),
            public_key,
            "{} public key",
            provider.name()
        );
        assert_eq!(
            hazmat::x25519(provider, &secret, &public).map(|s| *s),
            shared,
            "{} shared secret",
            provider.name()
        );
    }
    Outcome::Accepted
}

fn aead(data: &[u8]) -> Outcome {
    let (Some(key), Some(nonce), Some(&ad_len)) = (
        data.get(..32).and_then(|s| <[u8; 32]>::try_from(s).ok()),
        data.get(32..44).and_then(|s| <[u8; 12]>::try_from(s).ok()),
        data.get(44),
    ) else {
        return Outcome::Rejected;
    };
    let rest = &data[45..];
    let ad_len = usize::from(ad_len).min(rest.len());
    let (ad, body) = rest.split_at(ad_len);
    let sealed: Vec<Vec<u8>> = compiled_in()
        .iter()
        .map(|p| hazmat::chacha20poly1305_seal(p, &key, &nonce, ad, body).expect("small input"))
        .collect();
    let forged = hazmat::chacha20poly1305_open(compiled_in()[0], &key, &nonce, ad, body);
    for (i, provider) in compiled_in().iter().enumerate() {
        assert_eq!(
            sealed[i],
            sealed[0],
            "{} seals differently",
            provider.name()
        );
        assert_eq!(sealed[i].len(), body.len() + 16);
        for other in &sealed {
            assert_eq!(
                hazmat::chacha20poly1305_open(provider, &key, &nonce, ad, other).as_deref(),
                Ok(body),
                "{} does not open",
                provider.name()
            );
        }
        let mut flipped = sealed[i].clone();
        let at = usize::from(body.first().copied().unwrap_or(0)) % flipped.len();
        flipped[at] ^= 0x01 << (at % 8);
        assert_eq!(
            hazmat::chacha20poly1305_open(provider, &key, &nonce, ad, &flipped),
            Err(hushwire::Error::DecryptionFailed),
            "{} opens a flipped ciphertext",
            provider.name()
        );
        assert_eq!(
            hazmat::chacha20poly1305_open(provider, &key, &nonce, ad, body),
            forged,
            "{} answers a forgery differently",
            provider.name()
        );
    }
    Outcome::Accepted
}
