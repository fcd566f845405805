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

/// The routing a device message binds into its associated data (SPEC.md 14.5):
/// `LP(sender_account) || u32(sender_device) || LP(recipient_account) || u32(recipient_device)
/// || u64(sender_list_version) || u64(recipient_list_version)`.
///
/// # Errors
/// [`Error::InvalidAccountId`] and [`Error::InvalidDeviceList`] for a device id of 0.
pub fn device_routing(
    sender_account: &[u8],
    sender_device: u32,
    recipient_account: &[u8],
    recipient_device: u32,
    sender_list_version: u64,
    recipient_list_version: u64,
) -> Result<Vec<u8>, Error> {
    use crate::device::address::DeviceAddress;
    let routing = crate::device::routing::Routing {
        sender: DeviceAddress::new(
            AccountId::new(sender_account.to_vec())?,
            DeviceId::new(sender_device)?,
        ),
        recipient: DeviceAddress::new(
            AccountId::new(recipient_account.to_vec())?,
            DeviceId::new(recipient_device)?,
        ),
        sender_list_version,
        recipient_list_version,
    };
    Ok(routing.encode())
}
