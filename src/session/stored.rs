//! The stored form of a session: secret bytes with a checksum (SPEC.md 9.1).

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A session's stored form, as [`crate::Session::to_stored`] writes it and
/// [`crate::Session::from_stored`] reads it: the canonical `SessionState` encoding followed by
/// a 32-byte checksum, so that a row cut short or damaged is refused
/// ([`crate::Error::SessionStateCorrupted`]) instead of loading as another state.
///
/// **It is secret**: it holds the session's chain keys. It is wiped when dropped, and its
/// `Debug` shows only its length. Store it where the application keeps secrets, and use each
/// stored state at most once (SPEC.md section 9).
pub struct StoredSession(Zeroizing<Vec<u8>>);

impl StoredSession {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// Wraps bytes read back from storage. Nothing is checked until
    /// [`crate::Session::from_stored`].
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes to write to storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, still wiped on drop.
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are no bytes (never the case for what `to_stored` writes).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Compared in constant time: the bytes are secret.
impl PartialEq for StoredSession {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && bool::from(self.0.as_slice().ct_eq(other.0.as_slice()))
    }
}

impl Eq for StoredSession {}

impl AsRef<[u8]> for StoredSession {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredSession({} bytes, <redacted>)", self.0.len())
    }
}
