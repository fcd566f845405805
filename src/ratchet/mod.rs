//! The Double Ratchet (SPEC.md section 6), as in Signal's specification section 3 with the
//! section 5.2 KDFs. One file per concept: root key, header, sending chain, receiving chain;
//! the symmetric chain (chain key, message key, skipped keys) is in [`crate::chain`], which the
//! group layer shares.
//!
//! Decryption is transactional: every decrypt computes the new state on the side and commits
//! it only after the AEAD tag has verified.

pub(crate) mod header;
pub(crate) mod pending_step;
pub(crate) mod receiving_chain;
pub(crate) mod root_key;
pub(crate) mod sending_chain;

use rand::CryptoRng;

use crate::Error;
use crate::config::Config;
use crate::message::RatchetMessage;
use crate::primitives::x25519::{SharedSecret, X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;
use crate::x3dh::SharedKey;

use self::header::{Header, MessageContext};
use self::pending_step::{PendingStep, one_agreement};
use self::receiving_chain::ReceivingChain;
use self::root_key::RootKey;
use self::sending_chain::{Sending, SendingChain};
use crate::chain::message_key::MessageKey;
use crate::chain::skipped_keys::{SkippedKey, SkippedKeys};

/// The state of one Double Ratchet.
#[derive(Clone)]
pub(crate) struct DoubleRatchet {
    pub(crate) root_key: RootKey,
    pub(crate) sending: Sending,
    /// Most recent first; never more than `Config::max_receiving_chains`.
    pub(crate) receiving: Vec<ReceivingChain>,
    pub(crate) skipped: SkippedKeys,
    /// Ratchet keys of receiving chains dropped from `receiving`, most recent first.
    pub(crate) retired: Vec<X25519PublicKey>,
}

/// A new receiving chain computed from a peer's new ratchet key, not yet committed.
struct ReceiveStep {
    root_key: RootKey,
    chain: ReceivingChain,
    skipped: Vec<SkippedKey>,
    message_key: MessageKey,
}

impl DoubleRatchet {
    /// RatchetInitAlice: DHs drawn from `rng`, (RK, CKs) = KDF_RK(SK, DH(DHs, SPK_B)).
    pub(crate) fn initiator<R: CryptoRng + ?Sized>(
        rng: &mut R,
        crypto: &CryptoProvider,
        shared_key: &SharedKey,
        their_signed_prekey: &X25519PublicKey,
    ) -> Result<Self, Error> {
        let ratchet_secret = X25519Secret::generate(rng);
        let (ratchet_public, dh) = one_agreement(crypto, &ratchet_secret, their_signed_prekey)?;
        let (root_key, chain_key) = RootKey::new(shared_key.0).advance(&dh);
        Ok(Self {
            root_key,
            sending: Sending::Chain(SendingChain::from_parts(
                ratchet_secret,
                ratchet_public,
                chain_key,
                0,
            )),
            receiving: Vec::new(),
            skipped: SkippedKeys::default(),
            retired: Vec::new(),
        })
    }

    /// RatchetInitBob (DHs = SPK_B, RK = SK) followed by decrypting the first message, which
    /// always carries a new ratchet key: `first_dh` is DH(spk_B, its ratchet key), computed with
    /// X3DH's agreements. The sending step is drawn from `rng` after decryption and left
    /// pending (SPEC.md 6.1). Nothing exists unless decryption succeeds.
    pub(crate) fn responder<R: CryptoRng + ?Sized>(
        rng: &mut R,
        shared_key: &SharedKey,
        first_dh: &SharedSecret,
        context: &MessageContext,
        message: &RatchetMessage,
        config: &Config,
    ) -> Result<(Self, Vec<u8>), Error> {
        let root_key = RootKey::new(shared_key.0);
        let step = receive_step(&root_key, first_dh, &message.header, config)?;
        let plaintext = decrypt_with(config.provider, step.message_key, context, message)?;
        let mut skipped = SkippedKeys::default();
        skipped.extend(step.skipped, config.skipped_keys());
        let ratchet = Self {
            root_key: step.root_key,
            sending: Sending::Pending(PendingStep::new(X25519Secret::generate(rng), 0)),
            receiving: vec![step.chain],
            skipped,
            retired: Vec::new(),
        };
        Ok((ratchet, plaintext))
    }

    /// Encrypts `plaintext` on the sending chain, taking a pending sending step first
    /// (SPEC.md 6.7). On any error `self` is unchanged.
    ///
    /// # Errors
    /// [`Error::CounterExhausted`] once the chain has sent `u32::MAX` messages.
    pub(crate) fn encrypt(
        &mut self,
        crypto: &CryptoProvider,
        context: &MessageContext,
        plaintext: &[u8],
    ) -> Result<RatchetMessage, Error> {
        let taken = self.take_pending(crypto)?;
        let chain = match (&taken, &self.sending) {
            (Some((_, chain)), _) | (None, Sending::Chain(chain)) => chain,
            (None, Sending::Pending(_)) => return Err(Error::InvalidSessionState),
        };
        let counter = chain.chain_key.index();
        if counter == u32::MAX {
            return Err(Error::CounterExhausted);
        }
        let header = Header {
            ratchet_key: *chain.ratchet_public(),
            previous_counter: chain.previous_counter,
            counter,
        };
        let (message_key, next) = chain.chain_key.step();
        let ciphertext =
            message_key.encrypt(crypto, &header.aead_associated_data(context), plaintext)?;
        match taken {
            Some((root_key, mut chain)) => {
                chain.chain_key = next;
                self.root_key = root_key;
                self.sending = Sending::Chain(chain);
            }
            None => {
                if let Sending::Chain(chain) = &mut self.sending {
                    chain.chain_key = next;
                }
            }
        }
        Ok(RatchetMessage { header, ciphertext })
    }

    /// A pending sending step taken on the side against the current receiving chain's ratchet
    /// key (SPEC.md 6.7's TAKE); `None` when a chain is in use.
    fn take_pending(
        &self,
        crypto: &CryptoProvider,
    ) -> Result<Option<(RootKey, SendingChain)>, Error> {
        match &self.sending {
            Sending::Chain(_) => Ok(None),
            Sending::Pending(step) => {
                let current = self.receiving.first().ok_or(Error::InvalidSessionState)?;
                step.take(crypto, &self.root_key, &current.ratchet_key)
                    .map(Some)
            }
        }
    }

    /// Decrypts `message`. On any error `self` is unchanged.
    pub(crate) fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        context: &MessageContext,
        message: &RatchetMessage,
        config: &Config,
    ) -> Result<Vec<u8>, Error> {
        let header = &message.header;

        // 1. A key we stored for a message that arrived out of order.
        if let Some(index) = self.skipped.find(&header.ratchet_key, header.counter) {
            let message_key = match self.skipped.get(index) {
                Some(stored) => MessageKey::clone(&stored.message_key),
                None => return Err(Error::InvalidSessionState),
            };
            let plaintext = decrypt_with(config.provider, message_key, context, message)?;
            self.skipped.remove(index);
            return Ok(plaintext);
        }

        // 2. A chain we know: derive forward to the message.
        if let Some(position) = self
            .receiving
            .iter()
            .position(|c| c.ratchet_key == header.ratchet_key)
        {
            let chain = self
                .receiving
                .get_mut(position)
                .ok_or(Error::InvalidSessionState)?;
            let advanced =
                chain.advance_to(header.counter, config.max_skip, config.skipped_keys())?;
            let plaintext = decrypt_with(config.provider, advanced.message_key, context, message)?;
            chain.chain_key = advanced.chain_key;
            self.skipped.extend(advanced.skipped, config.skipped_keys());
            return Ok(plaintext);
        }

        // A chain we have forgotten the chain key of: every message on it either had its key
        // stored (case 1) or was already received.
        // Likewise a chain forgotten altogether whose stored keys outlived it (step 1 found none
        // for this counter): a peer reusing an old ratchet key would otherwise start a second
        // chain beside those keys, and the state would hold keys its loader refuses.
        if self.retired.contains(&header.ratchet_key)
            || self
                .skipped
                .iter()
                .any(|k| k.ratchet_key == header.ratchet_key)
        {
            return Err(Error::DuplicateMessage);
        }

        // 3. A new ratchet key: finish the current receiving chain up to PN, then a DH ratchet
        // step. Everything is computed first and committed only after decryption.
        let finished_current = match self.receiving.first() {
            Some(current) if header.previous_counter > current.chain_key.index() => {
                let skip = header.previous_counter - current.chain_key.index();
                if skip > config.max_skip {
                    return Err(Error::TooManySkippedMessages {
                        skip: u64::from(skip),
                        max: config.max_skip,
                    });
                }
                // Keys up to PN - 1; the returned "message key" for PN itself is not needed.
                Some(current.advance_to(
                    header.previous_counter - 1,
                    config.max_skip,
                    config.skipped_keys(),
                )?)
            }
            _ => None,
        };
        // A step still pending is taken first, so that the state is that of a step taken at
        // once (SPEC.md 6.6 step 4.2): only its root key is needed, so its agreement and the
        // receiving step's are one provider call, and its public key is left uncomputed.
        let (taken_root, previous_counter, dh) = match &self.sending {
            Sending::Chain(chain) => (
                None,
                chain.chain_key.index(),
                chain
                    .ratchet_secret()
                    .diffie_hellman(config.provider, &header.ratchet_key)?,
            ),
            Sending::Pending(step) => {
                let current = self.receiving.first().ok_or(Error::InvalidSessionState)?;
                let [taken, dh] = step
                    .ratchet_secret()
                    .agree(config.provider, [&current.ratchet_key, &header.ratchet_key])?;
                let (root_key, _chain_key) = self.root_key.advance(&taken);
                (Some(root_key), 0, dh)
            }
        };
        let root_key = taken_root.as_ref().unwrap_or(&self.root_key);
        let step = receive_step(root_key, &dh, header, config)?;
        let plaintext = decrypt_with(config.provider, step.message_key, context, message)?;
        // The sending step: drawn now, taken by the next encryption.
        let pending = PendingStep::new(X25519Secret::generate(rng), previous_counter);

        // Commit.
        if let (Some(finished), Some(current)) = (finished_current, self.receiving.first_mut()) {
            // The last advanced key was for message PN - 1, which also never arrived.
            let mut skipped = finished.skipped;
            skipped.push(SkippedKey {
                ratchet_key: current.ratchet_key,
                counter: header.previous_counter - 1,
                message_key: Box::new(finished.message_key),
            });
            current.chain_key = finished.chain_key;
            self.skipped.extend(skipped, config.skipped_keys());
        }
        self.skipped.extend(step.skipped, config.skipped_keys());
        // Grow by copying, so no reallocation frees an unwiped copy of the chain keys; the
        // room follows what is stored, never the configured limit.
        crate::chain::wiping::make_room(&mut self.receiving, 1);
        self.receiving.insert(0, step.chain);
        self.apply_limits(config);
        self.root_key = step.root_key;
        self.sending = Sending::Pending(pending);
        Ok(plaintext)
    }
}

impl DoubleRatchet {
    /// Brings the state within `config`'s limits the way decryption does: the oldest skipped
    /// keys are evicted, receiving chains past the limit are retired (their keys remembered),
    /// and the oldest retired keys are forgotten.
    pub(crate) fn apply_limits(&mut self, config: &Config) {
        self.skipped.truncate_oldest(config.skipped_keys());
        let keep = config.receiving_chains().min(self.receiving.len());
        // The dropped chains' ratchet keys go to the front of `retired`, most recent first;
        // `truncate` then drops (and so wipes) the chain keys in place.
        let dropped = self.receiving.get(keep..).unwrap_or_default();
        if !dropped.is_empty() {
            let mut retired = Vec::with_capacity(
                (dropped.len() + self.retired.len()).min(config.retired_chains()),
            );
            retired.extend(dropped.iter().map(|chain| chain.ratchet_key));
            retired.extend(self.retired.iter().copied());
            self.retired = retired;
        }
        self.receiving.truncate(keep);
        self.retired.truncate(config.retired_chains());
    }
}

/// (RK', CKr) = KDF_RK(RK, dh) with dh = DH(our secret, their new ratchet key), then the new
/// chain advanced to the message's counter.
fn receive_step(
    root_key: &RootKey,
    dh: &SharedSecret,
    header: &Header,
    config: &Config,
) -> Result<ReceiveStep, Error> {
    let (root_key, chain_key) = root_key.advance(dh);
    let fresh = ReceivingChain {
        ratchet_key: header.ratchet_key,
        chain_key,
    };
    let advanced = fresh.advance_to(header.counter, config.max_skip, config.skipped_keys())?;
    Ok(ReceiveStep {
        root_key,
        chain: ReceivingChain {
            ratchet_key: header.ratchet_key,
            chain_key: advanced.chain_key,
        },
        skipped: advanced.skipped,
        message_key: advanced.message_key,
    })
}

fn decrypt_with(
    crypto: &CryptoProvider,
    message_key: MessageKey,
    context: &MessageContext,
    message: &RatchetMessage,
) -> Result<Vec<u8>, Error> {
    message_key.decrypt(
        crypto,
        &message.header.aead_associated_data(context),
        &message.ciphertext,
    )
}
