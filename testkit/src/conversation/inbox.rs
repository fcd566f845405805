//! One recipient's view of a conversation, with a model of what its session remembers.

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
    /// The counter in its header: its position in the chain.
    pub(crate) counter: u32,
}

impl Message {
    /// A message from its envelope, bytes and plaintext.
    pub(crate) fn new(envelope: &Envelope, plaintext: Vec<u8>) -> Self {
        let header = match envelope {
            Envelope::PreKey(message) => message.message().header(),
            Envelope::Ratchet(message) => message.header(),
            other => panic!("unexpected kind of envelope: {other:?}"),
        };
        Self {
            bytes: envelope.encode(),
            plaintext,
            chain: header.ratchet_key.to_bytes(),
            counter: header.counter,
        }
    }
}

/// One sending chain of the peer, as the recipient sees it.
#[derive(Default)]
struct Chain {
    /// Messages sent on it.
    sent: u32,
    /// How far the recipient has derived its keys: past every counter it received and, once a
    /// newer chain arrived while this one was its latest, past every message sent on it (the
    /// new chain's header says how many: PN).
    derived: u32,
    /// The counters delivered.
    delivered: HashSet<u32>,
}

impl Chain {
    /// Whether the recipient holds a skipped key of this chain: a key derived for a message
    /// that has not arrived (in flight, or dropped).
    fn holds_skipped_key(&self) -> bool {
        (0..self.derived).any(|counter| !self.delivered.contains(&counter))
    }
}

/// Messages in flight to one side, and what it has received.
#[derive(Default)]
pub(crate) struct Inbox {
    /// Sent and not yet delivered or dropped.
    pub(crate) in_flight: Vec<Message>,
    /// Delivered, oldest first (the latest `max_remembered` of them).
    pub(crate) delivered: Vec<Message>,
    /// Every chain (sender ratchet key) sent to this side.
    chains: HashMap<[u8; 32], Chain>,
    /// The chains it has received on and still remembers, most recent first: the receiving
    /// chains and the retired ratchet keys (`max_receiving_chains + max_retired_chains` in
    /// all).
    chains_remembered: Vec<[u8; 32]>,
    /// The chain it received on most recently for the first time (its current receiving
    /// chain).
    latest: Option<[u8; 32]>,
}

impl Inbox {
    /// Puts `message` in flight. Counters run from 0 on each chain.
    pub(crate) fn sent(&mut self, message: Message) {
        let chain = self.chains.entry(message.chain).or_default();
        assert_eq!(message.counter, chain.sent, "counters are consecutive");
        chain.sent += 1;
        self.in_flight.push(message);
    }

    /// Records `message` as delivered, keeping the latest `max_remembered`.
    pub(crate) fn received(&mut self, message: Message, config: &Config, max_remembered: usize) {
        if self.chains[&message.chain].delivered.is_empty() {
            // A new chain: the recipient finishes its latest one, up to PN.
            if let Some(latest) = self.latest {
                let latest = self.chains.get_mut(&latest).expect("a chain sent on");
                latest.derived = latest.derived.max(latest.sent);
            }
            self.latest = Some(message.chain);
            self.chains_remembered.insert(0, message.chain);
            self.chains_remembered
                .truncate(config.max_receiving_chains.max(1) + config.max_retired_chains);
        }
        let chain = self
            .chains
            .get_mut(&message.chain)
            .expect("a chain sent on");
        chain.derived = chain.derived.max(message.counter + 1);
        assert!(
            chain.delivered.insert(message.counter),
            "a message delivered twice"
        );
        self.delivered.push(message);
        if self.delivered.len() > max_remembered {
            self.delivered.remove(0);
        }
    }

    /// How a replay of a message on `chain` must be refused: as a duplicate while the
    /// recipient remembers the chain, or holds a skipped key of it (the keys of a forgotten
    /// chain outlive it); as a failed decryption once it has neither (the replay then looks
    /// like a new chain).
    pub(crate) fn replay_refusal(&self, chain: &[u8; 32]) -> Error {
        if self.chains_remembered.contains(chain) || self.chains[chain].holds_skipped_key() {
            Error::DuplicateMessage
        } else {
            Error::DecryptionFailed
        }
    }
}
