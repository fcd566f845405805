//! How many SAS exchanges a peer may run (SPEC.md 12.4.6): one at a time per peer account, and
//! a lockout after repeated failures, so that a man in the middle gets only a few tries at
//! making two short strings collide, however many exchanges it opens.

use std::collections::BTreeMap;

use crate::Error;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::sas::message::CancelReason;
use crate::verification::sas::state::{SasCancelled, SasStarted};

/// The limits of [`SasAttempts`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SasLimits {
    /// Failed exchanges in a row with one peer before new ones are refused. Default 3.
    pub max_failures: u32,
    /// How long new exchanges are refused after `max_failures` failures, in seconds; it
    /// doubles with each further failure. Default 600.
    pub lockout_seconds: u64,
    /// How long an exchange counts as in progress if it is never finished (the SAS timeout,
    /// [`crate::Config::sas_timeout_seconds`]), in seconds; after that it counts as failed.
    /// Default 600.
    pub abandoned_after_seconds: u64,
}

impl Default for SasLimits {
    fn default() -> Self {
        Self {
            max_failures: 3,
            lockout_seconds: 600,
            abandoned_after_seconds: 600,
        }
    }
}

/// What is known of one peer.
#[derive(Clone, Copy, Debug, Default)]
struct Peer {
    in_progress_since: Option<Timestamp>,
    failures: u32,
    locked_until: Option<Timestamp>,
}

/// The SAS exchanges each peer account may run: at most one in progress at a time, and none
/// for a while after `max_failures` failures in a row (SPEC.md 12.4.6).
///
/// A short authentication string is safe only if an attacker gets few tries at it. A
/// responder answers Starts without a person, so without this bookkeeping a man in the middle
/// could run many exchanges with it and keep the one whose string matches. Call
/// [`begin`](Self::begin) before [`crate::Sas::start`] or [`crate::Sas::respond`] (a refusal:
/// do not start, or cancel the peer's Start with `CancelReason::User`), then exactly one of
/// [`verified`](Self::verified) (the exchange produced a proof) or [`failed`](Self::failed)
/// (any cancel, a mismatch, a timeout, or the person walked away).
///
/// In memory, per process; a backend with many workers keeps it where the peer's trust record
/// is (the stores of a later layer).
#[derive(Debug, Default)]
pub struct SasAttempts {
    limits: SasLimits,
    peers: BTreeMap<AccountId, Peer>,
}

impl SasAttempts {
    /// Bookkeeping with `limits`.
    pub fn new(limits: SasLimits) -> Self {
        Self {
            limits,
            peers: BTreeMap::new(),
        }
    }

    /// An exchange with `peer` is about to start (ours) or be answered (theirs).
    ///
    /// # Errors
    /// [`Error::VerificationInProgress`] if one with `peer` is already running (started less
    /// than `abandoned_after_seconds` ago); [`Error::VerificationLockedOut`] while `peer` is
    /// locked out after failures. Nothing is begun then. (An exchange recorded as in progress
    /// for longer than `abandoned_after_seconds` is first counted as failed.)
    pub fn begin(&mut self, peer: &AccountId, now: Timestamp) -> Result<(), Error> {
        let limits = self.limits;
        let entry = self.peers.entry(peer.clone()).or_default();
        if let Some(since) = entry.in_progress_since {
            if elapsed(since, now) <= limits.abandoned_after_seconds {
                return Err(Error::VerificationInProgress);
            }
            // Never finished: it timed out, which is a failure.
            entry.in_progress_since = None;
            record_failure(entry, &limits, now);
        }
        if let Some(until) = entry.locked_until
            && now < until
        {
            return Err(Error::VerificationLockedOut {
                retry_after: until.as_unix_seconds() - now.as_unix_seconds(),
            });
        }
        entry.in_progress_since = Some(now);
        Ok(())
    }

    /// Both sides started at once (SPEC.md 12.4.6): our exchange with `peer`, still waiting
    /// for the peer's Accept, gives way to the peer's Start when
    /// [`SasStarted::yields_to`] says so. It ends with a cancel (reason `User`, to send) and
    /// is not counted as failed: nothing of it was revealed. Then [`begin`](Self::begin) the
    /// peer's exchange and respond to it.
    pub fn withdraw(&mut self, peer: &AccountId, ours: SasStarted) -> SasCancelled {
        if let Some(entry) = self.peers.get_mut(peer) {
            entry.in_progress_since = None;
        }
        ours.cancel(CancelReason::User)
    }

    /// The exchange with `peer` verified it: the failures are forgotten.
    pub fn verified(&mut self, peer: &AccountId) {
        self.peers.remove(peer);
    }

    /// The exchange with `peer` ended without a verification.
    pub fn failed(&mut self, peer: &AccountId, now: Timestamp) {
        let limits = self.limits;
        let entry = self.peers.entry(peer.clone()).or_default();
        entry.in_progress_since = None;
        record_failure(entry, &limits, now);
    }

    /// Failed exchanges in a row with `peer`.
    pub fn failures(&self, peer: &AccountId) -> u32 {
        self.peers.get(peer).map_or(0, |p| p.failures)
    }
}

fn elapsed(since: Timestamp, now: Timestamp) -> u64 {
    now.as_unix_seconds()
        .saturating_sub(since.as_unix_seconds())
}

/// One more failure; from `max_failures` on, a lockout of `lockout_seconds`, doubled for each
/// failure beyond (at most 2^16 times).
fn record_failure(entry: &mut Peer, limits: &SasLimits, now: Timestamp) {
    entry.failures = entry.failures.saturating_add(1);
    if entry.failures >= limits.max_failures {
        let doublings = (entry.failures - limits.max_failures).min(16);
        let lockout = limits.lockout_seconds.saturating_mul(1 << doublings);
        entry.locked_until = Some(Timestamp::from_unix_seconds(
            now.as_unix_seconds().saturating_add(lockout),
        ));
    }
}
