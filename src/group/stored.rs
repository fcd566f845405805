//! The stored form of a group session (SPEC.md 15.6).

use core::fmt;
use std::collections::{BTreeMap, VecDeque};

use zeroize::Zeroizing;

use crate::Error;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;
use crate::config::Config;
use crate::device::address::{DeviceAddress, DeviceId};
use crate::group::id::GroupId;
use crate::group::receiver::ReceiverChain;
use crate::group::sender_key::OwnSenderKey;
use crate::group::session::{GroupSession, MAX_GROUP_MEMBERS};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::primitives::hash::{LABEL_STORED_GROUP, labelled_sha256};
use crate::proto;
use crate::session::state::{CHECKSUM_LEN, checked_stored};
use crate::verification::account_id::AccountId;

/// The largest stored group session the loader reads: 256 MiB.
pub const MAX_STORED_GROUP_LEN: usize = 256 * 1024 * 1024;

/// A group session's stored form: the canonical `GroupSessionState` encoding and a 32-byte
/// checksum (SPEC.md 15.6). **Secret**: wiped on drop, `Debug` shows only its length.
pub struct StoredGroupSession(Zeroizing<Vec<u8>>);

impl StoredGroupSession {
    /// Wraps bytes read back from storage; nothing is checked until
    /// [`GroupSession::from_stored`].
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes to write to storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if empty (never, for a stored session).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for StoredGroupSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredGroupSession({} bytes)", self.0.len())
    }
}

fn key32(bytes: &[u8], field: &'static str) -> Result<[u8; 32], Error> {
    bytes.try_into().map_err(|_| Error::InvalidLength {
        field,
        expected: 32,
        found: bytes.len(),
    })
}

impl GroupSession {
    /// The session's stored form (SPEC.md 15.6). Secret.
    pub fn to_stored(&self) -> StoredGroupSession {
        let state = proto::GroupSessionState {
            version: proto::VERSION,
            group_id: self.group.as_bytes().to_vec(),
            local_account: self.local.account.as_bytes().to_vec(),
            local_device: self.local.device.get(),
            chain_id: self.own.chain_id,
            chain_key: self.own.chain.as_bytes().to_vec(),
            iteration: self.own.chain.index(),
            signing_seed: self.own.signing.to_seed().as_bytes().to_vec(),
            members: self
                .members
                .iter()
                .map(|(address, chains)| proto::GroupMemberState {
                    account_id: address.account.as_bytes().to_vec(),
                    device_id: address.device.get(),
                    chains: chains
                        .iter()
                        .map(|c| proto::GroupReceiverChain {
                            chain_id: c.chain_id,
                            signing_key: c.signing_key.to_bytes().to_vec(),
                            chain_key: c.chain.as_bytes().to_vec(),
                            iteration: c.chain.index(),
                            skipped: c
                                .skipped
                                .iter()
                                .map(|(iteration, key)| proto::GroupSkippedKey {
                                    iteration: *iteration,
                                    message_key: key.as_bytes().to_vec(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        };
        let mut out = proto::encode_exact_with_room(&state, CHECKSUM_LEN);
        let checksum = labelled_sha256(LABEL_STORED_GROUP, &[&out]);
        out.extend_from_slice(&checksum);
        StoredGroupSession(out)
    }

    /// Restores a session from what [`GroupSession::to_stored`] wrote, under `config`
    /// (SPEC.md 15.6); a member's chains past `max_sender_key_chains` (oldest first) and a
    /// chain's stored keys past `max_group_skipped_keys` (oldest first) are dropped.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::SessionStateCorrupted`], decoding errors, key errors,
    /// [`Error::InvalidGroupId`], [`Error::InvalidAccountId`], [`Error::InvalidDeviceList`]
    /// for a device id of 0, and [`Error::InvalidSessionState`] for an inconsistent state.
    pub fn from_stored(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let content = checked_stored(bytes, MAX_STORED_GROUP_LEN, LABEL_STORED_GROUP)?;
        let state: proto::GroupSessionState =
            proto::decode_strict_secret(content, MAX_STORED_GROUP_LEN)?;
        if state.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: state.version,
            });
        }
        let group = GroupId::new(state.group_id.clone())?;
        let local = DeviceAddress::new(
            AccountId::new(state.local_account.clone())?,
            DeviceId::new(state.local_device)?,
        );
        let chain = ChainKey::new(key32(&state.chain_key, "chain_key")?, state.iteration);
        let seed = Zeroizing::new(key32(&state.signing_seed, "signing_seed")?);
        let own = OwnSenderKey {
            chain_id: state.chain_id,
            chain,
            signing: IdentityKeyPair::from_seed(&seed),
        };
        if state.members.len() > MAX_GROUP_MEMBERS {
            return Err(Error::InvalidSessionState);
        }
        let mut members = BTreeMap::new();
        let mut previous: Option<DeviceAddress> = None;
        for member in &state.members {
            let address = DeviceAddress::new(
                AccountId::new(member.account_id.clone())?,
                DeviceId::new(member.device_id)?,
            );
            if address == local || previous.as_ref().is_some_and(|p| *p >= address) {
                return Err(Error::InvalidSessionState);
            }
            if member.chains.len() > crate::config::MAX_SENDER_KEY_CHAINS {
                return Err(Error::InvalidSessionState);
            }
            let mut chains = VecDeque::with_capacity(member.chains.len());
            for c in &member.chains {
                if chains
                    .iter()
                    .any(|held: &ReceiverChain| held.chain_id == c.chain_id)
                    || c.skipped.len() > crate::config::MAX_STORED_ENTRIES
                {
                    return Err(Error::InvalidSessionState);
                }
                let signing_key =
                    IdentityKey::from_field(&c.signing_key, "members.chains.signing_key")?;
                let chain = ChainKey::new(
                    key32(&c.chain_key, "members.chains.chain_key")?,
                    c.iteration,
                );
                let mut skipped = VecDeque::with_capacity(c.skipped.len());
                let mut last: Option<u32> = None;
                for k in &c.skipped {
                    if k.iteration >= c.iteration || last.is_some_and(|l| l >= k.iteration) {
                        return Err(Error::InvalidSessionState);
                    }
                    last = Some(k.iteration);
                    let key = key32(&k.message_key, "members.chains.skipped.message_key")?;
                    skipped.push_back((k.iteration, Box::new(MessageKey::new(key))));
                }
                // Trim to this configuration's limits, as loading a pairwise session does.
                while skipped.len() > config.group_skipped_keys() {
                    skipped.pop_front();
                }
                chains.push_back(ReceiverChain {
                    chain_id: c.chain_id,
                    signing_key,
                    chain,
                    skipped,
                });
            }
            chains.truncate(config.sender_key_chains());
            previous = Some(address.clone());
            members.insert(address, chains);
        }
        Ok(Self {
            group,
            local,
            own,
            members,
            config: *config,
        })
    }
}
