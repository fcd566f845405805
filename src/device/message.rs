//! Device messages: a pairwise envelope with its sender's and recipient's addresses
//! (SPEC.md 14.5).

use crate::Error;
use crate::config::Config;
use crate::device::address::{DeviceAddress, DeviceId};
use crate::device::routing::Routing;
use crate::message::Envelope;
use crate::proto;
use crate::verification::account_id::AccountId;

/// What a device message adds to its envelope at most: version, two account ids of 255 bytes,
/// two device ids, two list versions, the envelope's tag and length, with their tags.
pub const MAX_DEVICE_MESSAGE_OVERHEAD: usize = 600;

/// A pairwise envelope addressed from one device to another: what fan-out produces, one per
/// device. The addresses and list versions are authenticated (bound into the envelope's
/// AEAD associated data), but only when the recipient decrypts it: until then they are
/// claims, good for routing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceMessage {
    pub(crate) routing: Routing,
    pub(crate) envelope: Envelope,
}

impl DeviceMessage {
    /// The sending device.
    pub fn sender(&self) -> &DeviceAddress {
        &self.routing.sender
    }

    /// The device it is for: where a server delivers it.
    pub fn recipient(&self) -> &DeviceAddress {
        &self.routing.recipient
    }

    /// The version of the sender's own device list when it encrypted.
    pub fn sender_list_version(&self) -> u64 {
        self.routing.sender_list_version
    }

    /// The version of the recipient account's device list the sender encrypted for.
    pub fn recipient_list_version(&self) -> u64 {
        self.routing.recipient_list_version
    }

    /// The pairwise envelope inside.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Decodes a device message strictly (SPEC.md 14.5): at most `config.max_encoded_len` +
    /// [`MAX_DEVICE_MESSAGE_OVERHEAD`] bytes, canonical, version 1, valid account ids, device
    /// ids and list versions of at least 1, and an envelope that [`Envelope::decode`] would
    /// accept.
    ///
    /// # Errors
    /// The decoding errors of [`Error`], [`Error::InvalidAccountId`], and
    /// [`Error::InvalidDeviceList`] for a device id or list version of 0.
    pub fn decode(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let max = config
            .max_encoded_len
            .saturating_add(MAX_DEVICE_MESSAGE_OVERHEAD);
        let message: proto::DeviceMessage = proto::decode_strict(bytes, max)?;
        if message.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: message.version,
            });
        }
        let sender = DeviceAddress::new(
            AccountId::new(message.sender_account)?,
            DeviceId::new(message.sender_device)?,
        );
        let recipient = DeviceAddress::new(
            AccountId::new(message.recipient_account)?,
            DeviceId::new(message.recipient_device)?,
        );
        if message.sender_list_version == 0 || message.recipient_list_version == 0 {
            return Err(Error::InvalidDeviceList {
                reason: "list version 0",
            });
        }
        let envelope = message
            .envelope
            .ok_or(Error::MissingField { field: "envelope" })?;
        let len = prost::Message::encoded_len(&envelope);
        if len > config.max_encoded_len {
            return Err(Error::TooLarge {
                len,
                max: config.max_encoded_len,
            });
        }
        Ok(Self {
            routing: Routing {
                sender,
                recipient,
                sender_list_version: message.sender_list_version,
                recipient_list_version: message.recipient_list_version,
            },
            envelope: Envelope::from_proto(envelope)?,
        })
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&proto::DeviceMessage {
            version: proto::VERSION,
            sender_account: self.routing.sender.account.as_bytes().to_vec(),
            sender_device: self.routing.sender.device.get(),
            recipient_account: self.routing.recipient.account.as_bytes().to_vec(),
            recipient_device: self.routing.recipient.device.get(),
            sender_list_version: self.routing.sender_list_version,
            recipient_list_version: self.routing.recipient_list_version,
            envelope: Some(self.envelope.to_proto()),
        })
    }
}
