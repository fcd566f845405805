//! The SAS exchange as a typestate (SPEC.md 12.4.1): each step consumes the state before it,
//! so a transaction runs once, forwards only.
//!
//! ```text
//! starter                                      responder
//! Sas::start ───────── Start ───────────────▶ Sas::respond
//! SasStarted ◀──── Accept{commitment(K_R)} ── SasResponded
//!   .receive_accept ── Key{K_S} ────────────▶ .receive_key
//! SasAwaitingKey ◀──── Key{K_R} ───────────── SasReady
//!   .receive_key (checks the commitment)
//! SasReady: both show the same 7 emoji / 3 numbers; the people compare them
//!   .confirm ───────── Mac ──────────────────▶ ... and the other way
//! SasConfirmed.receive_mac → VerifiedIdentity
//! ```
//!
//! The responder commits to its key before it sees the starter's, and the starter sends its
//! key before it sees the responder's: neither chooses its key knowing the other's. What
//! bounds a man in the middle who runs many exchanges and keeps the one that matches is the
//! number of exchanges: [`crate::SasAttempts`] (one at a time per peer account, a lockout after
//! failures; SPEC.md 12.4.6), which an application must apply before every `start` and
//! `respond`.

use core::fmt;

use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::identity::IdentityKey;
use crate::primitives::x25519::{X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;
use crate::session::Session;
use crate::timestamp::Timestamp;
use crate::verification::sas::derive::{self, Keys, SAS_BYTES_LEN, TRANSACTION_ID_LEN};
use crate::verification::sas::emoji::{SAS_EMOJI, SasEmoji};
use crate::verification::sas::message::{
    CancelReason, TransactionId, VerificationContent, VerificationMessage,
};
use crate::verification::verified::{VerificationMethod, VerifiedIdentity};

/// Starts a SAS exchange ([`Sas::start`]) or answers one ([`Sas::respond`]).
///
/// The exchange verifies the identity keys of an established [`Session`]: ours and the peer's,
/// as the session holds them. Its messages travel as plaintexts of that session.
#[derive(Debug)]
pub enum Sas {}

/// Which end of the exchange we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Starter,
    Responder,
}

/// What every state carries: the transaction, the two identity keys, the clock and the
/// provider.
#[derive(Clone)]
struct Transaction {
    id: TransactionId,
    role: Role,
    ours: IdentityKey,
    theirs: IdentityKey,
    started: Timestamp,
    timeout: u64,
    crypto: &'static CryptoProvider,
}

impl Transaction {
    fn for_session(id: TransactionId, role: Role, session: &Session, now: Timestamp) -> Self {
        Self {
            id,
            role,
            ours: *session.our_identity(),
            theirs: *session.their_identity(),
            started: now,
            timeout: session.config().sas_timeout_seconds,
            crypto: session.config().provider,
        }
    }

    /// Ends the transaction on our side, with a message telling the peer why.
    fn cancel(&self, reason: CancelReason) -> SasCancelled {
        // What the peer will decode: `Other(n)` with a known code is that reason, and code 0
        // (which the wire cannot carry) is a person's cancel.
        let reason = match reason.code() {
            0 => CancelReason::User,
            code => CancelReason::from_code(code),
        };
        SasCancelled {
            transaction: self.id,
            reason,
            by_peer: false,
        }
    }

    /// The checks every incoming message passes first, in this order (SPEC.md 12.4.1): the
    /// timeout, the transaction id, a cancel from the peer. Returns the content.
    fn receive<'m>(
        &self,
        message: &'m VerificationMessage,
        now: Timestamp,
    ) -> Result<&'m VerificationContent, SasCancelled> {
        self.check_time(now)?;
        if message.transaction_id() != &self.id {
            return Err(self.cancel(CancelReason::UnknownTransaction));
        }
        if let VerificationContent::Cancel(reason) = message.content() {
            return Err(SasCancelled {
                transaction: self.id,
                reason: *reason,
                by_peer: true,
            });
        }
        Ok(message.content())
    }

    fn check_time(&self, now: Timestamp) -> Result<(), SasCancelled> {
        let elapsed = now
            .as_unix_seconds()
            .saturating_sub(self.started.as_unix_seconds());
        if elapsed > self.timeout {
            return Err(self.cancel(CancelReason::Timeout));
        }
        Ok(())
    }

    fn message(&self, content: VerificationContent) -> VerificationMessage {
        VerificationMessage::new(self.id, content)
    }

    /// The key agreement and the derivations of SPEC.md 12.4.3 to 12.4.5.
    fn agree(
        self,
        secret: &X25519Secret,
        our_ephemeral: &X25519PublicKey,
        their_ephemeral: &X25519PublicKey,
    ) -> Result<SasReady, SasCancelled> {
        let shared = match secret.diffie_hellman(self.crypto, their_ephemeral) {
            Ok(shared) => shared,
            Err(_) => return Err(self.cancel(CancelReason::InvalidMessage)),
        };
        let (ours, theirs) = (self.ours.to_bytes(), self.theirs.to_bytes());
        let (our_eph, their_eph) = (our_ephemeral.to_bytes(), their_ephemeral.to_bytes());
        let keys = match self.role {
            Role::Starter => Keys {
                identity_starter: &ours,
                identity_responder: &theirs,
                ephemeral_starter: &our_eph,
                ephemeral_responder: &their_eph,
            },
            Role::Responder => Keys {
                identity_starter: &theirs,
                identity_responder: &ours,
                ephemeral_starter: &their_eph,
                ephemeral_responder: &our_eph,
            },
        };
        let transcript = derive::transcript(self.id.as_bytes(), &keys);
        let sas = derive::sas_bytes(shared.as_bytes(), &transcript);
        let (starter_key, responder_key) = derive::mac_keys(shared.as_bytes(), &transcript);
        // Boxed where they are made (derive::mac_keys), so moving the states moves pointers.
        let (our_mac_key, their_mac_key) = match self.role {
            Role::Starter => (starter_key, responder_key),
            Role::Responder => (responder_key, starter_key),
        };
        Ok(SasReady {
            transaction: self,
            sas,
            our_mac_key,
            their_mac_key,
            peer_confirmed: false,
        })
    }

    /// Checks the peer's MAC over (their identity, our identity), constant-time.
    fn check_mac(&self, their_mac_key: &[u8; 32], mac: &[u8; 32]) -> Result<(), SasCancelled> {
        let expected = derive::mac(
            their_mac_key,
            &self.theirs.to_bytes(),
            &self.ours.to_bytes(),
        );
        if bool::from(expected.ct_eq(mac)) {
            Ok(())
        } else {
            Err(self.cancel(CancelReason::MacMismatch))
        }
    }

    fn verified(&self, now: Timestamp) -> VerifiedIdentity {
        VerifiedIdentity::new(self.theirs, VerificationMethod::Sas, now)
    }
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("theirs", &self.theirs)
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl Sas {
    /// Starts an exchange with the peer of `session`: draws a transaction id and an ephemeral
    /// key from `rng`, and returns the state and the Start message to send. Call
    /// [`crate::SasAttempts::begin`] for the peer first (SPEC.md 12.4.6).
    ///
    /// # Errors
    /// [`Error::CryptoProviderFailed`] if the session's crypto provider computes an invalid
    /// public key (never with the built-in providers).
    pub fn start<R: CryptoRng + ?Sized>(
        rng: &mut R,
        session: &Session,
        now: Timestamp,
    ) -> Result<(SasStarted, VerificationMessage), Error> {
        let mut id = [0u8; TRANSACTION_ID_LEN];
        rng.fill_bytes(&mut id);
        let secret = X25519Secret::generate_boxed(rng);
        let transaction = Transaction::for_session(TransactionId(id), Role::Starter, session, now);
        let public = secret.public_key(transaction.crypto)?;
        let message = transaction.message(VerificationContent::Start);
        Ok((
            SasStarted {
                transaction,
                secret,
                public,
            },
            message,
        ))
    }

    /// Answers the peer's Start message: draws an ephemeral key from `rng`, and returns the
    /// state and the Accept message to send, which commits to that key. Call
    /// [`crate::SasAttempts::begin`] for the peer first: a responder that answers every Start
    /// lets a man in the middle try as often as it likes (SPEC.md 12.4.6).
    ///
    /// # Errors
    /// [`SasCancelled`] if the message is not a Start (`UnexpectedMessage`), is a cancel, or
    /// the provider fails (`InvalidMessage`).
    pub fn respond<R: CryptoRng + ?Sized>(
        rng: &mut R,
        session: &Session,
        start: &VerificationMessage,
        now: Timestamp,
    ) -> Result<(SasResponded, VerificationMessage), SasCancelled> {
        let transaction =
            Transaction::for_session(*start.transaction_id(), Role::Responder, session, now);
        match transaction.receive(start, now)? {
            VerificationContent::Start => {}
            _ => return Err(transaction.cancel(CancelReason::UnexpectedMessage)),
        }
        let secret = X25519Secret::generate_boxed(rng);
        let Ok(public) = secret.public_key(transaction.crypto) else {
            return Err(transaction.cancel(CancelReason::InvalidMessage));
        };
        let commitment = derive::commitment(transaction.id.as_bytes(), public.as_bytes());
        let message = transaction.message(VerificationContent::Accept { commitment });
        Ok((
            SasResponded {
                transaction,
                secret,
                public,
            },
            message,
        ))
    }
}

/// The starter, after sending Start, waiting for the responder's Accept.
pub struct SasStarted {
    transaction: Transaction,
    secret: Box<X25519Secret>,
    public: X25519PublicKey,
}

impl SasStarted {
    /// Takes the responder's Accept (its commitment), and returns the state that waits for the
    /// responder's key and our Key message to send.
    ///
    /// # Errors
    /// [`SasCancelled`]: timeout, another transaction, a cancel from the peer, or any other
    /// kind of message (`UnexpectedMessage`).
    pub fn receive_accept(
        self,
        message: &VerificationMessage,
        now: Timestamp,
    ) -> Result<(SasAwaitingKey, VerificationMessage), SasCancelled> {
        let commitment = match self.transaction.receive(message, now)? {
            VerificationContent::Accept { commitment } => *commitment,
            _ => return Err(self.transaction.cancel(CancelReason::UnexpectedMessage)),
        };
        let reply = self
            .transaction
            .message(VerificationContent::Key(self.public));
        Ok((
            SasAwaitingKey {
                transaction: self.transaction,
                secret: self.secret,
                public: self.public,
                commitment,
            },
            reply,
        ))
    }

    /// The transaction's id.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction.id
    }

    /// Whether this exchange gives way to the peer's `start`, sent at the same time (SPEC.md
    /// 12.4.6): true if `start` is a Start whose transaction id is smaller, byte by byte, than
    /// ours. Then withdraw ours ([`crate::SasAttempts::withdraw`]) and answer theirs; otherwise
    /// ignore theirs (the peer gives way).
    pub fn yields_to(&self, start: &VerificationMessage) -> bool {
        matches!(start.content(), VerificationContent::Start)
            && start.transaction_id().as_bytes() < self.transaction.id.as_bytes()
    }

    /// Ends the exchange; send the cancel's [`SasCancelled::message`] to the peer.
    pub fn cancel(self, reason: CancelReason) -> SasCancelled {
        self.transaction.cancel(reason)
    }
}

/// The starter, after sending its key, waiting for the responder's.
pub struct SasAwaitingKey {
    transaction: Transaction,
    secret: Box<X25519Secret>,
    public: X25519PublicKey,
    commitment: [u8; 32],
}

impl SasAwaitingKey {
    /// Takes the responder's Key message, checks it against the responder's commitment, and
    /// computes the SAS.
    ///
    /// # Errors
    /// [`SasCancelled`]: timeout, another transaction, a cancel, another kind of message, or
    /// `CommitmentMismatch` if the key is not the one the responder committed to.
    pub fn receive_key(
        self,
        message: &VerificationMessage,
        now: Timestamp,
    ) -> Result<SasReady, SasCancelled> {
        let theirs = match self.transaction.receive(message, now)? {
            VerificationContent::Key(key) => *key,
            _ => return Err(self.transaction.cancel(CancelReason::UnexpectedMessage)),
        };
        if !derive::commitment_matches(
            &self.commitment,
            self.transaction.id.as_bytes(),
            theirs.as_bytes(),
        ) {
            return Err(self.transaction.cancel(CancelReason::CommitmentMismatch));
        }
        self.transaction.agree(&self.secret, &self.public, &theirs)
    }

    /// The transaction's id.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction.id
    }

    /// Ends the exchange; send the cancel's [`SasCancelled::message`] to the peer.
    pub fn cancel(self, reason: CancelReason) -> SasCancelled {
        self.transaction.cancel(reason)
    }
}

/// The responder, after sending its commitment, waiting for the starter's key.
pub struct SasResponded {
    transaction: Transaction,
    secret: Box<X25519Secret>,
    public: X25519PublicKey,
}

impl SasResponded {
    /// Takes the starter's Key message, computes the SAS, and returns the state that shows it
    /// and our Key message to send (which lets the starter check our commitment).
    ///
    /// # Errors
    /// [`SasCancelled`]: timeout, another transaction, a cancel, or another kind of message
    /// (`UnexpectedMessage`).
    pub fn receive_key(
        self,
        message: &VerificationMessage,
        now: Timestamp,
    ) -> Result<(SasReady, VerificationMessage), SasCancelled> {
        let theirs = match self.transaction.receive(message, now)? {
            VerificationContent::Key(key) => *key,
            _ => return Err(self.transaction.cancel(CancelReason::UnexpectedMessage)),
        };
        let reply = self
            .transaction
            .message(VerificationContent::Key(self.public));
        let ready = self
            .transaction
            .agree(&self.secret, &self.public, &theirs)?;
        Ok((ready, reply))
    }

    /// The transaction's id.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction.id
    }

    /// Ends the exchange; send the cancel's [`SasCancelled::message`] to the peer.
    pub fn cancel(self, reason: CancelReason) -> SasCancelled {
        self.transaction.cancel(reason)
    }
}

/// Both keys are known: show the SAS and let the person compare it with the peer's.
pub struct SasReady {
    transaction: Transaction,
    sas: Zeroizing<[u8; SAS_BYTES_LEN]>,
    // Boxed, so that moving the state from step to step moves pointers, not key copies.
    our_mac_key: Box<Zeroizing<[u8; 32]>>,
    their_mac_key: Box<Zeroizing<[u8; 32]>>,
    /// The peer confirmed first and its MAC verified.
    peer_confirmed: bool,
}

/// What confirming a match leads to.
// Made once per verification: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum SasConfirmation {
    /// The peer had confirmed already and its MAC verified: the peer is verified.
    Verified(VerifiedIdentity),
    /// The peer has not confirmed yet: wait for its MAC.
    AwaitingMac(SasConfirmed),
}

impl SasReady {
    /// The 7 emoji both devices show (SPEC.md 12.4.4).
    pub fn emoji(&self) -> [SasEmoji; 7] {
        self.emoji_indices().map(|i| SAS_EMOJI[usize::from(i)])
    }

    /// The 7 indices into [`SAS_EMOJI`] (for apps with their own pictures or translations).
    pub fn emoji_indices(&self) -> [u8; 7] {
        derive::emoji_indices(&self.sas)
    }

    /// The three numbers from 1000 to 9191 both devices show, for reading out.
    pub fn decimals(&self) -> [u16; 3] {
        derive::decimals(&self.sas)
    }

    /// The person says the SAS matches: returns our MAC to send, and either the verified
    /// identity (if the peer's MAC came already) or the state that waits for the peer's MAC.
    ///
    /// # Errors
    /// [`SasCancelled`] with `Timeout`.
    pub fn confirm(
        self,
        now: Timestamp,
    ) -> Result<(SasConfirmation, VerificationMessage), SasCancelled> {
        self.transaction.check_time(now)?;
        let mac = derive::mac(
            &self.our_mac_key,
            &self.transaction.ours.to_bytes(),
            &self.transaction.theirs.to_bytes(),
        );
        let message = self.transaction.message(VerificationContent::Mac(mac));
        let outcome = if self.peer_confirmed {
            SasConfirmation::Verified(self.transaction.verified(now))
        } else {
            SasConfirmation::AwaitingMac(SasConfirmed {
                transaction: self.transaction,
                their_mac_key: self.their_mac_key,
            })
        };
        Ok((outcome, message))
    }

    /// The peer confirmed before us: checks its MAC now, and keeps waiting for our person.
    ///
    /// # Errors
    /// [`SasCancelled`]: timeout, another transaction, a cancel, `UnexpectedMessage` (not a
    /// MAC, or a second one), `MacMismatch`.
    pub fn receive_mac(
        mut self,
        message: &VerificationMessage,
        now: Timestamp,
    ) -> Result<Self, SasCancelled> {
        let mac = match self.transaction.receive(message, now)? {
            VerificationContent::Mac(mac) if !self.peer_confirmed => *mac,
            _ => return Err(self.transaction.cancel(CancelReason::UnexpectedMessage)),
        };
        self.transaction.check_mac(&self.their_mac_key, &mac)?;
        self.peer_confirmed = true;
        Ok(self)
    }

    /// The person says the SAS does not match: ends the exchange with `Mismatch`. Tell them
    /// that someone may be intercepting the conversation.
    pub fn mismatch(self) -> SasCancelled {
        self.transaction.cancel(CancelReason::Mismatch)
    }

    /// Ends the exchange; send the cancel's [`SasCancelled::message`] to the peer.
    pub fn cancel(self, reason: CancelReason) -> SasCancelled {
        self.transaction.cancel(reason)
    }

    /// The transaction's id.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction.id
    }
}

/// We confirmed the match and sent our MAC; waiting for the peer's.
pub struct SasConfirmed {
    transaction: Transaction,
    their_mac_key: Box<Zeroizing<[u8; 32]>>,
}

impl SasConfirmed {
    /// Takes the peer's MAC: if it verifies, the peer's identity key is verified.
    ///
    /// # Errors
    /// [`SasCancelled`]: timeout, another transaction, a cancel, another kind of message,
    /// `MacMismatch`.
    pub fn receive_mac(
        self,
        message: &VerificationMessage,
        now: Timestamp,
    ) -> Result<VerifiedIdentity, SasCancelled> {
        let mac = match self.transaction.receive(message, now)? {
            VerificationContent::Mac(mac) => *mac,
            _ => return Err(self.transaction.cancel(CancelReason::UnexpectedMessage)),
        };
        self.transaction.check_mac(&self.their_mac_key, &mac)?;
        Ok(self.transaction.verified(now))
    }

    /// Ends the exchange; send the cancel's [`SasCancelled::message`] to the peer.
    pub fn cancel(self, reason: CancelReason) -> SasCancelled {
        self.transaction.cancel(reason)
    }

    /// The transaction's id.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction.id
    }
}

macro_rules! redacted_state_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("transaction", &self.transaction)
                    .finish_non_exhaustive()
            }
        }
    )*};
}

redacted_state_debug!(
    SasStarted,
    SasAwaitingKey,
    SasResponded,
    SasReady,
    SasConfirmed
);

/// A SAS exchange that ended without a verification: why, and who ended it.
///
/// When we ended it, [`message`](Self::message) is the cancel to send to the peer. Nothing
/// of the exchange's keys is in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SasCancelled {
    transaction: TransactionId,
    reason: CancelReason,
    by_peer: bool,
}

impl SasCancelled {
    /// Why.
    pub fn reason(&self) -> CancelReason {
        self.reason
    }

    /// True if the peer sent the cancel; false if we ended the exchange.
    pub fn by_peer(&self) -> bool {
        self.by_peer
    }

    /// The transaction that ended.
    pub fn transaction_id(&self) -> &TransactionId {
        &self.transaction
    }

    /// The cancel to send to the peer, when we ended the exchange.
    pub fn message(&self) -> Option<VerificationMessage> {
        (!self.by_peer).then(|| {
            VerificationMessage::new(self.transaction, VerificationContent::Cancel(self.reason))
        })
    }
}

impl fmt::Display for SasCancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Error::from(self.clone()).fmt(f)
    }
}

impl std::error::Error for SasCancelled {}

impl From<SasCancelled> for Error {
    fn from(cancelled: SasCancelled) -> Self {
        Self::VerificationCancelled {
            reason: cancelled.reason,
            by_peer: cancelled.by_peer,
        }
    }
}
