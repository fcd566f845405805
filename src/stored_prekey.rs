//! The stored forms of our own prekeys (SPEC.md 17.2): what a store keeps of a signed or
//! one-time prekey pair, secret included.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::kem::ml_kem::{KEM_SECRET_KEY_LEN, KemSecretKey};
use crate::kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
use crate::prekey::{
    OneTimePreKey, OneTimePreKeyId, OneTimePreKeyPair, SignedPreKey, SignedPreKeyId,
    SignedPreKeyPair,
};
use crate::primitives::hash::{
    LABEL_STORED_KEM_PREKEY, LABEL_STORED_ONE_TIME_PREKEY, LABEL_STORED_SIGNED_PREKEY,
    labelled_sha256,
};
use crate::primitives::x25519::{X25519_LEN, X25519Secret};
use crate::signature::SIGNATURE_LEN;
use crate::timestamp::Timestamp;

/// The version byte that starts both stored prekey forms.
const STORED_PREKEY_VERSION: u8 = 1;
/// Length of the checksum that ends both forms.
const CHECKSUM_LEN: usize = 32;
/// A stored signed prekey: version, id, created_at, secret, signature, checksum.
pub(crate) const STORED_SIGNED_PREKEY_LEN: usize =
    1 + 4 + 8 + X25519_LEN + SIGNATURE_LEN + CHECKSUM_LEN;
/// A stored one-time prekey: version, id, secret, checksum.
pub(crate) const STORED_ONE_TIME_PREKEY_LEN: usize = 1 + 4 + X25519_LEN + CHECKSUM_LEN;
/// A stored KEM prekey: version, id, created_at, kind, decapsulation key, signature,
/// checksum (SPEC.md 18.6).
pub(crate) const STORED_KEM_PREKEY_LEN: usize =
    1 + 4 + 8 + 1 + KEM_SECRET_KEY_LEN + SIGNATURE_LEN + CHECKSUM_LEN;

/// A prekey pair's stored form (SPEC.md 17.2): fixed-length bytes ending in a checksum.
/// **Secret**: it holds the private key. Wiped on drop; `Debug` shows only its length.
pub struct StoredPreKey(Zeroizing<Vec<u8>>);

impl StoredPreKey {
    /// Wraps bytes read back from storage. Nothing is checked until
    /// [`SignedPreKeyPair::from_stored`] or [`OneTimePreKeyPair::from_stored`].
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes to write to storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if empty (never, for a stored prekey).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for StoredPreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredPreKey({} bytes)", self.0.len())
    }
}

/// Appends the checksum of `content` under `label`.
fn with_checksum(mut content: Zeroizing<Vec<u8>>, label: &[u8]) -> StoredPreKey {
    let checksum = labelled_sha256(label, &[&content]);
    content.extend_from_slice(&checksum);
    StoredPreKey(content)
}

/// Checks the length, the checksum and the version byte; returns the content after the
/// version byte.
fn checked<'a>(bytes: &'a [u8], len: usize, label: &[u8]) -> Result<&'a [u8], Error> {
    if bytes.len() != len {
        return Err(Error::SessionStateCorrupted);
    }
    let (content, checksum) = bytes.split_at(len - CHECKSUM_LEN);
    let expected = labelled_sha256(label, &[content]);
    if !bool::from(expected.ct_eq(checksum)) {
        return Err(Error::SessionStateCorrupted);
    }
    match content.split_first() {
        Some((&STORED_PREKEY_VERSION, rest)) => Ok(rest),
        Some((&version, _)) => Err(Error::UnsupportedVersion {
            found: u32::from(version),
        }),
        None => Err(Error::SessionStateCorrupted),
    }
}

fn array<const N: usize>(bytes: &[u8]) -> Result<[u8; N], Error> {
    bytes.try_into().map_err(|_| Error::SessionStateCorrupted)
}

impl SignedPreKeyPair {
    /// The stored form (SPEC.md 17.2): `0x01 || id (u32 BE) || created_at (u64 BE) ||
    /// secret (32) || signature (64) || checksum (32)`, 141 bytes. Secret.
    pub fn to_stored(&self) -> StoredPreKey {
        let public = self.public();
        let mut content = Zeroizing::new(Vec::with_capacity(STORED_SIGNED_PREKEY_LEN));
        content.push(STORED_PREKEY_VERSION);
        content.extend_from_slice(&public.id().0.to_be_bytes());
        content.extend_from_slice(&public.created_at().as_unix_seconds().to_be_bytes());
        content.extend_from_slice(self.secret().as_bytes());
        content.extend_from_slice(public.signature());
        with_checksum(content, LABEL_STORED_SIGNED_PREKEY)
    }

    /// Restores a signed prekey pair from [`SignedPreKeyPair::to_stored`]'s bytes; the public
    /// key is computed again from the secret. The signature is kept as stored: the checksum
    /// guards it against damage.
    ///
    /// # Errors
    /// [`Error::SessionStateCorrupted`] for bytes of another length or whose checksum does
    /// not match, [`Error::UnsupportedVersion`] for a version byte other than 1.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, Error> {
        let content = checked(bytes, STORED_SIGNED_PREKEY_LEN, LABEL_STORED_SIGNED_PREKEY)?;
        let (id, rest) = content.split_at(4);
        let (created_at, rest) = rest.split_at(8);
        let (secret, signature) = rest.split_at(X25519_LEN);
        let secret = X25519Secret::from_array(array(secret)?);
        let public = SignedPreKey::from_parts(
            SignedPreKeyId(u32::from_be_bytes(array(id)?)),
            Timestamp::from_unix_seconds(u64::from_be_bytes(array(created_at)?)),
            secret.builtin_public_key(),
            array(signature)?,
        );
        Ok(Self::from_parts(secret, public))
    }
}

impl OneTimePreKeyPair {
    /// The stored form (SPEC.md 17.2): `0x01 || id (u32 BE) || secret (32) || checksum (32)`,
    /// 69 bytes. Secret.
    pub fn to_stored(&self) -> StoredPreKey {
        let mut content = Zeroizing::new(Vec::with_capacity(STORED_ONE_TIME_PREKEY_LEN));
        content.push(STORED_PREKEY_VERSION);
        content.extend_from_slice(&self.id().0.to_be_bytes());
        content.extend_from_slice(self.secret().as_bytes());
        with_checksum(content, LABEL_STORED_ONE_TIME_PREKEY)
    }

    /// Restores a one-time prekey pair from [`OneTimePreKeyPair::to_stored`]'s bytes; the
    /// public key is computed again from the secret.
    ///
    /// # Errors
    /// As [`SignedPreKeyPair::from_stored`].
    pub fn from_stored(bytes: &[u8]) -> Result<Self, Error> {
        let content = checked(
            bytes,
            STORED_ONE_TIME_PREKEY_LEN,
            LABEL_STORED_ONE_TIME_PREKEY,
        )?;
        let (id, secret) = content.split_at(4);
        let id = OneTimePreKeyId(u32::from_be_bytes(array(id)?));
        let secret = X25519Secret::from_array(array(secret)?);
        let public = OneTimePreKey::new(id, secret.builtin_public_key());
        Ok(Self::from_parts(secret, public))
    }
}

impl KemPreKeyPair {
    /// The stored form (SPEC.md 18.6): `0x01 || id (u32 BE) || created_at (u64 BE) ||
    /// kind (1) || decapsulation key (3168) || signature (64) || checksum (32)`, 3278 bytes.
    /// Secret.
    pub fn to_stored(&self) -> StoredPreKey {
        let public = self.public();
        let mut content = Zeroizing::new(Vec::with_capacity(STORED_KEM_PREKEY_LEN));
        content.push(STORED_PREKEY_VERSION);
        content.extend_from_slice(&public.id().0.to_be_bytes());
        content.extend_from_slice(&public.created_at().as_unix_seconds().to_be_bytes());
        content.push(public.kind().to_byte());
        content.extend_from_slice(self.secret().as_bytes());
        content.extend_from_slice(public.signature());
        with_checksum(content, LABEL_STORED_KEM_PREKEY)
    }

    /// Restores a KEM prekey pair from [`KemPreKeyPair::to_stored`]'s bytes. The
    /// decapsulation key passes FIPS 203's input check (its `H(ek)` matches, and `ek` passes the
    /// modulus check); the public key is the `ek` inside it. The signature is kept as stored.
    ///
    /// # Errors
    /// [`Error::SessionStateCorrupted`] for bytes of another length, whose checksum does not
    /// match, with a kind byte other than 1 or 2, or whose key fails FIPS 203's check;
    /// [`Error::UnsupportedVersion`] for a version byte other than 1.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, Error> {
        let content = checked(bytes, STORED_KEM_PREKEY_LEN, LABEL_STORED_KEM_PREKEY)?;
        let (id, rest) = content.split_at(4);
        let (created_at, rest) = rest.split_at(8);
        let (kind, rest) = rest.split_at(1);
        let (secret, signature) = rest.split_at(KEM_SECRET_KEY_LEN);
        let kind = kind
            .first()
            .copied()
            .and_then(KemPreKeyKind::from_byte)
            .ok_or(Error::SessionStateCorrupted)?;
        let secret = Zeroizing::new(array::<KEM_SECRET_KEY_LEN>(secret)?);
        let secret = KemSecretKey::from_bytes(&secret).ok_or(Error::SessionStateCorrupted)?;
        let public_key = secret.public_key().ok_or(Error::SessionStateCorrupted)?;
        let public = KemPreKey::from_parts(
            KemPreKeyId(u32::from_be_bytes(array(id)?)),
            kind,
            Timestamp::from_unix_seconds(u64::from_be_bytes(array(created_at)?)),
            public_key,
            array(signature)?,
        );
        Ok(Self::from_parts(secret, public))
    }
}
