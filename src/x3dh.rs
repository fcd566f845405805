//! X3DH key agreement (SPEC.md section 5), as in Signal's X3DH specification with X25519 and
//! SHA-256.

use rand::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;
use crate::bundle::PreKeyBundle;
use crate::identity::{IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair};
use crate::kem::encapsulation::KemEncapsulation;
use crate::kem::ml_kem::{KemCiphertext, KemSharedSecret};
use crate::kem::prekey::KemPreKeyPair;
use crate::prekey::{OneTimePreKeyPair, SignedPreKeyPair};
use crate::primitives::kdf::{INFO_PQXDH, INFO_X3DH, hkdf_sha256};
use crate::primitives::x25519::{SharedSecret, X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;

/// Length of the X3DH associated data: two encoded identity keys.
pub(crate) const AD_LEN: usize = 2 * IDENTITY_KEY_LEN;

/// The X3DH associated data, `Encode(IK_A) || Encode(IK_B)`. Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AssociatedData(pub(crate) [u8; AD_LEN]);

impl AssociatedData {
    pub(crate) fn new(initiator: &IdentityKey, responder: &IdentityKey) -> Self {
        let mut ad = [0u8; AD_LEN];
        ad[..IDENTITY_KEY_LEN].copy_from_slice(&initiator.to_bytes());
        ad[IDENTITY_KEY_LEN..].copy_from_slice(&responder.to_bytes());
        Self(ad)
    }
}

/// SK, the 32-byte X3DH output that seeds the Double Ratchet's root key.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SharedKey(pub(crate) [u8; 32]);

/// What the initiator keeps from X3DH.
pub(crate) struct InitiatorAgreement {
    pub(crate) shared_key: SharedKey,
    pub(crate) base_key: X25519PublicKey,
    /// The hybrid set-up's encapsulation, when the bundle had a KEM prekey.
    pub(crate) kem: Option<KemEncapsulation>,
}

/// The initiator (Alice) side: draws EK_A from `rng`, then, if the bundle has a KEM prekey,
/// encapsulates to it (drawing `m`), and computes SK against `bundle` (SPEC.md 5.2, 18.3).
pub(crate) fn initiate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    crypto: &CryptoProvider,
    ours: &IdentityKeyPair,
    bundle: &PreKeyBundle,
) -> Result<InitiatorAgreement, Error> {
    let base = X25519Secret::generate(rng);
    let (dh, base_key) = initiator_dh(
        crypto,
        ours,
        &base,
        bundle.identity_key(),
        bundle.signed_prekey().public_key(),
        bundle.one_time_prekey().map(|otk| otk.public_key()),
    )?;
    let encapsulated = bundle.kem_prekey().map(|kem| {
        let (ciphertext, secret) = kem.public_key().encapsulate(rng);
        (
            KemEncapsulation {
                prekey_id: kem.id(),
                ciphertext,
            },
            secret,
        )
    });
    let (kem, kem_secret) = match encapsulated {
        Some((kem, secret)) => (Some(kem), Some(secret)),
        None => (None, None),
    };
    Ok(InitiatorAgreement {
        shared_key: derive_shared_key(&dh, kem_secret.as_ref()),
        base_key,
        kem,
    })
}

/// DH1..DH3 [DH4] as the initiator computes them (SPEC.md 5.3), and EK_A's public key: the
/// base key's public key and its two or three agreements are one provider call.
pub(crate) fn initiator_dh(
    crypto: &CryptoProvider,
    ours: &IdentityKeyPair,
    base: &X25519Secret,
    their_identity: &IdentityKey,
    their_signed_prekey: &X25519PublicKey,
    their_one_time_prekey: Option<&X25519PublicKey>,
) -> Result<(Vec<SharedSecret>, X25519PublicKey), Error> {
    let their_identity = their_identity.x25519();
    // Room for DH4 up front: growing the Vec would free an unwiped copy of DH1..DH3.
    let mut dh = Vec::with_capacity(4);
    dh.push(ours.diffie_hellman(crypto, their_signed_prekey)?);
    let base_key = match their_one_time_prekey {
        Some(otk) => {
            let (base_key, [dh2, dh3, dh4]) =
                base.public_key_and_agree(crypto, [&their_identity, their_signed_prekey, otk])?;
            dh.extend([dh2, dh3, dh4]);
            base_key
        }
        None => {
            let (base_key, [dh2, dh3]) =
                base.public_key_and_agree(crypto, [&their_identity, their_signed_prekey])?;
            dh.extend([dh2, dh3]);
            base_key
        }
    };
    Ok((dh, base_key))
}

/// The responder (Bob) side: SK from our keys and the initiator's identity and base key, and
/// for a hybrid set-up the decapsulated KEM secret; with it, DH(spk_B, `their_ratchet_key`),
/// the agreement of the first receiving step (SPEC.md 6.1), made in the same provider call as
/// DH1 and DH3, which share the signed prekey's secret.
#[allow(clippy::too_many_arguments)]
pub(crate) fn respond(
    crypto: &CryptoProvider,
    ours: &IdentityKeyPair,
    signed_prekey: &SignedPreKeyPair,
    one_time_prekey: Option<&OneTimePreKeyPair>,
    kem: Option<(&KemPreKeyPair, &KemCiphertext)>,
    their_identity: &IdentityKey,
    their_base_key: &X25519PublicKey,
    their_ratchet_key: &X25519PublicKey,
) -> Result<(SharedKey, SharedSecret), Error> {
    let [dh1, dh3, ratchet_dh] = signed_prekey.secret().agree(
        crypto,
        [&their_identity.x25519(), their_base_key, their_ratchet_key],
    )?;
    let dh = responder_dh_from(
        crypto,
        ours,
        one_time_prekey.map(|otk| otk.secret()),
        their_base_key,
        dh1,
        dh3,
    )?;
    let kem_secret = kem.map(|(pair, ciphertext)| pair.secret().decapsulate(ciphertext));
    Ok((derive_shared_key(&dh, kem_secret.as_ref()), ratchet_dh))
}

/// DH1..DH3 [DH4] as the responder computes them (SPEC.md 5.3), for `hazmat`.
#[cfg(feature = "hazmat")]
pub(crate) fn responder_dh(
    crypto: &CryptoProvider,
    ours: &IdentityKeyPair,
    signed_prekey: &X25519Secret,
    one_time_prekey: Option<&X25519Secret>,
    their_identity: &IdentityKey,
    their_base_key: &X25519PublicKey,
) -> Result<Vec<SharedSecret>, Error> {
    // DH1 and DH3 share the signed prekey's secret: one provider call, two outputs.
    let [dh1, dh3] = signed_prekey.agree(crypto, [&their_identity.x25519(), their_base_key])?;
    responder_dh_from(crypto, ours, one_time_prekey, their_base_key, dh1, dh3)
}

/// DH1..DH3 [DH4] in order, given DH1 and DH3 (the signed prekey's agreements).
fn responder_dh_from(
    crypto: &CryptoProvider,
    ours: &IdentityKeyPair,
    one_time_prekey: Option<&X25519Secret>,
    their_base_key: &X25519PublicKey,
    dh1: SharedSecret,
    dh3: SharedSecret,
) -> Result<Vec<SharedSecret>, Error> {
    let mut dh = Vec::with_capacity(4);
    dh.push(dh1);
    dh.push(ours.diffie_hellman(crypto, their_base_key)?);
    dh.push(dh3);
    if let Some(otk) = one_time_prekey {
        dh.push(otk.diffie_hellman(crypto, their_base_key)?);
    }
    Ok(dh)
}

/// SK = HKDF-SHA256(salt = 32 zero bytes, ikm = F || DH1 || DH2 || DH3 [|| DH4],
/// info = "hushwire/v1/x3dh"), 32 bytes, with F = 32 bytes of 0xFF; for the hybrid set-up
/// the KEM shared secret ends `ikm` and info is "hushwire/v1/pqxdh-ml-kem-1024" (SPEC.md 18.3).
pub(crate) fn derive_shared_key(
    dh_outputs: &[SharedSecret],
    kem_secret: Option<&KemSharedSecret>,
) -> SharedKey {
    let mut ikm = Zeroizing::new(Vec::with_capacity(6 * 32));
    ikm.extend_from_slice(&[0xFF; 32]);
    for dh in dh_outputs {
        ikm.extend_from_slice(dh.as_bytes());
    }
    let info = match kem_secret {
        Some(secret) => {
            ikm.extend_from_slice(secret.as_bytes());
            INFO_PQXDH
        }
        None => INFO_X3DH,
    };
    let mut sk = SharedKey([0u8; 32]);
    hkdf_sha256(&[0u8; 32], &ikm, info, &mut sk.0);
    sk
}
