//! A receiving chain: the peer's ratchet key and the chain key CKr (SPEC.md 6.1, 6.6).

use crate::Error;
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
        let start = self.chain_key.index();
        if counter < start {
            return Err(Error::DuplicateMessage);
        }
        if counter == u32::MAX {
            return Err(Error::CounterExhausted);
        }
        let skip = counter - start;
        if skip > max_skip {
            return Err(Error::TooManySkippedMessages {
                skip: u64::from(skip),
                max: max_skip,
            });
        }
        let kept = usize::try_from(skip).unwrap_or(usize::MAX).min(keep);
        let first_kept = counter - u32::try_from(kept).unwrap_or(skip);
        let mut skipped = Vec::with_capacity(kept.saturating_add(1));
        let mut chain_key = self.chain_key.clone();
        while chain_key.index() < counter {
            if chain_key.index() >= first_kept {
                let (message_key, next) = chain_key.step();
                skipped.push(SkippedKey {
                    ratchet_key: self.ratchet_key,
                    counter: chain_key.index(),
                    message_key: Box::new(message_key),
                });
                chain_key = next;
            } else {
                chain_key = chain_key.next();
            }
        }
        let (message_key, chain_key) = chain_key.step();
        Ok(Advanced {
            chain_key,
            skipped,
            message_key,
        })
    }
}
