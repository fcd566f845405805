//! Linking a new device (SPEC.md 14.4): the new device shows a QR code with its identity key
//! and a one-time secret; the primary scans it, signs the device into a new list, and
//! answers through the server with a MAC under a key from the secret.

use core::fmt;

use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::device::account_key::AccountKeyPair;
use crate::device::address::{DeviceAddress, DeviceId};
use crate::device::list::{DeviceListIn, VerifiedDeviceList};
use crate::device::policy::DeviceListPolicy;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::primitives::kdf::{hkdf_sha256, hmac_sha256};
use crate::proto;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;

/// Length of the secret a link QR code carries.
pub const LINK_SECRET_LEN: usize = 32;

/// Largest encoded link approval a decoder reads (a device list and a few fields).
const MAX_LINK_APPROVAL_LEN: usize = 9216;

/// HKDF info of the link MAC key.
const LINK_KEY_INFO: &[u8] = b"hushwire/v1/device-link";

/// A new device waiting to be linked: its identity key and the secret its QR code shows.
/// Single use: [`PendingLink::complete`] consumes it. The secret is wiped on drop and never
/// shown by `Debug`.
pub struct PendingLink {
    device_key: IdentityKey,
    secret: Zeroizing<[u8; LINK_SECRET_LEN]>,
}

impl PendingLink {
    /// Starts linking `device`: draws the 32-byte link secret from `rng`.
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R, device: &IdentityKeyPair) -> Self {
        let mut secret = Zeroizing::new([0u8; LINK_SECRET_LEN]);
        rng.fill_bytes(secret.as_mut());
        Self {
            device_key: *device.public_key(),
            secret,
        }
    }

    /// What the QR code shows: the encoded [`LinkOffer`]. **Secret** (it holds the link
    /// secret): show it on screen only, never send it.
    pub fn qr_payload(&self) -> Zeroizing<Vec<u8>> {
        LinkOffer {
            device_key: self.device_key,
            secret: self.secret.clone(),
        }
        .encode()
    }

    /// Takes the primary's approval (SPEC.md 14.4, new device's steps): decodes it, checks
    /// its MAC in constant time, decodes the device list in it and validates it under the
    /// account key it names (the MAC is what makes that key trusted: only the holder of the
    /// QR secret could have sent it), and checks that this device is on it with the id given.
    ///
    /// # Errors
    /// Decoding errors; [`Error::LinkAuthenticationFailed`] for a MAC that does not verify;
    /// [`Error::MisaddressedMessage`] if the list is for another account than the approval
    /// names; the list's validation errors; [`Error::DeviceNotListed`] if this device is not
    /// on it under the id given.
    pub fn complete(
        self,
        approval: &[u8],
        now: Timestamp,
        policy: &DeviceListPolicy,
    ) -> Result<LinkedDevice, Error> {
        let approval = LinkApproval::decode(approval)?;
        let expected = link_mac(
            &self.secret,
            &approval.account_id,
            approval.device_id,
            &approval.device_list,
            &self.device_key,
        );
        if !bool::from(expected.ct_eq(&approval.mac)) {
            return Err(Error::LinkAuthenticationFailed);
        }
        let list = DeviceListIn::decode(&approval.device_list)?;
        if list.account_id() != &approval.account_id {
            return Err(Error::MisaddressedMessage { field: "account" });
        }
        let account_key = *list.account_key();
        let list = list.validate(&account_key, now, policy, None)?;
        if list.device_key(approval.device_id) != Some(&self.device_key) {
            return Err(Error::DeviceNotListed {
                device: approval.device_id.get(),
            });
        }
        Ok(LinkedDevice {
            address: DeviceAddress::new(approval.account_id, approval.device_id),
            list,
        })
    }
}

impl fmt::Debug for PendingLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLink")
            .field("device_key", &self.device_key)
            .finish_non_exhaustive()
    }
}

/// A linked device: its address, and its account's device list, which holds it.
#[derive(Clone, Debug)]
pub struct LinkedDevice {
    /// The device's address (the account it joined, the id it got).
    pub address: DeviceAddress,
    /// The account's device list, verified.
    pub list: VerifiedDeviceList,
}

/// A scanned link QR code: the new device's identity key and the link secret. **Secret**:
/// wiped on drop, `Debug` shows only the key. Single use: [`LinkOffer::approve`] consumes it.
pub struct LinkOffer {
    device_key: IdentityKey,
    secret: Zeroizing<[u8; LINK_SECRET_LEN]>,
}

impl LinkOffer {
    /// Decodes a scanned QR payload strictly (SPEC.md 14.4).
    ///
    /// # Errors
    /// Decoding errors, [`Error::UnsupportedVersion`], key errors for `device_key`, and
    /// [`Error::InvalidLength`] for a secret that is not 32 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let offer: proto::LinkOffer = proto::decode_strict_secret(bytes, 128)?;
        if offer.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: offer.version,
            });
        }
        let device_key = IdentityKey::from_field(&offer.device_key, "device_key")?;
        let secret: [u8; LINK_SECRET_LEN] =
            offer
                .link_secret
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidLength {
                    field: "link_secret",
                    expected: LINK_SECRET_LEN,
                    found: offer.link_secret.len(),
                })?;
        Ok(Self {
            device_key,
            secret: Zeroizing::new(secret),
        })
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let offer = proto::LinkOffer {
            version: proto::VERSION,
            device_key: self.device_key.to_bytes().to_vec(),
            link_secret: self.secret.to_vec(),
        };
        proto::encode_exact_with_room(&offer, 0)
    }

    /// The new device's identity key.
    pub fn device_key(&self) -> &IdentityKey {
        &self.device_key
    }

    /// Approves the device (SPEC.md 14.4, primary's steps): signs a new list, `current` plus
    /// the device under `device_id`, at the next version, valid from `issued_at` to
    /// `expires_at`; returns it and the encoded approval to send to the new device.
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if `current` is not signed by `account`;
    /// [`Error::InvalidDeviceList`] if the id or the key is already on the list, the list is
    /// full, or the version cannot grow.
    pub fn approve(
        self,
        account: &AccountKeyPair,
        current: &VerifiedDeviceList,
        device_id: DeviceId,
        issued_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(VerifiedDeviceList, Vec<u8>), Error> {
        if current.account_key() != account.public_key() {
            return Err(Error::IdentityMismatch);
        }
        let mut devices: Vec<(DeviceId, IdentityKey)> =
            current.devices().map(|(id, key)| (id, *key)).collect();
        devices.push((device_id, self.device_key));
        devices.sort_by_key(|(id, _)| *id);
        let version = current
            .list_version()
            .checked_add(1)
            .ok_or(Error::InvalidDeviceList {
                reason: "list version exhausted",
            })?;
        let list = account.sign_device_list(
            current.account_id(),
            version,
            issued_at,
            expires_at,
            &devices,
        )?;
        let mac = link_mac(
            &self.secret,
            current.account_id(),
            device_id,
            list.to_bytes(),
            &self.device_key,
        );
        let approval = prost::Message::encode_to_vec(&proto::LinkApproval {
            version: proto::VERSION,
            account_id: current.account_id().as_bytes().to_vec(),
            device_id: device_id.get(),
            device_list: list.to_bytes().to_vec(),
            mac: mac.to_vec(),
        });
        Ok((list, approval))
    }
}

impl fmt::Debug for LinkOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkOffer")
            .field("device_key", &self.device_key)
            .finish_non_exhaustive()
    }
}

/// A decoded approval, its MAC not yet checked.
struct LinkApproval {
    account_id: AccountId,
    device_id: DeviceId,
    device_list: Vec<u8>,
    mac: [u8; 32],
}

impl LinkApproval {
    fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let approval: proto::LinkApproval = proto::decode_strict(bytes, MAX_LINK_APPROVAL_LEN)?;
        if approval.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: approval.version,
            });
        }
        let account_id = AccountId::new(approval.account_id)?;
        let device_id = DeviceId::new(approval.device_id)?;
        let mac: [u8; 32] =
            approval
                .mac
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidLength {
                    field: "mac",
                    expected: 32,
                    found: approval.mac.len(),
                })?;
        Ok(Self {
            account_id,
            device_id,
            device_list: approval.device_list,
            mac,
        })
    }
}

/// `K = HKDF(salt = 32 zero bytes, ikm = secret, info = "hushwire/v1/device-link", L = 32)`;
/// `MAC = HMAC(K, LP(account id) || u32(device id) || LP(device list) || device key)`
/// (SPEC.md 14.4).
pub(crate) fn link_mac(
    secret: &[u8; LINK_SECRET_LEN],
    account_id: &AccountId,
    device_id: DeviceId,
    device_list: &[u8],
    device_key: &IdentityKey,
) -> [u8; 32] {
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf_sha256(&[0u8; 32], secret, LINK_KEY_INFO, key.as_mut());
    let mut data = Vec::with_capacity(4 + 255 + 4 + 4 + device_list.len() + 32);
    let id = account_id.as_bytes();
    data.extend_from_slice(&u32::try_from(id.len()).unwrap_or(u32::MAX).to_be_bytes());
    data.extend_from_slice(id);
    data.extend_from_slice(&device_id.get().to_be_bytes());
    data.extend_from_slice(
        &u32::try_from(device_list.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    data.extend_from_slice(device_list);
    data.extend_from_slice(&device_key.to_bytes());
    hmac_sha256(&key, &data)
}
