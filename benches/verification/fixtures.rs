//! Shared set-up: the inputs of the safety numbers, established session pairs on each crypto
//! provider, the clock, and the Matrix-style strings vodozemac's SAS is fed.

use hushwire::provider::{AWS_LC_RS, CryptoProvider, RUST_CRYPTO};
use hushwire::{AccountId, IdentityKey, IdentityKeyPair, Session, Timestamp};
use hushwire_testkit::fixtures::{ChaCha20Rng, Pair, established_pair};

pub(crate) use hushwire_testkit::fixtures::rng;

/// The application's clock during every exchange (well inside the SAS timeout).
pub(crate) const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

/// libsignal's fingerprint known-answer inputs (rust/protocol/src/fingerprint.rs tests, also
/// in tests/safety_number.rs): Signal's 33-byte keys (`0x05 || X25519 key`) and phone numbers.
pub(crate) const SIGNAL_ALICE_KEY: &str =
    "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
pub(crate) const SIGNAL_BOB_KEY: &str =
    "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";
pub(crate) const SIGNAL_ALICE_ID: &[u8] = b"+14152222222";
pub(crate) const SIGNAL_BOB_ID: &[u8] = b"+14153333333";
/// Their published 60 digits.
pub(crate) const SIGNAL_DISPLAYABLE: &str =
    "300354477692869396892869876765458257569162576843440918079131";

/// Signal's 33-byte key from its hex.
pub(crate) fn signal_key(hex: &str) -> [u8; 33] {
    hex::decode(hex).unwrap().try_into().unwrap()
}

/// Two hushwire identities and their account ids (phone numbers in E.164, the same lengths as
/// Signal's): the inputs of [`hushwire::SafetyNumber::new`].
pub(crate) struct People {
    pub(crate) alice: IdentityKey,
    pub(crate) alice_id: AccountId,
    pub(crate) bob: IdentityKey,
    pub(crate) bob_id: AccountId,
}

pub(crate) fn people() -> People {
    let mut r = rng(120);
    let alice = *IdentityKeyPair::generate(&mut r).public_key();
    let bob = *IdentityKeyPair::generate(&mut r).public_key();
    People {
        alice,
        alice_id: AccountId::new(SIGNAL_ALICE_ID).unwrap(),
        bob,
        bob_id: AccountId::new(SIGNAL_BOB_ID).unwrap(),
    }
}

/// hushwire's fingerprint input for an identity key: `0xED || Encode(IK)` (SPEC.md 12.2).
pub(crate) fn fingerprint_key(key: &IdentityKey) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = 0xed;
    out[1..].copy_from_slice(&key.to_bytes());
    out
}

/// One provider column of the SAS table: the provider both sessions run on and the names of
/// its criterion benchmarks (group `sas_exchange`).
#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub(crate) provider: &'static CryptoProvider,
    /// hushwire's exchange on this provider.
    pub(crate) hushwire: &'static str,
    /// The floor of this provider's primitives.
    pub(crate) floor: &'static str,
    /// Its X25519 primitives (group `verification_primitive`).
    pub(crate) prefix: &'static str,
}

/// The default provider (`hushwire::provider::RUST_CRYPTO`).
pub(crate) const RUST: Column = Column {
    provider: &RUST_CRYPTO,
    hushwire: "hushwire",
    floor: "floor",
    prefix: "rust",
};

/// `hushwire::provider::AWS_LC_RS` (the dev-dependency enables feature `aws-lc-rs`).
pub(crate) const AWS: Column = Column {
    provider: &AWS_LC_RS,
    hushwire: "hushwire_aws",
    floor: "floor_aws",
    prefix: "aws",
};

pub(crate) const COLUMNS: [Column; 2] = [RUST, AWS];

/// An established pair (the test kit's: Alice initiated, Bob accepted and replied, Alice
/// decrypted the reply) with both sessions on `provider` (`Config::provider`), and the rng the
/// exchanges draw from afterwards.
pub(crate) fn pair(seed: u64, provider: &'static CryptoProvider) -> (Pair, ChaCha20Rng) {
    let mut r = rng(seed);
    let mut config = hushwire_testkit::fixtures::config();
    config.provider = provider;
    let pair = established_pair(&mut r, config);
    assert_eq!(pair.alice.config().provider, provider);
    assert_eq!(pair.bob.config().provider, provider);
    (pair, r)
}

/// The two sessions' identity keys as the starter's session holds them: (IK_S, IK_R).
pub(crate) fn identities(starter: &Session) -> ([u8; 32], [u8; 32]) {
    (
        starter.our_identity().to_bytes(),
        starter.their_identity().to_bytes(),
    )
}

/// What a Matrix client feeds vodozemac's SAS for one exchange between @alice:example.org's
/// device ALICEDEVICE (the starter) and @bob:example.org's BOBDEVICE, as in the Matrix
/// client-server spec (key agreement `curve25519-hkdf-sha256`, MAC `hkdf-hmac-sha256.v2`):
/// the SAS info, each side's MAC info for its device key, and each side's Ed25519 device key
/// in unpadded base64 (the MAC input).
pub(crate) struct MatrixStrings {
    pub(crate) transaction: &'static str,
    pub(crate) alice_ed25519: String,
    pub(crate) bob_ed25519: String,
    pub(crate) alice_mac_info: String,
    pub(crate) bob_mac_info: String,
}

pub(crate) const ALICE_USER: &str = "@alice:example.org";
pub(crate) const BOB_USER: &str = "@bob:example.org";
pub(crate) const ALICE_DEVICE: &str = "ALICEDEVICE";
pub(crate) const BOB_DEVICE: &str = "BOBDEVICE";

impl MatrixStrings {
    pub(crate) fn new() -> Self {
        let transaction = "YbJ6uMNcPaS4QmWq2fKd1E";
        let alice = vodozemac::olm::Account::new();
        let bob = vodozemac::olm::Account::new();
        // "MATRIX_KEY_VERIFICATION_MAC" || sender user || sender device || receiver user ||
        // receiver device || transaction || key id.
        let mac_info = |user: &str, device: &str, other_user: &str, other_device: &str| {
            format!(
                "MATRIX_KEY_VERIFICATION_MAC{user}{device}{other_user}{other_device}\
                 {transaction}ed25519:{device}"
            )
        };
        Self {
            transaction,
            alice_ed25519: alice.ed25519_key().to_base64(),
            bob_ed25519: bob.ed25519_key().to_base64(),
            alice_mac_info: mac_info(ALICE_USER, ALICE_DEVICE, BOB_USER, BOB_DEVICE),
            bob_mac_info: mac_info(BOB_USER, BOB_DEVICE, ALICE_USER, ALICE_DEVICE),
        }
    }

    /// "MATRIX_KEY_VERIFICATION_SAS|" || starter user | device | key || accepter user |
    /// device | key || transaction: the HKDF info of the SAS bytes (both ephemeral keys in
    /// base64, so it is built once both are known).
    pub(crate) fn sas_info(&self, starter_key: &str, accepter_key: &str) -> String {
        format!(
            "MATRIX_KEY_VERIFICATION_SAS|{ALICE_USER}|{ALICE_DEVICE}|{starter_key}|{BOB_USER}|\
             {BOB_DEVICE}|{accepter_key}|{}",
            self.transaction
        )
    }
}
