//! The file key: 32 random bytes per attachment, the only secret a pointer carries.

use core::fmt;

use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// Length of a [`FileKey`].
pub const FILE_KEY_LEN: usize = 32;

/// The key of one attachment (SPEC.md 16.1): drawn fresh for every file, never reused.
///
/// Wiped on drop; `Debug` shows nothing of it; two keys compare in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FileKey([u8; FILE_KEY_LEN]);

impl FileKey {
    /// A fresh key from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = [0u8; FILE_KEY_LEN];
        rng.fill_bytes(&mut key);
        Self(key)
    }

    /// A key from its 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] (field `file_key`) for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let key: [u8; FILE_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            field: "file_key",
            expected: FILE_KEY_LEN,
            found: bytes.len(),
        })?;
        Ok(Self(key))
    }

    /// The key's bytes, to store or send it (it is a secret: keep it encrypted).
    pub fn as_bytes(&self) -> &[u8; FILE_KEY_LEN] {
        &self.0
    }
}

impl PartialEq for FileKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for FileKey {}

impl fmt::Debug for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileKey(<redacted>)")
    }
}
