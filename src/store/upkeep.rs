//! Prekey upkeep: keep enough one-time prekeys, rotate the signed prekey, and remove old
//! signed prekeys once their grace period is over; the same for the KEM prekeys of the hybrid
//! set-up: the last-resort KEM prekey rotated with the signed prekey, one-time KEM prekeys
//! topped up (SPEC.md 17.7).

use rand::CryptoRng;

use super::Table;
use super::traits::PreKeys;
use crate::Error;
use crate::identity::IdentityKeyPair;
use crate::kem::prekey::{KemPreKey, KemPreKeyId, KemPreKeyKind, KemPreKeyPair};
use crate::prekey::{OneTimePreKey, OneTimePreKeyId, OneTimePreKeyPair, SignedPreKey};
use crate::prekey::{SignedPreKeyId, SignedPreKeyPair};
use crate::timestamp::Timestamp;

/// One day, in seconds.
const DAY: u64 = 24 * 60 * 60;

/// How [`upkeep_prekeys`] keeps this device's prekeys. `PreKeyPolicy::default()`, then set
/// what differs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreKeyPolicy {
    /// Top up when fewer one-time prekeys than this are left. Default 25.
    pub one_time_minimum: u32,
    /// How many one-time prekeys a top-up leaves (at least `one_time_minimum`). Default 100.
    pub one_time_target: u32,
    /// Generate a new signed prekey once the newest is this many seconds old. Default 7 days.
    pub signed_rotation: u64,
    /// Keep a signed prekey this many seconds after the one that replaced it was created, so
    /// that first messages built on a bundle fetched before the rotation still arrive.
    /// Default 30 days.
    pub signed_grace: u64,
    /// How many times a step that loses to a concurrent upkeep is tried. Default 8.
    pub max_attempts: u32,
    /// Top up when fewer one-time KEM prekeys than this are left. Default 10.
    pub kem_one_time_minimum: u32,
    /// How many one-time KEM prekeys a top-up leaves (at least `kem_one_time_minimum`).
    /// Default 40: a KEM prekey is 3,278 bytes stored (plus 41 sealed) and 1,568 + 64 bytes
    /// published, some 23 times an X25519 one-time prekey, and when they run out the
    /// last-resort KEM prekey still gives the hybrid set-up; 0 publishes none.
    pub kem_one_time_target: u32,
}

impl Default for PreKeyPolicy {
    fn default() -> Self {
        Self {
            one_time_minimum: 25,
            one_time_target: 100,
            signed_rotation: 7 * DAY,
            signed_grace: 30 * DAY,
            max_attempts: 8,
            kem_one_time_minimum: 10,
            kem_one_time_target: 40,
        }
    }
}

/// What one run of [`upkeep_prekeys`] did, and what to publish.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct PreKeyUpkeep {
    /// The signed prekey to publish in this device's bundle: the newest held.
    pub signed_prekey: SignedPreKey,
    /// True if this run generated it (the first signed prekey, or a rotation).
    pub rotated: bool,
    /// The signed prekeys this run removed, their grace period over.
    pub removed: Vec<SignedPreKeyId>,
    /// The one-time prekeys this run added: publish them.
    pub added: Vec<OneTimePreKey>,
    /// How many one-time prekeys were left after this run: its last count, plus what it
    /// added (other workers may consume some at any time).
    pub one_time_left: u64,
    /// The last-resort KEM prekey to publish in this device's bundle
    /// ([`crate::PreKeyBundle::with_kem_prekey`], when no one-time KEM prekey is left to
    /// serve): the newest held.
    pub kem_last_resort: KemPreKey,
    /// True if this run generated it (the first one, or a rotation).
    pub kem_rotated: bool,
    /// The last-resort KEM prekeys this run removed, their grace period over.
    pub kem_removed: Vec<KemPreKeyId>,
    /// The one-time KEM prekeys this run added: publish them.
    pub kem_added: Vec<KemPreKey>,
    /// How many one-time KEM prekeys were left after this run, as `one_time_left`.
    pub one_time_kem_left: u64,
}

/// Keeps this device's prekeys in `store` (SPEC.md 17.7), as of `now`:
///
/// 1. **Signed prekey.** If there is none, or the newest was created `signed_rotation` or
///    more before `now`, or was not signed by `identity` (a store kept across an identity
///    change), generates one with the next id, signed by `identity`, and adds it. If another
///    worker added one with that id first, uses theirs (without asking again whether it is
///    due, so a `signed_rotation` of 0 still rotates once per race, not once per worker).
/// 2. **Grace period.** Removes every signed prekey but the newest whose successor (the next
///    id held) was created `signed_grace` or more before `now`. A `signed_grace` of 0 removes
///    the previous key at once: first messages built on a bundle fetched before the rotation
///    then fail with [`Error::UnknownSignedPreKey`].
/// 3. **One-time prekeys.** Reads the highest id ever added
///    ([`PreKeys::last_one_time_prekey_id`]), then counts those left; if fewer than
///    `one_time_minimum`, generates enough to leave `one_time_target` with the ids after that
///    highest one (an id is never issued twice), and adds them, all or none. If another
///    worker added keys since the read, they take the same ids: the add fails, and it counts
///    again.
///
/// 4. **Last-resort KEM prekey.** As step 1, with the same `signed_rotation`: if no
///    last-resort KEM prekey is held, or the newest (greatest id) was created
///    `signed_rotation` or more before `now`, or was not signed by `identity`, generates one
///    with the id after [`PreKeys::last_kem_prekey_id`] (last-resort and one-time KEM prekeys
///    share one id space) and adds it. If the add loses, looks again: a last-resort KEM
///    prekey with that id or a later one is the rotation; an id taken by one-time KEM
///    prekeys is not, and it tries again with the next id.
/// 5. **Its grace period.** As step 2, with `signed_grace`: removes every last-resort KEM
///    prekey but the newest whose successor was created `signed_grace` or more before `now`
///    (with the base keys recorded with it).
/// 6. **One-time KEM prekeys.** As step 3, with `kem_one_time_minimum` and
///    `kem_one_time_target`, and the ids after [`PreKeys::last_kem_prekey_id`].
///
/// Run it at start-up and then periodically (hourly, or when the server says the published
/// one-time prekeys run low); concurrent runs on one store are safe: each step is atomic and
/// a step that loses is redone on what won, so the store ends with one new signed prekey and
/// `one_time_target` one-time prekeys, not one batch per worker. Then publish
/// [`PreKeyUpkeep::signed_prekey`], [`PreKeyUpkeep::added`], [`PreKeyUpkeep::kem_last_resort`]
/// and [`PreKeyUpkeep::kem_added`]. Time never goes backwards
/// here: a newest signed prekey created after `now` is kept.
///
/// # Errors
/// [`Error::StoreConflict`] if a step lost `max_attempts` times; [`Error::CounterExhausted`]
/// if the ids run out (signed prekey id 2^32 − 1 is held, or a top-up would pass one-time
/// prekey id 2^32 − 1, or a KEM prekey would pass KEM prekey id 2^32 − 1); the store's
/// errors. Each write is atomic (a rotation, one removal, a
/// batch), so an error leaves the writes before it done and the failing one undone.
pub async fn upkeep_prekeys<S, R>(
    store: &S,
    rng: &mut R,
    identity: &IdentityKeyPair,
    now: Timestamp,
    policy: &PreKeyPolicy,
) -> Result<PreKeyUpkeep, Error>
where
    S: PreKeys + ?Sized,
    R: CryptoRng + Send + ?Sized,
{
    let attempts = policy.max_attempts.max(1);
    let (signed_prekey, rotated, held) =
        rotate_signed(store, rng, identity, now, policy, attempts).await?;
    let removed = remove_expired(store, &held, now, policy).await?;
    let (added, one_time_left) = top_up(store, rng, policy, attempts).await?;
    let (kem_last_resort, kem_rotated, kem_held) =
        rotate_kem(store, rng, identity, now, policy, attempts).await?;
    let kem_removed = remove_expired_kem(store, &kem_held, now, policy).await?;
    let (kem_added, one_time_kem_left) =
        top_up_kem(store, rng, identity, now, policy, attempts).await?;
    Ok(PreKeyUpkeep {
        signed_prekey,
        rotated,
        removed,
        added,
        one_time_left,
        kem_last_resort,
        kem_rotated,
        kem_removed,
        kem_added,
        one_time_kem_left,
    })
}

/// The id after the greatest KEM prekey id ever added.
async fn next_kem_id<S: PreKeys + ?Sized>(store: &S) -> Result<u32, Error> {
    match store.last_kem_prekey_id().await? {
        Some(last) => last.0.checked_add(1).ok_or(Error::CounterExhausted),
        None => Ok(1),
    }
}

/// Step 4: the newest last-resort KEM prekey, generated if due; whether this run generated
/// it; and every last-resort KEM prekey held, by increasing id.
async fn rotate_kem<S, R>(
    store: &S,
    rng: &mut R,
    identity: &IdentityKeyPair,
    now: Timestamp,
    policy: &PreKeyPolicy,
    attempts: u32,
) -> Result<(KemPreKey, bool, Vec<KemPreKey>), Error>
where
    S: PreKeys + ?Sized,
    R: CryptoRng + Send + ?Sized,
{
    let mut lost: Option<u32> = None;
    for _ in 0..attempts {
        // Only the last-resort rows are read: a damaged one-time row does not stop this.
        let held: Vec<KemPreKey> = store.last_resort_kem_prekeys().await?;
        match held.last() {
            Some(newest) if lost.is_some_and(|tried| newest.id().0 >= tried) => {
                return Ok((newest.clone(), false, held));
            }
            Some(newest)
                if kem_signed_by(identity, newest)
                    && !due(newest.created_at(), now, policy.signed_rotation) =>
            {
                return Ok((newest.clone(), false, held));
            }
            // None held, due, or signed by another identity: a new one.
            _ => {}
        }
        let id = next_kem_id(store).await?;
        let key = KemPreKeyPair::generate(
            rng,
            identity,
            KemPreKeyId(id),
            KemPreKeyKind::LastResort,
            now,
        );
        match store.add_kem_prekeys(core::slice::from_ref(&key)).await {
            Ok(()) => {
                let public = key.public().clone();
                let mut held = held;
                held.push(public.clone());
                return Ok((public, true, held));
            }
            // Another worker took the id (a rotation, or one-time KEM prekeys): look again.
            Err(Error::StoreConflict { .. }) => lost = Some(id),
            Err(error) => return Err(error),
        }
    }
    Err(Table::KemPreKeys.conflict())
}

/// True if `identity` signed `key` (SPEC.md 18.1).
fn kem_signed_by(identity: &IdentityKeyPair, key: &KemPreKey) -> bool {
    KemPreKey::verified(
        identity.public_key(),
        key.id(),
        key.kind(),
        key.created_at(),
        key.public_key().clone(),
        key.signature(),
    )
    .is_ok()
}

/// Step 5: removes every last-resort KEM prekey but the newest whose successor is
/// `signed_grace` old.
async fn remove_expired_kem<S>(
    store: &S,
    held: &[KemPreKey],
    now: Timestamp,
    policy: &PreKeyPolicy,
) -> Result<Vec<KemPreKeyId>, Error>
where
    S: PreKeys + ?Sized,
{
    let mut removed = Vec::new();
    for old in superseded(held, KemPreKey::created_at, now, policy) {
        if store.remove_kem_prekey(old.id()).await? {
            removed.push(old.id());
        }
    }
    Ok(removed)
}

/// Step 6: tops up the one-time KEM prekeys if they run low; the keys added and how many are
/// left.
async fn top_up_kem<S, R>(
    store: &S,
    rng: &mut R,
    identity: &IdentityKeyPair,
    now: Timestamp,
    policy: &PreKeyPolicy,
    attempts: u32,
) -> Result<(Vec<KemPreKey>, u64), Error>
where
    S: PreKeys + ?Sized,
    R: CryptoRng + Send + ?Sized,
{
    let minimum = u64::from(policy.kem_one_time_minimum);
    let target = u64::from(policy.kem_one_time_target).max(minimum);
    for _ in 0..attempts {
        // The last id first, then the count, as in step 3.
        let first = match store.last_kem_prekey_id().await? {
            Some(last) => u64::from(last.0) + 1,
            None => 1,
        };
        let left = store.one_time_kem_prekeys_left().await?;
        if left >= minimum {
            return Ok((Vec::new(), left));
        }
        let count = target - left;
        let keys = (first..first + count)
            .map(|id| {
                let id = u32::try_from(id).map_err(|_| Error::CounterExhausted)?;
                Ok(KemPreKeyPair::generate(
                    rng,
                    identity,
                    KemPreKeyId(id),
                    KemPreKeyKind::OneTime,
                    now,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        match store.add_kem_prekeys(&keys).await {
            Ok(()) => {
                let added = keys.iter().map(|key| key.public().clone()).collect();
                return Ok((added, left + count));
            }
            // Another worker added KEM prekeys (or took these ids) first: count again.
            Err(Error::StoreConflict { .. }) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(Table::KemPreKeys.conflict())
}

/// Step 1: the newest signed prekey, generated if due; whether this run generated it; and
/// every signed prekey held, by increasing id.
async fn rotate_signed<S, R>(
    store: &S,
    rng: &mut R,
    identity: &IdentityKeyPair,
    now: Timestamp,
    policy: &PreKeyPolicy,
    attempts: u32,
) -> Result<(SignedPreKey, bool, Vec<SignedPreKey>), Error>
where
    S: PreKeys + ?Sized,
    R: CryptoRng + Send + ?Sized,
{
    // The id this run tried to add and lost (another worker rotated first): once a key with
    // that id or a later one is held, it is the rotation, and it is not due again.
    let mut lost: Option<u32> = None;
    for _ in 0..attempts {
        let held = store.signed_prekeys().await?;
        let id = match held.last() {
            Some(newest) if lost.is_some_and(|tried| newest.id().0 >= tried) => {
                return Ok((newest.clone(), false, held));
            }
            Some(newest)
                if signed_by(identity, newest)
                    && !due(newest.created_at(), now, policy.signed_rotation) =>
            {
                return Ok((newest.clone(), false, held));
            }
            // Due, or signed by another identity (a store kept across an identity change):
            // a new key.
            Some(newest) => newest
                .id()
                .0
                .checked_add(1)
                .ok_or(Error::CounterExhausted)?,
            None => 1,
        };
        let key = SignedPreKeyPair::generate(rng, identity, SignedPreKeyId(id), now);
        match store.add_signed_prekey(&key).await {
            Ok(()) => {
                let public = key.public().clone();
                let mut held = held;
                held.push(public.clone());
                return Ok((public, true, held));
            }
            // Another worker rotated first: look again, and use theirs.
            Err(Error::StoreConflict { .. }) => lost = Some(id),
            Err(error) => return Err(error),
        }
    }
    Err(Table::SignedPreKeys.conflict())
}

/// True if `identity` signed `key` (SPEC.md 4.1).
fn signed_by(identity: &IdentityKeyPair, key: &SignedPreKey) -> bool {
    SignedPreKey::verified(
        identity.public_key(),
        key.id(),
        key.created_at(),
        *key.public_key(),
        key.signature(),
    )
    .is_ok()
}

/// True once `seconds` have passed since `since`, as of `now`.
fn due(since: Timestamp, now: Timestamp, seconds: u64) -> bool {
    now.as_unix_seconds()
        .saturating_sub(since.as_unix_seconds())
        >= seconds
        && now >= since
}

/// Step 2: removes every signed prekey but the newest whose successor is `signed_grace` old.
async fn remove_expired<S>(
    store: &S,
    held: &[SignedPreKey],
    now: Timestamp,
    policy: &PreKeyPolicy,
) -> Result<Vec<SignedPreKeyId>, Error>
where
    S: PreKeys + ?Sized,
{
    let mut removed = Vec::new();
    for old in superseded(held, SignedPreKey::created_at, now, policy) {
        if store.remove_signed_prekey(old.id()).await? {
            removed.push(old.id());
        }
    }
    Ok(removed)
}

/// The keys of `held` (oldest first) whose successor is `signed_grace` old: never the newest.
fn superseded<'a, K>(
    held: &'a [K],
    created_at: impl Fn(&K) -> Timestamp,
    now: Timestamp,
    policy: &PreKeyPolicy,
) -> Vec<&'a K> {
    held.windows(2)
        .filter_map(|pair| match pair {
            [old, successor] if due(created_at(successor), now, policy.signed_grace) => Some(old),
            _ => None,
        })
        .collect()
}

/// Step 3: tops up the one-time prekeys if they run low; the keys added and how many are left.
async fn top_up<S, R>(
    store: &S,
    rng: &mut R,
    policy: &PreKeyPolicy,
    attempts: u32,
) -> Result<(Vec<OneTimePreKey>, u64), Error>
where
    S: PreKeys + ?Sized,
    R: CryptoRng + Send + ?Sized,
{
    let minimum = u64::from(policy.one_time_minimum);
    let target = u64::from(policy.one_time_target).max(minimum);
    for _ in 0..attempts {
        // The last id first, then the count: a batch another worker adds after the first
        // read starts at `last + 1` too, so ours collides with it and we count again; one
        // added before the count is counted. Read the other way round, a batch landing in
        // between would be neither, and both would be added.
        let first = match store.last_one_time_prekey_id().await? {
            Some(last) => u64::from(last.0) + 1,
            None => 1,
        };
        let left = store.one_time_prekeys_left().await?;
        if left >= minimum {
            return Ok((Vec::new(), left));
        }
        let count = target - left;
        let keys = (first..first + count)
            .map(|id| {
                let id = u32::try_from(id).map_err(|_| Error::CounterExhausted)?;
                Ok(OneTimePreKeyPair::generate(rng, OneTimePreKeyId(id)))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        match store.add_one_time_prekeys(&keys).await {
            Ok(()) => {
                let added = keys.iter().map(|key| *key.public()).collect();
                return Ok((added, left + count));
            }
            // Another worker added keys (or took these ids) first: count again.
            Err(Error::StoreConflict { .. }) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(Table::OneTimePreKeys.conflict())
}
