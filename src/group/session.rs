//! A member's group session: its own sender key, the other members and their sender keys,
//! membership changes, encryption and decryption (SPEC.md 15.4, 15.5).

use core::fmt;
use std::collections::{BTreeMap, VecDeque};

use rand::CryptoRng;

use crate::Error;
use crate::business::signed::SignedBody;
use crate::config::Config;
use crate::device::address::DeviceAddress;
use crate::group::distribution::SenderKeyDistribution;
use crate::group::id::GroupId;
use crate::group::message::{GroupMessage, MAX_GROUP_MESSAGE_OVERHEAD, associated_data};
use crate::group::receiver::ReceiverChain;
use crate::group::sender_key::OwnSenderKey;
use crate::primitives::kdf::INFO_GROUP_MESSAGE_KEY;
use crate::proto;
use crate::signature::SignatureContext;

/// Most member devices a group session holds besides our own (SPEC.md 15.5).
pub const MAX_GROUP_MEMBERS: usize = 4096;

/// What taking in a distribution did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistributionOutcome {
    /// A new chain of the sender's: its messages from the distribution's iteration on decrypt.
    Added,
    /// The chain was already held with this signing key: nothing changed.
    AlreadyHeld,
}

/// One member device's group session (SPEC.md 15): our sender key, and the sender keys of the
/// other member devices. Membership is the application's (or its server's) decision: this
/// session encrypts for, and accepts from, exactly the devices it has been told are members.
///
/// - [`GroupSession::create`], then send [`GroupSession::distribution`] to every member
///   device over its pairwise session;
/// - [`GroupSession::add_member`] returns the distribution to send the new member (which
///   cannot read anything sent before: the chain only moves forward);
/// - [`GroupSession::remove_member`] forgets the member's sender keys and **rotates** our
///   sender key: send the new distribution to every remaining member. Every other member does
///   the same when it learns of the removal, so the removed device reads nothing sent after;
/// - [`GroupSession::encrypt`] gives one message for every member (the server fans it out);
///   [`GroupSession::decrypt`] verifies its signature before deriving any key, refuses
///   replays, and after any error leaves the session exactly as it was.
///
/// Plain data, like a pairwise session: stored with [`GroupSession::to_stored`], restored with
/// [`GroupSession::from_stored`], each stored state used at most once.
pub struct GroupSession {
    pub(crate) group: GroupId,
    pub(crate) local: DeviceAddress,
    pub(crate) own: OwnSenderKey,
    /// Every other member device and its chains, most recent first.
    pub(crate) members: BTreeMap<DeviceAddress, VecDeque<ReceiverChain>>,
    pub(crate) config: Config,
}

impl GroupSession {
    /// Creates our session of group `group` as device `local`, with the other member devices
    /// `members`; draws our sender key (68 bytes) from `rng`.
    ///
    /// # Errors
    /// [`Error::MisaddressedMessage`] if `members` holds `local`; [`Error::TooLarge`] for more
    /// than [`MAX_GROUP_MEMBERS`] members.
    pub fn create<R: CryptoRng + ?Sized>(
        rng: &mut R,
        group: GroupId,
        local: DeviceAddress,
        members: impl IntoIterator<Item = DeviceAddress>,
        config: &Config,
    ) -> Result<Self, Error> {
        let mut map = BTreeMap::new();
        for member in members {
            if member == local {
                return Err(Error::MisaddressedMessage { field: "member" });
            }
            map.insert(member, VecDeque::new());
            if map.len() > MAX_GROUP_MEMBERS {
                return Err(Error::TooLarge {
                    len: map.len(),
                    max: MAX_GROUP_MEMBERS,
                });
            }
        }
        Ok(Self {
            group,
            local,
            own: OwnSenderKey::generate(rng),
            members: map,
            config: *config,
        })
    }

    /// The group.
    pub fn group_id(&self) -> &GroupId {
        &self.group
    }

    /// This device's address.
    pub fn local(&self) -> &DeviceAddress {
        &self.local
    }

    /// The other member devices, by address.
    pub fn members(&self) -> impl Iterator<Item = &DeviceAddress> {
        self.members.keys()
    }

    /// True if `device` is a member (other than us).
    pub fn is_member(&self, device: &DeviceAddress) -> bool {
        self.members.contains_key(device)
    }

    /// Our sender key's chain id.
    pub fn chain_id(&self) -> u32 {
        self.own.chain_id
    }

    /// Our sender key as it is now, to send to member devices over their pairwise sessions.
    /// Secret.
    pub fn distribution(&self) -> SenderKeyDistribution {
        SenderKeyDistribution {
            group: self.group.clone(),
            chain_id: self.own.chain_id,
            chain: self.own.chain.clone(),
            signing_key: *self.own.signing_key(),
        }
    }

    /// Adds a member device; returns our sender key as it is now, for it alone (it reads what
    /// we send from now on). Adding a member again changes nothing.
    ///
    /// # Errors
    /// [`Error::MisaddressedMessage`] for ourselves; [`Error::TooLarge`] past
    /// [`MAX_GROUP_MEMBERS`].
    pub fn add_member(&mut self, device: DeviceAddress) -> Result<SenderKeyDistribution, Error> {
        if device == self.local {
            return Err(Error::MisaddressedMessage { field: "member" });
        }
        if !self.members.contains_key(&device) && self.members.len() >= MAX_GROUP_MEMBERS {
            return Err(Error::TooLarge {
                len: self.members.len() + 1,
                max: MAX_GROUP_MEMBERS,
            });
        }
        self.members.entry(device).or_default();
        Ok(self.distribution())
    }

    /// Removes a member device: forgets its sender keys and rotates ours (a new chain id,
    /// chain key and signing key, 68 bytes from `rng`). Returns the new distribution: send it
    /// to every remaining member device.
    ///
    /// # Errors
    /// [`Error::NotAGroupMember`] if it is not a member; nothing changes then.
    pub fn remove_member<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        device: &DeviceAddress,
    ) -> Result<SenderKeyDistribution, Error> {
        if self.members.remove(device).is_none() {
            return Err(Error::NotAGroupMember {
                device: device.device.get(),
            });
        }
        Ok(self.rotate(rng))
    }

    /// Replaces our sender key with a fresh one (68 bytes from `rng`) and returns its
    /// distribution, for every member device. Applications may rotate periodically too.
    pub fn rotate<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> SenderKeyDistribution {
        self.own = OwnSenderKey::generate(rng);
        self.distribution()
    }

    /// Takes in a distribution that member device `from` sent us over our pairwise session
    /// (the session's authenticated sender, `Received::from`).
    ///
    /// # Errors
    /// [`Error::WrongGroup`], [`Error::NotAGroupMember`] (also for ourselves), and
    /// [`Error::SenderKeyConflict`] for a chain held with another signing key. Nothing changes
    /// on an error.
    pub fn process_distribution(
        &mut self,
        from: &DeviceAddress,
        distribution: &SenderKeyDistribution,
    ) -> Result<DistributionOutcome, Error> {
        if distribution.group != self.group {
            return Err(Error::WrongGroup);
        }
        let keep = self.config.sender_key_chains();
        let chains = self.members.get_mut(from).ok_or(Error::NotAGroupMember {
            device: from.device.get(),
        })?;
        if let Some(held) = chains.iter().find(|c| c.chain_id == distribution.chain_id) {
            if held.signing_key == distribution.signing_key {
                return Ok(DistributionOutcome::AlreadyHeld);
            }
            return Err(Error::SenderKeyConflict {
                chain_id: distribution.chain_id,
            });
        }
        chains.push_front(ReceiverChain {
            chain_id: distribution.chain_id,
            signing_key: distribution.signing_key,
            chain: distribution.chain.clone(),
            skipped: VecDeque::new(),
        });
        chains.truncate(keep);
        Ok(DistributionOutcome::Added)
    }

    /// Encrypts `plaintext` once for every member (SPEC.md 15.3): the next message key of our
    /// chain, then our signature over the message.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if the message could exceed `max_encoded_len`;
    /// [`Error::CounterExhausted`] after 2^32 − 1 messages on one chain (rotate). Neither
    /// changes the session.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<GroupMessage, Error> {
        let len = plaintext.len().saturating_add(MAX_GROUP_MESSAGE_OVERHEAD);
        if len > self.config.max_encoded_len {
            return Err(Error::TooLarge {
                len,
                max: self.config.max_encoded_len,
            });
        }
        let iteration = self.own.chain.index();
        if iteration == u32::MAX {
            return Err(Error::CounterExhausted);
        }
        let ad = associated_data(
            &self.group,
            &self.local,
            self.own.chain_id,
            iteration,
            self.own.signing_key(),
        );
        let (message_key, next) = self.own.chain.step();
        let ciphertext = message_key.encrypt_for(
            self.config.provider,
            INFO_GROUP_MESSAGE_KEY,
            &ad,
            plaintext,
        )?;
        let body = prost::Message::encode_to_vec(&proto::GroupMessageBody {
            version: proto::VERSION,
            group_id: self.group.as_bytes().to_vec(),
            sender_account: self.local.account.as_bytes().to_vec(),
            sender_device: self.local.device.get(),
            chain_id: self.own.chain_id,
            iteration,
            ciphertext: ciphertext.clone(),
        });
        let signed = SignedBody::sign(&self.own.signing, SignatureContext::GroupMessage, body);
        self.own.chain = next;
        Ok(GroupMessage {
            group: self.group.clone(),
            sender: self.local.clone(),
            chain_id: self.own.chain_id,
            iteration,
            ciphertext,
            signed,
        })
    }

    /// Decrypts a group message (SPEC.md 15.4), in order: it is for this group
    /// ([`Error::WrongGroup`]), from a member device other than us
    /// ([`Error::NotAGroupMember`]), on a chain of that member's we hold
    /// ([`Error::UnknownSenderKey`]); its signature verifies under that chain's signing key
    /// ([`Error::InvalidSignature`]), before any key is derived; then the message key (a
    /// stored one, or the chain walked forward: [`Error::DuplicateMessage`] for a key already
    /// used, [`Error::TooManySkippedMessages`] past `max_group_skip`); then the AEAD
    /// ([`Error::DecryptionFailed`]). Only then does anything change.
    ///
    /// # Errors
    /// As listed; the session is exactly as it was after any of them.
    pub fn decrypt(&mut self, message: &GroupMessage) -> Result<Vec<u8>, Error> {
        if message.group != self.group {
            return Err(Error::WrongGroup);
        }
        let config = self.config;
        let chains = self
            .members
            .get_mut(&message.sender)
            .ok_or(Error::NotAGroupMember {
                device: message.sender.device.get(),
            })?;
        let chain = chains
            .iter_mut()
            .find(|c| c.chain_id == message.chain_id)
            .ok_or(Error::UnknownSenderKey {
                chain_id: message.chain_id,
            })?;
        message.verify(&chain.signing_key)?;
        let found = chain.key_for(message.iteration, &config)?;
        let ad = associated_data(
            &message.group,
            &message.sender,
            message.chain_id,
            message.iteration,
            &chain.signing_key,
        );
        let plaintext = found.message_key().decrypt_for(
            config.provider,
            INFO_GROUP_MESSAGE_KEY,
            &ad,
            &message.ciphertext,
        )?;
        chain.commit(found, &config);
        Ok(plaintext)
    }

    /// Decodes `bytes` as a [`GroupMessage`] with this session's limits, then decrypts it.
    ///
    /// # Errors
    /// As [`GroupMessage::decode`] and [`GroupSession::decrypt`].
    pub fn decrypt_bytes(&mut self, bytes: &[u8]) -> Result<Vec<u8>, Error> {
        let message = GroupMessage::decode(bytes, &self.config)?;
        self.decrypt(&message)
    }

    /// The limits this session applies.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl fmt::Debug for GroupSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSession")
            .field("group", &self.group)
            .field("local", &self.local)
            .field("chain_id", &self.own.chain_id)
            .field("iteration", &self.own.chain.index())
            .field("members", &self.members.len())
            .finish_non_exhaustive()
    }
}
