//! One conversation simulator for the tests and the fuzz targets: two parties, a queue of
//! messages in flight to each, and operations that send, deliver, drop, replay, reload and
//! tamper ([`Op`]), each checked as it runs ([`Conversation`]).
//!
//! What every run checks:
//! - every genuine message decrypts exactly once, to the plaintext it was sent with, however
//!   late and in whatever order it arrives (dropped messages aside), and Alice sends
//!   PreKeyMessages exactly until she has received;
//! - a replay is refused, as [`hushwire::Error::DuplicateMessage`] while its chain is
//!   remembered or a skipped key of the chain is held, and as
//!   [`hushwire::Error::DecryptionFailed`] after; a tampered copy is refused; every refusal leaves the session (or, before Bob has one, his store) unchanged;
//! - storing and loading a session is lossless.

mod inbox;
mod simulator;

pub use simulator::{Conversation, Limits, plaintext_for};

/// Which peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The initiator.
    Alice,
    /// The responder.
    Bob,
}

impl Side {
    /// Bit 0 of `bit`: 0 is Alice, 1 is Bob.
    pub(crate) fn from_bit(bit: u8) -> Self {
        if bit & 1 == 0 { Self::Alice } else { Self::Bob }
    }

    /// The inverse of [`Side::from_bit`].
    pub(crate) fn bit(self) -> u8 {
        match self {
            Self::Alice => 0,
            Self::Bob => 1,
        }
    }
}

/// One step of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Alice encrypts the next message (ignored when too many are in flight).
    AliceSend,
    /// Bob encrypts the next message (ignored before he has a session).
    BobSend,
    /// The message at `index` (modulo the queue's length) in flight to `to` arrives.
    Deliver {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
    },
    /// The message at `index` in flight to `to` is lost for good.
    Drop {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
    },
    /// A message already delivered to `to` (`index` counts back from the latest) arrives again.
    Duplicate {
        /// The recipient.
        to: Side,
        /// How far back.
        index: u8,
    },
    /// `who` is stored and loaded again.
    Reload {
        /// The session.
        who: Side,
    },
    /// A copy of the message at `index` in flight to `to`, with the byte at `byte`/256 of its
    /// length XORed with `mask` (or, for mask 0, cut off there), arrives; the original stays in
    /// flight.
    Tamper {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 truncates instead.
        mask: u8,
    },
}
