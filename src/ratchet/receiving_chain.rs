//! A receiving chain: the peer's ratchet key and the chain key CKr (SPEC.md 6.1, 6.6).

use crate::Error;
use crate::chain::advance::walk_to;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;
use crate::chain::skipped_keys::SkippedKey;
use crate::primitives::x25519::X25519PublicKey;

/// DHr and CKr; `chain_key.index()` is the counter of the next message expected.
#[derive(Clone)]
pub(crate) struct ReceivingChain {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) chain_key: ChainKey,
}

/// The result of advancing a chain without touching it: applied only if decryption succeeds.
pub(crate) struct Advanced {
    /// The chain key after the target message.
    pub(crate) chain_key: ChainKey,
    /// Keys for the messages between the chain's position and the target, oldest first.
    pub(crate) skipped: Vec<SkippedKey>,
    /// The target message's key.
    pub(crate) message_key: MessageKey,
}

impl ReceivingChain {
    /// Derives the keys up to and including message `counter`, bounded by `max_skip`.
    ///
    /// # Errors
    /// [`Error::DuplicateMessage`] if `counter` is behind the chain, [`Error::CounterExhausted`]
    /// for `u32::MAX`, and [`Error::TooManySkippedMessages`] past the limit.
    ///
    /// Only the last `keep` skipped keys are returned (the store would evict the older ones at
    /// once), so memory stays bounded by `keep` whatever `max_skip` is; the returned vector has
    /// room for one more key, so a caller's push does not reallocate (and free an unwiped copy).
    pub(crate) fn advance_to(
        &self,
        counter: u32,
        max_skip: u32,
        keep: usize,
    ) -> Result<Advanced, Error> {
        let walked = walk_to(&self.chain_key, counter, max_skip, keep)?;
        let mut skipped = Vec::with_capacity(walked.skipped.capacity());
        skipped.extend(
            walked
                .skipped
                .into_iter()
                .map(|(counter, message_key)| SkippedKey {
                    ratchet_key: self.ratchet_key,
                    counter,
                    message_key: Box::new(message_key),
                }),
        );
        Ok(Advanced {
            chain_key: walked.chain_key,
            skipped,
            message_key: walked.message_key,
        })
    }
}
