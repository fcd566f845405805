//! A sending step drawn but not yet taken (SPEC.md 6.6, 6.7): after a message with a new
//! ratchet key, our next ratchet secret is drawn at once, but the agreement that starts the
//! sending chain waits for the next encryption, as Olm's does. A decrypt with a DH ratchet
//! step then costs one X25519 agreement instead of two and a public key, and a responder's
//! accept likewise one agreement and a public key fewer; a session that answers pays them
//! when it answers. The bytes on the wire, and every random draw, are those of the step taken
//! at once.

use crate::Error;
use crate::primitives::x25519::{SharedSecret, X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;

use super::root_key::RootKey;
use super::sending_chain::SendingChain;

/// DHs's secret, drawn, and PN, the length of the sending chain it ends.
#[derive(Clone)]
pub(crate) struct PendingStep {
    ratchet_secret: X25519Secret,
    previous_counter: u32,
}

impl PendingStep {
    pub(crate) fn new(ratchet_secret: X25519Secret, previous_counter: u32) -> Self {
        Self {
            ratchet_secret,
            previous_counter,
        }
    }

    pub(crate) fn ratchet_secret(&self) -> &X25519Secret {
        &self.ratchet_secret
    }

    pub(crate) fn previous_counter(&self) -> u32 {
        self.previous_counter
    }

    /// TAKE (SPEC.md 6.7): `(RK', CKs) = KDF_RK(RK, DH(s, DHr))` with DHr the current
    /// receiving chain's ratchet key, and DHs's public key from the same provider call.
    /// Computed on the side; the caller commits it.
    pub(crate) fn take(
        &self,
        crypto: &CryptoProvider,
        root_key: &RootKey,
        their_ratchet_key: &X25519PublicKey,
    ) -> Result<(RootKey, SendingChain), Error> {
        let (ratchet_public, dh) = one_agreement(crypto, &self.ratchet_secret, their_ratchet_key)?;
        let (root_key, chain_key) = root_key.advance(&dh);
        Ok((
            root_key,
            SendingChain::from_parts(
                self.ratchet_secret.clone(),
                ratchet_public,
                chain_key,
                self.previous_counter,
            ),
        ))
    }
}

/// A fresh ratchet key's public key and its one agreement, in one provider call.
pub(super) fn one_agreement(
    crypto: &CryptoProvider,
    secret: &X25519Secret,
    their: &X25519PublicKey,
) -> Result<(X25519PublicKey, SharedSecret), Error> {
    let (public, [shared]) = secret.public_key_and_agree(crypto, [their])?;
    Ok((public, shared))
}
