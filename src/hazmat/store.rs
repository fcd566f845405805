//! Stores (SPEC.md 17): the key of each record in its table (17.1) and the sealed form of a
//! value (17.4), for vectors and for tests that inspect or tamper with what a store holds.

use zeroize::Zeroizing;

use crate::store::{Revision, Sealer, Table};
use crate::{AccountId, CryptoProvider, DeviceAddress, Error, GroupId};

/// A session record's key: `u8(len(account)) || account || u32(device)` (SPEC.md 17.1).
pub fn session_record_key(peer: &DeviceAddress) -> Vec<u8> {
    crate::store::keys::address(peer)
}

/// A trust record's or device list's key: `u8(len(account)) || account`.
pub fn account_key(account: &AccountId) -> Vec<u8> {
    crate::store::keys::account(account)
}

/// A group session's key: `u8(len(group id)) || group id`.
pub fn group_key(group: &GroupId) -> Vec<u8> {
    crate::store::keys::group(group)
}

/// A prekey's key: `u32(id)`.
pub fn prekey_key(id: u32) -> Vec<u8> {
    crate::store::keys::prekey(id)
}

/// Seals `plaintext` as the value of record `key` of `table` at `revision` under
/// `storage_key`, with `salt` as the write's random draw (SPEC.md 17.4).
///
/// # Errors
/// [`Error::CryptoProviderFailed`] if the provider refuses.
pub fn seal_record(
    provider: &CryptoProvider,
    storage_key: &[u8; 32],
    salt: &[u8; 32],
    table: Table,
    key: &[u8],
    revision: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    crate::store::seal::seal_with_salt(
        provider,
        storage_key,
        salt,
        table.name(),
        key,
        Revision(revision),
        plaintext,
    )
}

/// Opens a sealed value read as record `key` of `table` at `revision` (SPEC.md 17.4).
///
/// # Errors
/// [`Error::UnsupportedVersion`] for a version byte other than 1, [`Error::DecryptionFailed`]
/// if it is too short or does not authenticate there.
pub fn open_record(
    provider: &CryptoProvider,
    storage_key: &[u8; 32],
    table: Table,
    key: &[u8],
    revision: u64,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    crate::store::seal::open_with(
        provider,
        storage_key,
        table.name(),
        key,
        Revision(revision),
        sealed,
    )
}

/// Seals `plaintext` with `sealer` exactly as a sealed store writes it (SPEC.md 17.4): the salt
/// is the next 32 bytes of the sealer's RNG.
///
/// # Errors
/// [`Error::CryptoProviderFailed`] if the provider refuses, [`Error::Store`] if the RNG's lock
/// is poisoned.
pub fn sealer_seal(
    sealer: &Sealer,
    table: Table,
    key: &[u8],
    revision: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    sealer.seal(table, key, Revision(revision), plaintext)
}

/// Opens `sealed` with `sealer` exactly as a sealed store reads row `key` of `table` at
/// `revision` (SPEC.md 17.4).
///
/// # Errors
/// [`Error::SealedRecordInvalid`] (with the table's record name) for every refusal: a version
/// byte other than 1, fewer than 49 bytes, or a tag that does not verify there.
pub fn sealer_open(
    sealer: &Sealer,
    table: Table,
    key: &[u8],
    revision: u64,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    sealer.open(table, key, Revision(revision), sealed)
}
