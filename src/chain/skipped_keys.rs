//! Message keys kept for messages that have not arrived yet (SPEC.md 6.6).

use std::collections::VecDeque;

use crate::chain::message_key::MessageKey;
use crate::primitives::x25519::X25519PublicKey;

/// One stored key: the chain it belongs to, the message counter, and MK.
#[derive(Clone)]
pub(crate) struct SkippedKey {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) counter: u32,
    /// On the heap, so that moving the entry (eviction, removal, the deque's growth) moves a
    /// pointer and leaves no copy of the key behind; dropping it wipes the key in place.
    pub(crate) message_key: Box<MessageKey>,
}

/// Stored skipped keys, oldest first, bounded: adding past the cap evicts the oldest.
#[derive(Clone, Default)]
pub(crate) struct SkippedKeys {
    keys: VecDeque<SkippedKey>,
}

impl SkippedKeys {
    /// The position of the key for (`ratchet_key`, `counter`), if stored.
    pub(crate) fn find(&self, ratchet_key: &X25519PublicKey, counter: u32) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.counter == counter && k.ratchet_key == *ratchet_key)
    }

    pub(crate) fn get(&self, index: usize) -> Option<&SkippedKey> {
        self.keys.get(index)
    }

    /// Deletes the key at `index`.
    pub(crate) fn remove(&mut self, index: usize) {
        self.keys.remove(index);
    }

    /// Appends `keys` (oldest first), evicting the oldest so that at most `cap` remain.
    ///
    /// The evictions happen first, so the deque only ever grows to what it will hold; it grows
    /// by copying and wiping the old buffer ([`crate::chain::wiping`]).
    pub(crate) fn extend(&mut self, keys: Vec<SkippedKey>, cap: usize) {
        let incoming = keys.len().min(cap);
        // The oldest of `keys` that would be evicted at once are dropped (and wiped) here.
        let skip = keys.len() - incoming;
        self.truncate_oldest(cap - incoming);
        crate::chain::wiping::make_room_deque(&mut self.keys, incoming);
        self.keys.extend(keys.into_iter().skip(skip));
    }

    /// Evicts the oldest keys until at most `cap` remain.
    pub(crate) fn truncate_oldest(&mut self, cap: usize) {
        while self.keys.len() > cap {
            self.keys.pop_front();
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SkippedKey> {
        self.keys.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}
