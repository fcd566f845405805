//! The `aws-lc-rs` provider (cargo feature `aws-lc-rs`): AWS-LC's assembly for
//! ChaCha20-Poly1305 and X25519, for backends. Needs a C compiler to build (no cmake).

use aws_lc_rs::{aead, agreement};

use super::{ChaCha20Poly1305, CryptoProvider, KEY_LEN, NONCE_LEN, ProviderError, TAG_LEN, X25519};

/// The AWS-LC provider.
pub static AWS_LC_RS: CryptoProvider = CryptoProvider {
    name: "aws-lc-rs",
    aead: &AwsLcAead,
    x25519: &AwsLcX25519,
};

/// `aws_lc_rs::aead::CHACHA20_POLY1305`.
struct AwsLcAead;

fn less_safe_key(key: &[u8; KEY_LEN]) -> Result<aead::LessSafeKey, ProviderError> {
    let unbound =
        aead::UnboundKey::new(&aead::CHACHA20_POLY1305, key).map_err(|_| ProviderError)?;
    Ok(aead::LessSafeKey::new(unbound))
}

impl ChaCha20Poly1305 for AwsLcAead {
    fn seal_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError> {
        let (body, tag_room) = super::split_tag(in_out)?;
        let tag = less_safe_key(key)?
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(ad),
                body,
            )
            .map_err(|_| ProviderError)?;
        tag_room.copy_from_slice(tag.as_ref());
        Ok(())
    }

    fn open_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError> {
        if in_out.len() < TAG_LEN {
            return Err(ProviderError);
        }
        less_safe_key(key)?
            .open_in_place(
                aead::Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(ad),
                in_out,
            )
            .map(|_| ())
            .map_err(|_| ProviderError)
    }
}

/// `aws_lc_rs::agreement::X25519`. AWS-LC refuses to return an all-zero shared secret, and
/// could in principle refuse a key import; the [`X25519`] contract is total, so on any
/// refusal this falls back to the pure-Rust computation, which gives the same bytes (for the
/// all-zero output, the zeros that hushwire's own check then refuses). The Wycheproof and
/// RFC 7748 tests run through this provider show the two agree.
struct AwsLcX25519;

fn import(secret: &[u8; KEY_LEN]) -> Option<agreement::PrivateKey> {
    agreement::PrivateKey::from_private_key(&agreement::X25519, secret).ok()
}

/// X25519(secret, 9) by AWS-LC alone; `None` if it refused.
fn aws_public_key(secret: &[u8; KEY_LEN]) -> Option<[u8; KEY_LEN]> {
    let public = import(secret)?.compute_public_key().ok()?;
    <[u8; KEY_LEN]>::try_from(public.as_ref()).ok()
}

/// X25519(secret, public) by AWS-LC alone into `shared`; false if it refused (and then
/// `shared` is untouched).
fn aws_diffie_hellman(
    secret: &[u8; KEY_LEN],
    public: &[u8; KEY_LEN],
    shared: &mut [u8; KEY_LEN],
) -> bool {
    import(secret).is_some_and(|key| aws_agree_with(&key, public, shared))
}

/// X25519(key, public) by AWS-LC with an imported key; false if it refused.
fn aws_agree_with(
    key: &agreement::PrivateKey,
    public: &[u8; KEY_LEN],
    shared: &mut [u8; KEY_LEN],
) -> bool {
    agreement::agree(
        key,
        agreement::UnparsedPublicKey::new(&agreement::X25519, public),
        ProviderError,
        |raw| {
            if raw.len() != KEY_LEN {
                return Err(ProviderError);
            }
            shared.copy_from_slice(raw);
            Ok(())
        },
    )
    .is_ok()
}

impl X25519 for AwsLcX25519 {
    fn public_key(&self, secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
        aws_public_key(secret).unwrap_or_else(|| super::RUST_CRYPTO.x25519.public_key(secret))
    }

    fn diffie_hellman(
        &self,
        secret: &[u8; KEY_LEN],
        public: &[u8; KEY_LEN],
        shared: &mut [u8; KEY_LEN],
    ) {
        if !aws_diffie_hellman(secret, public, shared) {
            super::RUST_CRYPTO
                .x25519
                .diffie_hellman(secret, public, shared);
        }
    }

    fn agree(
        &self,
        secret: &[u8; KEY_LEN],
        public_key: Option<&mut [u8; KEY_LEN]>,
        publics: &[[u8; KEY_LEN]],
        shared: &mut [[u8; KEY_LEN]],
    ) {
        let Some(key) = import(secret) else {
            return super::RUST_CRYPTO
                .x25519
                .agree(secret, public_key, publics, shared);
        };
        if let Some(public_key) = public_key {
            let computed = key
                .compute_public_key()
                .ok()
                .and_then(|public| <[u8; KEY_LEN]>::try_from(public.as_ref()).ok());
            *public_key = computed.unwrap_or_else(|| self.public_key(secret));
        }
        for (public, out) in publics.iter().zip(shared.iter_mut()) {
            if !aws_agree_with(&key, public, out) {
                super::RUST_CRYPTO
                    .x25519
                    .diffie_hellman(secret, public, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::primitives::x25519::SMALL_ORDER;

    /// The fallback must be the exception: AWS-LC itself computes every public key and every
    /// shared secret of large-order points, and refuses exactly the all-zero outputs of the
    /// small-order ones. Without this, a provider that always fell back would pass every
    /// known-answer test while running none of AWS-LC.
    #[test]
    fn aws_lc_computes_and_falls_back_only_for_zero_outputs() {
        let rust = &super::super::RUST_CRYPTO;
        for i in 0..64u8 {
            let secret = [i.wrapping_mul(37).wrapping_add(1); KEY_LEN];
            let public = aws_public_key(&secret).expect("AWS-LC computes the public key");
            assert_eq!(public, rust.x25519.public_key(&secret));
            let peer = rust.x25519.public_key(&[i ^ 0x5a; KEY_LEN]);
            let (mut by_aws, mut by_rust) = ([0u8; KEY_LEN], [0u8; KEY_LEN]);
            assert!(
                aws_diffie_hellman(&secret, &peer, &mut by_aws),
                "AWS-LC agrees"
            );
            rust.x25519.diffie_hellman(&secret, &peer, &mut by_rust);
            assert_eq!(by_aws, by_rust);
        }
        for point in SMALL_ORDER {
            let mut shared = [0x11u8; KEY_LEN];
            assert!(!aws_diffie_hellman(&[7; KEY_LEN], &point, &mut shared));
            assert_eq!(shared, [0x11; KEY_LEN], "untouched on refusal");
            AWS_LC_RS
                .x25519
                .diffie_hellman(&[7; KEY_LEN], &point, &mut shared);
            assert_eq!(
                shared, [0; KEY_LEN],
                "the fallback writes the zeros hushwire refuses"
            );
        }
    }

    /// The one-import `agree` gives the bytes of the separate calls, small-order points
    /// (fallback) mixed in, with and without the public key.
    #[test]
    fn agree_matches_the_separate_calls() {
        let rust = &super::super::RUST_CRYPTO;
        for i in 0..16u8 {
            let secret = [i.wrapping_mul(29).wrapping_add(3); KEY_LEN];
            let mut publics: Vec<[u8; KEY_LEN]> = (0..3u8)
                .map(|j| rust.x25519.public_key(&[i ^ j ^ 0x33; KEY_LEN]))
                .collect();
            publics.push(SMALL_ORDER[usize::from(i) % SMALL_ORDER.len()]);
            let mut shared = vec![[0x55u8; KEY_LEN]; publics.len()];
            let mut public_key = [0u8; KEY_LEN];
            AWS_LC_RS
                .x25519
                .agree(&secret, Some(&mut public_key), &publics, &mut shared);
            assert_eq!(public_key, rust.x25519.public_key(&secret));
            for (public, out) in publics.iter().zip(&shared) {
                let mut expected = [0u8; KEY_LEN];
                rust.x25519.diffie_hellman(&secret, public, &mut expected);
                assert_eq!(*out, expected);
            }
            let mut again = vec![[0u8; KEY_LEN]; publics.len()];
            AWS_LC_RS.x25519.agree(&secret, None, &publics, &mut again);
            assert_eq!(again, shared);
        }
    }
}
