//! Generation and verification of hushwire's JSON test vectors (test-vectors/README.md).
//!
//! Every layer is one module with one function `compute(&input) -> output`, whose input is a
//! small struct or enum read from the case's JSON `input` by its `from_json` (which refuses
//! unknown and missing keys). Generation builds inputs from fixed seeds and records
//! `compute`'s result; verification recomputes each case from its inputs and compares, then
//! checks that the whole file is byte-for-byte what generation produces. The same code backs
//! `cargo run --example vectors` and `tests/vectors.rs` (which also runs the tests below).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

mod json;
mod outputs;
mod pb;
mod rngs;

mod attachment;
mod certificates;
mod devices;
mod envelope;
mod group;
mod identity;
mod kdf;
mod message;
mod pqxdh;
mod prekey_bundle;
mod session_state;
mod signed_prekey;
mod store;
mod transcript;
mod verification;
mod x3dh;

use hushwire::CryptoProvider;
use serde_json::{Value, json};

/// Version of the vector file format.
pub const FORMAT_VERSION: u64 = 1;

/// One vector file: its name, what it pins, how to compute a case, and its generated cases.
///
/// `compute` reads the case's `input` object into the layer's typed input (refusing unknown
/// and missing keys) and computes the case's `output` from it, with the primitives of the
/// given crypto provider (layers without X25519 or ChaCha20-Poly1305 ignore it).
pub struct Layer {
    pub file: &'static str,
    pub description: &'static str,
    /// Field name → the SPEC.md section that defines it.
    pub fields: &'static [(&'static str, &'static str)],
    pub compute: fn(&Value, &'static CryptoProvider) -> Result<Value, String>,
    pub inputs: fn() -> Vec<(&'static str, Value)>,
}

pub fn layers() -> Vec<Layer> {
    vec![
        Layer {
            file: "identity.json",
            description: "Identity keys: Ed25519 seed to Ed25519 public key and X25519 secret and public key; identity key validation.",
            fields: &[
                ("seed", "SPEC.md 3.1 (RFC 8032 private key)"),
                ("ed25519_public", "SPEC.md 3.1 (identity key encoding)"),
                (
                    "x25519_secret",
                    "SPEC.md 3.1 (SHA-512(seed)[0..32], before clamping)",
                ),
                ("x25519_public", "SPEC.md 3.1 (Montgomery form)"),
                (
                    "identity_key",
                    "SPEC.md 3.1 (validation of a received identity key)",
                ),
            ],
            compute: |input, _| identity::compute(&identity::IdentityInput::from_json(input)?),
            inputs: identity::inputs,
        },
        Layer {
            file: "signed_prekey.json",
            description: "Signed prekey signatures: the signed message and the Ed25519 signature; verification failures.",
            fields: &[
                ("seed", "SPEC.md 3.1"),
                ("id", "SPEC.md 4.1"),
                ("created_at", "SPEC.md 4.1"),
                (
                    "public_key",
                    "SPEC.md 4.1 (X25519 public key of the prekey; validated as in 2.2 when verifying)",
                ),
                (
                    "identity_key",
                    "SPEC.md 3.1 (Encode(IK) of the signer; validated when verifying)",
                ),
                ("signed_message", "SPEC.md 3.2, 4.1"),
                (
                    "signature",
                    "SPEC.md 2.1, 3.2 (Ed25519, RFC 8032; strict verification)",
                ),
                (
                    "verify",
                    "SPEC.md 4.2 (Which error wins: hazmat::verify_signed_prekey)",
                ),
                ("valid", "SPEC.md 2.1 (the signature verifies)"),
            ],
            compute: |input, _| {
                signed_prekey::compute(&signed_prekey::SignedPreKeyInput::from_json(input)?)
            },
            inputs: signed_prekey::inputs,
        },
        Layer {
            file: "prekey_bundle.json",
            description: "PreKeyBundle encoding from its fields, and decoding then validation of received bundles: the decoded fields, or the error of each refused one.",
            fields: &[
                ("encode", "SPEC.md 4.2 (an owner's own bundle), 7.5"),
                ("identity_seed", "SPEC.md 3.1"),
                ("secret", "SPEC.md 4.1 (the signed prekey's X25519 secret)"),
                (
                    "decode",
                    "SPEC.md 4.2 steps 1-8 (PreKeyBundleIn::decode, then validate)",
                ),
                ("bytes", "SPEC.md 7.1, 7.5 (the encoded PreKeyBundle)"),
                ("max_encoded_len", "SPEC.md 8.4"),
                ("identity_key", "SPEC.md 3.1, 7.5 field 2"),
                ("signed_prekey", "SPEC.md 4.1, 7.5 field 3"),
                (
                    "one_time_prekey",
                    "SPEC.md 4.1, 7.5 field 4 (null when absent)",
                ),
                (
                    "id",
                    "SPEC.md 4.1, 7.5 (SignedPreKey field 1, OneTimePreKey field 1)",
                ),
                ("created_at", "SPEC.md 4.1, 7.5 (SignedPreKey field 2)"),
                (
                    "public_key",
                    "SPEC.md 2.2, 7.5 (SignedPreKey field 3, OneTimePreKey field 2)",
                ),
                ("signature", "SPEC.md 3.2, 4.1, 7.5 (SignedPreKey field 4)"),
            ],
            compute: |input, _| {
                prekey_bundle::compute(&prekey_bundle::BundleInput::from_json(input)?)
            },
            inputs: prekey_bundle::inputs,
        },
        Layer {
            file: "x3dh.json",
            description: "X3DH with and without a one-time prekey: every DH output, SK and AD, computed by both sides.",
            fields: &[
                ("alice_seed", "SPEC.md 3.1"),
                ("alice_base_secret", "SPEC.md 5.2 (EK_A)"),
                (
                    "alice_base_public_override",
                    "SPEC.md 2.2, 5.4 (a received EK_A, validated)",
                ),
                ("bob_seed", "SPEC.md 3.1"),
                ("bob_signed_prekey_secret", "SPEC.md 4.1"),
                (
                    "bob_one_time_prekey_secret",
                    "SPEC.md 4.1 (null: no one-time prekey)",
                ),
                ("alice_identity_key", "SPEC.md 3.1 (Encode(IK_A))"),
                ("bob_identity_key", "SPEC.md 3.1 (Encode(IK_B))"),
                ("alice_base_public", "SPEC.md 5.2 (EK_A public)"),
                ("bob_signed_prekey_public", "SPEC.md 4.1"),
                (
                    "bob_one_time_prekey_public",
                    "SPEC.md 4.1 (null: no one-time prekey)",
                ),
                ("dh", "SPEC.md 5.3 (DH1..DH4)"),
                ("shared_key", "SPEC.md 5.3 (SK)"),
                ("associated_data", "SPEC.md 5.3 (AD)"),
            ],
            compute: |input, p| x3dh::compute(&x3dh::X3dhInput::from_json(input)?, p),
            inputs: x3dh::inputs,
        },
        Layer {
            file: "kdf.json",
            description: "KDF_RK, KDF_CK chains, and message key expansion to the AEAD key and nonce.",
            fields: &[
                ("kdf_rk", "SPEC.md 6.2 (one KDF_RK step)"),
                ("root_key", "SPEC.md 6.2"),
                ("dh_output", "SPEC.md 6.2"),
                ("next_root_key", "SPEC.md 6.2"),
                ("chain_key", "SPEC.md 6.2, 6.3"),
                ("kdf_ck", "SPEC.md 6.3 (a chain of KDF_CK steps)"),
                ("steps", "SPEC.md 6.3 (how many)"),
                ("chain", "SPEC.md 6.3 (message keys and next chain keys)"),
                ("index", "SPEC.md 6.3 (the step, from 0)"),
                ("message_key", "SPEC.md 6.3"),
                ("next_chain_key", "SPEC.md 6.3"),
                ("aead_key", "SPEC.md 6.4"),
                ("aead_nonce", "SPEC.md 6.4"),
            ],
            compute: |input, _| kdf::compute(&kdf::KdfInput::from_json(input)?),
            inputs: kdf::inputs,
        },
        Layer {
            file: "message.json",
            description: "Message encryption: header encoding, AEAD associated data, ciphertext; tampered ciphertext, header and AD.",
            fields: &[
                ("message_key", "SPEC.md 6.3"),
                ("x3dh_ad", "SPEC.md 5.3"),
                ("ratchet_key", "SPEC.md 6.5"),
                ("previous_counter", "SPEC.md 6.5 (PN)"),
                ("counter", "SPEC.md 6.5 (N)"),
                (
                    "prekey_info",
                    "SPEC.md 6.5 (X3DH fields of a PreKeyMessage)",
                ),
                ("plaintext", "SPEC.md 6.4 (hex)"),
                ("open", "SPEC.md 6.4 (a ciphertext to open)"),
                ("aead_associated_data", "SPEC.md 6.5"),
                ("ciphertext", "SPEC.md 6.4"),
            ],
            compute: |input, p| message::compute(&message::MessageInput::from_json(input)?, p),
            inputs: message::inputs,
        },
        Layer {
            file: "transcript.json",
            description: "Full sessions from seeded RNGs: every random draw, every envelope in the order sent, every delivery in order and out of order, and both final states.",
            fields: &[
                (
                    "alice_rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the RNG)",
                ),
                ("bob_rng_seed", "test-vectors/README.md"),
                (
                    "one_time_prekey",
                    "SPEC.md 4.1, 4.2 (whether Bob's bundle has one)",
                ),
                ("max_skip", "SPEC.md 8.4"),
                ("config", "SPEC.md 8.4 (the limits of both sides)"),
                ("max_skipped_keys", "SPEC.md 8.4"),
                ("max_receiving_chains", "SPEC.md 8.4"),
                ("max_retired_chains", "SPEC.md 8.4"),
                (
                    "withhold",
                    "SPEC.md 5.4 steps 1-2 (prekeys in the bundle but not in Bob's store)",
                ),
                ("script", "test-vectors/README.md"),
                (
                    "op",
                    "test-vectors/README.md (send, deliver, accept, initiate, forge)",
                ),
                ("from", "test-vectors/README.md (alice or bob)"),
                ("text", "SPEC.md 6.7 (the plaintext, UTF-8)"),
                (
                    "envelope",
                    "test-vectors/README.md (an envelope's index, from 1)",
                ),
                ("counter", "SPEC.md 6.5 (N of a forged header)"),
                (
                    "rng_draws",
                    "SPEC.md 5.2, 6.1, 6.6 (what is drawn, and when)",
                ),
                ("alice", "SPEC.md 5.2, 6.6 (Alice's draws)"),
                ("bob", "SPEC.md 4.1, 6.6 (Bob's draws)"),
                ("envelopes", "SPEC.md 7"),
                (
                    "index",
                    "test-vectors/README.md (from 1, in the order sent)",
                ),
                ("bytes", "SPEC.md 7.2-7.4"),
                ("deliveries", "SPEC.md 5.4, 6.6, 8.1"),
                ("plaintext", "SPEC.md 6.6"),
                ("error", "SPEC.md 8.1"),
                ("alice_state", "SPEC.md 9"),
                ("bob_state", "SPEC.md 9"),
            ],
            compute: |input, p| {
                transcript::compute(&transcript::TranscriptInput::from_json(input)?, p)
            },
            inputs: transcript::inputs,
        },
        Layer {
            file: "envelope.json",
            description: "Envelope decoding: the fields of valid envelopes, and the error of each malformed one.",
            fields: &[
                ("bytes", "SPEC.md 7.1-7.4"),
                ("max_encoded_len", "SPEC.md 8.4"),
                ("prekey", "SPEC.md 7.2 field 2, 7.4"),
                ("ratchet", "SPEC.md 7.2 field 3, 7.3"),
                ("identity_key", "SPEC.md 7.4 field 1"),
                ("base_key", "SPEC.md 7.4 field 2"),
                ("signed_prekey_id", "SPEC.md 7.4 field 3"),
                (
                    "one_time_prekey_id",
                    "SPEC.md 7.4 field 4 (null when absent)",
                ),
                ("message", "SPEC.md 7.4 field 5"),
                ("ratchet_key", "SPEC.md 7.3 field 1"),
                ("previous_counter", "SPEC.md 7.3 field 2 (PN)"),
                ("counter", "SPEC.md 7.3 field 3 (N)"),
                ("ciphertext", "SPEC.md 7.3 field 4"),
            ],
            compute: |input, _| envelope::compute(&envelope::EnvelopeInput::from_json(input)?),
            inputs: envelope::inputs,
        },
        Layer {
            file: "session_state.json",
            description: "Session state serialization: states from a seeded session decode and re-encode byte for byte; malformed states are refused.",
            fields: &[
                ("state", "SPEC.md 9.1 (state || checksum)"),
                ("config", "SPEC.md 8.4, 9.2 (the limits it loads under)"),
                ("max_skipped_keys", "SPEC.md 8.4"),
                ("max_receiving_chains", "SPEC.md 8.4"),
                ("max_retired_chains", "SPEC.md 8.4"),
                ("max_encoded_len", "SPEC.md 8.4"),
                (
                    "encrypt",
                    "SPEC.md 6.7 (a plaintext to encrypt after loading)",
                ),
                ("envelope", "SPEC.md 6.7, 7.2"),
                ("reencoded", "SPEC.md 9.1"),
                ("initiator", "SPEC.md 9.1 field 4"),
                ("session_id", "SPEC.md 9.1 field 12, 9.3"),
                ("local_identity", "SPEC.md 9.1 field 2"),
                ("remote_identity", "SPEC.md 9.1 field 3"),
                ("skipped_keys", "SPEC.md 9.1 field 8 (how many)"),
                ("receiving_chains", "SPEC.md 9.1 field 7 (how many)"),
            ],
            compute: |input, p| {
                session_state::compute(&session_state::SessionStateInput::from_json(input)?, p)
            },
            inputs: session_state::inputs,
        },
        Layer {
            file: "devices.json",
            description: "Multi-device accounts: signing, decoding and validating device lists (one negative case per rule), list changes, linking a device by QR code, the routing bound into device messages, decoding them, fan-out scenarios between accounts, session-record scenarios, and loading stored records.",
            fields: &[
                (
                    "sign_list",
                    "SPEC.md 14.2 (AccountKeyPair::sign_device_list)",
                ),
                (
                    "account_seed",
                    "SPEC.md 3.1, 14.1 (the account key's Ed25519 seed)",
                ),
                ("account_id", "SPEC.md 12.1, 14.2 field 2 (hex)"),
                ("list_version", "SPEC.md 14.2 field 4"),
                ("issued_at", "SPEC.md 14.2 field 5"),
                (
                    "expires_at",
                    "SPEC.md 14.2 field 6; in errors, the list's (8.1)",
                ),
                (
                    "devices",
                    "SPEC.md 14.2 field 7; in SessionsMissing, the devices named (14.5)",
                ),
                ("device_id", "SPEC.md 14.1, 14.2 (ListedDevice field 1)"),
                ("seed", "SPEC.md 3.1 (a device's identity seed)"),
                ("body", "SPEC.md 14.2 (DeviceList field 1)"),
                ("signature", "SPEC.md 3.2, 14.2 (DeviceList field 2)"),
                (
                    "list",
                    "SPEC.md 14.2 (an encoded DeviceList); in outputs, the validated list's fields",
                ),
                ("validate_list", "SPEC.md 14.2 decoding, then 14.3"),
                (
                    "trusted_key",
                    "SPEC.md 14.3 (the account key the application trusts)",
                ),
                ("now", "SPEC.md 14.3 (the time of validation or use)"),
                ("max_lifetime_seconds", "SPEC.md 14.3 (policy)"),
                ("clock_skew_seconds", "SPEC.md 14.3 (policy)"),
                (
                    "previous",
                    "SPEC.md 14.3 (the newest list held, validated under the key it names; null: none)",
                ),
                ("account_key", "SPEC.md 14.2 field 3"),
                ("identity_key", "SPEC.md 14.2 (ListedDevice field 2)"),
                ("changes", "SPEC.md 14.3 (Changes)"),
                ("added", "SPEC.md 14.3"),
                ("removed", "SPEC.md 14.3"),
                ("rekeyed", "SPEC.md 14.3"),
                (
                    "link_offer",
                    "SPEC.md 14.4 (the QR payload of a new device)",
                ),
                (
                    "device_seed",
                    "SPEC.md 3.1 (the new device's identity seed)",
                ),
                ("link_secret", "SPEC.md 14.4 (LinkOffer field 3)"),
                ("offer", "SPEC.md 14.4 (an encoded LinkOffer)"),
                ("decode_offer", "SPEC.md 14.4 (LinkOffer decoding)"),
                ("bytes", "SPEC.md 7.1 (an encoded message)"),
                ("device_key", "SPEC.md 14.4 (LinkOffer field 2)"),
                ("approve", "SPEC.md 14.4 (Approval)"),
                (
                    "current",
                    "SPEC.md 14.4 (the primary's current list); 14.6 (the current session's id, hex; null: none)",
                ),
                ("device_list", "SPEC.md 14.4 (LinkApproval field 4)"),
                ("approval", "SPEC.md 14.4 (an encoded LinkApproval)"),
                ("complete", "SPEC.md 14.4 (Completion)"),
                ("address", "SPEC.md 14.1 ([account id hex, device id])"),
                ("link_mac", "SPEC.md 14.4 (Link key and MAC)"),
                ("mac", "SPEC.md 14.4"),
                ("routing", "SPEC.md 14.5 (Routing)"),
                ("sender_account", "SPEC.md 14.5 field 2"),
                ("sender_device", "SPEC.md 14.5 field 3"),
                ("recipient_account", "SPEC.md 14.5 field 4"),
                ("recipient_device", "SPEC.md 14.5 field 5"),
                ("sender_list_version", "SPEC.md 14.5 field 6"),
                ("recipient_list_version", "SPEC.md 14.5 field 7"),
                ("x3dh_ad", "SPEC.md 5.3"),
                ("ratchet_key", "SPEC.md 6.5"),
                ("previous_counter", "SPEC.md 6.5 (PN)"),
                ("counter", "SPEC.md 6.5 (N)"),
                ("prekey_info", "SPEC.md 6.5 (null: a RatchetMessage)"),
                ("message_key", "SPEC.md 6.3"),
                (
                    "plaintext",
                    "SPEC.md 6.4 (hex in routing cases; UTF-8 text in scenarios)",
                ),
                ("aead_associated_data", "SPEC.md 14.5"),
                ("ciphertext", "SPEC.md 6.4"),
                ("decode_message", "SPEC.md 14.5 (DeviceMessage decoding)"),
                ("max_encoded_len", "SPEC.md 8.4"),
                ("sender", "SPEC.md 14.5 ([account id hex, device id])"),
                ("recipient", "SPEC.md 14.5 ([account id hex, device id])"),
                (
                    "envelope",
                    "SPEC.md 7.2 (encoded); in record scripts, an envelope's index",
                ),
                (
                    "fan_out",
                    "test-vectors/README.md (devices.json scenarios), SPEC.md 14.5",
                ),
                ("accounts", "test-vectors/README.md"),
                ("keys", "test-vectors/README.md (a scenario device's keys)"),
                ("identity_seed", "SPEC.md 3.1"),
                (
                    "rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the device's RNG)",
                ),
                ("signed_prekey_secret", "SPEC.md 4.1 (signed prekey id 1)"),
                (
                    "one_time_prekey_secrets",
                    "SPEC.md 4.1 (one-time prekeys 1, 2, ...)",
                ),
                ("script", "test-vectors/README.md"),
                ("op", "test-vectors/README.md"),
                (
                    "account",
                    "test-vectors/README.md (an account's index, from 0)",
                ),
                (
                    "device",
                    "test-vectors/README.md (a device id); in errors, the device (8.1)",
                ),
                (
                    "to",
                    "test-vectors/README.md (the recipient account's index); in outputs, the recipient's address",
                ),
                ("text", "SPEC.md 6.7 (the plaintext, UTF-8)"),
                (
                    "message",
                    "test-vectors/README.md (a message's index, from 1)",
                ),
                (
                    "field",
                    "test-vectors/README.md (a DeviceMessage field to edit); in errors, SPEC.md 8.1",
                ),
                ("value", "test-vectors/README.md"),
                (
                    "remove",
                    "test-vectors/README.md (device ids left off the new list)",
                ),
                (
                    "publish",
                    "test-vectors/README.md (whether other accounts take the new list in)",
                ),
                (
                    "steps",
                    "test-vectors/README.md (one output per script step)",
                ),
                (
                    "started",
                    "SPEC.md 14.5 (sessions started, in missing order)",
                ),
                ("messages", "SPEC.md 14.5 (fan-out, in target order)"),
                ("index", "test-vectors/README.md (from 1)"),
                (
                    "from",
                    "SPEC.md 14.5 (the sender's address); in record scripts, a or b",
                ),
                ("consistency", "SPEC.md 14.5 (the three flags)"),
                ("sender_list_newer", "SPEC.md 14.5"),
                ("sender_saw_older_list_of_ours", "SPEC.md 14.5"),
                ("our_list_newer_elsewhere", "SPEC.md 14.5"),
                (
                    "dropped",
                    "SPEC.md 14.5 (records dropped by retain_listed, over every device)",
                ),
                (
                    "record",
                    "test-vectors/README.md (devices.json scenarios), SPEC.md 14.6",
                ),
                ("max_archived_sessions", "SPEC.md 8.4, 14.6"),
                ("a", "test-vectors/README.md (device a's keys)"),
                ("b", "test-vectors/README.md (device b's keys)"),
                ("session_id", "SPEC.md 9.3"),
                (
                    "archived",
                    "SPEC.md 14.6 (the archived sessions' ids, most recent first)",
                ),
                ("a_record", "SPEC.md 14.6 (a's stored record at the end)"),
                ("b_record", "SPEC.md 14.6 (b's stored record at the end)"),
                ("load_record", "SPEC.md 14.6 (Loading)"),
                ("stored", "SPEC.md 14.6 (a stored record)"),
                ("reencoded", "SPEC.md 14.6 (the loaded record stored again)"),
                ("error", "SPEC.md 8.1"),
                ("reason", "SPEC.md 8.1"),
                ("lifetime", "SPEC.md 8.1"),
                ("max", "SPEC.md 8.1"),
                ("held", "SPEC.md 8.1"),
                ("found", "SPEC.md 8.1"),
                ("version", "SPEC.md 8.1"),
                ("expected", "SPEC.md 8.1"),
                ("len", "SPEC.md 8.1"),
                ("id", "SPEC.md 8.1"),
            ],
            compute: |input, _| devices::compute(&devices::DevicesInput::from_json(input)?),
            inputs: devices::inputs,
        },
        Layer {
            file: "group.json",
            description: "Groups with Sender Keys: sender keys and distributions from their random bytes, group messages, decoding both (every refusal), scenarios of members sending, receiving, rotating, leaving and joining (every decryption refusal), and loading stored group sessions.",
            fields: &[
                (
                    "distribution",
                    "SPEC.md 15.2 (a sender key's distribution); in scenarios, the encoded distribution sent",
                ),
                ("group_id", "SPEC.md 15.1 (hex)"),
                (
                    "sender_key_random",
                    "SPEC.md 15.2 (the 68 bytes a sender key is drawn from)",
                ),
                (
                    "advance",
                    "test-vectors/README.md (messages encrypted before)",
                ),
                ("chain_id", "SPEC.md 15.2; in errors, 8.1"),
                ("iteration", "SPEC.md 15.2, 15.3"),
                ("chain_key", "SPEC.md 15.2 field 5"),
                ("signing_key", "SPEC.md 15.2 field 6"),
                ("bytes", "SPEC.md 7.1 (an encoded message)"),
                ("encrypt", "SPEC.md 15.3 (Encryption)"),
                ("sender_account", "SPEC.md 15.3 field 3 (hex)"),
                ("sender_device", "SPEC.md 15.3 field 4"),
                ("plaintext", "SPEC.md 15.3 (hex; UTF-8 text in scenarios)"),
                ("body", "SPEC.md 15.3 (GroupMessage field 1)"),
                ("ciphertext", "SPEC.md 15.3 (GroupMessageBody field 7)"),
                ("signature", "SPEC.md 15.3 (GroupMessage field 2)"),
                (
                    "message",
                    "SPEC.md 15.3 (an encoded GroupMessage); in scripts, a message's index",
                ),
                ("decode_distribution", "SPEC.md 15.2 (decoding)"),
                ("decode_message", "SPEC.md 15.3 (decoding)"),
                ("max_encoded_len", "SPEC.md 8.4"),
                ("sender", "SPEC.md 15.3 ([account id hex, device id])"),
                (
                    "scenario",
                    "test-vectors/README.md (group.json scenarios), SPEC.md 15.4, 15.5",
                ),
                ("config", "SPEC.md 8.4 (the limits every member applies)"),
                ("max_sender_key_chains", "SPEC.md 8.4, 15.2"),
                ("max_group_skip", "SPEC.md 8.4, 15.4"),
                ("max_group_skipped_keys", "SPEC.md 8.4, 15.4"),
                (
                    "members",
                    "test-vectors/README.md (the scenario's devices); in outputs, the member addresses",
                ),
                ("account", "SPEC.md 12.1 (hex)"),
                (
                    "device",
                    "SPEC.md 14.1; in scripts, a member's index; in errors, 8.1",
                ),
                (
                    "rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the member's RNG)",
                ),
                ("script", "test-vectors/README.md"),
                ("op", "test-vectors/README.md"),
                (
                    "member",
                    "test-vectors/README.md (a member's index, from 0)",
                ),
                (
                    "with",
                    "test-vectors/README.md (the other members' indexes)",
                ),
                ("from", "test-vectors/README.md (a member's index)"),
                ("to", "test-vectors/README.md (members' indexes)"),
                ("text", "SPEC.md 15.3 (the plaintext, UTF-8)"),
                (
                    "count",
                    "test-vectors/README.md (messages encrypted and dropped)",
                ),
                (
                    "value",
                    "test-vectors/README.md (the edited field's new value, hex)",
                ),
                ("index", "test-vectors/README.md (from 1)"),
                (
                    "outcomes",
                    "SPEC.md 15.2 (per recipient: added, already_held, or the error)",
                ),
                (
                    "steps",
                    "test-vectors/README.md (one output per script step)",
                ),
                (
                    "states",
                    "SPEC.md 15.6 (each member's stored session at the end, or null)",
                ),
                ("load", "SPEC.md 15.6 (Loading)"),
                ("stored", "SPEC.md 15.6"),
                ("local", "SPEC.md 15.6 ([account id hex, device id])"),
                (
                    "reencoded",
                    "SPEC.md 15.6 (the loaded session stored again)",
                ),
                ("error", "SPEC.md 8.1"),
                ("len", "SPEC.md 8.1"),
                ("reason", "SPEC.md 8.1"),
                ("field", "SPEC.md 8.1"),
                ("expected", "SPEC.md 8.1"),
                ("found", "SPEC.md 8.1"),
                ("max", "SPEC.md 8.1"),
                ("skip", "SPEC.md 8.1"),
            ],
            compute: |input, _| group::compute(&group::GroupInput::from_json(input)?),
            inputs: group::inputs,
        },
        Layer {
            file: "attachment.json",
            description: "Attachments: PADMÉ, the payload key and commitment, files sealed from chosen random bytes (every segment), opening them (one negative case per refusal), random access, and decoding attachment pointers and payloads (one negative case per check).",
            fields: &[
                ("padme", "SPEC.md 16.3 (PADMÉ of each length)"),
                ("lengths", "SPEC.md 16.3 (plaintext lengths L)"),
                ("padded_lengths", "SPEC.md 16.3 (padme(L) of each)"),
                ("derive", "SPEC.md 16.2 (the payload key and commitment)"),
                (
                    "file_key",
                    "SPEC.md 16.1 (K, 32 bytes); AttachmentPointer field 2 (16.5)",
                ),
                (
                    "header_prefix",
                    "SPEC.md 16.2 (header[0..3]: version, k, padding code)",
                ),
                ("salt", "SPEC.md 16.2 (header[3..35])"),
                (
                    "info",
                    "SPEC.md 16.2 (\"hushwire/v1/attachment\" || header[0..3])",
                ),
                ("payload_key", "SPEC.md 16.2 (okm[0..32])"),
                ("commitment", "SPEC.md 16.2 (okm[32..64], header[35..67])"),
                (
                    "seal",
                    "SPEC.md 16.1, 16.2, 16.5, 16.6 (sealing a file: seal_bytes)",
                ),
                (
                    "random",
                    "SPEC.md 16.1 (the 64 bytes drawn: the file key, then the salt)",
                ),
                ("segment_log2", "SPEC.md 16.2 (k: segments of 2^k bytes)"),
                ("padding", "SPEC.md 16.2, 16.3 (\"padme\" or \"none\")"),
                (
                    "plaintext",
                    "SPEC.md 16.2 (hex: the file; in segments, a segment's padded plaintext; in outputs, what opening returns, 16.4 step 6)",
                ),
                ("content_type", "SPEC.md 16.5 (AttachmentPointer field 5)"),
                (
                    "file_name",
                    "SPEC.md 16.5 (AttachmentPointer field 6; null when absent)",
                ),
                (
                    "thumbnail",
                    "SPEC.md 16.5 (AttachmentPointer field 7, hex; null when absent)",
                ),
                ("header", "SPEC.md 16.2 (the 67-byte header)"),
                ("padded_len", "SPEC.md 16.2, 16.3 (P)"),
                ("segments", "SPEC.md 16.2 (segment 0 to n − 1, in order)"),
                ("nonce", "SPEC.md 16.2 (nonce_i)"),
                (
                    "associated_data",
                    "SPEC.md 16.2 (ad_i: empty, u64(L) for the final segment)",
                ),
                (
                    "ciphertext",
                    "SPEC.md 16.2 (the encrypted file; in segments, segment_i with its tag)",
                ),
                (
                    "ciphertext_sha256",
                    "SPEC.md 16.5 (D, AttachmentPointer field 3)",
                ),
                (
                    "pointer",
                    "SPEC.md 16.5 (an encoded AttachmentPointer, hex; as an operation, decoding it)",
                ),
                (
                    "payload",
                    "SPEC.md 16.6 (an encoded Payload, hex; as an operation, decoding it)",
                ),
                ("open", "SPEC.md 16.4 (opening a file as a stream)"),
                (
                    "read_range",
                    "SPEC.md 16.4 (Random access: SeekableAttachment::read_at)",
                ),
                (
                    "offset",
                    "SPEC.md 16.4 (Random access: the first plaintext byte)",
                ),
                (
                    "len",
                    "SPEC.md 16.4 (Random access: how many bytes, clamped at the end); in errors, 8.1",
                ),
                ("size", "SPEC.md 16.5 (L, AttachmentPointer field 4)"),
                ("application", "SPEC.md 16.6 (Payload field 1, hex)"),
                (
                    "attachment",
                    "SPEC.md 16.6 (Payload field 2: the decoded pointer)",
                ),
                ("error", "SPEC.md 8.1"),
                ("segment", "SPEC.md 8.1, 16.4"),
                ("reason", "SPEC.md 8.1, 16.4 step 3, 16.5"),
                ("field", "SPEC.md 8.1"),
                ("expected", "SPEC.md 8.1"),
                ("found", "SPEC.md 8.1"),
                ("max", "SPEC.md 8.1"),
            ],
            compute: |input, p| {
                attachment::compute(&attachment::AttachmentInput::from_json(input)?, p)
            },
            inputs: attachment::inputs,
        },
        Layer {
            file: "store.json",
            description: "Stores: the key of a record in each table, our prekeys' stored forms written and loaded (one negative case per refusal), revision arithmetic with its bounds, and sealed values (every intermediate of a seal; opening, one negative case per way a value fails to open).",
            fields: &[
                (
                    "record_key",
                    "SPEC.md 17.1 (as an operation: the key of a record; in seal and open, the row's key, hex)",
                ),
                ("table", "SPEC.md 17.1 (the table's name)"),
                ("account", "SPEC.md 12.1, 17.1 (an account id, hex)"),
                ("device", "SPEC.md 14.1, 17.1 (a device id)"),
                (
                    "id",
                    "SPEC.md 4.1, 17.1, 17.2 (a prekey id; u32(id) is its key)",
                ),
                ("group_id", "SPEC.md 15.1, 17.1 (a group id, hex)"),
                ("record", "SPEC.md 17.1 (the record's name in errors), 8.1"),
                ("key", "SPEC.md 17.1 (the record's key)"),
                (
                    "store_signed_prekey",
                    "SPEC.md 17.2 (writing a signed prekey's stored form)",
                ),
                (
                    "identity_seed",
                    "SPEC.md 3.1 (the identity that signs the prekey, 4.1)",
                ),
                ("created_at", "SPEC.md 4.1, 17.2"),
                (
                    "secret",
                    "SPEC.md 4.1, 17.2 (the X25519 secret as generated)",
                ),
                ("public_key", "SPEC.md 17.2 (X25519(secret, 9))"),
                ("signature", "SPEC.md 3.2, 4.1, 17.2"),
                (
                    "content",
                    "SPEC.md 17.2 (the stored form before its checksum)",
                ),
                (
                    "checksum",
                    "SPEC.md 17.2 (SHA-256 over the label and the content)",
                ),
                ("stored", "SPEC.md 17.2 (content || checksum)"),
                (
                    "store_one_time_prekey",
                    "SPEC.md 17.2 (writing a one-time prekey's stored form)",
                ),
                (
                    "load_signed_prekey",
                    "SPEC.md 17.2 (Loading a stored signed prekey, hex)",
                ),
                (
                    "load_one_time_prekey",
                    "SPEC.md 17.2 (Loading a stored one-time prekey, hex)",
                ),
                (
                    "first_of",
                    "SPEC.md 17.3 rule 1 (a record's first revision in an incarnation)",
                ),
                ("incarnation", "SPEC.md 17.3 rule 1 (c)"),
                (
                    "next",
                    "SPEC.md 17.3 rule 1 (the revision of the write after one)",
                ),
                ("revision", "SPEC.md 17.3 (a row's revision), 17.4"),
                ("seal", "SPEC.md 17.4 (sealing a value)"),
                ("storage_key", "SPEC.md 17.4 (32 bytes)"),
                ("salt", "SPEC.md 17.4 (rng(32), the write's draw)"),
                ("value", "SPEC.md 17.4 (the value, hex)"),
                ("okm", "SPEC.md 17.4 (HKDF, 44 bytes)"),
                ("aead_key", "SPEC.md 17.4 (okm[0..32])"),
                ("aead_nonce", "SPEC.md 17.4 (okm[32..44])"),
                ("associated_data", "SPEC.md 17.4 (ad)"),
                ("sealed", "SPEC.md 17.4 (the sealed value)"),
                ("open", "SPEC.md 17.4 (Opening a value read from a row)"),
                ("error", "SPEC.md 8.1"),
                ("len", "SPEC.md 8.1"),
                ("reason", "SPEC.md 8.1"),
                ("found", "SPEC.md 8.1"),
            ],
            compute: |input, p| store::compute(&store::StoreInput::from_json(input)?, p),
            inputs: store::inputs,
        },
        Layer {
            file: "certificates.json",
            description: "Verified business accounts: issuing certificates and revocation lists from seeds, display names, holding revocation lists, validating certificate chains (one negative case per check), bundles carrying a chain, and the trust decision for a business's key.",
            fields: &[
                (
                    "issue",
                    "SPEC.md 13.2 (a root certifies an issuer, which certifies a business: RootKeyPair, IssuerKeyPair)",
                ),
                ("root_seed", "SPEC.md 3.1, 13.1 (the root's Ed25519 seed)"),
                (
                    "root_key_id",
                    "SPEC.md 13.1, 13.2 (IssuerCertificateBody field 2; RevocationListBody field 2)",
                ),
                (
                    "issuer_seed",
                    "SPEC.md 3.1, 13.1 (the issuer's Ed25519 seed)",
                ),
                (
                    "issuer_serial",
                    "SPEC.md 13.2 (IssuerCertificateBody field 3)",
                ),
                (
                    "issuer_not_before",
                    "SPEC.md 13.2 (IssuerCertificateBody field 5)",
                ),
                (
                    "issuer_not_after",
                    "SPEC.md 13.2 (IssuerCertificateBody field 6)",
                ),
                (
                    "allowed_levels",
                    "SPEC.md 13.2 (IssuerCertificateBody field 7: bit L for level L)",
                ),
                (
                    "business_seed",
                    "SPEC.md 3.1 (the business account's identity seed)",
                ),
                (
                    "business",
                    "SPEC.md 13.2, 13.4 (BusinessCertificateBody fields to issue; the verified business; or null: none)",
                ),
                (
                    "serial",
                    "SPEC.md 13.2 (BusinessCertificateBody field 2); in errors, the revoked serial (8.1)",
                ),
                (
                    "business_id",
                    "SPEC.md 13.2 (BusinessCertificateBody field 4)",
                ),
                ("display_name", "SPEC.md 13.2 field 5, 13.3"),
                ("level", "SPEC.md 13.2 (BusinessCertificateBody field 6)"),
                (
                    "not_before",
                    "SPEC.md 13.2 (BusinessCertificateBody field 7)",
                ),
                (
                    "not_after",
                    "SPEC.md 13.2 (BusinessCertificateBody field 8)",
                ),
                (
                    "phone_number",
                    "SPEC.md 13.2 (BusinessCertificateBody field 9; empty when absent)",
                ),
                (
                    "website",
                    "SPEC.md 13.2 (BusinessCertificateBody field 10; empty when absent)",
                ),
                (
                    "root_key",
                    "SPEC.md 3.1, 13.1 (the root's public key, what apps pin)",
                ),
                ("issuer_key", "SPEC.md 13.2 (IssuerCertificateBody field 4)"),
                (
                    "identity_key",
                    "SPEC.md 13.2 (BusinessCertificateBody field 3)",
                ),
                (
                    "issuer_body",
                    "SPEC.md 7.1, 13.2 (the canonical IssuerCertificateBody)",
                ),
                (
                    "issuer_signature",
                    "SPEC.md 3.2, 13.1 (Ed25519 by the root over the labelled body)",
                ),
                (
                    "issuer_certificate",
                    "SPEC.md 13.2 (the encoded IssuerCertificate)",
                ),
                (
                    "business_body",
                    "SPEC.md 7.1, 13.2 (the canonical BusinessCertificateBody)",
                ),
                (
                    "business_signature",
                    "SPEC.md 3.2, 13.1 (Ed25519 by the issuer over the labelled body)",
                ),
                ("chain", "SPEC.md 13.2 (an encoded CertificateChain)"),
                (
                    "revoke",
                    "SPEC.md 13.4 (a root or an issuer publishes a revocation list)",
                ),
                (
                    "signer_seed",
                    "SPEC.md 13.4 (the seed of the root or issuer that signs the list)",
                ),
                ("sequence", "SPEC.md 13.4 (RevocationListBody field 4)"),
                ("issued_at", "SPEC.md 13.4 (RevocationListBody field 5)"),
                (
                    "serials",
                    "SPEC.md 13.4 (RevocationListBody field 6, packed)",
                ),
                ("body", "SPEC.md 13.4 (the canonical RevocationListBody)"),
                (
                    "signature",
                    "SPEC.md 3.2, 13.1 (Ed25519 over the labelled body)",
                ),
                ("list", "SPEC.md 13.4 (the encoded RevocationList)"),
                (
                    "name",
                    "SPEC.md 13.3 (a display name, as a JSON string; the accepted or normalized name)",
                ),
                (
                    "normalize",
                    "SPEC.md 13.2 Issuing, 13.3 (true: NFKC first, as an issuer does)",
                ),
                (
                    "validate",
                    "SPEC.md 13.4 (hold the lists in order, then decode and validate the chain)",
                ),
                (
                    "context",
                    "SPEC.md 13.4 (the pinned roots, the policy, now, and the lists offered in order)",
                ),
                ("roots", "SPEC.md 13.1 (the pinned roots)"),
                (
                    "key_id",
                    "SPEC.md 13.1 (a root's key id); in errors, UnknownTrustRoot's key id",
                ),
                ("key", "SPEC.md 3.1 (a root's public key)"),
                ("policy", "SPEC.md 13.4 (CertificatePolicy)"),
                ("max_clock_skew_seconds", "SPEC.md 13.4"),
                ("max_root_list_age_seconds", "SPEC.md 13.4"),
                ("max_issuer_list_age_seconds", "SPEC.md 13.4"),
                ("now", "SPEC.md 13.4 (the time of the check)"),
                (
                    "later",
                    "SPEC.md 13.4 (if present: the time the chain is validated, the lists having been taken in at now)",
                ),
                (
                    "lists",
                    "SPEC.md 13.4 (encoded revocation lists, taken in order: decode, then update)",
                ),
                (
                    "updates",
                    "SPEC.md 13.4 update steps 1-5 (updated, already_held, or the error)",
                ),
                (
                    "result",
                    "SPEC.md 13.2, 13.4, 13.5 (the verified business, or the error)",
                ),
                (
                    "valid_until",
                    "SPEC.md 13.4 (the business certificate's not_after)",
                ),
                (
                    "fresh_until",
                    "SPEC.md 13.4 (the earliest of both certificates' not_after + skew and both lists' issued_at + maximum age)",
                ),
                (
                    "bundle",
                    "SPEC.md 13.5 (an encoded PreKeyBundle with field 5: decode, then validate_business)",
                ),
                ("observe", "SPEC.md 13.6 (observe_business_identity)"),
                (
                    "record",
                    "SPEC.md 12.6, 13.6 (a stored TrustRecord, or null)",
                ),
                ("seen", "SPEC.md 13.6 (the identity key seen)"),
                (
                    "observation",
                    "SPEC.md 13.6 (new, unchanged, bound, refused or changed)",
                ),
                (
                    "store",
                    "SPEC.md 12.6, 13.6 (the TrustRecord to store, or null)",
                ),
                ("error", "SPEC.md 8.1 (the error's kind)"),
                (
                    "reason",
                    "SPEC.md 8.1, 13.2, 13.3 (InvalidCertificate, InvalidDisplayName, CertificateOutOfScope)",
                ),
                (
                    "certificate",
                    "SPEC.md 8.1 (which certificate or list an error is about)",
                ),
                ("field", "SPEC.md 8.1 (MissingField, InvalidLength)"),
                ("expected", "SPEC.md 8.1 (InvalidLength)"),
                (
                    "found",
                    "SPEC.md 8.1 (InvalidLength, UnsupportedVersion, RevocationListRollback)",
                ),
                ("held", "SPEC.md 8.1 (RevocationListRollback)"),
                ("len", "SPEC.md 8.1 (TooLarge)"),
                ("max", "SPEC.md 8.1 (TooLarge)"),
                (
                    "signer",
                    "SPEC.md 8.1 (RevocationListStale: root or issuer)",
                ),
            ],
            compute: |input, _| {
                certificates::compute(&certificates::CertificatesInput::from_json(input)?)
            },
            inputs: certificates::inputs,
        },
        Layer {
            file: "verification.json",
            description: "Identity verification: safety numbers (Signal's known answers and hushwire's), the scannable form and its comparison, SAS exchanges with every value and message and the ways they end, verification messages, trust records, and the trust-on-first-use decision.",
            fields: &[
                (
                    "fingerprint",
                    "SPEC.md 12.2, 12.3 (Signal's algorithm on raw bytes: hazmat::safety_number)",
                ),
                ("version", "SPEC.md 12.3 (CombinedFingerprints field 1)"),
                ("iterations", "SPEC.md 12.2 (SHA-512 calls per party)"),
                ("local_key", "SPEC.md 12.2 (a key input, raw)"),
                ("local_id", "SPEC.md 12.1, 12.2 (the local account id)"),
                ("remote_key", "SPEC.md 12.2 (a key input, raw)"),
                ("remote_id", "SPEC.md 12.1, 12.2 (the remote account id)"),
                (
                    "local_digest",
                    "SPEC.md 12.2 (digest of the local party, 64 bytes)",
                ),
                (
                    "remote_digest",
                    "SPEC.md 12.2 (digest of the remote party, 64 bytes)",
                ),
                ("displayable", "SPEC.md 12.2 (the 60 digits)"),
                ("scannable", "SPEC.md 12.3 (the QR payload)"),
                (
                    "safety_number",
                    "SPEC.md 12.2 (hushwire's number between two identities: SafetyNumber::new)",
                ),
                ("local_seed", "SPEC.md 3.1 (the local identity's seed)"),
                ("remote_seed", "SPEC.md 3.1 (the remote identity's seed)"),
                (
                    "local_identity_key",
                    "SPEC.md 3.1 (Encode(IK) of the local identity)",
                ),
                (
                    "remote_identity_key",
                    "SPEC.md 3.1 (Encode(IK) of the remote identity)",
                ),
                (
                    "local_key_input",
                    "SPEC.md 12.2 (FP_KEY = 0xED || Encode(IK))",
                ),
                (
                    "remote_key_input",
                    "SPEC.md 12.2 (FP_KEY = 0xED || Encode(IK))",
                ),
                ("grouped", "SPEC.md 12.2 (12 groups of 5 digits)"),
                (
                    "scan",
                    "SPEC.md 12.3 (comparing a scanned payload: SafetyNumber::verify_scanned)",
                ),
                ("payload", "SPEC.md 12.3 (the scanned bytes)"),
                (
                    "verified_identity",
                    "SPEC.md 12.3, 12.5 (the key the proof names)",
                ),
                ("sas", "SPEC.md 12.4 (a SAS exchange)"),
                ("starter_seed", "SPEC.md 3.1 (the starter's identity seed)"),
                (
                    "responder_seed",
                    "SPEC.md 3.1 (the responder's identity seed)",
                ),
                (
                    "starter_random",
                    "SPEC.md 12.4.1 step 1 (the starter's rng draws: txn (16 bytes), then e_S (32 bytes))",
                ),
                (
                    "responder_random",
                    "SPEC.md 12.4.1 step 2 (the responder's rng draw: e_R)",
                ),
                (
                    "deviation",
                    "test-vectors/README.md (what goes wrong in the exchange)",
                ),
                ("starter_identity", "SPEC.md 12.4.3 (IK_S)"),
                ("responder_identity", "SPEC.md 12.4.3 (IK_R)"),
                ("transaction_id", "SPEC.md 12.4.2 (Verification field 2)"),
                ("starter_ephemeral", "SPEC.md 12.4.1 (K_S)"),
                ("responder_ephemeral", "SPEC.md 12.4.1 (K_R)"),
                ("commitment", "SPEC.md 12.4.3 (C; SasAccept field 1)"),
                ("transcript", "SPEC.md 12.4.3 (T)"),
                ("shared_secret", "SPEC.md 12.4.1 (X25519(e_S, K_R))"),
                ("sas_bytes", "SPEC.md 12.4.4"),
                ("emoji_indices", "SPEC.md 12.4.4"),
                ("emoji", "SPEC.md 12.4.4 (the English names)"),
                ("decimals", "SPEC.md 12.4.4"),
                ("starter_mac_key", "SPEC.md 12.4.5 (MK_S)"),
                ("responder_mac_key", "SPEC.md 12.4.5 (MK_R)"),
                ("start_message", "SPEC.md 12.4.2 (the starter's Start)"),
                (
                    "responder_key_message",
                    "SPEC.md 12.4.2 (the responder's Key)",
                ),
                ("starter_key_message", "SPEC.md 12.4.2 (the starter's Key)"),
                (
                    "starter_mac_message",
                    "SPEC.md 12.4.2, 12.4.5 (Mac with MAC_S)",
                ),
                (
                    "responder_mac_message",
                    "SPEC.md 12.4.2, 12.4.5 (Mac with MAC_R)",
                ),
                ("cancelled", "SPEC.md 12.4.1, 12.4.2 (the exchange ended)"),
                (
                    "side",
                    "test-vectors/README.md (starter or responder: the side that ended it)",
                ),
                ("reason", "SPEC.md 12.4.2 (the cancel code)"),
                (
                    "by_peer",
                    "SPEC.md 12.4.2 (true if that side received a Cancel)",
                ),
                (
                    "cancel_message",
                    "SPEC.md 12.4.2 (the Cancel that side sends; null when it received one)",
                ),
                (
                    "verification_message",
                    "SPEC.md 12.4.2 (decoding a Verification message)",
                ),
                ("start", "SPEC.md 12.4.2 (SasStart, empty)"),
                ("accept", "SPEC.md 12.4.2 (SasAccept)"),
                ("accept_message", "SPEC.md 12.4.2 (the responder's Accept)"),
                ("key", "SPEC.md 12.4.2 (SasKey)"),
                ("public_key", "SPEC.md 12.4.2 (SasKey field 1)"),
                ("mac", "SPEC.md 12.4.2 (SasMac; field 1)"),
                ("cancel", "SPEC.md 12.4.2 (SasCancel)"),
                (
                    "trust_record",
                    "SPEC.md 12.6 (loading a stored TrustRecord)",
                ),
                (
                    "identity_key",
                    "SPEC.md 12.6 (TrustRecord field 2; the key acknowledged or verified)",
                ),
                ("first_seen", "SPEC.md 12.6 (TrustRecord field 3)"),
                ("level", "SPEC.md 12.6 (TrustRecord oneof level)"),
                ("unverified", "SPEC.md 12.6 (TrustUnverified)"),
                ("verified", "SPEC.md 12.6 (TrustVerified)"),
                (
                    "method",
                    "SPEC.md 12.6 (TrustVerified field 1; in verify: 1 digits compared, 2 QR code scanned)",
                ),
                ("verified_at", "SPEC.md 12.6 (TrustVerified field 2)"),
                ("changed", "SPEC.md 12.6 (TrustChanged)"),
                (
                    "previous_identity_key",
                    "SPEC.md 12.6 (TrustChanged field 1)",
                ),
                (
                    "previous_was_verified",
                    "SPEC.md 12.6 (TrustChanged field 2)",
                ),
                ("observe", "SPEC.md 12.6 (the decision: observe_identity)"),
                ("peer", "SPEC.md 12.1 (the peer's account id)"),
                ("record", "SPEC.md 12.6 (the stored record, null if none)"),
                ("seen", "SPEC.md 12.6 (the identity key seen now)"),
                ("now", "SPEC.md 12.6 (seconds since the Unix epoch)"),
                ("observation", "SPEC.md 12.6 (new, unchanged or changed)"),
                (
                    "store",
                    "SPEC.md 12.6 (the record to store, encoded; null if nothing changes)",
                ),
                (
                    "change",
                    "SPEC.md 12.6 (the IdentityChange event, null if none)",
                ),
                (
                    "previous",
                    "SPEC.md 12.6 (IdentityChange: the key on record)",
                ),
                ("new", "SPEC.md 12.6 (IdentityChange: the key seen)"),
                (
                    "was_verified",
                    "SPEC.md 12.6 (IdentityChange: a verification was lost)",
                ),
                ("seen_at", "SPEC.md 12.6 (IdentityChange: when)"),
                (
                    "send",
                    "SPEC.md 12.6 (the default policy on the record: allowed, or the error)",
                ),
                ("acknowledge", "SPEC.md 12.6 (acknowledging a change)"),
                ("verify", "SPEC.md 12.5, 12.6 (applying a proof)"),
                ("at", "SPEC.md 12.6 (when the proof was made)"),
            ],
            compute: |input, provider| {
                verification::compute(
                    &verification::VerificationInput::from_json(input)?,
                    provider,
                )
            },
            inputs: verification::inputs,
        },
        Layer {
            file: "pqxdh.json",
            description: "The post-quantum hybrid set-up (SPEC.md 18): ML-KEM-1024 key generation, encapsulation and decapsulation from given randomness (and each refusal), KEM prekey signatures and their verification (each refusal in order), the hybrid SK by both sides, bundles with a KEM prekey (each refusal of steps 7c and 8), whole hybrid transcripts (first message, its prekey_info and associated data, each accept refusal), and the stored KEM prekey form (each loading refusal).",
            fields: &[
                (
                    "keygen",
                    "SPEC.md 18.2 (ML-KEM-1024.KeyGen_internal(d, z) through hazmat::ml_kem_keygen)",
                ),
                ("seed", "SPEC.md 18.1 step 1 (d || z, 64 bytes)"),
                (
                    "ek",
                    "SPEC.md 18.2 (the encapsulation key, 1568 bytes; checked as in 18.2 where it is an input)",
                ),
                (
                    "dk",
                    "SPEC.md 18.2 (the decapsulation key, 3168 bytes: dk_PKE || ek || H(ek) || z)",
                ),
                (
                    "encapsulate",
                    "SPEC.md 18.2 (Encaps_internal(ek, m) after the encapsulation key check: hazmat::ml_kem_encapsulate)",
                ),
                (
                    "m",
                    "SPEC.md 18.2, 18.3 step 2 (the encapsulation randomness, 32 bytes)",
                ),
                (
                    "decapsulate",
                    "SPEC.md 18.2 (Decaps_internal(dk, c) after the decapsulation key check and the ciphertext length: hazmat::ml_kem_decapsulate)",
                ),
                (
                    "ciphertext",
                    "SPEC.md 18.2 (c / CT, 1568 bytes); in an edit, 18.7 KemEncapsulation field 2",
                ),
                ("shared_secret", "SPEC.md 18.2, 18.3 (K / SS, 32 bytes)"),
                (
                    "sign",
                    "SPEC.md 18.1 (a KEM prekey's signature: hazmat::sign_kem_prekey)",
                ),
                ("identity_seed", "SPEC.md 3.1"),
                (
                    "id",
                    "SPEC.md 18.1 (the KEM prekey id); 4.1 for signed and one-time prekeys; in errors, 8.1",
                ),
                (
                    "last_resort",
                    "SPEC.md 18.1 (kind byte 0x01 if true, 0x02 if false), 18.7 KemPreKey field 3",
                ),
                (
                    "created_at",
                    "SPEC.md 18.1, 4.1 (seconds since the Unix epoch)",
                ),
                (
                    "identity_key",
                    "SPEC.md 3.1 (Encode(IK) of the signer or bundle owner)",
                ),
                (
                    "signed_message",
                    "SPEC.md 3.2, 18.1 (0x1a || label || body, 1608 bytes)",
                ),
                ("signature", "SPEC.md 2.1, 3.2, 18.1 (Ed25519, 64 bytes)"),
                (
                    "verify",
                    "SPEC.md 4.2 (Which error wins), as hazmat::verify_kem_prekey applies it to KEM prekeys",
                ),
                ("valid", "SPEC.md 2.1 (the signature verifies)"),
                (
                    "agree",
                    "SPEC.md 18.3 (the hybrid SK by both sides: hazmat::pqxdh_initiator and pqxdh_responder)",
                ),
                ("alice_seed", "SPEC.md 3.1"),
                ("alice_base_secret", "SPEC.md 5.2 (ek)"),
                ("bob_seed", "SPEC.md 3.1"),
                ("bob_signed_prekey_secret", "SPEC.md 4.1"),
                (
                    "bob_one_time_prekey_secret",
                    "SPEC.md 4.1 (null: no one-time prekey)",
                ),
                (
                    "bob_kem_seed",
                    "SPEC.md 18.1 step 1 (d || z of Bob's KEM prekey)",
                ),
                ("alice_identity_key", "SPEC.md 3.1 (Encode(IK_A))"),
                ("bob_identity_key", "SPEC.md 3.1 (Encode(IK_B))"),
                ("alice_base_public", "SPEC.md 5.2 (EK_A)"),
                ("bob_signed_prekey_public", "SPEC.md 4.1"),
                (
                    "bob_one_time_prekey_public",
                    "SPEC.md 4.1 (null: no one-time prekey)",
                ),
                ("dh", "SPEC.md 5.3 (DH1..DH4)"),
                (
                    "ikm",
                    "SPEC.md 18.3 (F || DH1 || DH2 || DH3 [|| DH4] || SS)",
                ),
                ("shared_key", "SPEC.md 18.3 (SK)"),
                ("associated_data", "SPEC.md 5.3 (AD)"),
                (
                    "bundle",
                    "SPEC.md 4.2, 7.5, 18.7 (an owner's hybrid bundle); in transcripts, Bob's encoded bundle",
                ),
                ("signed_prekey", "SPEC.md 4.1, 7.5 field 3"),
                ("secret", "SPEC.md 4.1 (an X25519 prekey secret)"),
                (
                    "one_time_prekey",
                    "SPEC.md 4.1, 7.5 field 4 (null when absent); in transcripts, whether Bob's bundle has one",
                ),
                ("kem_prekey", "SPEC.md 18.1, 18.7 (PreKeyBundle field 6)"),
                (
                    "public_key",
                    "SPEC.md 2.2, 18.2 (an X25519 public key, or a KEM prekey's ek)",
                ),
                ("bytes", "SPEC.md 7.1 (an encoded PreKeyBundle or Envelope)"),
                (
                    "decode_bundle",
                    "SPEC.md 4.2 steps 1-8 with 18.7 step 7c (PreKeyBundleIn::decode, then validate)",
                ),
                ("max_encoded_len", "SPEC.md 8.4"),
                (
                    "transcript",
                    "test-vectors/README.md (pqxdh.json transcripts), SPEC.md 18.3-18.5",
                ),
                (
                    "alice_rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the RNG)",
                ),
                (
                    "bob_rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the RNG)",
                ),
                (
                    "kem_last_resort",
                    "SPEC.md 18.1 (the kind of Bob's KEM prekey: true last resort, false one-time)",
                ),
                ("script", "test-vectors/README.md"),
                (
                    "op",
                    "test-vectors/README.md (send, deliver, accept, initiate, edit)",
                ),
                ("from", "test-vectors/README.md (alice or bob)"),
                ("text", "SPEC.md 6.7 (the plaintext, UTF-8)"),
                (
                    "envelope",
                    "test-vectors/README.md (an envelope's index, from 1)",
                ),
                (
                    "kem",
                    "SPEC.md 18.7 (PreKeyMessage field 6: null removes it; prekey_id and ciphertext replace)",
                ),
                ("prekey_id", "SPEC.md 18.7 (KemEncapsulation field 1)"),
                (
                    "rng_draws",
                    "SPEC.md 5.2, 18.1, 18.3 (what is drawn, and when)",
                ),
                (
                    "alice",
                    "SPEC.md 5.2, 18.3 (Alice's draws: identity, ek, m, ratchet secret, ...)",
                ),
                (
                    "bob",
                    "SPEC.md 4.1, 18.1 (Bob's draws: identity, signed prekey, one-time prekey, KEM prekey (64 bytes), ...)",
                ),
                (
                    "first_message",
                    "SPEC.md 18.3, 18.5 (envelope 1, recomputed from Alice's draws)",
                ),
                ("prekey_info", "SPEC.md 18.5 (77 bytes)"),
                (
                    "aead_associated_data",
                    "SPEC.md 18.5 (LP(AD) || LP(header) || LP(prekey_info), 194 bytes)",
                ),
                ("envelopes", "SPEC.md 7, 18.7"),
                (
                    "index",
                    "test-vectors/README.md (from 1, in the order sent)",
                ),
                ("deliveries", "SPEC.md 5.4, 18.4, 6.6, 8.1"),
                ("plaintext", "SPEC.md 6.6"),
                ("alice_state", "SPEC.md 9, 18.5"),
                ("bob_state", "SPEC.md 9, 18.5"),
                (
                    "store_kem_prekey",
                    "SPEC.md 18.6 (KemPreKeyPair::to_stored)",
                ),
                ("stored", "SPEC.md 18.6 (content || checksum, 3278 bytes)"),
                (
                    "load_kem_prekey",
                    "SPEC.md 18.6 Loading (KemPreKeyPair::from_stored)",
                ),
                ("error", "SPEC.md 8.1"),
                ("field", "SPEC.md 8.1"),
                ("expected", "SPEC.md 8.1"),
                ("found", "SPEC.md 8.1"),
            ],
            compute: |input, p| pqxdh::compute(&pqxdh::PqxdhInput::from_json(input)?, p),
            inputs: pqxdh::inputs,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Files

/// The whole JSON document of a layer, as generation produces it with provider `p` (the
/// committed files are generated with the default; every provider must regenerate them
/// byte for byte).
pub fn generate(layer: &Layer, p: &'static CryptoProvider) -> Value {
    let cases: Vec<Value> = inputs(layer)
        .into_iter()
        .enumerate()
        .map(|(i, (comment, input))| {
            let mut case = json!({ "id": i + 1, "comment": comment, "input": input });
            match compute(layer, &input, p) {
                Ok(output) => case["output"] = output,
                Err(error) => case["error"] = Value::String(error),
            }
            case
        })
        .collect();
    let fields: serde_json::Map<String, Value> = layer
        .fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "file": layer.file,
        "description": layer.description,
        "fields": fields,
        "cases": cases,
    })
}

/// Computed cases by (file, provider, input).
type Computed = std::collections::HashMap<(String, String, String), Result<Value, String>>;
/// Generated inputs by file.
type Inputs = std::collections::HashMap<&'static str, Vec<(&'static str, Value)>>;

thread_local! {
    /// Results of [`compute`], and of [`inputs`].
    static COMPUTED: std::cell::RefCell<Computed> = std::cell::RefCell::new(Computed::new());
    static INPUTS: std::cell::RefCell<Inputs> = std::cell::RefCell::new(Inputs::new());
}

/// `layer.compute`, remembered: every case is a pure function of its input and the provider,
/// and verifying a file regenerates it, so each distinct case is computed once per process
/// (what keeps `tests/vectors.rs`, which verifies every file hundreds of times with one byte
/// changed, fast: only the changed case is computed again).
fn compute(layer: &Layer, input: &Value, p: &'static CryptoProvider) -> Result<Value, String> {
    let key = (
        layer.file.to_string(),
        p.name().to_string(),
        input.to_string(),
    );
    if let Some(hit) = COMPUTED.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let result = (layer.compute)(input, p);
    COMPUTED.with(|c| c.borrow_mut().insert(key, result.clone()));
    result
}

/// `layer.inputs()`, remembered per file.
fn inputs(layer: &Layer) -> Vec<(&'static str, Value)> {
    if let Some(hit) = INPUTS.with(|c| c.borrow().get(layer.file).cloned()) {
        return hit;
    }
    let inputs = (layer.inputs)();
    INPUTS.with(|c| c.borrow_mut().insert(layer.file, inputs.clone()));
    inputs
}

/// The file's exact text.
pub fn render(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap() + "\n"
}

/// What verifying one file found.
pub struct Report {
    pub passed: usize,
    pub failed: Vec<String>,
}

/// Verifies `text` as the vector file of `layer` with provider `p`: every case recomputed from
/// its inputs, then the whole file against regeneration (so no byte can change unnoticed,
/// comments included).
pub fn verify(layer: &Layer, text: &str, p: &'static CryptoProvider) -> Report {
    let mut report = Report {
        passed: 0,
        failed: Vec::new(),
    };
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(e) => {
            report.failed.push(format!("not JSON: {e}"));
            return report;
        }
    };
    if document["format_version"] != json!(FORMAT_VERSION) {
        report.failed.push(format!(
            "format_version is {}, expected {FORMAT_VERSION}",
            document["format_version"]
        ));
    }
    let cases = document["cases"].as_array().cloned().unwrap_or_default();
    if cases.is_empty() {
        report.failed.push("no cases".into());
    }
    for case in &cases {
        let id = &case["id"];
        let expected = match (case.get("output"), case.get("error")) {
            (Some(output), None) => Ok(output.clone()),
            (None, Some(Value::String(error))) => Err(error.clone()),
            _ => {
                report
                    .failed
                    .push(format!("case {id}: needs exactly one of output and error"));
                continue;
            }
        };
        let actual = compute(layer, &case["input"], p);
        if actual == expected {
            report.passed += 1;
        } else {
            report.failed.push(format!(
                "case {id}: expected {expected:?}, computed {actual:?}"
            ));
        }
    }
    if render(&document) != text || document != generate(layer, p) {
        report
            .failed
            .push("file differs from its regeneration".into());
    }
    report
}

/// The 32-byte seed number `n` of the generated inputs.
/// The configuration of every layer but the hybrid one: `Config::default()` with the classic
/// set-up allowed (`PostQuantumPolicy::Optional`, SPEC.md 18.4), since those layers' sessions
/// are X3DH-only (SPEC.md 5) and their vectors predate the hybrid set-up.
pub(crate) fn classic_config() -> hushwire::Config {
    let mut config = hushwire::Config::default();
    config.post_quantum = hushwire::PostQuantumPolicy::Optional;
    config
}

fn seed(n: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    for (i, b) in s.iter_mut().enumerate() {
        *b = n.wrapping_mul(31).wrapping_add(i as u8);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use hushwire::provider::RUST_CRYPTO;

    /// The keys a case's input may leave out.
    const OPTIONAL: [&str; 6] = [
        "prekey_info",
        "open",
        "max_skip",
        "config",
        "withhold",
        "encrypt",
    ];

    /// Every generated input of every layer, with an unknown key added, or with any key removed
    /// that its form requires, is refused before anything is computed.
    #[test]
    fn inputs_with_unknown_or_missing_keys_are_refused() {
        for layer in layers() {
            for (comment, input) in (layer.inputs)() {
                let mut extra = input.clone();
                extra["unexpected"] = Value::Null;
                assert_eq!(
                    (layer.compute)(&extra, &RUST_CRYPTO),
                    Err("unknown key unexpected".to_string()),
                    "{}: {comment}",
                    layer.file
                );
                for key in input.as_object().unwrap().keys() {
                    if OPTIONAL.contains(&key.as_str()) {
                        continue;
                    }
                    let mut fewer = input.clone();
                    fewer.as_object_mut().unwrap().remove(key);
                    let result = (layer.compute)(&fewer, &RUST_CRYPTO);
                    assert!(
                        result.as_ref().is_err_and(|e| e.starts_with("missing key")),
                        "{}: {comment}: without {key}: {result:?}",
                        layer.file
                    );
                }
            }
        }
    }

    /// Every key of `value`, nested ones included, added to `keys`.
    fn collect_keys(value: &Value, keys: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    keys.insert(key.clone());
                    collect_keys(inner, keys);
                }
            }
            Value::Array(items) => items.iter().for_each(|inner| collect_keys(inner, keys)),
            _ => {}
        }
    }

    /// A file's `fields` map names every key its cases' inputs and outputs use, nested ones
    /// included, and no other.
    #[test]
    fn fields_maps_name_every_key_and_no_other() {
        for layer in layers() {
            let document = generate(&layer, &RUST_CRYPTO);
            let mut used = std::collections::BTreeSet::new();
            for case in document["cases"].as_array().unwrap() {
                collect_keys(&case["input"], &mut used);
                if let Some(output) = case.get("output") {
                    collect_keys(output, &mut used);
                }
            }
            let listed: std::collections::BTreeSet<String> =
                layer.fields.iter().map(|(k, _)| k.to_string()).collect();
            assert_eq!(
                listed.len(),
                layer.fields.len(),
                "{}: a key listed twice",
                layer.file
            );
            assert_eq!(used, listed, "{}", layer.file);
        }
    }

    /// Case `index` (from 0) of `file`'s generated inputs, computed after `edit`.
    fn edited(file: &str, index: usize, edit: impl FnOnce(&mut Value)) -> Result<Value, String> {
        let layer = layers().into_iter().find(|l| l.file == file).unwrap();
        let mut input = (layer.inputs)().swap_remove(index).1;
        edit(&mut input);
        (layer.compute)(&input, &RUST_CRYPTO)
    }

    /// attachment.json: the operation's object refuses unknown and missing keys, and edited
    /// values that would index, allocate or shift out of range give a result (an output, an
    /// error object or a refusal of the input), never a panic.
    #[test]
    fn attachment_inputs_are_checked_without_panicking() {
        let file = "attachment.json";
        let inputs = attachment::inputs();
        let first = |op: &str| {
            inputs
                .iter()
                .position(|(_, input)| input.get(op).is_some())
                .unwrap()
        };
        let (seal, open, range, padme) = (
            first("seal"),
            first("open"),
            first("read_range"),
            first("padme"),
        );
        let refused =
            |index: usize, edit: &dyn Fn(&mut Value)| edited(file, index, |i| edit(i)).unwrap_err();
        assert_eq!(
            refused(seal, &|i| i["seal"]["unexpected"] = json!(1)),
            "seal: unknown key unexpected"
        );
        assert_eq!(
            refused(open, &|i| {
                i["open"].as_object_mut().unwrap().remove("ciphertext");
            }),
            "open: missing key ciphertext"
        );
        assert_eq!(
            refused(range, &|i| {
                i["read_range"].as_object_mut().unwrap().remove("len");
            }),
            "read_range: missing key len"
        );
        assert_eq!(
            refused(open, &|i| i["padme"] = json!({ "lengths": [] })),
            "more than one operation: padme, open"
        );
        assert_eq!(
            refused(seal, &|i| i["seal"]["random"] = json!("00")),
            "random: expected 64 bytes"
        );
        assert_eq!(
            refused(seal, &|i| i["seal"]["segment_log2"] = json!(300)),
            "segment_log2: expected a number below 256"
        );
        assert_eq!(
            refused(seal, &|i| i["seal"]["padding"] = json!("zip")),
            "padding: unknown scheme zip"
        );
        assert_eq!(
            refused(seal, &|i| i["seal"]["file_name"] = json!(5)),
            "file_name: expected a string or null"
        );
        assert_eq!(
            refused(padme, &|i| i["padme"]["lengths"] = json!([1, -1])),
            "lengths: expected a number"
        );
        let error = |index: usize, edit: &dyn Fn(&mut Value)| {
            edited(file, index, |i| edit(i)).unwrap()["error"].clone()
        };
        for log2 in [0, 5, 21, 255] {
            assert_eq!(
                error(seal, &|i| i["seal"]["segment_log2"] = json!(log2)),
                json!("InvalidAttachmentHeader")
            );
        }
        assert_eq!(
            error(seal, &|i| i["seal"]["content_type"] = json!("text")),
            json!("InvalidAttachmentPointer")
        );
        // A pointer claiming 2^40 bytes for a small file: refused once the file ends, with
        // nothing allocated for the claimed size.
        let huge = |i: &mut Value, op: &str| {
            let bytes = hex::decode(i[op]["pointer"].as_str().unwrap()).unwrap();
            let mut p = <pb::AttachmentPointer as prost::Message>::decode(&bytes[..]).unwrap();
            p.size = 1 << 40;
            i[op]["pointer"] = json!(hex::encode(prost::Message::encode_to_vec(&p)));
        };
        assert_eq!(
            edited(file, open, |i| huge(i, "open")).unwrap(),
            json!({ "error": "AttachmentTruncated", "segment": 3 })
        );
        assert_eq!(
            error(range, &|i| huge(i, "read_range")),
            json!("AttachmentTruncated")
        );
        for (offset, len) in [(u64::MAX, u64::MAX), (0, u64::MAX), (u64::MAX, 0)] {
            let out = edited(file, range, |i| {
                i["read_range"]["offset"] = json!(offset);
                i["read_range"]["len"] = json!(len);
            })
            .unwrap();
            assert!(out.get("plaintext").is_some(), "{out}");
        }
        let out = edited(file, padme, |i| {
            i["padme"]["lengths"] = json!([u64::MAX, (1u64 << 63) + 1])
        })
        .unwrap();
        assert_eq!(out["padded_lengths"].as_array().unwrap().len(), 2);
        let derive = first("derive");
        assert!(
            edited(file, derive, |i| i["derive"]["header_prefix"] =
                json!("ffffff"))
            .unwrap()
            .get("commitment")
            .is_some()
        );
    }

    /// store.json: the operation's object refuses unknown and missing keys (which depend on
    /// the table for `record_key`) and unknown tables; edited values at the edges give an
    /// output or an error object, never a panic.
    #[test]
    fn store_inputs_are_checked_without_panicking() {
        let file = "store.json";
        let inputs = store::inputs();
        let first = |op: &str| {
            inputs
                .iter()
                .position(|(_, input)| input.get(op).is_some())
                .unwrap()
        };
        let (key, seal, open, next, first_of) = (
            first("record_key"),
            first("seal"),
            first("open"),
            first("next"),
            first("first_of"),
        );
        let refused =
            |index: usize, edit: &dyn Fn(&mut Value)| edited(file, index, |i| edit(i)).unwrap_err();
        assert_eq!(
            refused(key, &|i| i["record_key"]["id"] = json!(1)),
            "record_key: unknown key id"
        );
        assert_eq!(
            refused(key, &|i| i["record_key"]["table"] = json!("signed_prekeys")),
            "record_key: missing key id"
        );
        assert_eq!(
            refused(key, &|i| i["record_key"]["table"] = json!("sessions")),
            "record_key: table: unknown table sessions"
        );
        assert_eq!(
            refused(seal, &|i| {
                i["seal"].as_object_mut().unwrap().remove("salt");
            }),
            "seal: missing key salt"
        );
        assert_eq!(
            refused(seal, &|i| i["seal"]["salt"] = json!("00")),
            "seal: salt: expected 32 bytes"
        );
        assert_eq!(
            refused(open, &|i| i["open"]["unexpected"] = json!(1)),
            "open: unknown key unexpected"
        );
        assert_eq!(
            refused(open, &|i| i["seal"] = i["open"].clone()),
            "more than one operation: seal, open"
        );
        let output =
            |index: usize, edit: &dyn Fn(&mut Value)| edited(file, index, |i| edit(i)).unwrap();
        assert_eq!(
            output(next, &|i| i["next"]["revision"] = json!(u64::MAX)),
            json!({ "error": "StoreConflict", "record": "session_record" })
        );
        assert_eq!(
            output(first_of, &|i| i["first_of"]["incarnation"] =
                json!(u64::MAX)),
            json!({ "error": "StoreConflict", "record": "session_record" })
        );
        assert_eq!(
            output(open, &|i| i["open"]["revision"] = json!(u64::MAX)),
            json!({ "error": "SealedRecordInvalid", "record": "session_record" })
        );
        let sealed = output(seal, &|i| i["seal"]["value"] = json!(""));
        assert_eq!(sealed["sealed"].as_str().unwrap().len(), 2 * 49);
    }

    /// The nested objects (`verify`, `kdf_rk`, `kdf_ck`, the script's steps) are checked too.
    #[test]
    fn nested_objects_refuse_unknown_and_missing_keys() {
        let verify = (signed_prekey::inputs().iter())
            .position(|(_, input)| input.get("verify").is_some())
            .unwrap();
        assert_eq!(
            edited(
                "signed_prekey.json",
                verify,
                |i| i["verify"]["unexpected"] = json!(1)
            ),
            Err("verify: unknown key unexpected".to_string())
        );
        assert_eq!(
            edited("kdf.json", 0, |i| {
                i["kdf_rk"].as_object_mut().unwrap().remove("dh_output");
            }),
            Err("kdf_rk: missing key dh_output".to_string())
        );
        assert_eq!(
            edited("kdf.json", 2, |i| i["kdf_ck"]["unexpected"] = json!(1)),
            Err("kdf_ck: unknown key unexpected".to_string())
        );
        assert_eq!(
            edited("transcript.json", 0, |i| i["script"][0]["envelope"] =
                json!(1)),
            Err("unknown key envelope".to_string())
        );
        assert_eq!(
            edited("transcript.json", 0, |i| {
                i["script"][2].as_object_mut().unwrap().remove("envelope");
            }),
            Err("missing key envelope".to_string())
        );
        assert_eq!(
            edited("transcript.json", 0, |i| i["script"][0]["from"] =
                json!("carol")),
            Err("unknown party carol".to_string())
        );
        assert_eq!(
            edited("prekey_bundle.json", 0, |i| i["encode"]["signed_prekey"]
                ["unexpected"] = json!(1)),
            Err("signed_prekey: unknown key unexpected".to_string())
        );
        assert_eq!(
            edited("prekey_bundle.json", 0, |i| {
                i["encode"]["one_time_prekey"]
                    .as_object_mut()
                    .unwrap()
                    .remove("id");
            }),
            Err("one_time_prekey: missing key id".to_string())
        );
        assert_eq!(
            edited("prekey_bundle.json", 3, |i| i["decode"]["unexpected"] =
                json!(1)),
            Err("decode: unknown key unexpected".to_string())
        );
        assert_eq!(
            edited("transcript.json", 4, |i| i["config"]["max_skipp"] =
                json!(1)),
            Err("config: unknown key max_skipp".to_string())
        );
        assert_eq!(
            edited("transcript.json", 7, |i| i["withhold"] =
                json!(["identity"])),
            Err("withhold: unknown key \"identity\"".to_string())
        );
        assert_eq!(
            edited("transcript.json", 9, |i| {
                i["script"][3].as_object_mut().unwrap().remove("counter");
            }),
            Err("missing key counter".to_string())
        );
        assert_eq!(
            edited("session_state.json", 44, |i| i["config"]["unexpected"] =
                json!(1)),
            Err("config: unknown key unexpected".to_string())
        );
    }
}
