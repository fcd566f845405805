//! transcript.json: whole sessions run from seeded RNGs, with every draw, envelope,
//! delivery and both final states recorded.

use super::json::{Fields, h, kind};
use super::rngs::RecordingRng;
use super::{pb, seed};
use hushwire::{
    Config, Envelope, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId, OneTimePreKeyPair,
    PreKeyBundle, Session, SignedPreKeyId, SignedPreKeyPair, Timestamp,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let script = json!([
        { "op": "send", "from": "alice", "text": "hello Bob" },
        { "op": "send", "from": "alice", "text": "are you there?" },
        { "op": "deliver", "envelope": 2 },
        { "op": "deliver", "envelope": 1 },
        { "op": "deliver", "envelope": 1 },
        { "op": "send", "from": "bob", "text": "yes" },
        { "op": "send", "from": "bob", "text": "I'm here" },
        { "op": "send", "from": "bob", "text": "what's up?" },
        { "op": "deliver", "envelope": 5 },
        { "op": "deliver", "envelope": 3 },
        { "op": "send", "from": "alice", "text": "lunch?" },
        { "op": "deliver", "envelope": 6 },
        { "op": "deliver", "envelope": 4 },
        { "op": "send", "from": "bob", "text": "sure" },
        { "op": "deliver", "envelope": 7 },
        { "op": "deliver", "envelope": 3 }
    ]);
    vec![
        (
            "a conversation with a one-time prekey, reordering and a replay",
            json!({ "alice_rng_seed": h(seed(60)), "bob_rng_seed": h(seed(61)), "one_time_prekey": true, "script": script }),
        ),
        (
            "the same script without a one-time prekey",
            json!({ "alice_rng_seed": h(seed(62)), "bob_rng_seed": h(seed(63)), "one_time_prekey": false, "script": script }),
        ),
        (
            "max_skip 2: a message 3 keys ahead is refused, then arrives in range later",
            json!({
                "alice_rng_seed": h(seed(64)), "bob_rng_seed": h(seed(65)), "one_time_prekey": true, "max_skip": 2,
                "script": [
                    { "op": "send", "from": "alice", "text": "m1" },
                    { "op": "send", "from": "alice", "text": "m2" },
                    { "op": "send", "from": "alice", "text": "m3" },
                    { "op": "send", "from": "alice", "text": "m4" },
                    { "op": "send", "from": "alice", "text": "m5" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 3 }
                ],
            }),
        ),
        (
            "finishing the previous chain (SPEC.md 6.6 step 4.1): Bob has read 1 of Alice's 3 first messages when her next chain arrives with PN 3; keys 1 and 2 of the old chain are stored and used",
            json!({
                "alice_rng_seed": h(seed(66)), "bob_rng_seed": h(seed(67)), "one_time_prekey": true,
                "script": [
                    { "op": "send", "from": "alice", "text": "a1" },
                    { "op": "send", "from": "alice", "text": "a2" },
                    { "op": "send", "from": "alice", "text": "a3" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "send", "from": "bob", "text": "b1" },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "send", "from": "alice", "text": "a4 on a new chain" },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 3 },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "deliver", "envelope": 2 }
                ],
            }),
        ),
        (
            "skipped-key eviction (max_skipped_keys 2): a first message 4 ahead stores only keys 2 and 3; messages 0 and 1 are then duplicates",
            json!({
                "alice_rng_seed": h(seed(68)), "bob_rng_seed": h(seed(69)), "one_time_prekey": true,
                "config": { "max_skipped_keys": 2 },
                "script": [
                    { "op": "send", "from": "alice", "text": "m0" },
                    { "op": "send", "from": "alice", "text": "m1" },
                    { "op": "send", "from": "alice", "text": "m2" },
                    { "op": "send", "from": "alice", "text": "m3" },
                    { "op": "send", "from": "alice", "text": "m4" },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "deliver", "envelope": 3 }
                ],
            }),
        ),
        (
            "retired chains and trimming (max_receiving_chains 1, max_retired_chains 1): a replay on the retired chain is a duplicate, a stored key of a dropped chain still decrypts, and a replay on a chain trimmed from retired reaches step 4 and fails to decrypt",
            json!({
                "alice_rng_seed": h(seed(70)), "bob_rng_seed": h(seed(71)), "one_time_prekey": false,
                "config": { "max_receiving_chains": 1, "max_retired_chains": 1 },
                "script": [
                    { "op": "send", "from": "alice", "text": "a1" },
                    { "op": "send", "from": "alice", "text": "a1 held back" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "send", "from": "bob", "text": "b1" },
                    { "op": "deliver", "envelope": 3 },
                    { "op": "send", "from": "alice", "text": "a2" },
                    { "op": "send", "from": "alice", "text": "a2 held back" },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "send", "from": "bob", "text": "b2" },
                    { "op": "deliver", "envelope": 6 },
                    { "op": "send", "from": "alice", "text": "a3" },
                    { "op": "deliver", "envelope": 7 },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "deliver", "envelope": 5 }
                ],
            }),
        ),
        (
            "a first message accepted twice (OneTimePreKeyConsumed), then a new initiation whose first message Bob's session refuses (PreKeyMessageMismatch) and whose accept finds the one-time prekey consumed",
            json!({
                "alice_rng_seed": h(seed(72)), "bob_rng_seed": h(seed(73)), "one_time_prekey": true,
                "script": [
                    { "op": "send", "from": "alice", "text": "hello" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "accept", "envelope": 1 },
                    { "op": "initiate" },
                    { "op": "send", "from": "alice", "text": "hello again" },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "accept", "envelope": 2 }
                ],
            }),
        ),
        (
            "Bob's store lacks the signed prekey his bundle names: UnknownSignedPreKey",
            json!({
                "alice_rng_seed": h(seed(74)), "bob_rng_seed": h(seed(75)), "one_time_prekey": true,
                "withhold": ["signed_prekey"],
                "script": [
                    { "op": "send", "from": "alice", "text": "hello" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "accept", "envelope": 1 }
                ],
            }),
        ),
        (
            "Bob's store never had the one-time prekey his bundle names: UnknownOneTimePreKey",
            json!({
                "alice_rng_seed": h(seed(76)), "bob_rng_seed": h(seed(77)), "one_time_prekey": true,
                "withhold": ["one_time_prekey"],
                "script": [
                    { "op": "send", "from": "alice", "text": "hello" },
                    { "op": "deliver", "envelope": 1 }
                ],
            }),
        ),
        (
            "header counters 2^32 - 1 (CounterExhausted) and 2^32 - 2 (TooManySkippedMessages), forged on a RatchetMessage to Alice and a repeated PreKeyMessage to Bob; the genuine messages still decrypt",
            json!({
                "alice_rng_seed": h(seed(78)), "bob_rng_seed": h(seed(79)), "one_time_prekey": true,
                "script": [
                    { "op": "send", "from": "alice", "text": "a1" },
                    { "op": "send", "from": "alice", "text": "a2" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "forge", "envelope": 2, "counter": 4_294_967_295u32 },
                    { "op": "deliver", "envelope": 3 },
                    { "op": "send", "from": "bob", "text": "b1" },
                    { "op": "forge", "envelope": 4, "counter": 4_294_967_295u32 },
                    { "op": "forge", "envelope": 4, "counter": 4_294_967_294u32 },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 6 },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "deliver", "envelope": 2 }
                ],
            }),
        ),
    ]
}

/// One side of the conversation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Party {
    /// `"alice"`: the initiator.
    Alice,
    /// `"bob"`: the responder.
    Bob,
}

impl Party {
    /// The party named `name`.
    fn from_name(name: &str) -> Result<Self, String> {
        match name {
            "alice" => Ok(Self::Alice),
            "bob" => Ok(Self::Bob),
            _ => Err(format!("unknown party {name}")),
        }
    }

    /// The name of the party in the vector file.
    fn name(self) -> &'static str {
        match self {
            Self::Alice => "alice",
            Self::Bob => "bob",
        }
    }
}

/// One step of a transcript's script.
pub(super) enum Op {
    /// `{ "op": "send", "from", "text" }`: `from` encrypts `text`.
    Send { from: Party, text: String },
    /// `{ "op": "deliver", "envelope" }`: the envelope numbered `envelope` (from 1, in the order
    /// sent) reaches the other party.
    Deliver { envelope: usize },
    /// `{ "op": "accept", "envelope" }`: Bob accepts the envelope numbered `envelope` with
    /// `Session::accept_with_store`, whether or not he has a session; a success replaces it.
    Accept { envelope: usize },
    /// `{ "op": "initiate" }`: Alice starts a new session from Bob's bundle (a new base key),
    /// replacing hers.
    Initiate,
    /// `{ "op": "forge", "envelope", "counter" }`: a copy of the envelope numbered `envelope`
    /// whose (inner) header counter N is `counter`, everything else unchanged, is appended to
    /// the envelopes as if its sender had sent it.
    Forge { envelope: usize, counter: u32 },
}

impl Op {
    /// Reads one entry of `script`, refusing unknown and missing keys.
    fn from_json(value: &Value) -> Result<Self, String> {
        match Fields::of(value, &["op"], &["from", "text", "envelope", "counter"])?.str("op")? {
            "send" => {
                let fields = Fields::of(value, &["op", "from", "text"], &[])?;
                Ok(Self::Send {
                    from: Party::from_name(fields.str("from")?)?,
                    text: fields.str("text")?.to_string(),
                })
            }
            "deliver" => {
                let fields = Fields::of(value, &["op", "envelope"], &[])?;
                Ok(Self::Deliver {
                    envelope: fields.usize("envelope")?,
                })
            }
            "accept" => {
                let fields = Fields::of(value, &["op", "envelope"], &[])?;
                Ok(Self::Accept {
                    envelope: fields.usize("envelope")?,
                })
            }
            "initiate" => {
                Fields::of(value, &["op"], &[])?;
                Ok(Self::Initiate)
            }
            "forge" => {
                let fields = Fields::of(value, &["op", "envelope", "counter"], &[])?;
                Ok(Self::Forge {
                    envelope: fields.usize("envelope")?,
                    counter: fields.u32("counter")?,
                })
            }
            _ => Err("unknown op".into()),
        }
    }
}

/// One case's input: the two RNG seeds, the responder's prekeys and the script.
pub(super) struct TranscriptInput {
    /// `"alice_rng_seed"`: the ChaCha20 key of the initiator's RNG.
    pub(super) alice_rng_seed: [u8; 32],
    /// `"bob_rng_seed"`: the ChaCha20 key of the responder's RNG.
    pub(super) bob_rng_seed: [u8; 32],
    /// `"one_time_prekey"`: whether the responder's bundle has a one-time prekey.
    pub(super) one_time_prekey: bool,
    /// `"max_skip"`, optional: the `Config::max_skip` of both sides.
    pub(super) max_skip: Option<u32>,
    /// `"config"`, optional: the limits of both sides (SPEC.md 8.4), each key optional;
    /// `max_skip` above, when present, wins.
    pub(super) config: Config,
    /// `"withhold"`, optional: which of `"signed_prekey"` and `"one_time_prekey"` Bob
    /// publishes in his bundle but leaves out of his prekey store.
    pub(super) withhold_signed_prekey: bool,
    /// See `withhold_signed_prekey`.
    pub(super) withhold_one_time_prekey: bool,
    /// `"script"`: the sends and deliveries, in order.
    pub(super) script: Vec<Op>,
}

impl TranscriptInput {
    /// Reads a case's `input`, refusing unknown and missing keys (in the script's steps too).
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = Fields::of(
            value,
            &[
                "alice_rng_seed",
                "bob_rng_seed",
                "one_time_prekey",
                "script",
            ],
            &["max_skip", "config", "withhold"],
        )?;
        let mut withhold = (false, false);
        if let Some(list) = fields.get("withhold") {
            for name in list.as_array().ok_or("withhold must be a list")? {
                match name.as_str() {
                    Some("signed_prekey") => withhold.0 = true,
                    Some("one_time_prekey") => withhold.1 = true,
                    _ => return Err(format!("withhold: unknown key {name}")),
                }
            }
        }
        let max_skip = match fields.get("max_skip") {
            Some(_) => Some(fields.u32("max_skip")?),
            None => None,
        };
        let script = fields
            .value("script")?
            .as_array()
            .ok_or("script must be a list")?
            .iter()
            .map(Op::from_json)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            alice_rng_seed: fields.b32("alice_rng_seed")?,
            bob_rng_seed: fields.b32("bob_rng_seed")?,
            one_time_prekey: fields.bool("one_time_prekey")?,
            max_skip,
            config: super::json::config(&fields, "config")?,
            withhold_signed_prekey: withhold.0,
            withhold_one_time_prekey: withhold.1,
            script,
        })
    }
}

/// Runs a transcript: Bob draws his identity, signed prekey (id 1, created_at 1750000000) and
/// optional one-time prekey (id 1) from his RNG; Alice draws her identity, then initiates.
pub(super) fn compute(
    input: &TranscriptInput,
    p: &'static hushwire::CryptoProvider,
) -> Result<Value, String> {
    let mut config = input.config;
    config.provider = p;
    if let Some(max_skip) = input.max_skip {
        config.max_skip = max_skip;
    }
    let mut alice_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(input.alice_rng_seed),
        draws: Vec::new(),
    };
    let mut bob_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(input.bob_rng_seed),
        draws: Vec::new(),
    };
    let bob_identity = IdentityKeyPair::generate(&mut bob_rng);
    let spk = SignedPreKeyPair::generate(
        &mut bob_rng,
        &bob_identity,
        SignedPreKeyId(1),
        Timestamp::from_unix_seconds(1_750_000_000),
    );
    let otk = input
        .one_time_prekey
        .then(|| OneTimePreKeyPair::generate(&mut bob_rng, OneTimePreKeyId(1)));
    let bundle =
        PreKeyBundle::new(&bob_identity, &spk, otk.as_ref().map(|k| *k.public())).map_err(kind)?;
    let mut store = InMemoryPreKeyStore::new();
    if !input.withhold_signed_prekey {
        store.add_signed_prekey(spk);
    }
    if let Some(otk) = otk.filter(|_| !input.withhold_one_time_prekey) {
        store.add_one_time_prekey(otk);
    }
    let alice_identity = IdentityKeyPair::generate(&mut alice_rng);
    let mut alice =
        Session::initiate(&mut alice_rng, &alice_identity, &bundle, &config).map_err(kind)?;
    let mut bob: Option<Session> = None;

    let mut envelopes: Vec<(Party, Vec<u8>)> = Vec::new();
    let mut deliveries = Vec::new();
    for op in &input.script {
        match *op {
            Op::Send { from, ref text } => {
                let session = match from {
                    Party::Alice => Some(&mut alice),
                    Party::Bob => bob.as_mut(),
                };
                let session = session.ok_or("bob cannot send before he has a session")?;
                let wire = session.encrypt(text.as_bytes()).map_err(kind)?.encode();
                envelopes.push((from, wire));
            }
            Op::Initiate => {
                alice = Session::initiate(&mut alice_rng, &alice_identity, &bundle, &config)
                    .map_err(kind)?;
            }
            Op::Forge {
                envelope: index,
                counter,
            } => {
                let (from, wire) = envelopes
                    .get(index.wrapping_sub(1))
                    .ok_or("no such envelope")?
                    .clone();
                let mut envelope: pb::Envelope =
                    prost::Message::decode(&wire[..]).map_err(|e| e.to_string())?;
                match envelope.content.as_mut() {
                    Some(pb::envelope::Content::Ratchet(m)) => m.counter = counter,
                    Some(pb::envelope::Content::Prekey(m)) => {
                        m.message.as_mut().ok_or("no message")?.counter = counter;
                    }
                    None => return Err("no content".into()),
                }
                envelopes.push((from, prost::Message::encode_to_vec(&envelope)));
            }
            Op::Accept { envelope: index } => {
                let (from, wire) = envelopes
                    .get(index.wrapping_sub(1))
                    .ok_or("no such envelope")?
                    .clone();
                if from != Party::Alice {
                    return Err("only Alice's envelopes can be accepted".into());
                }
                let result = Envelope::decode(&wire, &config)
                    .and_then(Envelope::into_prekey)
                    .and_then(|first| {
                        Session::accept_with_store(
                            &mut bob_rng,
                            &bob_identity,
                            &mut store,
                            &first,
                            &config,
                        )
                    })
                    .map(|(s, p)| {
                        bob = Some(s);
                        p
                    });
                deliveries.push(match result {
                    Ok(plaintext) => json!({ "envelope": index, "plaintext": String::from_utf8_lossy(&plaintext) }),
                    Err(error) => json!({ "envelope": index, "error": kind(error) }),
                });
            }
            Op::Deliver { envelope: index } => {
                let (from, wire) = envelopes
                    .get(index.wrapping_sub(1))
                    .ok_or("no such envelope")?
                    .clone();
                let result = if from == Party::Alice {
                    match bob.as_mut() {
                        Some(session) => session.decrypt_bytes(&mut bob_rng, &wire),
                        None => Envelope::decode(&wire, &config)
                            .and_then(Envelope::into_prekey)
                            .and_then(|first| {
                                Session::accept_with_store(
                                    &mut bob_rng,
                                    &bob_identity,
                                    &mut store,
                                    &first,
                                    &config,
                                )
                            })
                            .map(|(s, p)| {
                                bob = Some(s);
                                p
                            }),
                    }
                } else {
                    alice.decrypt_bytes(&mut alice_rng, &wire)
                };
                deliveries.push(match result {
                    Ok(plaintext) => json!({ "envelope": index, "plaintext": String::from_utf8_lossy(&plaintext) }),
                    Err(error) => json!({ "envelope": index, "error": kind(error) }),
                });
            }
        }
    }
    Ok(json!({
        "rng_draws": { "alice": alice_rng.draws, "bob": bob_rng.draws },
        "envelopes": envelopes.iter().enumerate().map(|(i, (from, wire))| json!({ "index": i + 1, "from": from.name(), "bytes": h(wire) })).collect::<Vec<_>>(),
        "deliveries": deliveries,
        "alice_state": h(alice.to_stored().as_bytes()),
        "bob_state": bob.map(|b| h(b.to_stored().as_bytes())).unwrap_or(Value::Null),
    }))
}
