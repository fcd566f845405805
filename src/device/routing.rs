//! The addresses a device message is bound to (SPEC.md 14.5).

use crate::device::address::DeviceAddress;

/// Who a pairwise message is from and for, and which device-list versions the sender used:
/// bound into the message's AEAD associated data, so a message cannot be redirected to
/// another device or replayed as from another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Routing {
    pub(crate) sender: DeviceAddress,
    pub(crate) recipient: DeviceAddress,
    pub(crate) sender_list_version: u64,
    pub(crate) recipient_list_version: u64,
}

impl Routing {
    /// `LP(sender account) || u32(sender device) || LP(recipient account) ||
    /// u32(recipient device) || u64(sender list version) || u64(recipient list version)`,
    /// big-endian (SPEC.md 14.5).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let sender = self.sender.account.as_bytes();
        let recipient = self.recipient.account.as_bytes();
        let mut out = Vec::with_capacity(4 + sender.len() + 4 + 4 + recipient.len() + 4 + 16);
        push_lp(&mut out, sender);
        out.extend_from_slice(&self.sender.device.get().to_be_bytes());
        push_lp(&mut out, recipient);
        out.extend_from_slice(&self.recipient.device.get().to_be_bytes());
        out.extend_from_slice(&self.sender_list_version.to_be_bytes());
        out.extend_from_slice(&self.recipient_list_version.to_be_bytes());
        out
    }
}

fn push_lp(out: &mut Vec<u8>, field: &[u8]) {
    // Account ids are at most 255 bytes.
    out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(field);
}
