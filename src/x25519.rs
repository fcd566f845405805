//! X25519 keys and Diffie-Hellman with the checks SPEC.md section 2.2 requires.

use core::fmt;

use curve25519_dalek::{Scalar, montgomery::MontgomeryPoint};
use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// Length of an X25519 key or shared secret in bytes.
pub const X25519_LEN: usize = 32;

/// An X25519 public key that has passed validation: a canonical encoding (the top bit is clear
/// and the value is below 2^255 - 19) of a point that does not have small order.
///
/// Bytes from the network become an `X25519PublicKey` only through [`X25519PublicKey::from_bytes`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; X25519_LEN]);

impl X25519PublicKey {
    /// Validates `bytes` as an X25519 public key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless there are 32 bytes, [`Error::InvalidPublicKey`] for a
    /// non-canonical encoding, and [`Error::LowOrderPublicKey`] for a point of small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_field(bytes, "x25519_public_key")
    }

    /// Like [`Self::from_bytes`], naming `field` in a length error.
    pub(crate) fn from_field(bytes: &[u8], field: &'static str) -> Result<Self, Error> {
        let array: [u8; X25519_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            field,
            expected: X25519_LEN,
            found: bytes.len(),
        })?;
        if !is_canonical(&array) {
            return Err(Error::InvalidPublicKey);
        }
        if has_small_order(&array) {
            return Err(Error::LowOrderPublicKey);
        }
        Ok(Self(array))
    }

    /// Wraps a u-coordinate computed from one of our own secrets, which needs no validation.
    pub(crate) fn from_montgomery_unchecked(u: [u8; X25519_LEN]) -> Self {
        Self(u)
    }

    /// The 32-byte little-endian u-coordinate.
    pub fn to_bytes(&self) -> [u8; X25519_LEN] {
        self.0
    }

    /// The 32-byte little-endian u-coordinate.
    pub fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }
}

impl fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519PublicKey(")?;
        crate::hexfmt::write_hex(f, &self.0)?;
        write!(f, ")")
    }
}

/// True if `u` is the canonical encoding of a field element: the top bit is clear and the
/// value is below p = 2^255 - 19.
fn is_canonical(u: &[u8; X25519_LEN]) -> bool {
    // Values >= p with the top bit clear are p..2^255-1: 0x7f, then 30 bytes of 0xff, then a
    // low byte >= 0xed (little-endian).
    let top_bit_clear = u[31] & 0x80 == 0;
    let at_least_p = u[31] == 0x7f && u[1..31].iter().all(|&b| b == 0xff) && u[0] >= 0xed;
    top_bit_clear && !at_least_p
}

/// True if the point with u-coordinate `u`, on the curve or its twist, has order dividing 8.
fn has_small_order(u: &[u8; X25519_LEN]) -> bool {
    // [8]P is the point at infinity (encoded as u = 0 by the ladder) exactly when P's order
    // divides 8. Both the curve (cofactor 8) and its twist (cofactor 4) are covered.
    let eight = Scalar::from(8u8);
    (MontgomeryPoint(*u) * eight).to_bytes() == [0u8; X25519_LEN]
}

/// An X25519 secret key of ours. Zeroized on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct X25519Secret([u8; X25519_LEN]);

impl X25519Secret {
    /// A fresh secret: 32 bytes from `rng`.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; X25519_LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps stored secret bytes (clamping happens inside X25519, see SPEC.md 2.2).
    pub(crate) fn from_bytes(bytes: [u8; X25519_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret bytes, for serialization.
    pub(crate) fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }

    /// X25519(k, 9).
    pub(crate) fn public_key(&self) -> X25519PublicKey {
        X25519PublicKey(MontgomeryPoint::mul_base_clamped(self.0).to_bytes())
    }

    /// X25519(k, their), refusing an all-zero output.
    pub(crate) fn diffie_hellman(&self, their: &X25519PublicKey) -> Result<SharedSecret, Error> {
        raw_diffie_hellman(&self.0, their.as_bytes())
    }
}

impl fmt::Debug for X25519Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519Secret(<redacted>)")
    }
}

/// X25519(k, u) on raw bytes with the contributory check: an all-zero result is
/// [`Error::NonContributoryKeyAgreement`]. This is the wrapper the known-answer tests drive.
pub(crate) fn raw_diffie_hellman(
    k: &[u8; X25519_LEN],
    u: &[u8; X25519_LEN],
) -> Result<SharedSecret, Error> {
    let out = SharedSecret(MontgomeryPoint(*u).mul_clamped(*k).to_bytes());
    if bool::from(out.0.ct_eq(&[0u8; X25519_LEN])) {
        return Err(Error::NonContributoryKeyAgreement);
    }
    Ok(out)
}

/// The output of one Diffie-Hellman. Zeroized on drop; never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SharedSecret([u8; X25519_LEN]);

impl SharedSecret {
    pub(crate) fn from_bytes(bytes: [u8; X25519_LEN]) -> Self {
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_bounds() {
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        p[0] = 0xed;
        assert!(!is_canonical(&p), "p itself is not canonical");
        p[0] = 0xec;
        assert!(is_canonical(&p), "p - 1 is canonical");
        let mut high = [0u8; 32];
        high[0] = 9;
        high[31] = 0x80;
        assert!(!is_canonical(&high));
    }

    #[test]
    fn small_order_points_are_found() {
        // u = 0 (order 2) and u = 1 (order 4), both on the curve.
        assert!(has_small_order(&[0u8; 32]));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(has_small_order(&one));
        // A point of order 8 (from RFC 7748 discussions and libsodium's blocklist).
        let order8 =
            hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
                .unwrap();
        assert!(has_small_order(&order8.try_into().unwrap()));
        // The base point has large order.
        let mut nine = [0u8; 32];
        nine[0] = 9;
        assert!(!has_small_order(&nine));
    }
}
