//! The hybrid set-up (SPEC.md section 18) with explicit secrets: ML-KEM-1024 from given
//! randomness, KEM prekey signatures, and SK.

use zeroize::Zeroizing;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kem::ml_kem::{
    KEM_SECRET_KEY_LEN, KemCiphertext, KemPublicKey, KemSecretKey, KemSharedSecret,
};
use crate::kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind};
use crate::primitives::x25519::X25519PublicKey;
use crate::provider::CryptoProvider;
use crate::ratchet::header::{Header, MessageContext};
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::timestamp::Timestamp;
use crate::x3dh::{self, AssociatedData};

use super::x3dh::{X3dhOutputs, initiator_agreements, outputs, responder_agreements};

/// Length of a hybrid PreKeyMessage's `prekey_info` (SPEC.md 18.5): 77 bytes.
pub const HYBRID_PREKEY_INFO_LEN: usize = crate::ratchet::header::HYBRID_PREKEY_INFO_LEN;

/// ML-KEM-1024 key generation from `d || z` (FIPS 203 ML-KEM.KeyGen_internal): the
/// encapsulation key (1568 bytes) and the expanded decapsulation key (3168 bytes).
pub fn ml_kem_keygen(seed: &[u8; 64]) -> (Vec<u8>, Zeroizing<Vec<u8>>) {
    let (secret, public) = KemSecretKey::from_seed(seed);
    (
        public.as_bytes().to_vec(),
        Zeroizing::new(secret.as_bytes().to_vec()),
    )
}

/// ML-KEM-1024 encapsulation to `ek` with the given `m` (FIPS 203 ML-KEM.Encaps_internal),
/// after the encapsulation key check (SPEC.md 18.2): the ciphertext and the shared secret.
///
/// # Errors
/// [`Error::InvalidLength`] (field `kem_public_key`) and [`Error::InvalidPublicKey`].
pub fn ml_kem_encapsulate(
    ek: &[u8],
    m: &[u8; 32],
) -> Result<(Vec<u8>, Zeroizing<[u8; 32]>), Error> {
    let (ciphertext, secret) = KemPublicKey::from_bytes(ek)?.encapsulate_with(m);
    Ok((ciphertext.as_bytes().to_vec(), Zeroizing::new(secret.0)))
}

/// ML-KEM-1024 decapsulation (FIPS 203 ML-KEM.Decaps_internal, implicit rejection), after the
/// decapsulation key check (SPEC.md 18.2).
///
/// # Errors
/// [`Error::InvalidLength`] for a `dk` that is not 3168 bytes (field `kem_secret_key`) or a
/// ciphertext that is not 1568 bytes (field `kem_ciphertext`); [`Error::SessionStateCorrupted`]
/// for a `dk` that fails the check.
pub fn ml_kem_decapsulate(dk: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
    let secret = secret_key(dk)?;
    let ciphertext = KemCiphertext::from_bytes(ciphertext)?;
    Ok(Zeroizing::new(secret.decapsulate(&ciphertext).0))
}

fn secret_key(dk: &[u8]) -> Result<KemSecretKey, Error> {
    let dk: Zeroizing<[u8; KEM_SECRET_KEY_LEN]> =
        Zeroizing::new(dk.try_into().map_err(|_| Error::InvalidLength {
            field: "kem_secret_key",
            expected: KEM_SECRET_KEY_LEN,
            found: dk.len(),
        })?);
    KemSecretKey::from_bytes(&dk).ok_or(Error::SessionStateCorrupted)
}

/// The KEM prekey signature (SPEC.md 18.1) by the identity of `identity_seed`, over
/// `0x1a || "hushwire/v1/sig/kem-prekey" || u32(id) || u64(created_at) || u8(kind) || ek`.
/// `last_resort` picks the kind byte (0x01, else 0x02).
///
/// # Errors
/// The errors of the encapsulation key check (SPEC.md 18.2).
pub fn sign_kem_prekey(
    identity_seed: &[u8; 32],
    id: u32,
    last_resort: bool,
    created_at: u64,
    ek: &[u8],
) -> Result<[u8; SIGNATURE_LEN], Error> {
    let body = KemPreKey::signed_body(
        KemPreKeyId(id),
        kind(last_resort),
        Timestamp::from_unix_seconds(created_at),
        &KemPublicKey::from_bytes(ek)?,
    );
    Ok(IdentityKeyPair::from_seed(identity_seed).sign(SignatureContext::KemPreKey, &body))
}

/// Verifies a KEM prekey signature, in the order of SPEC.md 4.2's "which error wins": the
/// identity key, the encapsulation key, the signature's length, the signature.
///
/// # Errors
/// [`Error::InvalidLength`], [`Error::InvalidPublicKey`], [`Error::LowOrderPublicKey`],
/// [`Error::InvalidSignature`].
pub fn verify_kem_prekey(
    identity_key: &[u8],
    id: u32,
    last_resort: bool,
    created_at: u64,
    ek: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let identity = IdentityKey::from_bytes(identity_key)?;
    let public_key = KemPublicKey::from_bytes(ek)?;
    if signature.len() != SIGNATURE_LEN {
        return Err(Error::InvalidLength {
            field: "signature",
            expected: SIGNATURE_LEN,
            found: signature.len(),
        });
    }
    KemPreKey::verified(
        &identity,
        KemPreKeyId(id),
        kind(last_resort),
        Timestamp::from_unix_seconds(created_at),
        public_key,
        signature,
    )
    .map(|_| ())
}

fn kind(last_resort: bool) -> KemPreKeyKind {
    if last_resort {
        KemPreKeyKind::LastResort
    } else {
        KemPreKeyKind::OneTime
    }
}

/// The hybrid SK (SPEC.md 18.3) from the DH outputs (DH1..DH3, and DH4 with a one-time prekey; 32 bytes each) and the
/// KEM shared secret: HKDF-SHA256 with info `"hushwire/v1/pqxdh-ml-kem-1024"`.
pub fn pqxdh_shared_key(dh: &[[u8; 32]], kem_secret: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let outputs: Vec<_> = dh
        .iter()
        .map(|d| crate::primitives::x25519::SharedSecret::from_array(*d))
        .collect();
    let sk = x3dh::derive_shared_key(&outputs, Some(&KemSharedSecret(*kem_secret)));
    Zeroizing::new(sk.0)
}

/// The hybrid set-up from the initiator's side (SPEC.md 18.3) with an explicit base secret and
/// encapsulation randomness `m`: the X3DH outputs with the hybrid SK, and the ciphertext.
///
/// # Errors
/// Key validation errors (the encapsulation key's too) and
/// [`Error::NonContributoryKeyAgreement`].
#[allow(clippy::too_many_arguments)]
pub fn pqxdh_initiator(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    base_secret: &[u8; 32],
    m: &[u8; 32],
    their_identity_key: &[u8],
    their_signed_prekey: &[u8],
    their_one_time_prekey: Option<&[u8]>,
    their_kem_prekey: &[u8],
) -> Result<(X3dhOutputs, Vec<u8>), Error> {
    let (dh, ad) = initiator_agreements(
        provider,
        identity_seed,
        base_secret,
        their_identity_key,
        their_signed_prekey,
        their_one_time_prekey,
    )?;
    let kem = KemPublicKey::from_bytes(their_kem_prekey)?;
    let (ciphertext, secret) = kem.encapsulate_with(m);
    Ok((
        outputs(&dh, Some(&secret), ad),
        ciphertext.as_bytes().to_vec(),
    ))
}

/// The hybrid set-up from the responder's side (SPEC.md 18.3, 18.4 step 3).
///
/// # Errors
/// Key validation errors, the decapsulation key's and the ciphertext's (as
/// [`ml_kem_decapsulate`]), and [`Error::NonContributoryKeyAgreement`].
#[allow(clippy::too_many_arguments)]
pub fn pqxdh_responder(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    signed_prekey_secret: &[u8; 32],
    one_time_prekey_secret: Option<&[u8; 32]>,
    kem_secret_key: &[u8],
    their_identity_key: &[u8],
    their_base_key: &[u8],
    kem_ciphertext: &[u8],
) -> Result<X3dhOutputs, Error> {
    let (dh, ad) = responder_agreements(
        provider,
        identity_seed,
        signed_prekey_secret,
        one_time_prekey_secret,
        their_identity_key,
        their_base_key,
    )?;
    let secret = secret_key(kem_secret_key)?;
    let ciphertext = KemCiphertext::from_bytes(kem_ciphertext)?;
    Ok(outputs(&dh, Some(&secret.decapsulate(&ciphertext)), ad))
}

/// The 77-byte `prekey_info` of a hybrid PreKeyMessage (SPEC.md 18.5).
///
/// # Errors
/// Key validation errors for `base_key`.
pub fn hybrid_prekey_info(
    base_key: &[u8],
    signed_prekey_id: u32,
    one_time_prekey_id: Option<u32>,
    kem_prekey_id: u32,
    kem_ciphertext: &[u8],
) -> Result<[u8; HYBRID_PREKEY_INFO_LEN], Error> {
    use sha2::{Digest, Sha256};
    let base_key = X25519PublicKey::from_bytes(base_key)?;
    let mut out = [0u8; HYBRID_PREKEY_INFO_LEN];
    out[..32].copy_from_slice(base_key.as_bytes());
    out[32..36].copy_from_slice(&signed_prekey_id.to_be_bytes());
    if let Some(id) = one_time_prekey_id {
        out[36] = 1;
        out[37..41].copy_from_slice(&id.to_be_bytes());
    }
    out[41..45].copy_from_slice(&kem_prekey_id.to_be_bytes());
    out[45..].copy_from_slice(&Sha256::digest(kem_ciphertext));
    Ok(out)
}

/// The AEAD associated data of a message carried in a hybrid PreKeyMessage (SPEC.md 18.5):
/// `LP(AD) || LP(header) || LP(prekey_info)` with the 77-byte `prekey_info`.
///
/// # Errors
/// Key validation errors for `ratchet_key`.
pub fn hybrid_aead_associated_data(
    x3dh_ad: &[u8; crate::x3dh::AD_LEN],
    ratchet_key: &[u8],
    previous_counter: u32,
    counter: u32,
    prekey_info: &[u8; HYBRID_PREKEY_INFO_LEN],
) -> Result<Vec<u8>, Error> {
    let header = Header {
        ratchet_key: X25519PublicKey::from_bytes(ratchet_key)?,
        previous_counter,
        counter,
    };
    let context = MessageContext {
        ad: AssociatedData(*x3dh_ad),
        prekey: Some(&prekey_info[..]),
        routing: None,
    };
    Ok(header.aead_associated_data(&context))
}
