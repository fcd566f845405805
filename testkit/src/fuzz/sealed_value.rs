//! The `sealed_value` target: opening and sealing values at rest (SPEC.md 17.4).

use hushwire::Error;
use hushwire::hazmat::store::{seal_record, sealer_open, sealer_seal};
use hushwire::provider::RUST_CRYPTO;
use hushwire::store::{Sealer, StorageKey, Table};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::Outcome;

/// The target's storage key: bytes 0, 1, …, 31 (SPEC.md 17.4's example).
pub const SEALED_STORAGE_KEY: [u8; 32] = {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = i as u8;
        i += 1;
    }
    key
};
/// The row the target opens at: device 1 of account `bob`'s session record, at revision 2.
pub const SEALED_RECORD_KEY: [u8; 8] = [3, b'b', b'o', b'b', 0, 0, 0, 1];
/// The revision the target opens at.
pub const SEALED_REVISION: u64 = 2;

/// A sealer with the target's storage key, its salts from a ChaCha20 RNG seeded with `seed`.
fn sealer(key: [u8; 32], seed: u64) -> Sealer {
    Sealer::new(
        StorageKey::from_bytes(key),
        ChaCha20Rng::seed_from_u64(seed),
    )
}

/// The fixed row's value `value` sealed with `salt` (SPEC.md 17.4), for seeds.
pub fn sealed_value_with_salt(salt: &[u8; 32], value: &[u8]) -> Vec<u8> {
    seal_record(
        &RUST_CRYPTO,
        &SEALED_STORAGE_KEY,
        salt,
        Table::SessionRecords,
        &SEALED_RECORD_KEY,
        SEALED_REVISION,
        value,
    )
    .expect("sealing with the pure-Rust provider")
}

/// `sealed_value`: `data` opened as the value of the fixed row (the session record of device 1
/// of `bob`, revision 2) under the fixed storage key: never a panic; a value only if `data`
/// is the genuine seal of that value with the salt it carries (sealing it again with that
/// salt gives `data` back); every refusal `SealedRecordInvalid { record: "session_record" }`.
/// Then `data` as a value: sealed by a [`Sealer`] it is 49 bytes longer, opens to itself at
/// its row, and is refused under another storage key, table, record key or revision, and
/// with any one byte changed.
pub fn sealed_value(data: &[u8]) -> Outcome {
    let fixed = sealer(SEALED_STORAGE_KEY, 0);
    let refused = Err(Error::SealedRecordInvalid {
        record: "session_record",
    });
    let opened = sealer_open(
        &fixed,
        Table::SessionRecords,
        &SEALED_RECORD_KEY,
        SEALED_REVISION,
        data,
    );
    let outcome = match &opened {
        Ok(value) => {
            let salt: [u8; 32] = data
                .get(1..33)
                .and_then(|s| s.try_into().ok())
                .expect("an opened value carries a salt");
            assert_eq!(
                sealed_value_with_salt(&salt, value),
                data,
                "bytes that are not a genuine seal opened"
            );
            Outcome::Accepted
        }
        Err(error) => {
            assert_eq!(Err::<(), _>(error.clone()), refused);
            Outcome::Rejected
        }
    };

    // Round trip: `data` as a value.
    let seed = data
        .iter()
        .fold(7u64, |h, b| h.wrapping_mul(31) ^ u64::from(*b));
    let writer = sealer(SEALED_STORAGE_KEY, seed);
    let sealed = sealer_seal(
        &writer,
        Table::SessionRecords,
        &SEALED_RECORD_KEY,
        SEALED_REVISION,
        data,
    )
    .expect("sealing");
    assert_eq!(sealed.len(), data.len() + hushwire::store::SEALED_OVERHEAD);
    let open_at = |s: &Sealer, table, key: &[u8], revision, bytes: &[u8]| {
        sealer_open(s, table, key, revision, bytes).map(|v| v.to_vec())
    };
    assert_eq!(
        open_at(
            &fixed,
            Table::SessionRecords,
            &SEALED_RECORD_KEY,
            SEALED_REVISION,
            &sealed
        ),
        Ok(data.to_vec())
    );
    let mut other_key = SEALED_STORAGE_KEY;
    other_key[0] ^= 1;
    assert_eq!(
        open_at(
            &sealer(other_key, 0),
            Table::SessionRecords,
            &SEALED_RECORD_KEY,
            SEALED_REVISION,
            &sealed
        )
        .map(drop),
        refused
    );
    assert_eq!(
        open_at(
            &fixed,
            Table::GroupSessions,
            &SEALED_RECORD_KEY,
            SEALED_REVISION,
            &sealed
        )
        .map(drop),
        Err(Error::SealedRecordInvalid {
            record: "group_session"
        })
    );
    let mut other_record = SEALED_RECORD_KEY;
    other_record[7] = 2;
    for (key, revision) in [
        (&other_record[..], SEALED_REVISION),
        (&SEALED_RECORD_KEY[..], SEALED_REVISION - 1),
        (&SEALED_RECORD_KEY[..], SEALED_REVISION + 1),
        (&SEALED_RECORD_KEY[..7], SEALED_REVISION),
    ] {
        assert_eq!(
            open_at(&fixed, Table::SessionRecords, key, revision, &sealed).map(drop),
            refused
        );
    }
    let mut changed = sealed.clone();
    let at = (seed as usize) % changed.len();
    changed[at] ^= 1 << (seed % 8);
    assert_eq!(
        open_at(
            &fixed,
            Table::SessionRecords,
            &SEALED_RECORD_KEY,
            SEALED_REVISION,
            &changed
        )
        .map(drop),
        refused,
        "byte {at} changed"
    );
    outcome
}
