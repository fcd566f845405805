//! Another member's sender-key chain as we hold it (SPEC.md 15.4).

use std::collections::VecDeque;

use crate::Error;
use crate::chain::advance::walk_to;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;
use crate::config::Config;
use crate::identity::IdentityKey;

/// A chain of another member's sender key: its id and signing key, the chain at the next
/// iteration expected, and the keys of skipped iterations, oldest first.
#[derive(Clone)]
pub(crate) struct ReceiverChain {
    pub(crate) chain_id: u32,
    pub(crate) signing_key: IdentityKey,
    pub(crate) chain: ChainKey,
    /// (iteration, MK); each key on the heap so moving an entry moves a pointer.
    pub(crate) skipped: VecDeque<(u32, Box<MessageKey>)>,
}

/// A message key found or derived for one iteration, and what committing it changes.
pub(crate) enum Found {
    /// A stored key, at this position of `skipped`.
    Stored(usize, MessageKey),
    /// A key derived by walking the chain: the new chain and the keys skipped on the way.
    Walked {
        chain: ChainKey,
        skipped: Vec<(u32, MessageKey)>,
        message_key: MessageKey,
    },
}

impl ReceiverChain {
    /// The key for `iteration`, computed without changing anything.
    ///
    /// # Errors
    /// [`Error::DuplicateMessage`] for an iteration behind the chain whose key is not stored,
    /// [`Error::CounterExhausted`] for `u32::MAX`, [`Error::TooManySkippedMessages`] past
    /// `max_group_skip`.
    pub(crate) fn key_for(&self, iteration: u32, config: &Config) -> Result<Found, Error> {
        if let Some(position) = self.skipped.iter().position(|(i, _)| *i == iteration) {
            let key = self
                .skipped
                .get(position)
                .map(|(_, key)| MessageKey::clone(key))
                .ok_or(Error::InvalidSessionState)?;
            return Ok(Found::Stored(position, key));
        }
        let walked = walk_to(
            &self.chain,
            iteration,
            config.max_group_skip,
            config.group_skipped_keys(),
        )?;
        Ok(Found::Walked {
            chain: walked.chain_key,
            skipped: walked.skipped,
            message_key: walked.message_key,
        })
    }

    /// Commits what [`ReceiverChain::key_for`] found, once the message decrypted: a stored key
    /// is deleted; a walk moves the chain and stores the skipped keys, evicting the oldest.
    pub(crate) fn commit(&mut self, found: Found, config: &Config) {
        match found {
            Found::Stored(position, _) => {
                self.skipped.remove(position);
            }
            Found::Walked { chain, skipped, .. } => {
                self.chain = chain;
                let cap = config.group_skipped_keys();
                let incoming = skipped.len().min(cap);
                // Evict first, so the store only grows to what it will hold.
                while self.skipped.len() + incoming > cap {
                    self.skipped.pop_front();
                }
                crate::chain::wiping::make_room_deque(&mut self.skipped, incoming);
                let skip = skipped.len() - incoming;
                for (iteration, key) in skipped.into_iter().skip(skip) {
                    self.skipped.push_back((iteration, Box::new(key)));
                }
            }
        }
    }
}

impl Found {
    /// The message key, consumed.
    pub(crate) fn message_key(&self) -> MessageKey {
        match self {
            Self::Stored(_, key) => key.clone(),
            Self::Walked { message_key, .. } => message_key.clone(),
        }
    }
}
