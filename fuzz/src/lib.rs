//! Fuzz targets for hushwire. The logic of every target is in `hushwire_testkit::fuzz`
//! (re-exported here as [`targets`]), which `tests/fuzz_corpus.rs` in the main crate also
//! calls, to replay the committed corpus on stable Rust. This crate adds what needs the `arbitrary` crate:
//! [`ArbitraryOp`], the derived twin of [`Op`], and [`ArbitrarySetup`], of the set-up, for the
//! `conversation_arbitrary` target.

use arbitrary::Arbitrary;

pub use hushwire_testkit::conversation::{Op, Side};
pub use hushwire_testkit::fuzz as targets;

/// [`Side`] with a derived [`Arbitrary`].
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ArbitrarySide {
    /// The initiator.
    Alice,
    /// The responder.
    Bob,
}

/// [`Op`] with a derived [`Arbitrary`]: libFuzzer's bytes become a `Vec<ArbitraryOp>` by
/// `arbitrary`'s own format, which the main crate (without `arbitrary`) cannot decode. The
/// `conversation` target decodes the same operations by hand instead ([`Op::decode_all`]).
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ArbitraryOp {
    /// [`Op::AliceSend`].
    AliceSend,
    /// [`Op::BobSend`].
    BobSend,
    /// [`Op::Deliver`].
    Deliver {
        /// The recipient.
        to: ArbitrarySide,
        /// Position in the queue.
        index: u8,
    },
    /// [`Op::Drop`].
    Drop {
        /// The recipient.
        to: ArbitrarySide,
        /// Position in the queue.
        index: u8,
    },
    /// [`Op::Duplicate`].
    Duplicate {
        /// The recipient.
        to: ArbitrarySide,
        /// How far back.
        index: u8,
    },
    /// [`Op::Reload`].
    Reload {
        /// The session.
        who: ArbitrarySide,
    },
    /// [`Op::Tamper`].
    Tamper {
        /// The recipient.
        to: ArbitrarySide,
        /// Position in the queue.
        index: u8,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 truncates instead.
        mask: u8,
    },
}

impl From<ArbitrarySide> for Side {
    fn from(side: ArbitrarySide) -> Self {
        match side {
            ArbitrarySide::Alice => Side::Alice,
            ArbitrarySide::Bob => Side::Bob,
        }
    }
}

impl From<ArbitraryOp> for Op {
    fn from(op: ArbitraryOp) -> Self {
        match op {
            ArbitraryOp::AliceSend => Op::AliceSend,
            ArbitraryOp::BobSend => Op::BobSend,
            ArbitraryOp::Deliver { to, index } => Op::Deliver {
                to: to.into(),
                index,
            },
            ArbitraryOp::Drop { to, index } => Op::Drop {
                to: to.into(),
                index,
            },
            ArbitraryOp::Duplicate { to, index } => Op::Duplicate {
                to: to.into(),
                index,
            },
            ArbitraryOp::Reload { who } => Op::Reload { who: who.into() },
            ArbitraryOp::Tamper {
                to,
                index,
                byte,
                mask,
            } => Op::Tamper {
                to: to.into(),
                index,
                byte,
                mask,
            },
        }
    }
}

/// [`targets::Setup`] with a derived [`Arbitrary`]: the `conversation_arbitrary` target's
/// choice of classic or hybrid set-up (last-resort or one-time KEM prekey).
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ArbitrarySetup {
    /// [`targets::Setup::Classic`].
    Classic,
    /// [`targets::Setup::HybridLastResort`].
    HybridLastResort,
    /// [`targets::Setup::HybridOneTimeKem`].
    HybridOneTimeKem,
    /// [`targets::Setup::HybridLastResortNoOtk`].
    HybridLastResortNoOtk,
}

impl From<ArbitrarySetup> for targets::Setup {
    fn from(setup: ArbitrarySetup) -> Self {
        match setup {
            ArbitrarySetup::Classic => Self::Classic,
            ArbitrarySetup::HybridLastResort => Self::HybridLastResort,
            ArbitrarySetup::HybridOneTimeKem => Self::HybridOneTimeKem,
            ArbitrarySetup::HybridLastResortNoOtk => Self::HybridLastResortNoOtk,
        }
    }
}
