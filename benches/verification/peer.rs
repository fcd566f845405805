//! The peer: vodozemac's `sas` module (Matrix's SAS: `curve25519-hkdf-sha256` key agreement,
//! `hkdf-hmac-sha256.v2` MACs) doing the equivalent exchange for two parties, Alice starting.
//!
//! What differs from hushwire's exchange, and how the like-for-like row handles it:
//!
//! - **Commitment.** vodozemac has none: in Matrix the accepting side's client commits to its
//!   key (SHA-256 over the key and the canonical JSON of the start event) outside vodozemac.
//!   The like-for-like row (`vodozemac`) adds hushwire's commitment with the `sha2` crate over
//!   the same 75 bytes (computed by the responder, Bob, checked by the starter, Alice, as
//!   hushwire's and Matrix's order has it); the row `vodozemac_no_commitment` is vodozemac
//!   alone.
//! - **MACs.** Each vodozemac MAC derives its own key: `calculate_mac` and `verify_mac` are
//!   each an HKDF-SHA256 to 32 bytes and an HMAC-SHA256. So per side: 1 HKDF for the SAS bytes,
//!   and 2 HKDF and 2 HMAC for the MACs (hushwire: 1 HKDF to 6 bytes, 1 to 64 bytes, and 2
//!   HMAC). One MAC per side over the device's Ed25519 key (base64, as Matrix MACs it), not
//!   Matrix's second MAC over the list of key ids.
//! - **Wire.** Matrix sends JSON events; vodozemac's part of the wire is the unpadded base64
//!   of each ephemeral key (`to_base64`, `from_base64`) and MAC, which the rows include. No
//!   JSON is built or parsed. hushwire's rows encode and strictly decode each protobuf message.
//! - **Info strings.** The SAS info (`MATRIX_KEY_VERIFICATION_SAS|...`, both ephemeral keys in
//!   base64) is built per exchange by each side, as a client does; the MAC infos are fixed.
//! - **Randomness.** `Sas::new` draws from rand's thread rng; hushwire from the ChaCha20 rng
//!   the bench passes. No transaction id is drawn (Matrix's is the client's string).
//! - **State.** vodozemac has no state machine: no transaction, timeout or order checks.

use std::hint::black_box;

use criterion::Criterion;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vodozemac::Curve25519PublicKey;
use vodozemac::sas::{Mac, Sas};

use crate::fixtures::MatrixStrings;

/// hushwire's commitment with the `sha2` crate (the like-for-like addition).
fn commitment(txn: &[u8; 16], key: &[u8; 32]) -> [u8; 32] {
    let label = b"hushwire/v1/sas/commitment";
    let mut h = Sha256::new();
    h.update([label.len() as u8]);
    h.update(label);
    h.update(txn);
    h.update(key);
    h.finalize().into()
}

/// One exchange in hushwire's (and Matrix's) order; with `commit`, the responder's
/// commitment computed and checked. Returns the 7 emoji indices and 3 numbers shown.
pub(crate) fn exchange(s: &MatrixStrings, commit: bool) -> ([u8; 7], (u16, u16, u16)) {
    const TXN: [u8; 16] = *b"YbJ6uMNcPaS4QmWq";
    // Alice starts: her ephemeral key.
    let alice = Sas::new();
    let alice_key = alice.public_key().to_base64();
    // Bob accepts: his ephemeral key (and the commitment to it).
    let bob = Sas::new();
    let bob_key = bob.public_key().to_base64();
    let committed = commit.then(|| commitment(&TXN, bob.public_key().as_bytes()));
    // Bob, on Alice's key: DH, the SAS.
    let bob_sas = bob
        .diffie_hellman(Curve25519PublicKey::from_base64(&alice_key).unwrap())
        .unwrap();
    let bob_bytes = bob_sas.bytes(&s.sas_info(&alice_key, &bob_key));
    let bob_shown = (bob_bytes.emoji_indices(), bob_bytes.decimals());
    // Alice, on Bob's key: the commitment, DH, the SAS.
    let received = Curve25519PublicKey::from_base64(&bob_key).unwrap();
    if let Some(c) = committed {
        assert!(bool::from(commitment(&TXN, received.as_bytes()).ct_eq(&c)));
    }
    let alice_sas = alice.diffie_hellman(received).unwrap();
    let alice_bytes = alice_sas.bytes(&s.sas_info(&alice_key, &bob_key));
    let alice_shown = (alice_bytes.emoji_indices(), alice_bytes.decimals());
    assert_eq!(black_box(alice_shown), black_box(bob_shown));
    // Both confirm: each MACs its own device key and sends it.
    let alice_mac = alice_sas
        .calculate_mac(&s.alice_ed25519, &s.alice_mac_info)
        .to_base64();
    let bob_mac = bob_sas
        .calculate_mac(&s.bob_ed25519, &s.bob_mac_info)
        .to_base64();
    // Each checks the other's.
    alice_sas
        .verify_mac(
            &s.bob_ed25519,
            &s.bob_mac_info,
            &Mac::from_base64(&bob_mac).unwrap(),
        )
        .unwrap();
    bob_sas
        .verify_mac(
            &s.alice_ed25519,
            &s.alice_mac_info,
            &Mac::from_base64(&alice_mac).unwrap(),
        )
        .unwrap();
    alice_shown
}

pub(crate) fn bench(c: &mut Criterion) {
    let s = MatrixStrings::new();
    exchange(&s, true);
    let mut g = c.benchmark_group("sas_exchange");
    g.bench_function("vodozemac", |b| b.iter(|| exchange(black_box(&s), true)));
    g.bench_function("vodozemac_no_commitment", |b| {
        b.iter(|| exchange(black_box(&s), false))
    });
    g.finish();
}
