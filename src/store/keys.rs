//! The key of each record in its table (SPEC.md 17.1): the database key, and what a sealed
//! record's associated data binds.

use crate::device::address::DeviceAddress;
use crate::group::id::GroupId;
use crate::verification::account_id::AccountId;

/// `u8(len) || bytes`: account ids (at most 255 bytes) and group ids (at most 64).
fn short(bytes: &[u8], out: &mut Vec<u8>) {
    // Both id types bound their length far below 256; the fallback never applies.
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

/// A session record's key: `u8(len(account)) || account || u32(device)`.
pub(crate) fn address(peer: &DeviceAddress) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + peer.account.as_bytes().len() + 4);
    short(peer.account.as_bytes(), &mut out);
    out.extend_from_slice(&peer.device.get().to_be_bytes());
    out
}

/// A trust record's or device list's key: `u8(len(account)) || account`.
pub(crate) fn account(id: &AccountId) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + id.as_bytes().len());
    short(id.as_bytes(), &mut out);
    out
}

/// A group session's key: `u8(len(group id)) || group id`.
pub(crate) fn group(id: &GroupId) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + id.as_bytes().len());
    short(id.as_bytes(), &mut out);
    out
}

/// A prekey's key: `u32(id)`.
pub(crate) fn prekey(id: u32) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}
