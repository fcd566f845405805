//! pqxdh.json: the post-quantum hybrid set-up (SPEC.md 18): ML-KEM-1024 through hushwire's
//! wrapper, KEM prekey signatures, the hybrid SK by both sides, bundles with a KEM prekey,
//! hybrid first messages in whole transcripts, and the stored KEM prekey form.
//!
//! Every case's input holds one operation, `{ "<op>": { … } }`; its output is the result, or
//! `{ "error": kind, … }` with the error's SPEC.md 8.1 values.

use super::json::{Fields, h};
use super::rngs::{FixedRng, RecordingRng};
use super::{pb, seed};
use hushwire::{
    Config, Envelope, Error, IdentityKeyPair, InMemoryPreKeyStore, KemPreKeyId, KemPreKeyKind,
    KemPreKeyPair, OneTimePreKeyId, OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, Session,
    SignedPreKeyId, SignedPreKeyPair, Timestamp, hazmat,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

/// The decoder's limit of the bundle cases.
const MAX_ENCODED_LEN: usize = 2 * 1024 * 1024;

/// Wycheproof `mlkem_1024_keygen_seed_test.json` tcId 1 (`d || z`): keygen case 1 is that
/// test, and encapsulation case 1 is `mlkem_1024_encaps_test.json` tcId 18 (the same `ek`).
const WYCHEPROOF_SEED: &str = "7c9935a0b07694aa0c6d10e4db6b1add2fd81a25ccb148032dcd739936737f2d8626ed79d451140800e03b59b956f8210e556067407d13dc90fa9e8b872bfb8f";
/// `m` of Wycheproof `mlkem_1024_encaps_test.json` tcId 18.
const WYCHEPROOF_M: &str = "147c03f7a5bebba406c8fae1874d7f13c80efe79a3a9a874cc09fe76f6997615";

/// The 64-byte seed number `n`: `seed(n) || seed(n + 100)`.
fn seed64(n: u8) -> [u8; 64] {
    let mut s = [0u8; 64];
    s[..32].copy_from_slice(&seed(n));
    s[32..].copy_from_slice(&seed(n.wrapping_add(100)));
    s
}

/// `ek` with its first coefficient set to 4095 (≥ q = 3329): fails the modulus check.
fn modulus_failure(ek: &[u8]) -> Vec<u8> {
    let mut bad = ek.to_vec();
    bad[0] = 0xff;
    bad[1] |= 0x0f;
    bad
}

/// The KEM prekey signed message (SPEC.md 18.1), from hazmat's body via the signed-prekey
/// label swapped in: `u8(len(label)) || label || body`.
fn labelled(label: &[u8], body: &[u8]) -> Vec<u8> {
    [&[label.len() as u8][..], label, body].concat()
}

/// The 1581-byte body of SPEC.md 18.1.
fn kem_body(id: u32, created_at: u64, last_resort: bool, ek: &[u8]) -> Vec<u8> {
    [
        &id.to_be_bytes()[..],
        &created_at.to_be_bytes(),
        &[if last_resort { 1 } else { 2 }],
        ek,
    ]
    .concat()
}

/// `content || SHA-256(0x1d || "hushwire/v1/stored-kem-prekey" || content)` (SPEC.md 18.6).
fn rechecksummed(stored: &[u8]) -> Vec<u8> {
    super::outputs::with_checksum(
        b"hushwire/v1/stored-kem-prekey",
        stored[..stored.len() - 32].to_vec(),
    )
}

/// The prost form of the hybrid bundle of identity `seed(81)`: signed prekey 7 (created
/// 1700000000, secret `seed(82)`), one-time prekey 3 (`seed(83)`) if `otk`, and KEM prekey 5
/// (last resort, created 1700000000, from `seed64(84)`).
fn bundle(otk: bool) -> pb::PreKeyBundle {
    let p = &hushwire::provider::RUST_CRYPTO;
    let spk = hazmat::x25519_public_key(p, &seed(82));
    let (ek, _) = hazmat::ml_kem_keygen(&seed64(84));
    pb::PreKeyBundle {
        version: 1,
        identity_key: IdentityKeyPair::from_seed(&seed(81))
            .public_key()
            .to_bytes()
            .to_vec(),
        signed_prekey: Some(pb::SignedPreKey {
            id: 7,
            created_at: 1_700_000_000,
            public_key: spk.to_vec(),
            signature: hazmat::sign_signed_prekey(&seed(81), 7, 1_700_000_000, &spk).to_vec(),
        }),
        one_time_prekey: otk.then(|| pb::OneTimePreKey {
            id: 3,
            public_key: hazmat::x25519_public_key(p, &seed(83)).to_vec(),
        }),
        business_certificate: None,
        kem_prekey: Some(pb::KemPreKey {
            id: 5,
            created_at: 1_700_000_000,
            last_resort: true,
            signature: hazmat::sign_kem_prekey(&seed(81), 5, true, 1_700_000_000, &ek)
                .unwrap()
                .to_vec(),
            public_key: ek,
        }),
    }
}

fn kem(b: &mut pb::PreKeyBundle) -> &mut pb::KemPreKey {
    b.kem_prekey.as_mut().unwrap()
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    let wseed: [u8; 64] = hex::decode(WYCHEPROOF_SEED).unwrap().try_into().unwrap();
    let wm: [u8; 32] = hex::decode(WYCHEPROOF_M).unwrap().try_into().unwrap();

    // 1. ML-KEM-1024 through the wrapper (SPEC.md 18.2).
    let (ek1, dk1) = hazmat::ml_kem_keygen(&wseed);
    let (ek2, dk2) = hazmat::ml_kem_keygen(&seed64(31));
    out.push((
        "keygen: Wycheproof mlkem_1024_keygen_seed tcId 1",
        json!({ "keygen": { "seed": h(wseed) } }),
    ));
    out.push((
        "keygen: seed(31) || seed(131)",
        json!({ "keygen": { "seed": h(seed64(31)) } }),
    ));
    let encapsulate = |ek: &[u8], m: &[u8]| json!({ "encapsulate": { "ek": h(ek), "m": h(m) } });
    let decapsulate =
        |dk: &[u8], ct: &[u8]| json!({ "decapsulate": { "dk": h(dk), "ciphertext": h(ct) } });
    out.push((
        "encapsulate: to keygen case 1's ek, m of Wycheproof mlkem_1024_encaps tcId 18",
        encapsulate(&ek1, &wm),
    ));
    out.push((
        "encapsulate: to keygen case 2's ek, m = seed(32)",
        encapsulate(&ek2, &seed(32)),
    ));
    let (ct2, _) = hazmat::ml_kem_encapsulate(&ek2, &seed(32)).unwrap();
    out.push((
        "decapsulate: encapsulation case 2's ciphertext with keygen case 2's dk",
        decapsulate(&dk2, &ct2),
    ));
    let mut ct2_flipped = ct2.clone();
    ct2_flipped[100] ^= 1;
    out.push((
        "decapsulate: one bit of that ciphertext flipped (implicit rejection: J(z || c), no error)",
        decapsulate(&dk2, &ct2_flipped),
    ));
    out.push((
        "decapsulate: keygen case 1's dk with case 2's ciphertext (made for another key: implicit rejection)",
        decapsulate(&dk1, &ct2),
    ));
    out.push((
        "encapsulate: ek of 1567 bytes",
        encapsulate(&ek2[..1567], &seed(32)),
    ));
    out.push((
        "encapsulate: ek of 1569 bytes",
        encapsulate(&[&ek2[..], &[0]].concat(), &seed(32)),
    ));
    out.push((
        "encapsulate: ek whose first coefficient is 4095 (modulus check)",
        encapsulate(&modulus_failure(&ek2), &seed(32)),
    ));
    out.push((
        "decapsulate: ciphertext of 1567 bytes",
        decapsulate(&dk2, &ct2[..1567]),
    ));
    let mut dk_bad_hash = dk2.to_vec();
    dk_bad_hash[3104] ^= 1;
    out.push((
        "decapsulate: dk whose H(ek) (bytes 3104..3136) has one bit flipped (hash check)",
        decapsulate(&dk_bad_hash, &ct2),
    ));
    out.push((
        "decapsulate: dk of 3167 bytes",
        decapsulate(&dk2[..3167], &ct2),
    ));

    // 2. KEM prekey signatures (SPEC.md 18.1) and their verification (hazmat::verify_kem_prekey).
    let sign = |seed_n: u8, id: u32, last_resort: bool, created_at: u64, ek: &[u8]| json!({ "sign": { "identity_seed": h(seed(seed_n)), "id": id, "last_resort": last_resort, "created_at": created_at, "ek": h(ek) } });
    out.push((
        "sign: last resort, id 1, created 2025-06-15, keygen case 2's ek",
        sign(1, 1, true, 1_750_000_000, &ek2),
    ));
    out.push((
        "sign: one-time, largest id and time, keygen case 1's ek",
        sign(2, u32::MAX, false, u64::MAX, &ek1),
    ));
    let identity = IdentityKeyPair::from_seed(&seed(1)).public_key().to_bytes();
    let good = hazmat::sign_kem_prekey(&seed(1), 1, true, 1_750_000_000, &ek2).unwrap();
    let verify = |identity_key: &[u8], id: u32, last_resort: bool, ek: &[u8], signature: &[u8]| json!({ "verify": { "identity_key": h(identity_key), "id": id, "last_resort": last_resort, "created_at": 1_750_000_000u64, "ek": h(ek), "signature": h(signature) } });
    let mut flipped = good;
    flipped[10] ^= 1;
    let as_signed_prekey = {
        use ed25519_dalek::Signer;
        ed25519_dalek::SigningKey::from_bytes(&seed(1))
            .sign(&labelled(
                b"hushwire/v1/sig/signed-prekey",
                &kem_body(1, 1_750_000_000, true, &ek2),
            ))
            .to_bytes()
    };
    let other = IdentityKeyPair::from_seed(&seed(9)).public_key().to_bytes();
    let low_order_identity: Vec<u8> = [1u8].into_iter().chain([0u8; 31]).collect();
    out.push((
        "verify: sign case 1's genuine signature",
        verify(&identity, 1, true, &ek2, &good),
    ));
    out.push((
        "verify: identity key of 31 bytes (wins over a bad ek and a short signature)",
        verify(&identity[..31], 1, true, &ek2[..1567], &good[..63]),
    ));
    out.push((
        "verify: identity key of small order (wins over a bad ek)",
        verify(&low_order_identity, 1, true, &modulus_failure(&ek2), &good),
    ));
    out.push((
        "verify: ek of 1567 bytes (wins over a short signature)",
        verify(&identity, 1, true, &ek2[..1567], &good[..63]),
    ));
    out.push((
        "verify: ek failing the modulus check (wins over a short signature)",
        verify(&identity, 1, true, &modulus_failure(&ek2), &good[..63]),
    ));
    out.push((
        "verify: signature of 63 bytes",
        verify(&identity, 1, true, &ek2, &good[..63]),
    ));
    out.push((
        "verify: one bit of the signature flipped",
        verify(&identity, 1, true, &ek2, &flipped),
    ));
    out.push((
        "verify: another identity's key",
        verify(&other, 1, true, &ek2, &good),
    ));
    out.push((
        "verify: the same body signed under the signed-prekey label (3.2 contexts)",
        verify(&identity, 1, true, &ek2, &as_signed_prekey),
    ));
    out.push((
        "verify: kind flipped to one-time (the kind is signed)",
        verify(&identity, 1, false, &ek2, &good),
    ));
    out.push((
        "verify: signed id changed",
        verify(&identity, 2, true, &ek2, &good),
    ));

    // 3. The hybrid SK by both sides (SPEC.md 18.3).
    out.push((
        "agree: with a one-time prekey",
        json!({ "agree": {
            "alice_seed": h(seed(1)), "alice_base_secret": h(seed(21)), "m": h(seed(41)),
            "bob_seed": h(seed(2)), "bob_signed_prekey_secret": h(seed(22)), "bob_one_time_prekey_secret": h(seed(23)),
            "bob_kem_seed": h(seed64(31)),
        }}),
    ));
    out.push((
        "agree: without a one-time prekey",
        json!({ "agree": {
            "alice_seed": h(seed(3)), "alice_base_secret": h(seed(24)), "m": h(seed(42)),
            "bob_seed": h(seed(4)), "bob_signed_prekey_secret": h(seed(25)), "bob_one_time_prekey_secret": null,
            "bob_kem_seed": h(seed64(31)),
        }}),
    ));

    // 4. Bundles with a KEM prekey (SPEC.md 4.2 step 7c and 8, 18.7).
    out.push((
        "bundle: an owner's hybrid bundle with a one-time prekey",
        json!({ "bundle": {
            "identity_seed": h(seed(81)),
            "signed_prekey": { "id": 7, "created_at": 1_700_000_000u64, "secret": h(seed(82)) },
            "one_time_prekey": { "id": 3, "secret": h(seed(83)) },
            "kem_prekey": { "id": 5, "created_at": 1_700_000_000u64, "last_resort": true, "seed": h(seed64(84)) },
        }}),
    ));
    out.push((
        "bundle: without a one-time prekey, a one-time KEM prekey with id 0 and time 0",
        json!({ "bundle": {
            "identity_seed": h(seed(81)),
            "signed_prekey": { "id": 7, "created_at": 1_700_000_000u64, "secret": h(seed(82)) },
            "one_time_prekey": null,
            "kem_prekey": { "id": 0, "created_at": 0, "last_resort": false, "seed": h(seed64(85)) },
        }}),
    ));
    let decode = |b: &[u8]| json!({ "decode_bundle": { "bytes": h(b), "max_encoded_len": MAX_ENCODED_LEN } });
    let edited = |otk: bool, edit: &dyn Fn(&mut pb::PreKeyBundle)| {
        let mut b = bundle(otk);
        edit(&mut b);
        decode(&prost::Message::encode_to_vec(&b))
    };
    out.push(("decode_bundle: bundle case 1", edited(true, &|_| {})));
    out.push((
        "decode_bundle: KEM prekey public key of 1567 bytes",
        edited(false, &|b| kem(b).public_key.truncate(1567)),
    ));
    out.push((
        "decode_bundle: KEM prekey public key failing the modulus check",
        edited(false, &|b| {
            kem(b).public_key = modulus_failure(&kem(b).public_key);
        }),
    ));
    out.push((
        "decode_bundle: KEM prekey signature of 63 bytes",
        edited(false, &|b| kem(b).signature.truncate(63)),
    ));
    out.push((
        "decode_bundle: one bit of the KEM prekey signature flipped",
        edited(false, &|b| kem(b).signature[7] ^= 1),
    ));
    out.push((
        "decode_bundle: KEM prekey signed by another identity",
        edited(false, &|b| {
            kem(b).signature =
                hazmat::sign_kem_prekey(&seed(9), 5, true, 1_700_000_000, &kem(b).public_key)
                    .unwrap()
                    .to_vec();
        }),
    ));
    out.push((
        "decode_bundle: kind flipped to one-time (last_resort false)",
        edited(false, &|b| kem(b).last_resort = false),
    ));
    out.push((
        "decode_bundle: a low-order one-time prekey (step 7) wins over a bad KEM key (7c)",
        edited(true, &|b| {
            b.one_time_prekey.as_mut().unwrap().public_key = vec![0; 32];
            kem(b).public_key.truncate(1567);
        }),
    ));
    out.push((
        "decode_bundle: a bad KEM signature length (7c) wins over a bad signed prekey signature (8)",
        edited(false, &|b| {
            b.signed_prekey.as_mut().unwrap().signature[0] ^= 1;
            kem(b).signature.push(0);
        }),
    ));
    out.push((
        "decode_bundle: a bad signed prekey signature and a genuine KEM prekey",
        edited(false, &|b| {
            b.signed_prekey.as_mut().unwrap().signature[0] ^= 1
        }),
    ));

    // 5. Hybrid transcripts (SPEC.md 18.3-18.5).
    let (other_ek, _) = hazmat::ml_kem_keygen(&seed64(90));
    let (other_ct, _) = hazmat::ml_kem_encapsulate(&other_ek, &seed(91)).unwrap();
    out.push((
        "transcript: last-resort KEM prekey, no one-time prekey; edited first messages refused (PostQuantumRequired, UnknownKemPreKey, DecryptionFailed, InvalidLength), the genuine one accepted, its replay refused (KemPreKeyReused), edited repeats refused by Bob's session (PreKeyMessageMismatch), a reply, and a new initiation accepted with the same last-resort key",
        json!({ "transcript": {
            "alice_rng_seed": h(seed(60)), "bob_rng_seed": h(seed(61)), "one_time_prekey": false, "kem_last_resort": true,
            "script": [
                { "op": "send", "from": "alice", "text": "hello Bob" },
                { "op": "send", "from": "alice", "text": "are you there?" },
                { "op": "edit", "envelope": 1, "kem": null },
                { "op": "edit", "envelope": 1, "kem": { "prekey_id": 9 } },
                { "op": "edit", "envelope": 1, "kem": { "ciphertext": h(&other_ct) } },
                { "op": "edit", "envelope": 1, "kem": { "ciphertext": h(&other_ct[..1567]) } },
                { "op": "deliver", "envelope": 3 },
                { "op": "deliver", "envelope": 4 },
                { "op": "deliver", "envelope": 5 },
                { "op": "deliver", "envelope": 6 },
                { "op": "deliver", "envelope": 1 },
                { "op": "accept", "envelope": 1 },
                { "op": "deliver", "envelope": 5 },
                { "op": "deliver", "envelope": 3 },
                { "op": "deliver", "envelope": 2 },
                { "op": "send", "from": "bob", "text": "yes" },
                { "op": "deliver", "envelope": 7 },
                { "op": "send", "from": "alice", "text": "lunch?" },
                { "op": "deliver", "envelope": 8 },
                { "op": "initiate" },
                { "op": "send", "from": "alice", "text": "hello again" },
                { "op": "deliver", "envelope": 9 },
                { "op": "accept", "envelope": 9 }
            ],
        }}),
    ));
    out.push((
        "transcript: one-time KEM prekey, no one-time prekey: the first message accepted, its replay refused (KemPreKeyConsumed)",
        json!({ "transcript": {
            "alice_rng_seed": h(seed(62)), "bob_rng_seed": h(seed(63)), "one_time_prekey": false, "kem_last_resort": false,
            "script": [
                { "op": "send", "from": "alice", "text": "hello" },
                { "op": "deliver", "envelope": 1 },
                { "op": "accept", "envelope": 1 },
                { "op": "send", "from": "bob", "text": "hi" },
                { "op": "deliver", "envelope": 2 }
            ],
        }}),
    ));
    out.push((
        "transcript: one-time prekey and one-time KEM prekey: the replay is refused at step 2 (OneTimePreKeyConsumed) before 2b",
        json!({ "transcript": {
            "alice_rng_seed": h(seed(64)), "bob_rng_seed": h(seed(65)), "one_time_prekey": true, "kem_last_resort": false,
            "script": [
                { "op": "send", "from": "alice", "text": "hello" },
                { "op": "deliver", "envelope": 1 },
                { "op": "accept", "envelope": 1 }
            ],
        }}),
    ));

    // 6. The stored KEM prekey form (SPEC.md 18.6).
    let store = |last_resort: bool, n: u8| json!({ "store_kem_prekey": { "identity_seed": h(seed(1)), "id": 4, "created_at": 1_750_000_000u64, "last_resort": last_resort, "seed": h(seed64(n)) } });
    out.push((
        "store_kem_prekey: last resort, id 4, keygen case 2's key",
        store(true, 31),
    ));
    let pair = KemPreKeyPair::generate(
        &mut FixedRng(seed64(31).to_vec()),
        &IdentityKeyPair::from_seed(&seed(1)),
        KemPreKeyId(4),
        KemPreKeyKind::LastResort,
        Timestamp::from_unix_seconds(1_750_000_000),
    );
    let stored = pair.to_stored().as_bytes().to_vec();
    let load = |b: &[u8]| json!({ "load_kem_prekey": h(b) });
    let with = |edit: &dyn Fn(&mut Vec<u8>), fix: bool| {
        let mut b = stored.clone();
        edit(&mut b);
        if fix {
            b = rechecksummed(&b);
        }
        load(&b)
    };
    out.push(("load_kem_prekey: store case 1", load(&stored)));
    out.push((
        "load_kem_prekey: kind byte 2 (one-time; checksum recomputed)",
        with(&|b| b[13] = 2, true),
    ));
    out.push((
        "load_kem_prekey: 3277 bytes",
        load(&stored[..stored.len() - 1]),
    ));
    out.push((
        "load_kem_prekey: one bit of the checksum flipped",
        with(&|b| *b.last_mut().unwrap() ^= 1, false),
    ));
    out.push((
        "load_kem_prekey: version byte 2 and kind byte 3 (checksum recomputed; the version wins)",
        with(
            &|b| {
                b[0] = 2;
                b[13] = 3;
            },
            true,
        ),
    ));
    out.push((
        "load_kem_prekey: kind byte 0 (checksum recomputed)",
        with(&|b| b[13] = 0, true),
    ));
    out.push((
        "load_kem_prekey: dk's H(ek) with one bit flipped (checksum recomputed)",
        with(&|b| b[14 + 3104] ^= 1, true),
    ));
    out
}

/// An error as this file records it: its name and its SPEC.md 8.1 values.
fn error(e: &Error) -> Value {
    match e {
        Error::UnknownKemPreKey { id }
        | Error::KemPreKeyConsumed { id }
        | Error::KemPreKeyReused { id } => json!({ "error": e.kind(), "id": id }),
        _ => super::outputs::error(e),
    }
}

/// `result`'s output, or its error as [`error`] records it.
fn or_error(result: Result<Value, Error>) -> Value {
    result.unwrap_or_else(|e| error(&e))
}

/// One step of a transcript's script (the ops of transcript.json, and `edit`).
pub(super) enum Op {
    /// `{ "op": "send", "from", "text" }`.
    Send { alice: bool, text: String },
    /// `{ "op": "deliver", "envelope" }`: to Bob's session, or `accept_with_store` if he has
    /// none; to Alice's session.
    Deliver { envelope: usize },
    /// `{ "op": "accept", "envelope" }`: Bob's `accept_with_store`, whether or not he has a
    /// session; a success replaces it.
    Accept { envelope: usize },
    /// `{ "op": "initiate" }`: Alice starts a new session from the same bundle.
    Initiate,
    /// `{ "op": "edit", "envelope", "kem" }`: a copy of Alice's PreKeyMessage envelope with its
    /// `kem` field removed (`null`) or with `prekey_id` and/or `ciphertext` replaced, appended
    /// to the envelopes as if Alice had sent it.
    Edit {
        envelope: usize,
        kem: Option<(Option<u32>, Option<Vec<u8>>)>,
    },
}

impl Op {
    fn from_json(value: &Value) -> Result<Self, String> {
        let envelope = |fields: &Fields<'_>| fields.usize("envelope");
        match Fields::of(value, &["op"], &["from", "text", "envelope", "kem"])?.str("op")? {
            "send" => {
                let fields = Fields::of(value, &["op", "from", "text"], &[])?;
                let alice = match fields.str("from")? {
                    "alice" => true,
                    "bob" => false,
                    other => return Err(format!("unknown party {other}")),
                };
                Ok(Self::Send {
                    alice,
                    text: fields.str("text")?.to_string(),
                })
            }
            "deliver" => Ok(Self::Deliver {
                envelope: envelope(&Fields::of(value, &["op", "envelope"], &[])?)?,
            }),
            "accept" => Ok(Self::Accept {
                envelope: envelope(&Fields::of(value, &["op", "envelope"], &[])?)?,
            }),
            "initiate" => {
                Fields::of(value, &["op"], &[])?;
                Ok(Self::Initiate)
            }
            "edit" => {
                let fields = Fields::of(value, &["op", "envelope", "kem"], &[])?;
                let kem = match fields.value("kem")? {
                    Value::Null => None,
                    _ => {
                        let kem = fields.object("kem", &[], &["prekey_id", "ciphertext"])?;
                        let id = match kem.get("prekey_id") {
                            Some(_) => Some(kem.u32("prekey_id")?),
                            None => None,
                        };
                        let ct = match kem.get("ciphertext") {
                            Some(_) => Some(kem.bytes("ciphertext")?),
                            None => None,
                        };
                        Some((id, ct))
                    }
                };
                Ok(Self::Edit {
                    envelope: envelope(&fields)?,
                    kem,
                })
            }
            _ => Err("unknown op".into()),
        }
    }
}

/// One case's input.
pub(super) enum PqxdhInput {
    Keygen {
        seed: [u8; 64],
    },
    Encapsulate {
        ek: Vec<u8>,
        m: [u8; 32],
    },
    Decapsulate {
        dk: Vec<u8>,
        ciphertext: Vec<u8>,
    },
    Sign {
        identity_seed: [u8; 32],
        id: u32,
        last_resort: bool,
        created_at: u64,
        ek: Vec<u8>,
    },
    Verify {
        identity_key: Vec<u8>,
        id: u32,
        last_resort: bool,
        created_at: u64,
        ek: Vec<u8>,
        signature: Vec<u8>,
    },
    Agree {
        alice_seed: [u8; 32],
        alice_base_secret: [u8; 32],
        m: [u8; 32],
        bob_seed: [u8; 32],
        bob_signed_prekey_secret: [u8; 32],
        bob_one_time_prekey_secret: Option<[u8; 32]>,
        bob_kem_seed: [u8; 64],
    },
    Bundle {
        identity_seed: [u8; 32],
        signed_prekey: (u32, u64, [u8; 32]),
        one_time_prekey: Option<(u32, [u8; 32])>,
        kem_prekey: (u32, u64, bool, [u8; 64]),
    },
    DecodeBundle {
        bytes: Vec<u8>,
        max_encoded_len: usize,
    },
    Transcript {
        alice_rng_seed: [u8; 32],
        bob_rng_seed: [u8; 32],
        one_time_prekey: bool,
        kem_last_resort: bool,
        script: Vec<Op>,
    },
    StoreKemPreKey {
        identity_seed: [u8; 32],
        id: u32,
        created_at: u64,
        last_resort: bool,
        seed: [u8; 64],
    },
    LoadKemPreKey(Vec<u8>),
}

/// The 64 bytes of the hex string `key`.
fn b64(fields: &Fields<'_>, key: &str) -> Result<[u8; 64], String> {
    fields
        .bytes(key)?
        .try_into()
        .map_err(|_| format!("{key}: expected 64 bytes"))
}

const OPS: [&str; 11] = [
    "keygen",
    "encapsulate",
    "decapsulate",
    "sign",
    "verify",
    "agree",
    "bundle",
    "decode_bundle",
    "transcript",
    "store_kem_prekey",
    "load_kem_prekey",
];

impl PqxdhInput {
    /// Reads a case's `input`, refusing unknown and missing keys (nested ones too).
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let top = Fields::of(value, &[], &OPS)?;
        let present: Vec<&str> = OPS
            .iter()
            .copied()
            .filter(|op| top.get(op).is_some())
            .collect();
        let op = match present.as_slice() {
            [op] => *op,
            [] => return Err(format!("missing key (one of {})", OPS.join(", "))),
            _ => return Err(format!("more than one operation: {}", present.join(", "))),
        };
        let obj = |required: &[&str]| top.object(op, required, &[]);
        let prefixed = |e: String| format!("{op}: {e}");
        (|| -> Result<Self, String> {
            Ok(match op {
                "keygen" => Self::Keygen {
                    seed: b64(&obj(&["seed"])?, "seed")?,
                },
                "encapsulate" => {
                    let f = obj(&["ek", "m"])?;
                    Self::Encapsulate {
                        ek: f.bytes("ek")?,
                        m: f.b32("m")?,
                    }
                }
                "decapsulate" => {
                    let f = obj(&["dk", "ciphertext"])?;
                    Self::Decapsulate {
                        dk: f.bytes("dk")?,
                        ciphertext: f.bytes("ciphertext")?,
                    }
                }
                "sign" => {
                    let f = obj(&["identity_seed", "id", "last_resort", "created_at", "ek"])?;
                    Self::Sign {
                        identity_seed: f.b32("identity_seed")?,
                        id: f.u32("id")?,
                        last_resort: f.bool("last_resort")?,
                        created_at: f.u64("created_at")?,
                        ek: f.bytes("ek")?,
                    }
                }
                "verify" => {
                    let f = obj(&[
                        "identity_key",
                        "id",
                        "last_resort",
                        "created_at",
                        "ek",
                        "signature",
                    ])?;
                    Self::Verify {
                        identity_key: f.bytes("identity_key")?,
                        id: f.u32("id")?,
                        last_resort: f.bool("last_resort")?,
                        created_at: f.u64("created_at")?,
                        ek: f.bytes("ek")?,
                        signature: f.bytes("signature")?,
                    }
                }
                "agree" => {
                    let f = obj(&[
                        "alice_seed",
                        "alice_base_secret",
                        "m",
                        "bob_seed",
                        "bob_signed_prekey_secret",
                        "bob_one_time_prekey_secret",
                        "bob_kem_seed",
                    ])?;
                    Self::Agree {
                        alice_seed: f.b32("alice_seed")?,
                        alice_base_secret: f.b32("alice_base_secret")?,
                        m: f.b32("m")?,
                        bob_seed: f.b32("bob_seed")?,
                        bob_signed_prekey_secret: f.b32("bob_signed_prekey_secret")?,
                        bob_one_time_prekey_secret: match f.value("bob_one_time_prekey_secret")? {
                            Value::Null => None,
                            _ => Some(f.b32("bob_one_time_prekey_secret")?),
                        },
                        bob_kem_seed: b64(&f, "bob_kem_seed")?,
                    }
                }
                "bundle" => {
                    let f = obj(&[
                        "identity_seed",
                        "signed_prekey",
                        "one_time_prekey",
                        "kem_prekey",
                    ])?;
                    let spk = f.object("signed_prekey", &["id", "created_at", "secret"], &[])?;
                    let one_time_prekey = match f.value("one_time_prekey")? {
                        Value::Null => None,
                        _ => {
                            let otk = f.object("one_time_prekey", &["id", "secret"], &[])?;
                            Some((otk.u32("id")?, otk.b32("secret")?))
                        }
                    };
                    let kem = f.object(
                        "kem_prekey",
                        &["id", "created_at", "last_resort", "seed"],
                        &[],
                    )?;
                    Self::Bundle {
                        identity_seed: f.b32("identity_seed")?,
                        signed_prekey: (spk.u32("id")?, spk.u64("created_at")?, spk.b32("secret")?),
                        one_time_prekey,
                        kem_prekey: (
                            kem.u32("id")?,
                            kem.u64("created_at")?,
                            kem.bool("last_resort")?,
                            b64(&kem, "seed")?,
                        ),
                    }
                }
                "decode_bundle" => {
                    let f = obj(&["bytes", "max_encoded_len"])?;
                    Self::DecodeBundle {
                        bytes: f.bytes("bytes")?,
                        max_encoded_len: f.usize("max_encoded_len")?,
                    }
                }
                "transcript" => {
                    let f = obj(&[
                        "alice_rng_seed",
                        "bob_rng_seed",
                        "one_time_prekey",
                        "kem_last_resort",
                        "script",
                    ])?;
                    Self::Transcript {
                        alice_rng_seed: f.b32("alice_rng_seed")?,
                        bob_rng_seed: f.b32("bob_rng_seed")?,
                        one_time_prekey: f.bool("one_time_prekey")?,
                        kem_last_resort: f.bool("kem_last_resort")?,
                        script: f
                            .value("script")?
                            .as_array()
                            .ok_or("script must be a list")?
                            .iter()
                            .map(Op::from_json)
                            .collect::<Result<_, _>>()?,
                    }
                }
                "store_kem_prekey" => {
                    let f = obj(&["identity_seed", "id", "created_at", "last_resort", "seed"])?;
                    Self::StoreKemPreKey {
                        identity_seed: f.b32("identity_seed")?,
                        id: f.u32("id")?,
                        created_at: f.u64("created_at")?,
                        last_resort: f.bool("last_resort")?,
                        seed: b64(&f, "seed")?,
                    }
                }
                _ => Self::LoadKemPreKey(top.bytes("load_kem_prekey")?),
            })
        })()
        .map_err(prefixed)
    }
}

fn kind_of(last_resort: bool) -> KemPreKeyKind {
    if last_resort {
        KemPreKeyKind::LastResort
    } else {
        KemPreKeyKind::OneTime
    }
}

/// The fields of a verified bundle.
fn bundle_fields(bundle: &PreKeyBundle) -> Value {
    let spk = bundle.signed_prekey();
    json!({
        "identity_key": h(bundle.identity_key().to_bytes()),
        "signed_prekey": {
            "id": spk.id().0,
            "created_at": spk.created_at().as_unix_seconds(),
            "public_key": h(spk.public_key().as_bytes()),
            "signature": h(spk.signature()),
        },
        "one_time_prekey": bundle.one_time_prekey().map(|otk| json!({
            "id": otk.id().0,
            "public_key": h(otk.public_key().as_bytes()),
        })),
        "kem_prekey": bundle.kem_prekey().map(|kem| json!({
            "id": kem.id().0,
            "created_at": kem.created_at().as_unix_seconds(),
            "last_resort": kem.kind() == KemPreKeyKind::LastResort,
            "public_key": h(kem.public_key().as_bytes()),
            "signature": h(kem.signature()),
        })),
    })
}

/// Computes one case.
pub(super) fn compute(
    input: &PqxdhInput,
    p: &'static hushwire::CryptoProvider,
) -> Result<Value, String> {
    Ok(match input {
        PqxdhInput::Keygen { seed } => {
            let (ek, dk) = hazmat::ml_kem_keygen(seed);
            json!({ "ek": h(ek), "dk": h(&*dk) })
        }
        PqxdhInput::Encapsulate { ek, m } => or_error(
            hazmat::ml_kem_encapsulate(ek, m)
                .map(|(ct, ss)| json!({ "ciphertext": h(ct), "shared_secret": h(*ss) })),
        ),
        PqxdhInput::Decapsulate { dk, ciphertext } => or_error(
            hazmat::ml_kem_decapsulate(dk, ciphertext)
                .map(|ss| json!({ "shared_secret": h(*ss) })),
        ),
        PqxdhInput::Sign {
            identity_seed,
            id,
            last_resort,
            created_at,
            ek,
        } => or_error(
            hazmat::sign_kem_prekey(identity_seed, *id, *last_resort, *created_at, ek).map(
                |signature| {
                    json!({
                        "identity_key": h(IdentityKeyPair::from_seed(identity_seed).public_key().to_bytes()),
                        "signed_message": h(labelled(b"hushwire/v1/sig/kem-prekey", &kem_body(*id, *created_at, *last_resort, ek))),
                        "signature": h(signature),
                    })
                },
            ),
        ),
        PqxdhInput::Verify {
            identity_key,
            id,
            last_resort,
            created_at,
            ek,
            signature,
        } => or_error(
            hazmat::verify_kem_prekey(identity_key, *id, *last_resort, *created_at, ek, signature)
                .map(|()| json!({ "valid": true })),
        ),
        PqxdhInput::Agree {
            alice_seed,
            alice_base_secret,
            m,
            bob_seed,
            bob_signed_prekey_secret,
            bob_one_time_prekey_secret,
            bob_kem_seed,
        } => agree(
            p,
            alice_seed,
            alice_base_secret,
            m,
            bob_seed,
            bob_signed_prekey_secret,
            bob_one_time_prekey_secret.as_ref(),
            bob_kem_seed,
        )?,
        PqxdhInput::Bundle {
            identity_seed,
            signed_prekey: (spk_id, spk_created, spk_secret),
            one_time_prekey,
            kem_prekey: (kem_id, kem_created, last_resort, kem_seed),
        } => {
            let identity = IdentityKeyPair::from_seed(identity_seed);
            let spk = SignedPreKeyPair::generate(
                &mut FixedRng(spk_secret.to_vec()),
                &identity,
                SignedPreKeyId(*spk_id),
                Timestamp::from_unix_seconds(*spk_created),
            );
            let otk = one_time_prekey.map(|(id, secret)| {
                *OneTimePreKeyPair::generate(&mut FixedRng(secret.to_vec()), OneTimePreKeyId(id))
                    .public()
            });
            let kem = KemPreKeyPair::generate(
                &mut FixedRng(kem_seed.to_vec()),
                &identity,
                KemPreKeyId(*kem_id),
                kind_of(*last_resort),
                Timestamp::from_unix_seconds(*kem_created),
            );
            or_error(
                PreKeyBundle::new(&identity, &spk, otk)
                    .and_then(|b| b.with_kem_prekey(kem.public()))
                    .map(|bundle| {
                        let mut out = bundle_fields(&bundle);
                        out["bytes"] = h(bundle.encode());
                        out
                    }),
            )
        }
        PqxdhInput::DecodeBundle {
            bytes,
            max_encoded_len,
        } => {
            let mut config = Config::default();
            config.max_encoded_len = *max_encoded_len;
            or_error(
                PreKeyBundleIn::decode(bytes, &config)
                    .and_then(PreKeyBundleIn::validate)
                    .map(|b| bundle_fields(&b)),
            )
        }
        PqxdhInput::Transcript {
            alice_rng_seed,
            bob_rng_seed,
            one_time_prekey,
            kem_last_resort,
            script,
        } => transcript(
            p,
            alice_rng_seed,
            bob_rng_seed,
            *one_time_prekey,
            *kem_last_resort,
            script,
        )?,
        PqxdhInput::StoreKemPreKey {
            identity_seed,
            id,
            created_at,
            last_resort,
            seed,
        } => {
            let pair = KemPreKeyPair::generate(
                &mut FixedRng(seed.to_vec()),
                &IdentityKeyPair::from_seed(identity_seed),
                KemPreKeyId(*id),
                kind_of(*last_resort),
                Timestamp::from_unix_seconds(*created_at),
            );
            json!({ "stored": h(pair.to_stored().as_bytes()) })
        }
        PqxdhInput::LoadKemPreKey(bytes) => or_error(KemPreKeyPair::from_stored(bytes).map(|pair| {
            let public = pair.public();
            json!({
                "id": public.id().0,
                "created_at": public.created_at().as_unix_seconds(),
                "last_resort": public.kind() == KemPreKeyKind::LastResort,
                "public_key": h(public.public_key().as_bytes()),
                "signature": h(public.signature()),
            })
        })),
    })
}

/// The hybrid SK computed by both sides, which must agree.
#[allow(clippy::too_many_arguments)]
fn agree(
    p: &'static hushwire::CryptoProvider,
    alice_seed: &[u8; 32],
    base_secret: &[u8; 32],
    m: &[u8; 32],
    bob_seed: &[u8; 32],
    spk_secret: &[u8; 32],
    otk_secret: Option<&[u8; 32]>,
    kem_seed: &[u8; 64],
) -> Result<Value, String> {
    let alice_identity = IdentityKeyPair::from_seed(alice_seed)
        .public_key()
        .to_bytes();
    let bob_identity = IdentityKeyPair::from_seed(bob_seed).public_key().to_bytes();
    let spk_public = hazmat::x25519_public_key(p, spk_secret);
    let otk_public = otk_secret.map(|s| hazmat::x25519_public_key(p, s));
    let (ek, dk) = hazmat::ml_kem_keygen(kem_seed);
    let (initiator, ciphertext) = hazmat::pqxdh_initiator(
        p,
        alice_seed,
        base_secret,
        m,
        &bob_identity,
        &spk_public,
        otk_public.as_ref().map(|k| &k[..]),
        &ek,
    )
    .map_err(|e| e.kind().to_string())?;
    let base_public = hazmat::x25519_public_key(p, base_secret);
    let responder = hazmat::pqxdh_responder(
        p,
        bob_seed,
        spk_secret,
        otk_secret,
        &dk,
        &alice_identity,
        &base_public,
        &ciphertext,
    )
    .map_err(|e| e.kind().to_string())?;
    let (_, kem_secret) = hazmat::ml_kem_encapsulate(&ek, m).map_err(|e| e.kind().to_string())?;
    let dh: Vec<[u8; 32]> = initiator.dh.iter().map(|d| **d).collect();
    if *initiator.shared_key != *responder.shared_key
        || initiator.associated_data != responder.associated_data
        || *hazmat::pqxdh_shared_key(&dh, &kem_secret) != *initiator.shared_key
    {
        return Err("initiator and responder disagree".into());
    }
    let mut ikm = vec![0xffu8; 32];
    dh.iter().for_each(|d| ikm.extend_from_slice(d));
    ikm.extend_from_slice(&*kem_secret);
    Ok(json!({
        "alice_identity_key": h(alice_identity),
        "alice_base_public": h(base_public),
        "bob_identity_key": h(bob_identity),
        "bob_signed_prekey_public": h(spk_public),
        "bob_one_time_prekey_public": otk_public.map(h).unwrap_or(Value::Null),
        "dh": dh.iter().map(h).collect::<Vec<_>>(),
        "ciphertext": h(&ciphertext),
        "shared_secret": h(*kem_secret),
        "ikm": h(&ikm),
        "shared_key": h(*initiator.shared_key),
        "associated_data": h(initiator.associated_data),
    }))
}

/// The PreKeyMessage of an envelope's bytes, as prost decodes it.
fn prekey_message(wire: &[u8]) -> Result<pb::PreKeyMessage, String> {
    let envelope: pb::Envelope = prost::Message::decode(wire).map_err(|e| e.to_string())?;
    match envelope.content {
        Some(pb::envelope::Content::Prekey(m)) => Ok(m),
        _ => Err("not a PreKeyMessage".into()),
    }
}

/// A hybrid transcript: Bob draws his identity, signed prekey (id 1, created 1750000000),
/// optional one-time prekey (id 1) and KEM prekey (id 1, created 1750000000, of the kind
/// given) from his RNG; Alice draws her identity, then initiates. Both use `Config::default()`
/// (the hybrid set-up required).
fn transcript(
    p: &'static hushwire::CryptoProvider,
    alice_rng_seed: &[u8; 32],
    bob_rng_seed: &[u8; 32],
    one_time_prekey: bool,
    kem_last_resort: bool,
    script: &[Op],
) -> Result<Value, String> {
    let mut config = Config::default();
    config.provider = p;
    let mut alice_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(*alice_rng_seed),
        draws: Vec::new(),
    };
    let mut bob_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(*bob_rng_seed),
        draws: Vec::new(),
    };
    let created = Timestamp::from_unix_seconds(1_750_000_000);
    let bob_identity = IdentityKeyPair::generate(&mut bob_rng);
    let spk = SignedPreKeyPair::generate(&mut bob_rng, &bob_identity, SignedPreKeyId(1), created);
    let otk =
        one_time_prekey.then(|| OneTimePreKeyPair::generate(&mut bob_rng, OneTimePreKeyId(1)));
    let kem = KemPreKeyPair::generate(
        &mut bob_rng,
        &bob_identity,
        KemPreKeyId(1),
        kind_of(kem_last_resort),
        created,
    );
    let bundle = PreKeyBundle::new(&bob_identity, &spk, otk.as_ref().map(|k| *k.public()))
        .and_then(|b| b.with_kem_prekey(kem.public()))
        .map_err(|e| e.kind().to_string())?;
    let mut store = InMemoryPreKeyStore::new();
    store.add_signed_prekey(spk);
    if let Some(otk) = otk {
        store.add_one_time_prekey(otk);
    }
    store.add_kem_prekey(kem);
    let alice_identity = IdentityKeyPair::generate(&mut alice_rng);
    let mut alice = Session::initiate(&mut alice_rng, &alice_identity, &bundle, &config)
        .map_err(|e| e.kind().to_string())?;
    let mut bob: Option<Session> = None;

    let accept = |rng: &mut RecordingRng,
                  store: &mut InMemoryPreKeyStore,
                  wire: &[u8]|
     -> Result<(Session, Vec<u8>), Error> {
        let first = Envelope::decode(wire, &config).and_then(Envelope::into_prekey)?;
        Session::accept_with_store(rng, &bob_identity, store, &first, &config)
    };
    let mut envelopes: Vec<(bool, Vec<u8>)> = Vec::new();
    let mut deliveries = Vec::new();
    let envelope = |envelopes: &[(bool, Vec<u8>)], index: usize| {
        envelopes
            .get(index.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| "no such envelope".to_string())
    };
    for op in script {
        match op {
            Op::Send {
                alice: from_alice,
                text,
            } => {
                let session = if *from_alice {
                    Some(&mut alice)
                } else {
                    bob.as_mut()
                };
                let session = session.ok_or("bob cannot send before he has a session")?;
                let wire = session
                    .encrypt(text.as_bytes())
                    .map_err(|e| e.kind().to_string())?
                    .encode();
                envelopes.push((*from_alice, wire));
            }
            Op::Initiate => {
                alice = Session::initiate(&mut alice_rng, &alice_identity, &bundle, &config)
                    .map_err(|e| e.kind().to_string())?;
            }
            Op::Edit {
                envelope: index,
                kem,
            } => {
                let (from_alice, wire) = envelope(&envelopes, *index)?;
                let mut decoded: pb::Envelope =
                    prost::Message::decode(&wire[..]).map_err(|e| e.to_string())?;
                let Some(pb::envelope::Content::Prekey(m)) = decoded.content.as_mut() else {
                    return Err("only a PreKeyMessage can be edited".into());
                };
                match kem {
                    None => m.kem = None,
                    Some((id, ct)) => {
                        let field = m.kem.as_mut().ok_or("no kem field")?;
                        if let Some(id) = id {
                            field.prekey_id = *id;
                        }
                        if let Some(ct) = ct {
                            field.ciphertext = ct.clone();
                        }
                    }
                }
                envelopes.push((from_alice, prost::Message::encode_to_vec(&decoded)));
            }
            Op::Accept { envelope: index } => {
                let (from_alice, wire) = envelope(&envelopes, *index)?;
                if !from_alice {
                    return Err("only Alice's envelopes can be accepted".into());
                }
                let result = accept(&mut bob_rng, &mut store, &wire).map(|(s, p)| {
                    bob = Some(s);
                    p
                });
                deliveries.push(delivery(*index, result));
            }
            Op::Deliver { envelope: index } => {
                let (from_alice, wire) = envelope(&envelopes, *index)?;
                let result = if from_alice {
                    match bob.as_mut() {
                        Some(session) => session.decrypt_bytes(&mut bob_rng, &wire),
                        None => accept(&mut bob_rng, &mut store, &wire).map(|(s, p)| {
                            bob = Some(s);
                            p
                        }),
                    }
                } else {
                    alice.decrypt_bytes(&mut alice_rng, &wire)
                };
                deliveries.push(delivery(*index, result));
            }
        }
    }
    let first = first_message(p, &alice_rng.draws, &bundle, &envelopes)?;
    Ok(json!({
        "rng_draws": { "alice": alice_rng.draws, "bob": bob_rng.draws },
        "bundle": h(bundle.encode()),
        "first_message": first,
        "envelopes": envelopes.iter().enumerate().map(|(i, (from_alice, wire))| json!({ "index": i + 1, "from": if *from_alice { "alice" } else { "bob" }, "bytes": h(wire) })).collect::<Vec<_>>(),
        "deliveries": deliveries,
        "alice_state": h(alice.to_stored().as_bytes()),
        "bob_state": bob.map(|b| h(b.to_stored().as_bytes())).unwrap_or(Value::Null),
    }))
}

fn delivery(index: usize, result: Result<Vec<u8>, Error>) -> Value {
    match result {
        Ok(plaintext) => {
            json!({ "envelope": index, "plaintext": String::from_utf8_lossy(&plaintext) })
        }
        Err(e) => {
            let mut out = error(&e);
            out["envelope"] = json!(index);
            out
        }
    }
}

/// The SK, `prekey_info` and AEAD associated data of envelope 1 (Alice's first hybrid
/// message), recomputed from Alice's draws (identity seed, `ek`, `m`) through hazmat and
/// checked against the envelope's fields.
fn first_message(
    p: &'static hushwire::CryptoProvider,
    draws: &[Value],
    bundle: &PreKeyBundle,
    envelopes: &[(bool, Vec<u8>)],
) -> Result<Value, String> {
    let draw = |i: usize| super::json::b32(&draws[i]);
    let (identity_seed, base_secret, m) = (draw(0)?, draw(1)?, draw(2)?);
    let message = prekey_message(&envelopes.first().ok_or("no envelope")?.1)?;
    let kem = message.kem.as_ref().ok_or("no kem field")?;
    let (outputs, ciphertext) = hazmat::pqxdh_initiator(
        p,
        &identity_seed,
        &base_secret,
        &m,
        &bundle.identity_key().to_bytes(),
        bundle.signed_prekey().public_key().as_bytes(),
        bundle
            .one_time_prekey()
            .map(|k| &k.public_key().as_bytes()[..]),
        bundle
            .kem_prekey()
            .ok_or("no KEM prekey")?
            .public_key()
            .as_bytes(),
    )
    .map_err(|e| e.kind().to_string())?;
    if ciphertext != kem.ciphertext {
        return Err("the envelope's KEM ciphertext is not Alice's draws'".into());
    }
    let inner = message.message.as_ref().ok_or("no message")?;
    let prekey_info = hazmat::hybrid_prekey_info(
        &message.base_key,
        message.signed_prekey_id,
        message.one_time_prekey_id,
        kem.prekey_id,
        &kem.ciphertext,
    )
    .map_err(|e| e.kind().to_string())?;
    let ad: [u8; 64] = outputs
        .associated_data
        .as_slice()
        .try_into()
        .map_err(|_| "AD is not 64 bytes")?;
    let aead_ad = hazmat::hybrid_aead_associated_data(
        &ad,
        &inner.ratchet_key,
        inner.previous_counter,
        inner.counter,
        &prekey_info,
    )
    .map_err(|e| e.kind().to_string())?;
    Ok(json!({
        "shared_key": h(*outputs.shared_key),
        "prekey_info": h(prekey_info),
        "aead_associated_data": h(aead_ad),
    }))
}
