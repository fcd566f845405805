//! The `conversation` targets: the byte format of their operations, and the run.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::Outcome;
use super::fixture::{FIXTURE_SEED, fixture};
use super::hybrid_fixture::{Setup, hybrid_fixture};
use crate::conversation::{Conversation, Limits, Op, Side};

impl Op {
    /// Decodes operations from bytes by hand (the corpus format of `conversation`): a kind
    /// byte, then for all but the sends one argument byte (bit 0: the side; bits 1-7: the
    /// index), and for tamper two more (the byte position and the mask). A truncated last
    /// operation is ignored. The kind is the byte modulo 16, weighted towards the cheap and
    /// common operations: 0-3 Alice sends, 4-6 Bob sends, 7-10 deliver, 11 drop,
    /// 12 duplicate, 13 reload (its cost grows with the state: the whole state is encoded
    /// twice and decoded once, each stored X25519 key getting a canonical check and a
    /// small-order table look-up and each identity key a decompression; no key is recomputed
    /// from its secret), 14-15 tamper.
    pub fn decode_all(data: &[u8]) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut rest = data;
        while let Some((&kind, tail)) = rest.split_first() {
            rest = tail;
            let op = match kind % 16 {
                0..=3 => Op::AliceSend,
                4..=6 => Op::BobSend,
                14 | 15 => {
                    let [arg, byte, mask, tail @ ..] = rest else {
                        break;
                    };
                    rest = tail;
                    Op::Tamper {
                        to: Side::from_bit(*arg),
                        index: arg >> 1,
                        byte: *byte,
                        mask: *mask,
                    }
                }
                kind => {
                    let [arg, tail @ ..] = rest else { break };
                    rest = tail;
                    let (to, index) = (Side::from_bit(*arg), arg >> 1);
                    match kind {
                        7..=10 => Op::Deliver { to, index },
                        11 => Op::Drop { to, index },
                        12 => Op::Duplicate { to, index },
                        _ => Op::Reload { who: to },
                    }
                }
            };
            ops.push(op);
        }
        ops
    }

    /// The inverse of [`Op::decode_all`] for indexes below 128.
    pub fn encode_all(ops: &[Op]) -> Vec<u8> {
        let arg = |side: Side, index: u8| side.bit() | (index << 1);
        let mut out = Vec::new();
        for op in ops {
            match *op {
                Op::AliceSend => out.push(0),
                Op::BobSend => out.push(4),
                Op::Deliver { to, index } => out.extend([7, arg(to, index)]),
                Op::Drop { to, index } => out.extend([11, arg(to, index)]),
                Op::Duplicate { to, index } => out.extend([12, arg(to, index)]),
                Op::Reload { who } => out.extend([13, who.bit()]),
                Op::Tamper {
                    to,
                    index,
                    byte,
                    mask,
                } => out.extend([14, arg(to, index), byte, mask]),
            }
        }
        out
    }
}
/// Most messages in flight per direction: sends beyond it are ignored.
pub const MAX_IN_FLIGHT: usize = 48;
/// Most messages each side sends in one run. Every skipped key stands for a message sent, so
/// with 300 neither the per-chain skip (2000) nor the stored-key cap (2000) of the default
/// config is reached by legitimate operations: every undelivered message stays decryptable.
/// (The bound also keeps a run fast: every skipped key is derived with HMACs, and each
/// `Reload` encodes and decodes all the keys held, validating each stored X25519 key with a
/// canonical check and a look-up in the 5-entry small-order table, not a scalar
/// multiplication.)
pub const MAX_SENT_PER_SIDE: u32 = 300;
/// Most operations run from one input.
pub const MAX_OPS: usize = 1024;
/// Delivered messages remembered per recipient for `Duplicate`.
pub const MAX_REMEMBERED: usize = 128;

/// The bounds of a fuzzed conversation.
pub const LIMITS: Limits = Limits {
    max_in_flight: MAX_IN_FLIGHT,
    max_sent_per_side: MAX_SENT_PER_SIDE,
    max_remembered: MAX_REMEMBERED,
};

/// Runs `ops` (at most [`MAX_OPS`]) on a fresh Alice (the fixture's, before she sent) and Bob
/// (his fixture store; a session once he accepts her first message), checking after each that
/// the invariants hold, then delivers everything left: the classic set-up.
pub fn run_ops(ops: impl IntoIterator<Item = Op>) -> Outcome {
    run_ops_with(Setup::Classic, ops)
}

/// [`run_ops`] with the set-up `setup`. A hybrid Alice (the hybrid fixture's, initiated to a
/// bundle with a KEM prekey, last-resort or one-time as `setup` says) talks to Bob with his
/// KEM prekeys in his store ([`super::HybridFixture::store`]); both sides run on the default
/// policy, which requires the hybrid set-up, so Bob's accept, every decode and every reload
/// runs under it. The simulator's invariants hold alike: every genuine message decrypts once,
/// replays and tampered copies are refused with the state, or before Bob's accept his store,
/// unchanged. (`Tamper` picks its byte at `byte`/256 of the message's length, so it reaches
/// the whole of a hybrid first message, its KEM ciphertext included.)
pub fn run_ops_with(setup: Setup, ops: impl IntoIterator<Item = Op>) -> Outcome {
    let fixture = fixture();
    let (store, config) = match setup {
        Setup::Classic => (fixture.store(), fixture.config),
        _ => {
            let hybrid = hybrid_fixture();
            (hybrid.store(), hybrid.config)
        }
    };
    let alice = match setup {
        Setup::Classic => crate::fixtures::copy(&fixture.alice_initial),
        _ => hybrid_fixture().alice(setup),
    };
    let mut conversation = Conversation::new(
        alice,
        &fixture.bob_keys.identity,
        store,
        config,
        ChaCha20Rng::seed_from_u64(FIXTURE_SEED ^ 2),
        LIMITS,
    );
    for op in ops.into_iter().take(MAX_OPS) {
        conversation.apply(op);
    }
    conversation.drain();
    if conversation.bob().is_some() {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `conversation`: a first byte of 0xC0 to 0xFF chooses the set-up ([`Setup::split`]: classic,
/// or hybrid with a last-resort or a one-time KEM prekey), any other input is a classic run;
/// the operations are decoded with [`Op::decode_all`] and run by [`run_ops_with`].
pub fn conversation(data: &[u8]) -> Outcome {
    let (setup, ops) = Setup::split(data);
    run_ops_with(setup, Op::decode_all(ops))
}
