//! ML-KEM-1024 (FIPS 203) through `libcrux-ml-kem`, with the input checks of FIPS 203 7.2 and
//! 7.3 made here, above the crate (SPEC.md 18.2).
//!
//! Every random draw comes from the caller's `rng`: key generation draws `d` then `z`
//! (32 bytes each), encapsulation draws `m` (32 bytes), so a seeded RNG reproduces every key
//! and ciphertext.

use core::fmt;

use libcrux_ml_kem::mlkem1024::{
    self, MlKem1024Ciphertext, MlKem1024PrivateKey, MlKem1024PublicKey,
};
use rand::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;

/// Length of an ML-KEM-1024 encapsulation (public) key in bytes.
pub const KEM_PUBLIC_KEY_LEN: usize = 1568;
/// Length of an ML-KEM-1024 decapsulation (secret) key in bytes, in FIPS 203's expanded form
/// `dk_PKE || ek || H(ek) || z`.
pub const KEM_SECRET_KEY_LEN: usize = 3168;
/// Length of an ML-KEM-1024 ciphertext in bytes.
pub const KEM_CIPHERTEXT_LEN: usize = 1568;
/// Length of the ML-KEM shared secret in bytes.
pub const KEM_SHARED_SECRET_LEN: usize = 32;

/// Where `ek` sits inside `dk` (FIPS 203: `dk = dk_PKE (384·k) || ek || H(ek) || z`, k = 4).
const EK_OFFSET: usize = 384 * 4;

/// An ML-KEM-1024 encapsulation key that has passed FIPS 203's input check (7.2): exactly
/// 1568 bytes, and every coefficient below q = 3329 (re-encoding it gives the same bytes).
#[derive(Clone)]
pub struct KemPublicKey(Box<MlKem1024PublicKey>);

impl KemPublicKey {
    /// Validates `bytes` as an ML-KEM-1024 encapsulation key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless there are 1568 bytes, [`Error::InvalidPublicKey`] if the
    /// modulus check fails.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_field(bytes, "kem_public_key")
    }

    /// Like [`Self::from_bytes`], naming `field` in a length error.
    pub(crate) fn from_field(bytes: &[u8], field: &'static str) -> Result<Self, Error> {
        let key = MlKem1024PublicKey::try_from(bytes).map_err(|_| Error::InvalidLength {
            field,
            expected: KEM_PUBLIC_KEY_LEN,
            found: bytes.len(),
        })?;
        if !mlkem1024::validate_public_key(&key) {
            return Err(Error::InvalidPublicKey);
        }
        Ok(Self(Box::new(key)))
    }

    /// The 1568 bytes of the key.
    pub fn as_bytes(&self) -> &[u8; KEM_PUBLIC_KEY_LEN] {
        self.0.as_slice()
    }

    /// Encapsulates to this key: draws `m` (32 bytes) from `rng` and returns the ciphertext
    /// and the shared secret (FIPS 203 ML-KEM.Encaps).
    pub(crate) fn encapsulate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> (KemCiphertext, KemSharedSecret) {
        let mut m = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(m.as_mut());
        self.encapsulate_with(&m)
    }

    /// Encapsulation with a given `m` (the hazmat known-answer route).
    pub(crate) fn encapsulate_with(&self, m: &[u8; 32]) -> (KemCiphertext, KemSharedSecret) {
        let (ct, mut ss) = mlkem1024::encapsulate(&self.0, *m);
        let shared = KemSharedSecret(ss);
        ss.zeroize();
        (KemCiphertext(Box::new(ct)), shared)
    }
}

impl PartialEq for KemPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for KemPublicKey {}

impl fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 1568 bytes is too long to print whole: the first 8, as an identification aid.
        write!(f, "KemPublicKey(")?;
        crate::primitives::hexfmt::write_hex(f, &self.as_bytes()[..8])?;
        write!(f, "…)")
    }
}

/// An ML-KEM-1024 ciphertext of the right length. Any 1568 bytes are accepted: a ciphertext
/// that was not made for our key decapsulates to an unrelated secret (FIPS 203's implicit
/// rejection), so the first message then fails to decrypt.
#[derive(Clone)]
pub struct KemCiphertext(Box<MlKem1024Ciphertext>);

impl KemCiphertext {
    /// Takes `bytes` as a ciphertext.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless there are 1568 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_field(bytes, "kem_ciphertext")
    }

    /// Like [`Self::from_bytes`], naming `field` in a length error.
    pub(crate) fn from_field(bytes: &[u8], field: &'static str) -> Result<Self, Error> {
        let ct = MlKem1024Ciphertext::try_from(bytes).map_err(|_| Error::InvalidLength {
            field,
            expected: KEM_CIPHERTEXT_LEN,
            found: bytes.len(),
        })?;
        Ok(Self(Box::new(ct)))
    }

    /// The 1568 bytes of the ciphertext.
    pub fn as_bytes(&self) -> &[u8; KEM_CIPHERTEXT_LEN] {
        self.0.as_slice()
    }
}

impl PartialEq for KemCiphertext {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for KemCiphertext {}

impl fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemCiphertext(")?;
        crate::primitives::hexfmt::write_hex(f, &self.as_bytes()[..8])?;
        write!(f, "…)")
    }
}

/// The 32-byte shared secret of an encapsulation. Zeroized on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct KemSharedSecret(pub(crate) [u8; KEM_SHARED_SECRET_LEN]);

impl KemSharedSecret {
    pub(crate) fn as_bytes(&self) -> &[u8; KEM_SHARED_SECRET_LEN] {
        &self.0
    }
}

/// An ML-KEM-1024 decapsulation key in FIPS 203's expanded form, on the heap, in the one
/// value libcrux decapsulates from (no copy per decapsulation). Wiped on drop (libcrux's type
/// is not), never printed; it holds its encapsulation key.
pub(crate) struct KemSecretKey(Box<MlKem1024PrivateKey>);

impl KemSecretKey {
    /// Generates a key pair: draws `d` then `z` (32 bytes each, one `rng(64)`) from `rng`
    /// (FIPS 203 ML-KEM.KeyGen).
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> (Self, KemPublicKey) {
        let mut seed = Zeroizing::new([0u8; 64]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    /// Key generation from `d || z` (the hazmat known-answer route).
    pub(crate) fn from_seed(seed: &[u8; 64]) -> (Self, KemPublicKey) {
        let mut randomness = *seed;
        let pair = mlkem1024::generate_key_pair(randomness);
        randomness.zeroize();
        let (secret, public) = pair.into_parts();
        (Self(Box::new(secret)), KemPublicKey(Box::new(public)))
    }

    /// Reads an expanded decapsulation key back, with FIPS 203's input check (7.3): the
    /// stored `H(ek)` matches `ek`. The encapsulation key inside is checked as in 7.2 too.
    pub(crate) fn from_bytes(bytes: &[u8; KEM_SECRET_KEY_LEN]) -> Option<Self> {
        // Built in place, so a refused key is wiped by `Drop` too.
        let key = Self(Box::new(MlKem1024PrivateKey::from(bytes)));
        if !mlkem1024::portable::validate_private_key_only(&key.0) {
            return None;
        }
        KemPublicKey::from_bytes(key.public_key_bytes()).ok()?;
        Some(key)
    }

    /// The expanded key's bytes, for its stored form.
    pub(crate) fn as_bytes(&self) -> &[u8; KEM_SECRET_KEY_LEN] {
        self.0.as_slice()
    }

    /// The encapsulation key held inside the decapsulation key.
    fn public_key_bytes(&self) -> &[u8] {
        &self.as_bytes()[EK_OFFSET..EK_OFFSET + KEM_PUBLIC_KEY_LEN]
    }

    /// The encapsulation key, as checked when this key was made or read.
    pub(crate) fn public_key(&self) -> Option<KemPublicKey> {
        KemPublicKey::from_bytes(self.public_key_bytes()).ok()
    }

    /// FIPS 203 ML-KEM.Decaps: the shared secret, or the implicit-rejection secret for a
    /// ciphertext not made for this key. Infallible for a ciphertext of the right length.
    pub(crate) fn decapsulate(&self, ciphertext: &KemCiphertext) -> KemSharedSecret {
        let mut ss = mlkem1024::decapsulate(&self.0, &ciphertext.0);
        let shared = KemSharedSecret(ss);
        ss.zeroize();
        shared
    }
}

impl Clone for KemSecretKey {
    fn clone(&self) -> Self {
        Self(Box::new(MlKem1024PrivateKey::from(self.as_bytes())))
    }
}

impl Drop for KemSecretKey {
    fn drop(&mut self) {
        // libcrux's key type has no Zeroize: take its bytes out (leaving zeros on the heap)
        // and wipe them.
        let mut raw: [u8; KEM_SECRET_KEY_LEN] = core::mem::take(&mut *self.0).into();
        raw.zeroize();
    }
}

impl fmt::Debug for KemSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KemSecretKey(<redacted>)")
    }
}
