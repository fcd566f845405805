//! Message keys kept for messages that have not arrived yet (SPEC.md 6.6).

use std::collections::VecDeque;

use crate::chain::message_key::MessageKey;
use crate::primitives::x25519::X25519PublicKey;

/// Most skipped-key slots reserved ahead of need.
const MAX_RESERVE: usize = 4096;

/// One stored key: the chain it belongs to, the message counter, and MK.
#[derive(Clone)]
pub(crate) struct SkippedKey {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) counter: u32,
    pub(crate) message_key: MessageKey,
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

    /// Appends `keys` (oldest first), then evicts from the front down to `cap`.
    ///
    /// Growing a collection frees its old buffer without wiping it, and that buffer holds
    /// message keys. So the deque reserves room for the whole cap (up to `MAX_RESERVE` slots)
    /// the first time it needs to grow, and so reallocates at most rarely; SPEC.md 8.3 lists
    /// this as a residual exposure.
    pub(crate) fn extend(&mut self, keys: Vec<SkippedKey>, cap: usize) {
        let needed = self.keys.len().saturating_add(keys.len());
        if needed > self.keys.capacity() {
            let target = needed.max(cap.min(MAX_RESERVE));
            self.keys.reserve_exact(target - self.keys.len());
        }
        self.keys.extend(keys);
        self.truncate_oldest(cap);
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
