//! Secrets stay out of Debug output, sessions can be shared across threads, identity keys
//! convert as SPEC.md 3.1 says (checked by a second route), and decoding is strict.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{
    Envelope, Error, IdentityKeyPair, OneTimePreKeyId, OneTimePreKeyPair, Session, SignedPreKeyId,
    SignedPreKeyPair,
};
use sha2::{Digest, Sha512};

#[test]
fn sessions_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Session>();
    assert_send_sync::<IdentityKeyPair>();
    assert_send_sync::<hushwire::InMemoryPreKeyStore>();
    assert_send_sync::<Envelope>();
    assert_send_sync::<Error>();
}

#[test]
fn debug_output_shows_no_secret() {
    let seed = [0x42u8; 32];
    let identity = IdentityKeyPair::from_seed(&seed);
    let text = format!("{identity:?}");
    assert!(text.contains("<redacted>"), "{text}");
    assert!(!text.contains(&hex::encode(seed)), "{text}");
    assert!(
        text.contains(&hex::encode(identity.public_key().to_bytes())),
        "public key is shown: {text}"
    );

    let mut rng = rng(50);
    let spk = SignedPreKeyPair::generate(
        &mut rng,
        &identity,
        SignedPreKeyId(1),
        hushwire::Timestamp::from_unix_seconds(0),
    );
    assert!(format!("{spk:?}").contains("secret: \"<redacted>\""));
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(1));
    assert!(format!("{otk:?}").contains("secret: \"<redacted>\""));

    // A session's Debug holds only public values: the only 32-byte runs of its serialized
    // state that appear in it are the two identity keys.
    let pair = established_pair(&mut rng, config());
    let text = format!("{:?}", pair.alice);
    let state = pair.alice.to_stored();
    let public = [
        pair.alice.our_identity().to_bytes(),
        pair.alice.their_identity().to_bytes(),
        pair.alice.id().to_bytes(),
    ];
    let mut shown = 0;
    for window in state.as_bytes().windows(32) {
        if text.contains(&hex::encode(window)) {
            assert!(
                public.iter().any(|key| key == window),
                "Debug leaks state bytes: {text}"
            );
            shown += 1;
        }
    }
    assert_eq!(shown, 3, "both identity keys and the session id are shown");
    assert!(text.starts_with("Session {"), "{text}");
}

#[test]
fn identity_x25519_form_matches_spec_by_a_second_route() {
    for seed_byte in 0u8..16 {
        let seed = [seed_byte; 32];
        let identity = IdentityKeyPair::from_seed(&seed);
        // SPEC.md 3.1 by hand: the X25519 secret is SHA-512(seed)[0..32], clamped by X25519;
        // its public key is X25519(secret, 9).
        let digest = Sha512::digest(seed);
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(&digest[..32]);
        let mut nine = [0u8; 32];
        nine[0] = 9;
        let expected = x25519_dalek::x25519(scalar, nine);
        assert_eq!(identity.public_key().x25519().to_bytes(), expected);
    }
}

#[test]
fn rfc8032_test_1_public_key() {
    // RFC 8032 section 7.1, TEST 1.
    let seed: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    let identity = IdentityKeyPair::from_seed(&seed);
    assert_eq!(
        hex::encode(identity.public_key().to_bytes()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(*identity.to_seed().as_bytes(), seed);
}

/// Wire bytes that decode to a valid envelope but are not its canonical encoding.
#[test]
fn non_canonical_envelopes_are_refused() {
    let mut rng = rng(51);
    let mut pair = established_pair(&mut rng, config());
    let wire = pair.alice.encrypt(b"x").unwrap().encode();
    let config = config();
    assert!(Envelope::decode(&wire, &config).is_ok());

    // An unknown field (number 20, varint 0) appended.
    let mut unknown = wire.clone();
    unknown.extend_from_slice(&[0xa0, 0x01, 0x00]);
    assert_eq!(
        Envelope::decode(&unknown, &config),
        Err(Error::NonCanonicalEncoding)
    );
    // The version field repeated (the last one wins in protobuf).
    let mut repeated = wire.clone();
    repeated.extend_from_slice(&[0x08, 0x01]);
    assert_eq!(
        Envelope::decode(&repeated, &config),
        Err(Error::NonCanonicalEncoding)
    );
    // The version as a non-minimal varint: 0x81 0x00 also means 1.
    let mut long_varint = vec![0x08, 0x81, 0x00];
    long_varint.extend_from_slice(&wire[2..]);
    assert_eq!(
        Envelope::decode(&long_varint, &config),
        Err(Error::NonCanonicalEncoding)
    );
    // A reserved message kind (field 4) instead of a known one.
    assert_eq!(
        Envelope::decode(&[0x08, 0x01, 0x22, 0x00], &config),
        Err(Error::NonCanonicalEncoding)
    );
    // No message at all.
    assert_eq!(
        Envelope::decode(&[0x08, 0x01], &config),
        Err(Error::MissingField { field: "content" })
    );
    // Version 0 is the absent field.
    assert_eq!(
        Envelope::decode(&wire[2..], &config),
        Err(Error::UnsupportedVersion { found: 0 })
    );
}

#[test]
fn error_messages_are_plain() {
    let text = Error::TooManySkippedMessages { skip: 9, max: 3 }.to_string();
    assert_eq!(text, "message would skip 9 keys on one chain, limit is 3");
    assert_eq!(
        Error::DecryptionFailed.to_string(),
        "message authentication failed"
    );
}

/// The stores (SPEC.md 17): the storage key, the sealer, stored prekeys, the stores and the
/// orchestration show no secret in their `Debug`, and can be shared across threads.
#[test]
fn stores_show_no_secret_and_are_shared_across_threads() {
    use hushwire::store::{Conversations, MemoryStore, Sealer, SqliteStore, StorageKey};
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MemoryStore>();
    assert_send_sync::<SqliteStore>();
    assert_send_sync::<Sealer>();
    assert_send_sync::<Conversations<MemoryStore>>();
    assert_send_sync::<Conversations<std::sync::Arc<SqliteStore>>>();

    let key = [0x5au8; 32];
    let text = format!("{:?}", StorageKey::from_bytes(key));
    assert_eq!(text, "StorageKey(<redacted>)");
    let sealer = Sealer::new(StorageKey::from_bytes(key), rng(52));
    let text = format!("{sealer:?}");
    assert!(
        text.contains("<redacted>") && !text.contains("5a5a"),
        "{text}"
    );

    let mut rng = rng(53);
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(1));
    assert_eq!(format!("{:?}", otk.to_stored()), "StoredPreKey(69 bytes)");

    let identity = IdentityKeyPair::from_seed(&[0x42; 32]);
    let store = MemoryStore::sealed(sealer);
    let text = format!("{store:?}");
    assert!(
        text.starts_with("MemoryStore {") && text.contains("sealed: true"),
        "{text}"
    );
    let conversations = Conversations::new(store, identity, config());
    let text = format!("{conversations:?}");
    assert!(!text.contains(&hex::encode([0x42u8; 32])), "{text}");
    assert!(
        text.starts_with("Conversations {") && !text.contains("5a5a"),
        "{text}"
    );
}
