//! A pairwise session: X3DH to start it, the Double Ratchet to run it (SPEC.md sections 5, 6).

mod acceptance;
mod id;
pub(crate) mod state;
mod stored;

use core::fmt;

use rand::CryptoRng;

pub use acceptance::{Acceptance, KemPreKeyUse, PreKeyUses};
pub use id::{SESSION_ID_LEN, SessionId};
pub use stored::StoredSession;

use crate::Error;
use crate::bundle::PreKeyBundle;
use crate::business::identity::VerifiedBusiness;
use crate::config::Config;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kem::encapsulation::KemEncapsulation;
use crate::kem::prekey::{KemPreKeyId, KemPreKeyPair};
use crate::message::{Envelope, PreKeyMessage};
use crate::prekey::{OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair};
use crate::prekey_store::PreKeyStore;
use crate::primitives::x25519::X25519PublicKey;
use crate::ratchet::DoubleRatchet;
use crate::ratchet::header::{HYBRID_PREKEY_INFO_LEN, MessageContext, PREKEY_INFO_LEN};
use crate::x3dh::{self, AssociatedData};

/// An upper bound on what an envelope adds to its plaintext. A PreKeyMessage with every field
/// at its largest adds: version 2, envelope tag and length 1 + 5, identity and base keys 68,
/// prekey ids 12, inner tag and length 1 + 5, ratchet key 34, counters 12, ciphertext tag and
/// length 1 + 5, AEAD tag 16: 162 bytes, with 5-byte length varints (up to 32 GiB).
const MAX_ENVELOPE_OVERHEAD: usize = 176;

/// What the `kem` field of a hybrid PreKeyMessage adds at most (SPEC.md 18.7): tag and 2-byte
/// length, the id with its tag (6), the ciphertext with its tag and 2-byte length (1571).
const MAX_KEM_FIELD_LEN: usize = 1 + 2 + 6 + 1571;

/// The X3DH fields of a PreKeyMessage (SPEC.md 5.4): what the initiator repeats in every
/// message until the first reply, and what the responder accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PreKeyInfo {
    base_key: X25519PublicKey,
    signed_prekey_id: SignedPreKeyId,
    one_time_prekey_id: Option<OneTimePreKeyId>,
    /// The hybrid set-up's KEM fields; `None` for classic X3DH.
    kem: Option<KemInfo>,
}

/// What the session remembers of a hybrid set-up's encapsulation (SPEC.md 18.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KemInfo {
    prekey_id: KemPreKeyId,
    /// SHA-256 of the KEM ciphertext.
    ciphertext_hash: [u8; 32],
}

impl KemInfo {
    fn of(kem: &KemEncapsulation) -> Self {
        Self {
            prekey_id: kem.prekey_id,
            ciphertext_hash: kem.ciphertext_hash(),
        }
    }
}

/// An encoded [`PreKeyInfo`]: 41 bytes for classic X3DH, 77 for the hybrid set-up.
struct EncodedPreKeyInfo {
    bytes: [u8; HYBRID_PREKEY_INFO_LEN],
    len: usize,
}

impl EncodedPreKeyInfo {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl PreKeyInfo {
    /// `base_key || signed_prekey_id (u32 BE) || has_one_time (0x00 or 0x01) ||
    /// one_time_prekey_id (u32 BE, 0 when absent)` (SPEC.md 6.5), followed for the hybrid
    /// set-up by `kem_prekey_id (u32 BE) || SHA-256(kem_ciphertext)` (SPEC.md 18.5).
    fn encode(&self) -> EncodedPreKeyInfo {
        let mut out = [0u8; HYBRID_PREKEY_INFO_LEN];
        out[..32].copy_from_slice(self.base_key.as_bytes());
        out[32..36].copy_from_slice(&self.signed_prekey_id.0.to_be_bytes());
        if let Some(id) = self.one_time_prekey_id {
            out[36] = 1;
            out[37..PREKEY_INFO_LEN].copy_from_slice(&id.0.to_be_bytes());
        }
        let len = match &self.kem {
            Some(kem) => {
                out[PREKEY_INFO_LEN..PREKEY_INFO_LEN + 4]
                    .copy_from_slice(&kem.prekey_id.0.to_be_bytes());
                out[PREKEY_INFO_LEN + 4..].copy_from_slice(&kem.ciphertext_hash);
                HYBRID_PREKEY_INFO_LEN
            }
            None => PREKEY_INFO_LEN,
        };
        EncodedPreKeyInfo { bytes: out, len }
    }

    fn of(message: &PreKeyMessage) -> Self {
        Self {
            base_key: message.base_key,
            signed_prekey_id: message.signed_prekey_id,
            one_time_prekey_id: message.one_time_prekey_id,
            kem: message.kem.as_ref().map(KemInfo::of),
        }
    }
}

/// Which side of X3DH we were, with what that side remembers about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// We initiated; `pending` is `Some` until we have decrypted a reply.
    Initiator { pending: Option<PreKeyInfo> },
    /// We responded to a PreKeyMessage with these fields.
    Responder { accepted: PreKeyInfo },
}

/// An end-to-end encrypted pairwise session with one peer device.
///
/// **Use each state of a session at most once.** A state restored from storage after the
/// original was used encrypts with message keys and nonces that were already used, which
/// breaks ChaCha20-Poly1305's confidentiality and integrity. So a session is not `Clone`, and a
/// backend must make load → encrypt/decrypt → store atomic per session (SPEC.md section 9).
///
/// A session is plain data: `Send + Sync`, no global state, no storage of its own. It is stored
/// with [`Session::to_stored`] and restored with [`Session::from_stored`]; [`Session::id`] names
/// it for the database. Its secrets are zeroized on drop, and its `Debug` output shows only
/// public values.
///
/// ```
/// use hushwire::{Config, Envelope, IdentityKeyPair, KemPreKeyId, KemPreKeyKind, KemPreKeyPair,
///                OneTimePreKeyId, OneTimePreKeyPair, PreKeyBundle, Session, SignedPreKeyId,
///                SignedPreKeyPair, Timestamp};
/// use rand::SeedableRng;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
/// let config = Config::default();
///
/// // Bob publishes a bundle and keeps the secrets.
/// let bob = IdentityKeyPair::generate(&mut rng);
/// let created = Timestamp::from_unix_seconds(1_700_000_000);
/// let spk = SignedPreKeyPair::generate(&mut rng, &bob, SignedPreKeyId(1), created);
/// let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(1));
/// // The post-quantum half: an ML-KEM-1024 prekey, required by default.
/// let kem = KemPreKeyPair::generate(&mut rng, &bob, KemPreKeyId(1), KemPreKeyKind::OneTime, created);
/// let bundle = PreKeyBundle::new(&bob, &spk, Some(*otk.public()))?.with_kem_prekey(kem.public())?;
///
/// // Alice fetches and verifies it, then starts a session.
/// let bundle = hushwire::PreKeyBundleIn::decode(&bundle.encode(), &config)?.validate()?;
/// let alice = IdentityKeyPair::generate(&mut rng);
/// let mut alice_session = Session::initiate(&mut rng, &alice, &bundle, &config)?;
/// let wire = alice_session.encrypt(b"hello Bob")?.encode();
///
/// // Bob accepts the first message with the prekeys it names: nothing is consumed yet.
/// let first = Envelope::decode(&wire, &config)?.into_prekey()?;
/// let accepted = Session::accept(&mut rng, &bob, &spk, Some(&otk), Some(&kem), &first, &config)?;
/// assert_eq!(accepted.one_time_prekey_id(), Some(OneTimePreKeyId(1)));
/// // Only now, after decryption succeeded, are the one-time prekeys deleted.
/// let (mut bob_session, plaintext) = accepted.complete(|uses, _stored| {
///     // Here, in one transaction: delete `uses.one_time_prekey` and a one-time
///     // `uses.kem_prekey`, or record a last-resort one's base key; store the session.
///     assert_eq!(uses.kem_prekey.map(|kem| kem.id), Some(KemPreKeyId(1)));
///     Ok(())
/// })?;
/// assert_eq!(plaintext, b"hello Bob");
/// assert_eq!(bob_session.id(), alice_session.id());
///
/// // And replies.
/// let reply = bob_session.encrypt(b"hi Alice")?.encode();
/// let reply = Envelope::decode(&reply, &config)?;
/// assert_eq!(alice_session.decrypt(&mut rng, &reply)?, b"hi Alice");
/// # Ok::<(), hushwire::Error>(())
/// ```
///
/// (With the crate's `test-util` cargo feature, for hushwire's own benches only, `Session` is
/// `Clone`. Never enable it in an application.)
#[cfg_attr(feature = "test-util", derive(Clone))]
pub struct Session {
    id: SessionId,
    config: Config,
    our_identity: IdentityKey,
    their_identity: IdentityKey,
    their_business: Option<VerifiedBusiness>,
    role: Role,
    /// Initiator of a hybrid set-up, until the first reply: the encapsulation every
    /// PreKeyMessage repeats.
    pending_kem: Option<KemEncapsulation>,
    ratchet: DoubleRatchet,
}

// Without `test-util`, `Session` must not be `Clone`: this fails to compile if it is (the
// call is ambiguous when both impls apply). `.ci/run` builds the library without the feature.
#[cfg(not(feature = "test-util"))]
const _: fn() = || {
    trait AmbiguousIfClone<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfClone<()> for T {}
    struct IsClone;
    impl<T: Clone> AmbiguousIfClone<IsClone> for T {}
    <Session as AmbiguousIfClone<_>>::check();
};

impl Session {
    /// Starts a session as the initiator (Alice) from a verified bundle. Draws from `rng` the
    /// X3DH base key (32 bytes), then, if the bundle has a KEM prekey, the ML-KEM
    /// encapsulation's `m` (32 bytes), then the first ratchet key (32 bytes) (SPEC.md 5.2,
    /// 6.1, 18.3).
    ///
    /// With a KEM prekey in the bundle the set-up is the post-quantum hybrid (SPEC.md 18): the
    /// session key depends on the X25519 agreements and the ML-KEM-1024 shared secret.
    ///
    /// Messages encrypted before the first reply arrives are [`Envelope::PreKey`].
    ///
    /// # Errors
    /// [`Error::PostQuantumRequired`] if the bundle has no KEM prekey and
    /// `config.post_quantum` requires one (the default);
    /// [`Error::NonContributoryKeyAgreement`] if a Diffie-Hellman output is zero (not possible
    /// with a validated bundle, but checked).
    pub fn initiate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        ours: &IdentityKeyPair,
        bundle: &PreKeyBundle,
        config: &Config,
    ) -> Result<Self, Error> {
        if bundle.kem_prekey().is_none() && config.post_quantum.required() {
            return Err(Error::PostQuantumRequired);
        }
        let agreement = x3dh::initiate(rng, config.provider, ours, bundle)?;
        let ratchet = DoubleRatchet::initiator(
            rng,
            config.provider,
            &agreement.shared_key,
            bundle.signed_prekey().public_key(),
        )?;
        Ok(Self {
            id: SessionId::derive(
                ours.public_key(),
                bundle.identity_key(),
                &agreement.base_key,
            ),
            config: *config,
            our_identity: *ours.public_key(),
            their_identity: *bundle.identity_key(),
            their_business: bundle.business().cloned(),
            role: Role::Initiator {
                pending: Some(PreKeyInfo {
                    base_key: agreement.base_key,
                    signed_prekey_id: bundle.signed_prekey().id(),
                    one_time_prekey_id: bundle.one_time_prekey().map(|otk| otk.id()),
                    kem: agreement.kem.as_ref().map(KemInfo::of),
                }),
            },
            pending_kem: agreement.kem,
            ratchet,
        })
    }

    /// Accepts a first message as the responder (Bob), with the prekey secrets it names
    /// ([`PreKeyMessage::signed_prekey_id`], [`PreKeyMessage::one_time_prekey_id`], and for a
    /// hybrid set-up the KEM prekey of [`PreKeyMessage::kem`]): runs X3DH (and decapsulates),
    /// decrypts the message, and returns an [`Acceptance`]. Nothing is consumed and no storage
    /// is touched: the caller applies the [`PreKeyUses`] the acceptance names (deletes the
    /// one-time prekeys, records the base key of a last-resort KEM prekey), and only then
    /// takes the session and plaintext with [`Acceptance::complete`]. Looking keys up first and
    /// deleting only after decryption means a forged first message cannot burn one-time
    /// prekeys.
    ///
    /// Draws 32 bytes from `rng` (our next ratchet key) after decryption succeeds.
    ///
    /// The session's [`Session::their_identity`] is the key the message claims; decryption
    /// proves the sender holds it, not who that is. Check it (identity verification) before
    /// trusting the conversation. A `one_time_prekey` or `kem_prekey` given for a message that
    /// names none is ignored.
    ///
    /// [`Session::accept_with_store`] does the look-up and the delete for a [`PreKeyStore`].
    ///
    /// # Errors
    /// [`Error::PostQuantumRequired`] if the message carries no KEM ciphertext and
    /// `config.post_quantum` requires one (the default),
    /// [`Error::UnknownSignedPreKey`] if `signed_prekey` is not the one the message names,
    /// [`Error::UnknownOneTimePreKey`] if the message names a one-time prekey and
    /// `one_time_prekey` is not it, [`Error::UnknownKemPreKey`] if it names a KEM prekey and
    /// `kem_prekey` is not it, and any key-agreement or decryption error (a KEM ciphertext
    /// made for another key fails as [`Error::DecryptionFailed`]).
    pub fn accept<R: CryptoRng + ?Sized>(
        rng: &mut R,
        ours: &IdentityKeyPair,
        signed_prekey: &SignedPreKeyPair,
        one_time_prekey: Option<&OneTimePreKeyPair>,
        kem_prekey: Option<&KemPreKeyPair>,
        message: &PreKeyMessage,
        config: &Config,
    ) -> Result<Acceptance, Error> {
        Self::accept_routed(
            rng,
            ours,
            signed_prekey,
            one_time_prekey,
            kem_prekey,
            message,
            config,
            None,
        )
    }

    /// [`Session::accept`], the message's associated data also binding `routing` (a device
    /// message's, SPEC.md 14.5).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn accept_routed<R: CryptoRng + ?Sized>(
        rng: &mut R,
        ours: &IdentityKeyPair,
        signed_prekey: &SignedPreKeyPair,
        one_time_prekey: Option<&OneTimePreKeyPair>,
        kem_prekey: Option<&KemPreKeyPair>,
        message: &PreKeyMessage,
        config: &Config,
        routing: Option<&[u8]>,
    ) -> Result<Acceptance, Error> {
        if message.kem.is_none() && config.post_quantum.required() {
            return Err(Error::PostQuantumRequired);
        }
        if signed_prekey.id() != message.signed_prekey_id {
            return Err(Error::UnknownSignedPreKey {
                id: message.signed_prekey_id.0,
            });
        }
        let one_time_prekey = match message.one_time_prekey_id {
            Some(id) => match one_time_prekey {
                Some(key) if key.id() == id => Some(key),
                _ => return Err(Error::UnknownOneTimePreKey { id: id.0 }),
            },
            None => None,
        };
        let kem = match &message.kem {
            Some(kem) => match kem_prekey {
                Some(key) if key.id() == kem.prekey_id => Some((key, &kem.ciphertext)),
                _ => {
                    return Err(Error::UnknownKemPreKey {
                        id: kem.prekey_id.0,
                    });
                }
            },
            None => None,
        };
        let (shared_key, first_dh) = x3dh::respond(
            config.provider,
            ours,
            signed_prekey,
            one_time_prekey,
            kem,
            &message.identity_key,
            &message.base_key,
            &message.message.header.ratchet_key,
        )?;
        let info = PreKeyInfo::of(message);
        let encoded = info.encode();
        let context = MessageContext {
            ad: AssociatedData::new(&message.identity_key, ours.public_key()),
            prekey: Some(encoded.as_slice()),
            routing,
        };
        let (ratchet, plaintext) = DoubleRatchet::responder(
            rng,
            &shared_key,
            &first_dh,
            &context,
            &message.message,
            config,
        )?;
        let session = Self {
            id: SessionId::derive(&message.identity_key, ours.public_key(), &message.base_key),
            config: *config,
            our_identity: *ours.public_key(),
            their_identity: message.identity_key,
            their_business: None,
            role: Role::Responder { accepted: info },
            pending_kem: None,
            ratchet,
        };
        let uses = PreKeyUses {
            one_time_prekey: message.one_time_prekey_id,
            kem_prekey: kem.map(|(key, _)| KemPreKeyUse {
                id: key.id(),
                kind: key.kind(),
                base_key: message.base_key,
            }),
        };
        Ok(Acceptance::new(session, plaintext, uses))
    }

    /// [`Session::accept`] with the prekeys looked up in `store`, and the one-time prekeys
    /// consumed there (and a last-resort KEM prekey's base key recorded) once decryption has
    /// succeeded: the one-call path for simple users.
    ///
    /// # Errors
    /// [`Error::PostQuantumRequired`], [`Error::UnknownSignedPreKey`],
    /// [`Error::UnknownOneTimePreKey`], [`Error::OneTimePreKeyConsumed`],
    /// [`Error::UnknownKemPreKey`], [`Error::KemPreKeyConsumed`], [`Error::KemPreKeyReused`],
    /// and any decryption error. On error the store is unchanged.
    pub fn accept_with_store<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        rng: &mut R,
        ours: &IdentityKeyPair,
        store: &mut S,
        message: &PreKeyMessage,
        config: &Config,
    ) -> Result<(Self, Vec<u8>), Error> {
        Self::accept_with_store_routed(rng, ours, store, message, config, None)
    }

    /// [`Session::accept_with_store`], the associated data also binding `routing`.
    pub(crate) fn accept_with_store_routed<R: CryptoRng + ?Sized, S: PreKeyStore + ?Sized>(
        rng: &mut R,
        ours: &IdentityKeyPair,
        store: &mut S,
        message: &PreKeyMessage,
        config: &Config,
        routing: Option<&[u8]>,
    ) -> Result<(Self, Vec<u8>), Error> {
        // Step 0 of SPEC.md 18.4 before any look-up, as `accept` orders it.
        if message.kem.is_none() && config.post_quantum.required() {
            return Err(Error::PostQuantumRequired);
        }
        let signed_prekey =
            store
                .signed_prekey(message.signed_prekey_id)
                .ok_or(Error::UnknownSignedPreKey {
                    id: message.signed_prekey_id.0,
                })?;
        let one_time_prekey = message
            .one_time_prekey_id
            .map(|id| store.one_time_prekey(id))
            .transpose()?;
        let kem_prekey = message
            .kem
            .as_ref()
            .map(|kem| store.kem_prekey(kem.prekey_id))
            .transpose()?;
        let acceptance = Self::accept_routed(
            rng,
            ours,
            signed_prekey,
            one_time_prekey,
            kem_prekey,
            message,
            config,
            routing,
        )?;
        acceptance.complete(|uses, _| store.use_prekeys(uses))
    }

    /// Encrypts `plaintext` for the peer.
    ///
    /// The first message after a decryption that took a DH ratchet step also takes that step's
    /// sending half, drawn at decryption and left pending until now (SPEC.md 6.7): one X25519
    /// agreement and its public key, as in Olm. No random bytes are drawn here.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if `plaintext.len()` plus the largest envelope overhead
    /// (176 bytes, SPEC.md 8.4; 1756 while a hybrid initiator still sends PreKeyMessages,
    /// 18.7) exceeds `Config::max_encoded_len`, and
    /// [`Error::CounterExhausted`] after `u32::MAX` messages on one sending chain. Neither
    /// changes the session; nor does [`Error::CryptoProviderFailed`], which only a faulty
    /// third-party provider can cause while a pending step is taken.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Envelope, Error> {
        self.encrypt_routed(plaintext, None)
    }

    /// [`Session::encrypt`], the associated data also binding `routing` (SPEC.md 14.5).
    pub(crate) fn encrypt_routed(
        &mut self,
        plaintext: &[u8],
        routing: Option<&[u8]>,
    ) -> Result<Envelope, Error> {
        self.check_can_encrypt(plaintext.len())?;
        let pending = match self.role {
            Role::Initiator { pending } => pending,
            Role::Responder { .. } => None,
        };
        let encoded = pending.map(|p| p.encode());
        let context = MessageContext {
            ad: self.associated_data(),
            prekey: encoded.as_ref().map(EncodedPreKeyInfo::as_slice),
            routing,
        };
        let message = self
            .ratchet
            .encrypt(self.config.provider, &context, plaintext)?;
        Ok(match self.role {
            Role::Initiator {
                pending: Some(pending),
            } => Envelope::PreKey(PreKeyMessage {
                identity_key: self.our_identity,
                base_key: pending.base_key,
                signed_prekey_id: pending.signed_prekey_id,
                one_time_prekey_id: pending.one_time_prekey_id,
                message,
                kem: self.pending_kem.clone(),
            }),
            _ => Envelope::Ratchet(message),
        })
    }

    /// Decrypts an envelope from the peer. A [`Envelope::PreKey`] is accepted here only if it
    /// belongs to this session (a repeat first message); otherwise use [`Session::accept`].
    ///
    /// May draw 32 bytes from `rng`, only when decryption succeeds and the message starts a new
    /// ratchet step: our next ratchet secret, whose sending step the next [`Session::encrypt`]
    /// takes (SPEC.md 6.6, 6.7).
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`], [`Error::DuplicateMessage`],
    /// [`Error::TooManySkippedMessages`], [`Error::PreKeyMessageMismatch`], and others. On any
    /// error the session is exactly as it was before the call.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        envelope: &Envelope,
    ) -> Result<Vec<u8>, Error> {
        self.decrypt_routed(rng, envelope, None)
    }

    /// [`Session::decrypt`], the associated data also binding `routing` (SPEC.md 14.5).
    pub(crate) fn decrypt_routed<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        envelope: &Envelope,
        routing: Option<&[u8]>,
    ) -> Result<Vec<u8>, Error> {
        let (message, prekey) = match envelope {
            Envelope::Ratchet(message) => (message, None),
            Envelope::PreKey(prekey) => match self.role {
                Role::Responder { accepted }
                    if PreKeyInfo::of(prekey) == accepted
                        && prekey.identity_key == self.their_identity =>
                {
                    (&prekey.message, Some(accepted.encode()))
                }
                _ => return Err(Error::PreKeyMessageMismatch),
            },
        };
        let context = MessageContext {
            ad: self.associated_data(),
            prekey: prekey.as_ref().map(EncodedPreKeyInfo::as_slice),
            routing,
        };
        let plaintext = self.ratchet.decrypt(rng, &context, message, &self.config)?;
        if let Role::Initiator { pending } = &mut self.role {
            *pending = None;
            self.pending_kem = None;
        }
        Ok(plaintext)
    }

    /// Decodes `bytes` as an [`Envelope`] with this session's limits, then decrypts it.
    ///
    /// # Errors
    /// As [`Envelope::decode`] and [`Session::decrypt`].
    pub fn decrypt_bytes<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        bytes: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let envelope = Envelope::decode(bytes, &self.config)?;
        self.decrypt(rng, &envelope)
    }

    /// The session's stable id, the same on both ends (SPEC.md 9.3): a key for records and
    /// database rows.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// Our identity key.
    pub fn our_identity(&self) -> &IdentityKey {
        &self.our_identity
    }

    /// The peer's identity key.
    pub fn their_identity(&self) -> &IdentityKey {
        &self.their_identity
    }

    /// The verified business at the other end: set when the session was initiated from a
    /// bundle that came through [`crate::PreKeyBundleIn::validate_business`] with a
    /// certificate chain that validated (SPEC.md 13.5), and stored with the session. What an
    /// app shows ("verified business: Acme Shoes"). `None` for every other session, including
    /// every responder's.
    pub fn their_business(&self) -> Option<&VerifiedBusiness> {
        self.their_business.as_ref()
    }

    /// True if we initiated this session.
    pub fn is_initiator(&self) -> bool {
        matches!(self.role, Role::Initiator { .. })
    }

    /// True once we have decrypted a message from the peer. Until then the initiator sends
    /// PreKeyMessages.
    pub fn has_received(&self) -> bool {
        !matches!(self.role, Role::Initiator { pending: Some(_) })
    }

    /// The checks [`Session::encrypt`] makes before anything changes: fan-out makes them on
    /// every session before encrypting on any (SPEC.md 14.5).
    pub(crate) fn check_can_encrypt(&self, plaintext_len: usize) -> Result<(), Error> {
        // Refuse what the peer's decoder would refuse, before the chain advances.
        let overhead = match self.pending_kem {
            Some(_) => MAX_ENVELOPE_OVERHEAD + MAX_KEM_FIELD_LEN,
            None => MAX_ENVELOPE_OVERHEAD,
        };
        let len = plaintext_len.saturating_add(overhead);
        if len > self.config.max_encoded_len {
            return Err(Error::TooLarge {
                len,
                max: self.config.max_encoded_len,
            });
        }
        if self.ratchet.sending.counter() == u32::MAX {
            return Err(Error::CounterExhausted);
        }
        Ok(())
    }

    /// The base key of the X3DH that started this session, while we are its initiator and
    /// still send PreKeyMessages (SPEC.md 14.6's tie-break).
    pub(crate) fn pending_base_key(&self) -> Option<&X25519PublicKey> {
        match &self.role {
            Role::Initiator {
                pending: Some(pending),
            } => Some(&pending.base_key),
            _ => None,
        }
    }

    /// The base key of the X3DH that started this session, if we were its responder.
    pub(crate) fn accepted_base_key(&self) -> Option<&X25519PublicKey> {
        match &self.role {
            Role::Responder { accepted } => Some(&accepted.base_key),
            Role::Initiator { .. } => None,
        }
    }

    /// True if we responded to a PreKeyMessage with this base key from this identity: the
    /// session a repeated first message belongs to (SPEC.md 14.6).
    pub(crate) fn was_started_by(&self, message: &PreKeyMessage) -> bool {
        match &self.role {
            Role::Responder { accepted } => {
                bool::from(subtle::ConstantTimeEq::ct_eq(
                    &accepted.base_key.as_bytes()[..],
                    &message.base_key.as_bytes()[..],
                )) && self.their_identity == message.identity_key
            }
            Role::Initiator { .. } => false,
        }
    }

    /// The limits this session applies.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Replaces the limits this session applies from now on, trimming what it holds to them
    /// at once (oldest skipped keys first; receiving chains past the limit are retired).
    pub fn set_config(&mut self, config: &Config) {
        self.config = *config;
        self.ratchet.apply_limits(config);
    }

    /// How many skipped message keys the session holds.
    pub fn skipped_key_count(&self) -> usize {
        self.ratchet.skipped.len()
    }

    /// How many receiving chains the session keeps (at most `Config::max_receiving_chains`).
    pub fn receiving_chain_count(&self) -> usize {
        self.ratchet.receiving.len()
    }

    /// The session's stored form (SPEC.md section 9.1). It is secret.
    pub fn to_stored(&self) -> StoredSession {
        state::encode(self)
    }

    /// Restores a session from what [`Session::to_stored`] wrote (the bytes of a
    /// [`StoredSession`]), applying `config`: whatever `to_stored` writes, `from_stored` loads
    /// under the same `Config`.
    ///
    /// # Errors
    /// [`Error::SessionStateCorrupted`] for a state cut short or damaged, decoding errors, and
    /// [`Error::InvalidSessionState`] for an inconsistent state (SPEC.md 9.2).
    pub fn from_stored(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        state::decode(bytes, *config)
    }

    fn associated_data(&self) -> AssociatedData {
        match self.role {
            Role::Initiator { .. } => AssociatedData::new(&self.our_identity, &self.their_identity),
            Role::Responder { .. } => AssociatedData::new(&self.their_identity, &self.our_identity),
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("our_identity", &self.our_identity)
            .field("their_identity", &self.their_identity)
            .field("initiator", &self.is_initiator())
            .field("sending_counter", &self.ratchet.sending.counter())
            .field("receiving_chains", &self.ratchet.receiving.len())
            .field("skipped_keys", &self.ratchet.skipped.len())
            .finish_non_exhaustive()
    }
}
