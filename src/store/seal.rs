//! Sealing records at rest (SPEC.md 17.4): every value a store writes, encrypted and
//! authenticated under the application's storage key, bound to its table, its key and its
//! revision.

use core::fmt;
use std::sync::Mutex;

use rand::CryptoRng;
use zeroize::Zeroizing;

use super::{Revision, Table};
use crate::Error;
use crate::primitives::aead::{TAG_LEN, open_raw, seal_raw};
use crate::primitives::kdf::hkdf_sha256;
use crate::provider::CryptoProvider;

/// Length of a storage key: 32 bytes.
pub const STORAGE_KEY_LEN: usize = 32;

/// What sealing adds to a value: the version byte, the 32-byte salt and the 16-byte tag.
pub const SEALED_OVERHEAD: usize = 1 + SALT_LEN + TAG_LEN;

/// The version byte of a sealed value.
const SEALED_VERSION: u8 = 1;
/// Length of the random salt drawn for each write.
const SALT_LEN: usize = 32;
/// The label of the associated data and the HKDF info (SPEC.md 17.4).
const LABEL_SEALED_RECORD: &[u8] = b"hushwire/v1/sealed-record";

/// The application's key for sealing records at rest: 32 bytes from its key store (a
/// platform keychain, a KMS, a secrets manager), never stored next to the database. Wiped on
/// drop; `Debug` does not show it.
pub struct StorageKey(Zeroizing<[u8; STORAGE_KEY_LEN]>);

impl StorageKey {
    /// A storage key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; STORAGE_KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A new random storage key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = Zeroizing::new([0u8; STORAGE_KEY_LEN]);
        rng.fill_bytes(key.as_mut_slice());
        Self(key)
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(<redacted>)")
    }
}

/// Seals and opens the values of a store under a [`StorageKey`] (SPEC.md 17.4): give one to a
/// store's constructor ([`super::MemoryStore::sealed`], `SqliteOptions::sealer`) and every
/// value it writes is sealed, every value it reads is opened, with ChaCha20-Poly1305.
///
/// - **Fresh key and nonce for every write.** Each write draws a 32-byte salt from the RNG
///   given here; HKDF-SHA256 of the storage key under that salt gives the ChaCha20-Poly1305 key
///   and nonce. Two writes share a nonce under one key only if they draw the same 256-bit
///   salt (from an RNG whose state was copied, see [`Sealer::new`]: the same key and nonce
///   for two values), so there is no nonce budget to track and no counter to lose: a database restored
///   from a backup, a second process with the same key, or a write that lost its
///   compare-and-swap cannot repeat a nonce, as a nonce derived from the revision could. (A
///   random 96-bit nonce under the storage key itself would allow about 2^32 writes per key.)
/// - **Bound to where it is.** The associated data is the table, the record's key (the peer's
///   address, the account id, the group id, the prekey id) and its revision, so a value moved
///   to another record's row, or copied under the row's newer revision, does not open:
///   [`Error::SealedRecordInvalid`].
///
/// **What it does not protect.** A whole old copy of the database (a restored backup), or an
/// old copy of one row, value and revision together, opens: sealing gives confidentiality and
/// integrity of each row, not freshness. A session rolled back that way encrypts again with
/// message keys it already used. Freshness needs state outside the database (a monotonic
/// counter the attacker cannot reset); the README's rule stands: never restore an older state
/// of a session that has been used. Sealing also hides neither the keys (peer addresses,
/// account and group ids, prekey ids), nor the revisions, nor the lengths of the values.
pub struct Sealer {
    key: StorageKey,
    rng: Mutex<Box<dyn CryptoRng + Send>>,
    provider: &'static CryptoProvider,
}

impl Sealer {
    /// A sealer with `key`, drawing each write's salt from `rng`, with the default crypto
    /// provider.
    ///
    /// **`rng` must be a CSPRNG seeded from the operating system** (rand's `SysRng`, or a
    /// generator seeded and reseeded from it), **and its state must never be duplicated**: not a seeded generator outside tests, not one copied into a forked
    /// process, a cloned value or a virtual machine snapshot resumed twice. The salt is all
    /// that a sealed value's ChaCha20-Poly1305 key and nonce depend on (the storage key being
    /// the same): two writes that draw the same salt are sealed under the same key and nonce,
    /// whatever their rows. An attacker holding both sealed values then has the XOR of the two
    /// values (one keystream for both; a value partly known, such as a stored form's fixed
    /// fields, reveals the other's bytes at those places) and the shared Poly1305 key can be
    /// solved for, which lets them forge values under that salt for any row and revision.
    /// Salts drawn by a CSPRNG never repeat in practice (256 bits). The RNG is a parameter,
    /// as everywhere in hushwire, so that tests and vectors are reproducible (SPEC.md 17.4).
    pub fn new<R: CryptoRng + Send + 'static>(key: StorageKey, rng: R) -> Self {
        Self {
            key,
            rng: Mutex::new(Box::new(rng)),
            provider: &crate::provider::RUST_CRYPTO,
        }
    }

    /// The same sealer, with ChaCha20-Poly1305 from `provider`. The bytes are the same with
    /// every provider.
    pub fn with_provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// Seals `plaintext`, the value of the record `key` of `table` at `revision`.
    pub(crate) fn seal(
        &self,
        table: Table,
        key: &[u8],
        revision: Revision,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mut salt = [0u8; SALT_LEN];
        // Unlike the SQLite connections, a poisoned RNG lock is not recovered: an RNG that
        // panicked while drawing is in a state nothing vouches for (it could repeat a salt),
        // so the sealer refuses to write rather than risk it.
        self.rng
            .lock()
            .map_err(|_| crate::StoreError::new("sealer RNG lock poisoned"))?
            .fill_bytes(&mut salt);
        seal_with_salt(
            self.provider,
            &self.key.0,
            &salt,
            table.name(),
            key,
            revision,
            plaintext,
        )
    }

    /// Opens `sealed`, read as the value of the record `key` of `table` at `revision`.
    pub(crate) fn open(
        &self,
        table: Table,
        key: &[u8],
        revision: Revision,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        open_with(
            self.provider,
            &self.key.0,
            table.name(),
            key,
            revision,
            sealed,
        )
        .map_err(|_| Error::SealedRecordInvalid {
            record: table.record(),
        })
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key", &self.key)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// The associated data (SPEC.md 17.4): `u8(len(label)) || label || u8(len(table)) || table ||
/// u32(len(key)) || key || u64(revision)`.
fn associated_data(table: &str, key: &[u8], revision: Revision) -> Vec<u8> {
    let mut ad =
        Vec::with_capacity(2 + LABEL_SEALED_RECORD.len() + table.len() + 4 + key.len() + 8);
    ad.push(u8::try_from(LABEL_SEALED_RECORD.len()).unwrap_or(u8::MAX));
    ad.extend_from_slice(LABEL_SEALED_RECORD);
    ad.push(u8::try_from(table.len()).unwrap_or(u8::MAX));
    ad.extend_from_slice(table.as_bytes());
    ad.extend_from_slice(&u32::try_from(key.len()).unwrap_or(u32::MAX).to_be_bytes());
    ad.extend_from_slice(key);
    ad.extend_from_slice(&revision.0.to_be_bytes());
    ad
}

/// The ChaCha20-Poly1305 key and nonce of one sealed value: HKDF-SHA256 with the salt, the
/// storage key as input key material and the label as info, 44 bytes.
fn key_and_nonce(storage_key: &[u8; 32], salt: &[u8; SALT_LEN]) -> Zeroizing<([u8; 32], [u8; 12])> {
    let mut okm = Zeroizing::new([0u8; 44]);
    hkdf_sha256(salt, storage_key, LABEL_SEALED_RECORD, okm.as_mut_slice());
    let mut out = Zeroizing::new(([0u8; 32], [0u8; 12]));
    out.0.copy_from_slice(&okm[..32]);
    out.1.copy_from_slice(&okm[32..]);
    out
}

/// Seals with a given salt (SPEC.md 17.4): `0x01 || salt || ChaCha20-Poly1305(key, nonce, ad,
/// plaintext)`.
pub(crate) fn seal_with_salt(
    provider: &CryptoProvider,
    storage_key: &[u8; 32],
    salt: &[u8; SALT_LEN],
    table: &str,
    key: &[u8],
    revision: Revision,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let derived = key_and_nonce(storage_key, salt);
    let ad = associated_data(table, key, revision);
    let ciphertext = seal_raw(provider, &derived.0, &derived.1, &ad, plaintext)?;
    let mut out = Vec::with_capacity(1 + SALT_LEN + ciphertext.len());
    out.push(SEALED_VERSION);
    out.extend_from_slice(salt);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens a sealed value (SPEC.md 17.4).
///
/// # Errors
/// [`Error::UnsupportedVersion`] for a version byte other than 1, [`Error::DecryptionFailed`]
/// for a value too short or that does not authenticate.
pub(crate) fn open_with(
    provider: &CryptoProvider,
    storage_key: &[u8; 32],
    table: &str,
    key: &[u8],
    revision: Revision,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (&version, rest) = sealed.split_first().ok_or(Error::DecryptionFailed)?;
    if version != SEALED_VERSION {
        return Err(Error::UnsupportedVersion {
            found: u32::from(version),
        });
    }
    if rest.len() < SALT_LEN + TAG_LEN {
        return Err(Error::DecryptionFailed);
    }
    let (salt, ciphertext) = rest.split_at(SALT_LEN);
    let salt: &[u8; SALT_LEN] = salt.try_into().map_err(|_| Error::DecryptionFailed)?;
    let derived = key_and_nonce(storage_key, salt);
    let ad = associated_data(table, key, revision);
    open_raw(provider, &derived.0, &derived.1, &ad, ciphertext).map(Zeroizing::new)
}
