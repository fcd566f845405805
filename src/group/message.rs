//! Group messages: one ciphertext for every member, signed by the sender key (SPEC.md 15.3).

use crate::Error;
use crate::business::signed::SignedBody;
use crate::config::Config;
use crate::device::address::{DeviceAddress, DeviceId};
use crate::group::id::GroupId;
use crate::identity::IdentityKey;
use crate::proto;
use crate::signature::SignatureContext;
use crate::verification::account_id::AccountId;

/// The smallest ciphertext: the 16-byte Poly1305 tag of an empty plaintext.
const MIN_CIPHERTEXT_LEN: usize = 16;

/// An upper bound on what a group message adds to its plaintext: version, group id (64),
/// sender account (255) and device, chain id, iteration, ciphertext tag and length, the AEAD
/// tag, the body's and the signature's tags and lengths, the signature (64).
pub const MAX_GROUP_MESSAGE_OVERHEAD: usize = 480;

/// A group message as received: well-formed (SPEC.md 15.3) but **not verified**: its
/// signature is checked, before any key is derived, when a member decrypts it
/// ([`crate::GroupSession::decrypt`]). Its sender and group are claims until then, good for
/// routing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMessage {
    pub(crate) group: GroupId,
    pub(crate) sender: DeviceAddress,
    pub(crate) chain_id: u32,
    pub(crate) iteration: u32,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) signed: SignedBody,
}

impl GroupMessage {
    /// The group it claims.
    pub fn group_id(&self) -> &GroupId {
        &self.group
    }

    /// The sending device it claims.
    pub fn sender(&self) -> &DeviceAddress {
        &self.sender
    }

    /// The sender key's chain id.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The message's iteration in its chain.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// Decodes a group message strictly (SPEC.md 15.3): at most `config.max_encoded_len`
    /// bytes, canonical, version 1, a valid group id, sender account id and device id, a
    /// ciphertext of at least 16 bytes and a 64-byte signature.
    ///
    /// # Errors
    /// Decoding errors, [`Error::InvalidGroupId`], [`Error::InvalidAccountId`],
    /// [`Error::InvalidDeviceList`] for a device id of 0, [`Error::InvalidLength`].
    pub fn decode(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let message: proto::GroupMessage = proto::decode_strict(bytes, config.max_encoded_len)?;
        let body: proto::GroupMessageBody =
            proto::decode_strict(&message.body, message.body.len())?;
        if body.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: body.version,
            });
        }
        let group = GroupId::new(body.group_id)?;
        let sender = DeviceAddress::new(
            AccountId::new(body.sender_account)?,
            DeviceId::new(body.sender_device)?,
        );
        if body.ciphertext.len() < MIN_CIPHERTEXT_LEN {
            return Err(Error::InvalidLength {
                field: "ciphertext",
                expected: MIN_CIPHERTEXT_LEN,
                found: body.ciphertext.len(),
            });
        }
        let signed = SignedBody::received(
            SignatureContext::GroupMessage,
            message.body,
            &message.signature,
            "signature",
        )?;
        Ok(Self {
            group,
            sender,
            chain_id: body.chain_id,
            iteration: body.iteration,
            ciphertext: body.ciphertext,
            signed,
        })
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&proto::GroupMessage {
            body: self.signed.body().to_vec(),
            signature: self.signed.signature().to_vec(),
        })
    }

    /// Checks the signature under `signing_key` ([`Error::InvalidSignature`]).
    pub(crate) fn verify(&self, signing_key: &IdentityKey) -> Result<(), Error> {
        self.signed.verify_or(signing_key, Error::InvalidSignature)
    }
}

/// The AEAD associated data of a group message (SPEC.md 15.3): `LP(group_id) ||
/// LP(sender_account) || u32(sender_device) || u32(chain_id) || u32(iteration) ||
/// signing_key`.
pub(crate) fn associated_data(
    group: &GroupId,
    sender: &DeviceAddress,
    chain_id: u32,
    iteration: u32,
    signing_key: &IdentityKey,
) -> Vec<u8> {
    let (g, a) = (group.as_bytes(), sender.account.as_bytes());
    let mut out = Vec::with_capacity(4 + g.len() + 4 + a.len() + 12 + 32);
    for field in [g, a] {
        out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(field);
    }
    out.extend_from_slice(&sender.device.get().to_be_bytes());
    out.extend_from_slice(&chain_id.to_be_bytes());
    out.extend_from_slice(&iteration.to_be_bytes());
    out.extend_from_slice(&signing_key.to_bytes());
    out
}
