//! One recipient's view of a conversation.

use std::collections::{HashMap, HashSet};

use hushwire::{Config, Envelope, Error};

/// A genuine message of the conversation.
pub(crate) struct Message {
    /// The encoded envelope.
    pub(crate) bytes: Vec<u8>,
    /// What it decrypts to.
    pub(crate) plaintext: Vec<u8>,
    /// The ratchet key in its header: the chain it belongs to.
    pub(crate) chain: [u8; 32],
}

/// The sender ratchet key in `envelope`'s header: the chain it belongs to.
pub(crate) fn chain_of(envelope: &Envelope) -> [u8; 32] {
    match envelope {
        Envelope::PreKey(message) => message.message().header().ratchet_key.to_bytes(),
        Envelope::Ratchet(message) => message.header().ratchet_key.to_bytes(),
        other => panic!("unexpected kind of envelope: {other:?}"),
    }
}

/// Messages in flight to one side, and what it has received.
#[derive(Default)]
pub(crate) struct Inbox {
    /// Sent and not yet delivered or dropped.
    pub(crate) in_flight: Vec<Message>,
    /// Delivered, oldest first (the latest `max_remembered` of them).
    pub(crate) delivered: Vec<Message>,
    /// Every chain (sender ratchet key) this side has ever received on.
    chains_seen: HashSet<[u8; 32]>,
    /// The chains it still remembers, most recent first: the receiving chains and the retired
    /// ratchet keys (`max_receiving_chains + max_retired_chains` in all). A replay on one of
    /// them is a `DuplicateMessage`; on an older chain a `DecryptionFailed` (but see
    /// [`Inbox::replay_refusals`]).
    chains_remembered: Vec<[u8; 32]>,
    /// Messages sent to this side, per chain.
    sent_on: HashMap<[u8; 32], u32>,
    /// Messages delivered to this side, per chain.
    delivered_on: HashMap<[u8; 32], u32>,
}

impl Inbox {
    /// Puts `message` in flight.
    pub(crate) fn sent(&mut self, message: Message) {
        *self.sent_on.entry(message.chain).or_default() += 1;
        self.in_flight.push(message);
    }

    /// Records `message` as delivered, keeping the latest `max_remembered`.
    pub(crate) fn received(&mut self, message: Message, config: &Config, max_remembered: usize) {
        if self.chains_seen.insert(message.chain) {
            self.chains_remembered.insert(0, message.chain);
            self.chains_remembered
                .truncate(config.max_receiving_chains.max(1) + config.max_retired_chains);
        }
        *self.delivered_on.entry(message.chain).or_default() += 1;
        self.delivered.push(message);
        if self.delivered.len() > max_remembered {
            self.delivered.remove(0);
        }
    }

    /// How a replay of a message on `chain` must be refused: as a duplicate while the
    /// recipient remembers the chain; once it has forgotten it, as a failed decryption, unless
    /// a message on the chain never arrived (in flight or dropped). Then the recipient may
    /// still hold a skipped key of the chain, and a replay on a chain whose keys outlived it
    /// is a duplicate too; whether it does depends on the order of deliveries, which this
    /// model does not follow, so either refusal is accepted.
    pub(crate) fn replay_refusals(&self, chain: &[u8; 32]) -> &'static [Error] {
        if self.chains_remembered.contains(chain) {
            &[Error::DuplicateMessage]
        } else if self.sent_on.get(chain) > self.delivered_on.get(chain) {
            &[Error::DuplicateMessage, Error::DecryptionFailed]
        } else {
            &[Error::DecryptionFailed]
        }
    }
}
