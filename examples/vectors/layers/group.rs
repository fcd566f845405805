//! group.json: groups with Sender Keys (SPEC.md section 15): sender keys from their 68 random
//! bytes, distributions and their decoding, group messages and their decoding, scenarios of
//! members sending, receiving, joining and leaving, and loading stored group sessions.

use super::json::{Fields, h};
use super::outputs::{address, error, with_checksum};
use super::pb;
use super::rngs::FixedRng;
use super::seed;
use hushwire::hazmat::certificate::{SignedObject, sign_certificate_body};
use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, DistributionOutcome, Error, GroupId, GroupMessage,
    GroupSession, SenderKeyDistribution,
};
use prost::Message;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

fn p<T>(r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| format!("{e:?}"))
}

fn sender_key_bytes(n: u8) -> Vec<u8> {
    let mut out = seed(n).to_vec();
    out.extend_from_slice(&seed(n.wrapping_add(1)));
    out.extend_from_slice(&seed(n.wrapping_add(2))[..4]);
    out
}

fn addr(account: &[u8], device: u32) -> Result<DeviceAddress, String> {
    Ok(DeviceAddress::new(
        p(AccountId::new(account.to_vec()))?,
        p(DeviceId::new(device))?,
    ))
}

/// A session of group `group` for `sender` whose sender key is drawn from `key` (68 bytes),
/// with one other member, its chain advanced `advance` messages.
fn session_with(
    group: &[u8],
    sender: &DeviceAddress,
    key: Vec<u8>,
    advance: u32,
) -> Result<GroupSession, String> {
    let other = addr(b"zz-other", 1)?;
    let mut s = p(GroupSession::create(
        &mut FixedRng(key),
        p(GroupId::new(group.to_vec()))?,
        sender.clone(),
        [other],
        &super::classic_config(),
    ))?;
    for _ in 0..advance {
        p(s.encrypt(b""))?;
    }
    Ok(s)
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mut cases: Vec<(&'static str, Value)> = Vec::new();
    let key = sender_key_bytes(160);
    let encrypt = |advance: u32, text: &str| {
        json!({ "encrypt": {
        "group_id": h(b"acme-support"), "sender_account": h(b"acme"), "sender_device": 2,
        "sender_key_random": h(&key), "advance": advance, "plaintext": h(text.as_bytes()) } })
    };
    cases.push((
        "sender key and distribution from 68 random bytes (15.2)",
        json!({ "distribution": {
        "group_id": h(b"acme-support"), "sender_key_random": h(&key), "advance": 0 } }),
    ));
    cases.push((
        "the distribution after 3 messages: the chain key at iteration 3",
        json!({ "distribution": {
        "group_id": h(b"acme-support"), "sender_key_random": h(&key), "advance": 3 } }),
    ));
    cases.push((
        "a group message, iteration 0 (15.3)",
        encrypt(0, "your order shipped"),
    ));
    cases.push(("a group message, iteration 5", encrypt(5, "second")));
    cases.push(("an empty plaintext", encrypt(1, "")));

    // Distribution decoding (15.2).
    let genuine = {
        let sender = addr(b"acme", 2).unwrap();
        session_with(b"acme-support", &sender, key.clone(), 0)
            .unwrap()
            .distribution()
            .encode()
            .to_vec()
    };
    let dist = |edit: &dyn Fn(&mut pb::SenderKeyDistribution)| {
        let mut d = pb::SenderKeyDistribution::decode(genuine.as_slice()).unwrap();
        edit(&mut d);
        json!({ "decode_distribution": { "bytes": h(d.encode_to_vec()) } })
    };
    cases.push(("distribution: decodes", dist(&|_| {})));
    cases.push(("distribution: refused, version 2", dist(&|d| d.version = 2)));
    cases.push((
        "distribution: refused, an empty group id",
        dist(&|d| d.group_id.clear()),
    ));
    cases.push((
        "distribution: refused, a 65-byte group id",
        dist(&|d| d.group_id = vec![7; 65]),
    ));
    cases.push((
        "distribution: refused, a 31-byte chain key",
        dist(&|d| d.chain_key.truncate(31)),
    ));
    cases.push((
        "distribution: refused, a low-order signing key",
        dist(&|d| {
            let mut k = vec![0u8; 32];
            k[0] = 1;
            d.signing_key = k
        }),
    ));
    cases.push(("distribution: refused, an unknown field", json!({ "decode_distribution": { "bytes": h([genuine.clone(), vec![0x38, 0x01]].concat()) } })));
    cases.push((
        "distribution: refused, 257 bytes",
        json!({ "decode_distribution": { "bytes": h(vec![0u8; 257]) } }),
    ));

    // Group message decoding (15.3).
    let message = {
        let sender = addr(b"acme", 2).unwrap();
        session_with(b"acme-support", &sender, key.clone(), 0)
            .unwrap()
            .encrypt(b"hello")
            .unwrap()
            .encode()
    };
    // The signing seed: the last 32 of the 68 random bytes (SPEC.md 15.2).
    let signing_seed: [u8; 32] = key[36..68].try_into().unwrap();
    let msg = |edit: &dyn Fn(&mut pb::GroupMessageBody), resign: bool| {
        let mut outer = pb::GroupMessage::decode(message.as_slice()).unwrap();
        let mut body = pb::GroupMessageBody::decode(outer.body.as_slice()).unwrap();
        edit(&mut body);
        outer.body = body.encode_to_vec();
        if resign {
            outer.signature =
                sign_certificate_body(&signing_seed, SignedObject::GroupMessage, &outer.body)
                    .to_vec();
        }
        json!({ "decode_message": { "bytes": h(outer.encode_to_vec()), "max_encoded_len": 2097152 } })
    };
    cases.push(("message: decodes", msg(&|_| {}, false)));
    cases.push(("message: refused, version 2", msg(&|b| b.version = 2, true)));
    cases.push((
        "message: refused, an empty group id",
        msg(&|b| b.group_id.clear(), true),
    ));
    cases.push((
        "message: refused, an empty sender account",
        msg(&|b| b.sender_account.clear(), true),
    ));
    cases.push((
        "message: refused, sender device 0",
        msg(&|b| b.sender_device = 0, true),
    ));
    cases.push((
        "message: refused, a 15-byte ciphertext",
        msg(&|b| b.ciphertext.truncate(15), true),
    ));
    let mut short_sig = pb::GroupMessage::decode(message.as_slice()).unwrap();
    short_sig.signature.truncate(63);
    cases.push(("message: refused, a 63-byte signature", json!({ "decode_message": { "bytes": h(short_sig.encode_to_vec()), "max_encoded_len": 2097152 } })));
    cases.push((
        "message: refused, longer than max_encoded_len",
        json!({ "decode_message": { "bytes": h(&message), "max_encoded_len": 100 } }),
    ));

    // Scenarios (15.4, 15.5).
    let members = |n: &[(&str, u32, u8)]| {
        n.iter().map(|&(a, d, s)| json!({ "account": h(a.as_bytes()), "device": d, "rng_seed": h(seed(s)) })).collect::<Vec<_>>()
    };
    cases.push(("scenario: three members, out of order, a replay, a tampered signature, a removal with rotation, a late joiner", json!({ "scenario": {
        "group_id": h(b"acme-support"),
        "members": members(&[("acme", 1, 170), ("carol", 1, 171), ("dave", 1, 172), ("erin", 1, 173)]),
        "script": [
            { "op": "create", "member": 0, "with": [1, 2] },
            { "op": "create", "member": 1, "with": [0, 2] },
            { "op": "create", "member": 2, "with": [0, 1] },
            { "op": "distribute", "from": 0, "to": [1, 2] },
            { "op": "distribute", "from": 1, "to": [0, 2] },
            { "op": "distribute", "from": 2, "to": [0, 1] },
            { "op": "send", "from": 0, "text": "welcome" },
            { "op": "send", "from": 0, "text": "second" },
            { "op": "send", "from": 0, "text": "third" },
            { "op": "deliver", "message": 3, "to": 1 },
            { "op": "deliver", "message": 1, "to": 1 },
            { "op": "deliver", "message": 1, "to": 1 },
            { "op": "deliver", "message": 2, "to": 1 },
            { "op": "deliver", "message": 1, "to": 2 },
            { "op": "tamper", "message": 2 },
            { "op": "deliver", "message": 4, "to": 2 },
            { "op": "deliver", "message": 2, "to": 2 },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "send", "from": 2, "text": "from dave" },
            { "op": "deliver", "message": 5, "to": 0 },
            { "op": "remove", "member": 0, "device": 2 },
            { "op": "remove", "member": 1, "device": 2 },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "distribute", "from": 1, "to": [0] },
            { "op": "send", "from": 0, "text": "after dave left" },
            { "op": "deliver", "message": 6, "to": 1 },
            { "op": "deliver", "message": 6, "to": 2 },
            { "op": "send", "from": 2, "text": "dave again" },
            { "op": "deliver", "message": 7, "to": 0 },
            { "op": "distribute", "from": 2, "to": [0] },
            { "op": "create", "member": 3, "with": [0, 1] },
            { "op": "add", "member": 0, "device": 3 },
            { "op": "distribute", "from": 0, "to": [3] },
            { "op": "deliver", "message": 6, "to": 3 },
            { "op": "send", "from": 0, "text": "hello erin" },
            { "op": "deliver", "message": 8, "to": 3 },
            { "op": "deliver", "message": 8, "to": 1 },
        ],
    }})));
    cases.push(("scenario: rotations past the chain limit (2), eviction past max_group_skipped_keys (3), a jump past max_group_skip (10)", json!({ "scenario": {
        "group_id": h(b"team"),
        "config": { "max_sender_key_chains": 2, "max_group_skip": 10, "max_group_skipped_keys": 3 },
        "members": members(&[("acme", 1, 180), ("acme", 2, 181)]),
        "script": [
            { "op": "create", "member": 0, "with": [1] },
            { "op": "create", "member": 1, "with": [0] },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "send", "from": 0, "text": "chain 1" },
            { "op": "rotate", "member": 0 },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "rotate", "member": 0 },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "deliver", "message": 1, "to": 1 },
            { "op": "send", "from": 0, "text": "m0" },
            { "op": "send", "from": 0, "text": "m1" },
            { "op": "send", "from": 0, "text": "m2" },
            { "op": "send", "from": 0, "text": "m3" },
            { "op": "send", "from": 0, "text": "m4" },
            { "op": "deliver", "message": 6, "to": 1 },
            { "op": "deliver", "message": 2, "to": 1 },
            { "op": "deliver", "message": 4, "to": 1 },
            { "op": "skip", "member": 0, "count": 11 },
            { "op": "send", "from": 0, "text": "too far" },
            { "op": "deliver", "message": 7, "to": 1 },
            { "op": "distribute", "from": 0, "to": [1] },
            { "op": "distribute_edited", "from": 0, "to": [1], "field": "signing_key", "value": h(hushwire::IdentityKeyPair::from_seed(&seed(182)).public_key().to_bytes()) },
            { "op": "distribute_edited", "from": 0, "to": [1], "field": "group_id", "value": h(b"another team") },
        ],
    }})));

    // Loading stored group sessions (15.6).
    for case in loads() {
        cases.push(case);
    }
    cases
}

fn loads() -> Vec<(&'static str, Value)> {
    let sender = addr(b"acme", 1).unwrap();
    let other = addr(b"carol", 1).unwrap();
    let mut a = p(GroupSession::create(
        &mut ChaCha20Rng::from_seed(seed(190)),
        GroupId::new(b"g".to_vec()).unwrap(),
        sender.clone(),
        [other.clone()],
        &super::classic_config(),
    ))
    .unwrap();
    let mut b = p(GroupSession::create(
        &mut ChaCha20Rng::from_seed(seed(191)),
        GroupId::new(b"g".to_vec()).unwrap(),
        other.clone(),
        [sender.clone()],
        &super::classic_config(),
    ))
    .unwrap();
    b.process_distribution(&sender, &a.distribution()).unwrap();
    let sent: Vec<_> = (0..3).map(|_| a.encrypt(b"x").unwrap()).collect();
    b.decrypt(&sent[2]).unwrap();
    let stored = b.to_stored().as_bytes().to_vec();
    let with_checksum =
        |content: Vec<u8>| with_checksum(b"hushwire/v1/stored-group-session", content);
    let state = pb::GroupSessionState::decode(&stored[..stored.len() - 32]).unwrap();
    let edit = |f: &dyn Fn(&mut pb::GroupSessionState)| {
        let mut s = state.clone();
        f(&mut s);
        with_checksum(s.encode_to_vec())
    };
    let load = |bytes: Vec<u8>, chains: u64| json!({ "load": { "stored": h(bytes), "max_sender_key_chains": chains } });
    vec![
        (
            "load: a member holding one chain with two stored keys",
            load(stored.clone(), 5),
        ),
        (
            "load: refused, cut short",
            load(stored[..stored.len() - 1].to_vec(), 5),
        ),
        (
            "load: refused, version 2",
            load(edit(&|s| s.version = 2), 5),
        ),
        (
            "load: refused, a 31-byte chain key",
            load(edit(&|s| s.chain_key.truncate(31)), 5),
        ),
        (
            "load: refused, ourselves as a member",
            load(edit(&|s| s.members[0].account_id = b"carol".to_vec()), 5),
        ),
        (
            "load: refused, members out of order",
            load(
                edit(&|s| {
                    let m = s.members[0].clone();
                    let mut m2 = m.clone();
                    m2.account_id = b"aaa".to_vec();
                    s.members.push(m2)
                }),
                5,
            ),
        ),
        (
            "load: trimmed, two chains under max_sender_key_chains 0 (counts as 1): the older goes",
            load(
                edit(&|s| {
                    let c = s.members[0].chains[0].clone();
                    let mut c2 = c.clone();
                    c2.chain_id ^= 1;
                    s.members[0].chains.push(c2)
                }),
                0,
            ),
        ),
        (
            "load: refused, 65 chains for one member (more than 64 whatever the limit)",
            load(
                edit(&|s| {
                    let c = s.members[0].chains[0].clone();
                    s.members[0].chains = (0..65u32)
                        .map(|i| {
                            let mut c = c.clone();
                            c.chain_id = i;
                            c
                        })
                        .collect();
                }),
                5,
            ),
        ),
        (
            "load: refused, a chain id twice",
            load(
                edit(&|s| {
                    let c = s.members[0].chains[0].clone();
                    s.members[0].chains.push(c)
                }),
                5,
            ),
        ),
        (
            "load: refused, a stored key at the chain's iteration",
            load(
                edit(&|s| {
                    let c = &mut s.members[0].chains[0];
                    c.skipped[1].iteration = c.iteration
                }),
                5,
            ),
        ),
        (
            "load: refused, stored keys out of order",
            load(
                edit(&|s| {
                    let c = &mut s.members[0].chains[0];
                    c.skipped.swap(0, 1)
                }),
                5,
            ),
        ),
        (
            "load: refused, a low-order signing key",
            load(
                edit(&|s| {
                    let mut k = vec![0u8; 32];
                    k[0] = 1;
                    s.members[0].chains[0].signing_key = k
                }),
                5,
            ),
        ),
        (
            "load: refused, an empty group id",
            load(edit(&|s| s.group_id.clear()), 5),
        ),
    ]
}

// ---- Inputs ----

pub(super) struct GroupInput(Value);

impl GroupInput {
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let kinds = [
            "distribution",
            "encrypt",
            "decode_distribution",
            "decode_message",
            "scenario",
            "load",
        ];
        let map = value.as_object().ok_or("expected an object")?;
        if let Some(key) = map.keys().find(|k| !kinds.contains(&k.as_str())) {
            return Err(format!("unknown key {key}"));
        }
        if map.len() != 1 {
            return Err("missing key: exactly one case kind".into());
        }
        Ok(Self(value.clone()))
    }
}

// ---- Outputs ----

fn distribution_json(d: &SenderKeyDistribution) -> Result<Value, String> {
    let bytes = d.encode();
    let parts = pb::SenderKeyDistribution::decode(bytes.as_slice()).map_err(|e| e.to_string())?;
    Ok(json!({
        "group_id": h(&parts.group_id), "chain_id": parts.chain_id, "iteration": parts.iteration,
        "chain_key": h(&parts.chain_key), "signing_key": h(&parts.signing_key), "bytes": h(&*bytes),
    }))
}

fn config(f: &Fields<'_>) -> Result<Config, String> {
    let mut config = super::classic_config();
    if f.get("config").is_none() {
        return Ok(config);
    }
    let c = f.object(
        "config",
        &[],
        &[
            "max_sender_key_chains",
            "max_group_skip",
            "max_group_skipped_keys",
        ],
    )?;
    if c.get("max_sender_key_chains").is_some() {
        config.max_sender_key_chains = c.usize("max_sender_key_chains")?;
    }
    if c.get("max_group_skip").is_some() {
        config.max_group_skip = c.u32("max_group_skip")?;
    }
    if c.get("max_group_skipped_keys").is_some() {
        config.max_group_skipped_keys = c.usize("max_group_skipped_keys")?;
    }
    Ok(config)
}

pub(super) fn compute(input: &GroupInput) -> Result<Value, String> {
    let (kind, body) = input
        .0
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or("empty input")?;
    Ok(match kind.as_str() {
        "distribution" => {
            let f = Fields::of(body, &["group_id", "sender_key_random", "advance"], &[])?;
            let s = session_with(
                &f.bytes("group_id")?,
                &addr(b"acme", 1)?,
                f.bytes("sender_key_random")?,
                f.u32("advance")?,
            )?;
            distribution_json(&s.distribution())?
        }
        "encrypt" => {
            let f = Fields::of(
                body,
                &[
                    "group_id",
                    "sender_account",
                    "sender_device",
                    "sender_key_random",
                    "advance",
                    "plaintext",
                ],
                &[],
            )?;
            let sender = addr(&f.bytes("sender_account")?, f.u32("sender_device")?)?;
            let mut s = session_with(
                &f.bytes("group_id")?,
                &sender,
                f.bytes("sender_key_random")?,
                f.u32("advance")?,
            )?;
            let m = p(s.encrypt(&f.bytes("plaintext")?))?;
            let outer =
                pb::GroupMessage::decode(m.encode().as_slice()).map_err(|e| e.to_string())?;
            let inner =
                pb::GroupMessageBody::decode(outer.body.as_slice()).map_err(|e| e.to_string())?;
            json!({ "body": h(&outer.body), "ciphertext": h(&inner.ciphertext), "signature": h(&outer.signature), "message": h(m.encode()) })
        }
        "decode_distribution" => {
            let f = Fields::of(body, &["bytes"], &[])?;
            match SenderKeyDistribution::decode(&f.bytes("bytes")?) {
                Ok(d) => distribution_json(&d)?,
                Err(e) => error(&e),
            }
        }
        "decode_message" => {
            let f = Fields::of(body, &["bytes", "max_encoded_len"], &[])?;
            let mut config = super::classic_config();
            config.max_encoded_len = f.usize("max_encoded_len")?;
            match GroupMessage::decode(&f.bytes("bytes")?, &config) {
                Ok(m) => {
                    json!({ "group_id": h(m.group_id().as_bytes()), "sender": address(m.sender()), "chain_id": m.chain_id(), "iteration": m.iteration() })
                }
                Err(e) => error(&e),
            }
        }
        "scenario" => scenario(body)?,
        "load" => {
            let f = Fields::of(body, &["stored", "max_sender_key_chains"], &[])?;
            let mut config = super::classic_config();
            config.max_sender_key_chains = f.usize("max_sender_key_chains")?;
            match GroupSession::from_stored(&f.bytes("stored")?, &config) {
                Ok(s) => {
                    json!({ "group_id": h(s.group_id().as_bytes()), "local": address(s.local()), "members": s.members().map(address).collect::<Vec<_>>(), "reencoded": h(s.to_stored().as_bytes()) })
                }
                Err(e) => error(&e),
            }
        }
        _ => return Err(format!("unknown case kind {kind}")),
    })
}

fn scenario(body: &Value) -> Result<Value, String> {
    let f = Fields::of(body, &["group_id", "members", "script"], &["config"])?;
    let config = config(&f)?;
    let group = p(GroupId::new(f.bytes("group_id")?))?;
    let mut people = Vec::new();
    for m in f.value("members")?.as_array().ok_or("members")? {
        let m = Fields::of(m, &["account", "device", "rng_seed"], &[])?;
        people.push((
            addr(&m.bytes("account")?, m.u32("device")?)?,
            ChaCha20Rng::from_seed(m.b32("rng_seed")?),
        ));
    }
    let mut sessions: Vec<Option<GroupSession>> = people.iter().map(|_| None).collect();
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut steps = Vec::new();
    let index = |v: usize, len: usize| {
        if v < len {
            Ok(v)
        } else {
            Err("no such member".to_string())
        }
    };
    for op in f.value("script")?.as_array().ok_or("script")? {
        let o = Fields::of(
            op,
            &["op"],
            &[
                "member", "with", "from", "to", "text", "message", "device", "count", "field",
                "value",
            ],
        )?;
        let step = match o.str("op")? {
            "create" => {
                let i = index(o.usize("member")?, people.len())?;
                let mut with = Vec::new();
                for w in o.value("with")?.as_array().ok_or("with")? {
                    let j = index(
                        usize::try_from(w.as_u64().ok_or("with")?).map_err(|e| e.to_string())?,
                        people.len(),
                    )?;
                    with.push(people[j].0.clone());
                }
                let local = people[i].0.clone();
                let s = p(GroupSession::create(
                    &mut people[i].1,
                    group.clone(),
                    local,
                    with,
                    &config,
                ))?;
                let out = json!({ "chain_id": s.chain_id() });
                sessions[i] = Some(s);
                out
            }
            "distribute" | "distribute_edited" => {
                let i = index(o.usize("from")?, people.len())?;
                let d = sessions[i].as_ref().ok_or("no session")?.distribution();
                let mut bytes = d.encode();
                if o.str("op")? == "distribute_edited" {
                    let mut edited = pb::SenderKeyDistribution::decode(bytes.as_slice())
                        .map_err(|e| e.to_string())?;
                    match o.str("field")? {
                        "group_id" => edited.group_id = o.bytes("value")?,
                        "signing_key" => edited.signing_key = o.bytes("value")?,
                        other => return Err(format!("unknown field {other}")),
                    }
                    bytes = zeroize::Zeroizing::new(edited.encode_to_vec());
                }
                let mut outcomes = Vec::new();
                for t in o.value("to")?.as_array().ok_or("to")? {
                    let j = index(
                        usize::try_from(t.as_u64().ok_or("to")?).map_err(|e| e.to_string())?,
                        people.len(),
                    )?;
                    let d = p(SenderKeyDistribution::decode(&bytes))?;
                    let from = people[i].0.clone();
                    let s = sessions[j].as_mut().ok_or("no session")?;
                    outcomes.push(match s.process_distribution(&from, &d) {
                        Ok(DistributionOutcome::Added) => json!("added"),
                        Ok(DistributionOutcome::AlreadyHeld) => json!("already_held"),
                        Err(e) => error(&e),
                    });
                }
                json!({ "distribution": h(&*bytes), "outcomes": outcomes })
            }
            "send" => {
                let i = index(o.usize("from")?, people.len())?;
                let m = p(sessions[i]
                    .as_mut()
                    .ok_or("no session")?
                    .encrypt(o.str("text")?.as_bytes()))?;
                messages.push(m.encode());
                json!({ "index": messages.len(), "bytes": h(m.encode()) })
            }
            "tamper" => {
                let k = o.usize("message")?;
                let mut outer = pb::GroupMessage::decode(
                    messages
                        .get(k.checked_sub(1).ok_or("message 0")?)
                        .ok_or("no message")?
                        .as_slice(),
                )
                .map_err(|e| e.to_string())?;
                let mut inner = pb::GroupMessageBody::decode(outer.body.as_slice())
                    .map_err(|e| e.to_string())?;
                if let Some(b) = inner.ciphertext.first_mut() {
                    *b ^= 1;
                }
                outer.body = inner.encode_to_vec();
                messages.push(outer.encode_to_vec());
                json!({ "index": messages.len(), "bytes": h(outer.encode_to_vec()) })
            }
            "deliver" => {
                let k = o.usize("message")?;
                let j = index(o.usize("to")?, people.len())?;
                let bytes = messages
                    .get(k.checked_sub(1).ok_or("message 0")?)
                    .ok_or("no message")?
                    .clone();
                let s = sessions[j].as_mut().ok_or("no session")?;
                match s.decrypt_bytes(&bytes) {
                    Ok(pt) => json!({ "plaintext": String::from_utf8_lossy(&pt) }),
                    Err(e) => error(&e),
                }
            }
            "remove" | "add" => {
                let i = index(o.usize("member")?, people.len())?;
                let j = index(o.usize("device")?, people.len())?;
                let target = people[j].0.clone();
                let (person, session) = (&mut people[i], &mut sessions[i]);
                let s = session.as_mut().ok_or("no session")?;
                let result = if o.str("op")? == "remove" {
                    s.remove_member(&mut person.1, &target)
                } else {
                    s.add_member(target)
                };
                match result {
                    Ok(d) => json!({ "chain_id": d.chain_id(), "iteration": d.iteration() }),
                    Err(e) => error(&e),
                }
            }
            "rotate" => {
                let i = index(o.usize("member")?, people.len())?;
                let (person, session) = (&mut people[i], &mut sessions[i]);
                let d = session.as_mut().ok_or("no session")?.rotate(&mut person.1);
                json!({ "chain_id": d.chain_id() })
            }
            "skip" => {
                let i = index(o.usize("member")?, people.len())?;
                let s = sessions[i].as_mut().ok_or("no session")?;
                for _ in 0..o.u32("count")? {
                    p(s.encrypt(b""))?;
                }
                json!({})
            }
            other => return Err(format!("unknown op {other}")),
        };
        steps.push(step);
    }
    let states: Vec<Value> = sessions
        .iter()
        .map(|s| {
            s.as_ref()
                .map(|s| h(s.to_stored().as_bytes()))
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(json!({ "steps": steps, "states": states }))
}
