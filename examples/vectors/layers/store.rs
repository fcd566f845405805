//! store.json: the store layer (SPEC.md section 17): the key of a record in each table (17.1),
//! the stored forms of our own prekeys, written and loaded (17.2, one negative case per
//! refusal), revision arithmetic (17.3 rule 1, with its bounds) and sealed values (17.4: every
//! intermediate of a seal, and opening, one negative case per way a value fails to open).
//!
//! Normal outputs come from hushwire's public API (the record keys of `hazmat::store`, the
//! prekeys' `to_stored`/`from_stored`, `Revision`, and a real `Sealer` whose RNG hands out the
//! case's salt); the runner then checks the sealed bytes against SPEC.md 17.4 with the raw
//! `hkdf` and `chacha20poly1305` crates and fails the case if the two disagree. The damaged
//! stored prekeys and sealed values of the negative cases are crafted here by hand.

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use hkdf::Hkdf;
use hushwire::hazmat::store::{
    account_key, group_key, prekey_key, sealer_open, sealer_seal, session_record_key,
};
use hushwire::store::{Revision, Sealer, StorageKey, Table};
use hushwire::{
    AccountId, CryptoProvider, DeviceAddress, DeviceId, Error, GroupId, IdentityKeyPair,
    OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair, Timestamp,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::json::{Fields, h};
use super::outputs;
use super::rngs::FixedRng;
use super::seed;

/// The label of SPEC.md 17.4 (the HKDF info and the start of the associated data).
const SEALED_LABEL: &[u8] = b"hushwire/v1/sealed-record";
/// The checksum labels of SPEC.md 17.2.
const SIGNED_LABEL: &[u8] = b"hushwire/v1/stored-signed-prekey";
const ONE_TIME_LABEL: &[u8] = b"hushwire/v1/stored-one-time-prekey";

// ---------------------------------------------------------------------------------------------
// SPEC.md 17.2 and 17.4 by hand (for crafting the negative cases, and cross-checking)

/// `SHA-256(u8(len(label)) || label || content)`, the checksum of a stored prekey.
fn checksum(label: &[u8], content: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(content);
    hash.finalize().into()
}

/// `content || checksum(label, content)`.
fn with_checksum(label: &[u8], content: &[u8]) -> Vec<u8> {
    [content, &checksum(label, content)].concat()
}

/// `okm` of SPEC.md 17.4: HKDF-SHA256(salt, storage key, label, 44).
fn okm(storage_key: &[u8; 32], salt: &[u8]) -> [u8; 44] {
    let mut okm = [0u8; 44];
    // 44 bytes is far below HKDF-SHA256's limit of 8160: expand cannot fail.
    Hkdf::<Sha256>::new(Some(salt), storage_key)
        .expand(SEALED_LABEL, &mut okm)
        .expect("44 bytes of HKDF output");
    okm
}

/// `ad` of SPEC.md 17.4: `u8(25) || label || u8(len(table)) || table || LP(record key) ||
/// u64(revision)`.
fn associated_data(table: &str, record_key: &[u8], revision: u64) -> Vec<u8> {
    let mut ad = vec![SEALED_LABEL.len() as u8];
    ad.extend_from_slice(SEALED_LABEL);
    ad.push(table.len() as u8);
    ad.extend_from_slice(table.as_bytes());
    ad.extend_from_slice(&(record_key.len() as u32).to_be_bytes());
    ad.extend_from_slice(record_key);
    ad.extend_from_slice(&revision.to_be_bytes());
    ad
}

/// `u8(1) || salt || ChaCha20-Poly1305(key, nonce, ad, value)` with the raw crates.
fn seal_by_hand(
    storage_key: &[u8; 32],
    salt: &[u8; 32],
    table: &str,
    record_key: &[u8],
    revision: u64,
    value: &[u8],
) -> Vec<u8> {
    let okm = okm(storage_key, salt);
    let key: [u8; 32] = okm[..32].try_into().expect("32 bytes");
    let nonce: [u8; 12] = okm[32..].try_into().expect("12 bytes");
    let ciphertext = ChaCha20Poly1305::new(&key.into())
        .encrypt(
            &nonce.into(),
            AeadPayload {
                msg: value,
                aad: &associated_data(table, record_key, revision),
            },
        )
        .expect("sealing a value");
    [&[1u8][..], salt, &ciphertext].concat()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// A table by its SPEC.md 17.1 name.
fn table(name: &str) -> Result<Table, String> {
    Table::ALL
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(|| format!("table: unknown table {name}"))
}

/// What a `record_key` case names: the record's table and its identifying fields.
pub(super) enum KeyOf {
    Address { account: Vec<u8>, device: u32 },
    PreKey { table: Table, id: u32 },
    Account { table: Table, account: Vec<u8> },
    Group { group_id: Vec<u8> },
}

/// The operation of one case, chosen by its single top-level key (test-vectors/README.md).
pub(super) enum StoreInput {
    RecordKey(KeyOf),
    StoreSignedPreKey {
        identity_seed: [u8; 32],
        id: u32,
        created_at: u64,
        secret: [u8; 32],
    },
    StoreOneTimePreKey {
        id: u32,
        secret: [u8; 32],
    },
    LoadSignedPreKey(Vec<u8>),
    LoadOneTimePreKey(Vec<u8>),
    FirstOf {
        table: Table,
        incarnation: u64,
    },
    Next {
        table: Table,
        revision: u64,
    },
    Seal {
        storage_key: [u8; 32],
        salt: [u8; 32],
        table: Table,
        record_key: Vec<u8>,
        revision: u64,
        value: Vec<u8>,
    },
    Open {
        storage_key: [u8; 32],
        table: Table,
        record_key: Vec<u8>,
        revision: u64,
        sealed: Vec<u8>,
    },
}

/// The operation keys, in the order the README's table lists them.
const KINDS: [&str; 9] = [
    "record_key",
    "store_signed_prekey",
    "store_one_time_prekey",
    "load_signed_prekey",
    "load_one_time_prekey",
    "first_of",
    "next",
    "seal",
    "open",
];

impl StoreInput {
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let root = Fields::of(value, &[], &KINDS)?;
        let present: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| root.get(k).is_some())
            .collect();
        let kind = match present.as_slice() {
            [kind] => *kind,
            [] => return Err(format!("missing key: one of {}", KINDS.join(", "))),
            more => return Err(format!("more than one operation: {}", more.join(", "))),
        };
        let prefixed = |e: String| format!("{kind}: {e}");
        Ok(match kind {
            "record_key" => {
                let name = root
                    .object(kind, &["table"], &["account", "device", "id", "group_id"])?
                    .str("table")
                    .map_err(prefixed)?;
                let t = table(name).map_err(prefixed)?;
                let key_of = match t {
                    Table::SessionRecords => {
                        let f = root.object(kind, &["table", "account", "device"], &[])?;
                        KeyOf::Address {
                            account: f.bytes("account").map_err(prefixed)?,
                            device: f.u32("device").map_err(prefixed)?,
                        }
                    }
                    Table::SignedPreKeys | Table::OneTimePreKeys | Table::KemPreKeys => {
                        let f = root.object(kind, &["table", "id"], &[])?;
                        KeyOf::PreKey {
                            table: t,
                            id: f.u32("id").map_err(prefixed)?,
                        }
                    }
                    Table::GroupSessions => {
                        let f = root.object(kind, &["table", "group_id"], &[])?;
                        KeyOf::Group {
                            group_id: f.bytes("group_id").map_err(prefixed)?,
                        }
                    }
                    _ => {
                        let f = root.object(kind, &["table", "account"], &[])?;
                        KeyOf::Account {
                            table: t,
                            account: f.bytes("account").map_err(prefixed)?,
                        }
                    }
                };
                Self::RecordKey(key_of)
            }
            "store_signed_prekey" => {
                let f = root.object(kind, &["identity_seed", "id", "created_at", "secret"], &[])?;
                Self::StoreSignedPreKey {
                    identity_seed: f.b32("identity_seed").map_err(prefixed)?,
                    id: f.u32("id").map_err(prefixed)?,
                    created_at: f.u64("created_at").map_err(prefixed)?,
                    secret: f.b32("secret").map_err(prefixed)?,
                }
            }
            "store_one_time_prekey" => {
                let f = root.object(kind, &["id", "secret"], &[])?;
                Self::StoreOneTimePreKey {
                    id: f.u32("id").map_err(prefixed)?,
                    secret: f.b32("secret").map_err(prefixed)?,
                }
            }
            "load_signed_prekey" => Self::LoadSignedPreKey(root.bytes(kind)?),
            "load_one_time_prekey" => Self::LoadOneTimePreKey(root.bytes(kind)?),
            "first_of" => {
                let f = root.object(kind, &["table", "incarnation"], &[])?;
                Self::FirstOf {
                    table: table(f.str("table").map_err(prefixed)?).map_err(prefixed)?,
                    incarnation: f.u64("incarnation").map_err(prefixed)?,
                }
            }
            "next" => {
                let f = root.object(kind, &["table", "revision"], &[])?;
                Self::Next {
                    table: table(f.str("table").map_err(prefixed)?).map_err(prefixed)?,
                    revision: f.u64("revision").map_err(prefixed)?,
                }
            }
            "seal" => {
                let f = root.object(
                    kind,
                    &[
                        "storage_key",
                        "salt",
                        "table",
                        "record_key",
                        "revision",
                        "value",
                    ],
                    &[],
                )?;
                Self::Seal {
                    storage_key: f.b32("storage_key").map_err(prefixed)?,
                    salt: f.b32("salt").map_err(prefixed)?,
                    table: table(f.str("table").map_err(prefixed)?).map_err(prefixed)?,
                    record_key: f.bytes("record_key").map_err(prefixed)?,
                    revision: f.u64("revision").map_err(prefixed)?,
                    value: f.bytes("value").map_err(prefixed)?,
                }
            }
            _ => {
                let f = root.object(
                    kind,
                    &["storage_key", "table", "record_key", "revision", "sealed"],
                    &[],
                )?;
                Self::Open {
                    storage_key: f.b32("storage_key").map_err(prefixed)?,
                    table: table(f.str("table").map_err(prefixed)?).map_err(prefixed)?,
                    record_key: f.bytes("record_key").map_err(prefixed)?,
                    revision: f.u64("revision").map_err(prefixed)?,
                    sealed: f.bytes("sealed").map_err(prefixed)?,
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs

/// An error as the file records it: its name and its SPEC.md 8.1 values (`record` besides
/// those of [`outputs::error`]).
fn error(e: &Error) -> Value {
    let mut out = outputs::error(e);
    if let Error::StoreConflict { record } | Error::SealedRecordInvalid { record } = e {
        out["record"] = json!(record);
    }
    out
}

fn record_key(key_of: &KeyOf) -> Result<(Table, Vec<u8>), Error> {
    Ok(match key_of {
        KeyOf::Address { account, device } => (
            Table::SessionRecords,
            session_record_key(&DeviceAddress::new(
                AccountId::new(account.clone())?,
                DeviceId::new(*device)?,
            )),
        ),
        KeyOf::PreKey { table, id } => (*table, prekey_key(*id)),
        KeyOf::Account { table, account } => {
            (*table, account_key(&AccountId::new(account.clone())?))
        }
        KeyOf::Group { group_id } => (
            Table::GroupSessions,
            group_key(&GroupId::new(group_id.clone())?),
        ),
    })
}

/// A loaded signed prekey's public fields; the pair must re-encode to `stored`.
fn load_signed(stored: &[u8]) -> Result<Value, String> {
    let pair = match SignedPreKeyPair::from_stored(stored) {
        Ok(pair) => pair,
        Err(e) => return Ok(error(&e)),
    };
    if pair.to_stored().as_bytes() != stored {
        return Err("a loaded signed prekey does not re-encode to its stored form".into());
    }
    let public = pair.public();
    Ok(json!({
        "id": public.id().0,
        "created_at": public.created_at().as_unix_seconds(),
        "public_key": h(public.public_key().as_bytes()),
        "signature": h(public.signature()),
    }))
}

/// A loaded one-time prekey's public fields; the pair must re-encode to `stored`.
fn load_one_time(stored: &[u8]) -> Result<Value, String> {
    let pair = match OneTimePreKeyPair::from_stored(stored) {
        Ok(pair) => pair,
        Err(e) => return Ok(error(&e)),
    };
    if pair.to_stored().as_bytes() != stored {
        return Err("a loaded one-time prekey does not re-encode to its stored form".into());
    }
    Ok(json!({
        "id": pair.id().0,
        "public_key": h(pair.public().public_key().as_bytes()),
    }))
}

/// A sealer with `storage_key` whose RNG hands out `salt` (then zeros), with `p`'s AEAD.
fn sealer(storage_key: &[u8; 32], salt: &[u8], p: &'static CryptoProvider) -> Sealer {
    Sealer::new(
        StorageKey::from_bytes(*storage_key),
        FixedRng(salt.to_vec()),
    )
    .with_provider(p)
}

pub(super) fn compute(input: &StoreInput, p: &'static CryptoProvider) -> Result<Value, String> {
    match input {
        StoreInput::RecordKey(key_of) => Ok(match record_key(key_of) {
            Ok((table, key)) => json!({ "record": table.record(), "key": h(key) }),
            Err(e) => error(&e),
        }),
        StoreInput::StoreSignedPreKey {
            identity_seed,
            id,
            created_at,
            secret,
        } => {
            let identity = IdentityKeyPair::from_seed(identity_seed);
            let pair = SignedPreKeyPair::generate(
                &mut FixedRng(secret.to_vec()),
                &identity,
                SignedPreKeyId(*id),
                Timestamp::from_unix_seconds(*created_at),
            );
            let stored = pair.to_stored();
            let stored = stored.as_bytes();
            let (content, sum) = stored.split_at(stored.len().saturating_sub(32));
            if sum != checksum(SIGNED_LABEL, content) {
                return Err("the checksum is not SPEC.md 17.2's".into());
            }
            if load_signed(stored)?.get("error").is_some() {
                return Err("a stored signed prekey does not load".into());
            }
            let public = pair.public();
            Ok(json!({
                "public_key": h(public.public_key().as_bytes()),
                "signature": h(public.signature()),
                "content": h(content),
                "checksum": h(sum),
                "stored": h(stored),
            }))
        }
        StoreInput::StoreOneTimePreKey { id, secret } => {
            let pair =
                OneTimePreKeyPair::generate(&mut FixedRng(secret.to_vec()), OneTimePreKeyId(*id));
            let stored = pair.to_stored();
            let stored = stored.as_bytes();
            let (content, sum) = stored.split_at(stored.len().saturating_sub(32));
            if sum != checksum(ONE_TIME_LABEL, content) {
                return Err("the checksum is not SPEC.md 17.2's".into());
            }
            if load_one_time(stored)?.get("error").is_some() {
                return Err("a stored one-time prekey does not load".into());
            }
            Ok(json!({
                "public_key": h(pair.public().public_key().as_bytes()),
                "content": h(content),
                "checksum": h(sum),
                "stored": h(stored),
            }))
        }
        StoreInput::LoadSignedPreKey(stored) => load_signed(stored),
        StoreInput::LoadOneTimePreKey(stored) => load_one_time(stored),
        StoreInput::FirstOf { table, incarnation } => {
            Ok(match Revision::first_of(*incarnation, table.record()) {
                Ok(r) => json!({ "revision": r.0 }),
                Err(e) => error(&e),
            })
        }
        StoreInput::Next { table, revision } => {
            Ok(match Revision(*revision).next(table.record()) {
                Ok(r) => json!({ "revision": r.0 }),
                Err(e) => error(&e),
            })
        }
        StoreInput::Seal {
            storage_key,
            salt,
            table,
            record_key,
            revision,
            value,
        } => {
            let s = sealer(storage_key, salt, p);
            let sealed =
                sealer_seal(&s, *table, record_key, *revision, value).map_err(|e| e.to_string())?;
            // What hushwire wrote, checked against SPEC.md 17.4 with the raw crates.
            if sealed
                != seal_by_hand(
                    storage_key,
                    salt,
                    table.name(),
                    record_key,
                    *revision,
                    value,
                )
            {
                return Err("the sealed value is not SPEC.md 17.4's".into());
            }
            let opened = sealer_open(&s, *table, record_key, *revision, &sealed)
                .map_err(|e| e.to_string())?;
            if opened.as_slice() != value.as_slice() {
                return Err("the sealed value does not open to its value".into());
            }
            let okm = okm(storage_key, salt);
            Ok(json!({
                "okm": h(okm),
                "aead_key": h(&okm[..32]),
                "aead_nonce": h(&okm[32..]),
                "associated_data": h(associated_data(table.name(), record_key, *revision)),
                "sealed": h(&sealed),
            }))
        }
        StoreInput::Open {
            storage_key,
            table,
            record_key,
            revision,
            sealed,
        } => Ok(
            match sealer_open(
                &sealer(storage_key, &[], p),
                *table,
                record_key,
                *revision,
                sealed,
            ) {
                Ok(value) => json!({ "value": h(value.as_slice()) }),
                Err(e) => error(&e),
            },
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Generated cases

fn rk(table: &str, fields: Value) -> Value {
    let mut arg = fields;
    arg["table"] = json!(table);
    json!({ "record_key": arg })
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::new();

    // 17.1: record keys, one per table, then the bounds of the ids.
    out.push((
        "record key: session record of device 1 of account bob (SPEC.md 17.1's example)",
        rk(
            "session_records",
            json!({ "account": h(b"bob"), "device": 1 }),
        ),
    ));
    out.push((
        "record key: session record, 255-byte account id, largest device id",
        rk(
            "session_records",
            json!({ "account": h([0x61u8; 255]), "device": u32::MAX }),
        ),
    ));
    out.push((
        "record key: signed prekey 1",
        rk("signed_prekeys", json!({ "id": 1 })),
    ));
    out.push((
        "record key: one-time prekey 0x01020304",
        rk("one_time_prekeys", json!({ "id": 0x0102_0304 })),
    ));
    out.push((
        "record key: KEM prekey 1 (SPEC.md 18.6, one id space for both kinds)",
        rk("kem_prekeys", json!({ "id": 1 })),
    ));
    out.push((
        "record key: trust record of account alice@example.org",
        rk(
            "trust_records",
            json!({ "account": h(b"alice@example.org") }),
        ),
    ));
    out.push((
        "record key: device list of account bob",
        rk("device_lists", json!({ "account": h(b"bob") })),
    ));
    out.push((
        "record key: group session of a 16-byte group id",
        rk("group_sessions", json!({ "group_id": h(&seed(40)[..16]) })),
    ));
    out.push((
        "record key: group session of a 64-byte group id",
        rk("group_sessions", json!({ "group_id": h([0x47u8; 64]) })),
    ));
    out.push((
        "record key: an empty account id is refused (12.1)",
        rk("trust_records", json!({ "account": "" })),
    ));
    out.push((
        "record key: a 256-byte account id is refused (12.1)",
        rk(
            "session_records",
            json!({ "account": h([0x61u8; 256]), "device": 1 }),
        ),
    ));
    out.push((
        "record key: device id 0 is refused (14.1)",
        rk(
            "session_records",
            json!({ "account": h(b"bob"), "device": 0 }),
        ),
    ));
    out.push((
        "record key: a 65-byte group id is refused (15.1)",
        rk("group_sessions", json!({ "group_id": h([0x47u8; 65]) })),
    ));

    // 17.2: stored prekeys written.
    let spk = |seed_n: u8, id: u32, created_at: u64, secret: [u8; 32]| {
        json!({ "store_signed_prekey": {
            "identity_seed": h(seed(seed_n)), "id": id, "created_at": created_at, "secret": h(secret),
        } })
    };
    out.push((
        "store signed prekey: id 1, created 2025-06-15",
        spk(1, 1, 1_750_000_000, seed(11)),
    ));
    out.push((
        "store signed prekey: largest id and time",
        spk(3, u32::MAX, u64::MAX, seed(12)),
    ));
    out.push((
        "store one-time prekey: id 7, secret 11 x 32 (SPEC.md 17.2's example)",
        json!({ "store_one_time_prekey": { "id": 7, "secret": h([0x11u8; 32]) } }),
    ));
    out.push((
        "store one-time prekey: id 0",
        json!({ "store_one_time_prekey": { "id": 0, "secret": h(seed(13)) } }),
    ));

    // 17.2: loading, and each refusal.
    let identity = IdentityKeyPair::from_seed(&seed(1));
    let signed = SignedPreKeyPair::generate(
        &mut FixedRng(seed(11).to_vec()),
        &identity,
        SignedPreKeyId(1),
        Timestamp::from_unix_seconds(1_750_000_000),
    )
    .to_stored()
    .as_bytes()
    .to_vec();
    let one_time = OneTimePreKeyPair::generate(&mut FixedRng(vec![0x11; 32]), OneTimePreKeyId(7))
        .to_stored()
        .as_bytes()
        .to_vec();
    let load_s = |bytes: &[u8]| json!({ "load_signed_prekey": h(bytes) });
    let load_o = |bytes: &[u8]| json!({ "load_one_time_prekey": h(bytes) });
    let content_s = &signed[..signed.len() - 32];
    let content_o = &one_time[..one_time.len() - 32];
    // Content edited and the checksum recomputed, so only the edit can refuse it.
    let resum = |label: &[u8], content: &[u8], edit: &dyn Fn(&mut Vec<u8>)| {
        let mut c = content.to_vec();
        edit(&mut c);
        with_checksum(label, &c)
    };
    let flip = |bytes: &[u8], i: usize| {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        b
    };

    out.push(("load signed prekey: genuine", load_s(&signed)));
    out.push((
        "load signed prekey: any signature is taken as stored (the checksum guards it)",
        load_s(&resum(SIGNED_LABEL, content_s, &|c| c[45..109].fill(0xee))),
    ));
    out.push((
        "load signed prekey: an all-zero secret loads (no key check; X25519 clamps it)",
        load_s(&resum(SIGNED_LABEL, content_s, &|c| c[13..45].fill(0))),
    ));
    out.push((
        "load signed prekey: 140 bytes (the last one cut)",
        load_s(&signed[..140]),
    ));
    out.push((
        "load signed prekey: 142 bytes (a trailing zero byte)",
        load_s(&[&signed[..], &[0]].concat()),
    ));
    out.push(("load signed prekey: empty", load_s(&[])));
    out.push((
        "load signed prekey: a byte of the secret changed (checksum mismatch)",
        load_s(&flip(&signed, 20)),
    ));
    out.push((
        "load signed prekey: a byte of the checksum changed",
        load_s(&flip(&signed, 140)),
    ));
    out.push((
        "load signed prekey: version 2, checksum recomputed",
        load_s(&resum(SIGNED_LABEL, content_s, &|c| c[0] = 2)),
    ));
    out.push((
        "load signed prekey: version 0, checksum recomputed",
        load_s(&resum(SIGNED_LABEL, content_s, &|c| c[0] = 0)),
    ));
    out.push((
        "load signed prekey: version 2, checksum not recomputed (the checksum is checked first)",
        load_s(&[&[2u8][..], &signed[1..]].concat()),
    ));
    out.push((
        "load signed prekey: checksum under the one-time prekey label",
        load_s(&with_checksum(ONE_TIME_LABEL, content_s)),
    ));
    out.push((
        "load signed prekey: a stored one-time prekey",
        load_s(&one_time),
    ));
    out.push((
        "load one-time prekey: genuine (SPEC.md 17.2's example)",
        load_o(&one_time),
    ));
    out.push((
        "load one-time prekey: 68 bytes (the last one cut)",
        load_o(&one_time[..68]),
    ));
    out.push((
        "load one-time prekey: 70 bytes (a trailing zero byte)",
        load_o(&[&one_time[..], &[0]].concat()),
    ));
    out.push((
        "load one-time prekey: a byte of the id changed (checksum mismatch)",
        load_o(&flip(&one_time, 4)),
    ));
    out.push((
        "load one-time prekey: version 2, checksum recomputed",
        load_o(&resum(ONE_TIME_LABEL, content_o, &|c| c[0] = 2)),
    ));
    out.push((
        "load one-time prekey: checksum under the signed prekey label",
        load_o(&with_checksum(SIGNED_LABEL, content_o)),
    ));
    out.push((
        "load one-time prekey: a stored signed prekey",
        load_o(&signed),
    ));

    // 17.3 rule 1: revisions.
    let first = |incarnation: u64| json!({ "first_of": { "table": "session_records", "incarnation": incarnation } });
    let next = |t: &str, revision: u64| json!({ "next": { "table": t, "revision": revision } });
    out.push(("first revision of incarnation 1", first(1)));
    out.push(("first revision of incarnation 2", first(2)));
    out.push((
        "first revision of incarnation 2^31 - 1, the last",
        first((1 << 31) - 1),
    ));
    out.push(("incarnation 2^31 is refused", first(1 << 31)));
    out.push(("incarnation 2^32 is refused", first(1 << 32)));
    out.push((
        "next revision after c = 1's first",
        next("session_records", (1 << 32) + 1),
    ));
    out.push((
        "next revision: the last write of incarnation 3",
        next("trust_records", (3 << 32) + 0xffff_fffe),
    ));
    out.push((
        "next revision: incarnation 3 takes no more writes",
        next("trust_records", (3 << 32) + 0xffff_ffff),
    ));
    out.push((
        "next revision: the largest revision, 2^63 - 1, takes no more writes",
        next("group_sessions", (1 << 63) - 1),
    ));

    // 17.4: sealing.
    let example_key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let bob_1 = hex::decode("03626f6200000001").unwrap();
    let bob_2 = hex::decode("03626f6200000002").unwrap();
    let seal = |storage_key: [u8; 32],
                salt: [u8; 32],
                t: &str,
                key: &[u8],
                revision: u64,
                value: &[u8]| {
        json!({ "seal": {
            "storage_key": h(storage_key), "salt": h(salt), "table": t, "record_key": h(key),
            "revision": revision, "value": h(value),
        } })
    };
    out.push((
        "seal: SPEC.md 17.4's example",
        seal(
            example_key,
            [0xa5; 32],
            "session_records",
            &bob_1,
            2,
            b"stored session record",
        ),
    ));
    out.push((
        "seal: a signed prekey (revision 1)",
        seal(
            seed(50),
            seed(51),
            "signed_prekeys",
            &[0, 0, 0, 1],
            1,
            &signed,
        ),
    ));
    out.push((
        "seal: a one-time prekey (revision 1)",
        seal(
            seed(50),
            seed(52),
            "one_time_prekeys",
            &[0, 0, 0, 7],
            1,
            &one_time,
        ),
    ));
    out.push((
        "seal: a trust record's first write (incarnation 1)",
        seal(
            seed(50),
            seed(53),
            "trust_records",
            b"\x03bob",
            (1 << 32) + 1,
            b"trust record",
        ),
    ));
    out.push((
        "seal: a device list",
        seal(
            seed(50),
            seed(54),
            "device_lists",
            b"\x03bob",
            (2 << 32) + 5,
            b"device list",
        ),
    ));
    out.push((
        "seal: an empty value at the largest revision",
        seal(
            seed(50),
            seed(55),
            "group_sessions",
            &[&[16u8][..], &seed(40)[..16]].concat(),
            (1 << 63) - 1,
            b"",
        ),
    ));

    // 17.4: opening the example, and each way it fails.
    let sealed = seal_by_hand(
        &example_key,
        &[0xa5; 32],
        "session_records",
        &bob_1,
        2,
        b"stored session record",
    );
    let open = |storage_key: [u8; 32], t: &str, key: &[u8], revision: u64, bytes: &[u8]| {
        json!({ "open": {
            "storage_key": h(storage_key), "table": t, "record_key": h(key),
            "revision": revision, "sealed": h(bytes),
        } })
    };
    let open_ex = |bytes: &[u8]| open(example_key, "session_records", &bob_1, 2, bytes);
    out.push(("open: the example where it was written", open_ex(&sealed)));
    let mut other_key = example_key;
    other_key[31] ^= 0x01;
    out.push((
        "open: another storage key",
        open(other_key, "session_records", &bob_1, 2, &sealed),
    ));
    out.push((
        "open: another table (group_sessions)",
        open(example_key, "group_sessions", &bob_1, 2, &sealed),
    ));
    out.push((
        "open: another record key (device 2 of bob)",
        open(example_key, "session_records", &bob_2, 2, &sealed),
    ));
    out.push((
        "open: an older revision (1)",
        open(example_key, "session_records", &bob_1, 1, &sealed),
    ));
    out.push((
        "open: a newer revision (3)",
        open(example_key, "session_records", &bob_1, 3, &sealed),
    ));
    out.push((
        "open: the same count in another incarnation (2^32 + 2)",
        open(
            example_key,
            "session_records",
            &bob_1,
            (1 << 32) + 2,
            &sealed,
        ),
    ));
    out.push((
        "open: the last byte cut",
        open_ex(&sealed[..sealed.len() - 1]),
    ));
    out.push(("open: 48 bytes", open_ex(&sealed[..48])));
    out.push(("open: the version byte alone", open_ex(&sealed[..1])));
    out.push(("open: empty", open_ex(&[])));
    out.push((
        "open: a trailing zero byte",
        open_ex(&[&sealed[..], &[0]].concat()),
    ));
    out.push((
        "open: the tag's last byte changed",
        open_ex(&flip(&sealed, sealed.len() - 1)),
    ));
    out.push((
        "open: a ciphertext byte changed",
        open_ex(&flip(&sealed, 33)),
    ));
    out.push(("open: a salt byte changed", open_ex(&flip(&sealed, 1))));
    out.push((
        "open: version byte 2",
        open_ex(&[&[2u8][..], &sealed[1..]].concat()),
    ));
    out.push((
        "open: version byte 0",
        open_ex(&[&[0u8][..], &sealed[1..]].concat()),
    ));
    let empty = seal_by_hand(
        &seed(50),
        &seed(55),
        "group_sessions",
        &[&[16u8][..], &seed(40)[..16]].concat(),
        (1 << 63) - 1,
        b"",
    );
    out.push((
        "open: a sealed empty value (49 bytes)",
        open(
            seed(50),
            "group_sessions",
            &[&[16u8][..], &seed(40)[..16]].concat(),
            (1 << 63) - 1,
            &empty,
        ),
    ));
    out.push((
        "seal: a KEM prekey row (revision 1; a short stand-in for the 3278-byte stored form)",
        seal(
            seed(50),
            seed(55),
            "kem_prekeys",
            &[0, 0, 0, 1],
            1,
            b"stored KEM prekey",
        ),
    ));
    out.push((
        "open: a one-time prekey's value moved into the KEM prekey table",
        open(
            seed(50),
            "kem_prekeys",
            &[0, 0, 0, 7],
            1,
            &seal_by_hand(
                &seed(50),
                &seed(52),
                "one_time_prekeys",
                &[0, 0, 0, 7],
                1,
                &one_time,
            ),
        ),
    ));
    out.push((
        "open: a one-time prekey's value under another id",
        open(
            seed(50),
            "one_time_prekeys",
            &[0, 0, 0, 8],
            1,
            &seal_by_hand(
                &seed(50),
                &seed(52),
                "one_time_prekeys",
                &[0, 0, 0, 7],
                1,
                &one_time,
            ),
        ),
    ));
    out
}
