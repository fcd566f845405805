//! The `sas` target: a SAS exchange between the fixture's established Alice and Bob, driven
//! step by step by the fuzzer, against a model of SPEC.md 12.4.1.

use hushwire::hazmat::sas_commitment;
use hushwire::{
    CancelReason, Error, SAS_EMOJI, Sas, SasAwaitingKey, SasCancelled, SasConfirmation,
    SasConfirmed, SasReady, SasResponded, SasStarted, Session, TRANSACTION_ID_LEN, Timestamp,
    TransactionId, VerificationContent, VerificationMessage, VerificationMethod, VerifiedIdentity,
};
use prost::Message;
use rand_chacha::ChaCha20Rng;

use super::Outcome;
use super::checks::rng;
use super::fixture::fixture;
use super::verification_fixture::{VERIFICATION_NOW, verification_fixture};
use crate::conversation::Side;
use crate::pb;

/// Most operations run from one input.
pub const MAX_SAS_OPS: usize = 64;

/// One step of a fuzzed SAS exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SasOp {
    /// The next message the peer sent that the network has not carried yet reaches `to`.
    Deliver {
        /// The recipient.
        to: Side,
    },
    /// The next message to `to` is lost.
    Drop {
        /// The recipient.
        to: Side,
    },
    /// A message sent earlier or later (by the peer, or by `to` itself if `reflect`) reaches
    /// `to` out of order: the one at `index`, modulo how many were sent. The network's order
    /// is not changed.
    Replay {
        /// The recipient.
        to: Side,
        /// `to`'s own message comes back to it.
        reflect: bool,
        /// Which message (0 to 63).
        index: u8,
    },
    /// The next message to `to` is tampered with: byte `byte` (modulo the length) XORed with
    /// `mask`, or the message cut there if `mask` is 0. With `keep`, the genuine message stays
    /// in flight too. With `cancel_on_error`, the application cancels the exchange with
    /// `InvalidMessage` when the tampered bytes do not decode (SPEC.md 12.4.1); otherwise it
    /// drops them.
    Tamper {
        /// The recipient.
        to: Side,
        /// The genuine message is not lost.
        keep: bool,
        /// The application cancels on a message that does not decode.
        cancel_on_error: bool,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 cuts the message instead.
        mask: u8,
    },
    /// A made-up message reaches `to`: kind 0 Accept (`body` the commitment; an empty Start
    /// when the first byte of `body` is odd), 1 Key (`body` the
    /// key, which may not decode), 2 Mac (`body` the MAC), 3 Cancel (the first four bytes of
    /// `body`, big-endian, the reason code); of the exchange's transaction, or of `txn`.
    Forge {
        /// The recipient.
        to: Side,
        /// The kind, 0 to 3.
        kind: u8,
        /// Another transaction id.
        txn: Option<[u8; TRANSACTION_ID_LEN]>,
        /// The content.
        body: [u8; 32],
    },
    /// A message of another, complete exchange between the same sessions (the verification
    /// fixture's two honest exchanges, twelve messages) reaches `to`.
    Foreign {
        /// The recipient.
        to: Side,
        /// Which message (0 to 127), modulo twelve.
        index: u8,
    },
    /// A cancel of the exchange's transaction with reason `code` (0 does not decode) reaches
    /// `to`, as if from the peer.
    InjectCancel {
        /// The recipient.
        to: Side,
        /// The reason code, 0 to 127.
        code: u8,
    },
    /// The person at `who` compared the SAS and says it matches (a careless person may say so
    /// whatever the devices show: the MACs must still catch a difference).
    Confirm {
        /// Whose person.
        who: Side,
    },
    /// The person at `who` says the SAS does not match.
    Mismatch {
        /// Whose person.
        who: Side,
    },
    /// The application at `who` cancels the exchange with the reason of code `reason`
    /// (0 to 7: User to MacMismatch; from 8: `Other(reason - 8)`, `Other(0)` included).
    Cancel {
        /// Which side.
        who: Side,
        /// The reason, as above (0 to 127).
        reason: u8,
    },
    /// The clock moves: by `step` (see [`SasOp::decode_all`]).
    Clock {
        /// Low two bits: 0 forward `step >> 2` seconds, 1 forward `step >> 2` minutes, 2 to the
        /// timeout of a side (bit 3: which) plus bit 2 seconds (exactly at, or one past), 3
        /// back `step >> 2` times 10 seconds.
        step: u8,
    },
}

fn other(side: Side) -> Side {
    match side {
        Side::Alice => Side::Bob,
        Side::Bob => Side::Alice,
    }
}

fn index(side: Side) -> usize {
    usize::from(side.bit())
}

impl SasOp {
    /// Decodes operations by hand (the corpus format of `sas`, after its first byte): a kind
    /// byte, then its arguments. The kind is the byte modulo 16: 0-3 deliver (bit 0: to
    /// Alice or Bob), 4-5 confirm (bit 0: who), then with one argument byte whose bit 0 is
    /// the side: 6 drop, 7 mismatch, 8 clock (the whole byte is the step), 9 replay (bit 1
    /// reflect, bits 2-7 the index), 10-11 tamper (bit 1 keep, bit 2 cancel on error; then
    /// the byte and the mask), 12 forge (bits 1-2 the kind, bit 3 another transaction, whose
    /// 16 bytes follow; then 32 bytes of content), 13 foreign (bits 1-7 the index), 14 inject
    /// a cancel (bits 1-7 the code), 15 cancel (bits 1-7 the reason). A truncated last
    /// operation is ignored.
    pub fn decode_all(data: &[u8]) -> Vec<SasOp> {
        let mut ops = Vec::new();
        let mut rest = data;
        while let Some((&kind, tail)) = rest.split_first() {
            rest = tail;
            let op = match kind % 16 {
                0..=3 => SasOp::Deliver {
                    to: Side::from_bit(kind),
                },
                4 | 5 => SasOp::Confirm {
                    who: Side::from_bit(kind),
                },
                kind => {
                    let Some((&arg, tail)) = rest.split_first() else {
                        break;
                    };
                    rest = tail;
                    let side = Side::from_bit(arg);
                    match kind {
                        6 => SasOp::Drop { to: side },
                        7 => SasOp::Mismatch { who: side },
                        8 => SasOp::Clock { step: arg },
                        9 => SasOp::Replay {
                            to: side,
                            reflect: arg & 2 != 0,
                            index: arg >> 2,
                        },
                        10 | 11 => {
                            let [byte, mask, tail @ ..] = rest else {
                                break;
                            };
                            rest = tail;
                            SasOp::Tamper {
                                to: side,
                                keep: arg & 2 != 0,
                                cancel_on_error: arg & 4 != 0,
                                byte: *byte,
                                mask: *mask,
                            }
                        }
                        12 => {
                            let txn = if arg & 8 != 0 {
                                let Some((txn, tail)) = rest.split_first_chunk() else {
                                    break;
                                };
                                rest = tail;
                                Some(*txn)
                            } else {
                                None
                            };
                            let Some((body, tail)) = rest.split_first_chunk() else {
                                break;
                            };
                            rest = tail;
                            SasOp::Forge {
                                to: side,
                                kind: (arg >> 1) & 3,
                                txn,
                                body: *body,
                            }
                        }
                        13 => SasOp::Foreign {
                            to: side,
                            index: arg >> 1,
                        },
                        14 => SasOp::InjectCancel {
                            to: side,
                            code: arg >> 1,
                        },
                        _ => SasOp::Cancel {
                            who: side,
                            reason: arg >> 1,
                        },
                    }
                }
            };
            ops.push(op);
        }
        ops
    }

    /// The inverse of [`SasOp::decode_all`], for arguments in the documented ranges.
    pub fn encode_all(ops: &[SasOp]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops {
            match *op {
                SasOp::Deliver { to } => out.push(to.bit()),
                SasOp::Confirm { who } => out.push(4 | who.bit()),
                SasOp::Drop { to } => out.extend([6, to.bit()]),
                SasOp::Mismatch { who } => out.extend([7, who.bit()]),
                SasOp::Clock { step } => out.extend([8, step]),
                SasOp::Replay { to, reflect, index } => {
                    out.extend([9, to.bit() | (u8::from(reflect) << 1) | (index << 2)]);
                }
                SasOp::Tamper {
                    to,
                    keep,
                    cancel_on_error,
                    byte,
                    mask,
                } => out.extend([
                    10,
                    to.bit() | (u8::from(keep) << 1) | (u8::from(cancel_on_error) << 2),
                    byte,
                    mask,
                ]),
                SasOp::Forge {
                    to,
                    kind,
                    txn,
                    body,
                } => {
                    out.extend([
                        12,
                        to.bit() | ((kind & 3) << 1) | (u8::from(txn.is_some()) << 3),
                    ]);
                    if let Some(txn) = txn {
                        out.extend(txn);
                    }
                    out.extend(body);
                }
                SasOp::Foreign { to, index } => out.extend([13, to.bit() | (index << 1)]),
                SasOp::InjectCancel { to, code } => out.extend([14, to.bit() | (code << 1)]),
                SasOp::Cancel { who, reason } => out.extend([15, who.bit() | (reason << 1)]),
            }
        }
        out
    }
}

/// The reason an application cancels with for `code` (see [`SasOp::Cancel`]).
fn reason_of(code: u8) -> CancelReason {
    use CancelReason::*;
    match code {
        0 => User,
        1 => Mismatch,
        2 => Timeout,
        3 => UnexpectedMessage,
        4 => UnknownTransaction,
        5 => CommitmentMismatch,
        6 => InvalidMessage,
        7 => MacMismatch,
        other => Other(u32::from(other - 8)),
    }
}

/// A side's state.
enum State {
    /// The responder, before any message.
    Waiting,
    Started(SasStarted),
    AwaitingKey(SasAwaitingKey),
    Responded(SasResponded),
    Ready(SasReady),
    Confirmed(SasConfirmed),
    Verified(VerifiedIdentity),
    Cancelled(SasCancelled),
}

impl State {
    fn is_live(&self) -> bool {
        !matches!(self, State::Verified(_) | State::Cancelled(_))
    }
}

/// What a side's derivations bind: the transaction, the starter's and the responder's
/// ephemeral keys. Two sides derive the same SAS and MAC keys exactly when theirs agree (the
/// identity keys are the sessions', and the same on both).
type View = ([u8; TRANSACTION_ID_LEN], [u8; 32], [u8; 32]);

/// One side of the exchange, with what the model knows about it.
struct Party {
    session: &'static Session,
    state: State,
    /// The transaction it runs (the starter's from the start; the responder's from the Start
    /// it answered).
    txn: Option<TransactionId>,
    /// Its first step (the start, or receiving Start).
    started: u64,
    /// Whether it started the exchange.
    starts: bool,
    /// The starter: the commitment of the Accept it took, checked against the key that comes.
    commitment: Option<[u8; 32]>,
    /// The responder: its Accept's commitment, checked against the key it sends later.
    own_commitment: Option<[u8; 32]>,
    /// Once ready.
    view: Option<View>,
    /// Once ready: the emoji indices and the numbers it showed.
    sas: Option<([u8; 7], [u16; 3])>,
    /// Ready, and the peer's MAC arrived and verified.
    peer_mac_ok: bool,
    /// Its person confirmed.
    confirmed: bool,
    /// What it had consumed when its person confirmed.
    consumed_at_confirm: Option<Vec<VerificationMessage>>,
    /// Every message it produced, in order: what the network carries to the peer.
    sent: Vec<VerificationMessage>,
    /// The messages its state machine took without ending the exchange, in order.
    consumed: Vec<VerificationMessage>,
    /// How many of the peer's messages the network has carried to it (or lost).
    cursor: usize,
}

impl Party {
    fn new(session: &'static Session, state: State) -> Self {
        Self {
            session,
            state,
            txn: None,
            started: 0,
            starts: false,
            commitment: None,
            own_commitment: None,
            view: None,
            sas: None,
            peer_mac_ok: false,
            confirmed: false,
            consumed_at_confirm: None,
            sent: Vec::new(),
            consumed: Vec::new(),
            cursor: 0,
        }
    }
}

/// What the model expects of a message or a confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The state moves on.
    Advance,
    /// The exchange ends: the reason, and whether by the peer.
    Cancel(CancelReason, bool),
}

/// The exchange: both sides, the clock, the RNG.
struct Exchange {
    parties: [Party; 2],
    now: u64,
    timeout: u64,
    rng: ChaCha20Rng,
    step: usize,
}

fn key_bytes(message: &VerificationMessage) -> [u8; 32] {
    match message.content() {
        VerificationContent::Key(key) => key.to_bytes(),
        other => panic!("expected a Key, got {other:?}"),
    }
}

impl Exchange {
    fn party(&self, side: Side) -> &Party {
        &self.parties[index(side)]
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.now)
    }

    /// SPEC.md 12.4.1's checks, in order, then the content's.
    fn expect(&self, to: Side, message: &VerificationMessage) -> Expect {
        use VerificationContent as C;
        let x = self.party(to);
        let peer = self.party(other(to));
        if let State::Waiting = x.state {
            return match message.content() {
                C::Cancel(reason) => Expect::Cancel(*reason, true),
                C::Start => Expect::Advance,
                _ => Expect::Cancel(CancelReason::UnexpectedMessage, false),
            };
        }
        if self.now.saturating_sub(x.started) > self.timeout {
            return Expect::Cancel(CancelReason::Timeout, false);
        }
        if Some(message.transaction_id()) != x.txn.as_ref() {
            return Expect::Cancel(CancelReason::UnknownTransaction, false);
        }
        if let C::Cancel(reason) = message.content() {
            return Expect::Cancel(*reason, true);
        }
        let mac_ok = || {
            let genuine = x.view.is_some()
                && x.view == peer.view
                && peer.sent.iter().any(|sent| sent == message);
            if genuine {
                Expect::Advance
            } else {
                Expect::Cancel(CancelReason::MacMismatch, false)
            }
        };
        match (&x.state, message.content()) {
            (State::Started(_), C::Accept { .. }) => Expect::Advance,
            (State::Responded(_), C::Key(_)) => Expect::Advance,
            (State::AwaitingKey(_), C::Key(key)) => {
                let txn = message.transaction_id().as_bytes();
                if Some(sas_commitment(txn, key.as_bytes())) == x.commitment {
                    Expect::Advance
                } else {
                    Expect::Cancel(CancelReason::CommitmentMismatch, false)
                }
            }
            (State::Ready(_), C::Mac(_)) if !x.peer_mac_ok => mac_ok(),
            (State::Confirmed(_), C::Mac(_)) => mac_ok(),
            _ => Expect::Cancel(CancelReason::UnexpectedMessage, false),
        }
    }

    /// Bytes arrive at `to`: decoded as the application would, then handed to its state.
    fn deliver_bytes(&mut self, to: Side, bytes: &[u8], cancel_on_error: bool) {
        match VerificationMessage::decode(bytes) {
            Ok(message) => {
                assert_eq!(
                    message.encode(),
                    bytes,
                    "a decoded message is not canonical"
                );
                self.receive(to, &message);
            }
            Err(error) => {
                assert!(
                    super::checks::is_decoding_error(&error),
                    "decode returned {error:?}"
                );
                if cancel_on_error {
                    self.app_cancel(to, CancelReason::InvalidMessage);
                }
            }
        }
    }

    /// `message` reaches `to`'s state machine: the result must be what the model expects.
    fn receive(&mut self, to: Side, message: &VerificationMessage) {
        if !self.party(to).state.is_live() {
            return;
        }
        let expect = self.expect(to, message);
        let now = self.now();
        let step = self.step;
        let x = &mut self.parties[index(to)];
        let state = std::mem::replace(&mut x.state, State::Waiting);
        let result: Result<State, SasCancelled> = match state {
            State::Waiting => {
                x.txn = Some(*message.transaction_id());
                x.started = self.now;
                Sas::respond(&mut self.rng, x.session, message, now).map(|(responded, reply)| {
                    assert!(matches!(message.content(), VerificationContent::Start));
                    let VerificationContent::Accept { commitment } = reply.content() else {
                        panic!("responded with {reply:?}")
                    };
                    x.own_commitment = Some(*commitment);
                    assert_eq!(responded.transaction_id(), message.transaction_id());
                    assert_eq!(reply.transaction_id(), message.transaction_id());
                    x.sent.push(reply);
                    State::Responded(responded)
                })
            }
            State::Started(started) => {
                started
                    .receive_accept(message, now)
                    .map(|(awaiting, reply)| {
                        let VerificationContent::Accept { commitment } = message.content() else {
                            panic!("accepted {message:?}")
                        };
                        x.commitment = Some(*commitment);
                        let txn = *x.txn.expect("the starter has a transaction").as_bytes();
                        assert_eq!(reply.transaction_id().as_bytes(), &txn);
                        key_bytes(&reply);
                        x.sent.push(reply);
                        State::AwaitingKey(awaiting)
                    })
            }
            State::AwaitingKey(awaiting) => {
                let ours = key_bytes(x.sent.get(1).expect("the starter sent its key"));
                awaiting.receive_key(message, now).map(|ready| {
                    let txn = *x.txn.expect("the starter has a transaction").as_bytes();
                    x.view = Some((txn, ours, key_bytes(message)));
                    State::Ready(ready)
                })
            }
            State::Responded(responded) => {
                responded.receive_key(message, now).map(|(ready, reply)| {
                    let txn = *x.txn.expect("the responder has a transaction").as_bytes();
                    assert_eq!(reply.transaction_id().as_bytes(), &txn);
                    let ours = key_bytes(&reply);
                    assert_eq!(
                        Some(sas_commitment(&txn, &ours)),
                        x.own_commitment,
                        "the responder sent a key it did not commit to"
                    );
                    x.view = Some((txn, key_bytes(message), ours));
                    x.sent.push(reply);
                    State::Ready(ready)
                })
            }
            State::Ready(ready) => ready.receive_mac(message, now).map(|ready| {
                x.peer_mac_ok = true;
                State::Ready(ready)
            }),
            State::Confirmed(confirmed) => confirmed.receive_mac(message, now).map(State::Verified),
            State::Verified(_) | State::Cancelled(_) => unreachable!("checked live above"),
        };
        match result {
            Ok(state) => {
                assert_eq!(
                    expect,
                    Expect::Advance,
                    "step {step}: {to:?} took {message:?}"
                );
                x.consumed.push(message.clone());
                let ready = matches!(state, State::Ready(_)) && x.sas.is_none();
                let verified = match &state {
                    State::Verified(proof) => Some(proof.clone()),
                    _ => None,
                };
                x.state = state;
                if ready {
                    self.record_sas(to);
                }
                if let Some(proof) = verified {
                    self.check_verified(to, &proof);
                }
            }
            Err(cancelled) => {
                assert_eq!(
                    expect,
                    Expect::Cancel(cancelled.reason(), cancelled.by_peer()),
                    "step {step}: {to:?} on {message:?}"
                );
                self.cancelled(to, cancelled);
            }
        }
    }

    /// `who` became ready: what it shows.
    fn record_sas(&mut self, who: Side) {
        let x = &mut self.parties[index(who)];
        let State::Ready(ready) = &x.state else {
            unreachable!("called when ready")
        };
        let indices = ready.emoji_indices();
        let emoji = ready.emoji();
        for (i, index) in indices.iter().enumerate() {
            assert!(*index < 64);
            assert_eq!(emoji[i], SAS_EMOJI[usize::from(*index)]);
        }
        let decimals = ready.decimals();
        assert!(decimals.iter().all(|d| (1000..=9191).contains(d)));
        assert_eq!(Some(ready.transaction_id()), x.txn.as_ref());
        x.sas = Some((indices, decimals));
        let peer = self.party(other(who));
        let x = self.party(who);
        if peer.view.is_some() && peer.view == x.view {
            assert_eq!(peer.sas, x.sas, "the same keys give different SAS");
        }
    }

    /// `who` verified its peer: the proof is right, and only a genuine exchange gets here.
    fn check_verified(&self, who: Side, proof: &VerifiedIdentity) {
        let fixture = fixture();
        let x = self.party(who);
        let peer = self.party(other(who));
        let peer_key = match who {
            Side::Alice => fixture.bob_keys.identity.public_key(),
            Side::Bob => fixture.alice_identity.public_key(),
        };
        assert_eq!(proof.identity(), peer_key, "the proof names another key");
        assert_eq!(proof.identity(), x.session.their_identity());
        assert_eq!(proof.identity(), peer.session.our_identity());
        assert_eq!(proof.method(), VerificationMethod::Sas);
        assert_eq!(proof.verified_at(), self.now());
        assert!(
            x.confirmed,
            "{who:?} verified without its person confirming"
        );
        assert!(
            peer.confirmed,
            "{who:?} verified without the peer's person confirming"
        );
        // Everything it took is what the peer sent, in order, and what the peer had taken when
        // its person confirmed is what we sent.
        assert!(
            x.consumed.len() <= peer.sent.len() && x.consumed[..] == peer.sent[..x.consumed.len()],
            "{who:?} verified after taking messages the peer did not send: {:?} vs {:?}",
            x.consumed,
            peer.sent
        );
        let theirs = peer
            .consumed_at_confirm
            .as_ref()
            .expect("the peer confirmed");
        assert!(
            theirs.len() <= x.sent.len() && theirs[..] == x.sent[..theirs.len()],
            "{who:?} verified a peer that took messages we did not send"
        );
        assert!(x.sas.is_some());
        assert_eq!(x.sas, peer.sas, "the two sides showed different SAS");
        assert_eq!(x.view, peer.view);
    }

    /// `who`'s exchange ended: the cancel is consistent, and ours goes to the peer.
    fn cancelled(&mut self, who: Side, cancelled: SasCancelled) {
        let x = &mut self.parties[index(who)];
        assert_eq!(Some(cancelled.transaction_id()), x.txn.as_ref());
        assert_ne!(cancelled.reason(), CancelReason::Other(0));
        match cancelled.message() {
            None => assert!(cancelled.by_peer()),
            Some(message) => {
                assert!(!cancelled.by_peer());
                assert_eq!(message.transaction_id(), cancelled.transaction_id());
                let VerificationContent::Cancel(reason) = message.content() else {
                    panic!("a cancel's message is {message:?}")
                };
                assert_eq!(reason.code(), cancelled.reason().code());
                let decoded = VerificationMessage::decode(&message.encode())
                    .expect("our cancel message decodes");
                let VerificationContent::Cancel(seen) = decoded.content() else {
                    panic!("a cancel decoded as {decoded:?}")
                };
                assert_eq!(seen.code(), reason.code());
                x.sent.push(message);
            }
        }
        let error = Error::from(cancelled.clone());
        assert_eq!(
            error,
            Error::VerificationCancelled {
                reason: cancelled.reason(),
                by_peer: cancelled.by_peer(),
            }
        );
        assert!(!cancelled.to_string().is_empty());
        x.state = State::Cancelled(cancelled);
    }

    /// The application at `who` cancels.
    fn app_cancel(&mut self, who: Side, reason: CancelReason) {
        let x = &mut self.parties[index(who)];
        let state = std::mem::replace(&mut x.state, State::Waiting);
        let cancelled = match state {
            State::Started(s) => s.cancel(reason),
            State::AwaitingKey(s) => s.cancel(reason),
            State::Responded(s) => s.cancel(reason),
            State::Ready(s) => s.cancel(reason),
            State::Confirmed(s) => s.cancel(reason),
            state => {
                x.state = state;
                return;
            }
        };
        // What the peer will decode: the reason of the code sent, `User` for code 0.
        let expected = match reason.code() {
            0 => CancelReason::User,
            code @ 1..=8 => reason_of(u8::try_from(code - 1).unwrap_or(0)),
            code => CancelReason::Other(code),
        };
        assert_eq!(cancelled.reason(), expected);
        assert!(!cancelled.by_peer());
        self.cancelled(who, cancelled);
    }

    /// The person at `who` says the SAS match.
    fn confirm(&mut self, who: Side) {
        let timed_out = self.now.saturating_sub(self.party(who).started) > self.timeout;
        let now = self.now();
        let x = &mut self.parties[index(who)];
        let State::Ready(ready) = std::mem::replace(&mut x.state, State::Waiting) else {
            unreachable!("checked by the caller")
        };
        match ready.confirm(now) {
            Err(cancelled) => {
                assert!(timed_out, "confirm refused: {cancelled:?}");
                assert_eq!(cancelled.reason(), CancelReason::Timeout);
                assert!(!cancelled.by_peer());
                self.cancelled(who, cancelled);
            }
            Ok((confirmation, mac)) => {
                assert!(!timed_out, "confirmed after the timeout");
                assert_eq!(Some(mac.transaction_id()), x.txn.as_ref());
                assert!(matches!(mac.content(), VerificationContent::Mac(_)));
                x.sent.push(mac);
                x.confirmed = true;
                x.consumed_at_confirm = Some(x.consumed.clone());
                match confirmation {
                    SasConfirmation::Verified(proof) => {
                        assert!(x.peer_mac_ok, "verified without the peer's MAC");
                        x.state = State::Verified(proof.clone());
                        self.check_verified(who, &proof);
                    }
                    SasConfirmation::AwaitingMac(confirmed) => {
                        assert!(!x.peer_mac_ok, "the peer's MAC came and was forgotten");
                        assert_eq!(Some(confirmed.transaction_id()), x.txn.as_ref());
                        x.state = State::Confirmed(confirmed);
                    }
                }
            }
        }
    }

    /// The exchange's transaction: the starter's.
    fn transaction(&self) -> [u8; TRANSACTION_ID_LEN] {
        let starter = self.parties.iter().find(|p| p.starts).expect("a starter");
        *starter.txn.expect("the starter's transaction").as_bytes()
    }

    fn apply(&mut self, op: SasOp) {
        match op {
            SasOp::Deliver { to } => {
                let (cursor, peer) = (self.party(to).cursor, self.party(other(to)));
                if let Some(message) = peer.sent.get(cursor) {
                    let bytes = message.encode();
                    self.parties[index(to)].cursor += 1;
                    self.deliver_bytes(to, &bytes, false);
                }
            }
            SasOp::Drop { to } => {
                let len = self.party(other(to)).sent.len();
                let cursor = &mut self.parties[index(to)].cursor;
                *cursor = (*cursor + 1).min(len);
            }
            SasOp::Replay { to, reflect, index } => {
                let from = if reflect { to } else { other(to) };
                let sent = &self.party(from).sent;
                if !sent.is_empty() {
                    let bytes = sent[usize::from(index) % sent.len()].encode();
                    self.deliver_bytes(to, &bytes, false);
                }
            }
            SasOp::Tamper {
                to,
                keep,
                cancel_on_error,
                byte,
                mask,
            } => {
                let (cursor, sent) = (self.party(to).cursor, &self.party(other(to)).sent);
                if sent.is_empty() {
                    return;
                }
                let at = cursor.min(sent.len() - 1);
                let mut bytes = sent[at].encode();
                let position = usize::from(byte) % bytes.len();
                if mask == 0 {
                    bytes.truncate(position);
                } else {
                    bytes[position] ^= mask;
                }
                if !keep {
                    let cursor = &mut self.parties[index(to)].cursor;
                    *cursor = (*cursor).max(at + 1);
                }
                self.deliver_bytes(to, &bytes, cancel_on_error);
            }
            SasOp::Forge {
                to,
                kind,
                txn,
                body,
            } => {
                use pb::verification::Content;
                let content = match kind & 3 {
                    0 if body[0] & 1 == 1 => Content::Start(pb::SasStart {}),
                    0 => Content::Accept(pb::SasAccept {
                        commitment: body.to_vec(),
                    }),
                    1 => Content::Key(pb::SasKey {
                        public_key: body.to_vec(),
                    }),
                    2 => Content::Mac(pb::SasMac { mac: body.to_vec() }),
                    _ => Content::Cancel(pb::SasCancel {
                        reason: u32::from_be_bytes([body[0], body[1], body[2], body[3]]),
                    }),
                };
                let bytes = pb::Verification {
                    version: 1,
                    transaction_id: txn.unwrap_or_else(|| self.transaction()).to_vec(),
                    content: Some(content),
                }
                .encode_to_vec();
                self.deliver_bytes(to, &bytes, false);
            }
            SasOp::Foreign { to, index } => {
                let foreign: Vec<&VerificationMessage> = verification_fixture()
                    .exchanges
                    .iter()
                    .flat_map(|e| e.messages.iter().map(|(_, m)| m))
                    .collect();
                let bytes = foreign[usize::from(index) % foreign.len()].encode();
                self.deliver_bytes(to, &bytes, false);
            }
            SasOp::InjectCancel { to, code } => {
                let bytes = pb::Verification {
                    version: 1,
                    transaction_id: self.transaction().to_vec(),
                    content: Some(pb::verification::Content::Cancel(pb::SasCancel {
                        reason: u32::from(code),
                    })),
                }
                .encode_to_vec();
                self.deliver_bytes(to, &bytes, false);
            }
            SasOp::Confirm { who } => {
                if matches!(self.party(who).state, State::Ready(_)) {
                    self.confirm(who);
                }
            }
            SasOp::Mismatch { who } => {
                if !matches!(self.party(who).state, State::Ready(_)) {
                    return;
                }
                let x = &mut self.parties[index(who)];
                let State::Ready(ready) = std::mem::replace(&mut x.state, State::Waiting) else {
                    unreachable!("checked above")
                };
                let cancelled = ready.mismatch();
                assert_eq!(cancelled.reason(), CancelReason::Mismatch);
                assert!(!cancelled.by_peer());
                self.cancelled(who, cancelled);
            }
            SasOp::Cancel { who, reason } => self.app_cancel(who, reason_of(reason)),
            SasOp::Clock { step } => {
                let amount = u64::from(step >> 2);
                self.now = match step & 3 {
                    0 => self.now + amount,
                    1 => self.now + 60 * amount,
                    2 => {
                        let side = Side::from_bit(step >> 3);
                        let x = self.party(side);
                        if x.txn.is_some() {
                            x.started + self.timeout + u64::from((step >> 2) & 1)
                        } else {
                            self.now
                        }
                    }
                    _ => self.now.saturating_sub(10 * amount),
                };
            }
        }
    }
}

/// `sas`: the first byte chooses who starts (bit 0: Alice or Bob), the rest are
/// [`SasOp`]s ([`SasOp::decode_all`]), run by [`run_sas`].
pub fn sas(data: &[u8]) -> Outcome {
    let (starter, ops) = match data.split_first() {
        Some((first, rest)) => (Side::from_bit(*first), rest),
        None => (Side::Alice, data),
    };
    run_sas(starter, SasOp::decode_all(ops))
}

/// Runs a SAS exchange between the fixture's established sessions, `starter` beginning at
/// [`VERIFICATION_NOW`], with the fixture's RNG, through `ops` (at most [`MAX_SAS_OPS`]).
///
/// After every step, the model of SPEC.md 12.4.1 (timeout, transaction, cancel, kind, then
/// the commitment or the MAC) predicted the outcome exactly: each message either moves the
/// state on or ends the exchange with the reason it names (and by whom). A side verifies only
/// if its person confirmed, the peer's person confirmed, everything it took is what the peer
/// sent, in order, and what the peer had taken when it confirmed is what it sent: so any
/// tampering, replay, reordering, reflection or foreign message ends in a cancel or a decoding
/// error, never in a verification. A proof names the peer's identity key as the sessions
/// hold it, method SAS, at the time; both sides showed the same emoji and numbers. Every
/// cancel carries its transaction, and ours a cancel message that decodes to its reason.
///
/// Returns [`Outcome::Accepted`] if a side verified.
pub fn run_sas(starter: Side, ops: impl IntoIterator<Item = SasOp>) -> Outcome {
    let fixture = fixture();
    let mut rng = rng();
    let now = VERIFICATION_NOW;
    let (started, start) =
        Sas::start(&mut rng, fixture.session(starter), now).expect("the fixture's session starts");
    assert_eq!(started.transaction_id(), start.transaction_id());
    assert!(
        matches!(start.content(), VerificationContent::Start),
        "Sas::start sent {start:?}"
    );
    let mut first = Party::new(fixture.session(starter), State::Started(started));
    first.txn = Some(*start.transaction_id());
    first.started = now.as_unix_seconds();
    first.starts = true;
    first.sent.push(start);
    let second = Party::new(fixture.session(other(starter)), State::Waiting);
    let parties = match starter {
        Side::Alice => [first, second],
        Side::Bob => [second, first],
    };
    let mut exchange = Exchange {
        parties,
        now: now.as_unix_seconds(),
        timeout: fixture.config.sas_timeout_seconds,
        rng,
        step: 0,
    };
    for (step, op) in ops.into_iter().take(MAX_SAS_OPS).enumerate() {
        exchange.step = step;
        exchange.apply(op);
    }
    let mut outcome = Outcome::Rejected;
    for party in &exchange.parties {
        match &party.state {
            State::Verified(_) => outcome = Outcome::Accepted,
            State::Cancelled(cancelled) => {
                assert_eq!(Some(cancelled.transaction_id()), party.txn.as_ref());
            }
            _ => {}
        }
    }
    outcome
}
