//! X3DH (SPEC.md section 5) with explicit secrets.

use zeroize::Zeroizing;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kem::ml_kem::KemSharedSecret;
use crate::primitives::x25519::{SharedSecret, X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;
use crate::x3dh::{self, AD_LEN, AssociatedData};

/// Everything X3DH computes (SPEC.md 5.3).
pub struct X3dhOutputs {
    /// DH1..DH3, and DH4 when a one-time prekey was used.
    pub dh: Vec<Zeroizing<[u8; 32]>>,
    /// SK.
    pub shared_key: Zeroizing<[u8; 32]>,
    /// AD = Encode(IK_A) || Encode(IK_B).
    pub associated_data: [u8; AD_LEN],
}

/// X3DH from the initiator's side with an explicit ephemeral secret `base_secret` (EK_A),
/// through `provider`.
///
/// # Errors
/// Key validation errors and [`Error::NonContributoryKeyAgreement`].
pub fn x3dh_initiator(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    base_secret: &[u8; 32],
    their_identity_key: &[u8],
    their_signed_prekey: &[u8],
    their_one_time_prekey: Option<&[u8]>,
) -> Result<X3dhOutputs, Error> {
    let (dh, ad) = initiator_agreements(
        provider,
        identity_seed,
        base_secret,
        their_identity_key,
        their_signed_prekey,
        their_one_time_prekey,
    )?;
    Ok(outputs(&dh, None, ad))
}

/// X3DH from the responder's side, as [`crate::Session::accept`] runs it, through `provider`.
///
/// # Errors
/// Key validation errors and [`Error::NonContributoryKeyAgreement`].
pub fn x3dh_responder(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    signed_prekey_secret: &[u8; 32],
    one_time_prekey_secret: Option<&[u8; 32]>,
    their_identity_key: &[u8],
    their_base_key: &[u8],
) -> Result<X3dhOutputs, Error> {
    let (dh, ad) = responder_agreements(
        provider,
        identity_seed,
        signed_prekey_secret,
        one_time_prekey_secret,
        their_identity_key,
        their_base_key,
    )?;
    Ok(outputs(&dh, None, ad))
}

/// DH1..DH3 [DH4] and AD as the initiator computes them (SPEC.md 5.3), from bytes.
pub(super) fn initiator_agreements(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    base_secret: &[u8; 32],
    their_identity_key: &[u8],
    their_signed_prekey: &[u8],
    their_one_time_prekey: Option<&[u8]>,
) -> Result<(Vec<SharedSecret>, AssociatedData), Error> {
    let ours = IdentityKeyPair::from_seed(identity_seed);
    let their_identity = IdentityKey::from_bytes(their_identity_key)?;
    let otk = their_one_time_prekey
        .map(X25519PublicKey::from_bytes)
        .transpose()?;
    let (dh, _base_key) = x3dh::initiator_dh(
        provider,
        &ours,
        &X25519Secret::from_array(*base_secret),
        &their_identity,
        &X25519PublicKey::from_bytes(their_signed_prekey)?,
        otk.as_ref(),
    )?;
    Ok((dh, AssociatedData::new(ours.public_key(), &their_identity)))
}

/// DH1..DH3 [DH4] and AD as the responder computes them (SPEC.md 5.3), from bytes.
pub(super) fn responder_agreements(
    provider: &CryptoProvider,
    identity_seed: &[u8; 32],
    signed_prekey_secret: &[u8; 32],
    one_time_prekey_secret: Option<&[u8; 32]>,
    their_identity_key: &[u8],
    their_base_key: &[u8],
) -> Result<(Vec<SharedSecret>, AssociatedData), Error> {
    let ours = IdentityKeyPair::from_seed(identity_seed);
    let their_identity = IdentityKey::from_bytes(their_identity_key)?;
    let otk = one_time_prekey_secret.map(|s| X25519Secret::from_array(*s));
    let dh = x3dh::responder_dh(
        provider,
        &ours,
        &X25519Secret::from_array(*signed_prekey_secret),
        otk.as_ref(),
        &their_identity,
        &X25519PublicKey::from_bytes(their_base_key)?,
    )?;
    Ok((dh, AssociatedData::new(&their_identity, ours.public_key())))
}

/// The outputs from DH values, the KEM secret of a hybrid set-up (SPEC.md 18.3) and AD.
pub(super) fn outputs(
    dh: &[SharedSecret],
    kem_secret: Option<&KemSharedSecret>,
    ad: AssociatedData,
) -> X3dhOutputs {
    let shared_key = x3dh::derive_shared_key(dh, kem_secret);
    X3dhOutputs {
        dh: dh.iter().map(|d| Zeroizing::new(*d.as_bytes())).collect(),
        shared_key: Zeroizing::new(shared_key.0),
        associated_data: ad.0,
    }
}
