//! verification.json: safety numbers, their scannable form, SAS exchanges, verification
//! messages, trust records and the trust-on-first-use decision (SPEC.md section 12).

use super::json::{Fields, bytes, h, kind};
use super::rngs::FixedRng;
use super::seed;
use hushwire::hazmat::safety_number as fp;
use hushwire::{
    AccountId, CancelReason, CryptoProvider, IdentityKey, IdentityKeyPair, KeyChangePolicy,
    Observation, PreKeyBundle, SafetyNumber, Sas, SasCancelled, SasConfirmation, Session,
    SignedPreKeyId, SignedPreKeyPair, Timestamp, TrustLevel, TrustRecord, VerificationContent,
    VerificationMessage, hazmat, observe_identity,
};
use serde_json::{Value, json};

/// The time every SAS step and proof of the file happens at.
pub(super) const NOW: u64 = 1_800_000_000;

// Signal's published known-answer inputs (libsignal fingerprint.rs tests).
const SIGNAL_ALICE_KEY: &str = "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
const SIGNAL_BOB_KEY: &str = "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";

/// The identity key of seed `n`'s identity.
fn key(n: u8) -> [u8; 32] {
    IdentityKeyPair::from_seed(&seed(n)).public_key().to_bytes()
}

fn number(local: u8, local_id: &str, remote: u8, remote_id: &str) -> Value {
    json!({
        "local_seed": h(seed(local)), "local_id": h(local_id),
        "remote_seed": h(seed(remote)), "remote_id": h(remote_id),
    })
}

fn sas(deviation: Option<&str>) -> Value {
    let mut random = seed(60).to_vec();
    random.extend_from_slice(&seed(61)[..16]);
    let mut value = json!({
        "starter_seed": h(seed(1)), "responder_seed": h(seed(2)),
        "starter_random": h(random), "responder_random": h(seed(62)),
    });
    if let Some(deviation) = deviation {
        value["deviation"] = json!(deviation);
    }
    json!({ "sas": value })
}

fn raw_message(
    version: u32,
    txn: &[u8],
    content: Option<super::pb::verification::Content>,
) -> Vec<u8> {
    use prost::Message;
    super::pb::Verification {
        version,
        transaction_id: txn.to_vec(),
        content,
    }
    .encode_to_vec()
}

fn trust_record(level: Option<super::pb::trust_record::Level>, identity: &[u8]) -> Vec<u8> {
    use prost::Message;
    super::pb::TrustRecord {
        version: 1,
        identity_key: identity.to_vec(),
        first_seen: NOW - 86_400,
        level,
        business_id: String::new(),
    }
    .encode_to_vec()
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    use super::pb::{self, trust_record::Level, verification::Content};
    let signal = |version: u32, alice_local: bool| {
        let (a, b) = (
            json!({ "key": SIGNAL_ALICE_KEY, "id": h("+14152222222") }),
            json!({ "key": SIGNAL_BOB_KEY, "id": h("+14153333333") }),
        );
        let (local, remote) = if alice_local { (a, b) } else { (b, a) };
        json!({ "fingerprint": {
            "version": version, "iterations": 5200,
            "local_key": local["key"], "local_id": local["id"],
            "remote_key": remote["key"], "remote_id": remote["id"],
        }})
    };
    let txn = seed(63)[..16].to_vec();
    let valid_key = {
        // seed 64's X25519 public key: a valid ephemeral key.
        hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(64))
    };
    let key_content = |k: &[u8]| {
        Some(Content::Key(pb::SasKey {
            public_key: k.to_vec(),
        }))
    };
    let mut low_order = [0u8; 32];
    low_order[0] = 1;
    let mut non_canonical = [0xffu8; 32];
    non_canonical[31] = 0x7f; // 2^255 - 1 >= p
    let on_alice = |remote: u8| {
        let a = IdentityKey::from_bytes(&key(1)).unwrap();
        let b = IdentityKey::from_bytes(&key(remote)).unwrap();
        SafetyNumber::new(
            &b,
            &AccountId::new("bob").unwrap(),
            &a,
            &AccountId::new("alice").unwrap(),
        )
        .scannable()
    };
    let bob_payload = on_alice(2);
    let mut flipped = bob_payload.clone();
    flipped[10] ^= 0x01;
    let mut v2 = bob_payload.clone();
    v2[1] = 2;
    let scan = |payload: Vec<u8>| json!({ "scan": { "safety_number": number(1, "alice", 2, "bob"), "payload": h(payload) } });
    let half = |b: u8| {
        Some(pb::LogicalFingerprint {
            content: vec![b; 32],
        })
    };
    let combined = |version: u32, local, remote| {
        use prost::Message;
        pb::CombinedFingerprints {
            version,
            local_fingerprint: local,
            remote_fingerprint: remote,
        }
        .encode_to_vec()
    };
    let unverified = Some(Level::Unverified(pb::TrustUnverified {}));
    let verified = |method: u32| {
        Some(Level::Verified(pb::TrustVerified {
            method,
            verified_at: NOW - 3600,
        }))
    };
    let changed = |previous: &[u8], was: bool| {
        Some(Level::Changed(pb::TrustChanged {
            previous_identity_key: previous.to_vec(),
            previous_was_verified: was,
        }))
    };
    let k = |n: u8| key(n).to_vec();
    let observe = |record: Option<Vec<u8>>, seen: u8| {
        json!({ "observe": {
            "peer": h("acme-shoes"),
            "record": record.map(h).unwrap_or(Value::Null),
            "seen": h(key(seen)), "now": NOW,
        }})
    };
    let mut too_large = bob_payload.clone();
    too_large.resize(97, 0);
    vec![
        (
            "Signal's known-answer test, version 1, Alice's side (libsignal fingerprint.rs)",
            signal(1, true),
        ),
        (
            "Signal's known-answer test, version 1, Bob's side",
            signal(1, false),
        ),
        (
            "Signal's known-answer test, version 2, Alice's side",
            signal(2, true),
        ),
        (
            "hushwire safety number: Alice (seed 1, account \"alice\") and Bob (seed 2, \"bob\"), on Alice's device",
            json!({ "safety_number": number(1, "alice", 2, "bob") }),
        ),
        (
            "the same, on Bob's device: same digits, halves swapped in the payload",
            json!({ "safety_number": number(2, "bob", 1, "alice") }),
        ),
        (
            "a phone number as the account id",
            json!({ "safety_number": number(1, "+14155550123", 3, "acme-shoes") }),
        ),
        (
            "scan: Bob's payload on Alice's device verifies Bob's key",
            scan(bob_payload.clone()),
        ),
        (
            "scan: Alice's own payload (halves swapped) is a mismatch",
            scan(on_alice_self()),
        ),
        (
            "scan: a payload for another key (seed 3, a man in the middle) is a mismatch",
            scan(on_alice(3)),
        ),
        ("scan: one bit of the digest flipped", scan(flipped)),
        ("scan: version 2", scan(v2)),
        (
            "scan: version absent (0)",
            scan(combined(0, half(1), half(2))),
        ),
        ("scan: local half missing", scan(combined(1, None, half(2)))),
        (
            "scan: remote half of 31 bytes",
            scan(combined(
                1,
                half(1),
                Some(pb::LogicalFingerprint {
                    content: vec![2; 31],
                }),
            )),
        ),
        (
            "scan: truncated by one byte",
            scan(bob_payload[..73].to_vec()),
        ),
        (
            "scan: an extra field",
            scan([bob_payload.clone(), vec![0x20, 0x01]].concat()),
        ),
        ("scan: 97 bytes", scan(too_large)),
        ("scan: empty", scan(Vec::new())),
        ("SAS exchange: every value and message", sas(None)),
        (
            "SAS: a man in the middle replaces the responder's key; the starter's commitment check fails",
            sas(Some("substituted_responder_key")),
        ),
        (
            "SAS: the starter's MAC with one bit flipped",
            sas(Some("tampered_starter_mac")),
        ),
        (
            "SAS: the responder's own MAC reflected back to it",
            sas(Some("reflected_responder_mac")),
        ),
        (
            "SAS: the responder's Accept under another transaction id",
            sas(Some("foreign_transaction")),
        ),
        (
            "SAS: the responder's MAC before its key (out of order)",
            sas(Some("mac_before_key")),
        ),
        (
            "SAS: the starter receives its own Start back instead of the Accept (replayed)",
            sas(Some("replayed_start")),
        ),
        (
            "SAS: the starter's key arrives after the timeout",
            sas(Some("timeout")),
        ),
        (
            "SAS: the responder's person says the emoji differ",
            sas(Some("mismatch")),
        ),
        (
            "SAS: the responder cancels after its Accept; the starter receives the cancel",
            sas(Some("peer_cancel")),
        ),
        (
            "SAS: the responder's MAC arrives before the starter's person confirms",
            sas(Some("early_macs")),
        ),
        (
            "message: a Start",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Start(pb::SasStart {})))) }),
        ),
        (
            "message: a Key",
            json!({ "verification_message": h(raw_message(1, &txn, key_content(&valid_key))) }),
        ),
        (
            "message: a Mac",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Mac(pb::SasMac { mac: seed(66).to_vec() })))) }),
        ),
        (
            "message: a Cancel, reason 6",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Cancel(pb::SasCancel { reason: 6 })))) }),
        ),
        (
            "message: a Cancel with a reason this version does not know",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Cancel(pb::SasCancel { reason: 99 })))) }),
        ),
        (
            "message: a Cancel with reason 0",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Cancel(pb::SasCancel { reason: 0 })))) }),
        ),
        (
            "message: version 2",
            json!({ "verification_message": h(raw_message(2, &txn, key_content(&valid_key))) }),
        ),
        (
            "message: transaction id of 15 bytes",
            json!({ "verification_message": h(raw_message(1, &txn[..15], key_content(&valid_key))) }),
        ),
        (
            "message: no content",
            json!({ "verification_message": h(raw_message(1, &txn, None)) }),
        ),
        (
            "message: a low-order key (u = 1)",
            json!({ "verification_message": h(raw_message(1, &txn, key_content(&low_order))) }),
        ),
        (
            "message: a non-canonical key (u = 2^255 - 1)",
            json!({ "verification_message": h(raw_message(1, &txn, key_content(&non_canonical))) }),
        ),
        (
            "message: a key of 31 bytes",
            json!({ "verification_message": h(raw_message(1, &txn, key_content(&valid_key[..31]))) }),
        ),
        (
            "message: an Accept",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Accept(pb::SasAccept { commitment: seed(65).to_vec() })))) }),
        ),
        (
            "message: a commitment of 33 bytes",
            json!({ "verification_message": h(raw_message(1, &txn, Some(Content::Accept(pb::SasAccept { commitment: vec![7; 33] })))) }),
        ),
        (
            "message: a Key and a Mac (both oneof members)",
            json!({ "verification_message": h([raw_message(1, &txn, key_content(&valid_key)), vec![0x32, 0x22, 0x0a, 0x20], vec![9; 32]].concat()) }),
        ),
        (
            "message: truncated inside the key",
            json!({ "verification_message": h(&raw_message(1, &txn, key_content(&valid_key))[..30]) }),
        ),
        (
            "message: 257 bytes",
            json!({ "verification_message": h(vec![0u8; 257]) }),
        ),
        (
            "trust record: unverified",
            json!({ "trust_record": h(trust_record(unverified.clone(), &k(2))) }),
        ),
        (
            "trust record: verified by SAS",
            json!({ "trust_record": h(trust_record(verified(3), &k(2))) }),
        ),
        (
            "trust record: changed from a verified key",
            json!({ "trust_record": h(trust_record(changed(&k(2), true), &k(3))) }),
        ),
        (
            "trust record: verification method 4",
            json!({ "trust_record": h(trust_record(verified(4), &k(2))) }),
        ),
        (
            "trust record: changed, previous key equal to the key",
            json!({ "trust_record": h(trust_record(changed(&k(2), false), &k(2))) }),
        ),
        (
            "trust record: no level",
            json!({ "trust_record": h(trust_record(None, &k(2))) }),
        ),
        (
            "trust record: a low-order identity key",
            json!({ "trust_record": h(trust_record(unverified.clone(), &[vec![1u8], vec![0; 31]].concat())) }),
        ),
        ("observe: no record, first use", observe(None, 2)),
        (
            "observe: the key on record",
            observe(Some(trust_record(verified(1), &k(2))), 2),
        ),
        (
            "observe: a new key replaces an unverified one",
            observe(Some(trust_record(unverified.clone(), &k(2))), 3),
        ),
        (
            "observe: a new key replaces a verified one: sending is held",
            observe(Some(trust_record(verified(2), &k(2))), 3),
        ),
        (
            "observe: a second change before the first was acknowledged keeps the lost verification",
            observe(Some(trust_record(changed(&k(2), true), &k(3))), 4),
        ),
        (
            "observe: the changed key again: unchanged, still held",
            observe(Some(trust_record(changed(&k(2), false), &k(3))), 3),
        ),
        (
            "acknowledge the changed key",
            json!({ "acknowledge": { "record": h(trust_record(changed(&k(2), true), &k(3))), "identity_key": h(key(3)) } }),
        ),
        (
            "acknowledge a key other than the one on record",
            json!({ "acknowledge": { "record": h(trust_record(changed(&k(2), true), &k(3))), "identity_key": h(key(2)) } }),
        ),
        (
            "verify by safety number",
            json!({ "verify": { "record": h(trust_record(unverified.clone(), &k(2))), "identity_key": h(key(2)), "method": 1, "at": NOW } }),
        ),
        (
            "verify by QR code a changed key (also acknowledges it)",
            json!({ "verify": { "record": h(trust_record(changed(&k(2), true), &k(3))), "identity_key": h(key(3)), "method": 2, "at": NOW } }),
        ),
        (
            "verify a key other than the one on record",
            json!({ "verify": { "record": h(trust_record(unverified, &k(2))), "identity_key": h(key(3)), "method": 1, "at": NOW } }),
        ),
    ]
}

/// Alice's own payload, as her device shows it.
fn on_alice_self() -> Vec<u8> {
    let a = IdentityKey::from_bytes(&key(1)).unwrap();
    let b = IdentityKey::from_bytes(&key(2)).unwrap();
    SafetyNumber::new(
        &a,
        &AccountId::new("alice").unwrap(),
        &b,
        &AccountId::new("bob").unwrap(),
    )
    .scannable()
}

/// One case's input: one operation of SPEC.md section 12.
pub(super) enum VerificationInput {
    /// `{ "fingerprint": { version, iterations, local_key, local_id, remote_key, remote_id } }`:
    /// Signal's algorithm on raw bytes (12.2, 12.3; `hazmat::safety_number`).
    Fingerprint {
        version: u32,
        iterations: u32,
        local: (Vec<u8>, Vec<u8>),
        remote: (Vec<u8>, Vec<u8>),
    },
    /// `{ "safety_number": { local_seed, local_id, remote_seed, remote_id } }`: hushwire's
    /// number between two identities (12.2, 12.3).
    SafetyNumber(Numbers),
    /// `{ "scan": { safety_number: {...}, payload } }`: `verify_scanned` (12.3).
    Scan(Numbers, Vec<u8>),
    /// `{ "sas": { starter_seed, responder_seed, starter_random, responder_random,
    /// deviation? } }`: a SAS exchange (12.4).
    Sas(SasInput),
    /// `{ "verification_message": hex }`: decoding (12.4.2).
    Message(Vec<u8>),
    /// `{ "trust_record": hex }`: loading a stored record (12.6).
    TrustRecord(Vec<u8>),
    /// `{ "observe": { peer, record, seen, now } }`: the TOFU decision (12.6).
    Observe {
        peer: Vec<u8>,
        record: Option<Vec<u8>>,
        seen: Vec<u8>,
        now: u64,
    },
    /// `{ "acknowledge": { record, identity_key } }` (12.6).
    Acknowledge { record: Vec<u8>, identity: Vec<u8> },
    /// `{ "verify": { record, identity_key, method, at } }` (12.5, 12.6).
    Verify {
        record: Vec<u8>,
        identity: Vec<u8>,
        method: u32,
        at: u64,
    },
}

/// Two parties of a safety number: seeds and account ids.
pub(super) struct Numbers {
    local_seed: [u8; 32],
    local_id: Vec<u8>,
    remote_seed: [u8; 32],
    remote_id: Vec<u8>,
}

impl Numbers {
    fn from_fields(fields: &Fields<'_>) -> Result<Self, String> {
        Ok(Self {
            local_seed: fields.b32("local_seed")?,
            local_id: fields.bytes("local_id")?,
            remote_seed: fields.b32("remote_seed")?,
            remote_id: fields.bytes("remote_id")?,
        })
    }

    fn safety_number(&self) -> Result<SafetyNumber, String> {
        let local = IdentityKeyPair::from_seed(&self.local_seed);
        let remote = IdentityKeyPair::from_seed(&self.remote_seed);
        Ok(SafetyNumber::new(
            local.public_key(),
            &AccountId::new(self.local_id.clone()).map_err(kind)?,
            remote.public_key(),
            &AccountId::new(self.remote_id.clone()).map_err(kind)?,
        ))
    }
}

/// A SAS exchange's inputs.
pub(super) struct SasInput {
    starter_seed: [u8; 32],
    responder_seed: [u8; 32],
    starter_random: Vec<u8>,
    responder_random: [u8; 32],
    deviation: Option<String>,
}

const NUMBER_KEYS: [&str; 4] = ["local_seed", "local_id", "remote_seed", "remote_id"];

impl VerificationInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("fingerprint").is_some() {
            let f = Fields::of(value, &["fingerprint"], &[])?.object(
                "fingerprint",
                &[
                    "version",
                    "iterations",
                    "local_key",
                    "local_id",
                    "remote_key",
                    "remote_id",
                ],
                &[],
            )?;
            return Ok(Self::Fingerprint {
                version: f.u32("version")?,
                iterations: f.u32("iterations")?,
                local: (f.bytes("local_key")?, f.bytes("local_id")?),
                remote: (f.bytes("remote_key")?, f.bytes("remote_id")?),
            });
        }
        if value.get("safety_number").is_some() {
            let f = Fields::of(value, &["safety_number"], &[])?.object(
                "safety_number",
                &NUMBER_KEYS,
                &[],
            )?;
            return Ok(Self::SafetyNumber(Numbers::from_fields(&f)?));
        }
        if value.get("scan").is_some() {
            let f = Fields::of(value, &["scan"], &[])?.object(
                "scan",
                &["safety_number", "payload"],
                &[],
            )?;
            let numbers = f.object("safety_number", &NUMBER_KEYS, &[])?;
            return Ok(Self::Scan(
                Numbers::from_fields(&numbers)?,
                f.bytes("payload")?,
            ));
        }
        if value.get("sas").is_some() {
            let f = Fields::of(value, &["sas"], &[])?.object(
                "sas",
                &[
                    "starter_seed",
                    "responder_seed",
                    "starter_random",
                    "responder_random",
                ],
                &["deviation"],
            )?;
            let starter_random = f.bytes("starter_random")?;
            if starter_random.len() != 48 {
                return Err("starter_random: expected 48 bytes".into());
            }
            return Ok(Self::Sas(SasInput {
                starter_seed: f.b32("starter_seed")?,
                responder_seed: f.b32("responder_seed")?,
                starter_random,
                responder_random: f.b32("responder_random")?,
                deviation: f
                    .get("deviation")
                    .map(|_| f.str("deviation").map(str::to_string))
                    .transpose()?,
            }));
        }
        if value.get("verification_message").is_some() {
            let f = Fields::of(value, &["verification_message"], &[])?;
            return Ok(Self::Message(f.bytes("verification_message")?));
        }
        if value.get("trust_record").is_some() {
            let f = Fields::of(value, &["trust_record"], &[])?;
            return Ok(Self::TrustRecord(f.bytes("trust_record")?));
        }
        if value.get("observe").is_some() {
            let f = Fields::of(value, &["observe"], &[])?.object(
                "observe",
                &["peer", "record", "seen", "now"],
                &[],
            )?;
            let record = match f.value("record")? {
                Value::Null => None,
                other => Some(bytes(other).map_err(|e| format!("record: {e}"))?),
            };
            return Ok(Self::Observe {
                peer: f.bytes("peer")?,
                record,
                seen: f.bytes("seen")?,
                now: f.u64("now")?,
            });
        }
        if value.get("acknowledge").is_some() {
            let f = Fields::of(value, &["acknowledge"], &[])?.object(
                "acknowledge",
                &["record", "identity_key"],
                &[],
            )?;
            return Ok(Self::Acknowledge {
                record: f.bytes("record")?,
                identity: f.bytes("identity_key")?,
            });
        }
        let f = Fields::of(value, &["verify"], &[])?.object(
            "verify",
            &["record", "identity_key", "method", "at"],
            &[],
        )?;
        Ok(Self::Verify {
            record: f.bytes("record")?,
            identity: f.bytes("identity_key")?,
            method: f.u32("method")?,
            at: f.u64("at")?,
        })
    }
}

/// The outputs of the operation a case names.
pub(super) fn compute(
    input: &VerificationInput,
    provider: &'static CryptoProvider,
) -> Result<Value, String> {
    match input {
        VerificationInput::Fingerprint {
            version,
            iterations,
            local,
            remote,
        } => Ok(json!({
            "local_digest": h(fp::digest(*iterations, &local.0, &local.1)),
            "remote_digest": h(fp::digest(*iterations, &remote.0, &remote.1)),
            "displayable": fp::displayable(*iterations, &local.0, &local.1, &remote.0, &remote.1),
            "scannable": h(fp::scannable(*version, *iterations, &local.0, &local.1, &remote.0, &remote.1)),
        })),
        VerificationInput::SafetyNumber(numbers) => {
            let number = numbers.safety_number()?;
            let local = IdentityKeyPair::from_seed(&numbers.local_seed);
            let remote = IdentityKeyPair::from_seed(&numbers.remote_seed);
            let local_key = fp::fingerprint_key(local.public_key());
            let remote_key = fp::fingerprint_key(remote.public_key());
            let local_digest = fp::digest(5200, &local_key, &numbers.local_id);
            let remote_digest = fp::digest(5200, &remote_key, &numbers.remote_id);
            Ok(json!({
                "local_identity_key": h(local.public_key().to_bytes()),
                "remote_identity_key": h(remote.public_key().to_bytes()),
                "local_key_input": h(local_key),
                "remote_key_input": h(remote_key),
                "local_digest": h(local_digest),
                "remote_digest": h(remote_digest),
                "displayable": number.digits(),
                "grouped": number.grouped(),
                "scannable": h(number.scannable()),
            }))
        }
        VerificationInput::Scan(numbers, payload) => {
            let number = numbers.safety_number()?;
            let proof = number
                .verify_scanned(payload, Timestamp::from_unix_seconds(NOW))
                .map_err(kind)?;
            Ok(json!({ "verified_identity": h(proof.identity().to_bytes()) }))
        }
        VerificationInput::Sas(input) => sas_exchange(input, provider),
        VerificationInput::Message(bytes) => {
            let message = VerificationMessage::decode(bytes).map_err(kind)?;
            let txn = h(message.transaction_id().as_bytes());
            Ok(match message.content() {
                VerificationContent::Start => json!({ "transaction_id": txn, "start": {} }),
                VerificationContent::Accept { commitment } => {
                    json!({ "transaction_id": txn, "accept": { "commitment": h(commitment) } })
                }
                VerificationContent::Key(key) => {
                    json!({ "transaction_id": txn, "key": { "public_key": h(key.as_bytes()) } })
                }
                VerificationContent::Mac(mac) => {
                    json!({ "transaction_id": txn, "mac": { "mac": h(mac) } })
                }
                VerificationContent::Cancel(reason) => {
                    json!({ "transaction_id": txn, "cancel": { "reason": reason.code() } })
                }
                _ => return Err("unknown content".into()),
            })
        }
        VerificationInput::TrustRecord(bytes) => {
            let record = TrustRecord::from_bytes(bytes).map_err(kind)?;
            Ok(record_json(&record))
        }
        VerificationInput::Observe {
            peer,
            record,
            seen,
            now,
        } => {
            let peer = AccountId::new(peer.clone()).map_err(kind)?;
            let record = record
                .as_ref()
                .map(|r| TrustRecord::from_bytes(r))
                .transpose()
                .map_err(kind)?;
            let seen = IdentityKey::from_bytes(seen).map_err(kind)?;
            let now = Timestamp::from_unix_seconds(*now);
            let (observation, stored, change) =
                match observe_identity(&peer, record.as_ref(), &seen, now) {
                    Observation::Refused => {
                        return Ok(json!({
                            "observation": "refused",
                            "store": Value::Null,
                            "change": Value::Null,
                            "send": "BusinessKeyChangeRefused",
                        }));
                    }
                    Observation::New(next) => ("new", Some(next), Value::Null),
                    Observation::Bound(next) => ("bound", Some(next), Value::Null),
                    Observation::Unchanged => ("unchanged", None, Value::Null),
                    Observation::Changed { record, change } => (
                        "changed",
                        Some(record),
                        json!({
                            "previous": h(change.previous.to_bytes()),
                            "new": h(change.new.to_bytes()),
                            "was_verified": change.was_verified,
                            "seen_at": change.seen_at.as_unix_seconds(),
                        }),
                    ),
                };
            let current = stored.as_ref().or(record.as_ref()).ok_or("no record")?;
            let send = match KeyChangePolicy::default().check_send(current) {
                Ok(()) => "allowed".to_string(),
                Err(e) => kind(e),
            };
            Ok(json!({
                "observation": observation,
                "store": stored.map(|r| h(r.to_bytes())).unwrap_or(Value::Null),
                "change": change,
                "send": send,
            }))
        }
        VerificationInput::Acknowledge { record, identity } => {
            let record = TrustRecord::from_bytes(record).map_err(kind)?;
            let identity = IdentityKey::from_bytes(identity).map_err(kind)?;
            let next = record.acknowledge(&identity).map_err(kind)?;
            Ok(json!({ "store": h(next.to_bytes()) }))
        }
        VerificationInput::Verify {
            record,
            identity,
            method,
            at,
        } => {
            let record = TrustRecord::from_bytes(record).map_err(kind)?;
            let identity = IdentityKey::from_bytes(identity).map_err(kind)?;
            let proof = proof(&identity, *method, Timestamp::from_unix_seconds(*at))?;
            let next = record.verify(&proof).map_err(kind)?;
            Ok(json!({ "store": h(next.to_bytes()) }))
        }
    }
}

/// A proof for `identity` by `method` (1: the digits compared; 2: a QR code scanned), made the
/// way an application gets one: from a safety number with some other identity.
fn proof(
    identity: &IdentityKey,
    method: u32,
    at: Timestamp,
) -> Result<hushwire::VerifiedIdentity, String> {
    let other = IdentityKeyPair::from_seed(&[0x42; 32]);
    let (me, them) = (
        AccountId::new("me").unwrap(),
        AccountId::new("them").unwrap(),
    );
    let ours = SafetyNumber::new(other.public_key(), &me, identity, &them);
    match method {
        1 => Ok(ours.confirm_compared(at)),
        2 => {
            let theirs = SafetyNumber::new(identity, &them, other.public_key(), &me);
            ours.verify_scanned(&theirs.scannable(), at).map_err(kind)
        }
        _ => Err(format!("no proof of method {method} in this file")),
    }
}

/// A trust record's fields (SPEC.md 12.6).
fn record_json(record: &TrustRecord) -> Value {
    let level = match record.level() {
        TrustLevel::Unverified => json!({ "unverified": {} }),
        TrustLevel::Verified { method, at } => json!({ "verified": {
            "method": format!("{method:?}"), "verified_at": at.as_unix_seconds(),
        }}),
        TrustLevel::Changed {
            previous,
            previous_was_verified,
        } => json!({ "changed": {
            "previous_identity_key": h(previous.to_bytes()),
            "previous_was_verified": previous_was_verified,
        }}),
        _ => Value::Null,
    };
    json!({
        "identity_key": h(record.identity().to_bytes()),
        "first_seen": record.first_seen().as_unix_seconds(),
        "level": level,
    })
}

/// The starter's and the responder's sessions: the starter initiates to a bundle of the
/// responder's (its signed prekey from a fixed secret), the responder accepts.
fn sessions(input: &SasInput, provider: &'static CryptoProvider) -> (Session, Session) {
    let mut config = super::classic_config();
    config.provider = provider;
    let starter = IdentityKeyPair::from_seed(&input.starter_seed);
    let responder = IdentityKeyPair::from_seed(&input.responder_seed);
    let prekey = SignedPreKeyPair::generate(
        &mut FixedRng(seed(70).to_vec()),
        &responder,
        SignedPreKeyId(1),
        Timestamp::from_unix_seconds(NOW),
    );
    let bundle = PreKeyBundle::new(&responder, &prekey, None).unwrap();
    let mut rng = FixedRng(seed(71).repeat(4));
    let mut ours = Session::initiate(&mut rng, &starter, &bundle, &config).unwrap();
    let first = ours.encrypt(b"hello").unwrap().into_prekey().unwrap();
    let (theirs, _) = Session::accept(&mut rng, &responder, &prekey, None, None, &first, &config)
        .unwrap()
        .complete(|_, _| Ok(()))
        .unwrap();
    (ours, theirs)
}

/// A cancel's fields.
fn cancelled(side: &str, cancel: &SasCancelled) -> Value {
    json!({ "cancelled": {
        "side": side,
        "reason": cancel.reason().code(),
        "by_peer": cancel.by_peer(),
        "cancel_message": cancel.message().map(|m| h(m.encode())).unwrap_or(Value::Null),
    }})
}

/// Runs the exchange through the state machine (every message encoded and decoded), applying
/// the deviation, and checks every value against the hazmat derivations.
fn sas_exchange(input: &SasInput, provider: &'static CryptoProvider) -> Result<Value, String> {
    let (starter_session, responder_session) = sessions(input, provider);
    let now = Timestamp::from_unix_seconds(NOW);
    let deviation = input.deviation.as_deref();
    let wire = |m: &VerificationMessage| VerificationMessage::decode(&m.encode()).unwrap();
    let (started, start) = Sas::start(
        &mut FixedRng(input.starter_random.clone()),
        &starter_session,
        now,
    )
    .map_err(kind)?;
    let (responded, accept) = Sas::respond(
        &mut FixedRng(input.responder_random.to_vec()),
        &responder_session,
        &wire(&start),
        now,
    )
    .map_err(|c| format!("respond: {c}"))?;
    let accept_for_starter = match deviation {
        Some("replayed_start") => wire(&start),
        Some("foreign_transaction") => {
            let mut bytes = accept.encode();
            bytes[4] ^= 0x01; // first byte of the transaction id
            VerificationMessage::decode(&bytes).map_err(kind)?
        }
        _ => wire(&accept),
    };
    if deviation == Some("peer_cancel") {
        // The responder cancels (a person declines) after sending its Accept.
        let cancel = responded.cancel(CancelReason::User);
        let message = wire(&cancel.message().ok_or("no cancel message")?);
        return match started.receive_accept(&message, now) {
            Ok(_) => Err("the starter went on after a cancel".into()),
            Err(cancel) => Ok(cancelled("starter", &cancel)),
        };
    }
    let (awaiting, starter_key) = match started.receive_accept(&accept_for_starter, now) {
        Ok(next) => next,
        Err(cancel) => return Ok(cancelled("starter", &cancel)),
    };
    let at = if deviation == Some("timeout") {
        Timestamp::from_unix_seconds(NOW + 601)
    } else {
        now
    };
    let (responder_ready, responder_key) = match responded.receive_key(&wire(&starter_key), at) {
        Ok(next) => next,
        Err(cancel) => return Ok(cancelled("responder", &cancel)),
    };
    let key_for_starter = match deviation {
        Some("substituted_responder_key") => {
            let key = hazmat::x25519_public_key(provider, &seed(72));
            let mut bytes = responder_key.encode();
            let at = bytes.len() - 32;
            bytes[at..].copy_from_slice(&key);
            VerificationMessage::decode(&bytes).map_err(kind)?
        }
        Some("mac_before_key") => {
            // The responder's person confirms at once; its MAC overtakes its key.
            let (_, mac) = responder_ready.confirm(now).map_err(|c| c.to_string())?;
            return match awaiting.receive_key(&wire(&mac), now) {
                Ok(_) => Err("the starter took a MAC for a key".into()),
                Err(cancel) => Ok(cancelled("starter", &cancel)),
            };
        }
        _ => wire(&responder_key),
    };
    let starter_ready = match awaiting.receive_key(&key_for_starter, now) {
        Ok(ready) => ready,
        Err(cancel) => return Ok(cancelled("starter", &cancel)),
    };
    if starter_ready.emoji_indices() != responder_ready.emoji_indices()
        || starter_ready.decimals() != responder_ready.decimals()
    {
        return Err("the two sides show different SAS".into());
    }
    if deviation == Some("mismatch") {
        return Ok(cancelled("responder", &responder_ready.mismatch()));
    }
    let emoji_indices = starter_ready.emoji_indices();
    let emoji: Vec<&str> = starter_ready.emoji().iter().map(|e| e.name).collect();
    let decimals = starter_ready.decimals();

    let (starter_mac, responder_mac, starter_proof, responder_proof);
    if deviation == Some("early_macs") {
        // The responder confirms first; the starter holds its MAC, then confirms.
        let (SasConfirmation::AwaitingMac(responder_confirmed), r_mac) =
            responder_ready.confirm(now).map_err(|c| c.to_string())?
        else {
            return Err("the responder had no MAC yet".into());
        };
        let starter_ready = starter_ready
            .receive_mac(&wire(&r_mac), now)
            .map_err(|c| c.to_string())?;
        let (SasConfirmation::Verified(proof), s_mac) =
            starter_ready.confirm(now).map_err(|c| c.to_string())?
        else {
            return Err("the starter did not verify on confirming".into());
        };
        starter_proof = proof;
        responder_proof = responder_confirmed
            .receive_mac(&wire(&s_mac), now)
            .map_err(|c| c.to_string())?;
        starter_mac = s_mac;
        responder_mac = r_mac;
    } else {
        let (SasConfirmation::AwaitingMac(s_confirmed), s_mac) =
            starter_ready.confirm(now).map_err(|c| c.to_string())?
        else {
            return Err("the starter verified before any MAC".into());
        };
        let (SasConfirmation::AwaitingMac(r_confirmed), r_mac) =
            responder_ready.confirm(now).map_err(|c| c.to_string())?
        else {
            return Err("the responder verified before any MAC".into());
        };
        let for_responder = match deviation {
            Some("tampered_starter_mac") => {
                let mut bytes = s_mac.encode();
                let last = bytes.len() - 1;
                bytes[last] ^= 0x01;
                VerificationMessage::decode(&bytes).map_err(kind)?
            }
            Some("reflected_responder_mac") => wire(&r_mac),
            _ => wire(&s_mac),
        };
        responder_proof = match r_confirmed.receive_mac(&for_responder, now) {
            Ok(proof) => proof,
            Err(cancel) => return Ok(cancelled("responder", &cancel)),
        };
        starter_proof = s_confirmed
            .receive_mac(&wire(&r_mac), now)
            .map_err(|c| c.to_string())?;
        starter_mac = s_mac;
        responder_mac = r_mac;
    }
    if deviation.is_some() && deviation != Some("early_macs") {
        return Err(format!("deviation {deviation:?} had no effect"));
    }
    if starter_proof.identity() != responder_session.our_identity()
        || responder_proof.identity() != starter_session.our_identity()
    {
        return Err("a proof names the wrong key".into());
    }

    // The same values from the hazmat derivations (SPEC.md 12.4.3 to 12.4.5).
    let txn: [u8; 16] = input.starter_random[..16].try_into().unwrap();
    let e_s: [u8; 32] = input.starter_random[16..].try_into().unwrap();
    let k_s = hazmat::x25519_public_key(provider, &e_s);
    let k_r = hazmat::x25519_public_key(provider, &input.responder_random);
    let ik_s = starter_session.our_identity().to_bytes();
    let ik_r = responder_session.our_identity().to_bytes();
    let shared = hazmat::x25519(provider, &e_s, &k_r).map_err(kind)?;
    let shared_again = hazmat::x25519(provider, &input.responder_random, &k_s).map_err(kind)?;
    if *shared != *shared_again {
        return Err("the two DH outputs differ".into());
    }
    let transcript = hazmat::sas_transcript(&txn, &ik_s, &ik_r, &k_s, &k_r);
    let sas_bytes = hazmat::sas_bytes(&shared, &transcript).ok_or("transcript")?;
    let (mk_s, mk_r) = hazmat::sas_mac_keys(&shared, &transcript).ok_or("transcript")?;
    let mac_s = hazmat::sas_mac(&mk_s, &ik_s, &ik_r);
    let mac_r = hazmat::sas_mac(&mk_r, &ik_r, &ik_s);
    let commitment = hazmat::sas_commitment(&txn, &k_r);
    let expect = |message: &VerificationMessage, content: VerificationContent| {
        (message.transaction_id().as_bytes() == &txn && message.content() == &content)
            .then_some(())
            .ok_or("a message differs from the derivations")
    };
    expect(&start, VerificationContent::Start)?;
    expect(&accept, VerificationContent::Accept { commitment })?;
    expect(&starter_mac, VerificationContent::Mac(mac_s))?;
    expect(&responder_mac, VerificationContent::Mac(mac_r))?;
    if hazmat::sas_emoji_indices(&sas_bytes) != emoji_indices
        || hazmat::sas_decimals(&sas_bytes) != decimals
    {
        return Err("the SAS differs from the derivations".into());
    }
    Ok(json!({
        "starter_identity": h(ik_s),
        "responder_identity": h(ik_r),
        "transaction_id": h(txn),
        "starter_ephemeral": h(k_s),
        "responder_ephemeral": h(k_r),
        "commitment": h(commitment),
        "transcript": h(&transcript),
        "shared_secret": h(*shared),
        "sas_bytes": h(*sas_bytes),
        "emoji_indices": emoji_indices.to_vec(),
        "emoji": emoji,
        "decimals": decimals.to_vec(),
        "starter_mac_key": h(*mk_s),
        "responder_mac_key": h(*mk_r),
        "start_message": h(start.encode()),
        "accept_message": h(accept.encode()),
        "responder_key_message": h(responder_key.encode()),
        "starter_key_message": h(starter_key.encode()),
        "starter_mac_message": h(starter_mac.encode()),
        "responder_mac_message": h(responder_mac.encode()),
    }))
}
