//! Our sending chain: our ratchet key pair and the chain key CKs (SPEC.md 6.1), and the sending
//! side that holds either it or a pending step.

use crate::chain::chain_key::ChainKey;
use crate::primitives::x25519::{X25519PublicKey, X25519Secret};

use super::pending_step::PendingStep;

/// DHs, CKs, and PN. `chain_key.index()` is N, the next message's counter.
#[derive(Clone)]
pub(crate) struct SendingChain {
    ratchet_secret: X25519Secret,
    ratchet_public: X25519PublicKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) previous_counter: u32,
}

impl SendingChain {
    /// A chain with its ratchet key pair: the public key computed together with the
    /// agreement that started the chain, or as stored (SPEC.md 9.2).
    pub(crate) fn from_parts(
        ratchet_secret: X25519Secret,
        ratchet_public: X25519PublicKey,
        chain_key: ChainKey,
        previous_counter: u32,
    ) -> Self {
        Self {
            ratchet_secret,
            ratchet_public,
            chain_key,
            previous_counter,
        }
    }

    pub(crate) fn ratchet_secret(&self) -> &X25519Secret {
        &self.ratchet_secret
    }

    pub(crate) fn ratchet_public(&self) -> &X25519PublicKey {
        &self.ratchet_public
    }
}

/// Our sending side: a chain in use, or a DH ratchet step drawn and not yet taken.
#[derive(Clone)]
pub(crate) enum Sending {
    /// The chain the next message is sent on.
    Chain(SendingChain),
    /// The next encryption takes this step first (SPEC.md 6.7).
    Pending(PendingStep),
}

impl Sending {
    /// Ns, the counter of the next message sent: 0 while a step is pending.
    pub(crate) fn counter(&self) -> u32 {
        match self {
            Sending::Chain(chain) => chain.chain_key.index(),
            Sending::Pending(_) => 0,
        }
    }
}
