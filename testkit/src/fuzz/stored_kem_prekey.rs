//! The `stored_kem_prekey` target: the stored form of our own KEM prekeys (SPEC.md 18.6).

use std::sync::OnceLock;

use hushwire::{
    Error, IdentityKeyPair, KEM_PUBLIC_KEY_LEN, KEM_SECRET_KEY_LEN, KemPreKeyId, KemPreKeyKind,
    KemPreKeyPair, Timestamp,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use super::Outcome;

/// Length of a stored KEM prekey: version, id, created_at, kind, decapsulation key,
/// signature, checksum (SPEC.md 18.6).
pub const STORED_KEM_PREKEY_LEN: usize = 1 + 4 + 8 + 1 + KEM_SECRET_KEY_LEN + 64 + 32;
/// The checksum label of SPEC.md 18.6.
const KEM_LABEL: &[u8] = b"hushwire/v1/stored-kem-prekey";
/// Where the decapsulation key starts in the stored form.
const SECRET_AT: usize = 1 + 4 + 8 + 1;
/// Where `ek` sits inside the decapsulation key (FIPS 203: `dk_PKE (384·k) || ek || H(ek) ||
/// z`, k = 4).
const EK_AT: usize = 384 * 4;
/// The seed of the genuine KEM prekeys' RNG.
pub const STORED_KEM_SEED: u64 = 0x4b45_4d50;

/// `content || SHA-256(u8(len(label)) || label || content)` (SPEC.md 18.6).
pub fn stored_kem_prekey_form(content: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update([KEM_LABEL.len() as u8]);
    hash.update(KEM_LABEL);
    hash.update(content);
    [content, &hash.finalize()].concat()
}

/// Two genuine KEM prekeys (last resort id 100, one-time id 1) of one identity, from
/// [`STORED_KEM_SEED`]: the seeds' stored forms, and the decapsulation keys known to be
/// valid.
pub fn genuine_kem_prekeys() -> &'static [KemPreKeyPair; 2] {
    static KEYS: OnceLock<[KemPreKeyPair; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(STORED_KEM_SEED);
        let identity = IdentityKeyPair::generate(&mut rng);
        let created = Timestamp::from_unix_seconds(1_750_000_000);
        [
            KemPreKeyPair::generate(
                &mut rng,
                &identity,
                KemPreKeyId(100),
                KemPreKeyKind::LastResort,
                created,
            ),
            KemPreKeyPair::generate(
                &mut rng,
                &identity,
                KemPreKeyId(1),
                KemPreKeyKind::OneTime,
                created,
            ),
        ]
    })
}

/// `stored_kem_prekey`: the first byte chooses what the rest is: 1, the content of a stored
/// KEM prekey, given its checksum by the target so that the fuzzer reaches the version, the
/// kind and the key checks; anything else, bytes given as they are. [`KemPreKeyPair::
/// from_stored`] must not panic and must follow SPEC.md 18.6: `SessionStateCorrupted` for
/// another length or checksum; else `UnsupportedVersion { found }` for a version byte other
/// than 1; else `SessionStateCorrupted` for a kind byte other than 1 or 2; a decapsulation key
/// that fails FIPS 203's check is `SessionStateCorrupted` too, and one of the genuine keys
/// never fails it. A loaded pair has the stored id, time, kind, signature and key (its public
/// key the `ek` inside the decapsulation key), and stores back to the same bytes.
pub fn stored_kem_prekey(data: &[u8]) -> Outcome {
    let bytes = match data.split_first() {
        Some((1, content)) => stored_kem_prekey_form(content),
        Some((_, rest)) => rest.to_vec(),
        None => Vec::new(),
    };
    let len = STORED_KEM_PREKEY_LEN;
    let intact = bytes.len() == len && stored_kem_prekey_form(&bytes[..len - 32]) == bytes;
    let kind_ok = intact && matches!(bytes[13], 1 | 2);
    let secret = intact.then(|| &bytes[SECRET_AT..SECRET_AT + KEM_SECRET_KEY_LEN]);
    let genuine_key = secret.is_some_and(|secret| {
        genuine_kem_prekeys().iter().any(|pair| {
            pair.to_stored().as_bytes()[SECRET_AT..SECRET_AT + KEM_SECRET_KEY_LEN] == *secret
        })
    });
    match KemPreKeyPair::from_stored(&bytes) {
        Ok(pair) => {
            assert!(
                intact && bytes[0] == 1 && kind_ok,
                "a damaged stored KEM prekey loaded"
            );
            let public = pair.public();
            assert_eq!(public.id().0.to_be_bytes(), bytes[1..5]);
            assert_eq!(
                public.created_at().as_unix_seconds().to_be_bytes(),
                bytes[5..13]
            );
            let kind = match bytes[13] {
                1 => KemPreKeyKind::LastResort,
                _ => KemPreKeyKind::OneTime,
            };
            assert_eq!(
                (public.kind(), pair.kind(), pair.id()),
                (kind, kind, public.id())
            );
            assert_eq!(
                public.public_key().as_bytes()[..],
                bytes[SECRET_AT + EK_AT..SECRET_AT + EK_AT + KEM_PUBLIC_KEY_LEN]
            );
            assert_eq!(public.signature()[..], bytes[len - 96..len - 32]);
            assert_eq!(
                pair.to_stored().as_bytes(),
                &bytes[..],
                "a loaded KEM prekey does not store back"
            );
            Outcome::Accepted
        }
        Err(Error::SessionStateCorrupted) => {
            assert!(
                !intact || (bytes[0] == 1 && !(kind_ok && genuine_key)),
                "an intact stored KEM prekey with a genuine key was called corrupted"
            );
            Outcome::Rejected
        }
        Err(Error::UnsupportedVersion { found }) => {
            assert!(intact, "the version was checked before the checksum");
            assert_ne!(bytes[0], 1);
            assert_eq!(found, u32::from(bytes[0]));
            Outcome::Rejected
        }
        Err(error) => panic!("from_stored returned {error:?}"),
    }
}
