//! Fan-out: one message to an account becomes one pairwise message per device of theirs and
//! per other device of ours (SPEC.md 14.5).

use std::collections::BTreeMap;

use rand::CryptoRng;

use crate::Error;
use crate::bundle::PreKeyBundle;
use crate::config::Config;
use crate::device::address::{DeviceAddress, DeviceId};
use crate::device::list::VerifiedDeviceList;
use crate::device::message::DeviceMessage;
use crate::device::policy::DeviceListPolicy;
use crate::device::record::SessionRecord;
use crate::device::routing::Routing;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::prekey_store::PreKeyStore;
use crate::session::SessionId;
use crate::timestamp::Timestamp;

/// This device's sessions with every other device, one [`SessionRecord`] per remote device,
/// and the fan-out and delivery rules of SPEC.md 14.5 over them.
///
/// It holds no device lists: every call takes the verified lists it needs, so the
/// application decides where lists come from and when they are refreshed. It is plain data;
/// a backend stores its records one by one ([`DeviceSessions::records`],
/// [`DeviceSessions::insert_record`]).
#[derive(Debug)]
pub struct DeviceSessions {
    local: DeviceAddress,
    local_key: IdentityKey,
    config: Config,
    policy: DeviceListPolicy,
    records: BTreeMap<DeviceAddress, SessionRecord>,
}

/// A message that decrypted, who sent it, and what its list versions say. Its `Debug` leaves
/// the plaintext out.
pub struct Received {
    /// The sending device (on its account's current list).
    pub from: DeviceAddress,
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// What the list versions in the message say about the two ends' device lists.
    pub consistency: DeviceConsistency,
}

/// What a received message's device-list versions say (SPEC.md 14.5), WhatsApp's in-chat
/// device consistency: each flag is a reason to fetch a list, or to warn a stale sender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceConsistency {
    /// The sender encrypted with a newer list of its own account than the one we hold:
    /// fetch it (it may add a device, or remove one).
    pub sender_list_newer: bool,
    /// The sender encrypted for an older list of our account than ours: it has not seen our
    /// latest devices (a device we added got nothing from it).
    pub sender_saw_older_list_of_ours: bool,
    /// The sender encrypted for a newer list of our account than the one we hold: fetch ours.
    pub our_list_newer_elsewhere: bool,
}

impl core::fmt::Debug for Received {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Received")
            .field("from", &self.from)
            .field("plaintext_len", &self.plaintext.len())
            .field("consistency", &self.consistency)
            .finish()
    }
}

impl DeviceSessions {
    /// The sessions of the device at `local` whose identity key is `local_key`.
    pub fn new(
        local: DeviceAddress,
        local_key: IdentityKey,
        config: &Config,
        policy: DeviceListPolicy,
    ) -> Self {
        Self {
            local,
            local_key,
            config: *config,
            policy,
            records: BTreeMap::new(),
        }
    }

    /// This device's address.
    pub fn local(&self) -> &DeviceAddress {
        &self.local
    }

    /// The record for `device`, if there is one.
    pub fn record(&self, device: &DeviceAddress) -> Option<&SessionRecord> {
        self.records.get(device)
    }

    /// Every record, by address: to store them.
    pub fn records(&self) -> impl Iterator<Item = (&DeviceAddress, &SessionRecord)> {
        self.records.iter()
    }

    /// Puts a record (loaded from storage) in place for `device`, returning the one it
    /// replaces.
    pub fn insert_record(
        &mut self,
        device: DeviceAddress,
        record: SessionRecord,
    ) -> Option<SessionRecord> {
        self.records.insert(device, record)
    }

    /// Starts a session with `device` of `list`'s account from its bundle, which must carry
    /// the identity key the list gives the device; it becomes the record's current session.
    ///
    /// # Errors
    /// [`Error::DeviceNotListed`] if the device is not on the list with the bundle's key,
    /// [`Error::DeviceListExpired`], and [`crate::Session::initiate`]'s errors.
    pub fn start_session<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        list: &VerifiedDeviceList,
        device: DeviceId,
        bundle: &PreKeyBundle,
        now: Timestamp,
    ) -> Result<SessionId, Error> {
        list.check_valid_at(now, &self.policy)?;
        self.check_ours(ours)?;
        if list.device_key(device) != Some(bundle.identity_key()) {
            return Err(Error::DeviceNotListed {
                device: device.get(),
            });
        }
        let address = DeviceAddress::new(list.account_id().clone(), device);
        if address == self.local {
            return Err(Error::MisaddressedMessage { field: "recipient" });
        }
        match self.records.get_mut(&address) {
            Some(record) => record.initiate(rng, ours, bundle, &self.config),
            None => {
                let mut record = SessionRecord::new();
                let id = record.initiate(rng, ours, bundle, &self.config)?;
                self.records.insert(address, record);
                Ok(id)
            }
        }
    }

    /// The devices a message to `recipient`'s account would go to that have no usable
    /// session: fetch a bundle for each and [`DeviceSessions::start_session`].
    pub fn missing_sessions(
        &self,
        own: &VerifiedDeviceList,
        recipient: &VerifiedDeviceList,
    ) -> Vec<DeviceAddress> {
        self.targets(own, recipient)
            .into_iter()
            .filter(|(address, key, _)| !self.has_usable_session(address, key))
            .map(|(address, _, _)| address)
            .collect()
    }

    /// Encrypts `plaintext` for every device on `recipient`'s list and every other device on
    /// `own` (this device's account's list), each over its own session, each addressed and
    /// bound to its two addresses and the two lists' versions (SPEC.md 14.5). All or nothing:
    /// if any device lacks a session, nothing is encrypted.
    ///
    /// # Errors
    /// [`Error::MisaddressedMessage`] (`own_list`) if `own` is not this device's account's
    /// list, (`recipient_list`) if `recipient` is another list of this device's account than
    /// `own`;
    /// [`Error::DeviceNotListed`] if this device is not on it (it was removed);
    /// [`Error::DeviceListExpired`] for a list not valid at `now`;
    /// [`Error::SessionsMissing`] naming every device without a session; and
    /// [`crate::Session::encrypt`]'s errors, checked on every session before any encrypts.
    pub fn encrypt_for_account(
        &mut self,
        own: &VerifiedDeviceList,
        recipient: &VerifiedDeviceList,
        now: Timestamp,
        plaintext: &[u8],
    ) -> Result<Vec<DeviceMessage>, Error> {
        self.check_own_list(own)?;
        if recipient.account_id() == own.account_id() && recipient.to_bytes() != own.to_bytes() {
            return Err(Error::MisaddressedMessage {
                field: "recipient_list",
            });
        }
        own.check_valid_at(now, &self.policy)?;
        recipient.check_valid_at(now, &self.policy)?;
        let targets = self.targets(own, recipient);
        let missing: Vec<DeviceAddress> = targets
            .iter()
            .filter(|(address, key, _)| !self.has_usable_session(address, key))
            .map(|(address, _, _)| address.clone())
            .collect();
        if !missing.is_empty() {
            return Err(Error::SessionsMissing { devices: missing });
        }
        for (address, _, _) in &targets {
            self.records
                .get(address)
                .and_then(SessionRecord::current)
                .ok_or(Error::NoSession)?
                .check_can_encrypt(plaintext.len())?;
        }
        let mut out = Vec::with_capacity(targets.len());
        for (address, _, recipient_list_version) in targets {
            let routing = Routing {
                sender: self.local.clone(),
                recipient: address.clone(),
                sender_list_version: own.list_version(),
                recipient_list_version,
            };
            let record = self.records.get_mut(&address).ok_or(Error::NoSession)?;
            let envelope = record.encrypt_routed(plaintext, Some(&routing.encode()))?;
            out.push(DeviceMessage { routing, envelope });
        }
        Ok(out)
    }

    /// Decrypts a device message (SPEC.md 14.5): it must be addressed to this device, from a
    /// device on `sender_list` (the sender account's current list; `own` when the sender is
    /// another device of ours) with the key the list gives it; then the sender's record
    /// decrypts it ([`SessionRecord::decrypt`]), a first message starting a session with
    /// `prekeys`.
    ///
    /// # Errors
    /// [`Error::MisaddressedMessage`] (`sender_list` when the sender is of our account and
    /// `sender_list` is not `own`), [`Error::DeviceListExpired`],
    /// [`Error::DeviceNotListed`], and the record's decryption errors. On any error nothing
    /// changed.
    #[allow(clippy::too_many_arguments)]
    pub fn decrypt<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        prekeys: &mut S,
        own: &VerifiedDeviceList,
        sender_list: &VerifiedDeviceList,
        message: &DeviceMessage,
        now: Timestamp,
    ) -> Result<Received, Error> {
        self.check_ours(ours)?;
        self.check_own_list(own)?;
        if message.routing.recipient != self.local {
            return Err(Error::MisaddressedMessage { field: "recipient" });
        }
        let sender = &message.routing.sender;
        if &sender.account != sender_list.account_id() || *sender == self.local {
            return Err(Error::MisaddressedMessage { field: "sender" });
        }
        if sender.account == self.local.account && sender_list.to_bytes() != own.to_bytes() {
            return Err(Error::MisaddressedMessage {
                field: "sender_list",
            });
        }
        own.check_valid_at(now, &self.policy)?;
        sender_list.check_valid_at(now, &self.policy)?;
        let listed = sender_list
            .device_key(sender.device)
            .ok_or(Error::DeviceNotListed {
                device: sender.device.get(),
            })?;
        if let Some(first) = message.envelope.as_prekey()
            && first.identity_key() != listed
        {
            return Err(Error::DeviceNotListed {
                device: sender.device.get(),
            });
        }
        let routing = message.routing.encode();
        let envelope = &message.envelope;
        // A record's decrypt is transactional, so an existing record is used in place; a new
        // one joins the map only once it holds the session a first message started.
        let plaintext = match self.records.get_mut(sender) {
            Some(record) => record.decrypt_listed(
                rng,
                ours,
                prekeys,
                envelope,
                &self.config,
                &routing,
                listed,
            )?,
            None => {
                let mut record = SessionRecord::new();
                let plaintext = record.decrypt_listed(
                    rng,
                    ours,
                    prekeys,
                    envelope,
                    &self.config,
                    &routing,
                    listed,
                )?;
                self.records.insert(sender.clone(), record);
                plaintext
            }
        };
        let consistency = DeviceConsistency {
            sender_list_newer: message.routing.sender_list_version > sender_list.list_version(),
            sender_saw_older_list_of_ours: message.routing.recipient_list_version
                < own.list_version(),
            our_list_newer_elsewhere: message.routing.recipient_list_version > own.list_version(),
        };
        Ok(Received {
            from: sender.clone(),
            plaintext,
            consistency,
        })
    }

    /// Brings the records in line with `list`, a newly validated list of some account: drops
    /// the records of that account's devices that are no longer on it, or are on it with
    /// another key. Returns their addresses. Call it whenever a new list is taken in, so that
    /// nothing more is sent to, or accepted from, a removed device.
    pub fn retain_listed(&mut self, list: &VerifiedDeviceList) -> Vec<DeviceAddress> {
        let dropped: Vec<DeviceAddress> = self
            .records
            .iter()
            .filter(|(address, record)| {
                &address.account == list.account_id()
                    && !record.only_with(list.device_key(address.device))
            })
            .map(|(address, _)| address.clone())
            .collect();
        for address in &dropped {
            self.records.remove(address);
        }
        dropped
    }

    /// Every device a message goes to: `recipient`'s devices and `own`'s other devices (once
    /// each, when they are the same account), with the key listed and the version of the list
    /// it is on.
    fn targets(
        &self,
        own: &VerifiedDeviceList,
        recipient: &VerifiedDeviceList,
    ) -> Vec<(DeviceAddress, IdentityKey, u64)> {
        let mut targets = Vec::new();
        let mut add = |list: &VerifiedDeviceList| {
            for (device, key) in list.devices() {
                let address = DeviceAddress::new(list.account_id().clone(), device);
                if address != self.local && !targets.iter().any(|(a, _, _)| *a == address) {
                    targets.push((address, *key, list.list_version()));
                }
            }
        };
        add(recipient);
        add(own);
        targets
    }

    fn has_usable_session(&self, address: &DeviceAddress, key: &IdentityKey) -> bool {
        self.records
            .get(address)
            .and_then(SessionRecord::current)
            .is_some_and(|session| session.their_identity() == key)
    }

    fn check_ours(&self, ours: &IdentityKeyPair) -> Result<(), Error> {
        if ours.public_key() != &self.local_key {
            return Err(Error::IdentityMismatch);
        }
        Ok(())
    }

    /// `own` is this device's account's list, and lists this device with its key.
    fn check_own_list(&self, own: &VerifiedDeviceList) -> Result<(), Error> {
        if own.account_id() != &self.local.account {
            return Err(Error::MisaddressedMessage { field: "own_list" });
        }
        if own.device_key(self.local.device) != Some(&self.local_key) {
            return Err(Error::DeviceNotListed {
                device: self.local.device.get(),
            });
        }
        Ok(())
    }
}
