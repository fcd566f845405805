//! How long device lists live, and how much clock skew is tolerated (SPEC.md 14.3).

/// The lifetime [`crate::AccountKeyPair::sign_device_list`] callers are advised to give a list:
/// 30 days. A primary (or a business backend) re-signs its list at least that often; a list
/// whose account key is gone stops working when it expires.
pub const DEFAULT_DEVICE_LIST_LIFETIME_SECONDS: u64 = 30 * 24 * 60 * 60;

/// What a device list must satisfy besides its signature.
///
/// The defaults: a list may live at most 35 days (WhatsApp's maximum, so that a 30-day list
/// re-signed a few days late is still accepted), and clocks may disagree by 5 minutes.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceListPolicy {
    /// Longest `expires_at − issued_at` accepted, in seconds. Default 35 days.
    pub max_lifetime_seconds: u64,
    /// Clock skew allowed at both ends of a list's lifetime, in seconds. Default 300.
    pub clock_skew_seconds: u64,
}

impl Default for DeviceListPolicy {
    fn default() -> Self {
        Self {
            max_lifetime_seconds: 35 * 24 * 60 * 60,
            clock_skew_seconds: 300,
        }
    }
}
