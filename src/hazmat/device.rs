//! Multi-device accounts (SPEC.md section 14): the device-link MAC of any approval, including
//! approvals the API would never make, for test vectors and negative tests.

use crate::Error;
use crate::device::address::DeviceId;
use crate::identity::IdentityKey;
use crate::verification::account_id::AccountId;

/// The MAC of a link approval (SPEC.md 14.4): `HMAC(K, LP(account_id) || u32(device_id) ||
/// LP(device_list) || device_key)` with `K` from `link_secret` by HKDF.
///
/// # Errors
/// [`Error::InvalidAccountId`], [`Error::InvalidDeviceList`] for a device id of 0, and key
/// errors for `device_key`.
pub fn device_link_mac(
    link_secret: &[u8; 32],
    account_id: &[u8],
    device_id: u32,
    device_list: &[u8],
    device_key: &[u8],
) -> Result<[u8; 32], Error> {
    Ok(crate::device::link::link_mac(
        link_secret,
        &AccountId::new(account_id.to_vec())?,
        DeviceId::new(device_id)?,
        device_list,
        &IdentityKey::from_bytes(device_key)?,
    ))
}
