//! Memory held for a hostile peer: the stored skipped keys, the receiving chains and the
//! retired chain keys stay within `Config`'s limits, and the serialized state within a byte
//! bound derived from those limits and the encoded size of each entry (SPEC.md 8.4, 9.1).
//!
//! The peer skips as far as allowed (`max_skip`) on every chain it can reach: on its current
//! chain, repeatedly; when it starts a new chain, on the chain it leaves (via PN) and on the new
//! one in the same message; and on every older chain the receiver still keeps, by sending from
//! copies of its old session state (a real attacker can derive those messages from the old
//! chain keys it knows).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::VecDeque;

use common::*;
use hushwire::{Config, Envelope, Session, X25519PublicKey};

/// Length of every key and secret in the state.
const KEY: usize = 32;

/// Bytes the protobuf varint encoding of `v` takes.
fn varint_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// A length-delimited field (bytes or embedded message) holding `len` bytes. Every field
/// number in SessionState is below 16, so its key is one byte.
fn len_field(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// A uint32 field at its largest (key byte + 5-byte varint); proto3 omits zero values, so
/// this bounds it from above.
const U32_FIELD_MAX: usize = 1 + 5;
/// A bool field when true.
const BOOL_FIELD: usize = 1 + 1;

/// SkippedKey { ratchet_key: 32 bytes, counter: u32, message_key: 32 bytes }, as an entry of
/// `SessionState.skipped` (SPEC.md 9.1).
fn skipped_entry_max() -> usize {
    len_field(len_field(KEY) + U32_FIELD_MAX + len_field(KEY))
}

/// ReceivingChain { ratchet_key: 32, chain_key: 32, counter: u32 }, as an entry of `receiving`.
fn receiving_entry_max() -> usize {
    len_field(len_field(KEY) + len_field(KEY) + U32_FIELD_MAX)
}

/// One 32-byte entry of `retired_ratchet_keys`.
fn retired_entry_max() -> usize {
    len_field(KEY)
}

/// Everything else: version, both identities, the initiator flag, the root key, the sending
/// chain, and one PreKeyInfo (pending for an initiator, accepted for a responder).
fn fixed_max() -> usize {
    // SendingChain { ratchet_secret, chain_key, counter, previous_counter, ratchet_key }.
    let sending = len_field(3 * len_field(KEY) + 2 * U32_FIELD_MAX);
    let prekey_info = len_field(len_field(KEY) + 2 * U32_FIELD_MAX);
    U32_FIELD_MAX + 2 * len_field(KEY) + BOOL_FIELD + len_field(KEY) + sending + prekey_info
}

/// The largest serialized state the limits allow.
fn state_bound(config: &Config) -> usize {
    fixed_max()
        + config.max_receiving_chains.max(1) * receiving_entry_max()
        + config.max_skipped_keys * skipped_entry_max()
        + config.max_retired_chains * retired_entry_max()
}

/// In-memory bytes of one stored skipped key: the chain's ratchet public key, the u32 counter
/// and the 32-byte message key (SPEC.md 6.1), from the sizes of the public types.
fn skipped_entry_in_memory() -> usize {
    std::mem::size_of::<X25519PublicKey>() + std::mem::size_of::<u32>() + KEY
}

/// What a session may hold, checked after every message it accepts.
struct Limits {
    config: Config,
    bound: usize,
    peak_skipped: usize,
    peak_len: usize,
    messages: usize,
}

impl Limits {
    fn new(config: Config) -> Self {
        Self {
            config,
            bound: state_bound(&config),
            peak_skipped: 0,
            peak_len: 0,
            messages: 0,
        }
    }

    fn check(&mut self, session: &Session) {
        let skipped = session.skipped_key_count();
        assert!(
            skipped <= self.config.max_skipped_keys,
            "{skipped} skipped keys stored, limit {}",
            self.config.max_skipped_keys
        );
        assert!(session.receiving_chain_count() <= self.config.max_receiving_chains.max(1));
        let len = session.to_stored().len();
        assert!(
            len <= self.bound,
            "serialized state {len} bytes exceeds the derived bound {}",
            self.bound
        );
        self.peak_skipped = self.peak_skipped.max(skipped);
        self.peak_len = self.peak_len.max(len);
        self.messages += 1;
    }
}

/// Encrypts `count` messages that are never delivered.
fn drop_messages(sender: &mut Session, count: u32) -> Option<Envelope> {
    let mut last = None;
    for _ in 0..count {
        last = Some(sender.encrypt(b"").unwrap());
    }
    last
}

/// Skips `max_skip` messages on `sender`'s chain and delivers the next one to `bob`. Returns
/// the last dropped message (whose key Bob now stores).
fn skip_and_deliver(
    rng: &mut ChaCha20Rng,
    sender: &mut Session,
    bob: &mut Session,
    limits: &mut Limits,
) -> Option<Envelope> {
    let dropped = drop_messages(sender, limits.config.max_skip);
    let delivered = sender.encrypt(b"delivered").unwrap();
    assert_eq!(bob.decrypt(rng, &delivered).unwrap(), b"delivered");
    limits.check(bob);
    dropped
}

/// Runs the hostile schedule for `chains` new sending chains of Alice, skipping `repeats`
/// times on each, and checks Bob (and Alice) after every message.
fn hostile_peer(seed: u64, config: Config, chains: usize, repeats: usize) -> Limits {
    let mut rng = rng(seed);
    let pair = established_pair(&mut rng, config);
    let (mut alice, mut bob) = (pair.alice, pair.bob);
    let mut limits = Limits::new(config);
    let mut alice_limits = Limits::new(config);
    limits.check(&bob);
    // Copies of Alice on chains Bob still keeps (besides her current one).
    let mut old_senders: VecDeque<Session> = VecDeque::new();
    let mut newest_dropped = None;

    for chain in 0..chains {
        if chain > 0 {
            // Leave max_skip undelivered messages on the current chain, keep a copy of Alice
            // that can still send on it, and make her start a new chain: Bob replies.
            drop_messages(&mut alice, config.max_skip);
            old_senders.push_front(copy(&alice));
            old_senders.truncate(config.max_receiving_chains.max(1) - 1);
            let reply = bob.encrypt(b"reply").unwrap();
            alice.decrypt(&mut rng, &reply).unwrap();
            alice_limits.check(&alice);
        }
        // On the new chain: skip max_skip (and PN finishes the old chain max_skip further),
        // then again `repeats - 1` times.
        for _ in 0..repeats {
            newest_dropped = skip_and_deliver(&mut rng, &mut alice, &mut bob, &mut limits);
        }
        // Every older chain Bob keeps: skip max_skip on each.
        for sender in old_senders.iter_mut() {
            newest_dropped = skip_and_deliver(&mut rng, sender, &mut bob, &mut limits);
        }
    }

    // The keys are real: the most recently stored one still decrypts, and is then gone.
    if let Some(envelope) = newest_dropped {
        let before = bob.skipped_key_count();
        assert_eq!(bob.decrypt(&mut rng, &envelope).unwrap(), b"");
        assert_eq!(bob.skipped_key_count(), before - 1);
    }
    // A stored state loads within the limits and re-encodes to the same bytes.
    let bytes = bob.to_stored();
    let loaded = Session::from_stored(bytes.as_bytes(), &config).unwrap();
    assert_eq!(loaded.to_stored(), bytes);
    limits.check(&loaded);
    println!(
        "max_skip {}, max_skipped_keys {}, max_receiving_chains {}, max_retired_chains {}: \
         {} messages checked, peak {} skipped keys, peak state {} bytes (bound {} bytes); \
         initiator peak {} bytes",
        config.max_skip,
        config.max_skipped_keys,
        config.max_receiving_chains,
        config.max_retired_chains,
        limits.messages,
        limits.peak_skipped,
        limits.peak_len,
        limits.bound,
        alice_limits.peak_len,
    );
    limits
}

/// The test kit's configuration ([`config`]) with these limits.
fn limited(max_skip: u32, max_skipped_keys: usize, chains: usize, retired: usize) -> Config {
    let mut config = config();
    config.max_skip = max_skip;
    config.max_skipped_keys = max_skipped_keys;
    config.max_receiving_chains = chains;
    config.max_retired_chains = retired;
    config
}

#[test]
fn the_bound_is_derived_from_the_encoding() {
    // One SkippedKey entry at most: 1 + 1 + (34 + 6 + 34); the same for a receiving chain.
    assert_eq!(len_field(KEY), 34);
    assert_eq!(skipped_entry_max(), 76);
    assert_eq!(receiving_entry_max(), 76);
    // Fixed part: version 6 + identities 2 * 34 + flag 2 + root key 34 + sending chain
    // (1 + 1 + 3 * 34 + 2 * 6 = 116) + prekey info (1 + 1 + 34 + 2 * 6 = 48) = 274.
    // Defaults: 274 + 5 * 76 + 2000 * 76 + 32 * 34 bytes.
    assert_eq!(fixed_max(), 274);
    assert_eq!(state_bound(&Config::default()), 153_742);
    // In memory a stored key is 68 bytes, so at most 136 000 bytes of keys at the defaults.
    assert_eq!(skipped_entry_in_memory(), 68);
    assert_eq!(
        skipped_entry_in_memory() * Config::default().max_skipped_keys,
        136_000
    );
}

#[test]
fn each_stored_key_adds_at_most_one_derived_entry() {
    let mut rng = rng(70);
    let config = config();
    let mut pair = established_pair(&mut rng, config);
    let opener = pair.alice.encrypt(b"opens the chain").unwrap();
    pair.bob.decrypt(&mut rng, &opener).unwrap();
    let before = pair.bob.to_stored().len();
    let n = 100;
    drop_messages(&mut pair.alice, n);
    let delivered = pair.alice.encrypt(b"x").unwrap();
    pair.bob.decrypt(&mut rng, &delivered).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), n as usize);
    let growth = pair.bob.to_stored().len() - before;
    // Two 32-byte fields at least, the derived maximum at most (counters under 128 take one
    // varint byte; the receiving chain's counter may also have grown by a byte).
    assert!(growth >= n as usize * 2 * len_field(KEY), "{growth}");
    assert!(
        growth <= n as usize * skipped_entry_max() + U32_FIELD_MAX,
        "{growth}"
    );
}

#[test]
fn hostile_peer_at_the_default_limits() {
    let config = config();
    let limits = hostile_peer(71, config, 8, 2);
    assert_eq!(limits.peak_skipped, config.max_skipped_keys);
    assert!(limits.peak_len <= state_bound(&config));
    assert!(limits.messages >= 8 * 2);
}

#[test]
fn hostile_peer_accumulating_across_many_chains() {
    // The store holds more than one message's worth, so keys of several chains pile up and the
    // oldest are evicted; more chains than receiving + retired slots, so chains are retired and
    // retired keys forgotten.
    let config = limited(40, 300, 3, 4);
    let limits = hostile_peer(72, config, 30, 3);
    assert_eq!(limits.peak_skipped, config.max_skipped_keys);
    assert!(limits.peak_len <= state_bound(&config));
}

#[test]
fn hostile_peer_skipping_more_than_the_store_holds() {
    // One message may skip more keys than the store keeps: only the newest are kept.
    let config = limited(500, 120, 2, 3);
    let limits = hostile_peer(73, config, 12, 2);
    assert_eq!(limits.peak_skipped, config.max_skipped_keys);
}

#[test]
fn hostile_peer_with_a_single_receiving_chain() {
    // max_receiving_chains = 0 acts as 1.
    let config = limited(60, 100, 0, 2);
    let limits = hostile_peer(74, config, 15, 2);
    assert_eq!(limits.peak_skipped, config.max_skipped_keys);
}
