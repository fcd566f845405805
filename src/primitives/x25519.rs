//! X25519 keys and Diffie-Hellman with the checks SPEC.md section 2.2 requires.

use core::fmt;

#[cfg(test)]
use curve25519_dalek::Scalar;
#[cfg(test)]
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;
use crate::provider::CryptoProvider;

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

    /// Wraps a u-coordinate that needs no validation: computed from one of our own secrets, or
    /// the Montgomery form of an identity key that passed `IdentityKey::from_bytes` (not of
    /// small order, so its u is canonical and not in the small-order table).
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
        crate::primitives::hexfmt::write_hex(f, &self.0)?;
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

/// The canonical u-coordinates of every point of order dividing 8 on Curve25519 and its twist
/// (SPEC.md 2.2): 0 (order 2), 1 (order 4), p - 1 (order 4, twist), and the two of order 8.
pub(crate) const SMALL_ORDER: [[u8; X25519_LEN]; 5] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
];

/// True if the canonically encoded `u` is a point of order dividing 8 (on the curve or its
/// twist). A table look-up: the key is public, and a ladder per received key would cost as
/// much as a Diffie-Hellman. The unit tests check the table against the ladder.
fn has_small_order(u: &[u8; X25519_LEN]) -> bool {
    SMALL_ORDER.contains(u)
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

    /// A fresh secret drawn straight into its heap allocation, for secrets that live in
    /// values moved from step to step (the SAS states): no copy is left on the stack.
    pub(crate) fn generate_boxed<R: CryptoRng + ?Sized>(rng: &mut R) -> Box<Self> {
        let mut secret = Box::new(Self([0u8; X25519_LEN]));
        rng.fill_bytes(&mut secret.0);
        secret
    }

    /// Wraps stored secret bytes (clamping happens inside X25519, see SPEC.md 2.2). Named
    /// `from_array`: infallible constructors take arrays, and `from_bytes` always validates.
    pub(crate) fn from_array(bytes: [u8; X25519_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret bytes, for serialization.
    pub(crate) fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }

    /// X25519(k, 9) through `crypto`. The provider's answer is checked like a received key
    /// (canonical, not of small order): a faulty provider must not make us publish a key the
    /// peer refuses, after our state has moved on.
    ///
    /// # Errors
    /// [`Error::CryptoProviderFailed`] if the provider's public key fails that check.
    pub(crate) fn public_key(&self, crypto: &CryptoProvider) -> Result<X25519PublicKey, Error> {
        own_public_key(crypto.x25519.public_key(&self.0))
    }

    /// X25519(k, 9) with the built-in pure-Rust implementation, which cannot fail the checks:
    /// for generating prekeys, which take no configuration.
    pub(crate) fn builtin_public_key(&self) -> X25519PublicKey {
        X25519PublicKey(crate::provider::RUST_CRYPTO.x25519.public_key(&self.0))
    }

    /// Our public key and X25519(k, theirs[i]) for each `i`, in one provider call
    /// ([`crate::provider::X25519::agree`]): for a fresh key used straight away (X3DH's base
    /// key, a new ratchet key). Every output is checked as in [`Self::public_key`] and
    /// [`Self::agree`].
    pub(crate) fn public_key_and_agree<const N: usize>(
        &self,
        crypto: &CryptoProvider,
        theirs: [&X25519PublicKey; N],
    ) -> Result<(X25519PublicKey, [SharedSecret; N]), Error> {
        let mut public = [0u8; X25519_LEN];
        let shared = self.agree_into(crypto, Some(&mut public), theirs)?;
        Ok((own_public_key(public)?, shared))
    }

    /// X25519(k, theirs[i]) for each `i`, in one provider call, refusing an all-zero output of
    /// any of them ([`Error::NonContributoryKeyAgreement`]).
    pub(crate) fn agree<const N: usize>(
        &self,
        crypto: &CryptoProvider,
        theirs: [&X25519PublicKey; N],
    ) -> Result<[SharedSecret; N], Error> {
        self.agree_into(crypto, None, theirs)
    }

    /// The outputs live in arrays, never in a `Vec`: moving a secret out of a `Vec` frees its
    /// buffer without wiping it. The provider writes into a wiped-on-drop array.
    fn agree_into<const N: usize>(
        &self,
        crypto: &CryptoProvider,
        public_key: Option<&mut [u8; X25519_LEN]>,
        theirs: [&X25519PublicKey; N],
    ) -> Result<[SharedSecret; N], Error> {
        let publics: [[u8; X25519_LEN]; N] = theirs.map(|key| key.0);
        let mut shared = zeroize::Zeroizing::new([[0u8; X25519_LEN]; N]);
        crypto
            .x25519
            .agree(&self.0, public_key, &publics, &mut shared[..]);
        for bytes in shared.iter() {
            if bool::from(bytes.ct_eq(&[0u8; X25519_LEN])) {
                return Err(Error::NonContributoryKeyAgreement);
            }
        }
        Ok(core::array::from_fn(|i| SharedSecret(shared[i])))
    }

    /// X25519(k, their) through `crypto`, refusing an all-zero output.
    pub(crate) fn diffie_hellman(
        &self,
        crypto: &CryptoProvider,
        their: &X25519PublicKey,
    ) -> Result<SharedSecret, Error> {
        raw_diffie_hellman(crypto, &self.0, their.as_bytes())
    }
}

impl fmt::Debug for X25519Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519Secret(<redacted>)")
    }
}

/// X25519(k, u) on raw bytes through `crypto`, with the contributory check made here, above
/// the seam, for every provider: an all-zero result is [`Error::NonContributoryKeyAgreement`].
/// This is the wrapper the known-answer tests drive.
pub(crate) fn raw_diffie_hellman(
    crypto: &CryptoProvider,
    k: &[u8; X25519_LEN],
    u: &[u8; X25519_LEN],
) -> Result<SharedSecret, Error> {
    let mut out = SharedSecret([0u8; X25519_LEN]);
    crypto.x25519.diffie_hellman(k, u, &mut out.0);
    checked(out)
}

/// A public key a provider computed from one of our secrets, checked like a received one.
fn own_public_key(bytes: [u8; X25519_LEN]) -> Result<X25519PublicKey, Error> {
    if is_canonical(&bytes) && !has_small_order(&bytes) {
        Ok(X25519PublicKey(bytes))
    } else {
        Err(Error::CryptoProviderFailed)
    }
}

/// The contributory check of SPEC.md 2.2, in constant time: an all-zero output is
/// [`Error::NonContributoryKeyAgreement`].
fn checked(out: SharedSecret) -> Result<SharedSecret, Error> {
    if bool::from(out.0.ct_eq(&[0u8; X25519_LEN])) {
        return Err(Error::NonContributoryKeyAgreement);
    }
    Ok(out)
}

/// The output of one Diffie-Hellman. Zeroized on drop; never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SharedSecret([u8; X25519_LEN]);

impl SharedSecret {
    #[cfg(feature = "hazmat")]
    pub(crate) fn from_array(bytes: [u8; X25519_LEN]) -> Self {
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

    /// [8]P is the point at infinity (u = 0 from the ladder) exactly when P's order divides 8.
    fn small_order_by_ladder(u: &[u8; X25519_LEN]) -> bool {
        (MontgomeryPoint(*u) * Scalar::from(8u8)).to_bytes() == [0u8; X25519_LEN]
    }

    #[test]
    fn the_table_agrees_with_the_ladder() {
        for point in SMALL_ORDER {
            assert!(is_canonical(&point));
            assert!(small_order_by_ladder(&point), "{point:02x?}");
        }
        // Many canonical points of large order, some with a torsion component: never flagged.
        let mut u = [0u8; 32];
        for i in 0..2000u32 {
            u[..4].copy_from_slice(&i.to_le_bytes());
            u[4] = 0x42;
            let by_ladder = small_order_by_ladder(&u);
            assert_eq!(has_small_order(&u), by_ladder, "{u:02x?}");
            assert!(!by_ladder);
        }
        // Every small-order point times a large-order one is no longer small order, and the
        // small-order points are exactly the table (the 5 found by the ladder among u = P + T
        // for the torsion points T are the table entries).
        let base = MontgomeryPoint::mul_base_clamped([7; 32]);
        let edwards = base.to_edwards(0).expect("on the curve");
        let torsion = curve25519_dalek::constants::EIGHT_TORSION;
        for t in torsion {
            let mixed = (edwards + t).to_montgomery().to_bytes();
            assert!(!has_small_order(&mixed) && !small_order_by_ladder(&mixed));
            let small = t.to_montgomery().to_bytes();
            assert!(has_small_order(&small) && small_order_by_ladder(&small));
        }
    }

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
