//! Device ids and device addresses (SPEC.md 14.1).

use core::fmt;

use crate::Error;
use crate::verification::account_id::AccountId;

/// A device's id within its account: 1 to 2^32 − 1, unique on the account's device list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(u32);

impl DeviceId {
    /// Validates a device id.
    ///
    /// # Errors
    /// [`Error::InvalidDeviceList`] for 0, which no device has.
    pub fn new(id: u32) -> Result<Self, Error> {
        if id == 0 {
            return Err(Error::InvalidDeviceList {
                reason: "device id 0",
            });
        }
        Ok(Self(id))
    }

    /// The id as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.0)
    }
}

/// Where a device is: its account and its id there. Public.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceAddress {
    /// The account.
    pub account: AccountId,
    /// The device.
    pub device: DeviceId,
}

impl DeviceAddress {
    /// The address of `device` in `account`.
    pub fn new(account: AccountId, device: DeviceId) -> Self {
        Self { account, device }
    }
}
