//! What devices.json and group.json record for an error and an address: the error's name and
//! its SPEC.md 8.1 values, and `[account id hex, device id]`.

use hushwire::{DeviceAddress, Error};
use serde_json::{Value, json};

use super::json::h;

/// An address as the files record it.
pub(super) fn address(a: &DeviceAddress) -> Value {
    json!([h(a.account.as_bytes()), a.device.get()])
}

/// An error as the files record it: `error` (its name) and its values under their SPEC.md 8.1
/// names.
pub(super) fn error(e: &Error) -> Value {
    let mut out = json!({ "error": e.kind() });
    let extra = match e {
        Error::InvalidDeviceList { reason } => json!({ "reason": reason }),
        Error::DeviceListExpired { expires_at } => json!({ "expires_at": expires_at }),
        Error::DeviceListLifetimeTooLong { lifetime, max } => {
            json!({ "lifetime": lifetime, "max": max })
        }
        Error::DeviceListRollback { held, found } => json!({ "held": held, "found": found }),
        Error::DeviceListConflict { version } => json!({ "version": version }),
        Error::DeviceNotListed { device } | Error::NotAGroupMember { device } => {
            json!({ "device": device })
        }
        Error::MisaddressedMessage { field } | Error::MissingField { field } => {
            json!({ "field": field })
        }
        Error::SessionsMissing { devices } => {
            json!({ "devices": devices.iter().map(address).collect::<Vec<_>>() })
        }
        Error::InvalidLength {
            field,
            expected,
            found,
        } => json!({ "field": field, "expected": expected, "found": found }),
        Error::UnsupportedVersion { found } => json!({ "found": found }),
        Error::TooLarge { len, max } => json!({ "len": len, "max": max }),
        Error::InvalidAccountId { len } | Error::InvalidGroupId { len } => json!({ "len": len }),
        Error::OneTimePreKeyConsumed { id }
        | Error::UnknownOneTimePreKey { id }
        | Error::UnknownSignedPreKey { id } => json!({ "id": id }),
        Error::UnknownSenderKey { chain_id } | Error::SenderKeyConflict { chain_id } => {
            json!({ "chain_id": chain_id })
        }
        Error::TooManySkippedMessages { skip, max } => json!({ "skip": skip, "max": max }),
        _ => json!({}),
    };
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    out
}

/// `content || SHA-256(u8(len(label)) || label || content)`: a stored form's checksum
/// (SPEC.md 9.1, 14.6, 15.6), for hand-edited stored states.
pub(super) fn with_checksum(label: &[u8], content: Vec<u8>) -> Vec<u8> {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(&content);
    let mut out = content;
    out.extend_from_slice(&hash.finalize());
    out
}
