//! Safety numbers: the 60 digits people compare and the payload a QR code carries (SPEC.md
//! 12.2 and 12.3).

use core::fmt;

use crate::Error;
use crate::identity::{IDENTITY_KEY_LEN, IdentityKey};
use crate::session::Session;
use crate::timestamp::Timestamp;
use crate::verification::account_id::AccountId;
use crate::verification::fingerprint::{self, SAFETY_NUMBER_ITERATIONS, SCANNABLE_LEN};
use crate::verification::verified::{VerificationMethod, VerifiedIdentity};

/// The version of hushwire's scannable safety number (SPEC.md 12.3).
pub const SAFETY_NUMBER_VERSION: u32 = 1;

/// The type byte before an Ed25519 identity key in the fingerprint input (SPEC.md 12.2).
/// Signal's X25519 keys carry 0x05; a different byte keeps the two kinds of key apart.
pub(crate) const FINGERPRINT_KEY_TYPE: u8 = 0xed;

/// The fingerprint input for an identity key: its type byte and its 32-byte encoding.
pub(crate) fn fingerprint_key(key: &IdentityKey) -> [u8; 1 + IDENTITY_KEY_LEN] {
    let mut out = [0u8; 1 + IDENTITY_KEY_LEN];
    out[0] = FINGERPRINT_KEY_TYPE;
    out[1..].copy_from_slice(&key.to_bytes());
    out
}

/// The safety number of a conversation between us and a peer: 60 digits that are the same on
/// both devices, and a payload for a QR code.
///
/// Computing one costs 2 × 5200 SHA-512 compressions (2.0 ms on the 2-core AMD EPYC
/// development VM, `cargo bench --bench verification`, 2026-12-03): compute it when a person
/// opens the verification screen, not per message.
///
/// ```
/// # use hushwire::{AccountId, IdentityKeyPair, SafetyNumber, Timestamp};
/// # let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(1);
/// let alice = IdentityKeyPair::generate(&mut rng);
/// let bob = IdentityKeyPair::generate(&mut rng);
/// let (alice_id, bob_id) = (AccountId::new("alice")?, AccountId::new("bob")?);
/// let on_alice = SafetyNumber::new(alice.public_key(), &alice_id, bob.public_key(), &bob_id);
/// let on_bob = SafetyNumber::new(bob.public_key(), &bob_id, alice.public_key(), &alice_id);
/// assert_eq!(on_alice.digits(), on_bob.digits());
/// // Alice scans the QR code on Bob's screen:
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let proof = on_alice.verify_scanned(&on_bob.scannable(), now)?;
/// assert_eq!(proof.identity(), bob.public_key());
/// # Ok::<(), hushwire::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SafetyNumber {
    local: [u8; 64],
    remote: [u8; 64],
    digits: String,
    theirs: IdentityKey,
}

impl PartialEq for SafetyNumber {
    /// Constant-time over both digests (and so the digits and the keys' numbers).
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        let same = self.local.ct_eq(&other.local)
            & self.remote.ct_eq(&other.remote)
            & self.theirs.to_bytes().ct_eq(&other.theirs.to_bytes());
        same.into()
    }
}

impl Eq for SafetyNumber {}

impl SafetyNumber {
    /// The safety number of `session`: our identity key and the peer's as the session holds
    /// them, with our account id and the peer's. Ours and theirs cannot be swapped by mistake.
    pub fn for_session(session: &Session, our_id: &AccountId, their_id: &AccountId) -> Self {
        Self::new(
            session.our_identity(),
            our_id,
            session.their_identity(),
            their_id,
        )
    }

    /// The safety number between our identity key (`ours`, of account `our_id`) and the peer's.
    pub fn new(
        ours: &IdentityKey,
        our_id: &AccountId,
        theirs: &IdentityKey,
        their_id: &AccountId,
    ) -> Self {
        let local = fingerprint::digest(
            SAFETY_NUMBER_ITERATIONS,
            &fingerprint_key(ours),
            our_id.as_bytes(),
        );
        let remote = fingerprint::digest(
            SAFETY_NUMBER_ITERATIONS,
            &fingerprint_key(theirs),
            their_id.as_bytes(),
        );
        let digits = fingerprint::combined_digits(
            &fingerprint::digits(&local),
            &fingerprint::digits(&remote),
        );
        Self {
            local,
            remote,
            digits,
            theirs: *theirs,
        }
    }

    /// The 60 digits, as one string (the same on both devices).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The 60 digits in 12 groups of 5, separated by spaces, as apps show them.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(71);
        for (i, c) in self.digits.chars().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The payload our QR code shows (SPEC.md 12.3): 74 bytes.
    pub fn scannable(&self) -> Vec<u8> {
        fingerprint::scannable(SAFETY_NUMBER_VERSION, &self.local, &self.remote)
    }

    /// The peer's identity key this number covers.
    pub fn their_identity(&self) -> &IdentityKey {
        &self.theirs
    }

    /// Checks the payload we scanned from the peer's screen against ours (constant-time) and,
    /// if it matches, returns the proof that the peer's key is verified by QR code.
    ///
    /// # Errors
    /// The decoding errors of [`ScannedSafetyNumber::decode`];
    /// [`Error::SafetyNumberVersionMismatch`] if the payload has another version (an app of
    /// another version: ask to compare digits instead); [`Error::SafetyNumberMismatch`] if it
    /// does not match: the keys, or the account ids, differ from what the peer's device sees.
    pub fn verify_scanned(
        &self,
        scanned: &[u8],
        now: Timestamp,
    ) -> Result<VerifiedIdentity, Error> {
        let scanned = ScannedSafetyNumber::decode(scanned)?;
        fingerprint::compare(&scanned.0, SAFETY_NUMBER_VERSION, &self.local, &self.remote)?;
        Ok(VerifiedIdentity::new(
            self.theirs,
            VerificationMethod::QrCode,
            now,
        ))
    }

    /// The person compared the 60 digits with the peer's (side by side or read out) and says
    /// they match: the proof that the peer's key is verified by safety number. Call it only
    /// on that person's explicit confirmation.
    pub fn confirm_compared(&self, now: Timestamp) -> VerifiedIdentity {
        VerifiedIdentity::new(self.theirs, VerificationMethod::SafetyNumber, now)
    }

    /// Our QR code, as text for a terminal with light text on a dark background: two rows of
    /// modules per line, in Unicode half blocks, light modules drawn as blocks and dark ones
    /// left as the background, with the quiet zone.
    #[cfg(feature = "qr")]
    pub fn qr_unicode(&self) -> String {
        crate::verification::qr::unicode(&self.scannable())
    }

    /// Our QR code, as an SVG document for an app to show.
    #[cfg(feature = "qr")]
    pub fn qr_svg(&self) -> String {
        crate::verification::qr::svg(&self.scannable())
    }
}

/// A scanned safety-number payload, decoded strictly (SPEC.md 12.3 steps 1-4) but not yet
/// compared: [`SafetyNumber::verify_scanned`] does both.
pub struct ScannedSafetyNumber(fingerprint::Scanned);

impl fmt::Debug for ScannedSafetyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScannedSafetyNumber")
            .field("version", &self.0.version)
            .finish_non_exhaustive()
    }
}

impl ScannedSafetyNumber {
    /// Decodes a scanned payload: at most 96 bytes, the canonical encoding, both halves
    /// present and 32 bytes long. Any version decodes.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::MalformedProtobuf`], [`Error::NonCanonicalEncoding`],
    /// [`Error::MissingField`], [`Error::InvalidLength`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        fingerprint::decode_scanned(bytes).map(Self)
    }

    /// The version the payload claims.
    pub fn version(&self) -> u32 {
        self.0.version
    }

    /// The first 32 bytes of the showing device's digest of its own identity.
    pub fn local(&self) -> &[u8; SCANNABLE_LEN] {
        &self.0.local
    }

    /// The first 32 bytes of the digest the showing device computed for its peer.
    pub fn remote(&self) -> &[u8; SCANNABLE_LEN] {
        &self.0.remote
    }
}
