//! Signed device lists (SPEC.md 14.2, 14.3): decoded strictly into [`DeviceListIn`], then
//! validated into a [`VerifiedDeviceList`].

use crate::Error;
use crate::business::signed::SignedBody;
use crate::device::account_key::{AccountKey, AccountKeyPair};
use crate::device::address::DeviceId;
use crate::device::policy::DeviceListPolicy;
use crate::identity::IdentityKey;
use crate::proto;
use crate::signature::SignatureContext;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;

/// Most devices on one list.
pub const MAX_DEVICES: usize = 64;

/// Largest encoded device list a decoder reads, in bytes.
pub const MAX_DEVICE_LIST_LEN: usize = 8192;

/// The content of a device list, checked against SPEC.md 14.2's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Content {
    account_id: AccountId,
    account_key: AccountKey,
    list_version: u64,
    issued_at: Timestamp,
    expires_at: Timestamp,
    devices: Vec<(DeviceId, IdentityKey)>,
}

impl Content {
    fn check(&self) -> Result<(), Error> {
        if self.list_version == 0 {
            return Err(Error::InvalidDeviceList {
                reason: "list version 0",
            });
        }
        if self.expires_at <= self.issued_at {
            return Err(Error::InvalidDeviceList {
                reason: "expires_at is not after issued_at",
            });
        }
        if self.devices.is_empty() || self.devices.len() > MAX_DEVICES {
            return Err(Error::InvalidDeviceList {
                reason: "not 1 to 64 devices",
            });
        }
        for (i, (id, key)) in self.devices.iter().enumerate() {
            if let Some((previous, _)) = i.checked_sub(1).and_then(|p| self.devices.get(p))
                && previous >= id
            {
                return Err(Error::InvalidDeviceList {
                    reason: "device ids not strictly increasing",
                });
            }
            if self.devices.iter().take(i).any(|(_, other)| other == key) {
                return Err(Error::InvalidDeviceList {
                    reason: "a device key is listed twice",
                });
            }
        }
        Ok(())
    }

    fn to_body(&self) -> proto::DeviceListBody {
        proto::DeviceListBody {
            version: proto::VERSION,
            account_id: self.account_id.as_bytes().to_vec(),
            account_key: self.account_key.to_bytes().to_vec(),
            list_version: self.list_version,
            issued_at: self.issued_at.as_unix_seconds(),
            expires_at: self.expires_at.as_unix_seconds(),
            devices: self
                .devices
                .iter()
                .map(|(id, key)| proto::ListedDevice {
                    device_id: id.get(),
                    identity_key: key.to_bytes().to_vec(),
                })
                .collect(),
        }
    }

    fn from_body(body: proto::DeviceListBody) -> Result<Self, Error> {
        if body.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: body.version,
            });
        }
        let account_id = AccountId::new(body.account_id)?;
        let account_key = AccountKey::from_bytes(&body.account_key)?;
        let mut devices = Vec::with_capacity(body.devices.len().min(MAX_DEVICES));
        if body.devices.len() > MAX_DEVICES {
            return Err(Error::InvalidDeviceList {
                reason: "not 1 to 64 devices",
            });
        }
        for device in &body.devices {
            let id = DeviceId::new(device.device_id)?;
            let key = IdentityKey::from_field(&device.identity_key, "devices.identity_key")?;
            devices.push((id, key));
        }
        let content = Self {
            account_id,
            account_key,
            list_version: body.list_version,
            issued_at: Timestamp::from_unix_seconds(body.issued_at),
            expires_at: Timestamp::from_unix_seconds(body.expires_at),
            devices,
        };
        content.check()?;
        Ok(content)
    }
}

/// A device list as received: well-formed (SPEC.md 14.2) but **not verified**. Read the
/// account key it names ([`DeviceListIn::account_key`]), decide whether that is the account's
/// key (trust on first use, a verified safety number, a business certificate), and only then
/// [`DeviceListIn::validate`] it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceListIn {
    content: Content,
    signed: SignedBody,
    encoded: Vec<u8>,
}

impl DeviceListIn {
    /// Decodes an encoded `DeviceList` strictly (SPEC.md 14.2).
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_DEVICE_LIST_LEN`], the decoding errors of SPEC.md 7.1,
    /// [`Error::UnsupportedVersion`], [`Error::InvalidAccountId`], key errors for the account
    /// and device keys, [`Error::InvalidDeviceList`] for a broken rule, and
    /// [`Error::InvalidLength`] for a signature that is not 64 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let list: proto::DeviceList = proto::decode_strict(bytes, MAX_DEVICE_LIST_LEN)?;
        let body: proto::DeviceListBody = proto::decode_strict(&list.body, list.body.len())?;
        let content = Content::from_body(body)?;
        let signed = SignedBody::received(
            SignatureContext::DeviceList,
            list.body,
            &list.signature,
            "signature",
        )?;
        Ok(Self {
            content,
            signed,
            encoded: bytes.to_vec(),
        })
    }

    /// The account id the list claims.
    pub fn account_id(&self) -> &AccountId {
        &self.content.account_id
    }

    /// The account key the list claims, not yet checked.
    pub fn account_key(&self) -> &AccountKey {
        &self.content.account_key
    }

    /// The list's version.
    pub fn list_version(&self) -> u64 {
        self.content.list_version
    }

    /// Validates the list (SPEC.md 14.3), in this order: it names `account_key`
    /// ([`Error::IdentityMismatch`] otherwise); its signature verifies under it
    /// ([`Error::InvalidDeviceListSignature`]); it is for the same account and key as
    /// `previous`, the newest list seen for the account, if any ([`Error::IdentityMismatch`]),
    /// and not older ([`Error::DeviceListRollback`]) nor, at the same version, different
    /// ([`Error::DeviceListConflict`]); its lifetime is within the policy
    /// ([`Error::DeviceListLifetimeTooLong`]); and it is valid at `now`
    /// ([`Error::DeviceListExpired`]).
    ///
    /// # Errors
    /// As listed.
    pub fn validate(
        self,
        account_key: &AccountKey,
        now: Timestamp,
        policy: &DeviceListPolicy,
        previous: Option<&VerifiedDeviceList>,
    ) -> Result<VerifiedDeviceList, Error> {
        if &self.content.account_key != account_key {
            return Err(Error::IdentityMismatch);
        }
        self.signed.verify_or(
            account_key.identity_key(),
            Error::InvalidDeviceListSignature,
        )?;
        if let Some(previous) = previous {
            if previous.content.account_id != self.content.account_id
                || previous.content.account_key != self.content.account_key
            {
                return Err(Error::IdentityMismatch);
            }
            let (held, found) = (previous.content.list_version, self.content.list_version);
            if found < held {
                return Err(Error::DeviceListRollback { held, found });
            }
            if found == held && previous.encoded != self.encoded {
                return Err(Error::DeviceListConflict { version: found });
            }
        }
        let verified = VerifiedDeviceList {
            content: self.content,
            encoded: self.encoded,
        };
        let lifetime = verified.lifetime();
        if lifetime > policy.max_lifetime_seconds {
            return Err(Error::DeviceListLifetimeTooLong {
                lifetime,
                max: policy.max_lifetime_seconds,
            });
        }
        verified.check_valid_at(now, policy)?;
        Ok(verified)
    }
}

/// A device list whose signature verified under the account's key, not rolled back, within
/// its lifetime when it was validated. The only way to one is [`DeviceListIn::validate`] or
/// signing it ([`AccountKeyPair::sign_device_list`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDeviceList {
    content: Content,
    encoded: Vec<u8>,
}

impl VerifiedDeviceList {
    /// The account.
    pub fn account_id(&self) -> &AccountId {
        &self.content.account_id
    }

    /// The account key that signed the list.
    pub fn account_key(&self) -> &AccountKey {
        &self.content.account_key
    }

    /// The list's version.
    pub fn list_version(&self) -> u64 {
        self.content.list_version
    }

    /// When the list was signed.
    pub fn issued_at(&self) -> Timestamp {
        self.content.issued_at
    }

    /// When the list stops being valid.
    pub fn expires_at(&self) -> Timestamp {
        self.content.expires_at
    }

    /// The devices, by increasing id.
    pub fn devices(&self) -> impl Iterator<Item = (DeviceId, &IdentityKey)> {
        self.content.devices.iter().map(|(id, key)| (*id, key))
    }

    /// The identity key `device` is listed with, if it is listed.
    pub fn device_key(&self, device: DeviceId) -> Option<&IdentityKey> {
        self.content
            .devices
            .iter()
            .find(|(id, _)| *id == device)
            .map(|(_, key)| key)
    }

    /// The encoded `DeviceList`, to publish or store. Public.
    pub fn to_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// `expires_at − issued_at`, in seconds.
    fn lifetime(&self) -> u64 {
        self.content
            .expires_at
            .as_unix_seconds()
            .saturating_sub(self.content.issued_at.as_unix_seconds())
    }

    /// Checks that the list is valid at `now`: issued no later than `now` plus the skew, and
    /// expiring no earlier than `now` minus the skew (SPEC.md 14.3).
    ///
    /// # Errors
    /// [`Error::DeviceListExpired`] otherwise.
    pub fn check_valid_at(&self, now: Timestamp, policy: &DeviceListPolicy) -> Result<(), Error> {
        let now = now.as_unix_seconds();
        let skew = policy.clock_skew_seconds;
        let issued_at = self.content.issued_at.as_unix_seconds();
        let expires_at = self.content.expires_at.as_unix_seconds();
        if issued_at > now.saturating_add(skew) || expires_at.saturating_add(skew) < now {
            return Err(Error::DeviceListExpired { expires_at });
        }
        Ok(())
    }

    /// The devices added, removed and re-keyed (same id, another key) since `previous`.
    pub fn changes_since(&self, previous: &VerifiedDeviceList) -> DeviceListChanges {
        let mut changes = DeviceListChanges::default();
        for (id, key) in self.devices() {
            match previous.device_key(id) {
                None => changes.added.push(id),
                Some(old) if old != key => changes.rekeyed.push(id),
                Some(_) => {}
            }
        }
        for (id, _) in previous.devices() {
            if self.device_key(id).is_none() {
                changes.removed.push(id);
            }
        }
        changes
    }
}

/// What changed between two device lists of one account: what an app shows ("Acme added a
/// device"), and which sessions to drop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceListChanges {
    /// Devices on the new list only.
    pub added: Vec<DeviceId>,
    /// Devices on the old list only.
    pub removed: Vec<DeviceId>,
    /// Devices on both, with another identity key now (a reinstalled device).
    pub rekeyed: Vec<DeviceId>,
}

impl DeviceListChanges {
    /// True if nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.rekeyed.is_empty()
    }
}

impl AccountKeyPair {
    /// Signs a device list (SPEC.md 14.2) for `account_id`: `devices` by increasing id, at
    /// `list_version` (higher than any earlier list's), valid from `issued_at` to `expires_at`
    /// ([`crate::DEFAULT_DEVICE_LIST_LIFETIME_SECONDS`] after it is the advised lifetime).
    ///
    /// # Errors
    /// [`Error::InvalidDeviceList`] for content that breaks a rule of SPEC.md 14.2.
    pub fn sign_device_list(
        &self,
        account_id: &AccountId,
        list_version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
        devices: &[(DeviceId, IdentityKey)],
    ) -> Result<VerifiedDeviceList, Error> {
        let content = Content {
            account_id: account_id.clone(),
            account_key: *self.public_key(),
            list_version,
            issued_at,
            expires_at,
            devices: devices.to_vec(),
        };
        content.check()?;
        let body = prost::Message::encode_to_vec(&content.to_body());
        let signed = SignedBody::sign(self.pair(), SignatureContext::DeviceList, body);
        let encoded = prost::Message::encode_to_vec(&proto::DeviceList {
            body: signed.body().to_vec(),
            signature: signed.signature().to_vec(),
        });
        Ok(VerifiedDeviceList { content, encoded })
    }
}
