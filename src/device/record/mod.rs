//! Session records: every session with one remote device, the current one and archived ones
//! (SPEC.md 14.6), after Signal's Sesame.

mod stored;

use core::fmt;

use rand::CryptoRng;

pub use stored::StoredSessionRecord;

use crate::Error;
use crate::bundle::PreKeyBundle;
use crate::config::Config;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::message::Envelope;
use crate::prekey_store::PreKeyStore;
use crate::session::{Session, SessionId};

/// Every session with one remote device: the **current** session, which encrypts, and up to
/// [`Config::max_archived_sessions`] **archived** ones, most recent first, which still decrypt
/// messages that were in flight when they were replaced (SPEC.md 14.6).
///
/// - [`SessionRecord::decrypt`] tries the current session, then the archived ones, and
///   promotes the one that works: the peer is using it, so we answer on it. It is
///   transactional: after an error, the whole record is exactly as it was.
/// - A first message (PreKeyMessage) that repeats one already accepted goes to the session it
///   started, found by its base key; a new one starts a new session.
/// - **Simultaneous initiation**: when both devices start a session to each other at once,
///   each ends up holding both. When the other's first message arrives while our own session
///   is still unanswered, both ends keep the one whose X3DH base key is smaller (bytewise), so
///   they agree without a round trip; the other stays archived and decrypts what was already
///   sent on it. Whatever the interleaving, one exchange each way after the messages in
///   flight have arrived leaves both ends on one session (each decrypt promotes the session
///   the peer sent on).
///
/// A record is plain data like a [`Session`]: stored with [`SessionRecord::to_stored`],
/// restored with [`SessionRecord::from_stored`], and each stored form is used at most once.
#[derive(Default)]
pub struct SessionRecord {
    current: Option<Session>,
    archived: Vec<Session>,
}

impl SessionRecord {
    /// An empty record: no session yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current session, which encrypts.
    pub fn current(&self) -> Option<&Session> {
        self.current.as_ref()
    }

    /// True if the record has a current session to encrypt with.
    pub fn has_current(&self) -> bool {
        self.current.is_some()
    }

    /// How many archived sessions the record holds.
    pub fn archived_len(&self) -> usize {
        self.archived.len()
    }

    /// The ids of the archived sessions, most recent first.
    pub fn archived_ids(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.archived.iter().map(Session::id)
    }

    /// Starts a session as the initiator from a verified bundle ([`Session::initiate`]) and
    /// makes it current; the previous current session is archived.
    ///
    /// # Errors
    /// As [`Session::initiate`]; the record is then unchanged.
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        bundle: &PreKeyBundle,
        config: &Config,
    ) -> Result<SessionId, Error> {
        let session = Session::initiate(rng, ours, bundle, config)?;
        let id = session.id();
        self.make_current(session, config);
        Ok(id)
    }

    /// Encrypts `plaintext` with the current session.
    ///
    /// # Errors
    /// [`Error::NoSession`] if the record has none, and [`Session::encrypt`]'s errors.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Envelope, Error> {
        self.encrypt_routed(plaintext, None)
    }

    pub(crate) fn encrypt_routed(
        &mut self,
        plaintext: &[u8],
        routing: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.current
            .as_mut()
            .ok_or(Error::NoSession)?
            .encrypt_routed(plaintext, routing)
    }

    /// Decrypts an envelope from the remote device whose identity key is `theirs` (the key
    /// the application holds for it: its device-list entry, or its trust record) (SPEC.md
    /// 14.6): a first message must claim `theirs` ([`Error::IdentityMismatch`] otherwise,
    /// before any prekey is looked up), and goes to the session it started, or starts a new
    /// one with the prekeys in `prekeys` (the one-time prekey is consumed only once decryption
    /// succeeded); any other message is tried on the current session, then on each archived
    /// one, of those whose remote identity is `theirs`.
    ///
    /// # Errors
    /// On failure the record is exactly as it was. For a RatchetMessage that no session
    /// decrypts: the first error other than [`Error::DecryptionFailed`] in the order the
    /// sessions were tried (a [`Error::DuplicateMessage`], for instance), else
    /// `DecryptionFailed`. For a PreKeyMessage: [`Error::IdentityMismatch`], the error of the
    /// session it belongs to, or of accepting it ([`Session::accept_with_store`]).
    pub fn decrypt<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        prekeys: &mut S,
        theirs: &IdentityKey,
        envelope: &Envelope,
        config: &Config,
    ) -> Result<Vec<u8>, Error> {
        if let Some(first) = envelope.as_prekey()
            && first.identity_key() != theirs
        {
            return Err(Error::IdentityMismatch);
        }
        self.decrypt_inner(rng, ours, prekeys, envelope, config, None, theirs)
    }

    /// [`SessionRecord::decrypt`] of a device message: `routing` bound into the associated
    /// data, and only sessions with `listed`, the sender's key on its list, tried.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decrypt_listed<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        prekeys: &mut S,
        envelope: &Envelope,
        config: &Config,
        routing: &[u8],
        listed: &IdentityKey,
    ) -> Result<Vec<u8>, Error> {
        self.decrypt_inner(rng, ours, prekeys, envelope, config, Some(routing), listed)
    }

    /// True if a session of the record was started by accepting `first` (or a message with
    /// its X3DH fields): where a repeat of it goes (SPEC.md 14.6).
    #[cfg(feature = "store")]
    pub(crate) fn has_session_started_by(&self, first: &crate::message::PreKeyMessage) -> bool {
        self.current
            .iter()
            .chain(self.archived.iter())
            .any(|session| session.was_started_by(first))
    }

    /// True if the record holds at least one session and every session is with `key`.
    pub(crate) fn only_with(&self, key: Option<&IdentityKey>) -> bool {
        let Some(key) = key else { return false };
        let mut sessions = self.current.iter().chain(self.archived.iter()).peekable();
        sessions.peek().is_some() && sessions.all(|s| s.their_identity() == key)
    }

    #[allow(clippy::too_many_arguments)]
    fn decrypt_inner<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        &mut self,
        rng: &mut R,
        ours: &IdentityKeyPair,
        prekeys: &mut S,
        envelope: &Envelope,
        config: &Config,
        routing: Option<&[u8]>,
        theirs: &IdentityKey,
    ) -> Result<Vec<u8>, Error> {
        let usable = |session: &Session| session.their_identity() == theirs;
        match envelope {
            Envelope::PreKey(first) => {
                // 1. A repeat of a first message already accepted: its own session.
                if let Some(current) = self.current.as_mut()
                    && current.was_started_by(first)
                {
                    return current.decrypt_routed(rng, envelope, routing);
                }
                if let Some(index) = self.archived.iter().position(|a| a.was_started_by(first)) {
                    return self.decrypt_archived(rng, index, envelope, routing, config);
                }
                // 2. A new session from the peer.
                let (session, plaintext) =
                    Session::accept_with_store_routed(rng, ours, prekeys, first, config, routing)?;
                self.place_accepted(session, config);
                Ok(plaintext)
            }
            Envelope::Ratchet(_) => {
                let mut reported = None;
                if let Some(current) = self.current.as_mut().filter(|c| usable(c)) {
                    match current.decrypt_routed(rng, envelope, routing) {
                        Ok(plaintext) => return Ok(plaintext),
                        Err(error) => note(&mut reported, error),
                    }
                }
                for index in 0..self.archived.len() {
                    if !self.archived.get(index).is_some_and(usable) {
                        continue;
                    }
                    match self.decrypt_archived(rng, index, envelope, routing, config) {
                        Ok(plaintext) => return Ok(plaintext),
                        Err(error) => note(&mut reported, error),
                    }
                }
                Err(reported.unwrap_or(Error::DecryptionFailed))
            }
            // Future envelope kinds are not pairwise.
            #[allow(unreachable_patterns)]
            _ => Err(Error::DecryptionFailed),
        }
    }

    /// Decrypts with archived session `index`; if it works, the session is promoted to
    /// current (SPEC.md 14.6): the peer is using it.
    fn decrypt_archived<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        index: usize,
        envelope: &Envelope,
        routing: Option<&[u8]>,
        config: &Config,
    ) -> Result<Vec<u8>, Error> {
        let plaintext = self
            .archived
            .get_mut(index)
            .ok_or(Error::InvalidSessionState)?
            .decrypt_routed(rng, envelope, routing)?;
        let promoted = self.archived.remove(index);
        self.make_current(promoted, config);
        Ok(plaintext)
    }

    /// Places a session just accepted from a new first message: current, unless the current
    /// session is one we started with the same peer identity, still unanswered, whose base
    /// key is smaller (bytewise) than the new one's: the tie-break of simultaneous initiation,
    /// which the peer applies the same way. The session that loses is archived.
    fn place_accepted(&mut self, session: Session, config: &Config) {
        let pending = self
            .current
            .as_ref()
            .filter(|c| c.their_identity() == session.their_identity())
            .and_then(Session::pending_base_key);
        let ours_wins = match (pending, session.accepted_base_key()) {
            (Some(ours), Some(theirs)) => ours.as_bytes() < theirs.as_bytes(),
            _ => false,
        };
        if ours_wins {
            self.archive(session, config);
        } else {
            self.make_current(session, config);
        }
    }

    /// Makes `session` current; the previous current one is archived.
    fn make_current(&mut self, session: Session, config: &Config) {
        if let Some(previous) = self.current.replace(session) {
            self.archive(previous, config);
        }
    }

    /// Puts `session` at the front of the archive, dropping the oldest past the limit.
    fn archive(&mut self, session: Session, config: &Config) {
        self.archived.insert(0, session);
        self.archived.truncate(config.archived_sessions());
    }
}

/// Keeps the first error that says more than "does not decrypt here".
fn note(reported: &mut Option<Error>, error: Error) {
    if reported.is_none() && error != Error::DecryptionFailed {
        *reported = Some(error);
    }
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("current", &self.current.as_ref().map(Session::id))
            .field("archived", &self.archived.len())
            .finish()
    }
}
