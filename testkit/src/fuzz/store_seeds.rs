//! The seeds of the store targets, `stored_prekey` and `sealed_value`.

use hushwire::{
    IdentityKeyPair, OneTimePreKeyId, OneTimePreKeyPair, SignedPreKeyId, SignedPreKeyPair,
    Timestamp,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::sealed_value::sealed_value_with_salt;
use super::stored_kem_prekey::genuine_kem_prekeys;

/// The seed corpus of `stored_prekey`, `stored_kem_prekey` and `sealed_value`: `(target,
/// file name, bytes)`.
/// `tests/fuzz_corpus.rs` writes them with the other targets' seeds.
pub fn store_seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        assert!(
            !seeds.iter().any(|(t, n, _)| *t == target && n == name),
            "{target}: two seeds named {name}"
        );
        seeds.push((target, name.to_owned(), bytes));
    };

    let mut rng = ChaCha20Rng::seed_from_u64(0x5354_4f52);
    let identity = IdentityKeyPair::generate(&mut rng);
    let signed = SignedPreKeyPair::generate(
        &mut rng,
        &identity,
        SignedPreKeyId(1),
        Timestamp::from_unix_seconds(1_750_000_000),
    )
    .to_stored()
    .as_bytes()
    .to_vec();
    let one_time = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(7))
        .to_stored()
        .as_bytes()
        .to_vec();
    // Mode 0: the bytes as they are.
    add("stored_prekey", "signed", [&[0u8][..], &signed].concat());
    add(
        "stored_prekey",
        "one-time",
        [&[0u8][..], &one_time].concat(),
    );
    add(
        "stored_prekey",
        "signed-truncated",
        [&[0u8][..], &signed[..140]].concat(),
    );
    add("stored_prekey", "empty", vec![0]);
    // Modes 1 and 2: the content, checksummed by the target.
    let content_s = &signed[..signed.len() - 32];
    let content_o = &one_time[..one_time.len() - 32];
    add(
        "stored_prekey",
        "signed-content",
        [&[1u8][..], content_s].concat(),
    );
    add(
        "stored_prekey",
        "signed-content-version-2",
        [&[1u8, 2][..], &content_s[1..]].concat(),
    );
    add(
        "stored_prekey",
        "one-time-content",
        [&[2u8][..], content_o].concat(),
    );
    add(
        "stored_prekey",
        "one-time-content-version-0",
        [&[2u8, 0][..], &content_o[1..]].concat(),
    );

    // stored_kem_prekey. Mode 0: the bytes as they are; mode 1: the content, checksummed by
    // the target.
    let [last_resort, one_time] = genuine_kem_prekeys();
    let last_resort = last_resort.to_stored().as_bytes().to_vec();
    let one_time = one_time.to_stored().as_bytes().to_vec();
    add(
        "stored_kem_prekey",
        "last-resort",
        [&[0u8][..], &last_resort].concat(),
    );
    add(
        "stored_kem_prekey",
        "one-time",
        [&[0u8][..], &one_time].concat(),
    );
    add(
        "stored_kem_prekey",
        "truncated",
        [&[0u8][..], &one_time[..one_time.len() - 1]].concat(),
    );
    let mut flipped = one_time.clone();
    flipped[40] ^= 0x01;
    add(
        "stored_kem_prekey",
        "checksum-mismatch",
        [&[0u8][..], &flipped].concat(),
    );
    add("stored_kem_prekey", "empty", vec![0]);
    let content = &last_resort[..last_resort.len() - 32];
    add(
        "stored_kem_prekey",
        "content",
        [&[1u8][..], content].concat(),
    );
    add(
        "stored_kem_prekey",
        "content-version-2",
        [&[1u8, 2][..], &content[1..]].concat(),
    );
    let edited = |at: usize, value: u8| {
        let mut content = content.to_vec();
        content[at] = value;
        [&[1u8][..], &content].concat()
    };
    add("stored_kem_prekey", "content-kind-3", edited(13, 3));
    add("stored_kem_prekey", "content-kind-one-time", edited(13, 2));
    // H(ek) inside the decapsulation key (FIPS 203 7.3): a byte of it changed.
    let h_ek = 14 + 384 * 4 + hushwire::KEM_PUBLIC_KEY_LEN;
    add(
        "stored_kem_prekey",
        "content-bad-ek-hash",
        edited(h_ek, content[h_ek] ^ 0x80),
    );

    let value = b"stored session record";
    let sealed = sealed_value_with_salt(&[0xa5; 32], value);
    add("sealed_value", "genuine", sealed.clone());
    add(
        "sealed_value",
        "genuine-empty",
        sealed_value_with_salt(&[0x5a; 32], b""),
    );
    add(
        "sealed_value",
        "truncated",
        sealed[..sealed.len() - 1].to_vec(),
    );
    add(
        "sealed_value",
        "version-2",
        [&[2u8][..], &sealed[1..]].concat(),
    );
    add("sealed_value", "plain-value", value.to_vec());
    seeds
}
