//! Walking a chain forward to a message, keeping the keys of the messages it skips: shared by
//! the pairwise receiving chains (SPEC.md 6.6 `ADVANCE`) and the group sender chains
//! (SPEC.md 15).

use crate::Error;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;

/// A chain walked forward to a message, computed without touching the chain: applied only if
/// decryption succeeds.
pub(crate) struct Walked {
    /// The chain key after the target message.
    pub(crate) chain_key: ChainKey,
    /// (index, key) of the messages between the chain's position and the target, oldest
    /// first: only the last `keep` of them. The vector has room for one more entry.
    pub(crate) skipped: Vec<(u32, MessageKey)>,
    /// The target message's key.
    pub(crate) message_key: MessageKey,
}

/// Derives the keys from `chain`'s index up to and including message `counter`, bounded by
/// `max_skip`; only the last `keep` skipped keys are kept (the stores would evict older ones
/// at once), so memory stays bounded by `keep` whatever `max_skip` is.
///
/// # Errors
/// [`Error::DuplicateMessage`] if `counter` is behind the chain, [`Error::CounterExhausted`]
/// for `u32::MAX`, and [`Error::TooManySkippedMessages`] past the limit.
pub(crate) fn walk_to(
    chain: &ChainKey,
    counter: u32,
    max_skip: u32,
    keep: usize,
) -> Result<Walked, Error> {
    let start = chain.index();
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
    let mut chain_key = chain.clone();
    while chain_key.index() < counter {
        if chain_key.index() >= first_kept {
            let (message_key, next) = chain_key.step();
            skipped.push((chain_key.index(), message_key));
            chain_key = next;
        } else {
            chain_key = chain_key.next();
        }
    }
    let (message_key, chain_key) = chain_key.step();
    Ok(Walked {
        chain_key,
        skipped,
        message_key,
    })
}
