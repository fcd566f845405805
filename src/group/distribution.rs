//! Sender-key distributions: what a member sends every other member device, over their
//! pairwise session, so they can read its group messages (SPEC.md 15.2).

use core::fmt;

use zeroize::Zeroizing;

use crate::Error;
use crate::chain::chain_key::ChainKey;
use crate::group::id::GroupId;
use crate::identity::IdentityKey;
use crate::proto;

/// Largest encoded distribution a decoder reads, in bytes.
pub const MAX_DISTRIBUTION_LEN: usize = 256;

/// A sender key as one member hands it to another: the group, the chain id, the chain key at
/// an iteration, and the public signing key. **Secret** (it reads every later message of the
/// chain): send it only inside a pairwise session (`DeviceSessions::encrypt_for_account` or
/// `Session::encrypt`), never in the clear. Wiped on drop; `Debug` shows no key.
pub struct SenderKeyDistribution {
    pub(crate) group: GroupId,
    pub(crate) chain_id: u32,
    pub(crate) chain: ChainKey,
    pub(crate) signing_key: IdentityKey,
}

impl SenderKeyDistribution {
    /// The group.
    pub fn group_id(&self) -> &GroupId {
        &self.group
    }

    /// The chain id.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The iteration the chain key is at: the first message it can read.
    pub fn iteration(&self) -> u32 {
        self.chain.index()
    }

    /// The canonical encoding, to encrypt in a pairwise session. Secret: wiped on drop.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let message = proto::SenderKeyDistribution {
            version: proto::VERSION,
            group_id: self.group.as_bytes().to_vec(),
            chain_id: self.chain_id,
            iteration: self.chain.index(),
            chain_key: self.chain.as_bytes().to_vec(),
            signing_key: self.signing_key.to_bytes().to_vec(),
        };
        proto::encode_exact_with_room(&message, 0)
    }

    /// Decodes a distribution strictly (SPEC.md 15.2): at most [`MAX_DISTRIBUTION_LEN`]
    /// bytes, canonical, version 1, a valid group id, a 32-byte chain key and a valid signing
    /// key.
    ///
    /// # Errors
    /// Decoding errors, [`Error::InvalidGroupId`], [`Error::InvalidLength`] and key errors.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let message: proto::SenderKeyDistribution =
            proto::decode_strict_secret(bytes, MAX_DISTRIBUTION_LEN)?;
        if message.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: message.version,
            });
        }
        let group = GroupId::new(message.group_id.clone())?;
        let chain: Zeroizing<[u8; 32]> =
            Zeroizing::new(message.chain_key.as_slice().try_into().map_err(|_| {
                Error::InvalidLength {
                    field: "chain_key",
                    expected: 32,
                    found: message.chain_key.len(),
                }
            })?);
        let signing_key = IdentityKey::from_field(&message.signing_key, "signing_key")?;
        Ok(Self {
            group,
            chain_id: message.chain_id,
            chain: ChainKey::new(*chain, message.iteration),
            signing_key,
        })
    }
}

impl fmt::Debug for SenderKeyDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderKeyDistribution")
            .field("group", &self.group)
            .field("chain_id", &self.chain_id)
            .field("iteration", &self.chain.index())
            .field("signing_key", &self.signing_key)
            .finish_non_exhaustive()
    }
}
