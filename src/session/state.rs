//! Session state to and from bytes (SPEC.md section 9).

use subtle::ConstantTimeEq;

use super::id::{SESSION_ID_LEN, SessionId};
use super::stored::StoredSession;
use super::{KemInfo, PreKeyInfo, Role, Session};
use crate::Error;
use crate::business::identity::VerifiedBusiness;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;
use crate::chain::skipped_keys::{SkippedKey, SkippedKeys};
use crate::config::{Config, MAX_STORED_ENTRIES, MAX_STORED_STATE_LEN};
use crate::identity::IdentityKey;
use crate::kem::encapsulation::KemEncapsulation;
use crate::kem::ml_kem::KemCiphertext;
use crate::kem::prekey::KemPreKeyId;
use crate::prekey::{OneTimePreKeyId, SignedPreKeyId};
use crate::primitives::hash::{LABEL_STORED_SESSION, labelled_sha256};
use crate::primitives::x25519::{X25519PublicKey, X25519Secret};
use crate::proto;
use crate::ratchet::DoubleRatchet;
use crate::ratchet::pending_step::PendingStep;
use crate::ratchet::receiving_chain::ReceivingChain;
use crate::ratchet::root_key::RootKey;
use crate::ratchet::sending_chain::{Sending, SendingChain};

/// Length of the checksum that ends a stored session (SPEC.md 9.1).
pub(crate) const CHECKSUM_LEN: usize = 32;

pub(super) fn encode(session: &Session) -> StoredSession {
    let ratchet = &session.ratchet;
    let (initiator, pending, accepted) = match session.role {
        Role::Initiator { pending } => (true, pending, None),
        Role::Responder { accepted } => (false, None, Some(accepted)),
    };
    let state = proto::SessionState {
        version: proto::VERSION,
        local_identity: session.our_identity.to_bytes().to_vec(),
        remote_identity: session.their_identity.to_bytes().to_vec(),
        initiator,
        root_key: ratchet.root_key.as_bytes().to_vec(),
        sending: Some(sending_to_proto(&ratchet.sending)),
        receiving: ratchet
            .receiving
            .iter()
            .map(|chain| proto::ReceivingChain {
                ratchet_key: chain.ratchet_key.to_bytes().to_vec(),
                chain_key: chain.chain_key.as_bytes().to_vec(),
                counter: chain.chain_key.index(),
            })
            .collect(),
        skipped: ratchet
            .skipped
            .iter()
            .map(|key| proto::SkippedKey {
                ratchet_key: key.ratchet_key.to_bytes().to_vec(),
                counter: key.counter,
                message_key: key.message_key.as_bytes().to_vec(),
            })
            .collect(),
        pending_prekey: pending.map(info_to_proto),
        accepted_prekey: accepted.map(info_to_proto),
        retired_ratchet_keys: ratchet
            .retired
            .iter()
            .map(|key| key.to_bytes().to_vec())
            .collect(),
        session_id: session.id.to_bytes().to_vec(),
        peer_business: session
            .their_business
            .as_ref()
            .map(VerifiedBusiness::to_proto),
        pending_kem_ciphertext: session
            .pending_kem
            .as_ref()
            .map(|kem| kem.ciphertext.as_bytes().to_vec())
            .unwrap_or_default(),
    };
    // `state` is ZeroizeOnDrop: its copies of the secrets are wiped when it goes out of scope.
    let mut out = proto::encode_exact_with_room(&state, CHECKSUM_LEN);
    let checksum = labelled_sha256(LABEL_STORED_SESSION, &[&out]);
    out.extend_from_slice(&checksum);
    StoredSession::new(out)
}

/// Splits a stored session into its state and checks the checksum (SPEC.md 9.2 steps 1-2).
fn checked_state(bytes: &[u8]) -> Result<&[u8], Error> {
    checked_stored(bytes, MAX_STORED_STATE_LEN, LABEL_STORED_SESSION)
}

/// Splits stored bytes into their content and checksum, checks the length bound `max` and the
/// checksum under `label` (SPEC.md 9.2 steps 1-2, 14.6).
pub(crate) fn checked_stored<'a>(
    bytes: &'a [u8],
    max: usize,
    label: &[u8],
) -> Result<&'a [u8], Error> {
    if bytes.len() > max {
        return Err(Error::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let split = bytes
        .len()
        .checked_sub(CHECKSUM_LEN)
        .ok_or(Error::SessionStateCorrupted)?;
    let (state, checksum) = bytes.split_at(split);
    let expected = labelled_sha256(label, &[state]);
    if !bool::from(expected.ct_eq(checksum)) {
        return Err(Error::SessionStateCorrupted);
    }
    Ok(state)
}

pub(super) fn decode(bytes: &[u8], config: Config) -> Result<Session, Error> {
    let state = checked_state(bytes)?;
    let mut state: proto::SessionState = proto::decode_strict_secret(state, MAX_STORED_STATE_LEN)?;
    if state.version != proto::VERSION {
        return Err(Error::UnsupportedVersion {
            found: state.version,
        });
    }
    let local_identity = IdentityKey::from_field(&state.local_identity, "local_identity")?;
    let remote_identity = IdentityKey::from_field(&state.remote_identity, "remote_identity")?;

    let pending = state
        .pending_prekey
        .take()
        .map(info_from_proto)
        .transpose()?;
    let accepted = state
        .accepted_prekey
        .take()
        .map(info_from_proto)
        .transpose()?;
    let role = match (state.initiator, pending, accepted) {
        (true, pending, None) => Role::Initiator { pending },
        (false, None, Some(accepted)) => Role::Responder { accepted },
        _ => return Err(Error::InvalidSessionState),
    };
    let id = session_id(&state.session_id, &role, &local_identity, &remote_identity)?;

    let root_key = RootKey::new(key32(&state.root_key, "root_key")?);
    let sending = state
        .sending
        .as_ref()
        .ok_or(Error::MissingField { field: "sending" })?;
    let sending = sending_from_proto(sending, &config)?;

    // Hard ceilings against absurd input; the configured limits are applied below by trimming,
    // so lowering a limit never makes a stored session unloadable.
    if state.receiving.len() > MAX_STORED_ENTRIES || state.skipped.len() > MAX_STORED_ENTRIES {
        return Err(Error::InvalidSessionState);
    }
    let mut receiving: Vec<ReceivingChain> = Vec::with_capacity(state.receiving.len());
    // Receiving chain ratchet key -> that chain's counter (sets and maps, not pairwise
    // comparison: a crafted state may hold tens of thousands of entries).
    let mut chain_counters = std::collections::BTreeMap::new();
    for chain in &state.receiving {
        let ratchet_key = X25519PublicKey::from_field(&chain.ratchet_key, "receiving.ratchet_key")?;
        if chain_counters
            .insert(*ratchet_key.as_bytes(), chain.counter)
            .is_some()
        {
            return Err(Error::InvalidSessionState);
        }
        let chain_key = ChainKey::new(
            key32(&chain.chain_key, "receiving.chain_key")?,
            chain.counter,
        );
        receiving.push(ReceivingChain {
            ratchet_key,
            chain_key,
        });
    }
    // A responder has decrypted at least once, so it always has a receiving chain.
    if !state.initiator && receiving.is_empty() {
        return Err(Error::InvalidSessionState);
    }

    if state.retired_ratchet_keys.len() > MAX_STORED_ENTRIES {
        return Err(Error::InvalidSessionState);
    }
    let retired = state
        .retired_ratchet_keys
        .iter()
        .map(|key| X25519PublicKey::from_field(key, "retired_ratchet_keys"))
        .collect::<Result<Vec<_>, Error>>()?;

    let mut keys = Vec::with_capacity(state.skipped.len());
    for key in &state.skipped {
        keys.push(SkippedKey {
            ratchet_key: X25519PublicKey::from_field(&key.ratchet_key, "skipped.ratchet_key")?,
            counter: key.counter,
            message_key: Box::new(MessageKey::new(key32(
                &key.message_key,
                "skipped.message_key",
            )?)),
        });
    }
    let mut skipped = SkippedKeys::default();
    skipped.extend(keys, usize::MAX);
    // Keys appear once across the current, older and retired chains (receiving keys are
    // already distinct).
    let mut seen = std::collections::BTreeSet::new();
    for key in retired.iter() {
        if chain_counters.contains_key(key.as_bytes()) || !seen.insert(key.as_bytes()) {
            return Err(Error::InvalidSessionState);
        }
    }
    // An initiator still sending PreKeyMessages has not received anything yet, so it holds no
    // receiving chain, no skipped key and no retired key; one that has received holds at least
    // one receiving chain (trimming never removes the last).
    let received_nothing = receiving.is_empty() && skipped.len() == 0 && retired.is_empty();
    // A pending sending step is taken against the current receiving chain's ratchet key.
    if matches!(sending, Sending::Pending(_)) && receiving.is_empty() {
        return Err(Error::InvalidSessionState);
    }
    match role {
        Role::Initiator { pending: Some(_) } if !received_nothing => {
            return Err(Error::InvalidSessionState);
        }
        Role::Initiator { pending: None } if receiving.is_empty() => {
            return Err(Error::InvalidSessionState);
        }
        _ => {}
    }
    // Each skipped key is stored once (a second copy would let one message decrypt twice),
    // and a key of a chain still kept is for a message before that chain's counter.
    let mut seen_skipped = std::collections::BTreeSet::new();
    for key in skipped.iter() {
        if !seen_skipped.insert((key.ratchet_key.as_bytes(), key.counter)) {
            return Err(Error::InvalidSessionState);
        }
        let chain_counter = chain_counters.get(key.ratchet_key.as_bytes());
        if chain_counter.is_some_and(|&counter| key.counter >= counter) {
            return Err(Error::InvalidSessionState);
        }
    }

    let mut ratchet = DoubleRatchet {
        root_key,
        sending,
        receiving,
        skipped,
        retired,
    };
    // Step 19: a verified business is recorded only by an initiator (SPEC.md 13.5).
    let their_business = match (&state.peer_business, &role) {
        (None, _) => None,
        (Some(stored), Role::Initiator { .. }) => {
            Some(VerifiedBusiness::from_proto(stored, remote_identity)?)
        }
        (Some(_), Role::Responder { .. }) => return Err(Error::InvalidSessionState),
    };
    // Step 20: the KEM ciphertext a hybrid initiator repeats, present exactly while its
    // pending fields name a KEM prekey, and hashing to what they bind (SPEC.md 18.5).
    let pending_kem = match (&role, state.pending_kem_ciphertext.is_empty()) {
        (
            Role::Initiator {
                pending: Some(PreKeyInfo { kem: Some(kem), .. }),
            },
            false,
        ) => {
            let ciphertext =
                KemCiphertext::from_field(&state.pending_kem_ciphertext, "pending_kem_ciphertext")?;
            let encapsulation = KemEncapsulation {
                prekey_id: kem.prekey_id,
                ciphertext,
            };
            if encapsulation.ciphertext_hash() != kem.ciphertext_hash {
                return Err(Error::InvalidSessionState);
            }
            Some(encapsulation)
        }
        (
            Role::Initiator {
                pending: Some(PreKeyInfo { kem: Some(_), .. }),
            },
            true,
        ) => return Err(Error::InvalidSessionState),
        (_, true) => None,
        (_, false) => return Err(Error::InvalidSessionState),
    };
    ratchet.apply_limits(&config);
    Ok(Session {
        id,
        config,
        our_identity: local_identity,
        their_identity: remote_identity,
        their_business,
        role,
        pending_kem,
        ratchet,
    })
}

/// The stored session id (SPEC.md 9.2 step 7): 32 bytes, and where the X3DH fields are still known (a
/// responder, or an initiator before its first reply) equal to their derivation (9.3).
fn session_id(
    stored: &[u8],
    role: &Role,
    local: &IdentityKey,
    remote: &IdentityKey,
) -> Result<SessionId, Error> {
    let bytes: [u8; SESSION_ID_LEN] = stored.try_into().map_err(|_| Error::InvalidLength {
        field: "session_id",
        expected: SESSION_ID_LEN,
        found: stored.len(),
    })?;
    let id = SessionId::from_stored(bytes);
    let derived = match role {
        Role::Initiator {
            pending: Some(info),
        } => Some(SessionId::derive(local, remote, &info.base_key)),
        Role::Initiator { pending: None } => None,
        Role::Responder { accepted } => Some(SessionId::derive(remote, local, &accepted.base_key)),
    };
    if derived.is_some_and(|derived| derived != id) {
        return Err(Error::InvalidSessionState);
    }
    Ok(id)
}

/// The sending side's stored form (SPEC.md 9.1): a pending step has no chain key, counter or
/// public key.
fn sending_to_proto(sending: &Sending) -> proto::SendingChain {
    match sending {
        Sending::Chain(chain) => proto::SendingChain {
            ratchet_secret: chain.ratchet_secret().as_bytes().to_vec(),
            chain_key: chain.chain_key.as_bytes().to_vec(),
            counter: chain.chain_key.index(),
            previous_counter: chain.previous_counter,
            ratchet_key: chain.ratchet_public().to_bytes().to_vec(),
        },
        Sending::Pending(step) => proto::SendingChain {
            ratchet_secret: step.ratchet_secret().as_bytes().to_vec(),
            chain_key: empty_field(),
            counter: 0,
            previous_counter: step.previous_counter(),
            ratchet_key: empty_field(),
        },
    }
}

/// An empty `bytes` field of the encoder's copy of the state, with a real (one-byte)
/// allocation. The copy is zeroized on drop, and zeroizing a `Vec` that never allocated calls
/// `memset` with a dangling pointer and length 0, which measured about 100 ns on the
/// development machine (glibc's AVX-512 `memset` masks its store, and the masked store to an
/// unmapped page takes a slow path), against 8 ns for a one-byte allocation and its release:
/// this kept `to_stored` of a state with a pending step (two such fields, each zeroized twice)
/// 0.3 µs slower than with the step taken.
fn empty_field() -> Vec<u8> {
    Vec::with_capacity(1)
}

/// SPEC.md 9.2 step 9: a sending chain, or, without a chain key, a pending step.
fn sending_from_proto(sending: &proto::SendingChain, config: &Config) -> Result<Sending, Error> {
    let ratchet_secret =
        X25519Secret::from_array(key32(&sending.ratchet_secret, "sending.ratchet_secret")?);
    if sending.chain_key.is_empty() {
        if sending.counter != 0 || !sending.ratchet_key.is_empty() {
            return Err(Error::InvalidSessionState);
        }
        return Ok(Sending::Pending(PendingStep::new(
            ratchet_secret,
            sending.previous_counter,
        )));
    }
    // The public key is stored, not recomputed (SPEC.md 9.2): a fixed-base scalar
    // multiplication would be most of the cost of a load. States written before field 5
    // existed lack it; for those it is derived, and the next `to_bytes` stores it.
    let ratchet_public = if sending.ratchet_key.is_empty() {
        ratchet_secret.public_key(config.provider)?
    } else {
        X25519PublicKey::from_field(&sending.ratchet_key, "sending.ratchet_key")?
    };
    Ok(Sending::Chain(SendingChain::from_parts(
        ratchet_secret,
        ratchet_public,
        ChainKey::new(
            key32(&sending.chain_key, "sending.chain_key")?,
            sending.counter,
        ),
        sending.previous_counter,
    )))
}

/// A 32-byte secret field.
fn key32(bytes: &[u8], field: &'static str) -> Result<[u8; 32], Error> {
    bytes.try_into().map_err(|_| Error::InvalidLength {
        field,
        expected: 32,
        found: bytes.len(),
    })
}

fn info_to_proto(info: PreKeyInfo) -> proto::PreKeyInfo {
    proto::PreKeyInfo {
        base_key: info.base_key.to_bytes().to_vec(),
        signed_prekey_id: info.signed_prekey_id.0,
        one_time_prekey_id: info.one_time_prekey_id.map(|id| id.0),
        kem_prekey_id: info.kem.map(|kem| kem.prekey_id.0),
        kem_ciphertext_hash: info
            .kem
            .map(|kem| kem.ciphertext_hash.to_vec())
            .unwrap_or_default(),
    }
}

fn info_from_proto(info: proto::PreKeyInfo) -> Result<PreKeyInfo, Error> {
    Ok(PreKeyInfo {
        base_key: X25519PublicKey::from_field(&info.base_key, "prekey_info.base_key")?,
        signed_prekey_id: SignedPreKeyId(info.signed_prekey_id),
        one_time_prekey_id: info.one_time_prekey_id.map(OneTimePreKeyId),
        kem: match (info.kem_prekey_id, info.kem_ciphertext_hash.is_empty()) {
            (Some(id), false) => Some(KemInfo {
                prekey_id: KemPreKeyId(id),
                ciphertext_hash: key32(
                    &info.kem_ciphertext_hash,
                    "prekey_info.kem_ciphertext_hash",
                )?,
            }),
            (None, true) => None,
            _ => return Err(Error::InvalidSessionState),
        },
    })
}
